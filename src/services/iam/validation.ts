/**
 * Input constraints of the IAM API model (lengths, patterns, ranges), checked the way IAM
 * does and reported with IAM's ValidationError wording. The protocol layer decodes shapes
 * but does not enforce these.
 */
import type { AwsError } from "../../core/errors.js";
import { constraintError, constraintErrors, constraintItemsOf, constraintListError, invalidInput, validationError } from "./errors.js";
import type { TagDoc } from "./model.js";

const NAME_RE = /^[\w+=,.@-]+$/;
const PATH_RE = /^(\/|\/[\u0021-\u007E]+\/)$/;
const PATH_PREFIX_RE = /^\/[\u0021-\u007F]*$/;
const POLICY_PATH_RE = /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/;
const MARKER_RE = /^[\u0020-\u00FF]+$/;
const POLICY_DOCUMENT_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const DESCRIPTION_RE = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const ACCESS_KEY_ID_RE = /^[\w]+$/;
const VERSION_ID_RE = /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_PATTERN = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
const TAG_VALUE_PATTERN = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";
const WHITESPACE = /[ \t\r\n]/g;
const ACCOUNT_ALIAS_PATTERN = "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$";
const ACCOUNT_ALIAS_RE = new RegExp(ACCOUNT_ALIAS_PATTERN);

export const DEFAULT_MAX_ITEMS = 100;

/** Length limits of a string or list member; `secret` members (passwords, keys) are not echoed. */
export function lengthBetween(value: { length: number }, field: string, min: number, max: number, secret = false): void {
  const shown = secret ? undefined : value;
  if (value.length < min) throw constraintError(field, `Member must have length greater than or equal to ${min}`, shown);
  if (value.length > max) throw constraintError(field, `Member must have length less than or equal to ${max}`, shown);
}

/**
 * A string member's length limits and pattern, every failure reported together as the service
 * does ("2 validation errors detected: Value '' at 'userName' … length …; … pattern …");
 * `secret` members (passwords, keys, MFA codes) are not echoed.
 */
export function stringConstraints(value: string, field: string, min: number, max: number, pattern?: { re: RegExp; text: string }, secret = false): void {
  const failed: string[] = [];
  if (value.length < min) failed.push(`Member must have length greater than or equal to ${min}`);
  if (value.length > max) failed.push(`Member must have length less than or equal to ${max}`);
  if (pattern !== undefined && !pattern.re.test(value)) failed.push(`Member must satisfy regular expression pattern: ${pattern.text}`);
  if (failed.length > 0) throw constraintErrors(field, failed, secret ? undefined : value);
}

/**
 * Runs the checks of a request's members, written in the model's member order, and reports every
 * member that fails a model constraint in one ValidationError, as IAM does ("2 validation errors
 * detected: Value 'x' at 'userName' …; Value 'y' at 'path' …"). Only when no member fails those does
 * a check's own refusal (IAM's worded messages for an invalid name or path, duplicate tag keys)
 * come back: the first one, in member order. Returns each check's result.
 */
export function validateMembers<T extends readonly unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const results: unknown[] = [];
  const items: string[] = [];
  let refusal: unknown;
  let refused = false;
  for (const check of checks as ReadonlyArray<() => unknown>) {
    try {
      results.push(check());
    } catch (e) {
      const failed = constraintItemsOf(e);
      if (failed !== undefined) items.push(...failed);
      else if (!refused) {
        refusal = e;
        refused = true;
      }
      results.push(undefined);
    }
  }
  if (items.length > 0) throw constraintListError(items);
  if (refused) throw refusal;
  return results as unknown as T;
}

export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw constraintError(field, "Member must not be null", null);
  return value;
}

/**
 * User, group, role, instance profile and policy names (inline and managed): `[\w+=,.@-]+`. A
 * length outside the limits is a model constraint failure; a name of the right length with other
 * characters gets IAM's own message ("The specified value for roleName is invalid. It must contain
 * only alphanumeric characters and/or the following: +=,.@_-").
 */
export function checkName(value: string | undefined, field: string, max: number): string {
  const v = required(value, field);
  stringConstraints(v, field, 1, max);
  if (!NAME_RE.test(v)) throw validationError(`The specified value for ${field} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`);
  return v;
}

const PATH_INVALID =
  "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.";

/** Entity path; defaults to "/". */
export function checkPath(value: string | undefined, field = "path"): string {
  if (value === undefined) return "/";
  // IAM does not echo a path in its length message ("Value at 'path' failed to satisfy …").
  lengthBetween(value, field, 1, 512, true);
  if (!PATH_RE.test(value)) throw validationError(PATH_INVALID);
  return value;
}

/** Managed policy path (CreatePolicy), a stricter pattern than entity paths. */
export function checkPolicyPath(value: string | undefined): string {
  if (value === undefined) return "/";
  lengthBetween(value, "path", 1, 512);
  if (!POLICY_PATH_RE.test(value)) throw validationError(PATH_INVALID);
  return value;
}

/**
 * The PathPrefix patterns of the model: entity lists (ListUsers, ListRoles, …) take any
 * `pathPrefixType`; managed policy lists (ListPolicies, ListAttached*Policies) a whole
 * `policyPathType` path, ListEntitiesForPolicy a whole entity `pathType` path.
 */
const PATH_PREFIX_PATTERNS = {
  pathPrefix: { re: PATH_PREFIX_RE, text: "\\u002F[\\u0021-\\u007F]*" },
  policyPath: { re: POLICY_PATH_RE, text: "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/" },
  path: { re: PATH_RE, text: "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)" },
} as const;

export function checkPathPrefix(value: string | undefined, kind: keyof typeof PATH_PREFIX_PATTERNS = "pathPrefix"): string {
  if (value === undefined) return "/";
  stringConstraints(value, "pathPrefix", 1, 512, PATH_PREFIX_PATTERNS[kind]);
  return value;
}

export function checkMaxItems(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(value) || value < 1) throw constraintError("maxItems", "Member must have value greater than or equal to 1", value);
  if (value > 1000) throw constraintError("maxItems", "Member must have value less than or equal to 1000", value);
  return value;
}

/** PolicyUsageFilter (ListPolicies, ListEntitiesForPolicy): absent, or one of the enum's values. */
export function checkPolicyUsageFilter(value: string | undefined): "PermissionsPolicy" | "PermissionsBoundary" | undefined {
  if (value === undefined || value === "PermissionsPolicy" || value === "PermissionsBoundary") return value;
  throw constraintError("policyUsageFilter", "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", value);
}

export function checkMarker(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  stringConstraints(value, "marker", 1, 320, { re: MARKER_RE, text: "[\\u0020-\\u00FF]+" });
  return value;
}

export function checkPolicyDocument(value: string | undefined, field = "policyDocument"): string {
  const v = required(value, field);
  stringConstraints(v, field, 1, 131072, { re: POLICY_DOCUMENT_RE, text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" });
  return v;
}

export function checkArn(value: string | undefined, field: string): string {
  const v = required(value, field);
  lengthBetween(v, field, 20, 2048);
  return v;
}

export function checkAccessKeyId(value: string | undefined): string {
  const v = required(value, "accessKeyId");
  stringConstraints(v, "accessKeyId", 16, 128, { re: ACCESS_KEY_ID_RE, text: "[\\w]+" });
  return v;
}

/**
 * The Status of UpdateAccessKey, UpdateSigningCertificate, UpdateSSHPublicKey and
 * UpdateServiceSpecificCredential (statusType: Active, Inactive, Expired). Expired passes the
 * model's enum but is a status IAM derives (a service-specific credential past its expiry date)
 * and is never set by a caller: it is refused with `refuse` (InvalidInput where the operation
 * models it).
 */
export function checkStatus(value: string | undefined, refuse: (message: string) => AwsError = invalidInput, bareEnumMessage = false): "Active" | "Inactive" {
  const v = required(value, "status");
  if (v !== "Active" && v !== "Inactive" && v !== "Expired") {
    // UpdateServiceSpecificCredential words it without the value and without the set.
    if (bareEnumMessage) throw constraintError("status", "Member must satisfy enum value set");
    throw constraintError("status", "Member must satisfy enum value set: [Active, Inactive, Expired]", v);
  }
  if (v === "Expired") throw refuse(STATUS_EXPIRED);
  return v;
}

/** (Message not in the IAM documentation.) */
const STATUS_EXPIRED = "The status Expired cannot be set. Specify Active or Inactive.";

export function checkDescription(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  stringConstraints(value, "description", 0, 1000, { re: DESCRIPTION_RE, text: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*" });
  return value;
}

export function checkMaxSessionDuration(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 3600) throw constraintError("maxSessionDuration", "Member must have value greater than or equal to 3600", value);
  if (value > 43200) throw constraintError("maxSessionDuration", "Member must have value less than or equal to 43200", value);
  return value;
}

/** MaxSigninSessionDuration of a role or an IAM user's login profile: 1 hour to 90 days, in seconds. */
export function checkMaxSigninSessionDuration(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 3600) throw constraintError("maxSigninSessionDuration", "Member must have value greater than or equal to 3600", value);
  if (value > 7776000) throw constraintError("maxSigninSessionDuration", "Member must have value less than or equal to 7776000", value);
  return value;
}

/**
 * What an update does to a MaxSigninSessionDuration: set it (a value), clear it (reset true) or
 * leave it (neither); the API reference forbids a value together with a reset.
 */
export function signinDurationUpdate(value: number | undefined, reset: boolean | undefined): { set: number } | "reset" | undefined {
  if (value !== undefined && reset === true) throw invalidInput("MaxSigninSessionDuration and ResetMaxSigninSessionDuration cannot be specified together.");
  if (value !== undefined) return { set: value };
  return reset === true ? "reset" : undefined;
}

/** A role or login profile document after a signinDurationUpdate (the same document when it changes nothing). */
export function withSigninDuration<T extends { maxSigninSessionDuration?: number }>(doc: T, change: ReturnType<typeof signinDurationUpdate>): T {
  if (change === undefined) return doc;
  const { maxSigninSessionDuration: _old, ...rest } = doc;
  return (change === "reset" ? rest : { ...rest, maxSigninSessionDuration: change.set }) as T;
}

/** Account alias: lower-case letters, digits and single dashes, 3–63 characters, no dash at either end. */
export function checkAccountAlias(value: string | undefined): string {
  const v = required(value, "accountAlias");
  stringConstraints(v, "accountAlias", 3, 63, { re: ACCOUNT_ALIAS_RE, text: ACCOUNT_ALIAS_PATTERN });
  return v;
}

/** An optional integer member with a documented range (absent stays absent). */
export function checkOptionalRange(value: number | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  // IAM does not echo these numbers ("Value at 'maxPasswordAge' failed to satisfy …").
  if (!Number.isInteger(value) || value < min) throw constraintError(field, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(field, `Member must have value less than or equal to ${max}`);
  return value;
}

export function checkVersionId(value: string | undefined): string {
  const v = required(value, "versionId");
  if (!VERSION_ID_RE.test(v)) {
    // Not echoed by IAM: "Value at 'versionId' failed to satisfy constraint: …".
    throw constraintError("versionId", "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
  }
  return v;
}

/**
 * Tags in a request. Roles and users treat keys case-insensitively for uniqueness; managed
 * policies keep "a" and "A" apart (as IAM does).
 */
export function checkTags(tags: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined, caseInsensitive: boolean): TagDoc[] {
  if (tags === undefined) return [];
  if (tags.length > 50) throw constraintError("tags", "Member must have length less than or equal to 50");
  // Every tag's key and value are judged before any answer, so all failing ones are listed.
  validateMembers(
    ...tags.flatMap((t, i) => [
      // IAM does not echo tag keys and values in these messages ("Value at 'tags.1.member.key' …").
      () => stringConstraints(required(t.Key, `tags.${i + 1}.member.key`), `tags.${i + 1}.member.key`, 1, 128, { re: TAG_KEY_RE, text: TAG_PATTERN }, true),
      () => stringConstraints(required(t.Value, `tags.${i + 1}.member.value`), `tags.${i + 1}.member.value`, 0, 256, { re: TAG_VALUE_RE, text: TAG_VALUE_PATTERN }, true),
    ]),
  );
  const out: TagDoc[] = [];
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t.Key as string;
    // "You cannot create a tag key or value that begins with the text aws:. This tag prefix is
    // reserved for AWS internal use." (IAM user guide, rules for tagging)
    if (/^aws:/i.test(key) || /^aws:/i.test(t.Value as string)) throw invalidInput("Tag keys and values beginning with aws: are reserved for AWS internal use.");
    const k = caseInsensitive ? key.toLowerCase() : key;
    if (seen.has(k)) throw duplicateTagKeys(caseInsensitive);
    seen.add(k);
    out.push({ Key: key, Value: t.Value as string });
  }
  return out;
}

export function duplicateTagKeys(caseInsensitive: boolean): AwsError {
  return invalidInput(caseInsensitive ? "Duplicate tag keys found. Please note that Tag keys are case insensitive." : "Duplicate tag keys found.");
}

export function checkTagKeys(keys: string[] | undefined): string[] {
  const v = required(keys, "tagKeys");
  // IAM does not echo the keys in these messages ("Value at 'tagKeys' …").
  if (v.length > 50) throw constraintError("tagKeys", "Member must have length less than or equal to 50");
  for (const k of v) {
    if (typeof k !== "string" || k.length < 1 || k.length > 128 || !TAG_KEY_RE.test(k)) {
      throw constraintError(
        "tagKeys",
        `Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${TAG_PATTERN}, Member must not be null]`,
      );
    }
  }
  return v;
}

/** IAM counts policy size without white space. */
export function policySize(document: string): number {
  return document.replace(WHITESPACE, "").length;
}

const PASSWORD_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

/** Password members (CreateLoginProfile, UpdateLoginProfile, ChangePassword): 1–128 characters; the value is never echoed. */
export function checkPassword(value: string | undefined, field: string): string {
  const v = required(value, field);
  stringConstraints(v, field, 1, 128, { re: PASSWORD_RE, text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" }, true);
  return v;
}

const SERIAL_RE = /^[\w+=/:,.@-]+$/;
const CODE_RE = /^\d+$/;

/** SerialNumber members: 9–256 characters of `[\w+=/:,.@-]+`. */
export function checkSerialNumber(value: string | undefined, field = "serialNumber"): string {
  const v = required(value, field);
  stringConstraints(v, field, 9, 256, { re: SERIAL_RE, text: "[\\w+=/:,.@-]+" });
  return v;
}

/** AuthenticationCode1/2: exactly six digits (the value is never echoed). */
export function checkAuthenticationCode(value: string | undefined, field: string): string {
  const v = required(value, field);
  stringConstraints(v, field, 6, 6, { re: CODE_RE, text: "[\\d]+" }, true);
  return v;
}
