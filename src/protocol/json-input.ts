/**
 * awsJson request bodies → input shapes, driven by the SDK schema.
 *
 * The SDK's JsonShapeDeserializer trusts its (server) input and passes wrong types
 * through; a server must not, so this reader checks every member's JSON type and answers
 * SerializationException like the real services do. Conversions match the SDK codec
 * (blobs → Uint8Array from base64, timestamps → Date by the member's format, epoch
 * seconds by default). Unknown members are ignored; JSON null counts as absent.
 */
import { isUtf8 } from "node:buffer";
import type { NormalizedSchema } from "@smithy/core/schema";
import { determineTimestampFormat } from "@smithy/core/protocols";
import { parseEpochTimestamp, parseRfc3339DateTimeWithOffset, parseRfc7231DateTime } from "@smithy/core/serde";
import { commonError, type AwsError } from "../core/errors.js";

const TIMESTAMP_SETTINGS = { timestampFormat: { useTrait: true, default: 7 as const } };
// With the length a multiple of 4, this accepts exactly the padded base64 of
// /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ (at most two "=", only at
// the end, so the last group is XXXX, XXX= or XX==), with a single scan and no group backtracking.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** True for canonical padded base64 text (json-input.test.ts pins it against the grouped pattern). */
export function isBase64(value: string): boolean {
  return (value.length & 3) === 0 && BASE64_CHARS.test(value);
}

/**
 * The bytes of a base64 member, as a Uint8Array viewing the decoded Buffer: no second copy.
 * The view may share Node's Buffer pool, so readers of the blob must honour byteOffset and
 * byteLength (they do: the handlers wrap blobs with Buffer.from(b.buffer, b.byteOffset, b.byteLength)).
 */
function readBlob(value: string): Uint8Array {
  if (!isBase64(value)) throw serialization("Base64 encoded value is invalid.");
  const b = Buffer.from(value, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function serialization(message: string): AwsError {
  return commonError("Serialization", message);
}

/**
 * A number the reader passed through, read as the model's Integer/Long: the SDK schemas do not
 * tell integers from floats, so services whose member is an integer call this. A fraction is
 * truncated toward zero, as the services' number readers convert to Integer; the "NaN" spelling is
 * no integer at all (SerializationException). Infinities stay, for the range checks to reject.
 */
export function integerOf(value: number): number {
  if (Number.isNaN(value)) throw serialization(unexpected("NaN", "Integer"));
  return Number.isInteger(value) || !Number.isFinite(value) ? value : Math.trunc(value) + 0;
}

/**
 * Deepest nesting of arrays and objects a request body may have. The readers, validation, the
 * services' own walks (WAF statements) and the audit record all recurse through the value, so a
 * body nested tens of thousands deep would exhaust the stack somewhere on the way. 1000 is the
 * nesting limit of Jackson's default StreamReadConstraints, the JSON parser of the JVM services;
 * that AWS answers a deeper document with SerializationException is inferred, as it answers
 * every other body its parser refuses. No modelled input comes near it (WAF's most deeply nested
 * rule statements are a few dozen levels).
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * True when the JSON text nests arrays/objects deeper than `max` (brackets inside strings do not
 * count). Text of at most `max` characters cannot, so short bodies are not scanned.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses the body as a JSON object; an empty body is the empty object. JSON text is UTF-8 (RFC
 * 8259): bytes that are not are refused like any other unparsable body, where decoding them to
 * U+FFFD would hand the service different text than the client sent.
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (!isUtf8(body)) throw serialization("Could not parse the request body as JSON.");
  const text = body.toString("utf8");
  if (text.trim() === "") return {};
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw serialization(`JSON nesting depth exceeds the maximum allowed (${MAX_JSON_DEPTH}).`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw serialization("Could not parse the request body as JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw serialization(unexpected(value, "Structure"));
  }
  return value as Record<string, unknown>;
}

/**
 * Adds a map entry as an own data property. A key such as "__proto__" must stay data, never
 * become a prototype, so keys found on Object.prototype are defined; any other key of a fresh
 * object is not on its prototype chain, and a plain assignment creates the same property faster.
 */
function setEntry(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k in Object.prototype) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** Reads a parsed JSON value as the given shape. */
export function readJsonShape(ns: NormalizedSchema, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (ns.isUnitSchema()) return {};
  if (ns.isDocumentSchema()) return value;
  if (ns.isStructSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) throw serialization(unexpected(value, "Structure"));
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      if (!Object.hasOwn(record, name)) continue;
      const v = readJsonShape(member, record[name]);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) throw serialization(unexpected(value, "List"));
    const item = ns.getValueSchema();
    const sparse = Boolean((ns.getMergedTraits() as Record<string, unknown>)["sparse"]);
    const out: unknown[] = [];
    for (const v of value) {
      const r = readJsonShape(item, v);
      if (r !== undefined || sparse) out.push(r ?? null);
    }
    return out;
  }
  if (ns.isMapSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) throw serialization(unexpected(value, "Map"));
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const r = readJsonShape(item, (value as Record<string, unknown>)[k]);
      if (r !== undefined) setEntry(out, k, r);
    }
    return out;
  }
  if (ns.isBlobSchema()) {
    if (typeof value !== "string") throw serialization(unexpected(value, "Blob"));
    return readBlob(value);
  }
  if (ns.isTimestampSchema()) return readTimestamp(ns, value);
  if (ns.isBooleanSchema()) {
    if (typeof value !== "boolean") throw serialization(unexpected(value, "Boolean"));
    return value;
  }
  if (ns.isBigIntegerSchema()) {
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
    throw serialization(unexpected(value, "BigInteger"));
  }
  if (ns.isNumericSchema() || ns.isBigDecimalSchema()) {
    if (typeof value === "number") return value;
    // The JSON protocols spell non-finite floats as strings.
    if (value === "NaN") return NaN;
    if (value === "Infinity") return Infinity;
    if (value === "-Infinity") return -Infinity;
    throw serialization(unexpected(value, "Number"));
  }
  if (ns.isStringSchema()) {
    if (typeof value !== "string") throw serialization(unexpected(value, "String"));
    return value;
  }
  return value;
}

/** A compiled readJsonShape for one schema: same results and errors, without re-walking the schema. */
export type JsonShapeReader = (value: unknown) => unknown;

const readers = new WeakMap<NormalizedSchema, JsonShapeReader>();

/**
 * readJsonShape(ns, ·) compiled once per schema object (operation input schemas are cached, so
 * each operation compiles once). Members of a structure, list or map are compiled on first use,
 * so recursive shapes compile only as deep as a request goes.
 */
export function jsonShapeReader(ns: NormalizedSchema): JsonShapeReader {
  let r = readers.get(ns);
  if (r === undefined) {
    r = compileReader(ns);
    readers.set(ns, r);
  }
  return r;
}

function compileReader(ns: NormalizedSchema): JsonShapeReader {
  if (ns.isUnitSchema() || ns.isDocumentSchema()) return (value) => readJsonShape(ns, value);
  if (ns.isStructSchema()) {
    let members: Array<readonly [string, JsonShapeReader]> | undefined;
    return (value) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== "object" || Array.isArray(value)) throw serialization(unexpected(value, "Structure"));
      members ??= Array.from(ns.structIterator(), ([name, member]) => [name, compileReader(member)] as const);
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, read] of members) {
        if (!Object.hasOwn(record, name)) continue;
        const v = read(record[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    };
  }
  if (ns.isListSchema()) {
    let item: JsonShapeReader | undefined;
    const sparse = Boolean((ns.getMergedTraits() as Record<string, unknown>)["sparse"]);
    return (value) => {
      if (value === null || value === undefined) return undefined;
      if (!Array.isArray(value)) throw serialization(unexpected(value, "List"));
      item ??= compileReader(ns.getValueSchema());
      const out: unknown[] = [];
      for (const v of value) {
        const r = item(v);
        if (r !== undefined || sparse) out.push(r ?? null);
      }
      return out;
    };
  }
  if (ns.isMapSchema()) {
    let item: JsonShapeReader | undefined;
    return (value) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== "object" || Array.isArray(value)) throw serialization(unexpected(value, "Map"));
      item ??= compileReader(ns.getValueSchema());
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const r = item((value as Record<string, unknown>)[k]);
        if (r !== undefined) setEntry(out, k, r);
      }
      return out;
    };
  }
  if (ns.isBlobSchema()) {
    return (value) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== "string") throw serialization(unexpected(value, "Blob"));
      return readBlob(value);
    };
  }
  if (ns.isStringSchema()) {
    return (value) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== "string") throw serialization(unexpected(value, "String"));
      return value;
    };
  }
  // Timestamps, booleans and numbers: rare enough to take the general path.
  return (value) => readJsonShape(ns, value);
}

function readTimestamp(ns: NormalizedSchema, value: unknown): Date {
  const format = determineTimestampFormat(ns, TIMESTAMP_SETTINGS);
  try {
    if (format === 7) {
      if (typeof value !== "number" && typeof value !== "string") throw new TypeError("not a number");
      const d = parseEpochTimestamp(value);
      if (d && !Number.isNaN(d.getTime())) return d;
    } else if (typeof value === "string") {
      const d = format === 6 ? parseRfc7231DateTime(value) : parseRfc3339DateTimeWithOffset(value);
      if (d && !Number.isNaN(d.getTime())) return d;
    }
  } catch {
    // fall through to the serialization error
  }
  throw serialization(unexpected(value, "Timestamp"));
}

/** Coral-style description of a JSON token that does not fit the expected type. */
function unexpected(value: unknown, target: string): string {
  if (Array.isArray(value)) return "Start of list found where not expected";
  if (value !== null && typeof value === "object") return "Start of structure or map found where not expected.";
  const token =
    typeof value === "string" ? "STRING_VALUE" :
    typeof value === "number" ? "NUMBER_VALUE" :
    value === true ? "TRUE_VALUE" :
    value === false ? "FALSE_VALUE" : "NULL_VALUE";
  const article = /^[AEIOU]/.test(target) ? "an" : "a";
  return `${token} can not be converted to ${article} ${target}`;
}
