import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GetContextKeysForPolicyResponse, SimulatePolicyResponse } from "@aws-sdk/client-iam";
import type { Principal } from "../../core/types.js";
import { parsePolicy } from "../../iam/policy/index.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, type Harness } from "./testing/harness.js";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Effect: "Deny", Action, Resource, ...extra });

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;

async function custom(h: Harness, input: object): Promise<SimulatePolicyResponse> {
  return h.call<SimulatePolicyResponse>("SimulateCustomPolicy", input);
}

function decisions(r: SimulatePolicyResponse): string[] {
  return (r.EvaluationResults ?? []).map((e) => `${e.EvalActionName} ${e.EvalResourceName} ${e.EvalDecision}`);
}

describe("IAM policy simulation", () => {
  test("SimulateCustomPolicy: allowed / explicitDeny / implicitDeny, matched statements with positions", async () => {
    const h = createHarness();
    const p1 = doc(allow("s3:GetObject"), allow("s3:PutObject"));
    const p2 = JSON.stringify({ Version: "2012-10-17", Statement: [deny("s3:PutObject")] }, null, 2);
    const r = await custom(h, { PolicyInputList: [p1, p2], ActionNames: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] });
    assert.deepEqual(decisions(r), ["s3:GetObject * allowed", "s3:PutObject * explicitDeny", "s3:DeleteObject * implicitDeny"]);
    assert.equal(r.IsTruncated, false);
    const [get, put, del] = r.EvaluationResults ?? [];
    // p1 is one line: IAM's columns are one past the brace's 1-based position.
    const firstStart = p1.indexOf("{", 1) + 2;
    const firstEnd = p1.indexOf("}", firstStart) + 2;
    assert.deepEqual(get?.MatchedStatements, [
      { SourcePolicyId: "PolicyInputList.1", SourcePolicyType: "none", StartPosition: { Line: 1, Column: firstStart }, EndPosition: { Line: 1, Column: firstEnd } },
    ]);
    // p2 is pretty-printed: the statement's braces are the 5th characters of lines 4 and 8.
    assert.deepEqual(put?.MatchedStatements, [
      { SourcePolicyId: "PolicyInputList.2", SourcePolicyType: "none", StartPosition: { Line: 4, Column: 6 }, EndPosition: { Line: 8, Column: 6 } },
    ]);
    assert.deepEqual(del?.MatchedStatements, []);
    assert.deepEqual(get?.MissingContextValues, []);
    assert.equal(get?.EvalDecisionDetails, undefined);
    assert.equal(get?.PermissionsBoundaryDecisionDetail, undefined);
    assert.deepEqual(h.calls.map((c) => [c.action, c.resource]), [["iam:SimulateCustomPolicy", "*"]]);
  });

  test("permissions boundary: allowed only where identity and boundary both allow", async () => {
    const h = createHarness();
    const r = await custom(h, {
      PolicyInputList: [doc(allow(["s3:*", "ec2:*"]))],
      PermissionsBoundaryPolicyInputList: [doc(allow("s3:*"))],
      ActionNames: ["s3:GetObject", "ec2:RunInstances"],
    });
    assert.deepEqual(decisions(r), ["s3:GetObject * allowed", "ec2:RunInstances * implicitDeny"]);
    assert.deepEqual(r.EvaluationResults?.[0]?.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: true });
    assert.deepEqual(r.EvaluationResults?.[1]?.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });
    // Allowed: the identity statement and the boundary statement both decided.
    assert.deepEqual(
      r.EvaluationResults?.[0]?.MatchedStatements?.map((s) => s.SourcePolicyId),
      ["PolicyInputList.1", "PermissionsBoundaryPolicyInputList.1"],
    );
  });

  test("conditions with ContextEntries (scalar and list types) and missing context values", async () => {
    const h = createHarness();
    const policy = doc(
      allow("s3:GetObject", "*", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }),
      allow("s3:PutObject", "*", { Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] }, NumericLessThan: { "s3:max-keys": "10" } } }),
      deny("s3:DeleteObject", "*", { Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } }),
    );
    const actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
    const none = await custom(h, { PolicyInputList: [policy], ActionNames: actions });
    assert.deepEqual(decisions(none), ["s3:GetObject * implicitDeny", "s3:PutObject * implicitDeny", "s3:DeleteObject * implicitDeny"]);
    assert.deepEqual(none.EvaluationResults?.map((e) => e.MissingContextValues), [["aws:SourceIp"], ["aws:TagKeys", "s3:max-keys"], ["aws:MultiFactorAuthPresent"]]);

    const given = await custom(h, {
      PolicyInputList: [policy],
      ActionNames: actions,
      ContextEntries: [
        { ContextKeyName: "aws:SourceIp", ContextKeyValues: ["10.1.2.3"], ContextKeyType: "ip" },
        { ContextKeyName: "aws:TagKeys", ContextKeyValues: ["env"], ContextKeyType: "stringList" },
        { ContextKeyName: "s3:max-keys", ContextKeyValues: ["5"], ContextKeyType: "numeric" },
        { ContextKeyName: "aws:MultiFactorAuthPresent", ContextKeyValues: ["false"], ContextKeyType: "boolean" },
      ],
    });
    assert.deepEqual(decisions(given), ["s3:GetObject * allowed", "s3:PutObject * allowed", "s3:DeleteObject * explicitDeny"]);
    assert.deepEqual(given.EvaluationResults?.map((e) => e.MissingContextValues), [[], [], []]);

    const outside = await custom(h, {
      PolicyInputList: [policy],
      ActionNames: ["s3:GetObject", "s3:PutObject"],
      ContextEntries: [
        { ContextKeyName: "aws:SourceIp", ContextKeyValues: ["192.168.0.1"], ContextKeyType: "ip" },
        { ContextKeyName: "aws:TagKeys", ContextKeyValues: ["env", "cost"], ContextKeyType: "stringList" },
        { ContextKeyName: "s3:max-keys", ContextKeyValues: ["5"], ContextKeyType: "numeric" },
      ],
    });
    assert.deepEqual(decisions(outside), ["s3:GetObject * implicitDeny", "s3:PutObject * implicitDeny"]);

    await assertAwsError(
      custom(h, { PolicyInputList: [policy], ActionNames: actions, ContextEntries: [{ ContextKeyName: "s3:max-keys", ContextKeyValues: ["many"], ContextKeyType: "numeric" }] }),
      "InvalidInput",
      400,
      "Context key s3:max-keys: many is not a numeric value.",
    );
  });

  test("several resources: one result per action and resource, with ResourceSpecificResults", async () => {
    const h = createHarness();
    const r = await custom(h, {
      PolicyInputList: [doc(allow("s3:GetObject", "arn:aws:s3:::pub/*"), allow("s3:GetObject", "arn:aws:s3:::tagged/*", { Condition: { StringEquals: { "s3:ExistingObjectTag/x": "y" } } }))],
      ActionNames: ["s3:GetObject"],
      ResourceArns: ["arn:aws:s3:::pub/a", "arn:aws:s3:::priv/a", "arn:aws:s3:::tagged/a"],
    });
    assert.deepEqual(decisions(r), ["s3:GetObject arn:aws:s3:::pub/a allowed", "s3:GetObject arn:aws:s3:::priv/a implicitDeny", "s3:GetObject arn:aws:s3:::tagged/a implicitDeny"]);
    const tagged = r.EvaluationResults?.[2];
    assert.deepEqual(tagged?.MissingContextValues, []);
    assert.deepEqual(tagged?.EvalDecisionDetails, {});
    assert.deepEqual(tagged?.ResourceSpecificResults, [
      { EvalResourceName: "arn:aws:s3:::tagged/a", EvalResourceDecision: "implicitDeny", MatchedStatements: [], MissingContextValues: ["s3:ExistingObjectTag/x"] },
    ]);
  });

  test("resource policy: needs CallerArn; same-account grant alone allows; cross-account needs both", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const bucketPolicy = doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
    await assertAwsError(
      custom(h, { PolicyInputList: [doc(allow("s3:ListBucket"))], ActionNames: ["s3:GetObject"], ResourcePolicy: bucketPolicy }),
      "InvalidInput",
      400,
      "CallerArn is required when a ResourcePolicy is simulated.",
    );
    const same = await custom(h, { PolicyInputList: [doc(allow("s3:ListBucket"))], ActionNames: ["s3:GetObject"], ResourceArns: ["arn:aws:s3:::b/k"], ResourcePolicy: bucketPolicy, CallerArn: ALICE });
    assert.deepEqual(decisions(same), ["s3:GetObject arn:aws:s3:::b/k allowed"]);
    assert.deepEqual(same.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [["ResourcePolicy", "resource"]]);
    // The bucket belongs to another account: the resource policy alone is not enough.
    const cross = await custom(h, {
      PolicyInputList: [doc(allow("s3:ListBucket"))],
      ActionNames: ["s3:GetObject"],
      ResourceArns: ["arn:aws:s3:::b/k"],
      ResourcePolicy: bucketPolicy,
      ResourceOwner: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
      CallerArn: ALICE,
    });
    assert.deepEqual(decisions(cross), ["s3:GetObject arn:aws:s3:::b/k implicitDeny"]);
    assert.deepEqual(cross.EvaluationResults?.[0]?.EvalDecisionDetails, { "IAM Policy": "implicitDeny", "Resource Policy": "allowed" });
    const both = await custom(h, {
      PolicyInputList: [doc(allow("s3:GetObject"))],
      ActionNames: ["s3:GetObject"],
      ResourceArns: ["arn:aws:s3:::b/k"],
      ResourcePolicy: bucketPolicy,
      ResourceOwner: OTHER_ACCOUNT,
      CallerArn: ALICE,
    });
    assert.deepEqual(decisions(both), ["s3:GetObject arn:aws:s3:::b/k allowed"]);
    // An explicit deny in the resource policy wins over the identity allow.
    const denied = await custom(h, {
      PolicyInputList: [doc(allow("s3:GetObject"))],
      ActionNames: ["s3:GetObject"],
      ResourcePolicy: doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }),
      CallerArn: ALICE,
    });
    assert.deepEqual(decisions(denied), ["s3:GetObject * explicitDeny"]);
  });

  test("SimulatePrincipalPolicy: user's inline, managed, group and boundary policies; principal keys from the user", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice", Tags: [{ Key: "team", Value: "blue" }] });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "inline", PolicyDocument: doc(allow("s3:GetObject"), allow("s3:PutObject", "arn:aws:s3:::home/${aws:username}/*")) });
    await h.call("CreatePolicy", { PolicyName: "tagged", PolicyDocument: doc(allow("ec2:StartInstances", "*", { Condition: { StringEquals: { "aws:PrincipalTag/team": "blue" } } })) });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/tagged` });
    await h.call("CreateGroup", { GroupName: "ops" });
    await h.call("PutGroupPolicy", { GroupName: "ops", PolicyName: "no-delete", PolicyDocument: doc(deny("s3:DeleteObject"), allow("s3:DeleteObject")) });
    await h.call("AddUserToGroup", { GroupName: "ops", UserName: "alice" });
    h.calls.length = 0;

    const r = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", {
      PolicySourceArn: ALICE,
      ActionNames: ["s3:GetObject", "ec2:StartInstances", "s3:DeleteObject", "s3:PutObject", "sqs:SendMessage"],
    });
    assert.deepEqual(decisions(r), ["s3:GetObject * allowed", "ec2:StartInstances * allowed", "s3:DeleteObject * explicitDeny", "s3:PutObject * implicitDeny", "sqs:SendMessage * implicitDeny"]);
    assert.deepEqual(r.EvaluationResults?.[1]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [["tagged", "user-managed"]]);
    assert.deepEqual(r.EvaluationResults?.[2]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [["no-delete", "group"]]);
    assert.deepEqual(h.calls.map((c) => [c.action, c.resource]), [["iam:SimulatePrincipalPolicy", ALICE]]);

    // ${aws:username} comes from the user itself.
    const own = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: ALICE, ActionNames: ["s3:PutObject"], ResourceArns: ["arn:aws:s3:::home/alice/f", "arn:aws:s3:::home/bob/f"] });
    assert.deepEqual(decisions(own), ["s3:PutObject arn:aws:s3:::home/alice/f allowed", "s3:PutObject arn:aws:s3:::home/bob/f implicitDeny"]);

    // A boundary on the user caps it; PolicyInputList adds identity policies.
    await h.call("CreatePolicy", { PolicyName: "only-s3", PolicyDocument: doc(allow("s3:*")) });
    await h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/only-s3` });
    const bounded = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", {
      PolicySourceArn: ALICE,
      PolicyInputList: [doc(allow("sqs:SendMessage"))],
      ActionNames: ["s3:GetObject", "ec2:StartInstances", "sqs:SendMessage"],
    });
    assert.deepEqual(decisions(bounded), ["s3:GetObject * allowed", "ec2:StartInstances * implicitDeny", "sqs:SendMessage * implicitDeny"]);
    assert.deepEqual(bounded.EvaluationResults?.map((e) => e.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary), [true, false, false]);
    const withExtra = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: ALICE, PolicyInputList: [doc(allow("s3:Restore*"))], ActionNames: ["s3:RestoreObject"] });
    assert.deepEqual(decisions(withExtra), ["s3:RestoreObject * allowed"]);
    assert.deepEqual(withExtra.EvaluationResults?.[0]?.MatchedStatements?.map((s) => s.SourcePolicyId), ["PolicyInputList.1", "only-s3"]);
  });

  test("SimulatePrincipalPolicy: roles and groups, NoSuchEntity, InvalidInput, authorisation first", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
    await h.call("AttachRolePolicy", { RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    await h.call("PutRolePolicy", { RoleName: "app", PolicyName: "no-iam", PolicyDocument: doc(deny("iam:*")) });
    const role = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/app`, ActionNames: ["ec2:RunInstances", "iam:CreateUser"] });
    assert.deepEqual(decisions(role), ["ec2:RunInstances * allowed", "iam:CreateUser * explicitDeny"]);
    assert.deepEqual(role.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [["AdministratorAccess", "aws-managed"]]);
    assert.deepEqual(role.EvaluationResults?.[1]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [["no-iam", "role"]]);

    await h.call("CreateGroup", { GroupName: "readers", Path: "/team/" });
    await h.call("PutGroupPolicy", { GroupName: "readers", PolicyName: "read", PolicyDocument: doc(allow("s3:Get*")) });
    const group = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:group/team/readers`, ActionNames: ["s3:GetObject", "s3:PutObject"] });
    assert.deepEqual(decisions(group), ["s3:GetObject * allowed", "s3:PutObject * implicitDeny"]);

    await assertAwsError(
      h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/nobody`, ActionNames: ["s3:GetObject"] }),
      "NoSuchEntity",
      404,
      `The user with ARN arn:aws:iam::${ACCOUNT}:user/nobody cannot be found.`,
    );
    // The path is part of the ARN.
    await assertAwsError(h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:group/readers`, ActionNames: ["s3:GetObject"] }), "NoSuchEntity", 404, /cannot be found/);
    await assertAwsError(h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:policy/x`, ActionNames: ["s3:GetObject"] }), "InvalidInput", 400, /not the ARN of an IAM user, group or role/);
    await assertAwsError(
      h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/app`, ActionNames: ["s3:GetObject"], ResourcePolicy: doc({ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }) }),
      "InvalidInput",
      400,
      "CallerArn is required when a ResourcePolicy is simulated and PolicySourceArn is not a user.",
    );
    h.deny.add("iam:SimulatePrincipalPolicy");
    await assertAwsError(h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/nobody`, ActionNames: ["s3:GetObject"] }), "AccessDeniedException", 400, /iam:SimulatePrincipalPolicy/);
    h.deny.add("iam:SimulateCustomPolicy");
    await assertAwsError(custom(h, { PolicyInputList: [doc(allow("s3:*"))], ActionNames: ["s3:GetObject"] }), "AccessDeniedException", 400, /iam:SimulateCustomPolicy/);
  });

  test("input errors: malformed policy, non-ARN resource, bad actions, MaxItems bounds", async () => {
    const h = createHarness();
    const ok = doc(allow("s3:*"));
    await assertAwsError(custom(h, { PolicyInputList: ["{not json"], ActionNames: ["s3:GetObject"] }), "InvalidInput", 400, "PolicyInputList.1: Syntax errors in policy.");
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], ResourceArns: ["bucket/key"] }), "InvalidInput", 400, "Resource bucket/key is not a valid ARN.");
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:Get*"] }), "InvalidInput", 400, /not valid/);
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["GetObject"] }), "InvalidInput", 400, /not valid/);
    await assertAwsError(custom(h, { PolicyInputList: [], ActionNames: ["s3:GetObject"] }), "ValidationError", 400, /policyInputList/);
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], MaxItems: 0 }), "ValidationError", 400, /greater than or equal to 1/);
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], MaxItems: 1001 }), "ValidationError", 400, /less than or equal to 1000/);
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], ResourcePolicy: "{}", CallerArn: ALICE }), "InvalidInput", 400, /^ResourcePolicy: /);
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], CallerArn: `arn:aws:iam::${ACCOUNT}:role/r` }), "InvalidInput", 400, /not the ARN of an IAM user/);
  });

  test("list members are named by their index, and ContextKeyType is the model's enum", async () => {
    const h = createHarness();
    const ok = doc(allow("s3:*"));
    const refused = (member: string, constraint: string, value: string): string => `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`;
    await assertAwsError(custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject", "s3"] }), "ValidationError", 400, refused("actionNames.2.member", "Member must have length greater than or equal to 3", "s3"));
    await assertAwsError(
      custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], ResourceArns: ["*", "a".repeat(2049)] }),
      "ValidationError",
      400,
      refused("resourceArns.2.member", "Member must have length less than or equal to 2048", "a".repeat(2049)),
    );
    const policyPattern = "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
    const wide = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Sid":"\u0100"}]}';
    await assertAwsError(custom(h, { PolicyInputList: [ok, wide], ActionNames: ["s3:GetObject"] }), "ValidationError", 400, refused("policyInputList.2.member", policyPattern, wide));
    await assertAwsError(
      custom(h, { PolicyInputList: [ok], PermissionsBoundaryPolicyInputList: [wide], ActionNames: ["s3:GetObject"] }),
      "ValidationError",
      400,
      refused("permissionsBoundaryPolicyInputList.1.member", policyPattern, wide),
    );
    await assertAwsError(custom(h, { PolicyInputList: [ok], ResourcePolicy: wide, ActionNames: ["s3:GetObject"], CallerArn: ALICE }), "ValidationError", 400, refused("resourcePolicy", policyPattern, wide));
    // Input constraints come before the policy source is looked up.
    await assertAwsError(
      h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/nobody`, ActionNames: ["s3"] }),
      "ValidationError",
      400,
      refused("actionNames.1.member", "Member must have length greater than or equal to 3", "s3"),
    );
    await assertAwsError(
      h.call("SimulatePrincipalPolicy", { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/nobody`, ActionNames: ["s3:GetObject"], MaxItems: 0 }),
      "ValidationError",
      400,
      refused("maxItems", "Member must have value greater than or equal to 1", "0"),
    );
    const entry = { ContextKeyName: "aws:SourceIp", ContextKeyValues: ["10.0.0.1"] };
    await assertAwsError(
      custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], ContextEntries: [entry, { ...entry, ContextKeyName: "k" }] }),
      "ValidationError",
      400,
      refused("contextEntries.2.member.contextKeyName", "Member must have length greater than or equal to 5", "k"),
    );
    await assertAwsError(
      custom(h, { PolicyInputList: [ok], ActionNames: ["s3:GetObject"], ContextEntries: [{ ...entry, ContextKeyType: "ipAddress" }] }),
      "ValidationError",
      400,
      refused(
        "contextEntries.1.member.contextKeyType",
        "Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
        "ipAddress",
      ),
    );
  });

  test("pagination with MaxItems and Marker", async () => {
    const h = createHarness();
    const input = { PolicyInputList: [doc(allow("s3:*"))], ActionNames: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] };
    const p1 = await custom(h, { ...input, MaxItems: 2 });
    assert.deepEqual(decisions(p1), ["s3:GetObject * allowed", "s3:PutObject * allowed"]);
    assert.equal(p1.IsTruncated, true);
    assert.ok(p1.Marker);
    const p2 = await custom(h, { ...input, MaxItems: 2, Marker: p1.Marker });
    assert.deepEqual(decisions(p2), ["s3:ListBucket * allowed"]);
    assert.equal(p2.IsTruncated, false);
    assert.equal(p2.Marker, undefined);
  });

  test("GetContextKeysForCustomPolicy / ForPrincipalPolicy: condition keys and policy variables", async () => {
    const h = createHarness();
    const p = doc(
      allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" }, StringEquals: { "s3:prefix": "${aws:PrincipalTag/team}" } } }),
      allow("s3:PutObject", "*", { Condition: { Bool: { "AWS:SourceIP": "true" } } }),
    );
    const r = await h.call<GetContextKeysForPolicyResponse>("GetContextKeysForCustomPolicy", { PolicyInputList: [p] });
    assert.deepEqual(r.ContextKeyNames, ["aws:username", "aws:SourceIp", "s3:prefix", "aws:PrincipalTag/team"]);
    await assertAwsError(h.call("GetContextKeysForCustomPolicy", { PolicyInputList: ["nope"] }), "InvalidInput", 400, /Syntax errors in policy/);

    await h.call("CreateUser", { UserName: "alice" });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "p", PolicyDocument: doc(allow("ec2:*", "*", { Condition: { StringEquals: { "ec2:Region": "eu-west-1" } } })) });
    const u = await h.call<GetContextKeysForPolicyResponse>("GetContextKeysForPrincipalPolicy", { PolicySourceArn: ALICE, PolicyInputList: [p] });
    assert.deepEqual(u.ContextKeyNames, ["ec2:Region", "aws:username", "aws:SourceIp", "s3:prefix", "aws:PrincipalTag/team"]);
    assert.deepEqual(h.calls.map((c) => c.action).filter((a) => a.startsWith("iam:GetContextKeys")), ["iam:GetContextKeysForCustomPolicy", "iam:GetContextKeysForCustomPolicy", "iam:GetContextKeysForPrincipalPolicy"]);
  });

  test("the policies simulated for a user are exactly the ones the identity directory hands the authoriser", async () => {
    const h = createHarness();
    const user = await h.iam.api.createUser({ accountId: ACCOUNT, region: "" }, { userName: "carol" });
    await h.call("PutUserPolicy", { UserName: "carol", PolicyName: "a", PolicyDocument: doc(allow("s3:GetObject")) });
    await h.call("AttachUserPolicy", { UserName: "carol", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await h.call("CreateGroup", { GroupName: "g" });
    await h.call("PutGroupPolicy", { GroupName: "g", PolicyName: "gp", PolicyDocument: doc(deny("s3:GetObject")) });
    await h.call("AddUserToGroup", { GroupName: "g", UserName: "carol" });
    const principal: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: user.arn, principalId: user.userId, accessKeyId: "AKIA", name: "carol" };
    const pols = await h.iam.directory.policiesFor(principal);
    assert.equal(pols.identity.length, 3);
    const r = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: user.arn, ActionNames: ["s3:GetObject"] });
    assert.deepEqual(decisions(r), ["s3:GetObject * explicitDeny"]);
    const ids = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: user.arn, ActionNames: ["iam:ListUsers"] });
    assert.deepEqual(ids.EvaluationResults?.[0]?.MatchedStatements?.map((s) => s.SourcePolicyId), ["ReadOnlyAccess"]);
  });

  test("SimulatePrincipalPolicy evaluates the SCPs of the principal's account; SimulateCustomPolicy does not", async () => {
    const h = createHarness();
    const full = parsePolicy(doc(allow("*")), "scp");
    const noSqs = parsePolicy(doc(deny("sqs:*")), "scp");
    const onlyS3 = parsePolicy(doc(allow(["s3:*", "sqs:*"])), "scp");
    const asked: string[] = [];
    h.iam.useServiceControlPolicies({ levelsFor: (accountId) => (asked.push(accountId), [[full, noSqs], [onlyS3]]) });
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "all", PolicyDocument: doc(allow(["s3:GetObject", "sqs:SendMessage", "ec2:StartInstances"])) });
    const r = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: ALICE, ActionNames: ["s3:GetObject", "sqs:SendMessage", "ec2:StartInstances"] });
    assert.deepEqual(asked, [ACCOUNT]);
    // Allowed by the identity policy: an SCP's deny is an explicit deny, a level that allows
    // nothing an implicit one.
    assert.deepEqual(decisions(r), ["s3:GetObject * allowed", "sqs:SendMessage * explicitDeny", "ec2:StartInstances * implicitDeny"]);
    assert.deepEqual(
      r.EvaluationResults?.map((e) => e.OrganizationsDecisionDetail),
      [{ AllowedByOrganizations: true }, { AllowedByOrganizations: false }, { AllowedByOrganizations: false }],
    );
    // Without SCPs (outside an organization, the management account) there is no detail.
    h.iam.useServiceControlPolicies({ levelsFor: async () => undefined });
    const none = await h.call<SimulatePolicyResponse>("SimulatePrincipalPolicy", { PolicySourceArn: ALICE, ActionNames: ["ec2:StartInstances"] });
    assert.deepEqual([decisions(none), none.EvaluationResults?.[0]?.OrganizationsDecisionDetail], [["ec2:StartInstances * allowed"], undefined]);
    h.iam.useServiceControlPolicies({ levelsFor: () => [[noSqs]] });
    const c = await custom(h, { PolicyInputList: [doc(allow("sqs:SendMessage"))], ActionNames: ["sqs:SendMessage"] });
    assert.deepEqual([decisions(c), c.EvaluationResults?.[0]?.OrganizationsDecisionDetail], [["sqs:SendMessage * allowed"], undefined]);
  });
});
