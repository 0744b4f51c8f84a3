/**
 * Outbound identity federation (IAM User Guide, "Outbound identity federation"): the per-account
 * switch (EnableOutboundWebIdentityFederation, DisableOutboundWebIdentityFederation,
 * GetOutboundWebIdentityFederationInfo), the account's issuer and its signing keys, and the
 * issuer's public OpenID discovery documents.
 *
 * Enabling the first time draws a random issuer id — the issuer is `<public URL>/outbound/<id>`,
 * served by Bulwark itself — and two signing key pairs, as AWS publishes them: RSA 2048 for
 * RS256 (kid "RSA_0") and ECDSA P-384 for ES384 (kid "EC384_0"). The private keys are sealed
 * with the root key (aad `iam/outbound-signing-key/<account>/<kid>`); only the public JWKs are
 * stored in the clear. Disabling stops new tokens but keeps the issuer and its keys published, so
 * tokens issued before stay verifiable ("This operation does not affect tokens that were issued
 * before the feature was disabled"); enabling again restores the same issuer.
 */
import { createPrivateKey, generateKeyPair, randomUUID, type JsonWebKey, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { AwsError } from "../../core/errors.js";
import type { Sealer } from "../../crypto/seal-types.js";
import { authorize, write, type Caller, type IamEnv } from "./env.js";
import { COLLECTIONS } from "./model.js";

export type OutboundSigningAlgorithm = "RS256" | "ES384";
export const OUTBOUND_SIGNING_ALGORITHMS: readonly OutboundSigningAlgorithm[] = ["RS256", "ES384"];

/** Path prefix of every issuer below the public URL. */
export const OUTBOUND_PATH = "/outbound/";

interface OutboundKeyDoc {
  kid: string;
  alg: OutboundSigningAlgorithm;
  /** Public key as a JWK (kty, n/e or crv/x/y). */
  publicJwk: JsonWebKey;
  /** Sealed PKCS#8 DER of the private key. */
  sealedPrivateKey: string;
}

/** Collection "iam-outbound-federation", keyed by account id. */
export interface OutboundFederationDoc {
  accountId: string;
  issuerId: string;
  enabled: boolean;
  createdAt: number;
  keys: OutboundKeyDoc[];
}

/** Collection "iam-outbound-issuers", keyed by issuer id: which account an issuer belongs to. */
interface OutboundIssuerDoc {
  accountId: string;
}

/** A public document (openid-configuration, jwks.json). */
export interface DiscoveryDocument {
  contentType: string;
  body: string;
  cacheControl: string;
}

export interface OutboundSigningKey {
  issuer: string;
  kid: string;
  alg: OutboundSigningAlgorithm;
  privateKey: KeyObject;
}

const KEY_SPECS: ReadonlyArray<{ kid: string; alg: OutboundSigningAlgorithm }> = [
  { kid: "RSA_0", alg: "RS256" },
  { kid: "EC384_0", alg: "ES384" },
];

const ISSUER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PRIVATE_KEY_CACHE_MAX = 1000;
const generate = promisify(generateKeyPair);

// Messages as IAM returns them (the API reference documents the codes and statuses only).
function featureEnabled(accountId: string): AwsError {
  return new AwsError("FeatureEnabled", `Outbound identity federation is already enabled for account ${accountId}`, 409);
}

function featureDisabled(accountId: string, already: boolean): AwsError {
  return new AwsError("FeatureDisabled", `Outbound identity federation is ${already ? "already " : ""}disabled for account ${accountId}`, 404);
}

export function outboundKeyAad(accountId: string, kid: string): string {
  return `iam/outbound-signing-key/${accountId}/${kid}`;
}

/** `<public URL>/outbound/<issuer id>`. */
export function issuerUrl(publicUrl: string, issuerId: string): string {
  return `${publicUrl}${OUTBOUND_PATH}${issuerId}`;
}

/** The issuer id of an issuer URL of this installation's form, whatever its host. */
export function issuerIdOf(issuer: string): string | undefined {
  const i = issuer.lastIndexOf(OUTBOUND_PATH);
  if (i < 0) return undefined;
  const id = issuer.slice(i + OUTBOUND_PATH.length);
  return ISSUER_ID.test(id) ? id : undefined;
}

/** JWK members in the order AWS's key set lists them. */
function publicJwkOf(spec: { kid: string; alg: OutboundSigningAlgorithm }, jwk: JsonWebKey): JsonWebKey {
  return spec.alg === "RS256"
    ? { alg: spec.alg, e: jwk.e, kid: spec.kid, kty: "RSA", n: jwk.n, use: "sig" }
    : { alg: spec.alg, crv: jwk.crv, kid: spec.kid, kty: "EC", use: "sig", x: jwk.x, y: jwk.y };
}

/** Fresh key pairs for an account; the private halves leave only sealed. */
export async function newSigningKeys(sealer: Sealer, accountId: string): Promise<OutboundKeyDoc[]> {
  const out: OutboundKeyDoc[] = [];
  for (const spec of KEY_SPECS) {
    const pair = spec.alg === "RS256" ? await generate("rsa", { modulusLength: 2048 }) : await generate("ec", { namedCurve: "P-384" });
    const der = pair.privateKey.export({ format: "der", type: "pkcs8" });
    try {
      out.push({
        kid: spec.kid,
        alg: spec.alg,
        publicJwk: publicJwkOf(spec, pair.publicKey.export({ format: "jwk" })),
        sealedPrivateKey: sealer.sealToString(der, outboundKeyAad(accountId, spec.kid)),
      });
    } finally {
      der.fill(0);
    }
  }
  return out;
}

/** The state machine: never enabled → enabled ⇄ disabled (the issuer and keys are kept throughout). */
export function nextOutboundState(
  cur: OutboundFederationDoc | undefined,
  action: "enable" | "disable",
  accountId: string,
): { enabled: boolean } {
  const enabled = cur?.enabled === true;
  if (action === "enable") {
    if (enabled) throw featureEnabled(accountId);
    return { enabled: true };
  }
  if (!enabled) throw featureDisabled(accountId, true);
  return { enabled: false };
}

export interface OutboundFederation {
  enable(env: IamEnv, caller: Caller): Promise<{ IssuerIdentifier: string }>;
  disable(env: IamEnv, caller: Caller): Promise<Record<string, never>>;
  info(env: IamEnv, caller: Caller): Promise<{ IssuerIdentifier: string; JwtVendingEnabled: boolean }>;
  /** The key for a new token of `accountId`; undefined while the feature is disabled (or never enabled). */
  signingKey(accountId: string, alg: OutboundSigningAlgorithm): Promise<OutboundSigningKey | undefined>;
  /** True when `issuer` names an issuer of this installation (enabled or not), whatever host it uses. */
  isIssuer(issuer: string): Promise<boolean>;
  /** `/outbound/<id>/.well-known/openid-configuration` or `…/jwks.json`; undefined for anything else. */
  discovery(path: string): Promise<DiscoveryDocument | undefined>;
}

export function createOutboundFederation(deps: { store: IamEnv["store"]; sealer: Sealer; publicUrl: () => string }): OutboundFederation {
  const { store, sealer } = deps;
  const privateKeys = new Map<string, KeyObject>();

  const load = (accountId: string): Promise<OutboundFederationDoc | undefined> => store.get<OutboundFederationDoc>(COLLECTIONS.outboundFederation, accountId);

  function privateKeyOf(doc: OutboundFederationDoc, k: OutboundKeyDoc): KeyObject {
    const cacheKey = `${doc.accountId}/${k.kid}`;
    const hit = privateKeys.get(cacheKey);
    if (hit) return hit;
    const der = sealer.unsealString(k.sealedPrivateKey, outboundKeyAad(doc.accountId, k.kid));
    try {
      const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
      if (privateKeys.size >= PRIVATE_KEY_CACHE_MAX) privateKeys.clear();
      privateKeys.set(cacheKey, key);
      return key;
    } finally {
      der.fill(0);
    }
  }

  function document(body: unknown): DiscoveryDocument {
    return { contentType: "application/json", body: JSON.stringify(body), cacheControl: "public, max-age=300" };
  }

  return {
    async enable(env, caller) {
      await authorize(caller, "EnableOutboundWebIdentityFederation", "*");
      const acct = caller.accountId;
      const before = await load(acct);
      nextOutboundState(before, "enable", acct);
      // Key generation takes a while: done outside the transaction, used only if this call creates the record.
      const keys = before ? undefined : await newSigningKeys(sealer, acct);
      const doc = await write(env, acct, async (tx) => {
        const cur = await tx.get<OutboundFederationDoc>(COLLECTIONS.outboundFederation, acct);
        nextOutboundState(cur, "enable", acct);
        if (cur) {
          const next = { ...cur, enabled: true };
          await tx.put(COLLECTIONS.outboundFederation, acct, next);
          return next;
        }
        const created: OutboundFederationDoc = { accountId: acct, issuerId: randomUUID(), enabled: true, createdAt: caller.now, keys: keys ?? (await newSigningKeys(sealer, acct)) };
        await tx.put<OutboundIssuerDoc>(COLLECTIONS.outboundIssuers, created.issuerId, { accountId: acct });
        await tx.put(COLLECTIONS.outboundFederation, acct, created);
        return created;
      });
      return { IssuerIdentifier: issuerUrl(deps.publicUrl(), doc.issuerId) };
    },

    async disable(env, caller) {
      await authorize(caller, "DisableOutboundWebIdentityFederation", "*");
      const acct = caller.accountId;
      await write(env, acct, async (tx) => {
        const cur = await tx.get<OutboundFederationDoc>(COLLECTIONS.outboundFederation, acct);
        nextOutboundState(cur, "disable", acct);
        await tx.put(COLLECTIONS.outboundFederation, acct, { ...(cur as OutboundFederationDoc), enabled: false });
      });
      return {};
    },

    async info(_env, caller) {
      await authorize(caller, "GetOutboundWebIdentityFederationInfo", "*");
      const doc = await load(caller.accountId);
      if (doc?.enabled !== true) throw featureDisabled(caller.accountId, false);
      return { IssuerIdentifier: issuerUrl(deps.publicUrl(), doc.issuerId), JwtVendingEnabled: true };
    },

    async signingKey(accountId, alg) {
      const doc = await load(accountId);
      if (doc?.enabled !== true) return undefined;
      const k = doc.keys.find((x) => x.alg === alg);
      if (!k) return undefined;
      return { issuer: issuerUrl(deps.publicUrl(), doc.issuerId), kid: k.kid, alg: k.alg, privateKey: privateKeyOf(doc, k) };
    },

    async isIssuer(issuer) {
      const id = issuerIdOf(issuer);
      return id !== undefined && (await store.get<OutboundIssuerDoc>(COLLECTIONS.outboundIssuers, id)) !== undefined;
    },

    async discovery(path) {
      const m = /^\/outbound\/([^/]+)\/\.well-known\/(openid-configuration|jwks\.json)$/.exec(path);
      if (!m || !ISSUER_ID.test(m[1] as string)) return undefined;
      const issuerId = m[1] as string;
      const idx = await store.get<OutboundIssuerDoc>(COLLECTIONS.outboundIssuers, issuerId);
      const doc = idx ? await load(idx.accountId) : undefined;
      if (!doc || doc.issuerId !== issuerId) return undefined;
      const issuer = issuerUrl(deps.publicUrl(), issuerId);
      if (m[2] === "jwks.json") return document({ keys: doc.keys.map((k) => k.publicJwk) });
      return document({
        claims_supported: ["sub", "iss", "aud", "exp", "iat", "jti", "https://sts.amazonaws.com/"],
        id_token_signing_alg_values_supported: [...OUTBOUND_SIGNING_ALGORITHMS],
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
      });
    },
  };
}
