import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError } from "../../core/errors.js";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { checkPermissionPolicy, evaluatedPolicy } from "./permission-policy.js";
import { ACCOUNT, REGION, VIS, wafFixture, type WafFixture } from "./testing/fixture.js";

const OTHER = "444455556666";
const ACTIONS = ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"];
const policy = (statement: object = {}, top: object = {}): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: OTHER }, Action: ACTIONS, ...statement }], ...top });

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
}

function refused(text: string, why: RegExp, label = text): void {
  assert.throws(
    () => checkPermissionPolicy(text),
    (e: unknown) => e instanceof AwsError && e.code === "WAFInvalidPermissionPolicyException" && why.test(e.message) && e.message.startsWith("AWS WAF couldn’t perform the operation because the policy isn’t in the proper format."),
    label,
  );
}

test("permission policies: the form the API reference gives, and nothing else", () => {
  checkPermissionPolicy(policy());
  checkPermissionPolicy(policy({ Sid: "share", Action: [...ACTIONS, "wafv2:GetRuleGroup"], Principal: { AWS: [OTHER, `arn:aws:iam::${OTHER}:root`, `arn:aws:iam::${OTHER}:role/waf-admin`] } }));
  checkPermissionPolicy(policy({ Action: ACTIONS.map((a) => a.toUpperCase()) }));
  checkPermissionPolicy(JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Principal: { AWS: OTHER }, Action: ACTIONS } }));
  refused("{", /valid JSON/);
  refused("[]", /JSON object/);
  refused(policy({}, { Version: "2008-10-17" }), /2012-10-17/);
  refused(JSON.stringify({ Version: "2012-10-17", Statement: [] }), /statement/);
  refused(policy({ Effect: "Deny" }), /Effect/);
  refused(policy({ Resource: "*" }), /Resource/);
  refused(policy({ NotResource: "*" }), /Resource/);
  refused(policy({ Action: ACTIONS.slice(0, 2) }), /must include/);
  refused(policy({ Action: [...ACTIONS, "wafv2:DeleteRuleGroup"] }), /wafv2:DeleteRuleGroup isn't allowed/);
  refused(policy({ Action: [...ACTIONS, "wafv2:*"] }), /wafv2:\* isn't allowed/);
  refused(policy({ Action: undefined, NotAction: "wafv2:DeleteRuleGroup" }), /NotAction isn't supported/);
  // Sharing with an organization or an OU: every principal, narrowed by a condition.
  checkPermissionPolicy(policy({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-example1234" } } }));
  checkPermissionPolicy(policy({ Principal: { AWS: "*" }, Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-example1234/r-ab12/ou-ab12-example/*" } } }));
  refused(policy({ Principal: { Service: "wafv2.amazonaws.com" } }), /Principal/);
  refused(policy({ Principal: { AWS: "everyone" } }), /principal "everyone"/);
  refused(policy({ Principal: "all" }), /Principal/);
  refused(policy({ Condition: "aws:PrincipalOrgID" }), /Condition/);
  refused(policy({ Condition: { StringEquals: "o-1" } }), /operator/);
  refused(policy({ Condition: { StringEquals: { "aws:PrincipalOrgID": { nested: "o-1" } } } }), /value/);
  refused(policy({ Sid: 7 }), /Sid/);
  // However deep the document, it is refused by its form, never by the stack (a stored policy is
  // parsed and serialised again each time it is evaluated).
  const deep = policy({ Condition: { StringEquals: { "aws:PrincipalOrgID": "DEEP" } } }).replace('"DEEP"', '{"a":'.repeat(20_000) + '"x"' + "}".repeat(20_000));
  refused(deep, /value/, "a condition value nested 20,000 deep");
  refused("[".repeat(150_000) + "]".repeat(150_000), /JSON object/, "an array nested 150,000 deep");
  refused(policy({ Principal: undefined }), /Principal/);
  refused(policy({}, { Extra: 1 }), /Extra isn't supported/);
});

test("the stored policy is evaluated with the rule group as each statement's resource", () => {
  const arn = `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/rulegroup/g/1`;
  assert.deepEqual(JSON.parse(evaluatedPolicy(policy(), arn)), {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: OTHER }, Action: ACTIONS, Resource: arn }],
  });
});

async function sharedGroup(f: WafFixture): Promise<Summary> {
  const ipSet = (await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "bad", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] })).Summary;
  return (
    await f.call<{ Summary: Summary }>("CreateRuleGroup", {
      Name: "shared",
      Scope: "REGIONAL",
      Capacity: 10,
      Rules: [{ Name: "bad-ips", Priority: 0, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ipSet.ARN } }, VisibilityConfig: VIS("bad-ips") }],
      VisibilityConfig: VIS("shared"),
    })
  ).Summary;
}

test("PutPermissionPolicy, GetPermissionPolicy, DeletePermissionPolicy on the owner's rule group", async () => {
  const f = wafFixture();
  const g = await sharedGroup(f);
  assert.deepEqual(await f.call("GetPermissionPolicy", { ResourceArn: g.ARN }), {});
  const ctx = f.ctx();
  assert.deepEqual(await f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy() }, ctx), {});
  assert.deepEqual(ctx.calls[0], { action: "wafv2:PutPermissionPolicy", resource: g.ARN });
  assert.deepEqual(await f.call("GetPermissionPolicy", { ResourceArn: g.ARN }), { Policy: policy() });
  const got = await f.call<{ LockToken: string }>("GetRuleGroup", { ARN: g.ARN });
  assert.equal(got.LockToken, g.LockToken, "sharing is not a change of the rule group");
  await expectAwsError(f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy({ Effect: "Deny" }) }), "WAFInvalidPermissionPolicyException", /Effect/);
  assert.deepEqual(await f.call("GetPermissionPolicy", { ResourceArn: g.ARN }), { Policy: policy() }, "a refused policy changes nothing");
  assert.deepEqual(await f.call("DeletePermissionPolicy", { ResourceArn: g.ARN }), {});
  assert.deepEqual(await f.call("GetPermissionPolicy", { ResourceArn: g.ARN }), {});
  assert.deepEqual(await f.call("DeletePermissionPolicy", { ResourceArn: g.ARN }), {}, "deleting twice is fine");

  const ghost = g.ARN.replace(g.Id, "00000000-0000-4000-8000-000000000000");
  for (const op of ["GetPermissionPolicy", "DeletePermissionPolicy"]) await expectAwsError(f.call(op, { ResourceArn: ghost }), "WAFNonexistentItemException", /doesn’t exist/);
  await expectAwsError(f.call("PutPermissionPolicy", { ResourceArn: ghost, Policy: policy() }), "WAFNonexistentItemException", /doesn’t exist/);
  const ipSet = (await f.call<{ IPSets: Summary[] }>("ListIPSets", { Scope: "REGIONAL" })).IPSets[0]!;
  await expectAwsError(f.call("PutPermissionPolicy", { ResourceArn: ipSet.ARN, Policy: policy() }), "WAFInvalidParameterException", /field: RESOURCE_ARN/);
  // Only the owner: another account's call is authorised cross-account (no resource policy grants
  // it, so the authoriser denies it), and finds nothing of its own under that ARN anyway.
  const other = f.ctx({ account: OTHER });
  await expectAwsError(f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy() }, other), "WAFNonexistentItemException", /doesn’t exist/);
  assert.deepEqual(other.calls[0], { action: "wafv2:PutPermissionPolicy", resource: g.ARN, resourceAccount: ACCOUNT });
});

test("a shared rule group: read and referenced from another account under its policy, and kept while used there", async () => {
  const f = wafFixture();
  const g = await sharedGroup(f);
  await f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy({ Action: [...ACTIONS, "wafv2:GetRuleGroup"] }) });
  const evaluated = evaluatedPolicy(policy({ Action: [...ACTIONS, "wafv2:GetRuleGroup"] }), g.ARN);

  const other = f.ctx({ account: OTHER });
  const got = await f.call<{ RuleGroup: { ARN: string; Name: string } }>("GetRuleGroup", { ARN: g.ARN }, other);
  assert.equal(got.RuleGroup.ARN, g.ARN);
  assert.deepEqual(other.calls.at(-1), { action: "wafv2:GetRuleGroup", resource: g.ARN, resourceAccount: ACCOUNT, resourcePolicy: evaluated });

  const ref = { Name: "use-shared", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: g.ARN } }, VisibilityConfig: VIS("use-shared") };
  const create = f.ctx({ account: OTHER });
  const { Summary: acl } = await f.call<{ Summary: Summary }>("CreateWebACL", { Name: "theirs", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [ref], VisibilityConfig: VIS("theirs") }, create);
  assert.match(acl.ARN, new RegExp(`^arn:aws:wafv2:${REGION}:${OTHER}:regional/webacl/theirs/`));
  assert.deepEqual(create.calls[1], { action: "wafv2:CreateWebACL", resource: g.ARN, resourceAccount: ACCOUNT, resourcePolicy: evaluated });
  const capacity = f.ctx({ account: OTHER });
  assert.deepEqual(await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [ref] }, capacity), { Capacity: 10 });
  assert.deepEqual(capacity.calls[1], { action: "wafv2:CreateWebACL", resource: g.ARN, resourceAccount: ACCOUNT, resourcePolicy: evaluated }, "CheckCapacity of a shared group is judged as the web ACL it previews");

  // The owner cannot delete it while another account's web ACL uses it.
  const current = await f.call<{ LockToken: string }>("GetRuleGroup", { ARN: g.ARN });
  await expectAwsError(f.call("DeleteRuleGroup", { Name: "shared", Scope: "REGIONAL", Id: g.Id, LockToken: current.LockToken }), "WAFAssociatedItemException", /associated/);

  // Without a policy there is no resource policy to allow the use (denied cross-account by the authoriser).
  await f.call("DeletePermissionPolicy", { ResourceArn: g.ARN });
  const after = f.ctx({ account: OTHER });
  await f.call("GetRuleGroup", { ARN: g.ARN }, after);
  assert.deepEqual(after.calls[0], { action: "wafv2:GetRuleGroup", resource: g.ARN, resourceAccount: ACCOUNT });
  // Another account's IP set can never be referenced: no resource policy, and nothing found.
  const ipSet = (await f.call<{ IPSets: Summary[] }>("ListIPSets", { Scope: "REGIONAL" })).IPSets[0]!;
  const ipRef = { Name: "ips", Priority: 0, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ipSet.ARN } }, VisibilityConfig: VIS("ips") };
  const ipCtx = f.ctx({ account: OTHER });
  await expectAwsError(f.call("CreateWebACL", { Name: "ips", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [ipRef], VisibilityConfig: VIS("ips") }, ipCtx), "WAFNonexistentItemException", /doesn’t exist/);
  assert.deepEqual(ipCtx.calls[1], { action: "wafv2:CreateWebACL", resource: ipSet.ARN }, "not a shareable kind: authorised as the caller's, then not found");
  // A rule group of another Region is not found.
  const elsewhere = g.ARN.replace(`:${REGION}:`, ":us-west-2:");
  await expectAwsError(f.call("GetRuleGroup", { ARN: elsewhere }, f.ctx({ account: OTHER })), "WAFNonexistentItemException", /doesn’t exist/);
});

test("a shared rule group does not open the sets it uses: another account's rules naming them directly find nothing", async () => {
  const f = wafFixture();
  const g = await sharedGroup(f);
  await f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy() });
  const ipSet = (await f.call<{ IPSets: Summary[] }>("ListIPSets", { Scope: "REGIONAL" })).IPSets[0]!;
  const rules = [
    { Name: "use-shared", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: g.ARN } }, VisibilityConfig: VIS("use-shared") },
    { Name: "their-ips", Priority: 1, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ipSet.ARN } }, VisibilityConfig: VIS("their-ips") },
  ];
  // Either order: the set is refused whether it is named before or after the group that uses it.
  for (const order of [rules, [...rules].reverse().map((r, i) => ({ ...r, Priority: i }))]) {
    await expectAwsError(
      f.call("CreateWebACL", { Name: "probe", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: order, VisibilityConfig: VIS("probe") }, f.ctx({ account: OTHER })),
      "WAFNonexistentItemException",
      /doesn’t exist/,
    );
    await expectAwsError(f.call("CheckCapacity", { Scope: "REGIONAL", Rules: order }, f.ctx({ account: OTHER })), "WAFNonexistentItemException", /doesn’t exist/);
  }
  assert.deepEqual((await f.call<{ WebACLs: unknown[] }>("ListWebACLs", { Scope: "REGIONAL" }, f.ctx({ account: OTHER }))).WebACLs, []);
});

test("GetRateBasedStatementManagedKeys for a rate-based rule of a rule group another account shares", async () => {
  const f = wafFixture();
  const { Summary: g } = await f.call<{ Summary: Summary }>("CreateRuleGroup", {
    Name: "limits",
    Scope: "REGIONAL",
    Capacity: 10,
    Rules: [{ Name: "per-ip", Priority: 0, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: "IP" } }, VisibilityConfig: VIS("per-ip") }],
    VisibilityConfig: VIS("limits"),
  });
  await f.call("PutPermissionPolicy", { ResourceArn: g.ARN, Policy: policy() });
  const other = f.ctx({ account: OTHER });
  const { Summary: acl } = await f.call<{ Summary: Summary }>(
    "CreateWebACL",
    { Name: "theirs", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [{ Name: "shared", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: g.ARN } }, VisibilityConfig: VIS("shared") }], VisibilityConfig: VIS("theirs") },
    other,
  );
  f.engine.managedKeys = { ipv4: ["198.51.100.9/32"], ipv6: [] };
  const got = await f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "theirs", WebACLId: acl.Id, RuleGroupRuleName: "shared", RuleName: "per-ip" }, f.ctx({ account: OTHER }));
  assert.deepEqual(got, { ManagedKeysIPV4: { IPAddressVersion: "IPV4", Addresses: ["198.51.100.9/32"] }, ManagedKeysIPV6: { IPAddressVersion: "IPV6", Addresses: [] } });
  assert.equal(f.engine.managedKeysAsked.at(-1)?.instanceId, `${acl.ARN}/shared/per-ip`, "counted under the other account's web ACL");
});
