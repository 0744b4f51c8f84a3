/**
 * Multi-Region calls made in parallel on one key (in-process, so the calls interleave at every
 * await): the outcome must be one that some serial order of the same calls gives, and every
 * Region must agree on the primary and its replicas afterwards.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DAY_MS } from "./env.js";
import { createKmsHarness } from "./testing/harness.js";

type MrConfig = { MultiRegionKeyType: string; PrimaryKey: { Region: string }; ReplicaKeys: Array<{ Region: string }> };
type Md = { KeyMetadata: { KeyId: string; Arn: string; KeyState: string; MultiRegionConfiguration?: MrConfig } };

const outcomes = (ps: Array<Promise<unknown>>) =>
  Promise.allSettled(ps).then((rs) => rs.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as Error).name)));

describe("KMS key deletion job racing CancelKeyDeletion", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("an acknowledged CancelKeyDeletion keeps the key and its aliases; a key already deleted answers NotFoundException", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await h.call<Md>("CreateKey", {})).KeyMetadata.KeyId;
      await h.call("CreateAlias", { AliasName: `alias/race-${i}`, TargetKeyId: id });
      await h.call("ScheduleKeyDeletion", { KeyId: id, PendingWindowInDays: 7 });
      ids.push(id);
    }
    h.clock.advance(7 * DAY_MS + 1);
    // The job deletes the keys one after the other while the cancellations run.
    const rs = await outcomes([h.scheduler.runDue(), ...ids.map((id) => h.call("CancelKeyDeletion", { KeyId: id }))]);
    assert.equal(rs[0], "OK");
    const aliases = (await h.call<{ Aliases: Array<{ AliasName: string; TargetKeyId?: string }> }>("ListAliases", {})).Aliases;
    for (const [i, id] of ids.entries()) {
      const state = await h.call<Md>("DescribeKey", { KeyId: id }).then((x) => x.KeyMetadata.KeyState, (e: Error) => e.name);
      const alias = aliases.find((a) => a.AliasName === `alias/race-${i}`);
      if (rs[i + 1] === "OK") {
        assert.equal(state, "Disabled", `key ${i}: cancelled, yet ${state}`);
        assert.equal(alias?.TargetKeyId, id);
      } else {
        assert.equal(rs[i + 1], "NotFoundException");
        assert.equal(state, "NotFoundException");
        assert.equal(alias, undefined);
      }
    }
  });
});

describe("KMS replica deletion job racing UpdatePrimaryRegion", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("the replica leaves the primary as stored when it is deleted, wherever UpdatePrimaryRegion moved it", async () => {
    // A positive delay starts UpdatePrimaryRegion that many microtasks after the job, a negative one the job after it.
    for (let delay = -30; delay <= 30; delay += 2) {
      const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
      await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1" });
      await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "ap-south-1" });
      await h.call("ScheduleKeyDeletion", { KeyId: p.KeyId, PendingWindowInDays: 7 }, h.root(), "eu-west-1");
      h.clock.advance(7 * DAY_MS + 1);
      const wait = async (n: number) => {
        for (let i = 0; i < n; i++) await Promise.resolve();
      };
      const [j, u] = await outcomes([
        wait(-delay).then(() => h.scheduler.runDue()),
        wait(delay).then(() => h.call("UpdatePrimaryRegion", { KeyId: p.KeyId, PrimaryRegion: "ap-south-1" })),
      ]);
      assert.equal(j, "OK");
      assert.equal(u, "OK", `after ${delay} ticks`);
      const ap = (await h.call<Md>("DescribeKey", { KeyId: p.KeyId }, h.root(), "ap-south-1")).KeyMetadata.MultiRegionConfiguration;
      assert.equal(ap?.MultiRegionKeyType, "PRIMARY");
      assert.deepEqual(ap?.ReplicaKeys.map((r) => r.Region), ["us-east-1"], `after ${delay} ticks`);
      const former = await h.store.get<{ replicaRegions?: string[] }>("kms-keys", `${p.Arn.split(":")[4]}/us-east-1/${p.KeyId}`);
      assert.equal(former?.replicaRegions, undefined, `after ${delay} ticks`);
    }
  });
});

describe("KMS multi-Region keys under parallel calls", () => {
  const h = createKmsHarness();
  after(() => h.close());
  const REGIONS = ["us-east-1", "eu-west-1", "ap-south-1", "ca-central-1"];

  /** Each Region's view of the key (absent Regions left out). */
  async function views(keyId: string): Promise<Record<string, MrConfig>> {
    const out: Record<string, MrConfig> = {};
    for (const r of REGIONS) {
      const md = await h.call<Md>("DescribeKey", { KeyId: keyId }, h.root(), r).then((x) => x.KeyMetadata, () => undefined);
      if (md?.MultiRegionConfiguration) out[r] = md.MultiRegionConfiguration;
    }
    return out;
  }

  /** One primary, named by every Region, listing exactly the other Regions that hold the key. */
  function assertConsistent(v: Record<string, MrConfig>): string {
    const present = Object.keys(v).sort();
    const primaries = present.filter((r) => v[r]!.MultiRegionKeyType === "PRIMARY");
    assert.equal(primaries.length, 1, JSON.stringify(v));
    const primary = primaries[0]!;
    for (const r of present) assert.equal(v[r]!.PrimaryKey.Region, primary, `${r} names another primary: ${JSON.stringify(v)}`);
    assert.deepEqual(v[primary]!.ReplicaKeys.map((x) => x.Region).sort(), present.filter((r) => r !== primary), JSON.stringify(v));
    return primary;
  }

  test("parallel ReplicateKey into one Region: one succeeds, the others get AlreadyExistsException", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    const rs = await outcomes([1, 2, 3].map((i) => h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1", Description: `r${i}` })));
    assert.deepEqual(rs.sort(), ["AlreadyExistsException", "AlreadyExistsException", "OK"]);
    assertConsistent(await views(p.KeyId));
  });

  test("parallel UpdatePrimaryRegion and ReplicateKey on one primary: the Regions agree afterwards", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1" });
    await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "ap-south-1" });
    const rs = await outcomes([
      h.call("UpdatePrimaryRegion", { KeyId: p.KeyId, PrimaryRegion: "eu-west-1" }),
      h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "ca-central-1" }),
      h.call("UpdatePrimaryRegion", { KeyId: p.KeyId, PrimaryRegion: "ap-south-1" }),
    ]);
    // The first to commit wins; the others then act on a replica, as in any serial order.
    assert.equal(rs.filter((r) => r === "OK").length, 1, rs.join());
    assert.equal(rs.filter((r) => r === "UnsupportedOperationException").length, 2, rs.join());
    assertConsistent(await views(p.KeyId));
  });

  test("ScheduleKeyDeletion of a primary racing ReplicateKey: a new replica holds the primary in PendingReplicaDeletion", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    const rs = await outcomes([
      h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1" }),
      h.call("ScheduleKeyDeletion", { KeyId: p.KeyId, PendingWindowInDays: 7 }),
    ]);
    const primary = (await h.call<Md>("DescribeKey", { KeyId: p.KeyId })).KeyMetadata;
    const replicas = primary.MultiRegionConfiguration?.ReplicaKeys.length ?? 0;
    if (rs[0] === "OK") {
      assert.equal(replicas, 1);
      assert.equal(primary.KeyState, "PendingReplicaDeletion");
    } else {
      assert.equal(rs[0], "KMSInvalidStateException");
      assert.equal(replicas, 0);
      assert.equal(primary.KeyState, "PendingDeletion");
    }
    assert.equal(rs[1], "OK");
  });

  test("RotateKeyOnDemand racing ReplicateKey: the replica decrypts what the primary encrypts afterwards", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    const rs = await outcomes([
      h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1" }),
      h.call("RotateKeyOnDemand", { KeyId: p.KeyId }),
    ]);
    assert.deepEqual(rs, ["OK", "OK"]);
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: p.KeyId, Plaintext: Buffer.from("after") });
    const d = await h.call<{ Plaintext: Uint8Array }>("Decrypt", { CiphertextBlob: e.CiphertextBlob }, h.root(), "eu-west-1");
    assert.equal(Buffer.from(d.Plaintext).toString(), "after");
  });

  test("EnableKeyRotation racing UpdatePrimaryRegion: rotation is never enabled on what is now a replica", async () => {
    // EnableKeyRotation starts a few microtasks after UpdatePrimaryRegion; the sweep puts its
    // check before, between and after the other's commit.
    for (let ticks = 0; ticks < 30; ticks++) {
      const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
      await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: "eu-west-1" });
      const update = h.call("UpdatePrimaryRegion", { KeyId: p.KeyId, PrimaryRegion: "eu-west-1" });
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      const [u, e] = await outcomes([update, h.call("EnableKeyRotation", { KeyId: p.KeyId })]);
      assert.equal(u, "OK");
      const status = await h.call<{ KeyRotationEnabled: boolean }>("GetKeyRotationStatus", { KeyId: p.KeyId }, h.root(), "eu-west-1");
      // The former primary, now a replica, holds no rotation of its own.
      const former = await h.store.get<{ rotation: { enabled: boolean } }>("kms-keys", `${p.Arn.split(":")[4]}/us-east-1/${p.KeyId}`);
      assert.equal(former?.rotation.enabled, false, `after ${ticks} ticks`);
      if (e === "OK") assert.equal(status.KeyRotationEnabled, true, `after ${ticks} ticks`);
      else {
        assert.equal(e, "UnsupportedOperationException");
        assert.equal(status.KeyRotationEnabled, false);
      }
    }
  });
});
