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

test("repeated keys are found at any depth and past 8 keys; sibling and nested objects never share keys", () => {
  const nest = (depth: number, inner: string): string => '{"n":'.repeat(depth) + inner + "}".repeat(depth);
  const many = (n: number, extra = ""): string => "{" + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",") + extra + "}";
  for (const depth of [1, 40, 200]) {
    assert.equal(parseJsonElements(nest(depth, '{"a":1,"b":2}')).complete, true, `depth ${depth}`);
    assert.equal(parseJsonElements(nest(depth, '{"a":1,"b":2,"a":3}')).complete, false, `depth ${depth}`);
    assert.equal(parseJsonElements(nest(depth, many(12))).complete, true, `depth ${depth}, 12 keys`);
    for (const k of [0, 7, 8, 11]) assert.equal(parseJsonElements(nest(depth, many(12, `,"k${k}":0`))).complete, false, `depth ${depth}, k${k} again`);
  }
  // A key of an enclosing object, or of an earlier sibling at the same depth, is no repeat.
  assert.equal(parseJsonElements('{"a":{"b":1,"c":{"a":1,"b":2}},"x":[{"b":1,"c":2},{"b":1,"c":2}],"b":{"a":1}}').complete, true);
  assert.equal(parseJsonElements(`[${many(12)},${many(12)},${many(3)}]`).complete, true);
  // Keys read inside a nested member are not the enclosing object's: {"a":{"z":1},"z":2} is valid,
  // and a repeat after nested members is still found.
  assert.equal(parseJsonElements('{"a":{"z":1},"z":2}').complete, true);
  assert.equal(parseJsonElements(`{"a":${many(12)},"b":${nest(3, many(9))},"a":0}`).complete, false);
  assert.equal(parseJsonElements(`{"a":${many(12)},"b":${nest(3, many(9))},"c":0}`).complete, true);
});

test("deep bodies whose objects repeat no key of their own parse complete, nested member first or last", () => {
  // The repeated-key check compares a key with its own object's members only (its cost is measured
  // in bench/README, "WAF accuracy"): keys shared with enclosing or nested objects are no repeat.
  const depth = 250;
  const first = '{"e":'.repeat(depth) + "1" + ',"a":1,"b":1,"c":1,"d":1}'.repeat(depth);
  const last = '{"a":1,"b":1,"c":1,"d":1,"e":'.repeat(depth) + "1" + "}".repeat(depth);
  assert.equal(parseJsonElements(first).complete, true);
  assert.equal(parseJsonElements(last).complete, true);
});

test("other syntax errors still stop the parse: invalid characters, a missing comma in an array, truncation", () => {
  assert.equal(parseJsonElements('{"a":"x\u0001"}').complete, false);
  assert.equal(parseJsonElements('["a" "b"]').complete, false);
  const cut = parseJsonElements('{"a":"x","b":"yy');
  assert.equal(cut.complete, false);
  assert.deepEqual(cut.elements.map((e) => e.text), ["a", "x", "b"]);
  assert.equal(parseJsonElements('{"a":1} trailing').complete, false);
});
