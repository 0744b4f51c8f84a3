/**
 * The Organizations User Guide's SCP and RCP examples through the real server ("Example service
 * control policies", "SCP evaluation", "Resource control policies"): each example attached to a
 * member account, the request it refuses and the one it lets through.
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
  EnablePolicyTypeCommand,
  LeaveOrganizationCommand,
  EnableAWSServiceAccessCommand,
} from "@aws-sdk/client-organizations";
import { STSClient, AssumeRoleCommand, AssumeRootCommand } from "@aws-sdk/client-sts";
import {
  IAMClient,
  ListRolesCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  AttachRolePolicyCommand,
  GetUserCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer, type Creds } from "./harness.js";
import { kmsClient, memberAccount, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const SCP = "SERVICE_CONTROL_POLICY";
const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const session = (member: string, role: string) => `arn:aws:sts::${member}:assumed-role/${role}/kms-e2e`;

async function setup(name: string) {
  const orgs = new OrganizationsClient(s.clientConfig());
  const member = await memberAccount(s, name);
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: SCP })).catch((e: { name?: string }) => {
    if (e.name !== "PolicyTypeAlreadyEnabledException") throw e;
  });
  const attach = async (content: string, target = member.accountId) => {
    const id = (await orgs.send(new CreatePolicyCommand({ Name: `${name}-${Math.random().toString(36).slice(2, 8)}`, Description: "", Type: SCP, Content: content }))).Policy!.PolicySummary!.Id!;
    await orgs.send(new AttachPolicyCommand({ PolicyId: id, TargetId: target }));
    return id;
  };
  return { orgs, member, root, attach };
}

/** A role of the member account with AdministratorAccess, assumable by the account, taken as a session. */
async function adminRole(member: { accountId: string; admin: Creds }, name: string): Promise<Creds> {
  const iam = new IAMClient(s.clientConfig(member.admin));
  const trust = policy({ Effect: "Allow", Principal: { AWS: member.accountId }, Action: "sts:AssumeRole" });
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "all", PolicyDocument: policy({ Effect: "Allow", Action: "*", Resource: "*" }) }));
  const c = (await new STSClient(s.clientConfig(member.admin)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.accountId}:role/${name}`, RoleSessionName: "kms-e2e" }))).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

test("SCP evaluation: an allow-list on the OU between root and account limits the account though root and account have FullAWSAccess", async () => {
  const { orgs, member, root, attach } = await setup("Between");
  const ou = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "Between" }))).OrganizationalUnit!;
  await orgs.send(new MoveAccountCommand({ AccountId: member.accountId, SourceParentId: root.Id, DestinationParentId: ou.Id }));
  await attach(policy({ Effect: "Allow", Action: ["iam:*", "sts:*"], Resource: "*" }), ou.Id);
  await orgs.send(new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: ou.Id }));
  await rejectsWith(kmsClient(s, member.admin).send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${session(member.accountId, "OrganizationAccountAccessRole")} is not authorized to perform: kms:CreateKey on resource: * because no service control policy allows the kms:CreateKey action`,
  });
  await new IAMClient(s.clientConfig(member.admin)).send(new ListRolesCommand({}));
});

test("example: deny access outside the requested Regions, global services exempted by NotAction, an admin role exempted by aws:PrincipalARN", async () => {
  const { member, attach } = await setup("Regions");
  await attach(
    policy({
      Sid: "DenyAllOutsideEU",
      Effect: "Deny",
      NotAction: ["iam:*", "organizations:*", "sts:*", "support:*"],
      Resource: "*",
      Condition: {
        StringNotEquals: { "aws:RequestedRegion": ["eu-central-1", "eu-west-1"] },
        ArnNotLike: { "aws:PrincipalARN": ["arn:aws:iam::*:role/Role1AllowedToBypassThisSCP"] },
      },
    }),
  );
  await rejectsWith(kmsClient(s, member.admin).send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${session(member.accountId, "OrganizationAccountAccessRole")} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in a service control policy`,
  });
  await kmsClient(s, member.admin, "eu-west-1").send(new CreateKeyCommand({}));
  await new IAMClient(s.clientConfig(member.admin)).send(new ListRolesCommand({}));
  const bypass = await adminRole(member, "Role1AllowedToBypassThisSCP");
  await kmsClient(s, bypass).send(new CreateKeyCommand({}));
});

test("example: prevent member accounts from leaving the organization", async () => {
  const { member, attach } = await setup("Stay");
  await attach(policy({ Effect: "Deny", Action: ["organizations:LeaveOrganization"], Resource: "*" }));
  await rejectsWith(new OrganizationsClient(s.clientConfig(member.admin)).send(new LeaveOrganizationCommand({})), {
    name: "AccessDeniedException",
    message: /with an explicit deny in a service control policy$/,
  });
});

test("example: protect an IAM role from changes, an admin role exempted with ArnNotLike aws:PrincipalARN", async () => {
  const { member, attach } = await setup("Protect");
  const dev = await adminRole(member, "Developer");
  const iam = new IAMClient(s.clientConfig(member.admin));
  await iam.send(new CreateRoleCommand({ RoleName: "Guarded", AssumeRolePolicyDocument: policy({ Effect: "Allow", Principal: { AWS: member.accountId }, Action: "sts:AssumeRole" }) }));
  await attach(
    policy({
      Sid: "DenyAccessToASpecificRole",
      Effect: "Deny",
      Action: ["iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"],
      Resource: ["arn:aws:iam::*:role/Guarded"],
      Condition: { ArnNotLike: { "aws:PrincipalARN": "arn:aws:iam::*:role/OrganizationAccountAccessRole" } },
    }),
  );
  await rejectsWith(new IAMClient(s.clientConfig(dev)).send(new PutRolePolicyCommand({ RoleName: "Guarded", PolicyName: "x", PolicyDocument: policy({ Effect: "Allow", Action: "*", Resource: "*" }) })), {
    name: "AccessDenied",
    status: 403,
    message: `User: ${session(member.accountId, "Developer")} is not authorized to perform: iam:PutRolePolicy on resource: role Guarded with an explicit deny in a service control policy`,
  });
  await iam.send(new AttachRolePolicyCommand({ RoleName: "Guarded", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
});

test("example: require MFA for KMS key deletion; deny key deletion except for one role (Allow with a Condition in the allow list)", async () => {
  const { member, attach } = await setup("Mfa");
  const key = (await kmsClient(s, member.admin).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const mfa = await attach(policy({ Effect: "Deny", Action: ["kms:ScheduleKeyDeletion", "kms:Delete*"], Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } }));
  await rejectsWith(kmsClient(s, member.admin).send(new ScheduleKeyDeletionCommand({ KeyId: key })), {
    name: "AccessDeniedException",
    message: new RegExp(`^User: ${session(member.accountId, "OrganizationAccountAccessRole")} is not authorized to perform: kms:ScheduleKeyDeletion on resource: arn:aws:kms:us-east-1:${member.accountId}:key/${key} with an explicit deny in a service control policy$`),
  });
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new DetachPolicyCommand({ PolicyId: mfa, TargetId: member.accountId }));
  const keyAdmin = await adminRole(member, "KeyAdmin");
  await attach(policy({ Effect: "Deny", Action: ["kms:ScheduleKeyDeletion", "kms:Delete*"], Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${member.accountId}:role/KeyAdmin` } } }));
  await rejectsWith(kmsClient(s, member.admin).send(new ScheduleKeyDeletionCommand({ KeyId: key })), { name: "AccessDeniedException", message: /with an explicit deny in a service control policy$/ });
  // Allow statements with a Condition (SCP syntax: Condition is supported with Allow).
  await attach(policy({ Effect: "Allow", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } }));
  await orgs.send(new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: member.accountId }));
  await kmsClient(s, keyAdmin).send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
  await rejectsWith(kmsClient(s, keyAdmin, "eu-west-1").send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${session(member.accountId, "KeyAdmin")} is not authorized to perform: kms:CreateKey on resource: * because no service control policy allows the kms:CreateKey action`,
  });
});

test("example: require a tag on created resources (Null aws:RequestTag/<key>) and restrict its values", async () => {
  const { member, attach } = await setup("Tags");
  await attach(
    policy(
      { Sid: "DenyCreateKeyWithNoProjectTag", Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { Null: { "aws:RequestTag/Project": "true" } } },
      { Sid: "DenyUnknownProject", Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { StringNotEquals: { "aws:RequestTag/Project": ["Alpha", "Beta"] }, Null: { "aws:RequestTag/Project": "false" } } },
    ),
  );
  const kms = kmsClient(s, member.admin);
  await rejectsWith(kms.send(new CreateKeyCommand({})), {
    name: "AccessDeniedException",
    message: `User: ${session(member.accountId, "OrganizationAccountAccessRole")} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in a service control policy`,
  });
  await rejectsWith(kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "Project", TagValue: "Gamma" }] })), { name: "AccessDeniedException", message: /with an explicit deny in a service control policy$/ });
  await rejectsWith(kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "Owner", TagValue: "Alpha" }] })), { name: "AccessDeniedException", message: /with an explicit deny in a service control policy$/ });
  await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "Project", TagValue: "Alpha" }] }));
});

test("example: deny the root user of member accounts (StringLike aws:PrincipalArn arn:aws:iam::*:root), its role sessions unaffected", async () => {
  const { orgs, member, attach } = await setup("NoRoot");
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" }));
  await new IAMClient(s.clientConfig()).send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  const c = (
    await new STSClient(s.clientConfig()).send(
      new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials" }, DurationSeconds: 600 }),
    )
  ).Credentials!;
  const rootIam = new IAMClient(s.clientConfig({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  await rootIam.send(new GetUserCommand({}));
  await attach(policy({ Sid: "RestrictRootUser", Effect: "Deny", Action: "*", Resource: "*", Condition: { StringLike: { "aws:PrincipalArn": ["arn:aws:iam::*:root"] } } }));
  await rejectsWith(rootIam.send(new GetUserCommand({})), {
    name: "AccessDenied",
    status: 403,
    message: new RegExp(`^User: arn:aws:iam::${member.accountId}:root is not authorized to perform: iam:GetUser on resource: .* with an explicit deny in a service control policy$`),
  });
  await new IAMClient(s.clientConfig(member.admin)).send(new ListRolesCommand({}));
});
