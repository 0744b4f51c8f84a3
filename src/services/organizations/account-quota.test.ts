import assert from "node:assert/strict";
import { test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MAX_ACCOUNTS_PER_ORGANIZATION } from "./account-quota.js";
import { orgFixture, type OrgFixture } from "./testing/org-fixture.js";

const MSG = "You have exceeded the allowed number of AWS accounts";
type H = { Handshake: { Id: string } };
type S = { CreateAccountStatus: { Id: string; State: string } };

async function register(f: OrgFixture, id: string): Promise<string> {
  await f.accounts.create({ name: `acct-${id}`, email: `${id}@example.com`, accountId: id });
  return id;
}

async function refusedCreate(f: OrgFixture, email: string): Promise<void> {
  const e = await expectAwsError(f.call("CreateAccount", { AccountName: "Over", Email: email }), "ConstraintViolationException", MSG, 400);
  assert.deepEqual(e.fields, { Reason: "ACCOUNT_NUMBER_LIMIT_EXCEEDED" });
}

async function refusedInvite(f: OrgFixture, id: string): Promise<void> {
  const e = await expectAwsError(f.call("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } }), "HandshakeConstraintViolationException", MSG, 400);
  assert.deepEqual(e.fields, { Reason: "ACCOUNT_NUMBER_LIMIT_EXCEEDED" });
}

test("the default quota is AWS's: 10 accounts in an organization, the management account included", async () => {
  assert.equal(MAX_ACCOUNTS_PER_ORGANIZATION, 10);
  const f = await orgFixture({ manual: true });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  for (let i = 1; i < 10; i++) await f.call("CreateAccount", { AccountName: `A${i}`, Email: `a${i}@example.com` });
  await refusedCreate(f, "a10@example.com");
  await f.drain();
  assert.equal((await f.accounts.list()).filter((a) => a.organizationId !== undefined).length, 10);
  await refusedCreate(f, "a10@example.com");
});

test("members, CreateAccount requests in progress and open invitations count; a failed request or an ended invitation gives its place back", async () => {
  const f = await orgFixture({ manual: true, maxAccounts: 3 });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const x = await register(f, "222233334444");
  const y = await register(f, "333344445555");
  // Management + one request in progress + one open invitation = 3.
  const req = (await f.call<S>("CreateAccount", { AccountName: "New", Email: "new@example.com" })).CreateAccountStatus;
  assert.equal(req.State, "IN_PROGRESS");
  const inv = (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: x } })).Handshake;
  await refusedCreate(f, "more@example.com");
  await refusedInvite(f, y);
  // The request completes within its place.
  await f.drain();
  assert.equal((await f.call<S>("DescribeCreateAccountStatus", { CreateAccountRequestId: req.Id })).CreateAccountStatus.State, "SUCCEEDED");
  await refusedCreate(f, "more@example.com");
  // A canceled invitation no longer counts.
  await f.call("CancelHandshake", { HandshakeId: inv.Id });
  const inv2 = (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: y } })).Handshake;
  await f.call("AcceptHandshake", { HandshakeId: inv2.Id }, f.ctx(y));
  await refusedInvite(f, x);
  // A request that FAILS (the email is taken) frees its place once it ends.
  const g = await orgFixture({ manual: true, maxAccounts: 2 });
  await g.call("CreateOrganization", { FeatureSet: "ALL" });
  const dup = (await g.call<S>("CreateAccount", { AccountName: "Dup", Email: "root@example.com" })).CreateAccountStatus;
  await refusedCreate(g, "other@example.com");
  await g.drain();
  assert.equal((await g.call<S>("DescribeCreateAccountStatus", { CreateAccountRequestId: dup.Id })).CreateAccountStatus.State, "FAILED");
  await g.call("CreateAccount", { AccountName: "Other", Email: "other@example.com" });
});

test("AcceptHandshake past a lowered quota is refused with HandshakeConstraintViolationException; the invitation stays open", async () => {
  const f = await orgFixture({ maxAccounts: 3 });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const x = await register(f, "222233334444");
  const y = await register(f, "333344445555");
  const ix = (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: x } })).Handshake;
  await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: y } });
  // The same storage served with a quota of 2: management + the other open invitation fill it.
  const lowered = await orgFixture({ store: f.store, maxAccounts: 2 });
  const e = await expectAwsError(lowered.call("AcceptHandshake", { HandshakeId: ix.Id }, lowered.ctx(x)), "HandshakeConstraintViolationException", MSG, 400);
  assert.deepEqual(e.fields, { Reason: "ACCOUNT_NUMBER_LIMIT_EXCEEDED" });
  assert.equal((await f.accounts.get(x))?.organizationId, undefined);
  // Under the quota it was sent with, the same invitation is accepted.
  await f.call("AcceptHandshake", { HandshakeId: ix.Id }, f.ctx(x));
  assert.ok((await f.accounts.get(x))?.organizationId);
});

test("parallel CreateAccount and InviteAccountToOrganization calls count each other: never more than the quota", async () => {
  const f = await orgFixture({ manual: true, maxAccounts: 4 });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const ids = await Promise.all(["222233334444", "333344445555", "444455556666"].map((id) => register(f, id)));
  const calls = [
    ...[1, 2, 3].map((i) => f.call("CreateAccount", { AccountName: `P${i}`, Email: `p${i}@example.com` })),
    ...ids.map((id) => f.call("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })),
  ];
  const rs = await Promise.allSettled(calls);
  assert.equal(rs.filter((r) => r.status === "fulfilled").length, 3);
  for (const r of rs) if (r.status === "rejected") assert.equal((r.reason as { fields?: { Reason?: string } }).fields?.Reason, "ACCOUNT_NUMBER_LIMIT_EXCEEDED");
});
