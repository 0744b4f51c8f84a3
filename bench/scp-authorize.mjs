// What service control policies add to one authorisation (Authorizer.decide, the call every
// authorised request makes): the same identity policy and request, decided for
//   - an authoriser without an SCP source (no Organizations),
//   - an account outside any organization (the SCP cache holds "none"),
//   - the management account (never restricted: "none"),
//   - a member account three levels down (root → OU → OU → account, FullAWSAccess at each level
//     and a deny-list SCP on the first OU).
// The SCP answers come from Organizations' real cache (src/services/organizations/scp-cache.ts)
// over an in-memory store, warmed before measuring, as under load.
// Run after `npx tsc -p tsconfig.json`:  node bench/scp-authorize.mjs [iterations] [rounds]
const dist = new URL("../dist/src/", import.meta.url);
const { createAuthorizer } = await import(new URL("iam/authorizer.js", dist).href);
const { orgFixture, MGMT } = await import(new URL("services/organizations/testing/org-fixture.js", dist).href);

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 3);

const f = await orgFixture({ manual: true });
await f.call("CreateOrganization", {});
const rootId = (await f.call("ListRoots", {})).Roots[0].Id;
const ouA = (await f.call("CreateOrganizationalUnit", { ParentId: rootId, Name: "A" })).OrganizationalUnit.Id;
const ouB = (await f.call("CreateOrganizationalUnit", { ParentId: ouA, Name: "B" })).OrganizationalUnit.Id;
const req = (await f.call("CreateAccount", { AccountName: "Member", Email: "member@example.com" })).CreateAccountStatus;
await f.drain();
const member = (await f.call("DescribeCreateAccountStatus", { CreateAccountRequestId: req.Id })).CreateAccountStatus.AccountId;
await f.call("MoveAccount", { AccountId: member, SourceParentId: rootId, DestinationParentId: ouB });
await f.call("EnablePolicyType", { RootId: rootId, PolicyType: "SERVICE_CONTROL_POLICY" });
const deny = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["organizations:LeaveOrganization", "cloudtrail:StopLogging"], Resource: "*" }] });
const denyId = (await f.call("CreatePolicy", { Name: "Guardrails", Description: "", Type: "SERVICE_CONTROL_POLICY", Content: deny })).Policy.PolicySummary.Id;
await f.call("AttachPolicy", { PolicyId: denyId, TargetId: ouA });
const OUTSIDER = "444455556666";
await f.accounts.create({ name: "Outsider", email: "outsider@example.com", accountId: OUTSIDER });

// Like the IAM directory's cache, the same policy object is handed out on every call.
const policies = { identity: [JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:*", "iam:Get*"], Resource: "*" }] })] };
const tags = {};
const directory = { resolveAccessKey: async () => undefined, policiesFor: async () => policies, principalTags: async () => tags };
const user = (accountId) => Object.freeze({ type: "IAMUser", accountId, arn: `arn:aws:iam::${accountId}:user/alice`, principalId: "AIDAALICE", accessKeyId: "AKIAALICE", name: "alice" });
const facts = { sourceIp: "192.0.2.1", secureTransport: true, region: "us-east-1", userAgent: "bench", now: f.clock.now() };
const request = { action: "kms:Encrypt", resource: "*" };

const cases = [
  ["no SCP source", createAuthorizer({ directory }), user(OUTSIDER)],
  ["outside any organization", createAuthorizer({ directory, serviceControlPolicies: f.org.serviceControlPolicies }), user(OUTSIDER)],
  ["management account", createAuthorizer({ directory, serviceControlPolicies: f.org.serviceControlPolicies }), user(MGMT)],
  ["member, 4 levels", createAuthorizer({ directory, serviceControlPolicies: f.org.serviceControlPolicies }), user(member)],
];
for (const [, a, p] of cases) {
  const r = await a.decide(p, facts, request);
  if (r.decision !== "Allow") throw new Error(`unexpected ${r.decision}`);
}

console.log(`node ${process.version}; ${N} decisions per round, ${ROUNDS} rounds; ns per decision`);
const results = new Map(cases.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, a, p] of cases) {
    for (let i = 0; i < N / 10; i++) await a.decide(p, facts, request);
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await a.decide(p, facts, request);
    results.get(name).push(Number(process.hrtime.bigint() - t) / N);
  }
}
for (const [name, xs] of results) console.log(`${name.padEnd(26)} min ${Math.min(...xs).toFixed(0)}  (rounds: ${xs.map((x) => x.toFixed(0)).join(" ")})`);
