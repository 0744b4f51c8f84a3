// CPU per Organizations DescribeOrganization handler call, in process, over real SQLite storage
// (WAL, synchronous=FULL) in a temporary directory. The request context allows everything, so the
// figure is the handler and its domain work (membership lookup, view), not authorisation.
//
// Run after `npx tsc -p tsconfig.json`:
//   node bench/org-describe.mjs [calls per round] [rounds] [distRoot ...]
// With several dist roots (e.g. a build of the tree before a change, then this one), the rounds
// alternate between them (A B A B …), so load from elsewhere on the machine hits each alike.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const calls = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const roots = process.argv.length > 4 ? process.argv.slice(4) : [path.resolve(import.meta.dirname, "../dist")];
const MGMT = "111122223333";

async function setup(root) {
  const load = (p) => import(pathToFileURL(path.join(path.resolve(root), p)).href);
  const [{ openSqliteStorage }, { createAccountRegistry }, { createOrganizationsService }, { systemClock }] = await Promise.all([
    load("src/storage/sqlite/sqlite-storage.js"),
    load("src/services/organizations/accounts.js"),
    load("src/services/organizations/service.js"),
    load("src/core/clock.js"),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-org-bench-"));
  const store = openSqliteStorage({ path: path.join(dir, "bench.db") });
  const accounts = createAccountRegistry(store, systemClock);
  await accounts.create({ name: "Management", email: "mgmt@example.com", accountId: MGMT });
  // IAM is used only by CreateAccount, which this benchmark does not call.
  const svc = createOrganizationsService({ store, iam: {}, clock: systemClock, accounts });
  const ctx = {
    requestId: "bench",
    scope: { accountId: MGMT, region: "us-east-1" },
    principal: { type: "IAMUser", accountId: MGMT, arn: `arn:aws:iam::${MGMT}:user/admin`, principalId: "AIDABENCH", accessKeyId: "AKIABENCH", name: "admin" },
    service: "organizations",
    operation: "",
    sourceIp: "127.0.0.1",
    userAgent: "bench",
    secureTransport: true,
    now: Date.now(),
    audit: {},
    authorize: async () => {},
    isAllowed: async () => true,
    evaluate: async () => "Allow",
  };
  await svc.operations.CreateOrganization.handler({}, ctx);
  const describe = svc.operations.DescribeOrganization.handler;
  const out = await describe({}, ctx);
  if (out.Organization.MasterAccountId !== MGMT) throw new Error("unexpected answer");
  return {
    root,
    run: async (n) => {
      for (let i = 0; i < n; i++) await describe({}, ctx);
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const subjects = [];
for (const r of roots) subjects.push(await setup(r));
for (const s of subjects) await s.run(Math.min(calls, 20_000)); // warm-up
const results = new Map(subjects.map((s) => [s.root, []]));
for (let round = 0; round < rounds; round++) {
  for (const s of subjects) {
    const c0 = process.cpuUsage();
    await s.run(calls);
    const c = process.cpuUsage(c0);
    results.get(s.root).push((c.user + c.system) / calls);
  }
}
for (const s of subjects) {
  const v = results.get(s.root);
  const sorted = [...v].sort((a, b) => a - b);
  console.log(`${s.root}: cpu µs/call median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}, rounds ${v.map((x) => x.toFixed(2)).join(" ")}`);
  await s.close();
}
