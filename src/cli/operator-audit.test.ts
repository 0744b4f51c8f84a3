import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { CreateAccount$, CreateOrganization$, DescribeOrganization$ } from "@aws-sdk/client-organizations";
import { createAuditLog } from "../audit/audit-log.js";
import { createDigestSigner } from "../audit/digest-key.js";
import { MemoryAuditStore } from "../audit/memory-audit-store.js";
import type { ApiCallRecord, AuditLog } from "../audit/types.js";
import { verifyAudit } from "../audit/verify.js";
import { ManualClock } from "../core/clock.js";
import { AwsError } from "../core/errors.js";
import { AuditWriteError, createOperatorAudit, operatorUserAgent } from "./operator-audit.js";

const MGMT = "111122223333";
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const signer = createDigestSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));

function logOver(store: MemoryAuditStore, clock: ManualClock) {
  return createAuditLog({ store, digestSigner: signer, clock, batchMaxDelayMs: 0, digestIntervalMs: 0 });
}

const events = (store: MemoryAuditStore): Array<Record<string, any>> => store.rows.map((r) => JSON.parse(r.json) as Record<string, any>);

describe("operator audit", () => {
  test("a command that changes state leaves an intent while it runs; a process that stops in it leaves the intent for the next start", async () => {
    const store = new MemoryAuditStore();
    const clock = new ManualClock(T0);
    const log = logOver(store, clock);
    await log.ready();
    const audit = createOperatorAudit({ audit: log, clock, accountId: MGMT, region: "us-east-1", command: "organizations create" });
    let during = -1;
    await audit.call({ operation: "CreateOrganization", schema: CreateOrganization$, readOnly: false, input: { FeatureSet: "ALL" } }, async () => {
      during = store.intents.size;
      return { Organization: { Id: "o-aaaaaaaaaa" } };
    });
    assert.equal(during, 1);
    assert.equal(store.intents.size, 0);
    await audit.call({ operation: "DescribeOrganization", schema: DescribeOrganization$, readOnly: true, input: {} }, async () => {
      during = store.intents.size;
      return {};
    });
    assert.equal(during, 0, "read-only commands leave no intent");
    // The process stops inside the command: its change may be stored, its event is not.
    void audit.call({ operation: "CreateAccount", schema: CreateAccount$, readOnly: false, input: { AccountName: "Dev", Email: "dev@example.com" } }, () => new Promise<never>(() => {}));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.intents.size, 1);
    const next = logOver(store, clock);
    await next.ready();
    assert.equal(await next.recoverIntents(), 1);
    const last = events(store).at(-1)!;
    assert.equal(last.eventName, "CreateAccount");
    assert.equal(last.errorCode, "InternalFailure");
    assert.deepEqual(last.requestParameters, { accountName: "****", email: "****" }, "redacted as the call's own event is");
    assert.deepEqual(last.userIdentity, { type: "Root", principalId: MGMT, arn: `arn:aws:iam::${MGMT}:root`, accountId: MGMT });
  });

  test("records a command's outcome as the operator (Root of the management account, no access key)", async () => {
    const store = new MemoryAuditStore();
    const clock = new ManualClock(T0);
    const log = logOver(store, clock);
    await log.ready();
    const audit = createOperatorAudit({ audit: log, clock, accountId: MGMT, region: "eu-west-1", command: "accounts create" });

    const out = await audit.call({ operation: "CreateAccount", schema: CreateAccount$, readOnly: false, input: { AccountName: "Dev", Email: "dev@example.com" } }, async () => ({
      CreateAccountStatus: { Id: "car-abcdefgh", AccountName: "Dev", State: "SUCCEEDED", AccountId: "123456789012", RequestedTimestamp: new Date(T0) },
    }));
    assert.equal(out.CreateAccountStatus.State, "SUCCEEDED");
    await assert.rejects(
      audit.call({ operation: "DescribeOrganization", schema: DescribeOrganization$, readOnly: true, input: {} }, async () => {
        throw new AwsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 404);
      }),
      (e: unknown) => e instanceof AwsError && e.code === "AWSOrganizationsNotInUseException",
    );
    await assert.rejects(
      audit.call({ operation: "DescribeOrganization", schema: DescribeOrganization$, readOnly: true, input: {} }, async () => {
        throw new Error("SQLITE_IOERR: disk I/O error at /var/lib/bulwark/bulwark.db");
      }),
      /SQLITE_IOERR/,
    );
    await log.close();

    const [created, notInUse, internal] = events(store);
    assert.deepEqual(created!.userIdentity, { type: "Root", principalId: MGMT, arn: `arn:aws:iam::${MGMT}:root`, accountId: MGMT });
    assert.equal(created!.eventName, "CreateAccount");
    assert.equal(created!.eventSource, "organizations.amazonaws.com");
    assert.equal(created!.awsRegion, "eu-west-1");
    assert.equal(created!.eventTime, "2026-01-02T03:04:05Z");
    assert.equal(created!.sourceIPAddress, "127.0.0.1");
    assert.equal(created!.userAgent, operatorUserAgent("accounts create"));
    assert.match(created!.userAgent, / command\/accounts\.create$/);
    assert.equal(created!.readOnly, false);
    assert.equal(created!.recipientAccountId, MGMT);
    assert.equal(created!.requestParameters.accountName, "****");
    assert.equal(created!.requestParameters.email, "****");
    assert.equal(created!.responseElements.createAccountStatus.accountId, "123456789012");
    assert.deepEqual(Object.keys(created!.additionalEventData.operator).sort(), ["command", "host", "localUser", "tool"]);
    assert.equal(created!.additionalEventData.operator.command, "bulwark accounts create");
    assert.deepEqual([notInUse!.errorCode, notInUse!.errorMessage, notInUse!.readOnly, notInUse!.responseElements], ["AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", true, null]);
    // An unexpected failure is recorded without its internal detail.
    assert.deepEqual([internal!.errorCode, internal!.errorMessage], ["InternalFailure", "We encountered an internal error. Please try again."]);
    assert.ok(!store.rows.some((r) => r.json.includes("SQLITE_IOERR") || r.json.includes("dev@example.com")));
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual([report.ok, report.events, report.notes], [true, 3, []]);
  });

  test("another process appending meanwhile: the event is chained again, and the log stays valid", async () => {
    const store = new MemoryAuditStore();
    const clock = new ManualClock(T0);
    const server = logOver(store, clock);
    const cli = logOver(store, clock);
    await Promise.all([server.ready(), cli.ready()]);
    const rec = (operation: string): ApiCallRecord => ({ time: clock.now(), requestId: "r", eventSource: "sts.amazonaws.com", service: "sts", operation, region: "us-east-1", sourceIp: "192.0.2.1", userAgent: "t", readOnly: true, annotations: {} });
    await server.record(rec("GetCallerIdentity")); // the CLI's head is now stale
    const audit = createOperatorAudit({ audit: cli, clock, accountId: MGMT, region: "us-east-1", command: "organizations describe" });
    await audit.call({ operation: "DescribeOrganization", schema: DescribeOrganization$, readOnly: true, input: {} }, async () => ({ Organization: { Id: "o-aaaaaaaaaa" } }));
    await cli.close();
    assert.deepEqual(events(store).map((e) => e.eventName), ["GetCallerIdentity", "DescribeOrganization"]);
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
  });

  test("an event that cannot be written fails the command, naming what was done", async () => {
    const clock = new ManualClock(T0);
    let attempts = 0;
    const broken: AuditLog = {
      record: async () => {
        attempts++;
        throw new Error("disk full");
      },
      flush: async () => {},
      close: async () => {},
    };
    const audit = createOperatorAudit({ audit: broken, clock, accountId: MGMT, region: "us-east-1", command: "organizations create", attempts: 3 });
    let ran = 0;
    await assert.rejects(
      audit.call({ operation: "CreateOrganization", schema: CreateOrganization$, readOnly: false, input: {} }, async () => ++ran),
      (e: unknown) => e instanceof AuditWriteError && e.message === "CreateOrganization succeeded, but its audit event could not be written (disk full).",
    );
    assert.deepEqual([ran, attempts], [1, 3]);
  });
});
