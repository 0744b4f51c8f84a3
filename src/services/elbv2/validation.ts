/** Semantic checks of ELBv2 inputs (the protocol engine already checked types and required members). */
import { isIP } from "node:net";
import type { Tag } from "@aws-sdk/client-elastic-load-balancing-v2";
import { duplicateTagKeys, tooManyTags, validationError } from "./errors.js";
import type { TagDoc } from "./model.js";

const NAME_RE = /^[A-Za-z0-9-]+$/;

/** Load-balancer and target-group names: 1–32 alphanumerics or hyphens, no hyphen at either end. */
export function checkName(name: string, what: "Load balancer" | "Target group"): string {
  if (name.length === 0 || name.length > 32) throw validationError(`${what} name '${name}' must be between 1 and 32 characters long`);
  if (!NAME_RE.test(name)) throw validationError(`${what} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith("-") || name.endsWith("-")) throw validationError(`${what} name '${name}' cannot begin or end with '-'`);
  if (what === "Load balancer" && name.toLowerCase().startsWith("internal-")) throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
  return name;
}

export function checkPort(port: number | undefined, field = "port"): number {
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw validationError(`1 validation error detected: Value '${port ?? "null"}' at '${field}' failed to satisfy constraint: Member must have value between 1 and 65535`);
  }
  return port;
}

export function checkRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
  return value;
}

export function checkEnum<T extends string>(value: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return value as T;
}

/** API_Tag: keys and values are letters, separators, digits and _ . : / = + - @. */
const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

function tagPatternError(value: string, at: string): Error {
  return validationError(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`);
}

export function checkTags(tags: Tag[] | undefined, quota: number): TagDoc[] {
  const out: TagDoc[] = [];
  const seen = new Set<string>();
  for (const [i, t] of (tags ?? []).entries()) {
    const key = t.Key ?? "";
    if (key.length < 1 || key.length > 128) throw validationError("Tag keys must be between 1 and 128 characters long");
    if (!TAG_PATTERN.test(key)) throw tagPatternError(key, `tags.${i + 1}.member.key`);
    if (key.toLowerCase().startsWith("aws:")) throw validationError(`Tag key '${key}' cannot begin with 'aws:'`);
    const value = t.Value ?? "";
    if (value.length > 256) throw validationError("Tag values cannot be longer than 256 characters");
    if (!TAG_PATTERN.test(value)) throw tagPatternError(value, `tags.${i + 1}.member.value`);
    if (seen.has(key)) throw duplicateTagKeys(key);
    seen.add(key);
    out.push({ Key: key, Value: value });
  }
  if (out.length > quota) throw tooManyTags(quota);
  return out;
}

export function mergeTags(existing: readonly TagDoc[], added: readonly TagDoc[], quota: number): TagDoc[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) byKey.set(t.Key, t.Value);
  if (byKey.size > quota) throw tooManyTags(quota);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export function checkPageSize(size: number | undefined): number {
  if (size === undefined) return 400;
  return checkRange(size, "pageSize", 1, 400);
}

/**
 * An opaque marker: base64url of the list it belongs to (the operation) and the sort key of the
 * last item returned, so a marker from another list is refused instead of positioning this one.
 */
export function encodeMarker(list: string, key: string): string {
  return Buffer.from(`${list}\u0000${key}`, "utf8").toString("base64url");
}

export function decodeMarker(list: string, marker: string | undefined): string | undefined {
  if (marker === undefined || marker === "") return undefined;
  const text = Buffer.from(marker, "base64url").toString("utf8");
  const key = text.startsWith(`${list}\u0000`) ? text.slice(list.length + 1) : "";
  if (key === "" || encodeMarker(list, key) !== marker) throw validationError("The marker is not valid");
  return key;
}

/** Pages `items` by `keyOf` order; returns the page and the next marker (for `list` only). */
export function paginate<T>(list: string, items: readonly T[], keyOf: (t: T) => string, marker: string | undefined, pageSize: number): { page: T[]; next?: string } {
  const after = decodeMarker(list, marker);
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((t) => keyOf(t) > after);
  const page = rest.slice(0, pageSize);
  const last = page[page.length - 1];
  return rest.length > pageSize && last !== undefined ? { page, next: encodeMarker(list, keyOf(last)) } : { page };
}

/** A literal IPv4 or IPv6 address (node:net's check, without the zone index it also takes). */
export function isIpAddress(s: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(s) && isIP(s) !== 0;
}

/**
 * A target id: an IP address or a DNS host name (Bulwark targets are host:port upstreams). A
 * name whose last label is all digits is none (RFC 3696 §2): 256.0.0.1 is a bad address, not a host.
 */
export function isTargetHost(s: string): boolean {
  if (isIpAddress(s)) return true;
  if (/(^|\.)\d+\.?$/.test(s)) return false;
  return s.length <= 253 && /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(s);
}
