/**
 * Management policy types through the service: enabling, creating, attaching (limits, no
 * default, no minimum), and the effective-policy operations with their errors and authorisation.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, orgFixture, START, type OrgFixture } from "./testing/org-fixture.js";

const TAG = "TAG_POLICY";
const BACKUP = "BACKUP_POLICY";

interface Tree {
  f: OrgFixture;
  rootId: string;
  orgId: string;
  ou1: string;
  ou2: string;
  /** 111111111111 and 222222222222 of the user guide's examples: in OU1. */
  a1: string;
  a2: string;
  /** 999999999999 of the examples: in OU2. */
  a9: string;
}

async function member(f: OrgFixture, name: string): Promise<string> {
  const s = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: name, Email: `${name.toLowerCase()}@example.com` })).CreateAccountStatus;
  await f.drain();
  return (await f.call<{ CreateAccountStatus: { AccountId: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus.AccountId;
}

async function tree(): Promise<Tree> {
  const f = await orgFixture({ manual: true });
  const orgId = (await f.call<{ Organization: { Id: string } }>("CreateOrganization", {})).Organization.Id;
  const rootId = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
  const ou = async (name: string) => (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: rootId, Name: name })).OrganizationalUnit.Id;
  const ou1 = await ou("OU1");
  const ou2 = await ou("OU2");
  const placed = async (name: string, parent: string) => {
    const id = await member(f, name);
    await f.call("MoveAccount", { AccountId: id, SourceParentId: rootId, DestinationParentId: parent });
    return id;
  };
  return { f, rootId, orgId, ou1, ou2, a1: await placed("One", ou1), a2: await placed("Two", ou1), a9: await placed("Nine", ou2) };
}

const create = async (f: OrgFixture, name: string, type: string, doc: object): Promise<string> =>
  (await f.call<{ Policy: { PolicySummary: { Id: string } } }>("CreatePolicy", { Name: name, Description: "", Type: type, Content: JSON.stringify(doc) })).Policy.PolicySummary.Id;
const describeEffective = async (f: OrgFixture, type: string, target?: string, ctx = f.ctx()) =>
  (await f.call<{ EffectivePolicy: { PolicyContent: string; LastUpdatedTimestamp: Date; TargetId: string; PolicyType: string } }>(
    "DescribeEffectivePolicy",
    { PolicyType: type, ...(target ? { TargetId: target } : {}) },
    ctx,
  )).EffectivePolicy;
const reason = async (p: Promise<unknown>, code: string, r: string, status: number) => assert.deepEqual((await expectAwsError(p, code, /./, status)).fields, { Reason: r });

const policyA = { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": ["Development", "Support"] } } } };
const policyC = {
  tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@append": ["Marketing"] }, enforced_for: { "@@append": ["redshift:*", "dynamodb:table"] } } },
};

describe("management policy types", () => {
  test("enabled without a default policy; attachments have no minimum and the type's maximum", async () => {
    const { f, rootId, a1 } = await tree();
    const p = await create(f, "A", TAG, policyA);
    await expectAwsError(f.call("AttachPolicy", { PolicyId: p, TargetId: rootId }), "PolicyTypeNotEnabledException", /isn't currently enabled/, 400);
    const root = (await f.call<{ Root: { PolicyTypes: unknown[] } }>("EnablePolicyType", { RootId: rootId, PolicyType: TAG })).Root;
    assert.deepEqual(root.PolicyTypes, [{ Type: TAG, Status: "ENABLED" }]);
    // DescribeOrganization's deprecated AvailablePolicyTypes names SCPs only (ListRoots has the rest).
    assert.deepEqual((await f.call<{ Organization: { AvailablePolicyTypes: unknown[] } }>("DescribeOrganization", {})).Organization.AvailablePolicyTypes, [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }]);
    assert.deepEqual((await f.call<{ Policies: unknown[] }>("ListPoliciesForTarget", { TargetId: rootId, Filter: TAG })).Policies, []);
    assert.deepEqual((await f.call<{ Policies: Array<{ Name: string; AwsManaged: boolean }> }>("ListPolicies", { Filter: TAG })).Policies.map((x) => [x.Name, x.AwsManaged]), [["A", false]]);
    await f.call("AttachPolicy", { PolicyId: p, TargetId: a1 });
    await f.call("DetachPolicy", { PolicyId: p, TargetId: a1 });
    // Ten tag policies per target (quotas page), five AI services opt-out policies.
    const ids = [p];
    for (let i = 1; i <= 10; i++) ids.push(await create(f, `T${i}`, TAG, { tags: { [`k${i}`]: { tag_value: { "@@assign": ["v"] } } } }));
    for (const id of ids.slice(0, 10)) await f.call("AttachPolicy", { PolicyId: id, TargetId: rootId });
    await reason(f.call("AttachPolicy", { PolicyId: ids[10], TargetId: rootId }), "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", 400);
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: "AISERVICES_OPT_OUT_POLICY" });
    const ai: string[] = [];
    for (let i = 0; i < 6; i++) ai.push(await create(f, `AI${i}`, "AISERVICES_OPT_OUT_POLICY", { services: { [`s${i}`]: { opt_out_policy: { "@@assign": "optOut" } } } }));
    for (const id of ai.slice(0, 5)) await f.call("AttachPolicy", { PolicyId: id, TargetId: a1 });
    await reason(f.call("AttachPolicy", { PolicyId: ai[5], TargetId: a1 }), "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", 400);
    // Disabling detaches every policy of the type.
    await f.call("DisablePolicyType", { RootId: rootId, PolicyType: TAG });
    assert.deepEqual((await f.call<{ Policies: unknown[] }>("ListPoliciesForTarget", { TargetId: rootId, Filter: TAG })).Policies, []);
  });

  test("per-type size limits and grammar on CreatePolicy and UpdatePolicy", async () => {
    const { f } = await tree();
    const opt = (pad: number) => ({ services: { default: { opt_out_policy: { "@@assign": "optOut" } }, [`x${"y".repeat(pad)}`]: { opt_out_policy: { "@@assign": "optIn" } } } });
    const base = JSON.stringify(opt(0)).length;
    const id = await create(f, "AtLimit", "AISERVICES_OPT_OUT_POLICY", opt(2500 - base));
    await reason(create(f, "TooBig", "AISERVICES_OPT_OUT_POLICY", opt(2501 - base)), "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED", 400);
    await expectAwsError(create(f, "Bad", TAG, { tags: { costcenter: { tag_key: "CostCenter" } } }), "MalformedPolicyDocumentException", /^The provided policy document does not meet the requirements of the specified policy type\. \(/, 400);
    await expectAwsError(
      f.call("UpdatePolicy", { PolicyId: id, Content: JSON.stringify({ services: { lex: { opt_out_policy: { "@@assign": "maybe" } } } }) }),
      "MalformedPolicyDocumentException",
      /optIn/,
      400,
    );
    // Names are unique per type only.
    await create(f, "AtLimit", TAG, policyA);
  });
});

describe("DescribeEffectivePolicy", () => {
  test("the user guide's examples through the tree; attachment order on one node; the time of the last change", async () => {
    const t = await tree();
    const { f, rootId, ou1, ou2, a1, a2, a9 } = t;
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: TAG });
    const A = await create(f, "A", TAG, policyA);
    const B = await create(f, "B", TAG, {
      tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": ["Sandbox"] }, enforced_for: { "@@assign": ["redshift:*", "dynamodb:table"] } } },
    });
    const C = await create(f, "C", TAG, policyC);
    await f.call("AttachPolicy", { PolicyId: A, TargetId: rootId });
    f.clock.advance(1000);
    await f.call("AttachPolicy", { PolicyId: B, TargetId: ou1 });
    f.clock.advance(1000);
    await f.call("AttachPolicy", { PolicyId: C, TargetId: ou2 });
    const content = async (target: string) => JSON.parse((await describeEffective(f, TAG, target)).PolicyContent) as unknown;
    const ex1 = { tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Sandbox"], enforced_for: ["redshift:*", "dynamodb:table"] } } };
    assert.deepEqual(await content(a1), ex1);
    assert.deepEqual(await content(a2), ex1);
    assert.deepEqual(await content(a9), { tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Development", "Support", "Marketing"], enforced_for: ["redshift:*", "dynamodb:table"] } } });
    // The management account sits under the root: policy A alone.
    const mine = await describeEffective(f, TAG);
    assert.deepEqual(mine, { PolicyContent: '{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support"]}}}', LastUpdatedTimestamp: new Date(START), TargetId: MGMT, PolicyType: TAG });
    const nine = await describeEffective(f, TAG, a9);
    assert.deepEqual(nine.LastUpdatedTimestamp, new Date(START + 2000));
    // An update of a policy on the path is a change.
    f.clock.advance(1000);
    await f.call("UpdatePolicy", { PolicyId: A, Description: "root" });
    assert.deepEqual((await describeEffective(f, TAG, a9)).LastUpdatedTimestamp, new Date(START + 3000));

    // Example 6: on one node, the policy attached first keeps its tag key; reattaching changes the order.
    const J = await create(f, "J", TAG, { tags: { project: { tag_key: { "@@assign": "PROJECT" }, tag_value: { "@@append": ["Maintenance"] } } } });
    const K = await create(f, "K", TAG, { tags: { project: { tag_key: { "@@assign": "project" } } } });
    await f.call("AttachPolicy", { PolicyId: J, TargetId: a2 });
    f.clock.advance(1);
    await f.call("AttachPolicy", { PolicyId: K, TargetId: a2 });
    const project = async () => (JSON.parse((await describeEffective(f, TAG, a2)).PolicyContent) as { tags: { project: unknown } }).tags.project;
    assert.deepEqual(await project(), { tag_key: "PROJECT", tag_value: ["Maintenance"] });
    await f.call("DetachPolicy", { PolicyId: J, TargetId: a2 });
    f.clock.advance(1);
    await f.call("AttachPolicy", { PolicyId: J, TargetId: a2 });
    assert.deepEqual(await project(), { tag_key: "project", tag_value: ["Maintenance"] });
  });

  test("errors: the type's enum, targets, no effective policy, accounts outside the organization", async () => {
    const { f, rootId, ou1, a1 } = await tree();
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: "SERVICE_CONTROL_POLICY" }), "InvalidInputException", "INVALID_ENUM_POLICY_TYPE", 400);
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: "RESOURCE_CONTROL_POLICY" }), "InvalidInputException", "INVALID_ENUM_POLICY_TYPE", 400);
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: "NOPE" }), "InvalidInputException", "INVALID_ENUM_POLICY_TYPE", 400);
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: ou1 }), "InvalidInputException", "TARGET_NOT_SUPPORTED", 400);
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: rootId }), "InvalidInputException", "TARGET_NOT_SUPPORTED", 400);
    await reason(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: "12" }), "InvalidInputException", "INVALID_PATTERN_TARGET_ID", 400);
    // Not enabled, then enabled with nothing attached.
    const notFound = (p: Promise<unknown>) => expectAwsError(p, "EffectivePolicyNotFoundException", "We can't find an effective policy of the specified type for the specified account.", 400);
    await notFound(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: a1 }));
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: TAG });
    await notFound(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: a1 }));
    await expectAwsError(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: "999988887777" }), "TargetNotFoundException", /TargetId/, 400);
    await expectAwsError(f.call("DescribeEffectivePolicy", { PolicyType: TAG }, f.ctx("999988887777")), "AWSOrganizationsNotInUseException", /./, 400);
  });

  test("a member sees its own effective policy, not another's; authorisation on the account with the policy type", async () => {
    const { f, rootId, orgId, a1, a9 } = await tree();
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: TAG });
    await f.call("AttachPolicy", { PolicyId: await create(f, "A", TAG, policyA), TargetId: rootId });
    const ctx = f.ctx(a1);
    assert.equal((await describeEffective(f, TAG, undefined, ctx)).TargetId, a1);
    assert.equal((await describeEffective(f, TAG, a1, f.ctx(a1))).TargetId, a1);
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource, c.context]), [
      ["organizations:DescribeEffectivePolicy", `arn:aws:organizations::${MGMT}:account/${orgId}/${a1}`, { "organizations:PolicyType": TAG }],
    ]);
    await expectAwsError(f.call("DescribeEffectivePolicy", { PolicyType: TAG, TargetId: a9 }, f.ctx(a1)), "AccessDeniedException", /./, 400);
    // IAM decides first.
    await expectAwsError(f.call("DescribeEffectivePolicy", { PolicyType: TAG }, f.ctx(a1, () => true)), "AccessDeniedException", /not authorized/, 400);
  });
});

describe("invalid effective policies", () => {
  const rules = (prefix: string, n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}_${i + 1}`, { target_backup_vault_name: { "@@assign": "Vault" }, schedule_expression: { "@@assign": "cron(0 5 ? * * *)" } }]));
  const plan = (r: object) => ({
    plans: {
      "hourly-backup": {
        regions: { "@@assign": ["us-east-1"] },
        rules: r,
        selections: { tags: { datatype: { iam_role_arn: { "@@assign": "arn:aws:iam::$account:role/R" }, tag_key: { "@@assign": "dataType" }, tag_value: { "@@assign": ["PII"] } } } },
      },
    },
  });

  test("the guide's backup example: nine rules on the root, two more on one account", async () => {
    const { f, rootId, orgId, ou2, a1, a9 } = await tree();
    await reason(f.call("ListAccountsWithInvalidEffectivePolicy", { PolicyType: "SERVICE_CONTROL_POLICY" }), "InvalidInputException", "INVALID_ENUM_POLICY_TYPE", 400);
    await expectAwsError(f.call("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP }), "EffectivePolicyNotFoundException", /./, 400);
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: BACKUP });
    assert.deepEqual(await f.call("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP }), { Accounts: [], PolicyType: BACKUP });
    const root = await create(f, "Nine", BACKUP, plan(rules("daily", 9)));
    const extra = await create(f, "Two", BACKUP, { plans: { "hourly-backup": { rules: rules("hourly", 2) } } });
    await f.call("AttachPolicy", { PolicyId: root, TargetId: rootId });
    await f.call("AttachPolicy", { PolicyId: extra, TargetId: a9 });
    const ctx = f.ctx();
    const listed = await f.call<{ Accounts: Array<{ Id: string; Name: string; Status: string }>; PolicyType: string }>("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP }, ctx);
    assert.deepEqual(listed.Accounts.map((a) => [a.Id, a.Name, a.Status]), [[a9, "Nine", "ACTIVE"]]);
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource, c.context]), [["organizations:ListAccountsWithInvalidEffectivePolicy", "*", { "organizations:PolicyType": BACKUP }]]);

    const errors = await f.call("ListEffectivePolicyValidationErrors", { AccountId: a9, PolicyType: BACKUP });
    assert.deepEqual(errors, {
      AccountId: a9,
      PolicyType: BACKUP,
      Path: `${orgId}/${rootId}/${ou2}/${a9}/`,
      EvaluationTimestamp: new Date(START),
      EffectivePolicyValidationErrors: [
        { ErrorCode: "ELEMENTS_TOO_MANY", ErrorMessage: "'hourly_2' exceeds the allowed maximum limit 10", PathToError: "plans/hourly-backup/rules/hourly_2", ContributingPolicies: [extra] },
      ],
    });
    assert.deepEqual(await f.call("ListEffectivePolicyValidationErrors", { AccountId: a1, PolicyType: BACKUP }), {
      AccountId: a1,
      PolicyType: BACKUP,
      Path: `${orgId}/${rootId}/${(await f.call<{ Parents: Array<{ Id: string }> }>("ListParents", { ChildId: a1 })).Parents[0]!.Id}/${a1}/`,
      EvaluationTimestamp: new Date(START),
      EffectivePolicyValidationErrors: [],
    });
    await expectAwsError(f.call("ListEffectivePolicyValidationErrors", { AccountId: "999988887777", PolicyType: BACKUP }), "AccountNotFoundException", /./, 400);
    await reason(f.call("ListEffectivePolicyValidationErrors", { AccountId: "x", PolicyType: BACKUP }), "InvalidInputException", "INVALID_PATTERN", 400);
    // Members may not list (no delegation policy).
    await expectAwsError(f.call("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP }, f.ctx(a1)), "AccessDeniedException", /./, 400);
    await expectAwsError(f.call("ListEffectivePolicyValidationErrors", { AccountId: a1, PolicyType: BACKUP }, f.ctx(a1)), "AccessDeniedException", /./, 400);

    // Fixed: the extra rules move to a plan of their own (complete).
    await f.call("UpdatePolicy", { PolicyId: extra, Content: JSON.stringify({ plans: { second: plan(rules("hourly", 2)).plans["hourly-backup"] } }) });
    assert.deepEqual(await f.call("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP }), { Accounts: [], PolicyType: BACKUP });
  });

  test("pages of accounts and of errors", async () => {
    const { f, rootId, a1, a2, a9 } = await tree();
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: BACKUP });
    // Three incomplete plans on the root: every account (management included) is invalid, three errors each at least.
    await f.call("AttachPolicy", { PolicyId: await create(f, "Bare", BACKUP, { plans: { a: { regions: { "@@assign": ["us-east-1"] } }, b: { regions: { "@@assign": ["us-east-1"] } } } }), TargetId: rootId });
    const first = await f.call<{ Accounts: Array<{ Id: string }>; NextToken?: string }>("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP, MaxResults: 3 });
    assert.equal(first.Accounts.length, 3);
    const second = await f.call<{ Accounts: Array<{ Id: string }>; NextToken?: string }>("ListAccountsWithInvalidEffectivePolicy", { PolicyType: BACKUP, MaxResults: 3, NextToken: first.NextToken });
    assert.deepEqual([...first.Accounts, ...second.Accounts].map((a) => a.Id), [MGMT, a1, a2, a9].sort());
    assert.equal(second.NextToken, undefined);
    const page1 = await f.call<{ EffectivePolicyValidationErrors: Array<{ PathToError: string; ErrorCode: string }>; NextToken?: string }>("ListEffectivePolicyValidationErrors", { AccountId: a1, PolicyType: BACKUP, MaxResults: 2 });
    const page2 = await f.call<{ EffectivePolicyValidationErrors: Array<{ PathToError: string; ErrorCode: string }>; NextToken?: string }>("ListEffectivePolicyValidationErrors", { AccountId: a1, PolicyType: BACKUP, MaxResults: 2, NextToken: page1.NextToken });
    assert.deepEqual(
      [...page1.EffectivePolicyValidationErrors, ...page2.EffectivePolicyValidationErrors].map((e) => [e.ErrorCode, e.PathToError]),
      [["KEY_REQUIRED", "plans/a"], ["KEY_REQUIRED", "plans/a"], ["KEY_REQUIRED", "plans/b"], ["KEY_REQUIRED", "plans/b"]],
    );
    await reason(f.call("ListEffectivePolicyValidationErrors", { AccountId: a2, PolicyType: BACKUP, NextToken: page1.NextToken }), "InvalidInputException", "INVALID_NEXT_TOKEN", 400);
  });
});
