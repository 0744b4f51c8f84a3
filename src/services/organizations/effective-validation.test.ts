/** Validation of effective policies: the user guide's invalid-policy examples and each type's required elements. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateEffectivePolicy } from "./effective-validation.js";
import { mergePolicies, type AttachedPolicy } from "./inheritance.js";
import { parseManagementPolicy } from "./management-policy.js";
import type { ManagementPolicyType } from "./model.js";

const policy = (policyId: string, type: ManagementPolicyType, doc: object): AttachedPolicy => ({ policyId, document: parseManagementPolicy(type, JSON.stringify(doc)) });
const errors = (type: ManagementPolicyType, ...levels: AttachedPolicy[][]) => validateEffectivePolicy(type, mergePolicies(levels));

const rules = (prefix: string, n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}_${i + 1}`, { target_backup_vault_name: { "@@assign": "Vault" }, schedule_expression: { "@@assign": "cron(0 5 ? * * *)" } }]));
const plan = (extra: object) => ({
  plans: {
    "hourly-backup": {
      regions: { "@@assign": ["us-east-1"] },
      selections: { tags: { datatype: { iam_role_arn: { "@@assign": "arn:aws:iam::$account:role/R" }, tag_key: { "@@assign": "dataType" }, tag_value: { "@@assign": ["PII"] } } } },
      ...extra,
    },
  },
});

describe("backup policies", () => {
  test("the guide's example: nine rules on the root and two more on an account make 11, beyond the limit of 10", () => {
    const root = policy("p-root0001", "BACKUP_POLICY", plan({ rules: { "@@operators_allowed_for_child_policies": ["@@all"], ...rules("daily", 9) } }));
    const account = policy("p-acct0001", "BACKUP_POLICY", { plans: { "hourly-backup": { rules: rules("hourly", 2) } } });
    assert.deepEqual(errors("BACKUP_POLICY", [root]), []);
    assert.deepEqual(errors("BACKUP_POLICY", [root], [account]), [
      { code: "ELEMENTS_TOO_MANY", message: "'hourly_2' exceeds the allowed maximum limit 10", path: "plans/hourly-backup/rules/hourly_2", contributingPolicies: ["p-acct0001"] },
    ]);
  });

  test("a plan without rules, Regions or selections; a rule without a vault; a selection without a role", () => {
    const p = policy("p-root0001", "BACKUP_POLICY", {
      plans: {
        a: { regions: { "@@assign": [] } },
        b: {
          regions: { "@@assign": ["us-east-1"] },
          rules: { r: { schedule_expression: { "@@assign": "cron(0 5 ? * * *)" } } },
          selections: { resources: { s: { resource_types: { "@@assign": ["arn:aws:ec2:*:*:volume/*"] } } } },
        },
      },
    });
    assert.deepEqual(
      errors("BACKUP_POLICY", [p]).map((e) => [e.code, e.path, e.message]),
      [
        ["KEY_REQUIRED", "plans/a", "'rules' is required"],
        ["ELEMENTS_TOO_FEW", "plans/a/regions", "'regions' does not meet the allowed minimum limit 1"],
        ["KEY_REQUIRED", "plans/a", "'selections' is required"],
        ["KEY_REQUIRED", "plans/b/rules/r", "'target_backup_vault_name' is required"],
        ["KEY_REQUIRED", "plans/b/selections/resources/s", "'iam_role_arn' is required"],
      ],
    );
  });
});

describe("enablement policies", () => {
  test("Security Hub needs both Region lists, at the top and in each feature; empty lists count", () => {
    const parent = policy("p-root0001", "SECURITYHUB_POLICY", { securityhub: { enable_in_regions: { "@@assign": ["ALL_SUPPORTED"] }, disable_in_regions: { "@@assign": [] } } });
    const feature = policy("p-ou000001", "SECURITYHUB_POLICY", { securityhub: { features: { network_scanning: { enable_in_regions: { "@@append": ["us-west-2"] } } } } });
    assert.deepEqual(errors("SECURITYHUB_POLICY", [parent]), []);
    assert.deepEqual(errors("SECURITYHUB_POLICY", [parent], [feature]), [
      { code: "KEY_REQUIRED", message: "'disable_in_regions' is required", path: "securityhub/features/network_scanning", contributingPolicies: ["p-ou000001"] },
    ]);
    const half = policy("p-root0002", "SECURITYHUB_POLICY", { securityhub: { enable_in_regions: { "@@assign": ["us-east-1"] } } });
    assert.deepEqual(errors("SECURITYHUB_POLICY", [half]).map((e) => e.message), ["'disable_in_regions' is required"]);
  });

  test("Inspector scan types and Bedrock guardrail configurations", () => {
    const inspector = policy("p-root0001", "INSPECTOR_POLICY", { inspector: { enablement: { ec2_scanning: { enable_in_regions: { "@@assign": ["us-east-1"] } } } } });
    assert.deepEqual(errors("INSPECTOR_POLICY", [inspector]).map((e) => [e.path, e.message]), [["inspector/enablement/ec2_scanning", "'disable_in_regions' is required"]]);
    const bedrock = policy("p-root0001", "BEDROCK_POLICY", { bedrock: { guardrail_inference: { "us-east-1": { config_1: { identifier: { "@@assign": "arn:aws:bedrock:us-east-1:123456789012:guardrail/x:1" } } } } } });
    assert.deepEqual(errors("BEDROCK_POLICY", [bedrock]).map((e) => [e.path, e.message]), [["bedrock/guardrail_inference/us-east-1/config_1", "'input_tags' is required"]]);
  });

  test("types without documented requirements report nothing", () => {
    assert.deepEqual(errors("TAG_POLICY", [policy("p-root0001", "TAG_POLICY", { tags: { costcenter: { tag_value: { "@@assign": ["x"] } } } })]), []);
  });
});
