import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { parsePolicy } from "../../iam/policy/index.js";
import { awsManagedPolicies, awsManagedPolicyByArn, PUBLISHED_POLICIES_FILE } from "./aws-managed-policies.js";

describe("AWS managed policies", () => {
  test("the build wrote the published policies (npm run build)", () => {
    assert.ok(existsSync(PUBLISHED_POLICIES_FILE), `${PUBLISHED_POLICIES_FILE.pathname} is missing`);
  });

  test("the published policies are served beside the built-in ones, one entry per ARN, in name order", () => {
    const all = awsManagedPolicies();
    assert.ok(all.length > 1_000, `${all.length} policies`);
    assert.equal(new Set(all.map((p) => p.arn)).size, all.length);
    const names = all.map((p) => p.policyName.toLowerCase());
    assert.deepEqual(names, [...names].sort());
    for (const p of all) {
      assert.match(p.policyId, /^ANPA[A-Z2-7]{17}$/, p.policyName);
      assert.equal(p.arn, `arn:aws:iam::aws:policy${p.path}${p.policyName}`);
      assert.match(p.defaultVersionId, /^v[1-9][0-9]*$/);
      assert.ok(Number.isFinite(p.createDate) && p.updateDate >= p.createDate, p.policyName);
    }
  });

  test("policies services document attaching by ARN exist; built-in entries keep their ids; service-linked role policies are not attachable", () => {
    const lambda = awsManagedPolicyByArn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
    assert.ok(lambda);
    assert.equal(lambda.isAttachable, true);
    assert.deepEqual(JSON.parse(lambda.document).Statement.flatMap((s: { Action: string[] }) => s.Action).sort(), ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]);
    assert.ok(awsManagedPolicyByArn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")?.isAttachable);
    assert.ok(awsManagedPolicyByArn("arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole"));
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/AdministratorAccess")?.policyId, "ANPAIWMBCKSKIEE64ZLYK");
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy")?.isAttachable, false);
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"), undefined);
  });

  test("every AWS managed policy document is one the policy engine accepts", () => {
    const refused: string[] = [];
    for (const p of awsManagedPolicies()) {
      try {
        parsePolicy(p.document, "identity");
      } catch (e) {
        refused.push(`${p.policyName}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(refused, []);
  });
});
