/**
 * The key that signs audit digests: RSA-2048, signatures RSASSA-PKCS1-v1_5 with SHA-256
 * ("SHA256withRSA", as CloudTrail log file integrity validation uses).
 *
 * The private key PEM is stored sealed (aad "audit/digest-key") in the installation meta;
 * the public key PEM is stored in the clear so anyone can verify the log offline.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import type { Sealer } from "../crypto/seal-types.js";

export const DIGEST_SIGNATURE_ALGORITHM = "SHA256withRSA";
export const DIGEST_KEY_AAD = "audit/digest-key";
export const META_DIGEST_PRIVATE_KEY = "audit/digest-key/private";
export const META_DIGEST_PUBLIC_KEY = "audit/digest-key/public";

export interface DigestSigner {
  algorithm: string;
  sign(data: Buffer): Buffer;
  publicKeyPem: string;
}

export interface MetaStore {
  getMeta(k: string): Promise<string | undefined>;
  setMeta(k: string, v: string): Promise<void>;
  /** The audit log's newest digest, when the store holds the log: a log signed before has its key. */
  lastDigest?(): Promise<unknown>;
}

/** Hex SHA-256 of the SubjectPublicKeyInfo DER of a PEM public key. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex");
}

function signerFromKey(key: KeyObject): DigestSigner {
  if (key.asymmetricKeyType !== "rsa") throw new Error("audit digest key must be an RSA key");
  const publicKeyPem = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
  return {
    algorithm: DIGEST_SIGNATURE_ALGORITHM,
    publicKeyPem,
    sign: (data: Buffer) => cryptoSign("sha256", data, key),
  };
}

/** Signer from a PKCS#8 PEM private key. */
export function createDigestSigner(privateKeyPem: string | Buffer): DigestSigner {
  return signerFromKey(createPrivateKey(privateKeyPem));
}

/** A fresh RSA-2048 signer (not persisted). */
export function generateDigestSigner(): DigestSigner {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return signerFromKey(privateKey);
}

export async function loadOrCreateDigestSigner(storage: MetaStore, sealer: Sealer): Promise<DigestSigner> {
  const sealed = await storage.getMeta(META_DIGEST_PRIVATE_KEY);
  const storedPublic = await storage.getMeta(META_DIGEST_PUBLIC_KEY);
  if (sealed === undefined) {
    // A public key without its private key means the meta was tampered with or half-lost:
    // silently minting a new key would hide that.
    if (storedPublic !== undefined) throw new Error("audit digest public key present but private key missing");
    // Digests signed before mean the key was removed: a new one would sign whatever the log now holds.
    if (storage.lastDigest !== undefined && (await storage.lastDigest()) !== undefined) {
      throw new Error("the audit log has signed digests but its digest key is missing (the database was altered or damaged); a new key is not made: run bulwark audit verify");
    }
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const signer = signerFromKey(privateKey);
    await storage.setMeta(META_DIGEST_PRIVATE_KEY, sealer.sealToString(pem, DIGEST_KEY_AAD));
    await storage.setMeta(META_DIGEST_PUBLIC_KEY, signer.publicKeyPem);
    return signer;
  }
  const pem = sealer.unsealString(sealed, DIGEST_KEY_AAD);
  let signer: DigestSigner;
  try {
    signer = createDigestSigner(pem);
  } finally {
    pem.fill(0);
  }
  if (storedPublic === undefined) {
    await storage.setMeta(META_DIGEST_PUBLIC_KEY, signer.publicKeyPem);
  } else if (publicKeyFingerprint(storedPublic) !== publicKeyFingerprint(signer.publicKeyPem)) {
    throw new Error("audit digest public key does not match the sealed private key");
  }
  return signer;
}

/**
 * The digest public key (SPKI PEM) derived from the sealed private key, not read from the clear
 * meta row anyone who can write the database could replace; undefined when the installation has
 * no digest key yet. Nothing is created.
 */
export async function sealedDigestPublicKey(storage: Pick<MetaStore, "getMeta">, sealer: Sealer): Promise<string | undefined> {
  const sealed = await storage.getMeta(META_DIGEST_PRIVATE_KEY);
  if (sealed === undefined) return undefined;
  const pem = sealer.unsealString(sealed, DIGEST_KEY_AAD);
  try {
    return createDigestSigner(pem).publicKeyPem;
  } finally {
    pem.fill(0);
  }
}
