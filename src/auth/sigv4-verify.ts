/**
 * SigV4 verification: time window, credential scope, signed-header rules, payload hash, signature.
 *
 * What must stay true (see INVARIANTS.md): the signature is compared with crypto.timingSafeEqual
 * over the raw 32-byte MACs; no message contains the secret, the signing key, the expected signature
 * or the canonical request; the header form is accepted only within 15 minutes of the server clock.
 */
import { createHmac, timingSafeEqual, verify as verifySignature } from "node:crypto";
import { commonError } from "../core/errors.js";
import { sha256Hex } from "./sha256.js";
import { buildCanonicalRequest, signedHeadersInfo } from "./sigv4-canonical.js";
import { SIGV4_ALGORITHM, SIGV4A_ALGORITHM, UNSIGNED_PAYLOAD } from "./sigv4-parse.js";
import { sigV4aPublicKey } from "./sigv4a-key.js";
import { formatAmzDate } from "./sigv4-time.js";
import { deriveSigningKey, type SigningKeyCache } from "./signing-key-cache.js";
import type { ParsedSigV4, SigV4Request, VerifyOptions } from "./sigv4-types.js";

/** Allowed clock skew between the client's X-Amz-Date and the server clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export const SIGNATURE_MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

export const PAYLOAD_HASH_MISMATCH_MESSAGE = "The provided 'x-amz-content-sha256' header does not match what was computed.";

// The client's MAC of the request being verified, decoded (verification is synchronous, so one buffer serves all).
const providedMac = Buffer.alloc(32);
/** The MAC computed for the request, copied out of the digest's text (see verifySigV4). */
const expectedMac = Buffer.alloc(32);

/**
 * Request time within the window: ±15 min for the header form; not in the future and not past
 * X-Amz-Expires for presigned, unless the service ignores X-Amz-Expires (then the ±15 min window).
 */
export function checkRequestTime(parsed: ParsedSigV4, nowMs: number, options: VerifyOptions = {}): void {
  const t = parsed.timeMs;
  if (t > nowMs + MAX_SKEW_MS) {
    throw commonError(
      "InvalidSignature",
      `Signature not yet current: ${parsed.amzDate} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} (${formatAmzDate(nowMs)} + 15 min.)`,
    );
  }
  if (parsed.presigned && parsed.expiresSeconds !== undefined && options.ignorePresignedExpires !== true) {
    let life = parsed.expiresSeconds;
    if (options.maxPresignedAgeSeconds !== undefined && options.maxPresignedAgeSeconds < life) life = options.maxPresignedAgeSeconds;
    if (nowMs > t + life * 1000) throw commonError("RequestExpired", "Request has expired");
    return;
  }
  if (t < nowMs - MAX_SKEW_MS) {
    throw commonError(
      "InvalidSignature",
      `Signature expired: ${parsed.amzDate} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} (${formatAmzDate(nowMs)} - 15 min.)`,
    );
  }
}

/**
 * Credential scope: terminator and date always; region and service only when the caller says what
 * is valid (the gateway owns routing). All failures are reported together, as AWS does.
 */
export function checkCredentialScope(parsed: ParsedSigV4, options: VerifyOptions = {}): void {
  let msg = "";
  if (options.isValidRegion !== undefined && !options.isValidRegion(parsed.region)) {
    msg += `Credential should be scoped to a valid region, not '${parsed.region}'. `;
  }
  if (options.service !== undefined && parsed.service !== options.service) {
    msg += `Credential should be scoped to correct service: '${options.service}'. `;
  }
  if (parsed.terminator !== "aws4_request") {
    msg += `Credential should be scoped with a valid terminator: 'aws4_request', not '${parsed.terminator}'. `;
  }
  const day = parsed.amzDate.slice(0, 8);
  if (parsed.scopeDate !== day) {
    msg += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.scopeDate}' != '${day}', from '${parsed.amzDate}'.`;
  }
  if (msg.length > 0) throw commonError("InvalidSignature", msg);
}

/**
 * Host (or HTTP/2 :authority) must be signed, so a signature cannot be replayed against another
 * endpoint name; and no name may be listed twice: SigV4 lists each signed header once, and a
 * repeated name would repeat that header's value in the canonical request once per listing (a
 * 16 KiB head listing one name thousands of times would make a canonical request of tens of MB to
 * build and hash before the signature is even compared).
 */
export function checkSignedHeaders(parsed: ParsedSigV4): void {
  const info = signedHeadersInfo(parsed.signedHeaders);
  if (!info.hasHost) throw commonError("InvalidSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (info.repeated !== undefined) throw commonError("InvalidSignature", `'SignedHeaders' lists the header '${info.repeated}' more than once.`);
}

/**
 * Every check that needs neither the secret nor the body, in AWS's order (time, scope, host).
 * The gateway may call it before looking the access key up; verifySigV4 calls it again (cheap).
 */
export function precheckSigV4(parsed: ParsedSigV4, nowMs: number, options: VerifyOptions = {}): void {
  checkRequestTime(parsed, nowMs, options);
  checkCredentialScope(parsed, options);
  checkSignedHeaders(parsed);
}

/**
 * A declared payload hash must be the body's SHA-256, unless it is an accepted literal. Only
 * S3-style services (those that take UNSIGNED-PAYLOAD) check the header on its own and say so;
 * the others sign the body's own hash whatever the header declares, so to them a wrong one is
 * just a signature that does not match.
 */
function checkPayloadHash(req: SigV4Request, parsed: ParsedSigV4, options: VerifyOptions): void {
  if (parsed.payloadHashComputed) return;
  const declared = parsed.payloadHash;
  if (declared === UNSIGNED_PAYLOAD) {
    if (options.allowUnsignedPayload ?? true) return;
  } else if (declared.startsWith("STREAMING-")) {
    if (options.allowStreamingPayload === true) return;
  } else if (declared === sha256Hex(req.body)) {
    return;
  }
  throw commonError("InvalidSignature", options.allowUnsignedPayload === false ? SIGNATURE_MISMATCH_MESSAGE : PAYLOAD_HASH_MISMATCH_MESSAGE);
}

/**
 * Checks the time window, the credential scope, the signed-header rules, the payload hash and then
 * the signature (constant time). `parsed` must come from parseSigV4 on this same `req`.
 * Throws AwsError (common kinds) with AWS's messages.
 */
export function verifySigV4(
  req: SigV4Request,
  parsed: ParsedSigV4,
  secretAccessKey: string,
  nowMs: number,
  cache?: SigningKeyCache,
  options: VerifyOptions = {},
): void {
  precheckSigV4(parsed, nowMs, options);
  checkPayloadHash(req, parsed, options);

  const canonical = buildCanonicalRequest(req, parsed, options);
  if (parsed.algorithm === SIGV4A_ALGORITHM) {
    verifySigV4a(parsed, sha256Hex(canonical), secretAccessKey, options);
    return;
  }
  const stringToSign =
    SIGV4_ALGORITHM +
    "\n" +
    parsed.amzDate +
    "\n" +
    parsed.scopeDate +
    "/" +
    parsed.region +
    "/" +
    parsed.service +
    "/aws4_request\n" +
    sha256Hex(canonical);
  const key =
    cache === undefined
      ? deriveSigningKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service)
      : options.signingKeyOwner !== undefined
        ? cache.signingKeyFor(options.signingKeyOwner, secretAccessKey, parsed.scopeDate, parsed.region, parsed.service)
        : cache.signingKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service);
  // node:crypto's HMAC: no hand-built MAC from hash calls, whatever a scratch-buffer form would save.
  // The digest as "binary" (latin1) text, one character per byte, copied into a scratch buffer: a Buffer
  // digest is a new external ArrayBuffer per request, which costs more to create and to collect.
  expectedMac.write(createHmac("sha256", key).update(stringToSign, "utf8").digest("binary"), 0, "latin1");
  // The format of the client's signature is public; only the comparison of values must be constant time.
  // Hex decoding stops at the first pair that is not two hex digits, so 64 characters decode to
  // 32 bytes exactly when all of them are hex digits (either case).
  const sig = parsed.signature;
  if (sig.length !== 64 || providedMac.write(sig, 0, "hex") !== 32 || !timingSafeEqual(providedMac, expectedMac)) {
    throw commonError("InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  }
}

/** At most this many hex digits: a DER ECDSA P-256 signature is at most 72 bytes. */
const MAX_SIGV4A_SIGNATURE_HEX = 144;

/**
 * SigV4a: the client's signature is the hex of a DER ECDSA P-256 signature over the string to sign
 * (scope date/service/aws4_request, no region), made with the key pair derived from the access key.
 */
function verifySigV4a(parsed: ParsedSigV4, canonicalHash: string, secretAccessKey: string, options: VerifyOptions): void {
  const stringToSign = SIGV4A_ALGORITHM + "\n" + parsed.amzDate + "\n" + parsed.scopeDate + "/" + parsed.service + "/aws4_request\n" + canonicalHash;
  const sig = parsed.signature;
  let ok = false;
  if (sig.length % 2 === 0 && sig.length <= MAX_SIGV4A_SIGNATURE_HEX && /^[0-9a-fA-F]+$/.test(sig)) {
    const key = sigV4aPublicKey(parsed.accessKeyId, secretAccessKey, options.signingKeyOwner);
    try {
      ok = verifySignature("sha256", Buffer.from(stringToSign, "utf8"), { key, dsaEncoding: "der" }, Buffer.from(sig, "hex"));
    } catch {
      ok = false; // not a DER signature
    }
  }
  if (!ok) throw commonError("InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
}
