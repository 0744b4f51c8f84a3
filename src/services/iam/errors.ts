/**
 * IAM's error codes, statuses and messages, as the real service returns them.
 * Messages name entities (never secrets).
 */
import { AwsError, commonError } from "../../core/errors.js";

export function noSuchEntity(message: string): AwsError {
  return new AwsError("NoSuchEntity", message, 404);
}

export function entityAlreadyExists(message: string): AwsError {
  return new AwsError("EntityAlreadyExists", message, 409);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError("LimitExceeded", message, 409);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError("DeleteConflict", message, 409);
}

export function invalidInput(message: string): AwsError {
  return new AwsError("InvalidInput", message, 400);
}

export function validationError(message: string): AwsError {
  return new AwsError("ValidationError", message, 400);
}

/** IAM's ServiceFailure (500), with the message IAM gives it. */
export function serviceFailure(): AwsError {
  return new AwsError("ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.", 500);
}

export function malformedPolicyDocument(message: string): AwsError {
  return new AwsError("MalformedPolicyDocument", message, 400);
}

/**
 * Smithy constraint failure, in IAM's wording: "1 validation error detected: Value 'x' at
 * 'userName' failed to satisfy constraint: …". The value is echoed when given (a string or
 * number as is, a list of strings as "[a, b]"); secrets (passwords, private keys, MFA codes)
 * and values whose rendering is not known (structures, maps) are not passed, giving "Value at".
 */
export function constraintError(field: string, constraint: string, value?: unknown): AwsError {
  return constraintErrors(field, [constraint], value);
}

/** Every constraint one member's value fails, in one message ("2 validation errors detected: …; …"). */
export function constraintErrors(field: string, constraints: readonly string[], value?: unknown): AwsError {
  const shown = echoed(value);
  return constraintListError(constraints.map((c) => `Value ${shown}at '${field}' failed to satisfy constraint: ${c}`));
}

/**
 * The items ("Value … at '…' failed to satisfy constraint: …") of each error built here, so that
 * `validateMembers` can merge the failures of several members into one message.
 */
const CONSTRAINT_ITEMS = new WeakMap<AwsError, readonly string[]>();

/** One ValidationError listing every item ("2 validation errors detected: …; …"). */
export function constraintListError(items: readonly string[]): AwsError {
  const n = items.length;
  const error = validationError(`${n} validation error${n === 1 ? "" : "s"} detected: ${items.join("; ")}`);
  CONSTRAINT_ITEMS.set(error, items);
  return error;
}

/** The constraint items of an error built by `constraintErrors`/`constraintListError`, else undefined. */
export function constraintItemsOf(error: unknown): readonly string[] | undefined {
  return error instanceof AwsError ? CONSTRAINT_ITEMS.get(error) : undefined;
}

function echoed(value: unknown): string {
  if (value === null) return "null ";
  if (typeof value === "string" || typeof value === "number") return `'${value}' `;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return `'[${value.join(", ")}]' `;
  return "";
}

export const noSuchUser = (name: string): AwsError => noSuchEntity(`The user with name ${name} cannot be found.`);
export const noSuchGroup = (name: string): AwsError => noSuchEntity(`The group with name ${name} cannot be found.`);
export const noSuchRole = (name: string): AwsError => noSuchEntity(`The role with name ${name} cannot be found.`);
export const noSuchInstanceProfile = (name: string): AwsError => noSuchEntity(`Instance Profile ${name} cannot be found.`);
export const noSuchAccessKey = (id: string): AwsError => noSuchEntity(`The Access Key with id ${id} cannot be found.`);
export const policyNotFound = (arn: string): AwsError => noSuchEntity(`Policy ${arn} was not found.`);
export const policyNotAttachable = (arn: string): AwsError => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
/**
 * Attach*Policy with a service-linked role policy (IsAttachable false). The role's message is
 * IAM's; for users and groups it is the IAM API reference's description of the error.
 */
export function serviceRolePolicyNotAttachable(kind: "User" | "Group" | "Role"): AwsError {
  const message =
    kind === "Role" ? "Cannot attach a Service Role Policy to a Customer Role." : "AWS service role policies can only be attached to the service-linked role for that service.";
  return new AwsError("PolicyNotAttachable", message, 400);
}
export const boundaryNotAttachable = (arn: string): AwsError => noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
export const policyVersionNotFound = (arn: string, versionId: string): AwsError =>
  noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
export const noSuchInlinePolicy = (kind: "user" | "group" | "role", name: string): AwsError =>
  noSuchEntity(`The ${kind} policy with name ${name} cannot be found.`);

export const noSuchPasswordPolicy = (accountId: string): AwsError =>
  noSuchEntity(`The Password Policy with domain name ${accountId} cannot be found.`);
export const noSuchAccountAlias = (alias: string): AwsError => noSuchEntity(`The account alias ${alias} cannot be found.`);

export const userExists = (name: string): AwsError => entityAlreadyExists(`User with name ${name} already exists.`);
export const groupExists = (name: string): AwsError => entityAlreadyExists(`Group with name ${name} already exists.`);
export const roleExists = (name: string): AwsError => entityAlreadyExists(`Role with name ${name} already exists.`);
export const instanceProfileExists = (name: string): AwsError => entityAlreadyExists(`Instance Profile ${name} already exists.`);
export const policyExists = (name: string): AwsError =>
  entityAlreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);

export const accountAliasExists = (alias: string): AwsError => entityAlreadyExists(`The account alias ${alias} already exists.`);
/** DeleteInstanceProfile and DeleteRole refuse while an instance profile holds a role. */
export const rolesInInstanceProfile = (): AwsError => deleteConflict("Cannot delete entity, must remove roles from instance profile first.");

export const quotaExceeded = (quota: string, value: number): AwsError => limitExceeded(`Cannot exceed quota for ${quota}: ${value}`);

/** AWS managed policies belong to AWS: callers may read and attach them, never change them. */
export function awsManagedPolicyImmutable(callerArn: string, action: string, arn: string): AwsError {
  return commonError("AccessDenied", `User: ${callerArn} is not authorized to perform: ${action} on resource: policy ${arn}`);
}

// ---- Login profiles and passwords (messages never include a password) ----
export const noSuchLoginProfile = (name: string): AwsError => noSuchEntity(`Login Profile for User ${name} cannot be found.`);
export const loginProfileExists = (name: string): AwsError => entityAlreadyExists(`Login Profile for user ${name} already exists.`);
export function passwordPolicyViolation(message: string): AwsError {
  return new AwsError("PasswordPolicyViolation", message, 400);
}
export function invalidUserType(message: string): AwsError {
  return new AwsError("InvalidUserType", message, 400);
}

// ---- MFA devices (messages never include a seed or a code) ----
export const noSuchMfaDevice = (serialNumber: string): AwsError => noSuchEntity(`MFA Device with serial number ${serialNumber} does not exist.`);
export const mfaDeviceExists = (): AwsError => entityAlreadyExists("MFA device already exists.");
export const mfaDeviceInUse = (): AwsError => entityAlreadyExists("MFA Device is already in use.");
export const mfaDeviceAssigned = (): AwsError => deleteConflict("MFA VirtualDevice in use. Must deactivate first.");
export function invalidAuthenticationCode(): AwsError {
  return new AwsError("InvalidAuthenticationCode", "Authentication code for device is not valid.", 403);
}

// ---- Server certificates, service-specific credentials, service-linked roles ----
export const noSuchServerCertificate = (name: string): AwsError => noSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
export const serverCertificateExists = (name: string): AwsError => entityAlreadyExists(`The Server Certificate with name ${name} already exists.`);
/** DeleteServerCertificate while a load balancer presents the certificate (the wording IAM answers with). */
export const serverCertificateInUse = (serverCertificateId: string, userArn: string): AwsError =>
  deleteConflict(`Certificate: ${serverCertificateId} is currently in use by ${userArn}. Please remove it first before deleting it from IAM.`);
export function keyPairMismatch(): AwsError {
  // Message not in the IAM documentation; the exception's documented description, as a sentence.
  return new AwsError("KeyPairMismatch", "The public key certificate and the private key do not match.", 400);
}
export const noSuchServiceCredential = (id: string): AwsError => noSuchEntity(`No such credential ${id} exists`);
export function serviceNotSupported(serviceName: string): AwsError {
  // IAM answers NoSuchEntity (the model's NotSupportedService is not what it sends).
  return noSuchEntity(`No such service ${serviceName} is supported for Service Specific Credentials`);
}
/** What IAM answers when a caller changes a service-linked role directly instead of through its service. */
export function protectedRole(roleName: string): AwsError {
  return new AwsError("UnmodifiableEntity", `Cannot perform the operation on the protected role '${roleName}' - this role is only modifiable by AWS`, 400);
}
