/**
 * Model constraints of the KMS API (length, range, enum, pattern) reported the way the
 * service does: "1 validation error detected: Value 'x' at 'keyId' failed to satisfy
 * constraint: Member must have length less than or equal to 2048". Member paths are lower
 * camel ("keyId", "tags.1.member.tagKey"). The protocol layer already checked required
 * members and JSON types; everything here is the model's finer constraints.
 *
 * Values of sensitive members (Plaintext, Message, key material) are never echoed.
 */
import { integerOf } from "../../protocol/json-input.js";
import { validation } from "./errors.js";

export class Violations {
  private readonly items: string[] = [];

  /** `value` undefined: the value is not echoed ("Value at 'x' …"), as for blobs. */
  add(value: string | undefined, member: string, constraint: string): this {
    this.items.push(`Value ${value === undefined ? "" : value + " "}at '${member}' failed to satisfy constraint: ${constraint}`);
    return this;
  }

  /** String length (UTF-16 code units, as the service counts) and optional pattern. */
  str(v: string | undefined, member: string, min: number, max: number, pattern?: { re: RegExp; text: string }): this {
    if (v === undefined) return this;
    if (v.length < min) this.add(`'${v}'`, member, `Member must have length greater than or equal to ${min}`);
    if (v.length > max) this.add(`'${v}'`, member, `Member must have length less than or equal to ${max}`);
    if (pattern && !pattern.re.test(v)) this.add(`'${v}'`, member, `Member must satisfy regular expression pattern: ${pattern.text}`);
    return this;
  }

  /** A sensitive string (a password, a secret key): checked like `str`, the value never echoed. */
  secret(v: string | undefined, member: string, min: number, max: number, pattern?: { re: RegExp; text: string }): this {
    if (v === undefined) return this;
    if (v.length < min) this.add(undefined, member, `Member must have length greater than or equal to ${min}`);
    if (v.length > max) this.add(undefined, member, `Member must have length less than or equal to ${max}`);
    if (pattern && !pattern.re.test(v)) this.add(undefined, member, `Member must satisfy regular expression pattern: ${pattern.text}`);
    return this;
  }

  /** Blob length; the value itself is never echoed (it may be secret). */
  blob(v: Uint8Array | undefined, member: string, min: number, max: number): this {
    if (v === undefined) return this;
    if (v.length < min) this.add(undefined, member, `Member must have length greater than or equal to ${min}`);
    if (v.length > max) this.add(undefined, member, `Member must have length less than or equal to ${max}`);
    return this;
  }

  int(v: number | undefined, member: string, min: number, max: number): this {
    if (v === undefined) return this;
    if (v < min) this.add(`'${v}'`, member, `Member must have value greater than or equal to ${min}`);
    if (v > max) this.add(`'${v}'`, member, `Member must have value less than or equal to ${max}`);
    return this;
  }

  oneOf(v: string | undefined, member: string, values: readonly string[]): this {
    if (v === undefined || values.includes(v)) return this;
    return this.add(`'${v}'`, member, `Member must satisfy enum value set: [${values.join(", ")}]`);
  }

  list<T>(v: readonly T[] | undefined, member: string, min: number, max: number, render?: (v: readonly T[]) => string): this {
    if (v === undefined) return this;
    const shown = `'${render ? render(v) : `[${v.join(", ")}]`}'`;
    if (v.length < min) this.add(shown, member, `Member must have length greater than or equal to ${min}`);
    if (v.length > max) this.add(shown, member, `Member must have length less than or equal to ${max}`);
    return this;
  }

  get count(): number {
    return this.items.length;
  }

  throwIfAny(): void {
    const n = this.items.length;
    if (n === 0) return;
    throw validation(`${n} validation error${n === 1 ? "" : "s"} detected: ${this.items.join("; ")}`);
  }
}

export const KEY_ID_MAX = 2048;
export const GRANT_TOKENS_MAX = 10;
export const GRANT_TOKEN_MAX = 8192;

export const PATTERNS = {
  aliasName: { re: /^[a-zA-Z0-9:/_-]+$/, text: "^[a-zA-Z0-9:/_-]+$" },
  grantName: { re: /^[a-zA-Z0-9:/_-]+$/, text: "^[a-zA-Z0-9:/_-]+$" },
  policyName: { re: /^[\w]+$/, text: "[\\w]+" },
  policy: { re: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/, text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" },
  description: { re: /^[\u0000-\uffff]*$/, text: "[\\u0000-\\uFFFF]*" },
  grantId: { re: /^[^\u0000]+$/, text: ".+" },
  marker: { re: /^[\u0020-\u00FF]*$/, text: "[\\u0020-\\u00FF]*" },
  region: { re: /^([a-z]+-){2,3}\d+$/, text: "^([a-z]+-){2,3}\\d+$" },
  keyMaterialId: { re: /^[a-f0-9]+$/, text: "^[a-f0-9]+$" },
  // \s as the model's (Java) pattern reads it: ASCII white space only.
  keyMaterialDescription: { re: /^[a-zA-Z0-9:/_ \t\n\x0B\f\r.-]+$/, text: "^[a-zA-Z0-9:/_\\s.-]+$" },
} as const;

/**
 * Every numeric member of the KMS model is a top-level Integer (Limit, NumberOfBytes,
 * PendingWindowInDays, RotationPeriodInDays): each is read with integerOf (a fraction truncated,
 * "NaN" a SerializationException). Returns the input itself when nothing changes.
 */
export function integerMembers<I>(input: I): I {
  if (input === null || typeof input !== "object") return input;
  let out: Record<string, unknown> | undefined;
  const members = input as Record<string, unknown>;
  for (const k in members) {
    const v = members[k];
    if (typeof v !== "number" || Number.isInteger(v)) continue;
    const n = integerOf(v);
    if (n === v) continue;
    out ??= { ...members };
    out[k] = n;
  }
  return (out as I | undefined) ?? input;
}

export function validateKeyId(v: Violations, keyId: string | undefined, member = "keyId"): void {
  v.str(keyId, member, 1, KEY_ID_MAX);
}

export function validateGrantTokens(v: Violations, tokens: readonly string[] | undefined): void {
  v.list(tokens, "grantTokens", 0, GRANT_TOKENS_MAX);
  tokens?.forEach((t, i) => v.str(t, `grantTokens.${i + 1}.member`, 1, GRANT_TOKEN_MAX));
}

export function validateLimit(v: Violations, limit: number | undefined, max = 1000): void {
  v.int(limit, "limit", 1, max);
}

export function validateMarker(v: Violations, marker: string | undefined): void {
  v.str(marker, "marker", 1, 1024, PATTERNS.marker);
}

/** Encryption context: keys and values are free strings; only their total shape is checked here. */
export function validateEncryptionContext(v: Violations, ec: Record<string, string> | undefined, member = "encryptionContext"): void {
  if (ec === undefined) return;
  for (const [k, val] of Object.entries(ec)) {
    if (typeof val !== "string") v.add("null", `${member}.${k}`, "Member must not be null");
  }
}
