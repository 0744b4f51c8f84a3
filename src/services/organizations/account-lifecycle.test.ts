import assert from "node:assert/strict";
import { test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { CREATED_ACCOUNT_WAIT_MS } from "./account-lifecycle.js";
import { CREATE_ACCOUNT_COLLECTION } from "./model.js";
import { MGMT, orgFixture } from "./testing/org-fixture.js";

test("CloseAccount of the management account: ConstraintViolationException with reason CANNOT_CLOSE_MANAGEMENT_ACCOUNT", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const e = await expectAwsError(f.call("CloseAccount", { AccountId: MGMT }), "ConstraintViolationException", /^You attempted to close the management account\./, 400);
  assert.deepEqual(e.fields, { Reason: "CANNOT_CLOSE_MANAGEMENT_ACCOUNT" });
});

test("RemoveAccountFromOrganization of the management account keeps the reason ACCOUNT_CANNOT_LEAVE_ORGANIZATION", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const e = await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: MGMT }), "ConstraintViolationException", /^You attempted to remove the management account/, 400);
  assert.deepEqual(e.fields, { Reason: "ACCOUNT_CANNOT_LEAVE_ORGANIZATION" });
});

test("an account that leaves loses the tags it had in the organization, and a TagResource after it leaves finds no target", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  for (const how of ["remove", "leave"] as const) {
    const id = how === "remove" ? "222233334444" : "222233335555";
    await f.accounts.create({ name: `A${how}`, email: `${how}@example.com`, accountId: id });
    const invite = async () => (await f.call<{ Handshake: { Id: string } }>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
    await f.call("AcceptHandshake", { HandshakeId: await invite() }, f.ctx(id));
    await f.call("TagResource", { ResourceId: id, Tags: [{ Key: "team", Value: "blue" }] });
    // Leaving, in parallel with another TagResource: whichever comes first, no tag outlives the membership.
    const gone = how === "remove" ? f.call("RemoveAccountFromOrganization", { AccountId: id }) : f.call("LeaveOrganization", {}, f.ctx(id));
    const tagged = f.call("TagResource", { ResourceId: id, Tags: [{ Key: "late", Value: "x" }] }).then(() => "OK", (e: Error) => e.name);
    await gone;
    assert.ok(["OK", "TargetNotFoundException"].includes(await tagged), how);
    assert.equal((await f.accounts.get(id))?.tags, undefined, how);
    await expectAwsError(f.call("TagResource", { ResourceId: id, Tags: [{ Key: "after", Value: "x" }] }), "TargetNotFoundException", /^We can.t find a root, OU, account, or policy/, 400);
    // Back in the organization, it starts without tags.
    await f.call("AcceptHandshake", { HandshakeId: await invite() }, f.ctx(id));
    assert.deepEqual((await f.call<{ Tags: unknown[] }>("ListTagsForResource", { ResourceId: id })).Tags, [], how);
  }
});

/** A member made by CreateAccount in the fixture's organization; returns its id. */
async function createdMember(f: Awaited<ReturnType<typeof orgFixture>>, name: string): Promise<string> {
  const req = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: name, Email: `${name.toLowerCase()}@example.com` })).CreateAccountStatus;
  type Status = { State: string; AccountId?: string };
  let st: Status;
  for (let i = 0; ; i++) {
    await f.org.idle();
    st = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: req.Id })).CreateAccountStatus;
    if (st.State !== "IN_PROGRESS" || i >= 200) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(st.State, "SUCCEEDED");
  return st.AccountId as string;
}

const WAIT_MESSAGE =
  "After you create an Amazon Web Services account, you must wait until at least four days after the account was created. Invited accounts aren't subject to this waiting period.";

test("an account created in the organization cannot leave it until four days after its creation (WAIT_PERIOD_ACTIVE), removed or by itself", async () => {
  assert.equal(CREATED_ACCOUNT_WAIT_MS, 4 * 24 * 3600 * 1000);
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const removed = await createdMember(f, "Removed");
  const leaver = await createdMember(f, "Leaver");
  // One millisecond short of the wait: refused, and the account stays where it was.
  f.clock.advance(CREATED_ACCOUNT_WAIT_MS - 1);
  const e = await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: removed }), "ConstraintViolationException", WAIT_MESSAGE, 400);
  assert.deepEqual(e.fields, { Reason: "WAIT_PERIOD_ACTIVE" });
  const l = await expectAwsError(f.call("LeaveOrganization", {}, f.ctx(leaver)), "ConstraintViolationException", WAIT_MESSAGE, 400);
  assert.deepEqual(l.fields, { Reason: "WAIT_PERIOD_ACTIVE" });
  for (const id of [removed, leaver]) assert.equal((await f.call<{ Account: { JoinedMethod: string } }>("DescribeAccount", { AccountId: id })).Account.JoinedMethod, "CREATED");
  // Four days to the millisecond: allowed.
  f.clock.advance(1);
  await f.call("RemoveAccountFromOrganization", { AccountId: removed });
  await f.call("LeaveOrganization", {}, f.ctx(leaver));
  for (const id of [removed, leaver]) assert.equal((await f.accounts.get(id))?.organizationId, undefined);
});

test("invited accounts are not subject to the wait, a created account invited back included", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const invite = async (id: string) => (await f.call<{ Handshake: { Id: string } }>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
  // Registered a moment ago and invited: it may leave at once.
  await f.accounts.create({ name: "Fresh", email: "fresh@example.com", accountId: "222233336666" });
  await f.call("AcceptHandshake", { HandshakeId: await invite("222233336666") }, f.ctx("222233336666"));
  await f.call("RemoveAccountFromOrganization", { AccountId: "222233336666" });
  // Created, removed after the wait, invited back: an invited account now, free to leave again at once.
  const id = await createdMember(f, "Returner");
  f.clock.advance(CREATED_ACCOUNT_WAIT_MS);
  await f.call("RemoveAccountFromOrganization", { AccountId: id });
  await f.call("AcceptHandshake", { HandshakeId: await invite(id) }, f.ctx(id));
  assert.equal((await f.call<{ Account: { JoinedMethod: string } }>("DescribeAccount", { AccountId: id })).Account.JoinedMethod, "INVITED");
  await f.call("LeaveOrganization", {}, f.ctx(id));
  await f.call("AcceptHandshake", { HandshakeId: await invite(id) }, f.ctx(id));
  await f.call("RemoveAccountFromOrganization", { AccountId: id });
});

test("the wait is the last refusal: callers not allowed, the management account, delegated administrators and unknown accounts get their own errors first", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const id = await createdMember(f, "Young");
  const other = await createdMember(f, "Sibling");
  const denyAll = () => true;
  // Refused by policy: AccessDenied, nothing about the account's age.
  await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: id }, f.ctx(undefined, denyAll)), "AccessDeniedException", /./);
  await expectAwsError(f.call("LeaveOrganization", {}, f.ctx(id, denyAll)), "AccessDeniedException", /./);
  // A member may not remove another member (nor learn its age).
  await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: id }, f.ctx(other)), "AccessDeniedException", /./, 400);
  // An account outside the organization: not found.
  await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: "999988887777" }), "AccountNotFoundException", /./, 400);
  // The management account (itself CREATED a moment ago, with the organization) keeps its own errors.
  const m = await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: MGMT }), "ConstraintViolationException", /^You attempted to remove the management account/, 400);
  assert.deepEqual(m.fields, { Reason: "ACCOUNT_CANNOT_LEAVE_ORGANIZATION" });
  await expectAwsError(f.call("LeaveOrganization", {}), "MasterCannotLeaveOrganizationException", /./, 400);
  // A delegated administrator is told to deregister first.
  await f.call("EnableAWSServiceAccess", { ServicePrincipal: "config.amazonaws.com" });
  await f.call("RegisterDelegatedAdministrator", { AccountId: id, ServicePrincipal: "config.amazonaws.com" });
  for (const p of [f.call("RemoveAccountFromOrganization", { AccountId: id }), f.call("LeaveOrganization", {}, f.ctx(id))]) {
    const d = await expectAwsError(p, "ConstraintViolationException", /delegated administrator/, 400);
    assert.deepEqual(d.fields, { Reason: "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG" });
  }
  await f.call("DeregisterDelegatedAdministrator", { AccountId: id, ServicePrincipal: "config.amazonaws.com" });
  const w = await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: id }), "ConstraintViolationException", WAIT_MESSAGE, 400);
  assert.deepEqual(w.fields, { Reason: "WAIT_PERIOD_ACTIVE" });
});

test("an invited account joins even when its Organizations service-linked role cannot be created; the failure is reported to the operator's log", async () => {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const f = await orgFixture({ warn: (fields, message) => warnings.push({ fields, message }) });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  await f.accounts.create({ name: "Full", email: "full@example.com", accountId: "222233334444" });
  f.iam.ensureServiceLinkedRole = async () => {
    throw new Error("Cannot exceed quota for RolesPerAccount: 1000");
  };
  const hs = (await f.call<{ Handshake: { Id: string } }>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: "222233334444" } })).Handshake.Id;
  const accepted = await f.call<{ Handshake: { State: string } }>("AcceptHandshake", { HandshakeId: hs }, f.ctx("222233334444"));
  assert.equal(accepted.Handshake.State, "ACCEPTED");
  assert.equal((await f.call<{ Account: { JoinedMethod: string } }>("DescribeAccount", { AccountId: "222233334444" })).Account.JoinedMethod, "INVITED");
  assert.deepEqual(warnings, [
    {
      fields: { accountId: "222233334444", error: "Cannot exceed quota for RolesPerAccount: 1000" },
      message: "the account joined, but its Organizations service-linked role could not be created",
    },
  ]);
});

test("a CreateAccount job that cannot read its request (storage failing) is reported to the operator's log and finishes when resumed", async () => {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const f = await orgFixture({ manual: true, warn: (fields, message) => warnings.push({ fields, message }) });
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const id = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: "Later", Email: "later@example.com" })).CreateAccountStatus.Id;
  const get = f.store.get.bind(f.store);
  f.store.get = (async (collection: string, key: string) => {
    if (collection === CREATE_ACCOUNT_COLLECTION) throw new Error("disk I/O error");
    return get(collection, key);
  }) as typeof f.store.get;
  await f.drain();
  assert.deepEqual(warnings, [
    { fields: { managementAccountId: MGMT, createAccountRequestId: id, error: "disk I/O error" }, message: "a CreateAccount request could not be completed now; it is resumed later" },
  ]);
  f.store.get = get;
  assert.equal((await f.call<{ CreateAccountStatus: { State: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: id })).CreateAccountStatus.State, "IN_PROGRESS");
  assert.equal(await f.org.resumePending(), 1);
  assert.equal((await f.call<{ CreateAccountStatus: { State: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: id })).CreateAccountStatus.State, "SUCCEEDED");
});
