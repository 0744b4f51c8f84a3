/**
 * Input checks with Organizations' InvalidInputException reasons, and opaque pagination
 * tokens (base64url JSON naming the operation and the last key returned).
 */
import { invalidInput } from "./errors.js";

export function requireString(v: unknown): string {
  if (typeof v !== "string") throw invalidInput("INPUT_REQUIRED");
  return v;
}

export function checkString(v: string, opts: { min?: number; max?: number; pattern?: RegExp }): void {
  if (opts.min !== undefined && v.length < opts.min) throw invalidInput("MIN_LENGTH_EXCEEDED");
  if (opts.max !== undefined && v.length > opts.max) throw invalidInput("MAX_LENGTH_EXCEEDED");
  if (opts.pattern && !opts.pattern.test(v)) throw invalidInput("INVALID_PATTERN");
}

/** Identifier patterns of the service model. */
export const ACCOUNT_ID = /^\d{12}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const PARENT_ID = /^(r-[0-9a-z]{4,32})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
export const CHILD_ID = /^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
export const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;
export const TARGET_ID = /^(r-[0-9a-z]{4,32})$|^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
export const TAGGABLE_ID = /^(r-[0-9a-z]{4,32})$|^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$|^(p-[0-9a-zA-Z_]{8,128})$/;

/** A required id of the given pattern; `reason` is what a value that does not match gets (default INVALID_PATTERN). */
export function requireId(v: unknown, pattern: RegExp, reason: "INVALID_PATTERN" | "INVALID_PATTERN_TARGET_ID" | "INVALID_SYNTAX_POLICY_ID" = "INVALID_PATTERN"): string {
  const id = requireString(v);
  if (!pattern.test(id)) throw invalidInput(reason);
  return id;
}

export const MAX_RESULTS_LIMIT = 20;

/** MaxResults is 1–20; without it a page holds up to 20 items. */
export function maxResults(v: number | undefined): number {
  if (v === undefined) return MAX_RESULTS_LIMIT;
  if (!Number.isInteger(v) || v < 1) throw invalidInput("MIN_VALUE_EXCEEDED");
  if (v > MAX_RESULTS_LIMIT) throw invalidInput("MAX_VALUE_EXCEEDED");
  return v;
}

/**
 * A NextToken is `<base64url(operation and scope)>.<base64url(last key returned)>`. It is not the
 * base64 of a JSON object: the AWS CLI and botocore take a `--starting-token` that decodes to
 * JSON as their own resume token, so a service token of that form, passed back as the CLI
 * documents, would be read as request parameters ("Unknown parameter in input").
 */
export function encodeNextToken(op: string, after: string): string {
  return `${Buffer.from(op, "utf8").toString("base64url")}.${Buffer.from(after, "utf8").toString("base64url")}`;
}

/** NextToken's model limit. */
const NEXT_TOKEN_MAX = 100000;

/** The key to continue after, or INVALID_NEXT_TOKEN for tokens this operation did not issue. */
export function decodeNextToken(op: string, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.length > NEXT_TOKEN_MAX) throw invalidInput("MAX_LENGTH_EXCEEDED");
  const dot = token.indexOf(".");
  if (dot > 0) {
    const o = token.slice(0, dot);
    const a = token.slice(dot + 1);
    const after = Buffer.from(a, "base64url").toString("utf8");
    // Canonical encodings only: a token that decodes but was not written by encodeNextToken is refused.
    if (o === Buffer.from(op, "utf8").toString("base64url") && a !== "" && Buffer.from(after, "utf8").toString("base64url") === a) return after;
  }
  throw invalidInput("INVALID_NEXT_TOKEN");
}

/**
 * A list's MaxResults and NextToken, judged with the rest of the input: before the caller is
 * authorised and before the named parent, target, policy or account is looked up, so a bad token
 * gets the same answer whether that resource exists or not. Returns `op` (the token's scope) for
 * `paginate`.
 */
export function checkPage(op: string, input: { NextToken?: string; MaxResults?: number } | undefined): string {
  maxResults(input?.MaxResults);
  decodeNextToken(op, input?.NextToken);
  return op;
}

/**
 * One page of `items` in `key` order, continuing strictly after the token's key. The items are
 * sorted here: a list kept in another order (enabled services are kept in the order they were
 * enabled) would otherwise repeat or skip items across pages, and never end.
 */
export function paginate<T>(items: readonly T[], key: (t: T) => string, op: string, nextToken: string | undefined, max: number | undefined): { page: T[]; next?: string } {
  const after = decodeNextToken(op, nextToken);
  const limit = maxResults(max);
  const sorted = items.map((item) => ({ item, k: key(item) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const start = after === undefined ? 0 : sorted.findIndex((t) => t.k > after);
  const rest = start < 0 ? [] : sorted.slice(start).map((t) => t.item);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  return rest.length > limit && last !== undefined ? { page, next: encodeNextToken(op, key(last)) } : { page };
}
