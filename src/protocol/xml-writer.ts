/**
 * Schema-driven writer for query-protocol result XML: the members of a structure as the SDK's
 * XmlShapeSerializer writes them, from a plan built once per schema.
 *
 * What must stay true: for every value it accepts, the output is byte for byte what
 * structInnerXml's SDK path produces (characters XML cannot carry in string values replaced by
 * U+FFFD, then the serializer's element escaping); xml-writer.test.ts compares the two over
 * many IAM/STS shapes. Whatever this writer does not model — xmlAttribute, xmlNamespace,
 * unions, sparse collections, idempotency tokens, lists of lists or maps, values of an
 * unexpected type or class — makes it answer undefined, and the caller uses the SDK.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { determineTimestampFormat } from "@smithy/core/protocols";
import { NumericValue, dateToUtcString, toBase64 } from "@smithy/core/serde";

const TIMESTAMP_SETTINGS = { timestampFormat: { useTrait: true, default: 5 as const } };

// Characters XML cannot carry (see xml.ts); string values get U+FFFD instead.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const INVALID_XML_TEST = new RegExp(INVALID_XML.source);
// The SDK's element-text escaping (@aws-sdk/xml-builder escapeElement).
const ELEMENT_ESCAPE = /[&"'<>\r\n\u0085\u2028]/g;
const ELEMENT_ESCAPE_TEST = new RegExp(ELEMENT_ESCAPE.source);
const ELEMENT_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
  "<": "&lt;",
  ">": "&gt;",
  "\r": "&#x0D;",
  "\n": "&#x0A;",
  "\u0085": "&#x85;",
  "\u2028": "&#x2028;",
};

function escapeText(s: string): string {
  return ELEMENT_ESCAPE_TEST.test(s) ? s.replace(ELEMENT_ESCAPE, (c) => ELEMENT_ENTITIES[c] ?? c) : s;
}

function cleanText(s: string): string {
  return INVALID_XML_TEST.test(s) ? s.replace(INVALID_XML, "\uFFFD") : s;
}

type SimpleKind = "string" | "plain" | "bigDecimal" | "timestamp" | "blob";

interface SimplePlan {
  kind: "simple";
  simple: SimpleKind;
  tsFormat: number;
}

interface StructPlan {
  kind: "struct";
  members: MemberPlan[] | undefined; // built on first use (shapes may be recursive)
  schema: NormalizedSchema;
}

interface ListPlan {
  kind: "list";
  flat: boolean;
  itemTag: string;
  item: SimplePlan | StructPlan;
}

interface MapPlan {
  kind: "map";
  flat: boolean;
  keyTag: string;
  valueTag: string;
  value: SimplePlan | StructPlan;
}

interface MemberPlan {
  /** Property of the value. */
  name: string;
  /** Element name. */
  tag: string;
  plan: SimplePlan | StructPlan | ListPlan | MapPlan;
}

/** Thrown inside the writer when a value or shape is outside what it models. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported("unsupported by the fast XML writer");

function traits(ns: NormalizedSchema): Record<string, unknown> {
  return ns.getMergedTraits() as Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Traits this writer does not reproduce. */
function hasUnmodelledTraits(ns: NormalizedSchema): boolean {
  const t = traits(ns);
  return t["xmlAttribute"] !== undefined || t["xmlNamespace"] !== undefined || t["httpPayload"] !== undefined || t["sparse"] !== undefined;
}

function simplePlan(ns: NormalizedSchema): SimplePlan {
  let simple: SimpleKind;
  if (ns.isBlobSchema()) simple = "blob";
  else if (ns.isTimestampSchema()) simple = "timestamp";
  else if (ns.isBigDecimalSchema()) simple = "bigDecimal";
  else if (ns.isBooleanSchema() || ns.isNumericSchema() || ns.isBigIntegerSchema()) simple = "plain";
  else if (ns.isStringSchema()) simple = "string";
  else throw UNSUPPORTED;
  if (ns.isStreaming() || ns.isIdempotencyToken()) throw UNSUPPORTED;
  return { kind: "simple", simple, tsFormat: simple === "timestamp" ? determineTimestampFormat(ns, TIMESTAMP_SETTINGS) : 0 };
}

const structPlans = new WeakMap<object, StructPlan>();

function structPlan(ns: NormalizedSchema): StructPlan {
  if (ns.isUnionSchema() || !ns.isStructSchema()) throw UNSUPPORTED;
  const key = ns.getSchema() as unknown;
  if (typeof key === "object" && key !== null) {
    const hit = structPlans.get(key);
    if (hit !== undefined) return hit;
    const plan: StructPlan = { kind: "struct", members: undefined, schema: ns };
    structPlans.set(key, plan);
    return plan;
  }
  return { kind: "struct", members: undefined, schema: ns };
}

/** A list item or map value: a simple value or a structure (collections of collections are not modelled). */
function valuePlan(ns: NormalizedSchema): SimplePlan | StructPlan {
  if (hasUnmodelledTraits(ns)) throw UNSUPPORTED;
  if (ns.isListSchema() || ns.isMapSchema() || ns.isDocumentSchema()) throw UNSUPPORTED;
  return ns.isStructSchema() ? structPlan(ns) : simplePlan(ns);
}

function membersOf(p: StructPlan): MemberPlan[] {
  if (p.members !== undefined) return p.members;
  const members: MemberPlan[] = [];
  for (const [name, m] of p.schema.structIterator()) {
    if (hasUnmodelledTraits(m) || m.isIdempotencyToken()) throw UNSUPPORTED;
    const mt = traits(m);
    if (m.isListSchema()) {
      const item = m.getValueSchema();
      const flat = Boolean(mt["xmlFlattened"]);
      const itemTraits = traits(item);
      members.push({
        name,
        tag: str(mt["xmlName"]) ?? m.getMemberName(),
        plan: { kind: "list", flat, itemTag: flat ? (str(mt["xmlName"]) ?? m.getMemberName()) : (str(itemTraits["xmlName"]) ?? "member"), item: valuePlan(item) },
      });
    } else if (m.isMapSchema()) {
      const k = m.getKeySchema();
      const v = m.getValueSchema();
      if (hasUnmodelledTraits(k) || !k.isStringSchema()) throw UNSUPPORTED;
      const value = valuePlan(v);
      const valueTag = value.kind === "struct" ? (str((v.getMemberTraits() as Record<string, unknown>)["xmlName"]) ?? v.getMemberName()) : (str(traits(v)["xmlName"]) ?? "value");
      const flat = Boolean(mt["xmlFlattened"]);
      members.push({
        name,
        // Flattened: the name of every entry element; otherwise of the wrapping element.
        tag: str(mt["xmlName"]) ?? m.getMemberName(),
        plan: { kind: "map", flat, keyTag: str(traits(k)["xmlName"]) ?? "key", valueTag, value },
      });
    } else if (m.isStructSchema()) {
      // The SDK names a nested structure by its member traits only.
      members.push({ name, tag: str((m.getMemberTraits() as Record<string, unknown>)["xmlName"]) ?? m.getMemberName(), plan: structPlan(m) });
    } else {
      members.push({ name, tag: str(mt["xmlName"]) ?? m.getMemberName(), plan: simplePlan(m) });
    }
  }
  p.members = members;
  return members;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function simpleText(p: SimplePlan, v: unknown): string {
  switch (p.simple) {
    case "string":
    case "plain":
      if (typeof v === "object") throw UNSUPPORTED;
      return typeof v === "string" ? cleanText(v) : String(v);
    case "bigDecimal":
      if (typeof v === "object") {
        if (v instanceof NumericValue) return v.string;
        throw UNSUPPORTED;
      }
      return typeof v === "string" ? cleanText(v) : String(v);
    case "timestamp": {
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw UNSUPPORTED;
      if (p.tsFormat === 5) return v.toISOString().replace(".000Z", "Z");
      if (p.tsFormat === 6) return dateToUtcString(v);
      if (p.tsFormat === 7) return String(v.getTime() / 1000);
      throw UNSUPPORTED;
    }
    case "blob":
      if (!(v instanceof Uint8Array)) throw UNSUPPORTED;
      return toBase64(v);
  }
}

function writeStructMembers(p: StructPlan, value: Record<string, unknown>, out: string[]): void {
  for (const m of membersOf(p)) {
    const v = value[m.name];
    if (v === undefined || v === null) continue;
    const plan = m.plan;
    switch (plan.kind) {
      case "simple":
        out.push(`<${m.tag}>${escapeText(simpleText(plan, v))}</${m.tag}>`);
        break;
      case "struct":
        writeStruct(plan, m.tag, v, out);
        break;
      case "list":
        writeList(plan, m.tag, v, out);
        break;
      case "map":
        writeMap(plan, m.tag, v, out);
        break;
    }
  }
}

function writeStruct(p: StructPlan, tag: string, v: unknown, out: string[]): void {
  if (!isPlainObject(v)) throw UNSUPPORTED;
  const at = out.length;
  out.push(`<${tag}>`);
  writeStructMembers(p, v, out);
  if (out.length === at + 1) out[at] = `<${tag}/>`;
  else out.push(`</${tag}>`);
}

function writeValue(p: SimplePlan | StructPlan, tag: string, v: unknown, out: string[]): void {
  if (p.kind === "struct") writeStruct(p, tag, v, out);
  else out.push(`<${tag}>${escapeText(simpleText(p, v))}</${tag}>`);
}

function writeList(p: ListPlan, tag: string, v: unknown, out: string[]): void {
  if (!Array.isArray(v)) throw UNSUPPORTED;
  if (p.flat) {
    for (const item of v) if (item !== undefined && item !== null) writeValue(p.item, p.itemTag, item, out);
    return;
  }
  const at = out.length;
  out.push(`<${tag}>`);
  for (const item of v) if (item !== undefined && item !== null) writeValue(p.item, p.itemTag, item, out);
  if (out.length === at + 1) out[at] = `<${tag}/>`;
  else out.push(`</${tag}>`);
}

function writeMap(p: MapPlan, tag: string, v: unknown, out: string[]): void {
  if (!isPlainObject(v)) throw UNSUPPORTED;
  const at = out.length;
  if (!p.flat) out.push(`<${tag}>`);
  for (const key in v) {
    const val = v[key];
    if (val === undefined || val === null) continue;
    const entry = p.flat ? tag : "entry";
    out.push(`<${entry}><${p.keyTag}>${escapeText(key)}</${p.keyTag}>`);
    writeValue(p.value, p.valueTag, val, out);
    out.push(`</${entry}>`);
  }
  if (!p.flat) {
    if (out.length === at + 1) out[at] = `<${tag}/>`;
    else out.push(`</${tag}>`);
  }
}

/**
 * The member elements of `value` as the structure `ns`, or undefined when the schema or the
 * value is outside what this writer models (the caller then uses the SDK serializer).
 */
export function writeStructInnerXml(ns: NormalizedSchema, value: unknown): string | undefined {
  try {
    if (!isPlainObject(value)) return undefined;
    const p = structPlan(ns);
    const out: string[] = [];
    writeStructMembers(p, value, out);
    return out.join("");
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
