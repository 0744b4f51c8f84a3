/**
 * Cross-site scripting detection (XssMatchStatement). Bulwark's own, context-aware: it reads
 * the input the way an HTML parser would (tags, attributes, attribute values with entities
 * decoded, URLs with their scheme normalised) and flags what executes script — script-capable
 * elements, event-handler attributes, script URLs (javascript:, vbscript:, data:text/html) in
 * URL-bearing attributes, CSS expressions — plus script URLs and JavaScript string breakouts
 * in plain values. Harmless markup (<b>, <a href="https://…">) and comparisons ("1 < 2") pass.
 */

/** Elements that run or load active content by merely existing. */
const ACTIVE_TAGS = new Set([
  "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style", "svg", "math",
  "xml", "xss", "isindex", "import", "portal", "template", "noscript", "layer", "ilayer", "bgsound", "xmp", "plaintext", "listing", "set", "handler", "vmlframe",
]);
/** Attributes whose value is a URL the browser may navigate to or load. */
const URL_ATTRS = new Set([
  "href", "src", "action", "formaction", "data", "xlink:href", "background", "lowsrc", "dynsrc", "poster", "codebase",
  "srcdoc", "xmlns", "to", "from", "values", "by", "code", "archive", "classid", "content", "ping", "cite", "longdesc", "usemap", "manifest", "icon", "profile", "folder", "datasrc", "filter",
]);

function decodeEntities(v: string): string {
  if (v.indexOf("&") < 0) return v;
  return v.replace(/&(?:#x([0-9a-f]{1,6});?|#(\d{1,7});?|(colon|tab|newline|lpar|rpar|quot|apos|lt|gt|amp|sol|bsol|period|comma|semi|equals|nbsp);?)/gi, (m, hx: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hx) return String.fromCodePoint(Math.min(parseInt(hx, 16), 0x10ffff));
    if (dec) return String.fromCodePoint(Math.min(Number(dec), 0x10ffff));
    const map: Record<string, string> = { colon: ":", tab: "\t", newline: "\n", lpar: "(", rpar: ")", quot: '"', apos: "'", lt: "<", gt: ">", amp: "&", sol: "/", bsol: "\\", period: ".", comma: ",", semi: ";", equals: "=", nbsp: " " };
    return map[(name ?? "").toLowerCase()] ?? m;
  });
}

/** Normalises a URL-ish value: entities decoded, control/space characters inside the scheme removed, lower-cased. */
function urlScheme(v: string): string {
  const d = decodeEntities(v).replace(/[\x00-\x20\x7f\xa0]+/g, "").replace(/\\(?:0*[0-9a-f]{2}\s?)?/gi, (m) => (m.length > 1 ? "" : ""));
  return d.slice(0, 40).toLowerCase();
}
function isScriptUrl(v: string): boolean {
  const u = urlScheme(v);
  return /^(?:javascript|vbscript|livescript|mocha|jscript|ecmascript):/.test(u) || /^data:(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml)|text\/(?:javascript|xml))/.test(u) || /^[\w+-]*script:/.test(u);
}

function cssIsActive(v: string): boolean {
  const d = decodeEntities(v).replace(/\\|\/\*[\s\S]*?\*\//g, "").toLowerCase();
  return /expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:|@import|url\s*\(\s*['"]?\s*(?:javascript|vbscript|data):/.test(d);
}

const ATTR_RE = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|`([^`]*)`?|([^\s>]*)))?/g;

/** Inspects one tag's name and attribute text. */
function tagIsActive(name: string, attrs: string): boolean {
  const tag = name.toLowerCase();
  if (ACTIVE_TAGS.has(tag) || /^(?:\w+:)?(?:script|svg|iframe)$/.test(tag)) return true;
  ATTR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR_RE.exec(attrs)) !== null) {
    if (m[0].length === 0) {
      ATTR_RE.lastIndex++;
      continue;
    }
    const an = (m[1] ?? "").toLowerCase();
    const val = m[2] ?? m[3] ?? m[4] ?? m[5];
    if (/^on[a-z]{3,}$/.test(an) && val !== undefined) return true;
    if (an === "style" && val !== undefined && cssIsActive(val)) return true;
    if (val !== undefined && (URL_ATTRS.has(an) || an.endsWith(":href")) && isScriptUrl(val)) return true;
    if (an === "http-equiv" || an === "formaction" || an === "srcdoc") return true;
  }
  return false;
}

const TAG_RE = /<\s*(\/?)\s*([a-zA-Z][\w:.-]*|!\[cdata\[|!--|\?xml|%)([^<>]*?)(?:>|$|(?=<))/gi;

/** JavaScript reached by breaking out of a quoted JS string or a JS expression context. */
const JS_BREAKOUT = /['"`]\s*(?:[;,)+\-*\/|&^]|\]|\}|\?|:)+\s*(?:[\w$.\[\]'"]*\s*)?(?:alert|prompt|confirm|eval|settimeout|setinterval|function|constructor|fetch|import|document\s*\.|window\s*\.|top\s*\[|self\s*\[|location\s*=)/i;
const JS_APIS = /\b(?:document\s*\.\s*(?:cookie|write(?:ln)?|location|domain)\b|window\s*\.\s*location\b|\(\s*document\s*\)\s*\[|document\s*\[\s*['"`]|\.\s*fromcharcode\s*\(|(?:eval|settimeout|setinterval)\s*\(\s*(?:atob|string\.fromcharcode|unescape|decodeuri)|\bon(?:error|load|mouseover|focus|click)\s*=\s*[\w$]+\s*\()/i;

/** True when `input` carries a cross-site scripting payload. */
export function detectXss(input: string): boolean {
  if (input.length < 3) return false;
  const s = input.length > 16384 ? input.slice(0, 16384) : input;
  const hasLt = s.indexOf("<") >= 0;
  if (hasLt) {
    TAG_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = TAG_RE.exec(s)) !== null) {
      const name = m[2] ?? "";
      const rest = m[3] ?? "";
      if (name === "!--" || name.toLowerCase() === "![cdata[") {
        if (/<\s*\/?\s*script|javascript:|on\w+\s*=/i.test(s.slice(m.index))) return true;
        continue;
      }
      if (name === "%" || name.toLowerCase() === "?xml") continue;
      if (m[1] === "/" ) {
        if (/^(?:script|style|iframe|svg|object)$/i.test(name)) return true;
        continue;
      }
      if (tagIsActive(name, rest)) return true;
      // <a/onmouseover=...> and similar: attributes glued with "/"
      if (rest.indexOf("/") >= 0 && tagIsActive(name, rest.replace(/\//g, " "))) return true;
    }
  }
  // Attribute injection into an existing tag: "><svg …> handled above; " onmouseover="… here.
  if (/['"`]?\s*\bon[a-z]{3,}\s*=\s*['"`]?[^'"`\s>]*[(`=]/i.test(s) && /['"`]/.test(s)) {
    if (/(?:^|['"`\s\/])on(?:error|load|mouse\w+|focus\w*|blur|click|dblclick|key\w+|change|submit|input|toggle|begin|end|animation\w+|transition\w+|pointer\w+|touch\w+|drag\w*|drop|wheel|scroll|select|copy|paste|cut|show|play|pause|message|hashchange|pageshow|resize|unload|beforeunload|auxclick|contextmenu|invalid|reset|search|readystatechange)\s*=/i.test(s)) return true;
  }
  // A whole value that is a script URL (href/src injection).
  if (isScriptUrl(s.trimStart().slice(0, 64)) && /[(`=]|&#|\\u|%28/i.test(s)) return true;
  if (/(?:^|[\s"'=(])(?:javascript|vbscript)\s*:[^\s]*[(`]/i.test(decodeEntities(s).replace(/[\t\n\r]/g, ""))) return true;
  if (JS_APIS.test(s)) return true;
  if (JS_BREAKOUT.test(s) && /[(`]/.test(s)) return true;
  // CSS expression / binding injections in style values
  if (/expression\s*\(|-moz-binding\s*:|behavior\s*:\s*url/i.test(s)) return true;
  return false;
}
