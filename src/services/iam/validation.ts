/**
 * Input constraints of the IAM API model (lengths, patterns, ranges), checked the way IAM
 * does and reported with IAM's ValidationError wording. The protocol layer decodes shapes
 * but does not enforce these.
 */
import type { AwsError } from "../../core/errors.js";
import { constraintError, invalidInput, validationError } from "./errors.js";
import type { TagDoc } from "./model.js";

const NAME_RE = /^[\w+=,.@-]+$/;
const NAME_PATTERN = "[\\w+=,.@-]+";
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

export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw constraintError(field, "Member must not be null", null);
  return value;
}

/** User, group, role and policy names (inline and managed): `[\w+=,.@-]+`. */
export function checkName(value: string | undefined, field: string, max: number): string {
  const v = required(value, field);
  lengthBetween(v, field, 1, max);
  if (!NAME_RE.test(v)) throw constraintError(field, `Member must satisfy regular expression pattern: ${NAME_PATTERN}`, v);
  return v;
}

const PATH_INVALID =
  "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.";

/** Entity path; defaults to "/". */
export function checkPath(value: string | undefined, field = "path"): string {
  if (value === undefined) return "/";
  lengthBetween(value, field, 1, 512);
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
  lengthBetween(value, "pathPrefix", 1, 512);
  const { re, text } = PATH_PREFIX_PATTERNS[kind];
  if (!re.test(value)) throw constraintError("pathPrefix", `Member must satisfy regular expression pattern: ${text}`, value);
  return value;
}

export function checkMaxItems(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(value) || value < 1) throw constraintError("maxItems", "Member must have value greater than or equal to 1", value);
  if (value > 1000) throw constraintError("maxItems", "Member must have value less than or equal to 1000", value);
  return value;
}

export function checkMarker(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  lengthBetween(value, "marker", 1, 320);
  if (!MARKER_RE.test(value)) throw constraintError("marker", "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]+", value);
  return value;
}

export function checkPolicyDocument(value: string | undefined, field = "policyDocument"): string {
  const v = required(value, field);
  lengthBetween(v, field, 1, 131072);
  if (!POLICY_DOCUMENT_RE.test(v)) {
    throw constraintError(field, "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", v);
  }
  return v;
}

export function checkArn(value: string | undefined, field: string): string {
  const v = required(value, field);
  lengthBetween(v, field, 20, 2048);
  return v;
}

export function checkAccessKeyId(value: string | undefined): string {
  const v = required(value, "accessKeyId");
  lengthBetween(v, "accessKeyId", 16, 128);
  if (!ACCESS_KEY_ID_RE.test(v)) throw constraintError("accessKeyId", "Member must satisfy regular expression pattern: [\\w]+", v);
  return v;
}

export function checkStatus(value: string | undefined): "Active" | "Inactive" {
  const v = required(value, "status");
  if (v !== "Active" && v !== "Inactive") throw constraintError("status", "Member must satisfy enum value set: [Active, Inactive]", v);
  return v;
}

export function checkDescription(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  lengthBetween(value, "description", 0, 1000);
  if (!DESCRIPTION_RE.test(value)) {
    throw constraintError("description", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*", value);
  }
  return value;
}

export function checkMaxSessionDuration(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 3600) throw constraintError("maxSessionDuration", "Member must have value greater than or equal to 3600", value);
  if (value > 43200) throw constraintError("maxSessionDuration", "Member must have value less than or equal to 43200", value);
  return value;
}

/** Account alias: lower-case letters, digits and single dashes, 3–63 characters, no dash at either end. */
export function checkAccountAlias(value: string | undefined): string {
  const v = required(value, "accountAlias");
  lengthBetween(v, "accountAlias", 3, 63);
  if (!ACCOUNT_ALIAS_RE.test(v)) throw constraintError("accountAlias", `Member must satisfy regular expression pattern: ${ACCOUNT_ALIAS_PATTERN}`, v);
  return v;
}

/** An optional integer member with a documented range (absent stays absent). */
export function checkOptionalRange(value: number | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw constraintError(field, `Member must have value greater than or equal to ${min}`, value);
  if (value > max) throw constraintError(field, `Member must have value less than or equal to ${max}`, value);
  return value;
}

export function checkVersionId(value: string | undefined): string {
  const v = required(value, "versionId");
  if (!VERSION_ID_RE.test(v)) {
    throw constraintError("versionId", "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", v);
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
  const out: TagDoc[] = [];
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    const n = i + 1;
    const key = required(t.Key, `tags.${n}.member.key`);
    const value = required(t.Value, `tags.${n}.member.value`);
    lengthBetween(key, `tags.${n}.member.key`, 1, 128);
    if (!TAG_KEY_RE.test(key)) throw constraintError(`tags.${n}.member.key`, `Member must satisfy regular expression pattern: ${TAG_PATTERN}`, key);
    lengthBetween(value, `tags.${n}.member.value`, 0, 256);
    if (!TAG_VALUE_RE.test(value)) {
      throw constraintError(`tags.${n}.member.value`, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", value);
    }
    const k = caseInsensitive ? key.toLowerCase() : key;
    if (seen.has(k)) throw duplicateTagKeys(caseInsensitive);
    seen.add(k);
    out.push({ Key: key, Value: value });
  });
  return out;
}

export function duplicateTagKeys(caseInsensitive: boolean): AwsError {
  return invalidInput(caseInsensitive ? "Duplicate tag keys found. Please note that Tag keys are case insensitive." : "Duplicate tag keys found.");
}

export function checkTagKeys(keys: string[] | undefined): string[] {
  const v = required(keys, "tagKeys");
  if (v.length > 50) throw constraintError("tagKeys", "Member must have length less than or equal to 50", v);
  for (const k of v) {
    if (typeof k !== "string" || k.length < 1 || k.length > 128 || !TAG_KEY_RE.test(k)) {
      throw constraintError(
        "tagKeys",
        `Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${TAG_PATTERN}, Member must not be null]`,
        v,
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
  lengthBetween(v, field, 1, 128, true);
  if (!PASSWORD_RE.test(v)) throw constraintError(field, "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  return v;
}

const SERIAL_RE = /^[\w+=/:,.@-]+$/;
const CODE_RE = /^\d+$/;

/** SerialNumber members: 9–256 characters of `[\w+=/:,.@-]+`. */
export function checkSerialNumber(value: string | undefined, field = "serialNumber"): string {
  const v = required(value, field);
  lengthBetween(v, field, 9, 256);
  if (!SERIAL_RE.test(v)) throw constraintError(field, "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+", v);
  return v;
}

/** AuthenticationCode1/2: exactly six digits (the value is never echoed). */
export function checkAuthenticationCode(value: string | undefined, field: string): string {
  const v = required(value, field);
  lengthBetween(v, field, 6, 6, true);
  if (!CODE_RE.test(v)) throw constraintError(field, "Member must satisfy regular expression pattern: [\\d]+");
  return v;
}
