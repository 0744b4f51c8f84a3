/**
 * Federation this installation does not offer (no SAML providers). It answers with the error AWS
 * itself returns when the prerequisite is missing, after the same input validation, so SDKs and
 * tools fail the way they would against an unconfigured account.
 */
import { commonError } from "../../core/errors.js";
import { requireArn } from "./arn.js";
import { PATTERNS, ValidationCollector } from "./validation.js";

function validateRoleAndSession(v: ValidationCollector, input: { RoleArn?: string; RoleSessionName?: string }): void {
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048 });
  if ("RoleSessionName" in input && v.required(input.RoleSessionName, "roleSessionName")) {
    v.string(input.RoleSessionName, "roleSessionName", { min: 2, max: 64, ...PATTERNS.sessionName });
  }
}

/** No SAML providers can be registered, so no assertion is trusted by any role. */
export async function assumeRoleWithSaml(input: { RoleArn?: string; PrincipalArn?: string; SAMLAssertion?: string }): Promise<never> {
  const v = new ValidationCollector();
  validateRoleAndSession(v, { RoleArn: input.RoleArn });
  if (v.required(input.PrincipalArn, "principalArn")) v.string(input.PrincipalArn, "principalArn", { min: 20, max: 2048 });
  if (v.required(input.SAMLAssertion, "sAMLAssertion")) v.string(input.SAMLAssertion, "sAMLAssertion", { min: 4, max: 100000 });
  v.throwIfAny();
  requireArn(input.RoleArn as string);
  throw commonError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML");
}
