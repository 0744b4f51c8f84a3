/**
 * Typed errors of the KMS crypto core. The KMS service maps `kind` to the AWS exception
 * (e.g. "InvalidCiphertext" → InvalidCiphertextException, "Validation" → ValidationException).
 *
 * What must stay true: messages are fixed, coarse strings. They never contain key material,
 * plaintexts, ciphertexts, signatures, MACs or encryption-context values — only public facts
 * such as an algorithm name, a key spec or a length limit.
 */

export type KmsCryptoErrorKind =
  | "InvalidCiphertext"
  | "IncorrectKey"
  | "InvalidKeyUsage"
  | "Validation"
  | "UnsupportedOperation"
  | "InvalidImportToken"
  | "ExpiredImportToken"
  | "IncorrectKeyMaterial"
  | "KMSInvalidSignature"
  | "KMSInvalidMac"
  | "KMSInternal";

export class KmsCryptoError extends Error {
  readonly kind: KmsCryptoErrorKind;
  constructor(kind: KmsCryptoErrorKind, message: string) {
    super(message);
    this.name = "KmsCryptoError";
    this.kind = kind;
  }
}

export function isKmsCryptoError(err: unknown, kind?: KmsCryptoErrorKind): err is KmsCryptoError {
  return err instanceof KmsCryptoError && (kind === undefined || err.kind === kind);
}

/** KMS's IncorrectKeyException text: the key named is not the one that can decrypt the ciphertext. */
export const INCORRECT_KEY_MESSAGE = "The key ID in the request does not identify a CMK that can perform this operation.";

/** The one message every ciphertext failure uses, so failures cannot be told apart. */
export const INVALID_CIPHERTEXT_MESSAGE =
  "The ciphertext is invalid, was modified, or does not match the key or encryption context.";

export function invalidCiphertext(): KmsCryptoError {
  return new KmsCryptoError("InvalidCiphertext", INVALID_CIPHERTEXT_MESSAGE);
}
