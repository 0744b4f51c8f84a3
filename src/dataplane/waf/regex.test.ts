import { test } from "node:test";
import assert from "node:assert/strict";
import { compileAwsRegex, compileTrustedRegex, InvalidRegexError } from "./regex.js";

test("customers' patterns match in linear time: catastrophic backtracking patterns answer at once", () => {
  const input = "a".repeat(50_000) + "!";
  for (const p of ["(a+)+$", "(a*)*b", "(a|a)+$", "(?i)(a|a)+$", "((a+)+)+c", "(x+x+)+y", "^(\\w+\\s?)+$"]) {
    const re = compileAwsRegex(p);
    const started = process.hrtime.bigint();
    assert.equal(re.test(input), false, p);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 1_000, `${p} took ${ms.toFixed(0)} ms`);
  }
  assert.equal(compileAwsRegex("(a+)+$").test("aaaa"), true);
});

test("what AWS WAF does not support is refused: backreferences, lookaround, atomic groups, possessive quantifiers, recursion", () => {
  for (const p of ["(a*)*\\1b", "(?<n>a)\\k<n>", "(?=a)a", "(?!a)b", "(?<=a)b", "(?>a+)b", "a++b", "(a(?R)?b)", "(abc", "[a-"]) {
    assert.throws(() => compileAwsRegex(p), InvalidRegexError, p);
  }
});

test("the PCRE spellings keep their meaning on the linear engine; bytes are latin1 characters", () => {
  assert.equal(compileAwsRegex("(?i)^SELECT\\s+\\w+\\s+from").test("select a FROM b"), true);
  assert.equal(compileAwsRegex("\\Aabc\\z").test("abc"), true);
  assert.equal(compileAwsRegex("\\Aabc\\z").test("xabc"), false);
  assert.equal(compileAwsRegex("^[[:alpha:]]+[[:digit:]]$").test("abc1"), true);
  assert.equal(compileAwsRegex("(?s)a.b").test("a\nb"), true);
  assert.equal(compileAwsRegex("a.b").test("a\nb"), false);
  assert.equal(compileAwsRegex("(?m)^b$").test("a\nb\nc"), true);
  // "é" in a pattern is its UTF-8 bytes, as a request's bytes are read.
  assert.equal(compileAwsRegex("caf\u00e9").test(Buffer.from("café", "utf8").toString("latin1")), true);
  assert.equal(compileAwsRegex("\\x41\\d{2}").test("A42"), true);
});

test("Bulwark's own managed patterns keep V8's engine", () => {
  const re = compileTrustedRegex("(?i)^GET\\s");
  assert.ok(re instanceof RegExp);
  assert.equal(re.flags, "i");
  assert.equal(re.test("get /"), true);
});
