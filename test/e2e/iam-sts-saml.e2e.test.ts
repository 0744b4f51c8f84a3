/**
 * SAML federation through the real server with the official SDK clients: a test IdP (RSA key
 * pair and self-signed certificate), its metadata registered with CreateSAMLProvider (with a
 * private key for encrypted assertions), Responses signed with xml-crypto, AssumeRoleWithSAML
 * (unsigned) and the issued credentials used for signed calls whose policies test the session
 * tags, role chaining with a transitive tag, the refusals, and the CloudTrail events.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import {
  IAMClient,
  CreateSAMLProviderCommand,
  GetSAMLProviderCommand,
  ListSAMLProvidersCommand,
  UpdateSAMLProviderCommand,
  DeleteSAMLProviderCommand,
  TagSAMLProviderCommand,
  UntagSAMLProviderCommand,
  ListSAMLProviderTagsCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  ListRolesCommand,
  GetRoleCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleWithSAMLCommand, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ATTR, createTestIdp, otherSigningKey, SAML_ENDPOINT, samlResponse, samlResponseXml, type ResponseOptions, type TestIdp } from "../../src/services/sts/testing/saml-idp.js";
import { startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let idp: TestIdp;
const encryption = generateKeyPairSync("rsa", { modulusLength: 2048 });
const encryptionKeyPem = encryption.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const encryptionPublicPem = encryption.publicKey.export({ format: "pem", type: "spki" }).toString();

before(async () => {
  idp = await createTestIdp("https://idp.corp.example/saml");
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const creds = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined) => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

test("SAML provider + trust policy: AssumeRoleWithSAML issues credentials whose session tags policies see; refusals and CloudTrail as in AWS", async () => {
  const iam = new IAMClient(s.clientConfig());
  const providerArn = `arn:aws:iam::${s.accountId}:saml-provider/Corp`;
  const created = await iam.send(
    new CreateSAMLProviderCommand({ Name: "Corp", SAMLMetadataDocument: idp.metadata(), AddPrivateKey: encryptionKeyPem, Tags: [{ Key: "env", Value: "test" }] }),
  );
  assert.equal(created.SAMLProviderArn, providerArn);
  await assert.rejects(
    iam.send(new CreateSAMLProviderCommand({ Name: "Broken", SAMLMetadataDocument: `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${" ".repeat(1000)}</md:EntityDescriptor>` })),
    (e: any) => e.name === "InvalidInputException" && e.$metadata.httpStatusCode === 400 && e.message === "Could not parse metadata",
  );
  const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn }));
  assert.equal(got.SAMLMetadataDocument, idp.metadata());
  assert.match(got.SAMLProviderUUID ?? "", /^[A-Z2-7]{26}$/);
  assert.equal(got.AssertionEncryptionMode, "Allowed");
  assert.equal(got.PrivateKeyList?.length, 1);
  assert.ok(got.ValidUntil instanceof Date && got.ValidUntil.getUTCFullYear() >= new Date().getUTCFullYear() + 99);
  assert.deepEqual(got.Tags, [{ Key: "env", Value: "test" }]);
  const listed = await iam.send(new ListSAMLProvidersCommand({}));
  assert.deepEqual(listed.SAMLProviderList?.map((p) => p.Arn), [providerArn]);
  await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: providerArn, Tags: [{ Key: "owner", Value: "id-team" }] }));
  await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: providerArn, TagKeys: ["env"] }));
  assert.deepEqual((await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: providerArn }))).Tags, [{ Key: "owner", Value: "id-team" }]);
  // Encrypted assertions only, from now on.
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: providerArn, AssertionEncryptionMode: "Required" }));

  const roleArn = `arn:aws:iam::${s.accountId}:role/saml-engineers`;
  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
        Condition: { StringEquals: { "SAML:aud": SAML_ENDPOINT } },
      },
    ],
  };
  await iam.send(new CreateRoleCommand({ RoleName: "saml-engineers", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  // The session may list roles only when its Project session tag is Apollo; it may assume the next role.
  const byTag = (extra: object[] = []) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/Project": "Apollo" } } }, ...extra],
  });
  await iam.send(new PutRolePolicyCommand({ RoleName: "saml-engineers", PolicyName: "p", PolicyDocument: JSON.stringify(byTag([{ Effect: "Allow", Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], Resource: "*" }])) }));
  const nextTrust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: roleArn }, Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"] }] };
  await iam.send(new CreateRoleCommand({ RoleName: "saml-next", AssumeRolePolicyDocument: JSON.stringify(nextTrust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "saml-next", PolicyName: "p", PolicyDocument: JSON.stringify(byTag()) }));

  const attributes = (project: string, extra: Record<string, string[]> = {}) => ({
    [ATTR.role]: [`${roleArn},${providerArn}`],
    [ATTR.sessionName]: ["alice"],
    [ATTR.principalTag("Project")]: [project],
    [ATTR.transitiveTagKeys]: ["Project"],
    [ATTR.sourceIdentity]: ["alice"],
    ...extra,
  });
  const assertion = (o: Partial<ResponseOptions> = {}) => samlResponse(idp, { now: Date.now(), attributes: attributes("Apollo"), encryptFor: encryptionPublicPem, ...o });

  const sts = new STSClient(s.clientConfig());
  const good = assertion();
  const out = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: good }));
  const qualifier = createHash("sha1").update(`${idp.entityId}${s.accountId}/Corp`).digest("base64");
  assert.equal(out.Subject, "alice@example.com");
  assert.equal(out.SubjectType, "persistent");
  assert.equal(out.Issuer, idp.entityId);
  assert.equal(out.Audience, SAML_ENDPOINT);
  assert.equal(out.NameQualifier, qualifier);
  assert.equal(out.SourceIdentity, "alice");
  assert.ok((out.PackedPolicySize ?? 0) > 0);
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${s.accountId}:assumed-role/saml-engineers/alice`);

  // The credentials work, and the session tag reaches policy evaluation.
  const session = creds(out.Credentials);
  const who = await new STSClient(s.clientConfig(session)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.accountId}:assumed-role/saml-engineers/alice`);
  await new IAMClient(s.clientConfig(session)).send(new ListRolesCommand({}));
  const other = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion({ attributes: attributes("Gemini") }) }));
  await assert.rejects(new IAMClient(s.clientConfig(creds(other.Credentials))).send(new ListRolesCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);

  // Role chaining carries the transitive Project tag to the next session.
  const chained = await new STSClient(s.clientConfig(session)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/saml-next`, RoleSessionName: "next" }));
  assert.equal(chained.SourceIdentity, "alice");
  await new IAMClient(s.clientConfig(creds(chained.Credentials))).send(new ListRolesCommand({}));
  await assert.rejects(
    new STSClient(s.clientConfig(session)).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/saml-next`, RoleSessionName: "next", Tags: [{ Key: "project", Value: "x" }] }),
    ),
    (e: any) => e.name === "InvalidParameterValue" && e.$metadata.httpStatusCode === 400,
  );

  // Refusals.
  const refuse = (a: string, check: (e: any) => boolean) => assert.rejects(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: a })), check);
  await refuse(assertion({ sign: "none" }), (e) => e.name === "InvalidIdentityTokenException" && e.$metadata.httpStatusCode === 400 && e.message === "Response signature invalid");
  await refuse(assertion({ encryptFor: undefined }), (e) => e.name === "InvalidIdentityTokenException" && e.message === "The SAML provider requires encrypted assertions.");
  await refuse(assertion({ audience: "https://sp.example.com" }), (e) => e.name === "InvalidIdentityTokenException" && e.message === "The SAML assertion's Audience does not name AWS");
  await refuse(assertion({ issuer: "https://other.example" }), (e) => e.name === "InvalidIdentityTokenException" && e.message === "Issuer not present in specified provider");
  await refuse(assertion({ notOnOrAfter: Date.now() - 5000 }), (e) => e.name === "ExpiredTokenException" && e.$metadata.httpStatusCode === 400 && /^SAML assertion expired/.test(e.message));
  await refuse(
    assertion({ attributes: { ...attributes("Apollo"), [ATTR.role]: [`arn:aws:iam::${s.accountId}:role/other,${providerArn}`] } }),
    (e) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === "Not authorized to perform sts:AssumeRoleWithSAML",
  );
  await refuse(assertion({ recipient: "https://eu-west-1.signin.aws.amazon.com/saml" }), (e) => e.name === "AccessDenied" && e.message === "Not authorized to perform sts:AssumeRoleWithSAML");
  // The server's clock decides: an hour later the same response has expired.
  s.clock.offsetMs += 3600_000;
  try {
    await refuse(good, (e) => e.name === "ExpiredTokenException");
  } finally {
    s.clock.offsetMs -= 3600_000;
  }

  // CloudTrail: the caller is the SAML user; the assertion and the private key never reach the log.
  const trail = new CloudTrailClient(s.clientConfig());
  const events = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithSAML" }] }));
  const parsed = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!));
  const ok = parsed.find((e) => e.errorCode === undefined && e.responseElements?.nameQualifier === qualifier && e.requestParameters?.principalTags?.Project === "Apollo");
  assert.ok(ok, "the successful call is recorded");
  assert.deepEqual(ok.userIdentity, { type: "SAMLUser", principalId: `${qualifier}:alice@example.com`, userName: "alice@example.com", identityProvider: qualifier });
  assert.equal(ok.recipientAccountId, s.accountId);
  assert.equal(ok.requestParameters.roleSessionName, "alice");
  assert.deepEqual(ok.requestParameters.principalTags, { Project: "Apollo" });
  assert.equal(ok.responseElements.subjectType, "persistent");
  assert.ok(parsed.some((e) => e.errorCode === "AccessDenied" && e.userIdentity.type === "SAMLUser"), "a refused assertion from a verified IdP is recorded as its SAML user");
  const byUser = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "alice@example.com" }] }));
  assert.ok((byUser.Events ?? []).some((e) => e.EventName === "AssumeRoleWithSAML"));
  const all = await trail.send(new LookupEventsCommand({ MaxResults: 50 }));
  for (const e of all.Events ?? []) {
    assert.ok(!e.CloudTrailEvent!.includes(good.slice(100, 160)), "the assertion never reaches the audit log");
    assert.ok(!e.CloudTrailEvent!.includes(encryptionKeyPem.split("\n")[2]!), "the private key never reaches the audit log");
  }

  // Removing the provider ends the trust.
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn }));
  await refuse(assertion(), (e) => e.name === "InvalidIdentityTokenException" && e.message === "Specified provider doesn't exist");
  await assert.rejects(iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn })), (e: any) => e.name === "NoSuchEntityException" && e.$metadata.httpStatusCode === 404);
});

test("AssumeRoleWithSAML in CloudTrail: the documented requestParameters without the assertion, the exact SAMLUser, refused calls in the role's account; MinimumSessionTokenSize and the token-size members", async () => {
  const iam = new IAMClient(s.clientConfig());
  const sts = new STSClient(s.clientConfig());
  const trail = new CloudTrailClient(s.clientConfig());
  const { SAMLProviderArn: providerArn } = await iam.send(new CreateSAMLProviderCommand({ Name: "Audited", SAMLMetadataDocument: idp.metadata() }));
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"], Condition: { StringEquals: { "SAML:aud": SAML_ENDPOINT } } }],
  };
  const role = (await iam.send(new CreateRoleCommand({ RoleName: "saml-audited", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
  await iam.send(new PutRolePolicyCommand({ RoleName: "saml-audited", PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*" }] }) }));
  const nameId = "auditor@example.com";
  const attributes = (extra: Record<string, string[]> = {}) => ({ [ATTR.role]: [`${role.Arn},${providerArn}`], [ATTR.sessionName]: ["auditor"], ...extra });
  const options = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({ now: Date.now(), nameId, attributes: attributes(), ...o });
  const call = (assertion: string, extra: { DurationSeconds?: number; MinimumSessionTokenSize?: number } = {}) =>
    sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: role.Arn!, PrincipalArn: providerArn, SAMLAssertion: assertion, ...extra }));

  // A tagged session with a padded token.
  const xml = samlResponseXml(idp, options({ attributes: attributes({ [ATTR.principalTag("Project")]: ["Apollo"], [ATTR.transitiveTagKeys]: ["Project"], [ATTR.sourceIdentity]: ["auditor"] }) }));
  const assertionId = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(xml)![1];
  const good = Buffer.from(xml).toString("base64");
  const out = await call(good, { DurationSeconds: 1800, MinimumSessionTokenSize: 4096 });
  assert.ok(out.Credentials!.SessionToken!.length >= 4096);
  assert.equal(out.SessionTokenSize, out.Credentials!.SessionToken!.length);
  assert.ok((out.PackedPolicySize ?? 0) > 0);
  assert.equal(out.SessionTokenUtilization, 100);
  await new IAMClient(s.clientConfig(creds(out.Credentials))).send(new ListRolesCommand({}));
  const plain = await call(samlResponse(idp, options()));
  assert.equal(plain.SessionTokenSize, plain.Credentials!.SessionToken!.length);
  assert.equal(plain.SessionTokenUtilization, Math.ceil((plain.SessionTokenSize! * 100) / 4096));
  assert.equal(plain.PackedPolicySize, undefined);

  // Refusals, each told apart by what the request asked for: an unsigned assertion, one signed by
  // another key, a verified one naming another role, a validation error.
  const attacker = await otherSigningKey();
  const invalidSignature = (e: any) => e.name === "InvalidIdentityTokenException" && e.$metadata.httpStatusCode === 400 && e.message === "Response signature invalid";
  await assert.rejects(call(samlResponse(idp, options({ sign: "none" })), { DurationSeconds: 901 }), invalidSignature);
  await assert.rejects(call(samlResponse(idp, options({ signingKeyPem: attacker.privateKeyPem })), { DurationSeconds: 902 }), invalidSignature);
  await assert.rejects(
    call(samlResponse(idp, options({ attributes: { ...attributes(), [ATTR.role]: [`arn:aws:iam::${s.accountId}:role/other,${providerArn}`] } })), { DurationSeconds: 903 }),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === "Not authorized to perform sts:AssumeRoleWithSAML",
  );
  await assert.rejects(
    call(samlResponse(idp, options()), { MinimumSessionTokenSize: 4097 }),
    (e: any) =>
      e.name === "ValidationError" &&
      e.$metadata.httpStatusCode === 400 &&
      e.message === "1 validation error detected: Value '4097' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to 4096",
  );

  const lookup = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithSAML" }], MaxResults: 50 }));
  const events = (lookup.Events ?? []).map((e) => ({ raw: e.CloudTrailEvent!, ev: JSON.parse(e.CloudTrailEvent!), username: e.Username })).filter((e) => e.ev.requestParameters?.roleArn === role.Arn);
  const qualifier = createHash("sha1").update(`${idp.entityId}${s.accountId}/Audited`).digest("base64");
  const identity = { type: "SAMLUser", principalId: `${qualifier}:${nameId}`, userName: nameId, identityProvider: qualifier };

  const ok = events.find((e) => e.ev.requestParameters.sAMLAssertionID === assertionId);
  assert.ok(ok, "the successful call is recorded");
  assert.deepEqual(ok.ev.userIdentity, identity);
  assert.equal(ok.username, nameId);
  assert.equal(ok.ev.eventSource, "sts.amazonaws.com");
  assert.equal(ok.ev.errorCode, undefined);
  assert.equal(ok.ev.readOnly, true);
  assert.equal(ok.ev.recipientAccountId, s.accountId);
  assert.deepEqual(ok.ev.resources, [{ ARN: role.Arn, accountId: s.accountId, type: "AWS::IAM::Role" }]);
  // The IAM User Guide's example: what the assertion says first, then what the request asked for.
  assert.deepEqual(Object.entries(ok.ev.requestParameters), [
    ["sAMLAssertionID", assertionId],
    ["roleSessionName", "auditor"],
    ["sourceIdentity", "auditor"],
    ["principalTags", { Project: "Apollo" }],
    ["transitiveTagKeys", ["Project"]],
    ["roleArn", role.Arn],
    ["principalArn", providerArn],
    ["durationSeconds", 1800],
    ["minimumSessionTokenSize", 4096],
  ]);
  const re = ok.ev.responseElements;
  assert.deepEqual(Object.keys(re.credentials), ["accessKeyId", "expiration"]);
  assert.equal(re.credentials.accessKeyId, out.Credentials!.AccessKeyId);
  assert.match(re.credentials.expiration, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  assert.deepEqual(
    { ...re, credentials: undefined },
    {
      credentials: undefined,
      assumedRoleUser: { assumedRoleId: out.AssumedRoleUser!.AssumedRoleId, arn: out.AssumedRoleUser!.Arn },
      packedPolicySize: out.PackedPolicySize,
      subject: nameId,
      subjectType: "persistent",
      issuer: idp.entityId,
      audience: SAML_ENDPOINT,
      nameQualifier: qualifier,
      sourceIdentity: "auditor",
    },
  );
  assert.ok(!ok.raw.includes(out.Credentials!.SecretAccessKey!) && !ok.raw.includes(out.Credentials!.SessionToken!));

  // Refused calls are the role account's events too; only a verified assertion names its caller.
  const byDuration = (d: number) => events.find((e) => e.ev.requestParameters.durationSeconds === d)?.ev;
  for (const d of [901, 902]) {
    const ev = byDuration(d);
    assert.ok(ev, `refused call ${d} is recorded`);
    assert.equal(ev.errorCode, "InvalidIdentityToken");
    assert.equal(ev.errorMessage, "Response signature invalid");
    assert.deepEqual(ev.userIdentity, { type: "Unknown" });
    assert.equal(ev.recipientAccountId, s.accountId);
    assert.deepEqual(ev.requestParameters, { roleArn: role.Arn, principalArn: providerArn, durationSeconds: d });
    assert.equal(ev.responseElements, null);
  }
  const denied = byDuration(903);
  assert.ok(denied, "the denied call is recorded");
  assert.equal(denied.errorCode, "AccessDenied");
  assert.deepEqual(denied.userIdentity, identity);
  assert.equal(denied.recipientAccountId, s.accountId);
  assert.deepEqual(Object.keys(denied.requestParameters), ["sAMLAssertionID", "roleArn", "principalArn", "durationSeconds"]);
  const invalid = events.find((e) => e.ev.requestParameters.minimumSessionTokenSize === 4097)?.ev;
  assert.ok(invalid, "the invalid request is recorded");
  assert.equal(invalid.errorCode, "ValidationError");
  assert.deepEqual(invalid.userIdentity, { type: "Unknown" });
  assert.equal(invalid.recipientAccountId, s.accountId);
  assert.deepEqual(invalid.requestParameters, { roleArn: role.Arn, principalArn: providerArn, minimumSessionTokenSize: 4097 });
  assert.equal(events.length, 6);

  // The assertion is not recorded, nor even named, in any event.
  for (const e of events) {
    assert.ok(!/"sAMLAssertion"/.test(e.raw), "the assertion is not named");
    assert.ok(!e.raw.includes(good.slice(200, 260)) && !e.raw.includes(good.slice(-80, -20)), "no part of the assertion");
  }
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: providerArn }));
});

test("requests made with a SAML session carry saml:sub, saml:sub_type and saml:namequalifier for the role's permissions policies", async () => {
  const iam = new IAMClient(s.clientConfig());
  const providerArn = (await iam.send(new CreateSAMLProviderCommand({ Name: "CorpKeys", SAMLMetadataDocument: idp.metadata() }))).SAMLProviderArn!;
  const qualifier = createHash("sha1").update(`${idp.entityId}${s.accountId}/CorpKeys`).digest("base64");
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithSAML" }] };
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: "saml-keys", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
  // ListRoles for alice's persistent subject of this provider; GetRole on a role named by the ${saml:sub} variable.
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "iam:ListRoles", Resource: "*", Condition: { StringEquals: { "saml:sub": "alice", "saml:sub_type": "persistent", "saml:namequalifier": qualifier } } },
      { Effect: "Allow", Action: "iam:GetRole", Resource: `arn:aws:iam::${s.accountId}:role/\${saml:sub}` },
    ],
  };
  await iam.send(new PutRolePolicyCommand({ RoleName: "saml-keys", PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  await iam.send(new CreateRoleCommand({ RoleName: "alice", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const attributes = { [ATTR.role]: [`${roleArn},${providerArn}`], [ATTR.sessionName]: ["alice"] };
  const sts = new STSClient(s.clientConfig());
  const as = async (nameId: string, nameIdFormat?: string) =>
    new IAMClient(s.clientConfig(creds((await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: samlResponse(idp, { now: Date.now(), attributes, nameId, ...(nameIdFormat ? { nameIdFormat } : {}) }) }))).Credentials)));
  const alice = await as("alice");
  await alice.send(new ListRolesCommand({}));
  await alice.send(new GetRoleCommand({ RoleName: "alice" }));
  const denied = (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403;
  await assert.rejects(alice.send(new GetRoleCommand({ RoleName: "saml-keys" })), denied);
  const bob = await as("bob");
  await assert.rejects(bob.send(new ListRolesCommand({})), denied);
  await assert.rejects(bob.send(new GetRoleCommand({ RoleName: "alice" })), denied);
  const transient = await as("alice", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient");
  await assert.rejects(transient.send(new ListRolesCommand({})), denied);
});

test("list-typed SAML keys with one value: a trust policy's set operators decide, an operator without one does not match", async () => {
  const iam = new IAMClient(s.clientConfig());
  const providerArn = (await iam.send(new CreateSAMLProviderCommand({ Name: "CorpEdu", SAMLMetadataDocument: idp.metadata() }))).SAMLProviderArn!;
  const role = async (name: string, condition: Record<string, unknown>) => {
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithSAML", Condition: condition }] };
    return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
  };
  // The IAM User Guide's example for saml:edupersonaffiliation, a key it marks as a list.
  const setRole = await role("edu-set", { "ForAllValues:StringLike": { "saml:edupersonaffiliation": ["faculty", "staff"] }, "ForAnyValue:StringEquals": { "saml:edupersonaffiliation": "staff" } });
  const plainRole = await role("edu-plain", { StringEquals: { "saml:edupersonaffiliation": "staff" } });
  const primaryRole = await role("edu-primary", { StringEquals: { "saml:edupersonprimaryaffiliation": "staff" } });
  const sts = new STSClient(s.clientConfig());
  const assume = (roleArn: string, attributes: Record<string, string[]>) =>
    sts.send(
      new AssumeRoleWithSAMLCommand({
        RoleArn: roleArn,
        PrincipalArn: providerArn,
        SAMLAssertion: samlResponse(idp, { now: Date.now(), attributes: { [ATTR.role]: [`${roleArn},${providerArn}`], [ATTR.sessionName]: ["alice"], ...attributes } }),
      }),
    );
  const affiliation = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1";
  const denied = (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === "Not authorized to perform sts:AssumeRoleWithSAML";
  const out = await assume(setRole, { [affiliation]: ["staff"] });
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${s.accountId}:assumed-role/edu-set/alice`);
  await assume(setRole, { [affiliation]: ["faculty", "staff"] });
  await assert.rejects(assume(setRole, { [affiliation]: ["student"] }), denied);
  await assert.rejects(assume(setRole, { [affiliation]: ["staff", "student"] }), denied);
  // Without a set operator a list never matches, one value or several.
  await assert.rejects(assume(plainRole, { [affiliation]: ["staff"] }), denied);
  await assert.rejects(assume(plainRole, { [affiliation]: ["staff", "faculty"] }), denied);
  // saml:edupersonprimaryaffiliation is not a list: one value is compared as a string.
  await assume(primaryRole, { "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ["staff"] });
});
