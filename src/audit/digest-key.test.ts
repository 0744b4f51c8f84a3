import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createPublicKey, randomBytes, verify as cryptoVerify } from "node:crypto";
import type { Sealer } from "../crypto/seal-types.js";
import { DIGEST_KEY_AAD, loadOrCreateDigestSigner, META_DIGEST_PRIVATE_KEY, META_DIGEST_PUBLIC_KEY, publicKeyFingerprint } from "./digest-key.js";

/** A minimal AES-256-GCM sealer that records the aad it was used with. */
function testSealer(): Sealer & { aads: string[] } {
  const key = randomBytes(32);
  const aads: string[] = [];
  const seal = (pt: Uint8Array, aad: string): Buffer => {
    aads.push(aad);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(pt), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), ct]);
  };
  const unseal = (blob: Uint8Array, aad: string): Buffer => {
    const b = Buffer.from(blob);
    const d = createDecipheriv("aes-256-gcm", key, b.subarray(0, 12));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([d.update(b.subarray(28)), d.final()]);
  };
  return {
    aads,
    seal,
    unseal,
    sealToString: (pt, aad) => seal(typeof pt === "string" ? Buffer.from(pt) : pt, aad).toString("base64"),
    unsealString: (s, aad) => unseal(Buffer.from(s, "base64"), aad),
  };
}

function memMeta() {
  const m = new Map<string, string>();
  return { m, getMeta: async (k: string) => m.get(k), setMeta: async (k: string, v: string) => void m.set(k, v) };
}

describe("loadOrCreateDigestSigner", () => {
  test("creates an RSA key once, sealed at rest, and reloads the same key", async () => {
    const meta = memMeta();
    const sealer = testSealer();
    const a = await loadOrCreateDigestSigner(meta, sealer);
    assert.equal(a.algorithm, "SHA256withRSA");
    assert.deepEqual(sealer.aads, [DIGEST_KEY_AAD]);
    const stored = meta.m.get(META_DIGEST_PRIVATE_KEY)!;
    assert.equal(stored.includes("PRIVATE KEY"), false);
    assert.equal(Buffer.from(stored, "base64").toString("latin1").includes("PRIVATE KEY"), false);
    assert.equal(meta.m.get(META_DIGEST_PUBLIC_KEY), a.publicKeyPem);
    assert.equal(createPublicKey(a.publicKeyPem).asymmetricKeyDetails?.modulusLength, 2048);

    const b = await loadOrCreateDigestSigner(meta, sealer);
    assert.equal(b.publicKeyPem, a.publicKeyPem);
    const data = Buffer.from("digest");
    assert.equal(cryptoVerify("sha256", data, createPublicKey(a.publicKeyPem), b.sign(data)), true);
    assert.equal(publicKeyFingerprint(a.publicKeyPem).length, 64);
  });

  test("a replaced public key is refused", async () => {
    const meta = memMeta();
    const sealer = testSealer();
    await loadOrCreateDigestSigner(meta, sealer);
    const other = await loadOrCreateDigestSigner(memMeta(), sealer);
    meta.m.set(META_DIGEST_PUBLIC_KEY, other.publicKeyPem);
    await assert.rejects(loadOrCreateDigestSigner(meta, sealer), /does not match/);
  });

  test("a public key without its private key is refused", async () => {
    const meta = memMeta();
    const sealer = testSealer();
    const s = await loadOrCreateDigestSigner(meta, sealer);
    meta.m.delete(META_DIGEST_PRIVATE_KEY);
    meta.m.set(META_DIGEST_PUBLIC_KEY, s.publicKeyPem);
    await assert.rejects(loadOrCreateDigestSigner(meta, sealer), /private key missing/);
  });

  test("no new key for a log that was signed before: both key entries removed is refused", async () => {
    const sealer = testSealer();
    const meta = { ...memMeta(), lastDigest: async (): Promise<unknown> => ({ seq: 7 }) };
    await assert.rejects(loadOrCreateDigestSigner(meta, sealer), /has signed digests but its digest key is missing/);
    assert.equal(meta.m.size, 0);
    // A log without digests (a new installation) gets its key.
    const fresh = { ...memMeta(), lastDigest: async (): Promise<unknown> => undefined };
    assert.equal((await loadOrCreateDigestSigner(fresh, sealer)).algorithm, "SHA256withRSA");
  });

  test("a sealed key under another root key does not open", async () => {
    const meta = memMeta();
    await loadOrCreateDigestSigner(meta, testSealer());
    await assert.rejects(loadOrCreateDigestSigner(meta, testSealer()));
  });
});
