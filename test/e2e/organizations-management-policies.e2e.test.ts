/**
 * Management policy types through the real server and @aws-sdk/client-organizations: tag policies
 * from the user guide's inheritance examples merged into effective policies (the management
 * account's, a member's own, another member's through the delegation policy), backup policies
 * whose merge is invalid reported by ListAccountsWithInvalidEffectivePolicy and
 * ListEffectivePolicyValidationErrors, the grammar and the errors of the effective-policy
 * operations, and their CloudTrail events.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeEffectivePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListAccountsWithInvalidEffectivePolicyCommand,
  ListEffectivePolicyValidationErrorsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  MoveAccountCommand,
  PutResourcePolicyCommand,
  UpdatePolicyCommand,
  DescribeOrganizationCommand,
  type EffectivePolicyType,
  type PolicyType,
} from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { eventually, startTestServer, type TestServer } from "./harness.js";
import { memberAccount, rejectsWith } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const TAG: PolicyType & EffectivePolicyType = "TAG_POLICY";
const BACKUP: PolicyType & EffectivePolicyType = "BACKUP_POLICY";

test("tag policies: enabled, validated, inherited into effective policies; who may read which", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const one = await memberAccount(s, "One");
  const nine = await memberAccount(s, "Nine");
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  const ou1 = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "OU1" }))).OrganizationalUnit!;
  const ou2 = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id, Name: "OU2" }))).OrganizationalUnit!;
  await orgs.send(new MoveAccountCommand({ AccountId: one.accountId, SourceParentId: root.Id, DestinationParentId: ou1.Id }));
  await orgs.send(new MoveAccountCommand({ AccountId: nine.accountId, SourceParentId: root.Id, DestinationParentId: ou2.Id }));

  const create = async (Name: string, content: object, Type = TAG) => (await orgs.send(new CreatePolicyCommand({ Name, Description: "", Type, Content: JSON.stringify(content) }))).Policy!.PolicySummary!;
  const A = await create("A", { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": ["Development", "Support"] } } } });
  assert.equal(A.Arn, `arn:aws:organizations::${s.accountId}:policy/${org.Id}/tag_policy/${A.Id}`);
  assert.equal(A.AwsManaged, false);
  const B = await create("B", { tags: { costcenter: { tag_value: { "@@assign": ["Sandbox"] }, enforced_for: { "@@assign": ["redshift:*", "dynamodb:table"] } } } });
  const C = await create("C", { tags: { costcenter: { tag_value: { "@@append": ["Marketing"] } } } });
  assert.deepEqual((await orgs.send(new ListPoliciesCommand({ Filter: TAG }))).Policies!.map((p) => p.Name).sort(), ["A", "B", "C"]);
  // The grammar: values need operators; the tag key must match its policy key.
  for (const bad of [{ tags: { costcenter: { tag_key: "CostCenter" } } }, { tags: { costcenter: { tag_key: { "@@assign": "Dept" } } } }, { plans: {} }]) {
    await rejectsWith(orgs.send(new CreatePolicyCommand({ Name: "Bad", Description: "", Type: TAG, Content: JSON.stringify(bad) })), {
      name: "MalformedPolicyDocumentException",
      status: 400,
      message: /^The provided policy document does not meet the requirements of the specified policy type\./,
    });
  }

  // Not enabled yet: no effective policy, and no attaching.
  await rejectsWith(orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG })), { name: "EffectivePolicyNotFoundException", status: 400 });
  await rejectsWith(orgs.send(new AttachPolicyCommand({ PolicyId: A.Id, TargetId: root.Id })), { name: "PolicyTypeNotEnabledException", status: 400 });
  assert.deepEqual((await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: TAG }))).Root!.PolicyTypes, [{ Type: TAG, Status: "ENABLED" }]);
  await orgs.send(new AttachPolicyCommand({ PolicyId: A.Id, TargetId: root.Id }));
  await orgs.send(new AttachPolicyCommand({ PolicyId: B.Id, TargetId: ou1.Id }));
  await orgs.send(new AttachPolicyCommand({ PolicyId: C.Id, TargetId: ou2.Id }));

  const effective = async (client: OrganizationsClient, TargetId?: string) =>
    (await client.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG, ...(TargetId ? { TargetId } : {}) }))).EffectivePolicy!;
  const mine = await effective(orgs);
  assert.equal(mine.TargetId, s.accountId);
  assert.equal(mine.PolicyType, TAG);
  assert.ok(mine.LastUpdatedTimestamp instanceof Date);
  assert.equal(mine.PolicyContent, '{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support"]}}}');
  assert.deepEqual(JSON.parse((await effective(orgs, one.accountId)).PolicyContent!), {
    tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Sandbox"], enforced_for: ["redshift:*", "dynamodb:table"] } },
  });
  // A member reads its own effective policy, not another's…
  const nineOrgs = new OrganizationsClient(s.clientConfig(nine.admin));
  assert.deepEqual(JSON.parse((await effective(nineOrgs)).PolicyContent!), { tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Development", "Support", "Marketing"] } } });
  await rejectsWith(nineOrgs.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG, TargetId: one.accountId })), { name: "AccessDeniedException", status: 400 });
  // …unless the delegation policy allows it.
  await orgs.send(
    new PutResourcePolicyCommand({
      Content: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${nine.accountId}:root` }, Action: ["organizations:DescribeEffectivePolicy"], Resource: "*" }],
      }),
    }),
  );
  assert.equal((await effective(nineOrgs, one.accountId)).TargetId, one.accountId);

  // Errors of the effective-policy operations.
  await rejectsWith(orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: "SERVICE_CONTROL_POLICY" as EffectivePolicyType })), { name: "InvalidInputException", status: 400 });
  await rejectsWith(orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG, TargetId: ou1.Id })), { name: "InvalidInputException", status: 400 });
  await rejectsWith(orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG, TargetId: "999988887777" })), { name: "TargetNotFoundException", status: 400 });
  await orgs.send(new DetachPolicyCommand({ PolicyId: A.Id, TargetId: root.Id }));
  await rejectsWith(orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: TAG })), { name: "EffectivePolicyNotFoundException", status: 400 });

  // CloudTrail: the call is an Organizations event naming the account.
  const ct = new CloudTrailClient(s.clientConfig());
  const events = await eventually(async () => {
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DescribeEffectivePolicy" }] }));
    return (r.Events ?? []).some((e) => e.Resources?.some((x) => x.ResourceName === `arn:aws:organizations::${s.accountId}:account/${org.Id}/${one.accountId}`)) ? r.Events : undefined;
  });
  const rec = JSON.parse(events.find((e) => e.Resources?.length)!.CloudTrailEvent!) as { eventSource: string; requestParameters: { policyType?: string } };
  assert.equal(rec.eventSource, "organizations.amazonaws.com");
  assert.equal(rec.requestParameters.policyType, TAG);
});

test("backup policies: an invalid merge is listed with its validation errors, and fixed", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const member = await memberAccount(s, "Backup");
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: BACKUP }));
  const rules = (prefix: string, n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}_${i + 1}`, { target_backup_vault_name: { "@@assign": "Vault" }, schedule_expression: { "@@assign": "cron(0 5 ? * * *)" } }]));
  const plan = {
    regions: { "@@assign": ["us-east-1"] },
    rules: rules("daily", 9),
    selections: { tags: { datatype: { iam_role_arn: { "@@assign": "arn:aws:iam::$account:role/Backup" }, tag_key: { "@@assign": "dataType" }, tag_value: { "@@assign": ["PII"] } } } },
  };
  const create = async (Name: string, content: object) =>
    (await orgs.send(new CreatePolicyCommand({ Name, Description: "", Type: BACKUP, Content: JSON.stringify(content) }))).Policy!.PolicySummary!.Id!;
  const nine = await create("NineRules", { plans: { "hourly-backup": plan } });
  const two = await create("TwoMore", { plans: { "hourly-backup": { rules: rules("hourly", 2) } } });
  await orgs.send(new AttachPolicyCommand({ PolicyId: nine, TargetId: root.Id }));
  assert.deepEqual((await orgs.send(new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: BACKUP }))).Accounts, []);
  await orgs.send(new AttachPolicyCommand({ PolicyId: two, TargetId: member.accountId }));

  const invalid = await orgs.send(new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: BACKUP }));
  assert.equal(invalid.PolicyType, BACKUP);
  assert.deepEqual(invalid.Accounts!.map((a) => [a.Id, a.Name, a.Arn]), [[member.accountId, "Backup", `arn:aws:organizations::${s.accountId}:account/${org.Id}/${member.accountId}`]]);
  const errors = await orgs.send(new ListEffectivePolicyValidationErrorsCommand({ AccountId: member.accountId, PolicyType: BACKUP }));
  assert.equal(errors.AccountId, member.accountId);
  assert.equal(errors.Path, `${org.Id}/${root.Id}/${member.accountId}/`);
  assert.ok(errors.EvaluationTimestamp instanceof Date);
  assert.deepEqual(errors.EffectivePolicyValidationErrors, [
    { ErrorCode: "ELEMENTS_TOO_MANY", ErrorMessage: "'hourly_2' exceeds the allowed maximum limit 10", PathToError: "plans/hourly-backup/rules/hourly_2", ContributingPolicies: [two] },
  ]);
  // The effective policy itself is still shown.
  const shown = JSON.parse((await orgs.send(new DescribeEffectivePolicyCommand({ PolicyType: BACKUP, TargetId: member.accountId }))).EffectivePolicy!.PolicyContent!) as {
    plans: Record<string, { rules: object; regions: string[] }>;
  };
  assert.equal(Object.keys(shown.plans["hourly-backup"]!.rules).length, 11);
  assert.deepEqual(shown.plans["hourly-backup"]!.regions, ["us-east-1"]);

  // Members may not list without delegation.
  const memberOrgs = new OrganizationsClient(s.clientConfig(member.admin));
  await rejectsWith(memberOrgs.send(new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: BACKUP })), { name: "AccessDeniedException", status: 400 });

  await orgs.send(new UpdatePolicyCommand({ PolicyId: two, Content: JSON.stringify({ plans: { second: { ...plan, rules: rules("hourly", 2) } } }) }));
  assert.deepEqual((await orgs.send(new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: BACKUP }))).Accounts, []);
  assert.deepEqual((await orgs.send(new ListEffectivePolicyValidationErrorsCommand({ AccountId: member.accountId, PolicyType: BACKUP }))).EffectivePolicyValidationErrors, []);

  // CloudTrail: the management account was told when the merge became invalid, and when fixed.
  type Validation = { eventType: string; readOnly: boolean; userIdentity: object; recipientAccountId: string; serviceEventDetails: Record<string, unknown> & { validationErrors?: Array<Record<string, unknown>> } };
  const validations = (
    await new CloudTrailClient(s.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "EffectivePolicyValidation" }] }))
  ).Events!.map((e) => JSON.parse(e.CloudTrailEvent!) as Validation);
  assert.equal(validations.length, 2);
  const [fixed, broke] = validations as [Validation, Validation];
  for (const v of [fixed, broke]) {
    assert.deepEqual([v.eventType, v.readOnly, v.recipientAccountId], ["AwsServiceEvent", true, s.accountId]);
    assert.deepEqual(v.userIdentity, { accountId: s.accountId, invokedBy: "AWS Internal" });
  }
  assert.deepEqual([broke.serviceEventDetails.accountId, broke.serviceEventDetails.policyType, broke.serviceEventDetails.state, broke.serviceEventDetails.info], [member.accountId, BACKUP, "INVALID", "All validation errors listed"]);
  const [err] = broke.serviceEventDetails.validationErrors!;
  assert.deepEqual(
    [err!.accountPath, err!.errorCode, err!.errorMessage, err!.pathToError, err!.contributingPolicies],
    [`${org.Id}/${root.Id}/${member.accountId}/`, "ELEMENTS_TOO_MANY", "'hourly_2' exceeds the allowed maximum limit 10", "plans/hourly-backup/rules/hourly_2", [two]],
  );
  assert.deepEqual([fixed.serviceEventDetails.state, "validationErrors" in fixed.serviceEventDetails], ["VALID", false]);
  assert.match(String(fixed.serviceEventDetails.info), /resolved/);
  // A change that leaves every effective policy as valid as it was reports nothing.
  await orgs.send(new DetachPolicyCommand({ PolicyId: two, TargetId: member.accountId }));
  const after = await new CloudTrailClient(s.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "EffectivePolicyValidation" }] }));
  assert.equal(after.Events!.length, 2);
});
