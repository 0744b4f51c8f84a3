import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBody, bodyKind, parseMultipart } from "./body-parts.js";
import { NATIVE_PREFIX } from "./natives.js";
import { compileAwsRegex, compileTrustedRegex, InvalidRegexError } from "../regex.js";

test("body kind follows Content-Type, and sniffs when it is missing", () => {
  assert.equal(bodyKind("application/x-www-form-urlencoded; charset=utf-8", "a=1"), "form");
  assert.equal(bodyKind("application/vnd.api+json", "{}"), "json");
  assert.equal(bodyKind("application/soap+xml", "<a/>"), "xml");
  assert.equal(bodyKind("text/markdown", "# hi"), "text");
  assert.equal(bodyKind(undefined, "  {\"a\":1}"), "json");
  assert.equal(bodyKind(undefined, "a=1&b=2"), "form");
  assert.equal(bodyKind("application/json", ""), "none");
});

test("JSON: keys are names, strings are free-text values; a malformed body is also read whole", () => {
  const ok = parseBody("application/json", '{"title":"Hi","tags":["a","b"]}');
  assert.deepEqual(ok.fields.map((f) => [f.text, f.name, f.free]), [["title", true, false], ["Hi", false, true], ["tags", true, false], ["a", false, true], ["b", false, true]]);
  assert.equal(ok.wellFormed, true);
  const bad = parseBody("application/json", '{"a":"x",,"b":1}');
  assert.equal(bad.wellFormed, false);
  assert.equal(bad.fields.at(-1)?.text, '{"a":"x",,"b":1}');
  // A missing comma between members is read past, as AWS WAF's JSON parser does.
  const lax = parseBody("application/json", '{"a":"x" "b":1}');
  assert.equal(lax.wellFormed, true);
  assert.deepEqual(lax.fields.map((f) => f.text), ["a", "x", "b", "1"]);
});

test("XML: attribute values and text with entities decoded", () => {
  const b = parseBody("application/xml", '<?xml version="1.0"?><r a="x&amp;y"><t>1 &lt; 2</t><![CDATA[raw <b>]]></r>');
  assert.deepEqual(b.fields.map((f) => f.text), ["1.0", "x&y", "1 < 2", "raw <b>"]);
});

test("multipart: part names, file names and textual contents; LF-only line breaks accepted", () => {
  const body = "--XyZ\nContent-Disposition: form-data; name=\"note\"\n\nhello\n--XyZ\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\nContent-Type: image/png\n\n\x89PNG\n--XyZ--\n";
  const parts = parseMultipart("multipart/form-data; boundary=XyZ", body);
  assert.deepEqual(parts?.map((p) => [p.name, p.filename, p.contentType]), [["note", undefined, undefined], ["f", "a.png", "image/png"]]);
  const b = parseBody("multipart/form-data; boundary=XyZ", body);
  // the PNG content is binary and not inspected as text
  assert.deepEqual(b.fields.map((f) => f.text), ["note", "hello", "f", "a.png"]);
  assert.equal(parseMultipart("multipart/form-data", body), undefined);
});

test("native placeholders never match when compiled as plain regular expressions", () => {
  const re = compileTrustedRegex(NATIVE_PREFIX + "sqli@query");
  assert.equal(re.test("bulwark-native:sqli@query"), false);
  assert.equal(re.test(""), false);
  // A customer's pattern cannot spell one: lookaround is refused there.
  assert.throws(() => compileAwsRegex(NATIVE_PREFIX + "sqli@query"), InvalidRegexError);
});
