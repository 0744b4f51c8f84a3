/** The SigV4 time window: ±15 minutes for the header form, X-Amz-Expires for presigned requests. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { AwsError, type CommonErrorKind } from "../core/errors.js";
import { parseSigV4, verifySigV4, formatAmzDate, parseAmzDate, type SigV4Request } from "./sigv4.js";
import { nodeHeaders } from "./testdata/raw-request.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const T0 = Date.UTC(2024, 4, 17, 9, 30, 0);
const MIN = 60_000;

const signer = new SignatureV4({
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
  region: "us-east-1",
  service: "sts",
  sha256: Sha256,
});

function wire(signed: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }): SigV4Request {
  const q = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  const rawHeaders = Object.entries(signed.headers).flat();
  return { method: signed.method, path: signed.path, rawQuery: q, headers: nodeHeaders(rawHeaders), rawHeaders, body: Buffer.from(String(signed.body ?? "")) };
}

const base = {
  method: "POST",
  protocol: "https:",
  hostname: "sts.amazonaws.com",
  path: "/",
  query: {},
  headers: { host: "sts.amazonaws.com", "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  body: "Action=GetCallerIdentity&Version=2011-06-15",
};

const headerReq = wire(await signer.sign(base, { signingDate: new Date(T0) }));
const presign = async (expiresIn: number): Promise<SigV4Request> =>
  wire(await signer.presign({ ...base, method: "GET", body: "" }, { signingDate: new Date(T0), expiresIn }));

function check(req: SigV4Request, now: number, maxPresignedAgeSeconds?: number): void {
  const p = parseSigV4(req);
  assert.ok(p);
  verifySigV4(req, p, SECRET, now, undefined, maxPresignedAgeSeconds === undefined ? {} : { maxPresignedAgeSeconds });
}

function rejects(req: SigV4Request, now: number, kind: CommonErrorKind, message: string, maxAge?: number): void {
  assert.throws(
    () => check(req, now, maxAge),
    (e: unknown) => e instanceof AwsError && e.common === kind && e.message === message,
  );
}

describe("header form: 15 minutes of skew either way", () => {
  test("accepted 14 minutes late, 14 minutes early, and exactly at the 15-minute edges", () => {
    for (const d of [0, 14 * MIN, -14 * MIN, 15 * MIN, -15 * MIN]) check(headerReq, T0 + d);
  });

  test("16 minutes late: 'Signature expired' with AWS's exact message", () => {
    const now = T0 + 16 * MIN;
    rejects(headerReq, now, "InvalidSignature", "Signature expired: 20240517T093000Z is now earlier than 20240517T093100Z (20240517T094600Z - 15 min.)");
    rejects(headerReq, now + 12_345, "InvalidSignature", "Signature expired: 20240517T093000Z is now earlier than 20240517T093112Z (20240517T094612Z - 15 min.)");
  });

  test("16 minutes early (client clock ahead): 'Signature not yet current'", () => {
    rejects(headerReq, T0 - 16 * MIN, "InvalidSignature", "Signature not yet current: 20240517T093000Z is still later than 20240517T092900Z (20240517T091400Z + 15 min.)");
  });

  test("one second past the edge is rejected", () => {
    assert.throws(() => check(headerReq, T0 + 15 * MIN + 1000), /Signature expired/);
    assert.throws(() => check(headerReq, T0 - 15 * MIN - 1000), /Signature not yet current/);
  });
});

describe("presigned form: X-Amz-Expires", () => {
  test("valid until X-Amz-Expires, then 'Request has expired' (RequestExpired)", async () => {
    const req = await presign(300);
    check(req, T0);
    check(req, T0 + 300_000);
    rejects(req, T0 + 301_000, "RequestExpired", "Request has expired");
  });

  test("a long X-Amz-Expires outlives the 15-minute skew window", async () => {
    const req = await presign(7200);
    check(req, T0 + 119 * MIN);
    rejects(req, T0 + 121 * MIN, "RequestExpired", "Request has expired");
  });

  test("the seven-day maximum is accepted to its last second", async () => {
    const req = await presign(604800);
    check(req, T0 + 604800_000);
    rejects(req, T0 + 604801_000, "RequestExpired", "Request has expired");
  });

  test("maxPresignedAgeSeconds caps X-Amz-Expires", async () => {
    const req = await presign(3600);
    check(req, T0 + 14 * MIN, 900);
    rejects(req, T0 + 16 * MIN, "RequestExpired", "Request has expired", 900);
  });

  test("ignorePresignedExpires: the header form's 15-minute window, whatever X-Amz-Expires says (STS)", async () => {
    const short = await presign(60);
    const opts = { ignorePresignedExpires: true };
    const at = (req: SigV4Request, now: number) => {
      const p = parseSigV4(req);
      assert.ok(p);
      verifySigV4(req, p, SECRET, now, undefined, opts);
    };
    at(short, T0 + 61_000);
    at(short, T0 + 15 * MIN);
    assert.throws(
      () => at(short, T0 + 15 * MIN + 1000),
      (e: unknown) =>
        e instanceof AwsError &&
        e.common === "InvalidSignature" &&
        e.message === "Signature expired: 20240517T093000Z is now earlier than 20240517T093001Z (20240517T094501Z - 15 min.)",
    );
    // aws-iam-authenticator before 2024 sent X-Amz-Expires=0 (a duration in nanoseconds, truncated).
    const zero = await presign(0);
    assert.match(zero.rawQuery, /X-Amz-Expires=0(&|$)/);
    at(zero, T0 + 14 * MIN);
    const long = await presign(7200);
    assert.throws(() => at(long, T0 + 16 * MIN), /Signature expired/);
    assert.throws(() => at(long, T0 - 16 * MIN), /Signature not yet current/);
  });

  test("a presigned request dated more than 15 minutes ahead is not yet current", async () => {
    const req = await presign(3600);
    rejects(req, T0 - 16 * MIN, "InvalidSignature", "Signature not yet current: 20240517T093000Z is still later than 20240517T092900Z (20240517T091400Z + 15 min.)");
  });

  test("without X-Amz-Expires the 15-minute window applies", async () => {
    const req = await presign(3600);
    // Drop X-Amz-Expires from the URL: the signature no longer matches, but time is checked first.
    const noExpires = { ...req, rawQuery: req.rawQuery.replace(/&?X-Amz-Expires=\d+/, "") };
    const p = parseSigV4(noExpires);
    assert.ok(p);
    assert.equal(p.expiresSeconds, undefined);
    rejects(noExpires, T0 + 16 * MIN, "InvalidSignature", "Signature expired: 20240517T093000Z is now earlier than 20240517T093100Z (20240517T094600Z - 15 min.)");
  });

  test("X-Amz-Expires must be a number of seconds no larger than a week", async () => {
    const req = await presign(60);
    const withExpires = (v: string): SigV4Request => ({ ...req, rawQuery: req.rawQuery.replace(/X-Amz-Expires=\d+/, `X-Amz-Expires=${v}`) });
    const incomplete = (v: string, message: string): void => {
      assert.throws(
        () => parseSigV4(withExpires(v)),
        (e: unknown) => e instanceof AwsError && e.common === "IncompleteSignature" && e.message === message,
      );
    };
    incomplete("604801", "X-Amz-Expires must be less than a week (in seconds) that is; 604800");
    incomplete("abc", "X-Amz-Expires should be a number");
    incomplete("", "X-Amz-Expires should be a number");
    incomplete("-5", "X-Amz-Expires must be non-negative");
    assert.equal(parseSigV4(withExpires("604800"))?.expiresSeconds, 604800);
  });
});

describe("amz dates", () => {
  test("round-trip and strictness", () => {
    assert.equal(parseAmzDate("20150830T123600Z"), Date.UTC(2015, 7, 30, 12, 36, 0));
    assert.equal(formatAmzDate(Date.UTC(2015, 7, 30, 12, 36, 0, 999)), "20150830T123600Z");
    for (const bad of ["20150830T123600", "2015-08-30T12:36:00Z", "20150230T123600Z", "20151330T123600Z", "20150830T243600Z", "2015083OT123600Z", ""]) {
      assert.equal(parseAmzDate(bad), undefined, bad);
    }
  });
});
