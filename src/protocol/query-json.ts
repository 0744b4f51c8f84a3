/**
 * The JSON form of awsQuery responses. STS and IAM answer in JSON instead of XML when the
 * request's Accept header asks for application/json; clients that read the answer without an
 * SDK rely on it (Kubernetes IAM authenticators and IAM-based logins that forward a presigned
 * sts:GetCallerIdentity, for instance):
 *
 *   {"<Op>Response":{"<Op>Result":{…},"ResponseMetadata":{"RequestId":"…"}}}
 *   {"Error":{"Code":"…","Message":"…","Type":"Sender"},"RequestId":"…"}
 *
 * Every member of a structure is present (null when it has no value), lists are arrays, maps
 * objects, timestamps epoch seconds and blobs base64 text, as the services write them.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { headerValue } from "./headers.js";
import type { WireRequest } from "./types.js";

/** True when one of the media ranges of the Accept header is application/json. */
export function acceptsJson(req: WireRequest | undefined): boolean {
  if (req === undefined) return false;
  const accept = headerValue(req, "accept");
  if (accept === undefined || accept.length === 0) return false;
  for (const range of accept.split(",")) {
    const semi = range.indexOf(";");
    if ((semi < 0 ? range : range.slice(0, semi)).trim().toLowerCase() === "application/json") return true;
  }
  return false;
}

/** The JSON value of `value` read as the shape `ns`. */
export function queryJsonValue(ns: NormalizedSchema, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (ns.isStructSchema()) {
    if (typeof value !== "object") return null;
    const v = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) out[name] = queryJsonValue(member, v[name]);
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return null;
    const item = ns.getValueSchema();
    return value.map((x) => queryJsonValue(item, x));
  }
  if (ns.isMapSchema()) {
    if (typeof value !== "object") return null;
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value as Record<string, unknown>)) out[k] = queryJsonValue(item, x);
    return out;
  }
  if (ns.isTimestampSchema()) {
    const t = value instanceof Date ? value.getTime() : typeof value === "number" ? value * 1000 : Date.parse(String(value));
    return Number.isFinite(t) ? t / 1000 : null;
  }
  if (ns.isBlobSchema()) {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
    return typeof value === "string" ? Buffer.from(value, "utf8").toString("base64") : null;
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return Number(value);
  return value;
}
