import assert from "node:assert/strict";
import { test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

type H = { Id: string; Action: string; State: string; Parties: Array<{ Id: string; Type: string }>; Resources: Array<{ Type: string; Value: string }> };
const A = "222233334444";
const B = "333344445555";

/** A consolidated-billing organization with two invited members (A, B) and one created one. */
async function setup(): Promise<{ f: OrgFixture; orgId: string }> {
  const f = await orgFixture();
  const { Organization } = await f.call<{ Organization: { Id: string; FeatureSet: string; AvailablePolicyTypes: unknown[] } }>("CreateOrganization", { FeatureSet: "CONSOLIDATED_BILLING" });
  assert.equal(Organization.FeatureSet, "CONSOLIDATED_BILLING");
  // No policy type is available without all features.
  assert.deepEqual(Organization.AvailablePolicyTypes, []);
  for (const [id, name] of [
    [A, "Alpha"],
    [B, "Beta"],
  ] as const) {
    await f.accounts.create({ name, email: `${name.toLowerCase()}@example.com`, accountId: id });
    const inv = await f.call<{ Handshake: H }>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } });
    await f.call("AcceptHandshake", { HandshakeId: inv.Handshake.Id }, f.ctx(id));
  }
  await f.accounts.create({ name: "Created", email: "created@example.com", accountId: "444455556666" });
  await f.accounts.update("444455556666", (a) => ({ ...a, organizationId: Organization.Id, joinedMethod: "CREATED", joinedAt: f.clock.now() }));
  return { f, orgId: Organization.Id };
}

const children = async (f: OrgFixture, parent: string): Promise<H[]> =>
  (await f.call<{ Handshakes: H[] }>("ListHandshakesForOrganization", { Filter: { ParentHandshakeId: parent } })).Handshakes;

test("consolidated billing: no policy types, trusted access or delegated administrators", async () => {
  const { f } = await setup();
  const { Roots } = await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {});
  await expectAwsError(f.call("EnablePolicyType", { RootId: Roots[0]!.Id, PolicyType: "SERVICE_CONTROL_POLICY" }), "PolicyTypeNotAvailableForOrganizationException", /.*/, 400);
  const notAll = /requires the organization to be configured to support all features/;
  await expectAwsError(f.call("EnableAWSServiceAccess", { ServicePrincipal: "iam.amazonaws.com" }), "ConstraintViolationException", notAll, 400);
  await expectAwsError(f.call("RegisterDelegatedAdministrator", { AccountId: A, ServicePrincipal: "iam.amazonaws.com" }), "ConstraintViolationException", notAll, 400);
});

test("enable all features: invited members approve, then the management account finalises", async () => {
  const { f, orgId } = await setup();
  // Only the management account may start it.
  await expectAwsError(f.call("EnableAllFeatures", {}, f.ctx(A)), "AccessDeniedException", /.*/, 400);
  const parent = (await f.call<{ Handshake: H }>("EnableAllFeatures", {})).Handshake;
  assert.equal(parent.Action, "ENABLE_ALL_FEATURES");
  assert.equal(parent.State, "REQUESTED");
  assert.deepEqual(parent.Parties, [{ Id: orgId, Type: "ORGANIZATION" }]);
  await expectAwsError(f.call("EnableAllFeatures", {}), "HandshakeConstraintViolationException", /already started the process to enable all features/, 400);
  await f.accounts.create({ name: "Late", email: "late@example.com", accountId: "555566667777" });
  await expectAwsError(
    f.call("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: "555566667777" } }),
    "HandshakeConstraintViolationException",
    /can't issue new invitations/,
    400,
  );

  // One handshake per invited account; the created account receives none.
  const sent = await children(f, parent.Id);
  assert.deepEqual(sent.map((h) => [h.Action, h.State, h.Parties[1]!.Id]).sort(), [
    ["ENABLE_ALL_FEATURES", "OPEN", A],
    ["ENABLE_ALL_FEATURES", "OPEN", B],
  ]);
  assert.deepEqual(sent[0]!.Resources.at(-1), { Type: "PARENT_HANDSHAKE", Value: parent.Id });
  const toA = sent.find((h) => h.Parties[1]!.Id === A)!;
  const toB = sent.find((h) => h.Parties[1]!.Id === B)!;

  // Not yet: the parent is REQUESTED until all have approved; nobody else may approve.
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: parent.Id }), "InvalidHandshakeTransitionException", /.*/, 400);
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: toA.Id }, f.ctx(B)), "HandshakeNotFoundException", /.*/, 400);

  assert.equal((await f.call<{ Handshake: H }>("AcceptHandshake", { HandshakeId: toA.Id }, f.ctx(A))).Handshake.State, "ACCEPTED");
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: toA.Id }, f.ctx(A)), "HandshakeAlreadyInStateException", /.*/, 400);
  assert.equal((await children(f, parent.Id)).filter((h) => h.Action === "APPROVE_ALL_FEATURES").length, 0);
  await f.call("AcceptHandshake", { HandshakeId: toB.Id }, f.ctx(B));

  // All approved: the parent is OPEN and the management account received APPROVE_ALL_FEATURES.
  const mine = (await f.call<{ Handshakes: H[] }>("ListHandshakesForAccount", { Filter: { ActionType: "APPROVE_ALL_FEATURES" } })).Handshakes;
  assert.deepEqual(
    mine.map((h) => [h.State, h.Parties]),
    [["OPEN", [{ Id: orgId, Type: "ORGANIZATION" }, { Id: MGMT, Type: "ACCOUNT" }]]],
  );
  assert.equal((await f.call<{ Handshake: H }>("DescribeHandshake", { HandshakeId: parent.Id })).Handshake.State, "OPEN");
  // A member cannot finalise.
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: mine[0]!.Id }, f.ctx(A)), "HandshakeNotFoundException", /.*/, 400);

  const done = (await f.call<{ Handshake: H }>("AcceptHandshake", { HandshakeId: mine[0]!.Id })).Handshake;
  assert.equal(done.State, "ACCEPTED");
  assert.equal((await f.call<{ Handshake: H }>("DescribeHandshake", { HandshakeId: parent.Id })).Handshake.State, "ACCEPTED");
  assert.equal((await f.call<{ Organization: { FeatureSet: string } }>("DescribeOrganization", {})).Organization.FeatureSet, "ALL");
  await expectAwsError(f.call("EnableAllFeatures", {}), "HandshakeConstraintViolationException", /already enabled all features/, 400);
  await f.call("EnableAWSServiceAccess", { ServicePrincipal: "iam.amazonaws.com" });
  // Invitations work again.
  await f.call("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: "555566667777" } });
});

test("finalising by accepting the ENABLE_ALL_FEATURES handshake; without invited members it is OPEN at once", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "CONSOLIDATED_BILLING" });
  const parent = (await f.call<{ Handshake: H }>("EnableAllFeatures", {})).Handshake;
  assert.equal(parent.State, "OPEN");
  const approvals = await children(f, parent.Id);
  assert.deepEqual(approvals.map((h) => [h.Action, h.State]), [["APPROVE_ALL_FEATURES", "OPEN"]]);
  assert.equal((await f.call<{ Handshake: H }>("AcceptHandshake", { HandshakeId: parent.Id })).Handshake.State, "ACCEPTED");
  assert.deepEqual((await children(f, parent.Id)).map((h) => h.State), ["ACCEPTED"]);
  assert.equal((await f.call<{ Organization: { FeatureSet: string } }>("DescribeOrganization", {})).Organization.FeatureSet, "ALL");
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: approvals[0]!.Id }), "HandshakeAlreadyInStateException", /.*/, 400);
});

test("canceling the request cancels the handshakes sent to the members; a new one may start", async () => {
  const { f } = await setup();
  const parent = (await f.call<{ Handshake: H }>("EnableAllFeatures", {})).Handshake;
  assert.equal((await f.call<{ Handshake: H }>("CancelHandshake", { HandshakeId: parent.Id })).Handshake.State, "CANCELED");
  const sent = await children(f, parent.Id);
  assert.deepEqual(sent.map((h) => h.State), ["CANCELED", "CANCELED"]);
  await expectAwsError(f.call("AcceptHandshake", { HandshakeId: sent.find((h) => h.Parties[1]!.Id === A)!.Id }, f.ctx(A)), "InvalidHandshakeTransitionException", /.*/, 400);
  assert.equal((await f.call<{ Handshake: H }>("EnableAllFeatures", {})).Handshake.State, "REQUESTED");
  assert.equal((await f.call<{ Organization: { FeatureSet: string } }>("DescribeOrganization", {})).Organization.FeatureSet, "CONSOLIDATED_BILLING");
});
