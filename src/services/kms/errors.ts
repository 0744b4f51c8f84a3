/**
 * KMS exceptions with the codes of the KMS model (@aws-sdk/client-kms schemas), and the
 * mapping of the crypto core's typed errors onto them. On the wire the real service sends
 * every client error with HTTP 400 (the model's 404/409/412 httpError traits are for query
 * compatibility, not what KMS answers; DryRunOperationException too is a 400), server faults 5xx.
 * Messages name keys, aliases and algorithms, never plaintexts or key material.
 */
import { AwsError, commonError } from "../../core/errors.js";
import { isKmsCryptoError } from "./crypto/index.js";

const e = (code: string, status = 400) => (message: string): AwsError => new AwsError(code, message, status);

export const notFound = e("NotFoundException");
export const disabled = e("DisabledException");
export const invalidState = e("KMSInvalidStateException");
export const alreadyExists = e("AlreadyExistsException");
export const invalidKeyUsage = e("InvalidKeyUsageException");
export const incorrectKey = e("IncorrectKeyException");
export const invalidCiphertext = e("InvalidCiphertextException");
export const invalidGrantToken = e("InvalidGrantTokenException");
export const invalidGrantId = e("InvalidGrantIdException");
export const invalidAliasName = e("InvalidAliasNameException");
export const invalidArn = e("InvalidArnException");
export const limitExceeded = e("LimitExceededException");
export const malformedPolicy = e("MalformedPolicyDocumentException");
export const tagException = e("TagException");
export const invalidMarker = e("InvalidMarkerException");
export const invalidSignature = e("KMSInvalidSignatureException");
export const invalidMac = e("KMSInvalidMacException");
export const expiredImportToken = e("ExpiredImportTokenException");
export const invalidImportToken = e("InvalidImportTokenException");
export const incorrectKeyMaterial = e("IncorrectKeyMaterialException");
export const unsupported = e("UnsupportedOperationException");
export const customKeyStoreNotFound = e("CustomKeyStoreNotFoundException");
export const kmsInternal = e("KMSInternalException", 500);
export const conflict = e("ConflictException");

export function validation(message: string): AwsError {
  return commonError("Validation", message);
}

export function dryRunSucceeded(): AwsError {
  return new AwsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.", 400);
}

export function throttled(): AwsError {
  return commonError("Throttling", "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.");
}

/** KMS's reply to an alias/aws/… name in CreateAlias/UpdateAlias/DeleteAlias (no message). */
export function notAuthorized(): AwsError {
  return new AwsError("NotAuthorizedException", "", 400);
}

/** Maps an error of the crypto core to its KMS exception; anything else passes through. */
export function mapCryptoError(err: unknown): unknown {
  if (!isKmsCryptoError(err)) return err;
  switch (err.kind) {
    case "InvalidCiphertext":
      // AWS answers a ciphertext that does not decrypt (modified, another key's, wrong encryption
      // context) without a message: SDKs show "InvalidCiphertextException: null".
      return invalidCiphertext("");
    case "IncorrectKey":
      return incorrectKey(err.message);
    case "InvalidKeyUsage":
      return invalidKeyUsage(err.message);
    case "Validation":
      return validation(err.message);
    case "UnsupportedOperation":
      return unsupported(err.message);
    case "InvalidImportToken":
      return invalidImportToken(err.message);
    case "ExpiredImportToken":
      return expiredImportToken(err.message);
    case "IncorrectKeyMaterial":
      return incorrectKeyMaterial(err.message);
    case "KMSInvalidSignature":
      return invalidSignature(err.message);
    case "KMSInvalidMac":
      return invalidMac(err.message);
    case "KMSInternal":
      return kmsInternal("An internal error occurred.");
  }
}

/** Runs a crypto-core call, translating its typed errors. */
export function cryptoCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mapCryptoError(err);
  }
}
