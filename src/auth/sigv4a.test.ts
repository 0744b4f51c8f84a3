/**
 * SigV4a (AWS4-ECDSA-P256-SHA256): requests signed by the AWS Common Runtime's signer (aws-c-auth,
 * through awscrt 0.16.8, recorded below with their signatures) verify; changed ones, another secret
 * and malformed scopes fail with AWS's errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AwsError } from "../core/errors.js";
import { parseSigV4, verifySigV4, SigningKeyCache, SIGNATURE_MISMATCH_MESSAGE, SIGV4A_ALGORITHM, type SigV4Request } from "./sigv4.js";
import { nodeHeaders } from "./testdata/raw-request.js";

const AK = "AKIDEXAMPLE";
const SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW = Date.UTC(2026, 0, 15, 12, 30, 0);

function request(method: string, target: string, rawHeaders: string[], body = ""): SigV4Request {
  const q = target.indexOf("?");
  return { method, path: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? "" : target.slice(q + 1), headers: nodeHeaders(rawHeaders), rawHeaders, body: Buffer.from(body, "utf8") };
}

/** Header form, X-Amz-Region-Set "*", signed body header (aws-c-auth). */
function crtHeaderRequest(body = "Action=GetCallerIdentity&Version=2011-06-15"): SigV4Request {
  return request(
    "POST",
    "/",
    [
      "Host", "sts.amazonaws.com",
      "Content-Type", "application/x-www-form-urlencoded; charset=utf-8",
      "Content-Length", "43",
      "X-Amz-Date", "20260115T123000Z",
      "X-Amz-Region-Set", "*",
      "x-amz-content-sha256", "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843",
      "Authorization",
      "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20260115/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-region-set, Signature=304502204410f5d01ffd7451c6f777c2c4c26eba9031e02c2325b694459377d354da8022022100aa713802ac81fc5d2e19fc2980795237351b213f2ae10a431c6b99f549583cf7",
    ],
    body,
  );
}

/** Query (presigned) form, X-Amz-Region-Set "us-east-1,eu-west-1", 900 s (aws-c-auth). */
const CRT_PRESIGNED =
  "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260115%2Fsts%2Faws4_request&X-Amz-Date=20260115T123000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=900&X-Amz-Region-Set=us-east-1%2Ceu-west-1&X-Amz-Signature=3044022040d2459884327140771170242426f7c818849a6f8df54c10aa5da1baa1c2d1a30220048fdfdade2e03240ea00185c64fcc6b7a04ef431e3c65c65ea1dbc847cd9904";

function rejects(f: () => void, code: string, message?: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.common, code);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

test("SigV4a header form signed by aws-c-auth: parsed without a region, verified with the derived P-256 key", () => {
  const req = crtHeaderRequest();
  const parsed = parseSigV4(req)!;
  assert.equal(parsed.algorithm, SIGV4A_ALGORITHM);
  assert.equal(parsed.accessKeyId, AK);
  assert.equal(parsed.service, "sts");
  assert.equal(parsed.region, "");
  assert.equal(parsed.regionSet, "*");
  verifySigV4(req, parsed, SK, NOW);
  // Through the signing-key cache and the owner fast path, twice (the second from the cache).
  const owner = {};
  verifySigV4(req, parsed, SK, NOW, new SigningKeyCache(10), { signingKeyOwner: owner });
  verifySigV4(req, parsed, SK, NOW, new SigningKeyCache(10), { signingKeyOwner: owner });
  // The owner's secret changed: the remembered key is not used.
  rejects(() => verifySigV4(req, parsed, SK.replace("K7", "K8"), NOW, new SigningKeyCache(10), { signingKeyOwner: owner }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
});

test("SigV4a: an X-Amz-Region-Set header left out of SignedHeaders is not read (the scope names no Region to fall back on)", () => {
  const signed = crtHeaderRequest();
  const raw = signed.rawHeaders!.map((v) => v.replace("x-amz-date;x-amz-region-set,", "x-amz-date,"));
  const unsigned = request("POST", "/", raw, "Action=GetCallerIdentity&Version=2011-06-15");
  assert.equal(parseSigV4(signed)!.regionSet, "*");
  const parsed = parseSigV4(unsigned)!;
  assert.equal(parsed.algorithm, SIGV4A_ALGORITHM);
  assert.equal(parsed.regionSet, undefined);
  // Named in SignedHeaders in another case: still signed.
  const upper = request("POST", "/", signed.rawHeaders!.map((v) => v.replace("x-amz-region-set,", "X-Amz-Region-Set,")), "Action=GetCallerIdentity&Version=2011-06-15");
  assert.equal(parseSigV4(upper)!.regionSet, "*");
});

test("SigV4a presigned form signed by aws-c-auth verifies; X-Amz-Region-Set comes from the query", () => {
  const req = request("GET", CRT_PRESIGNED, ["Host", "sts.amazonaws.com"]);
  const parsed = parseSigV4(req)!;
  assert.equal(parsed.presigned, true);
  assert.equal(parsed.regionSet, "us-east-1,eu-west-1");
  assert.equal(parsed.expiresSeconds, 900);
  verifySigV4(req, parsed, SK, NOW + 60_000);
  rejects(() => verifySigV4(req, parsed, SK, NOW + 901_000), "RequestExpired");
  // The region set is signed: another one does not verify.
  const moved = request("GET", CRT_PRESIGNED.replace("us-east-1%2Ceu-west-1", "us-east-1"), ["Host", "sts.amazonaws.com"]);
  rejects(() => verifySigV4(moved, parseSigV4(moved)!, SK, NOW), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
});

test("SigV4a: another secret, a changed signed header or body, or a malformed signature is SignatureDoesNotMatch", () => {
  const req = crtHeaderRequest();
  rejects(() => verifySigV4(req, parseSigV4(req)!, SK + "x", NOW), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  const changed = crtHeaderRequest();
  const at = changed.rawHeaders!.indexOf("X-Amz-Region-Set");
  changed.rawHeaders![at + 1] = "us-east-1";
  changed.headers = nodeHeaders(changed.rawHeaders!);
  rejects(() => verifySigV4(changed, parseSigV4(changed)!, SK, NOW), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  // A body that no longer matches its declared hash.
  const body = crtHeaderRequest("Action=GetCallerIdentity&Version=2011-06-16");
  rejects(() => verifySigV4(body, parseSigV4(body)!, SK, NOW), "InvalidSignature");
  for (const sig of ["", "zz", "3045", "ab".repeat(100)]) {
    const bad = crtHeaderRequest();
    const i = bad.rawHeaders!.indexOf("Authorization");
    bad.rawHeaders![i + 1] = (bad.rawHeaders![i + 1] as string).replace(/Signature=[0-9a-f]+/, `Signature=${sig}`);
    bad.headers = nodeHeaders(bad.rawHeaders!);
    if (sig === "") rejects(() => parseSigV4(bad), "IncompleteSignature");
    else rejects(() => verifySigV4(bad, parseSigV4(bad)!, SK, NOW), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  }
});

test("SigV4a credential scope has four elements (no region); five is refused as incomplete", () => {
  const req = crtHeaderRequest();
  const i = req.rawHeaders!.indexOf("Authorization");
  req.rawHeaders![i + 1] = (req.rawHeaders![i + 1] as string).replace("AKIDEXAMPLE/20260115/sts/", "AKIDEXAMPLE/20260115/us-east-1/sts/");
  req.headers = nodeHeaders(req.rawHeaders!);
  rejects(() => parseSigV4(req), "IncompleteSignature", /^Credential must have exactly 4 slash-delimited elements, e\.g\. keyid\/date\/service\/term, got '/);
});
