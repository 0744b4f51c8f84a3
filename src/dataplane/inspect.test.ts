import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { Statement, WebACL } from "@aws-sdk/client-wafv2";
import { inspectRequest, splitRequestTarget } from "./inspect.js";
import { ManualClock } from "../core/clock.js";
import { compileWebAcl, createStaticResolver, createLocalRateCounter } from "./waf/index.js";

test("the URI path ends at ? or #, the query string at #, and an absolute-form target has the path after its authority", () => {
  const cases: Array<[string, string, string]> = [
    ["/a/b?x=1&y=2", "/a/b", "x=1&y=2"],
    ["/shell.php#x", "/shell.php", ""],
    ["/a?q=1#frag?z", "/a", "q=1"],
    ["/a#f?q=1", "/a", ""],
    ["http://shop.example/admin?x=1", "/admin", "x=1"],
    ["HTTPS://shop.example:8443/admin/../x#f", "/admin/../x", ""],
    ["http://shop.example", "/", ""],
    ["http://shop.example?x=1", "/", "x=1"],
    // Origin-form paths that merely look like URLs stay as they are.
    ["//shop.example/admin", "//shop.example/admin", ""],
    ["/http://x/y?z", "/http://x/y", "z"],
    ["*", "*", ""],
  ];
  for (const [uri, path, query] of cases) assert.deepEqual(splitRequestTarget(uri), { path, query }, uri);
});

test("UriPath rules see the path of absolute-form targets and of targets carrying a fragment", async () => {
  const VIS = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "m" };
  const byte = (s: string, PositionalConstraint: "STARTS_WITH" | "ENDS_WITH" | "EXACTLY"): Statement => ({
    ByteMatchStatement: { SearchString: Buffer.from(s), FieldToMatch: { UriPath: {} }, PositionalConstraint, TextTransformations: [{ Priority: 0, Type: "NONE" }] },
  });
  const acl: WebACL = {
    Name: "acl1", Id: "abc", ARN: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/acl1/abc", DefaultAction: { Allow: {} }, VisibilityConfig: VIS,
    Rules: [
      { Name: "admin", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: byte("/admin", "STARTS_WITH") },
      { Name: "php", Priority: 1, Action: { Block: {} }, VisibilityConfig: VIS, Statement: byte(".php", "ENDS_WITH") },
      { Name: "login", Priority: 2, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { ByteMatchStatement: { SearchString: Buffer.from("debug=1"), FieldToMatch: { QueryString: {} }, PositionalConstraint: "EXACTLY", TextTransformations: [{ Priority: 0, Type: "NONE" }] } } },
    ],
  };
  const ev = compileWebAcl(acl, { resolver: createStaticResolver({}), rateCounter: createLocalRateCounter(), clock: new ManualClock(1_700_000_000_000), tokenKey: Buffer.alloc(32, 1) });
  const verdict = async (url: string): Promise<string> => {
    const req = { url, method: "GET", httpVersion: "1.1", rawHeaders: ["Host", "shop.example"], socket: { remoteAddress: "198.51.100.20" } } as unknown as IncomingMessage;
    const d = await ev.evaluate(inspectRequest(req, { requestId: "r1", time: 0, scheme: "http", fingerprint: undefined, body: undefined, hasBody: false }));
    return d.action === "BLOCK" ? d.terminatingRuleId : "ALLOW";
  };
  assert.equal(await verdict("http://shop.example/admin/users"), "admin");
  assert.equal(await verdict("/shell.php#x"), "php");
  assert.equal(await verdict("/shell.php?a=1#x"), "php");
  assert.equal(await verdict("/x?debug=1#frag"), "login");
  assert.equal(await verdict("/index.html?debug=2"), "ALLOW");
});
