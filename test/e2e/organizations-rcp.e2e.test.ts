/**
 * Resource control policies through the real server: the management account enables RCPs
 * (RCPFullAWSAccess everywhere), RCP grammar is enforced, and an RCP on a member's OU denying KMS
 * to principals of other accounts stops a standalone account that the member's key policy lets
 * in, while the member's own role keeps its access and the management account's keys are exempt.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  ListRootsCommand,
  CreateOrganizationalUnitCommand,
  MoveAccountCommand,
  CreatePolicyCommand,
  AttachPolicyCommand,
  DetachPolicyCommand,
  ListPoliciesForTargetCommand,
  ListPoliciesCommand,
  EnablePolicyTypeCommand,
  DisablePolicyTypeCommand,
  RemoveAccountFromOrganizationCommand,
  DescribeOrganizationCommand,
} from "@aws-sdk/client-organizations";
import { CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, memberAccount, memberRole, onServerClock, pastCreatedAccountWait, rejectsWith, utf8 } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const RCP = "RESOURCE_CONTROL_POLICY";
const rcp = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const keyPolicy = (...accounts: string[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: accounts.map((a) => `arn:aws:iam::${a}:root`) }, Action: "kms:*", Resource: "*" }] });

test("RCPs: enabled with RCPFullAWSAccess, grammar, a deny on a member's OU stops other accounts on its keys", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  // A standalone account: created in the organization, then removed from it (four days after its creation).
  const { accountId: outsiderId } = await memberAccount(s, "Outsider");
  pastCreatedAccountWait(s, orgs);
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: outsiderId }));
  const outsider = { accountId: outsiderId, admin: await memberRole(s, outsiderId) };
  const member = await memberAccount(s, "Member");
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  const data = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "Data" }))).OrganizationalUnit!;
  await orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: root.Id, DestinationParentId: data.Id }));

  // Keys of the member and of the management account that let the standalone account in.
  const memberKey = (await kmsClient(s, member.admin).send(new CreateKeyCommand({ Policy: keyPolicy(member.accountId, outsider.accountId) }))).KeyMetadata!.Arn!;
  const mgmtKey = (await kmsClient(s).send(new CreateKeyCommand({ Policy: keyPolicy(s.accountId, outsider.accountId) }))).KeyMetadata!.Arn!;
  const outsiderKms = kmsClient(s, outsider.admin);
  const memberKms = kmsClient(s, member.admin);
  await outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") }));

  const perimeter = rcp({
    Effect: "Deny",
    Principal: "*",
    Action: "kms:*",
    Resource: "*",
    Condition: { StringNotEqualsIfExists: { "aws:PrincipalAccount": [member.accountId, s.accountId] } },
  });
  const policy = (await orgs.send(new CreatePolicyCommand({ Name: "KmsPerimeter", Description: "", Type: RCP, Content: perimeter }))).Policy!.PolicySummary!;
  await rejectsWith(orgs.send(new AttachPolicyCommand({ PolicyId: policy.Id, TargetId: data.Id })), { name: "PolicyTypeNotEnabledException", status: 400 });

  const enabled = (await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: RCP }))).Root!;
  assert.deepEqual(enabled.PolicyTypes, [{ Type: RCP, Status: "ENABLED" }]);
  assert.deepEqual((await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: RCP }))).Policies, [
    {
      Id: "p-RCPFullAWSAccess",
      Arn: "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
      Name: "RCPFullAWSAccess",
      Description: "Allows access to every resource",
      Type: RCP,
      AwsManaged: true,
    },
  ]);
  assert.deepEqual((await orgs.send(new ListPoliciesCommand({ Filter: RCP }))).Policies!.map((p) => p.Name).sort(), ["KmsPerimeter", "RCPFullAWSAccess"]);
  // RCPFullAWSAccess alone changes nothing.
  await outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") }));

  // Grammar: Deny only, Principal "*" only, supported services only, Version 2012-10-17.
  const malformed = { name: "MalformedPolicyDocumentException", status: 400 };
  for (const bad of [
    rcp({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }),
    rcp({ Effect: "Deny", Principal: { AWS: outsider.accountId }, Action: "kms:*", Resource: "*" }),
    rcp({ Effect: "Deny", Principal: "*", Action: "ec2:RunInstances", Resource: "*" }),
    rcp({ Effect: "Deny", Principal: "*", NotAction: "kms:Encrypt", Resource: "*" }),
    rcp({ Effect: "Deny", Action: "kms:*", Resource: "*" }),
    JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }] }),
  ]) {
    await rejectsWith(orgs.send(new CreatePolicyCommand({ Name: "Bad", Description: "", Type: RCP, Content: bad })), malformed);
  }

  // The perimeter on the member's OU and on the root: other accounts are stopped on the member's key.
  await orgs.send(new AttachPolicyCommand({ PolicyId: policy.Id, TargetId: data.Id }));
  await orgs.send(new AttachPolicyCommand({ PolicyId: policy.Id, TargetId: root.Id }));
  await rejectsWith(outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") })), {
    name: "AccessDeniedException",
    status: 400,
    message: new RegExp(`^User: arn:aws:sts::${outsider.accountId}:assumed-role/OrganizationAccountAccessRole/kms-e2e is not authorized to perform: kms:Encrypt on resource: ${memberKey} with an explicit deny in a resource control policy$`),
  });
  // The member's own role keeps its access; the management account's resources are exempt.
  await memberKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") }));
  await outsiderKms.send(new EncryptCommand({ KeyId: mgmtKey, Plaintext: utf8("x") }));

  // Detached everywhere: allowed again at once.
  await orgs.send(new DetachPolicyCommand({ PolicyId: policy.Id, TargetId: data.Id }));
  await rejectsWith(outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") })), { name: "AccessDeniedException", status: 400 });
  await orgs.send(new DetachPolicyCommand({ PolicyId: policy.Id, TargetId: root.Id }));
  await outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") }));

  // RCPFullAWSAccess cannot be detached, even with another RCP attached beside it (InvalidInputException
  // NON_DETACHABLE_POLICY, "You can't detach this AWS Managed Policy.").
  await orgs.send(new AttachPolicyCommand({ PolicyId: policy.Id, TargetId: member.accountId }));
  for (const target of [member.accountId, data.Id, root.Id]) {
    await assert.rejects(orgs.send(new DetachPolicyCommand({ PolicyId: "p-RCPFullAWSAccess", TargetId: target })), (e: { name?: string; Reason?: string; message?: string }) => {
      assert.deepEqual([e.name, e.Reason, e.message], ["InvalidInputException", "NON_DETACHABLE_POLICY", "You can't detach this AWS Managed Policy."]);
      return true;
    });
  }
  assert.deepEqual((await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: RCP }))).Policies!.map((p) => p.Name).sort(), ["KmsPerimeter", "RCPFullAWSAccess"]);

  // Disabled: the attachment limits no longer apply, nothing is attached.
  await orgs.send(new DisablePolicyTypeCommand({ RootId: root.Id, PolicyType: RCP }));
  assert.deepEqual((await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: RCP }))).Policies, []);
  await outsiderKms.send(new EncryptCommand({ KeyId: memberKey, Plaintext: utf8("x") }));
});

test("aws:PrincipalOrgID / aws:PrincipalOrgPaths in a key policy: principals of the organization's accounts get in, a standalone account does not", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  const { accountId: memberId } = await memberAccount(s, "OrgKeyMember");
  const { accountId: outsiderId } = await memberAccount(s, "OrgKeyOutsider");
  // Removed four days after its creation: both role sessions are taken again after.
  pastCreatedAccountWait(s, orgs);
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: outsiderId }));
  const member = { accountId: memberId, admin: await memberRole(s, memberId) };
  const outsider = { accountId: outsiderId, admin: await memberRole(s, outsiderId) };
  const team = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "OrgKeyTeam" }))).OrganizationalUnit!;
  await orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: root.Id, DestinationParentId: team.Id }));

  const statement = (condition: object) => ({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Encrypt", Resource: "*", Condition: condition });
  const keyFor = async (condition: object) =>
    (
      await kmsClient(s).send(
        new CreateKeyCommand({
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "kms:*", Resource: "*" }, statement(condition)],
          }),
        }),
      )
    ).KeyMetadata!.Arn!;
  const byOrg = await keyFor({ StringEquals: { "aws:PrincipalOrgID": org.Id } });
  const byPath = await keyFor({ "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `${org.Id}/${root.Id}/${team.Id}/*` } });

  const memberKms = kmsClient(s, member.admin);
  const outsiderKms = kmsClient(s, outsider.admin);
  await memberKms.send(new EncryptCommand({ KeyId: byOrg, Plaintext: utf8("x") }));
  await memberKms.send(new EncryptCommand({ KeyId: byPath, Plaintext: utf8("x") }));
  await rejectsWith(outsiderKms.send(new EncryptCommand({ KeyId: byOrg, Plaintext: utf8("x") })), { name: "AccessDeniedException", status: 400 });
  // Moved back under the root, the member is outside the OU path but still in the organization.
  await orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: team.Id, DestinationParentId: root.Id }));
  await memberKms.send(new EncryptCommand({ KeyId: byOrg, Plaintext: utf8("x") }));
  await rejectsWith(memberKms.send(new EncryptCommand({ KeyId: byPath, Plaintext: utf8("x") })), { name: "AccessDeniedException", status: 400 });
});
