/** Shapes of the SigV4 verifier's public API (see sigv4.ts for the functions). */

export interface SigV4Request {
  /** "GET", "POST", … exactly as received. */
  method: string;
  /** Raw request path as received, without the query string (may contain %-escapes). */
  path: string;
  /** Raw query string without the leading "?" ("" if none). */
  rawQuery: string;
  /** node's IncomingHttpHeaders (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /**
   * node's req.rawHeaders when available. Used to canonicalise repeated headers exactly
   * (node's `headers` joins most repeats with ", " and drops repeats of some, e.g. host).
   */
  rawHeaders?: string[];
  /** The full request body. */
  body: Buffer;
}

export interface ParsedSigV4 {
  accessKeyId: string;
  /** "20150830T123600Z" (also when the request carried only an HTTP Date header). */
  amzDate: string;
  /** Request time from amzDate, epoch ms. */
  timeMs: number;
  /** "20150830": the credential-scope date. */
  scopeDate: string;
  region: string;
  /** Credential-scope service name: the gateway routes on it. */
  service: string;
  /** Credential-scope terminator; anything but "aws4_request" fails verification. */
  terminator: string;
  /** As listed by the client (SignedHeaders / X-Amz-SignedHeaders), in the client's order. */
  /** Shared between requests with the same SignedHeaders value (frozen): never modify it. */
  signedHeaders: readonly string[];
  /** Hex signature as provided by the client. */
  signature: string;
  presigned: boolean;
  /** X-Amz-Expires of a presigned request, when present. */
  expiresSeconds?: number;
  /** X-Amz-Security-Token header or query parameter. */
  sessionToken?: string;
  /** The payload hash that goes into the canonical request. */
  payloadHash: string;
  /**
   * True when payloadHash was computed here from the body (the request declared none); false when it
   * is the client's declared x-amz-content-sha256 (or UNSIGNED-PAYLOAD), which verify checks against the body.
   */
  payloadHashComputed: boolean;
  /** SIGV4_ALGORITHM or SIGV4A_ALGORITHM (the gateway refuses SigV4a for services that do not take it). */
  algorithm: string;
  /** SigV4a: the X-Amz-Region-Set header or query parameter as sent (undefined for SigV4). */
  regionSet: string | undefined;
}

export interface ParseOptions {
  /**
   * Presigned requests that declare no payload hash are signed over "UNSIGNED-PAYLOAD" instead of
   * sha256(body). That is S3's rule; leave unset for every other service.
   */
  presignedUnsignedPayload?: boolean;
}

export interface VerifyOptions {
  /**
   * Canonical URI = the wire path URI-encoded again (default true: every service except S3).
   * false = S3 style: decode the wire path, then encode each segment once.
   */
  doubleEncodePath?: boolean;
  /** Remove "." / ".." segments and empty segments first. Defaults to `doubleEncodePath` (S3 never normalises). */
  normalizePath?: boolean;
  /** Accept x-amz-content-sha256: UNSIGNED-PAYLOAD (default true). */
  allowUnsignedPayload?: boolean;
  /** Accept STREAMING-* payload hashes (chunked uploads, S3 only; the chunk signatures are the caller's job). Default false. */
  allowStreamingPayload?: boolean;
  /** Upper bound on a presigned request's lifetime, whatever its X-Amz-Expires says. */
  maxPresignedAgeSeconds?: number;
  /**
   * Judge a presigned request's time like the header form's (±15 min of X-Amz-Date), whatever its
   * X-Amz-Expires says (still parsed and checked for form). STS does so.
   */
  ignorePresignedExpires?: boolean;
  /** When set, the credential scope's service must equal it. */
  service?: string;
  /** When set, the credential scope's region must satisfy it. */
  isValidRegion?: (region: string) => boolean;
  /**
   * An object that stands for the secret (e.g. the credential record an identity cache hands
   * out again and again). With a SigningKeyCache, the derived key is remembered on this
   * object's identity, so a repeat request skips even the cache's salted hash.
   */
  signingKeyOwner?: object;
}
