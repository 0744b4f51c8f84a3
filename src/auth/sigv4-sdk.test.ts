/**
 * Cross-check against the official signer: requests signed by @smithy/signature-v4 (what every AWS SDK
 * for JavaScript v3 uses) in header and presigned form must verify; tampered ones must fail with the
 * exact error kind and message. Inputs come from a seeded PRNG so failures reproduce.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { AwsError, type CommonErrorKind } from "../core/errors.js";
import {
  parseSigV4,
  verifySigV4,
  SigningKeyCache,
  PAYLOAD_HASH_MISMATCH_MESSAGE,
  SIGNATURE_MISMATCH_MESSAGE,
  type SigV4Request,
  type VerifyOptions,
} from "./sigv4.js";
import { nodeHeaders } from "./testdata/raw-request.js";

/** mulberry32: small, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = prng(0x5eed1234);
const int = (n: number): number => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const chance = (p: number): boolean => rnd() < p;

const CHARS = [..."abcXYZ019-._~", " ", "+", "%", "!", "*", "(", ")", "'", ":", "@", "&", "=", ",", ";", "$", "/", "?", "#", "ü", "日本", "😀"];
function word(min: number, max: number): string {
  let s = "";
  const n = min + int(max - min + 1);
  for (let i = 0; i < n; i++) s += pick(CHARS);
  return s;
}

/** RFC 3986 encoding, as the SDK's serializers and query-string builder produce it on the wire. */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

interface Case {
  request: SignableRequest;
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  unsignedPayload: boolean;
  applyChecksum: boolean;
  s3: boolean;
  signingDate: Date;
}

function randomCase(s3: boolean): Case {
  const hostname = pick(["sts.amazonaws.com", "kms.eu-west-3.amazonaws.com", "localhost", "bulwark.internal"]);
  const segments: string[] = [];
  for (let i = int(4); i > 0; i--) segments.push(word(1, 6).replaceAll("/", "_"));
  const path = "/" + segments.map(escapeUri).join("/") + (segments.length > 0 && chance(0.3) ? "/" : "");
  const query: Record<string, string | string[]> = {};
  for (let i = int(5); i > 0; i--) {
    const key = word(1, 5);
    query[key] = chance(0.3) ? [word(0, 4), word(0, 4), word(0, 4)] : word(0, 6);
  }
  const headers: Record<string, string> = { host: hostname };
  if (chance(0.5)) headers["content-type"] = pick(["application/x-www-form-urlencoded; charset=utf-8", "application/x-amz-json-1.1"]);
  for (let i = int(3); i > 0; i--) headers[`x-amz-meta-${int(1000)}`] = `  v ${word(1, 3).replace(/[^\x20-\x7e]/g, "u")}   z  `;
  if (chance(0.3)) headers["user-agent"] = "aws-sdk-js/3 test";
  const unsignedPayload = chance(0.25);
  if (unsignedPayload) headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  const method = pick(["GET", "POST", "PUT", "DELETE"]);
  const request: SignableRequest = { method, protocol: "https:", hostname, path, query, headers };
  if (method !== "GET") request.body = chance(0.5) ? `Action=${word(1, 8)}&Version=2011-06-15` : new Uint8Array([...Array(int(64)).keys()].map(() => int(256)));
  const credentials: Case["credentials"] = {
    accessKeyId: "AKIA" + String(int(1e9)).padStart(12, "0"),
    secretAccessKey: "s3cr3t/" + word(10, 20).replace(/[^\x21-\x7e]/g, "k"),
  };
  if (chance(0.5)) credentials.sessionToken = "FwoGZXIvYXdzE" + String(int(1e12)) + "/+=";
  return {
    request,
    region: pick(["us-east-1", "eu-west-3", "ap-southeast-2"]),
    service: s3 ? "s3" : pick(["sts", "iam", "kms", "service"]),
    credentials,
    unsignedPayload,
    applyChecksum: chance(0.5),
    s3,
    signingDate: new Date(Date.UTC(2020, 0, 1) + int(10 * 365 * 86400) * 1000),
  };
}

function signer(c: Case): SignatureV4 {
  return new SignatureV4({
    credentials: c.credentials,
    region: c.region,
    service: c.service,
    sha256: Sha256,
    applyChecksum: c.applyChecksum,
    uriEscapePath: !c.s3,
  });
}

/** What the gateway would see from node: wire path and query (in shuffled order), raw headers, body. */
function toWire(signed: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }): SigV4Request {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) pairs.push(x === null ? escapeUri(k) : `${escapeUri(k)}=${escapeUri(x)}`);
  }
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [pairs[i], pairs[j]] = [pairs[j] as string, pairs[i] as string];
  }
  const rawHeaders: string[] = [];
  for (const [k, v] of Object.entries(signed.headers)) {
    // Header-name case is not significant: send some of them the way other clients spell them.
    rawHeaders.push(chance(0.5) ? k.replace(/(^|-)[a-z]/g, (m) => m.toUpperCase()) : k, v);
  }
  const b = signed.body;
  const body = b === undefined ? Buffer.alloc(0) : typeof b === "string" ? Buffer.from(b, "utf8") : Buffer.from(b as Uint8Array);
  return { method: signed.method, path: signed.path, rawQuery: pairs.join("&"), headers: nodeHeaders(rawHeaders), rawHeaders, body };
}

function expectError(fn: () => void, kind: CommonErrorKind, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.common, kind);
    assert.equal(e.message, message);
    return true;
  });
}

function flipSignature(req: SigV4Request, presigned: boolean): SigV4Request {
  const flip = (s: string): string => s.replace(/([0-9a-f])(?=[0-9a-f]{0,63}$)/, (d) => (d === "0" ? "1" : "0"));
  if (presigned) {
    return { ...req, rawQuery: req.rawQuery.replace(/X-Amz-Signature=([0-9a-f]{64})/, (_m, sig: string) => "X-Amz-Signature=" + flip(sig)) };
  }
  const rawHeaders = [...(req.rawHeaders ?? [])];
  const i = rawHeaders.findIndex((h, k) => k % 2 === 0 && h.toLowerCase() === "authorization");
  rawHeaders[i + 1] = flip(rawHeaders[i + 1] as string);
  return { ...req, rawHeaders, headers: nodeHeaders(rawHeaders) };
}

const cache = new SigningKeyCache(64);

async function exercise(c: Case, form: "header" | "presigned"): Promise<void> {
  const s = signer(c);
  const presigned = form === "presigned";
  const expiresIn = 60 + int(604800 - 60);
  const signed = presigned
    ? await s.presign(c.request, { signingDate: c.signingDate, expiresIn })
    : await s.sign(c.request, { signingDate: c.signingDate });
  const req = toWire(signed as Parameters<typeof toWire>[0]);
  const opts: VerifyOptions = c.s3 ? { doubleEncodePath: false } : {};
  const t0 = c.signingDate.getTime();
  const now = presigned ? t0 + int(Math.min(expiresIn, 3600)) * 1000 : t0 + (int(1200) - 600) * 1000;
  const secret = c.credentials.secretAccessKey;

  const parsed = parseSigV4(req);
  assert.ok(parsed);
  assert.equal(parsed.presigned, presigned);
  assert.equal(parsed.accessKeyId, c.credentials.accessKeyId);
  assert.equal(parsed.region, c.region);
  assert.equal(parsed.service, c.service);
  assert.equal(parsed.sessionToken, c.credentials.sessionToken);
  if (presigned) assert.equal(parsed.expiresSeconds, expiresIn);
  if (c.unsignedPayload) assert.equal(parsed.payloadHash, "UNSIGNED-PAYLOAD");

  verifySigV4(req, parsed, secret, now, cache, opts);
  verifySigV4(req, parsed, secret, now, undefined, opts);

  const again = (r: SigV4Request, o: VerifyOptions = opts, key = secret): void => {
    const p = parseSigV4(r);
    assert.ok(p);
    verifySigV4(r, p, key, now, cache, o);
  };
  expectError(() => again(flipSignature(req, presigned)), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  expectError(() => again(req, opts, secret + "x"), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  expectError(() => again({ ...req, rawQuery: req.rawQuery + "&Injected=1" }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  expectError(() => again({ ...req, path: req.path + "x" }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);

  const tamperedBody = { ...req, body: Buffer.concat([req.body, Buffer.from("&Evil=1")]) };
  if (c.unsignedPayload) {
    // That is what UNSIGNED-PAYLOAD means; a service that must not allow it says so.
    again(tamperedBody);
    // To a service that signs the body whatever the header says, it is just another signature.
    expectError(() => again(req, { ...opts, allowUnsignedPayload: false }), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  } else if (!parsed.payloadHashComputed) {
    expectError(() => again(tamperedBody), "InvalidSignature", PAYLOAD_HASH_MISMATCH_MESSAGE);
  } else {
    expectError(() => again(tamperedBody), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  }
}

describe("@smithy/signature-v4 cross-check", () => {
  const cases = Array.from({ length: 120 }, () => randomCase(false));
  const s3Cases = Array.from({ length: 30 }, () => randomCase(true));

  test("the random mix covers every feature", () => {
    const all = [...cases, ...s3Cases];
    assert.ok(all.filter((c) => c.unsignedPayload).length >= 10);
    assert.ok(all.filter((c) => c.credentials.sessionToken !== undefined).length >= 10);
    assert.ok(all.filter((c) => c.applyChecksum && !c.unsignedPayload).length >= 10);
    assert.ok(all.filter((c) => c.request.body !== undefined).length >= 10);
    assert.ok(all.filter((c) => Object.values(c.request.query).some(Array.isArray)).length >= 10);
  });

  test("header form: 120 random requests verify, tampered copies fail", async () => {
    for (const c of cases) await exercise(c, "header");
  });

  test("presigned form: 120 random requests verify, tampered copies fail", async () => {
    for (const c of cases) await exercise(c, "presigned");
  });

  test("S3-style single-encoded paths (uriEscapePath: false) verify with doubleEncodePath: false", async () => {
    for (const c of s3Cases) {
      await exercise(c, "header");
      await exercise(c, "presigned");
    }
  });

  test("a non-S3 signature does not verify in S3 path mode when the path has escapes", async () => {
    const c = randomCase(false);
    c.request.path = "/a%20b/c";
    const signed = await signer(c).sign(c.request, { signingDate: c.signingDate });
    const req = toWire(signed as Parameters<typeof toWire>[0]);
    const p = parseSigV4(req);
    assert.ok(p);
    verifySigV4(req, p, c.credentials.secretAccessKey, c.signingDate.getTime());
    expectError(
      () => verifySigV4(req, p, c.credentials.secretAccessKey, c.signingDate.getTime(), undefined, { doubleEncodePath: false }),
      "InvalidSignature",
      SIGNATURE_MISMATCH_MESSAGE,
    );
  });

  test("a query with '+' for a space (Perl URI, Go url.Values, Python urlencode) verifies; '%2B' turned into '+' does not", async () => {
    // The signer signs the decoded value "a b" as a%20b; the URL it sends carries a+b. The query
    // protocol reads '+' as a space, so the signature covers what the service acts on.
    const c = randomCase(false);
    c.request.path = "/";
    c.request.query = { Action: "CreateUser", "Tags.member.1.Value": "a b" };
    for (const presign of [false, true]) {
      const s = signer(c);
      const signed = presign
        ? await s.presign(c.request, { signingDate: c.signingDate, expiresIn: 300 })
        : await s.sign(c.request, { signingDate: c.signingDate });
      const wire = toWire(signed as Parameters<typeof toWire>[0]);
      const plus = { ...wire, rawQuery: wire.rawQuery.replace("a%20b", "a+b") };
      assert.notEqual(plus.rawQuery, wire.rawQuery);
      const p = parseSigV4(plus);
      assert.ok(p);
      verifySigV4(plus, p, c.credentials.secretAccessKey, c.signingDate.getTime());
    }
    // Signed over a literal plus: the same request with the %2B changed to '+' means a space, and must fail.
    c.request.query = { Action: "CreateUser", "Tags.member.1.Value": "x+y" };
    const signed = await signer(c).sign(c.request, { signingDate: c.signingDate });
    const wire = toWire(signed as Parameters<typeof toWire>[0]);
    const p0 = parseSigV4(wire);
    assert.ok(p0);
    verifySigV4(wire, p0, c.credentials.secretAccessKey, c.signingDate.getTime());
    const altered = { ...wire, rawQuery: wire.rawQuery.replace("x%2By", "x+y") };
    assert.notEqual(altered.rawQuery, wire.rawQuery);
    const p1 = parseSigV4(altered);
    assert.ok(p1);
    expectError(() => verifySigV4(altered, p1, c.credentials.secretAccessKey, c.signingDate.getTime()), "InvalidSignature", SIGNATURE_MISMATCH_MESSAGE);
  });

  test("a presigned session token sent with '+' for its pluses reads as the token with spaces, as AWS reads it", async () => {
    const c = randomCase(false);
    c.credentials.sessionToken = "FwoG+tok/en=";
    const signed = await signer(c).presign(c.request, { signingDate: c.signingDate, expiresIn: 300 });
    const wire = toWire(signed as Parameters<typeof toWire>[0]);
    assert.equal(parseSigV4(wire)?.sessionToken, "FwoG+tok/en=");
    assert.equal(parseSigV4({ ...wire, rawQuery: wire.rawQuery.replace("FwoG%2Btok", "FwoG+tok") })?.sessionToken, "FwoG tok/en=");
  });

  test("the key cache stays bounded across many credentials", () => {
    assert.ok(cache.size <= 64);
    assert.ok(cache.size > 1);
  });
});
