/**
 * Generated malformed request bodies for every operation of a service, from the operation's input
 * schema in the SDK package (the schemas the protocol engines read): a plausible body with the
 * required members, then one member (or the whole body) replaced by a value of the wrong JSON
 * type, out of range, badly encoded, huge or deeply nested. awsJson bodies are JSON text, awsQuery
 * bodies are forms. A seeded random source picks the cases, so a run is reproducible from its seed.
 */
import http from "node:http";
import type { NormalizedSchema } from "@smithy/core/schema";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { operationShapes, requiredMemberCount, traitString, hasTrait, serviceShapes } from "../../src/protocol/schema-util.js";
import type { ServiceDefinition } from "../../src/services/types.js";
import { ADMIN_KEY_ID, ADMIN_SECRET, type Creds, type TestServer } from "./harness.js";

export type Random = () => number;

/** A case: which operation, what was done to it, and the exact body bytes. */
export interface FuzzCase {
  service: ServiceDefinition;
  operation: string;
  label: string;
  body: Buffer;
}

/** JSON text emitted verbatim (duplicate keys, "__proto__" keys, numbers JavaScript cannot hold). */
class RawJson {
  constructor(readonly text: string) {}
}

/** Form parameters emitted verbatim, given the member's parameter name (already percent-encoded). */
class RawForm {
  constructor(readonly parts: (name: string) => string[]) {}
}

type Step = { member: string } | "item" | "value";

const DEPTH = 10_000;
const MANY = 5_000;
const LONG = "x".repeat(100_000);
const deepArray = "[".repeat(DEPTH) + "]".repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + "{}" + "}".repeat(DEPTH);

function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

type Kind = "struct" | "list" | "map" | "string" | "number" | "boolean" | "blob" | "timestamp" | "document" | "other";

function kindOf(ns: NormalizedSchema): Kind {
  if (ns.isStructSchema()) return "struct";
  if (ns.isListSchema()) return "list";
  if (ns.isMapSchema()) return "map";
  if (ns.isBlobSchema()) return "blob";
  if (ns.isTimestampSchema()) return "timestamp";
  if (ns.isBooleanSchema()) return "boolean";
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) return "number";
  if (ns.isStringSchema()) return "string";
  if (ns.isDocumentSchema()) return "document";
  return "other";
}

/**
 * Values for string members by name, so that a case gets past the first check to the member it
 * mutates (an enum's valid value, an existing resource's id). Set by the driver.
 */
export const memberHints = new Map<string, unknown>();

/** A value of the shape that the protocol layer accepts: required members only, one item per collection. */
function sample(ns: NormalizedSchema, depth = 0, name?: string): unknown {
  if (name !== undefined && memberHints.has(name)) return memberHints.get(name);
  switch (kindOf(ns)) {
    case "struct": {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      const required = ns.isUnionSchema() ? 1 : requiredMemberCount(ns);
      let i = 0;
      for (const [name, member] of ns.structIterator()) {
        if (i++ < required || (memberHints.has(name) && !ns.isUnionSchema())) out[name] = sample(member, depth + 1, name);
      }
      return out;
    }
    case "list":
      return depth > 6 ? [] : [sample(ns.getValueSchema(), depth + 1)];
    case "map":
      return depth > 6 ? {} : { k: sample(ns.getValueSchema(), depth + 1) };
    case "number":
      return 1;
    case "boolean":
      return true;
    case "blob":
      return "AAAA";
    case "timestamp":
      return new Date(1_700_000_000_000);
    case "document":
      return {};
    default:
      return "fuzz";
  }
}

/** Member paths of a shape, up to three levels down (list items and map values count as a level). */
function paths(ns: NormalizedSchema, prefix: Step[] = [], out: Array<{ path: Step[]; ns: NormalizedSchema }> = []): typeof out {
  if (prefix.length >= 4) return out;
  const k = kindOf(ns);
  if (k === "struct") {
    for (const [name, member] of ns.structIterator()) {
      const p = [...prefix, { member: name }];
      out.push({ path: p, ns: member });
      paths(member, p, out);
    }
  } else if (k === "list" || k === "map") {
    const p: Step[] = [...prefix, k === "list" ? "item" : "value"];
    out.push({ path: p, ns: ns.getValueSchema() });
    paths(ns.getValueSchema(), p, out);
  }
  return out;
}

/** The schema at a path. */
function schemaAt(ns: NormalizedSchema, path: readonly Step[]): NormalizedSchema {
  let cur = ns;
  for (const step of path) {
    if (typeof step === "object") cur = [...cur.structIterator()].find(([n]) => n === step.member)![1];
    else cur = cur.getValueSchema();
  }
  return cur;
}

/** A copy of `base` with `value` at `path`, creating the containers on the way. */
function setAt(ns: NormalizedSchema, base: unknown, path: readonly Step[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [step, ...rest] = path;
  if (typeof step === "object") {
    const member = [...ns.structIterator()].find(([n]) => n === step.member)![1];
    const obj = { ...(base !== null && typeof base === "object" && !Array.isArray(base) ? (base as Record<string, unknown>) : {}) };
    obj[step.member] = setAt(member, obj[step.member] ?? sample(member, 0, step.member), rest, value);
    return obj;
  }
  const item = ns.getValueSchema();
  if (step === "item") {
    const arr = Array.isArray(base) && base.length > 0 ? base : [sample(item)];
    return [setAt(item, arr[0], rest, value)];
  }
  const rec = base !== null && typeof base === "object" && !Array.isArray(base) ? (base as Record<string, unknown>) : { k: sample(item) };
  return { k: setAt(item, rec["k"] ?? sample(item), rest, value) };
}

function describe(path: readonly Step[]): string {
  return path.map((s) => (typeof s === "object" ? s.member : s === "item" ? "[0]" : "{k}")).join(".") || "<body>";
}

// ---------------------------------------------------------------------------------------------
// awsJson

function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v instanceof Date) return String(v.getTime() / 1000);
  if (Array.isArray(v)) return "[" + v.map(jsonText).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.keys(v).map((k) => JSON.stringify(k) + ":" + jsonText((v as Record<string, unknown>)[k])).join(",") + "}";
  }
  return JSON.stringify(v) ?? "null";
}

const raw = (text: string) => new RawJson(text);

/** Wrong, extreme or malformed JSON values for a member of the given shape. */
function jsonMutations(ns: NormalizedSchema): Array<[string, () => unknown]> {
  const common: Array<[string, () => unknown]> = [["null", () => null]];
  const item = () => jsonText(sample(ns.getValueSchema()));
  switch (kindOf(ns)) {
    case "struct":
      return [
        ...common,
        ["string for structure", () => "s"],
        ["number for structure", () => 1],
        ["list for structure", () => []],
        ["boolean for structure", () => true],
        ["__proto__/constructor keys", () => raw('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')],
        ["duplicate keys", () => raw('{"a":1,"a":{"b":2},"a":[3]}')],
        ["deep object nesting", () => raw(deepObject)],
        ["deep array nesting", () => raw(deepArray)],
      ];
    case "list":
      return [
        ...common,
        ["object for list", () => ({})],
        ["string for list", () => "s"],
        ["number for list", () => 7],
        ["null item", () => raw(`[null,${item()}]`)],
        ["wrong-typed items", () => raw('[{"a":1},[1],"s",1,true]')],
        [`${MANY} items`, () => raw("[" + Array(MANY).fill(item()).join(",") + "]")],
        ["deep array nesting", () => raw(deepArray)],
      ];
    case "map":
      return [
        ...common,
        ["list for map", () => []],
        ["string for map", () => "s"],
        ["__proto__/constructor keys", () => raw(`{"__proto__":${item()},"constructor":${item()},"toString":${item()},"hasOwnProperty":${item()}}`)],
        ["duplicate keys", () => raw(`{"k":${item()},"k":${item()}}`)],
        [`${MANY} entries`, () => raw("{" + Array.from({ length: MANY }, (_, i) => `"k${i}":${item()}`).join(",") + "}")],
        ["wrong-typed values", () => raw('{"a":{"x":[]},"b":[[]],"c":-1e400}')],
        ["deep object nesting", () => raw(deepObject)],
      ];
    case "string":
      return [
        ...common,
        ["number for string", () => 1],
        ["object for string", () => ({})],
        ["list for string", () => ["s"]],
        ["boolean for string", () => true],
        ["empty string", () => ""],
        ["100k-character string", () => LONG],
        ["NUL and control characters", () => "\u0000\u0001\u001f\u007f"],
        ["lone surrogate", () => raw('"\\ud800x\\udfff"')],
        ["NaN-like string", () => "NaN"],
        ["__proto__ string", () => "__proto__"],
        ["path and template characters", () => "../../etc/passwd${x}%s%n{{x}}<x/>"],
        ["deep array nesting", () => raw(deepArray)],
      ];
    case "number":
      return [
        ...common,
        ["string for number", () => "1"],
        ['"NaN"', () => "NaN"],
        ['"Infinity"', () => "Infinity"],
        ['"-Infinity"', () => "-Infinity"],
        ["1e400", () => raw("1e400")],
        ["-1e400", () => raw("-1e400")],
        ["past long", () => raw("9223372036854775808")],
        ["below long", () => raw("-9223372036854775809")],
        ["past int", () => raw("2147483648")],
        ["below int", () => raw("-2147483649")],
        ["30 digits", () => raw("123456789012345678901234567890")],
        ["negative", () => -1],
        ["zero", () => 0],
        ["negative zero", () => raw("-0")],
        ["fraction", () => 1.5],
        ["tiny fraction", () => raw("1e-400")],
        ["exponent", () => raw("1E+2")],
        ["object for number", () => ({})],
        ["boolean for number", () => true],
      ];
    case "boolean":
      return [...common, ['"true"', () => "true"], ["1", () => 1], ["0", () => 0], ["object for boolean", () => ({})], ['"yes"', () => "yes"]];
    case "blob":
      return [
        ...common,
        ["number for blob", () => 1],
        ["invalid base64", () => "!!!!"],
        ["unpadded base64", () => "abc"],
        ["over-padded base64", () => "A==="],
        ["base64url", () => "-_-_"],
        ["base64 with whitespace", () => "AA AA"],
        ["empty blob", () => ""],
        ["100k-character base64", () => "QUFB".repeat(25_000)],
        ["object for blob", () => ({})],
      ];
    case "timestamp":
      return [
        ...common,
        ["word for timestamp", () => "yesterday"],
        ["month 13", () => "2020-13-45T00:00:00Z"],
        ["ISO text for epoch", () => "2020-01-01T00:00:00Z"],
        ["1e20", () => raw("1e20")],
        ["-1e20", () => raw("-1e20")],
        ["1e400", () => raw("1e400")],
        ["negative", () => -1],
        ["year 10000", () => raw("253402300800")],
        ['"NaN"', () => "NaN"],
        ["object for timestamp", () => ({})],
        ["boolean for timestamp", () => true],
      ];
    case "document":
      return [
        ...common,
        ["deep object nesting", () => raw(deepObject)],
        ["deep array nesting", () => raw(deepArray)],
        ["__proto__ keys", () => raw('{"__proto__":{"polluted":1}}')],
        ["1e400", () => raw("1e400")],
      ];
    default:
      return common;
  }
}

/** Whole-body mutations of a JSON request (the operation's plausible body is `valid`). */
function jsonBodyMutations(valid: string): Array<[string, () => Buffer]> {
  const inner = valid.length > 2 ? valid.slice(1, -1) : '"X":1';
  const utf8 = (s: string) => () => Buffer.from(s, "utf8");
  return [
    ["UTF-8 BOM", () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
    ["trailing garbage", utf8(valid + "}garbage")],
    ["two documents", utf8(valid + valid)],
    ["invalid UTF-8 bytes", () => Buffer.concat([Buffer.from('{"X":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('",' + inner + "}")])],
    ["truncated", utf8(valid.slice(0, Math.max(1, valid.length - 1)))],
    ["duplicate keys", utf8(valid.length > 2 ? `{${inner},${inner}}` : '{"a":1,"a":2}')],
    ["__proto__ key", utf8(`{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}${valid.length > 2 ? "," + inner : ""}}`)],
    ["array body", utf8(`[${valid}]`)],
    ["string body", utf8('"body"')],
    ["number body", utf8("1e400")],
    ["null body", utf8("null")],
    ["boolean body", utf8("true")],
    ["deep array body", utf8(deepArray)],
    ["deep object body", utf8(deepObject)],
    ["whitespace body", utf8(" \r\n\t")],
    ["NUL byte", () => Buffer.from("{\u0000}", "utf8")],
    ["comment", utf8(`/* c */${valid}`)],
    ["single quotes", utf8("{'a':1}")],
    ["bare NaN", utf8('{"X":NaN}')],
    ["unterminated string", utf8('{"X":"abc')],
    ["bad escape", utf8('{"X":"\\q\\u12"}')],
  ];
}

// ---------------------------------------------------------------------------------------------
// awsQuery

const enc = (s: string) => encodeURIComponent(s);

function listItemPrefix(ns: NormalizedSchema, name: string): string {
  return hasTrait(ns, "xmlFlattened") ? name : `${name}.${enc(traitString(ns.getValueSchema(), "xmlName") ?? "member")}`;
}

function mapEntryPrefix(ns: NormalizedSchema, name: string): string {
  return hasTrait(ns, "xmlFlattened") ? name : `${name}.entry`;
}

function mapNames(ns: NormalizedSchema): { key: string; value: string } {
  return { key: traitString(ns.getKeySchema(), "xmlName") ?? "key", value: traitString(ns.getValueSchema(), "xmlName") ?? "value" };
}

function scalarText(ns: NormalizedSchema, v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (ns.isTimestampSchema() && typeof v === "number") return String(v);
  return String(v);
}

/** Form parameters ("name=value", encoded) of a value of shape `ns` at parameter name `name`. */
function formParts(ns: NormalizedSchema, v: unknown, name: string, out: string[]): void {
  if (v instanceof RawForm) {
    out.push(...v.parts(name));
    return;
  }
  if (v === null || v === undefined) return;
  const k = kindOf(ns);
  if (k === "struct") {
    for (const [m, member] of ns.structIterator()) {
      if (!Object.hasOwn(v as object, m)) continue;
      const seg = enc(traitString(member, "xmlName") ?? m);
      formParts(member, (v as Record<string, unknown>)[m], name === "" ? seg : `${name}.${seg}`, out);
    }
  } else if (k === "list") {
    const arr = v as unknown[];
    if (arr.length === 0) out.push(`${name}=`);
    arr.forEach((x, i) => formParts(ns.getValueSchema(), x, `${listItemPrefix(ns, name)}.${i + 1}`, out));
  } else if (k === "map") {
    const { key, value } = mapNames(ns);
    Object.keys(v as object).forEach((mk, i) => {
      const entry = `${mapEntryPrefix(ns, name)}.${i + 1}`;
      out.push(`${entry}.${enc(key)}=${enc(mk)}`);
      formParts(ns.getValueSchema(), (v as Record<string, unknown>)[mk], `${entry}.${enc(value)}`, out);
    });
  } else {
    out.push(`${name}=${enc(scalarText(ns, v))}`);
  }
}

/** A member value sent as the given (already encoded) text. */
const rawValue = (text: string) => new RawForm((n) => [`${n}=${text}`]);
const value = (text: string) => rawValue(enc(text));

function formMutations(ns: NormalizedSchema): Array<[string, () => unknown]> {
  const common: Array<[string, () => unknown]> = [
    ["repeated parameter", () => new RawForm((n) => [`${n}=a`, `${n}=b`])],
    ["__proto__ below", () => new RawForm((n) => [`${n}.__proto__.polluted=1`, `${n}.constructor.prototype.polluted=1`])],
  ];
  const k = kindOf(ns);
  if (k === "list") {
    const item = ns.getValueSchema();
    const one = (n: string, i: string) => {
      const out: string[] = [];
      formParts(item, sample(item), `${listItemPrefix(ns, n)}.${i}`, out);
      return out;
    };
    return [
      ...common,
      ["index 0", () => new RawForm((n) => one(n, "0"))],
      ["index -1", () => new RawForm((n) => one(n, "-1"))],
      ["index 01", () => new RawForm((n) => one(n, "01"))],
      ["index 999999999", () => new RawForm((n) => one(n, "999999999"))],
      ["index 4294967297", () => new RawForm((n) => one(n, "4294967297"))],
      ["index 1e3", () => new RawForm((n) => one(n, "1e3"))],
      ["index __proto__", () => new RawForm((n) => one(n, "__proto__"))],
      ["index gap 1, 7", () => new RawForm((n) => [...one(n, "1"), ...one(n, "7")])],
      [`${MANY} items`, () => new RawForm((n) => Array.from({ length: MANY }, (_, i) => one(n, String(i + 1))).flat())],
      ["scalar for list", () => value("x")],
      ["items without index", () => new RawForm((n) => [`${listItemPrefix(ns, n)}=x`])],
    ];
  }
  if (k === "map") {
    const { key, value: val } = mapNames(ns);
    const entry = (n: string, i: string, kv: string | undefined, withValue = true) => {
      const e = `${mapEntryPrefix(ns, n)}.${i}`;
      const out: string[] = kv === undefined ? [] : [`${e}.${enc(key)}=${enc(kv)}`];
      if (withValue) formParts(ns.getValueSchema(), sample(ns.getValueSchema()), `${e}.${enc(val)}`, out);
      return out;
    };
    return [
      ...common,
      ["entry without key", () => new RawForm((n) => entry(n, "1", undefined))],
      ["entry without value", () => new RawForm((n) => entry(n, "1", "k", false))],
      ["key __proto__", () => new RawForm((n) => [...entry(n, "1", "__proto__"), ...entry(n, "2", "constructor")])],
      ["duplicate keys", () => new RawForm((n) => [...entry(n, "1", "k"), ...entry(n, "2", "k")])],
      ["entry 0", () => new RawForm((n) => entry(n, "0", "k"))],
      ["entry __proto__", () => new RawForm((n) => entry(n, "__proto__", "k"))],
      [`${MANY} entries`, () => new RawForm((n) => Array.from({ length: MANY }, (_, i) => entry(n, String(i + 1), `k${i}`)).flat())],
      ["scalar for map", () => value("x")],
    ];
  }
  if (k === "struct") {
    return [
      ...common,
      ["scalar for structure", () => value("x")],
      [`${DEPTH}-segment name`, () => new RawForm((n) => [`${n}${".a".repeat(DEPTH)}=1`])],
    ];
  }
  const strings: Array<[string, () => unknown]> = [
    ["empty value", () => value("")],
    ["value without =", () => new RawForm((n) => [n])],
    ["100k-character value", () => value(LONG)],
    ["lone %", () => rawValue("%")],
    ["bad %-escape", () => rawValue("%G1%2")],
    ["truncated UTF-8 escape", () => rawValue("%E0%A4")],
    ["invalid UTF-8 escapes", () => rawValue("%FF%FE%C3%28")],
    ["surrogate escape", () => rawValue("%ED%A0%80")],
    ["%00", () => rawValue("a%00b")],
    ["plus signs", () => rawValue("+++")],
  ];
  switch (k) {
    case "number":
      return [
        ...common,
        ...strings.slice(0, 2),
        ...["abc", "1e400", "-1e400", "99999999999999999999", "9223372036854775808", "2147483648", "-1", "-2147483649", "NaN", "Infinity", "0x10", "1.5", " 1", "1,000", "0"].map(
          (t): [string, () => unknown] => [`number ${JSON.stringify(t)}`, () => value(t)],
        ),
      ];
    case "boolean":
      return [...common, ...strings.slice(0, 2), ...["maybe", "1", "TRUE", "yes"].map((t): [string, () => unknown] => [`boolean ${t}`, () => value(t)])];
    case "timestamp":
      return [
        ...common,
        ...strings.slice(0, 2),
        ...["yesterday", "99999999999999999999", "-1", "1e400", "2020-13-45T00:00:00Z", "+275760-09-13T00:00:00.001Z", "2020-01-01"].map(
          (t): [string, () => unknown] => [`timestamp ${t}`, () => value(t)],
        ),
      ];
    case "blob":
      return [...common, ...strings.slice(0, 3), ...["!!!!", "abc", "A===", "-_-_"].map((t): [string, () => unknown] => [`blob ${t}`, () => value(t)])];
    default:
      return [...common, ...strings, ["__proto__ value", () => value("__proto__")]];
  }
}

function formBodyMutations(valid: string, action: string): Array<[string, () => Buffer]> {
  const utf8 = (s: string) => () => Buffer.from(s, "utf8");
  return [
    ["UTF-8 BOM", () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
    ["trailing garbage", utf8(valid + "&&=&==&%&%%")],
    ["invalid UTF-8 bytes", () => Buffer.concat([Buffer.from(valid + "&X="), Buffer.from([0xff, 0xfe, 0xc3, 0x28])])],
    ["__proto__ parameters", utf8(`${valid}&__proto__.polluted=1&constructor.prototype.polluted=1&__proto__=1`)],
    [`${DEPTH}-segment name`, utf8(`${valid}&${"a.".repeat(DEPTH)}a=1`)],
    [`${DEPTH} separators`, utf8(valid + "&".repeat(DEPTH))],
    ["Action repeated", utf8(`${valid}&Action=DeleteUser`)],
    ["Action percent-encoded", utf8(valid.replace("Action=", "%41ction="))],
    ["Action with bad escape", utf8(valid.replace(`Action=${action}`, `Action=${action}%`))],
    ["no Action", utf8(valid.replace(`Action=${action}`, ""))],
    ["no Version", utf8(valid.replace(/Version=[^&]*/, ""))],
    [`${MANY} unknown parameters`, utf8(valid + Array.from({ length: MANY }, (_, i) => `&P${i}=v`).join(""))],
    ["JSON body", utf8('{"Action":"' + action + '"}')],
    ["empty body", utf8("")],
  ];
}

// ---------------------------------------------------------------------------------------------

/**
 * A path through the schema that leads back to the structure it starts at (a recursive shape):
 * of those up to four steps long, the one with the fewest other required members on the way.
 */
function cycleFrom(ns: NormalizedSchema): Step[] | undefined {
  const target = ns.getSchema();
  let best: { path: Step[]; cost: number } | undefined;
  const walk = (cur: NormalizedSchema, path: Step[], cost: number): void => {
    if (path.length >= 4) return;
    const k = kindOf(cur);
    if (k === "struct") {
      const required = cur.isUnionSchema() ? 0 : requiredMemberCount(cur);
      let i = 0;
      for (const [name, member] of cur.structIterator()) {
        const p = [...path, { member: name }];
        const c = cost + required - (i++ < required ? 1 : 0);
        if (member.getSchema() === target) {
          if (best === undefined || c < best.cost || (c === best.cost && p.length < best.path.length)) best = { path: p, cost: c };
        } else walk(member, p, c);
      }
    } else if (k === "list" || k === "map") {
      const item = cur.getValueSchema();
      const p: Step[] = [...path, k === "list" ? "item" : "value"];
      if (item.getSchema() === target) {
        if (best === undefined || cost < best.cost) best = { path: p, cost };
      } else walk(item, p, cost);
    }
  };
  walk(ns, [], 0);
  return best?.path;
}

/** A schema-valid value of `ns` nested `levels` times through its own cycle. */
function deepRecursive(ns: NormalizedSchema, cycle: readonly Step[], levels: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < levels; i++) v = setAt(ns, {}, cycle, v);
  return v;
}

export interface PlanOptions {
  random: Random;
  /** Random member mutations per operation beyond one per top-level member. */
  extraPerOperation: number;
}

/** The cases for one service: every top-level member of every operation at least once, every mutation kind at least once. */
export function planService(svc: ServiceDefinition, opts: PlanOptions): FuzzCase[] {
  const r = opts.random;
  const query = svc.protocol === "awsQuery";
  const cases: FuzzCase[] = [];
  const byKind = new Map<Kind, Array<{ op: string; path: Step[] }>>();
  const ops = Object.keys(svc.operations).sort();
  const bodyOf = (op: string, input: NormalizedSchema, v: unknown): Buffer => encodeBody(svc, op, input, v);
  const mutationsOf = (ns: NormalizedSchema) => (query ? formMutations(ns) : jsonMutations(ns));
  const add = (op: string, label: string, body: Buffer) => cases.push({ service: svc, operation: op, label, body });
  const mutate = (op: string, path: Step[], which?: number) => {
    const { input } = operationShapes(svc.operations[op]!.schema);
    const target = schemaAt(input, path);
    const muts = mutationsOf(target);
    const [label, make] = which === undefined ? pick(r, muts) : muts[which % muts.length]!;
    add(op, `${describe(path)}: ${label}`, bodyOf(op, input, setAt(input, sample(input), path, make())));
  };

  for (const op of ops) {
    const { input } = operationShapes(svc.operations[op]!.schema);
    const base = sample(input);
    const valid = bodyOf(op, input, base).toString("utf8");
    const all = input.isStructSchema() ? paths(input) : [];
    for (const p of all) {
      const k = kindOf(p.ns);
      let list = byKind.get(k);
      if (list === undefined) byKind.set(k, (list = []));
      list.push({ op, path: p.path });
    }
    // Every top-level member once.
    for (const p of all) if (p.path.length === 1) mutate(op, p.path);
    // A few deeper or repeated ones.
    for (let i = 0; i < opts.extraPerOperation && all.length > 0; i++) mutate(op, pick(r, all).path);
    // One whole-body mutation.
    const bodies = query ? formBodyMutations(valid, op) : jsonBodyMutations(valid);
    const [label, make] = pick(r, bodies);
    add(op, `body: ${label}`, make());
    // Recursive shapes nested far deeper than any real request.
    for (const p of all) {
      if (kindOf(p.ns) !== "struct") continue;
      const cycle = cycleFrom(p.ns);
      if (cycle === undefined) continue;
      add(op, `${describe(p.path)}: recursive ${describe(cycle)} nested ${DEPTH / 10} deep`, bodyOf(op, input, setAt(input, base, p.path, deepRecursive(p.ns, cycle, DEPTH / 10))));
      break;
    }
  }
  // Every mutation kind of every shape kind at least once in the service.
  for (const [, list] of byKind) {
    const first = pick(r, list);
    const { input } = operationShapes(svc.operations[first.op]!.schema);
    const n = mutationsOf(schemaAt(input, first.path)).length;
    for (let i = 0; i < n; i++) {
      const at = pick(r, list);
      mutate(at.op, at.path, i);
    }
  }
  // Every whole-body mutation at least once.
  const anyOp = pick(r, ops);
  const { input } = operationShapes(svc.operations[anyOp]!.schema);
  const valid = bodyOf(anyOp, input, sample(input)).toString("utf8");
  for (const [label, make] of query ? formBodyMutations(valid, anyOp) : jsonBodyMutations(valid)) add(anyOp, `body: ${label}`, make());
  return cases;
}

function encodeBody(svc: ServiceDefinition, op: string, input: NormalizedSchema, v: unknown): Buffer {
  if (svc.protocol !== "awsQuery") return Buffer.from(jsonText(v), "utf8");
  const parts = [`Action=${op}`, `Version=${svc.apiVersion}`];
  if (input.isStructSchema()) formParts(input, v, "", parts);
  return Buffer.from(parts.join("&"), "utf8");
}

/** A plausible input of `op`: its required members and those with a hint (memberHints), fillers elsewhere. */
export function sampleInput(svc: ServiceDefinition, op: string): Record<string, unknown> {
  const def = svc.operations[op];
  if (def === undefined) throw new Error(`${svc.name} has no operation ${op}`);
  const v = sample(operationShapes(def.schema).input);
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

/** The top-level string members of `op`'s input, by name. */
export function stringMembers(svc: ServiceDefinition, op: string): string[] {
  const input = operationShapes(svc.operations[op]!.schema).input;
  return input.isStructSchema() ? [...input.structIterator()].filter(([, m]) => kindOf(m) === "string").map(([n]) => n) : [];
}

/**
 * The body of a request to `op` with input `v` in the service's protocol: JSON text (blobs given
 * as base64 strings, timestamps as Dates) or a query form built from the operation's schema.
 */
export function requestBody(svc: ServiceDefinition, op: string, v: unknown): Buffer {
  const def = svc.operations[op];
  if (def === undefined) throw new Error(`${svc.name} has no operation ${op}`);
  return encodeBody(svc, op, operationShapes(def.schema).input, v);
}

// ---------------------------------------------------------------------------------------------
// Sending cases and judging the answers

/** Codes every service of a protocol family may answer malformed input with (besides its modelled errors). */
export const PROTOCOL_CODES: Record<"json" | "query", Record<string, number>> = {
  json: { SerializationException: 400, ValidationException: 400, AccessDeniedException: 400 },
  query: {
    ValidationError: 400,
    MissingParameter: 400,
    InvalidParameterValue: 400,
    InvalidParameterCombination: 400,
    MalformedQueryString: 404,
    InvalidQueryParameter: 400,
    MissingAction: 400,
    InvalidAction: 400,
    // Refused for the caller, not the input (e.g. an operation that needs temporary credentials).
    AccessDenied: 403,
  },
};

// Stack frames, source locations and JavaScript engine messages never belong in an AWS error.
export const INTERNAL_DETAIL = /\n\s+at |\bat [\w.<>]+ \(|\.[jt]s:\d+|node_modules|\/tmp\/|\/work\/|TypeError|RangeError|SyntaxError|ReferenceError|Maximum call stack|Cannot read propert|is not a function|undefined is not|\[object Object\]|SQLITE_/;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Signed raw requests to a test server over one keep-alive agent. */
export class FuzzWire {
  private readonly agent: http.Agent;
  private readonly signers = new Map<string, SignatureV4>();

  constructor(
    private readonly s: TestServer,
    maxSockets: number,
    private readonly timeoutMs = 20_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
    const u = new URL(this.s.url);
    const timeout = this.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = http.request({ method, host: u.hostname, port: u.port, path, headers, agent: this.agent, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Sends `body` to `operation` of `svc`, signed with `creds` (the admin's by default) in `region`. */
  async sendSigned(svc: ServiceDefinition, operation: string, body: Buffer, creds?: Creds, region = "us-east-1"): Promise<Reply> {
    const c = creds ?? { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET };
    const id = `${svc.signingName}\u0000${region}\u0000${c.accessKeyId}\u0000${c.sessionToken ?? ""}`;
    let signer = this.signers.get(id);
    if (signer === undefined) {
      signer = new SignatureV4({ service: svc.signingName, region, credentials: c, sha256: Sha256 });
      this.signers.set(id, signer);
    }
    const u = new URL(this.s.url);
    const headers: Record<string, string> =
      svc.protocol === "awsQuery"
        ? { host: u.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" }
        : { host: u.host, "content-type": `application/x-amz-json-${svc.protocol === "awsJson1_0" ? "1.0" : "1.1"}`, "x-amz-target": `${svc.targetPrefix}.${operation}` };
    // Signed at the server's time, wherever a test has moved its clock.
    const signingDate = new Date(Date.now() + this.s.clock.offsetMs);
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/", headers, body }, { signingDate });
    return this.send("POST", "/", signed.headers as Record<string, string>, body);
  }

  async healthy(): Promise<boolean> {
    const r = await this.send("GET", "/health", {});
    return r.status === 200;
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** The error code and message of an error answer, as the protocol frames them (undefined when it is no well-formed error). */
export function errorOf(svc: ServiceDefinition, r: Reply): { code: string; message: string } | undefined {
  if (svc.protocol === "awsQuery") {
    const m = /^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>([A-Za-z.]+)<\/Code>(?:<Message>([^<]*)<\/Message>)?(?:<(\w+)>[^<]*<\/\3>)*<\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/.exec(r.body);
    return m ? { code: m[1]!, message: m[2] ?? "" } : undefined;
  }
  try {
    const v = JSON.parse(r.body) as Record<string, unknown>;
    const msg = v["message"] ?? v["Message"];
    return typeof v["__type"] === "string" ? { code: v["__type"], message: typeof msg === "string" ? msg : "" } : undefined;
  } catch {
    return undefined;
  }
}

/** What is wrong with an answer (undefined when nothing is): a 2xx in the protocol's format, or a 4xx with a code the protocol or the service's model has and no internal detail. */
export function problemWith(svc: ServiceDefinition, r: Reply): string | undefined {
  const query = svc.protocol === "awsQuery";
  if (r.status >= 200 && r.status < 300) {
    if (query) return /^<(\w+)Response xmlns="[^"]+">[\s\S]*<\/\1Response>$/.test(r.body) ? undefined : "2xx body is no query response document";
    try {
      const v: unknown = JSON.parse(r.body);
      return v !== null && typeof v === "object" && !Array.isArray(v) ? undefined : "2xx body is no JSON object";
    } catch {
      return "2xx body is no JSON";
    }
  }
  if (r.status < 400 || r.status >= 500) return `status ${r.status}`;
  if (query) {
    if (!String(r.headers["content-type"]).startsWith("text/xml")) return `error content-type ${r.headers["content-type"]}`;
  } else {
    if (!String(r.headers["content-type"]).startsWith("application/x-amz-json-1.")) return `error content-type ${r.headers["content-type"]}`;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return "error body is no JSON";
    }
    if (typeof v["__type"] !== "string") return "error body has no __type";
    if (r.headers["x-amzn-errortype"] !== v["__type"]) return `x-amzn-ErrorType ${r.headers["x-amzn-errortype"]} differs from __type ${v["__type"]}`;
    const msg = v["message"] ?? v["Message"];
    if (msg !== undefined && typeof msg !== "string") return "message is no string";
  }
  const err = errorOf(svc, r);
  if (err === undefined) return query ? "body is no query ErrorResponse" : "error body has no __type";
  const { code, message } = err;
  // A protocol family's code keeps the protocol's status even where the service models a shape of
  // that name with another httpError (Organizations' and CloudTrail's AccessDeniedException, 403).
  const common = PROTOCOL_CODES[query ? "query" : "json"][code];
  if (common !== undefined) {
    if (r.status !== common) return `${code} with status ${r.status}, not ${common}`;
  } else {
    let modelled = false;
    for (const [name, e] of serviceShapes(svc).errors) {
      if ((query ? (e.queryCode ?? name) : name) !== code) continue;
      // awsJson services send their modelled errors with 400 whatever the model's httpError trait
      // says (KMS's NotFoundException is 400 on the wire, 404 in the model); the query services
      // send the trait's status.
      modelled = true;
      if (query && e.httpStatus !== undefined && r.status !== e.httpStatus) return `${code} with status ${r.status}, not its modelled ${e.httpStatus}`;
    }
    if (!modelled) return `error code ${code} is neither a ${svc.protocol} validation code nor modelled by ${svc.name}`;
  }
  if (INTERNAL_DETAIL.test(message) || INTERNAL_DETAIL.test(r.body.slice(0, 4096))) return `internal detail in the error: ${message.slice(0, 200)}`;
  return undefined;
}
