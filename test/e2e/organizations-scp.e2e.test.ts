/**
 * Organizations OUs, policies and service control policies through the real server:
 * the management account builds a tree (root → Workloads → Prod), moves a created account into
 * it, enables SCPs, and SCPs then restrict the member account's OrganizationAccountAccessRole
 * session (deny-list and allow-list styles) while the management account stays unrestricted.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  CreateOrganizationCommand,
  ListRootsCommand,
  CreateOrganizationalUnitCommand,
  DescribeOrganizationalUnitCommand,
  UpdateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListChildrenCommand,
  ListParentsCommand,
  ListAccountsForParentCommand,
  MoveAccountCommand,
  CreatePolicyCommand,
  DescribePolicyCommand,
  UpdatePolicyCommand,
  DeletePolicyCommand,
  ListPoliciesCommand,
  AttachPolicyCommand,
  DetachPolicyCommand,
  ListPoliciesForTargetCommand,
  ListTargetsForPolicyCommand,
  EnablePolicyTypeCommand,
  DisablePolicyTypeCommand,
  DescribeOrganizationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-organizations";
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { IAMClient, ListRolesCommand, SimulatePrincipalPolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer, type Creds } from "./harness.js";
import { kmsClient, memberAccount, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const doc = (Effect: "Allow" | "Deny", Action: string | string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect, Action, Resource: "*" }] });
const SCP = "SERVICE_CONTROL_POLICY";

test("OUs, SCPs enforced on a member account's role session, deny-list and allow-list, management account exempt", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  assert.deepEqual(root.PolicyTypes, []);
  const orgId = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!.Id!;

  // The tree: root → Workloads → Prod.
  const workloads = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "Workloads", Tags: [{ Key: "team", Value: "platform" }] }))).OrganizationalUnit!;
  assert.match(workloads.Id!, new RegExp(`^ou-${root.Id!.slice(2)}-[a-z0-9]{8}$`));
  assert.equal(workloads.Arn, `arn:aws:organizations::${s.accountId}:ou/${orgId}/${workloads.Id}`);
  const prod = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: workloads.Id, Name: "Prod" }))).OrganizationalUnit!;
  await rejectsWith(orgs.send(new CreateOrganizationalUnitCommand({ ParentId: workloads.Id, Name: "Prod" })), {
    name: "DuplicateOrganizationalUnitException",
    status: 400,
    message: "An OU with the same name already exists.",
  });
  const renamed = await orgs.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id, Name: "Production" }));
  assert.deepEqual(renamed.OrganizationalUnit, { ...prod, Name: "Production" });
  assert.deepEqual((await orgs.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id }))).OrganizationalUnit?.Name, "Production");
  assert.deepEqual((await orgs.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id }))).OrganizationalUnits, [workloads]);
  assert.deepEqual((await orgs.send(new ListTagsForResourceCommand({ ResourceId: workloads.Id }))).Tags, [{ Key: "team", Value: "platform" }]);

  // A created account starts in the root and is moved into Production.
  const member = await memberAccount(s, "Member");
  assert.deepEqual((await orgs.send(new ListParentsCommand({ ChildId: member.accountId }))).Parents, [{ Id: root.Id, Type: "ROOT" }]);
  await orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: root.Id, DestinationParentId: prod.Id }));
  await rejectsWith(orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: prod.Id, DestinationParentId: prod.Id })), {
    name: "DuplicateAccountException",
    status: 400,
    message: "That account is already present in the specified destination.",
  });
  assert.deepEqual((await orgs.send(new ListParentsCommand({ ChildId: member.accountId }))).Parents, [{ Id: prod.Id, Type: "ORGANIZATIONAL_UNIT" }]);
  assert.deepEqual((await orgs.send(new ListParentsCommand({ ChildId: prod.Id }))).Parents, [{ Id: workloads.Id, Type: "ORGANIZATIONAL_UNIT" }]);
  assert.deepEqual((await orgs.send(new ListChildrenCommand({ ParentId: prod.Id, ChildType: "ACCOUNT" }))).Children, [{ Id: member.accountId, Type: "ACCOUNT" }]);
  assert.deepEqual((await orgs.send(new ListChildrenCommand({ ParentId: workloads.Id, ChildType: "ORGANIZATIONAL_UNIT" }))).Children, [{ Id: prod.Id, Type: "ORGANIZATIONAL_UNIT" }]);
  assert.deepEqual((await orgs.send(new ListAccountsForParentCommand({ ParentId: root.Id }))).Accounts?.map((a) => a.Id), [s.accountId]);
  assert.deepEqual((await orgs.send(new ListAccountsForParentCommand({ ParentId: prod.Id }))).Accounts?.map((a) => a.Id), [member.accountId]);
  await rejectsWith(orgs.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id })), {
    name: "OrganizationalUnitNotEmptyException",
    status: 400,
    message: "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
  });

  // Before SCPs are enabled the member role can do what its policy allows.
  const memberKms = kmsClient(s, member.admin);
  await memberKms.send(new CreateKeyCommand({}));

  const denyKms = (await orgs.send(new CreatePolicyCommand({ Name: "DenyKms", Description: "No KMS", Type: SCP, Content: doc("Deny", "kms:*") }))).Policy!;
  assert.match(denyKms.PolicySummary!.Id!, /^p-[a-z0-9]{8}$/);
  assert.deepEqual(denyKms.PolicySummary, {
    Id: denyKms.PolicySummary!.Id,
    Arn: `arn:aws:organizations::${s.accountId}:policy/${orgId}/service_control_policy/${denyKms.PolicySummary!.Id}`,
    Name: "DenyKms",
    Description: "No KMS",
    Type: SCP,
    AwsManaged: false,
  });
  const denyId = denyKms.PolicySummary!.Id!;
  await rejectsWith(orgs.send(new AttachPolicyCommand({ PolicyId: denyId, TargetId: workloads.Id })), {
    name: "PolicyTypeNotEnabledException",
    status: 400,
    message: "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.",
  });

  const enabled = (await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP }))).Root!;
  assert.deepEqual(enabled.PolicyTypes, [{ Type: SCP, Status: "ENABLED" }]);
  assert.deepEqual((await orgs.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes, [{ Type: SCP, Status: "ENABLED" }]);
  await rejectsWith(orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP })), {
    name: "PolicyTypeAlreadyEnabledException",
    status: 400,
    message: "The specified policy type is already enabled in the specified root.",
  });
  // FullAWSAccess went to the root, both OUs and both accounts.
  const full = (await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: SCP }))).Policies!;
  assert.deepEqual(full, [
    { Id: "p-FullAWSAccess", Arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", Name: "FullAWSAccess", Description: "Allows access to every operation", Type: SCP, AwsManaged: true },
  ]);
  const targets = (await orgs.send(new ListTargetsForPolicyCommand({ PolicyId: "p-FullAWSAccess" }))).Targets!;
  assert.deepEqual(targets.map((t) => t.TargetId).sort(), [root.Id, workloads.Id, prod.Id, s.accountId, member.accountId].sort());
  assert.deepEqual(targets.find((t) => t.TargetId === prod.Id), { TargetId: prod.Id, Arn: prod.Arn, Name: "Production", Type: "ORGANIZATIONAL_UNIT" });

  // Deny list: FullAWSAccess stays, a deny on the Workloads OU reaches the account two levels down.
  await orgs.send(new AttachPolicyCommand({ PolicyId: denyId, TargetId: workloads.Id }));
  await rejectsWith(orgs.send(new AttachPolicyCommand({ PolicyId: denyId, TargetId: workloads.Id })), {
    name: "DuplicatePolicyAttachmentException",
    status: 400,
    message: "The selected policy is already attached to the specified target.",
  });
  const roleArn = `arn:aws:sts::${member.accountId}:assumed-role/OrganizationAccountAccessRole/kms-e2e`;
  await rejectsWith(memberKms.send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${roleArn} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in a service control policy`,
  });
  const me = await new STSClient(s.clientConfig(member.admin)).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, roleArn);
  await new IAMClient(s.clientConfig(member.admin)).send(new ListRolesCommand({}));
  // The policy simulator evaluates the same SCPs: the role's AdministratorAccess allows both.
  const sim = await new IAMClient(s.clientConfig(member.admin)).send(
    new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${member.accountId}:role/OrganizationAccountAccessRole`, ActionNames: ["kms:CreateKey", "iam:ListRoles"] }),
  );
  assert.deepEqual(
    sim.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision, r.OrganizationsDecisionDetail?.AllowedByOrganizations]),
    [
      ["kms:CreateKey", "explicitDeny", false],
      ["iam:ListRoles", "allowed", true],
    ],
  );
  // The management account is never restricted, even with the deny attached to it and to the root.
  await orgs.send(new AttachPolicyCommand({ PolicyId: denyId, TargetId: s.accountId }));
  await kmsClient(s).send(new CreateKeyCommand({}));
  await orgs.send(new DetachPolicyCommand({ PolicyId: denyId, TargetId: s.accountId }));
  await rejectsWith(orgs.send(new DeletePolicyCommand({ PolicyId: denyId })), {
    name: "PolicyInUseException",
    status: 400,
    message: "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
  });

  // Detaching the deny lifts it at once.
  await orgs.send(new DetachPolicyCommand({ PolicyId: denyId, TargetId: workloads.Id }));
  await memberKms.send(new CreateKeyCommand({}));
  await rejectsWith(orgs.send(new DetachPolicyCommand({ PolicyId: denyId, TargetId: workloads.Id })), {
    name: "PolicyNotAttachedException",
    status: 400,
    message: "The policy isn't attached to the specified target in the specified root.",
  });

  // Allow list: the account's own level allows IAM and STS only, once FullAWSAccess is gone.
  const allowList = (await orgs.send(new CreatePolicyCommand({ Name: "IamAndStsOnly", Description: "", Type: SCP, Content: doc("Allow", ["iam:*", "sts:*"]) }))).Policy!;
  const allowId = allowList.PolicySummary!.Id!;
  await rejectsWith(orgs.send(new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: member.accountId })), {
    name: "ConstraintViolationException",
    status: 400,
    message: "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.",
  });
  await orgs.send(new AttachPolicyCommand({ PolicyId: allowId, TargetId: member.accountId }));
  await orgs.send(new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: member.accountId }));
  await rejectsWith(memberKms.send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${roleArn} is not authorized to perform: kms:CreateKey on resource: * because no service control policy allows the kms:CreateKey action`,
  });
  await new IAMClient(s.clientConfig(member.admin)).send(new ListRolesCommand({}));
  // Widening the allow list through UpdatePolicy takes effect at once.
  await orgs.send(new UpdatePolicyCommand({ PolicyId: allowId, Content: doc("Allow", ["iam:*", "sts:*", "kms:*"]) }));
  await memberKms.send(new CreateKeyCommand({}));
  assert.equal((await orgs.send(new DescribePolicyCommand({ PolicyId: allowId }))).Policy?.Content, doc("Allow", ["iam:*", "sts:*", "kms:*"]));

  const listed = (await orgs.send(new ListPoliciesCommand({ Filter: SCP }))).Policies!;
  assert.deepEqual(listed.map((p) => p.Name).sort(), ["DenyKms", "FullAWSAccess", "IamAndStsOnly"]);

  // Tags on a policy and on the root.
  await orgs.send(new TagResourceCommand({ ResourceId: allowId, Tags: [{ Key: "owner", Value: "sec" }] }));
  await orgs.send(new TagResourceCommand({ ResourceId: root.Id, Tags: [{ Key: "env", Value: "all" }] }));
  assert.deepEqual((await orgs.send(new ListTagsForResourceCommand({ ResourceId: allowId }))).Tags, [{ Key: "owner", Value: "sec" }]);
  assert.deepEqual((await orgs.send(new ListTagsForResourceCommand({ ResourceId: root.Id }))).Tags, [{ Key: "env", Value: "all" }]);
  await orgs.send(new UntagResourceCommand({ ResourceId: allowId, TagKeys: ["owner"] }));
  assert.deepEqual((await orgs.send(new ListTagsForResourceCommand({ ResourceId: allowId }))).Tags, []);

  // Disabling SCPs detaches every SCP: no restriction remains, re-enabling starts from FullAWSAccess.
  await orgs.send(new DisablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP }));
  await orgs.send(new UpdatePolicyCommand({ PolicyId: allowId, Content: doc("Allow", "iam:*") }));
  await memberKms.send(new CreateKeyCommand({}));
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP }));
  assert.deepEqual((await orgs.send(new ListPoliciesForTargetCommand({ TargetId: member.accountId, Filter: SCP }))).Policies?.map((p) => p.Id), ["p-FullAWSAccess"]);
  await memberKms.send(new CreateKeyCommand({}));
});

test("member accounts cannot manage the organization's OUs and policies", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  const other: Creds = (await memberAccount(s, "Other")).admin;
  const asMember = new OrganizationsClient(s.clientConfig(other));
  await rejectsWith(asMember.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "Nope" })), {
    name: "AccessDeniedException",
    status: 400,
    message: "You don't have permissions to access this resource.",
  });
  await rejectsWith(asMember.send(new ListPoliciesCommand({ Filter: SCP })), { name: "AccessDeniedException", status: 400 });
});

test("an ordinary role given the service-linked path /aws-service-role/ is still restricted by SCPs", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const member = await memberAccount(s, "Lookalike");
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP })).catch((e: { name?: string }) => {
    if (e.name !== "PolicyTypeAlreadyEnabledException") throw e;
  });
  const deny = (await orgs.send(new CreatePolicyCommand({ Name: "DenyKmsLookalike", Description: "No KMS", Type: SCP, Content: doc("Deny", "kms:*") }))).Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: deny, TargetId: member.accountId }));
  const iam = new IAMClient(s.clientConfig(member.admin));
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: member.accountId }, Action: "sts:AssumeRole" }] });
  await iam.send(new CreateRoleCommand({ RoleName: "NotReallyLinked", Path: "/aws-service-role/kms.amazonaws.com/", AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "NotReallyLinked", PolicyName: "all", PolicyDocument: doc("Allow", "kms:*") }));
  const c = (await new STSClient(s.clientConfig(member.admin)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.accountId}:role/aws-service-role/kms.amazonaws.com/NotReallyLinked`, RoleSessionName: "escape" }))).Credentials!;
  const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  await rejectsWith(kmsClient(s, session).send(new CreateKeyCommand({})), { name: "AccessDeniedException", message: /with an explicit deny in a service control policy$/ });
});
