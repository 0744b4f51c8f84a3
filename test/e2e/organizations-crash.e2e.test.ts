/**
 * CreateAccount requests of a process killed mid-way while the server runs: a child process
 * creates accounts as the operator CLI does (8 at a time, on the server's data directory) and is
 * killed with SIGKILL in mid-stream, three times over. The running server must finish what the
 * child left IN_PROGRESS (not only at its next start): every request ends SUCCEEDED, once, and
 * every member account it lists has its OrganizationAccountAccessRole.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import {
  OrganizationsClient,
  CreateOrganizationCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  type Account,
  type CreateAccountStatus,
} from "@aws-sdk/client-organizations";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { STALLED_CREATE_ACCOUNT_MS } from "../../src/services/organizations/create-account.js";
import { eventually, startTestServer } from "./harness.js";

const href = (rel: string): string => new URL(rel, import.meta.url).href;

/** The child: the CLI's `accounts create`, 8 at a time, printing each request id once it SUCCEEDED. */
const CHILD = `
const { loadConfig } = await import(${JSON.stringify(href("../../src/config/config.js"))});
const { openCore } = await import(${JSON.stringify(href("../../src/app.js"))});
const { createAccountAsOperator } = await import(${JSON.stringify(href("../../src/services/organizations/operator.js"))});
const [dataDir, round] = process.argv.slice(2);
const core = await openCore(loadConfig({ dataDir }, { BULWARK_ROOT_KEY: process.env.ROOT_KEY, BULWARK_ORG_MAX_ACCOUNTS: "1000" }), { allowCreate: false });
let n = 0;
async function creator() {
  for (;;) {
    const name = "r" + round + "-" + n++;
    const st = await createAccountAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId, accountName: name, email: name + "@example.com" });
    if (st.State !== "SUCCEEDED") throw new Error(name + ": " + st.State);
    process.stdout.write(st.Id + "\\n");
  }
}
await Promise.all(Array.from({ length: 8 }, creator));
`;

async function all<T>(page: (token?: string) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const r = await page(token);
    out.push(...(r.items ?? []));
    token = r.next;
  } while (token);
  return out;
}

test("CreateAccount requests left by a killed process are finished by the running server", async () => {
  // Some 30 accounts: the installation raises the default quota of 10 (server and operator alike).
  const s = await startTestServer({ plainHttp: true, env: { BULWARK_ORG_MAX_ACCOUNTS: "1000" } });
  try {
    const org = new OrganizationsClient(s.clientConfig());
    const sts = new STSClient(s.clientConfig());
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const script = path.join(s.dataDir, "child.mjs");
    writeFileSync(script, CHILD);
    // Not as a test-runner child (the runner marks its subprocesses through the environment).
    const env: NodeJS.ProcessEnv = { ...process.env, ROOT_KEY: s.rootKey, BULWARK_LOG_LEVEL: "silent" };
    delete env.NODE_TEST_CONTEXT;

    const acked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [script, s.dataDir, String(round)], { stdio: ["ignore", "pipe", "inherit"], env });
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      let seen = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        acked.push(line);
        if (++seen === 10) child.kill("SIGKILL");
      }
      await exited;
      assert.equal(child.signalCode, "SIGKILL");
    }

    const statuses = (): Promise<CreateAccountStatus[]> =>
      all(async (t) => {
        const r = await org.send(new ListCreateAccountStatusCommand({ NextToken: t }));
        return { items: r.CreateAccountStatuses, next: r.NextToken };
      });
    // The kills left requests half done (else this test shows nothing).
    assert.ok((await statuses()).some((st) => st.State === "IN_PROGRESS"));

    // Once they are old enough to be another process's leftovers, the server's sweep finishes them.
    s.clock.offsetMs += 2 * STALLED_CREATE_ACCOUNT_MS + 1000;
    const done = await eventually(async () => {
      const st = await statuses();
      return st.every((x) => x.State !== "IN_PROGRESS") && st;
    }, 15_000);
    assert.deepEqual(
      done.filter((x) => x.State !== "SUCCEEDED").map((x) => `${x.AccountName}: ${x.State} ${x.FailureReason}`),
      [],
    );
    const ids = new Set(done.map((x) => x.Id));
    assert.deepEqual(acked.filter((id) => !ids.has(id)), [], "every request the child saw succeed is listed");

    // One account per request, each with its access role.
    const accounts: Account[] = await all(async (t) => {
      const r = await org.send(new ListAccountsCommand({ NextToken: t }));
      return { items: r.Accounts, next: r.NextToken };
    });
    const members = accounts.filter((a) => a.Id !== s.accountId);
    assert.deepEqual(members.map((a) => a.Id).sort(), done.map((x) => x.AccountId).sort());
    for (const a of members) {
      await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${a.Id}:role/OrganizationAccountAccessRole`, RoleSessionName: "check" }));
    }
  } finally {
    await s.destroy();
  }
});
