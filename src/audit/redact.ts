/**
 * Redaction of API inputs/outputs before they become requestParameters / responseElements.
 *
 * Three independent guards, all always applied:
 *  1. the SDK static schema: any member whose (merged) traits carry `sensitive`, or whose
 *     target shape is sensitive, is replaced by HIDDEN — including whole structures/lists;
 *  2. a deny-list of member names, whatever the schema says (e.g. STS Credentials.SessionToken
 *     is not marked sensitive in the model but is a secret);
 *  3. a text holding a PEM private key is replaced by HIDDEN in whatever member it was sent
 *     (a key and certificate file pasted whole into IAM's CertificateBody or CertificateChain).
 * Blobs never appear (omitted); Dates become CloudTrail's "Aug 10, 2022, 10:38:27 PM" text; structure member names become
 * lowerCamel like CloudTrail ("RoleArn" → "roleArn"); map keys (user data) are kept as is.
 */
import { cloudTrailDate } from "./cloudtrail-date.js";
import { NormalizedSchema } from "@smithy/core/schema";
import { jsonString } from "../core/json-text.js";
import { HIDDEN_VALUE } from "../core/errors.js";

export const HIDDEN = HIDDEN_VALUE;

// Normalised (lower-case, alphanumerics only) member names that are always secrets.
const DENY = new Set(
  [
    "Plaintext",
    "PlaintextBlob",
    "SecretString",
    "SecretBinary",
    "SecretAccessKey",
    "SecretKey",
    "SessionToken",
    "Password",
    "OldPassword",
    "NewPassword",
    "ServicePassword",
    "ServiceCredentialSecret",
    "MasterUserPassword",
    "PasswordData",
    "Passphrase",
    "KeyMaterial",
    "PrivateKey",
    "AddPrivateKey",
    "PrivateKeyPlaintext",
    "SAMLAssertion",
    "WebIdentityToken",
    "ClientSecret",
    "AccessToken",
    "RefreshToken",
    "IdToken",
    "Base32StringSeed",
    "QRCodePNG",
    "AuthenticationCode1",
    "AuthenticationCode2",
    "TokenCode",
    "SubjectToken",
    "TradeInToken",
  ].map(norm),
);

// Substrings that mark a secret in any member name (catches prefixed/suffixed variants).
const DENY_PARTS = ["secretaccesskey", "sessiontoken", "privatekeyplaintext", "plaintext", "secretstring", "secretbinary"];

// Integer members whose names contain a deny-list part but which are sizes, not secrets (STS's
// MinimumSessionTokenSize, SessionTokenSize, SessionTokenUtilization): CloudTrail shows them.
const NOT_SECRET = new Set(["MinimumSessionTokenSize", "SessionTokenSize", "SessionTokenUtilization"].map(norm));

// The armour line of a PEM private key of any kind (PKCS#1, PKCS#8, encrypted, SEC1, OpenSSH, PGP).
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----/;

/** True when a text holds a PEM private key: it is recorded as HIDDEN whatever member carried it. */
export function holdsPrivateKey(text: string): boolean {
  return text.includes("PRIVATE KEY") && PEM_PRIVATE_KEY.test(text);
}

function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const denyCache = new Map<string, boolean>();

/** True when a member/key name is a secret by name alone. */
export function isDeniedName(name: string): boolean {
  let v = denyCache.get(name);
  if (v === undefined) {
    const n = norm(name);
    v = !NOT_SECRET.has(n) && (DENY.has(n) || DENY_PARTS.some((p) => n.includes(p)));
    if (denyCache.size < 10_000) denyCache.set(name, v);
  }
  return v;
}

export function lowerFirst(name: string): string {
  if (name.length === 0) return name;
  const c = name.charCodeAt(0);
  return c >= 65 && c <= 90 ? String.fromCharCode(c + 32) + name.slice(1) : name;
}

const OMIT: unique symbol = Symbol("omit");

/** How a service writes what it does not record, and its dates. */
interface Style {
  hidden: string;
  date: (d: Date) => string;
}
const ANNOTATION_STYLE: Style = { hidden: HIDDEN, date: cloudTrailDate };
type Out = unknown | typeof OMIT;
const MAX_DEPTH = 32;

interface MemberPlan {
  wire: string;
  out: string;
  hidden: boolean;
  schema: NormalizedSchema;
}

// Per structure shape (keyed by its static schema object): its members, resolved once.
const planCache = new WeakMap<object, MemberPlan[]>();

function planOf(ns: NormalizedSchema): MemberPlan[] {
  const key = ns.getSchema() as unknown;
  const cacheable = typeof key === "object" && key !== null;
  if (cacheable) {
    const hit = planCache.get(key);
    if (hit) return hit;
  }
  const plan: MemberPlan[] = [];
  for (const [name, member] of ns.structIterator()) {
    plan.push({ wire: name, out: lowerFirst(name), hidden: isSensitive(member) || isDeniedName(name), schema: member });
  }
  if (cacheable) planCache.set(key, plan);
  return plan;
}

function isSensitive(ns: NormalizedSchema): boolean {
  // Traits are numeric flags (1 = set); accept any truthy encoding.
  return Boolean(ns.getMergedTraits().sensitive);
}

function isBlob(v: unknown): boolean {
  return v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function primitive(v: unknown, st: Style): Out {
  switch (typeof v) {
    case "string":
      return holdsPrivateKey(v) ? (st.hidden === LEAVE_OUT ? OMIT : st.hidden) : v;
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "bigint":
      return v.toString();
    default:
      return OMIT;
  }
}

/** Schema-less walk: deny-list only; `camel` decides whether keys are lowerCamel-cased. */
function walkLoose(v: unknown, camel: boolean, depth: number, st: Style): Out {
  if (v === undefined || v === null) return OMIT;
  if (isBlob(v)) return OMIT;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? OMIT : st.date(v);
  if (depth > MAX_DEPTH) return OMIT;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      const r = walkLoose(e, camel, depth + 1, st);
      if (r !== OMIT) out.push(r);
    }
    return out;
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const val = v[k];
      if (val === undefined || val === null) continue;
      const key = camel ? lowerFirst(k) : k;
      if (isDeniedName(k)) {
        if (!isBlob(val) && st.hidden !== LEAVE_OUT) out[key] = st.hidden;
        continue;
      }
      const r = walkLoose(val, camel, depth + 1, st);
      if (r !== OMIT) out[key] = r;
    }
    return out;
  }
  if (typeof v === "object") return OMIT; // class instances (streams, errors, …) never enter an event
  return primitive(v, st);
}

function walk(v: unknown, ns: NormalizedSchema, depth: number, st: Style): Out {
  if (v === undefined || v === null) return OMIT;
  if (depth > MAX_DEPTH) return OMIT;
  if (ns.isBlobSchema() || ns.isStreaming() || isBlob(v)) return OMIT;
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    if (!isPlainObject(v)) return walkLoose(v, true, depth, st);
    const out: Record<string, unknown> = {};
    for (const m of planOf(ns)) {
      const val = v[m.wire];
      if (val === undefined || val === null) continue;
      if (m.hidden) {
        if (!isBlob(val) && !m.schema.isBlobSchema() && st.hidden !== LEAVE_OUT) out[m.out] = st.hidden;
        continue;
      }
      const r = walk(val, m.schema, depth + 1, st);
      if (r !== OMIT) out[m.out] = r;
    }
    // Members not in the schema are dropped: only modelled, checked members are recorded.
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(v)) return walkLoose(v, true, depth, st);
    const vs = ns.getValueSchema();
    const hide = isSensitive(vs);
    const out: unknown[] = [];
    for (const e of v) {
      if (e === undefined || e === null) continue;
      if (hide) {
        if (!isBlob(e) && !vs.isBlobSchema() && st.hidden !== LEAVE_OUT) out.push(st.hidden);
        continue;
      }
      const r = walk(e, vs, depth + 1, st);
      if (r !== OMIT) out.push(r);
    }
    return out;
  }
  if (ns.isMapSchema()) {
    if (!isPlainObject(v)) return walkLoose(v, true, depth, st);
    const vs = ns.getValueSchema();
    const hide = isSensitive(vs) || isSensitive(ns.getKeySchema());
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const val = v[k];
      if (val === undefined || val === null) continue;
      if (hide || isDeniedName(k)) {
        if (!isBlob(val) && !vs.isBlobSchema() && st.hidden !== LEAVE_OUT) out[k] = st.hidden;
        continue;
      }
      const r = walk(val, vs, depth + 1, st);
      if (r !== OMIT) out[k] = r;
    }
    return out;
  }
  if (ns.isDocumentSchema()) return walkLoose(v, false, depth, st);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? OMIT : st.date(v);
  if (typeof v === "object") return walkLoose(v, true, depth, st);
  return primitive(v, st);
}

// Per static schema object and side: its normalized structure (or null when it is none).
const structCache = new WeakMap<object, { input?: NormalizedSchema | null; output?: NormalizedSchema | null }>();

function normalizedStructOf(schema: unknown, side: "input" | "output"): NormalizedSchema | undefined {
  if (schema === undefined || schema === null) return undefined;
  if (typeof schema !== "object" && typeof schema !== "function") return resolveStruct(schema, side);
  let entry = structCache.get(schema);
  if (entry === undefined) {
    entry = {};
    structCache.set(schema, entry);
  }
  let hit = entry[side];
  if (hit === undefined) {
    hit = resolveStruct(schema, side) ?? null;
    entry[side] = hit;
  }
  return hit ?? undefined;
}

function resolveStruct(schema: unknown, side: "input" | "output"): NormalizedSchema | undefined {
  let s: unknown = schema;
  // Accept an operation schema ([9, ns, name, traits, input, output]) as well as a structure.
  if (Array.isArray(s) && s[0] === 9) {
    const ref = s[side === "input" ? 4 : 5] as unknown;
    s = typeof ref === "function" ? (ref as () => unknown)() : ref;
  }
  try {
    const ns = NormalizedSchema.of(s as Parameters<typeof NormalizedSchema.of>[0]);
    return ns.isStructSchema() || ns.isUnionSchema() ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** As the `hidden` value: the member holding a secret is left out of the event altogether. */
export const LEAVE_OUT = "";

/**
 * What a service writes in CloudTrail in place of a value it does not record: Organizations
 * writes "****" (the account name and email of CreateAccount in its user guide's examples); IAM
 * leaves the member out (its recorded events: CreateAccessKey's accessKey has no
 * secretAccessKey, CreateLoginProfile and UpdateLoginProfile no password); the other services
 * here write HIDDEN_DUE_TO_SECURITY_REASONS.
 */
export function hiddenValueFor(eventSource: string): string {
  if (eventSource === "organizations.amazonaws.com") return "****";
  if (eventSource === "iam.amazonaws.com") return LEAVE_OUT;
  return HIDDEN;
}

/**
 * The errorMessage of a failed call's event: the message, unless it holds a PEM private key (a
 * validation message quoting a value the key was sent in), then what the service writes in place
 * of a value it does not record.
 */
export function auditErrorMessage(message: string, eventSource: string): string {
  if (!holdsPrivateKey(message)) return message;
  const hidden = hiddenValueFor(eventSource);
  return hidden === LEAVE_OUT ? HIDDEN : hidden;
}

/**
 * requestParameters / responseElements from a decoded input or output and its SDK schema;
 * sensitive values become `hidden` (or are left out, for LEAVE_OUT).
 * Returns null when there is nothing to record (no value, or no members left).
 */
export function redactForCloudTrail(
  value: unknown,
  schema?: unknown,
  side: "input" | "output" = "input",
  hidden: string = HIDDEN,
  date: (d: Date) => string = cloudTrailDate,
): Record<string, unknown> | null {
  const st: Style = { hidden, date };
  if (value === undefined || value === null) return null;
  // A plain object without members records nothing whatever the schema (e.g. GetCallerIdentity).
  if (isPlainObject(value) && isEmpty(value)) return null;
  const ns = normalizedStructOf(schema, side);
  // A structure that is sensitive as a whole records nothing at all.
  if (ns && isSensitive(ns)) return null;
  const r = ns ? walk(value, ns, 0, st) : walkLoose(value, true, 0, st);
  return isPlainObject(r) && Object.keys(r).length > 0 ? r : null;
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

/** Handler-supplied annotations are already in CloudTrail form; the deny-list still applies. */
export function redactAnnotation(value: Record<string, unknown>): Record<string, unknown> | null {
  const r = walkLoose(value, false, 0, ANNOTATION_STYLE);
  return isPlainObject(r) ? r : null;
}

class NotModelled extends Error {}
const NOT_MODELLED = new NotModelled("left to redactAnnotation");

/**
 * `JSON.stringify(redactAnnotation(value))`, written directly instead of building the redacted
 * object first. What must stay true: the text is byte for byte that (redact.test.ts compares the
 * two over generated values). It mirrors walkLoose without lowerCamel keys, member by member in
 * Object.keys order. An object with a key that may be an array index (the redacted object lists
 * those first whatever order the source gives) or "__proto__" (assigning it sets the redacted
 * object's prototype) takes the object path instead.
 */
export function annotationJson(value: Record<string, unknown>): string {
  if (!isPlainObject(value)) return "null";
  try {
    return looseJson(value, 0)!;
  } catch (e) {
    if (e instanceof NotModelled) return JSON.stringify(redactAnnotation(value));
    throw e;
  }
}

// `"name":` of the member names seen (bounded, as denyCache): the same few names recur call
// after call, and a lookup is cheaper than scanning the name for characters to escape.
const keyTexts = new Map<string, string>();

function memberKeyText(name: string): string {
  let t = keyTexts.get(name);
  if (t === undefined) {
    t = jsonString(name) + ":";
    if (keyTexts.size < 10_000) keyTexts.set(name, t);
  }
  return t;
}

/** walkLoose(v, false, depth) as JSON text, undefined where walkLoose omits. */
function looseJson(v: unknown, depth: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isBlob(v)) return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : '"' + cloudTrailDate(v) + '"';
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(v)) {
    let out = "[";
    for (const e of v) {
      const r = looseJson(e, depth + 1);
      if (r !== undefined) out += out.length === 1 ? r : "," + r;
    }
    return out + "]";
  }
  if (isPlainObject(v)) {
    let out = "{";
    // for-in visits a plain object's own keys in Object.keys order (nothing it inherits is
    // enumerable), without building the array of them.
    for (const k in v) {
      const val = v[k];
      if (val === undefined || val === null) continue;
      const c = k.charCodeAt(0);
      if ((c >= 48 && c <= 57) || k === "__proto__") throw NOT_MODELLED;
      let r: string | undefined;
      if (isDeniedName(k)) {
        if (isBlob(val)) continue;
        r = '"' + HIDDEN + '"';
      } else {
        r = looseJson(val, depth + 1);
        if (r === undefined) continue;
      }
      out += (out.length === 1 ? "" : ",") + memberKeyText(k) + r;
    }
    return out + "}";
  }
  if (typeof v === "object") return undefined;
  switch (typeof v) {
    case "string":
      return holdsPrivateKey(v) ? '"' + HIDDEN + '"' : jsonString(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return Number.isFinite(v) ? String(v) : '"' + String(v) + '"';
    case "bigint":
      return '"' + v.toString() + '"';
    default:
      return undefined;
  }
}
