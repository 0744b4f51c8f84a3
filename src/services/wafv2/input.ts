/**
 * Constraint checks of WAFv2 inputs. The SDK schemas carry required members only; lengths,
 * patterns and ranges of the model are checked here and answered as Coral ValidationException
 * (what WAFv2 returns for them); semantic problems are WAFInvalidParameterException.
 */
import { GLOBAL_REGION, type WafScope } from "./arn.js";
import { invalidParameter, tagOperation, validation } from "./errors.js";
import type { Tag } from "./model.js";

export const ENTITY_NAME = /^[\w-]+$/;
export const ENTITY_ID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/;
export const DESCRIPTION = /^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/;
export const METRIC_NAME = /^[\w#:.\-/]+$/;
export const NOT_BLANK = /.*\S.*/;
const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

/** The constraint a string breaks (length, then pattern), or undefined. `shown` is the pattern as the model writes it. */
export function stringProblem(v: string, min: number, max: number, pattern?: RegExp, shown = pattern?.source): string | undefined {
  if (v.length < min) return `Member must have length greater than or equal to ${min}`;
  if (v.length > max) return `Member must have length less than or equal to ${max}`;
  if (pattern && !pattern.test(v)) return `Member must satisfy regular expression pattern: ${shown}`;
  return undefined;
}

export function enumProblem(v: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(v) ? undefined : `Member must satisfy enum value set: [${allowed.join(", ")}]`;
}

export function rangeProblem(v: number, min: number, max?: number): string | undefined {
  if (!Number.isInteger(v) || v < min) return `Member must have value greater than or equal to ${min}`;
  if (max !== undefined && v > max) return `Member must have value less than or equal to ${max}`;
  return undefined;
}

export function checkString(path: string, v: string, min: number, max: number, pattern?: RegExp, shown?: string): void {
  const problem = stringProblem(v, min, max, pattern, shown);
  if (problem) throw validation(path, v, problem);
}

export function checkOptionalString(path: string, v: string | undefined, min: number, max: number, pattern?: RegExp): void {
  if (v !== undefined) checkString(path, v, min, max, pattern);
}

export function checkEnum<T extends string>(path: string, v: string, allowed: readonly T[]): T {
  const problem = enumProblem(v, allowed);
  if (problem) throw validation(path, v, problem);
  return v as T;
}

export function checkRange(path: string, v: number, min: number, max?: number): void {
  const problem = rangeProblem(v, min, max);
  if (problem) throw validation(path, v, problem);
}

export const SCOPES: readonly WafScope[] = ["CLOUDFRONT", "REGIONAL"];

/** The entity scope; CLOUDFRONT is only served from us-east-1, as in AWS. */
export function checkScope(v: string, region: string, path = "scope"): WafScope {
  const scope = checkEnum(path, v, SCOPES);
  if (scope === "CLOUDFRONT" && region !== GLOBAL_REGION) throw invalidParameter("SCOPE_VALUE", scope, "The scope is not valid.");
  return scope;
}

export function checkName(v: string, path = "name"): void {
  checkString(path, v, 1, 128, ENTITY_NAME);
}

export function checkId(v: string, path = "id"): void {
  checkString(path, v, 1, 36, ENTITY_ID);
}

export function checkLockToken(v: string, path = "lockToken"): void {
  checkString(path, v, 1, 36, ENTITY_ID);
}

export function checkDescription(v: string | undefined, path = "description"): void {
  checkOptionalString(path, v, 1, 256, DESCRIPTION);
}

export function checkArn(v: string, path: string): void {
  checkString(path, v, 20, 2048, NOT_BLANK);
}

export function checkLimit(v: number | undefined): number {
  if (v === undefined) return 100;
  checkRange("limit", v, 1, 100);
  return v;
}

export function checkMarker(v: string | undefined): void {
  checkOptionalString("nextMarker", v, 1, 256, NOT_BLANK);
}

export const MAX_TAGS = 50;

export function checkTags(tags: ReadonlyArray<{ Key?: string; Value?: string }>, path = "tags"): Tag[] {
  if (tags.length < 1) throw validation(path, [], "Member must have length greater than or equal to 1");
  if (tags.length > MAX_TAGS) throw validation(path, tags.map((t) => t.Key), `Member must have length less than or equal to ${MAX_TAGS}`);
  const out: Tag[] = [];
  tags.forEach((t, i) => {
    const key = t.Key ?? "";
    const value = t.Value ?? "";
    checkString(`${path}.${i + 1}.member.key`, key, 1, 128, TAG_KEY);
    checkString(`${path}.${i + 1}.member.value`, value, 0, 256, TAG_VALUE);
    out.push({ Key: key, Value: value });
  });
  // The same rules whether tags come with a create or with TagResource: aws: keys are AWS's, and a
  // key given twice keeps its last value (a resource never lists a key twice).
  if (out.some((t) => t.Key.toLowerCase().startsWith("aws:"))) throw tagOperation("Tag keys beginning with aws: are reserved.");
  return [...new Map(out.map((t) => [t.Key, t.Value]))].map(([Key, Value]) => ({ Key, Value }));
}

export function checkTagKeys(keys: readonly string[]): void {
  if (keys.length < 1) throw validation("tagKeys", [], "Member must have length greater than or equal to 1");
  if (keys.length > MAX_TAGS) throw validation("tagKeys", keys, `Member must have length less than or equal to ${MAX_TAGS}`);
  keys.forEach((k, i) => checkString(`tagKeys.${i + 1}.member`, k, 1, 128, TAG_KEY));
}
