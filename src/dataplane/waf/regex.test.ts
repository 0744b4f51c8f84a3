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

/** A request value as the engine sees it: its UTF-8 bytes, one latin1 character each. */
const bytes = (s: string): string => Buffer.from(s, "utf8").toString("latin1");
const matches = (pattern: string, value: string): boolean => compileAwsRegex(pattern).test(bytes(value));

test("Unicode properties (\\p, \\P, PCRE's own L& Xan Xsp Xps Xwd Xuc) match characters, the request read as UTF-8", () => {
  assert.equal(matches("^\\p{L}+$", "café"), true);
  assert.equal(matches("^\\p{L}+$", "日本語"), true);
  assert.equal(matches("^\\p{L}+$", "café1"), false);
  assert.equal(matches("^\\pL\\pN$", "é٣"), true);
  assert.equal(matches("\\p{Greek}", "abc λ"), true);
  assert.equal(matches("\\p{Greek}", "abc"), false);
  assert.equal(matches("\\p{Han}", "价格"), true);
  assert.equal(matches("^\\P{L}+$", "123 !"), true);
  assert.equal(matches("^\\P{L}+$", "12é"), false);
  assert.equal(matches("^\\p{^L}+$", "12é"), false);
  assert.equal(matches("^\\p{Sc}$", "€"), true);
  assert.equal(matches("^\\p{L&}+$", "aÉ"), true);
  assert.equal(matches("^\\p{L&}$", "ª"), false); // Lo, not cased
  assert.equal(matches("^\\p{Xan}+$", "é9"), true);
  assert.equal(matches("^\\p{Xwd}+$", "é_9"), true);
  assert.equal(matches("^\\p{Xsp}$", "\u00a0"), true);
  assert.equal(matches("^\\p{Xps}$", "\u000b"), true);
  assert.equal(matches("^\\p{Xuc}$", "@"), true);
  assert.equal(matches("^\\p{Xuc}$", "a"), false);
  assert.equal(matches("^[\\p{L}\\d_-]+$", "naïve_2-x"), true);
  assert.equal(matches("^[^\\p{Xan}]+$", "-- !"), true);
  assert.equal(matches("^[^\\p{Xan}]+$", "-é"), false);
  assert.equal(matches("^[x\\P{Xan}]+$", "x!é"), false);
  assert.equal(matches("^[x\\P{Xan}]+$", "x!?"), true);
  // In UTF-8 mode "." is one character, and a non-ASCII literal is that character.
  assert.equal(matches("^\\p{L}.$", "aé"), true);
  assert.equal(matches("^é\\p{L}$", "éa"), true);
  // A malformed byte sequence is one U+FFFD, which no letter class holds.
  assert.equal(compileAwsRegex("^\\p{L}+$").test("abc\xff"), false);
  assert.equal(compileAwsRegex("^\\p{L}+\\x{fffd}$").test("abc\xff"), true);
  assert.equal(matches("(?i)^\\p{Greek}+É$", "λé"), true);
});

test("(*UTF8), (*UTF) and (*UCP) at the start choose UTF-8 mode; (*UCP) gives \\d \\s \\w their Unicode meaning", () => {
  assert.equal(matches("^...$", "héé"), false); // bytes: é is two
  assert.equal(matches("(*UTF8)^...$", "héé"), true);
  assert.equal(matches("(*UTF)^.$", "😀"), true);
  assert.equal(matches("^\\w+$", "é"), false);
  assert.equal(matches("(*UCP)^\\w+$", "éa_٣"), true);
  assert.equal(matches("(*UCP)^\\d$", "٣"), true);
  assert.equal(matches("(*UCP)^\\s$", "\u3000"), true);
  assert.equal(matches("(*UCP)^\\W$", "é"), false);
  assert.equal(matches("(*UTF8)^\\x{1F600}$", "😀"), true);
  assert.equal(matches("^\\x{1F600}$", "😀"), true);
});

test("control and character escapes PCRE has: \\cX, \\e, \\a, \\o{…}, \\0nn, \\x, \\ddd octal; unknown letters are literals", () => {
  assert.equal(compileAwsRegex("^\\cA\\ca\\c[$").test("\x01\x01\x1b"), true);
  assert.equal(compileAwsRegex("^\\e\\a$").test("\x1b\x07"), true);
  assert.equal(compileAwsRegex("^\\o{101}\\0101\\101\\x41\\x{41}$").test("A\x08" + "1AAA"), true);
  assert.equal(compileAwsRegex("^\\x$").test("\x00"), true);
  assert.equal(compileAwsRegex("^\\xZ$").test("\x00Z"), true);
  assert.equal(compileAwsRegex("^\\y\\j$").test("yj"), true);
  assert.equal(compileAwsRegex("^a\\.b\\ c$").test("a.b c"), true);
  // In bytes mode \xe9 is the byte E9; "é" written in the pattern is its two UTF-8 bytes.
  assert.equal(compileAwsRegex("^\\xe9$").test("\xe9"), true);
  assert.equal(compileAwsRegex("^é$").test(bytes("é")), true);
  assert.equal(compileAwsRegex("^[\\x80-\\xff]+$").test(bytes("é")), true);
  assert.equal(compileAwsRegex("^[é]{2}$").test(bytes("é")), true);
  assert.equal(compileAwsRegex("^[\\cA-\\cC]$").test("\x02"), true);
});

test("PCRE's character types: \\h \\H \\v \\V \\N \\s (with VT) \\X, inside and outside classes", () => {
  const re = (p: string): ((v: string) => boolean) => (v) => compileAwsRegex(p).test(v);
  assert.equal(re("^\\h+$")(" \t\xa0"), true);
  assert.equal(re("^\\h$")("\n"), false);
  assert.equal(re("^\\H+$")("ab\n"), true);
  assert.equal(re("^\\H$")("\t"), false);
  assert.equal(re("^\\v+$")("\n\x0b\f\r\x85"), true);
  assert.equal(re("^\\v$")(" "), false);
  assert.equal(re("^\\V+$")("a b"), true);
  assert.equal(re("^\\V$")("\r"), false);
  assert.equal(re("^[\\h\\v]+$")(" \n"), true);
  assert.equal(re("^[^\\h]$")("\t"), false);
  assert.equal(re("^[\\H]+$")("ab"), true);
  assert.equal(re("^[\\H]$")(" "), false);
  assert.equal(re("^\\N+$")("abc"), true);
  assert.equal(re("(?s)^a\\Nb$")("a\nb"), false);
  assert.equal(re("(?s)^a.b$")("a\nb"), true);
  assert.equal(re("^\\s$")("\x0b"), true);
  assert.equal(re("^[\\s]$")("\x0b"), true);
  assert.equal(re("^[\\S]$")("\x0b"), false);
  assert.equal(re("(*UTF8)^\\h$")("\u3000"), true);
  assert.equal(matches("^\\X\\X$", "e\u0301a"), true);
  assert.equal(matches("^\\X$", "\r\n"), true);
});

test("groups PCRE allows: comments, named groups in each spelling, branch reset, option settings; \\Q…\\E and \\E alone", () => {
  assert.equal(compileAwsRegex("^a(?#a comment)b$").test("ab"), true);
  assert.equal(compileAwsRegex("^(?<x>a)(?'y'b)(?P<z>c)$").test("abc"), true);
  assert.equal(compileAwsRegex("(?J)^(?<n>a)|(?<n>b)$").test("b"), true);
  assert.equal(compileAwsRegex("^(?|(a)|(b))c$").test("bc"), true);
  assert.equal(compileAwsRegex("^foo(?i)bar(?-i)baz$").test("fooBARbaz"), true);
  assert.equal(compileAwsRegex("^foo(?i)bar(?-i)baz$").test("fooBARBAZ"), false);
  assert.equal(compileAwsRegex("^a(?i:b)c$").test("aBc"), true);
  assert.equal(compileAwsRegex("^a(?i:b)c$").test("aBC"), false);
  assert.equal(compileAwsRegex("^(a(?i)b)c$").test("aBc"), true);
  assert.equal(compileAwsRegex("^(a(?i)b)c$").test("aBC"), false);
  assert.equal(compileAwsRegex("a(?x: b c )d").test("abcd"), true);
  assert.equal(compileAwsRegex("a(?x: b c )d").test("ab cd"), false);
  assert.equal(compileAwsRegex("^a(?m)$").test("a\nb"), true);
  assert.equal(compileAwsRegex("^a$").test("a\nb"), false);
  assert.equal(compileAwsRegex("^a\\Eb$").test("ab"), true);
  assert.equal(compileAwsRegex("^[\\Q]\\E-]+$").test("]-]"), true);
  assert.equal(compileAwsRegex("^[a-\\d]+$").test("a-1"), true);
  assert.equal(compileAwsRegex("^[a-\\d]$").test("b"), false);
  assert.equal(compileAwsRegex("^[\\b]$").test("\b"), true);
  assert.equal(compileAwsRegex("^[]a]+$").test("]a"), true);
  assert.equal(compileAwsRegex("^[[:^alpha:][:digit:]]+$").test("1-2"), true);
  assert.equal(compileAwsRegex("^[[:^alpha:][:digit:]]+$").test("1a"), false);
  assert.equal(compileAwsRegex("^a{,2}$").test("a{,2}"), true);
  assert.equal(compileAwsRegex("^\\p{L}{2}?$").test(bytes("éa")), true);
});

test("each construct the WAF guide lists as unsupported is refused, as are lookaround, \\G and unknown names", () => {
  const refused = [
    // backreferences
    "(a)\\1", "(?<n>a)\\k<n>", "(?<n>a)\\k{n}", "(?P<n>a)(?P=n)", "(a)\\g1", "(a)\\g{-1}",
    // subroutine references and recursion
    "(?R)", "(a)(?1)", "(a)(?+1)", "(a)(?-1)", "(?<n>a)(?&n)", "(?P<n>a)(?P>n)", "(a)\\g<1>",
    // conditional patterns
    "(a)?(?(1)b|c)", "(?(?=a)a|b)",
    // backtracking control verbs (and other (*…) settings)
    "a(*FAIL)", "(*F)", "a(*ACCEPT)", "a(*COMMIT)b", "a(*SKIP)b", "a(*PRUNE)b", "a(*THEN)b", "(*MARK:m)a", "(*CRLF)a",
    // \C \R \K
    "a\\Cb", "a\\Rb", "a\\Kb",
    // callouts and embedded code
    "(?C)a", "(?C1)a", "(?{ 1 })a", "(??{ 1 })a",
    // atomic groups and possessive quantifiers
    "(?>a+)b", "a*+b", "a++b", "a?+b", "a{1,3}+b", "(?x) a* + b",
    // zero-width assertions beyond ^ $ \A \Z \z \b \B
    "(?=a)a", "(?!a)b", "(?<=a)b", "(?<!a)b", "\\Ga",
    // not PCRE at all
    "\\p{Letter}", "\\p{Nope}", "[[:nope:]]", "\\cé", "\\c", "\\o{8}", "\\Lx", "\\N{U+0041}", "\\777", "[z-a]", "(ab", "ab)", "[ab",
  ];
  for (const p of refused) assert.throws(() => compileAwsRegex(p), InvalidRegexError, p);
});

test("caseless matching folds what PCRE folds: ASCII letters only over bytes; never \\p{…}, \\W or sets in a class", () => {
  // Bytes mode: PCRE's caseless tables are ASCII; the byte E9 (é in latin1) is not C9.
  assert.equal(compileAwsRegex("(?i)^\\xe9$").test("\xc9"), false);
  assert.equal(compileAwsRegex("(?i)^[\\xe0-\\xfe]$").test("\xc9"), false);
  assert.equal(compileAwsRegex("(?i)^\\xc3\\xa9$").test("\xe3\xa9"), false);
  assert.equal(compileAwsRegex("(?i)^abc\\x44$").test("ABCd"), true);
  assert.equal(compileAwsRegex("(?i)^[a-c]+[^x]$").test("AbCy"), true);
  assert.equal(compileAwsRegex("(?i)^[a-c]+[^x]$").test("AbCX"), false);
  assert.equal(compileAwsRegex("(?i)^\\Qab\\E$").test("AB"), true);
  assert.equal(compileAwsRegex("^a(?i:b)c$").test("aBc"), true);
  assert.equal(compileAwsRegex("^a(?i:b)c$").test("aBC"), false);
  // UTF-8 mode: Unicode case folding for characters...
  assert.equal(matches("(*UTF)(?i)^\\xe9$", "É"), true);
  assert.equal(matches("(*UTF)(?i)^k$", "\u212a"), true);
  assert.equal(matches("(*UTF)(?i)^[a-z]$", "\u212a"), true);
  assert.equal(matches("(*UTF)(?i)^[^k]$", "\u212a"), false);
  // ...but caseless matching does not change \p{…} (PCRE: "\p{Lu} always matches only upper case
  // letters"), and \W is "not an ASCII word character", which the Kelvin sign is.
  assert.equal(matches("(?i)^\\p{Lu}$", "a"), false);
  assert.equal(matches("(?i)^[\\p{Lu}]$", "a"), false);
  assert.equal(matches("(?i)^[\\p{Lu}x]$", "X"), true);
  assert.equal(matches("(?i)^[^\\p{Lu}x]$", "a"), true);
  assert.equal(matches("(?i)^[^\\p{Lu}x]$", "X"), false);
  assert.equal(matches("(?i)^[^\\p{Lu}k]$", "\u212a"), false);
  assert.equal(matches("(*UTF)(?i)^\\W$", "\u212a"), true);
  // Caseless, [:upper:] and [:lower:] are [:alpha:].
  assert.equal(compileAwsRegex("(?i)^[[:upper:]]+$").test("aB"), true);
});

test("PCRE's grammar: \\N{n} is \\N repeated; POSIX class syntax outside a class and collating elements are errors; quantifiers need an item", () => {
  assert.equal(compileAwsRegex("^\\N{2}$").test("ab"), true);
  assert.equal(compileAwsRegex("^\\N{2,}$").test("a\nb"), false);
  assert.equal(compileAwsRegex("^a\\N{0,1}b$").test("ab"), true);
  assert.throws(() => compileAwsRegex("\\N{name}"), InvalidRegexError);
  assert.throws(() => compileAwsRegex("\\N{,2}"), InvalidRegexError);
  for (const p of ["[:alpha:]", "x[.a.]", "[[.a.]]", "[[=a=]]", "[[:al pha:]]", "[[:alpha:][.-.]]"]) assert.throws(() => compileAwsRegex(p), InvalidRegexError, p);
  // Not POSIX syntax (no closing ":]" before "]"): "[" is a member.
  assert.equal(compileAwsRegex("^[[:a]+$").test("[:a"), true);
  for (const p of ["^*", "$+", "\\b*", "\\A?", "\\Z{2}", "a|*", "(*a)", "(?:*a)", "(?i)*", "a(?i)*", "a**", "a{2}*", "a??*", "\\Q\\E*", "(?#c)*"]) {
    assert.throws(() => compileAwsRegex(p), InvalidRegexError, p);
  }
  // Comments, \E and an empty \Q\E are not items: the quantifier applies to what came before.
  assert.equal(compileAwsRegex("^a(?#c)*$").test("aaa"), true);
  assert.equal(compileAwsRegex("^a\\E*$").test("aaa"), true);
  assert.equal(compileAwsRegex("^a\\Q\\E+$").test("aaa"), true);
  assert.throws(() => compileAwsRegex("a*\\Q\\E+"), /possessive/);
  // A group name used twice needs (?J) before it.
  assert.throws(() => compileAwsRegex("(?<n>a)|(?<n>b)"), InvalidRegexError);
  assert.equal(compileAwsRegex("(?J)^(?<n>a)|(?P<n>b)$").test("b"), true);
});
