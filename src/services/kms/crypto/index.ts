/**
 * Public surface of the KMS crypto core (pure functions, no storage, no HTTP). The KMS service
 * imports from here; test hooks (encryptSymmetricWithIv) are deliberately not re-exported.
 */
export { INCORRECT_KEY_MESSAGE, KmsCryptoError, isKmsCryptoError, type KmsCryptoErrorKind } from "./errors.js";
export * from "./key-specs.js";
export { canonicalEncryptionContext, type EncryptionContext } from "./encryption-context.js";
export {
  assertMaterialShape,
  generateKeyMaterial,
  generateKeyMaterialAsync,
  isSameKeyMaterial,
  KEY_MATERIAL_FORMAT_VERSION,
  newKeyMaterialId,
  parseKeyMaterial,
  serializeKeyMaterial,
  type KeyMaterial,
} from "./material.js";
export {
  assertBlobKeyId,
  decryptSymmetric,
  encryptSymmetric,
  isKeyIdForBlob,
  parseCiphertextBlob,
  SYMMETRIC_BLOB_VERSION,
  type EncryptSymmetricInput,
  type ParsedCiphertextBlob,
} from "./symmetric.js";
export { decryptAsymmetric, encryptAsymmetric, sign, verify, verifyOrThrow, type PublicKeyMaterial, type SignInput, type VerifyInput } from "./asymmetric.js";
export { deriveSharedSecret } from "./key-agreement.js";
export { decapsulate, encapsulate } from "./kem.js";
export { generateMac, verifyMac, verifyMacOrThrow } from "./hmac.js";
export { generateDataKeyPair, generateDataKeyPairAsync, type DataKeyPair } from "./data-key-pair.js";
export { mlDsaExternalMu } from "./pq.js";
export { randomSecret } from "./random-pool.js";
export {
  assertWrappingAllowed,
  createImportToken,
  generateWrappingKeyPair,
  generateWrappingKeyPairAsync,
  IMPORT_TOKEN_TTL_MS,
  openImportToken,
  unwrapKeyMaterial,
  validateImportedKeyMaterial,
  wrapKeyMaterialForImport,
  type ImportTokenContents,
  type WrappingKeyPair,
} from "./import.js";
