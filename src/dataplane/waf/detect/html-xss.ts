/**
 * Markup that runs script, read the way an HTML parser reads it: tag names (with namespace
 * prefixes such as v:vmlframe, and with letters spread out by whitespace, "<s c r i p t"),
 * attributes and attribute values with character references decoded, URL schemes with the
 * control characters and whitespace browsers skip removed, CSS in style attributes, and
 * the XML constructs that fetch external content (entities, XInclude, schema locations).
 * Harmless markup (<b>, <a href="https://…">) and comparisons ("1 < 2") pass.
 */
import { entityDecode } from "./decode.js";

/** Elements that run or load active content, or take over the page, by merely existing. */
const ACTIVE_TAGS = new Set([
  "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style", "svg", "math",
  "xml", "xss", "isindex", "import", "portal", "template", "noscript", "layer", "ilayer", "bgsound", "xmp", "plaintext",
  "listing", "set", "handler", "vmlframe", "form", "dialog", "animate", "animatemotion", "animatetransform", "feimage",
  "foreignobject", "use", "xlink", "keygen",
]);
/** Attributes whose value is a URL the browser may navigate to, load or run. */
const URL_ATTRS = new Set([
  "href", "src", "action", "formaction", "data", "xlink:href", "background", "lowsrc", "dynsrc", "poster", "codebase",
  "srcdoc", "to", "from", "values", "by", "code", "archive", "classid", "content", "ping", "cite", "longdesc", "usemap",
  "manifest", "icon", "profile", "folder", "datasrc", "filter", "attributename", "begin", "srcset", "imagesrcset",
]);
/** Attributes that are dangerous whatever their value. */
const ACTIVE_ATTRS = /^(?:on[a-z]{3,}|formaction|srcdoc|http-equiv|xmlns(?::\w+)?|[\w-]+:(?:schemalocation|nonamespaceschemalocation)|seamless|dynsrc|lowsrc|datasrc|datafld|behavior|fscommand|seeksegmenttime)$/;

/** A URL-ish value with entities decoded and the characters browsers ignore inside a scheme removed. */
export function normalisedScheme(v: string): string {
  const d = entityDecode(v).replace(/[\x00-\x20\x7f]+/g, "").replace(/\\(?:0*[0-9a-f]{1,6}\s?)?/gi, "");
  return d.slice(0, 48).toLowerCase();
}
export function isScriptUrl(v: string): boolean {
  const u = normalisedScheme(v);
  return /^(?:javascript|vbscript|livescript|mocha|jscript|ecmascript):/.test(u) || /^data:(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml|xml)|text\/(?:javascript|xml|xsl))/.test(u) || /^[\w+-]*script:/.test(u);
}

export function cssIsActive(v: string): boolean {
  const d = entityDecode(v).replace(/\\(?:[0-9a-f]{1,6}\s?)?|\/\*[\s\S]*?\*\//gi, "").toLowerCase();
  return /expression\s*\(|(?:java|vb)script\s*:|-moz-binding|behavior\s*:|@import|url\s*\(\s*['"]?\s*(?:(?:javascript|vbscript)\b|data\s*:)/.test(d);
}

const ATTR_RE = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|`([^`]*)`?|([^\s>]*)))?/g;

function tagName(raw: string): string {
  // <v:vmlframe>, <:vmlframe>, <x: script> — the namespace prefix does not change the element.
  let n = raw.toLowerCase().replace(/\s+/g, "");
  const colon = n.lastIndexOf(":");
  if (colon >= 0 && colon < n.length - 1) n = n.slice(colon + 1);
  return n;
}

/** Judges one tag's name and attribute text. */
function tagIsActive(rawName: string, attrs: string): boolean {
  const tag = tagName(rawName);
  if (ACTIVE_TAGS.has(tag)) return true;
  if (/^(?:xi:)?include$/.test(rawName.toLowerCase())) return true;
  ATTR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR_RE.exec(attrs)) !== null) {
    if (m[0].length === 0) {
      ATTR_RE.lastIndex++;
      continue;
    }
    const an = (m[1] ?? "").toLowerCase();
    const val = m[2] ?? m[3] ?? m[4] ?? m[5];
    if (ACTIVE_ATTRS.test(an) && (val !== undefined || /^on/.test(an))) return true;
    if (an === "style" && val !== undefined && cssIsActive(val)) return true;
    if (val !== undefined && (URL_ATTRS.has(an) || an.endsWith(":href")) && isScriptUrl(val)) return true;
  }
  return false;
}

/** Tag openings: "<", optional "/", a name (namespace prefixes allowed, "<x: script"), attribute text. */
const TAG_RE = /<\s*(\/?)\s*([a-zA-Z][\w.-]*(?:\s*:\s*[\w.-]+)*|:[\w.-]+|!\[cdata\[|!--|\?\s*[\w:-]*|%|!\w+)([^<>]*?)(?:>|$|(?=<))/gi;
/** A tag name spread out by whitespace so filters miss it: "<f o r m", "<s c r i p t". */
const SPACED = /<\s*((?:[a-zA-Z:]\s+){2,}[a-zA-Z](?![a-zA-Z]))/g;

/** XML that fetches or expands external content (XXE), in a value that will be parsed as XML. */
export const XXE = /<!ENTITY\b|!ENTITY\s+%?\s*[\w.-]+\s+(?:SYSTEM|PUBLIC)\b|<!DOCTYPE\s+[\w:.-]+\s*(?:\[|SYSTEM\b|PUBLIC\b)/i;

/** True when `s` holds markup that runs script. */
export function markupIsActive(s: string): boolean {
  if (XXE.test(s)) return true;
  if (/<\s*(?:[a-zA-Z:]\s)/.test(s)) {
    SPACED.lastIndex = 0;
    let sp: RegExpExecArray | null;
    while ((sp = SPACED.exec(s)) !== null) if (ACTIVE_TAGS.has(tagName(sp[1] as string))) return true;
  }
  TAG_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG_RE.exec(s)) !== null) {
    const name = m[2] ?? "";
    const rest = m[3] ?? "";
    const lower = name.toLowerCase();
    if (lower === "!--" || lower === "![cdata[") {
      if (/<\s*\/?\s*script|javascript:|\bon\w+\s*=/i.test(s.slice(m.index))) return true;
      continue;
    }
    if (lower.startsWith("?")) {
      // <?import implementation=…> loads an HTC behaviour (script) in the page.
      if (/^\?\s*import\b/.test(lower)) return true;
      continue;
    }
    if (name === "%" || lower.startsWith("!")) continue;
    if (m[1] === "/") {
      if (ACTIVE_TAGS.has(tagName(name)) && /^(?:script|style|iframe|svg|object|xml|math|template|noscript|textarea|title)$/.test(tagName(name))) return true;
      continue;
    }
    if (tagIsActive(name, rest)) return true;
    // <a/onmouseover=…> and similar: attributes glued on with "/".
    if (rest.indexOf("/") >= 0 && tagIsActive(name, rest.replace(/\//g, " "))) return true;
  }
  return false;
}
