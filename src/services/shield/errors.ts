/**
 * Shield's modelled errors. The model gives them no HTTP status: client faults are 400,
 * InternalErrorException 500. Member names follow the model (lowercase `message`, `reason`,
 * `fields`, `resourceType`; LimitsExceededException's `Type` and `Limit`).
 */
import { AwsError } from "../../core/errors.js";

export function subscriptionNotFound(): AwsError {
  return new AwsError("ResourceNotFoundException", "The subscription does not exist.", 400, { fields: { resourceType: "subscription" } });
}

export function resourceNotFound(resourceType: string, message: string): AwsError {
  return new AwsError("ResourceNotFoundException", message, 400, { fields: { resourceType } });
}

export function alreadyExists(resourceType: string, message: string): AwsError {
  return new AwsError("ResourceAlreadyExistsException", message, 400, { fields: { resourceType } });
}

export interface FieldProblem {
  name: string;
  message: string;
}

/** Constraint violations: "1 validation error detected: …" with reason FIELD_VALIDATION_FAILED and the fields. */
export function fieldValidation(problems: readonly FieldProblem[]): AwsError {
  const n = problems.length;
  const text = problems.map((p) => p.message).join("; ");
  return new AwsError("InvalidParameterException", `${n} validation error${n === 1 ? "" : "s"} detected: ${text}`, 400, {
    fields: { reason: "FIELD_VALIDATION_FAILED", fields: problems.map((p) => ({ name: p.name, message: p.message })) },
  });
}

/**
 * Missing required members, as the protocol engine reports them ("Value null at 'name' failed to
 * satisfy constraint: Member must not be null"): Shield's validation answers these like every other
 * constraint violation, InvalidParameterException with reason FIELD_VALIDATION_FAILED, not the
 * ValidationException its model does not have.
 */
export function missingRequired(violations: readonly string[]): AwsError {
  return fieldValidation(violations.map((message) => ({ name: /^Value null at '([^']*)'/.exec(message)?.[1] ?? "", message })));
}

/** Semantic parameter problems (reason OTHER). */
export function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message, 400, { fields: { reason: "OTHER" } });
}

export function invalidResource(message: string): AwsError {
  return new AwsError("InvalidResourceException", message, 400);
}

export function invalidOperation(message: string): AwsError {
  return new AwsError("InvalidOperationException", message, 400);
}

export function limitsExceeded(type: string, limit: number, message: string): AwsError {
  return new AwsError("LimitsExceededException", message, 400, { fields: { Type: type, Limit: limit } });
}

export function lockedSubscription(message: string): AwsError {
  return new AwsError("LockedSubscriptionException", message, 400);
}

export function invalidPaginationToken(): AwsError {
  return new AwsError("InvalidPaginationTokenException", "The NextToken specified in the request is invalid. Submit the request using the NextToken value that was returned in the prior response.", 400);
}

export function accessDenied(message: string): AwsError {
  return new AwsError("AccessDeniedException", message, 400);
}

export function accessDeniedForDependency(message: string): AwsError {
  return new AwsError("AccessDeniedForDependencyException", message, 400);
}

export function noAssociatedRole(): AwsError {
  return new AwsError("NoAssociatedRoleException", "The Shield Response Team (SRT) access role isn't associated with the subscription. Call AssociateDRTRole first.", 400);
}
