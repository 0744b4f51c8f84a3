/**
 * Request bodies read the way the application will read them, chosen by Content-Type:
 * URL-encoded forms into fields, JSON into keys and strings, multipart into part names,
 * file names and contents, XML into attribute values and text. Detectors then judge each
 * field on its own (a quote in one JSON string is not a breakout in another) and free-text
 * fields can be told apart from names and structure. Whatever cannot be parsed is inspected
 * whole, so a malformed body never hides its content.
 */
import { parseArgs } from "../request-view.js";
import { parseJsonElements } from "../json-body.js";
import { entityDecode } from "../detect/decode.js";

export type BodyKind = "none" | "form" | "json" | "multipart" | "xml" | "text";

/** One field of a body: a name (form field, JSON key, part name, file name) or a value. */
export interface BodyField {
  text: string;
  name: boolean;
  /** Percent-decoding applies the form way ("+" is a space), percent-only, or not at all. */
  decode: "form" | "percent" | "none";
  /** Free text a person wrote (JSON string, form value, text part): quoted code in prose may be masked. */
  free: boolean;
  /** A multipart file name (a name, but not of a parameter). */
  file?: boolean;
}

export interface MultipartPart {
  name?: string;
  filename?: string;
  contentType?: string;
  /** Raw Content-Disposition header value. */
  disposition: string;
  /** Every header line of the part (lower-case name, value). */
  headers: Array<[string, string]>;
  content: string;
}

export interface ParsedBody {
  kind: BodyKind;
  fields: BodyField[];
  /** Multipart parts (kind "multipart"), for file-name and protocol checks. */
  parts?: MultipartPart[];
  /** False when the body did not parse as its declared type (it is then also inspected whole). */
  wellFormed: boolean;
}

export function bodyKind(contentType: string | undefined, body: string): BodyKind {
  if (body.length === 0) return "none";
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("x-www-form-urlencoded")) return "form";
  if (ct.startsWith("multipart/")) return "multipart";
  if (/[/+]json\b/.test(ct)) return "json";
  if (/[/+]xml\b/.test(ct)) return "xml";
  if (ct === "") {
    const t = body.trimStart();
    if (t.startsWith("{") || t.startsWith("[")) return "json";
    if (t.startsWith("<")) return "xml";
    return "form";
  }
  return "text";
}

function formFields(body: string, out: BodyField[]): void {
  for (const [n, v] of parseArgs(body)) {
    out.push({ text: n, name: true, decode: "form", free: false });
    if (v !== "") out.push({ text: v, name: false, decode: "form", free: true });
  }
}

function jsonFields(body: string, out: BodyField[]): boolean {
  const parsed = parseJsonElements(body);
  for (const e of parsed.elements) out.push({ text: e.text, name: e.kind === "key", decode: "none", free: e.kind === "value" });
  return parsed.complete;
}

const NAME_PARAM = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i;
const FILENAME_PARAM = /;\s*filename\*?\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i;

function param(disposition: string, re: RegExp): string | undefined {
  const m = re.exec(disposition);
  if (!m) return undefined;
  return m[1] ?? (m[2] ?? "").trim();
}

export function parseMultipart(contentType: string, body: string): MultipartPart[] | undefined {
  const bm = /boundary\s*=\s*(?:"([^"]+)"|([^;,\s]+))/i.exec(contentType);
  const boundary = bm?.[1] ?? bm?.[2];
  if (!boundary) return undefined;
  const delim = "--" + boundary;
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delim);
  if (at < 0) return undefined;
  while (at >= 0) {
    let start = at + delim.length;
    if (body.startsWith("--", start)) break;
    if (body[start] === "\r") start++;
    if (body[start] === "\n") start++;
    const next = body.indexOf(delim, start);
    let chunk = next < 0 ? body.slice(start) : body.slice(start, next);
    chunk = chunk.replace(/\r?\n$/, "");
    const crlf = chunk.indexOf("\r\n\r\n");
    const lf = chunk.indexOf("\n\n");
    const sep = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    const head = sep < 0 ? chunk : chunk.slice(0, sep);
    const content = sep < 0 ? "" : chunk.slice(sep + (sep === crlf ? 4 : 2));
    const headers: Array<[string, string]> = [];
    for (const line of head.split(/\r?\n/)) {
      const c = line.indexOf(":");
      if (c > 0) headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
    }
    const disposition = headers.find((h) => h[0] === "content-disposition")?.[1] ?? "";
    parts.push({ name: param(disposition, NAME_PARAM), filename: param(disposition, FILENAME_PARAM), contentType: headers.find((h) => h[0] === "content-type")?.[1], disposition, headers, content });
    at = next;
  }
  return parts;
}

/** Text content of a part worth inspecting: not images, audio, video, archives or other binaries. */
function textual(p: MultipartPart): boolean {
  const ct = (p.contentType ?? "text/plain").toLowerCase();
  return !/^(?:image|audio|video|font)\/|^application\/(?:octet-stream|zip|gzip|x-tar|pdf|x-7z|vnd\.)/.test(ct);
}

/** XML attribute values, text nodes, CDATA and comments, with entities decoded. */
function xmlFields(body: string, out: BodyField[]): boolean {
  let ok = true;
  const re = /<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)|<!--([\s\S]*?)(?:-->|$)|<[?!]?[\w:.-]*((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    if (m[1] !== undefined) out.push({ text: m[1], name: false, decode: "none", free: true });
    else if (m[2] !== undefined) out.push({ text: m[2], name: false, decode: "none", free: true });
    else if (m[3] !== undefined) {
      const attrs = /[\w:.-]+\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      let a: RegExpExecArray | null;
      while ((a = attrs.exec(m[3])) !== null) {
        const v = a[1] ?? a[2] ?? "";
        if (v !== "") out.push({ text: entityDecode(v), name: false, decode: "none", free: false });
      }
    } else if (m[4] !== undefined) {
      if (m[4].trim() !== "") out.push({ text: entityDecode(m[4]), name: false, decode: "none", free: true });
    } else if (m[5] !== undefined) ok = false;
  }
  return ok;
}

export function parseBody(contentType: string | undefined, body: string): ParsedBody {
  const kind = bodyKind(contentType, body);
  const fields: BodyField[] = [];
  let wellFormed = true;
  let parts: MultipartPart[] | undefined;
  switch (kind) {
    case "none":
      break;
    case "form":
      formFields(body, fields);
      if (!contentType) fields.push({ text: body, name: false, decode: "form", free: true });
      break;
    case "json":
      wellFormed = jsonFields(body, fields);
      break;
    case "xml":
      wellFormed = xmlFields(body, fields);
      break;
    case "multipart":
      parts = parseMultipart(contentType ?? "", body);
      if (!parts) {
        wellFormed = false;
        break;
      }
      for (const p of parts) {
        if (p.name !== undefined) fields.push({ text: p.name, name: true, decode: "none", free: false });
        if (p.filename !== undefined) fields.push({ text: p.filename, name: true, decode: "none", free: false, file: true });
        if (p.content !== "" && textual(p)) fields.push({ text: p.content, name: false, decode: "none", free: true });
      }
      break;
    case "text":
      fields.push({ text: body, name: false, decode: "none", free: true });
      break;
  }
  if (!wellFormed) fields.push({ text: body, name: false, decode: "none", free: false });
  return { kind, fields, parts, wellFormed };
}
