import { test } from "node:test";
import assert from "node:assert/strict";
import { maskQuotedCode } from "./prose.js";
import { percentDecode, entityDecode, jsUnescape, foldFullWidth, utf7Decode, readings } from "./decode.js";

test("fenced code inside prose is blanked", () => {
  const s = "We saw the same crash after upgrading last week.\n\n```sh\nrm -rf /var/cache/app && systemctl restart app\n```\n\nAny idea what changed?";
  const m = maskQuotedCode(s);
  assert.equal(m.includes("rm -rf"), false);
  assert.equal(m.includes("Any idea what changed?"), true);
});

test("inline code spans inside prose are blanked", () => {
  const m = maskQuotedCode("Quick note for the team: running `DELETE FROM jobs WHERE done = 1;` before the import fixed it for me.");
  assert.equal(m, "Quick note for the team: running [code] before the import fixed it for me.");
});

test("a bare payload in backticks is not prose and stays", () => {
  const s = "`cat /etc/passwd`";
  assert.equal(maskQuotedCode(s), s);
  const t = "x; `id` ; `uname -a` ; `ls -la /home`";
  assert.equal(maskQuotedCode(t), t);
});

test("decoding helpers", () => {
  assert.equal(percentDecode("a%20b+c", true), "a b c");
  assert.equal(percentDecode("a%20b+c", false), "a b+c");
  assert.equal(percentDecode("%uff1cx", false), "<x");
  assert.equal(percentDecode("..%u2215..%u2216x", false), "../..\\x");
  assert.equal(percentDecode("%u0041%u2200", false), "A\x00");
  assert.equal(entityDecode("&#0000060;&lt;&colon;&Tab;"), "<<:\t");
  assert.equal(jsUnescape("\\u0061\\x62\\u{63}"), "abc");
  assert.equal(foldFullWidth("\xef\xbc\x9cscript\xef\xbc\x9e"), "<script>");
  assert.equal(utf7Decode("+ADw-b+AD4-"), "<b>");
});

test("readings: decoded, double-decoded, entity-decoded, full-width folded", () => {
  const out: string[] = [];
  readings("%2527x%2526lt%253B", "form", out);
  assert.deepEqual(out, ["%27x%26lt%3B", "'x&lt;", "'x<"]);
  const plain: string[] = [];
  readings("hello", "form", plain);
  assert.deepEqual(plain, ["hello"]);
});
