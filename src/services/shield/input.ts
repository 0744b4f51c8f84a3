/**
 * Constraint checks of Shield's model (lengths, patterns, enums, ranges), reported the way
 * Shield does: InvalidParameterException, reason FIELD_VALIDATION_FAILED, one entry per field;
 * and opaque pagination tokens (HMAC-signed, bound to the operation and its filters).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Tag } from "@aws-sdk/client-shield";
import { integerOf } from "../../protocol/json-input.js";
import { constraintValue } from "../../protocol/errors.js";
import { fieldValidation, invalidParameter, type FieldProblem } from "./errors.js";
import { MAX_TAGS } from "./model.js";
import type { ArnPattern } from "../../core/partition.js";

export const RESOURCE_ARN = /^arn:aws.*$/;
export const PROTECTION_ID = /^[a-zA-Z0-9\\-]*$/;
export const PROTECTION_NAME = /^[ a-zA-Z0-9_\\.\\-]*$/;
export const ATTACK_ID = /^[a-zA-Z0-9\\-]*$/;

/** Collects constraint violations of one request, then throws them together. */
export class Checks {
  private readonly problems: FieldProblem[] = [];

  private add(path: string, value: unknown, constraint: string): void {
    this.problems.push({ name: path, message: `Value '${constraintValue(value)}' at '${path}' failed to satisfy constraint: Member must ${constraint}` });
  }

  string(path: string, v: string | undefined, c: { min?: number; max?: number; pattern?: RegExp | ArnPattern; patternText?: string }): this {
    if (v === undefined) return this;
    if (c.min !== undefined && v.length < c.min) this.add(path, v, `have length greater than or equal to ${c.min}`);
    if (c.max !== undefined && v.length > c.max) this.add(path, v, `have length less than or equal to ${c.max}`);
    if (c.pattern && !c.pattern.test(v)) this.add(path, v, `satisfy regular expression pattern: ${c.patternText ?? c.pattern.source.replace(/^\^|\$$/g, "")}`);
    return this;
  }

  enumValue(path: string, v: string | undefined, allowed: readonly string[]): this {
    if (v !== undefined && !allowed.includes(v)) this.add(path, v, `satisfy enum value set: [${allowed.join(", ")}]`);
    return this;
  }

  listLength(path: string, v: readonly unknown[] | undefined, min: number, max: number): this {
    if (v === undefined) return this;
    if (v.length < min) this.add(path, v, `have length greater than or equal to ${min}`);
    if (v.length > max) this.add(path, v, `have length less than or equal to ${max}`);
    return this;
  }

  range(path: string, v: number | undefined, min: number, max: number): this {
    if (v === undefined) return this;
    if (v < min) this.add(path, v, `have value greater than or equal to ${min}`);
    if (v > max) this.add(path, v, `have value less than or equal to ${max}`);
    return this;
  }

  /** MaxResults: an Integer of 0–10,000 (see integerOf). */
  maxResults(path: string, v: number | undefined): this {
    return this.range(path, v === undefined ? v : integerOf(v), 0, MAX_PAGE);
  }

  resourceArn(path: string, v: string | undefined): this {
    return this.string(path, v, { min: 1, max: 2048, pattern: RESOURCE_ARN, patternText: "^arn:aws.*" });
  }

  tags(path: string, tags: readonly Tag[] | undefined): this {
    if (tags === undefined) return this;
    this.listLength(path, tags, 0, 200);
    tags.forEach((t, i) => {
      this.string(`${path}.${i + 1}.member.key`, t.Key, { min: 1, max: 128 });
      this.string(`${path}.${i + 1}.member.value`, t.Value, { min: 0, max: 256 });
    });
    return this;
  }

  done(): void {
    if (this.problems.length > 0) throw fieldValidation(this.problems);
  }
}

export const checks = (): Checks => new Checks();

/** Tag rules beyond the model: keys and values present, no aws: prefix, no duplicates, at most 50 per resource. */
export function checkTagSemantics(tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.Key === undefined || t.Value === undefined) throw invalidParameter("Every tag must have a Key and a Value.");
    if (t.Key.toLowerCase().startsWith("aws:")) throw invalidParameter(`Tag keys can't start with "aws:": ${t.Key}`);
    if (seen.has(t.Key)) throw invalidParameter(`Duplicate tag key: ${t.Key}`);
    seen.add(t.Key);
  }
  if (tags.length > MAX_TAGS) throw invalidParameter(`A resource can have at most ${MAX_TAGS} tags.`);
}

/** Replaces same-key tags and adds the others (TagResource semantics). */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const t of current) byKey.set(t.Key as string, { Key: t.Key, Value: t.Value });
  for (const t of added) byKey.set(t.Key as string, { Key: t.Key, Value: t.Value });
  return [...byKey.values()];
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 10_000;

/** MaxResults is an Integer of 0–10,000 in the model (see integerOf); absent or 0 means the default page of 20. */
export function pageSize(max: number | undefined): number {
  const n = max === undefined ? max : integerOf(max);
  checks().maxResults("maxResults", n).done();
  return n === undefined || n === 0 ? DEFAULT_PAGE : n;
}

export class PageTokens {
  constructor(private readonly key: Buffer) {}

  private fingerprint(parts: readonly unknown[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 22);
  }

  encode(binding: readonly unknown[], after: string): string {
    const payload = Buffer.from(JSON.stringify({ v: 1, f: this.fingerprint(binding), a: after })).toString("base64url");
    const mac = createHmac("sha256", this.key).update(payload).digest("base64url");
    return `${payload}.${mac}`;
  }

  /** The key to continue after, or undefined for a token this request did not get (malformed, forged, other filters). */
  decode(binding: readonly unknown[], token: string): string | undefined {
    if (token.length === 0 || token.length > 4096) return undefined;
    const dot = token.indexOf(".");
    if (dot <= 0 || dot !== token.lastIndexOf(".")) return undefined;
    const payload = token.slice(0, dot);
    const want = createHmac("sha256", this.key).update(payload).digest();
    const got = Buffer.from(token.slice(dot + 1), "base64url");
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    try {
      const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { v?: unknown; f?: unknown; a?: unknown };
      return body.v === 1 && body.f === this.fingerprint(binding) && typeof body.a === "string" ? body.a : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * One page of `items` (sorted by `key`), continuing strictly after the token's key.
   * `badToken` is the error a foreign token gets (each operation models its own).
   */
  page<T>(items: readonly T[], key: (t: T) => string, binding: readonly unknown[], token: string | undefined, max: number | undefined, badToken: () => Error): { page: T[]; next?: string } {
    const limit = pageSize(max);
    let rest: readonly T[] = items;
    if (token !== undefined) {
      const after = this.decode(binding, token);
      if (after === undefined) throw badToken();
      const start = items.findIndex((t) => key(t) > after);
      rest = start < 0 ? [] : items.slice(start);
    }
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return rest.length > limit && last !== undefined ? { page, next: this.encode(binding, key(last)) } : { page };
  }
}
