/**
 * Ciphertext blobs of SYMMETRIC_DEFAULT keys (Encrypt, GenerateDataKey*, ReEncrypt) — format v1,
 * see FORMATS.md. Everything Decrypt needs travels in the blob: the key id (so Decrypt without a
 * KeyId can find the key), the key material id (so older material versions keep decrypting after
 * rotation), the IV, the AES-256-GCM ciphertext and tag.
 *
 *   blob = 0x01 ‖ u8 len ‖ keyId ‖ u8 len ‖ materialId ‖ iv(12) ‖ ciphertext ‖ tag(16)
 *   AAD  = header (everything before the ciphertext) ‖ canonical encryption context
 *
 * The Region is deliberately not bound: a multi-Region key (mrk-…) has the same id and
 * material in every Region, so its blobs decrypt in any replica.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { withCanonicalContext, type EncryptionContext } from "./encryption-context.js";
import { INCORRECT_KEY_MESSAGE, invalidCiphertext, KmsCryptoError } from "./errors.js";
import { MAX_SYMMETRIC_PLAINTEXT_BYTES } from "./key-specs.js";
import { randomIv } from "./random-pool.js";

export const SYMMETRIC_BLOB_VERSION = 0x01;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const MATERIAL_ID = /^[0-9A-Za-z_-]{1,128}$/;

export interface EncryptSymmetricInput {
  /** The KMS key id: a UUID, or mrk-<32 hex> for multi-Region keys. */
  keyId: string;
  /** Id of the key material version used (FORMATS.md: 1–128 of [0-9A-Za-z_-]). */
  materialId: string;
  /** The 32-byte AES-256 key of that material version. */
  key: Buffer;
  plaintext: Buffer;
  encryptionContext?: EncryptionContext | undefined;
}

export interface ParsedCiphertextBlob {
  readonly version: number;
  readonly keyId: string;
  readonly materialId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
  /** Header bytes (version through IV), authenticated as AAD. */
  readonly header: Buffer;
}

export function isKeyIdForBlob(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

// One-entry memo of the last pair that passed validIds(): a server encrypts and decrypts under
// the same few keys, and comparing two short strings is cheaper than two regular expressions.
let lastKeyId = "";
let lastMaterialId = "";

function validIds(keyId: string, materialId: string): boolean {
  if (keyId === lastKeyId && materialId === lastMaterialId) return true;
  if (!KEY_ID.test(keyId) || !MATERIAL_ID.test(materialId)) return false;
  lastKeyId = keyId;
  lastMaterialId = materialId;
  return true;
}

/** Encrypts under a fresh random 96-bit IV. */
export function encryptSymmetric(input: EncryptSymmetricInput): Buffer {
  return encryptSymmetricWithIv(input, randomIv(IV_BYTES));
}

/**
 * @internal Test hook: encrypt with a caller-chosen IV (golden vectors only). Reusing an IV
 * under one key breaks AES-GCM; production code must call encryptSymmetric.
 */
export function encryptSymmetricWithIv(input: EncryptSymmetricInput, iv: Buffer): Buffer {
  const { keyId, materialId, key, plaintext } = input;
  if (!validIds(keyId, materialId)) throw new KmsCryptoError("Validation", "Invalid key id or key material id.");
  if (plaintext.length < 1 || plaintext.length > MAX_SYMMETRIC_PLAINTEXT_BYTES) {
    throw new KmsCryptoError("Validation", `Plaintext must be between 1 and ${MAX_SYMMETRIC_PLAINTEXT_BYTES} bytes.`);
  }
  if (key.length !== 32) throw new KmsCryptoError("KMSInternal", "Symmetric key material has the wrong length.");
  if (iv.length !== IV_BYTES) throw new KmsCryptoError("KMSInternal", "Bad IV length.");

  const headerLen = 1 + 1 + keyId.length + 1 + materialId.length + IV_BYTES;
  const out = Buffer.allocUnsafe(headerLen + plaintext.length + TAG_BYTES);
  let o = 0;
  out[o++] = SYMMETRIC_BLOB_VERSION;
  out[o++] = keyId.length;
  o += out.write(keyId, o, "ascii");
  out[o++] = materialId.length;
  o += out.write(materialId, o, "ascii");
  out.set(iv, o);
  o += IV_BYTES;
  const header = out.subarray(0, headerLen);

  const aad = withCanonicalContext(header, input.encryptionContext);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = cipher.update(plaintext);
  out.set(ct, o);
  o += ct.length;
  const rest = cipher.final();
  if (rest.length > 0) {
    out.set(rest, o);
    o += rest.length;
  }
  out.set(cipher.getAuthTag(), o);
  return out;
}

/**
 * Splits a blob into its fields without decrypting (Decrypt without KeyId reads keyId and
 * materialId first). Any malformation is InvalidCiphertext.
 */
export function parseCiphertextBlob(blob: Buffer): ParsedCiphertextBlob {
  if (blob.length < 3 || blob[0] !== SYMMETRIC_BLOB_VERSION) throw invalidCiphertext();
  let o = 1;
  const keyIdLen = blob[o++] as number;
  if (o + keyIdLen + 1 > blob.length) throw invalidCiphertext();
  const keyId = blob.toString("ascii", o, o + keyIdLen);
  o += keyIdLen;
  const materialIdLen = blob[o++] as number;
  if (o + materialIdLen + IV_BYTES + TAG_BYTES > blob.length) throw invalidCiphertext();
  const materialId = blob.toString("ascii", o, o + materialIdLen);
  o += materialIdLen;
  if (!validIds(keyId, materialId)) throw invalidCiphertext();
  const iv = blob.subarray(o, o + IV_BYTES);
  o += IV_BYTES;
  return {
    version: SYMMETRIC_BLOB_VERSION,
    keyId,
    materialId,
    iv,
    ciphertext: blob.subarray(o, blob.length - TAG_BYTES),
    tag: blob.subarray(blob.length - TAG_BYTES),
    header: blob.subarray(0, o),
  };
}

/**
 * Decrypts a parsed blob with the key of its material version. A wrong key, a different
 * encryption context or any modified byte all give the same InvalidCiphertext error; no
 * unauthenticated plaintext is ever returned.
 */
export function decryptSymmetric(parsed: ParsedCiphertextBlob, key: Buffer, encryptionContext?: EncryptionContext): Buffer {
  if (key.length !== 32) throw new KmsCryptoError("KMSInternal", "Symmetric key material has the wrong length.");
  const aad = withCanonicalContext(parsed.header, encryptionContext);
  const decipher = createDecipheriv("aes-256-gcm", key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(parsed.tag);
  const out = decipher.update(parsed.ciphertext);
  try {
    decipher.final();
  } catch {
    out.fill(0);
    throw invalidCiphertext();
  }
  return out;
}

/** Decrypt with an explicit KeyId: the blob must name that key (else IncorrectKeyException). */
export function assertBlobKeyId(parsed: ParsedCiphertextBlob, keyId: string): void {
  if (parsed.keyId !== keyId) {
    throw new KmsCryptoError("IncorrectKey", INCORRECT_KEY_MESSAGE);
  }
}
