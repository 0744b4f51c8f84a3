/**
 * WAFv2's modelled errors. Every one is a client fault with HTTP 400 in the service model
 * (except the two internal errors, 500). WAFInvalidParameterException carries Field,
 * Parameter and Reason and words its message "Error reason: …, field: …, parameter: …"
 * the way the real service does.
 */
import { AwsError, commonError } from "../../core/errors.js";
import { constraintValue } from "../../protocol/errors.js";

export function nonexistentItem(): AwsError {
  return new AwsError("WAFNonexistentItemException", "AWS WAF couldn’t perform the operation because your resource doesn’t exist.", 400);
}

export function duplicateItem(): AwsError {
  return new AwsError("WAFDuplicateItemException", "AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.", 400);
}

export function optimisticLock(): AwsError {
  return new AwsError(
    "WAFOptimisticLockException",
    "AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.",
    400,
  );
}

export function associatedItem(): AwsError {
  return new AwsError(
    "WAFAssociatedItemException",
    "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.",
    400,
  );
}

export type LimitSource = "WebACL" | "RuleGroup" | "IPSet" | "RegexPatternSet" | "Tags" | "Association";

export function limitsExceeded(sourceType?: LimitSource): AwsError {
  return new AwsError("WAFLimitsExceededException", "AWS WAF couldn’t perform the operation because you exceeded your resource limit.", 400, {
    ...(sourceType ? { fields: { SourceType: sourceType } } : {}),
  });
}

/** `field` is one of the service's ParameterExceptionField values. */
export function invalidParameter(field: string, parameter: string, reason: string): AwsError {
  return new AwsError("WAFInvalidParameterException", `Error reason: ${reason}, field: ${field}, parameter: ${parameter}`, 400, {
    fields: { Field: field, Parameter: parameter, Reason: reason },
  });
}

export function invalidOperation(message: string): AwsError {
  return new AwsError("WAFInvalidOperationException", message, 400);
}

export function invalidResource(message = "AWS WAF couldn’t perform the operation because the resource that you requested isn’t valid. Check the resource, and try again."): AwsError {
  return new AwsError("WAFInvalidResourceException", message, 400);
}

export function unavailableEntity(): AwsError {
  return new AwsError(
    "WAFUnavailableEntityException",
    "AWS WAF couldn’t retrieve a resource that you specified for this operation. Verify the resources that you are specifying in your request parameters and then retry the operation.",
    400,
  );
}

/** A rule group permission policy AWS WAF does not accept (PutPermissionPolicy); `detail` says what is wrong. */
export function invalidPermissionPolicy(detail: string): AwsError {
  return new AwsError("WAFInvalidPermissionPolicyException", `AWS WAF couldn’t perform the operation because the policy isn’t in the proper format. ${detail}`, 400);
}

/** GetRateBasedStatementManagedKeys on a rate-based rule that aggregates on something else than the IP address alone. */
export function unsupportedAggregateKeyType(): AwsError {
  return new AwsError(
    "WAFUnsupportedAggregateKeyTypeException",
    "AWS WAF couldn’t perform the operation because the rule doesn’t aggregate solely on the IP address or solely on the forwarded IP address (AggregateKeyType IP or FORWARDED_IP).",
    400,
  );
}

export function tagOperation(message = "An error occurred during the tagging operation. Retry your request."): AwsError {
  return new AwsError("WAFTagOperationException", message, 400);
}

export function logDestinationPermissionIssue(message: string): AwsError {
  return new AwsError("WAFLogDestinationPermissionIssueException", message, 400);
}

export function expiredManagedRuleGroupVersion(): AwsError {
  return new AwsError("WAFExpiredManagedRuleGroupVersionException", "The operation failed because the specified version for the managed rule group has expired.", 400);
}

/** One Coral constraint violation: "Value '…' at '…' failed to satisfy constraint: …". */
export function violation(path: string, value: unknown, constraint: string): string {
  return `Value '${constraintValue(value)}' at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** Coral-style ValidationException listing every violation ("N validation errors detected: …; …"). */
export function validations(violations: readonly string[]): AwsError {
  const n = violations.length;
  return commonError("Validation", `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`);
}

/** Coral-style constraint violation ("1 validation error detected: Value … at '…' failed to satisfy constraint: …"). */
export function validation(path: string, value: unknown, constraint: string): AwsError {
  return validations([violation(path, value, constraint)]);
}
