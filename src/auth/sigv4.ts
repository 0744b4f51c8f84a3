/**
 * AWS Signature Version 4 verification — the public entry point of src/auth.
 *
 * Gateway flow: parseSigV4(req) → route on parsed.service / look the access key up
 * (optionally precheckSigV4 first, to report time and scope errors in AWS's order) →
 * verifySigV4(req, parsed, secret, now, cache, options).
 *
 * Options (VerifyOptions): every service except S3 uses the defaults. S3 will pass
 * `{ doubleEncodePath: false }` (single-encoded, unnormalised path), `allowStreamingPayload: true`
 * for chunked uploads, and parse with `{ presignedUnsignedPayload: true }`.
 */
export type { SigV4Request, ParsedSigV4, ParseOptions, VerifyOptions } from "./sigv4-types.js";
export { parseSigV4, credentialScopeService, SIGV4_ALGORITHM, SIGV4A_ALGORITHM, UNSIGNED_PAYLOAD, MAX_PRESIGNED_EXPIRES } from "./sigv4-parse.js";
export { deriveSigV4aPrivateKey, deriveSigV4aPublicKey } from "./sigv4a-key.js";
export {
  verifySigV4,
  precheckSigV4,
  checkRequestTime,
  checkCredentialScope,
  checkSignedHeaders,
  MAX_SKEW_MS,
  SIGNATURE_MISMATCH_MESSAGE,
  PAYLOAD_HASH_MISMATCH_MESSAGE,
} from "./sigv4-verify.js";
export { buildCanonicalRequest, canonicalQuery, canonicalUri, canonicalHeaders, normalizePath } from "./sigv4-canonical.js";
export { SigningKeyCache, deriveSigningKey } from "./signing-key-cache.js";
export { parseAmzDate, formatAmzDate } from "./sigv4-time.js";
