import assert from "node:assert/strict";
import { createPublicKey, sign, verify, type JsonWebKey } from "node:crypto";
import { describe, test } from "node:test";
import { COLLECTIONS } from "./model.js";
import { issuerIdOf, issuerUrl, nextOutboundState, type OutboundFederationDoc } from "./outbound-federation.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT } from "./testing/harness.js";

type Info = { IssuerIdentifier: string; JwtVendingEnabled: boolean };
const ISSUER = /^https:\/\/localhost\/outbound\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("outbound identity federation: state machine", () => {
  const doc = (enabled: boolean) => ({ enabled }) as OutboundFederationDoc;

  test("never enabled → enabled ⇄ disabled; repeating a transition is FeatureEnabled / FeatureDisabled", () => {
    assert.deepEqual(nextOutboundState(undefined, "enable", ACCOUNT), { enabled: true });
    assert.deepEqual(nextOutboundState(doc(false), "enable", ACCOUNT), { enabled: true });
    assert.deepEqual(nextOutboundState(doc(true), "disable", ACCOUNT), { enabled: false });
    assert.throws(() => nextOutboundState(doc(true), "enable", ACCOUNT), { code: "FeatureEnabled", status: 409, message: `Outbound identity federation is already enabled for account ${ACCOUNT}` });
    for (const cur of [undefined, doc(false)]) {
      assert.throws(() => nextOutboundState(cur, "disable", ACCOUNT), { code: "FeatureDisabled", status: 404, message: `Outbound identity federation is already disabled for account ${ACCOUNT}` });
    }
  });

  test("issuer URLs: <public URL>/outbound/<uuid>, recognised by their id whatever the host", () => {
    const id = "0b6f3c7e-2a71-4a55-9c7d-0e1f2a3b4c5d";
    assert.equal(issuerUrl("https://bulwark.example.com", id), `https://bulwark.example.com/outbound/${id}`);
    assert.equal(issuerIdOf(`https://other.example:8443/outbound/${id}`), id);
    assert.equal(issuerIdOf("https://accounts.google.com"), undefined);
    assert.equal(issuerIdOf("https://x/outbound/not-a-uuid"), undefined);
  });
});

describe("outbound identity federation: IAM operations", () => {
  test("Enable → Get → Disable → Get, and Enable again keeps the issuer and keys", async () => {
    const h = createHarness();
    await assertAwsError(h.call("GetOutboundWebIdentityFederationInfo", {}), "FeatureDisabled", 404, `Outbound identity federation is disabled for account ${ACCOUNT}`);
    const { IssuerIdentifier } = await h.call<{ IssuerIdentifier: string }>("EnableOutboundWebIdentityFederation", {});
    assert.match(IssuerIdentifier, ISSUER);
    assert.deepEqual(await h.call<Info>("GetOutboundWebIdentityFederationInfo", {}), { IssuerIdentifier, JwtVendingEnabled: true });
    await assertAwsError(h.call("EnableOutboundWebIdentityFederation", {}), "FeatureEnabled", 409, `Outbound identity federation is already enabled for account ${ACCOUNT}`);
    const before = await h.store.get<OutboundFederationDoc>(COLLECTIONS.outboundFederation, ACCOUNT);

    assert.deepEqual(await h.call("DisableOutboundWebIdentityFederation", {}), {});
    await assertAwsError(h.call("GetOutboundWebIdentityFederationInfo", {}), "FeatureDisabled", 404, `Outbound identity federation is disabled for account ${ACCOUNT}`);
    await assertAwsError(h.call("DisableOutboundWebIdentityFederation", {}), "FeatureDisabled", 404, `Outbound identity federation is already disabled for account ${ACCOUNT}`);
    assert.equal(await h.iam.outbound.signingKey(ACCOUNT, "RS256"), undefined);

    assert.deepEqual(await h.call("EnableOutboundWebIdentityFederation", {}), { IssuerIdentifier });
    const after = await h.store.get<OutboundFederationDoc>(COLLECTIONS.outboundFederation, ACCOUNT);
    assert.deepEqual(after?.keys, before?.keys);
    assert.deepEqual(
      h.calls.map((c) => [c.action, c.resource]),
      [
        ["iam:GetOutboundWebIdentityFederationInfo", "*"],
        ["iam:EnableOutboundWebIdentityFederation", "*"],
        ["iam:GetOutboundWebIdentityFederationInfo", "*"],
        ["iam:EnableOutboundWebIdentityFederation", "*"],
        ["iam:DisableOutboundWebIdentityFederation", "*"],
        ["iam:GetOutboundWebIdentityFederationInfo", "*"],
        ["iam:DisableOutboundWebIdentityFederation", "*"],
        ["iam:EnableOutboundWebIdentityFederation", "*"],
      ],
    );
  });

  test("each account has its own issuer; authorisation comes first", async () => {
    const h = createHarness();
    h.deny.add("iam:EnableOutboundWebIdentityFederation");
    await assertAwsError(h.call("EnableOutboundWebIdentityFederation", {}), "AccessDeniedException", 400, /iam:EnableOutboundWebIdentityFederation on resource: \*/);
    assert.equal(await h.store.get(COLLECTIONS.outboundFederation, ACCOUNT), undefined);
    h.deny.clear();
    const a = await h.call<{ IssuerIdentifier: string }>("EnableOutboundWebIdentityFederation", {});
    const b = await h.call<{ IssuerIdentifier: string }>("EnableOutboundWebIdentityFederation", {}, { accountId: OTHER_ACCOUNT });
    assert.notEqual(a.IssuerIdentifier, b.IssuerIdentifier);
    assert.ok(await h.iam.outbound.isIssuer(a.IssuerIdentifier));
    assert.ok(!(await h.iam.outbound.isIssuer(a.IssuerIdentifier.replace(/.$/, a.IssuerIdentifier.endsWith("0") ? "1" : "0"))));
  });

  test("private keys are stored only sealed; the public keys sign-verify with what the JWKS publishes", async () => {
    const h = createHarness();
    const { IssuerIdentifier } = await h.call<{ IssuerIdentifier: string }>("EnableOutboundWebIdentityFederation", {});
    const stored = JSON.stringify(await h.store.get(COLLECTIONS.outboundFederation, ACCOUNT));
    assert.doesNotMatch(stored, /PRIVATE KEY|"d":/);
    const path = new URL(IssuerIdentifier).pathname;
    const jwks = await h.iam.outbound.discovery(`${path}/.well-known/jwks.json`);
    const keys = (JSON.parse(jwks?.body ?? "{}") as { keys: Array<Record<string, string>> }).keys;
    assert.deepEqual(keys.map((k) => [k.kid, k.kty, k.alg, k.use, k.crv]), [["RSA_0", "RSA", "RS256", "sig", undefined], ["EC384_0", "EC", "ES384", "sig", "P-384"]]);
    assert.ok(keys.every((k) => !("d" in k)));
    for (const alg of ["RS256", "ES384"] as const) {
      const key = await h.iam.outbound.signingKey(ACCOUNT, alg);
      assert.equal(key?.issuer, IssuerIdentifier);
      const data = Buffer.from("signed");
      const jwk = keys.find((k) => k.kid === key?.kid) as unknown as JsonWebKey;
      const pub = createPublicKey({ key: jwk, format: "jwk" });
      const sig = sign(alg === "RS256" ? "sha256" : "sha384", data, alg === "RS256" ? key!.privateKey : { key: key!.privateKey, dsaEncoding: "ieee-p1363" });
      assert.ok(verify(alg === "RS256" ? "sha256" : "sha384", data, alg === "RS256" ? pub : { key: pub, dsaEncoding: "ieee-p1363" }, sig));
    }
  });

  test("discovery: the openid-configuration names the issuer and its JWKS; unknown paths are not found", async () => {
    const h = createHarness();
    const { IssuerIdentifier } = await h.call<{ IssuerIdentifier: string }>("EnableOutboundWebIdentityFederation", {});
    const path = new URL(IssuerIdentifier).pathname;
    const cfg = await h.iam.outbound.discovery(`${path}/.well-known/openid-configuration`);
    assert.equal(cfg?.contentType, "application/json");
    assert.deepEqual(JSON.parse(cfg?.body ?? "{}"), {
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "jti", "https://sts.amazonaws.com/"],
      id_token_signing_alg_values_supported: ["RS256", "ES384"],
      issuer: IssuerIdentifier,
      jwks_uri: `${IssuerIdentifier}/.well-known/jwks.json`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
    });
    // Published while disabled too: tokens issued before stay verifiable.
    await h.call("DisableOutboundWebIdentityFederation", {});
    assert.ok(await h.iam.outbound.discovery(`${path}/.well-known/jwks.json`));
    for (const p of [`${path}/.well-known/other`, "/outbound/00000000-0000-4000-8000-000000000000/.well-known/jwks.json", `${path}/../.well-known/jwks.json`, "/outbound/"]) {
      assert.equal(await h.iam.outbound.discovery(p), undefined, p);
    }
  });
});
