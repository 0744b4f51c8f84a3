// Policy evaluation throughput: a realistic 10-statement identity policy with conditions,
// plus a permissions boundary, evaluated for a mix of allowed / denied requests.
// Run after `npx tsc -p tsconfig.json`:  node bench/policy-eval.mjs [seconds]
// Before/after:  node bench/policy-eval.mjs [rounds] distRoot distRoot …  (e.g. a build of the
// tree before a change, then this one): both engines in one process, rounds alternating between
// them (A B B A …), CPU time per evaluation, so load from elsewhere on the machine hits each alike.
import path from "node:path";
import { pathToFileURL } from "node:url";

const ACCT = "111122223333";
const policy = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "ReadOwnUser", Effect: "Allow", Action: ["iam:GetUser", "iam:ListAccessKeys", "iam:GetLoginProfile"], Resource: `arn:aws:iam::${ACCT}:user/\${aws:username}` },
    { Sid: "ManageOwnKeys", Effect: "Allow", Action: ["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"], Resource: `arn:aws:iam::${ACCT}:user/\${aws:username}`, Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } },
    { Sid: "ListEverything", Effect: "Allow", Action: ["iam:List*", "iam:Get*"], Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } } },
    { Sid: "Ec2InTeam", Effect: "Allow", Action: "ec2:*", Resource: `arn:aws:ec2:*:${ACCT}:instance/*`, Condition: { StringEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } } },
    { Sid: "Queues", Effect: "Allow", Action: ["sqs:SendMessage", "sqs:ReceiveMessage"], Resource: `arn:aws:sqs:us-east-1:${ACCT}:app-*` },
    { Sid: "Tables", Effect: "Allow", Action: "dynamodb:*Item", Resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/Orders*`, Condition: { "ForAllValues:StringEquals": { "dynamodb:Attributes": ["id", "status", "total"] } } },
    { Sid: "OfficeOnly", Effect: "Deny", Action: "*", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32"] }, Bool: { "aws:ViaAWSService": "false" } } },
    { Sid: "TlsOnly", Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
    { Sid: "NoAdminRoles", Effect: "Deny", Action: ["iam:PassRole", "iam:AttachRolePolicy"], Resource: `arn:aws:iam::${ACCT}:role/admin/*` },
    { Sid: "Window", Effect: "Deny", NotAction: ["iam:Get*", "iam:List*"], Resource: "*", Condition: { DateGreaterThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } } },
  ],
};
const boundary = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:*", "ec2:*", "sqs:*", "dynamodb:*"], Resource: "*" }] };

function requestsFor({ parsePolicy, principalContext, requestTimeContext }) {
  const identityPolicies = [parsePolicy(JSON.stringify(policy), "identity", { requireCurrentVersion: true })];
  const permissionsBoundary = parsePolicy(JSON.stringify(boundary), "boundary");
  const principal = {
    type: "IAMUser",
    accountId: ACCT,
    arn: `arn:aws:iam::${ACCT}:user/alice`,
    principalId: "AIDAALICEEXAMPLE0001",
    accessKeyId: "AKIAALICEEXAMPLE0001",
    name: "alice",
  };
  const now = Date.UTC(2025, 0, 15, 12, 0, 0);
  const baseContext = {
    ...principalContext(principal, { team: "blue" }, now),
    ...requestTimeContext(now),
    "aws:SourceIp": "203.0.113.10",
    "aws:SecureTransport": true,
    "aws:ViaAWSService": false,
    "aws:RequestedRegion": "us-east-1",
  };
  const requests = [
    { action: "iam:GetUser", resource: `arn:aws:iam::${ACCT}:user/alice`, context: baseContext },
    { action: "iam:DeleteAccessKey", resource: `arn:aws:iam::${ACCT}:user/alice`, context: baseContext },
    { action: "ec2:StartInstances", resource: `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0abc`, context: { ...baseContext, "aws:ResourceTag/team": "blue" } },
    { action: "sqs:SendMessage", resource: `arn:aws:sqs:us-east-1:${ACCT}:app-orders`, context: baseContext },
    { action: "dynamodb:GetItem", resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/Orders`, context: { ...baseContext, "dynamodb:Attributes": ["id", "status"] } },
    { action: "iam:PassRole", resource: `arn:aws:iam::${ACCT}:role/admin/root-ish`, context: baseContext },
    { action: "s3:GetObject", resource: "arn:aws:s3:::bucket/key", context: baseContext },
    { action: "iam:ListUsers", resource: "*", context: { ...baseContext, "aws:SourceIp": "192.0.2.1" } },
  ].map((r) => ({ principal, resourceAccount: ACCT, identityPolicies, permissionsBoundary, ...r }));
  return requests;
}

const load = (root) => import(pathToFileURL(path.join(path.resolve(root), "src/iam/policy/index.js")).href);

if (process.argv.length > 3) {
  const rounds = Number(process.argv[2]);
  const N = 100_000;
  const engines = [];
  for (const root of process.argv.slice(3)) {
    const m = await load(root);
    const requests = requestsFor(m);
    engines.push({ root, evaluate: m.evaluate, requests, decisions: requests.map((r) => m.evaluate(r).decision).join(), ns: [] });
  }
  if (new Set(engines.map((e) => e.decisions)).size !== 1) throw new Error("the builds decide differently");
  for (const e of engines) for (let i = 0; i < 3 * N; i++) e.evaluate(e.requests[i % e.requests.length]);
  for (let r = 0; r < rounds; r++) {
    for (const e of r % 2 ? [...engines].reverse() : engines) {
      const { evaluate, requests } = e;
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i++) evaluate(requests[i % requests.length]);
      const t = process.cpuUsage(t0);
      e.ns.push(((t.user + t.system) * 1000) / N);
    }
  }
  for (const e of engines) {
    const s = [...e.ns].sort((a, b) => a - b);
    console.log(`${e.root}: CPU ns/evaluation min ${s[0].toFixed(0)}, p25 ${s[s.length >> 2].toFixed(0)}, median ${s[s.length >> 1].toFixed(0)} (${rounds} rounds of ${N})`);
  }
  process.exit(0);
}

const engine = await load(path.resolve(import.meta.dirname, "../dist"));
const { evaluate } = engine;
const requests = requestsFor(engine);
const seconds = Number(process.argv[2] ?? 2);
const tally = { Allow: 0, ExplicitDeny: 0, ImplicitDeny: 0 };
for (const r of requests) tally[evaluate(r).decision]++;
console.log("decisions per request mix:", JSON.stringify(tally));

// Warm up, then measure.
for (let i = 0; i < 200_000; i++) evaluate(requests[i % requests.length]);
let n = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < deadline) {
  for (let i = 0; i < 10_000; i++) evaluate(requests[(n + i) % requests.length]);
  n += 10_000;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${Math.round(n / elapsed).toLocaleString("en-US")} evaluations/s (${n} in ${elapsed.toFixed(2)} s, 10-statement policy + boundary)`);
