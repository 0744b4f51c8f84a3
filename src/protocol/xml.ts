/**
 * XML text for query-protocol responses. Result bodies are written by the SDK's own
 * XmlShapeSerializer (lists as <member>, ISO-8601 timestamps, base64 blobs), so they are
 * exactly what the SDK's deserialiser expects; the envelopes are written here. A cached,
 * schema-driven writer (xml-writer.ts) produces the same bytes faster for the shapes it models.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { writeStructInnerXml } from "./xml-writer.js";

// Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF) become U+FFFD so a response is always well-formed.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const INVALID_XML_TEST = new RegExp(INVALID_XML.source);
const ESCAPE = /[&<>"'\r]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#x0D;" };

// Anything escapeXml changes (any surrogate too, so lone ones take the full path).
const NEEDS_XML_WORK = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escapes text for element content or a double-quoted attribute value. */
export function escapeXml(text: string): string {
  if (!NEEDS_XML_WORK.test(text)) return text;
  return text.replace(INVALID_XML, "\uFFFD").replace(ESCAPE, (c) => ENTITIES[c] ?? c);
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function isXmlName(name: string): boolean {
  return XML_NAME.test(name);
}

const SETTINGS = { timestampFormat: { useTrait: true, default: 5 as const }, xmlNamespace: "", serviceNamespace: "" };

/**
 * Inner XML of a structure (its member elements, without the enclosing element), written
 * by the SDK serializer. Values must already be free of characters XML cannot carry.
 */
export function structInnerXml(ns: NormalizedSchema, value: unknown): string {
  // The cached schema-driven writer produces the same bytes for everything it models.
  const fast = writeStructInnerXml(ns, value);
  if (fast !== undefined) return fast;
  return sdkStructInnerXml(ns, value);
}

/** structInnerXml through the SDK's own serializer (the reference the fast writer matches). */
export function sdkStructInnerXml(ns: NormalizedSchema, value: unknown): string {
  const serializer = new XmlShapeSerializer(SETTINGS);
  serializer.write(ns, sanitize(value));
  const xml = String(serializer.flush());
  // The serializer wraps the members in one root element named after the shape; the
  // query envelope needs <OperationResult> instead, so keep only the content.
  const open = xml.indexOf(">");
  if (open < 0 || xml[open - 1] === "/") return "";
  const close = xml.lastIndexOf("</");
  return close > open ? xml.slice(open + 1, close) : "";
}

/** Replaces characters XML cannot carry inside every string of a value tree (copies only when needed). */
function sanitize(value: unknown): unknown {
  return hasInvalid(value) ? clean(value) : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasInvalid(value: unknown): boolean {
  if (typeof value === "string") return INVALID_XML_TEST.test(value);
  if (Array.isArray(value)) return value.some(hasInvalid);
  if (isPlainObject(value)) {
    for (const k of Object.keys(value)) if (hasInvalid(value[k])) return true;
  }
  return false;
}

function clean(value: unknown): unknown {
  if (typeof value === "string") return value.replace(INVALID_XML, "\uFFFD");
  if (Array.isArray(value)) return value.map(clean);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      Object.defineProperty(out, k, { value: clean(value[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
