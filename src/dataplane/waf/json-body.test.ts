import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJsonElements } from "./json-body.js";

const pairs = (body: string): string[] => parseJsonElements(body).elements.map((e) => `${e.kind}:${e.pointer}=${e.text}`);

test("a missing comma, a missing colon and extra colons still give two valid key:value pairs (AWS's examples)", () => {
  const two = ["key:/key1=key1", "value:/key1=value1", "key:/key2=key2", "value:/key2=value2"];
  for (const body of ['{"key1":"value1""key2":"value2"}', '{"key1":"value1","key2""value2"}', '{"key1"::"value1","key2""value2"}']) {
    const p = parseJsonElements(body);
    assert.deepEqual(pairs(body), two, body);
    assert.equal(p.complete, true, body);
  }
  // Members that are objects or arrays, and whitespace between the tokens.
  assert.deepEqual(pairs('{"a":{"b":1} "c" : : [2]}'), ["key:/a=a", "key:/a/b=b", "value:/a/b=1", "key:/c=c", "value:/c/0=2"]);
});

test("a root that is not an object or an array stops the parse before anything is read", () => {
  for (const body of ['"hello"', "42", "true", "null", '  "x"']) {
    assert.deepEqual(parseJsonElements(body), { elements: [], complete: false }, body);
  }
  assert.equal(parseJsonElements(" [1]").complete, true);
});

test("a key repeated within one object stops the parse at the repeated key; the same key in another object does not", () => {
  const p = parseJsonElements('{"a":1,"b":2,"a":3,"c":4}');
  assert.equal(p.complete, false);
  assert.deepEqual(p.elements.map((e) => e.text), ["a", "1", "b", "2"]);
  // Keys compare after unescaping.
  assert.equal(parseJsonElements('{"a":1,"\\u0061":2}').complete, false);
  assert.equal(parseJsonElements('{"a":{"a":1},"b":{"a":2}}').complete, true);
  assert.equal(parseJsonElements('[{"a":1},{"a":2}]').complete, true);
  // Large objects (with nested members between the keys) as well.
  const keys = Array.from({ length: 30 }, (_, i) => `"k${i}":{"k${i}":[1,{"x":2}]}`);
  assert.equal(parseJsonElements(`{${keys.join(",")}}`).complete, true);
  const repeated = parseJsonElements(`{${keys.join(",")},"k3":0,"z":1}`);
  assert.equal(repeated.complete, false);
  assert.equal(repeated.elements.at(-1)?.text, "2");
  assert.equal(parseJsonElements(`{${keys.slice(0, 9).join(",")},"k8":0}`).complete, false);
});

test("other syntax errors still stop the parse: invalid characters, a missing comma in an array, truncation", () => {
  assert.equal(parseJsonElements('{"a":"x\u0001"}').complete, false);
  assert.equal(parseJsonElements('["a" "b"]').complete, false);
  const cut = parseJsonElements('{"a":"x","b":"yy');
  assert.equal(cut.complete, false);
  assert.deepEqual(cut.elements.map((e) => e.text), ["a", "x", "b"]);
  assert.equal(parseJsonElements('{"a":1} trailing').complete, false);
});
