/**
 * OIDC federation through the real server with the official SDK clients: an IAM OIDC
 * provider for an in-process HTTPS issuer (its own CA, trusted through BULWARK_OIDC_CA_FILE),
 * a role trusting it with a `sub` condition, AssumeRoleWithWebIdentity (unsigned) and the
 * issued credentials used for a signed call.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  IAMClient,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  DeleteOpenIDConnectProviderCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  ListRolesCommand,
  ListUsersCommand,
  TagRoleCommand,
  GetRoleCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type Credentials } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ecKey, mintToken, rsaKey, startTestIssuer, type SigningKey, type TestIssuer } from "../../src/services/sts/testing/oidc-issuer.js";
import { startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let issuer: TestIssuer;
let rsa: SigningKey;
let caDir: string;

before(async () => {
  rsa = rsaKey("k1");
  issuer = await startTestIssuer([rsa, ecKey("k2")]);
  caDir = mkdtempSync(path.join(tmpdir(), "bulwark-oidc-ca-"));
  const caFile = path.join(caDir, "issuer-ca.pem");
  writeFileSync(caFile, issuer.caCertPem);
  s = await startTestServer({ env: { BULWARK_OIDC_CA_FILE: caFile } });
});
after(async () => {
  await s.destroy();
  await issuer.close();
  rmSync(caDir, { recursive: true, force: true });
});

test("OIDC provider + trust policy: AssumeRoleWithWebIdentity issues credentials that work; mismatches and expiry fail as in AWS", async () => {
  const iam = new IAMClient(s.clientConfig());
  const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["sts.amazonaws.com"], Tags: [{ Key: "env", Value: "test" }] }));
  const providerArn = `arn:aws:iam::${s.accountId}:oidc-provider/${issuer.host}`;
  assert.equal(created.OpenIDConnectProviderArn, providerArn);
  await assert.rejects(iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url })), (e: any) => e.name === "EntityAlreadyExistsException" && e.$metadata.httpStatusCode === 409);
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
  assert.equal(got.Url, issuer.host);
  assert.deepEqual(got.ClientIDList, ["sts.amazonaws.com"]);
  const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  assert.deepEqual(listed.OpenIDConnectProviderList?.map((p) => p.Arn), [providerArn]);

  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuer.host}:aud`]: "sts.amazonaws.com", [`${issuer.host}:sub`]: "repo:acme/app:ref:refs/heads/main" } },
      },
    ],
  };
  const role = await iam.send(new CreateRoleCommand({ RoleName: "ci-deploy", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "ci-deploy", PolicyName: "read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:GetRole", Resource: "*" }] }) }));

  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer.url, aud: "sts.amazonaws.com", sub: "repo:acme/app:ref:refs/heads/main", iat: now - 10, nbf: now - 10, exp: now + 300 };
  const token = mintToken(rsa, claims);
  const sts = new STSClient(s.clientConfig());
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-1", WebIdentityToken: token }));
  assert.equal(out.SubjectFromWebIdentityToken, claims.sub);
  assert.equal(out.Provider, issuer.url);
  assert.equal(out.Audience, "sts.amazonaws.com");
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${s.accountId}:assumed-role/ci-deploy/run-1`);

  const creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
  const who = await new STSClient(s.clientConfig(creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.accountId}:assumed-role/ci-deploy/run-1`);

  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-2", WebIdentityToken: mintToken(rsa, { ...claims, sub: "repo:acme/app:pull_request" }) })),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === "Not authorized to perform sts:AssumeRoleWithWebIdentity",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-3", WebIdentityToken: mintToken(rsa, { ...claims, aud: "other" }) })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === "Incorrect token audience",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-4", WebIdentityToken: mintToken(rsa, { ...claims, exp: now - 100 }) })),
    (e: any) => e.name === "ExpiredTokenException" && /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/.test(e.message),
  );

  // Session tags from the token's https://aws.amazon.com/tags claim reach policy evaluation (aws:PrincipalTag).
  const taggedTrust = { ...trust, Statement: [{ ...trust.Statement[0], Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] }] };
  const tagged = await iam.send(new CreateRoleCommand({ RoleName: "ci-tagged", AssumeRolePolicyDocument: JSON.stringify(taggedTrust) }));
  const onlyApollo = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/Project": "Apollo" } } }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: "ci-tagged", PolicyName: "by-tag", PolicyDocument: JSON.stringify(onlyApollo) }));
  const tagsClaim = (project: string) => ({ "https://aws.amazon.com/tags": { principal_tags: { Project: [project] }, transitive_tag_keys: ["Project"] } });
  const withTags = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Apollo") }) }));
  assert.ok((withTags.PackedPolicySize ?? 0) > 0);
  const taggedCreds = { accessKeyId: withTags.Credentials!.AccessKeyId!, secretAccessKey: withTags.Credentials!.SecretAccessKey!, sessionToken: withTags.Credentials!.SessionToken! };
  await new IAMClient(s.clientConfig(taggedCreds)).send(new ListRolesCommand({}));
  const otherTag = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Gemini") }) }));
  const otherCreds = { accessKeyId: otherTag.Credentials!.AccessKeyId!, secretAccessKey: otherTag.Credentials!.SecretAccessKey!, sessionToken: otherTag.Credentials!.SessionToken! };
  await assert.rejects(new IAMClient(s.clientConfig(otherCreds)).send(new ListRolesCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);
  // Without sts:TagSession in the trust policy, a token with tags is refused.
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-t", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Apollo") }) })),
    (e: any) => e.name === "AccessDenied" && e.message === "Not authorized to perform sts:TagSession",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "bad", WebIdentityToken: mintToken(rsa, { ...claims, "https://aws.amazon.com/tags": { principal_tags: { a: ["1"], A: ["2"] } } }) })),
    (e: any) => e.name === "InvalidParameterValue" && e.message === "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
  );

  // CloudTrail records the call without the token, made by the web identity user.
  const trail = new CloudTrailClient(s.clientConfig());
  const events = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }] }));
  assert.ok((events.Events?.length ?? 0) > 0);
  for (const ev of events.Events ?? []) assert.ok(!ev.CloudTrailEvent?.includes(token.split(".")[2]!), "the token never reaches the audit log");
  const first = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.errorCode === undefined && e.responseElements?.assumedRoleUser?.arn?.endsWith("/ci-deploy/run-1"));
  assert.ok(first, "the successful call is recorded");
  assert.deepEqual(first.userIdentity, { type: "WebIdentityUser", principalId: `${providerArn}:sts.amazonaws.com:${claims.sub}`, userName: claims.sub, identityProvider: providerArn });
  assert.equal(first.recipientAccountId, s.accountId);
  // Calls made with the session name the OIDC provider in the session context.
  const who2 = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: creds.accessKeyId }] }));
  const sessionCall = (who2.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.eventName === "GetCallerIdentity");
  assert.deepEqual(sessionCall?.userIdentity.sessionContext.webIdFederationData, { federatedProvider: providerArn, attributes: {} });

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-5", WebIdentityToken: token })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === `No OpenIDConnect provider found in your account for ${issuer.url}`,
  );
});

const TAGS_CLAIM = "https://aws.amazon.com/tags";
const credsOf = (c: Credentials | undefined) => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

test("session tags from the token: trust-policy tag keys, aws:PrincipalTag, transitive tags through role chaining, size limits; CloudTrail's WebIdentityUser events without the token", async () => {
  const iam = new IAMClient(s.clientConfig());
  const sts = new STSClient(s.clientConfig());
  const trail = new CloudTrailClient(s.clientConfig());
  const { OpenIDConnectProviderArn: providerArn } = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["web-app"] }));
  const sub = "user-7f3a";
  const now = Math.floor(Date.now() / 1000);
  const token = (extra: Record<string, unknown> = {}) => mintToken(rsa, { iss: issuer.url, aud: "web-app", sub, iat: now - 5, exp: now + 300, ...extra });
  const tagged = (principal_tags: Record<string, string[]>, transitive_tag_keys: string[] = []) => token({ [TAGS_CLAIM]: { principal_tags, transitive_tag_keys } });

  // Passing tags needs sts:TagSession, here only for the Project/CostCenter keys and Apollo or Gemini projects.
  const federated = { Effect: "Allow", Principal: { Federated: providerArn }, Condition: { StringEquals: { [`${issuer.host}:aud`]: "web-app" } } };
  const trust = {
    Version: "2012-10-17",
    Statement: [
      { ...federated, Action: "sts:AssumeRoleWithWebIdentity" },
      {
        ...federated,
        Action: "sts:TagSession",
        Condition: {
          ...federated.Condition,
          StringEquals: { ...federated.Condition.StringEquals, "aws:RequestTag/Project": ["Apollo", "Gemini"] },
          "ForAllValues:StringEquals": { "aws:TagKeys": ["Project", "CostCenter"] },
        },
      },
    ],
  };
  const role = (await iam.send(new CreateRoleCommand({ RoleName: "web-tagged", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
  const byTag = (key: string, value: string, action: string) => ({ Effect: "Allow", Action: action, Resource: "*", Condition: { StringEquals: { [`aws:PrincipalTag/${key}`]: value } } });
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: "web-tagged",
      PolicyName: "abac",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [byTag("Project", "Apollo", "iam:ListRoles"), byTag("CostCenter", "42", "iam:ListUsers"), { Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] }),
    }),
  );

  // Tags reach the session: aws:PrincipalTag/Project = Apollo allows iam:ListRoles, CostCenter = 42 iam:ListUsers.
  const apolloToken = tagged({ Project: ["Apollo"], CostCenter: ["42"] }, ["Project"]);
  const apollo = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "apollo", WebIdentityToken: apolloToken, DurationSeconds: 1800 }));
  assert.equal(apollo.SubjectFromWebIdentityToken, sub);
  assert.ok((apollo.PackedPolicySize ?? 0) > 0 && apollo.PackedPolicySize! <= 100);
  const apolloIam = new IAMClient(s.clientConfig(credsOf(apollo.Credentials)));
  await apolloIam.send(new ListRolesCommand({}));
  await apolloIam.send(new ListUsersCommand({}));
  const gemini = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "gemini", WebIdentityToken: tagged({ Project: ["Gemini"] }) }));
  await assert.rejects(new IAMClient(s.clientConfig(credsOf(gemini.Credentials))).send(new ListRolesCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);

  // The trust policy's aws:RequestTag/ and aws:TagKeys conditions on sts:TagSession.
  const denied = "Not authorized to perform sts:TagSession";
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "mercury", WebIdentityToken: tagged({ Project: ["Mercury"] }) })),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === denied,
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "team", WebIdentityToken: tagged({ Project: ["Apollo"], Team: ["red"] }) })),
    (e: any) => e.name === "AccessDenied" && e.message === denied,
  );
  // Without sts:TagSession in the trust policy at all, a token with tags is refused; without tags it is not.
  const untaggedTrust = { Version: "2012-10-17", Statement: [{ ...federated, Action: "sts:AssumeRoleWithWebIdentity" }] };
  const plain = (await iam.send(new CreateRoleCommand({ RoleName: "web-plain", AssumeRolePolicyDocument: JSON.stringify(untaggedTrust) }))).Role!;
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: plain.Arn!, RoleSessionName: "plain-tags", WebIdentityToken: tagged({ Project: ["Apollo"] }) })),
    (e: any) => e.name === "AccessDenied" && e.message === denied,
  );
  const untagged = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: plain.Arn!, RoleSessionName: "plain", WebIdentityToken: token() }));
  assert.equal(untagged.PackedPolicySize, undefined);

  // Role chaining: the transitive Project tag passes on (it wins over the next role's own tag), CostCenter does not.
  const nextTrust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: [role.Arn, `arn:aws:iam::${s.accountId}:root`] }, Action: ["sts:AssumeRole", "sts:TagSession"] }] };
  const next = (await iam.send(new CreateRoleCommand({ RoleName: "web-chained", AssumeRolePolicyDocument: JSON.stringify(nextTrust) }))).Role!;
  await iam.send(new TagRoleCommand({ RoleName: "web-chained", Tags: [{ Key: "Project", Value: "Zeus" }] }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "web-chained", PolicyName: "abac", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [byTag("Project", "Apollo", "iam:ListRoles"), byTag("CostCenter", "42", "iam:ListUsers"), { Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: next.Arn }] }) }));
  const chained = await new STSClient(s.clientConfig(credsOf(apollo.Credentials))).send(new AssumeRoleCommand({ RoleArn: next.Arn!, RoleSessionName: "chained" }));
  const chainedIam = new IAMClient(s.clientConfig(credsOf(chained.Credentials)));
  await chainedIam.send(new ListRolesCommand({}));
  await assert.rejects(chainedIam.send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);
  // ... and stays transitive: one more hop still carries it (the trust policy delegates to the account
  // for this hop, so the chained role's own policy must allow sts:TagSession for the inherited tag).
  const again = await new STSClient(s.clientConfig(credsOf(chained.Credentials))).send(new AssumeRoleCommand({ RoleArn: next.Arn!, RoleSessionName: "chained-2" }));
  await new IAMClient(s.clientConfig(credsOf(again.Credentials))).send(new ListRolesCommand({}));
  // A chained session cannot pass a tag that replaces an inherited transitive one.
  await assert.rejects(
    new STSClient(s.clientConfig(credsOf(apollo.Credentials))).send(new AssumeRoleCommand({ RoleArn: next.Arn!, RoleSessionName: "override", Tags: [{ Key: "project", Value: "Zeus" }] })),
    (e: any) => e.name === "InvalidParameterValue" && e.$metadata.httpStatusCode === 400,
  );

  // Limits: a tag set over the packed size, more than 50 tags, a key too long, a multi-valued tag.
  // 20 tags of random characters: each within the limits, together over the packed budget.
  const random = (n: number) => randomBytes(n).toString("base64url").replace(/[^A-Za-z0-9]/g, "x");
  const bigTags = Object.fromEntries(Array.from({ length: 20 }, () => [random(30), [random(120)]]));
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "too-large", WebIdentityToken: tagged(bigTags) })),
    (e: any) => e.name === "PackedPolicyTooLargeException" && e.$metadata.httpStatusCode === 400 && /^Packed size of session tags consumes \d{3,}% of allotted space\.$/.test(e.message),
  );
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ["v"]]));
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "too-many", WebIdentityToken: tagged(many) })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === "The number of session tags must be less than or equal to 50.",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "long-key", WebIdentityToken: tagged({ ["k".repeat(129)]: ["v"] }) })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message.startsWith(`Session tag key '${"k".repeat(129)}' must have length 1 to 128`),
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "multi", WebIdentityToken: tagged({ Project: ["Apollo", "Gemini"] }) })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === `The ${TAGS_CLAIM} claim of the token is not valid`,
  );

  // CloudTrail: the caller is the web identity, the event is the role account's, and neither the token nor the secrets appear.
  const lookup = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], MaxResults: 50 }));
  const events = (lookup.Events ?? []).map((e) => ({ raw: e.CloudTrailEvent!, ev: JSON.parse(e.CloudTrailEvent!), username: e.Username }));
  const bySession = (name: string) => events.find((e) => e.ev.requestParameters?.roleSessionName === name);
  const identity = { type: "WebIdentityUser", principalId: `${providerArn}:web-app:${sub}`, userName: sub, identityProvider: providerArn };
  const ok = bySession("apollo");
  assert.ok(ok, "the tagged call is recorded");
  assert.deepEqual(ok.ev.userIdentity, identity);
  assert.equal(ok.username, sub);
  assert.equal(ok.ev.eventSource, "sts.amazonaws.com");
  assert.equal(ok.ev.recipientAccountId, s.accountId);
  assert.equal(ok.ev.readOnly, true);
  assert.deepEqual(ok.ev.resources, [{ ARN: role.Arn, accountId: s.accountId, type: "AWS::IAM::Role" }]);
  assert.deepEqual(ok.ev.requestParameters, { roleArn: role.Arn, roleSessionName: "apollo", durationSeconds: 1800, principalTags: { Project: "Apollo", CostCenter: "42" }, transitiveTagKeys: ["Project"] });
  assert.deepEqual(ok.ev.additionalEventData, { identityProviderConnectionVerificationMethod: "IAMTrustStore" });
  const re = ok.ev.responseElements;
  assert.deepEqual(Object.keys(re.credentials), ["accessKeyId", "expiration"]);
  assert.equal(re.credentials.accessKeyId, apollo.Credentials!.AccessKeyId);
  assert.match(re.credentials.expiration, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  assert.deepEqual(
    { ...re, credentials: undefined },
    {
      credentials: undefined,
      subjectFromWebIdentityToken: sub,
      assumedRoleUser: { assumedRoleId: apollo.AssumedRoleUser!.AssumedRoleId, arn: apollo.AssumedRoleUser!.Arn },
      packedPolicySize: apollo.PackedPolicySize,
      provider: providerArn,
      audience: "web-app",
    },
  );
  for (const e of events) {
    assert.ok(!("webIdentityToken" in (e.ev.requestParameters ?? {})), "the token is not even named");
    assert.ok(!e.raw.includes(apolloToken.split(".")[1]!) && !e.raw.includes(apolloToken.split(".")[2]!), "no part of the token is recorded");
  }
  assert.ok(!ok.raw.includes(apollo.Credentials!.SecretAccessKey!) && !ok.raw.includes(apollo.Credentials!.SessionToken!));
  // Refused calls are recorded in the role's account, naming the verified caller and the error.
  for (const [name, code] of [["mercury", "AccessDenied"], ["plain-tags", "AccessDenied"], ["too-large", "PackedPolicyTooLarge"], ["too-many", "InvalidIdentityToken"]] as const) {
    const ev = bySession(name)?.ev;
    assert.ok(ev, `${name} is recorded`);
    assert.deepEqual(ev.userIdentity, identity, name);
    assert.equal(ev.errorCode, code, name);
    assert.equal(ev.recipientAccountId, s.accountId, name);
    assert.equal(ev.responseElements, null, name);
  }
  assert.deepEqual(bySession("mercury")!.ev.requestParameters.principalTags, { Project: "Mercury" });

  // The chained AssumeRole is the web session's, and the chained sessions carry the provider in their context.
  const chainEvents = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: apollo.Credentials!.AccessKeyId! }] }));
  const assume = (chainEvents.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.eventName === "AssumeRole" && e.requestParameters?.roleSessionName === "chained");
  assert.equal(assume?.userIdentity.arn, `arn:aws:sts::${s.accountId}:assumed-role/web-tagged/apollo`);
  assert.deepEqual(assume?.userIdentity.sessionContext.webIdFederationData, { federatedProvider: providerArn, attributes: {} });

  // MinimumSessionTokenSize: the token is padded, SessionTokenSize is its length, SessionTokenUtilization the larger of its share of 4,096 bytes and the packed share; the padded token works.
  const big = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "big-token", WebIdentityToken: apolloToken, MinimumSessionTokenSize: 4096 }));
  assert.ok(big.Credentials!.SessionToken!.length >= 4096);
  assert.equal(big.SessionTokenSize, big.Credentials!.SessionToken!.length);
  assert.ok(big.PackedPolicySize! > 0);
  assert.equal(big.SessionTokenUtilization, 100);
  await new IAMClient(s.clientConfig(credsOf(big.Credentials))).send(new ListRolesCommand({}));
  assert.equal(untagged.SessionTokenSize, untagged.Credentials!.SessionToken!.length);
  assert.equal(untagged.SessionTokenUtilization, Math.ceil((untagged.SessionTokenSize! * 100) / 4096));
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "huge-token", WebIdentityToken: apolloToken, MinimumSessionTokenSize: 4097 })),
    (e: any) =>
      e.name === "ValidationError" &&
      e.$metadata.httpStatusCode === 400 &&
      e.message === "1 validation error detected: Value '4097' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to 4096",
  );
  const sized = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }], MaxResults: 50 }));
  const sizedEvents = (sized.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!));
  const refusedBig = sizedEvents.find((e) => e.requestParameters?.roleSessionName === "huge-token");
  assert.ok(refusedBig, "the refused call is the role account's event");
  assert.equal(refusedBig.errorCode, "ValidationError");
  assert.deepEqual(refusedBig.userIdentity, { type: "Unknown" });
  assert.deepEqual(refusedBig.requestParameters, { roleArn: role.Arn, roleSessionName: "huge-token", minimumSessionTokenSize: 4097 });
  assert.equal(sizedEvents.find((e) => e.requestParameters?.roleSessionName === "big-token")?.requestParameters.minimumSessionTokenSize, 4096);
});

test("web identity sessions: aws:FederatedProvider is the IAM OIDC provider's ARN in requests made with the session, and absent from sessions chained from it", async () => {
  const iam = new IAMClient(s.clientConfig());
  const providerArn = `arn:aws:iam::${s.accountId}:oidc-provider/${issuer.host}`;
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })).catch(() => undefined);
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["keys-app"] }));
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity" }] };
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "iam:ListUsers", Resource: "*", Condition: { StringEquals: { "aws:FederatedProvider": providerArn } } },
      { Effect: "Allow", Action: "iam:ListRoles", Resource: "*", Condition: { Null: { "aws:FederatedProvider": "true" } } },
      { Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" },
    ],
  };
  const role = (await iam.send(new CreateRoleCommand({ RoleName: "web-provider-keys", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
  await iam.send(new PutRolePolicyCommand({ RoleName: "web-provider-keys", PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  const now = Math.floor(Date.now() / 1000);
  const token = mintToken(rsa, { iss: issuer.url, aud: "keys-app", sub: "alice", iat: now - 5, exp: now + 300 });
  const web = await new STSClient(s.clientConfig()).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "web", WebIdentityToken: token }));
  const webIam = new IAMClient(s.clientConfig(credsOf(web.Credentials)));
  await webIam.send(new ListUsersCommand({}));
  await assert.rejects(webIam.send(new ListRolesCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);

  // A role session chained from the web identity session does not carry the key.
  const selfTrust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: role.Arn }, Action: "sts:AssumeRole" }] };
  const next = (await iam.send(new CreateRoleCommand({ RoleName: "web-provider-next", AssumeRolePolicyDocument: JSON.stringify(selfTrust) }))).Role!;
  await iam.send(new PutRolePolicyCommand({ RoleName: "web-provider-next", PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  const chained = await new STSClient(s.clientConfig(credsOf(web.Credentials))).send(new AssumeRoleCommand({ RoleArn: next.Arn!, RoleSessionName: "chained" }));
  const chainedIam = new IAMClient(s.clientConfig(credsOf(chained.Credentials)));
  await chainedIam.send(new ListRolesCommand({}));
  await assert.rejects(chainedIam.send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);
});

test("requests made with a web identity session carry the provider's keys (<provider>:sub, :aud, :amr), in conditions and policy variables", async () => {
  const iam = new IAMClient(s.clientConfig());
  const providerArn = `arn:aws:iam::${s.accountId}:oidc-provider/${issuer.host}`;
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })).catch(() => undefined);
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["keys-app"] }));
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity" }] };
  const h = issuer.host;
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "iam:ListUsers", Resource: "*", Condition: { StringEquals: { [`${h}:sub`]: "alice", [`${h}:aud`]: "keys-app" }, "ForAnyValue:StringEquals": { [`${h}:amr`]: "mfa" } } },
      { Effect: "Allow", Action: "iam:GetRole", Resource: `arn:aws:iam::${s.accountId}:role/\${${h}:sub}` },
    ],
  };
  const role = (await iam.send(new CreateRoleCommand({ RoleName: "web-idp-keys", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
  await iam.send(new PutRolePolicyCommand({ RoleName: "web-idp-keys", PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  await iam.send(new CreateRoleCommand({ RoleName: "alice", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const now = Math.floor(Date.now() / 1000);
  const as = async (sub: string, amr: string[]) => {
    const token = mintToken(rsa, { iss: issuer.url, aud: "keys-app", sub, amr, iat: now - 5, exp: now + 300 });
    const out = await new STSClient(s.clientConfig()).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Arn!, RoleSessionName: "web", WebIdentityToken: token }));
    return new IAMClient(s.clientConfig(credsOf(out.Credentials)));
  };
  const denied = (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403;
  const alice = await as("alice", ["pwd", "mfa"]);
  await alice.send(new ListUsersCommand({}));
  await alice.send(new GetRoleCommand({ RoleName: "alice" }));
  await assert.rejects(alice.send(new GetRoleCommand({ RoleName: "web-idp-keys" })), denied);
  await assert.rejects((await as("alice", ["pwd"])).send(new ListUsersCommand({})), denied);
  const bob = await as("bob", ["mfa"]);
  await assert.rejects(bob.send(new ListUsersCommand({})), denied);
  await assert.rejects(bob.send(new GetRoleCommand({ RoleName: "alice" })), denied);
});
