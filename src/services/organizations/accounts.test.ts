import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { createMemoryStorage } from "../sts/testing/memory-storage.js";
import { AccountRegistryError, createAccountRegistry } from "./accounts.js";

const reason = (r: string) => (e: unknown) => e instanceof AccountRegistryError && e.reason === r;

describe("AccountRegistry", () => {
  test("creates accounts with given or drawn ids; emails are unique case-insensitively", async () => {
    const clock = new ManualClock(1000);
    const reg = createAccountRegistry(createMemoryStorage(), clock);
    const boot = await reg.create({ name: "Bootstrap", email: "Ops@Example.com", accountId: "123456789012" });
    assert.deepEqual(boot, { id: "123456789012", name: "Bootstrap", email: "Ops@Example.com", status: "ACTIVE", createdAt: 1000 });
    const drawn = await reg.create({ name: "Other", email: "other@example.com" });
    assert.match(drawn.id, /^[1-9]\d{11}$/);
    await assert.rejects(reg.create({ name: "Dup", email: "ops@example.COM" }), reason("EMAIL_ALREADY_EXISTS"));
    await assert.rejects(reg.create({ name: "Dup", email: "new@example.com", accountId: "123456789012" }), reason("ACCOUNT_ID_EXISTS"));
    await assert.rejects(reg.create({ name: "Bad", email: "bad@example.com", accountId: "12345" }), reason("INVALID_ACCOUNT_ID"));
    await assert.rejects(reg.create({ name: "Bad", email: "no-at-sign" }), reason("INVALID_EMAIL"));
    await assert.rejects(reg.create({ name: "", email: "empty@example.com" }), reason("INVALID_NAME"));
    assert.deepEqual((await reg.list()).map((a) => a.id), [boot.id, drawn.id].sort());
    assert.equal((await reg.findByEmail("OPS@example.com"))?.id, boot.id);
  });

  test("update re-indexes a changed email; remove frees it", async () => {
    const reg = createAccountRegistry(createMemoryStorage(), new ManualClock(0));
    const a = await reg.create({ name: "A", email: "a@example.com", accountId: "111111111111" });
    await reg.create({ name: "B", email: "b@example.com", accountId: "222222222222" });
    await assert.rejects(reg.update(a.id, (c) => ({ ...c, email: "B@example.com" })), reason("EMAIL_ALREADY_EXISTS"));
    assert.equal((await reg.get(a.id))?.email, "a@example.com", "a refused update changes nothing");
    const renamed = await reg.update(a.id, (c) => ({ ...c, email: "a2@example.com", name: "A2", id: "999999999999" }));
    assert.equal(renamed.id, a.id);
    assert.equal((await reg.findByEmail("a2@example.com"))?.name, "A2");
    assert.equal(await reg.findByEmail("a@example.com"), undefined);
    await reg.create({ name: "C", email: "a@example.com" });
    await assert.rejects(reg.update("333333333333", (c) => c), reason("ACCOUNT_NOT_FOUND"));
    assert.equal(await reg.remove(a.id), true);
    assert.equal(await reg.remove(a.id), false);
    assert.equal((await reg.create({ name: "D", email: "a2@example.com" })).email, "a2@example.com");
  });
});
