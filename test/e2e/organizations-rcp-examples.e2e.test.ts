/**
 * The Organizations User Guide's RCP examples through a real server on plain HTTP ("Resource
 * control policies", "RCP examples"): the data perimeter on STS role trust and KMS keys by
 * aws:PrincipalOrgID with the AWS service principal exemption, and aws:SecureTransport.
 */
import { test, before, after } from "node:test";
import {
  OrganizationsClient,
  DescribeOrganizationCommand,
  ListRootsCommand,
  CreatePolicyCommand,
  AttachPolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  RemoveAccountFromOrganizationCommand,
} from "@aws-sdk/client-organizations";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { IAMClient, CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, memberAccount, memberRole, onServerClock, pastCreatedAccountWait, rejectsWith, utf8 } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer({ plainHttp: true });
});
after(async () => {
  await s.destroy();
});

const RCP = "RESOURCE_CONTROL_POLICY";
const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

test("RCP examples: principals outside the organization stopped on STS role trust and KMS keys (service principals exempted); HTTP refused by aws:SecureTransport", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  const { accountId: outsiderId } = await memberAccount(s, "Outsider");
  const { accountId: memberId } = await memberAccount(s, "Member");
  pastCreatedAccountWait(s, orgs);
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: outsiderId }));
  const member = await memberRole(s, memberId);
  const outsider = await memberRole(s, outsiderId);
  const orgId = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!.Id!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: RCP }));

  // A role and a key of the member that trust the outsider's account.
  const trust = policy({ Effect: "Allow", Principal: { AWS: [memberId, outsiderId] }, Action: "sts:AssumeRole" });
  await new IAMClient(onServerClock(s, member)).send(new CreateRoleCommand({ RoleName: "Shared", AssumeRolePolicyDocument: trust }));
  const keyPolicy = policy({ Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${memberId}:root`, `arn:aws:iam::${outsiderId}:root`] }, Action: "kms:*", Resource: "*" });
  const key = (await kmsClient(s, member).send(new CreateKeyCommand({ Policy: keyPolicy }))).KeyMetadata!.Arn!;
  const roleArn = `arn:aws:iam::${memberId}:role/Shared`;
  const assume = (creds: typeof member) => new STSClient(onServerClock(s, creds)).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "rcp" }));
  await assume(outsider);

  const perimeter = policy({
    Sid: "EnforceOrgIdentities",
    Effect: "Deny",
    Principal: "*",
    Action: ["sts:AssumeRole", "kms:*"],
    Resource: "*",
    Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": orgId }, BoolIfExists: { "aws:PrincipalIsAWSService": "false" } },
  });
  const id = (await orgs.send(new CreatePolicyCommand({ Name: "Perimeter", Description: "", Type: RCP, Content: perimeter }))).Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: id, TargetId: root.Id }));
  await rejectsWith(assume(outsider), {
    name: "AccessDenied",
    status: 403,
    message: `User: arn:aws:sts::${outsiderId}:assumed-role/OrganizationAccountAccessRole/kms-e2e is not authorized to perform: sts:AssumeRole on resource: ${roleArn} with an explicit deny in a resource control policy`,
  });
  await rejectsWith(kmsClient(s, outsider).send(new EncryptCommand({ KeyId: key, Plaintext: utf8("x") })), {
    name: "AccessDeniedException",
    message: `User: arn:aws:sts::${outsiderId}:assumed-role/OrganizationAccountAccessRole/kms-e2e is not authorized to perform: kms:Encrypt on resource: ${key} with an explicit deny in a resource control policy`,
  });
  await assume(member);
  await kmsClient(s, member).send(new EncryptCommand({ KeyId: key, Plaintext: utf8("x") }));
  await orgs.send(new DetachPolicyCommand({ PolicyId: id, TargetId: root.Id }));

  const tls = policy({ Sid: "EnforceSecureTransport", Effect: "Deny", Principal: "*", Action: ["sts:*", "kms:*"], Resource: "*", Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } });
  const tlsId = (await orgs.send(new CreatePolicyCommand({ Name: "Tls", Description: "", Type: RCP, Content: tls }))).Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: tlsId, TargetId: memberId }));
  await rejectsWith(kmsClient(s, member).send(new EncryptCommand({ KeyId: key, Plaintext: utf8("x") })), {
    name: "AccessDeniedException",
    message: `User: arn:aws:sts::${memberId}:assumed-role/OrganizationAccountAccessRole/kms-e2e is not authorized to perform: kms:Encrypt on resource: ${key} with an explicit deny in a resource control policy`,
  });
  await rejectsWith(assume(member), { name: "AccessDenied", status: 403, message: /with an explicit deny in a resource control policy$/ });
  // The management account's own keys are outside RCPs.
  await kmsClient(s).send(new CreateKeyCommand({}));
  await orgs.send(new DetachPolicyCommand({ PolicyId: tlsId, TargetId: memberId }));

  // An SCP restricts the principals of the account it reaches, not other accounts' principals on
  // that account's resources ("SCP evaluation": SCPs affect only principals managed by accounts
  // in the organization).
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: "SERVICE_CONTROL_POLICY" }));
  const noKms = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "kms:*", Resource: "*" }] });
  const scp = (await orgs.send(new CreatePolicyCommand({ Name: "NoKms", Description: "", Type: "SERVICE_CONTROL_POLICY", Content: noKms }))).Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: scp, TargetId: memberId }));
  await rejectsWith(kmsClient(s, member).send(new EncryptCommand({ KeyId: key, Plaintext: utf8("x") })), { name: "AccessDeniedException", message: /with an explicit deny in a service control policy$/ });
  await kmsClient(s, outsider).send(new EncryptCommand({ KeyId: key, Plaintext: utf8("x") }));
});
