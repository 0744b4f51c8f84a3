/**
 * Organizations membership through the real server: a created member is removed (it becomes a
 * standalone account, free of the organization's SCPs), invited back with a handshake that it
 * accepts with its own credentials (its OrganizationAccountAccessRole survives the removal, as
 * in AWS), and closed: PENDING_CLOSURE, then SUSPENDED, and its principals are refused.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  RemoveAccountFromOrganizationCommand,
  LeaveOrganizationCommand,
  CloseAccountCommand,
  InviteAccountToOrganizationCommand,
  AcceptHandshakeCommand,
  DeclineHandshakeCommand,
  CancelHandshakeCommand,
  DescribeHandshakeCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
  ListPoliciesForTargetCommand,
  ListAccountsCommand,
  EnableAWSServiceAccessCommand,
  RegisterDelegatedAdministratorCommand,
  DeregisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  IAMClient,
  ListRolesCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  DeleteServiceLinkedRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { attachScp, eventually, startTestServer, type TestServer } from "./harness.js";
import { memberAccount, memberRole, onServerClock, pastCreatedAccountWait, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("remove a member, invite it back through a handshake, close it", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  const created = await memberAccount(s, "Leaver");
  // Created in the organization, it may leave it four days after its creation.
  pastCreatedAccountWait(s, orgs);
  const member = { ...created, admin: await memberRole(s, created.accountId) };
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: "SERVICE_CONTROL_POLICY" }));
  await attachScp(orgs, member.accountId, "NoListRoles", [{ Effect: "Deny", Action: "iam:ListRoles", Resource: "*" }]);
  const memberIam = new IAMClient(onServerClock(s, member.admin));
  await rejectsWith(memberIam.send(new ListRolesCommand({})), { name: "AccessDenied", status: 403 });

  // The management account can neither leave nor be removed.
  await rejectsWith(orgs.send(new LeaveOrganizationCommand({})), { name: "MasterCannotLeaveOrganizationException", status: 400 });
  await rejectsWith(orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: s.accountId })), { name: "ConstraintViolationException", status: 400 });

  // Removed: no longer in the organization, and its SCPs no longer apply.
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: member.accountId }));
  await rejectsWith(orgs.send(new DescribeAccountCommand({ AccountId: member.accountId })), {
    name: "AccountNotFoundException",
    status: 400,
    message: "You specified an account that doesn't exist.",
  });
  await rejectsWith(orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: member.accountId })), { name: "AccountNotFoundException", status: 400 });
  assert.ok((await memberIam.send(new ListRolesCommand({}))).Roles!.some((r) => r.RoleName === "OrganizationAccountAccessRole"));
  const memberOrgs = new OrganizationsClient(onServerClock(s, member.admin));
  await rejectsWith(memberOrgs.send(new DescribeOrganizationCommand({})), { name: "AWSOrganizationsNotInUseException", status: 400 });

  // An invitation that is canceled.
  const other = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: "999999999999" } }))).Handshake!;
  assert.equal((await orgs.send(new CancelHandshakeCommand({ HandshakeId: other.Id }))).Handshake!.State, "CANCELED");
  await rejectsWith(orgs.send(new CancelHandshakeCommand({ HandshakeId: other.Id })), { name: "HandshakeAlreadyInStateException", status: 400 });

  // The invitation back, by account id.
  const inv = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: member.accountId }, Notes: "come back", Tags: [{ Key: "team", Value: "x" }] }))).Handshake!;
  assert.match(inv.Id!, /^h-[0-9a-z]{8,32}$/);
  assert.equal(inv.Arn, `arn:aws:organizations::${s.accountId}:handshake/${org.Id}/invite/${inv.Id}`);
  assert.equal(inv.State, "OPEN");
  assert.equal(inv.Action, "INVITE");
  assert.deepEqual(inv.Parties, [
    { Id: org.Id, Type: "ORGANIZATION" },
    { Id: member.accountId, Type: "ACCOUNT" },
  ]);
  assert.equal(inv.ExpirationTimestamp!.getTime() - inv.RequestedTimestamp!.getTime(), 15 * 24 * 3600 * 1000);
  assert.deepEqual(inv.Resources![2], { Type: "NOTES", Value: "come back" });
  await rejectsWith(orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: member.accountId } })), { name: "DuplicateHandshakeException", status: 400 });
  await rejectsWith(orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: s.accountId } })), {
    name: "HandshakeConstraintViolationException",
    status: 400,
    message: "The handshake request is invalid because the invited account is already a member of an organization.",
  });
  assert.deepEqual(
    (await orgs.send(new ListHandshakesForOrganizationCommand({}))).Handshakes!.map((h) => h.Id).sort(),
    [inv.Id, other.Id].sort(),
  );
  assert.deepEqual((await memberOrgs.send(new ListHandshakesForAccountCommand({}))).Handshakes!.map((h) => h.Id), [inv.Id]);
  assert.equal((await memberOrgs.send(new DescribeHandshakeCommand({ HandshakeId: inv.Id }))).Handshake!.State, "OPEN");
  // Only the invitee accepts.
  await rejectsWith(orgs.send(new AcceptHandshakeCommand({ HandshakeId: inv.Id })), { name: "HandshakeNotFoundException", status: 400 });

  const accepted = (await memberOrgs.send(new AcceptHandshakeCommand({ HandshakeId: inv.Id }))).Handshake!;
  assert.equal(accepted.State, "ACCEPTED");
  await rejectsWith(memberOrgs.send(new AcceptHandshakeCommand({ HandshakeId: inv.Id })), { name: "HandshakeAlreadyInStateException", status: 400 });
  await rejectsWith(memberOrgs.send(new DeclineHandshakeCommand({ HandshakeId: inv.Id })), { name: "InvalidHandshakeTransitionException", status: 400 });
  const back = (await orgs.send(new DescribeAccountCommand({ AccountId: member.accountId }))).Account!;
  assert.equal(back.JoinedMethod, "INVITED");
  assert.equal(back.Status, "ACTIVE");
  assert.equal(back.State, "ACTIVE");
  // Back in the root with FullAWSAccess only (the old attachment is gone): ListRoles is allowed.
  assert.deepEqual(
    (await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: "SERVICE_CONTROL_POLICY" }))).Policies!.map((p) => p.Id),
    ["p-FullAWSAccess"],
  );
  await memberIam.send(new ListRolesCommand({}));

  // Closed: PENDING_CLOSURE, then SUSPENDED; its principals are refused from the request on.
  const memberSts = new STSClient(onServerClock(s, member.admin));
  assert.equal((await memberSts.send(new GetCallerIdentityCommand({}))).Account, member.accountId);
  await orgs.send(new CloseAccountCommand({ AccountId: member.accountId }));
  assert.equal((await orgs.send(new DescribeAccountCommand({ AccountId: member.accountId }))).Account!.Status, "PENDING_CLOSURE");
  await rejectsWith(memberSts.send(new GetCallerIdentityCommand({})), { name: "InvalidClientTokenId", status: 403, message: "The security token included in the request is invalid." });
  await rejectsWith(memberOrgs.send(new LeaveOrganizationCommand({})), { name: "UnrecognizedClientException", status: 400 });
  await rejectsWith(orgs.send(new CloseAccountCommand({ AccountId: member.accountId })), {
    name: "AccountAlreadyClosedException",
    status: 400,
    message: "You attempted to close an account that is already closed.",
  });
  const ct = new CloudTrailClient(onServerClock(s));
  const closeResults = async () =>
    ((await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CloseAccountResult" }] }))).Events ?? []).map(
      (e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown> & { serviceEventDetails: { closeAccountStatus: Record<string, string> } },
    );
  // The closure has not completed yet: no result event, even after a drain of the staged events.
  await s.app.outbox.drain();
  assert.deepEqual(await closeResults(), []);
  s.clock.offsetMs += 3 * 60_000;
  const closed = (await orgs.send(new ListAccountsCommand({}))).Accounts!.find((a) => a.Id === member.accountId)!;
  assert.equal(closed.Status, "SUSPENDED");
  assert.equal(closed.State, "SUSPENDED");
  await rejectsWith(memberSts.send(new GetCallerIdentityCommand({})), { name: "InvalidClientTokenId", status: 403 });
  // Completed: the next drain (every 10 s in a running server) records CloseAccountResult.
  await s.app.outbox.drain();
  const [result, ...more] = await closeResults();
  assert.deepEqual(more, []);
  assert.deepEqual(result!.userIdentity, { accountId: s.accountId, invokedBy: "organizations.amazonaws.com" });
  assert.deepEqual([result!.eventType, result!.sourceIPAddress, result!.userAgent, result!.recipientAccountId], ["AwsServiceEvent", "organizations.amazonaws.com", "organizations.amazonaws.com", s.accountId]);
  const status = result!.serviceEventDetails.closeAccountStatus;
  assert.deepEqual([status.accountId, status.state], [member.accountId, "SUCCEEDED"]);
  assert.deepEqual(Object.keys(status), ["accountId", "state", "requestedTimestamp", "completedTimestamp"]);
  assert.notEqual(status.requestedTimestamp, status.completedTimestamp);
});

test("a member leaves by itself; an invitation by email is declined; delegated administrators stay", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  const member = await memberAccount(s, "Wanderer");
  const youngOrgs = new OrganizationsClient(onServerClock(s, member.admin));
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "config.amazonaws.com" }));
  await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: member.accountId, ServicePrincipal: "config.amazonaws.com" }));
  await rejectsWith(youngOrgs.send(new LeaveOrganizationCommand({})), {
    name: "ConstraintViolationException",
    status: 400,
    message:
      "You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator.",
  });
  await orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: member.accountId, ServicePrincipal: "config.amazonaws.com" }));
  // Created in the organization a moment ago: it may leave four days after its creation.
  await rejectsWith(youngOrgs.send(new LeaveOrganizationCommand({})), { name: "ConstraintViolationException", status: 400, message: /^After you create an Amazon Web Services account, you must wait/ });
  pastCreatedAccountWait(s, orgs);
  const memberOrgs = new OrganizationsClient(onServerClock(s, await memberRole(s, member.accountId)));
  await memberOrgs.send(new LeaveOrganizationCommand({}));
  await rejectsWith(orgs.send(new DescribeAccountCommand({ AccountId: member.accountId })), { name: "AccountNotFoundException", status: 400 });
  await rejectsWith(memberOrgs.send(new LeaveOrganizationCommand({})), { name: "AWSOrganizationsNotInUseException", status: 400 });

  const inv = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "EMAIL", Id: "Wanderer@Example.com" } }))).Handshake!;
  assert.deepEqual(inv.Parties![1], { Id: "Wanderer@Example.com", Type: "EMAIL" });
  assert.deepEqual((await memberOrgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "INVITE" } }))).Handshakes!.map((h) => h.Id), [inv.Id]);
  assert.deepEqual((await memberOrgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "ENABLE_ALL_FEATURES" } }))).Handshakes, []);
  await rejectsWith(memberOrgs.send(new ListHandshakesForAccountCommand({ Filter: { ActionType: "INVITE", ParentHandshakeId: inv.Id } })), {
    name: "InvalidInputException",
    status: 400,
    message: "You can specify only one filter parameter for the operation.",
  });
  await rejectsWith(memberOrgs.send(new DescribeHandshakeCommand({ HandshakeId: "h-NOT-VALID" })), { name: "InvalidInputException", status: 400 });
  await rejectsWith(memberOrgs.send(new CancelHandshakeCommand({ HandshakeId: inv.Id })), { name: "HandshakeNotFoundException", status: 400 });
  assert.equal((await memberOrgs.send(new DeclineHandshakeCommand({ HandshakeId: inv.Id }))).Handshake!.State, "DECLINED");
  await rejectsWith(memberOrgs.send(new AcceptHandshakeCommand({ HandshakeId: inv.Id })), { name: "InvalidHandshakeTransitionException", status: 400 });
  await rejectsWith(orgs.send(new CancelHandshakeCommand({ HandshakeId: inv.Id })), { name: "InvalidHandshakeTransitionException", status: 400 });
  assert.equal((await orgs.send(new DescribeHandshakeCommand({ HandshakeId: inv.Id }))).Handshake!.State, "DECLINED");

  // A fresh invitation expires after 15 days and can no longer be accepted.
  const late = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: member.accountId } }))).Handshake!;
  s.clock.offsetMs += 15 * 24 * 3600 * 1000;
  // The earlier role session has expired meanwhile; the standalone account's role is still there.
  const role = await new STSClient(onServerClock(s)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: "later" }),
  );
  const c = role.Credentials!;
  const later = new OrganizationsClient({
    ...s.clientConfig({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }),
    systemClockOffset: s.clock.offsetMs,
  });
  assert.equal((await later.send(new DescribeHandshakeCommand({ HandshakeId: late.Id }))).Handshake!.State, "EXPIRED");
  await rejectsWith(later.send(new AcceptHandshakeCommand({ HandshakeId: late.Id })), { name: "InvalidHandshakeTransitionException", status: 400 });
  await rejectsWith(later.send(new DescribeOrganizationCommand({})), { name: "AWSOrganizationsNotInUseException", status: 400 });
});

test("every account of the organization gets AWSServiceRoleForOrganizations: the management account, a created member, an invited one when it accepts", async () => {
  const ROLE = "AWSServiceRoleForOrganizations";
  const assertRole = async (iam: IAMClient, accountId: string): Promise<void> => {
    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
    assert.deepEqual([role.Path, role.Arn], ["/aws-service-role/organizations.amazonaws.com/", `arn:aws:iam::${accountId}:role/aws-service-role/organizations.amazonaws.com/${ROLE}`]);
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement, [
      { Effect: "Allow", Principal: { Service: "organizations.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, [
      { PolicyName: "AWSOrganizationsServiceTrustPolicy", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy" },
    ]);
  };
  // A server of its own: the one above has had its clock moved on.
  const s = await startTestServer();
  try {
    const orgs = new OrganizationsClient(s.clientConfig());
    const member = await memberAccount(s, "Linked");
    await assertRole(new IAMClient(s.clientConfig()), s.accountId);
    await assertRole(new IAMClient(s.clientConfig(member.admin)), member.accountId);

    // Removed (four days after its creation), its role deleted, invited back: accepting creates the role again.
    pastCreatedAccountWait(s, orgs);
    const later = await memberRole(s, member.accountId);
    const memberIam = new IAMClient(onServerClock(s, later));
    await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: member.accountId }));
    const task = (await memberIam.send(new DeleteServiceLinkedRoleCommand({ RoleName: ROLE }))).DeletionTaskId!;
    await eventually(async () => ((await memberIam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }))).Status === "SUCCEEDED" ? true : undefined));
    await assert.rejects(memberIam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);
    const inv = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: member.accountId } }))).Handshake!;
    await assert.rejects(memberIam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);
    await new OrganizationsClient(onServerClock(s, later)).send(new AcceptHandshakeCommand({ HandshakeId: inv.Id }));
    await assertRole(memberIam, member.accountId);
  } finally {
    await s.destroy();
  }
});
