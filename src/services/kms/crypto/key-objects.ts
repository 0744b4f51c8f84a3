/**
 * node:crypto KeyObjects for stored DER keys, cached (bounded LRU) so hot paths (Sign, Decrypt,
 * DeriveSharedSecret) do not re-parse DER each call. Cache keys are SHA-256 hashes of the DER,
 * never the DER itself.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

const MAX_ENTRIES = 256;

class KeyObjectCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(private readonly make: (der: Buffer) => KeyObject) {}
  get(der: Buffer): KeyObject {
    const id = createHash("sha256").update(der).digest("base64");
    const hit = this.map.get(id);
    if (hit) {
      this.map.delete(id);
      this.map.set(id, hit);
      return hit;
    }
    const key = this.make(der);
    this.map.set(id, key);
    if (this.map.size > MAX_ENTRIES) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return key;
  }
}

const privateKeys = new KeyObjectCache((der) => createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
const publicKeys = new KeyObjectCache((der) => createPublicKey({ key: der, format: "der", type: "spki" }));

/** Private KeyObject of a PKCS#8 DER key (throws on malformed DER). */
export function privateKeyObject(pkcs8Der: Buffer): KeyObject {
  return privateKeys.get(pkcs8Der);
}

/** Public KeyObject of a SubjectPublicKeyInfo DER key (throws on malformed DER). */
export function publicKeyObject(spkiDer: Buffer): KeyObject {
  return publicKeys.get(spkiDer);
}
