import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHttpCodeMatcher } from "./matcher.js";

test("single codes, lists and ranges", () => {
  const m = parseHttpCodeMatcher("200,202,300-302");
  assert.ok(m);
  assert.deepEqual([199, 200, 201, 202, 299, 300, 301, 302, 303].map((c) => m(c)), [false, true, false, true, false, true, true, true, false]);
});

test("malformed or out-of-range matchers are refused", () => {
  for (const bad of ["", "abc", "200-", "199", "500", "300-200", "200,,201", "2000"]) {
    assert.equal(parseHttpCodeMatcher(bad), undefined, bad);
  }
});
