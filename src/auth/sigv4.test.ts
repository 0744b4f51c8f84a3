/**
 * AWS's published SigV4 test suite: every vector must verify at its own timestamp, and must stop
 * verifying when one byte of the signature, a signed header, the path, the query or the body changes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { AwsError } from "../core/errors.js";
import {
  buildCanonicalRequest,
  parseSigV4,
  verifySigV4,
  SigningKeyCache,
  PAYLOAD_HASH_MISMATCH_MESSAGE,
  SIGNATURE_MISMATCH_MESSAGE,
  type SigV4Request,
  type VerifyOptions,
} from "./sigv4.js";
import { SUITE_CREDENTIALS as C, SUITE_VECTORS, STS_TOKEN, type SuiteVector } from "./testdata/aws-sigv4-suite.js";
import { nodeHeaders, parseRawRequest } from "./testdata/raw-request.js";

function optionsFor(v: SuiteVector): VerifyOptions {
  return v.normalize ? {} : { doubleEncodePath: false };
}

function verify(req: SigV4Request, v: SuiteVector, cache?: SigningKeyCache): void {
  const parsed = parseSigV4(req);
  assert.ok(parsed, "the request carries SigV4");
  verifySigV4(req, parsed, C.secretAccessKey, C.timeMs, cache, optionsFor(v));
}

function assertRejected(req: SigV4Request, v: SuiteVector, message: string): void {
  assert.throws(
    () => verify(req, v),
    (e: unknown) => e instanceof AwsError && e.common === "InvalidSignature" && e.message === message,
  );
}

function withRawHeaders(req: SigV4Request, rawHeaders: string[]): SigV4Request {
  return { ...req, rawHeaders, headers: nodeHeaders(rawHeaders) };
}

function flipLastHex(sig: string): string {
  const last = sig.charAt(sig.length - 1);
  return sig.slice(0, -1) + (last === "0" ? "1" : "0");
}

const cache = new SigningKeyCache(16);

describe("AWS SigV4 test suite", () => {
  test("the fixture covers the suite's groups", () => {
    const names = new Set(SUITE_VECTORS.map((v) => v.name));
    for (const n of [
      "get-vanilla", "get-vanilla-query-order-key-case", "get-header-value-trim", "get-header-key-duplicate",
      "get-header-value-multiline", "get-unreserved", "get-utf8", "get-space", "get-slash", "get-slashes",
      "get-slash-dot-slash", "get-slash-pointless-dot", "get-relative", "get-relative-relative", "post-header-key-case",
      "post-x-www-form-urlencoded", "post-vanilla-query", "post-sts-header-before", "post-sts-header-after",
      "get-vanilla-with-session-token",
    ]) {
      assert.ok(names.has(n), n);
    }
    assert.ok(SUITE_VECTORS.filter((v) => v.form === "query").length >= 10);
  });

  for (const v of SUITE_VECTORS) {
    describe(v.name, () => {
      const req = parseRawRequest(v.request);

      test("parses the credential scope and time", () => {
        const p = parseSigV4(req);
        assert.ok(p);
        assert.equal(p.accessKeyId, C.accessKeyId);
        assert.equal(p.scopeDate, "20150830");
        assert.equal(p.region, C.region);
        assert.equal(p.service, C.service);
        assert.equal(p.amzDate, C.amzDate);
        assert.equal(p.timeMs, C.timeMs);
        assert.equal(p.presigned, v.form === "query");
        if (v.form === "query") assert.equal(p.expiresSeconds, 3600);
        assert.match(p.signature, /^[0-9a-f]{64}$/);
      });

      if (v.creqSha256 !== undefined) {
        test("canonical request hashes to the suite's value", () => {
          const p = parseSigV4(req);
          assert.ok(p);
          const creq = buildCanonicalRequest(req, p, optionsFor(v));
          assert.equal(createHash("sha256").update(creq).digest("hex"), v.creqSha256);
        });
      }

      test("accepts the published signature (with and without the key cache)", () => {
        verify(req, v);
        verify(req, v, cache);
        verify(req, v, cache);
      });

      test("rejects a signature with one changed hex digit", () => {
        let tampered: SigV4Request;
        if (v.form === "header") {
          const raw = [...(req.rawHeaders ?? [])];
          const i = raw.findIndex((h, k) => k % 2 === 0 && h.toLowerCase() === "authorization");
          raw[i + 1] = flipLastHex(raw[i + 1] as string);
          tampered = withRawHeaders(req, raw);
        } else {
          tampered = { ...req, rawQuery: flipLastHex(req.rawQuery) };
        }
        assertRejected(tampered, v, SIGNATURE_MISMATCH_MESSAGE);
      });

      test("rejects a changed value of each signed header", () => {
        const p = parseSigV4(req);
        assert.ok(p);
        let checked = 0;
        for (const name of p.signedHeaders) {
          // x-amz-date is the request time (changing it is a time/format question, tested elsewhere).
          if (name === "x-amz-date") continue;
          const raw = [...(req.rawHeaders ?? [])];
          const i = raw.findIndex((h, k) => k % 2 === 0 && h.toLowerCase() === name);
          assert.ok(i >= 0, `${name} is present`);
          raw[i + 1] = (raw[i + 1] as string) + "x";
          const expected = name === "x-amz-content-sha256" ? PAYLOAD_HASH_MISMATCH_MESSAGE : SIGNATURE_MISMATCH_MESSAGE;
          assertRejected(withRawHeaders(req, raw), v, expected);
          checked++;
        }
        assert.ok(checked >= 1, "at least host is signed");
      });

      test("accepts an added unsigned header", () => {
        verify(withRawHeaders(req, [...(req.rawHeaders ?? []), "X-Unsigned-Extra", "anything"]), v);
      });

      test("rejects a changed path", () => {
        assertRejected({ ...req, path: req.path + "x" }, v, SIGNATURE_MISMATCH_MESSAGE);
        assertRejected({ ...req, path: "/other" + req.path }, v, SIGNATURE_MISMATCH_MESSAGE);
      });

      test("rejects a changed query", () => {
        const extra = req.rawQuery === "" ? "extra=1" : req.rawQuery + "&extra=1";
        assertRejected({ ...req, rawQuery: extra }, v, SIGNATURE_MISMATCH_MESSAGE);
        if (req.rawQuery.startsWith("Param")) {
          assertRejected({ ...req, rawQuery: req.rawQuery.replace("=", "=x") }, v, SIGNATURE_MISMATCH_MESSAGE);
        }
      });

      test("rejects a changed body", () => {
        const p = parseSigV4(req);
        assert.ok(p);
        const tampered = { ...req, body: Buffer.concat([req.body, Buffer.from("x")]) };
        // A declared x-amz-content-sha256 is checked against the body before the signature.
        const declaresHash = !p.payloadHashComputed;
        assertRejected(tampered, v, declaresHash ? PAYLOAD_HASH_MISMATCH_MESSAGE : SIGNATURE_MISMATCH_MESSAGE);
      });

      test("rejects a changed method", () => {
        assertRejected({ ...req, method: req.method === "GET" ? "POST" : "GET" }, v, SIGNATURE_MISMATCH_MESSAGE);
      });
    });
  }

  test("session tokens are exposed from the header and from the query", () => {
    const byName = (n: string): SigV4Request => {
      const v = SUITE_VECTORS.find((x) => x.name === n);
      assert.ok(v);
      return parseRawRequest(v.request);
    };
    assert.equal(parseSigV4(byName("post-sts-header-before"))?.sessionToken, STS_TOKEN);
    assert.equal(parseSigV4(byName("post-sts-header-after"))?.sessionToken, STS_TOKEN);
    assert.equal(parseSigV4(byName("post-sts-header-before (query)"))?.sessionToken, STS_TOKEN);
    assert.equal(
      parseSigV4(byName("get-vanilla-with-session-token"))?.sessionToken,
      "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
    );
    assert.equal(parseSigV4(byName("get-vanilla"))?.sessionToken, undefined);
  });

  test("repeated headers are exact only with rawHeaders: node's merged form joins with ', '", () => {
    const v = SUITE_VECTORS.find((x) => x.name === "get-header-key-duplicate");
    assert.ok(v);
    const req = parseRawRequest(v.request);
    assert.equal(req.headers["my-header1"], "value2, value2, value1");
    const { rawHeaders: _dropped, ...withoutRaw } = req;
    assertRejected(withoutRaw, v, SIGNATURE_MISMATCH_MESSAGE);
    // A vector without repeats verifies from node's merged headers alone.
    const vanilla = SUITE_VECTORS.find((x) => x.name === "get-header-value-trim");
    assert.ok(vanilla);
    const { rawHeaders: _d2, ...plain } = parseRawRequest(vanilla.request);
    verify(plain, vanilla);
  });

  test("normalised and unnormalised path vectors need their own mode", () => {
    const unnorm = SUITE_VECTORS.find((x) => x.name === "get-slashes-unnormalized");
    const norm = SUITE_VECTORS.find((x) => x.name === "get-slashes");
    assert.ok(unnorm && norm);
    // Each verifies only in its own mode: the path rule is really part of what is signed.
    assertRejected(parseRawRequest(unnorm.request), { ...unnorm, normalize: true }, SIGNATURE_MISMATCH_MESSAGE);
    assertRejected(parseRawRequest(norm.request), { ...norm, normalize: false }, SIGNATURE_MISMATCH_MESSAGE);
  });
});
