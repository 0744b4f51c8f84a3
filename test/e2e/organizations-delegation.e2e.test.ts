/**
 * Organizations' resource-based delegation policy through the real server: a member account
 * (its OrganizationAccountAccessRole session) is refused ListAccounts until the management
 * account's PutResourcePolicy delegates it; DescribeResourcePolicy / DeleteResourcePolicy round
 * trip; ListDelegatedServicesForAccount for a delegated administrator.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  DeleteResourcePolicyCommand,
  DescribeOrganizationCommand,
  DescribeResourcePolicyCommand,
  EnableAWSServiceAccessCommand,
  ListAccountsCommand,
  ListDelegatedServicesForAccountCommand,
  ListRootsCommand,
  PutResourcePolicyCommand,
  RegisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import { startTestServer, type TestServer } from "./harness.js";
import { memberAccount, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const delegation = (accountId: string, actions: string[]): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "Delegate", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: actions, Resource: "*" }],
  });

test("a resource-based delegation policy lets a member account list the organization's accounts", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const member = await memberAccount(s, "Delegate");
  const memberOrgs = new OrganizationsClient(s.clientConfig(member.admin));
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;

  await rejectsWith(memberOrgs.send(new ListAccountsCommand({})), { name: "AccessDeniedException", status: 400 });
  await rejectsWith(orgs.send(new DescribeResourcePolicyCommand({})), { name: "ResourcePolicyNotFoundException", status: 400 });
  await rejectsWith(orgs.send(new DeleteResourcePolicyCommand({})), { name: "ResourcePolicyNotFoundException", status: 400 });
  // Only delegatable Organizations actions, and valid policy JSON.
  await rejectsWith(orgs.send(new PutResourcePolicyCommand({ Content: delegation(member.accountId, ["organizations:CreateAccount"]) })), {
    name: "InvalidInputException",
    status: 400,
  });
  await rejectsWith(orgs.send(new PutResourcePolicyCommand({ Content: "{not json" })), { name: "InvalidInputException", status: 400 });
  await rejectsWith(orgs.send(new PutResourcePolicyCommand({ Content: "x".repeat(40_001) })), { name: "ConstraintViolationException", status: 400 });
  // A member can't manage the delegation policy itself.
  await rejectsWith(memberOrgs.send(new PutResourcePolicyCommand({ Content: delegation(member.accountId, ["organizations:ListAccounts"]) })), {
    name: "AccessDeniedException",
    status: 400,
  });

  const content = delegation(member.accountId, ["organizations:ListAccounts"]);
  const put = await orgs.send(new PutResourcePolicyCommand({ Content: content, Tags: [{ Key: "team", Value: "sec" }] }));
  const summary = put.ResourcePolicy!.ResourcePolicySummary!;
  assert.match(summary.Id!, /^rp-[0-9a-z]{8}$/);
  assert.equal(summary.Arn, `arn:aws:organizations::${s.accountId}:resourcepolicy/${org.Id}/${summary.Id}`);
  const described = (await orgs.send(new DescribeResourcePolicyCommand({}))).ResourcePolicy!;
  assert.deepEqual(described.ResourcePolicySummary, summary);
  assert.equal(described.Content, content);
  // Tags only on creation.
  await rejectsWith(orgs.send(new PutResourcePolicyCommand({ Content: content, Tags: [{ Key: "a", Value: "b" }] })), { name: "InvalidInputException", status: 400 });

  const listed = await memberOrgs.send(new ListAccountsCommand({}));
  assert.deepEqual(listed.Accounts!.map((a) => a.Id).sort(), [s.accountId, member.accountId].sort());
  // Only what the policy allows.
  await rejectsWith(memberOrgs.send(new ListRootsCommand({})), { name: "AccessDeniedException", status: 400 });

  // An update keeps the id and changes what is delegated.
  const updated = await orgs.send(new PutResourcePolicyCommand({ Content: delegation(member.accountId, ["organizations:List*"]) }));
  assert.equal(updated.ResourcePolicy!.ResourcePolicySummary!.Id, summary.Id);
  assert.equal((await memberOrgs.send(new ListRootsCommand({}))).Roots!.length, 1);

  await orgs.send(new DeleteResourcePolicyCommand({}));
  await rejectsWith(orgs.send(new DescribeResourcePolicyCommand({})), { name: "ResourcePolicyNotFoundException", status: 400 });
  await rejectsWith(memberOrgs.send(new ListAccountsCommand({})), { name: "AccessDeniedException", status: 400 });
});

test("ListDelegatedServicesForAccount lists a delegated administrator's services", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const member = await memberAccount(s, "Admin");
  await rejectsWith(orgs.send(new ListDelegatedServicesForAccountCommand({ AccountId: member.accountId })), { name: "AccountNotRegisteredException", status: 400 });
  await rejectsWith(orgs.send(new ListDelegatedServicesForAccountCommand({ AccountId: "999999999999" })), { name: "AccountNotFoundException", status: 400 });
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" }));
  await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: member.accountId, ServicePrincipal: "iam.amazonaws.com" }));
  const out = await orgs.send(new ListDelegatedServicesForAccountCommand({ AccountId: member.accountId }));
  assert.equal(out.DelegatedServices!.length, 1);
  assert.equal(out.DelegatedServices![0]!.ServicePrincipal, "iam.amazonaws.com");
  assert.ok(out.DelegatedServices![0]!.DelegationEnabledDate instanceof Date);
  assert.equal(out.NextToken, undefined);
  // The delegated administrator itself may list them.
  const memberOrgs = new OrganizationsClient(s.clientConfig(member.admin));
  const own = await memberOrgs.send(new ListDelegatedServicesForAccountCommand({ AccountId: member.accountId }));
  assert.equal(own.DelegatedServices![0]!.ServicePrincipal, "iam.amazonaws.com");
});
