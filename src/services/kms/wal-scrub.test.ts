/**
 * Which KMS deletes empty the WAL file (the storage's scrub, so that no older frame keeps what was
 * deleted) and which do not. A key's material goes with a scrub. A grant or an alias holds nothing
 * confidential and goes without one: emptying the WAL holds up a loaded server for tens of
 * milliseconds, and grants come and go at the rate services use keys.
 *
 * The harness's storage has no checkpointer thread, so a scrub runs at once, inside the call that
 * deleted: right after it, the WAL file holds nothing written before.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { COLLECTIONS, type MaterialDoc } from "./model.js";
import { ACCOUNT, createKmsHarness, REGION, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Grant = { GrantId: string };
const DAY_MS = 86_400_000;

test("RetireGrant, RevokeGrant and DeleteAlias leave the WAL file as it is; deleting the key at the end of its window empties it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-kms-scrub-"));
  const path = join(dir, "db");
  const wal = (): string => (existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`, "latin1") : "");
  const h = createKmsHarness({ path });
  try {
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateAlias", { AliasName: "alias/scrub-test", TargetKeyId: k.KeyId });
    const retired = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: root, RetiringPrincipal: root, Operations: ["Decrypt"] });
    const revoked = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: root, Operations: ["Encrypt"] });
    const [material] = await h.store.list<MaterialDoc>(COLLECTIONS.material, { prefix: `${ACCOUNT}/${REGION}/${k.KeyId}/` });
    const sealed = material!.value.sealed;
    for (const s of [retired.GrantId, revoked.GrantId, "alias/scrub-test", sealed]) assert.ok(wal().includes(s), s);

    // Each would have emptied the WAL file at once had it asked for a scrub.
    await h.call("RetireGrant", { KeyId: k.Arn, GrantId: retired.GrantId });
    await h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: revoked.GrantId });
    await h.call("DeleteAlias", { AliasName: "alias/scrub-test" });
    for (const s of [retired.GrantId, revoked.GrantId, "alias/scrub-test", sealed]) assert.ok(wal().includes(s), `${s} left the WAL file`);
    // They are gone all the same.
    assert.deepEqual((await h.call<{ Grants: unknown[] }>("ListGrants", { KeyId: k.KeyId })).Grants, []);
    await rejects(h.call("DescribeKey", { KeyId: "alias/scrub-test" }), "NotFoundException");

    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 });
    h.clock.advance(7 * DAY_MS + 1000);
    await h.scheduler.runDue();
    await rejects(h.call("DescribeKey", { KeyId: k.KeyId }), "NotFoundException");
    // The key's sealed material is in neither file, nor what the grants and alias left in old frames.
    for (const s of [retired.GrantId, revoked.GrantId, "alias/scrub-test", sealed]) assert.ok(!wal().includes(s), `${s} is still in the WAL file`);
    assert.ok(!readFileSync(path, "latin1").includes(sealed), "the sealed material is still in the database file");
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
