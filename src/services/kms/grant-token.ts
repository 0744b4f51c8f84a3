/**
 * Grant tokens: opaque to clients, self-describing and authenticated here, so a token can be
 * checked without a storage read and names the grant it belongs to.
 *
 *   token = base64url( 0x01 ‖ u8 len ‖ account ‖ u8 len ‖ region ‖ u8 len ‖ keyId ‖ u8 len ‖ grantId
 *                      ‖ nonce(16) ‖ HMAC-SHA256(grantTokenKey, everything before) )
 *
 * The key is deriveSubkey(root, "bulwark/kms/grant-token/v1") (src/crypto/INVARIANTS.md).
 * Every CreateGrant returns a fresh token (new nonce), even for an idempotent repeat.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const VERSION = 0x01;
const MAC_BYTES = 32;

export interface GrantTokenContents {
  accountId: string;
  region: string;
  keyId: string;
  grantId: string;
}

function lp(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from([b.length]), b]);
}

export function createGrantToken(c: GrantTokenContents, key: Buffer): string {
  const body = Buffer.concat([Buffer.from([VERSION]), lp(c.accountId), lp(c.region), lp(c.keyId), lp(c.grantId), randomBytes(16)]);
  const mac = createHmac("sha256", key).update(body).digest();
  return Buffer.concat([body, mac]).toString("base64url");
}

/** The grant a token names, or undefined for anything forged, damaged or not a token. */
export function openGrantToken(token: string, key: Buffer): GrantTokenContents | undefined {
  if (token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, "base64url");
  if (raw.length < 1 + 4 + 16 + MAC_BYTES || raw[0] !== VERSION) return undefined;
  const body = raw.subarray(0, raw.length - MAC_BYTES);
  const mac = createHmac("sha256", key).update(body).digest();
  if (!timingSafeEqual(mac, raw.subarray(raw.length - MAC_BYTES))) return undefined;
  let o = 1;
  const next = (): string | undefined => {
    const len = body[o];
    if (len === undefined || o + 1 + len > body.length - 16) return undefined;
    const s = body.toString("utf8", o + 1, o + 1 + len);
    o += 1 + len;
    return s;
  };
  const accountId = next();
  const region = next();
  const keyId = next();
  const grantId = next();
  if (accountId === undefined || region === undefined || keyId === undefined || grantId === undefined || o + 16 !== body.length) return undefined;
  return { accountId, region, keyId, grantId };
}
