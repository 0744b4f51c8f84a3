/**
 * RSA signatures over a caller-supplied digest (Sign/Verify with MessageType DIGEST).
 * node:crypto's sign()/verify() always hash their input (with algorithm null OpenSSL applies the
 * key's default digest), so a pre-computed digest is signed with the raw RSA private operation
 * on a standard encoding:
 *  - RSASSA-PKCS1-v1_5: privateEncrypt(PKCS#1 type-1 padding) of DigestInfo ‖ digest
 *    (RFC 8017 §9.2) — OpenSSL's own padding code;
 *  - RSASSA-PSS: EMSA-PSS-ENCODE (RFC 8017 §9.1.1, MGF1 with the same hash, salt length = hash
 *    length as KMS uses) then privateEncrypt with RSA_NO_PADDING.
 * The results are byte-compatible with `openssl pkeyutl -sign` on the digest and with
 * crypto.verify(hash, message) on the original message (pinned by tests).
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, type KeyObject } from "node:crypto";

type Hash = "sha256" | "sha384" | "sha512";
const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER prefix of DigestInfo { AlgorithmIdentifier { hash OID, NULL }, OCTET STRING (hLen) }. */
const DIGEST_INFO_PREFIX: Record<Hash, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new Error("not an RSA key");
  return bits;
}

export function pkcs1SignDigest(privateKey: KeyObject, hash: Hash, digest: Buffer): Buffer {
  return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]));
}

export function pkcs1VerifyDigest(publicKey: KeyObject, hash: Hash, digest: Buffer, signature: Buffer): boolean {
  if (signature.length !== Math.ceil(modulusBits(publicKey) / 8)) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.equals(Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]));
}

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let offset = 0, i = 0; offset < length; i++) {
    counter.writeUInt32BE(i, 0);
    offset += createHash(hash).update(seed).update(counter).digest().copy(out, offset);
  }
  return out;
}

function pssHash(hash: Hash, mHash: Buffer, salt: Buffer): Buffer {
  return createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
}

export function pssSignDigest(privateKey: KeyObject, hash: Hash, mHash: Buffer): Buffer {
  const modBits = modulusBits(privateKey);
  const k = Math.ceil(modBits / 8);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const salt = randomBytes(sLen);
  const h = pssHash(hash, mHash, salt);
  const dbLen = emLen - hLen - 1;
  const db = Buffer.alloc(dbLen);
  db[dbLen - sLen - 1] = 0x01;
  salt.copy(db, dbLen - sLen);
  const mask = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  // EM is emLen bytes; the RSA input is k bytes (one leading zero when emLen < k).
  const em = Buffer.alloc(k);
  db.copy(em, k - emLen);
  h.copy(em, k - hLen - 1);
  em[k - 1] = 0xbc;
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
}

export function pssVerifyDigest(publicKey: KeyObject, hash: Hash, mHash: Buffer, signature: Buffer): boolean {
  const modBits = modulusBits(publicKey);
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  if (m.length !== k) return false;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  for (let i = 0; i < k - emLen; i++) if (m[i] !== 0) return false;
  const em = m.subarray(k - emLen);
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  if (emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((em[0] as number) & ~topMask & 0xff) !== 0) return false;
  const h = em.subarray(dbLen, dbLen + hLen);
  const db = Buffer.from(em.subarray(0, dbLen));
  const mask = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & topMask;
  const psLen = dbLen - sLen - 1;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  return pssHash(hash, mHash, db.subarray(dbLen - sLen)).equals(h);
}
