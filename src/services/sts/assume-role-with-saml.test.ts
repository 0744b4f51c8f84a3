import assert from "node:assert/strict";
import { sessionTokenUtilization } from "./credentials.js";
import { createHash, generateKeyPairSync } from "node:crypto";
import { before, describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import type { RoleRecord, SamlProviderRecord, SessionRecord } from "../iam/api.js";
import { nameQualifier, subjectTypeOf, type AssumeRoleWithSamlOutput } from "./assume-role-with-saml.js";
import { createStsService } from "./service.js";
import { engineContext } from "./testing/engine-context.js";
import { expectAwsError } from "./testing/expect-error.js";
import { createFakeIam, type FakeIam } from "./testing/fake-iam.js";
import { createTestSealer } from "./testing/fake-sealer.js";
import { createMemoryStorage } from "./testing/memory-storage.js";
import { ATTR, createTestIdp, otherSigningKey, SAML_ENDPOINT, samlResponse, samlResponseXml, type ResponseOptions, type TestIdp } from "./testing/saml-idp.js";

const ACCOUNT = "111122223333";
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/Corp`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/Engineers`;

type Out = AssumeRoleWithSamlOutput;

let idp: TestIdp;
let attacker: { certPem: string; privateKeyPem: string };
const encryption = generateKeyPairSync("rsa", { modulusLength: 2048 });
const encryptionPrivatePem = encryption.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const encryptionPublicPem = encryption.publicKey.export({ format: "pem", type: "spki" }).toString();

before(async () => {
  idp = await createTestIdp();
  attacker = await otherSigningKey();
});

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: PROVIDER_ARN },
      Action: ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
      Condition: { StringLike: { "SAML:aud": ["https://*signin.aws.amazon.com/saml", "https://signin.aws.amazon.com/saml/acs/*"], "saml:sub": "*@example.com" } },
    },
  ],
});

function setup(opts: { provider?: Partial<SamlProviderRecord>; trust?: string; maxSessionDuration?: number } = {}) {
  const iam: FakeIam = createFakeIam(() => NOW);
  const sts = createStsService({ store: createMemoryStorage(), sealer: createTestSealer(), iam, clock: new ManualClock(NOW) });
  iam.samlProviders.set(PROVIDER_ARN, {
    accountId: ACCOUNT,
    arn: PROVIDER_ARN,
    name: "Corp",
    uuid: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    entityId: idp.entityId,
    certificates: [idp.certPem],
    validUntil: NOW + 86_400_000,
    assertionEncryptionMode: "Allowed",
    privateKeys: [],
    ...opts.provider,
  });
  const role = iam.createRole({ accountId: ACCOUNT, region: "" }, { roleName: "Engineers", assumeRolePolicyDocument: opts.trust ?? TRUST, maxSessionDuration: opts.maxSessionDuration ?? 7200 });
  return {
    iam,
    role: role as Promise<RoleRecord>,
    async call(input: Record<string, unknown>, ctx = engineContext(NOW, "AssumeRoleWithSAML")): Promise<Out> {
      const def = sts.operations["AssumeRoleWithSAML"];
      assert.ok(def);
      return (await def.handler(input, ctx)) as Out;
    },
  };
}

const ROLE_PAIR = `${ROLE_ARN},${PROVIDER_ARN}`;
const baseAttributes = (extra: Record<string, string[]> = {}) => ({ [ATTR.role]: [ROLE_PAIR], [ATTR.sessionName]: ["alice"], ...extra });
const response = (o: Partial<ResponseOptions> = {}) => samlResponse(idp, { now: NOW, attributes: baseAttributes(), ...o });
const input = (assertion: string, extra: Record<string, unknown> = {}) => ({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: assertion, ...extra });

describe("AssumeRoleWithSAML", () => {
  test("a signed response: AssumedRole credentials, subject, issuer, audience, NameQualifier; trust policy with the Federated principal and saml: keys; CloudTrail's SAMLUser", async () => {
    const f = setup();
    await f.role;
    const ctx = engineContext(NOW, "AssumeRoleWithSAML");
    const out = await f.call(input(response({ sessionNotOnOrAfter: NOW + 1800_000 }), { DurationSeconds: 7200 }), ctx);
    assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    // The session ends at the IdP's SessionNotOnOrAfter when that comes first.
    assert.equal(out.Credentials.Expiration.getTime(), Math.floor(NOW / 1000) * 1000 + 1800_000);
    assert.equal(out.Subject, "alice@example.com");
    assert.equal(out.SubjectType, "persistent");
    assert.equal(out.Issuer, idp.entityId);
    assert.equal(out.Audience, SAML_ENDPOINT);
    const qualifier = createHash("sha1").update(`${idp.entityId}${ACCOUNT}/Corp`).digest("base64");
    assert.equal(out.NameQualifier, qualifier);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Engineers/alice`);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.equal(rec.kind, "AssumedRole");
    assert.equal(rec.sessionName, "alice");
    // The keys a SAML role's permissions policies may use go with the session; the trust policy's others do not.
    assert.deepEqual(rec.identityProviderKeys, { "saml:namequalifier": qualifier, "saml:sub": "alice@example.com", "saml:sub_type": "persistent" });
    const call = ctx.calls[0];
    assert.equal(call?.action, "sts:AssumeRoleWithSAML");
    assert.equal(call?.federatedProvider, PROVIDER_ARN);
    assert.deepEqual(call?.context, {
      "sts:RoleSessionName": "alice",
      "saml:aud": SAML_ENDPOINT,
      "saml:iss": idp.entityId,
      "saml:sub": "alice@example.com",
      "saml:sub_type": "persistent",
      "saml:namequalifier": qualifier,
      "saml:doc": `${ACCOUNT}/Corp`,
    });
    assert.deepEqual(ctx.audit.federatedIdentity, { type: "SAMLUser", principalId: `${qualifier}:alice@example.com`, userName: "alice@example.com", identityProvider: qualifier });
    assert.equal(ctx.audit.recipientAccountId, ACCOUNT);
    assert.equal((ctx.audit.responseElements as Record<string, unknown>)["nameQualifier"], qualifier);
    assert.ok(!JSON.stringify(ctx.audit).includes(out.Credentials.SessionToken));
  });

  test("managed session policies of the role's account or AWS managed; another account's are refused", async () => {
    const f = setup();
    await f.role;
    const own = `arn:aws:iam::${ACCOUNT}:policy/Engineering`;
    const out = await f.call(input(response(), { PolicyArns: [{ arn: own }, { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] }));
    assert.deepEqual((f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord).sessionPolicyArns, [own, "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const foreign = "arn:aws:iam::999988887777:policy/Engineering";
    await expectAwsError(f.call(input(response(), { PolicyArns: [{ arn: foreign }] })), "ValidationError", `${foreign} is invalid`, 400);
    await expectAwsError(f.call(input(response(), { PolicyArns: [{}] })), "ValidationError", "null is invalid", 400);
    assert.equal(f.iam.sessions.size, 1);
  });

  test("an assertion signed on its own (unsigned Response), regional endpoint, session tags, source identity and eduPerson attributes", async () => {
    const f = setup();
    await f.role;
    const ctx = engineContext(NOW, "AssumeRoleWithSAML");
    const attributes = baseAttributes({
      [ATTR.principalTag("Project")]: ["Apollo"],
      [ATTR.principalTag("CostCenter")]: ["42"],
      // Keys name tags regardless of case; the session records the tag's spelling.
      [ATTR.transitiveTagKeys]: ["project"],
      [ATTR.sourceIdentity]: ["alice"],
      "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["staff", "member"],
    });
    const out = await f.call(input(response({ sign: "assertion", recipient: "https://eu-west-1.signin.aws.amazon.com/saml", attributes })), ctx);
    assert.equal(out.Audience, "https://eu-west-1.signin.aws.amazon.com/saml");
    assert.equal(out.SourceIdentity, "alice");
    assert.ok(typeof out.PackedPolicySize === "number" && out.PackedPolicySize > 0);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual(rec.sessionTags, { Project: "Apollo", CostCenter: "42" });
    assert.deepEqual(rec.transitiveTagKeys, ["Project"]);
    assert.equal(rec.sourceIdentity, "alice");
    assert.deepEqual(
      ctx.calls.map((c) => c.action),
      ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
    );
    assert.deepEqual(ctx.calls[0]?.context?.["saml:edupersonaffiliation"], ["staff", "member"]);
    assert.equal(ctx.calls[0]?.context?.["aws:RequestTag/Project"], "Apollo");
  });

  test("list-typed saml: keys (marked [] in the IAM User Guide) are lists even with one value; the others stay strings", async () => {
    const f = setup();
    await f.role;
    const one = (oid: string, value: string) => ({ [`urn:oid:${oid}`]: [value] });
    const ctx = engineContext(NOW, "AssumeRoleWithSAML");
    const attributes = baseAttributes({
      ...one("1.3.6.1.4.1.5923.1.1.1.1", "staff"),
      ...one("1.3.6.1.4.1.5923.1.1.1.7", "urn:mace:example:vpn"),
      ...one("1.3.6.1.4.1.5923.1.2.1.3", "https://idp.example/policy"),
      ...one("2.5.4.3", "Alice"),
      ...one("0.9.2342.19200300.100.1.3", "alice@example.com"),
      ...one("1.3.6.1.4.1.5923.1.1.1.5", "staff"),
      ...one("1.3.6.1.4.1.5923.1.1.1.6", "alice@example.com"),
      ...one("1.3.6.1.4.1.5923.1.1.1.3", "o=Example"),
      ...one("1.3.6.1.4.1.5923.1.1.1.8", "ou=Eng"),
    });
    await f.call(input(response({ attributes })), ctx);
    const seen = ctx.calls[0]?.context ?? {};
    const table: Array<[string, unknown]> = [
      ["saml:edupersonaffiliation", ["staff"]],
      ["saml:edupersonentitlement", ["urn:mace:example:vpn"]],
      ["saml:eduorgidentityauthnpolicyuri", ["https://idp.example/policy"]],
      ["saml:cn", ["Alice"]],
      ["saml:commonName", ["Alice"]],
      ["saml:mail", ["alice@example.com"]],
      ["saml:edupersonprimaryaffiliation", "staff"],
      ["saml:edupersonprincipalname", "alice@example.com"],
      ["saml:edupersonorgdn", "o=Example"],
      ["saml:edupersonprimaryorgunitdn", "ou=Eng"],
      ["saml:aud", SAML_ENDPOINT],
      ["saml:sub", "alice@example.com"],
    ];
    for (const [key, value] of table) assert.deepEqual(seen[key], value, key);
  });

  test("trust policies on a one-valued list key: set operators decide, an operator without one does not match", async () => {
    const trust = (condition: Record<string, unknown>) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithSAML", Condition: condition }] });
    const affiliation = (...values: string[]) => baseAttributes({ "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": values });
    const guide = { "ForAllValues:StringLike": { "saml:edupersonaffiliation": ["faculty", "staff"] } };
    const rows: Array<[string, Record<string, unknown>, Record<string, string[]>, boolean]> = [
      ["the guide's ForAllValues:StringLike, staff", guide, affiliation("staff"), true],
      ["the guide's ForAllValues:StringLike, faculty and staff", guide, affiliation("faculty", "staff"), true],
      ["the guide's ForAllValues:StringLike, student", guide, affiliation("student"), false],
      ["the guide's ForAllValues:StringLike, staff and student", guide, affiliation("staff", "student"), false],
      ["ForAnyValue:StringEquals, staff", { "ForAnyValue:StringEquals": { "saml:edupersonaffiliation": "staff" } }, affiliation("staff"), true],
      ["ForAnyValue:StringEquals, student", { "ForAnyValue:StringEquals": { "saml:edupersonaffiliation": "staff" } }, affiliation("student"), false],
      ["StringEquals without a set operator, staff", { StringEquals: { "saml:edupersonaffiliation": "staff" } }, affiliation("staff"), false],
      ["StringLike without a set operator, staff", { StringLike: { "saml:edupersonaffiliation": "*" } }, affiliation("staff"), false],
      ["StringEquals on the single-valued saml:edupersonprimaryaffiliation", { StringEquals: { "saml:edupersonprimaryaffiliation": "staff" } }, baseAttributes({ "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ["staff"] }), true],
    ];
    for (const [name, condition, attributes, allowed] of rows) {
      const f = setup({ trust: trust(condition) });
      await f.role;
      const call = f.call(input(response({ attributes })));
      if (allowed) await call;
      else await expectAwsError(call, "AccessDeniedException", "Not authorized to perform sts:AssumeRoleWithSAML");
      assert.equal(f.iam.sessions.size, allowed ? 1 : 0, name);
    }
  });

  test("an encrypted assertion is decrypted with the provider's private key (AES-GCM and AES-CBC); Required refuses a plain one", async () => {
    const f = setup({ provider: { privateKeys: [encryptionPrivatePem], assertionEncryptionMode: "Required" } });
    await f.role;
    for (const enc of ["aes256-gcm", "aes128-cbc"] as const) {
      const out = await f.call(input(response({ sign: "response", encryptFor: encryptionPublicPem, encryption: enc })));
      assert.equal(out.Subject, "alice@example.com");
    }
    const signedInside = await f.call(input(response({ sign: "assertion", encryptFor: encryptionPublicPem })));
    assert.equal(signedInside.Subject, "alice@example.com");
    await expectAwsError(f.call(input(response())), "InvalidIdentityToken", "The SAML provider requires encrypted assertions.", 400);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();
    await expectAwsError(
      f.call(input(response({ encryptFor: other }))),
      "InvalidIdentityToken",
      "The encrypted SAML assertion could not be decrypted with the provider's private keys.",
    );
  });

  test("unsigned, tampered, signed by another key, or wrapped: Response signature invalid", async () => {
    const f = setup();
    await f.role;
    const invalid = (b64: string) => expectAwsError(f.call(input(b64)), "InvalidIdentityToken", "Response signature invalid", 400);
    await invalid(response({ sign: "none" }));
    await invalid(response({ signingKeyPem: attacker.privateKeyPem }));
    await invalid(response({ sign: "assertion", signingKeyPem: attacker.privateKeyPem }));
    // Tampered: the subject changed after signing.
    const signed = samlResponseXml(idp, { now: NOW, attributes: baseAttributes() });
    await invalid(Buffer.from(signed.replace("alice@example.com", "admin@example.com")).toString("base64"));
    // Tampered assertion inside an assertion-signed response.
    const assertionSigned = samlResponseXml(idp, { now: NOW, sign: "assertion", attributes: baseAttributes() });
    await invalid(Buffer.from(assertionSigned.replace(ROLE_PAIR, `${ROLE_ARN.replace("Engineers", "Admins")},${PROVIDER_ARN}`)).toString("base64"));
  });

  test("signature wrapping: a forged assertion beside or around the signed one is never read", async () => {
    const f = setup();
    await f.role;
    const genuine = samlResponseXml(idp, { now: NOW, sign: "assertion", nameId: "bob@example.com", attributes: baseAttributes() });
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine)?.[0] as string;
    const id = /ID="([^"]+)"/.exec(signedAssertion)?.[1] as string;
    // 1. A second, unsigned assertion next to the signed one.
    const forged = signedAssertion.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace("bob@example.com", "root@example.com").replace(id, "_forged");
    const twoAssertions = genuine.replace("</samlp:Response>", `${forged}</samlp:Response>`);
    await expectAwsError(f.call(input(Buffer.from(twoAssertions).toString("base64"))), "InvalidIdentityToken", "The SAML response is not a well-formed, base64-encoded SAML 2.0 Response.");
    // 2. The forged assertion takes the genuine one's ID and carries its signature; the genuine one hides in an extension.
    const stolenSignature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedAssertion)?.[0] as string;
    const forgedWithSig = forged.replace("_forged", id).replace("</saml:Issuer>", `</saml:Issuer>${stolenSignature}`);
    const wrapped = genuine.replace(signedAssertion, `${forgedWithSig}`).replace("</samlp:Status>", `</samlp:Status><samlp:Extensions>${signedAssertion}</samlp:Extensions>`);
    await expectAwsError(f.call(input(Buffer.from(wrapped).toString("base64"))), "InvalidIdentityToken", "Response signature invalid");
    // 3. A signed Response whose signature references another element (the hidden genuine assertion).
    const responseSigned = samlResponseXml(idp, { now: NOW, sign: "response", attributes: baseAttributes() });
    const rid = /<samlp:Response[^>]* ID="([^"]+)"/.exec(responseSigned)?.[1] as string;
    const retargeted = responseSigned.replace(` ID="${rid}"`, ` ID="_other"`);
    await expectAwsError(f.call(input(Buffer.from(retargeted).toString("base64"))), "InvalidIdentityToken", "Response signature invalid");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("the wrong issuer, audience or recipient; expired and not yet valid assertions; the IdP's failure status", async () => {
    const f = setup();
    await f.role;
    await expectAwsError(f.call(input(response({ issuer: "https://evil.example.com" }))), "InvalidIdentityToken", "Issuer not present in specified provider", 400);
    await expectAwsError(f.call(input(response({ audience: "https://sp.example.com" }))), "InvalidIdentityToken", "The SAML assertion's Audience does not name AWS");
    await expectAwsError(f.call(input(response({ audience: null }))), "InvalidIdentityToken", "The SAML assertion's Audience does not name AWS");
    await expectAwsError(
      f.call(input(response({ recipient: "https://sp.example.com/acs" }))),
      "InvalidIdentityToken",
      "The SAML assertion's Recipient https://sp.example.com/acs is not an AWS SAML endpoint",
    );
    // The provider's own ACS URL is an endpoint; another provider's is not.
    await f.call(input(response({ recipient: "https://signin.aws.amazon.com/saml/acs/ABCDEFGHIJKLMNOPQRSTUVWXYZ" })));
    await expectAwsError(f.call(input(response({ recipient: "https://signin.aws.amazon.com/saml/acs/OTHERPROVIDER0000000000" }))), "InvalidIdentityToken", /is not an AWS SAML endpoint$/);
    await expectAwsError(
      f.call(input(response({ notOnOrAfter: NOW - 1000 }))),
      "ExpiredTokenException",
      /^SAML assertion expired: current date\/time 2024-01-02T03:04:05Z must be before the expiration date\/time 2024-01-02T03:04:04Z$/,
      400,
    );
    await expectAwsError(f.call(input(response({ confirmationNotOnOrAfter: NOW }))), "ExpiredTokenException", /^SAML assertion expired/);
    await expectAwsError(f.call(input(response({ notBefore: NOW + 600_000 }))), "InvalidIdentityToken", "The SAML assertion is not yet valid (NotBefore 2024-01-02T03:14:05Z)");
    // Within the clock skew, NotBefore in the future is accepted.
    await f.call(input(response({ notBefore: NOW + 60_000 })));
    await expectAwsError(f.call(input(response({ status: "urn:oasis:names:tc:SAML:2.0:status:Requester" }))), "IDPRejectedClaim", /did not authenticate/, 403);
  });

  test("the Role attribute must list the requested role with this provider; session attributes are checked as STS documents", async () => {
    const f = setup();
    await f.role;
    const other = `arn:aws:iam::${ACCOUNT}:saml-provider/Other`;
    await expectAwsError(
      f.call(input(response({ attributes: { [ATTR.role]: [`${ROLE_ARN},${other}`], [ATTR.sessionName]: ["alice"] } }))),
      "AccessDeniedException",
      "Not authorized to perform sts:AssumeRoleWithSAML",
    );
    // Either order of the pair is accepted.
    await f.call(input(response({ attributes: { [ATTR.role]: [`${PROVIDER_ARN},${ROLE_ARN}`], [ATTR.sessionName]: ["alice"] } })));
    await expectAwsError(f.call(input(response({ attributes: { [ATTR.role]: [ROLE_PAIR] } }))), "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse");
    await expectAwsError(
      f.call(input(response({ attributes: baseAttributes({ [ATTR.sessionName]: ["bad name"] }) }))),
      "InvalidIdentityToken",
      "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    );
    await expectAwsError(f.call(input(response({ attributes: baseAttributes({ [ATTR.sourceIdentity]: ["x"] }) }))), "InvalidIdentityToken", "Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64}");
    await expectAwsError(
      f.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("a")]: ["1"], [ATTR.principalTag("A")]: ["2"] }) }))),
      "InvalidParameterValue",
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    await expectAwsError(
      f.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("a")]: ["1"], [ATTR.transitiveTagKeys]: ["b"] }) }))),
      "InvalidParameterValue",
      "The specified transitive tag key must be included in the requested tags.",
    );
    await expectAwsError(
      f.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("aws:team")]: ["v"] }) }))),
      "InvalidIdentityToken",
      "Session tag key 'aws:team' must not begin with aws:, a prefix reserved for AWS use.",
      400,
    );
    await expectAwsError(
      f.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("team")]: ["aws:v"] }) }))),
      "InvalidIdentityToken",
      "Session tag value for key 'team' must not begin with aws:, a prefix reserved for AWS use.",
    );
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [ATTR.principalTag(`k${i}`), ["v"]]));
    await expectAwsError(f.call(input(response({ attributes: baseAttributes(many) }))), "InvalidIdentityToken", "The number of session tags must be less than or equal to 50.");
    assert.equal(f.iam.sessions.size, 1);
  });

  test("trust policy conditions on saml: keys decide; no provider, bad input and DurationSeconds fail as in AWS", async () => {
    const f = setup();
    await f.role;
    await expectAwsError(f.call(input(response({ nameId: "mallory@evil.example" }))), "AccessDeniedException", "Not authorized to perform sts:AssumeRoleWithSAML");
    const noTag = setup({ trust: TRUST.replace(',"sts:TagSession"', "") });
    await noTag.role;
    await expectAwsError(noTag.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("a")]: ["1"] }) }))), "AccessDeniedException", "Not authorized to perform sts:TagSession");
    await expectAwsError(
      f.call({ ...input(response()), PrincipalArn: `arn:aws:iam::${ACCOUNT}:saml-provider/Missing` }),
      "InvalidIdentityToken",
      "Specified provider doesn't exist",
    );
    await expectAwsError(f.call(input("bm90IHhtbA==")), "InvalidIdentityToken", "The SAML response is not a well-formed, base64-encoded SAML 2.0 Response.");
    await expectAwsError(
      f.call(input(Buffer.from('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>').toString("base64"))),
      "InvalidIdentityToken",
      "The SAML response is not a well-formed, base64-encoded SAML 2.0 Response.",
    );
    await expectAwsError(
      f.call(input(response(), { DurationSeconds: 43200 })),
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    await expectAwsError(
      f.call({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: "abc" }),
      "ValidationError",
      "1 validation error detected: Value 'HIDDEN_DUE_TO_SECURITY_REASONS' at 'sAMLAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
    const expired = setup({ provider: { validUntil: NOW - 1 } });
    await expired.role;
    await expectAwsError(expired.call(input(response())), "InvalidIdentityToken", "The SAML provider's metadata has expired");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("CloudTrail annotations: requestParameters as documented without the assertion, the role's account as recipient, the SAMLUser named only from a verified assertion", async () => {
    const f = setup();
    const role = await f.role;
    const qualifier = createHash("sha1").update(`${idp.entityId}${ACCOUNT}/Corp`).digest("base64");
    const identity = { type: "SAMLUser", principalId: `${qualifier}:alice@example.com`, userName: "alice@example.com", identityProvider: qualifier };
    const attributes = baseAttributes({ [ATTR.principalTag("Project")]: ["Apollo"], [ATTR.transitiveTagKeys]: ["Project"], [ATTR.sourceIdentity]: ["alice"] });
    const xml = samlResponseXml(idp, { now: NOW, attributes });
    const assertionId = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(xml)?.[1];
    const b64 = Buffer.from(xml).toString("base64");
    const ok = engineContext(NOW, "AssumeRoleWithSAML");
    const out = await f.call(input(b64, { DurationSeconds: 1800, MinimumSessionTokenSize: 1024 }), ok);
    assert.deepEqual(ok.audit.requestParameters, {
      sAMLAssertionID: assertionId,
      roleSessionName: "alice",
      sourceIdentity: "alice",
      principalTags: { Project: "Apollo" },
      transitiveTagKeys: ["Project"],
      roleArn: ROLE_ARN,
      principalArn: PROVIDER_ARN,
      durationSeconds: 1800,
      minimumSessionTokenSize: 1024,
    });
    // The documented order: what the assertion says first, then what the request asked for.
    assert.deepEqual(Object.keys(ok.audit.requestParameters ?? {}).slice(0, 2), ["sAMLAssertionID", "roleSessionName"]);
    assert.deepEqual(ok.audit.federatedIdentity, identity);
    assert.equal(ok.audit.recipientAccountId, ACCOUNT);
    assert.deepEqual(ok.audit.resources, [{ ARN: role.arn, accountId: ACCOUNT, type: "AWS::IAM::Role" }]);
    assert.deepEqual(ok.audit.responseElements, {
      credentials: { accessKeyId: out.Credentials.AccessKeyId, expiration: "Jan 2, 2024, 3:34:05 AM" },
      assumedRoleUser: { assumedRoleId: out.AssumedRoleUser.AssumedRoleId, arn: out.AssumedRoleUser.Arn },
      packedPolicySize: out.PackedPolicySize,
      subject: "alice@example.com",
      subjectType: "persistent",
      issuer: idp.entityId,
      audience: SAML_ENDPOINT,
      nameQualifier: qualifier,
      sourceIdentity: "alice",
    });
    const text = JSON.stringify(ok.audit);
    assert.ok(!text.includes(b64.slice(0, 40)) && !text.includes(b64.slice(-60, -20)), "no part of the assertion");
    assert.ok(!/saml_?assertion"/i.test(text), "the assertion is not even named");
    assert.ok(!text.includes(out.Credentials.SecretAccessKey) && !text.includes(out.Credentials.SessionToken));

    // A verified assertion whose claims are refused still names its caller, with what it asked.
    const refused = engineContext(NOW, "AssumeRoleWithSAML");
    await expectAwsError(f.call(input(response({ attributes: baseAttributes({ [ATTR.sourceIdentity]: ["x"] }) })), refused), "InvalidIdentityToken", "Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64}");
    assert.deepEqual(refused.audit.federatedIdentity, identity);
    assert.equal(refused.audit.recipientAccountId, ACCOUNT);
    assert.deepEqual(Object.keys(refused.audit.requestParameters ?? {}), ["sAMLAssertionID", "roleSessionName", "roleArn", "principalArn"]);
    const wrongIssuer = engineContext(NOW, "AssumeRoleWithSAML");
    await expectAwsError(f.call(input(response({ issuer: "https://other.example" })), wrongIssuer), "InvalidIdentityToken", "Issuer not present in specified provider");
    assert.equal(wrongIssuer.audit.federatedIdentity?.type, "SAMLUser");

    // Unsigned, signed by another key, or refused before the signature is checked: nobody is named;
    // the event still reaches the role's account and records only what the request asked for.
    const before = [
      [input(response({ sign: "none" })), "InvalidIdentityToken"],
      [input(response({ signingKeyPem: attacker.privateKeyPem }), { DurationSeconds: 900 }), "InvalidIdentityToken"],
      [{ ...input(response()), PrincipalArn: `arn:aws:iam::${ACCOUNT}:saml-provider/Missing` }, "InvalidIdentityToken"],
      [input("bm90IHhtbA=="), "InvalidIdentityToken"],
      [input(response(), { MinimumSessionTokenSize: 4097 }), "ValidationError"],
      [{ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN }, "ValidationError"],
    ] as const;
    for (const [req, code] of before) {
      const ctx = engineContext(NOW, "AssumeRoleWithSAML");
      await expectAwsError(f.call(req, ctx), code, /./);
      assert.equal(ctx.audit.federatedIdentity, undefined);
      assert.equal(ctx.audit.recipientAccountId, ACCOUNT);
      const { SAMLAssertion: _a, RoleArn, PrincipalArn, ...rest } = req as Record<string, unknown>;
      const expected: Record<string, unknown> = { roleArn: RoleArn, principalArn: PrincipalArn };
      if (rest["DurationSeconds"] !== undefined) expected["durationSeconds"] = rest["DurationSeconds"];
      if (rest["MinimumSessionTokenSize"] !== undefined) expected["minimumSessionTokenSize"] = rest["MinimumSessionTokenSize"];
      assert.deepEqual(ctx.audit.requestParameters, expected);
    }
    assert.equal(f.iam.sessions.size, 1);
  });

  test("MinimumSessionTokenSize pads the session token; SessionTokenSize and SessionTokenUtilization as every credential-issuing call reports them", async () => {
    const f = setup();
    await f.role;
    const plain = await f.call(input(response()));
    assert.equal(plain.SessionTokenSize, plain.Credentials.SessionToken.length);
    assert.equal(plain.SessionTokenUtilization, sessionTokenUtilization(plain.SessionTokenSize));
    assert.equal(plain.PackedPolicySize, undefined);
    const padded = await f.call(input(response({ attributes: baseAttributes({ [ATTR.principalTag("Project")]: ["Apollo"] }) }), { MinimumSessionTokenSize: 4096 }));
    assert.ok(padded.Credentials.SessionToken.length >= 4096);
    assert.equal(padded.SessionTokenSize, padded.Credentials.SessionToken.length);
    assert.ok(padded.PackedPolicySize !== undefined && padded.PackedPolicySize > 0);
    // The padded token fills the whole 4,096 bytes: fuller than its packed tags.
    assert.equal(padded.SessionTokenUtilization, 100);
    const zero = await f.call(input(response(), { MinimumSessionTokenSize: 0 }));
    assert.equal(zero.SessionTokenSize, plain.SessionTokenSize);
    await expectAwsError(
      f.call(input(response(), { MinimumSessionTokenSize: 4097 })),
      "ValidationError",
      "1 validation error detected: Value '4097' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to 4096",
      400,
    );
    await expectAwsError(
      f.call(input(response(), { MinimumSessionTokenSize: -1, DurationSeconds: 60 })),
      "ValidationError",
      "2 validation errors detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900; Value '-1' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
    assert.equal(f.iam.sessions.size, 3);
  });

  test("NameQualifier and SubjectType as AWS documents them", () => {
    assert.equal(nameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP"), createHash("sha1").update("https://example.com/saml123456789012/MySAMLIdP").digest("base64"));
    assert.equal(subjectTypeOf("urn:oasis:names:tc:SAML:2.0:nameid-format:transient"), "transient");
    assert.equal(subjectTypeOf("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"), "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
  });
});
