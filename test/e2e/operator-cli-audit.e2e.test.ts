/**
 * Operator CLI commands (`bulwark organizations …`, `bulwark accounts …`) are audited like
 * API calls: CloudTrail events in the same hash chain, sealed by a digest, found by
 * LookupEvents, naming the local operator.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { CloudTrailClient, LookupEventsCommand, type Event } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient, DescribeOrganizationCommand, ListAccountsCommand } from "@aws-sdk/client-organizations";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { startTestServer, type TestServer } from "./harness.js";

const CLI = path.resolve("dist/src/cli/main.js");

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as another process (asynchronously, so a server in this process keeps serving). */
function cli(s: TestServer, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--data-dir", s.dataDir], {
      env: { ...process.env, BULWARK_ROOT_KEY: s.rootKey, BULWARK_LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function operatorEvents(s: TestServer): Promise<Array<Record<string, any>>> {
  const ct = new CloudTrailClient(s.clientConfig());
  const events: Event[] = [];
  let token: string | undefined;
  do {
    const page = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "root" }], ...(token ? { NextToken: token } : {}) }));
    events.push(...(page.Events ?? []));
    token = page.NextToken;
  } while (token);
  // LookupEvents pages newest first: reversed, events of the same second stay in log order.
  return events
    .reverse()
    .map((e) => JSON.parse(e.CloudTrailEvent as string) as Record<string, any>)
    .filter((e) => String(e.userAgent).startsWith("bulwark-cli/"))
    .sort((a, b) => (a.eventTime === b.eventTime ? 0 : a.eventTime < b.eventTime ? -1 : 1));
}

test("operator commands are audited as the local operator; audit verify passes; LookupEvents finds them", async () => {
  const first = await startTestServer();
  await first.stop();
  const s0 = first;
  try {
    const describeNone = await cli(s0, ["organizations", "describe"]);
    assert.equal(describeNone.status, 1);
    assert.match(describeNone.stderr, /No organization yet: run `bulwark organizations create`/);

    const created = await cli(s0, ["organizations", "create"]);
    assert.equal(created.status, 0, created.stderr);
    const org = JSON.parse(created.stdout).Organization;
    assert.equal(org.MasterAccountId, s0.accountId);

    const described = await cli(s0, ["organizations", "describe"]);
    assert.equal(described.status, 0, described.stderr);
    assert.equal(JSON.parse(described.stdout).Organization.Id, org.Id);

    const made = await cli(s0, ["accounts", "create", "--name", "Dev", "--email", "dev@example.com"]);
    assert.equal(made.status, 0, made.stderr);
    const status = JSON.parse(made.stdout).CreateAccountStatus;
    assert.equal(status.State, "SUCCEEDED");

    const listed = await cli(s0, ["accounts", "list"]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).Accounts.map((a: { Id: string }) => a.Id).sort(), [s0.accountId, status.AccountId].sort());

    const verify = await cli(s0, ["audit", "verify", "--json"]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const report = JSON.parse(verify.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.notes, [], "every event is covered by a signed digest");

    const s = await startTestServer({ dataDir: s0.dataDir, rootKey: s0.rootKey });
    try {
      const events = await operatorEvents(s);
      assert.deepEqual(
        events.map((e) => [e.eventName, e.readOnly, e.errorCode ?? null]),
        [
          ["DescribeOrganization", true, "AWSOrganizationsNotInUseException"],
          ["CreateOrganization", false, null],
          ["DescribeOrganization", true, null],
          ["CreateAccount", false, null],
          ["ListAccounts", true, null],
        ],
      );
      for (const e of events) {
        assert.deepEqual(e.userIdentity, { type: "Root", principalId: s.accountId, arn: `arn:aws:iam::${s.accountId}:root`, accountId: s.accountId });
        assert.equal(e.eventSource, "organizations.amazonaws.com");
        assert.equal(e.awsRegion, "us-east-1");
        assert.equal(e.sourceIPAddress, "127.0.0.1");
        assert.equal(e.recipientAccountId, s.accountId);
        assert.equal(e.eventType, "AwsApiCall");
        assert.equal(e.additionalEventData.operator.tool, "bulwark-cli");
        assert.equal(typeof e.additionalEventData.operator.localUser, "string");
        assert.match(e.requestID, /^[0-9a-f-]{36}$/);
      }
      const [failed, create, , account] = events;
      assert.equal(failed!.errorMessage, "Your account is not a member of an organization.");
      assert.equal(failed!.additionalEventData.operator.command, "bulwark organizations describe");
      assert.match(create!.userAgent, /^bulwark-cli\/0\.1\.0 node\/v\d+\.\d+\.\d+ \w+\/\w+ command\/organizations\.create$/);
      assert.equal(create!.responseElements.organization.id, org.Id);
      assert.match(account!.userAgent, / command\/accounts\.create$/);
      assert.equal(account!.responseElements.createAccountStatus.accountId, status.AccountId);
      assert.equal(account!.responseElements.createAccountStatus.state, "SUCCEEDED");
      assert.ok(!JSON.stringify(account).includes("dev@example.com"), "the account email is sensitive in the Organizations model");

      // The API sees what the operator made.
      const orgs = new OrganizationsClient(s.clientConfig());
      assert.equal((await orgs.send(new DescribeOrganizationCommand({}))).Organization?.Id, org.Id);
      assert.equal((await orgs.send(new ListAccountsCommand({}))).Accounts?.length, 2);
    } finally {
      await s.stop();
    }
    const after = await cli(s0, ["audit", "verify", "--json"]);
    assert.equal(after.status, 0, after.stdout);
    assert.equal(JSON.parse(after.stdout).ok, true);
  } finally {
    rmSync(s0.dataDir, { recursive: true, force: true });
  }
});

// The CLI appends to the same log while the server runs: the server's next batch no longer
// continues the stored log; the audit log re-chains it (and retries a conflicting digest), so the
// server's calls are still answered and the chain stays whole.
test("operator commands while the server runs: the server's calls go on being answered", async () => {
  const s = await startTestServer();
  let stopped = false;
  try {
    const sts = new STSClient(s.clientConfig());
    await sts.send(new GetCallerIdentityCommand({}));
    const created = await cli(s, ["accounts", "create", "--name", "Live", "--email", "live@example.com"]);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).CreateAccountStatus.State, "SUCCEEDED");
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    const orgs = new OrganizationsClient(s.clientConfig());
    assert.equal((await orgs.send(new ListAccountsCommand({}))).Accounts?.length, 2);
    assert.deepEqual((await operatorEvents(s)).map((e) => e.eventName), ["CreateOrganization", "CreateAccount"]);
    stopped = true;
    await s.stop();
    const verify = await cli(s, ["audit", "verify", "--json"]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.deepEqual(JSON.parse(verify.stdout).notes, []);
  } finally {
    if (!stopped) await s.stop().catch(() => {});
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

test("audit prune while the server runs: old digest periods go, LookupEvents and audit verify see the rest", async () => {
  const s = await startTestServer();
  try {
    const sts = new STSClient(s.clientConfig());
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    await s.app.audit.flush(); // a digest over the first calls
    await new Promise((r) => setTimeout(r, 1100)); // a later second: the cutoff falls between
    const cutoff = new Date(s.clock.now()).toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await sts.send(new GetCallerIdentityCommand({}));

    const refused = await cli(s, ["audit", "prune"]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /Give one of --before <time> or --older-than-days <days>/);
    const badTime = await cli(s, ["audit", "prune", "--before", "yesterday"]);
    assert.equal(badTime.status, 1);
    assert.equal(badTime.stderr, 'bulwark: Invalid --before "yesterday": expected an ISO 8601 time such as 2026-09-01T00:00:00Z.\n');

    const pruned = await cli(s, ["audit", "prune", "--before", cutoff]);
    assert.equal(pruned.status, 0, pruned.stderr);
    const out = JSON.parse(pruned.stdout);
    assert.ok(out.prunedThroughEvent >= 3 && out.deleted === out.prunedThroughEvent && out.newPruneRecord === 1, pruned.stdout);

    // The server goes on appending on the same chain.
    await sts.send(new GetCallerIdentityCommand({}));
    await s.app.audit.flush();
    const ct = new CloudTrailClient(s.clientConfig());
    const events = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetCallerIdentity" }] }))).Events ?? [];
    assert.equal(events.length, 2, "the calls after the cutoff are kept, the three before it are gone");
    assert.ok(events.every((e) => e.EventTime! > new Date(cutoff)));

    const verify = await cli(s, ["audit", "verify", "--json"]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const report = JSON.parse(verify.stdout);
    assert.equal(report.ok, true);
    assert.match(report.notes[0], new RegExp(`^events 1\\.\\.${out.prunedThroughEvent} were deleted under a signed prune record`));
  } finally {
    await s.stop();
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

test("audit public-key prints the sealed key's public half; audit verify --fingerprint / --public-key: a stored public key swapped for another, with every digest re-signed, is caught", async () => {
  const s = await startTestServer();
  let stopped = false;
  try {
    const fingerprint = s.app.core.bootstrap!.auditKeyFingerprint;
    assert.match(fingerprint, /^[0-9a-f]{64}$/);
    const sts = new STSClient(s.clientConfig());
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    stopped = true;
    await s.stop();
    // The operator keeps the public key outside the data directory, as `audit public-key` prints it.
    const pemFile = path.join(s.dataDir, "pinned.pem");
    const exported = await cli(s, ["audit", "public-key"]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    assert.equal(exported.stderr, `SHA-256 fingerprint: ${fingerprint}\n`);
    const db = new Database(path.join(s.dataDir, "bulwark.db"));
    assert.equal(exported.stdout, (db.prepare("SELECT value FROM meta WHERE key = ?").get("audit/digest-key/public") as { value: string }).value);
    db.close();
    writeFileSync(pemFile, exported.stdout);

    const intact = await cli(s, ["audit", "verify", "--fingerprint", fingerprint.toUpperCase(), "--public-key", pemFile]);
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);
    assert.match(intact.stdout, new RegExp(`^OK: \\d+ events, 1 digest checked with the digest key of SHA-256 fingerprint ${fingerprint}\\n`));
    const badFlag = await cli(s, ["audit", "verify", "--fingerprint", "abc"]);
    assert.equal(badFlag.status, 1);
    assert.match(badFlag.stderr, /Invalid --fingerprint "abc": expected the 64 hex digits of a SHA-256 fingerprint/);

    // Someone who can write the database but has no root key: their own key, every digest re-signed.
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = new Database(path.join(s.dataDir, "bulwark.db"));
    forged.exec("DROP TRIGGER audit_digests_no_update");
    forged.prepare("UPDATE meta SET value = ? WHERE key = ?").run(publicKey.export({ type: "spki", format: "pem" }).toString(), "audit/digest-key/public");
    let prev: { json: string; signature: string } | undefined;
    for (const d of forged.prepare("SELECT seq, json FROM audit_digests ORDER BY seq").all() as Array<{ seq: number; json: string }>) {
      const c = JSON.parse(d.json);
      if (prev) Object.assign(c, { previousDigestSignature: prev.signature, previousDigestHash: createHash("sha256").update(prev.json).digest("hex") });
      const json = JSON.stringify(c);
      const signature = sign("sha256", Buffer.from(json), privateKey).toString("base64");
      forged.prepare("UPDATE audit_digests SET json = ?, signature = ? WHERE seq = ?").run(json, signature, d.seq);
      prev = { json, signature };
    }
    forged.close();

    // The key `audit public-key` prints comes from the sealed private key, not the row replaced.
    const again = await cli(s, ["audit", "public-key"]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, exported.stdout);

    const unpinned = await cli(s, ["audit", "verify"]);
    assert.equal(unpinned.status, 0, "without a pin, the stored key is all verify has");
    assert.doesNotMatch(unpinned.stdout, new RegExp(fingerprint));
    const byFingerprint = await cli(s, ["audit", "verify", "--fingerprint", fingerprint]);
    assert.equal(byFingerprint.status, 2, byFingerprint.stdout + byFingerprint.stderr);
    assert.match(byFingerprint.stdout, new RegExp(`^FAILED: .*\\n {2}public-key-mismatch: the digest key stored in the database has fingerprint [0-9a-f]{64}, not ${fingerprint}\\n`));
    const byKey = await cli(s, ["audit", "verify", "--public-key", pemFile, "--json"]);
    assert.equal(byKey.status, 2, byKey.stdout + byKey.stderr);
    const report = JSON.parse(byKey.stdout);
    assert.equal(report.publicKeyFingerprint, fingerprint);
    assert.deepEqual(report.problems.map((p: { kind: string }) => p.kind), ["public-key-mismatch", "bad-digest-signature"]);
  } finally {
    if (!stopped) await s.stop().catch(() => {});
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

test("audit verify --checkpoint: a log cut back to an earlier digest, events and digests together, is caught", async () => {
  const s = await startTestServer();
  let stopped = false;
  try {
    const sts = new STSClient(s.clientConfig());
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    await s.app.audit.flush();
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    stopped = true;
    await s.stop();

    const first = await cli(s, ["audit", "verify"]);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    const m = /\n {2}checkpoint: (2:[0-9a-f]{64}) \(digest of events through #(\d+), \d{4}-\d\d-\d\dT[\d:]+Z; keep it outside the data directory/.exec(first.stdout);
    assert.ok(m, first.stdout);
    const checkpoint = m[1]!;
    const json = JSON.parse((await cli(s, ["audit", "verify", "--json", "--checkpoint", checkpoint])).stdout);
    assert.equal(json.ok, true);
    assert.equal(`${json.checkpoint.digest}:${json.checkpoint.hash}`, checkpoint);

    // Someone who can write the database removes the newest events and the digest that signed them.
    const db = new Database(path.join(s.dataDir, "bulwark.db"));
    db.exec("DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_digests_no_delete");
    const kept = (db.prepare("SELECT to_seq FROM audit_digests WHERE seq = 1").get() as { to_seq: number }).to_seq;
    db.prepare("DELETE FROM audit_events WHERE seq > ?").run(kept);
    db.prepare("DELETE FROM audit_digests WHERE seq > 1").run();
    db.close();

    const alone = await cli(s, ["audit", "verify"]);
    assert.equal(alone.status, 0, "by itself, a log cut back at a digest is a complete signed log");
    assert.match(alone.stdout, /\n {2}checkpoint: 1:[0-9a-f]{64} /);
    const against = await cli(s, ["audit", "verify", "--checkpoint", checkpoint]);
    assert.equal(against.status, 2, against.stdout + against.stderr);
    assert.match(against.stdout, /^FAILED: .*\n {2}removed at digest #2: digest 2, the checkpoint given, is not in the log \(its last digest is 1\): the log was cut back, events and digests together\n/);
    assert.doesNotMatch(against.stdout, /checkpoint: /);
    const bad = await cli(s, ["audit", "verify", "--checkpoint", "2:abc"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Invalid --checkpoint "2:abc": expected <digest number>:<64 hex digits>, as audit verify prints it\./);
  } finally {
    if (!stopped) await s.stop().catch(() => {});
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});
