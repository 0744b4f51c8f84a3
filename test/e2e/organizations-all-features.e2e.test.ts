/**
 * An organization created with CONSOLIDATED_BILLING through the real server: no policy types or
 * trusted access, an invitation still works, then EnableAllFeatures: the invited member approves
 * with its own credentials (OrganizationAccountAccessRole), the management account finalises,
 * and the organization has all features.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  AcceptHandshakeCommand,
  CreateOrganizationCommand,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  InviteAccountToOrganizationCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
  ListRootsCommand,
  RemoveAccountFromOrganizationCommand,
} from "@aws-sdk/client-organizations";
import { startTestServer, type TestServer } from "./harness.js";
import { memberAccount, memberRole, onServerClock, pastCreatedAccountWait, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("consolidated billing, then EnableAllFeatures approved by the invited member and finalised", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const org = (await orgs.send(new CreateOrganizationCommand({ FeatureSet: "CONSOLIDATED_BILLING" }))).Organization!;
  assert.equal(org.FeatureSet, "CONSOLIDATED_BILLING");
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await rejectsWith(orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: "SERVICE_CONTROL_POLICY" })), {
    name: "PolicyTypeNotAvailableForOrganizationException",
    status: 400,
  });
  await rejectsWith(orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" })), {
    name: "ConstraintViolationException",
    status: 400,
    message: /requires the organization to be configured to support all features/,
  });

  // A created member (approval inferred) and one that is removed and invited back.
  const created = await memberAccount(s, "Kept");
  const invitee = await memberAccount(s, "Invitee");
  // Created in the organization, it may leave it four days after its creation; role sessions are taken again after.
  pastCreatedAccountWait(s, orgs);
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: invitee.accountId }));
  const invited = { ...invitee, admin: await memberRole(s, invitee.accountId) };
  const invitedOrgs = new OrganizationsClient(onServerClock(s, invited.admin));
  const inv = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: invited.accountId } }))).Handshake!;
  assert.equal(inv.Resources![0]!.Resources!.find((r) => r.Type === "ORGANIZATION_FEATURE_SET")!.Value, "CONSOLIDATED_BILLING");
  assert.equal((await invitedOrgs.send(new AcceptHandshakeCommand({ HandshakeId: inv.Id }))).Handshake!.State, "ACCEPTED");

  const parent = (await orgs.send(new EnableAllFeaturesCommand({}))).Handshake!;
  assert.equal(parent.Action, "ENABLE_ALL_FEATURES");
  assert.equal(parent.State, "REQUESTED");
  assert.equal(parent.Arn, `arn:aws:organizations::${s.accountId}:handshake/${org.Id}/enable_all_features/${parent.Id}`);
  assert.deepEqual(parent.Parties, [{ Id: org.Id, Type: "ORGANIZATION" }]);
  await rejectsWith(orgs.send(new EnableAllFeaturesCommand({})), {
    name: "HandshakeConstraintViolationException",
    status: 400,
    message: "The handshake request is invalid because the organization has already started the process to enable all features.",
  });
  await rejectsWith(orgs.send(new AcceptHandshakeCommand({ HandshakeId: parent.Id })), { name: "InvalidHandshakeTransitionException", status: 400 });

  // Only the invited member received a request.
  const sent = (await orgs.send(new ListHandshakesForOrganizationCommand({ Filter: { ParentHandshakeId: parent.Id } }))).Handshakes!;
  assert.deepEqual(sent.map((h) => [h.Action, h.State, h.Parties![1]!.Id]), [["ENABLE_ALL_FEATURES", "OPEN", invited.accountId]]);
  const createdOrgs = new OrganizationsClient(onServerClock(s, await memberRole(s, created.accountId)));
  assert.deepEqual((await createdOrgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "ENABLE_ALL_FEATURES" } }))).Handshakes, []);
  const request = (await invitedOrgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "ENABLE_ALL_FEATURES" } }))).Handshakes!;
  assert.deepEqual(request.map((h) => h.Id), [sent[0]!.Id]);
  assert.deepEqual(request[0]!.Resources!.at(-1), { Type: "PARENT_HANDSHAKE", Value: parent.Id });
  assert.equal((await invitedOrgs.send(new AcceptHandshakeCommand({ HandshakeId: request[0]!.Id }))).Handshake!.State, "ACCEPTED");

  // All approved: the management account finalises with the APPROVE_ALL_FEATURES handshake.
  const approve = (await orgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "APPROVE_ALL_FEATURES" } }))).Handshakes!;
  assert.deepEqual(approve.map((h) => h.State), ["OPEN"]);
  assert.equal((await orgs.send(new DescribeHandshakeCommand({ HandshakeId: parent.Id }))).Handshake!.State, "OPEN");
  assert.equal((await orgs.send(new AcceptHandshakeCommand({ HandshakeId: approve[0]!.Id }))).Handshake!.State, "ACCEPTED");
  assert.equal((await orgs.send(new DescribeHandshakeCommand({ HandshakeId: parent.Id }))).Handshake!.State, "ACCEPTED");
  assert.equal((await orgs.send(new DescribeOrganizationCommand({}))).Organization!.FeatureSet, "ALL");
  assert.equal((await invitedOrgs.send(new DescribeOrganizationCommand({}))).Organization!.FeatureSet, "ALL");

  const enabled = await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: "SERVICE_CONTROL_POLICY" }));
  assert.deepEqual(enabled.Root!.PolicyTypes, [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }]);
  await rejectsWith(orgs.send(new EnableAllFeaturesCommand({})), {
    name: "HandshakeConstraintViolationException",
    status: 400,
    message: "The handshake request is invalid because the organization has already enabled all features.",
  });
});
