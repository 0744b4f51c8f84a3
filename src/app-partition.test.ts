/**
 * The installation's partition is fixed when its data directory is created: stored in the
 * metadata at first start; later starts keep it without being told, and one configured for
 * another partition is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { installationPartition, openCore, PARTITION_META, StartupError } from "./app.js";
import { loadConfig } from "./config/config.js";
import { partition } from "./core/partition.js";

const rootKey = randomBytes(32).toString("base64");
const config = (dataDir: string, p?: string) => loadConfig({ dataDir, ...(p !== undefined ? { partition: p } : {}) }, { BULWARK_ROOT_KEY: rootKey });

/** The metadata of a data directory, in memory. */
function meta(entries: Record<string, string> = {}) {
  const m = new Map(Object.entries(entries));
  return { map: m, getMeta: async (k: string) => m.get(k), setMeta: async (k: string, v: string) => void m.set(k, v) };
}

test("a new data directory stores the partition configured, aws by default", async () => {
  const a = meta();
  assert.equal(await installationPartition(a, config("/d", "aws-cn"), true), "aws-cn");
  assert.equal(a.map.get(PARTITION_META), "aws-cn");
  const b = meta();
  assert.equal(await installationPartition(b, config("/d"), true), "aws");
  assert.equal(b.map.get(PARTITION_META), "aws");
});

test("an existing data directory keeps its partition: none asked for or the same is fine, another (aws included) is refused naming both", async () => {
  const stored = meta({ [PARTITION_META]: "aws-us-gov" });
  assert.equal(await installationPartition(stored, config("/d", "aws-us-gov"), false), "aws-us-gov");
  assert.equal(await installationPartition(stored, config("/d"), false), "aws-us-gov");
  await assert.rejects(
    installationPartition(stored, config("/d", "aws"), false),
    (e: unknown) =>
      e instanceof StartupError &&
      e.message ===
        `The data directory ${path.resolve("/d")} was created for the aws-us-gov partition; it cannot be started for the aws partition (BULWARK_PARTITION, --partition or "partition" in the config file). The partition is fixed when a data directory is created: its ARNs are stored in policies, grants and keys.`,
  );
});

test("a data directory from before partitions were stored is in the aws partition", async () => {
  const old = meta({ "bootstrap.account": "111122223333" });
  assert.equal(await installationPartition(old, config("/d"), false), "aws");
  assert.equal(await installationPartition(old, config("/d", "aws"), false), "aws");
  assert.equal(old.map.has(PARTITION_META), false);
  await assert.rejects(installationPartition(old, config("/d", "aws-eusc"), false), /was created for the aws partition; it cannot be started for the aws-eusc partition/);
  await assert.rejects(installationPartition(meta({ [PARTITION_META]: "aws-mars" }), config("/d"), false), /names an unknown partition "aws-mars"/);
});

test("openCore: a first start in aws-eusc makes its ARNs there and stores it; a restart asking for another partition is refused, one asking for none keeps aws-eusc", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bulwark-partition-"));
  try {
    const core = await openCore(config(dataDir, "aws-eusc"));
    const account = core.managementAccountId;
    assert.equal(partition(), "aws-eusc");
    assert.equal(await core.storage.getMeta(PARTITION_META), "aws-eusc");
    assert.equal((await core.iam.api.getUser(account, "admin"))?.arn, `arn:aws-eusc:iam::${account}:user/admin`);
    await core.storage.close();

    await assert.rejects(openCore(config(dataDir, "aws-cn"), { allowCreate: false }), (e: unknown) => e instanceof StartupError && /created for the aws-eusc partition; it cannot be started for the aws-cn partition/.test(e.message));

    await assert.rejects(openCore(config(dataDir, "aws"), { allowCreate: false }), /it cannot be started for the aws partition/);

    // Started for its own partition again, or without naming one, the data directory is intact.
    for (const p of ["aws-eusc", undefined]) {
      const again = await openCore(config(dataDir, p), { allowCreate: false });
      assert.equal(again.managementAccountId, account);
      assert.equal(partition(), "aws-eusc");
      assert.equal((await again.iam.api.getUser(account, "admin"))?.arn, `arn:aws-eusc:iam::${account}:user/admin`);
      await again.storage.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
