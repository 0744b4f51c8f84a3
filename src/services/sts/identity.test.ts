import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { randomAccessKeyId } from "../../crypto/access-key-id.js";
import { encodeAuthorizationMessage } from "./authorization-message.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { ACCOUNT, NOW, OTHER_ACCOUNT, stsFixture } from "./testing/sts-fixture.js";

describe("GetCallerIdentity", () => {
  test("IAM user", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice", "AIDAALICE00000000001"), now: NOW });
    assert.deepEqual(await f.call("GetCallerIdentity", {}, ctx), { UserId: "AIDAALICE00000000001", Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
    assert.equal(f.sts.operations["GetCallerIdentity"]?.noAuthorization, true);
    assert.equal(ctx.calls.length, 0);
  });

  test("assumed role", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.role(ACCOUNT, "Deploy", "AROADEPLOY0000000001", "ci"), now: NOW });
    assert.deepEqual(await f.call("GetCallerIdentity", {}, ctx), {
      UserId: "AROADEPLOY0000000001:ci",
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deploy/ci`,
    });
  });

  test("root", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.root(ACCOUNT), now: NOW });
    assert.deepEqual(await f.call("GetCallerIdentity", {}, ctx), { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });
});

describe("GetAccessKeyInfo", () => {
  test("answers the owning account after authorisation", async () => {
    const f = stsFixture(async (id) => (id === "AKIAOTHERACCOUNT0001" ? OTHER_ACCOUNT : undefined));
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    assert.deepEqual(await f.call("GetAccessKeyInfo", { AccessKeyId: "AKIAOTHERACCOUNT0001" }, ctx), { Account: OTHER_ACCOUNT });
    assert.deepEqual(await f.call("GetAccessKeyInfo", { AccessKeyId: ctx.principal.accessKeyId }, ctx), { Account: ACCOUNT });
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource]), [["sts:GetAccessKeyInfo", "*"], ["sts:GetAccessKeyInfo", "*"]]);
    await expectAwsError(f.call("GetAccessKeyInfo", { AccessKeyId: "AKIAUNKNOWN000000001" }, ctx), "ValidationError", "AKIAUNKNOWN000000001 is invalid");
    await expectAwsError(
      f.call("GetAccessKeyInfo", { AccessKeyId: "AKIA-bad" }, ctx),
      "ValidationError",
      "2 validation errors detected: Value 'AKIA-bad' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16; Value 'AKIA-bad' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*",
    );
  });

  test("a key not stored answers the account its id carries; a stored key answers from storage", async () => {
    // A deleted key of this installation, or another's: the id names its account.
    const unstored = randomAccessKeyId("AKIA", OTHER_ACCOUNT);
    // Published example (Aidan Steele, Tal Be'ery): a real AWS session key id of account 609629065308.
    const published = "ASIAY34FZKBOKMUTVV7A";
    // Stored under ACCOUNT although its id (given by an operator) would decode elsewhere.
    const given = randomAccessKeyId("AKIA", OTHER_ACCOUNT);
    const f = stsFixture(async (id) => (id === given ? ACCOUNT : undefined));
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    assert.deepEqual(await f.call("GetAccessKeyInfo", { AccessKeyId: unstored }, ctx), { Account: OTHER_ACCOUNT });
    assert.deepEqual(await f.call("GetAccessKeyInfo", { AccessKeyId: published }, ctx), { Account: "609629065308" });
    assert.deepEqual(await f.call("GetAccessKeyInfo", { AccessKeyId: given }, ctx), { Account: ACCOUNT });
    // Ids that carry no account (the documentation's example, older ids without the marker) stay invalid.
    await expectAwsError(f.call("GetAccessKeyInfo", { AccessKeyId: "AKIAIOSFODNN7EXAMPLE" }, ctx), "ValidationError", "AKIAIOSFODNN7EXAMPLE is invalid");
    await expectAwsError(f.call("GetAccessKeyInfo", { AccessKeyId: "AKIAIOSFODNNZEXAMPLE" }, ctx), "ValidationError", "AKIAIOSFODNNZEXAMPLE is invalid");
    assert.deepEqual(ctx.calls.map((c) => c.action), Array(5).fill("sts:GetAccessKeyInfo"));
  });
});

describe("DecodeAuthorizationMessage", () => {
  test("decodes messages sealed for the caller's account only", async () => {
    const f = stsFixture();
    const encoded = encodeAuthorizationMessage(f.sealer, ACCOUNT, '{"allowed":false}');
    const mine = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    assert.deepEqual(await f.call("DecodeAuthorizationMessage", { EncodedMessage: encoded }, mine), { DecodedMessage: '{"allowed":false}' });
    assert.deepEqual(mine.calls.map((c) => c.action), ["sts:DecodeAuthorizationMessage"]);
    const other = fakeContext({ principal: principals.user(OTHER_ACCOUNT, "bob"), now: NOW });
    await expectAwsError(f.call("DecodeAuthorizationMessage", { EncodedMessage: encoded }, other), "InvalidAuthorizationMessageException", "The message is not valid or was not issued for this account.");
  });
});

describe("federation operations that are not offered", () => {
  test("web identity: unknown OIDC provider, or not a JWT", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: { type: "Anonymous", accountId: "", arn: "", principalId: "", accessKeyId: "" }, now: NOW });
    const payload = Buffer.from(JSON.stringify({ iss: "https://token.actions.githubusercontent.com", sub: "repo:x" })).toString("base64url");
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln`;
    const input = { RoleArn: `arn:aws:iam::${ACCOUNT}:role/Gh`, RoleSessionName: "gh", WebIdentityToken: jwt };
    await expectAwsError(f.call("AssumeRoleWithWebIdentity", input, ctx), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com", 400);
    await expectAwsError(
      f.call("AssumeRoleWithWebIdentity", { ...input, WebIdentityToken: "opaque-access-token" }, ctx),
      "InvalidIdentityToken",
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    );
    assert.equal(f.sts.operations["AssumeRoleWithWebIdentity"]?.unsigned, true);
  });

  test("outbound web identity federation is disabled", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    await expectAwsError(f.call("GetWebIdentityToken", { Audience: ["x"], SigningAlgorithm: "RS256" }, ctx), "OutboundWebIdentityFederationDisabledException", "Outbound web identity federation is disabled for this account.", 403);
    assert.equal(f.iam.sessions.size, 0);
  });
});

describe("service definition", () => {
  test("advertises the STS wire identity", () => {
    const f = stsFixture();
    assert.equal(f.sts.name, "sts");
    assert.equal(f.sts.signingName, "sts");
    assert.equal(f.sts.protocol, "awsQuery");
    assert.equal(f.sts.apiVersion, "2011-06-15");
    assert.equal(f.sts.xmlNamespace, "https://sts.amazonaws.com/doc/2011-06-15/");
    assert.equal(f.sts.eventSource, "sts.amazonaws.com");
    for (const [name, op] of Object.entries(f.sts.operations)) assert.ok(Array.isArray(op.schema), `${name} has a static schema`);
  });
});
