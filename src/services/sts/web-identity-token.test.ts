import assert from "node:assert/strict";
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import type { Caller, IamEnv } from "../iam/env.js";
import { createOutboundFederation, type OutboundFederation } from "../iam/outbound-federation.js";
import type { OrganizationsView } from "../organizations/view.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { createTestSealer } from "./testing/fake-sealer.js";
import { createMemoryStorage } from "./testing/memory-storage.js";
import { ACCOUNT, NOW, stsFixture } from "./testing/sts-fixture.js";
import { parseJwt, verifyJwtSignature } from "./oidc/jwt.js";
import { MAX_PAYLOAD_BYTES, outboundTokenClaims, signJwt, tokenPrincipalTags } from "./web-identity-token.js";

const NS = "https://sts.amazonaws.com/";
const ROLE_ID = "AROAEXAMPLEROLE00001";

async function outboundFor(accountId = ACCOUNT): Promise<OutboundFederation> {
  const store = createMemoryStorage();
  const sealer = createTestSealer();
  const outbound = createOutboundFederation({ store, sealer, publicUrl: () => "https://bulwark.test" });
  const env = { store, sealer, changed: () => {}, validatePolicy: () => {} } as unknown as IamEnv;
  const caller: Caller = { accountId, now: NOW, authorize: async () => {} };
  await outbound.enable(env, caller);
  return outbound;
}

async function jwksOf(outbound: OutboundFederation): Promise<Array<{ jwk: Record<string, unknown>; key: ReturnType<typeof createPublicKey> }>> {
  const issuer = (await outbound.signingKey(ACCOUNT, "RS256"))!.issuer;
  const doc = await outbound.discovery(`${new URL(issuer).pathname}/.well-known/jwks.json`);
  const keys = (JSON.parse(doc!.body) as { keys: Array<Record<string, unknown>> }).keys;
  return keys.map((jwk) => ({ jwk, key: createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }) }));
}

const ORG: OrganizationsView = {
  async membership(accountId) {
    return {
      account: { id: accountId, name: "a", email: "a@example.com", status: "ACTIVE", createdAt: 0, organizationId: "o-abcdefghij" },
      org: { id: "o-abcdefghij", featureSet: "ALL", managementAccountId: accountId, rootId: "r-ab12", createdAt: 0 },
    };
  },
};

describe("GetWebIdentityToken: claims", () => {
  test("an IAM user in an organization: the documented standard and AWS identity claims", () => {
    const claims = outboundTokenClaims({
      issuer: "https://bulwark.test/outbound/x",
      audience: ["https://api.example.com"],
      principal: principals.user(ACCOUNT, "alice"),
      region: "eu-west-1",
      nowMs: NOW,
      durationSeconds: 300,
      jti: "11111111-2222-4333-8444-555555555555",
      principalTags: { team: "data" },
      requestTags: { "job-id": "42" },
      organization: { id: "o-abcdefghij", path: "o-abcdefghij/r-ab12/" },
    });
    const iat = Math.floor(NOW / 1000);
    assert.deepEqual(claims, {
      iss: "https://bulwark.test/outbound/x",
      aud: "https://api.example.com",
      sub: `arn:aws:iam::${ACCOUNT}:user/alice`,
      iat,
      exp: iat + 300,
      jti: "11111111-2222-4333-8444-555555555555",
      [NS]: {
        aws_account: ACCOUNT,
        source_region: "eu-west-1",
        org_id: "o-abcdefghij",
        ou_path: ["o-abcdefghij/r-ab12/"],
        principal_id: `arn:aws:iam::${ACCOUNT}:user/alice`,
        principal_tags: { team: "data" },
        request_tags: { "job-id": "42" },
      },
    });
  });

  test("a role session: the role's ARN, its session expiry and source identity; several audiences stay a list", () => {
    const p = principals.role(ACCOUNT, "Processor", ROLE_ID, "s1", { sessionExpiresAt: Date.UTC(2024, 0, 2, 4, 0, 0, 500), sourceIdentity: "alice" });
    const claims = outboundTokenClaims({
      issuer: "i",
      audience: ["one", "one", "two"],
      principal: p,
      region: "us-east-1",
      nowMs: NOW,
      durationSeconds: 60,
      jti: "j",
      principalTags: {},
      requestTags: {},
    });
    assert.deepEqual(claims["aud"], ["one", "one", "two"]);
    assert.equal(claims["sub"], `arn:aws:iam::${ACCOUNT}:role/Processor`);
    assert.deepEqual(claims[NS], {
      aws_account: ACCOUNT,
      source_region: "us-east-1",
      principal_id: `arn:aws:iam::${ACCOUNT}:role/Processor`,
      original_session_exp: "2024-01-02T04:00:00Z",
      source_identity: "alice",
    });
  });

  test("session tags replace principal tags of the same key whatever its case", () => {
    assert.deepEqual(tokenPrincipalTags({ Team: "role", untouched: "kept", team: "session" }, { team: "session" }), { untouched: "kept", team: "session" });
    assert.deepEqual(tokenPrincipalTags({ a: "1" }, undefined), { a: "1" });
  });

  test("signatures: RS256 and ES384 over header.payload, verifiable with the published keys", async () => {
    const outbound = await outboundFor();
    const keys = await jwksOf(outbound);
    for (const alg of ["RS256", "ES384"] as const) {
      const key = (await outbound.signingKey(ACCOUNT, alg))!;
      const token = signJwt({ sub: "x", n: 1 }, key);
      const jwt = parseJwt(token)!;
      assert.deepEqual(jwt.header, { kid: alg === "RS256" ? "RSA_0" : "EC384_0", typ: "JWT", alg });
      assert.deepEqual(jwt.claims, { sub: "x", n: 1 });
      assert.equal(jwt.signature.length, alg === "RS256" ? 256 : 96);
      assert.ok(verifyJwtSignature(jwt, alg, keys));
      const tampered = parseJwt(`${token.split(".")[0]}.${Buffer.from('{"sub":"y","n":1}').toString("base64url")}.${token.split(".")[2]}`)!;
      assert.ok(!verifyJwtSignature(tampered, alg, keys));
    }
  });
});

describe("GetWebIdentityToken: the operation", () => {
  const ctxFor = (principal: Principal, deny?: (a: string) => boolean) =>
    fakeContext({ principal, now: NOW, region: "eu-central-1", ...(deny ? { deny: (r) => deny(r.action) } : {}) });

  test("issues a signed token with the documented claims; authorisation carries the condition keys", async () => {
    const outbound = await outboundFor();
    const f = stsFixture(undefined, { outbound, organizations: ORG, principalTags: async () => ({ Team: "platform" }) });
    const ctx = ctxFor(principals.user(ACCOUNT, "alice"));
    const out = await f.call<{ WebIdentityToken: string; Expiration: Date }>(
      "GetWebIdentityToken",
      { Audience: ["https://api.example.com"], SigningAlgorithm: "ES384", DurationSeconds: 120, Tags: [{ Key: "job", Value: "7" }] },
      ctx,
    );
    assert.deepEqual(out.Expiration, new Date(NOW + 120_000));
    const jwt = parseJwt(out.WebIdentityToken)!;
    assert.ok(verifyJwtSignature(jwt, "ES384", await jwksOf(outbound)));
    const issuer = (await outbound.signingKey(ACCOUNT, "ES384"))!.issuer;
    assert.equal(jwt.claims["iss"], issuer);
    assert.equal(jwt.claims["aud"], "https://api.example.com");
    assert.equal(jwt.claims["exp"], Math.floor((NOW + 120_000) / 1000));
    assert.match(String(jwt.claims["jti"]), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(jwt.claims[NS], {
      aws_account: ACCOUNT,
      source_region: "eu-central-1",
      org_id: "o-abcdefghij",
      ou_path: ["o-abcdefghij/r-ab12/"],
      principal_id: `arn:aws:iam::${ACCOUNT}:user/alice`,
      principal_tags: { Team: "platform" },
      request_tags: { job: "7" },
    });
    const context = { "sts:IdentityTokenAudience": ["https://api.example.com"], "sts:SigningAlgorithm": "ES384", "sts:DurationSeconds": 120, "aws:RequestTag/job": "7", "aws:TagKeys": ["job"] };
    assert.deepEqual(
      ctx.calls.map((c) => [c.action, c.resource, c.context]),
      [
        ["sts:GetWebIdentityToken", "*", context],
        ["sts:TagGetWebIdentityToken", "*", context],
      ],
    );
    // The token is a credential: only its expiry goes to CloudTrail.
    assert.deepEqual(ctx.audit.responseElements, { expiration: new Date(NOW + 120_000).toISOString() });
  });

  test("defaults to 300 seconds; no tags, no TagGetWebIdentityToken; the duration key is the effective one", async () => {
    const f = stsFixture(undefined, { outbound: await outboundFor() });
    const ctx = ctxFor(principals.root(ACCOUNT));
    const out = await f.call<{ WebIdentityToken: string; Expiration: Date }>("GetWebIdentityToken", { Audience: ["a"], SigningAlgorithm: "RS256" }, ctx);
    assert.deepEqual(out.Expiration, new Date(NOW + 300_000));
    assert.equal(parseJwt(out.WebIdentityToken)!.claims["sub"], `arn:aws:iam::${ACCOUNT}:root`);
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.context?.["sts:DurationSeconds"]]), [["sts:GetWebIdentityToken", 300]]);
  });

  test("model validation with STS's wording", async () => {
    const f = stsFixture(undefined, { outbound: await outboundFor() });
    const ctx = ctxFor(principals.user(ACCOUNT, "alice"));
    const call = (input: object) => f.call("GetWebIdentityToken", input, ctx);
    await expectAwsError(
      call({}),
      "ValidationError",
      "2 validation errors detected: Value null at 'audience' failed to satisfy constraint: Member must not be null; Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null",
    );
    await expectAwsError(
      call({ Audience: [], SigningAlgorithm: "HS256", DurationSeconds: 59 }),
      "ValidationError",
      "3 validation errors detected: Value '[]' at 'audience' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '59' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60; Value 'HS256' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
    );
    // SigningAlgorithm's model constraint is its length (exactly 5); only a 5-character value is judged as an algorithm.
    for (const [alg, bound] of [["RS256a", "less than or equal to 5"], ["RS2", "greater than or equal to 5"]] as const) {
      await expectAwsError(
        call({ Audience: ["a"], SigningAlgorithm: alg }),
        "ValidationError",
        `1 validation error detected: Value '${alg}' at 'signingAlgorithm' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    await expectAwsError(call({ Audience: ["a"], SigningAlgorithm: "RS256", DurationSeconds: 3601 }), "ValidationError", /Value '3601' at 'durationSeconds'.*less than or equal to 3600/);
    await expectAwsError(call({ Audience: ["a".repeat(1001)], SigningAlgorithm: "RS256" }), "ValidationError", /at 'audience.1.member' failed to satisfy constraint: Member must have length less than or equal to 1000/);
    await expectAwsError(call({ Audience: Array.from({ length: 11 }, (_, i) => `a${i}`), SigningAlgorithm: "RS256" }), "ValidationError", /at 'audience' failed to satisfy constraint: Member must have length less than or equal to 10/);
    await expectAwsError(call({ Audience: ["a"], SigningAlgorithm: "RS256", SubjectMode: "OriginIdentity" }), "ValidationError", /trusted identity propagation context/);
    await expectAwsError(call({ Audience: ["a"], SigningAlgorithm: "RS256", Tags: [{ Key: "k", Value: "1" }, { Key: "K", Value: "2" }] }), "InvalidParameterValue", /Duplicate tag keys/);
    assert.equal(ctx.calls.length, 0);
  });

  test("denied, disabled, session lifetime and payload size", async () => {
    const outbound = await outboundFor();
    const f = stsFixture(undefined, { outbound });
    const base = { Audience: ["a"], SigningAlgorithm: "RS256" };
    await expectAwsError(
      f.call("GetWebIdentityToken", { ...base, Tags: [{ Key: "k", Value: "v" }] }, ctxFor(principals.user(ACCOUNT, "alice"), (a) => a === "sts:TagGetWebIdentityToken")),
      "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:TagGetWebIdentityToken on resource: *`,
    );
    await expectAwsError(
      f.call("GetWebIdentityToken", base, ctxFor(principals.user("999988887777", "bob"))),
      "OutboundWebIdentityFederationDisabledException",
      "Outbound web identity federation is disabled for this account.",
      403,
    );
    // A role session expiring in 10 minutes cannot get a token valid for 15.
    const role = principals.role(ACCOUNT, "R", ROLE_ID, "s", { sessionExpiresAt: NOW + 600_000 });
    await expectAwsError(
      f.call("GetWebIdentityToken", { ...base, DurationSeconds: 900 }, ctxFor(role)),
      "SessionDurationEscalationException",
      "The requested token duration would extend the session beyond its original expiration time.",
      403,
    );
    await f.call("GetWebIdentityToken", { ...base, DurationSeconds: 600 }, ctxFor(role));
    const big = { ...base, Audience: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1000, "a")), Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v".repeat(256) })) };
    await expectAwsError(f.call("GetWebIdentityToken", big, ctxFor(principals.user(ACCOUNT, "alice"))), "JWTPayloadSizeExceededException", "JWT payload exceeds maximum allowed size", 400);
    assert.ok(MAX_PAYLOAD_BYTES < 10 * 1000 + 50 * 256);
  });
});
