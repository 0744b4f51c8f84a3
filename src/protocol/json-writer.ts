/**
 * Schema-driven writer for awsJson response bodies: a structure as the SDK's JsonCodec
 * (JsonShapeSerializer + JSON.stringify) writes it, from a plan built once per schema.
 *
 * What must stay true: for every value it accepts, the output is byte for byte the SDK
 * codec's; json-writer.test.ts compares the two over every Organizations, CloudTrail, KMS and
 * WAFv2 output shape. Whatever this writer does not model — documents, unions, sparse
 * collections, idempotency tokens, mediaType strings, jsonName, big numbers, records carrying
 * __type, values of an unexpected type or class — makes it answer undefined, and the caller
 * uses the SDK codec.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { determineTimestampFormat } from "@smithy/core/protocols";
import { dateToUtcString, toBase64 } from "@smithy/core/serde";
import { jsonString } from "../core/json-text.js";

type SimpleKind = "string" | "number" | "boolean" | "timestamp" | "blob";

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
  item: ValuePlan;
}

interface MapPlan {
  kind: "map";
  value: ValuePlan;
}

type ValuePlan = SimplePlan | StructPlan | ListPlan | MapPlan;

interface MemberPlan {
  name: string;
  /** `"name":` */
  prefix: string;
  plan: ValuePlan;
}

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported("unsupported by the fast JSON writer");

export interface JsonWriterSettings {
  timestampFormat: { useTrait: boolean; default: 5 | 6 | 7 };
}

function traits(ns: NormalizedSchema): Record<string, unknown> {
  return ns.getMergedTraits() as Record<string, unknown>;
}

function checkTraits(ns: NormalizedSchema): void {
  const t = traits(ns);
  if (t["sparse"] !== undefined || t["mediaType"] !== undefined || t["jsonName"] !== undefined || t["idempotencyToken"] !== undefined || ns.isStreaming()) throw UNSUPPORTED;
}

export class JsonWriter {
  private readonly structPlans = new WeakMap<object, StructPlan>();

  constructor(private readonly settings: JsonWriterSettings) {}

  /** The JSON text of `value` as the structure `ns`, or undefined when outside what this writer models. */
  write(ns: NormalizedSchema, value: unknown): string | undefined {
    try {
      if (!isPlainObject(value)) return undefined;
      return this.writeStruct(this.structPlan(ns), value);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
  }

  private structPlan(ns: NormalizedSchema): StructPlan {
    if (ns.isUnionSchema() || !ns.isStructSchema()) throw UNSUPPORTED;
    const key = ns.getSchema() as unknown;
    if (typeof key === "object" && key !== null) {
      const hit = this.structPlans.get(key);
      if (hit !== undefined) return hit;
      const plan: StructPlan = { kind: "struct", members: undefined, schema: ns };
      this.structPlans.set(key, plan);
      return plan;
    }
    return { kind: "struct", members: undefined, schema: ns };
  }

  private valuePlan(ns: NormalizedSchema): ValuePlan {
    checkTraits(ns);
    if (ns.isDocumentSchema()) throw UNSUPPORTED;
    if (ns.isStructSchema()) return this.structPlan(ns);
    if (ns.isListSchema()) return { kind: "list", item: this.valuePlan(ns.getValueSchema()) };
    if (ns.isMapSchema()) return { kind: "map", value: this.valuePlan(ns.getValueSchema()) };
    let simple: SimpleKind;
    if (ns.isBlobSchema()) simple = "blob";
    else if (ns.isTimestampSchema()) simple = "timestamp";
    else if (ns.isBooleanSchema()) simple = "boolean";
    else if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) throw UNSUPPORTED;
    else if (ns.isNumericSchema()) simple = "number";
    else if (ns.isStringSchema()) simple = "string";
    else throw UNSUPPORTED;
    return { kind: "simple", simple, tsFormat: simple === "timestamp" ? determineTimestampFormat(ns, this.settings) : 0 };
  }

  private membersOf(p: StructPlan): MemberPlan[] {
    if (p.members !== undefined) return p.members;
    const members: MemberPlan[] = [];
    for (const [name, m] of p.schema.structIterator()) members.push({ name, prefix: `${JSON.stringify(name)}:`, plan: this.valuePlan(m) });
    p.members = members;
    return members;
  }

  private writeStruct(p: StructPlan, v: Record<string, unknown>): string {
    // A record naming its own __type gets extra members from the SDK: not modelled.
    if (typeof v["__type"] === "string") throw UNSUPPORTED;
    let out = "{";
    let first = true;
    for (const m of this.membersOf(p)) {
      const x = v[m.name];
      if (x === undefined || x === null) continue;
      out += (first ? "" : ",") + m.prefix + this.writeValue(m.plan, x);
      first = false;
    }
    return out + "}";
  }

  private writeValue(p: ValuePlan, v: unknown): string {
    switch (p.kind) {
      case "struct":
        if (!isPlainObject(v)) throw UNSUPPORTED;
        return this.writeStruct(p, v);
      case "list": {
        if (!Array.isArray(v)) throw UNSUPPORTED;
        let out = "[";
        let first = true;
        for (const item of v) {
          if (item === undefined || item === null) continue;
          out += (first ? "" : ",") + this.writeValue(p.item, item);
          first = false;
        }
        return out + "]";
      }
      case "map": {
        if (!isPlainObject(v)) throw UNSUPPORTED;
        let out = "{";
        let first = true;
        for (const k in v) {
          if (!Object.hasOwn(v, k)) continue;
          const x = v[k];
          if (x === undefined || x === null) continue;
          out += (first ? "" : ",") + jsonString(k) + ":" + this.writeValue(p.value, x);
          first = false;
        }
        return out + "}";
      }
      case "simple":
        return simpleJson(p, v);
    }
  }
}

function simpleJson(p: SimplePlan, v: unknown): string {
  switch (p.simple) {
    case "string":
      if (typeof v !== "string") throw UNSUPPORTED;
      return jsonString(v);
    case "boolean":
      if (typeof v !== "boolean") throw UNSUPPORTED;
      return v ? "true" : "false";
    case "number":
      if (typeof v !== "number") throw UNSUPPORTED;
      // The SDK sends non-finite numbers as strings.
      return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
    case "timestamp":
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw UNSUPPORTED;
      if (p.tsFormat === 7) return JSON.stringify(v.getTime() / 1000);
      if (p.tsFormat === 5) return JSON.stringify(v.toISOString().replace(".000Z", "Z"));
      if (p.tsFormat === 6) return JSON.stringify(dateToUtcString(v));
      throw UNSUPPORTED;
    case "blob":
      if (!(v instanceof Uint8Array)) throw UNSUPPORTED;
      return blobJson(v);
  }
}

/**
 * JSON.stringify(toBase64(v)) without the escaping pass: base64 text has no character JSON
 * escapes, so it is its own JSON text between quotes. Views of anything but an ArrayBuffer keep
 * the SDK's toBase64 (and its error).
 */
function blobJson(v: Uint8Array): string {
  if (!(v.buffer instanceof ArrayBuffer)) return JSON.stringify(toBase64(v));
  return '"' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") + '"';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
