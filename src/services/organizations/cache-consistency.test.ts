/**
 * The service's membership cache never serves an answer older than the last write: each
 * write that changes a membership is followed by reads that must see it, after the answer
 * they would replace was cached.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { createAccountRegistry } from "./accounts.js";
import { saveOrganization } from "./organization.js";
import { createOrganizationsService } from "./service.js";
import { MGMT, MGMT_EMAIL, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

interface Org {
  Id: string;
  FeatureSet: string;
  MasterAccountId: string;
  MasterAccountEmail: string;
}

const OTHER_MGMT = "444455556666";

const describeOrg = async (f: OrgFixture, account = MGMT): Promise<Org> => (await f.call<{ Organization: Org }>("DescribeOrganization", {}, f.ctx(account))).Organization;
const describeAccount = async (f: OrgFixture, id: string, caller = MGMT): Promise<{ Id: string; Email: string; Name: string }> =>
  (await f.call<{ Account: { Id: string; Email: string; Name: string } }>("DescribeAccount", { AccountId: id }, f.ctx(caller))).Account;
const notInUse = (p: Promise<unknown>) => expectAwsError(p, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);

/** Counts document reads, to show which answers came from the cache. */
function countReads(f: OrgFixture): () => number {
  let n = 0;
  const get = f.store.get.bind(f.store);
  f.store.get = ((c: string, k: string) => {
    n++;
    return get(c, k);
  }) as typeof f.store.get;
  return () => n;
}

async function withMember(f: OrgFixture, name: string, email: string): Promise<string> {
  const s = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: name, Email: email })).CreateAccountStatus;
  await f.drain();
  const done = (await f.call<{ CreateAccountStatus: { State: string; AccountId?: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
  assert.equal(done.State, "SUCCEEDED");
  return done.AccountId as string;
}

describe("membership cache: no stale answer after a write", () => {
  test("repeated reads are served from memory", async () => {
    const f = await orgFixture({ manual: true });
    await f.call("CreateOrganization", {});
    await describeOrg(f);
    const reads = countReads(f);
    for (let i = 0; i < 5; i++) assert.equal((await describeOrg(f)).MasterAccountEmail, MGMT_EMAIL);
    await f.call("ListRoots", {});
    assert.equal(reads(), 0);
  });

  test("CreateOrganization, DeleteOrganization and a new organization", async () => {
    const f = await orgFixture({ manual: true });
    await notInUse(describeOrg(f));
    const first = (await f.call<{ Organization: Org }>("CreateOrganization", {})).Organization;
    assert.equal((await describeOrg(f)).Id, first.Id);
    assert.equal((await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots.length, 1);
    await f.call("DeleteOrganization", {});
    await notInUse(describeOrg(f));
    await notInUse(f.call("ListRoots", {}));
    const second = (await f.call<{ Organization: Org }>("CreateOrganization", { FeatureSet: "CONSOLIDATED_BILLING" })).Organization;
    assert.notEqual(second.Id, first.Id);
    const now = await describeOrg(f);
    assert.equal(now.Id, second.Id);
    assert.equal(now.FeatureSet, "CONSOLIDATED_BILLING");
  });

  test("CreateAccount makes a member; removing the account (as a failed job does) ends it", async () => {
    const f = await orgFixture({ manual: true });
    const org = (await f.call<{ Organization: Org }>("CreateOrganization", {})).Organization;
    const id = await withMember(f, "Dev", "dev@example.com");
    assert.equal((await describeAccount(f, id)).Name, "Dev");
    assert.equal((await describeOrg(f, id)).Id, org.Id, "the new member sees its organization");
    assert.deepEqual((await f.call<{ Parents: unknown[] }>("ListParents", { ChildId: id })).Parents.length, 1);
    await f.accounts.remove(id);
    await expectAwsError(f.call("DescribeAccount", { AccountId: id }), "AccountNotFoundException", "You specified an account that doesn't exist.", 400);
    await expectAwsError(f.call("ListParents", { ChildId: id }), "ChildNotFoundException", /ChildId/, 400);
    await notInUse(describeOrg(f, id));
  });

  test("an account update (email, name) is seen by every member", async () => {
    const f = await orgFixture({ manual: true });
    await f.call("CreateOrganization", {});
    const id = await withMember(f, "Dev", "dev@example.com");
    assert.equal((await describeOrg(f, id)).MasterAccountEmail, MGMT_EMAIL);
    assert.equal((await describeAccount(f, id)).Email, "dev@example.com");
    await f.accounts.update(MGMT, (a) => ({ ...a, email: "new-root@example.com" }));
    assert.equal((await describeOrg(f, id)).MasterAccountEmail, "new-root@example.com");
    assert.equal((await describeOrg(f)).MasterAccountEmail, "new-root@example.com");
    await f.accounts.update(id, (a) => ({ ...a, name: "Development", email: "development@example.com" }));
    const acct = await describeAccount(f, id);
    assert.deepEqual([acct.Name, acct.Email], ["Development", "development@example.com"]);
  });

  test("an account moved to another organization leaves the first at once", async () => {
    const f = await orgFixture({ manual: true });
    const first = (await f.call<{ Organization: Org }>("CreateOrganization", {})).Organization;
    await f.accounts.create({ name: "Other", email: "other-root@example.com", accountId: OTHER_MGMT });
    const second = (await f.call<{ Organization: Org }>("CreateOrganization", {}, f.ctx(OTHER_MGMT))).Organization;
    const id = await withMember(f, "Mover", "mover@example.com");
    assert.equal((await describeOrg(f, id)).Id, first.Id);
    assert.equal((await describeAccount(f, id)).Id, id);

    await f.accounts.update(id, (a) => ({ ...a, organizationId: second.Id, joinedMethod: "INVITED", joinedAt: f.clock.now() }));
    const seen = await describeOrg(f, id);
    assert.deepEqual([seen.Id, seen.MasterAccountId, seen.MasterAccountEmail], [second.Id, OTHER_MGMT, "other-root@example.com"]);
    await expectAwsError(f.call("DescribeAccount", { AccountId: id }), "AccountNotFoundException", "You specified an account that doesn't exist.", 400);
    assert.equal((await describeAccount(f, id, OTHER_MGMT)).Id, id);
    const listed = await f.call<{ Accounts: Array<{ Id: string }> }>("ListAccounts", {}, f.ctx(OTHER_MGMT));
    assert.deepEqual(listed.Accounts.map((a) => a.Id).sort(), [OTHER_MGMT, id].sort());
  });

  test("a change of the organization record (feature set, policy types) is seen at once", async () => {
    const f = await orgFixture({ manual: true });
    const org = (await f.call<{ Organization: Org }>("CreateOrganization", { FeatureSet: "CONSOLIDATED_BILLING" })).Organization;
    const id = await withMember(f, "Dev", "dev@example.com");
    assert.equal((await describeOrg(f, id)).FeatureSet, "CONSOLIDATED_BILLING");
    const rec = (await f.store.get<{ id: string; featureSet: string; managementAccountId: string; rootId: string; createdAt: number }>("organizations", org.Id))!;
    await saveOrganization({ store: f.store, iam: f.iam, clock: f.clock, accounts: f.accounts }, { ...rec, featureSet: "ALL" });
    assert.equal((await describeOrg(f)).FeatureSet, "ALL");
    assert.equal((await describeOrg(f, id)).FeatureSet, "ALL");
  });

  test("a failed write still invalidates (it may have committed before failing)", async () => {
    const f = await orgFixture({ manual: true });
    await f.call("CreateOrganization", {});
    const before = f.accounts.changes.value;
    f.store.failWritesAfter(0);
    await assert.rejects(f.accounts.update(MGMT, (a) => ({ ...a, name: "Renamed" })));
    await assert.rejects(f.call("DeleteOrganization", {}));
    f.store.failWritesAfter(Number.POSITIVE_INFINITY);
    assert.equal(f.accounts.changes.value, before + 2);
  });

  test("another process's writes: a new membership at once, a removal within the TTL", async () => {
    const f = await orgFixture({ manual: true });
    // Another process over the same database: its own registry, whose writes this one is not told of.
    const other = createAccountRegistry(f.store, f.clock);
    const otherService = createOrganizationsService({ store: f.store, iam: f.iam, clock: f.clock, accounts: other });
    await notInUse(describeOrg(f));
    const org = ((await otherService.operations["CreateOrganization"]!.handler({}, f.ctx())) as { Organization: Org }).Organization;
    assert.equal((await describeOrg(f)).Id, org.Id, "an absence is never cached");

    await other.update(MGMT, (a) => ({ ...a, email: "changed@example.com" }));
    f.clock.advance(29_999);
    assert.equal((await describeOrg(f)).MasterAccountEmail, MGMT_EMAIL, "within the TTL");
    f.clock.advance(1);
    assert.equal((await describeOrg(f)).MasterAccountEmail, "changed@example.com");
  });
});
