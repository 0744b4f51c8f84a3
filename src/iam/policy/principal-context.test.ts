import assert from "node:assert/strict";
import { test } from "node:test";
import { principalContext, requestTimeContext } from "./index.js";
import { withSessionTags } from "./principal-context.js";
import { ACCT, alice, anonymous, devSession, root } from "./test-support.js";

test("IAM user with long-term keys", () => {
  assert.deepEqual(principalContext(alice, { team: "blue" }), {
    "aws:PrincipalType": "User",
    "aws:PrincipalArn": alice.arn,
    "aws:PrincipalAccount": ACCT,
    "aws:userid": alice.principalId,
    "aws:PrincipalIsAWSService": false,
    "aws:username": "alice",
    "aws:PrincipalTag/team": "blue",
  });
});

test("role session: role ARN, session tags override, temporary-credential keys", () => {
  const p = { ...devSession, sessionTags: { team: "red", env: "dev" }, mfaAuthenticated: true, sourceIdentity: "alice" };
  const now = (p.sessionIssuedAt as number) + 90_500;
  assert.deepEqual(principalContext(p, { team: "blue", cost: "42" }, now), {
    "aws:PrincipalType": "AssumedRole",
    "aws:PrincipalArn": `arn:aws:iam::${ACCT}:role/team/Dev`,
    "aws:PrincipalAccount": ACCT,
    "aws:userid": "AROADEVEXAMPLE000001:sess",
    "aws:PrincipalIsAWSService": false,
    "aws:PrincipalTag/team": "red",
    "aws:PrincipalTag/cost": "42",
    "aws:PrincipalTag/env": "dev",
    "aws:MultiFactorAuthPresent": true,
    "aws:TokenIssueTime": "2024-06-01T11:00:00.000Z",
    "aws:MultiFactorAuthAge": 90,
    "aws:SourceIdentity": "alice",
  });
});

test("session tags override the role's or user's tags of the same key regardless of case; the session tag's spelling is kept", () => {
  const p = { ...devSession, sessionTags: { dept: "admin", ["__proto__"]: "odd" } };
  const ctx = principalContext(p, { Dept: "eng", DEPT: "ops", cost: "42" });
  const tagKeys = Object.keys(ctx).filter((k) => k.startsWith("aws:PrincipalTag/"));
  assert.deepEqual(tagKeys.sort(), ["aws:PrincipalTag/__proto__", "aws:PrincipalTag/cost", "aws:PrincipalTag/dept"]);
  assert.equal(ctx["aws:PrincipalTag/dept"], "admin");
  assert.equal(ctx["aws:PrincipalTag/__proto__"], "odd");
  // Tags the directory already merged come out the same.
  assert.deepEqual(principalContext(p, withSessionTags({ Dept: "eng", cost: "42" }, p.sessionTags)), ctx);
});

test("a web identity session: aws:FederatedProvider is the IAM OIDC provider's ARN; other sessions have no such key", () => {
  const provider = `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`;
  assert.equal(principalContext({ ...devSession, federatedProvider: provider })["aws:FederatedProvider"], provider);
  assert.equal("aws:FederatedProvider" in principalContext(devSession), false);
  assert.equal("aws:FederatedProvider" in principalContext(alice), false);
});

test("web identity and SAML sessions: the identity provider's keys, which never replace a key set from the principal", () => {
  const p = {
    ...devSession,
    identityProviderKeys: { "idp.example.com:sub": "alice", "idp.example.com:amr": ["pwd", "mfa"], "aws:PrincipalType": "forged" },
  };
  const ctx = principalContext(p);
  assert.equal(ctx["idp.example.com:sub"], "alice");
  assert.deepEqual(ctx["idp.example.com:amr"], ["pwd", "mfa"]);
  assert.equal(ctx["aws:PrincipalType"], "AssumedRole");
  const saml = principalContext({ ...devSession, identityProviderKeys: { "saml:sub": "alice@example.com", "saml:sub_type": "persistent", "saml:namequalifier": "q=" } });
  assert.deepEqual([saml["saml:sub"], saml["saml:sub_type"], saml["saml:namequalifier"]], ["alice@example.com", "persistent", "q="]);
});

test("a role session chained from an MFA session: aws:MultiFactorAuthAge counts from the MFA check, not from the role session", () => {
  const issued = devSession.sessionIssuedAt as number;
  const p = { ...devSession, mfaAuthenticated: true, mfaAuthenticatedAt: issued - 600_000 };
  const ctx = principalContext(p, {}, issued + 30_000);
  assert.equal(ctx["aws:MultiFactorAuthPresent"], true);
  assert.equal(ctx["aws:MultiFactorAuthAge"], 630);
});

test("root and anonymous", () => {
  assert.deepEqual(principalContext(root), {
    "aws:PrincipalType": "Account",
    "aws:PrincipalArn": `arn:aws:iam::${ACCT}:root`,
    "aws:PrincipalAccount": ACCT,
    "aws:userid": ACCT,
    "aws:PrincipalIsAWSService": false,
  });
  assert.deepEqual(principalContext(anonymous), { "aws:PrincipalType": "Anonymous", "aws:userid": "anonymous" });
  // A root session from sts:AssumeRoot: temporary credentials, and aws:AssumedRoot.
  const session = principalContext({ ...root, sessionIssuedAt: Date.UTC(2024, 0, 1), assumedRoot: true });
  assert.equal(session["aws:AssumedRoot"], true);
  assert.equal(session["aws:PrincipalArn"], `arn:aws:iam::${ACCT}:root`);
  assert.equal(session["aws:MultiFactorAuthPresent"], false);
  assert.equal(principalContext({ ...root, assumedRoot: false })["aws:AssumedRoot"], undefined);
});

test("request time keys", () => {
  assert.deepEqual(requestTimeContext(Date.UTC(2024, 5, 1, 12, 0, 0, 999)), {
    "aws:CurrentTime": "2024-06-01T12:00:00Z",
    "aws:EpochTime": 1717243200,
  });
});
