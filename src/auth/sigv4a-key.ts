/**
 * SigV4a signing keys: the ECDSA P-256 key pair AWS derives from an access key pair (HMAC-SHA256
 * in counter mode, NIST SP 800-108, keyed by "AWS4A" + secret; the first candidate c <= n - 2
 * gives the private scalar c + 1). The verifier needs only the public half.
 *
 * As with the HMAC signing keys (INVARIANTS.md): derived keys never leave the verifier, and the
 * owner cache keys a WeakMap by the identity of the server's credential object, serving a key only
 * for the exact (access key id, secret) it was derived for.
 */
import { createECDH, createHmac, createPublicKey, type KeyObject } from "node:crypto";

const LABEL = Buffer.from("AWS4-ECDSA-P256-SHA256", "latin1");
/** Order of P-256 minus 2, big-endian. */
const N_MINUS_2 = Buffer.from("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f", "hex");
const MAX_COUNTER = 254;

/** The private scalar (32 bytes, big-endian) AWS derives for this key pair. */
export function deriveSigV4aPrivateKey(accessKeyId: string, secretAccessKey: string): Buffer {
  const id = Buffer.from(accessKeyId, "utf8");
  // i (always 1) || label || 0x00 || access key id || counter || L (256 bits)
  const fixed = Buffer.alloc(4 + LABEL.length + 1 + id.length + 1 + 4);
  fixed.writeUInt32BE(1, 0);
  LABEL.copy(fixed, 4);
  id.copy(fixed, 4 + LABEL.length + 1);
  const counterAt = 4 + LABEL.length + 1 + id.length;
  fixed.writeUInt32BE(256, counterAt + 1);
  for (let counter = 1; counter <= MAX_COUNTER; counter++) {
    fixed[counterAt] = counter;
    const k0 = createHmac("sha256", "AWS4A" + secretAccessKey).update(fixed).digest();
    if (Buffer.compare(k0, N_MINUS_2) <= 0) {
      // k0 + 1, big-endian (k0 <= n - 2, so no carry out of the top byte).
      for (let i = 31; i >= 0; i--) {
        const v = (k0[i] as number) + 1;
        k0[i] = v & 0xff;
        if (v <= 0xff) break;
      }
      return k0;
    }
  }
  // Unreachable in practice (each candidate fails with probability ~2^-32).
  throw new Error("SigV4a key derivation did not converge");
}

/** The public key of the SigV4a key pair of (accessKeyId, secretAccessKey). */
export function deriveSigV4aPublicKey(accessKeyId: string, secretAccessKey: string): KeyObject {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(deriveSigV4aPrivateKey(accessKeyId, secretAccessKey));
  const point = ecdh.getPublicKey();
  return createPublicKey({
    key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33, 65).toString("base64url") },
    format: "jwk",
  });
}

interface OwnedKey {
  accessKeyId: string;
  secretAccessKey: string;
  key: KeyObject;
}

const owned = new WeakMap<object, OwnedKey>();

/**
 * The public key for (accessKeyId, secretAccessKey), remembered on `owner` (the server's credential
 * record) when one is given; a stale entry (the owner's key pair changed) is replaced.
 */
export function sigV4aPublicKey(accessKeyId: string, secretAccessKey: string, owner?: object): KeyObject {
  if (owner === undefined) return deriveSigV4aPublicKey(accessKeyId, secretAccessKey);
  const hit = owned.get(owner);
  if (hit !== undefined && hit.accessKeyId === accessKeyId && hit.secretAccessKey === secretAccessKey) return hit.key;
  const key = deriveSigV4aPublicKey(accessKeyId, secretAccessKey);
  owned.set(owner, { accessKeyId, secretAccessKey, key });
  return key;
}
