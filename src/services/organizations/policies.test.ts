/** Organization policies and their attachments: documents, limits, the FullAWSAccess default, enabling and disabling SCPs, tags. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

const SCP = "SERVICE_CONTROL_POLICY";
const FULL = "p-FullAWSAccess";
const doc = (Effect: string, Action: string | string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect, Action, Resource: "*" }] });

interface Summary {
  Id: string;
  Arn: string;
  Name: string;
  Description: string;
  Type: string;
  AwsManaged: boolean;
}

async function setup(opts: { enable?: boolean; featureSet?: string } = {}): Promise<{ f: OrgFixture; rootId: string; orgId: string }> {
  const f = await orgFixture({ manual: true });
  const orgId = (await f.call<{ Organization: { Id: string } }>("CreateOrganization", opts.featureSet ? { FeatureSet: opts.featureSet } : {})).Organization.Id;
  const rootId = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
  if (opts.enable) await f.call("EnablePolicyType", { RootId: rootId, PolicyType: SCP });
  return { f, rootId, orgId };
}

const create = async (f: OrgFixture, name: string, content = doc("Deny", "kms:*")): Promise<Summary> =>
  (await f.call<{ Policy: { PolicySummary: Summary } }>("CreatePolicy", { Name: name, Description: "", Type: SCP, Content: content })).Policy.PolicySummary;
const attached = async (f: OrgFixture, target: string): Promise<string[]> =>
  (await f.call<{ Policies: Summary[] }>("ListPoliciesForTarget", { TargetId: target, Filter: SCP })).Policies.map((p) => p.Id);
const reason = async (p: Promise<unknown>, code: string, r: string, status: number) => assert.deepEqual((await expectAwsError(p, code, /./, status)).fields, { Reason: r });

describe("policies", () => {
  test("CreatePolicy / DescribePolicy / UpdatePolicy / DeletePolicy, with ids, ARNs and the organizations:PolicyType key", async () => {
    const { f, orgId } = await setup();
    const ctx = f.ctx();
    const created = (await f.call<{ Policy: { PolicySummary: Summary; Content: string } }>("CreatePolicy", { Name: "NoKms", Description: "d", Type: SCP, Content: doc("Deny", "kms:*") }, ctx)).Policy;
    assert.match(created.PolicySummary.Id, /^p-[a-z0-9]{8}$/);
    const arn = `arn:aws:organizations::${MGMT}:policy/${orgId}/service_control_policy/${created.PolicySummary.Id}`;
    assert.deepEqual(created, { PolicySummary: { Id: created.PolicySummary.Id, Arn: arn, Name: "NoKms", Description: "d", Type: SCP, AwsManaged: false }, Content: doc("Deny", "kms:*") });
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource, c.context]), [["organizations:CreatePolicy", "*", { "organizations:PolicyType": SCP }]]);
    const id = created.PolicySummary.Id;
    const dctx = f.ctx();
    assert.deepEqual((await f.call("DescribePolicy", { PolicyId: id }, dctx)), { Policy: created });
    assert.deepEqual(dctx.calls.map((c) => [c.action, c.resource]), [["organizations:DescribePolicy", arn]]);
    const updated = await f.call<{ Policy: { PolicySummary: Summary; Content: string } }>("UpdatePolicy", { PolicyId: id, Name: "NoKms2" });
    assert.deepEqual(updated.Policy, { PolicySummary: { ...created.PolicySummary, Name: "NoKms2" }, Content: created.Content });
    await f.call("DeletePolicy", { PolicyId: id });
    await expectAwsError(f.call("DescribePolicy", { PolicyId: id }), "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.", 400);
    await reason(f.call("DescribePolicy", { PolicyId: "p-1" }), "InvalidInputException", "INVALID_SYNTAX_POLICY_ID", 400);
  });

  test("documents: the SCP size limit, the policy validator's 'scp' rules, duplicate names, the type enum", async () => {
    const { f } = await setup();
    const pad = (n: number) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "x".repeat(n), Effect: "Deny", Action: "kms:*", Resource: "*" }] });
    const base = pad(0).length;
    await create(f, "Exactly5120", pad(5120 - base));
    await reason(create(f, "TooBig", pad(5121 - base)), "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED", 400);
    const withPrincipal = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }] });
    await expectAwsError(create(f, "Bad", withPrincipal), "MalformedPolicyDocumentException", "Policy document should not specify a principal.", 400);
    await expectAwsError(create(f, "Bad", "{not json"), "MalformedPolicyDocumentException", /./, 400);
    // "Every SCP must have a Version element with the value 2012-10-17" (SCP syntax).
    const statement = { Effect: "Deny", Action: "s3:*", Resource: "*" };
    await expectAwsError(create(f, "NoVersion", JSON.stringify({ Statement: [statement] })), "MalformedPolicyDocumentException", "Policy document must be version 2012-10-17 or greater.", 400);
    await expectAwsError(
      create(f, "OldVersion", JSON.stringify({ Version: "2008-10-17", Statement: [statement] })),
      "MalformedPolicyDocumentException",
      "Policy document must be version 2012-10-17 or greater.",
      400,
    );
    // "In an SCP, the wildcard (*) and (?) characters in Action or NotAction can be used only by
    // themselves or at the end of the string" (SCP syntax): "servicename:*action" and
    // "servicename:some*action" are refused, on CreatePolicy and on UpdatePolicy.
    for (const bad of ["kms:*Key", "kms:Create*Key", "kms:Cr?ateKey", "iam:*"].map((a, i) => (i < 3 ? a : ["iam:*", "kms:?reateKey"]))) {
      await expectAwsError(create(f, "MidWildcard", doc("Deny", bad)), "MalformedPolicyDocumentException", /only alone or at the end of the action name: kms:/, 400);
      await expectAwsError(
        create(f, "MidWildcardNot", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", NotAction: bad, Resource: "*" }] })),
        "MalformedPolicyDocumentException",
        /in NotAction only alone or at the end of the action name: kms:/,
        400,
      );
    }
    const trailing = await create(f, "TrailingWildcards", doc("Allow", ["*", "kms:*", "kms:Create*", "kms:Creat?", "kms:Describe?*"]));
    await expectAwsError(f.call("UpdatePolicy", { PolicyId: trailing.Id, Content: doc("Deny", "kms:*Key") }), "MalformedPolicyDocumentException", /kms:\*Key$/, 400);
    await f.call("DeletePolicy", { PolicyId: trailing.Id });
    await expectAwsError(create(f, "Exactly5120"), "DuplicatePolicyException", "A policy with the same name already exists.", 400);
    await expectAwsError(create(f, "FullAWSAccess"), "DuplicatePolicyException", /same name/, 400);
    await reason(f.call("CreatePolicy", { Name: "x", Description: "", Type: "NOT_A_TYPE", Content: "{}" }), "InvalidInputException", "INVALID_ENUM_POLICY_TYPE", 400);
    // Management policies follow their own grammar (management-policy.test.ts).
    await expectAwsError(
      f.call("CreatePolicy", { Name: "x", Description: "", Type: "TAG_POLICY", Content: "{}" }),
      "MalformedPolicyDocumentException",
      "The provided policy document does not meet the requirements of the specified policy type. (the policy is empty)",
      400,
    );
    await reason(f.call("CreatePolicy", { Name: "x", Description: "d".repeat(513), Type: SCP, Content: doc("Deny", "*") }), "InvalidInputException", "MAX_LENGTH_EXCEEDED", 400);
    // The AWS managed policy is listed but cannot be changed.
    await reason(f.call("UpdatePolicy", { PolicyId: FULL, Name: "Mine" }), "InvalidInputException", "IMMUTABLE_POLICY", 400);
    await reason(f.call("DeletePolicy", { PolicyId: FULL }), "InvalidInputException", "IMMUTABLE_POLICY", 400);
    const listed = await f.call<{ Policies: Summary[] }>("ListPolicies", { Filter: SCP });
    assert.deepEqual(listed.Policies.map((p) => p.Name).sort(), ["Exactly5120", "FullAWSAccess"]);
    assert.deepEqual(listed.Policies.map((p) => p.Id), listed.Policies.map((p) => p.Id).sort(), "ordered by id");
    assert.deepEqual((await f.call<{ Policies: Summary[] }>("ListPolicies", { Filter: "TAG_POLICY" })).Policies, []);
  });

  test("policies need all features", async () => {
    const { f, rootId } = await setup({ featureSet: "CONSOLIDATED_BILLING" });
    await expectAwsError(create(f, "P"), "PolicyTypeNotAvailableForOrganizationException", /feature set/, 400);
    await expectAwsError(f.call("EnablePolicyType", { RootId: rootId, PolicyType: SCP }), "PolicyTypeNotAvailableForOrganizationException", /feature set/, 400);
  });
});

describe("attachments", () => {
  test("enabling SCPs attaches FullAWSAccess to the root, every OU and every account; new OUs and accounts get it too", async () => {
    const { f, rootId } = await setup();
    const ou = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: rootId, Name: "A" })).OrganizationalUnit.Id;
    assert.deepEqual(await attached(f, ou), []);
    const root = (await f.call<{ Root: { PolicyTypes: unknown[] } }>("EnablePolicyType", { RootId: rootId, PolicyType: SCP })).Root;
    assert.deepEqual(root.PolicyTypes, [{ Type: SCP, Status: "ENABLED" }]);
    const org = (await f.call<{ Organization: { AvailablePolicyTypes: unknown[] } }>("DescribeOrganization", {})).Organization;
    assert.deepEqual(org.AvailablePolicyTypes, [{ Type: SCP, Status: "ENABLED" }]);
    for (const t of [rootId, ou, MGMT]) assert.deepEqual(await attached(f, t), [FULL]);
    const later = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: ou, Name: "B" })).OrganizationalUnit.Id;
    assert.deepEqual(await attached(f, later), [FULL]);
    const s = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: "Dev", Email: "dev@example.com" })).CreateAccountStatus;
    await f.drain();
    const acct = (await f.call<{ CreateAccountStatus: { AccountId: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus.AccountId;
    assert.deepEqual(await attached(f, acct), [FULL]);
    const targets = await f.call<{ Targets: Array<{ TargetId: string; Type: string; Name: string }> }>("ListTargetsForPolicy", { PolicyId: FULL });
    assert.deepEqual(
      targets.Targets.map((t) => [t.TargetId, t.Type]).sort(),
      [[rootId, "ROOT"], [ou, "ORGANIZATIONAL_UNIT"], [later, "ORGANIZATIONAL_UNIT"], [MGMT, "ACCOUNT"], [acct, "ACCOUNT"]].sort(),
    );
  });

  test("at most five SCPs per target, never fewer than one; duplicates and missing attachments", async () => {
    const { f, rootId } = await setup({ enable: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(f, `P${i}`)).Id);
    for (const id of ids.slice(0, 4)) await f.call("AttachPolicy", { PolicyId: id, TargetId: rootId });
    await expectAwsError(f.call("AttachPolicy", { PolicyId: ids[0], TargetId: rootId }), "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.", 400);
    await reason(f.call("AttachPolicy", { PolicyId: ids[4], TargetId: rootId }), "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", 400);
    await expectAwsError(f.call("DeletePolicy", { PolicyId: ids[0] }), "PolicyInUseException", /attached to one or more entities/, 400);
    for (const id of ids.slice(0, 4)) await f.call("DetachPolicy", { PolicyId: id, TargetId: rootId });
    await reason(f.call("DetachPolicy", { PolicyId: FULL, TargetId: rootId }), "ConstraintViolationException", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", 400);
    await expectAwsError(f.call("DetachPolicy", { PolicyId: ids[0], TargetId: rootId }), "PolicyNotAttachedException", /isn't attached/, 400);
    // An allow list replaces FullAWSAccess: attach first, then detach the default.
    await f.call("AttachPolicy", { PolicyId: ids[0], TargetId: MGMT });
    await f.call("DetachPolicy", { PolicyId: FULL, TargetId: MGMT });
    assert.deepEqual(await attached(f, MGMT), [ids[0]]);
    await expectAwsError(f.call("AttachPolicy", { PolicyId: ids[0], TargetId: "999988887777" }), "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.", 400);
    await expectAwsError(f.call("AttachPolicy", { PolicyId: "p-zzzzzzzz", TargetId: rootId }), "PolicyNotFoundException", /PolicyId/, 400);
    await reason(f.call("AttachPolicy", { PolicyId: ids[0], TargetId: "x-1" }), "InvalidInputException", "INVALID_PATTERN_TARGET_ID", 400);
  });

  test("RCPFullAWSAccess is not detachable: InvalidInputException NON_DETACHABLE_POLICY, whatever else is attached", async () => {
    const { f, rootId } = await setup();
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: "RESOURCE_CONTROL_POLICY" });
    await expectAwsError(f.call("DetachPolicy", { PolicyId: "p-RCPFullAWSAccess", TargetId: rootId }), "InvalidInputException", "You can't detach this AWS Managed Policy.", 400);
    await reason(f.call("DetachPolicy", { PolicyId: "p-RCPFullAWSAccess", TargetId: MGMT }), "InvalidInputException", "NON_DETACHABLE_POLICY", 400);
    const rcp = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }] });
    const id = (await f.call<{ Policy: { PolicySummary: Summary } }>("CreatePolicy", { Name: "NoS3", Description: "", Type: "RESOURCE_CONTROL_POLICY", Content: rcp })).Policy.PolicySummary.Id;
    await f.call("AttachPolicy", { PolicyId: id, TargetId: rootId });
    await reason(f.call("DetachPolicy", { PolicyId: "p-RCPFullAWSAccess", TargetId: rootId }), "InvalidInputException", "NON_DETACHABLE_POLICY", 400);
    await f.call("DetachPolicy", { PolicyId: id, TargetId: rootId });
  });

  test("disabling SCPs detaches every SCP; re-enabling starts over from FullAWSAccess; root checks", async () => {
    const { f, rootId } = await setup({ enable: true });
    const p = await create(f, "Deny");
    await f.call("AttachPolicy", { PolicyId: p.Id, TargetId: MGMT });
    const root = (await f.call<{ Root: { PolicyTypes: unknown[] } }>("DisablePolicyType", { RootId: rootId, PolicyType: SCP })).Root;
    assert.deepEqual(root.PolicyTypes, []);
    assert.deepEqual(await attached(f, MGMT), []);
    await expectAwsError(f.call("DisablePolicyType", { RootId: rootId, PolicyType: SCP }), "PolicyTypeNotEnabledException", /isn't currently enabled/, 400);
    await expectAwsError(f.call("AttachPolicy", { PolicyId: p.Id, TargetId: MGMT }), "PolicyTypeNotEnabledException", /isn't currently enabled/, 400);
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: SCP });
    assert.deepEqual(await attached(f, MGMT), [FULL]);
    await expectAwsError(f.call("EnablePolicyType", { RootId: rootId, PolicyType: SCP }), "PolicyTypeAlreadyEnabledException", /already enabled/, 400);
    await expectAwsError(f.call("EnablePolicyType", { RootId: "r-zzzz", PolicyType: SCP }), "RootNotFoundException", "We can't find a root with the RootId that you specified.", 400);
    // A management type attaches no default policy.
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: "BACKUP_POLICY" });
    assert.deepEqual((await f.call<{ Policies: Summary[] }>("ListPoliciesForTarget", { TargetId: MGMT, Filter: "BACKUP_POLICY" })).Policies, []);
    await f.call("DisablePolicyType", { RootId: rootId, PolicyType: "BACKUP_POLICY" });
    await f.call("DeletePolicy", { PolicyId: p.Id });
    await f.call("DeleteOrganization", {});
  });

  test("tags on the root, OUs, accounts and policies; limits and system keys", async () => {
    const { f, rootId, orgId } = await setup();
    const ou = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: rootId, Name: "A", Tags: [{ Key: "a", Value: "1" }] })).OrganizationalUnit.Id;
    const p = await create(f, "P");
    const list = async (id: string) => (await f.call<{ Tags: unknown[] }>("ListTagsForResource", { ResourceId: id })).Tags;
    for (const id of [rootId, ou, MGMT, p.Id]) {
      const ctx = f.ctx();
      await f.call("TagResource", { ResourceId: id, Tags: [{ Key: "z", Value: "last" }, { Key: "env", Value: "prod" }] }, ctx);
      const resourceTags = id === ou ? { "aws:ResourceTag/a": "1" } : {};
      assert.deepEqual(ctx.calls[0]?.context, { ...resourceTags, "aws:RequestTag/z": "last", "aws:RequestTag/env": "prod", "aws:TagKeys": ["z", "env"] });
    }
    assert.deepEqual(await list(ou), [{ Key: "a", Value: "1" }, { Key: "env", Value: "prod" }, { Key: "z", Value: "last" }]);
    assert.deepEqual(await list(rootId), [{ Key: "env", Value: "prod" }, { Key: "z", Value: "last" }]);
    await f.call("UntagResource", { ResourceId: MGMT, TagKeys: ["z"] });
    assert.deepEqual(await list(MGMT), [{ Key: "env", Value: "prod" }]);
    const uctx = f.ctx();
    await f.call("UntagResource", { ResourceId: p.Id, TagKeys: ["env"] }, uctx);
    assert.deepEqual(uctx.calls[0]?.resource, `arn:aws:organizations::${MGMT}:policy/${orgId}/service_control_policy/${p.Id}`);
    assert.deepEqual(await list(p.Id), [{ Key: "z", Value: "last" }]);
    await reason(f.call("TagResource", { ResourceId: ou, Tags: [{ Key: "aws:x", Value: "1" }] }), "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER", 400);
    // UntagResource's keys meet the TagKey pattern, as TagResource's do, before the resource is looked up.
    for (const id of [ou, "ou-zzzz-zzzzzzzz"]) {
      await reason(f.call("UntagResource", { ResourceId: id, TagKeys: ["env", "bad!key"] }), "InvalidInputException", "INVALID_PATTERN", 400);
    }
    const many = Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await reason(f.call("TagResource", { ResourceId: ou, Tags: many }), "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED", 400);
    await expectAwsError(f.call("ListTagsForResource", { ResourceId: "p-zzzzzzzz" }), "TargetNotFoundException", /TargetId/, 400);
    await reason(f.call("TagResource", { ResourceId: FULL, Tags: [{ Key: "k", Value: "v" }] }), "InvalidInputException", "IMMUTABLE_POLICY", 400);
  });
});
