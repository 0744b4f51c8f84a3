/**
 * KMS's own CloudTrail events (DeleteKey, RotateKey, DeleteExpiredKeyMaterial) are staged with
 * the change they record: an append that fails (as when the process dies right after the commit)
 * leaves the event staged, and the next drain (the next start) appends it, once.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { AUDIT_OUTBOX, createAuditOutbox } from "../../audit/outbox.js";
import type { AuditLog } from "../../audit/types.js";
import { wrapKeyMaterialForImport } from "./crypto/index.js";
import { DAY_MS } from "./env.js";
import { createKmsHarness } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string; KeyState: string } };
type Ev = { eventID: string; eventName: string; eventType: string; resources: Array<{ ARN: string }>; serviceEventDetails?: Record<string, unknown> };

describe("KMS service events", () => {
  let failing = false;
  let log!: AuditLog;
  const h = createKmsHarness({
    audit: (store, clock) => {
      log = createAuditLog({ store, digestSigner: generateDigestSigner(), clock, digestIntervalMs: 0 });
      return { ...log, record: (rec) => (failing ? Promise.reject(new Error("process gone")) : log.record(rec)) };
    },
  });
  after(() => h.close());

  async function events(name: string): Promise<Ev[]> {
    const last = await h.store.lastAudit();
    if (!last) return [];
    return (await h.store.readAudit(1, last.seq)).map((r) => JSON.parse(r.json) as Ev).filter((e) => e.eventName === name);
  }

  /** What the next start does: a new outbox on the same storage drains what is staged. */
  const restartDrain = (): Promise<number> => createAuditOutbox({ store: h.store, audit: log, clock: h.clock }).drain();

  test("a key deleted at the end of its window has its DeleteKey event even when the append failed", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 });
    failing = true;
    h.clock.advance(7 * DAY_MS + 1);
    await h.scheduler.runDue();
    failing = false;
    await assert.rejects(h.call("DescribeKey", { KeyId: k.KeyId }), { name: "NotFoundException" });
    assert.deepEqual(await events("DeleteKey"), []);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 1);

    assert.equal(await restartDrain(), 1);
    const del = await events("DeleteKey");
    assert.equal(del.length, 1);
    assert.equal(del[0]!.eventType, "AwsServiceEvent");
    assert.deepEqual(del[0]!.resources.map((r) => r.ARN), [k.Arn]);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 0);
    assert.equal(await restartDrain(), 0);
    assert.equal((await events("DeleteKey")).length, 1);
  });

  test("RotateKey is in the log when RotateKeyOnDemand answers; a failed append is made up later", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const before = (await h.call<{ Rotations: unknown[] }>("ListKeyRotations", { KeyId: k.KeyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" })).Rotations as Array<{ KeyMaterialId: string }>;
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    let rot = (await events("RotateKey")).filter((e) => e.resources[0]!.ARN === k.Arn);
    assert.equal(rot.length, 1);
    const after1 = (await h.call<{ Rotations: Array<{ KeyMaterialId: string; KeyMaterialState: string }> }>("ListKeyRotations", { KeyId: k.KeyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" })).Rotations;
    const current = after1.find((r) => r.KeyMaterialState === "CURRENT")!.KeyMaterialId;
    assert.deepEqual(rot[0]!.serviceEventDetails, {
      rotationType: "ON_DEMAND",
      keyOrigin: "AWS_KMS",
      previousKeyMaterialId: before[0]!.KeyMaterialId,
      currentKeyMaterialId: current,
      keyId: k.KeyId,
    });

    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 90 });
    failing = true;
    h.clock.advance(91 * DAY_MS);
    await h.scheduler.runDue();
    failing = false;
    assert.equal((await events("RotateKey")).filter((e) => e.resources[0]!.ARN === k.Arn).length, 1);
    assert.equal(await restartDrain(), 1);
    rot = (await events("RotateKey")).filter((e) => e.resources[0]!.ARN === k.Arn);
    assert.equal(rot.length, 2);
    assert.equal(rot[1]!.serviceEventDetails!.rotationType, "AUTOMATIC");
    assert.equal(rot[1]!.serviceEventDetails!.previousKeyMaterialId, current);
  });

  test("expired imported material has its DeleteExpiredKeyMaterial event even when the append failed", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const p = await h.call<{ ImportToken: Uint8Array; PublicKey: Uint8Array }>("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" });
    const wrapped = wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: randomBytes(32) });
    const r = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", {
      KeyId: k.KeyId,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrapped,
      ValidTo: new Date(h.clock.now() + DAY_MS),
      ExpirationModel: "KEY_MATERIAL_EXPIRES",
    });
    failing = true;
    h.clock.advance(DAY_MS + 1);
    await h.scheduler.runDue();
    failing = false;
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingImport");
    assert.deepEqual(await events("DeleteExpiredKeyMaterial"), []);
    assert.equal(await restartDrain(), 1);
    const ev = await events("DeleteExpiredKeyMaterial");
    assert.equal(ev.length, 1);
    assert.deepEqual(ev[0]!.serviceEventDetails, { keyId: k.KeyId, keyMaterialId: r.KeyMaterialId });
  });

  test("a call another service makes on the caller's behalf is recorded as the caller's, invoked by that service", async () => {
    const admin = h.root();
    const out = await h.kms.api.encryptFor(h.ctx(admin), "ssm", { KeyId: "alias/aws/ssm", Plaintext: Buffer.from("param"), EncryptionContext: { PARAMETER_ARN: "p" } });
    await log.flush();
    const ev = (await events("Encrypt")).at(-1) as unknown as {
      userIdentity: Record<string, unknown>;
      sourceIPAddress: string;
      userAgent: string;
      eventSource: string;
      requestParameters: Record<string, unknown>;
      resources: Array<{ ARN: string }>;
    };
    assert.deepEqual(ev.userIdentity, { type: "Root", principalId: admin.principalId, arn: admin.arn, accountId: admin.accountId, accessKeyId: admin.accessKeyId, invokedBy: "ssm.amazonaws.com" });
    assert.equal(ev.sourceIPAddress, "ssm.amazonaws.com");
    assert.equal(ev.userAgent, "ssm.amazonaws.com");
    assert.equal(ev.eventSource, "kms.amazonaws.com");
    assert.deepEqual(ev.requestParameters.encryptionContext, { PARAMETER_ARN: "p" });
    assert.deepEqual(ev.resources.map((r) => r.ARN), [out.KeyId]);
  });

  test("multi-Region keys: ReplicateKey's CreateKey in the replica's Region and the synchronizations, UpdatePrimaryRegion's second entry", async () => {
    type Full = Ev & {
      awsRegion: string;
      userIdentity: Record<string, unknown>;
      sourceIPAddress: string;
      requestID?: string;
      requestParameters: Record<string, unknown> | null;
      responseElements: Record<string, unknown> | null;
    };
    const all = async (name: string) => (await events(name)) as unknown as Full[];
    const admin = h.root();
    const primary = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    const synced = (await all("SynchronizeMultiRegionKey")).length;
    const { out, ctx } = await h.callWithCtx<{ ReplicaKeyMetadata: { Arn: string } }>("ReplicateKey", { KeyId: primary.KeyId, ReplicaRegion: "eu-west-3", Description: "rep" });
    // KMS developer guide, "ReplicateKey": the lockout bypass is recorded false when the request had none.
    assert.deepEqual(ctx.audit.requestParameters, { keyId: primary.KeyId, replicaRegion: "eu-west-3", bypassPolicyLockoutSafetyCheck: false, description: "rep" });
    const create = (await all("CreateKey")).filter((e) => e.awsRegion === "eu-west-3");
    assert.equal(create.length, 1);
    const c = create[0]!;
    assert.deepEqual(c.resources.map((r) => r.ARN), [out.ReplicaKeyMetadata.Arn]);
    assert.equal(c.userIdentity.arn, admin.arn);
    assert.equal(c.userIdentity.invokedBy, "kms.amazonaws.com");
    assert.equal(c.sourceIPAddress, "kms.amazonaws.com");
    assert.deepEqual([c.requestParameters!.multiRegion, c.requestParameters!.description, c.requestParameters!.keySpec], [true, "rep", "SYMMETRIC_DEFAULT"]);
    const md = (c.responseElements as { keyMetadata: Record<string, unknown> }).keyMetadata;
    assert.deepEqual([md.arn, md.keyState, md.enabled, md.AWSAccountId], [out.ReplicaKeyMetadata.Arn, "Creating", false, admin.accountId]);
    assert.notEqual(c.requestID, ctx.requestId);
    const sync = await all("SynchronizeMultiRegionKey");
    assert.equal(sync.length, synced + 1);
    const s1 = sync.at(-1)!;
    assert.deepEqual(s1.userIdentity, { accountId: admin.accountId, invokedBy: "AWS Internal" });
    assert.deepEqual([s1.eventType, s1.awsRegion, s1.sourceIPAddress, s1.requestParameters], ["AwsApiCall", "us-east-1", "AWS Internal", null]);
    assert.deepEqual(s1.responseElements, { keyId: primary.Arn });
    assert.deepEqual(s1.resources.map((r) => r.ARN), [primary.Arn]);

    // Rotating the primary pushes the new material to the replica: another synchronization.
    await h.call("RotateKeyOnDemand", { KeyId: primary.KeyId });
    assert.equal((await all("SynchronizeMultiRegionKey")).length, synced + 2);
    // A key without replicas has nothing to synchronize.
    const single = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call("RotateKeyOnDemand", { KeyId: single.KeyId });
    assert.equal((await all("SynchronizeMultiRegionKey")).length, synced + 2);

    const upd = await h.callWithCtx("UpdatePrimaryRegion", { KeyId: primary.KeyId, PrimaryRegion: "eu-west-3" });
    assert.deepEqual(upd.ctx.audit.responseElements, { keyId: primary.Arn });
    // The request's entry names only the key in its Region (KMS developer guide, "UpdatePrimaryRegion").
    assert.deepEqual(upd.ctx.audit.resources, [{ ARN: primary.Arn, accountId: admin.accountId, type: "AWS::KMS::Key" }]);
    const second = await all("UpdatePrimaryRegion");
    assert.equal(second.length, 1, "the request's own entry is the gateway's");
    const u = second[0]!;
    assert.deepEqual([u.awsRegion, u.requestID, u.userIdentity.arn, "invokedBy" in u.userIdentity], ["eu-west-3", upd.ctx.requestId, admin.arn, false]);
    assert.deepEqual(u.requestParameters, { keyId: primary.KeyId, primaryRegion: "eu-west-3" });
    assert.deepEqual(u.responseElements, { keyId: out.ReplicaKeyMetadata.Arn });
    assert.deepEqual(u.resources.map((r) => r.ARN), [out.ReplicaKeyMetadata.Arn]);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 0);
  });
});
