/**
 * AWS query-protocol parameters → input shapes: the inverse of the SDK's
 * QueryShapeSerializer, driven by the same schemas.
 *
 *   Tags.member.1.Key=k        list of structs (member name from xmlName, default "member")
 *   Ids.1=a                    flattened list (xmlFlattened)
 *   Tags=                      empty list (the SDK sends serializeEmptyLists)
 *   Attrs.entry.1.key=k / .value=v   map (flattened: Attrs.1.key)
 *   Policy.Statement.Sid=s     nested structure
 *   booleans "true"/"false", numbers, RFC 3339 timestamps (epoch seconds accepted too),
 *   blobs in base64.
 *
 * Unknown parameters (Action, Version, X-Amz-*) are ignored like AWS does.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { determineTimestampFormat } from "@smithy/core/protocols";
import { NumericValue, parseEpochTimestamp, parseRfc3339DateTimeWithOffset, parseRfc7231DateTime } from "@smithy/core/serde";
import { commonError, type AwsError } from "../core/errors.js";
import { validationMessage } from "./errors.js";
import { hasTrait, lowerFirst, traitString } from "./schema-util.js";

/** Decoded parameters in arrival order; the first occurrence of a name wins. */
export type QueryParams = Map<string, string>;

// Text that form decoding leaves unchanged: ASCII without "%" or "+".
const NEEDS_DECODING = /[%+\u0080-\uffff]/;

export function parseQueryString(text: string, into: QueryParams = new Map()): QueryParams {
  if (text.length === 0) return into;
  if (!NEEDS_DECODING.test(text)) {
    // Nothing to decode: split exactly as URLSearchParams would ("&" between pairs, the first
    // "=" between name and value, a pair without "=" has the empty value).
    let start = 0;
    const n = text.length;
    while (start <= n) {
      let end = text.indexOf("&", start);
      if (end < 0) end = n;
      if (end > start) {
        const eq = text.indexOf("=", start);
        const k = eq >= 0 && eq < end ? text.slice(start, eq) : text.slice(start, end);
        if (k.length > 0 && !into.has(k)) into.set(k, eq >= 0 && eq < end ? text.slice(eq + 1, end) : "");
      }
      start = end + 1;
    }
    return into;
  }
  // URLSearchParams implements application/x-www-form-urlencoded decoding ("+" is a space,
  // malformed %-escapes are kept literally instead of failing the request).
  for (const [k, v] of new URLSearchParams(text)) {
    if (k.length > 0 && !into.has(k)) into.set(k, v);
  }
  return into;
}

/** One segment of a dotted parameter name: "Tags.member.1.Key" is Tags → member → 1 → Key. */
export interface ParamNode {
  value: string | undefined;
  children: Map<string, ParamNode> | undefined;
}

export function paramTree(params: QueryParams): ParamNode {
  const root: ParamNode = { value: undefined, children: undefined };
  for (const [name, value] of params) {
    let node = root;
    for (const seg of name.split(".")) {
      node.children ??= new Map();
      let next = node.children.get(seg);
      if (!next) {
        next = { value: undefined, children: undefined };
        node.children.set(seg, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
}

const TIMESTAMP_SETTINGS = { timestampFormat: { useTrait: true, default: 5 as const } };
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INDEX = /^[1-9]\d{0,8}$/;

/** Reads the input structure of an operation from the parameter tree. */
export function readQueryInput(ns: NormalizedSchema, root: ParamNode): Record<string, unknown> {
  if (ns.isUnitSchema() || !ns.isStructSchema()) return {};
  return readStruct(ns, root, "");
}

function readValue(ns: NormalizedSchema, node: ParamNode, path: string): unknown {
  if (ns.isStructSchema()) return readStruct(ns, node, path);
  if (ns.isListSchema()) return readList(ns, node, path);
  if (ns.isMapSchema()) return readMap(ns, node, path);
  if (node.value === undefined) return undefined;
  return readScalar(ns, node.value, path);
}

function readStruct(ns: NormalizedSchema, node: ParamNode, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const children = node.children;
  if (!children) return out;
  for (const [name, member] of ns.structIterator()) {
    const child = children.get(traitString(member, "xmlName") ?? name);
    if (!child) continue;
    const v = readValue(member, child, path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Children named 1, 2, … in numeric order (AWS numbers from 1; gaps are tolerated). */
function indexed(node: ParamNode | undefined): Array<[number, ParamNode]> {
  const out: Array<[number, ParamNode]> = [];
  if (!node?.children) return out;
  for (const [k, child] of node.children) if (INDEX.test(k)) out.push([Number(k), child]);
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

function readList(ns: NormalizedSchema, node: ParamNode, path: string): unknown[] | undefined {
  const item = ns.getValueSchema();
  const flat = hasTrait(ns, "xmlFlattened");
  const items = flat ? node : node.children?.get(traitString(item, "xmlName") ?? "member");
  const entries = indexed(items);
  if (entries.length === 0) return node.value !== undefined || node.children ? [] : undefined;
  const out: unknown[] = [];
  for (const [i, child] of entries) {
    const v = readValue(item, child, `${path}.${i}.member`);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function readMap(ns: NormalizedSchema, node: ParamNode, path: string): Record<string, unknown> | undefined {
  const keyName = traitString(ns.getKeySchema(), "xmlName") ?? "key";
  const valueSchema = ns.getValueSchema();
  const valueName = traitString(valueSchema, "xmlName") ?? "value";
  const entries = indexed(hasTrait(ns, "xmlFlattened") ? node : node.children?.get("entry"));
  if (entries.length === 0) return node.value !== undefined || node.children ? {} : undefined;
  const out: Record<string, unknown> = {};
  for (const [, entry] of entries) {
    const key = entry.children?.get(keyName)?.value;
    const valueNode = entry.children?.get(valueName);
    if (key === undefined || !valueNode) continue;
    const v = readValue(valueSchema, valueNode, `${path}.${key}`);
    // defineProperty: a key such as "__proto__" must stay data, never become a prototype.
    if (v !== undefined) Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readScalar(ns: NormalizedSchema, raw: string, path: string): unknown {
  if (ns.isStringSchema() || ns.isDocumentSchema()) return raw;
  if (ns.isBooleanSchema()) {
    const lower = raw.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    throw invalid(ns, raw, path, "Member must be a boolean");
  }
  if (ns.isBigIntegerSchema()) {
    if (/^[+-]?\d+$/.test(raw)) return BigInt(raw);
    throw invalid(ns, raw, path, "Member must be an integer");
  }
  if (ns.isBigDecimalSchema()) {
    if (NUMBER.test(raw)) return new NumericValue(raw, "bigDecimal");
    throw invalid(ns, raw, path, "Member must be a number");
  }
  if (ns.isNumericSchema()) {
    if (NUMBER.test(raw)) return Number(raw);
    if (raw === "NaN") return NaN;
    if (raw === "Infinity") return Infinity;
    if (raw === "-Infinity") return -Infinity;
    throw invalid(ns, raw, path, "Member must be a number");
  }
  if (ns.isTimestampSchema()) {
    const d = parseTimestamp(ns, raw);
    if (d) return d;
    throw invalid(ns, raw, path, "Member must be a timestamp");
  }
  if (ns.isBlobSchema()) {
    if (BASE64.test(raw)) return new Uint8Array(Buffer.from(raw, "base64"));
    throw invalid(ns, raw, path, "Member must be base64 encoded");
  }
  return raw;
}

function parseTimestamp(ns: NormalizedSchema, raw: string): Date | undefined {
  const format = determineTimestampFormat(ns, TIMESTAMP_SETTINGS);
  const attempts: Array<(v: string) => Date | undefined> =
    format === 7 ? [parseEpochTimestamp] :
    format === 6 ? [parseRfc7231DateTime] :
    [parseRfc3339DateTimeWithOffset, parseEpochTimestamp];
  for (const parse of attempts) {
    try {
      const d = parse(raw);
      if (d && !Number.isNaN(d.getTime())) return d;
    } catch {
      // try the next accepted spelling
    }
  }
  return undefined;
}

/** Echoes the offending value like AWS, unless the member is sensitive; long values are cut. */
function invalid(ns: NormalizedSchema, raw: string, path: string, constraint: string): AwsError {
  const shown = hasTrait(ns, "sensitive") ? "***" : raw.length > 64 ? `${raw.slice(0, 64)}...` : raw;
  return commonError("Serialization", validationMessage([`Value '${shown}' at '${path}' failed to satisfy constraint: ${constraint}`]));
}
