/**
 * Compact JWS (JWT) parsing and signature verification with node:crypto only: RS256/384/512
 * (RSASSA-PKCS1-v1_5), PS256/384/512 (RSASSA-PSS) and ES256/384/512 (ECDSA, the JOSE
 * r||s encoding). "none" and HMAC algorithms are never accepted.
 */
import { constants, verify } from "node:crypto";
import type { IssuerKey } from "./jwks.js";

export interface ParsedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `<header>.<payload>` as sent: the signed bytes. */
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!B64URL.test(part)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** undefined when the token is not a compact JWS with JSON header and claims. */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims || !B64URL.test(s)) return undefined;
  return { header, claims, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
}

interface AlgSpec {
  hash: "sha256" | "sha384" | "sha512";
  kty: "RSA" | "EC";
  pss?: boolean;
  crv?: string;
}

const ALGS: Record<string, AlgSpec> = {
  RS256: { hash: "sha256", kty: "RSA" },
  RS384: { hash: "sha384", kty: "RSA" },
  RS512: { hash: "sha512", kty: "RSA" },
  PS256: { hash: "sha256", kty: "RSA", pss: true },
  PS384: { hash: "sha384", kty: "RSA", pss: true },
  PS512: { hash: "sha512", kty: "RSA", pss: true },
  ES256: { hash: "sha256", kty: "EC", crv: "P-256" },
  ES384: { hash: "sha384", kty: "EC", crv: "P-384" },
  ES512: { hash: "sha512", kty: "EC", crv: "P-521" },
};

export function isSupportedAlg(alg: unknown): alg is string {
  return typeof alg === "string" && Object.prototype.hasOwnProperty.call(ALGS, alg);
}

/** True when one of `keys` (of the right type for `alg`) verifies the token's signature. */
export function verifyJwtSignature(jwt: ParsedJwt, alg: string, keys: readonly IssuerKey[]): boolean {
  const spec = ALGS[alg];
  if (!spec) return false;
  const data = Buffer.from(jwt.signingInput, "ascii");
  for (const k of keys) {
    if (k.jwk.kty !== spec.kty) continue;
    if (k.jwk.alg !== undefined && k.jwk.alg !== alg) continue;
    if (spec.crv !== undefined && k.jwk.crv !== spec.crv) continue;
    try {
      const ok =
        spec.kty === "EC"
          ? verify(spec.hash, data, { key: k.key, dsaEncoding: "ieee-p1363" }, jwt.signature)
          : spec.pss
            ? verify(spec.hash, data, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature)
            : verify(spec.hash, data, k.key, jwt.signature);
      if (ok) return true;
    } catch {
      // A malformed signature for this key type: try the next key.
    }
  }
  return false;
}
