import { test } from "node:test";
import assert from "node:assert/strict";
import { TRANSFORMS, applyTransforms, orderTransformations, InvalidTransformationError } from "./transforms.js";
import { WafCompileError } from "./errors.js";
import type { TextTransformationType } from "@aws-sdk/client-wafv2";

const cases: Array<[TextTransformationType, string, string]> = [
  ["NONE", "AbC", "AbC"],
  ["COMPRESS_WHITE_SPACE", "a \t\n\r\v\f\xa0  b", "a b"],
  ["HTML_ENTITY_DECODE", "&lt;a&gt; &quot;x&quot; &amp; &#x41;&#66;&nbsp;", '<a> "x" & AB\xa0'],
  ["LOWERCASE", "SeLeCt ÀB", "select Àb"],
  ["UPPERCASE", "select", "SELECT"],
  // Bytes above 0x7F are left alone (String.prototype.toUpperCase would map ÿ, µ and ß).
  ["UPPERCASE", "s\xe9lect \xff\xb5\xdf", "S\xe9LECT \xff\xb5\xdf"],
  ["LOWERCASE", "\xc0\xdeAB", "\xc0\xdeab"],
  ["CMD_LINE", "C^at \"/etc/pa'ss'wd\" ;  LS ,x (y)", "cat/etc/passwd ls x(y)"],
  ["URL_DECODE", "a%20b+c%2Fd%zz%4", "a b c/d%zz%4"],
  ["URL_DECODE_UNI", "%u0041%uff1c%2e", "A<."],
  ["BASE64_DECODE", "SGVsbG8=!!!", "Hello"],
  ["BASE64_DECODE_EXT", "SGV$sbG8*", "Hello"],
  ["HEX_DECODE", "414243", "ABC"],
  ["REPLACE_COMMENTS", "un/**/ion sel/*x*/ect /* open", "un ion sel ect  "],
  ["REMOVE_COMMENTS_CHAR", "a/*b*/c--d#e", "abcde"],
  ["ESCAPE_SEQ_DECODE", "\\x41\\n\\101\\q", "A\nA\\q"],
  ["SQL_HEX_DECODE", "select 0x414243", "select ABC"],
  ["CSS_DECODE", "ja\\vascript \\41 \\000041", "javascript AA"],
  ["JS_DECODE", "\\u0041\\x42\\103\\d\\uff1c", "ABCd<"],
  ["NORMALIZE_PATH", "/a//b/./c/../d", "/a/b/d"],
  ["NORMALIZE_PATH_WIN", "\\a\\..\\b\\c", "/b/c"],
  ["REMOVE_NULLS", "a\0b\0", "ab"],
  ["REPLACE_NULLS", "a\0b", "a b"],
  ["UTF8_TO_UNICODE", "a\xc3\xa9", "a%u00e9"],
  ["REMOVE_WHITESPACE", " a b\tc ", "abc"],
  ["TRIM", "  a b  ", "a b"],
];

for (const [type, input, expected] of cases) {
  test(`transformation ${type}`, () => {
    assert.equal(TRANSFORMS[type](input), expected);
  });
}

test("MD5 yields the 16 raw digest bytes", () => {
  assert.equal(Buffer.from(TRANSFORMS.MD5("abc"), "latin1").toString("hex"), "900150983cd24fb0d6963f7d28e17f72");
});

test("transformations apply in Priority order, NONE skipped", () => {
  const chain = orderTransformations([{ Priority: 2, Type: "LOWERCASE" }, { Priority: 1, Type: "URL_DECODE" }, { Priority: 0, Type: "NONE" }]);
  assert.deepEqual(chain, ["URL_DECODE", "LOWERCASE"]);
  assert.equal(applyTransforms("%53ELECT", chain), "select");
});

test("orderTransformations refuses unknown types (Object.prototype's names too) and priorities that are not non-negative integers", () => {
  for (const Type of ["FOO", "constructor", "toString", "__proto__"]) {
    assert.throws(() => orderTransformations([{ Priority: 0, Type: Type as TextTransformationType }]), InvalidTransformationError, Type);
  }
  for (const Priority of [0.5, -1, Number.NaN, Infinity]) {
    assert.throws(() => orderTransformations([{ Priority, Type: "LOWERCASE" }]), InvalidTransformationError, String(Priority));
  }
  assert.ok(new InvalidTransformationError("x") instanceof WafCompileError);
  assert.deepEqual(orderTransformations([{ Priority: 5, Type: "LOWERCASE" }, { Priority: 0, Type: "URL_DECODE" }]), ["URL_DECODE", "LOWERCASE"]);
});

test("an unchanged value is returned as the same string", () => {
  const s = "plain";
  assert.equal(TRANSFORMS.URL_DECODE(s), s);
  assert.equal(TRANSFORMS.HTML_ENTITY_DECODE(s), s);
});
