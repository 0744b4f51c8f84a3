/**
 * Cross-site scripting detection (XssMatchStatement and the managed rules). Context-aware:
 *
 *  - markup is read as an HTML parser reads it (html-xss.ts): active elements, event
 *    handlers, script URLs in URL attributes, CSS expressions, XML external content;
 *  - outside markup, a value is judged for the contexts it can be reflected into: an
 *    attribute (a quote followed by an event handler), a URL (a javascript:/vbscript:
 *    scheme, also when spread out with tabs, newlines or character references), a style
 *    (url(javascript:…), expression()), or a script (breaking out of a string, DOM sinks
 *    such as document.cookie even when split by comments or bracket notation, tagged
 *    template calls, JSFuck);
 *  - encodings that browsers or back ends undo are undone first: UTF-7, JavaScript
 *    escapes, and the "US-ASCII" reading that drops the high bit (¼script¾ is <script>).
 * Harmless markup (<b>, <a href="https://…">), comparisons ("1 < 2") and prose that merely
 * mentions JavaScript pass.
 */
import { markupIsActive, isScriptUrl, cssIsActive, XXE } from "./html-xss.js";
import { jsUnescape, utf7Decode } from "./decode.js";

/**
 * An event-handler attribute injected into an existing tag: after a quote or "<"
 * ("\" onfocus=…), opening the value with whitespace ("  onload="), or with a handler value
 * that calls something ("onerror=alert(1)").
 */
const ATTR_INJECTION = /["'`<]\s*on[a-z]{3,48}\s*=(?!=)|^\s+on[a-z]{3,48}\s*=(?!=)|(?:^|\s)on[a-z]{3,48}\s*=\s*['"`]?[^'"`\s>]*[(`]|["'`]\s*(?:formaction|srcdoc)\s*=/i;

/** JavaScript reached by breaking out of a quoted JS string or a JS expression context. */
const JS_BREAKOUT = /['"`]\s*(?:[;,)+\-*\/|&^]|\]|\}|\?|:)+\s*(?:[\w$.\[\]'"]*\s*)?(?:alert|prompt|confirm|eval|settimeout|setinterval|function|constructor|fetch|import|document\s*\.|window\s*\.|top\s*\[|self\s*\[|location\s*=)/i;

/** DOM and JavaScript capabilities an injected script uses, after jsCompact(). */
const JS_SINKS = new RegExp(
  [
    "\\b(?:document|window|self|top|parent|frames|globalthis|content|opener)\\.(?:cookie|domain|write|writeln|location|createelement|body|head|queryselector(?:all)?|getelementby\\w+|getelementsby\\w+|forms|execcommand|alert|eval|prompt|confirm|fetch|atob|open|defaultview|implementation|\\$|\\w+\\(|\\w+\\[)",
    "\\.(?:innerhtml|outerhtml|textcontent|srcdoc)=",
    "\\.(?:appendchild|insertadjacenthtml|insertbefore|replacechild)\\(",
    "\\bnew function\\(|\\bfunction\\(\\)\\{|\\bconstructor\\.constructor\\b|\\.constructor\\(|\\bconstructor\\(['\"`]",
    "\\.(?:call|apply|bind)`|\\b(?:alert|eval|prompt|confirm|function|settimeout|setinterval)`|\\$\\{(?:alert|eval|prompt|confirm)\\}",
    "\\bfromcharcode\\(|\\bstring\\.raw`",
    "\\blocation(?:\\.href)?=['\"`]?(?:java|vb)script:",
  ].join("|"),
);

/** Cheap pre-check: a word JS_SINKS needs is present. */
const SINK_WORDS = /document|window|self|top|parent|frames|globalthis|content|opener|innerhtml|outerhtml|textcontent|srcdoc|appendchild|insert|replacechild|function|constructor|call|apply|bind|alert|eval|prompt|confirm|settimeout|setinterval|fromcharcode|string|location/i;

/** JavaScript with comments removed, whitespace dropped and bracket/paren notation turned into dots. */
function jsCompact(s: string): string {
  let t = s.indexOf("/*") >= 0 ? s.replace(/\/\*[\s\S]*?\*\//g, "") : s;
  t = t.replace(/\s+/g, (m, off: number) => (/\w/.test(t[off - 1] ?? "") && /\w/.test(t[off + m.length] ?? "") ? " " : ""));
  t = t.replace(/\[\s*(['"`])([\w$]+)\1\s*\]/g, ".$2").replace(/\(\s*([\w$.]+)\s*\)(?=[.\[])/g, "$1");
  return t.toLowerCase();
}

/** Calls of the functions injected scripts use, written as code ("alert(1)", not "confirm (by email)"). */
const JS_CALL = /(?:^|[^\w.$])(?:eval|settimeout|setinterval|alert|atob|btoa|prompt|confirm|fetch)(?:\/\*[\s\S]*?\*\/)*\([^]*\)/i;

/** JSFuck and similar: JavaScript spelled with []()!+ only. */
const JSFUCK = /[!+]\s*\[\s*\]|\[\s*\]\s*\[|\(\s*!\s*\[\s*\]\s*\+/;

/** A javascript:/vbscript: scheme, spread out or followed by code. */
function scriptScheme(s: string): boolean {
  const compact = s.replace(/[\x00-\x20\x7f]+/g, "").toLowerCase();
  const at = compact.search(/(?:java|vb|live)script:/);
  if (at < 0) return false;
  const m = /(?:java|vb|live)script\s*:(.*)/is.exec(s);
  if (!m) return true; // the scheme only exists once whitespace or control characters are removed: obfuscation
  const rest = m[1] as string;
  return /^\S/.test(rest) || /[(=\\\[<`'"]|\.\w/.test(rest.slice(0, 64));
}

/** A data: URL carrying markup or script. */
const DATA_URL = /\bdata\s*:\s*(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|xhtml))|\bdata\s*:\s*[\w\/+.-]*\s*(?:;\s*[\w=+.-]*\s*)*,[\s\S]{0,200}<\s*[a-z!?\/]/i;

/** The "US-ASCII" reading: JavaScript escapes undone, UTF-8 decoded, and every character's high bit dropped. */
function lowSeven(s: string): string | undefined {
  // Only "<" and ">" matter: code points whose low seven bits are 0x3c / 0x3e (¼ ¾, or \xbc).
  if (!/\\x[89a-f][0-9a-f]|[\xbc\xbe]/i.test(s)) return undefined;
  const bytes = jsUnescape(s);
  const text = Buffer.from(bytes, "latin1").toString("utf8");
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += cp >= 0x80 ? String.fromCharCode(cp & 0x7f) : ch;
  }
  return out;
}

function judge(s: string): boolean {
  if (s.indexOf("<") >= 0 && markupIsActive(s)) return true;
  if (s.indexOf("!") >= 0 && XXE.test(s)) return true;
  if (ATTR_INJECTION.test(s)) return true;
  if (/script\s*:|&#|\\u|%28/i.test(s) || /[\t\n\r]/.test(s)) {
    if (isScriptUrl(s.trimStart().slice(0, 64)) && /[(`=]|&#|\\u|%28/i.test(s)) return true;
    if (scriptScheme(s)) return true;
  }
  if (/url\s*\(|expression\s*\(|-moz-binding|behavior\s*:|@import/i.test(s) && cssIsActive(s)) return true;
  if (/data\s*:/i.test(s) && DATA_URL.test(s)) return true;
  if (/[(`]/.test(s) && /['"`]/.test(s) && JS_BREAKOUT.test(s)) return true;
  if (/[([`.=]/.test(s) && (JS_CALL.test(s) || (SINK_WORDS.test(s) && JS_SINKS.test(jsCompact(s))))) return true;
  if (/\[\s*\]/.test(s) && JSFUCK.test(s)) return true;
  return false;
}

/** True when `input` carries a cross-site scripting payload. */
export function detectXss(input: string): boolean {
  if (input.length < 3) return false;
  const s = input.length > 16384 ? input.slice(0, 16384) : input;
  if (judge(s)) return true;
  if (s.indexOf("\\") >= 0) {
    const j = jsUnescape(s);
    if (j !== s && judge(j)) return true;
  }
  if (s.indexOf("+") >= 0) {
    const u = utf7Decode(s);
    if (u !== s && markupIsActive(u)) return true;
  }
  const low = lowSeven(s);
  if (low !== undefined && low !== s && markupIsActive(low)) return true;
  return false;
}
