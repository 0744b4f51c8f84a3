/**
 * Centralised root access for member accounts through the real server with the official SDK
 * clients: an organization and a member account, IAM trusted access, the organization's root
 * features, sts:AssumeRoot with a root-task policy, and the member root session used for an
 * allowed and a denied call; CloudTrail shows both sides.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DisableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRootCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, EnableAWSServiceAccessCommand, RegisterDelegatedAdministratorCommand } from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, newUser, type TestServer, type Creds } from "./harness.js";
import { memberAccount, rejectsWith } from "./kms-support.js";

const AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";
const DELETE = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials";
const CREATE_PASSWORD = "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword";
const SQS = "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("centralised root access: trusted access, features, AssumeRoot, the member root session limited by its task policy", async () => {
  const { accountId: member, admin: memberAdmin } = await memberAccount(s, "Workload");
  const iam = new IAMClient(s.clientConfig());
  await rejectsWith(iam.send(new ListOrganizationsFeaturesCommand({})), {
    name: "ServiceAccessNotEnabledException",
    message: `Trusted Access for IAM not enabled by organization of input account ${s.accountId}.`,
  });
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" }));
  const none = await iam.send(new ListOrganizationsFeaturesCommand({}));
  assert.match(none.OrganizationId ?? "", /^o-[a-z0-9]{10}$/);
  assert.deepEqual(none.EnabledFeatures, []);
  const memberIam = new IAMClient(s.clientConfig(memberAdmin));
  await rejectsWith(memberIam.send(new ListOrganizationsFeaturesCommand({})), {
    name: "AccountNotManagementOrDelegatedAdministratorException",
    message: `Input account ${member} is neither management account nor delegated admin.`,
  });

  // An operator of the management account may assume the members' root for the audit task only.
  const ops = await newUser(s, "root-ops", {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "sts:AssumeRoot", Resource: "arn:aws:iam::*:root", Condition: { StringEquals: { "sts:TaskPolicyArn": AUDIT } } }],
  });
  const opsSts = new STSClient(s.clientConfig(ops));
  const assume = (arn: string, target = member) => opsSts.send(new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: { arn }, DurationSeconds: 600 }));
  await rejectsWith(assume(AUDIT), { name: "AccessDenied", status: 403, message: "Root credentials management feature is not enabled for your AWS Organization." });

  const enabled = await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  assert.deepEqual([enabled.OrganizationId, enabled.EnabledFeatures], [none.OrganizationId, ["RootCredentialsManagement"]]);
  await rejectsWith(assume(DELETE), {
    name: "AccessDenied",
    status: 403,
    message: `User: ${ops.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${member}:root because no identity-based policy allows the sts:AssumeRoot action`,
  });
  await rejectsWith(assume(AUDIT, s.accountId), { name: "AccessDenied", status: 403, message: `User: ${ops.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${s.accountId}:root` });
  await rejectsWith(opsSts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: AUDIT }, DurationSeconds: 901 })), {
    name: "ValidationError",
    message: "1 validation error detected: Value '901' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900",
  });
  await rejectsWith(opsSts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/AdministratorAccess" } })), {
    name: "ValidationError",
    message: "Request must contain valid AWS managed task policy ARN",
  });

  const before = Date.now();
  const out = await assume(AUDIT);
  const c = out.Credentials!;
  assert.match(c.AccessKeyId!, /^ASIA/);
  assert.ok(Math.abs(c.Expiration!.getTime() - (before + 600_000)) < 5000);
  const rootCreds: Creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };

  // The credentials are the member account's root...
  const who = await new STSClient(s.clientConfig(rootCreds)).send(new GetCallerIdentityCommand({}));
  assert.deepEqual([who.Account, who.Arn, who.UserId], [member, `arn:aws:iam::${member}:root`, member]);
  const rootIam = new IAMClient(s.clientConfig(rootCreds));
  const me = await rootIam.send(new GetUserCommand({}));
  assert.deepEqual([me.User?.UserId, me.User?.Arn], [member, `arn:aws:iam::${member}:root`]);
  // The root user is as old as its account, made by this test.
  const rootAge = Date.now() - me.User!.CreateDate!.getTime();
  assert.ok(rootAge >= 0 && rootAge < 600_000, `root CreateDate ${me.User!.CreateDate!.toISOString()}`);
  // ...limited by the task policy.
  await rejectsWith(rootIam.send(new ListUsersCommand({})), {
    name: "AccessDenied",
    status: 403,
    message: new RegExp(`^User: arn:aws:iam::${member}:root is not authorized to perform: iam:ListUsers on resource: .* with an explicit deny in a session policy$`),
  });
  await rejectsWith(rootIam.send(new CreateUserCommand({ UserName: "backdoor" })), {
    name: "AccessDenied",
    status: 403,
    message: `User: arn:aws:iam::${member}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${member}:user/backdoor with an explicit deny in a session policy`,
  });
  await rejectsWith(rootIam.send(new GetUserCommand({ UserName: "anyone" })), { name: "AccessDenied", status: 403, message: /with an explicit deny in a session policy$/ });

  // CloudTrail: the management account has the AssumeRoot call, the member account the root session's actions.
  const issued = await new CloudTrailClient(s.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoot" }] }));
  const assumeEvent = issued.Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.errorCode === undefined);
  assert.equal(assumeEvent.userIdentity.arn, ops.arn);
  assert.deepEqual(assumeEvent.requestParameters, { targetPrincipal: member, taskPolicyArn: { arn: AUDIT }, durationSeconds: 600 });
  assert.equal(assumeEvent.responseElements.credentials.accessKeyId, c.AccessKeyId);
  assert.ok(!JSON.stringify(assumeEvent).includes(c.SecretAccessKey!) && !JSON.stringify(assumeEvent).includes(c.SessionToken!));
  assert.deepEqual(assumeEvent.resources, [{ ARN: `arn:aws:iam::${member}:root`, accountId: member }]);
  const inMember = await new CloudTrailClient(s.clientConfig(memberAdmin)).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateUser" }] }));
  const denied = inMember.Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.userIdentity.accessKeyId === c.AccessKeyId);
  assert.equal(denied.errorCode, "AccessDenied");
  assert.equal(denied.recipientAccountId, member);
  assert.deepEqual(
    [denied.userIdentity.type, denied.userIdentity.arn, denied.userIdentity.accountId, denied.userIdentity.sessionContext.assumedRoot],
    ["Root", `arn:aws:iam::${member}:root`, member, "true"],
  );

  // The SQS task needs RootSessions, which only the management account may enable.
  const admin = new STSClient(s.clientConfig());
  await rejectsWith(admin.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: SQS } })), {
    name: "AccessDenied",
    status: 403,
    message: "Root sessions feature is not enabled for your AWS Organization.",
  });
  await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: member, ServicePrincipal: "iam.amazonaws.com" }));
  assert.deepEqual((await memberIam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures, ["RootCredentialsManagement"]);
  await rejectsWith(memberIam.send(new EnableOrganizationsRootSessionsCommand({})), {
    name: "CallerIsNotManagementAccountException",
    message: `Caller account ${member} is not management account of the organization and cannot enable IAM features.`,
  });
  assert.deepEqual((await iam.send(new EnableOrganizationsRootSessionsCommand({}))).EnabledFeatures, ["RootSessions", "RootCredentialsManagement"]);
  const sqs = await admin.send(new AssumeRootCommand({ TargetPrincipal: `arn:aws:iam::${member}:root`, TaskPolicyArn: { arn: SQS } }));
  assert.ok(Math.abs(sqs.Credentials!.Expiration!.getTime() - (Date.now() + 900_000)) < 5000);

  // Disabled by the delegate: no new sessions for the IAM tasks.
  assert.deepEqual((await memberIam.send(new DisableOrganizationsRootCredentialsManagementCommand({}))).EnabledFeatures, ["RootSessions"]);
  await rejectsWith(assume(AUDIT), { name: "AccessDenied", status: 403, message: "Root credentials management feature is not enabled for your AWS Organization." });
});

test("root-task policies end to end: audit lists the member root's keys, delete removes one, the deleted key is refused", async () => {
  const { accountId: member } = await memberAccount(s, "RootCreds");
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" })).catch(() => undefined);
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  // The member's root user has an access key (created by the root user itself, as in the console).
  const k = await s.app.core.iam.api.createRootAccessKey(member);
  const ownIam = new IAMClient(s.clientConfig(k));
  const second = (await ownIam.send(new CreateAccessKeyCommand({}))).AccessKey!;
  assert.equal(second.UserName, undefined);
  assert.deepEqual(((await ownIam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? []).map((m) => m.AccessKeyId).sort(), [k.accessKeyId, second.AccessKeyId].sort());

  const sts = new STSClient(s.clientConfig());
  const session = async (arn: string) => {
    const c = (await sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn } }))).Credentials!;
    return new IAMClient(s.clientConfig({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  };
  const audit = await session(AUDIT);
  const listed = await audit.send(new ListAccessKeysCommand({}));
  assert.deepEqual(listed.AccessKeyMetadata!.map((m) => [m.AccessKeyId, m.Status]).sort(), [[k.accessKeyId, "Active"], [second.AccessKeyId!, "Active"]].sort());
  assert.deepEqual((await audit.send(new ListMFADevicesCommand({}))).MFADevices, []);
  assert.deepEqual((await audit.send(new ListSigningCertificatesCommand({}))).Certificates, []);
  await rejectsWith(audit.send(new DeleteAccessKeyCommand({ AccessKeyId: k.accessKeyId })), { name: "AccessDenied", status: 403, message: /with an explicit deny in a session policy$/ });

  const create = await session(CREATE_PASSWORD);
  // "This setting is not supported for the root user." (CreateLoginProfile, MaxSigninSessionDuration)
  await rejectsWith(create.send(new CreateLoginProfileCommand({ MaxSigninSessionDuration: 3600 })), {
    name: "InvalidInputException",
    message: "MaxSigninSessionDuration is not supported for the root user.",
  });
  assert.equal((await create.send(new CreateLoginProfileCommand({}))).LoginProfile?.PasswordResetRequired, false);
  assert.ok((await audit.send(new GetLoginProfileCommand({}))).LoginProfile?.CreateDate);

  const del = await session(DELETE);
  await del.send(new DeleteAccessKeyCommand({ AccessKeyId: k.accessKeyId }));
  await del.send(new DeleteLoginProfileCommand({}));
  assert.deepEqual((await audit.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.map((m) => m.AccessKeyId), [second.AccessKeyId]);
  await rejectsWith(new STSClient(s.clientConfig(k)).send(new GetCallerIdentityCommand({})), { name: "InvalidClientTokenId", status: 403 });
  // The remaining key is still the member's root.
  const rest = await new STSClient(s.clientConfig({ accessKeyId: second.AccessKeyId!, secretAccessKey: second.SecretAccessKey! })).send(new GetCallerIdentityCommand({}));
  assert.equal(rest.Arn, `arn:aws:iam::${member}:root`);
  // Secrets stay out of CloudTrail.
  const trail = await new CloudTrailClient(s.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccessKey" }] }));
  assert.ok(!JSON.stringify(trail).includes(second.SecretAccessKey!));
});
