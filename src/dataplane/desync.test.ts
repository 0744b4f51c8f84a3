import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { classifyRequest, desyncAction, type DesyncClassification, type DesyncMitigationMode, type DesyncReason } from "./desync.js";

interface Case {
  name: string;
  method?: string;
  target?: string;
  version?: string;
  headers: Array<[string, string]>;
  expect: [DesyncClassification, DesyncReason];
  /** Without the character checks (requests node's parser let through), when that differs. */
  parsed?: [DesyncClassification, DesyncReason];
}

const H = ["Host", "shop.example"] as [string, string];

/** The ELB guide's classification reasons (access logs, "Classification reasons"), one or more requests each. */
const CASES: Case[] = [
  { name: "a plain GET", headers: [H], expect: ["Compliant", "Compliant"] },
  { name: "POST with Content-Length", method: "POST", headers: [H, ["Content-Length", "5"]], expect: ["Compliant", "Compliant"] },
  { name: "POST chunked", method: "POST", headers: [H, ["Transfer-Encoding", "chunked"]], expect: ["Compliant", "Compliant"] },
  { name: "POST gzip, chunked", method: "POST", headers: [H, ["transfer-encoding", "gzip, chunked"]], expect: ["Compliant", "Compliant"] },
  { name: "Content-Length with OWS around it", method: "POST", headers: [H, ["Content-Length", " 5\t"]], expect: ["Compliant", "Compliant"] },
  { name: "obs-text in a value", headers: [H, ["X-Name", "caf\u00e9"]], expect: ["Compliant", "Compliant"] },
  { name: "HTAB in a value", headers: [H, ["X-Name", "a\tb"]], expect: ["Compliant", "Compliant"] },
  { name: "HTTP/1.0 with Content-Length", method: "POST", version: "HTTP/1.0", headers: [["Content-Length", "2"]], expect: ["Compliant", "Compliant"] },
  { name: "Content-Type is not a framing header", method: "POST", headers: [H, ["Content-Type", "text/plain"], ["Content-Length", "1"]], expect: ["Compliant", "Compliant"] },

  // Acceptable
  { name: "NonCompliantHeader: a control character in a value", headers: [H, ["X-Name", "a\x01b"]], expect: ["Acceptable", "NonCompliantHeader"] },
  { name: "NonCompliantHeader: DEL in a value", headers: [H, ["X-Name", "a\x7fb"]], expect: ["Acceptable", "NonCompliantHeader"] },
  { name: "NonCompliantHeader: a space in a name", headers: [H, ["x-my-header ", "v"]], expect: ["Acceptable", "NonCompliantHeader"] },
  { name: "NonCompliantHeader: a non-ASCII name", headers: [H, ["x-caf\u00e9", "v"]], expect: ["Acceptable", "NonCompliantHeader"] },
  { name: "SpaceInUri", target: "/a b", headers: [H], expect: ["Acceptable", "SpaceInUri"] },
  { name: "NonCompliantVersion: HTTP/1.2", version: "HTTP/1.2", headers: [H], expect: ["Acceptable", "NonCompliantVersion"] },
  { name: "NonCompliantVersion: a space after the version", version: "HTTP/1.1 ", headers: [H], expect: ["Acceptable", "NonCompliantVersion"] },
  { name: "NonCompliantVersion: HTTP/0.9 (no version)", version: "", headers: [], expect: ["Acceptable", "NonCompliantVersion"] },
  { name: "GetHeadZeroContentLength: GET", headers: [H, ["Content-Length", "0"]], expect: ["Acceptable", "GetHeadZeroContentLength"] },
  { name: "GetHeadZeroContentLength: HEAD, 00", method: "HEAD", headers: [H, ["Content-Length", "00"]], expect: ["Acceptable", "GetHeadZeroContentLength"] },

  // Ambiguous
  { name: "AmbiguousUri: a control character", target: "/a\x01b", headers: [H], expect: ["Ambiguous", "AmbiguousUri"] },
  { name: "AmbiguousUri: HTAB", target: "/a\tb", headers: [H], expect: ["Ambiguous", "AmbiguousUri"] },
  { name: "BothTeClPresent", method: "POST", headers: [H, ["Transfer-Encoding", "chunked"], ["Content-Length", "5"]], expect: ["Ambiguous", "BothTeClPresent"] },
  { name: "BothTeClPresent: Content-Length first", method: "POST", headers: [H, ["Content-Length", "5"], ["Transfer-Encoding", "chunked"]], expect: ["Ambiguous", "BothTeClPresent"] },
  { name: "DuplicateContentLength", method: "POST", headers: [H, ["Content-Length", "5"], ["content-length", "005"]], expect: ["Ambiguous", "DuplicateContentLength"] },
  { name: "EmptyHeader: no name", headers: [H, ["", "v"]], expect: ["Ambiguous", "EmptyHeader"] },
  { name: "EmptyHeader: a line of spaces", headers: [H, ["   ", ""]], expect: ["Ambiguous", "EmptyHeader"] },
  { name: "SuspiciousHeader: Transfer_Encoding", method: "POST", headers: [H, ["Transfer_Encoding", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: Content_Length", method: "POST", headers: [H, ["Content_Length", "5"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: TransferEncoding", method: "POST", headers: [H, ["TransferEncoding", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: a trailing dot", method: "POST", headers: [H, ["Content-Length.", "5"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: a space before the colon", method: "POST", headers: [H, ["Transfer-Encoding ", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: dotless i (UTF-8)", method: "POST", headers: [H, ["Transfer-Encod\u00c4\u00b1ng", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: long s (UTF-8)", method: "POST", headers: [H, ["Tran\u00c5\u00bffer-Encoding", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "SuspiciousHeader: a control character in front", method: "POST", headers: [H, ["\x01Content-Length", "5"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "UndefinedContentLengthSemantics: GET with a body", headers: [H, ["Content-Length", "5"]], expect: ["Ambiguous", "UndefinedContentLengthSemantics"] },
  { name: "UndefinedContentLengthSemantics: HEAD with a body", method: "HEAD", headers: [H, ["Content-Length", "1"]], expect: ["Ambiguous", "UndefinedContentLengthSemantics"] },
  { name: "UndefinedContentLengthSemantics: HTTP/0.9", version: "", headers: [["Content-Length", "0"]], expect: ["Ambiguous", "UndefinedContentLengthSemantics"] },
  { name: "UndefinedTransferEncodingSemantics: GET chunked", headers: [H, ["Transfer-Encoding", "chunked"]], expect: ["Ambiguous", "UndefinedTransferEncodingSemantics"] },
  { name: "UndefinedTransferEncodingSemantics: HTTP/1.0 chunked", method: "POST", version: "HTTP/1.0", headers: [["Transfer-Encoding", "chunked"]], expect: ["Ambiguous", "UndefinedTransferEncodingSemantics"] },

  // Severe
  { name: "BadContentLength: a non-digit", method: "POST", headers: [H, ["Content-Length", "5a"]], expect: ["Severe", "BadContentLength"] },
  { name: "BadContentLength: a sign", method: "POST", headers: [H, ["Content-Length", "+5"]], expect: ["Severe", "BadContentLength"] },
  { name: "BadContentLength: empty", method: "POST", headers: [H, ["Content-Length", ""]], expect: ["Severe", "BadContentLength"] },
  { name: "BadContentLength: a list", method: "POST", headers: [H, ["Content-Length", "5, 5"]], expect: ["Severe", "BadContentLength"] },
  { name: "BadContentLength: past 2^64 - 1", method: "POST", headers: [H, ["Content-Length", "18446744073709551616"]], expect: ["Severe", "BadContentLength"] },
  { name: "BadContentLength: a control character", method: "POST", headers: [H, ["Some-Header", "x\x12"], ["Content-Length", "1000\x11"]], expect: ["Severe", "BadContentLength"] },
  { name: "BadHeader: NUL in a value", headers: [H, ["X-Name", "a\x00b"]], expect: ["Severe", "BadHeader"] },
  { name: "BadHeader: CR in a value", headers: [H, ["X-Name", "a\rb"]], expect: ["Severe", "BadHeader"] },
  { name: "BadHeader: LF in a name", headers: [H, ["X-\nName", "v"]], expect: ["Severe", "BadHeader"] },
  { name: "BadTransferEncoding: an unknown coding", method: "POST", headers: [H, ["Transfer-Encoding", "xchunked"]], expect: ["Severe", "BadTransferEncoding"] },
  { name: "BadTransferEncoding: empty", method: "POST", headers: [H, ["Transfer-Encoding", ""]], expect: ["Severe", "BadTransferEncoding"] },
  { name: "BadTransferEncoding: an empty list item", method: "POST", headers: [H, ["Transfer-Encoding", ",chunked"]], expect: ["Severe", "BadTransferEncoding"] },
  { name: "BadTransferEncoding: DEL after chunked", method: "POST", headers: [H, ["Transfer-Encoding", "chunked\x7f"]], expect: ["Severe", "BadTransferEncoding"] },
  { name: "BadUri: NUL", target: "/a\x00b", headers: [H], expect: ["Severe", "BadUri"] },
  { name: "BadUri: CR", target: "/a\rb", headers: [H], expect: ["Severe", "BadUri"] },
  { name: "BadMethod", method: "G(T", headers: [H], expect: ["Severe", "BadMethod"] },
  { name: "BadVersion", version: "HTTP/1.x", headers: [H], expect: ["Severe", "BadVersion"] },
  { name: "BadVersion: not HTTP", version: "HTTX/1.1", headers: [H], expect: ["Severe", "BadVersion"] },
  { name: "MultipleContentLength", method: "POST", headers: [H, ["Content-Length", "5"], ["Content-Length", "6"]], expect: ["Severe", "MultipleContentLength"] },
  { name: "MultipleTransferEncodingChunked: one field", method: "POST", headers: [H, ["Transfer-Encoding", "chunked, chunked"]], expect: ["Severe", "MultipleTransferEncodingChunked"] },
  { name: "MultipleTransferEncodingChunked: two fields", method: "POST", headers: [H, ["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "chunked"]], expect: ["Severe", "MultipleTransferEncodingChunked"] },

  // The most severe finding decides; the first of equally severe ones gives the reason.
  { name: "Severe over Ambiguous", method: "GET", target: "/a\x01", headers: [H, ["X-Name", "a\x00"]], expect: ["Severe", "BadHeader"], parsed: ["Compliant", "Compliant"] },
  { name: "Ambiguous over Acceptable", target: "/a b", headers: [H, ["Transfer_Encoding", "chunked"]], expect: ["Ambiguous", "SuspiciousHeader"] },
  { name: "a header with a bad character is not also suspicious", method: "POST", headers: [H, ["Transfer-Encoding\r", "chunked"]], expect: ["Severe", "BadHeader"], parsed: ["Ambiguous", "SuspiciousHeader"] },
];

describe("desync classification (the ELB guide's classification reasons)", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const v = classifyRequest(c.method ?? "GET", c.target ?? "/", c.version ?? "HTTP/1.1", c.headers.flat());
      assert.deepEqual([v.classification, v.reason], c.expect);
    });
  }

  test("without the character checks (node's parser refuses what they find) the other findings are the same", () => {
    const byCharacters = new Set<DesyncReason>(["NonCompliantHeader", "BadHeader", "BadUri", "AmbiguousUri", "SpaceInUri", "BadMethod", "EmptyHeader"]);
    for (const c of CASES) {
      const v = classifyRequest(c.method ?? "GET", c.target ?? "/", c.version ?? "HTTP/1.1", c.headers.flat(), false);
      const expected = c.parsed ?? (byCharacters.has(c.expect[1]) ? ["Compliant", "Compliant"] : c.expect);
      assert.deepEqual([v.classification, v.reason], expected, c.name);
    }
  });
});

describe("desync mitigation modes (the ELB guide's table)", () => {
  const table: Array<[DesyncClassification, Record<DesyncMitigationMode, string>]> = [
    ["Compliant", { monitor: "forward", defensive: "forward", strictest: "forward" }],
    ["Acceptable", { monitor: "forward", defensive: "forward", strictest: "block" }],
    ["Ambiguous", { monitor: "forward", defensive: "forward-and-close", strictest: "block" }],
    ["Severe", { monitor: "forward", defensive: "block", strictest: "block" }],
  ];
  for (const [classification, byMode] of table) {
    test(classification, () => {
      for (const mode of ["monitor", "defensive", "strictest"] as const) assert.equal(desyncAction(mode, { classification, reason: "Compliant" }), byMode[mode], mode);
    });
  }
});
