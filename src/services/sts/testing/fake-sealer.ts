/** A real AES-256-GCM sealer over a fixed test key (tests only; production uses src/crypto). */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Sealer } from "../../../crypto/seal-types.js";

export function createTestSealer(key: Buffer = Buffer.alloc(32, 7)): Sealer {
  const seal = (plaintext: Uint8Array, aad: string): Buffer => {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([1]), iv, c.getAuthTag(), body]);
  };
  const unseal = (blob: Uint8Array, aad: string): Buffer => {
    const b = Buffer.from(blob);
    if (b[0] !== 1) throw new Error("unknown seal version");
    const d = createDecipheriv("aes-256-gcm", key, b.subarray(1, 13));
    d.setAAD(Buffer.from(aad, "utf8"));
    d.setAuthTag(b.subarray(13, 29));
    return Buffer.concat([d.update(b.subarray(29)), d.final()]);
  };
  return {
    seal,
    unseal,
    sealToString: (p, aad) => seal(typeof p === "string" ? Buffer.from(p, "utf8") : p, aad).toString("base64"),
    unsealString: (s, aad) => unseal(Buffer.from(s, "base64"), aad),
  };
}
