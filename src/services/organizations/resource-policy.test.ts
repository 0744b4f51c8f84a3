import { test } from "node:test";
import assert from "node:assert/strict";
import { checkResourcePolicyContent, DELEGATABLE_ACTIONS } from "./resource-policy.js";
import { delegatedServices } from "./service-access.js";
import type { OrganizationRecord } from "./model.js";

const policy = (statement: Record<string, unknown>): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Resource: "*", ...statement }] });

const reasonOf = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (e) {
    const err = e as { code?: string; fields?: { Reason?: string } };
    return `${err.code}:${err.fields?.Reason}`;
  }
  return undefined;
};

test("delegation policies accept delegatable Organizations actions, with wildcards", () => {
  assert.equal(reasonOf(() => checkResourcePolicyContent(policy({ Action: ["organizations:ListAccounts", "organizations:Describe*"] }))), undefined);
  assert.equal(reasonOf(() => checkResourcePolicyContent(policy({ Action: "organizations:CreatePolicy" }))), undefined);
  assert.ok(DELEGATABLE_ACTIONS.has("ListAccounts") && !DELEGATABLE_ACTIONS.has("CreateAccount") && !DELEGATABLE_ACTIONS.has("PutResourcePolicy"));
});

test("delegation policies refuse other actions, bad JSON and oversize content", () => {
  assert.equal(reasonOf(() => checkResourcePolicyContent(policy({ Action: "organizations:CreateAccount" }))), "InvalidInputException:UNSUPPORTED_ACTION_IN_RESOURCE_POLICY");
  assert.equal(reasonOf(() => checkResourcePolicyContent(policy({ Action: "s3:GetObject" }))), "InvalidInputException:UNSUPPORTED_ACTION_IN_RESOURCE_POLICY");
  assert.equal(reasonOf(() => checkResourcePolicyContent(policy({ NotAction: "organizations:ListAccounts" }))), "InvalidInputException:UNSUPPORTED_ACTION_IN_RESOURCE_POLICY");
  assert.equal(reasonOf(() => checkResourcePolicyContent("{")), "InvalidInputException:INVALID_RESOURCE_POLICY_JSON");
  assert.equal(reasonOf(() => checkResourcePolicyContent(" ".repeat(40_001))), "ConstraintViolationException:POLICY_CONTENT_LIMIT_EXCEEDED");
});

test("delegatedServices lists one account's services by service principal", () => {
  const org = {
    delegatedAdministrators: [
      { accountId: "111111111111", servicePrincipal: "sso.amazonaws.com", delegatedAt: 2 },
      { accountId: "222222222222", servicePrincipal: "iam.amazonaws.com", delegatedAt: 3 },
      { accountId: "111111111111", servicePrincipal: "iam.amazonaws.com", delegatedAt: 1 },
    ],
  } as OrganizationRecord;
  assert.deepEqual(delegatedServices(org, "111111111111"), [
    { servicePrincipal: "iam.amazonaws.com", delegatedAt: 1 },
    { servicePrincipal: "sso.amazonaws.com", delegatedAt: 2 },
  ]);
  assert.deepEqual(delegatedServices(org, "333333333333"), []);
});
