/**
 * Federation operations this installation does not offer (no SAML or OIDC providers, no
 * centralised root access). Each answers with the error AWS itself
 * returns when the corresponding prerequisite is missing, after the same input
 * validation, so SDKs and tools fail the way they would against an unconfigured account.
 */
import { AwsError, commonError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import { requireArn } from "./arn.js";
import { PATTERNS, ValidationCollector } from "./validation.js";

function validateRoleAndSession(v: ValidationCollector, input: { RoleArn?: string; RoleSessionName?: string }): void {
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048 });
  if ("RoleSessionName" in input && v.required(input.RoleSessionName, "roleSessionName")) {
    v.string(input.RoleSessionName, "roleSessionName", { min: 2, max: 64, ...PATTERNS.sessionName });
  }
}

/** The `iss` claim of a JWT, when the token has the JWT shape (the signature is not looked at). */
function jwtIssuer(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (typeof payload === "object" && payload !== null && typeof (payload as { iss?: unknown }).iss === "string") {
      return (payload as { iss: string }).iss;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** No OIDC identity providers can be registered, so every token names an unknown issuer. */
export async function assumeRoleWithWebIdentity(input: { RoleArn?: string; RoleSessionName?: string; WebIdentityToken?: string }): Promise<never> {
  const v = new ValidationCollector();
  validateRoleAndSession(v, { RoleArn: input.RoleArn, RoleSessionName: input.RoleSessionName });
  if (v.required(input.WebIdentityToken, "webIdentityToken")) v.string(input.WebIdentityToken, "webIdentityToken", { min: 4, max: 20000 });
  v.throwIfAny();
  requireArn(input.RoleArn as string);
  const iss = jwtIssuer(input.WebIdentityToken as string);
  if (iss === undefined) {
    throw new AwsError("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)", 400);
  }
  const issuer = iss.startsWith("https://") ? iss.slice("https://".length) : iss;
  throw new AwsError("InvalidIdentityToken", `No OpenIDConnect provider found in your account for ${issuer}`, 400);
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

/** Centralised root access (Organizations feature) is not offered. */
export async function assumeRoot(input: { TargetPrincipal?: string }, ctx: RequestContext): Promise<never> {
  const v = new ValidationCollector();
  if (v.required(input.TargetPrincipal, "targetPrincipal")) v.string(input.TargetPrincipal, "targetPrincipal", { min: 12, max: 2048 });
  v.throwIfAny();
  throw commonError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRoot on resource: ${input.TargetPrincipal as string}`);
}

/** Outbound identity federation is a per-account feature that is never enabled here. */
export async function getWebIdentityToken(): Promise<never> {
  throw new AwsError(
    "OutboundWebIdentityFederationDisabledException",
    "Outbound web identity federation is disabled for this account.",
    403,
  );
}
