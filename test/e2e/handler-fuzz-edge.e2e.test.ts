/**
 * Handler-depth fuzz of the edge services, WAFv2, Shield and ELBv2, with the cases and judging of
 * handler-fuzz.ts: a load balancer in front of a local upstream with an HTTP and an HTTPS listener,
 * a web ACL using every statement type (byte match, regex, regex pattern set, size, geo, IP set,
 * rate-based, managed and own rule groups, label match, And/Or/Not nesting) associated with it,
 * a Shield subscription, protections and protection groups. Each operation's valid base request is
 * checked to succeed, then one member at a time gets a well-typed hostile value: stale and foreign
 * lock tokens, other accounts', Regions' and partitions' ARNs, resources in use, capacities,
 * priorities and names past their limits, catastrophic regular expressions, malformed CIDRs, ports
 * and protocols out of range, unknown certificates, bad targets. Every answer must come within
 * 5 s; afterwards the lists page to the end and the listeners still serve and enforce the web ACL.
 * BULWARK_FUZZ_SEED picks another reproducible run.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { IAMClient, UploadServerCertificateCommand } from "@aws-sdk/client-iam";
import {
  ElasticLoadBalancingV2Client,
  CreateListenerCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeListenersCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  WAFV2Client,
  AssociateWebACLCommand,
  CreateIPSetCommand,
  CreateRegexPatternSetCommand,
  CreateRuleGroupCommand,
  CreateWebACLCommand,
  GetIPSetCommand,
  GetWebACLCommand,
  ListIPSetsCommand,
  ListRegexPatternSetsCommand,
  ListRuleGroupsCommand,
  ListWebACLsCommand,
  type Rule,
  type Statement,
} from "@aws-sdk/client-wafv2";
import { ShieldClient, CreateSubscriptionCommand, CreateProtectionCommand, CreateProtectionGroupCommand, ListProtectionsCommand, ListProtectionGroupsCommand } from "@aws-sdk/client-shield";
import { rng } from "../../src/core/testing/rng.js";
import type { ServiceDefinition } from "../../src/services/types.js";
import { issueCertificate, newKeyPair } from "../../src/services/iam/testing/certificates.js";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";
import { FuzzWire, type Random } from "./input-fuzz.js";
import { OperationCases, codes, foreignArns, HOSTILE_TEXT, ofLength, runCases, sampleOf, type Expect, type Outcome, caseLists } from "./handler-fuzz.js";

const SEED = Number(process.env["BULWARK_FUZZ_SEED"] ?? 20_261_129);
/** The longest any answer may take. */
const MAX_MS = 5_000;
const HTTP_PORT = 4750;
const HTTPS_PORT = 4751;
/** Ports the CreateListener cases may take (a base request succeeds once on the first). */
const SPARE_PORTS = [4752, 4753] as const;

const logLines: string[] = [];
let s: TestServer;
let wire: FuzzWire;
let upstream: http.Server;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString("utf8"));
      cb();
    },
  });
  s = await startTestServer({ plainHttp: true, logger: pino({ level: "warn" }, sink), env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  wire = new FuzzWire(s, 2, 30_000);
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`upstream ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
});

after(async () => {
  wire?.destroy();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await s?.destroy();
});

const service = (name: string): ServiceDefinition => s.app.registry.all().find((d) => d.name === name)!;
const vis = (MetricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });
const text = (t: string): string => Buffer.from(t).toString("base64");

function get(port: number, path: string, tls = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).request({ host: "127.0.0.1", port, path, agent: false, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// The world

interface Entity {
  Name: string;
  Id: string;
  ARN: string;
  LockToken: string;
}

interface World {
  account: string;
  lbArn: string;
  lb2Arn: string;
  tgArn: string;
  httpListener: string;
  httpsListener: string;
  certArn: string;
  ipSet: Entity;
  ipSet6: Entity;
  regexSet: Entity;
  ruleGroup: Entity;
  acl: Entity;
  /** Entities only referenced, to be deleted by the "in use" cases. */
  spareIpSet: Entity;
  protectionId: string;
  protection2Id: string;
}

const summary = (x: { Summary?: { Name?: string; Id?: string; ARN?: string; LockToken?: string } }): Entity => ({ Name: x.Summary!.Name!, Id: x.Summary!.Id!, ARN: x.Summary!.ARN!, LockToken: x.Summary!.LockToken! });

/** Statements as the raw cases send them: blobs as base64 text (the SDK calls convert with sdkRules). */
const byteMatch = (value: string, PositionalConstraint: "STARTS_WITH" | "CONTAINS" | "EXACTLY" = "STARTS_WITH"): Statement => ({
  ByteMatchStatement: { SearchString: text(value) as unknown as Uint8Array, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }], PositionalConstraint },
});

/** Rules with one statement of every kind (the first blocks /blocked). */
function aclRules(w: Pick<World, "ipSet" | "ipSet6" | "regexSet" | "ruleGroup">): Rule[] {
  const none = [{ Priority: 0, Type: "NONE" as const }];
  const rule = (Name: string, Priority: number, Statement: Statement, action: "Block" | "Count" = "Count"): Rule => ({ Name, Priority, Statement, Action: { [action]: {} } as Rule["Action"], VisibilityConfig: vis(Name) });
  return [
    rule("block-path", 0, byteMatch("/blocked"), "Block"),
    rule("regex", 1, { RegexMatchStatement: { RegexString: "^/re[g]ex/\\d+$", FieldToMatch: { UriPath: {} }, TextTransformations: none } }),
    rule("regex-set", 2, { RegexPatternSetReferenceStatement: { ARN: w.regexSet.ARN, FieldToMatch: { QueryString: {} }, TextTransformations: none } }),
    rule("size", 3, { SizeConstraintStatement: { FieldToMatch: { Body: { OversizeHandling: "MATCH" } }, ComparisonOperator: "GT", Size: 8192, TextTransformations: none } }),
    rule("geo", 4, { GeoMatchStatement: { CountryCodes: ["KP", "IR"] } }),
    { ...rule("ip", 5, { IPSetReferenceStatement: { ARN: w.ipSet.ARN } }), RuleLabels: [{ Name: "fuzz:listed" }] },
    rule("ip6", 6, { IPSetReferenceStatement: { ARN: w.ipSet6.ARN } }),
    rule("label", 7, { LabelMatchStatement: { Scope: "LABEL", Key: "fuzz:listed" } }),
    rule("nested", 8, { AndStatement: { Statements: [{ OrStatement: { Statements: [byteMatch("/a"), byteMatch("/b")] } }, { NotStatement: { Statement: { GeoMatchStatement: { CountryCodes: ["DE"] } } } }] } }),
    rule("rate", 9, { RateBasedStatement: { Limit: 100_000, AggregateKeyType: "IP", EvaluationWindowSec: 300, ScopeDownStatement: byteMatch("/limited") } }, "Block"),
    { Name: "managed", Priority: 10, OverrideAction: { Count: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } }, VisibilityConfig: vis("managed") },
    rule("catastrophic", 12, { RegexMatchStatement: { RegexString: "(a+)+$", FieldToMatch: { UriPath: {} }, TextTransformations: none } }),
    rule("catastrophic-i", 13, { RegexMatchStatement: { RegexString: "(?i)(a|a)+$", FieldToMatch: { UriPath: {} }, TextTransformations: none } }),
    { Name: "own-group", Priority: 11, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: w.ruleGroup.ARN } }, VisibilityConfig: vis("own-group") },
  ];
}

/** Rules with their base64 search strings turned into bytes, for the SDK. */
const sdkRules = (rules: Rule[]): Rule[] =>
  JSON.parse(JSON.stringify(rules), (k, v: unknown) => (k === "SearchString" && typeof v === "string" ? new Uint8Array(Buffer.from(v, "base64")) : v)) as Rule[];

async function world(): Promise<World> {
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  const waf = new WAFV2Client(s.clientConfig());
  const iam = new IAMClient(s.clientConfig());
  const shield = new ShieldClient(s.clientConfig());
  const account = s.accountId;
  const front = await loadBalancerInFront(elb, "fz-front", (upstream.address() as AddressInfo).port);
  // The helper's listener took a free port; the fuzz's own listeners take the task's.
  const httpListener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: front.lbArn, Protocol: "HTTP", Port: HTTP_PORT, DefaultActions: [{ Type: "forward", TargetGroupArn: front.tgArn }] }))).Listeners![0]!.ListenerArn!;
  const cert = await issueCertificate({ subject: "CN=fuzz.example.test", key: await newKeyPair("p256") });
  const certArn = (await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: "fz-cert", CertificateBody: cert.pem, PrivateKey: cert.key.privateKeyPem }))).ServerCertificateMetadata!.Arn!;
  const httpsListener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: front.lbArn, Protocol: "HTTPS", Port: HTTPS_PORT, Certificates: [{ CertificateArn: certArn }], DefaultActions: [{ Type: "forward", TargetGroupArn: front.tgArn }] }))).Listeners![0]!.ListenerArn!;
  const lb2Arn = (await elb.send(new (await import("@aws-sdk/client-elastic-load-balancing-v2")).CreateLoadBalancerCommand({ Name: "fz-other", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;

  const ipSet = summary(await waf.send(new CreateIPSetCommand({ Name: "fz-ips", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24", "198.51.100.7/32"] })));
  const ipSet6 = summary(await waf.send(new CreateIPSetCommand({ Name: "fz-ips6", Scope: "REGIONAL", IPAddressVersion: "IPV6", Addresses: ["2001:db8::/32", "::1/128"] })));
  const spareIpSet = summary(await waf.send(new CreateIPSetCommand({ Name: "fz-spare", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] })));
  const regexSet = summary(await waf.send(new CreateRegexPatternSetCommand({ Name: "fz-regex", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^id=[0-9]+$" }, { RegexString: "(?i)select.+from" }, { RegexString: "(x+x+)+y" }] })));
  const ruleGroup = summary(
    await waf.send(
      new CreateRuleGroupCommand({
        Name: "fz-group",
        Scope: "REGIONAL",
        Capacity: 100,
        VisibilityConfig: vis("fz-group"),
        Rules: [{ Name: "spare-ips", Priority: 0, Action: { Count: {} }, Statement: { IPSetReferenceStatement: { ARN: spareIpSet.ARN } }, VisibilityConfig: vis("spare-ips") }],
      }),
    ),
  );
  const acl = summary(await waf.send(new CreateWebACLCommand({ Name: "fz-acl", Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: vis("fz-acl"), Rules: sdkRules(aclRules({ ipSet, ipSet6, regexSet, ruleGroup })) })));
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: front.lbArn }));

  await shield.send(new CreateSubscriptionCommand({}));
  const protectionId = (await shield.send(new CreateProtectionCommand({ Name: "fz-front", ResourceArn: front.lbArn }))).ProtectionId!;
  const protection2Id = (await shield.send(new CreateProtectionCommand({ Name: "fz-other", ResourceArn: lb2Arn }))).ProtectionId!;
  await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "fz-all", Aggregation: "MAX", Pattern: "ALL" }));
  await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "fz-some", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [front.lbArn] }));
  return { account, lbArn: front.lbArn, lb2Arn, tgArn: front.tgArn, httpListener, httpsListener, certArn, ipSet, ipSet6, regexSet, ruleGroup, acl, spareIpSet, protectionId, protection2Id };
}

/** The lock token a WAF entity has now (cases that change an entity need the current one). */
async function lockOf(kind: "ipset" | "webacl", e: Entity): Promise<string> {
  const waf = new WAFV2Client(s.clientConfig());
  const got = kind === "ipset" ? await waf.send(new GetIPSetCommand({ Name: e.Name, Id: e.Id, Scope: "REGIONAL" })) : await waf.send(new GetWebACLCommand({ Name: e.Name, Id: e.Id, Scope: "REGIONAL" }));
  return got.LockToken!;
}

// ---------------------------------------------------------------------------------------------
// WAFv2

const NONEXISTENT = codes("WAFNonexistentItemException");
const ASSOCIATED = codes("WAFAssociatedItemException");
const INVALID = codes("WAFInvalidParameterException");
const LIMITS = codes("WAFLimitsExceededException");
const DUPLICATE = codes("WAFDuplicateItemException");
/** Model constraints (lengths, patterns, ranges) or the service's own parameter checks. */
const BAD_VALUE = codes("WAFInvalidParameterException", "ValidationException");

/**
 * Regular expressions that take exponential time in a backtracking engine. Customers' patterns
 * run in linear time (dataplane/waf/regex.ts), so these are accepted; the web ACL uses two of
 * them and the final check sends the input that would make a backtracking engine hang.
 */
const CATASTROPHIC: Array<[string, string]> = [
  ["nested plus", "(a+)+$"],
  ["nested star", "(a*)*b"],
  ["overlapping alternation, case-insensitive", "(?i)(a|a)+$"],
  ["nested groups", "((a+)+)+c"],
];
/** AWS WAF refuses backreferences (and RE2 cannot run them). */
const BACKREFERENCE = "(a*)*\\1b";

/** Lock tokens that are not the entity's current one ("LOCK:x" is entity x's current token when the case is sent). */
const WRONG_LOCKS = (foreign: string): Array<[string, string, Expect]> => [
  ["stale (all zero)", "00000000-0000-0000-0000-000000000000", codes("WAFOptimisticLockException")],
  ["another entity's current token", foreign, codes("WAFOptimisticLockException")],
  ["the entity's first token (stale)", "FIRST:" + foreign, codes("WAFOptimisticLockException")],
  ["upper-case", "ABCDEF00-0000-0000-0000-000000000000", BAD_VALUE],
  ["unicode", "🔒-token", BAD_VALUE],
];

function wafCases(w: World, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const rules = aclRules(w);
  const R = "REGIONAL";

  // --- reading entities: ids and names of other entities, foreign ARNs
  const gi = op("GetIPSet", { Name: w.ipSet.Name, Id: w.ipSet.Id, Scope: R });
  gi.set("Id", "another IP set's id", w.ipSet6.Id, NONEXISTENT)
    .set("Id", "a web ACL's id", w.acl.Id, NONEXISTENT)
    .set("Name", "another IP set's name", w.ipSet6.Name, NONEXISTENT)
    .set("Scope", "CLOUDFRONT", "CLOUDFRONT", NONEXISTENT)
    .set("Id", "36 characters, not an id", ofLength(36, "f"), BAD_VALUE)
    .set("Name", "129 characters", ofLength(129), BAD_VALUE);
  for (const [label, arn] of foreignArns(w.acl.ARN, w.account)) {
    op("GetWebACL", { ARN: w.acl.ARN }).set("ARN", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException"));
    op("ListResourcesForWebACL", { WebACLArn: w.acl.ARN, ResourceType: "APPLICATION_LOAD_BALANCER" }).set("WebACLArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException"));
  }
  for (const [label, arn] of foreignArns(w.lbArn, w.account)) {
    op("GetWebACLForResource", { ResourceArn: w.lbArn }).set("ResourceArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException"));
    op("AssociateWebACL", { WebACLArn: w.acl.ARN, ResourceArn: w.lbArn }).set("ResourceArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException"));
  }
  op("AssociateWebACL", { WebACLArn: w.acl.ARN, ResourceArn: w.lbArn })
    .set("ResourceArn", "a target group", w.tgArn, codes("WAFInvalidParameterException", "WAFNonexistentItemException"))
    .set("ResourceArn", "a listener", w.httpListener, codes("WAFInvalidParameterException", "WAFNonexistentItemException"))
    .set("WebACLArn", "an IP set", w.ipSet.ARN, codes("WAFInvalidParameterException", "WAFNonexistentItemException"))
    .set("WebACLArn", "a rule group", w.ruleGroup.ARN, codes("WAFInvalidParameterException", "WAFNonexistentItemException"));

  // --- IP sets: CIDRs
  const addresses: Array<[string, string[], Expect]> = [
    ["host bits set", ["192.0.2.1/24"], "any"],
    ["prefix 33", ["192.0.2.0/33"], INVALID],
    ["no prefix", ["192.0.2.1"], INVALID],
    ["octet 256", ["256.0.0.0/8"], INVALID],
    ["leading zeros", ["010.0.0.0/8"], INVALID],
    ["five octets", ["1.2.3.4.5/32"], INVALID],
    ["negative prefix", ["10.0.0.0/-1"], INVALID],
    ["IPv6 in an IPv4 set", ["2001:db8::/32"], INVALID],
    ["empty string", [""], BAD_VALUE],
    ["spaces", [" 10.0.0.0/8"], INVALID],
    ["unicode digits", ["١٠.0.0.0/8"], INVALID],
    // "All IPv4 and IPv6 CIDR ranges except /0" (IPSet reference).
    ["/0", ["0.0.0.0/0"], INVALID],
    ["/32 twice", ["198.51.100.7/32", "198.51.100.7/32"], "any"],
  ];
  const uip = () => op("UpdateIPSet", { Name: w.ipSet.Name, Id: w.ipSet.Id, Scope: R, Addresses: ["192.0.2.0/24", "198.51.100.7/32"], LockToken: "LOCK:ipSet" }, "ok");
  const cip = op("CreateIPSet", { Name: "fz-ip-new", Scope: R, IPAddressVersion: "IPV4", Addresses: ["203.0.113.0/24"] });
  for (const [label, a, e] of addresses) cip.set("Addresses", label, a, e === "ok" || e === "any" ? codes("WAFDuplicateItemException") : e);
  const cip6 = op("CreateIPSet", { Name: "fz-ip6-new", Scope: R, IPAddressVersion: "IPV6", Addresses: ["2001:db8:1::/48"] });
  for (const [label, a, e] of [
    ["IPv4 in an IPv6 set", ["10.0.0.0/8"], INVALID],
    ["prefix 129", ["2001:db8::/129"], INVALID],
    ["two double colons", ["2001::db8::1/128"], INVALID],
    ["nine groups", ["1:2:3:4:5:6:7:8:9/128"], INVALID],
    ["zone id", ["fe80::1%eth0/128"], INVALID],
    ["group of five hex digits", ["2001:db8:12345::/48"], INVALID],
    ["IPv4-mapped", ["::ffff:192.0.2.1/128"], DUPLICATE],
  ] as Array<[string, string[], Expect]>) cip6.set("Addresses", label, a, e);
  cip.set("Name", "existing", w.ipSet.Name, DUPLICATE).set("Name", "129 characters", ofLength(129), BAD_VALUE).set("Name", "unicode", "🔑", BAD_VALUE);
  cip.set("Addresses", "10,001 addresses", Array.from({ length: 10_001 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`), BAD_VALUE);
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 4)) cip.set("Description", label, t, BAD_VALUE);
  const u1 = uip();
  for (const [label, a, e] of addresses) u1.set("Addresses", label, a, e === "ok" || e === "any" ? "any" : e);
  for (const [label, tok, e] of WRONG_LOCKS("LOCK:acl")) u1.set("LockToken", label, tok.replace("FIRST:LOCK:acl", w.ipSet.LockToken), e);
  u1.set("Id", "IPv6 set's id with the IPv4 set's name", w.ipSet6.Id, NONEXISTENT);

  // --- regex pattern sets and regex statements: invalid and catastrophic patterns
  const crs = op("CreateRegexPatternSet", { Name: "fz-regex-new", Scope: R, RegularExpressionList: [{ RegexString: "^ok$" }] });
  for (const [label, p] of [["unbalanced parenthesis", "(abc"], ["unbalanced bracket", "[a-"], ["bad escape at end", "abc\\"], ["nothing to repeat", "*a"], ["atomic group", "(?>a+)b"], ["possessive", "a++b"], ["recursion", "(a(?R)?b)"]] as const) {
    crs.set("RegularExpressionList", label, [{ RegexString: p }], INVALID);
  }
  for (const [label, p] of CATASTROPHIC) crs.set("RegularExpressionList", `catastrophic: ${label}`, [{ RegexString: p }], DUPLICATE);
  crs.set("RegularExpressionList", "backreference", [{ RegexString: BACKREFERENCE }], INVALID).set("RegularExpressionList", "lookahead", [{ RegexString: "(?=a)a" }], INVALID);
  crs.set("RegularExpressionList", "513 characters", [{ RegexString: ofLength(513) }], BAD_VALUE);
  crs.set("RegularExpressionList", "11 expressions", Array.from({ length: 11 }, (_, i) => ({ RegexString: `^x${i}$` })), LIMITS);
  crs.set("Name", "existing", w.regexSet.Name, DUPLICATE);

  // --- web ACLs: rules past the limits
  const acl = (Rules: unknown, extra: Record<string, unknown> = {}) => ({ Name: "fz-acl-new", Scope: R, DefaultAction: { Allow: {} }, VisibilityConfig: vis("fz-acl-new"), Rules, ...extra });
  const cw = op("CreateWebACL", acl(rules));
  const first = rules[0]!;
  const withRule = (patch: Record<string, unknown>) => [...rules, { ...first, Name: "extra", Priority: 99, VisibilityConfig: vis("extra"), ...patch }];
  const stmt = (st: Statement) => withRule({ Statement: st });
  const bm = first.Statement!.ByteMatchStatement!;
  const hugeRules = Array.from({ length: 60 }, (_, i) => ({
    Name: `big${i}`,
    Priority: i,
    Action: { Count: {} },
    VisibilityConfig: vis(`big${i}`),
    Statement: { RegexMatchStatement: { RegexString: `^/x${i}`, FieldToMatch: { Body: {} }, TextTransformations: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => ({ Priority: p, Type: "URL_DECODE" })) } },
  }));
  cw.set("Name", "existing", w.acl.Name, DUPLICATE)
    .set("Rules", "duplicate rule name", withRule({ Name: first.Name }), DUPLICATE)
    .set("Rules", "duplicate priority", withRule({ Priority: first.Priority }), DUPLICATE)
    .set("Rules", "priority -1", withRule({ Priority: -1 }), BAD_VALUE)
    .set("Rules", "rule name of 129 characters", withRule({ Name: ofLength(129) }), BAD_VALUE)
    .set("Rules", "unicode rule name", withRule({ Name: "règle" }), BAD_VALUE)
    .set("Rules", "no action", withRule({ Action: undefined }), INVALID)
    .set("Rules", "two actions", withRule({ Action: { Block: {}, Allow: {} } }), INVALID)
    .set("Rules", "override action on a plain rule", withRule({ OverrideAction: { None: {} } }), INVALID)
    .set("Rules", "metric name with spaces", withRule({ VisibilityConfig: vis("has space") }), BAD_VALUE)
    .set("Rules", "metric name of 256 characters", withRule({ VisibilityConfig: vis(ofLength(256)) }), BAD_VALUE)
    .set("Rules", "reserved metric name", withRule({ VisibilityConfig: vis("All") }), INVALID)
    .set("Rules", "empty statement", stmt({}), INVALID)
    .set("Rules", "two statements in one", stmt({ ...first.Statement!, GeoMatchStatement: { CountryCodes: ["DE"] } }), INVALID)
    .set("Rules", "11 text transformations", stmt({ ByteMatchStatement: { ...bm, TextTransformations: Array.from({ length: 11 }, (_, p) => ({ Priority: p, Type: "NONE" as const })) } }), INVALID)
    .set("Rules", "10 text transformations", stmt({ ByteMatchStatement: { ...bm, TextTransformations: Array.from({ length: 10 }, (_, p) => ({ Priority: p, Type: "NONE" as const })) } }), DUPLICATE)
    .set("Rules", "text transformation priorities repeated", stmt({ ByteMatchStatement: { ...bm, TextTransformations: [{ Priority: 0, Type: "NONE" }, { Priority: 0, Type: "LOWERCASE" }] } }), INVALID)
    .set("Rules", "empty search string", stmt({ ByteMatchStatement: { ...bm, SearchString: "" as unknown as Uint8Array } }), BAD_VALUE)
    .set("Rules", "search string of 201 bytes", stmt({ ByteMatchStatement: { ...bm, SearchString: text(ofLength(201)) as unknown as Uint8Array } }), BAD_VALUE)
    .set("Rules", "search string of 200 bytes", stmt({ ByteMatchStatement: { ...bm, SearchString: text(ofLength(200)) as unknown as Uint8Array } }), DUPLICATE)
    .set("Rules", "size -1", stmt({ SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: -1, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), BAD_VALUE)
    .set("Rules", "size 21474836481", stmt({ SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: 21_474_836_481, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), BAD_VALUE)
    .set("Rules", "size 21474836480", stmt({ SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "LE", Size: 21_474_836_480, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), DUPLICATE)
    .set("Rules", "country code XX", stmt({ GeoMatchStatement: { CountryCodes: ["XX" as "DE"] } }), BAD_VALUE)
    .set("Rules", "no country codes", stmt({ GeoMatchStatement: { CountryCodes: [] } }), BAD_VALUE)
    .set("Rules", "IP set of another account", stmt({ IPSetReferenceStatement: { ARN: foreignArns(w.ipSet.ARN, w.account)[0]![1] } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "IP set of another Region", stmt({ IPSetReferenceStatement: { ARN: foreignArns(w.ipSet.ARN, w.account)[1]![1] } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "IP set of another partition", stmt({ IPSetReferenceStatement: { ARN: foreignArns(w.ipSet.ARN, w.account)[2]![1] } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "regex set ARN in an IP set statement", stmt({ IPSetReferenceStatement: { ARN: w.regexSet.ARN } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "rate limit 9", stmt({ RateBasedStatement: { Limit: 9, AggregateKeyType: "IP" } }), BAD_VALUE)
    .set("Rules", "rate limit 2,000,000,001", stmt({ RateBasedStatement: { Limit: 2_000_000_001, AggregateKeyType: "IP" } }), BAD_VALUE)
    .set("Rules", "rate window 61 s", stmt({ RateBasedStatement: { Limit: 100, AggregateKeyType: "IP", EvaluationWindowSec: 61 } }), BAD_VALUE)
    .set("Rules", "rate-based statement nested", stmt({ NotStatement: { Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: "IP" } } } }), INVALID)
    .set("Rules", "And with one statement", stmt({ AndStatement: { Statements: [byteMatch("/x")] } }), BAD_VALUE)
    .set("Rules", "unknown managed rule group", withRule({ Action: undefined, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesNoSuchRuleSet" } } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "managed group nested", stmt({ NotStatement: { Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } } } }), INVALID)
    .set("Rules", "label key with spaces", stmt({ LabelMatchStatement: { Scope: "LABEL", Key: "a b" } }), BAD_VALUE)
    .set("Rules", "invalid regex", stmt({ RegexMatchStatement: { RegexString: "(unclosed", FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), INVALID)
    .set("Rules", "past 5,000 WCU", hugeRules, INVALID)
    .set("DefaultAction", "both allow and block", { Allow: {}, Block: {} }, INVALID)
    .set("DefaultAction", "none", {}, INVALID)
    .set("VisibilityConfig", "metric name empty", vis(""), BAD_VALUE)
    .set("VisibilityConfig", "metric name unicode", vis("métrique"), BAD_VALUE)
    .set("CustomResponseBodies", "key with spaces", { "a b": { ContentType: "TEXT_PLAIN", Content: "x" } }, BAD_VALUE);
  for (const [label, p] of CATASTROPHIC) {
    cw.set("Rules", `catastrophic regex: ${label}`, stmt({ RegexMatchStatement: { RegexString: p, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), DUPLICATE);
  }
  cw.set("Rules", "backreference", stmt({ RegexMatchStatement: { RegexString: BACKREFERENCE, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), INVALID);
  const cap = op("CheckCapacity", { Scope: R, Rules: rules });
  cap.set("Rules", "past 5,000 WCU", hugeRules, "ok")
    .set("Rules", "duplicate rule name", withRule({ Name: first.Name }), DUPLICATE)
    .set("Rules", "unknown IP set", stmt({ IPSetReferenceStatement: { ARN: w.ipSet.ARN.replace(w.ipSet.Id, "00000000-0000-0000-0000-000000000000") } }), codes("WAFNonexistentItemException", "WAFInvalidParameterException"))
    .set("Rules", "catastrophic regex", stmt({ RegexMatchStatement: { RegexString: "(a+)+$", FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), "ok")
    .set("Rules", "backreference", stmt({ RegexMatchStatement: { RegexString: BACKREFERENCE, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }), INVALID);
  op("CreateRuleGroup", { Name: "fz-group-new", Scope: R, Capacity: 10, VisibilityConfig: vis("fz-group-new"), Rules: [] })
    .set("Capacity", "5,001", 5001, LIMITS)
    .set("Capacity", "0", 0, BAD_VALUE)
    .set("Rules", "more than the capacity", [{ Name: "big", Priority: 0, Action: { Count: {} }, VisibilityConfig: vis("big"), Statement: hugeRules[0]!.Statement }], INVALID)
    .set("Rules", "a rule group reference inside", [{ Name: "ref", Priority: 0, OverrideAction: { None: {} }, VisibilityConfig: vis("ref"), Statement: { RuleGroupReferenceStatement: { ARN: w.ruleGroup.ARN } } }], INVALID)
    .set("Name", "existing", w.ruleGroup.Name, DUPLICATE);
  const uw = op("UpdateWebACL", { Name: w.acl.Name, Id: w.acl.Id, Scope: R, DefaultAction: { Allow: {} }, VisibilityConfig: vis("fz-acl"), Rules: rules, LockToken: "LOCK:acl" });
  for (const [label, tok, e] of WRONG_LOCKS("LOCK:ipSet")) uw.set("LockToken", label, tok.replace("FIRST:LOCK:ipSet", w.acl.LockToken), e);
  uw.set("Rules", "duplicate priority", withRule({ Priority: 0 }), DUPLICATE).set("Rules", "past 5,000 WCU", hugeRules, INVALID).set("Id", "another entity's id", w.ipSet.Id, NONEXISTENT);

  // --- resources in use (the entity stays: each must be refused)
  op("DeleteIPSet", { Name: w.spareIpSet.Name, Id: w.spareIpSet.Id, Scope: R, LockToken: "LOCK:spare" }, ASSOCIATED).set("LockToken", "stale", "00000000-0000-0000-0000-000000000000", codes("WAFOptimisticLockException", "WAFAssociatedItemException"));
  op("DeleteIPSet", { Name: w.ipSet.Name, Id: w.ipSet.Id, Scope: R, LockToken: "LOCK:ipSet" }, ASSOCIATED);
  op("DeleteRegexPatternSet", { Name: w.regexSet.Name, Id: w.regexSet.Id, Scope: R, LockToken: "LOCK:regex" }, ASSOCIATED);
  op("DeleteRuleGroup", { Name: w.ruleGroup.Name, Id: w.ruleGroup.Id, Scope: R, LockToken: "LOCK:group" }, ASSOCIATED);
  op("DeleteWebACL", { Name: w.acl.Name, Id: w.acl.Id, Scope: R, LockToken: "LOCK:acl" }, ASSOCIATED).set("Id", "unknown", "00000000-0000-0000-0000-000000000000", NONEXISTENT);

  // --- lists
  const lists = ["ListWebACLs", "ListIPSets", "ListRegexPatternSets", "ListRuleGroups"];
  for (const l of lists) {
    op(l, { Scope: R, Limit: 1 })
      .set("Limit", "0", 0, BAD_VALUE)
      .set("Limit", "101", 101, BAD_VALUE)
      .set("NextMarker", "random", Buffer.from(r().toString()).toString("base64"), codes("WAFInvalidParameterException", "ValidationException", "WAFNonexistentItemException"))
      .set("Scope", "CLOUDFRONT", "CLOUDFRONT", "ok");
  }
  op("TagResource", { ResourceARN: w.acl.ARN, Tags: [{ Key: "fz", Value: "1" }] })
    .set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })), codes("WAFLimitsExceededException", "WAFTagOperationException", "ValidationException"))
    .set("Tags", "aws: prefix", [{ Key: "aws:x", Value: "v" }], codes("WAFInvalidParameterException", "WAFTagOperationException", "ValidationException"));
  for (const [label, arn] of foreignArns(w.acl.ARN, w.account)) op("ListTagsForResource", { ResourceARN: w.acl.ARN }).set("ResourceARN", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException"));

  // --- rate-based managed keys: rules that are not rate-based, not there, or named through the wrong rule
  op("GetRateBasedStatementManagedKeys", { Scope: R, WebACLName: w.acl.Name, WebACLId: w.acl.Id, RuleName: "rate" }, "ok")
    .set("RuleName", "a rule that is not rate-based", "geo", INVALID)
    .set("RuleName", "no such rule", "nope", NONEXISTENT)
    .set("RuleName", "129 characters", ofLength(129), BAD_VALUE)
    .set("RuleGroupRuleName", "a rule that references no rule group", "geo", NONEXISTENT)
    .set("RuleGroupRuleName", "the managed rule group", "managed", NONEXISTENT)
    .set("WebACLId", "another entity's id", w.ipSet.Id, NONEXISTENT)
    .set("WebACLName", "another name", "fz-other", NONEXISTENT)
    .set("Scope", "CLOUDFRONT", "CLOUDFRONT", NONEXISTENT);

  // --- rule group sharing: the policy's form, and only rule groups
  const share = (statement: Record<string, unknown>): string =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "444455556666" }, Action: ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"], ...statement }] });
  const bad = codes("WAFInvalidPermissionPolicyException");
  const pp = op("PutPermissionPolicy", { ResourceArn: w.ruleGroup.ARN, Policy: share({}) }, "ok");
  pp.set("Policy", "Deny", share({ Effect: "Deny" }), bad)
    .set("Policy", "a wildcard action", share({ Action: "wafv2:*" }), bad)
    .set("Policy", "a Resource", share({ Resource: w.ruleGroup.ARN }), bad)
    .set("Policy", "no Principal", share({ Principal: undefined }), bad)
    .set("Policy", "not JSON", "{\"Version\":", bad)
    .set("Policy", "JSON null", "null", bad)
    .set("Policy", "nested 500 deep", "[".repeat(500) + "]".repeat(500), bad)
    .set("Policy", "only spaces", "   ", BAD_VALUE)
    .set("ResourceArn", "an IP set", w.ipSet.ARN, INVALID)
    .set("ResourceArn", "a web ACL", w.acl.ARN, INVALID)
    .set("ResourceArn", "19 characters", ofLength(19), BAD_VALUE);
  for (const [label, arn] of foreignArns(w.ruleGroup.ARN, w.account)) {
    pp.set("ResourceArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException", "AccessDeniedException"));
    op("GetPermissionPolicy", { ResourceArn: w.ruleGroup.ARN }, "ok").set("ResourceArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException", "AccessDeniedException"));
    op("DeletePermissionPolicy", { ResourceArn: w.ruleGroup.ARN }, "ok").set("ResourceArn", label, arn, codes("WAFNonexistentItemException", "WAFInvalidParameterException", "ValidationException", "AccessDeniedException"));
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Shield

function shieldCases(w: World, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const NOT_FOUND = codes("ResourceNotFoundException");
  const INVALID_RES = codes("InvalidResourceException", "InvalidParameterException", "ResourceNotFoundException");
  const cp = op("CreateProtection", { Name: "fz-third", ResourceArn: w.lbArn }, codes("ResourceAlreadyExistsException"));
  for (const [label, arn] of foreignArns(w.lbArn, w.account)) cp.set("ResourceArn", label, arn, INVALID_RES);
  cp.set("ResourceArn", "a target group", w.tgArn, INVALID_RES)
    .set("ResourceArn", "a web ACL", w.acl.ARN, INVALID_RES)
    .set("ResourceArn", "an unknown load balancer", w.lbArn.replace(/\/[0-9a-f]+$/, "/0123456789abcdef"), INVALID_RES)
    .set("Name", "129 characters", ofLength(129), codes("InvalidParameterException", "ValidationException"));
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 3)) cp.set("Name", label, t, codes("InvalidParameterException", "ValidationException", "ResourceAlreadyExistsException"));
  op("DescribeProtection", { ProtectionId: w.protectionId })
    .set("ProtectionId", "unknown", "00000000-0000-0000-0000-000000000000", NOT_FOUND)
    .set("ProtectionId", "37 characters", ofLength(37), codes("InvalidParameterException", "ValidationException", "ResourceNotFoundException"))
    .add("both ProtectionId and ResourceArn", { ProtectionId: w.protectionId, ResourceArn: w.lbArn }, codes("InvalidParameterException"))
    .add("neither", {}, codes("InvalidParameterException"));
  const pg = op("CreateProtectionGroup", { ProtectionGroupId: "fz-new", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [w.lbArn, w.lb2Arn] });
  pg.set("ProtectionGroupId", "existing", "fz-all", codes("ResourceAlreadyExistsException"))
    .set("ProtectionGroupId", "37 characters", ofLength(37), codes("InvalidParameterException", "ValidationException"))
    .set("ProtectionGroupId", "unicode", "gruppe-ü", codes("InvalidParameterException", "ValidationException"))
    .set("Members", "an unprotected target group", [w.tgArn], codes("ResourceNotFoundException", "InvalidParameterException"))
    .set("Members", "another account's load balancer", [foreignArns(w.lbArn, w.account)[0]![1]], codes("ResourceNotFoundException", "InvalidParameterException"))
    .set("Members", "the same member twice", [w.lbArn, w.lbArn], "any")
    .set("Pattern", "ALL with members", "ALL", codes("InvalidParameterException"))
    .set("Pattern", "BY_RESOURCE_TYPE without a type", "BY_RESOURCE_TYPE", codes("InvalidParameterException"))
    .set("ResourceType", "on an ARBITRARY group", "APPLICATION_LOAD_BALANCER", codes("InvalidParameterException"));
  op("UpdateProtectionGroup", { ProtectionGroupId: "fz-some", Aggregation: "MEAN", Pattern: "ARBITRARY", Members: [w.lbArn] })
    .set("ProtectionGroupId", "unknown", "fz-none", NOT_FOUND)
    .set("Members", "an unprotected resource", [w.tgArn], codes("ResourceNotFoundException", "InvalidParameterException"));
  op("ListResourcesInProtectionGroup", { ProtectionGroupId: "fz-some", MaxResults: 1 })
    .set("ProtectionGroupId", "unknown", "fz-none", NOT_FOUND)
    .set("MaxResults", "0 (the model's minimum)", 0, "any")
    .set("NextToken", "random", "bm90LWEtdG9rZW4=", codes("InvalidPaginationTokenException", "InvalidParameterException"));
  op("ListProtections", { MaxResults: 1 })
    .set("NextToken", "random", "bm90LWEtdG9rZW4=", codes("InvalidPaginationTokenException", "InvalidParameterException"))
    .set("MaxResults", "10,001", 10_001, codes("InvalidParameterException", "ValidationException"));
  op("CreateSubscription", {}, codes("ResourceAlreadyExistsException"));
  op("DeleteSubscription", {}, codes("LockedSubscriptionException"));
  op("DescribeAttack", { AttackId: "00000000-0000-0000-0000-000000000000" }, codes("ResourceNotFoundException", "AccessDeniedException"));
  op("TagResource", { ResourceARN: `arn:aws:shield::${w.account}:protection/${w.protectionId}`, Tags: [{ Key: "fz", Value: "1" }] })
    .set("ResourceARN", "another account", `arn:aws:shield::444455556666:protection/${w.protectionId}`, codes("ResourceNotFoundException", "InvalidResourceException", "InvalidParameterException", "AccessDeniedException"))
    .set("ResourceARN", "another partition", `arn:aws-cn:shield::${w.account}:protection/${w.protectionId}`, codes("ResourceNotFoundException", "InvalidResourceException", "InvalidParameterException"))
    .set("Tags", "aws: prefix", [{ Key: "aws:x", Value: "v" }], codes("InvalidParameterException", "ValidationException"));
  op("DeleteProtection", { ProtectionId: "00000000-0000-0000-0000-000000000000" }, NOT_FOUND);
  op("DeleteProtectionGroup", { ProtectionGroupId: "fz-none" }, NOT_FOUND);
  return all;
}

// ---------------------------------------------------------------------------------------------
// ELBv2

function elbCases(w: World, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const VALIDATION = codes("ValidationError");
  const fwd = [{ Type: "forward", TargetGroupArn: w.tgArn }];
  const [port, spare] = SPARE_PORTS;
  const cl = op("CreateListener", { LoadBalancerArn: w.lbArn, Protocol: "HTTP", Port: port, DefaultActions: fwd });
  const bad = (label: string, patch: Record<string, unknown>, e: Expect) => cl.add(label, { LoadBalancerArn: w.lbArn, Protocol: "HTTP", Port: spare, DefaultActions: fwd, ...patch }, e);
  // Same settings as an existing listener is an idempotent success; other settings on its port are not.
  cl.set("Port", "taken by this load balancer, same settings", HTTP_PORT, "ok");
  bad("Port: taken by this load balancer, other settings", { Port: HTTP_PORT, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] }, codes("DuplicateListener"));
  bad("Port: 0", { Port: 0 }, VALIDATION);
  bad("Port: 65536", { Port: 65_536 }, VALIDATION);
  bad("Port: -1", { Port: -1 }, VALIDATION);
  bad("Protocol: TCP on an ALB", { Protocol: "TCP" }, codes("UnsupportedProtocol", "IncompatibleProtocols", "ValidationError"));
  bad("Protocol: lower case", { Protocol: "http" }, codes("UnsupportedProtocol", "ValidationError"));
  // Bulwark's documented default: an HTTPS listener without a certificate presents one from its CA.
  cl.add("Protocol: HTTPS without a certificate", { LoadBalancerArn: w.lbArn, Protocol: "HTTPS", Port: 4754, DefaultActions: fwd }, "ok");
  for (const [label, arn] of foreignArns(w.certArn, w.account)) bad(`Certificates: ${label}`, { Protocol: "HTTPS", Certificates: [{ CertificateArn: arn }] }, codes("CertificateNotFound", "ValidationError"));
  bad("Certificates: unknown ACM certificate", { Protocol: "HTTPS", Certificates: [{ CertificateArn: `arn:aws:acm:us-east-1:${w.account}:certificate/00000000-0000-0000-0000-000000000000` }] }, codes("CertificateNotFound"));
  bad("Certificates: on HTTP", { Certificates: [{ CertificateArn: w.certArn }] }, VALIDATION);
  bad("SslPolicy: unknown", { Protocol: "HTTPS", Certificates: [{ CertificateArn: w.certArn }], SslPolicy: "ELBSecurityPolicy-Nope" }, codes("SSLPolicyNotFound"));
  for (const [label, arn] of foreignArns(w.lbArn, w.account)) bad(`LoadBalancerArn: ${label}`, { LoadBalancerArn: arn }, codes("LoadBalancerNotFound", "ValidationError"));
  for (const [label, arn] of foreignArns(w.tgArn, w.account)) bad(`DefaultActions: target group of ${label}`, { DefaultActions: [{ Type: "forward", TargetGroupArn: arn }] }, codes("TargetGroupNotFound", "ValidationError"));
  bad("DefaultActions: none", { DefaultActions: [] }, VALIDATION);
  bad("DefaultActions: fixed response 600", { DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "600" } }] }, VALIDATION);
  bad("DefaultActions: redirect without a target", { DefaultActions: [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301" } }] }, codes("ValidationError", "InvalidLoadBalancerAction"));
  bad("DefaultActions: fixed response body of 1025 bytes", { DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: ofLength(1025) } }] }, VALIDATION);

  const rt = op("RegisterTargets", { TargetGroupArn: w.tgArn, Targets: [{ Id: "127.0.0.1" }] });
  for (const [label, id, p, e] of [
    ["host name with spaces", "bad host", undefined, codes("InvalidTarget", "ValidationError")],
    ["octet 256", "256.0.0.1", undefined, codes("InvalidTarget", "ValidationError")],
    ["CIDR", "10.0.0.0/8", undefined, codes("InvalidTarget", "ValidationError")],
    ["unicode host", "🔑.example", undefined, codes("InvalidTarget", "ValidationError")],
    ["empty id", "", undefined, codes("InvalidTarget", "ValidationError")],
    ["253-character host label", ofLength(64) + ".example", undefined, codes("InvalidTarget", "ValidationError")],
    ["port 0", "127.0.0.1", 0, codes("ValidationError")],
    ["port 65536", "127.0.0.1", 65_536, codes("ValidationError")],
    ["IPv6 loopback", "::1", undefined, "any"],
  ] as Array<[string, string, number | undefined, Expect]>) rt.set("Targets", label, [{ Id: id, ...(p === undefined ? {} : { Port: p }) }], e);
  rt.set("Targets", "1,001 targets", Array.from({ length: 1001 }, (_, i) => ({ Id: "127.0.0.1", Port: 10_000 + i })), codes("TooManyTargets"));
  for (const [label, arn] of foreignArns(w.tgArn, w.account)) rt.set("TargetGroupArn", label, arn, codes("TargetGroupNotFound", "ValidationError"));
  op("DeregisterTargets", { TargetGroupArn: w.tgArn, Targets: [{ Id: "10.9.9.9" }] }, codes("InvalidTarget")).set("Targets", "none", [], VALIDATION);

  const ctg = op("CreateTargetGroup", { Name: "fz-tg-new", Protocol: "HTTP", Port: 8080, TargetType: "ip" });
  ctg.set("Name", "33 characters", ofLength(33), VALIDATION)
    .set("Name", "leading hyphen", "-fz", VALIDATION)
    .set("Name", "unicode", "zielgruppe-ü", VALIDATION)
    .set("Port", "0", 0, VALIDATION)
    .set("Port", "65536", 65_536, VALIDATION)
    .set("Protocol", "lower case", "http", codes("ValidationError", "UnsupportedProtocol"))
    .set("HealthCheckIntervalSeconds", "301", 301, VALIDATION)
    .set("HealthCheckPath", "1025 characters", "/" + ofLength(1024), VALIDATION)
    .set("HealthCheckPath", "a space", "/health check", VALIDATION)
    .set("HealthCheckPath", "non-ASCII", "/gesundheit-\u00fc", VALIDATION)
    .set("Matcher", "status 600", { HttpCode: "600" }, VALIDATION);
  const clb = op("CreateLoadBalancer", { Name: "fz-lb-new", Subnets: ["subnet-a", "subnet-b"] });
  clb.set("Name", "33 characters", ofLength(33), VALIDATION)
    .set("Name", "internal- prefix", "internal-fz", VALIDATION)
    .set("Name", "trailing hyphen", "fz-", VALIDATION)
    .set("Name", "existing, same settings (idempotent)", "fz-front", "ok")
    .add("Name: existing, other settings", { Name: "fz-front", Subnets: ["subnet-a", "subnet-b"], Scheme: "internal" }, codes("DuplicateLoadBalancerName"))
    .set("Type", "gateway", "gateway", codes("ValidationError", "InvalidConfigurationRequest", "UnsupportedProtocol", "OperationNotPermitted"));
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 4)) clb.set("Name", label, t, VALIDATION);
  op("ModifyListener", { ListenerArn: w.httpsListener, Certificates: [{ CertificateArn: w.certArn }] })
    .set("Certificates", "unknown IAM certificate", [{ CertificateArn: w.certArn.replace("fz-cert", "fz-nope") }], codes("CertificateNotFound"))
    .set("Port", "taken by the HTTP listener", HTTP_PORT, codes("DuplicateListener"))
    .set("Port", "65536", 65_536, VALIDATION);
  op("AddListenerCertificates", { ListenerArn: w.httpsListener, Certificates: [{ CertificateArn: w.certArn }] })
    .set("ListenerArn", "an HTTP listener", w.httpListener, codes("ValidationError", "InvalidConfigurationRequest", "OperationNotPermitted"))
    .set("Certificates", "another account's", [{ CertificateArn: foreignArns(w.certArn, w.account)[0]![1] }], codes("CertificateNotFound"));
  op("DeleteTargetGroup", { TargetGroupArn: w.tgArn }, codes("ResourceInUse"));
  op("DescribeLoadBalancers", { PageSize: 1 }).set("PageSize", "0", 0, VALIDATION).set("PageSize", "401", 401, VALIDATION).set("Marker", "random", "bm90LWEtbWFya2Vy", "any");
  op("AddTags", { ResourceArns: [w.lbArn], Tags: [{ Key: "fz", Value: "1" }] })
    .set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })), codes("TooManyTags"))
    .set("Tags", "repeated key", [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }], codes("DuplicateTagKeys"))
    .set("ResourceArns", "another partition", [w.lbArn.replace("arn:aws:", "arn:aws-cn:")], codes("LoadBalancerNotFound", "ValidationError"));
  return all;
}

// ---------------------------------------------------------------------------------------------
// The run

test(`WAFv2, Shield and ELBv2: valid requests with one semantically hostile member (seed ${SEED})`, async () => {
  const started = Date.now();
  const w = await world();
  const random = rng(SEED + 3);
  const waf = new WAFV2Client(s.clientConfig());
  const locks: Record<string, string> = {
    "LOCK:ipSet": w.ipSet.LockToken,
    "LOCK:spare": w.spareIpSet.LockToken,
    "LOCK:regex": w.regexSet.LockToken,
    "LOCK:group": w.ruleGroup.LockToken,
    "LOCK:acl": w.acl.LockToken,
  };
  await eventually(async () => (await get(HTTP_PORT, "/")).status === 200, 10_000);
  const out: Outcome = { failures: [], sent: 0 };
  const groups: Array<[string, OperationCases[]]> = [
    ["wafv2", wafCases(w, random)],
    ["shield", shieldCases(w, random)],
    ["elasticloadbalancing", elbCases(w, random)],
  ];
  for (const [name, gs] of groups) {
    const svc = service(name);
    for (const g of gs) {
      for (const c of g.cases) {
        // A successful update issues a new lock token: each case gets the current ones.
        const input = JSON.stringify(c.input);
        if (input.includes('"LOCK:')) {
          locks["LOCK:ipSet"] = await lockOf("ipset", w.ipSet);
          locks["LOCK:acl"] = await lockOf("webacl", w.acl);
        }
        const resolved = JSON.parse(input, (_k, v: unknown) => (typeof v === "string" && v in locks ? locks[v] : v)) as Record<string, unknown>;
        await runCases(wire, svc, [{ ...c, input: resolved }], out, { maxMs: MAX_MS });
      }
    }
    assert.ok(await wire.healthy(), `/health after ${name}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`handler fuzz WAFv2/Shield/ELBv2: ${out.sent} requests in ${seconds.toFixed(1)} s (seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);

  // Every list pages to the end, nothing repeated.
  const pages = async <T>(fetch: (marker?: string) => Promise<[T[], string | undefined]>, id: (t: T) => string): Promise<string[]> => {
    const ids: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const [items, next] = await fetch(marker);
      ids.push(...items.map(id));
      if (!next) break;
      marker = next;
    }
    assert.equal(new Set(ids).size, ids.length, "an item repeated across pages");
    return ids;
  };
  const wafList = async (list: typeof ListWebACLsCommand | typeof ListIPSetsCommand | typeof ListRegexPatternSetsCommand | typeof ListRuleGroupsCommand, key: string) =>
    pages(async (NextMarker) => {
      const p = (await waf.send(new list({ Scope: "REGIONAL", Limit: 1, ...(NextMarker ? { NextMarker } : {}) }))) as unknown as Record<string, unknown>;
      return [(p[key] as Array<{ Name: string }>) ?? [], p["NextMarker"] as string | undefined];
    }, (x) => x.Name);
  assert.ok((await wafList(ListWebACLsCommand, "WebACLs")).includes("fz-acl"));
  assert.ok((await wafList(ListIPSetsCommand, "IPSets")).includes("fz-spare"), "the IP set in use is still there");
  assert.ok((await wafList(ListRegexPatternSetsCommand, "RegexPatternSets")).includes("fz-regex"));
  assert.ok((await wafList(ListRuleGroupsCommand, "RuleGroups")).includes("fz-group"));
  const shield = new ShieldClient(s.clientConfig());
  const protections = await pages(async (NextToken) => {
    const p = await shield.send(new ListProtectionsCommand({ MaxResults: 1, ...(NextToken ? { NextToken } : {}) }));
    return [p.Protections ?? [], p.NextToken];
  }, (p) => p.Id!);
  assert.ok(protections.includes(w.protectionId) && protections.includes(w.protection2Id));
  assert.ok((await pages(async (NextToken) => {
    const p = await shield.send(new ListProtectionGroupsCommand({ MaxResults: 1, ...(NextToken ? { NextToken } : {}) }));
    return [p.ProtectionGroups ?? [], p.NextToken];
  }, (g) => g.ProtectionGroupId!)).includes("fz-some"));
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  assert.ok((await pages(async (Marker) => {
    const p = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 1, ...(Marker ? { Marker } : {}) }));
    return [p.LoadBalancers ?? [], p.NextMarker];
  }, (l) => l.LoadBalancerArn!)).includes(w.lbArn));
  await pages(async (Marker) => {
    const p = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 1, ...(Marker ? { Marker } : {}) }));
    return [p.TargetGroups ?? [], p.NextMarker];
  }, (t) => t.TargetGroupArn!);
  const listeners = await pages(async (Marker) => {
    const p = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: w.lbArn, PageSize: 1, ...(Marker ? { Marker } : {}) }));
    return [p.Listeners ?? [], p.NextMarker];
  }, (l) => l.ListenerArn!);
  assert.ok(listeners.includes(w.httpListener) && listeners.includes(w.httpsListener));

  // The listeners still serve, and still enforce the web ACL.
  for (const [p, tls] of [[HTTP_PORT, false], [HTTPS_PORT, true]] as const) {
    assert.deepEqual(await get(p, "/hello", tls), { status: 200, body: "upstream /hello" }, `allowed through ${p}`);
    assert.equal((await get(p, "/blocked/x", tls)).status, 403, `blocked on ${p}`);
    // The inputs that make the web ACL's catastrophic patterns backtrack for seconds (28 characters)
    // and for ever (4,000) in a backtracking engine: the data plane answers both at once.
    for (const n of [28, 4000]) {
      const t = Date.now();
      assert.equal((await get(p, `/${"a".repeat(n)}!?${"x".repeat(n)}`, tls)).status, 200);
      assert.ok(Date.now() - t < MAX_MS, `${n} characters: ${Date.now() - t} ms`);
    }
  }
  assert.ok(await wire.healthy());
  assert.deepEqual(logLines.filter((l) => /unexpected error|"level":(5|6)0/.test(l)).slice(0, 20).map((l) => l.slice(0, 600)), [], "error entries in the server log");
  assert.ok((Date.now() - started) / 1000 < 120, "bounded");
});
