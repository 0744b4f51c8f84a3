/**
 * XML Encryption of SAML assertions (<saml:EncryptedAssertion>), decrypted with node:crypto:
 * the content key is transported with RSA-OAEP (xmlenc rsa-oaep-mgf1p, or xmlenc11 rsa-oaep
 * with SHA-1/SHA-256/SHA-512 digests and a matching MGF1) under one of the provider's private
 * keys; the assertion is AES-CBC (128/192/256) or AES-GCM (128/192/256). RSA PKCS#1 v1.5 key
 * transport is refused (padding-oracle prone).
 */
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from "node:crypto";
import { NS, XmlParseError, attr, child, children, descendants, textOf } from "../../../core/xml.js";

export class DecryptionFailed extends Error {}

const BLOCK_CIPHERS: Record<string, { name: string; keyBytes: number; gcm: boolean }> = {
  [`${NS.xenc}aes128-cbc`]: { name: "aes-128-cbc", keyBytes: 16, gcm: false },
  [`${NS.xenc}aes192-cbc`]: { name: "aes-192-cbc", keyBytes: 24, gcm: false },
  [`${NS.xenc}aes256-cbc`]: { name: "aes-256-cbc", keyBytes: 32, gcm: false },
  [`${NS.xenc11}aes128-gcm`]: { name: "aes-128-gcm", keyBytes: 16, gcm: true },
  [`${NS.xenc11}aes192-gcm`]: { name: "aes-192-gcm", keyBytes: 24, gcm: true },
  [`${NS.xenc11}aes256-gcm`]: { name: "aes-256-gcm", keyBytes: 32, gcm: true },
};

const DIGESTS: Record<string, string> = {
  "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
  "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
  "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
};
const MGF1: Record<string, string> = {
  "http://www.w3.org/2009/xmlenc11#mgf1sha1": "sha1",
  "http://www.w3.org/2009/xmlenc11#mgf1sha256": "sha256",
  "http://www.w3.org/2009/xmlenc11#mgf1sha512": "sha512",
};

function cipherValue(el: Element): Buffer {
  const data = child(el, NS.xenc, "CipherData");
  const value = data ? child(data, NS.xenc, "CipherValue") : undefined;
  const b64 = textOf(value).replace(/\s+/g, "");
  if (b64 === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new XmlParseError("no CipherValue");
  return Buffer.from(b64, "base64");
}

function algorithmOf(el: Element): string {
  const m = child(el, NS.xenc, "EncryptionMethod");
  return (m ? attr(m, "Algorithm") : undefined) ?? "";
}

/** The OAEP digest an EncryptedKey names (node uses one hash for OAEP and MGF1, so they must match). */
function oaepHash(encryptedKey: Element): string {
  const alg = algorithmOf(encryptedKey);
  const method = child(encryptedKey, NS.xenc, "EncryptionMethod") as Element;
  const digestEl = child(method, NS.ds, "DigestMethod");
  const digest = digestEl ? DIGESTS[attr(digestEl, "Algorithm") ?? ""] : "sha1";
  if (digest === undefined) throw new DecryptionFailed("unsupported OAEP digest");
  if (alg === `${NS.xenc}rsa-oaep-mgf1p`) return digest;
  if (alg === `${NS.xenc11}rsa-oaep`) {
    const mgfEl = child(method, NS.xenc11, "MGF");
    const mgf = mgfEl ? MGF1[attr(mgfEl, "Algorithm") ?? ""] : "sha1";
    if (mgf !== digest) throw new DecryptionFailed("unsupported MGF");
    return digest;
  }
  throw new DecryptionFailed("unsupported key transport");
}

function contentKey(encryptedKey: Element, keys: readonly KeyObject[], keyBytes: number): Buffer {
  const hash = oaepHash(encryptedKey);
  const wrapped = cipherValue(encryptedKey);
  for (const key of keys) {
    try {
      const k = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, wrapped);
      if (k.length === keyBytes) return k;
    } catch {
      // not this key
    }
  }
  throw new DecryptionFailed("no private key of the provider decrypts the content key");
}

function decryptContent(alg: { name: string; gcm: boolean }, key: Buffer, data: Buffer): Buffer {
  if (alg.gcm) {
    if (data.length < 12 + 16) throw new DecryptionFailed("ciphertext too short");
    const d = createDecipheriv(alg.name as "aes-256-gcm", key, data.subarray(0, 12));
    d.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
  }
  if (data.length < 32 || data.length % 16 !== 0) throw new DecryptionFailed("ciphertext is not whole blocks");
  const d = createDecipheriv(alg.name, key, data.subarray(0, 16));
  d.setAutoPadding(false); // XML Encryption padding: only the last byte (the pad length) is defined
  const plain = Buffer.concat([d.update(data.subarray(16)), d.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new DecryptionFailed("bad padding");
  return plain.subarray(0, plain.length - pad);
}

/** The serialized <saml:Assertion> inside an <saml:EncryptedAssertion>. */
export function decryptAssertion(encrypted: Element, keys: readonly KeyObject[]): string {
  try {
    const data = children(encrypted, NS.xenc, "EncryptedData");
    if (data.length !== 1) throw new DecryptionFailed("exactly one EncryptedData is required");
    const encryptedData = data[0] as Element;
    const alg = BLOCK_CIPHERS[algorithmOf(encryptedData)];
    if (!alg) throw new DecryptionFailed("unsupported content encryption");
    // The EncryptedKey sits in the EncryptedData's KeyInfo, or beside it in the EncryptedAssertion.
    const keyInfo = child(encryptedData, NS.ds, "KeyInfo");
    const candidates = [...(keyInfo ? descendants(keyInfo, NS.xenc, "EncryptedKey") : []), ...children(encrypted, NS.xenc, "EncryptedKey")];
    if (candidates.length === 0) throw new DecryptionFailed("no EncryptedKey");
    let lastError: unknown;
    for (const ek of candidates) {
      try {
        const key = contentKey(ek, keys, alg.keyBytes);
        try {
          return decryptContent(alg, key, cipherValue(encryptedData)).toString("utf8");
        } finally {
          key.fill(0);
        }
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError instanceof Error ? lastError : new DecryptionFailed("cannot decrypt");
  } catch (e) {
    if (e instanceof DecryptionFailed) throw e;
    throw new DecryptionFailed(e instanceof Error ? e.message : "cannot decrypt");
  }
}
