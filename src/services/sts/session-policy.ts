/**
 * Checks on what a caller may attach to a session: the inline session policy, managed
 * policy ARNs and session tags, plus the packed-size computation behind
 * PackedPolicySize / PackedPolicyTooLarge.
 */
import { deflateRawSync } from "node:zlib";
import { AwsError } from "../../core/errors.js";
import type { ConditionContext } from "../../core/types.js";
import { invalidParameterValue, PATTERNS, validationError } from "./validation.js";
import { arnPattern } from "../../core/partition.js";
import { parsePolicy, PolicyParseError } from "../../iam/policy/index.js";

export interface TagInput {
  Key?: string | undefined;
  Value?: string | undefined;
}

/** Budget of the packed form (compressed policy + ARNs + tags), bytes. 100 % = this many. */
export const PACKED_POLICY_BUDGET = 2048;

function malformed(message: string): AwsError {
  return new AwsError("MalformedPolicyDocument", message, 400);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Check of an inline session policy; returns it minified. A session policy is an IAM policy (the
 * API reference: "An IAM policy in JSON format that you want to use as an inline session
 * policy"), so after the JSON and Version checks it must pass IAM's own grammar checks for an
 * identity-type policy (parsePolicy, kind "session"), with IAM's
 * MalformedPolicyDocument text: a document IAM would refuse is refused here, not issued as a
 * session whose policy then fails to parse.
 */
export function checkSessionPolicy(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed("The policy is not in the valid JSON format.");
  }
  if (!isRecord(doc)) throw malformed("Syntax errors in policy.");
  const version = doc["Version"];
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") {
    throw malformed("The policy must contain a valid version string");
  }
  try {
    parsePolicy(text, "session");
  } catch (e) {
    if (e instanceof PolicyParseError) throw malformed(e.message);
    throw e;
  }
  return JSON.stringify(doc);
}

// Managed policies of this installation are all in its partition: an ARN of another partition names none.
const POLICY_ARN = arnPattern(/^arn:aws:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/);

/**
 * Managed session policy ARNs must name IAM policies "in the same account as the role" (the
 * AssumeRole* operations) or "as the IAM user that is requesting federated access"
 * (GetFederationToken), or AWS managed policies: another account's policy is refused like any ARN
 * that cannot name one (AWS does not document its wording for this case). Unknown ones of the
 * account are accepted (AWS documents no error for them) and simply grant nothing later: a session
 * none of whose session policies exist is allowed nothing (src/iam/INVARIANTS.md, Evaluation).
 * Returns the ARNs.
 */
export function checkPolicyArns(descriptors: ReadonlyArray<{ arn?: string | undefined }> | undefined, accountId: string): string[] {
  const arns: string[] = [];
  for (const { arn } of descriptors ?? []) {
    // The model does not require a descriptor's arn ("PolicyArns.member.1.arn" absent): such a
    // descriptor names no policy, and is written "null" as the model's own messages write it.
    const account = arn === undefined ? undefined : POLICY_ARN.exec(arn)?.[1];
    if (arn === undefined || account === undefined || (account !== "aws" && account !== accountId)) throw validationError(`${arn ?? "null"} is invalid`);
    arns.push(arn);
  }
  return arns;
}

const RESERVED_PREFIX = "aws:";

/**
 * "You cannot create a tag key or value that begins with the text aws:" (IAM User Guide, id_tags):
 * a session tag may not either, whoever passes it (the caller, or an identity provider, whose
 * fault `invalid` reports). The prefix is reserved in any case; the messages are worded like the
 * tag limits' (not documented word for word).
 */
export function refuseReservedTags(tags: ReadonlyArray<TagInput>, invalid: (message: string) => AwsError = invalidParameterValue): void {
  for (const t of tags) {
    const key = t.Key ?? "";
    if (key.toLowerCase().startsWith(RESERVED_PREFIX)) throw invalid(`Session tag key '${key}' must not begin with aws:, a prefix reserved for AWS use.`);
    if ((t.Value ?? "").toLowerCase().startsWith(RESERVED_PREFIX)) throw invalid(`Session tag value for key '${key}' must not begin with aws:, a prefix reserved for AWS use.`);
  }
}

/** Tag keys are case-insensitive; transitive keys must name a passed tag. Returns the tags as a map. */
export function checkSessionTags(tags: ReadonlyArray<TagInput>, transitive: ReadonlyArray<string>): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t.Key ?? "";
    const lower = key.toLowerCase();
    if (seen.has(lower)) throw invalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    seen.add(lower);
    out[key] = t.Value ?? "";
  }
  for (const k of transitive) {
    if (!seen.has(k.toLowerCase())) throw invalidParameterValue("The specified transitive tag key must be included in the requested tags.");
  }
  return out;
}

/**
 * The transitive keys as the session records them: each spelt as the tag it names (tag keys are
 * case-insensitive, so TransitiveTagKeys ["dept"] makes the tag "Dept" transitive), once.
 */
export function transitiveKeysOf(tags: Record<string, string>, transitive: ReadonlyArray<string>): string[] {
  if (transitive.length === 0) return [];
  const byLower = new Map(Object.keys(tags).map((k) => [k.toLowerCase(), k]));
  const out = new Set<string>();
  for (const k of transitive) {
    const key = byLower.get(k.toLowerCase());
    if (key !== undefined) out.add(key);
  }
  return [...out];
}

/** Session tags and their transitive keys, as a session carries them. */
export interface SessionTags {
  tags: Record<string, string>;
  transitiveTagKeys: string[];
}

export const MAX_SESSION_TAGS = 50;

/**
 * Session tags an identity provider passes (OIDC token claim, SAML attributes): the limits
 * AssumeRole's Tags member has (at most 50, keys 1–128 and values 0–256 characters of the tag
 * pattern), no aws: prefix, then checkSessionTags' rules. A violated limit is a fault of the
 * token, reported with `invalid(message)`.
 */
export function checkFederatedSessionTags(tags: ReadonlyArray<{ Key: string; Value: string }>, transitive: ReadonlyArray<string>, invalid: (message: string) => AwsError): SessionTags {
  // The limits are the documented ones; the messages are worded like STS's model messages.
  if (tags.length > MAX_SESSION_TAGS) throw invalid(`The number of session tags must be less than or equal to ${MAX_SESSION_TAGS}.`);
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128 || !PATTERNS.tagKey.pattern.test(t.Key)) {
      throw invalid(`Session tag key '${t.Key}' must have length 1 to 128 and satisfy regular expression pattern: ${PATTERNS.tagKey.patternText}`);
    }
    if (t.Value.length > 256 || !PATTERNS.tagValue.pattern.test(t.Value)) {
      throw invalid(`Session tag value for key '${t.Key}' must have length 0 to 256 and satisfy regular expression pattern: ${PATTERNS.tagValue.patternText}`);
    }
  }
  refuseReservedTags(tags, invalid);
  if (transitive.length > MAX_SESSION_TAGS) throw invalid(`The number of transitive tag keys must be less than or equal to ${MAX_SESSION_TAGS}.`);
  return { tags: checkSessionTags(tags, transitive), transitiveTagKeys: [...transitive] };
}

/**
 * The caller's transitive session tags a chained session inherits (CloudTrail's
 * incomingTransitiveTags). Keys are matched case-insensitively (a session recorded before its
 * transitive keys were spelt as its tags still passes them on).
 */
export function incomingTransitiveTags(inherited: { sessionTags?: Record<string, string>; transitiveTagKeys?: string[] }): Record<string, string> | undefined {
  const keys = inherited.transitiveTagKeys ?? [];
  if (keys.length === 0) return undefined;
  const transitiveLower = new Set(keys.map((k) => k.toLowerCase()));
  const kept = Object.entries(inherited.sessionTags ?? {}).filter(([k]) => transitiveLower.has(k.toLowerCase()));
  // fromEntries defines own properties (a tag named "__proto__" stays a tag).
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/**
 * Role chaining: the new session inherits the caller's transitive session tags (`incoming`, from
 * incomingTransitiveTags, and keeps them transitive); a tag passed with the same key as an
 * inherited one, in any case, fails the call.
 */
export function inheritTransitiveTags(incoming: Record<string, string> | undefined, passed: SessionTags): SessionTags {
  if (incoming === undefined) return passed;
  const kept = Object.entries(incoming);
  const inheritedLower = new Set(kept.map(([k]) => k.toLowerCase()));
  for (const k of Object.keys(passed.tags)) {
    // A passed tag may not replace an inherited one (STS's own text).
    if (inheritedLower.has(k.toLowerCase())) {
      throw invalidParameterValue("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.");
    }
  }
  // fromEntries defines own properties (a tag named "__proto__" stays a tag).
  const tags = Object.fromEntries([...kept, ...Object.entries(passed.tags)]);
  return { tags, transitiveTagKeys: [...new Set([...kept.map(([k]) => k), ...passed.transitiveTagKeys])] };
}

/**
 * The request's session tags as condition keys of the trust policy (sts:AssumeRole*,
 * sts:TagSession) or of the issuing action: aws:RequestTag/<key>, aws:TagKeys and, when the
 * caller marks some transitive, sts:TransitiveTagKeys. Keys absent when nothing is passed, so
 * a Null condition sees them missing.
 */
export function sessionTagContext(tags: Record<string, string>, transitiveTagKeys: ReadonlyArray<string> = []): ConditionContext {
  const context: ConditionContext = {};
  const keys = Object.keys(tags);
  if (keys.length > 0) {
    for (const k of keys) context[`aws:RequestTag/${k}`] = tags[k]!;
    context["aws:TagKeys"] = keys;
  }
  if (transitiveTagKeys.length > 0) context["sts:TransitiveTagKeys"] = [...transitiveTagKeys];
  return context;
}

/** Percentage of the packed budget used by the session policy, policy ARNs and tags (rounded up). */
export function packedPolicyPercent(policy: string | undefined, arns: ReadonlyArray<string>, tags: Record<string, string>): number {
  const packed = deflateRawSync(Buffer.from(JSON.stringify([policy ?? "", arns, tags]), "utf8"));
  return Math.ceil((packed.length * 100) / PACKED_POLICY_BUDGET);
}

/**
 * The packed size of what a caller attaches to a session, as PackedPolicySize reports it:
 * undefined when nothing is attached (the response then omits it), PackedPolicyTooLarge over
 * 100 %.
 */
export function checkPackedSize(policy: string | undefined, arns: ReadonlyArray<string>, tags: Record<string, string>): number | undefined {
  const tagged = Object.keys(tags).length > 0;
  if (policy === undefined && arns.length === 0 && !tagged) return undefined;
  const percent = packedPolicyPercent(policy, arns, tags);
  if (percent > 100) throw packedPolicyTooLarge(percent, tagged && policy === undefined && arns.length === 0);
  return percent;
}

/**
 * PackedPolicyTooLarge. `tagsOnly`: the request passed session tags but no session policy, so
 * the tags alone are over the budget; STS then words the message for the tags (as its answers
 * to callers passing only tags read; the wording is not in the API reference).
 */
export function packedPolicyTooLarge(percent: number, tagsOnly = false): AwsError {
  const message = tagsOnly
    ? `Packed size of session tags consumes ${percent}% of allotted space.`
    : `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`;
  return new AwsError("PackedPolicyTooLarge", message, 400);
}
