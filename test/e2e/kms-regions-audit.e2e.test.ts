/**
 * Multi-Region keys (CreateKey MultiRegion, ReplicateKey, cross-Region decrypt, UpdatePrimaryRegion)
 * and the audit trail of KMS calls (CloudTrail LookupEvents: the key ARN as a resource, no
 * plaintext or data key anywhere in the stored events).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import Database from "better-sqlite3";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  ReplicateKeyCommand,
  UpdatePrimaryRegionCommand,
  EncryptCommand,
  DecryptCommand,
  GenerateDataKeyCommand,
  GetKeyLastUsageCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith, utf8, text } from "./kms-support.js";

let s: TestServer;
let east: KMSClient;
let west: KMSClient;
before(async () => {
  s = await startTestServer();
  east = kmsClient(s, undefined, "us-east-1");
  west = kmsClient(s, undefined, "eu-west-1");
});
after(async () => {
  await s.destroy();
});

test("multi-Region keys: replica in another Region shares id and material; ciphertexts decrypt in either Region", async () => {
  const p = (await east.send(new CreateKeyCommand({ MultiRegion: true, Description: "mrk", Tags: [{ TagKey: "k", TagValue: "v" }] }))).KeyMetadata!;
  assert.match(p.KeyId!, /^mrk-[0-9a-f]{32}$/);
  assert.equal(p.MultiRegion, true);
  assert.deepEqual(p.MultiRegionConfiguration, { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: p.Arn, Region: "us-east-1" }, ReplicaKeys: [] });

  const fromEast = await east.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: utf8("written in us-east-1"), EncryptionContext: { r: "east" } }));
  // No replica yet: the key does not exist in eu-west-1.
  await rejectsWith(west.send(new DescribeKeyCommand({ KeyId: p.KeyId })), "NotFoundException");

  const rep = await east.send(new ReplicateKeyCommand({ KeyId: p.Arn, ReplicaRegion: "eu-west-1", Description: "replica", Tags: [{ TagKey: "site", TagValue: "dublin" }] }));
  const r = rep.ReplicaKeyMetadata!;
  const replicaArn = `arn:aws:kms:eu-west-1:${s.accountId}:key/${p.KeyId}`;
  assert.equal(r.KeyId, p.KeyId);
  assert.equal(r.Arn, replicaArn);
  assert.equal(r.MultiRegionConfiguration?.MultiRegionKeyType, "REPLICA");
  assert.deepEqual(r.MultiRegionConfiguration?.PrimaryKey, { Arn: p.Arn, Region: "us-east-1" });
  // A replica's ReplicaKeys include itself.
  assert.deepEqual(r.MultiRegionConfiguration?.ReplicaKeys, [{ Arn: replicaArn, Region: "eu-west-1" }]);
  assert.equal(r.KeySpec, "SYMMETRIC_DEFAULT");
  assert.equal(r.Description, "replica");
  assert.equal(typeof rep.ReplicaPolicy, "string");
  // Tags are not shared by multi-Region keys: the replica has the tags given to ReplicateKey.
  assert.deepEqual(rep.ReplicaTags, [{ TagKey: "site", TagValue: "dublin" }]);

  // The replica becomes Enabled (KMS creates it asynchronously).
  await eventually(async () => (await west.send(new DescribeKeyCommand({ KeyId: replicaArn }))).KeyMetadata?.KeyState === "Enabled");
  const primary = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
  assert.deepEqual(primary.MultiRegionConfiguration?.ReplicaKeys, [{ Arn: replicaArn, Region: "eu-west-1" }]);

  // Decrypt in eu-west-1 what us-east-1 encrypted, and the reverse.
  const d = await west.send(new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob, EncryptionContext: { r: "east" } }));
  assert.equal(text(d.Plaintext), "written in us-east-1");
  assert.equal(d.KeyId, replicaArn);
  const fromWest = await west.send(new EncryptCommand({ KeyId: p.KeyId, Plaintext: utf8("written in eu-west-1") }));
  assert.equal(fromWest.KeyId, replicaArn);
  assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: fromWest.CiphertextBlob }))).Plaintext), "written in eu-west-1");

  await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: "eu-west-1" })), "AlreadyExistsException");
  // Replicas are made from the primary only, and only multi-Region keys replicate.
  await rejectsWith(west.send(new ReplicateKeyCommand({ KeyId: p.KeyId, ReplicaRegion: "ap-south-1" })), "UnsupportedOperationException");
  const single = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
  await rejectsWith(east.send(new ReplicateKeyCommand({ KeyId: single.KeyId, ReplicaRegion: "eu-west-1" })), "UnsupportedOperationException");

  // UpdatePrimaryRegion: the replica becomes primary, the old primary a replica.
  await east.send(new UpdatePrimaryRegionCommand({ KeyId: p.Arn, PrimaryRegion: "eu-west-1" }));
  await eventually(async () => {
    const w = (await west.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    const e = (await east.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
    return w.MultiRegionConfiguration?.MultiRegionKeyType === "PRIMARY" && e.MultiRegionConfiguration?.MultiRegionKeyType === "REPLICA" && w.KeyState === "Enabled" && e.KeyState === "Enabled";
  });
  const w = (await west.send(new DescribeKeyCommand({ KeyId: p.KeyId }))).KeyMetadata!;
  assert.deepEqual(w.MultiRegionConfiguration?.PrimaryKey, { Arn: replicaArn, Region: "eu-west-1" });
  assert.deepEqual(w.MultiRegionConfiguration?.ReplicaKeys, [{ Arn: p.Arn, Region: "us-east-1" }]);
  // Both still decrypt each other's ciphertexts.
  assert.equal(text((await east.send(new DecryptCommand({ CiphertextBlob: fromWest.CiphertextBlob }))).Plaintext), "written in eu-west-1");

  // CloudTrail, per Region: ReplicateKey in the primary's, the replica's CreateKey (made by KMS
  // for the caller) in the replica's; KMS's synchronizations; UpdatePrimaryRegion in both.
  type Ev = { eventName: string; userIdentity: Record<string, unknown>; responseElements: Record<string, unknown> | null; requestID?: string; resources?: unknown[] };
  const history = async (region: string): Promise<Ev[]> => {
    const ct = new CloudTrailClient({ ...s.clientConfig(), region });
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: `arn:aws:kms:${region}:${s.accountId}:key/${p.KeyId}` }], MaxResults: 50 }));
    return r.Events!.map((e) => JSON.parse(e.CloudTrailEvent!) as Ev);
  };
  const eastEvents = await history("us-east-1");
  const westEvents = await history("eu-west-1");
  const names = (evs: Ev[]) => evs.map((e) => e.eventName).filter((n) => n !== "Encrypt" && n !== "Decrypt" && n !== "DescribeKey");
  // Newest first; the second ReplicateKey is the refused one (AlreadyExistsException).
  assert.deepEqual(names(eastEvents), ["UpdatePrimaryRegion", "ReplicateKey", "SynchronizeMultiRegionKey", "ReplicateKey", "CreateKey"]);
  // In eu-west-1 the ReplicateKey is the one refused on the replica (UnsupportedOperationException).
  assert.deepEqual(names(westEvents), ["UpdatePrimaryRegion", "ReplicateKey", "CreateKey"]);
  const replicaCreate = westEvents.find((e) => e.eventName === "CreateKey")!;
  assert.equal(replicaCreate.userIdentity.invokedBy, "kms.amazonaws.com");
  assert.equal((replicaCreate.responseElements!.keyMetadata as { arn: string }).arn, replicaArn);
  const sync = eastEvents.find((e) => e.eventName === "SynchronizeMultiRegionKey")!;
  assert.deepEqual(sync.userIdentity, { accountId: s.accountId, invokedBy: "AWS Internal" });
  const [updEast, updWest] = [eastEvents, westEvents].map((evs) => evs.find((e) => e.eventName === "UpdatePrimaryRegion")!);
  assert.deepEqual(updEast!.responseElements, { keyId: p.Arn });
  assert.deepEqual(updWest!.responseElements, { keyId: replicaArn });
  // Each entry names the key of its own Region only (KMS developer guide, "UpdatePrimaryRegion").
  assert.deepEqual(updEast!.resources, [{ ARN: p.Arn, accountId: s.accountId, type: "AWS::KMS::Key" }]);
  assert.deepEqual(updWest!.resources, [{ ARN: replicaArn, accountId: s.accountId, type: "AWS::KMS::Key" }]);
  assert.equal(updEast!.requestID, updWest!.requestID);
});

test("audit: Encrypt/Decrypt/GenerateDataKey are CloudTrail events with the key ARN, and no plaintext is stored", async () => {
  const k = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
  const secret = "TOP-SECRET-PLAINTEXT-7f3a9c";
  const e = await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8(secret), EncryptionContext: { dept: "audit" } }));
  const d = await east.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { dept: "audit" } }));
  assert.equal(text(d.Plaintext), secret);
  const dk = await east.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: "AES_256" }));
  const dataKeyB64 = Buffer.from(dk.Plaintext!).toString("base64");

  const ct = new CloudTrailClient(s.clientConfig());
  const events = await eventually(async () => {
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: k.Arn! }] }));
    const names = (r.Events ?? []).map((x) => x.EventName).sort();
    return ["Decrypt", "Encrypt", "GenerateDataKey"].every((n) => names.includes(n)) ? r.Events! : undefined;
  });
  const enc = events.find((x) => x.EventName === "Encrypt")!;
  assert.equal(enc.EventSource, "kms.amazonaws.com");
  assert.equal(enc.Username, "admin");
  assert.deepEqual(enc.Resources, [{ ResourceType: "AWS::KMS::Key", ResourceName: k.Arn }]);
  // The key's id (its name in the ARN) finds the same events; a part of it finds none.
  const byId = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: k.KeyId! }] }));
  assert.deepEqual(byId.Events!.map((x) => x.EventId), events.map((x) => x.EventId));
  const byPart = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: k.KeyId!.slice(1) }] }));
  assert.deepEqual(byPart.Events, []);
  const rec = JSON.parse(enc.CloudTrailEvent!);
  assert.equal(rec.eventSource, "kms.amazonaws.com");
  assert.equal(rec.eventName, "Encrypt");
  assert.equal(rec.awsRegion, "us-east-1");
  assert.equal(rec.requestParameters.keyId, k.KeyId);
  assert.deepEqual(rec.requestParameters.encryptionContext, { dept: "audit" });
  assert.equal(rec.requestParameters.plaintext, undefined);
  assert.equal(rec.responseElements, null);
  assert.deepEqual(
    (rec.resources as Array<{ ARN: string; accountId: string }>).map((x) => ({ ARN: x.ARN, accountId: x.accountId })),
    [{ ARN: k.Arn, accountId: s.accountId }],
  );
  assert.equal(rec.requestID, e.$metadata.requestId);

  // Nothing secret anywhere in the stored events: not the plaintext, not the data key.
  const all = events.map((x) => x.CloudTrailEvent).join("\n");
  for (const needle of [secret, Buffer.from(secret).toString("base64"), dataKeyB64]) assert.ok(!all.includes(needle), `events contain ${needle}`);
  const db = new Database(path.join(s.dataDir, "bulwark.db"), { readonly: true });
  try {
    const dump = (db.prepare("SELECT group_concat(json, '') AS v FROM audit_events").get() as { v: string }).v;
    assert.ok(dump.includes(k.Arn!));
    for (const needle of [secret, Buffer.from(secret).toString("base64"), dataKeyB64, Buffer.from(dk.Plaintext!).toString("hex")]) assert.ok(!dump.includes(needle), "audit_events must hold no plaintext");
  } finally {
    db.close();
  }
  // KMS records the algorithm it used even when the caller left the default (CloudTrail "Encrypt" example).
  assert.equal(rec.requestParameters.encryptionAlgorithm, "SYMMETRIC_DEFAULT");
  // GetKeyLastUsage points at the CloudTrail event of the last use.
  const last = await east.send(new GetKeyLastUsageCommand({ KeyId: k.KeyId }));
  assert.equal(last.KeyLastUsage?.Operation, "GenerateDataKey");
  const gdk = events.find((x) => x.EventName === "GenerateDataKey")!;
  assert.equal(last.KeyLastUsage?.KmsRequestId, dk.$metadata.requestId);
  assert.equal(last.KeyLastUsage?.CloudTrailEventId, gdk.EventId);
});

test("GetKeyLastUsage finds the event of the last use even after hundreds of other calls about the key", async () => {
  const k = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
  const enc = await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") }));
  // Calls that name the key in their events but are no use of it (no cryptography).
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 45 }, () => east.send(new DescribeKeyCommand({ KeyId: k.KeyId }))));
  const ct = new CloudTrailClient(s.clientConfig());
  const events = await eventually(async () => {
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "Encrypt" }], MaxResults: 50 }));
    const e = (r.Events ?? []).find((x) => (JSON.parse(x.CloudTrailEvent!) as { requestID: string }).requestID === enc.$metadata.requestId);
    assert.ok(e, "the Encrypt event");
    return e;
  });
  const last = await east.send(new GetKeyLastUsageCommand({ KeyId: k.KeyId }));
  assert.equal(last.KeyLastUsage?.Operation, "Encrypt");
  assert.equal(last.KeyLastUsage?.KmsRequestId, enc.$metadata.requestId);
  assert.equal(last.KeyLastUsage?.CloudTrailEventId, events.EventId);
});
