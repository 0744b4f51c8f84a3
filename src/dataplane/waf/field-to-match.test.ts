import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { FieldToMatch, Statement, WebACL, IPSet } from "@aws-sdk/client-wafv2";
import type { InspectedRequest } from "../types.js";
import { ManualClock } from "../../core/clock.js";
import { compileWebAcl, createStaticResolver, createLocalRateCounter } from "./index.js";

const ARN = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/acl1/abc";
const VIS = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "m" };

function req(p: Partial<Omit<InspectedRequest, "body">> & { uri?: string; body?: string } = {}): InspectedRequest {
  const uri = p.uri ?? "/";
  const q = uri.indexOf("?");
  const body = Buffer.from(p.body ?? "", "latin1");
  return {
    requestId: "r1", time: 0, method: body.length ? "POST" : "GET", path: q < 0 ? uri : uri.slice(0, q), query: q < 0 ? "" : uri.slice(q + 1),
    httpVersion: "1.1", headers: [["Host", "shop.example"], ["User-Agent", "Mozilla/5.0"]], bodyTruncated: false,
    bodyLength: body.length, clientIp: "198.51.100.20", scheme: "https", ...p, uri, body,
  };
}

/** Does a Block rule with this statement block the request? */
async function matches(st: Statement, r: InspectedRequest, resolver: { ipSets?: IPSet[] } = {}): Promise<boolean> {
  const acl: WebACL = {
    Name: "acl1", Id: "abc", ARN, DefaultAction: { Allow: {} }, VisibilityConfig: VIS,
    Rules: [{ Name: "R", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: st }],
  };
  const ev = compileWebAcl(acl, { resolver: createStaticResolver(resolver), rateCounter: createLocalRateCounter(), clock: new ManualClock(1_700_000_000_000), tokenKey: Buffer.alloc(32, 1) });
  return (await ev.evaluate(r)).action === "BLOCK";
}

const bytes = (search: string, field: FieldToMatch, constraint: "CONTAINS" | "EXACTLY" = "CONTAINS"): Statement => ({
  ByteMatchStatement: { SearchString: Buffer.from(search, "latin1"), FieldToMatch: field, PositionalConstraint: constraint, TextTransformations: [{ Priority: 0, Type: "NONE" }] },
});

describe("JsonBody parsing", () => {
  const json = (extra: Partial<NonNullable<FieldToMatch["JsonBody"]>> = {}): FieldToMatch => ({ JsonBody: { MatchPattern: { All: {} }, MatchScope: "VALUE", ...extra } });

  test("members after a missing comma or colon, or extra colons, are inspected", async () => {
    for (const body of ['{"a":"x""q":"evil"}', '{"a":"x","q""evil"}', '{"a"::"x","q""evil"}']) {
      assert.equal(await matches(bytes("evil", json()), req({ body })), true, body);
      // The parse succeeds, so the fallback behaviour does not apply.
      assert.equal(await matches(bytes("nothing", json({ InvalidFallbackBehavior: "MATCH" })), req({ body })), false, body);
    }
  });

  test("a scalar root, a repeated key and a truncated body apply InvalidFallbackBehavior", async () => {
    const truncated = JSON.stringify({ a: "x".repeat(5000), b: "y".repeat(5000) });
    for (const body of ['"hello"', "42", '{"a":1,"a":2}', truncated]) {
      assert.equal(await matches(bytes("zzz", json({ InvalidFallbackBehavior: "MATCH", OversizeHandling: "CONTINUE" })), req({ body })), true, body.slice(0, 20));
      assert.equal(await matches(bytes("1", json({ InvalidFallbackBehavior: "NO_MATCH", OversizeHandling: "CONTINUE" })), req({ body })), false, body.slice(0, 20));
    }
    // EVALUATE_AS_STRING inspects the (inspected part of the) body as text.
    const asString = json({ InvalidFallbackBehavior: "EVALUATE_AS_STRING", OversizeHandling: "CONTINUE" });
    assert.equal(await matches(bytes('"b":"yyy', asString), req({ body: truncated })), true);
    assert.equal(await matches(bytes('"a":1,"a"', asString), req({ body: '{"a":1,"a":2}' })), true);
  });

  test("an oversize body whose inspected part parses completely is inspected as JSON, not by InvalidFallbackBehavior", async () => {
    const padded = '{"q":"evil"}' + " ".repeat(9 * 1024);
    for (const invalid of ["MATCH", "NO_MATCH", "EVALUATE_AS_STRING"] as const) {
      const field = json({ InvalidFallbackBehavior: invalid, OversizeHandling: "CONTINUE" });
      assert.equal(await matches(bytes("evil", field, "EXACTLY"), req({ body: padded })), true, invalid);
      assert.equal(await matches(bytes("other", field), req({ body: padded })), false, invalid);
    }
    // Cut inside the JSON: the parse is incomplete, so the fallback applies.
    const cut = '{"q":"evil","pad":"' + "x".repeat(9 * 1024) + '"}';
    assert.equal(await matches(bytes("other", json({ InvalidFallbackBehavior: "MATCH", OversizeHandling: "CONTINUE" })), req({ body: cut })), true);
    assert.equal(await matches(bytes("evil", json({ InvalidFallbackBehavior: "NO_MATCH", OversizeHandling: "CONTINUE" })), req({ body: cut })), false);
    assert.equal(await matches(bytes('"pad":"xxx', json({ InvalidFallbackBehavior: "EVALUATE_AS_STRING", OversizeHandling: "CONTINUE" })), req({ body: cut })), true);
  });

  test("without InvalidFallbackBehavior, what was parsed up to the failure is inspected", async () => {
    assert.equal(await matches(bytes("1", json()), req({ body: '{"a":1,"a":2}' })), true);
    assert.equal(await matches(bytes("2", json()), req({ body: '{"a":1,"a":2}' })), false);
    assert.equal(await matches(bytes("hello", json()), req({ body: '"hello"' })), false);
    const truncated = JSON.stringify({ a: "x".repeat(5000), c: "evil", b: "y".repeat(5000) });
    assert.equal(await matches(bytes("evil", json({ OversizeHandling: "CONTINUE" })), req({ body: truncated })), true);
  });
});

describe("pre-parse text transformations", () => {
  const withPre = (field: FieldToMatch, search: string, ...types: string[]): Statement => {
    const st = bytes(search, field, "EXACTLY");
    st.ByteMatchStatement!.PreParseTextTransformations = types.map((Type, Priority) => ({ Priority, Type: Type as never }));
    return st;
  };
  const x: FieldToMatch = { SingleQueryArgument: { Name: "x" } };

  test("URL_DECODE decodes the raw query string before it is split: %26 and %3D become argument boundaries", async () => {
    const r = req({ uri: "/?a=1%26x%3Devil" });
    assert.equal(await matches(withPre(x, "evil", "URL_DECODE"), r), true);
    assert.equal(await matches(withPre({ AllQueryArguments: {} }, "evil", "URL_DECODE"), r), true);
    assert.equal(await matches(withPre({ SingleQueryArgument: { Name: "a" } }, "1", "URL_DECODE"), r), true);
    // Without it the query has one argument, a, whose raw value is 1%26x%3Devil.
    assert.equal(await matches(bytes("evil", x, "EXACTLY"), r), false);
    assert.equal(await matches(withPre(x, "evil", "NONE"), r), false);
    // URL_DECODE_UNI also decodes %uHHHH (full-width ＆ is &).
    assert.equal(await matches(withPre(x, "evil", "URL_DECODE_UNI"), req({ uri: "/?a=1%uFF06x=evil" })), true);
  });

  test("transformations apply in priority order", async () => {
    // URL_DECODE then REPLACE_SEMICOLONS: the decoded ; separates arguments too.
    const r = req({ uri: "/?a=1%3Bx=evil" });
    const st = withPre(x, "evil");
    st.ByteMatchStatement!.PreParseTextTransformations = [{ Priority: 5, Type: "REPLACE_SEMICOLONS_WITH_AMPERSANDS" }, { Priority: 1, Type: "URL_DECODE" }];
    assert.equal(await matches(st, r), true);
    st.ByteMatchStatement!.PreParseTextTransformations = [{ Priority: 1, Type: "REPLACE_SEMICOLONS_WITH_AMPERSANDS" }, { Priority: 5, Type: "URL_DECODE" }];
    assert.equal(await matches(st, r), false);
  });

  test("COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA: a=1&b=2&a=3 becomes a=1,3&b=2", async () => {
    const r = req({ uri: "/?a=1&b=2&a=3" });
    assert.equal(await matches(withPre({ SingleQueryArgument: { Name: "a" } }, "1,3", "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA"), r), true);
    assert.equal(await matches(withPre({ AllQueryArguments: {} }, "3", "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA"), r), false);
    assert.equal(await matches(withPre({ AllQueryArguments: {} }, "2", "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA"), r), true);
  });

  test("ignored on other request components (the API refuses them; ACLs stored before that still compile)", async () => {
    const r = req({ uri: "/a%2Fb?x=1" });
    assert.equal(await matches(withPre({ UriPath: {} }, "/a%2Fb", "URL_DECODE"), r), true);
    assert.equal(await matches(withPre({ UriPath: {} }, "/a/b", "URL_DECODE"), r), false);
    assert.equal(await matches(withPre({ QueryString: {} }, "x=1", "URL_DECODE", "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA"), r), true);
  });
});

describe("Headers and Cookies with OversizeHandling CONTINUE inspect only what is within the limits", () => {
  const headersField = (OversizeHandling: "CONTINUE" | "MATCH" | "NO_MATCH" = "CONTINUE"): FieldToMatch => ({ Headers: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling } });
  const cookiesField = (OversizeHandling: "CONTINUE" | "MATCH" | "NO_MATCH" = "CONTINUE"): FieldToMatch => ({ Cookies: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling } });
  const host: [string, string] = ["Host", "shop.example"]; // 18 bytes as "Host: shop.example\r\n"

  test("headers: the first 8 KiB, a header cut by the limit as far as it goes", async () => {
    // Host (18 + 2) + "X-Pad: " (7) + value: the value's first 8,192 - 27 bytes are within the limit.
    const pad = "a".repeat(8192 - 27 - 4) + "evil" + "tail";
    const headers: Array<[string, string]> = [host, ["X-Pad", pad], ["X-Late", "late"]];
    assert.equal(await matches(bytes("aevil", headersField()), req({ headers })), true);
    assert.equal(await matches(bytes("eviltail", headersField()), req({ headers })), false);
    assert.equal(await matches(bytes("late", headersField()), req({ headers })), false);
    assert.equal(await matches(bytes("X-Late", headersField()), req({ headers })), false);
    // MATCH / NO_MATCH still decide oversize requests without inspection.
    assert.equal(await matches(bytes("nothing", headersField("MATCH")), req({ headers })), true);
    assert.equal(await matches(bytes("aevil", headersField("NO_MATCH")), req({ headers })), false);
  });

  test("headers: at most the first 200", async () => {
    const headers: Array<[string, string]> = [host, ...Array.from({ length: 198 }, (_, i): [string, string] => [`X-H${i}`, "v"]), ["X-200", "two-hundredth"], ["X-201", "evil"]];
    assert.equal(await matches(bytes("two-hundredth", headersField()), req({ headers })), true);
    assert.equal(await matches(bytes("evil", headersField()), req({ headers })), false);
    assert.equal(await matches(bytes("X-201", headersField()), req({ headers })), false);
  });

  test("header order: the names of the headers within the first 8 KiB and the first 200", async () => {
    const order = (OversizeHandling: "CONTINUE" | "MATCH" | "NO_MATCH" = "CONTINUE"): FieldToMatch => ({ HeaderOrder: { OversizeHandling } });
    const exactly = (s: string, o = order()): Statement => bytes(s, o, "EXACTLY");
    // Host (20 bytes) + "X-Pad: " (7) + the value + "\r\n" use up the 8 KiB: X-Late is beyond them.
    const headers: Array<[string, string]> = [host, ["X-Pad", "a".repeat(8192 - 27 - 2)], ["X-Late", "late"]];
    assert.equal(await matches(exactly("Host:X-Pad"), req({ headers })), true);
    assert.equal(await matches(bytes("X-Late", order()), req({ headers })), false);
    assert.equal(await matches(exactly("nothing", order("MATCH")), req({ headers })), true);
    assert.equal(await matches(exactly("Host:X-Pad", order("NO_MATCH")), req({ headers })), false);
    // One byte less and X-Late starts within the limit: its name is cut by it ("X").
    const fits: Array<[string, string]> = [host, ["X-Pad", "a".repeat(8192 - 27 - 3)], ["X-Late", "late"]];
    assert.equal(await matches(exactly("Host:X-Pad:X"), req({ headers: fits })), true);
    const many: Array<[string, string]> = [host, ...Array.from({ length: 199 }, (_, i): [string, string] => [`X-H${i}`, "v"]), ["X-201", "v"]];
    assert.equal(await matches(bytes(":X-H198", order(), "CONTAINS"), req({ headers: many })), true);
    assert.equal(await matches(bytes("X-201", order()), req({ headers: many })), false);
    assert.equal(await matches(exactly("Host:User-Agent"), req()), true);
  });

  test("cookies: the first 8 KiB and at most the first 200", async () => {
    // The 8 KiB end after "ev": the cookie is cut there.
    const pad = "p".repeat(8192 - "pad=".length - 2);
    const cookie = `pad=${pad}evil; late=evil2`;
    const r = req({ headers: [host, ["Cookie", cookie]] });
    assert.equal(await matches(bytes("pevi", cookiesField()), r), false);
    assert.equal(await matches(bytes("pev", cookiesField()), r), true);
    assert.equal(await matches(bytes("evil2", cookiesField()), r), false);
    assert.equal(await matches(bytes("late", cookiesField()), r), false);
    const many = Array.from({ length: 199 }, (_, i) => `c${i}=v`).join("; ") + "; c199=two-hundredth; late=evil";
    const r2 = req({ headers: [host, ["Cookie", many]] });
    assert.equal(await matches(bytes("two-hundredth", cookiesField()), r2), true);
    assert.equal(await matches(bytes("evil", cookiesField()), r2), false);
    assert.equal(await matches(bytes("late", cookiesField()), r2), false);
    assert.equal(await matches(bytes("nothing", cookiesField("MATCH")), r2), true);
    // Under the limits every cookie is inspected.
    assert.equal(await matches(bytes("evil", cookiesField()), req({ headers: [host, ["Cookie", "a=1; late=evil"]] })), true);
  });
});

describe("JsonBody IncludedPaths", () => {
  // The developer guide's example: IncludedPaths /a/b on {"a":{"c":"d","b":{"e":{"f":"g"}}}}.
  const doc = '{"a":{"c":"d","b":{"e":{"f":"g"}}}}';
  const inc = (MatchScope: "ALL" | "KEY" | "VALUE", paths = ["/a/b"]): FieldToMatch => ({ JsonBody: { MatchPattern: { IncludedPaths: paths }, MatchScope } });

  test("the key that names the included path isn't evaluated; keys and values beneath it are", async () => {
    for (const scope of ["ALL", "KEY"] as const) {
      assert.equal(await matches(bytes("b", inc(scope), "EXACTLY"), req({ body: doc })), false, scope);
      assert.equal(await matches(bytes("e", inc(scope), "EXACTLY"), req({ body: doc })), true, scope);
      assert.equal(await matches(bytes("f", inc(scope), "EXACTLY"), req({ body: doc })), true, scope);
      assert.equal(await matches(bytes("c", inc(scope), "EXACTLY"), req({ body: doc })), false, scope);
      assert.equal(await matches(bytes("a", inc(scope), "EXACTLY"), req({ body: doc })), false, scope);
    }
    assert.equal(await matches(bytes("g", inc("VALUE"), "EXACTLY"), req({ body: doc })), true);
    assert.equal(await matches(bytes("d", inc("ALL"), "EXACTLY"), req({ body: doc })), false);
    // A value at the included path itself is inspected; its key is not.
    assert.equal(await matches(bytes("d", inc("VALUE", ["/a/c"]), "EXACTLY"), req({ body: doc })), true);
    assert.equal(await matches(bytes("c", inc("KEY", ["/a/c"]), "EXACTLY"), req({ body: doc })), false);
    // The root path includes every key.
    assert.equal(await matches(bytes("a", inc("KEY", ["/"]), "EXACTLY"), req({ body: doc })), true);
  });
});

describe("text transformations apply to each inspected value separately", () => {
  const exactly = (search: string, field: FieldToMatch, ...types: string[]): Statement => ({
    ByteMatchStatement: { SearchString: Buffer.from(search, "latin1"), FieldToMatch: field, PositionalConstraint: "EXACTLY", TextTransformations: types.map((Type, Priority) => ({ Priority, Type: Type as never })) },
  });

  test("query arguments: each value is decoded on its own (the & between arguments is not part of a value)", async () => {
    const r = req({ uri: "/?a=%3CX%3E&b=%26c%3D1" });
    assert.equal(await matches(exactly("<x>", { AllQueryArguments: {} }, "URL_DECODE", "LOWERCASE"), r), true);
    assert.equal(await matches(exactly("&c=1", { SingleQueryArgument: { Name: "B" } }, "URL_DECODE"), r), true);
    assert.equal(await matches(exactly("<x>", { SingleQueryArgument: { Name: "b" } }, "URL_DECODE", "LOWERCASE"), r), false);
    assert.equal(await matches(exactly("a=<x>&b=&c=1", { QueryString: {} }, "URL_DECODE", "LOWERCASE"), r), true);
  });

  test("headers: each header value is transformed, the names separately for KEY", async () => {
    const r = req({ headers: [["Host", "shop.example"], ["X-A", "%3Cx%3E"], ["X-B", "y"]] });
    const headers = (MatchScope: "KEY" | "VALUE"): FieldToMatch => ({ Headers: { MatchPattern: { All: {} }, MatchScope, OversizeHandling: "CONTINUE" } });
    assert.equal(await matches(exactly("<x>", headers("VALUE"), "URL_DECODE"), r), true);
    assert.equal(await matches(exactly("x-b", headers("KEY"), "LOWERCASE"), r), true);
    assert.equal(await matches(exactly("<x>", { SingleHeader: { Name: "x-a" } }, "URL_DECODE"), r), true);
  });

  test("JSON body: transformations run after parsing, on each value (VALUE) or key (KEY)", async () => {
    const r = req({ body: '{"K\\u0041":"%3Cx%3E","n":["A","B"]}', headers: [["Host", "shop.example"], ["Content-Type", "application/json"]] });
    const json = (MatchScope: "KEY" | "VALUE"): FieldToMatch => ({ JsonBody: { MatchPattern: { All: {} }, MatchScope } });
    assert.equal(await matches(exactly("<x>", json("VALUE"), "URL_DECODE"), r), true);
    assert.equal(await matches(exactly("b", json("VALUE"), "LOWERCASE"), r), true);
    assert.equal(await matches(exactly("ka", json("KEY"), "LOWERCASE"), r), true);
    assert.equal(await matches(exactly("<x>", json("KEY"), "URL_DECODE"), r), false);
  });
});
