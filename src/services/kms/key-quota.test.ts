import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { MAX_KEYS_PER_REGION } from "./env.js";
import { ACCOUNT, createKmsHarness, OTHER, REGION, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };

describe("KMS resource quota: customer managed keys per account and Region", () => {
  test("the documented default is 100,000", () => {
    assert.equal(MAX_KEYS_PER_REGION, 100_000);
    const h = createKmsHarness();
    assert.equal(h.kms.env.maxKeysPerRegion, 100_000);
    return h.close();
  });

  test("CreateKey and ReplicateKey beyond the quota answer LimitExceededException; AWS managed keys and other scopes do not count", async () => {
    const h = createKmsHarness();
    after(() => h.close());
    h.kms.env.maxKeysPerRegion = 2;
    const EU = "eu-west-1";
    // An AWS managed key in the scope is not a customer managed key.
    assert.ok(await h.kms.env.awsManagedKey({ accountId: ACCOUNT, region: REGION }, "alias/aws/s3"));
    const a = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call<Md>("CreateKey", { Origin: "EXTERNAL" });
    const msg = `Key quota for this account in this region is 2 but the current usage is 2.`;
    await rejects(h.call("CreateKey", {}), "LimitExceededException", msg);
    await rejects(h.call("CreateKey", { Origin: "EXTERNAL" }), "LimitExceededException", msg);
    assert.equal((await h.call<{ Keys: unknown[] }>("ListKeys", {})).Keys.length, 3);
    // Another account, another Region: their own quota.
    await h.call("CreateKey", {}, h.root(OTHER));
    await h.call("CreateKey", {}, h.root(), EU);
    await h.call("ReplicateKey", { KeyId: a.KeyId, ReplicaRegion: "ap-southeast-2" });
    await h.call("CreateKey", {}, h.root(), EU);
    await rejects(h.call("ReplicateKey", { KeyId: a.KeyId, ReplicaRegion: EU }), "LimitExceededException", msg);
    // Parallel creations count each other: exactly as many succeed as the quota leaves room for.
    h.kms.env.maxKeysPerRegion = 6;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => h.call("CreateKey", {})));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 4);
    for (const r of results) if (r.status === "rejected") assert.equal((r.reason as { code: string }).code, "LimitExceededException");
    // A key pending deletion still counts (AWS counts keys whatever their state).
    assert.equal((await h.call<{ Keys: unknown[] }>("ListKeys", {})).Keys.length, 7);
    await h.call("ScheduleKeyDeletion", { KeyId: a.KeyId, PendingWindowInDays: 7 });
    await rejects(h.call("CreateKey", {}), "LimitExceededException", "Key quota for this account in this region is 6 but the current usage is 6.");
  });
});
