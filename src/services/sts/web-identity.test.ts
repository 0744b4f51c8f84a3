import assert from "node:assert/strict";
import { sessionTokenUtilization } from "./credentials.js";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import type { RoleRecord, SessionRecord } from "../iam/api.js";
import { createJwksCache, type JwksSource } from "./oidc/jwks.js";
import { createStsService } from "./service.js";
import { expectAwsError } from "./testing/expect-error.js";
import { createFakeIam, type FakeIam } from "./testing/fake-iam.js";
import { engineContext } from "./testing/engine-context.js";
import { createTestSealer } from "./testing/fake-sealer.js";
import { createMemoryStorage } from "./testing/memory-storage.js";
import { ecKey, mintToken, rsaKey, startTestIssuer, type SigningKey, type TestIssuer } from "./testing/oidc-issuer.js";

const ACCOUNT = "111122223333";
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const NOW_S = Math.floor(NOW / 1000);
interface Out {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  SubjectFromWebIdentityToken: string;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  Provider: string;
  Audience: string;
  SourceIdentity?: string;
  SessionTokenUtilization?: number;
  SessionTokenSize: number;
}

let issuer: TestIssuer;
let rsa: SigningKey;
let ec: SigningKey;

before(async () => {
  rsa = rsaKey("rsa-1");
  ec = ecKey("ec-1");
  issuer = await startTestIssuer([rsa, ec]);
});
after(async () => issuer.close());

function setup(opts: { jwks?: JwksSource; providerUrl?: string; clientIds?: string[]; trustCondition?: Record<string, unknown>; maxSessionDuration?: number } = {}) {
  const iam: FakeIam = createFakeIam(() => NOW);
  const store = createMemoryStorage();
  const sealer = createTestSealer();
  const jwks = opts.jwks ?? createJwksCache({ caPem: issuer.caCertPem, timeoutMs: 2000 });
  const sts = createStsService({ store, sealer, iam, clock: new ManualClock(NOW), jwks });
  const url = opts.providerUrl ?? issuer.url;
  const resource = url.slice("https://".length);
  const providerArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${resource}`;
  iam.oidcProviders.set(`${ACCOUNT}/${resource}`, { accountId: ACCOUNT, arn: providerArn, resource, url, clientIds: opts.clientIds ?? ["sts.amazonaws.com"] });
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: ["sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity", "sts:TagSession"],
        Condition: opts.trustCondition ?? { StringEquals: { [`${resource}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${resource}:sub`]: "system:serviceaccount:prod:*" } },
      },
    ],
  });
  const rolePromise = iam.createRole({ accountId: ACCOUNT, region: "" }, { roleName: "Workload", assumeRolePolicyDocument: trust, maxSessionDuration: opts.maxSessionDuration ?? 7200 });
  return {
    iam,
    sealer,
    providerArn,
    role: rolePromise as Promise<RoleRecord>,
    async call(input: Record<string, unknown>, ctx = engineContext(NOW)): Promise<Out> {
      const def = sts.operations["AssumeRoleWithWebIdentity"];
      assert.ok(def);
      return (await def.handler(input, ctx)) as Out;
    },
  };
}

const claims = (over: Record<string, unknown> = {}) => ({
  iss: issuer.url,
  sub: "system:serviceaccount:prod:api",
  aud: "sts.amazonaws.com",
  iat: NOW_S - 60,
  nbf: NOW_S - 60,
  exp: NOW_S + 600,
  ...over,
});

describe("AssumeRoleWithWebIdentity (OIDC)", () => {
  test("a valid RS256 token: AssumedRole credentials, subject, provider, audience; trust policy evaluated with the Federated principal and condition keys", async () => {
    const f = setup();
    const role = await f.role;
    const ctx = engineContext(NOW);
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "api-pod", WebIdentityToken: mintToken(rsa, claims()), DurationSeconds: 7200 }, ctx);
    assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S * 1000 + 7200_000);
    assert.equal(out.SubjectFromWebIdentityToken, "system:serviceaccount:prod:api");
    assert.equal(out.Provider, issuer.url);
    assert.equal(out.Audience, "sts.amazonaws.com");
    assert.deepEqual(out.AssumedRoleUser, { AssumedRoleId: `${role.roleId}:api-pod`, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Workload/api-pod` });
    assert.equal(out.PackedPolicySize, undefined);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.equal(rec.kind, "AssumedRole");
    assert.equal(rec.roleArn, role.arn);
    assert.equal(rec.sessionName, "api-pod");
    assert.equal(f.sealer.unsealString(rec.sealedSecret, `sts/session/${rec.accessKeyId}`).toString(), out.Credentials.SecretAccessKey);
    const call = ctx.calls[0];
    assert.equal(call?.action, "sts:AssumeRoleWithWebIdentity");
    assert.equal(call?.federatedProvider, f.providerArn);
    assert.deepEqual(call?.context, {
      "sts:RoleSessionName": "api-pod",
      "aws:FederatedProvider": f.providerArn,
      [`${issuer.host}:aud`]: "sts.amazonaws.com",
      [`${issuer.host}:sub`]: "system:serviceaccount:prod:api",
    });
    // The provider's keys go with the session, for the requests made with it.
    assert.deepEqual(rec.identityProviderKeys, { [`${issuer.host}:aud`]: "sts.amazonaws.com", [`${issuer.host}:sub`]: "system:serviceaccount:prod:api" });
    assert.ok(!JSON.stringify(ctx.audit).includes(out.Credentials.SessionToken));
  });

  test("a valid ES256 token, azp as the audience, amr as a condition key, session policy sets PackedPolicySize", async () => {
    const f = setup({ clientIds: ["my-app"], trustCondition: { StringEquals: { [`${issuer.url.slice(8)}:aud`]: "my-app" }, "ForAnyValue:StringEquals": { [`${issuer.url.slice(8)}:amr`]: "mfa" } } });
    const role = await f.role;
    const token = mintToken(ec, claims({ aud: ["other", "more"], azp: "my-app", amr: ["pwd", "mfa"] }));
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "ec", WebIdentityToken: token, Policy: policy });
    assert.equal(out.Audience, "my-app");
    assert.ok(typeof out.PackedPolicySize === "number" && out.PackedPolicySize > 0);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.equal(rec.sessionPolicy, policy);
    assert.deepEqual(rec.identityProviderKeys, { [`${issuer.host}:aud`]: "my-app", [`${issuer.host}:sub`]: "system:serviceaccount:prod:api", [`${issuer.host}:amr`]: ["pwd", "mfa"] });
  });

  test("amr is multivalued even when the token names one method: a set operator matches it, a bare operator does not", async () => {
    const key = `${issuer.url.slice(8)}:amr`;
    const token = mintToken(rsa, claims({ amr: "mfa" }));
    const bare = setup({ trustCondition: { StringEquals: { [key]: "mfa" } } });
    await expectAwsError(
      bare.call({ RoleArn: (await bare.role).arn, RoleSessionName: "amr1", WebIdentityToken: token }),
      "AccessDeniedException",
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      400,
    );
    assert.equal(bare.iam.sessions.size, 0);
    const set = setup({ trustCondition: { "ForAnyValue:StringEquals": { [key]: "mfa" } } });
    const out = await set.call({ RoleArn: (await set.role).arn, RoleSessionName: "amr2", WebIdentityToken: token });
    assert.deepEqual((set.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord).identityProviderKeys?.[`${issuer.host}:amr`], ["mfa"]);
  });

  test("managed session policies of the role's account or AWS managed; another account's are refused", async () => {
    const f = setup();
    const role = await f.role;
    const own = `arn:aws:iam::${ACCOUNT}:policy/Pods`;
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "api-pod", WebIdentityToken: mintToken(rsa, claims()), PolicyArns: [{ arn: own }, { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] });
    assert.deepEqual((f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord).sessionPolicyArns, [own, "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const foreign = "arn:aws:iam::999988887777:policy/Pods";
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "api-pod", WebIdentityToken: mintToken(rsa, claims()), PolicyArns: [{ arn: foreign }] }), "ValidationError", `${foreign} is invalid`, 400);
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "api-pod", WebIdentityToken: mintToken(rsa, claims()), PolicyArns: [{}] }), "ValidationError", "null is invalid", 400);
    assert.equal(f.iam.sessions.size, 1);
  });

  test("session tags from the https://aws.amazon.com/tags claim: stored with their transitive keys, sts:TagSession authorised; CloudTrail's WebIdentityUser", async () => {
    const f = setup();
    const role = await f.role;
    const ctx = engineContext(NOW);
    const tags = { principal_tags: { Project: ["Apollo"], CostCenter: ["42"] }, transitive_tag_keys: ["Project"] };
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, claims({ "https://aws.amazon.com/tags": tags })) }, ctx);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual(rec.sessionTags, { Project: "Apollo", CostCenter: "42" });
    assert.deepEqual(rec.transitiveTagKeys, ["Project"]);
    assert.equal(rec.federatedProvider, f.providerArn);
    assert.ok(typeof out.PackedPolicySize === "number" && out.PackedPolicySize > 0);
    assert.deepEqual(ctx.calls.map((c) => c.action), ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]);
    assert.equal(ctx.calls[0]?.context?.["aws:RequestTag/Project"], "Apollo");
    assert.deepEqual(ctx.audit.federatedIdentity, {
      type: "WebIdentityUser",
      principalId: `${f.providerArn}:sts.amazonaws.com:system:serviceaccount:prod:api`,
      userName: "system:serviceaccount:prod:api",
      identityProvider: f.providerArn,
    });
  });

  test("transitive_tag_keys name tags regardless of case: the session records them as the tags are spelt", async () => {
    const f = setup();
    const role = await f.role;
    const tags = { principal_tags: { Dept: ["eng"], Team: ["core"] }, transitive_tag_keys: ["dept"] };
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, claims({ "https://aws.amazon.com/tags": tags })) });
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual(rec.transitiveTagKeys, ["Dept"]);
  });

  test("session tags in a token: malformed claims, duplicates, unknown transitive keys and more than 50 tags are refused", async () => {
    const f = setup();
    const role = await f.role;
    const withTags = (t: unknown) => f.call({ RoleArn: role.arn, RoleSessionName: "tags", WebIdentityToken: mintToken(rsa, claims({ "https://aws.amazon.com/tags": t })) });
    await expectAwsError(withTags({ principal_tags: { a: ["1", "2"] } }), "InvalidIdentityToken", "The https://aws.amazon.com/tags claim of the token is not valid", 400);
    await expectAwsError(withTags("Project=Apollo"), "InvalidIdentityToken", "The https://aws.amazon.com/tags claim of the token is not valid");
    await expectAwsError(withTags({ principal_tags: { a: ["1"], A: ["2"] } }), "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    await expectAwsError(withTags({ principal_tags: { a: ["1"] }, transitive_tag_keys: ["b"] }), "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.");
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ["v"]]));
    await expectAwsError(withTags({ principal_tags: many }), "InvalidIdentityToken", "The number of session tags must be less than or equal to 50.");
    await expectAwsError(withTags({ principal_tags: { "bad*key": ["v"] } }), "InvalidIdentityToken", /^Session tag key 'bad\*key' must have length 1 to 128/);
    await expectAwsError(withTags({ principal_tags: { "aws:team": ["v"] } }), "InvalidIdentityToken", "Session tag key 'aws:team' must not begin with aws:, a prefix reserved for AWS use.", 400);
    await expectAwsError(withTags({ principal_tags: { team: ["AWS:v"] } }), "InvalidIdentityToken", "Session tag value for key 'team' must not begin with aws:, a prefix reserved for AWS use.");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("CloudTrail annotations: requestParameters without the token, the role's account as recipient, the web identity named only from a verified token", async () => {
    const f = setup();
    const role = await f.role;
    const tags = { principal_tags: { Project: ["Apollo"] }, transitive_tag_keys: ["Project"] };
    const ok = engineContext(NOW);
    const token = mintToken(rsa, claims({ "https://aws.amazon.com/tags": tags, "https://aws.amazon.com/source_identity": "alice" }));
    await f.call({ RoleArn: role.arn, RoleSessionName: "audited", WebIdentityToken: token, DurationSeconds: 1800 }, ok);
    assert.deepEqual(ok.audit.requestParameters, {
      roleArn: role.arn,
      roleSessionName: "audited",
      durationSeconds: 1800,
      sourceIdentity: "alice",
      principalTags: { Project: "Apollo" },
      transitiveTagKeys: ["Project"],
    });
    assert.ok(!JSON.stringify(ok.audit).includes(token.split(".")[2]!));
    assert.equal(ok.audit.recipientAccountId, ACCOUNT);
    assert.deepEqual(ok.audit.resources, [{ ARN: role.arn, accountId: ACCOUNT, type: "AWS::IAM::Role" }]);
    const identity = { type: "WebIdentityUser", principalId: `${f.providerArn}:sts.amazonaws.com:system:serviceaccount:prod:api`, userName: "system:serviceaccount:prod:api", identityProvider: f.providerArn };
    assert.deepEqual(ok.audit.federatedIdentity, identity);

    // A verified token whose claims are refused still names its caller.
    const badTags = engineContext(NOW);
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "bad", WebIdentityToken: mintToken(rsa, claims({ "https://aws.amazon.com/tags": "x" })) }, badTags), "InvalidIdentityToken", "The https://aws.amazon.com/tags claim of the token is not valid");
    assert.deepEqual(badTags.audit.federatedIdentity, identity);
    assert.equal(badTags.audit.recipientAccountId, ACCOUNT);
    // A forged or expired one does not; the event still reaches the role's account.
    const forged = engineContext(NOW);
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "forged", WebIdentityToken: mintToken(rsaKey("rsa-1"), claims()) }, forged), "InvalidIdentityToken", "The signature of the web identity token could not be verified");
    assert.equal(forged.audit.federatedIdentity, undefined);
    assert.equal(forged.audit.recipientAccountId, ACCOUNT);
    assert.deepEqual(forged.audit.requestParameters, { roleArn: role.arn, roleSessionName: "forged" });
  });

  test("a token signed by another key (same kid): InvalidIdentityToken", async () => {
    const f = setup();
    const role = await f.role;
    const forged = mintToken({ ...rsaKey("rsa-1") }, claims());
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x1", WebIdentityToken: forged }), "InvalidIdentityToken", "The signature of the web identity token could not be verified", 400);
    const tampered = mintToken(rsa, claims()).replace(/\.([^.]+)\./, (_m, p: string) => `.${Buffer.from(JSON.stringify({ ...claims(), sub: "system:serviceaccount:prod:admin" })).toString("base64url")}.`);
    assert.ok(p(tampered));
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x1", WebIdentityToken: tampered }), "InvalidIdentityToken", "The signature of the web identity token could not be verified");
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.`;
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x1", WebIdentityToken: none }), "InvalidIdentityToken", "Unsupported token signing algorithm: none");
  });

  test("an unknown kid refetches the key set once, then fails; a rotated-in key is found by that refetch", async () => {
    const jwks = createJwksCache({ caPem: issuer.caCertPem, minRefetchMs: 0 });
    const f = setup({ jwks });
    const role = await f.role;
    await f.call({ RoleArn: role.arn, RoleSessionName: "warm", WebIdentityToken: mintToken(rsa, claims()) });
    const before = issuer.hits.length;
    const stranger = rsaKey("not-published");
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x2", WebIdentityToken: mintToken(stranger, claims()) }),
      "InvalidIdentityToken",
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      400,
    );
    assert.deepEqual(issuer.hits.slice(before), ["/.well-known/openid-configuration", "/keys"], "exactly one refetch");
    // Cached keys answer without fetching.
    await f.call({ RoleArn: role.arn, RoleSessionName: "warm2", WebIdentityToken: mintToken(ec, claims()) });
    assert.equal(issuer.hits.length, before + 2);
    const rotated = rsaKey("rsa-2");
    issuer.published.push(rotated);
    try {
      const out = await f.call({ RoleArn: role.arn, RoleSessionName: "rot", WebIdentityToken: mintToken(rotated, claims()) });
      assert.equal(out.SubjectFromWebIdentityToken, "system:serviceaccount:prod:api");
    } finally {
      issuer.published.pop();
    }
  });

  test("unknown-kid refetches are rate-limited per issuer", async () => {
    let t = 1_000_000;
    const f = setup({ jwks: createJwksCache({ caPem: issuer.caCertPem, now: () => t }) });
    const role = await f.role;
    await f.call({ RoleArn: role.arn, RoleSessionName: "warm", WebIdentityToken: mintToken(rsa, claims()) });
    const before = issuer.hits.length;
    const token = mintToken(rsaKey("invented"), claims());
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x9", WebIdentityToken: token }), "InvalidIdentityToken", /^Couldn't retrieve verification key/);
    assert.equal(issuer.hits.length, before, "no refetch within the minimum interval");
    t += 10_000;
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x9", WebIdentityToken: token }), "InvalidIdentityToken", /^Couldn't retrieve verification key/);
    assert.equal(issuer.hits.length, before + 2, "one refetch once the interval has passed");
  });

  test("a wrong audience: 'Incorrect token audience'; no aud: missing claim", async () => {
    const f = setup();
    const role = await f.role;
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x3", WebIdentityToken: mintToken(rsa, claims({ aud: "someone-else" })) }), "InvalidIdentityToken", "Incorrect token audience", 400);
    const noAud = claims();
    delete (noAud as Record<string, unknown>)["aud"];
    await expectAwsError(f.call({ RoleArn: role.arn, RoleSessionName: "x3", WebIdentityToken: mintToken(rsa, noAud) }), "InvalidIdentityToken", "Missing a required claim: aud");
  });

  test("an expired token: ExpiredTokenException with STS's wording", async () => {
    const f = setup();
    const role = await f.role;
    const exp = NOW_S - 5;
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x4", WebIdentityToken: mintToken(rsa, claims({ exp, iat: NOW_S - 3600, nbf: NOW_S - 3600 })) }),
      "ExpiredTokenException",
      `Token expired: current date/time ${NOW_S} must be before the expiration date/time ${exp}`,
      400,
    );
  });

  test("an issuer without an IAM OIDC provider in the role's account: InvalidIdentityToken naming it", async () => {
    const f = setup();
    const role = await f.role;
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x5", WebIdentityToken: mintToken(rsa, claims({ iss: "https://idp.unknown.example/tenant" })) }),
      "InvalidIdentityToken",
      "No OpenIDConnect provider found in your account for https://idp.unknown.example/tenant",
      400,
    );
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x5", WebIdentityToken: "opaque-access-token" }),
      "InvalidIdentityToken",
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    );
  });

  test("the trust policy's sub condition does not match: AccessDenied, no session", async () => {
    const f = setup();
    const role = await f.role;
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x6", WebIdentityToken: mintToken(rsa, claims({ sub: "system:serviceaccount:dev:api" })) }),
      "AccessDeniedException",
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      400,
    );
    assert.equal(f.iam.sessions.size, 0);
  });

  test("the trust policy sees the role's tags as iam:ResourceTag/<key> and aws:ResourceTag/<key>", async () => {
    const f = setup({ trustCondition: { StringEquals: { "iam:ResourceTag/env": "prod", "aws:ResourceTag/team": "api" } } });
    const role = await f.role;
    const token = () => mintToken(rsa, claims());
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "untagged", WebIdentityToken: token() }),
      "AccessDeniedException",
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      400,
    );
    role.tags.push({ Key: "env", Value: "prod" }, { Key: "team", Value: "api" });
    const out = await f.call({ RoleArn: role.arn, RoleSessionName: "tagged", WebIdentityToken: token() });
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Workload/tagged`);
  });

  test("the issuer cannot be reached or its certificate is not trusted: IDPCommunicationError", async () => {
    const closed = setup({ providerUrl: "https://127.0.0.1:1" });
    const role = await closed.role;
    const msg = "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.";
    await expectAwsError(closed.call({ RoleArn: role.arn, RoleSessionName: "x7", WebIdentityToken: mintToken(rsa, claims({ iss: "https://127.0.0.1:1" })) }), "IDPCommunicationError", msg, 400);
    const untrusted = setup({ jwks: createJwksCache({ timeoutMs: 2000 }) });
    const role2 = await untrusted.role;
    await expectAwsError(untrusted.call({ RoleArn: role2.arn, RoleSessionName: "x7", WebIdentityToken: mintToken(rsa, claims()) }), "IDPCommunicationError", msg, 400);
  });

  test("DurationSeconds beyond the role's maximum: ValidationError; a too-short token is judged without echoing it", async () => {
    const f = setup({ maxSessionDuration: 3600 });
    const role = await f.role;
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x8", WebIdentityToken: mintToken(rsa, claims()), DurationSeconds: 7200 }),
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "x8", WebIdentityToken: "abc" }),
      "ValidationError",
      "1 validation error detected: Value 'HIDDEN_DUE_TO_SECURITY_REASONS' at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
  });

  test("MinimumSessionTokenSize pads the session token; SessionTokenSize and SessionTokenUtilization as every credential-issuing call reports them", async () => {
    const f = setup();
    const role = await f.role;
    const plain = await f.call({ RoleArn: role.arn, RoleSessionName: "plain", WebIdentityToken: mintToken(rsa, claims()) });
    assert.equal(plain.SessionTokenSize, plain.Credentials.SessionToken.length);
    assert.equal(plain.SessionTokenUtilization, sessionTokenUtilization(plain.SessionTokenSize));
    const tags = { principal_tags: { Project: ["Apollo"] } };
    const ctx = engineContext(NOW);
    const padded = await f.call({ RoleArn: role.arn, RoleSessionName: "padded", WebIdentityToken: mintToken(rsa, claims({ "https://aws.amazon.com/tags": tags })), MinimumSessionTokenSize: 3000 }, ctx);
    assert.ok(padded.Credentials.SessionToken.length >= 3000);
    assert.equal(padded.SessionTokenSize, padded.Credentials.SessionToken.length);
    assert.ok(padded.PackedPolicySize !== undefined && padded.PackedPolicySize > 0);
    assert.equal(padded.SessionTokenUtilization, Math.max(padded.PackedPolicySize ?? 0, sessionTokenUtilization(padded.SessionTokenSize!)));
    assert.equal(padded.SessionTokenUtilization, 74); // 3,000+ bytes of 4,096
    assert.deepEqual(ctx.audit.requestParameters, { roleArn: role.arn, roleSessionName: "padded", minimumSessionTokenSize: 3000, principalTags: { Project: "Apollo" } });
    // A request refused by validation is still the role account's event, without the token.
    const bad = engineContext(NOW);
    await expectAwsError(
      f.call({ RoleArn: role.arn, RoleSessionName: "bad", WebIdentityToken: mintToken(rsa, claims()), MinimumSessionTokenSize: 4097 }, bad),
      "ValidationError",
      "1 validation error detected: Value '4097' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to 4096",
      400,
    );
    assert.deepEqual(bad.audit.requestParameters, { roleArn: role.arn, roleSessionName: "bad", minimumSessionTokenSize: 4097 });
    assert.equal(bad.audit.recipientAccountId, ACCOUNT);
    assert.equal(bad.audit.federatedIdentity, undefined);
  });
});

function p(t: string): boolean {
  return t.split(".").length === 3;
}
