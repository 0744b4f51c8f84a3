import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNTS_COLLECTION } from "../organizations/accounts.js";
import { recordAccessKeyUse } from "./access-keys.js";
import { CREDENTIAL_REPORT_COLUMNS, GENERATION_TIMEOUT_MS, REPORT_LIFETIME_MS, reportTime } from "./credential-report.js";
import { putRootAccessKey } from "./iam-api.js";
import { COLLECTIONS, type CredentialReportDoc } from "./model.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, T0, type Harness } from "./testing/harness.js";
import { base32Decode, stepAt, totpAt } from "./totp.js";
import type { DocStore } from "../../storage/types.js";

function bindAll(tx: DocStore): DocStore {
  return {
    get: (c, k) => tx.get(c, k),
    put: (c, k, v) => tx.put(c, k, v),
    putIfAbsent: (c, k, v) => tx.putIfAbsent(c, k, v),
    delete: (c, k) => tx.delete(c, k),
    list: (c, o) => tx.list(c, o),
    count: (c, p) => tx.count(c, p),
  } as DocStore;
}

const MIN = 60_000;
const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
  "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
  "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

interface Report {
  Content: Uint8Array;
  ReportFormat: string;
  GeneratedTime: Date;
}

const csvOf = (r: Report) => Buffer.from(r.Content).toString("utf8");

/**
 * Root (account created 2024-01-01, one active root key), alice (/eng/, password, enabled MFA
 * device, key 1 active and used, key 2 inactive and unused), bob (nothing); password policy
 * MaxPasswordAge 90. Returns with the clock at T0+10min.
 */
async function fixture(h: Harness): Promise<void> {
  await h.store.put(ACCOUNTS_COLLECTION, ACCOUNT, { id: ACCOUNT, name: "Main", email: "ops@example.com", status: "ACTIVE", createdAt: Date.UTC(2024, 0, 1) });
  await putRootAccessKey(h.iam.env, { accountId: ACCOUNT, accessKeyId: "AKIAROOTKEY000000001", secretAccessKey: "s".repeat(40), now: T0 });
  await h.call("UpdateAccountPasswordPolicy", { MaxPasswordAge: 90 });
  await h.call("CreateUser", { UserName: "alice", Path: "/eng/" });
  h.clock.advance(MIN);
  await h.call("CreateLoginProfile", { UserName: "alice", Password: "Str0ng-Passw0rd!" });
  h.clock.advance(MIN);
  const dev = await h.call<{ VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array } }>("CreateVirtualMFADevice", { VirtualMFADeviceName: "alice-phone" });
  const seed = base32Decode(Buffer.from(dev.VirtualMFADevice.Base32StringSeed).toString("ascii"));
  const step = stepAt(h.clock.now());
  await h.call("EnableMFADevice", {
    UserName: "alice",
    SerialNumber: dev.VirtualMFADevice.SerialNumber,
    AuthenticationCode1: totpAt(seed, step - 1),
    AuthenticationCode2: totpAt(seed, step),
  });
  h.clock.advance(MIN);
  const k1 = await h.call<{ AccessKey: { AccessKeyId: string } }>("CreateAccessKey", { UserName: "alice" });
  h.clock.advance(MIN);
  const k2 = await h.call<{ AccessKey: { AccessKeyId: string } }>("CreateAccessKey", { UserName: "alice" });
  await h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: k2.AccessKey.AccessKeyId, Status: "Inactive" });
  h.clock.advance(MIN);
  await recordAccessKeyUse(h.iam.env, k1.AccessKey.AccessKeyId, { date: h.clock.now(), region: "us-east-1", service: "s3" });
  h.clock.advance(MIN);
  await h.call("CreateUser", { UserName: "bob" });
  h.clock.advance(4 * MIN);
}

const FIXTURE_CSV = [
  HEADER,
  "<root_account>,arn:aws:iam::111122223333:root,2024-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,false," +
    "true,2025-01-15T12:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
  "alice,arn:aws:iam::111122223333:user/eng/alice,2025-01-15T12:00:00+00:00,true,no_information,2025-01-15T12:01:00+00:00,2025-04-15T12:01:00+00:00,true," +
    "true,2025-01-15T12:03:00+00:00,2025-01-15T12:05:00+00:00,us-east-1,s3," +
    "false,2025-01-15T12:04:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
  "bob,arn:aws:iam::111122223333:user/bob,2025-01-15T12:06:00+00:00,false,N/A,N/A,N/A,false," +
    "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
].join("\n");

describe("IAM credential report", () => {
  test("columns are IAM's, in IAM's order; timestamps as IAM writes them", () => {
    assert.equal(CREDENTIAL_REPORT_COLUMNS.join(","), HEADER);
    assert.equal(CREDENTIAL_REPORT_COLUMNS.length, 22);
    assert.equal(reportTime(Date.UTC(2025, 0, 15, 12, 0, 0, 789)), "2025-01-15T12:00:00+00:00");
  });

  test("the exact CSV: root row, a user with password, MFA and two keys (one used), a user with nothing", async () => {
    const h = createHarness();
    await fixture(h);
    const gen = await h.call("GenerateCredentialReport", {});
    assert.deepEqual(gen, { State: "STARTED", Description: "No report exists. Starting a new report generation task" });
    const r = await h.call<Report>("GetCredentialReport", {});
    assert.equal(r.ReportFormat, "text/csv");
    assert.equal(r.GeneratedTime.getTime(), T0 + 10 * MIN);
    assert.equal(csvOf(r), FIXTURE_CSV);
  });

  test("signing certificates fill cert_1 / cert_2 in upload order (active flag and upload date)", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "carol" });
    const cert = (id: string, status: "Active" | "Inactive", uploadDate: number) => ({ accountId: ACCOUNT, userId: "", certificateId: id, body: "-", sha256: id, status, uploadDate });
    const carol = (await h.call<{ User: { UserId: string } }>("GetUser", { UserName: "carol" })).User.UserId;
    await h.store.put(COLLECTIONS.signingCertificates, `${ACCOUNT}/${carol}/B`, { ...cert("B", "Inactive", T0 + 2 * MIN), userId: carol });
    await h.store.put(COLLECTIONS.signingCertificates, `${ACCOUNT}/${carol}/A`, { ...cert("A", "Active", T0 + MIN), userId: carol });
    await h.call("GenerateCredentialReport", {});
    const line = csvOf(await h.call<Report>("GetCredentialReport", {})).split("\n")[2]!;
    assert.ok(line.endsWith(",true,2025-01-15T12:01:00+00:00,false,2025-01-15T12:02:00+00:00"), line);
  });

  test("without a rotation policy password_next_rotation is N/A; fields with commas or quotes are quoted", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "a,b" });
    await h.call("CreateLoginProfile", { UserName: "a,b", Password: "Str0ng-Passw0rd!" });
    await h.call("GenerateCredentialReport", {});
    const lines = csvOf(await h.call<Report>("GetCredentialReport", {})).split("\n");
    assert.equal(lines.length, 3);
    // No account record in storage: the root's creation time is unknown.
    assert.equal(lines[1], "<root_account>,arn:aws:iam::111122223333:root,N/A,not_supported,no_information,not_supported,not_supported,false," +
      "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A");
    assert.equal(lines[2], `"a,b","arn:aws:iam::111122223333:user/a,b",2025-01-15T12:00:00+00:00,true,no_information,2025-01-15T12:00:00+00:00,N/A,false,` +
      "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A");
  });

  test("state machine: NotPresent → STARTED → COMPLETE (no new report within 4 hours) → Expired → STARTED", async () => {
    const h = createHarness();
    await assertAwsError(h.call("GetCredentialReport", {}), "ReportNotPresent", 410, "");
    assert.deepEqual(await h.call("GenerateCredentialReport", {}), { State: "STARTED", Description: "No report exists. Starting a new report generation task" });
    const first = await h.call<Report>("GetCredentialReport", {});
    assert.equal(first.GeneratedTime.getTime(), T0);
    assert.equal(csvOf(first).split("\n").length, 2);

    // A report younger than four hours: COMPLETE, and the same report (carol is not in it).
    await h.call("CreateUser", { UserName: "carol" });
    h.clock.advance(REPORT_LIFETIME_MS - 1);
    assert.deepEqual(await h.call("GenerateCredentialReport", {}), { State: "COMPLETE" });
    const same = await h.call<Report>("GetCredentialReport", {});
    assert.equal(same.GeneratedTime.getTime(), T0);
    assert.equal(csvOf(same), csvOf(first));

    // Four hours old: expired until a new generation.
    h.clock.advance(1);
    await assertAwsError(h.call("GetCredentialReport", {}), "ReportExpired", 410, "");
    assert.deepEqual(await h.call("GenerateCredentialReport", {}), { State: "STARTED", Description: "No report exists. Starting a new report generation task" });
    const second = await h.call<Report>("GetCredentialReport", {});
    assert.equal(second.GeneratedTime.getTime(), T0 + REPORT_LIFETIME_MS);
    assert.match(csvOf(second), /\ncarol,arn:aws:iam::111122223333:user\/carol,/);
    assert.deepEqual(await h.call("GenerateCredentialReport", {}), { State: "COMPLETE" });
  });

  test("while a generation runs: INPROGRESS and ReportInProgress; an abandoned one times out", async () => {
    const h = createHarness();
    await h.store.put<CredentialReportDoc>(COLLECTIONS.credentialReports, ACCOUNT, { accountId: ACCOUNT, state: "INPROGRESS", startedAt: T0 });
    h.clock.advance(GENERATION_TIMEOUT_MS - 1);
    assert.deepEqual(await h.call("GenerateCredentialReport", {}), { State: "INPROGRESS" });
    await assertAwsError(h.call("GetCredentialReport", {}), "ReportInProgress", 404, "");
    h.clock.advance(1);
    await assertAwsError(h.call("GetCredentialReport", {}), "ReportNotPresent", 410, "");
    assert.equal((await h.call<{ State: string }>("GenerateCredentialReport", {})).State, "STARTED");
    assert.equal((await h.call<Report>("GetCredentialReport", {})).ReportFormat, "text/csv");
  });

  test("a failed generation leaves no INPROGRESS marker behind", async () => {
    const h = createHarness();
    // The generation's second transaction (the build, after the INPROGRESS marker committed) fails.
    const orig = h.store.transaction.bind(h.store);
    let n = 0;
    h.store.transaction = ((fn: (tx: DocStore) => Promise<unknown>) =>
      orig(async (tx) => {
        if (++n !== 2) return fn(tx);
        const failing: DocStore = { ...bindAll(tx), list: async () => Promise.reject(new Error("disk on fire")) };
        return fn(failing);
      })) as typeof h.store.transaction;
    await assert.rejects(h.call("GenerateCredentialReport", {}), /disk on fire/);
    assert.equal(await h.store.get(COLLECTIONS.credentialReports, ACCOUNT), undefined);
    await assertAwsError(h.call("GetCredentialReport", {}), "ReportNotPresent", 410, "");
    assert.equal((await h.call<{ State: string }>("GenerateCredentialReport", {})).State, "STARTED");
  });

  test("authorised as iam:GenerateCredentialReport / iam:GetCredentialReport on *; reports are per account", async () => {
    const h = createHarness();
    h.deny.add("iam:GenerateCredentialReport");
    await assertAwsError(h.call("GenerateCredentialReport", {}), "AccessDeniedException", 400, /iam:GenerateCredentialReport on resource: \*/);
    assert.equal(await h.store.get(COLLECTIONS.credentialReports, ACCOUNT), undefined);
    h.deny.clear();
    await h.call("GenerateCredentialReport", {});
    h.deny.add("iam:GetCredentialReport");
    await assertAwsError(h.call("GetCredentialReport", {}), "AccessDeniedException", 400, /iam:GetCredentialReport on resource: \*/);
    assert.deepEqual(
      h.calls.map((c) => [c.action, c.resource]),
      [
        ["iam:GenerateCredentialReport", "*"],
        ["iam:GenerateCredentialReport", "*"],
        ["iam:GetCredentialReport", "*"],
      ],
    );
    h.deny.clear();
    await assertAwsError(h.call("GetCredentialReport", {}, { accountId: OTHER_ACCOUNT }), "ReportNotPresent", 410, "");
  });
});
