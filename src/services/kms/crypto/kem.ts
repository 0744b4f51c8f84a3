/**
 * Encapsulate / Decapsulate with ML-KEM keys (FIPS 203). The shared secret is 32 bytes; the
 * ciphertext is 768 / 1088 / 1568 bytes for ML_KEM_512 / 768 / 1024. Decapsulate rejects only
 * a ciphertext of the wrong length (InvalidCiphertext); any other wrong ciphertext yields a
 * pseudo-random secret (implicit rejection), exactly as KMS documents.
 */
import { invalidCiphertext, KmsCryptoError } from "./errors.js";
import { assertSpecSupported, keySpecInfo, type EncapsulationAlgorithm } from "./key-specs.js";
import type { KeyMaterial } from "./material.js";
import { decodePqSpki, isMlKemSpec, mlKemDecapsulate, mlKemEncapsulate, pqParams, pqSeedFromStoredKey, type MlKemSpec } from "./pq.js";

function mlKemSpec(material: Pick<KeyMaterial, "spec">, algorithm: string): MlKemSpec {
  const info = keySpecInfo(material.spec);
  assertSpecSupported(info);
  const spec = material.spec;
  if (!info.encapsulationAlgorithms.includes(algorithm as EncapsulationAlgorithm) || !isMlKemSpec(spec)) {
    throw new KmsCryptoError("InvalidKeyUsage", `The encapsulation algorithm ${algorithm} is not compatible with KeySpec ${material.spec}.`);
  }
  return spec;
}

export function encapsulate(input: { material: Pick<KeyMaterial, "spec" | "publicDer">; algorithm: string }): { sharedSecret: Buffer; ciphertext: Buffer } {
  const spec = mlKemSpec(input.material, input.algorithm);
  const raw = input.material.publicDer && decodePqSpki(spec, input.material.publicDer);
  if (!raw) throw new KmsCryptoError("KMSInternal", "Stored ML-KEM public key is malformed.");
  return mlKemEncapsulate(spec, raw);
}

export function decapsulate(input: { material: KeyMaterial; algorithm: string; ciphertext: Buffer }): Buffer {
  const spec = mlKemSpec(input.material, input.algorithm);
  if (input.ciphertext.length !== pqParams(spec).outputBytes) throw invalidCiphertext();
  const seed = input.material.privateDer && pqSeedFromStoredKey(spec, input.material.privateDer);
  if (!seed) throw new KmsCryptoError("KMSInternal", "Stored ML-KEM private key is malformed.");
  return mlKemDecapsulate(spec, seed, input.ciphertext);
}
