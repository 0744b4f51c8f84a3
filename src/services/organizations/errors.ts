/**
 * Organizations' modelled errors. Every one is sent with HTTP 400, the status the API reference
 * gives each of them on every operation page (DescribeAccount: AccessDeniedException,
 * AccountNotFoundException, AWSOrganizationsNotInUseException, all 400) and the one the real
 * service answers with; the 403/404/409 httpError traits of the service model are not what it
 * sends. AWS does not document its message texts; each message is the model's description of the
 * error (or of the Reason), as for the errors that were here first.
 */
import { AwsError } from "../../core/errors.js";

export function notInUse(): AwsError {
  return new AwsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);
}

export function alreadyInOrganization(): AwsError {
  return new AwsError("AlreadyInOrganizationException", "The AWS account is already a member of an organization.", 400);
}

/** Callers that are in the organization but may not use a management-only operation. */
export function notManagementAccount(): AwsError {
  return new AwsError("AccessDeniedException", "You don't have permissions to access this resource.", 400);
}

export function accountNotFound(): AwsError {
  return new AwsError("AccountNotFoundException", "You specified an account that doesn't exist.", 400);
}

// The two messages below are not documented; they follow the wording of the service's other messages.
export function accountAlreadyRegistered(): AwsError {
  return new AwsError("AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.", 400);
}

export function accountNotRegistered(): AwsError {
  return new AwsError("AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.", 400);
}

export function createAccountStatusNotFound(): AwsError {
  return new AwsError("CreateAccountStatusNotFoundException", "We can't find a create account request with the CreateAccountRequestId that you specified.", 400);
}

export function parentNotFound(): AwsError {
  return new AwsError("ParentNotFoundException", "We can't find a root or organizational unit with the ParentId that you specified.", 400);
}

export function childNotFound(): AwsError {
  return new AwsError("ChildNotFoundException", "We can't find an organizational unit or account with the ChildId that you specified.", 400);
}

export function organizationNotEmpty(): AwsError {
  return new AwsError(
    "OrganizationNotEmptyException",
    "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account, delete all OUs, and delete all policies.",
    400,
  );
}

export type ConstraintReason =
  | "ACCOUNT_CANNOT_LEAVE_ORGANIZATION"
  | "ACCOUNT_CREATION_NOT_COMPLETE"
  | "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"
  | "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR"
  | "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG"
  | "CLOSE_ACCOUNT_QUOTA_EXCEEDED"
  | "MASTER_ACCOUNT_MISSING_CONTACT_INFO"
  | "ACCOUNT_NUMBER_LIMIT_EXCEEDED"
  | "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"
  | "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE"
  | "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
  | "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
  | "MAX_TAG_LIMIT_EXCEEDED"
  | "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"
  | "OU_DEPTH_LIMIT_EXCEEDED"
  | "OU_NUMBER_LIMIT_EXCEEDED"
  | "POLICY_CONTENT_LIMIT_EXCEEDED"
  | "POLICY_NUMBER_LIMIT_EXCEEDED"
  | "POLICY_TYPE_ENABLED_FOR_THIS_SERVICE"
  | "SERVICE_ACCESS_NOT_ENABLED"
  | "WAIT_PERIOD_ACTIVE";

const CONSTRAINT_MESSAGES: Partial<Record<ConstraintReason, string>> = {
  ACCOUNT_NUMBER_LIMIT_EXCEEDED: "You have exceeded the allowed number of AWS accounts",
  ACCOUNT_CANNOT_LEAVE_ORGANIZATION:
    "You attempted to remove the management account from the organization. You can't remove the management account. Instead, after you remove all member accounts, delete the organization itself.",
  CANNOT_CLOSE_MANAGEMENT_ACCOUNT:
    "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization. Follow standard account closure process using root credentials.",
  CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR: "You cannot register a suspended account as a delegated administrator.",
  CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG:
    "You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator.",
  CLOSE_ACCOUNT_QUOTA_EXCEEDED: "You have exceeded close account quota for the past 30 days.",
  MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED: "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.",
  MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED:
    "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.",
  MAX_TAG_LIMIT_EXCEEDED: "You have exceeded the number of tags allowed on this resource.",
  ORGANIZATION_NOT_IN_ALL_FEATURES_MODE:
    "You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation.",
  OU_DEPTH_LIMIT_EXCEEDED: "You attempted to create an OU tree that is too many levels deep.",
  OU_NUMBER_LIMIT_EXCEEDED: "You attempted to exceed the number of OUs that you can have in an organization.",
  POLICY_CONTENT_LIMIT_EXCEEDED: "You attempted to create a policy that is larger than the maximum size.",
  POLICY_NUMBER_LIMIT_EXCEEDED: "You attempted to exceed the number of policies that you can have in an organization.",
  POLICY_TYPE_ENABLED_FOR_THIS_SERVICE:
    "You attempted to disable service access before you disabled the policy type (for example, SECURITYHUB_POLICY). To complete this operation, you must first disable the policy type.",
  SERVICE_ACCESS_NOT_ENABLED: "You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first.",
  WAIT_PERIOD_ACTIVE:
    "After you create an Amazon Web Services account, you must wait until at least four days after the account was created. Invited accounts aren't subject to this waiting period.",
};

export function constraintViolation(reason: ConstraintReason, message = CONSTRAINT_MESSAGES[reason] ?? reason): AwsError {
  return new AwsError("ConstraintViolationException", message, 400, { fields: { Reason: reason } });
}

export function organizationalUnitNotFound(): AwsError {
  return new AwsError("OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.", 400);
}

export function organizationalUnitNotEmpty(): AwsError {
  return new AwsError(
    "OrganizationalUnitNotEmptyException",
    "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
    400,
  );
}

export function duplicateOrganizationalUnit(): AwsError {
  return new AwsError("DuplicateOrganizationalUnitException", "An OU with the same name already exists.", 400);
}

export function sourceParentNotFound(): AwsError {
  return new AwsError("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.", 400);
}

export function destinationParentNotFound(): AwsError {
  return new AwsError("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.", 400);
}

export function duplicateAccount(): AwsError {
  return new AwsError("DuplicateAccountException", "That account is already present in the specified destination.", 400);
}

export function rootNotFound(): AwsError {
  return new AwsError("RootNotFoundException", "We can't find a root with the RootId that you specified.", 400);
}

export function targetNotFound(): AwsError {
  return new AwsError("TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.", 400);
}

export function policyNotFound(): AwsError {
  return new AwsError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.", 400);
}

export function duplicatePolicy(): AwsError {
  return new AwsError("DuplicatePolicyException", "A policy with the same name already exists.", 400);
}

export function duplicatePolicyAttachment(): AwsError {
  return new AwsError("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.", 400);
}

export function policyNotAttached(): AwsError {
  return new AwsError("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.", 400);
}

export function policyInUse(): AwsError {
  return new AwsError(
    "PolicyInUseException",
    "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
    400,
  );
}

export function policyTypeNotEnabled(): AwsError {
  return new AwsError(
    "PolicyTypeNotEnabledException",
    "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.",
    400,
  );
}

/** No policy of the type reaches the account, or the type is not enabled (the API reference's two cases). */
export function effectivePolicyNotFound(): AwsError {
  return new AwsError("EffectivePolicyNotFoundException", "We can't find an effective policy of the specified type for the specified account.", 400);
}

export function policyTypeAlreadyEnabled(): AwsError {
  return new AwsError("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled in the specified root.", 400);
}

/** Also the answer for policy types this installation does not enforce (it offers them to no organization). */
export function policyTypeNotAvailable(): AwsError {
  return new AwsError(
    "PolicyTypeNotAvailableForOrganizationException",
    "You can't use the specified policy type with the feature set currently enabled for this organization. For example, you can enable SCPs only after you enable all features in the organization.",
    400,
  );
}

/** `detail` is the policy validator's own message (IAM's wording of the first problem found). */
export function malformedPolicyDocument(detail: string): AwsError {
  return new AwsError("MalformedPolicyDocumentException", detail, 400);
}

export type InvalidInputReason =
  | "INPUT_REQUIRED"
  | "IMMUTABLE_POLICY"
  | "INVALID_ENUM"
  | "INVALID_ENUM_POLICY_TYPE"
  | "MAX_FILTER_LIMIT_EXCEEDED"
  | "INVALID_PARTY_TYPE_TARGET"
  | "INVALID_NEXT_TOKEN"
  | "INVALID_PATTERN_TARGET_ID"
  | "INVALID_SYNTAX_POLICY_ID"
  | "INVALID_SYSTEM_TAGS_PARAMETER"
  | "TARGET_NOT_SUPPORTED"
  | "INVALID_PATTERN"
  | "INVALID_ROLE_NAME"
  | "DUPLICATE_TAG_KEY"
  | "MAX_LENGTH_EXCEEDED"
  | "MIN_LENGTH_EXCEEDED"
  | "MAX_VALUE_EXCEEDED"
  | "MIN_VALUE_EXCEEDED"
  | "INVALID_RESOURCE_POLICY_JSON"
  | "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"
  | "NON_DETACHABLE_POLICY"
  | "UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED";

const INVALID_INPUT_MESSAGES: Record<InvalidInputReason, string> = {
  INPUT_REQUIRED: "You must specify a value for every required parameter.",
  IMMUTABLE_POLICY: "You specified a policy that is managed by AWS and can't be modified.",
  INVALID_ENUM: "You specified an invalid value.",
  INVALID_ENUM_POLICY_TYPE: "You specified an invalid policy type string.",
  MAX_FILTER_LIMIT_EXCEEDED: "You can specify only one filter parameter for the operation.",
  INVALID_PARTY_TYPE_TARGET: "You specified the wrong type of entity (account, organization, or email) as a party.",
  INVALID_NEXT_TOKEN: "You specified an invalid value for nextToken.",
  INVALID_PATTERN_TARGET_ID: "You specified a policy target ID that doesn't match the required pattern.",
  INVALID_SYNTAX_POLICY_ID: "You specified an invalid policy ID.",
  INVALID_SYSTEM_TAGS_PARAMETER: "You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys because they're reserved for AWS use.",
  TARGET_NOT_SUPPORTED: "You can't perform the specified operation on that target entity.",
  INVALID_PATTERN: "You provided a value that does not match the required pattern.",
  INVALID_ROLE_NAME: "You provided a role name that is not valid. A role name cannot begin with the reserved prefix 'AWSServiceRoleFor'.",
  DUPLICATE_TAG_KEY: "You specified the same tag key more than once.",
  MAX_LENGTH_EXCEEDED: "You provided a string parameter that is longer than allowed.",
  MIN_LENGTH_EXCEEDED: "You provided a string parameter that is shorter than allowed.",
  MAX_VALUE_EXCEEDED: "You provided a numeric parameter that has a larger value than allowed.",
  MIN_VALUE_EXCEEDED: "You provided a numeric parameter that has a smaller value than allowed.",
  NON_DETACHABLE_POLICY: "You can't detach this AWS Managed Policy.",
  // The three resource-policy messages are not documented; they follow the wording of the others.
  INVALID_RESOURCE_POLICY_JSON: "You provided a resource policy that is not valid JSON or does not follow the policy grammar.",
  UNSUPPORTED_ACTION_IN_RESOURCE_POLICY: "You provided a resource policy with an action that can't be delegated.",
  UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED: "You can add tags only when you create the resource policy, not when you update it.",
};

export function invalidInput(reason: InvalidInputReason): AwsError {
  return new AwsError("InvalidInputException", INVALID_INPUT_MESSAGES[reason], 400, { fields: { Reason: reason } });
}

export function accessDeniedForDependency(): AwsError {
  return new AwsError(
    "AccessDeniedForDependencyException",
    "The request failed because your credentials do not have permission to create the service-linked role required by AWS Organizations.",
    400,
    { fields: { Reason: "ACCESS_DENIED_DURING_CREATE_SERVICE_LINKED_ROLE" } },
  );
}

export function masterCannotLeave(): AwsError {
  return new AwsError(
    "MasterCannotLeaveOrganizationException",
    "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
    400,
  );
}

export function accountAlreadyClosed(): AwsError {
  return new AwsError("AccountAlreadyClosedException", "You attempted to close an account that is already closed.", 400);
}

export function resourcePolicyNotFound(): AwsError {
  return new AwsError("ResourcePolicyNotFoundException", "We can't find a resource policy request with the parameter that you specified.", 400);
}

export function handshakeNotFound(): AwsError {
  return new AwsError("HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.", 400);
}

export function handshakeAlreadyInState(): AwsError {
  return new AwsError("HandshakeAlreadyInStateException", "The specified handshake is already in the requested state. For example, you can't accept a handshake that was already accepted.", 400);
}

export function invalidHandshakeTransition(): AwsError {
  return new AwsError(
    "InvalidHandshakeTransitionException",
    "You can't perform the operation on the handshake in its current state. For example, you can't cancel a handshake that was already accepted or accept a handshake that was already declined.",
    400,
  );
}

export function duplicateHandshake(): AwsError {
  return new AwsError("DuplicateHandshakeException", "A handshake with the same action and target already exists.", 400);
}

export type HandshakeConstraintReason =
  | "ALREADY_IN_AN_ORGANIZATION"
  | "ACCOUNT_NUMBER_LIMIT_EXCEEDED"
  | "HANDSHAKE_RATE_LIMIT_EXCEEDED"
  | "INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES"
  | "ORGANIZATION_ALREADY_HAS_ALL_FEATURES"
  | "ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION";

const HANDSHAKE_CONSTRAINT_MESSAGES: Record<HandshakeConstraintReason, string> = {
  ALREADY_IN_AN_ORGANIZATION: "The handshake request is invalid because the invited account is already a member of an organization.",
  ACCOUNT_NUMBER_LIMIT_EXCEEDED: "You have exceeded the allowed number of AWS accounts",
  HANDSHAKE_RATE_LIMIT_EXCEEDED: "You attempted to exceed the number of handshakes that you can send in one day.",
  INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES:
    "You can't issue new invitations to join an organization while it's in the process of enabling all features. You can resume inviting accounts after you finalize the process when all accounts have agreed to the change.",
  ORGANIZATION_ALREADY_HAS_ALL_FEATURES: "The handshake request is invalid because the organization has already enabled all features.",
  ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION: "The handshake request is invalid because the organization has already started the process to enable all features.",
};

export function handshakeConstraintViolation(reason: HandshakeConstraintReason): AwsError {
  return new AwsError("HandshakeConstraintViolationException", HANDSHAKE_CONSTRAINT_MESSAGES[reason], 400, { fields: { Reason: reason } });
}
