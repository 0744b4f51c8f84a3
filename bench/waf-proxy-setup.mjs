// Sets up the "WAF through a listener" benchmark through the official SDKs: three load balancers,
// each with its own target group (a target group belongs to one load balancer) holding the
// benchmark upstream, and one HTTP listener each:
//   none  - no web ACL (the proxy's own cost);
//   core3 - web ACL with AWSManagedRulesCommonRuleSet + SQLiRuleSet + KnownBadInputsRuleSet;
//   full  - web ACL with the groups bench/waf-accuracy.mjs evaluates in process (Common, SQLi,
//           KnownBadInputs, Linux, Unix, Windows, PHP). Those add up to 1,700 WCU, over the
//           1,500 WCU web ACL limit Bulwark enforces (as AWS does without a raised limit): when
//           CreateWebACL refuses them, the Linux rule set (200 WCU, the one whose absence costs
//           the least in-process detection) is left out and the refusal is printed.
// Every web ACL is REGIONAL, DefaultAction Allow, and overrides KnownBadInputs'
// Host_localhost_HEADER to Count: every CRS regression request carries "Host: localhost", so
// that rule alone would block the whole CRS corpus (and the benign corpus, which the replayer
// also sends with Host: localhost) and the numbers would say nothing about the other rules.
// Waits until every target is healthy and checks each listener's verdict on one benign and one
// SQL injection request, then prints one JSON line describing what was created.
// usage: NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/waf-proxy-setup.mjs <endpoint> <upstream-port> <none-port> <core3-port> <full-port>
import http from "node:http";
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
  CreateListenerCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand } from "@aws-sdk/client-wafv2";
import { managedWebAcl } from "./managed-acl.mjs";

const [endpoint, upstreamPort, nonePort, core3Port, fullPort] = process.argv.slice(2);
if (!fullPort) {
  console.error("usage: node bench/waf-proxy-setup.mjs <endpoint> <upstream-port> <none-port> <core3-port> <full-port>");
  process.exit(2);
}
const region = "us-east-1";
const elb = new ElasticLoadBalancingV2Client({ endpoint, region });
const waf = new WAFV2Client({ endpoint, region });

const CORE3 = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"];
const FULL = [...CORE3, "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet", "AWSManagedRulesPHPRuleSet"];
const FALLBACK_DROP = "AWSManagedRulesLinuxRuleSet";

// Console defaults: sampled requests and metrics on (the observer's per-request cost is measured too).
// The same web ACL the in-process benchmarks evaluate (managed-acl.mjs), as CreateWebACL input.
function webAclInput(name, groups) {
  const { Id: _id, ARN: _arn, ...acl } = managedWebAcl(name, groups, { sampled: true });
  return { ...acl, Scope: "REGIONAL" };
}

async function loadBalancer(name, port) {
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: name }));
  const lbArn = lb.LoadBalancers[0].LoadBalancerArn;
  const tg = await elb.send(
    new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: Number(upstreamPort), TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthCheckPath: "/health" }),
  );
  const tgArn = tg.TargetGroups[0].TargetGroupArn;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: Number(port), DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  return { name, port: Number(port), lbArn, tgArn };
}

async function createAcl(name, groups) {
  const out = await waf.send(new CreateWebACLCommand(webAclInput(name, groups)));
  return out.Summary.ARN;
}

const lbs = {
  none: await loadBalancer("waf-bench-none", nonePort),
  core3: await loadBalancer("waf-bench-core3", core3Port),
  full: await loadBalancer("waf-bench-full", fullPort),
};

const core3Arn = await createAcl("waf-bench-core3", CORE3);
let fullGroups = FULL;
let fullRefusal = null;
let fullArn;
try {
  fullArn = await createAcl("waf-bench-full", FULL);
} catch (e) {
  if (e.name !== "WAFInvalidParameterException") throw e;
  fullRefusal = `${e.name}: ${e.message}`;
  fullGroups = FULL.filter((g) => g !== FALLBACK_DROP);
  fullArn = await createAcl("waf-bench-full", fullGroups);
}
await waf.send(new AssociateWebACLCommand({ WebACLArn: core3Arn, ResourceArn: lbs.core3.lbArn }));
await waf.send(new AssociateWebACLCommand({ WebACLArn: fullArn, ResourceArn: lbs.full.lbArn }));

for (const lb of Object.values(lbs)) {
  let healthy = false;
  for (let i = 0; i < 150 && !healthy; i++) {
    const h = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lb.tgArn }));
    healthy = h.TargetHealthDescriptions?.[0]?.TargetHealth?.State === "healthy";
    if (!healthy) await new Promise((r) => setTimeout(r, 200));
  }
  if (!healthy) throw new Error(`target of ${lb.name} never became healthy`);
}

function status(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false, headers: { host: "shop.example.test", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", accept: "*/*" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      })
      .on("error", reject);
  });
}
// The verdicts the benchmark relies on (a request without User-Agent would be blocked by the
// core rule set's NoUserAgent_HEADER): every listener forwards a benign request, only the two
// with a web ACL block SQL injection (the association is pushed synchronously, but check).
const sqli = `/search?q=${encodeURIComponent("1' UNION SELECT username,password FROM users-- -")}`;
const probes = {};
for (const [key, lb] of Object.entries(lbs)) probes[key] = { benign: await status(lb.port, "/products?page=2"), sqli: await status(lb.port, sqli) };
const expected = { none: { benign: 200, sqli: 200 }, core3: { benign: 200, sqli: 403 }, full: { benign: 200, sqli: 403 } };
if (JSON.stringify(probes) !== JSON.stringify(expected)) throw new Error(`unexpected listener verdicts: ${JSON.stringify(probes)}`);

process.stdout.write(
  JSON.stringify({
    ports: { upstream: Number(upstreamPort), none: lbs.none.port, core3: lbs.core3.port, full: lbs.full.port },
    groups: { core3: CORE3, full: fullGroups },
    fullRefusal,
    probes,
  }) + "\n",
);
