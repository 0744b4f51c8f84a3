/** Organizations' modelled errors with the HTTP statuses of the service model. */
import { AwsError } from "../../core/errors.js";

export function notInUse(): AwsError {
  return new AwsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 404);
}

export function alreadyInOrganization(): AwsError {
  return new AwsError("AlreadyInOrganizationException", "The AWS account is already a member of an organization.", 409);
}

/** Callers that are in the organization but may not use a management-only operation. */
export function notManagementAccount(): AwsError {
  return new AwsError("AccessDeniedException", "You don't have permissions to access this resource.", 403);
}

export function accountNotFound(): AwsError {
  return new AwsError("AccountNotFoundException", "You specified an account that doesn't exist.", 404);
}

// The two messages below are not documented; they follow the wording of the service's other messages.
export function accountAlreadyRegistered(): AwsError {
  return new AwsError("AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.", 409);
}

export function accountNotRegistered(): AwsError {
  return new AwsError("AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.", 409);
}

export function createAccountStatusNotFound(): AwsError {
  return new AwsError("CreateAccountStatusNotFoundException", "We can't find a create account request with the CreateAccountRequestId that you specified.", 404);
}

export function parentNotFound(): AwsError {
  return new AwsError("ParentNotFoundException", "We can't find a root or organizational unit with the ParentId that you specified.", 404);
}

export function childNotFound(): AwsError {
  return new AwsError("ChildNotFoundException", "We can't find an organizational unit or account with the ChildId that you specified.", 404);
}

export function organizationNotEmpty(): AwsError {
  return new AwsError(
    "OrganizationNotEmptyException",
    "The organization isn't empty. Remove all member accounts before deleting the organization.",
    409,
  );
}

export type ConstraintReason =
  | "ACCOUNT_CREATION_NOT_COMPLETE"
  | "MASTER_ACCOUNT_MISSING_CONTACT_INFO"
  | "ACCOUNT_NUMBER_LIMIT_EXCEEDED"
  | "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"
  | "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE";

export function constraintViolation(reason: ConstraintReason, message: string): AwsError {
  return new AwsError("ConstraintViolationException", message, 409, { fields: { Reason: reason } });
}

export type InvalidInputReason =
  | "INPUT_REQUIRED"
  | "INVALID_ENUM"
  | "INVALID_NEXT_TOKEN"
  | "INVALID_PATTERN"
  | "INVALID_ROLE_NAME"
  | "DUPLICATE_TAG_KEY"
  | "MAX_LENGTH_EXCEEDED"
  | "MIN_LENGTH_EXCEEDED"
  | "MAX_VALUE_EXCEEDED"
  | "MIN_VALUE_EXCEEDED";

const INVALID_INPUT_MESSAGES: Record<InvalidInputReason, string> = {
  INPUT_REQUIRED: "You must specify a value for every required parameter.",
  INVALID_ENUM: "You specified an invalid value.",
  INVALID_NEXT_TOKEN: "You specified an invalid value for nextToken.",
  INVALID_PATTERN: "You provided a value that does not match the required pattern.",
  INVALID_ROLE_NAME: "You provided a role name that is not valid. A role name cannot begin with the reserved prefix 'AWSServiceRoleFor'.",
  DUPLICATE_TAG_KEY: "You specified the same tag key more than once.",
  MAX_LENGTH_EXCEEDED: "You provided a string parameter that is longer than allowed.",
  MIN_LENGTH_EXCEEDED: "You provided a string parameter that is shorter than allowed.",
  MAX_VALUE_EXCEEDED: "You provided a numeric parameter that has a larger value than allowed.",
  MIN_VALUE_EXCEEDED: "You provided a numeric parameter that has a smaller value than allowed.",
};

export function invalidInput(reason: InvalidInputReason): AwsError {
  return new AwsError("InvalidInputException", INVALID_INPUT_MESSAGES[reason], 400, { fields: { Reason: reason } });
}

export function accessDeniedForDependency(): AwsError {
  return new AwsError(
    "AccessDeniedForDependencyException",
    "The request failed because your credentials do not have permission to create the service-linked role required by AWS Organizations.",
    403,
    { fields: { Reason: "ACCESS_DENIED_DURING_CREATE_SERVICE_LINKED_ROLE" } },
  );
}
