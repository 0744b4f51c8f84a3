/**
 * Input validation with the wording AWS query services use for model constraints:
 * "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: …; …".
 * Member names are the lower-camel wire names (roleArn, tags.1.member.key).
 */
import { AwsError } from "../../core/errors.js";

/** STS (awsQuery) answers input problems with ValidationError, HTTP 400. */
export function validationError(message: string): AwsError {
  return new AwsError("ValidationError", message, 400, { common: "Validation" });
}

/** STS's InvalidParameterValue (tag problems), HTTP 400. */
export function invalidParameterValue(message: string): AwsError {
  return new AwsError("InvalidParameterValue", message, 400);
}

interface TagLike {
  Key?: string | undefined;
  Value?: string | undefined;
}

export class ValidationCollector {
  private readonly errors: string[] = [];

  private add(value: string, member: string, constraint: string): void {
    this.errors.push(`Value ${value} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  /** Records "must not be null" and returns false when the value is missing. */
  required(value: unknown, member: string): boolean {
    if (value === undefined || value === null) {
      this.add("null", member, "Member must not be null");
      return false;
    }
    return true;
  }

  string(value: string | undefined, member: string, opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string }): void {
    if (value === undefined) return;
    const quoted = `'${value}'`;
    if (opts.min !== undefined && value.length < opts.min) this.add(quoted, member, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && value.length > opts.max) this.add(quoted, member, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(value)) this.add(quoted, member, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
  }

  /** Length limits of a secret member (a token): judged, but its value is never echoed. */
  secretLength(value: string | undefined, member: string, min: number, max: number): void {
    if (value === undefined) return;
    if (value.length < min) this.add("'HIDDEN_DUE_TO_SECURITY_REASONS'", member, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.add("'HIDDEN_DUE_TO_SECURITY_REASONS'", member, `Member must have length less than or equal to ${max}`);
  }

  /** A one-time MFA code: judged like `string`, but its value is never echoed (a code with a digit too many still holds the valid one). */
  secretString(value: string | undefined, member: string, opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string }): void {
    if (value === undefined) return;
    const hidden = "'HIDDEN_DUE_TO_SECURITY_REASONS'";
    if (opts.min !== undefined && value.length < opts.min) this.add(hidden, member, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && value.length > opts.max) this.add(hidden, member, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(value)) this.add(hidden, member, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
  }

  /** An Integer member (every number member of STS is one): range-checked, NaN and fractions refused. */
  number(value: number | undefined, member: string, min: number, max: number): void {
    if (value === undefined) return;
    // The query parser passes "NaN" through for numbers; STS's members are Integers, which it is not.
    if (Number.isNaN(value)) return this.add("'NaN'", member, "Member must be a number");
    // The parser reads every number member as a JavaScript number, so "900.5" arrives as 900.5; the
    // API reference types each of these members "Integer", and a fraction would otherwise become a
    // session of 900.5 seconds with an Expiration in milliseconds, which STS never answers. Refused
    // here (the wording for this case is not documented).
    if (Number.isFinite(value) && !Number.isInteger(value)) return this.add(`'${value}'`, member, "Member must be an integer");
    if (value < min) this.add(`'${value}'`, member, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.add(`'${value}'`, member, `Member must have value less than or equal to ${max}`);
  }

  list(value: readonly unknown[] | undefined, member: string, max: number, render: (v: readonly unknown[]) => string, min = 0): void {
    if (value === undefined) return;
    if (value.length < min) this.add(`'${render(value)}'`, member, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.add(`'${render(value)}'`, member, `Member must have length less than or equal to ${max}`);
  }

  /** One of a fixed set of values (Smithy enum constraint). */
  enumValue(value: string | undefined, member: string, allowed: readonly string[]): void {
    if (value === undefined || allowed.includes(value)) return;
    this.add(`'${value}'`, member, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }

  /** Session tags (AssumeRole, GetFederationToken) and token tags (GetWebIdentityToken): at most 50, keys 1–128, values 0–256. */
  tags(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined): void {
    this.list(tags, "tags", 50, (l) => `[${l.map((t) => `Tag(key=${(t as TagLike).Key}, value=${(t as TagLike).Value})`).join(", ")}]`);
    tags?.forEach((t, i) => {
      if (this.required(t.Key, `tags.${i + 1}.member.key`)) this.string(t.Key, `tags.${i + 1}.member.key`, { min: 1, max: 128, ...PATTERNS.tagKey });
      if (this.required(t.Value, `tags.${i + 1}.member.value`)) this.string(t.Value, `tags.${i + 1}.member.value`, { max: 256, ...PATTERNS.tagValue });
    });
  }

  /** PolicyArns and Policy, the session policies the AssumeRole* operations accept, in the model's order. */
  sessionPolicies(input: { PolicyArns?: Array<{ arn?: string }>; Policy?: string }): void {
    this.list(input.PolicyArns, "policyArns", 10, (l) => `[${l.map((p) => `PolicyDescriptorType(arn=${(p as { arn?: string }).arn ?? "null"})`).join(", ")}]`);
    input.PolicyArns?.forEach((p, i) => this.string(p.arn, `policyArns.${i + 1}.member.arn`, { min: 20, max: 2048, ...PATTERNS.arn }));
    this.string(input.Policy, "policy", { min: 1, max: MAX_SESSION_POLICY_CHARS, ...PATTERNS.policy });
  }

  get count(): number {
    return this.errors.length;
  }

  throwIfAny(): void {
    const n = this.errors.length;
    if (n === 0) return;
    throw validationError(`${n} validation error${n === 1 ? "" : "s"} detected: ${this.errors.join("; ")}`);
  }
}

/** Longest inline session policy (plain text). */
export const MAX_SESSION_POLICY_CHARS = 2048;

/** Patterns of the STS model (Java regex semantics: \w is ASCII). */
export const PATTERNS = {
  sessionName: { pattern: /^[\w+=,.@-]*$/, patternText: "[\\w+=,.@-]*" },
  externalId: { pattern: /^[\w+=,.@:/-]*$/, patternText: "[\\w+=,.@:\\/-]*" },
  serialNumber: { pattern: /^[\w+=/:,.@-]*$/, patternText: "[\\w+=/:,.@-]*" },
  tokenCode: { pattern: /^\d*$/, patternText: "[\\d]*" },
  tagKey: { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, patternText: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+" },
  tagValue: { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, patternText: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*" },
  policy: { pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/, patternText: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" },
  accessKeyId: { pattern: /^\w*$/, patternText: "[\\w]*" },
  /**
   * arnType. Read as Java reads the model's class, "\u10000-\u10FFFF" is "\u1000", the range
   * "0"-"\u10FF" and "FF": together tab, LF, CR and U+0020–U+D7FF, U+E000–U+FFFD, and no
   * character outside the BMP.
   */
  arn: {
    pattern: /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]+$/u,
    patternText: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
  },
} as const;
