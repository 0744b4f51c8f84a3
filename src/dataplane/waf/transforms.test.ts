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

/*
 * Documented behaviour (AWS WAF Developer Guide, "Text transformation options", and the WAFv2
 * API reference's TextTransformation), with the encodings an attacker reaches for.
 */
const documented: Array<[TextTransformationType, string, string]> = [
  // COMPRESS_WHITE_SPACE: \f \t \n \r \v and NBSP (160) become a space; runs of spaces become one.
  ["COMPRESS_WHITE_SPACE", "a\f\fb", "a b"],
  ["COMPRESS_WHITE_SPACE", "a \xa0\r\n\tb", "a b"],
  ["COMPRESS_WHITE_SPACE", "  ", " "],
  ["COMPRESS_WHITE_SPACE", "a\0b", "a\0b"],
  // CMD_LINE: delete \ " ' ^; delete spaces before / and (; , and ; become spaces; squeeze; lowercase A-Z.
  ["CMD_LINE", "W\\h^O'a\"Mi", "whoami"],
  ["CMD_LINE", "cat    /etc/passwd", "cat/etc/passwd"],
  ["CMD_LINE", "eval  (x)", "eval(x)"],
  ["CMD_LINE", "a,b;c,,;;d", "a b c d"],
  ["CMD_LINE", "a ;/b", "a/b"],
  ["CMD_LINE", "( x", "( x"],
  ["CMD_LINE", "\xc0A", "\xc0a"],
  // HTML_ENTITY_DECODE: &quot; &nbsp; &lt; &gt; &#xhhhh; &#nnnn;
  ["HTML_ENTITY_DECODE", "&quot;&nbsp;&lt;&gt;", '"\xa0<>'],
  ["HTML_ENTITY_DECODE", "&#x3c;&#X3C;&#x3C;&#60;", "<<<<"],
  ["HTML_ENTITY_DECODE", "&#x3cscript&#62", "<script>"],
  ["HTML_ENTITY_DECODE", "&LT;&Gt;", "<>"],
  ["HTML_ENTITY_DECODE", "&#;&#x;&#xg;&foo;", "&#;&#x;&#xg;&foo;"],
  ["HTML_ENTITY_DECODE", "&amp;lt;", "&lt;"],
  ["HTML_ENTITY_DECODE", "&#xe9;", "\xc3\xa9"],
  // LOWERCASE: A-Z only.
  ["LOWERCASE", "ABCXYZ@[`{", "abcxyz@[`{"],
  // URL_DECODE: %HH (either case), + as space; invalid or partial escapes stay; one pass only.
  ["URL_DECODE", "%3c%3C%3cScRiPt%3e", "<<<ScRiPt>"],
  ["URL_DECODE", "%253c", "%3c"],
  ["URL_DECODE", "%", "%"],
  ["URL_DECODE", "%4", "%4"],
  ["URL_DECODE", "%g1%1g", "%g1%1g"],
  ["URL_DECODE", "%00a", "\0a"],
  ["URL_DECODE", "%u003c", "%u003c"],
  ["URL_DECODE", "%c0%af", "\xc0\xaf"],
  // URL_DECODE_UNI: also %uHHHH; full-width FF01-FF5E folds to ASCII, otherwise the low byte.
  ["URL_DECODE_UNI", "%u003c%U003C", "<<"],
  ["URL_DECODE_UNI", "%uFF1Cscript%uff1e", "<script>"],
  ["URL_DECODE_UNI", "%uff01%uff5e%uff00%uff5f", "!~\x00\x5f"],
  ["URL_DECODE_UNI", "%u013c", "<"],
  ["URL_DECODE_UNI", "%u00%u00zz%u", "%u00%u00zz%u"],
  ["URL_DECODE_UNI", "%3c+", "< "],
  // BASE64_DECODE / BASE64_DECODE_EXT (the latter ignores characters outside the alphabet).
  ["BASE64_DECODE", "PHNjcmlwdD4=", "<script>"],
  ["BASE64_DECODE", "PHNjcmlwdD4", "<script>"],
  ["BASE64_DECODE_EXT", "PHN\njcm lw.dD4=", "<script>"],
  // HEX_DECODE
  ["HEX_DECODE", "3C7363726970743E", "<script>"],
  // REPLACE_COMMENTS: each /* ... */ becomes one space (consecutive ones not merged); an
  // unterminated comment becomes a space; a lone */ is left alone.
  ["REPLACE_COMMENTS", "UNION/**/SELECT", "UNION SELECT"],
  ["REPLACE_COMMENTS", "a/*1*//*2*/b", "a  b"],
  ["REPLACE_COMMENTS", "a */ b", "a */ b"],
  ["REPLACE_COMMENTS", "a/* never closed", "a "],
  ["REPLACE_COMMENTS", "a/*/b", "a "],
  // ESCAPE_SEQ_DECODE: \a \b \f \n \r \t \v \\ \? \' \" \xHH, octal; invalid escapes stay.
  ["ESCAPE_SEQ_DECODE", "\\a\\b\\f\\n\\r\\t\\v\\\\\\?\\'\\\"", "\x07\b\f\n\r\t\v\\?'\""],
  ["ESCAPE_SEQ_DECODE", "\\x3c\\x3C\\074", "<<<"],
  ["ESCAPE_SEQ_DECODE", "\\x3\\xg0\\x\\8\\q\\", "\\x3\\xg0\\x\\8\\q\\"],
  // Octal as ModSecurity's escapeSeqDecode reads it (the documented "\0OOO"): one to three octal
  // digits after the backslash, the value taken modulo 256; a fourth digit, or an 8 or 9, is text.
  ["ESCAPE_SEQ_DECODE", "\\0|\\7|\\12|\\101|\\1", "\0|\x07|\n|A|\x01"],
  ["ESCAPE_SEQ_DECODE", "\\1011|\\0101|\\08|\\19", "A1|\b1|\x008|\x019"],
  ["ESCAPE_SEQ_DECODE", "\\400|\\777|\\377", "\0|\xff|\xff"],
  ["ESCAPE_SEQ_DECODE", "\\\\101|\\x41|\\X4a|\\x4", "\\101|A|J|\\x4"],
  // SQL_HEX_DECODE: 0x414243 -> ABC.
  ["SQL_HEX_DECODE", "SELECT 0x414243", "SELECT ABC"],
  ["SQL_HEX_DECODE", "0X61646d696e", "admin"],
  ["SQL_HEX_DECODE", "0x 0xz", "0x 0xz"],
  // CSS_DECODE: CSS 2.x escapes, up to two bytes used; backslash before a non-hex character dropped.
  ["CSS_DECODE", "ja\\vascript", "javascript"],
  ["CSS_DECODE", "\\3c \\3C\\00003c", "<<<"],
  ["CSS_DECODE", "\\0ff1c\\00ff1c", "<<"],
  ["CSS_DECODE", "a\\\nb", "ab"],
  // JS_DECODE: \uHHHH (full-width FF01-FF5E folded, else the low byte), \xHH, octal, \c -> c.
  ["JS_DECODE", "\\u003cscript\\u003E", "<script>"],
  ["JS_DECODE", "\\uFF1C\\uff1e", "<>"],
  ["JS_DECODE", "\\u013c", "<"],
  ["JS_DECODE", "\\x3c\\74\\e\\u00", "<<eu00"],
  // NORMALIZE_PATH: remove repeated slashes, self-references and back-references, except at the start.
  ["NORMALIZE_PATH", "/a//b///c", "/a/b/c"],
  ["NORMALIZE_PATH", "/a/./b/./", "/a/b/"],
  ["NORMALIZE_PATH", "/a/b/../c", "/a/c"],
  ["NORMALIZE_PATH", "/a/../../../etc/passwd", "/etc/passwd"],
  ["NORMALIZE_PATH", "../../etc/passwd", "../../etc/passwd"],
  ["NORMALIZE_PATH", "a/b/../../../etc", "../etc"],
  ["NORMALIZE_PATH", "/a/..../b", "/a/..../b"],
  // NORMALIZE_PATH_WIN: backslashes become slashes first.
  ["NORMALIZE_PATH_WIN", "c:\\\\windows\\.\\system32\\..\\win.ini", "c:/windows/win.ini"],
  ["NORMALIZE_PATH_WIN", "..\\..\\boot.ini", "../../boot.ini"],
  // REMOVE_NULLS / REPLACE_NULLS
  ["REMOVE_NULLS", "\0s\0c\0", "sc"],
  ["REPLACE_NULLS", "\0s\0\0", " s  "],
  // UTF8_TO_UNICODE: UTF-8 sequences become %uHHHH.
  ["UTF8_TO_UNICODE", "\xef\xbc\x9c", "%uff1c"],
  ["UTF8_TO_UNICODE", "a\xc3", "a\xc3"],
  ["UTF8_TO_UNICODE", "\xc3(", "\xc3("],
];

for (const [type, input, expected] of documented) {
  test(`documented ${type} ${JSON.stringify(input)}`, () => {
    assert.equal(TRANSFORMS[type](input), expected);
  });
}

test("HTML_ENTITY_DECODE takes every digit of a numeric reference (leading zeros do not split it)", () => {
  assert.equal(TRANSFORMS.HTML_ENTITY_DECODE("&#x000000003c;script&#x00000000003E"), "<script>");
  assert.equal(TRANSFORMS.HTML_ENTITY_DECODE("&#00000000060;&#0000000000062"), "<>");
  assert.equal(TRANSFORMS.HTML_ENTITY_DECODE("&#x110000;&#99999999999;"), "\xef\xbf\xbd\xef\xbf\xbd");
});

test("CSS_DECODE folds full-width ASCII written with four hex digits, as with five or six", () => {
  assert.equal(TRANSFORMS.CSS_DECODE("\\ff1cscript\\FF1E"), "<script>");
  assert.equal(TRANSFORMS.CSS_DECODE("\\ff01\\ff5e\\ff00\\ff5f\\fe1c"), "!~\x00\x5f\x1c");
  assert.equal(TRANSFORMS.CSS_DECODE("\\1ff1c"), "\x1c");
});

test("UTF8_TO_UNICODE converts two-byte overlong forms as it does three-byte ones", () => {
  assert.equal(TRANSFORMS.UTF8_TO_UNICODE("..\xc0\xaf..\xc1\x9c"), "..%u002f..%u005c");
  assert.equal(TRANSFORMS.UTF8_TO_UNICODE("..\xe0\x80\xaf"), "..%u002f");
  assert.equal(TRANSFORMS.UTF8_TO_UNICODE("\xc0/"), "\xc0/");
  const chain = orderTransformations([{ Priority: 0, Type: "URL_DECODE" }, { Priority: 1, Type: "UTF8_TO_UNICODE" }, { Priority: 2, Type: "URL_DECODE_UNI" }]);
  assert.equal(applyTransforms("..%c0%af..%c0%afetc%c0%afpasswd", chain), "../../etc/passwd");
});

test("JS_DECODE_EXT reads \\u{...} with any number of digits, as JavaScript does", () => {
  assert.equal(TRANSFORMS.JS_DECODE_EXT("\\u{3c}script\\u{00000000003E}"), "<script>");
  assert.equal(TRANSFORMS.JS_DECODE_EXT("\\u{e9}\\u{1F600}\\u{110000}"), "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd");
  assert.equal(TRANSFORMS.JS_DECODE_EXT("\\u{}\\u{3c\\u{zz}"), "u{}u{3cu{zz}");
});
