/**
 * The inheritance engine against the worked examples of the Organizations User Guide
 * ("Understanding management policy inheritance": inheritance examples 1–6; the tag policy and
 * AI services opt-out syntax pages). The organization of the examples: policy A on the root, OU1
 * holding accounts 111111111111 and 222222222222, OU2 holding 999999999999.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { contributorsOf, effectiveDocument, mergePolicies, render, type AttachedPolicy } from "./inheritance.js";
import { parseManagementPolicy } from "./management-policy.js";
import type { ManagementPolicyType } from "./model.js";

const policy = (policyId: string, doc: object, type: ManagementPolicyType = "TAG_POLICY"): AttachedPolicy => ({
  policyId,
  document: parseManagementPolicy(type, JSON.stringify(doc)),
});
const effective = (...levels: AttachedPolicy[][]): unknown => JSON.parse(effectiveDocument(mergePolicies(levels)));

const A = policy("p-aaaaaaaa", {
  tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": ["Development", "Support"] } } },
});

describe("inheritance examples of the user guide", () => {
  test("1: a child @@assign overwrites the inherited tag values and adds enforced_for (accounts of OU1)", () => {
    const B = policy("p-bbbbbbbb", {
      tags: {
        costcenter: {
          tag_key: { "@@assign": "CostCenter" },
          tag_value: { "@@assign": ["Sandbox"] },
          enforced_for: { "@@assign": ["redshift:*", "dynamodb:table"] },
        },
      },
    });
    assert.deepEqual(effective([A], [B], []), {
      tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Sandbox"], enforced_for: ["redshift:*", "dynamodb:table"] } },
    });
  });

  const C = policy("p-cccccccc", {
    tags: {
      costcenter: {
        tag_key: { "@@assign": "CostCenter" },
        tag_value: { "@@append": ["Marketing"] },
        enforced_for: { "@@append": ["redshift:*", "dynamodb:table"] },
      },
    },
  });

  test("2: a child @@append adds to the inherited values (account 999999999999 in OU2)", () => {
    assert.deepEqual(effective([A], [C], []), {
      tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Development", "Support", "Marketing"], enforced_for: ["redshift:*", "dynamodb:table"] } },
    });
  });

  test("3: @@remove on the account takes values out of what it inherits", () => {
    // The guide's policy D nests enforced_for inside tag_value beside @@remove, which is not
    // valid grammar; its text ("compliance is not enforced") needs it beside tag_value, as here.
    // The emptied list stays empty (it enforces nothing); the guide's display leaves it out.
    const D = policy("p-dddddddd", {
      tags: {
        costcenter: {
          tag_key: { "@@assign": "CostCenter" },
          tag_value: { "@@remove": ["Development", "Marketing"] },
          enforced_for: { "@@remove": ["redshift:*", "dynamodb:table"] },
        },
      },
    });
    assert.deepEqual(effective([A], [C], [D]), { tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Support"], enforced_for: [] } } });
    // Another account added to OU2 later does not get D.
    assert.deepEqual(effective([A], [C], []), effective([A], [C]));
  });

  test("4: @@operators_allowed_for_child_policies locks the tag key and lets children only append values", () => {
    const E = policy("p-eeeeeeee", {
      tags: {
        project: {
          tag_key: { "@@operators_allowed_for_child_policies": ["@@none"], "@@assign": "Project" },
          tag_value: { "@@operators_allowed_for_child_policies": ["@@append"], "@@assign": ["Maintenance", "Escalations"] },
        },
      },
    });
    const F = policy("p-ffffffff", {
      tags: { project: { tag_key: { "@@assign": "PROJECT" }, tag_value: { "@@append": ["Escalations - research"] } } },
    });
    // The guide's display shows the tag key in lower case, against its own text ("Policy F
    // attempts to change the case treatment, but it can't"): E's "Project" stands.
    assert.deepEqual(effective([E], [F]), {
      tags: { project: { tag_key: "Project", tag_value: ["Maintenance", "Escalations", "Escalations - research"] } },
    });
    // A child cannot reassign the locked values either.
    const G = policy("p-gggggggg", { tags: { project: { tag_value: { "@@assign": ["Other"] } } } });
    assert.deepEqual(effective([E], [G]), { tags: { project: { tag_key: "Project", tag_value: ["Maintenance", "Escalations"] } } });
  });

  test("5: child control operators of policies on the same node intersect, for the children", () => {
    const G = policy("p-gggggggg", { tags: { project: { tag_value: { "@@operators_allowed_for_child_policies": ["@@append"], "@@assign": ["Maintenance"] } } } });
    const H = policy("p-hhhhhhhh", { tags: { project: { tag_value: { "@@operators_allowed_for_child_policies": ["@@append", "@@remove"] } } } });
    const append = policy("p-11111111", { tags: { project: { tag_value: { "@@append": ["Research"] } } } });
    const remove = policy("p-22222222", { tags: { project: { tag_value: { "@@remove": ["Maintenance"] } } } });
    assert.deepEqual(effective([G, H], [append]), { tags: { project: { tag_value: ["Maintenance", "Research"] } } });
    assert.deepEqual(effective([G, H], [remove]), { tags: { project: { tag_value: ["Maintenance"] } } });
    // H alone would have allowed the removal.
    const assignOnly = policy("p-44444444", { tags: { project: { tag_value: { "@@assign": ["Maintenance"] } } } });
    assert.deepEqual(effective([assignOnly, H], [remove]), { tags: { project: { tag_value: [] } } });
  });

  test("6: on one node the policy attached first keeps the value it assigned", () => {
    const J = policy("p-jjjjjjjj", { tags: { project: { tag_key: { "@@assign": "PROJECT" }, tag_value: { "@@append": ["Maintenance"] } } } });
    const K = policy("p-kkkkkkkk", { tags: { project: { tag_key: { "@@assign": "project" } } } });
    assert.deepEqual(effective([J, K]), { tags: { project: { tag_key: "PROJECT", tag_value: ["Maintenance"] } } });
    // Detached and attached again, J comes second and K's key stands.
    assert.deepEqual(effective([K, J]), { tags: { project: { tag_key: "project", tag_value: ["Maintenance"] } } });
    // A child still may reassign what either assigned.
    const child = policy("p-33333333", { tags: { project: { tag_key: { "@@assign": "Project" } } } });
    assert.deepEqual(effective([J, K], [child]), { tags: { project: { tag_key: "Project", tag_value: ["Maintenance"] } } });
  });
});

describe("tag policy syntax page", () => {
  test("a root policy that locks the tag keys plus an account policy of values", () => {
    const rootPolicy = policy("p-aaaaaaaa", {
      tags: {
        CostCenter: { tag_key: { "@@assign": "CostCenter", "@@operators_allowed_for_child_policies": ["@@none"] } },
        Project: { tag_key: { "@@assign": "Project", "@@operators_allowed_for_child_policies": ["@@none"] } },
      },
    });
    const account = policy("p-bbbbbbbb", {
      tags: { CostCenter: { tag_value: { "@@assign": ["Production", "Test"] } }, Project: { tag_value: { "@@assign": ["A", "B"] } } },
    });
    // Policy keys are not case sensitive: the effective policy shows them in lower case.
    assert.deepEqual(effective([rootPolicy], [], [account]), {
      tags: { costcenter: { tag_key: "CostCenter", tag_value: ["Production", "Test"] }, project: { tag_key: "Project", tag_value: ["A", "B"] } },
    });
  });
});

describe("AI services opt-out syntax page", () => {
  const ai = (id: string, doc: object) => policy(id, doc, "AISERVICES_OPT_OUT_POLICY");

  test("example 2: a locked default, and a child that opts one service in", () => {
    const parent = ai("p-aaaaaaaa", {
      services: {
        default: { "@@operators_allowed_for_child_policies": ["@@none"], opt_out_policy: { "@@operators_allowed_for_child_policies": ["@@none"], "@@assign": "optOut" } },
      },
    });
    const child = ai("p-bbbbbbbb", { services: { lex: { opt_out_policy: { "@@assign": "optIn" } } } });
    assert.deepEqual(effective([parent], [child]), { services: { default: { opt_out_policy: "optOut" }, lex: { opt_out_policy: "optIn" } } });
    // The default itself stays opted out.
    const flip = ai("p-cccccccc", { services: { default: { opt_out_policy: { "@@assign": "optIn" } } } });
    assert.deepEqual(effective([parent], [flip]), { services: { default: { opt_out_policy: "optOut" } } });
  });

  test("example 1: @@none under services stops children from adding services", () => {
    const parent = ai("p-aaaaaaaa", {
      services: {
        "@@operators_allowed_for_child_policies": ["@@none"],
        default: { "@@operators_allowed_for_child_policies": ["@@none"], opt_out_policy: { "@@operators_allowed_for_child_policies": ["@@none"], "@@assign": "optOut" } },
      },
    });
    const child = ai("p-bbbbbbbb", { services: { lex: { opt_out_policy: { "@@assign": "optIn" } } } });
    assert.deepEqual(effective([parent], [child]), { services: { default: { opt_out_policy: "optOut" } } });
  });

  test("a limit of @@assign under services lets children add services with @@assign only", () => {
    const parent = ai("p-aaaaaaaa", { services: { "@@operators_allowed_for_child_policies": ["@@assign"], default: { opt_out_policy: { "@@assign": "optOut" } } } });
    const child = ai("p-bbbbbbbb", { services: { rekognition: { opt_out_policy: { "@@assign": "optIn" } } } });
    assert.deepEqual(effective([parent], [child]), { services: { default: { opt_out_policy: "optOut" }, rekognition: { opt_out_policy: "optIn" } } });
  });
});

describe("engine details", () => {
  test("appending to nothing creates the list; appended values are not repeated; an emptied list stays", () => {
    const sh = (id: string, doc: object) => policy(id, doc, "SECURITYHUB_POLICY");
    const root = sh("p-aaaaaaaa", { securityhub: { enable_in_regions: { "@@append": ["us-east-1"] }, disable_in_regions: { "@@assign": [] } } });
    const ou = sh("p-bbbbbbbb", { securityhub: { enable_in_regions: { "@@append": ["us-east-1", "eu-west-1"] }, disable_in_regions: { "@@remove": ["us-west-2"] } } });
    assert.deepEqual(effective([root], [ou]), { securityhub: { enable_in_regions: ["us-east-1", "eu-west-1"], disable_in_regions: [] } });
  });

  test("a value where keys were built, or keys under a value, is left out at that point", () => {
    const chat = (id: string, doc: object) => policy(id, doc, "CHATBOT_POLICY");
    const keys = chat("p-aaaaaaaa", { chatbot: { platforms: { slack: { client: { "@@assign": "enabled" } } } } });
    const value = chat("p-bbbbbbbb", { chatbot: { platforms: { "@@assign": "disabled" } } });
    assert.deepEqual(effective([keys], [value]), { chatbot: { platforms: { slack: { client: "enabled" } } } });
    assert.deepEqual(effective([value], [keys]), { chatbot: { platforms: "disabled" } });
  });

  test("contributors: the policies that created an element or wrote below it", () => {
    const parent = policy("p-aaaaaaaa", { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } });
    const child = policy("p-bbbbbbbb", { tags: { costcenter: { tag_value: { "@@assign": ["x"] } } } });
    const tree = mergePolicies([[parent], [child]]);
    assert.deepEqual(render(tree), { tags: { costcenter: { tag_key: "CostCenter", tag_value: ["x"] } } });
    assert.deepEqual(contributorsOf(tree), ["p-aaaaaaaa", "p-bbbbbbbb"]);
    assert.deepEqual(contributorsOf(tree.children.get("tags")!.children.get("costcenter")!.children.get("tag_key")!), ["p-aaaaaaaa"]);
  });

  test("nothing attached: an empty document", () => {
    assert.equal(effectiveDocument(mergePolicies([[], []])), "{}");
  });
});
