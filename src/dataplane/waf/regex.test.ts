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

test("PCRE's end anchors: $ (outside multiline mode) and \\Z also match before a final newline; \\z only at the very end", () => {
  for (const compile of [compileAwsRegex, compileTrustedRegex]) {
    const name = compile === compileAwsRegex ? "re2" : "v8";
    assert.equal(compile("^admin$").test("admin\n"), true, name);
    assert.equal(compile("^admin$").test("admin"), true, name);
    assert.equal(compile("^admin$").test("admin\n\n"), false, name);
    assert.equal(compile("^admin$").test("admin\nx"), false, name);
    assert.equal(compile("admin\\Z").test("admin\n"), true, name);
    assert.equal(compile("admin\\Z").test("admin\nx"), false, name);
    assert.equal(compile("admin\\z").test("admin\n"), false, name);
    assert.equal(compile("\\Aadmin").test("x\nadmin"), false, name);
    assert.equal(compile("(?m)\\Aadmin").test("x\nadmin"), false, name);
    assert.equal(compile("(?m)^admin$").test("x\nadmin\ny"), true, name);
    // Escaped, in a class or quoted, $ is a literal.
    assert.equal(compile("a\\$").test("a$"), true, name);
    assert.equal(compile("a[$]").test("a$"), true, name);
    assert.equal(compile("\\Qa$b\\E").test("a$b"), true, name);
    assert.equal(compile("\\Qa$b\\E").test("a\n"), false, name);
  }
});

test("extended mode (?x): unescaped whitespace and # comments outside classes are left out", () => {
  for (const compile of [compileAwsRegex, compileTrustedRegex]) {
    const name = compile === compileAwsRegex ? "re2" : "v8";
    assert.equal(compile("(?x) a b c").test("abc"), true, name);
    assert.equal(compile("(?x) a b c").test("a b c"), false, name);
    assert.equal(compile("(?x)^ union \\s+ select  # SQL keywords\n \\s").test("union  select x"), true, name);
    assert.equal(compile("(?x)a[ ]b").test("a b"), true, name);
    assert.equal(compile("(?x)a\\ b").test("a b"), true, name);
    assert.equal(compile("(?x)a\\#b").test("a#b"), true, name);
    assert.equal(compile("(?ix) A B").test("ab"), true, name);
    // Outside extended mode, whitespace and # are literals.
    assert.equal(compile("a b#c").test("a b#c"), true, name);
  }
});
