import { test } from "node:test";
import assert from "node:assert/strict";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { MemoryAuditStore } from "../../audit/memory-audit-store.js";
import { alice, record, root, roleSession, T0 } from "../../audit/test-fixtures.js";
import type { ApiCallRecord } from "../../audit/types.js";
import { ManualClock } from "../../core/clock.js";
import { readActivity } from "./last-accessed-activity.js";

/** The audit log as the gateway writes it, over an in-memory store. */
async function logOf(records: ApiCallRecord[]): Promise<MemoryAuditStore> {
  const store = new MemoryAuditStore();
  const log = createAuditLog({ store, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0 });
  await log.ready();
  for (const r of records) await log.record(r);
  await log.close();
  return store;
}

const kms = (over: Partial<ApiCallRecord>): ApiCallRecord =>
  record({ eventSource: "kms.amazonaws.com", service: "kms", operation: "Encrypt", region: "eu-west-1", input: {}, output: {}, readOnly: false, ...over });

test("each caller's latest attempt per action, denied ones included; unauthenticated calls and other callers' copies left out", async () => {
  const store = await logOf([
    kms({ time: T0 + 1000, region: "us-west-2" }),
    kms({ time: T0 + 2000, region: "eu-central-1", error: { code: "AccessDeniedException", message: "denied" } }),
    kms({ time: T0 + 3000, operation: "Decrypt" }),
    // A signature that did not verify: the claimed key, no principal.
    kms({ time: T0 + 4000, principal: undefined, accessKeyId: alice.accessKeyId, accountId: alice.accountId, error: { code: "InvalidSignatureException", message: "bad" } }),
    kms({ time: T0 + 5000, principal: roleSession, accessKeyId: roleSession.accessKeyId, region: "ap-south-1" }),
    kms({ time: T0 + 6000, principal: root, accessKeyId: root.accessKeyId, operation: "CreateKey" }),
    // Alice's call on another account's key: that account's copy names her only as an account.
    kms({ time: T0 + 7000, region: "sa-east-1", annotations: { recipientAccountId: "444455556666" } }),
  ]);
  const all = await readActivity(store, { accountId: "111122223333", startTime: T0, endTime: T0 + 10_000, wants: () => true });
  const view = all.map((a) => [a.actor.kind === "root" ? `root:${a.actor.accountId}` : `${a.actor.kind}:${a.actor.id}`, a.eventName, a.time - T0, a.region]).sort();
  assert.deepEqual(view, [
    ["role:AROAEXAMPLEDEPLOY001", "Encrypt", 5000, "ap-south-1"],
    ["root:111122223333", "CreateKey", 6000, "eu-west-1"],
    ["user:AIDAEXAMPLEALICE0001", "Decrypt", 3000, "eu-west-1"],
    ["user:AIDAEXAMPLEALICE0001", "Encrypt", 7000, "sa-east-1"],
  ]);
  assert.ok(all.every((a) => a.accountId === "111122223333" && a.eventSource === "kms.amazonaws.com"));

  const other = await readActivity(store, { accountId: "444455556666", startTime: T0, endTime: T0 + 10_000, wants: () => true });
  assert.deepEqual(other, []);
});

test("the tracking window bounds the scan, `wants` picks the actors, and paging sees every event", async () => {
  const records = Array.from({ length: 23 }, (_, i) => kms({ time: T0 + i * 1000, operation: i % 2 === 0 ? "Encrypt" : "Decrypt", region: `r-${i}` }));
  records.push(kms({ time: T0 + 30_000, principal: roleSession, accessKeyId: roleSession.accessKeyId }));
  const store = await logOf(records);
  const onlyAlice = (a: { kind: string }) => a.kind === "user";
  const paged = await readActivity(store, { accountId: "111122223333", startTime: T0, endTime: T0 + 60_000, wants: onlyAlice, pageSize: 4 });
  const whole = await readActivity(store, { accountId: "111122223333", startTime: T0, endTime: T0 + 60_000, wants: onlyAlice });
  const regions = (l: typeof paged) => l.map((a) => `${a.eventName}@${a.region}`).sort();
  assert.deepEqual(regions(paged), ["Decrypt@r-21", "Encrypt@r-22"]);
  assert.deepEqual(regions(whole), regions(paged));
  const early = await readActivity(store, { accountId: "111122223333", startTime: T0, endTime: T0 + 10_000, wants: onlyAlice, pageSize: 3 });
  assert.deepEqual(regions(early), ["Decrypt@r-9", "Encrypt@r-10"]);
});
