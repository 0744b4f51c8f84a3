/** Malformed and incomplete signatures, scope checks, payload hashes, canonicalisation helpers, the key cache. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AwsError, type CommonErrorKind } from "../core/errors.js";
import {
  canonicalQuery,
  canonicalUri,
  checkCredentialScope,
  credentialScopeService,
  deriveSigningKey,
  normalizePath,
  parseSigV4,
  precheckSigV4,
  verifySigV4,
  SigningKeyCache,
  PAYLOAD_HASH_MISMATCH_MESSAGE,
  SIGNATURE_MISMATCH_MESSAGE,
  type ParsedSigV4,
  type SigV4Request,
} from "./sigv4.js";
import { normalizeHeaderValue } from "./sigv4-canonical.js";
import { SUITE_CREDENTIALS as C } from "./testdata/aws-sigv4-suite.js";
import { nodeHeaders } from "./testdata/raw-request.js";

const SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
const GOOD_SIG = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const VANILLA_AUTH = `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${GOOD_SIG}`;

function request(headers: Array<[string, string]>, rawQuery = "", body = ""): SigV4Request {
  const rawHeaders = headers.flat();
  return { method: "GET", path: "/", rawQuery, headers: nodeHeaders(rawHeaders), rawHeaders, body: Buffer.from(body) };
}

function withAuth(authorization: string | undefined, date: Array<[string, string]> = [["X-Amz-Date", C.amzDate]]): SigV4Request {
  const h: Array<[string, string]> = [["Host", "example.amazonaws.com"], ...date];
  if (authorization !== undefined) h.push(["Authorization", authorization]);
  return request(h);
}

function fails(fn: () => unknown, kind: CommonErrorKind, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.common, kind);
    assert.equal(e.message, message);
    assert.ok(!e.message.includes(C.secretAccessKey), "no secret in messages");
    return true;
  });
}

function parsedOf(req: SigV4Request): ParsedSigV4 {
  const p = parseSigV4(req);
  assert.ok(p);
  return p;
}

describe("parseSigV4: anonymous and header form", () => {
  test("no Authorization and no X-Amz-Algorithm is anonymous", () => {
    assert.equal(parseSigV4(withAuth(undefined)), undefined);
    assert.equal(parseSigV4(request([["Host", "h"]], "X-Amz-Credential=x&X-Amz-Date=20150830T123600Z")), undefined);
    assert.equal(parseSigV4(request([["Host", "h"]], "Action=ListUsers&Version=2010-05-08")), undefined);
  });

  test("the vanilla header parses", () => {
    const p = parsedOf(withAuth(VANILLA_AUTH));
    assert.deepEqual(p.signedHeaders, ["host", "x-amz-date"]);
    assert.equal(p.terminator, "aws4_request");
    assert.equal(p.payloadHashComputed, true);
    assert.equal(p.payloadHash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("comma-only separators and a trailing slash on the credential are accepted", () => {
    const req = withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}/,SignedHeaders=host;x-amz-date,Signature=${GOOD_SIG}`);
    const p = parsedOf(req);
    assert.equal(p.terminator, "aws4_request");
    verifySigV4(req, p, C.secretAccessKey, C.timeMs);
  });

  test("both Authorization and X-Amz-Algorithm", () => {
    const req = { ...withAuth(VANILLA_AUTH), rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256" };
    fails(() => parseSigV4(req), "InvalidSignature", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  });

  test("a non-AWS4 scheme is a missing token, another AWS4 algorithm is unsupported", () => {
    fails(() => parseSigV4(withAuth("Bearer eyJhbGciOi.secret.token")), "MissingAuthenticationToken", "Request is missing Authentication Token");
    fails(() => parseSigV4(withAuth("")), "MissingAuthenticationToken", "Request is missing Authentication Token");
    fails(
      () => parseSigV4(withAuth(`AWS4-HMAC-SHA512 Credential=${SCOPE}, SignedHeaders=host, Signature=${GOOD_SIG}`)),
      "IncompleteSignature",
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    );
  });

  test("every missing piece is listed; only the scheme is echoed", () => {
    fails(
      () => parseSigV4(withAuth("AWS4-HMAC-SHA256", [])),
      "IncompleteSignature",
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        "Authorization=AWS4-HMAC-SHA256",
    );
    fails(
      () => parseSigV4(withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=`)),
      "IncompleteSignature",
      "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256",
    );
  });

  test("a parameter without '=' is not a key=value pair", () => {
    fails(
      () => parseSigV4(withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders, Signature=${GOOD_SIG}`)),
      "IncompleteSignature",
      "'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header.",
    );
  });

  test("dates must be ISO 8601 basic format; the HTTP Date header is the fallback", () => {
    for (const bad of ["2015", "20150830T123600", "20150230T123600Z"]) {
      fails(
        () => parseSigV4(withAuth(VANILLA_AUTH, [["X-Amz-Date", bad]])),
        "IncompleteSignature",
        `Date must be in ISO-8601 'basic format'. Got '${bad}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    const p = parsedOf(withAuth(VANILLA_AUTH, [["Date", "Sun, 30 Aug 2015 12:36:00 GMT"]]));
    assert.equal(p.amzDate, "20150830T123600Z");
    assert.equal(p.timeMs, C.timeMs);
    fails(
      () => parseSigV4(withAuth(VANILLA_AUTH, [["Date", "yesterday"]])),
      "IncompleteSignature",
      "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  test("the credential must have five elements", () => {
    fails(
      () => parseSigV4(withAuth(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host, Signature=${GOOD_SIG}`)),
      "IncompleteSignature",
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'",
    );
  });

  test("messages that quote the Credential or a bare parameter back keep an audit text without it", () => {
    // A key pair swapped by the client: its secret access key stands where the key id belongs.
    const swapped = `AWS4-HMAC-SHA256 Credential=${C.secretAccessKey}/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=${GOOD_SIG}`;
    const token = C.secretAccessKey.replace("/", "");
    const bare = `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host, Signature=${GOOD_SIG}, ${token}`;
    // No space (or a tab) after the scheme: the unsupported "algorithm" runs on into the Credential.
    const glued = swapped.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256");
    const tabbed = swapped.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256\t");
    const unsupported = "Unsupported AWS 'algorithm': 'HIDDEN_DUE_TO_SECURITY_REASONS' (only AWS4-HMAC-SHA256 for now). ";
    for (const [auth, sent, audit] of [
      [swapped, C.secretAccessKey, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'HIDDEN_DUE_TO_SECURITY_REASONS'"],
      [glued, C.secretAccessKey, unsupported],
      [tabbed, C.secretAccessKey, unsupported],
      [bare, token, "'HIDDEN_DUE_TO_SECURITY_REASONS' not a valid key=value pair (missing equal-sign) in Authorization header."],
    ] as const) {
      assert.throws(
        () => parseSigV4(withAuth(auth)),
        (e: unknown) => {
          assert.ok(e instanceof AwsError);
          assert.equal(e.common, "IncompleteSignature");
          // The caller gets what it sent, as from AWS; the audit event does not.
          assert.ok(e.message.includes(sent), e.message);
          assert.equal(e.auditMessage, audit);
          return true;
        },
      );
    }
    // Messages that quote nothing of the kind record themselves.
    assert.throws(
      () => parseSigV4(withAuth(VANILLA_AUTH, [["X-Amz-Date", "2015"]])),
      (e: unknown) => e instanceof AwsError && e.auditMessage === undefined,
    );
    assert.throws(
      () => parseSigV4(withAuth(`AWS4-HMAC-SHA512 Credential=${SCOPE}, SignedHeaders=host, Signature=${GOOD_SIG}`)),
      (e: unknown) => e instanceof AwsError && e.auditMessage === undefined,
    );
  });
});

describe("parseSigV4: presigned form", () => {
  const Q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request";

  test("missing parameters are listed", () => {
    fails(
      () => parseSigV4(request([["Host", "h"]], "X-Amz-Algorithm=AWS4-HMAC-SHA256")),
      "IncompleteSignature",
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. " +
        "Re-examine the query-string parameters.",
    );
    fails(
      () => parseSigV4(request([["Host", "h"]], `${Q}&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host`)),
      "IncompleteSignature",
      "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.",
    );
  });

  test("an unknown algorithm is a missing token", () => {
    fails(() => parseSigV4(request([["Host", "h"]], "X-Amz-Algorithm=AWS4-HMAC-SHA512")), "MissingAuthenticationToken", "Request is missing Authentication Token");
    // SigV4a is parsed (the gateway refuses it for services that do not take it).
    fails(
      () => parseSigV4(request([["Host", "h"]], "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256")),
      "IncompleteSignature",
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
  });

  test("values are percent-decoded; the first occurrence wins; hoisted headers are found in any case", () => {
    const p = parsedOf(
      request(
        [["Host", "h"]],
        `${Q}&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host%3Bx-amz-meta-a&X-Amz-Signature=${GOOD_SIG}&X-Amz-Signature=00` +
          "&x-amz-content-sha256=UNSIGNED-PAYLOAD&x-amz-security-token=tok%2Fen%3D",
      ),
    );
    assert.equal(p.accessKeyId, "AKIDEXAMPLE");
    assert.deepEqual(p.signedHeaders, ["host", "x-amz-meta-a"]);
    assert.equal(p.signature, GOOD_SIG);
    assert.equal(p.payloadHash, "UNSIGNED-PAYLOAD");
    assert.equal(p.payloadHashComputed, false);
    assert.equal(p.sessionToken, "tok/en=");
  });

  test("S3 presigned requests default to UNSIGNED-PAYLOAD when asked", () => {
    const req = request([["Host", "h"]], `${Q}&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=${GOOD_SIG}`);
    assert.equal(parsedOf(req).payloadHashComputed, true);
    const s3 = parseSigV4(req, { presignedUnsignedPayload: true });
    assert.equal(s3?.payloadHash, "UNSIGNED-PAYLOAD");
  });

  test("malformed escapes are rejected, not guessed", () => {
    fails(() => parseSigV4(request([["Host", "h"]], `${Q}%zz&X-Amz-Date=1`)), "Validation", "Illegal hex character in escape % pattern: %zz");
    fails(() => canonicalQuery("a=%4"), "Validation", "Incomplete trailing escape % sequence");
  });
});

describe("precheck: scope and signed headers", () => {
  const p = parsedOf(withAuth(VANILLA_AUTH));

  test("terminator and date are always checked; region and service when configured, all in one message", () => {
    const bad = { ...p, terminator: "aws4_requestx", scopeDate: "20150831", region: "mars-1" };
    fails(
      () => checkCredentialScope(bad, { service: "sts", isValidRegion: (r) => r.startsWith("us-") }),
      "InvalidSignature",
      "Credential should be scoped to a valid region, not 'mars-1'. Credential should be scoped to correct service: 'sts'. " +
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'. " +
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
    );
    fails(
      () => checkCredentialScope({ ...p, service: "iam" }, { service: "sts" }),
      "InvalidSignature",
      "Credential should be scoped to correct service: 'sts'. ",
    );
    checkCredentialScope(p, { service: "service", isValidRegion: (r) => r === "us-east-1" });
    checkCredentialScope({ ...p, region: "anything" });
  });

  test("host must be signed", () => {
    fails(
      () => precheckSigV4({ ...p, signedHeaders: ["x-amz-date"] }, C.timeMs),
      "InvalidSignature",
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
    precheckSigV4({ ...p, signedHeaders: [":authority", "x-amz-date"] }, C.timeMs);
  });

  test("a header listed twice in SignedHeaders is refused before any canonical request is built", () => {
    fails(
      () => precheckSigV4({ ...p, signedHeaders: ["host", "x-amz-date", "x-amz-date"] }, C.timeMs),
      "InvalidSignature",
      "'SignedHeaders' lists the header 'x-amz-date' more than once.",
    );
    // Compared as the canonical request writes them: lowercased.
    fails(() => precheckSigV4({ ...p, signedHeaders: ["Host", "host"] }, C.timeMs), "InvalidSignature", "'SignedHeaders' lists the header 'host' more than once.");
    // A head listing one name thousands of times (the amplification this guards against) fails as fast.
    const many = Object.freeze(["host", ...Array.from({ length: 4000 }, () => "x-a")]);
    const req = withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=${many.join(";")}, Signature=${GOOD_SIG}`);
    fails(() => verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs), "InvalidSignature", "'SignedHeaders' lists the header 'x-a' more than once.");
  });

  test("verify applies the same checks before touching the signature", () => {
    const req = withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=x-amz-date, Signature=${GOOD_SIG}`);
    fails(() => verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs), "InvalidSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });
});

describe("verify: payload hash and signature format", () => {
  const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const base = (sha: string, body = ""): SigV4Request =>
    request([["Host", "example.amazonaws.com"], ["X-Amz-Date", C.amzDate], ["x-amz-content-sha256", sha], ["Authorization", VANILLA_AUTH]], "", body);

  test("a declared hash equal to the body's passes the payload check (then the signature decides)", () => {
    // x-amz-content-sha256 is unsigned here and the canonical request uses it verbatim: it equals the
    // suite's empty-body hash, so the published signature still holds.
    const req = base(EMPTY);
    verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs);
  });

  test("a declared hash that is not the body's fails before the signature", () => {
    const req = base(EMPTY, "not empty");
    fails(() => verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs), "InvalidSignature", PAYLOAD_HASH_MISMATCH_MESSAGE);
    // A service that signs the body's own hash (no UNSIGNED-PAYLOAD) sees a signature that does not match.
    fails(() => verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs, undefined, { allowUnsignedPayload: false }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  });

  test("UNSIGNED-PAYLOAD is allowed unless disabled; STREAMING-* only when enabled", () => {
    const unsigned = base("UNSIGNED-PAYLOAD", "x");
    fails(() => verifySigV4(unsigned, parsedOf(unsigned), C.secretAccessKey, C.timeMs), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
    fails(() => verifySigV4(unsigned, parsedOf(unsigned), C.secretAccessKey, C.timeMs, undefined, { allowUnsignedPayload: false }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
    const streaming = base("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x");
    fails(() => verifySigV4(streaming, parsedOf(streaming), C.secretAccessKey, C.timeMs), "InvalidSignature", PAYLOAD_HASH_MISMATCH_MESSAGE);
    fails(() => verifySigV4(streaming, parsedOf(streaming), C.secretAccessKey, C.timeMs, undefined, { allowStreamingPayload: true }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  });

  test("signatures that are not 64 hex digits fail as mismatches; upper-case hex is the same MAC", () => {
    for (const sig of ["abc", GOOD_SIG + "00", GOOD_SIG.slice(0, 62) + "zz", ""]) {
      const p = { ...parsedOf(withAuth(VANILLA_AUTH)), signature: sig };
      fails(() => verifySigV4(withAuth(VANILLA_AUTH), p, C.secretAccessKey, C.timeMs), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
    }
    const upper = withAuth(VANILLA_AUTH.replace(GOOD_SIG, GOOD_SIG.toUpperCase()));
    verifySigV4(upper, parsedOf(upper), C.secretAccessKey, C.timeMs);
  });

  test("a wrong signature fails without revealing the expected signature", () => {
    const req = withAuth(VANILLA_AUTH.replace(GOOD_SIG, "0".repeat(64)));
    assert.throws(
      () => verifySigV4(req, parsedOf(req), C.secretAccessKey, C.timeMs),
      (e: unknown) => e instanceof AwsError && e.message === SIGNATURE_MISMATCH_MESSAGE && !e.message.includes(GOOD_SIG),
    );
  });
});

describe("canonicalisation helpers", () => {
  test("path normalisation (normalize-path vectors)", () => {
    const cases: Array<[string, string]> = [
      ["/", "/"], ["//", "/"], ["/./", "/"], ["/example/..", "/"], ["/example1/example2/../..", "/"],
      ["/./example", "/example"], ["//example//", "/example/"], ["/a/b/../c/./d/", "/a/c/d/"], ["/..", "/"], ["/a/.b/..c", "/a/.b/..c"],
    ];
    for (const [input, expected] of cases) assert.equal(normalizePath(input), expected, input);
  });

  test("canonical URI: double encoding for services, single for S3", () => {
    assert.equal(canonicalUri("/a%20b/c d/\u00fc", true, true), "/a%2520b/c%20d/%C3%BC");
    assert.equal(canonicalUri("/a%20b/c%2Fd/%7e", false, false), "/a%20b/c%2Fd/~");
    assert.equal(canonicalUri("", true, true), "/");
  });

  test("canonical query: decoded then encoded, sorted by key then value, X-Amz-Signature dropped", () => {
    assert.equal(canonicalQuery("b=2&a=1&a=%20x&Z=0&flag"), "Z=0&a=%20x&a=1&b=2&flag=");
    assert.equal(canonicalQuery("Param-3=3&Param=2&%e1%88%b4=1"), "%E1%88%B4=1&Param=2&Param-3=3");
    assert.equal(canonicalQuery("a=b%2Bc&k=%7E&x-amz-signature=1&X-Amz-Signature=2&&"), "a=b%2Bc&k=~");
  });

  test("canonical query: a bare '+' is a form-encoded space, as the query protocol decodes it", () => {
    assert.equal(canonicalQuery("a=b+c&k+1=%2B+%20"), "a=b%20c&k%201=%2B%20%20");
    assert.equal(canonicalQuery("Tags.member.1.Value=x+y"), canonicalQuery("Tags.member.1.Value=x%20y"));
    assert.notEqual(canonicalQuery("Tags.member.1.Value=x+y"), canonicalQuery("Tags.member.1.Value=x%2By"));
    assert.equal(canonicalQuery(""), "");
  });

  test("header values: trimmed, runs of whitespace collapsed", () => {
    assert.equal(normalizeHeaderValue('  "a   b\tc"  '), '"a b c"');
    assert.equal(normalizeHeaderValue("value1"), "value1");
    assert.equal(normalizeHeaderValue("   "), "");
  });

  test("header values: same as trim + collapse for every short mix of spaces, tabs, line breaks and text", () => {
    const reference = (v: string): string => v.replace(/[ \t\n\r]+/g, " ").replace(/^ | $/g, "");
    const alphabet = [" ", "\t", "\n", "\r", "a", "é"];
    const walk = (prefix: string, depth: number): void => {
      assert.equal(normalizeHeaderValue(prefix), reference(prefix), JSON.stringify(prefix));
      if (depth === 0) return;
      for (const c of alphabet) walk(prefix + c, depth - 1);
    };
    walk("", 5);
  });
});

describe("SigningKeyCache", () => {
  test("derives AWS's documented example signing key", () => {
    // "Examples of how to derive a signing key for Signature Version 4": 20120215 / us-east-1 / iam.
    assert.equal(
      deriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam").toString("hex"),
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });

  test("caches per (secret, date, region, service), bounded, keyed without the secret", () => {
    const cache = new SigningKeyCache(2);
    const k1 = cache.signingKey("secretA", "20150830", "us-east-1", "sts");
    assert.deepEqual(k1, deriveSigningKey("secretA", "20150830", "us-east-1", "sts"));
    assert.equal(cache.signingKey("secretA", "20150830", "us-east-1", "sts"), k1, "served from the cache");
    assert.notDeepEqual(cache.signingKey("secretB", "20150830", "us-east-1", "sts"), k1);
    cache.signingKey("secretA", "20150830", "us-east-1", "iam");
    assert.equal(cache.size, 2);
    const internals = cache as unknown as { entries: Map<string, Buffer> };
    for (const id of internals.entries.keys()) {
      assert.ok(!id.includes("secret"), "map keys do not contain the secret");
      assert.equal(Buffer.from(id, "base64").length, 32, "an HMAC-SHA256 of the tuple");
    }
    // LRU: the oldest entry (secretA/sts) was evicted by the third insertion, so it is derived afresh.
    assert.notEqual(cache.signingKey("secretA", "20150830", "us-east-1", "sts"), k1);
    assert.throws(() => new SigningKeyCache(0), RangeError);
  });

  test("owner fast path: same key per (owner, secret, date, region, service), re-derived when any changes", () => {
    const cache = new SigningKeyCache(4);
    const owner = {};
    const k1 = cache.signingKeyFor(owner, "secretA", "20150830", "us-east-1", "sts");
    assert.deepEqual(k1, deriveSigningKey("secretA", "20150830", "us-east-1", "sts"));
    assert.equal(cache.signingKeyFor(owner, "secretA", "20150830", "us-east-1", "sts"), k1, "served from the owner entry");
    // The owner entry never answers for another tuple.
    assert.deepEqual(cache.signingKeyFor(owner, "secretB", "20150830", "us-east-1", "sts"), deriveSigningKey("secretB", "20150830", "us-east-1", "sts"));
    assert.deepEqual(cache.signingKeyFor(owner, "secretB", "20150831", "us-east-1", "sts"), deriveSigningKey("secretB", "20150831", "us-east-1", "sts"));
    assert.deepEqual(cache.signingKeyFor(owner, "secretB", "20150831", "eu-west-1", "sts"), deriveSigningKey("secretB", "20150831", "eu-west-1", "sts"));
    assert.deepEqual(cache.signingKeyFor(owner, "secretB", "20150831", "eu-west-1", "iam"), deriveSigningKey("secretB", "20150831", "eu-west-1", "iam"));
    // Another owner with the same tuple gets the same (correct) key.
    assert.deepEqual(cache.signingKeyFor({}, "secretA", "20150830", "us-east-1", "sts"), k1);
  });

  test("verifySigV4 with a signingKeyOwner accepts the valid signature and rejects a wrong secret for the same owner", () => {
    const req = request([["Host", "example.amazonaws.com"], ["X-Amz-Date", "20150830T123600Z"], ["Authorization", VANILLA_AUTH]]);
    const parsed = parseSigV4(req)!;
    const cache = new SigningKeyCache(4);
    const owner = {};
    const now = Date.UTC(2015, 7, 30, 12, 36, 0);
    verifySigV4(req, parsed, C.secretAccessKey, now, cache, { signingKeyOwner: owner });
    verifySigV4(req, parsed, C.secretAccessKey, now, cache, { signingKeyOwner: owner });
    assert.throws(
      () => verifySigV4(req, parsed, C.secretAccessKey + "x", now, cache, { signingKeyOwner: owner }),
      (e: unknown) => e instanceof AwsError && e.message === SIGNATURE_MISMATCH_MESSAGE,
    );
  });
});

describe("credentialScopeService", () => {
  test("reads the scope's service from a header or presigned form that parseSigV4 rejects, never throws", () => {
    const noSignedHeaders = withAuth(`AWS4-HMAC-SHA256 Credential=${SCOPE}, Signature=${GOOD_SIG}`);
    fails(() => parseSigV4(noSignedHeaders), "IncompleteSignature", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256");
    assert.equal(credentialScopeService(noSignedHeaders), "service");
    const longExpiry = request([["Host", "h"]], `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=${GOOD_SIG}`);
    assert.throws(() => parseSigV4(longExpiry), AwsError);
    assert.equal(credentialScopeService(longExpiry), "sts");
    assert.equal(credentialScopeService(withAuth("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1")), undefined);
    assert.equal(credentialScopeService(withAuth("garbage")), undefined);
    assert.equal(credentialScopeService(withAuth(undefined)), undefined);
  });

  test("a malformed escape in the query's X-Amz-* parameters does not throw: another parameter's leaves the scope readable, the credential's own names nothing", () => {
    const cred = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request";
    const badSignature = request([["Host", "h"]], `${cred}&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=%zz`);
    fails(() => parseSigV4(badSignature), "Validation", "Illegal hex character in escape % pattern: %zz");
    assert.equal(credentialScopeService(badSignature), "sts");
    for (const q of ["X-Amz-Credential=%zz", "X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsts%2Faws4_request%2", `X-Amz-Date=%zz&${cred}`.replace("X-Amz-Credential=", "X-Amz-Credential=%G0")]) {
      const req = request([["Host", "h"]], q);
      assert.throws(() => parseSigV4(req), AwsError);
      assert.equal(credentialScopeService(req), undefined, q);
    }
  });
});
