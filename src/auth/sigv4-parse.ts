/**
 * Extracts SigV4 parameters from the Authorization header or from a presigned query string.
 * Only format is judged here (no clock, no secret); messages follow the AWS front end's wording.
 *
 * What must stay true: error messages never echo the whole Authorization header (AWS does; we do
 * not, because it may carry a client's bearer material) — only the scheme or the offending piece.
 */
import { commonError, HIDDEN_VALUE } from "../core/errors.js";
import { sha256Hex } from "./sha256.js";
import { decodeComponent } from "./sigv4-uri.js";
import { parseAmzDate, parseHttpDate, formatAmzDate } from "./sigv4-time.js";
import type { ParsedSigV4, ParseOptions, SigV4Request } from "./sigv4-types.js";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
/** SigV4a: ECDSA P-256 over the same canonical request; the scope has no region (X-Amz-Region-Set names them). */
export const SIGV4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** One week: the longest life of a presigned request (the signing key is valid for seven days). */
export const MAX_PRESIGNED_EXPIRES = 604800;

export function firstHeader(headers: SigV4Request["headers"], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined || typeof v === "string") return v;
  return v[0];
}

/** The X-Amz-* parameters a presigned request carries (first occurrence of each, decoded). */
interface AuthQuery {
  algorithm?: string;
  credential?: string;
  date?: string;
  expires?: string;
  signedHeaders?: string;
  signature?: string;
  securityToken?: string;
  contentSha256?: string;
  regionSet?: string;
}

/** "X-Amz-" at s[i], any letter case. */
function isAmzPrefix(s: string, i: number): boolean {
  return (
    (s.charCodeAt(i) | 0x20) === 0x78 /* x */ &&
    s.charCodeAt(i + 1) === 0x2d &&
    (s.charCodeAt(i + 2) | 0x20) === 0x61 /* a */ &&
    (s.charCodeAt(i + 3) | 0x20) === 0x6d /* m */ &&
    (s.charCodeAt(i + 4) | 0x20) === 0x7a /* z */ &&
    s.charCodeAt(i + 5) === 0x2d
  );
}

/** A value with a malformed escape, read leniently (credentialScopeService): as empty, naming nothing. */
function decodeLeniently(raw: string): string {
  try {
    return decodeComponent(raw);
  } catch {
    return "";
  }
}

/**
 * The X-Amz-* parameters of a query string. A malformed escape in one of them throws (the request is
 * refused), unless `lenient`: that value then reads as empty.
 */
function scanAuthQuery(rawQuery: string, lenient = false): AuthQuery {
  const decode = lenient ? decodeLeniently : decodeComponent;
  const q: AuthQuery = {};
  let start = 0;
  const n = rawQuery.length;
  while (start < n) {
    let end = rawQuery.indexOf("&", start);
    if (end < 0) end = n;
    // Only X-Amz-* keys matter; test the prefix in place before slicing anything.
    if (end - start > 6 && isAmzPrefix(rawQuery, start)) {
      const eq = rawQuery.indexOf("=", start);
      const keyEnd = eq >= 0 && eq < end ? eq : end;
      const exactCase = rawQuery.startsWith("X-Amz-", start);
      const key = rawQuery.slice(start + 6, keyEnd);
      const raw = keyEnd < end ? rawQuery.slice(keyEnd + 1, end) : "";
      // The signer's own parameters are spelled exactly; headers hoisted into the query by a
      // presigner (x-amz-content-sha256, x-amz-security-token) keep the caller's header spelling.
      const name = exactCase ? key : key.toLowerCase();
      switch (name) {
        case "Algorithm":
          if (exactCase) q.algorithm ??= decode(raw);
          break;
        case "Credential":
          q.credential ??= decode(raw);
          break;
        case "Date":
          q.date ??= decode(raw);
          break;
        case "Expires":
          q.expires ??= decode(raw);
          break;
        case "SignedHeaders":
          q.signedHeaders ??= decode(raw);
          break;
        case "Signature":
          q.signature ??= decode(raw);
          break;
        case "Security-Token":
        case "security-token":
          q.securityToken ??= decode(raw);
          break;
        case "Content-Sha256":
        case "content-sha256":
          q.contentSha256 ??= decode(raw);
          break;
        case "Region-Set":
        case "region-set":
          q.regionSet ??= decode(raw);
          break;
        default:
          break;
      }
    }
    start = end + 1;
  }
  return q;
}

/**
 * Parses the Authorization header or the presigned query form. Returns undefined when the request
 * carries no SigV4 at all (anonymous). Throws AwsError for malformed or incomplete signatures.
 */
export function parseSigV4(req: SigV4Request, options: ParseOptions = {}): ParsedSigV4 | undefined {
  const auth = firstHeader(req.headers, "authorization");
  const query = req.rawQuery.indexOf("X-Amz-") >= 0 ? scanAuthQuery(req.rawQuery) : undefined;
  const queryAlgorithm = query?.algorithm;
  if (auth !== undefined && queryAlgorithm !== undefined) {
    throw commonError("InvalidSignature", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (auth !== undefined) return parseHeaderForm(req, auth);
  if (query !== undefined && queryAlgorithm !== undefined) return parseQueryForm(req, query, queryAlgorithm, options);
  return undefined;
}

/**
 * The service named by the credential scope of a request whose signature may be malformed
 * (read leniently, never throws): a malformed signature is still answered by the service it was
 * meant for, in that service's format, as each AWS endpoint does.
 */
export function credentialScopeService(req: SigV4Request): string | undefined {
  let credential: string | undefined;
  const auth = firstHeader(req.headers, "authorization");
  if (auth !== undefined) {
    const at = auth.indexOf("Credential=");
    if (at >= 0) {
      const end = auth.indexOf(",", at);
      credential = auth.slice(at + 11, end < 0 ? auth.length : end).trim();
    }
  } else if (req.rawQuery.indexOf("X-Amz-") >= 0) {
    credential = scanAuthQuery(req.rawQuery, true).credential;
  }
  if (credential === undefined) return undefined;
  const parts = credential.split("/");
  // keyid/date/region/service/term; SigV4a's scope has no region (keyid/date/service/term).
  return parts.length >= 5 ? parts[3] : parts.length === 4 ? parts[2] : undefined;
}

function missingToken(): never {
  throw commonError("MissingAuthenticationToken", "Request is missing Authentication Token");
}

function dateFormatError(got: string): never {
  throw commonError("IncompleteSignature", `Date must be in ISO-8601 'basic format'. Got '${got}'. See http://en.wikipedia.org/wiki/ISO_8601`);
}

interface Scope {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
}

// One-entry memo of the last well-formed Credential value (a client repeats it all day); the
// Scope is only read, its fields copied into each result.
let lastCredential = "";
let lastScope: Scope | undefined;

/**
 * keyid/date/region/service/term (SigV4a: keyid/date/service/term, region ""); trailing slashes
 * are ignored, as AWS does.
 */
function splitCredential(credential: string, algorithm: string): Scope {
  if (algorithm === SIGV4A_ALGORITHM) return splitSigV4aCredential(credential);
  if (credential === lastCredential && lastScope !== undefined) return lastScope;
  const scope = splitCredentialUncached(credential);
  lastCredential = credential;
  lastScope = scope;
  return scope;
}

/**
 * The credential's slash-delimited elements (trailing slashes ignored, as AWS does), refused unless
 * there are exactly as many as `example` shows. The caller gets its value back, as from AWS; the
 * audit event does not keep it: a secret access key sent as the access key id (the pair swapped)
 * is the usual cause.
 */
function credentialParts(credential: string, count: number, example: string): string[] {
  let end = credential.length;
  while (end > 0 && credential.charCodeAt(end - 1) === 0x2f) end--;
  const parts = credential.slice(0, end).split("/");
  if (parts.length !== count) {
    const message = `Credential must have exactly ${count} slash-delimited elements, e.g. ${example}, got`;
    throw commonError("IncompleteSignature", `${message} '${credential}'`, `${message} '${HIDDEN_VALUE}'`);
  }
  return parts;
}

function splitSigV4aCredential(credential: string): Scope {
  const [accessKeyId = "", scopeDate = "", service = "", terminator = ""] = credentialParts(credential, 4, "keyid/date/service/term");
  return { accessKeyId: own(accessKeyId), scopeDate: own(scopeDate), region: "", service: own(service), terminator };
}

function splitCredentialUncached(credential: string): Scope {
  const [accessKeyId = "", scopeDate = "", region = "", service = "", terminator = ""] = credentialParts(credential, 5, "keyid/date/region/service/term");
  return { accessKeyId: own(accessKeyId), scopeDate: own(scopeDate), region: own(region), service: own(service), terminator };
}

/**
 * `s` as a string of its own. V8 makes a substring of 13 characters or more (what split() and
 * slice() return here) a view into its parent, and the parent of a header value is the whole
 * request head: the identity directory caches the access key id (in its cache key and in the
 * principal), so each cached credential would keep its first request's head alive (about 1 KiB,
 * Authorization and session token included) for as long as the entry lives. Concatenating and
 * slicing again copies the characters into a new 1-character-longer string; the result no longer
 * refers to the request. Runs once per new Credential value (see the memo above).
 */
function own(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

// One-entry memo of the last SignedHeaders value: a client sends the same list on every request,
// and the frozen array lets the canonical-request builder reuse what it derived from it.
let lastSignedHeaders = "";
let lastSignedHeaderList: readonly string[] = Object.freeze([""]);

/**
 * SigV4a's X-Amz-Region-Set header, read only when it is among the signed headers: the SigV4a
 * scope names no Region, so an unsigned Region set could be changed in transit without breaking
 * the signature. Unsigned, it counts as absent (the request then names no valid Region).
 */
function signedRegionSetHeader(req: SigV4Request, signedHeaders: string): string | undefined {
  return signedHeaders.toLowerCase().split(";").includes("x-amz-region-set") ? firstHeader(req.headers, "x-amz-region-set") : undefined;
}

function splitSignedHeaders(signedHeaders: string): readonly string[] {
  if (signedHeaders !== lastSignedHeaders) {
    lastSignedHeaderList = Object.freeze(signedHeaders.split(";"));
    lastSignedHeaders = signedHeaders;
  }
  return lastSignedHeaderList;
}

/**
 * One object shape for every result, all members present (optional ones possibly undefined): object
 * spread or conditionally added members send V8 down a slow path, and this runs on every request.
 */
function makeParsed(
  scope: Scope,
  amzDate: string,
  timeMs: number,
  signedHeaders: string,
  signature: string,
  presigned: boolean,
  expiresSeconds: number | undefined,
  sessionToken: string | undefined,
  payloadHash: string,
  payloadHashComputed: boolean,
  algorithm: string,
  regionSet: string | undefined,
): ParsedSigV4 {
  return {
    accessKeyId: scope.accessKeyId,
    amzDate,
    timeMs,
    scopeDate: scope.scopeDate,
    region: scope.region,
    service: scope.service,
    terminator: scope.terminator,
    signedHeaders: splitSignedHeaders(signedHeaders),
    signature,
    presigned,
    expiresSeconds,
    sessionToken,
    payloadHash,
    payloadHashComputed,
    algorithm,
    regionSet,
  };
}

function bodySha256(body: Buffer): string {
  return sha256Hex(body);
}

/** What an algorithm name can be (AWS4-HMAC-SHA512); anything else in its place is text that followed the scheme. */
const ALGORITHM_NAME = /^[A-Za-z0-9-]{1,64}$/;

function parseHeaderForm(req: SigV4Request, header: string): ParsedSigV4 {
  const h = header.trim();
  const sp = h.indexOf(" ");
  const algorithm = sp < 0 ? h : h.slice(0, sp);
  if (!algorithm.startsWith("AWS4-")) missingToken();
  if (algorithm !== SIGV4_ALGORITHM && algorithm !== SIGV4A_ALGORITHM) {
    const message = (a: string): string => `Unsupported AWS 'algorithm': '${a}' (only ${SIGV4_ALGORITHM} for now). `;
    // Without a space after the scheme (none, or a tab), the "algorithm" runs on into the
    // Credential: the caller gets it back, as from AWS; the audit event records an algorithm name only.
    throw commonError("IncompleteSignature", message(algorithm), ALGORITHM_NAME.test(algorithm) ? undefined : message(HIDDEN_VALUE));
  }

  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  const rest = sp < 0 ? "" : h.slice(sp + 1);
  for (let start = 0; start <= rest.length; ) {
    let end = rest.indexOf(",", start);
    if (end < 0) end = rest.length;
    const param = rest.slice(start, end).trim();
    start = end + 1;
    if (param.length === 0) continue;
    const eq = param.indexOf("=");
    if (eq < 0) {
      const message = "not a valid key=value pair (missing equal-sign) in Authorization header.";
      throw commonError("IncompleteSignature", `'${param}' ${message}`, `'${HIDDEN_VALUE}' ${message}`);
    }
    const value = param.slice(eq + 1);
    // Later duplicates overwrite earlier ones, as AWS does.
    switch (param.slice(0, eq)) {
      case "Credential":
        credential = value;
        break;
      case "SignedHeaders":
        signedHeaders = value;
        break;
      case "Signature":
        signature = value;
        break;
      default:
        break;
    }
  }

  const xAmzDate = firstHeader(req.headers, "x-amz-date");
  const httpDate = xAmzDate === undefined ? firstHeader(req.headers, "date") : undefined;
  const missing: string[] = [];
  if (credential === undefined || credential === "") missing.push("Authorization header requires 'Credential' parameter.");
  if (signature === undefined || signature === "") missing.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (xAmzDate === undefined && httpDate === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (missing.length > 0 || credential === undefined || signature === undefined || signedHeaders === undefined) {
    throw commonError("IncompleteSignature", `${missing.join(" ")} Authorization=${algorithm}`);
  }

  let amzDate: string;
  let timeMs: number | undefined;
  if (xAmzDate !== undefined) {
    amzDate = xAmzDate;
    timeMs = parseAmzDate(xAmzDate);
    if (timeMs === undefined) dateFormatError(xAmzDate);
  } else {
    const raw = httpDate ?? "";
    timeMs = parseHttpDate(raw);
    if (timeMs === undefined) dateFormatError(raw);
    amzDate = formatAmzDate(timeMs);
  }

  const scope = splitCredential(credential, algorithm);
  const declared = firstHeader(req.headers, "x-amz-content-sha256");
  const token = firstHeader(req.headers, "x-amz-security-token");
  const regionSet = algorithm === SIGV4A_ALGORITHM ? signedRegionSetHeader(req, signedHeaders) : undefined;
  return makeParsed(scope, amzDate, timeMs, signedHeaders, signature, false, undefined, token, declared ?? bodySha256(req.body), declared === undefined, algorithm, regionSet);
}

function parseExpires(raw: string): number {
  if (raw.startsWith("-")) throw commonError("IncompleteSignature", "X-Amz-Expires must be non-negative");
  if (raw.length === 0 || raw.length > 15) throw commonError("IncompleteSignature", "X-Amz-Expires should be a number");
  let v = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw commonError("IncompleteSignature", "X-Amz-Expires should be a number");
    v = v * 10 + (c - 0x30);
  }
  if (v > MAX_PRESIGNED_EXPIRES) {
    throw commonError("IncompleteSignature", `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGNED_EXPIRES}`);
  }
  return v;
}

function parseQueryForm(req: SigV4Request, q: AuthQuery, algorithm: string, options: ParseOptions): ParsedSigV4 {
  if (algorithm !== SIGV4_ALGORITHM && algorithm !== SIGV4A_ALGORITHM) missingToken();
  const missing: string[] = [];
  const need = (v: string | undefined, name: string): void => {
    if (v === undefined || v === "") missing.push(`AWS query-string parameters must include '${name}'.`);
  };
  need(q.credential, "X-Amz-Credential");
  need(q.signature, "X-Amz-Signature");
  need(q.signedHeaders, "X-Amz-SignedHeaders");
  need(q.date, "X-Amz-Date");
  const { credential, signature, signedHeaders, date } = q;
  if (missing.length > 0 || credential === undefined || signature === undefined || signedHeaders === undefined || date === undefined) {
    throw commonError("IncompleteSignature", `${missing.join(" ")} Re-examine the query-string parameters.`);
  }
  const timeMs = parseAmzDate(date);
  if (timeMs === undefined) dateFormatError(date);
  const expiresSeconds = q.expires === undefined ? undefined : parseExpires(q.expires);
  const scope = splitCredential(credential, algorithm);

  const declared = firstHeader(req.headers, "x-amz-content-sha256") ?? q.contentSha256;
  let payloadHash: string;
  let payloadHashComputed = false;
  if (declared !== undefined) payloadHash = declared;
  else if (options.presignedUnsignedPayload === true) payloadHash = UNSIGNED_PAYLOAD;
  else {
    payloadHash = bodySha256(req.body);
    payloadHashComputed = true;
  }
  const token = q.securityToken ?? firstHeader(req.headers, "x-amz-security-token");
  const regionSet = algorithm === SIGV4A_ALGORITHM ? (q.regionSet ?? signedRegionSetHeader(req, signedHeaders)) : undefined;
  return makeParsed(scope, date, timeMs, signedHeaders, signature, true, expiresSeconds, token, payloadHash, payloadHashComputed, algorithm, regionSet);
}
