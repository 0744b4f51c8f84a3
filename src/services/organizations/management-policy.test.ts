/** The management-policy grammar and the type rules of the tag and AI services opt-out syntax pages. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManagementPolicyError, MAX_DEPTH, parseManagementPolicy } from "./management-policy.js";
import type { ManagementPolicyType } from "./model.js";

const ok = (type: ManagementPolicyType, doc: unknown) => parseManagementPolicy(type, typeof doc === "string" ? doc : JSON.stringify(doc));
const bad = (type: ManagementPolicyType, doc: unknown, why: RegExp) => assert.throws(() => ok(type, doc), (e: unknown) => e instanceof ManagementPolicyError && why.test(e.message));

describe("management policy grammar", () => {
  test("documents of the syntax pages parse", () => {
    ok("BACKUP_POLICY", {
      plans: {
        PII_Backup_Plan: {
          rules: { My_Hourly_Rule: { schedule_expression: { "@@assign": "cron(0 5 ? * * *)" }, target_backup_vault_name: { "@@assign": "My_Backup_Vault" } } },
          regions: { "@@append": ["us-east-1", "eu-north-1"] },
          selections: { tags: { My_Backup_Assignment: { iam_role_arn: { "@@assign": "arn:aws:iam::$account:role/MyIamRole" }, tag_key: { "@@assign": "dataType" }, tag_value: { "@@assign": ["PII", "RED"] } } } },
        },
      },
    });
    ok("SECURITYHUB_POLICY", { securityhub: { enable_in_regions: { "@@append": ["ALL_SUPPORTED"], "@@operators_allowed_for_child_policies": ["@@all"] }, disable_in_regions: { "@@append": [] } } });
    ok("BEDROCK_POLICY", { bedrock: { guardrail_inference: { "us-east-1": { config_1: { identifier: { "@@assign": "arn:aws:bedrock:us-east-1:123456789012:guardrail/x:1" }, input_tags: { "@@assign": "honor" } } } } } });
    ok("DECLARATIVE_POLICY_EC2", { ec2_attributes: { exception_message: { "@@assign": "Your custom error message.https://myURL" } } });
    ok("SECURITYHUB_CSPM_POLICY", { anything: { x: { "@@assign": true } } });
    const tree = ok("TAG_POLICY", { tags: { CostCenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": ["100", "200", "300*"] } } } });
    assert.deepEqual([...tree.children.get("tags")!.children.keys()], ["costcenter"]);
  });

  test("the top-level key, JSON and node shapes", () => {
    bad("TAG_POLICY", "{not json", /not valid JSON/);
    bad("TAG_POLICY", [], /JSON object/);
    bad("TAG_POLICY", {}, /empty/);
    bad("TAG_POLICY", { plans: {} }, /single top-level key tags/);
    bad("TAG_POLICY", { tags: {}, extra: {} }, /single top-level key tags/);
    bad("SECURITYHUB_CSPM_POLICY", { "@@assign": "x" }, /below the policy's top-level key/);
    // What an effective policy shows is not a policy: values need operators.
    bad("TAG_POLICY", { tags: { costcenter: { tag_key: "CostCenter" } } }, /object of keys and operators at tags\/costcenter\/tag_key/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@assign": null } } }, /array of values/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@append": "one" } } }, /@@append takes an array/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@remove": [{}] } } }, /strings, numbers or booleans/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@assign": ["a"], "@@append": ["b"] } } }, /one value-setting operator/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@assign": "a", y: { "@@assign": "b" } } } }, /no keys of its own/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@replace": "a" } } }, /unknown operator @@replace/);
    bad("CHATBOT_POLICY", { chatbot: { X: { "@@assign": "a" }, x: { "@@assign": "b" } } }, /appears twice/);
    bad("CHATBOT_POLICY", { chatbot: { "": { "@@assign": "a" } } }, /must not be empty/);
  });

  test("child control operators", () => {
    ok("CHATBOT_POLICY", { chatbot: { "@@operators_allowed_for_child_policies": ["@@none"], x: { "@@operators_allowed_for_child_policies": ["@@assign", "@@remove"] } } });
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@operators_allowed_for_child_policies": [] } } }, /non-empty array/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@operators_allowed_for_child_policies": "@@none" } } }, /non-empty array/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@operators_allowed_for_child_policies": ["@@none", "@@assign"] } } }, /@@none stands alone/);
    bad("CHATBOT_POLICY", { chatbot: { x: { "@@operators_allowed_for_child_policies": ["@@merge"] } } }, /unknown operator/);
  });

  test("nesting is bounded", () => {
    let deep: Record<string, unknown> = { "@@assign": "v" };
    // The top-level key counts as the first level.
    for (let i = 1; i < MAX_DEPTH; i++) deep = { k: deep };
    ok("CHATBOT_POLICY", { chatbot: deep });
    bad("CHATBOT_POLICY", { chatbot: { k: deep } }, /nested deeper/);
  });

  test("tag policies", () => {
    bad("TAG_POLICY", { tags: { costcenter: { tag_key: { "@@assign": "Cost" } } } }, /match its policy key/);
    bad("TAG_POLICY", { tags: { costcenter: { tag_key: { "@@append": ["CostCenter"] } } } }, /@@assign of one string/);
    bad("TAG_POLICY", { tags: { costcenter: { tag_value: { "@@assign": ["*@*.com"] } } } }, /one wildcard/);
    ok("TAG_POLICY", { tags: { costcenter: { tag_value: { "@@assign": ["*@example.com"] }, enforced_for: { "@@assign": ["secretsmanager:*", "ec2:ALL_SUPPORTED"] } } } });
    bad("TAG_POLICY", { tags: { costcenter: { enforced_for: { "@@assign": ["*:*"] } } } }, /service:resource/);
    bad("TAG_POLICY", { tags: { costcenter: { enforced_for: { "@@assign": ["secretsmanager"] } } } }, /service:resource/);
    ok("TAG_POLICY", { tags: { name: { tag_key: { "@@assign": "Name" }, report_required_tag_for: { "@@assign": ["ec2:instance"] } } } });
    bad("TAG_POLICY", { tags: { costcenter: { tag_values: { "@@assign": ["x"] } } } }, /unknown tag policy element tag_values/);
    bad("TAG_POLICY", { tags: { costcenter: { "@@assign": "x" } } }, /holds tag elements/);
  });

  test("AI services opt-out policies", () => {
    ok("AISERVICES_OPT_OUT_POLICY", { services: { "@@operators_allowed_for_child_policies": ["@@none"], default: { opt_out_policy: { "@@assign": "optOut" } } } });
    bad("AISERVICES_OPT_OUT_POLICY", { services: { lex: { opt_out_policy: { "@@assign": "optout" } } } }, /"optIn" or "optOut"/);
    bad("AISERVICES_OPT_OUT_POLICY", { services: { lex: { opt_out_policy: { "@@append": ["optOut"] } } } }, /only @@assign/);
    bad("AISERVICES_OPT_OUT_POLICY", { services: { lex: { opt_in: { "@@assign": "optIn" } } } }, /only key under a service/);
  });
});
