/**
 * GenerateDataKeyPair(WithoutPlaintext): a fresh key pair for use outside KMS. The private key
 * is PKCS#8 DER (ML-KEM: seed-only PKCS#8), the public key DER SubjectPublicKeyInfo — the
 * encodings KMS returns. The caller encrypts privateKeyDer under the symmetric KMS key.
 */
import { KmsCryptoError } from "./errors.js";
import { DATA_KEY_PAIR_SPECS, SM2_UNSUPPORTED_MESSAGE, type DataKeyPairSpec } from "./key-specs.js";
import { generateKeyMaterial, generateKeyMaterialAsync, type KeyMaterial } from "./material.js";

export interface DataKeyPair {
  spec: DataKeyPairSpec;
  privateKeyDer: Buffer;
  publicKeyDer: Buffer;
}

function checkSpec(spec: string): DataKeyPairSpec {
  if (!(DATA_KEY_PAIR_SPECS as readonly string[]).includes(spec)) throw new KmsCryptoError("Validation", "Unknown KeyPairSpec.");
  if (spec === "SM2") throw new KmsCryptoError("UnsupportedOperation", SM2_UNSUPPORTED_MESSAGE);
  return spec as DataKeyPairSpec;
}

function toPair(spec: DataKeyPairSpec, m: KeyMaterial): DataKeyPair {
  if (!m.privateDer || !m.publicDer) throw new KmsCryptoError("KMSInternal", "Key pair generation failed.");
  return { spec, privateKeyDer: m.privateDer, publicKeyDer: m.publicDer };
}

export function generateDataKeyPair(spec: string): DataKeyPair {
  const s = checkSpec(spec);
  return toPair(s, generateKeyMaterial(s));
}

/** Like generateDataKeyPair, but RSA/EC generation runs off the event loop. */
export async function generateDataKeyPairAsync(spec: string): Promise<DataKeyPair> {
  const s = checkSpec(spec);
  return toPair(s, await generateKeyMaterialAsync(s));
}
