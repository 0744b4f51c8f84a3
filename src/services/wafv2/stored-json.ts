/**
 * Entity specifications are kept in storage as JSON. The decoded SDK shapes hold blobs as
 * Uint8Array (ByteMatchStatement.SearchString), which JSON cannot represent, so blobs are
 * written as {"$b64": "<base64>"} and read back as Uint8Array. No member of a WAF shape is
 * named "$b64", so the tag cannot collide with real data.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TAG = "$b64";

export function toStoredJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return { [TAG]: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(toStoredJson);
  if (typeof value === "object") {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      Object.defineProperty(out, k, { value: toStoredJson(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return Number(value);
  return null;
}

export function fromStoredJson<T>(value: Json): T {
  return decode(value) as T;
}

function decode(value: Json): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === TAG && typeof value[TAG] === "string") return new Uint8Array(Buffer.from(value[TAG], "base64"));
    const out: Record<string, unknown> = {};
    for (const k of keys) Object.defineProperty(out, k, { value: decode(value[k] as Json), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
