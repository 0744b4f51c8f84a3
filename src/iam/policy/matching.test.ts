import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { arnMatches, compileArnPattern, SplitArn } from "./arn-pattern.js";
import { toEpochMs } from "./condition-values.js";
import { evaluate, parsePolicy } from "./index.js";
import { ACCT, alice } from "./test-support.js";
import { compileTokens, matchTokens, ONE, STAR, tokenizeWildcards } from "./glob.js";
import { inRange, parseCidr, parseIp } from "./ip.js";
import { compileTemplate, templateMatches } from "./template.js";

const none = (): undefined => undefined;

describe("glob", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*", "", true],
    ["*", "anything", true],
    ["", "", true],
    ["", "a", false],
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["a*", "a", true],
    ["a*", "ba", false],
    ["*c", "abc", true],
    ["*b*", "abc", true],
    ["*b*", "ac", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbYcZ", false],
    ["a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    ["*?", "", false],
    ["*?", "x", true],
    ["**a", "ba", true],
  ];
  for (const [pattern, input, expected] of cases) {
    test(`${JSON.stringify(pattern)} vs ${JSON.stringify(input)}`, () => {
      assert.equal(compileTokens(tokenizeWildcards(pattern))(input), expected);
      assert.equal(matchTokens(tokenizeWildcards(pattern), input), expected);
    });
  }
  test("tokens keep literal runs whole", () => {
    assert.deepEqual(tokenizeWildcards("ab*c?d"), ["ab", STAR, "c", ONE, "d"]);
  });
  test("pathological pattern stays fast", () => {
    const pattern = tokenizeWildcards(`${"a*".repeat(50)}b`);
    const input = "a".repeat(5000);
    const t0 = process.hrtime.bigint();
    assert.equal(matchTokens(pattern, input), false);
    assert.ok(Number(process.hrtime.bigint() - t0) < 1e9);
  });
});

describe("templates", () => {
  const resolve = (key: string): string | undefined => ({ "aws:username": "alice", "x:star": "a*" })[key];
  test("variable substituted literally", () => {
    const t = compileTemplate("home/${x:star}/*", { wildcards: true, variables: true, lowerCase: false });
    assert.equal(templateMatches(t, "home/a*/doc", resolve), true);
    assert.equal(templateMatches(t, "home/ab/doc", resolve), false);
  });
  test("unresolvable variable matches nothing, default fills in", () => {
    const t = compileTemplate("${aws:PrincipalTag/x}", { wildcards: false, variables: true, lowerCase: false });
    assert.equal(templateMatches(t, "", none), false);
    const d = compileTemplate("${aws:PrincipalTag/x, 'dflt'}", { wildcards: false, variables: true, lowerCase: false });
    assert.equal(templateMatches(d, "dflt", none), true);
  });
  test("variables are text when disabled", () => {
    const t = compileTemplate("${aws:username}", { wildcards: false, variables: false, lowerCase: false });
    assert.equal(templateMatches(t, "${aws:username}", resolve), true);
    assert.equal(templateMatches(t, "alice", resolve), false);
  });
  test("unterminated or malformed variables are literal text", () => {
    const t = compileTemplate("${aws:username", { wildcards: false, variables: true, lowerCase: false });
    assert.equal(templateMatches(t, "${aws:username", resolve), true);
    const m = compileTemplate("${a, b}", { wildcards: false, variables: true, lowerCase: false });
    assert.equal(templateMatches(m, "${a, b}", resolve), true);
  });
  test("variable key lookup is case-insensitive via keyLower", () => {
    const t = compileTemplate("${AWS:UserName}", { wildcards: false, variables: true, lowerCase: false });
    const byLower = (_k: string, kl: string): string | undefined => (kl === "aws:username" ? "alice" : undefined);
    assert.equal(templateMatches(t, "alice", byLower), true);
  });
});

describe("ARN patterns", () => {
  const m = (pattern: string, arn: string): boolean => arnMatches(compileArnPattern(pattern, true), new SplitArn(arn), none);
  test("segments", () => {
    assert.equal(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"), true);
    assert.equal(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/a"), false);
    assert.equal(m("arn:aws:*:*:*:*", "arn:aws:sqs:us-east-1:1:q"), true);
    assert.equal(m("arn:*:sqs:*:*:q", "arn:aws:sqs:us-east-1:1:q"), true);
    assert.equal(m("arn:aws:sqs:*:q", "arn:aws:sqs:us-east-1:1:q"), false);
    assert.equal(m("arn:aws:sqs*", "arn:aws:sqs:us-east-1:1:q"), true);
    assert.equal(m("arn:aws:iam::*", "arn:aws:iam::1:user/x"), true);
    assert.equal(m("arn:aws:sqs:us-east-1:1:q", "arn:aws:sqs:us-east-1:1"), false);
    assert.equal(m("*", "not-an-arn"), true);
  });
  test("Resource element: variables only after the fifth colon, literal text before it", () => {
    const resolve = (k: string): string | undefined => ({ "aws:PrincipalAccount": "123", "aws:username": "alice", "x:c": "a:b" })[k];
    const r = (pattern: string, arn: string): boolean => arnMatches(compileArnPattern(pattern, true, true), new SplitArn(arn), resolve);
    assert.equal(r("arn:aws:iam::123:user/${aws:username}", "arn:aws:iam::123:user/alice"), true);
    assert.equal(r("arn:aws:iam::${aws:PrincipalAccount}:user/x", "arn:aws:iam::123:user/x"), false);
    assert.equal(r("arn:aws:iam::${aws:PrincipalAccount}:user/x", "arn:aws:iam::${aws:PrincipalAccount}:user/x"), true);
    // A variable's value may hold colons; after the fifth colon it stays one resource segment.
    assert.equal(r("arn:aws:s3:::b/${x:c}", "arn:aws:s3:::b/a:b"), true);
    // Before the fifth colon the colon inside ${…} is an ARN separator like any other.
    const p = compileArnPattern("arn:aws:iam::${aws:PrincipalAccount}:user/x", true, true);
    assert.equal(p.segments.length, 6);
    assert.equal(p.segments[5]?.source, "PrincipalAccount}:user/x");
    // Without variables (2008-10-17) nothing changes.
    assert.equal(arnMatches(compileArnPattern("arn:aws:iam::123:user/${aws:username}", false, true), new SplitArn("arn:aws:iam::123:user/alice"), resolve), false);
  });
  test("a colon inside a variable does not split the pattern", () => {
    const p = compileArnPattern("arn:aws:iam::${aws:PrincipalAccount}:user/x", true);
    assert.equal(p.segments.length, 6);
    const resolve = (k: string): string | undefined => (k === "aws:PrincipalAccount" ? "123" : undefined);
    assert.equal(arnMatches(p, new SplitArn("arn:aws:iam::123:user/x"), resolve), true);
  });
});

describe("IP parsing", () => {
  test("valid addresses", () => {
    assert.deepEqual(parseIp("10.0.0.1"), { v6: false, words: [0x0a000001] });
    assert.deepEqual(parseIp("255.255.255.255"), { v6: false, words: [0xffffffff] });
    assert.deepEqual(parseIp("::"), { v6: true, words: [0, 0, 0, 0] });
    assert.deepEqual(parseIp("::1"), { v6: true, words: [0, 0, 0, 1] });
    assert.deepEqual(parseIp("2001:db8::ff00:42:8329"), { v6: true, words: [0x20010db8, 0, 0xff00, 0x00428329] });
    assert.deepEqual(parseIp("::ffff:192.0.2.128"), { v6: true, words: [0, 0, 0xffff, 0xc0000280] });
    assert.deepEqual(parseIp("1:2:3:4:5:6:7:8"), { v6: true, words: [0x10002, 0x30004, 0x50006, 0x70008] });
  });
  test("invalid addresses", () => {
    for (const s of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "::1::", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7::8:9", "fe80::1%eth0", "1.2.3.4/8"]) {
      assert.equal(parseIp(s), undefined, s);
    }
  });
  test("ranges", () => {
    const r = (c: string): NonNullable<ReturnType<typeof parseCidr>> => {
      const x = parseCidr(c);
      assert.ok(x, c);
      return x;
    };
    const a = (s: string): NonNullable<ReturnType<typeof parseIp>> => {
      const x = parseIp(s);
      assert.ok(x, s);
      return x;
    };
    assert.equal(inRange(r("10.0.0.0/8"), a("10.255.1.2")), true);
    assert.equal(inRange(r("10.0.0.0/8"), a("11.0.0.0")), false);
    assert.equal(inRange(r("10.0.0.5/24"), a("10.0.0.200")), true);
    assert.equal(inRange(r("0.0.0.0/0"), a("192.0.2.1")), true);
    assert.equal(inRange(r("0.0.0.0/0"), a("::1")), false);
    assert.equal(inRange(r("203.0.113.7"), a("203.0.113.7")), true);
    assert.equal(inRange(r("203.0.113.7"), a("203.0.113.8")), false);
    assert.equal(inRange(r("2001:db8::/32"), a("2001:db8:ffff::1")), true);
    assert.equal(inRange(r("2001:db8::/33"), a("2001:db8:8000::1")), false);
    assert.equal(inRange(r("::/0"), a("2001:db8::1")), true);
    assert.equal(inRange(r("2001:db8::1/128"), a("2001:db8::1")), true);
    assert.equal(parseCidr("10.0.0.0/33"), undefined);
    assert.equal(parseCidr("10.0.0.0/x"), undefined);
  });
});

describe("dates", () => {
  test("formats", () => {
    assert.equal(toEpochMs("2024-06-01T12:00:00Z"), Date.UTC(2024, 5, 1, 12));
    assert.equal(toEpochMs("2024-06-01T12:00:00"), Date.UTC(2024, 5, 1, 12));
    assert.equal(toEpochMs("2024-06-01"), Date.UTC(2024, 5, 1));
    assert.equal(toEpochMs("2024-06-01T14:30:00+02:30"), Date.UTC(2024, 5, 1, 12));
    assert.equal(toEpochMs("2024-06-01T12:00:00.250Z"), Date.UTC(2024, 5, 1, 12) + 250);
    assert.equal(toEpochMs("1717243200"), Date.UTC(2024, 5, 1, 12));
    assert.equal(toEpochMs(1717243200), Date.UTC(2024, 5, 1, 12));
    assert.ok(Number.isNaN(toEpochMs("June 1")));
    assert.ok(Number.isNaN(toEpochMs("2024-13-01")));
    assert.ok(Number.isNaN(toEpochMs(true)));
  });

  test("the loose forms IAM's parser takes are read, not only accepted: a Deny naming one still applies", () => {
    assert.equal(toEpochMs("2016-12-13t2:00:00Z"), Date.UTC(2016, 11, 13, 2));
    assert.equal(toEpochMs("2016-12-13t2:00:00.593194+23"), Date.UTC(2016, 11, 13, 2, 0, 0, 593) - 23 * 3_600_000);
    assert.equal(toEpochMs("2016-12-13T2:00:00+05:30"), Date.UTC(2016, 11, 12, 20, 30));
    const year1 = new Date(0);
    year1.setUTCFullYear(1, 0, 1);
    assert.equal(toEpochMs("01T"), year1.getTime());
    assert.equal(toEpochMs("-292275054"), Number.NEGATIVE_INFINITY);
    assert.equal(toEpochMs("292278993-01-01"), Number.POSITIVE_INFINITY);
    for (const bad of ["T", "234-13", "2016-12-13t2:00:00.1999999999+10:59", "2016-12-13t2:00:00.593194+1", "9223372036854775808"]) {
      assert.ok(Number.isNaN(toEpochMs(bad)), bad);
    }
    const deny = parsePolicy(
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }, { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { DateGreaterThan: { "aws:CurrentTime": "2016-12-13t2:00:00Z" } } }] }),
      "identity",
    );
    const at = (time: string) =>
      evaluate({ principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", resourceAccount: ACCT, identityPolicies: [deny], context: { "aws:CurrentTime": time } }).decision;
    assert.equal(at("2026-11-30T00:00:00Z"), "ExplicitDeny");
    assert.equal(at("2016-01-01T00:00:00Z"), "Allow");
  });
});
