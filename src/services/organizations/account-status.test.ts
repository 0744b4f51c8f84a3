import assert from "node:assert/strict";
import { test } from "node:test";
import type { AccountRecord } from "./accounts.js";
import { accountStatusAt, accountUsable, closeQuota, CLOSURE_DELAY_MS, POST_CLOSURE_PERIOD_MS } from "./account-status.js";

const base: AccountRecord = { id: "111122223333", name: "A", email: "a@example.com", status: "ACTIVE", createdAt: 0 };

test("closure: ACTIVE → PENDING_CLOSURE → SUSPENDED, State CLOSED after the post-closure period", () => {
  assert.deepEqual(accountStatusAt(base, 5), { status: "ACTIVE", state: "ACTIVE" });
  assert.equal(accountUsable(base), true);
  const closing: AccountRecord = { ...base, closureRequestedAt: 1000 };
  assert.equal(accountUsable(closing), false);
  assert.deepEqual(accountStatusAt(closing, 1000), { status: "PENDING_CLOSURE", state: "PENDING_CLOSURE" });
  assert.deepEqual(accountStatusAt(closing, 1000 + CLOSURE_DELAY_MS - 1), { status: "PENDING_CLOSURE", state: "PENDING_CLOSURE" });
  assert.deepEqual(accountStatusAt(closing, 1000 + CLOSURE_DELAY_MS), { status: "SUSPENDED", state: "SUSPENDED" });
  assert.deepEqual(accountStatusAt(closing, 1000 + POST_CLOSURE_PERIOD_MS), { status: "SUSPENDED", state: "CLOSED" });
  assert.equal(accountUsable({ ...base, status: "SUSPENDED" }), false);
});

test("close quota: 10% of member accounts, between 10 and 1000", () => {
  assert.equal(closeQuota(0), 10);
  assert.equal(closeQuota(99), 10);
  assert.equal(closeQuota(250), 25);
  assert.equal(closeQuota(50_000), 1000);
});
