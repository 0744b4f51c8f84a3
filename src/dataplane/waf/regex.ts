/**
 * AWS WAF regular expressions use PCRE syntax.
 *
 * Customers' patterns (RegexMatchStatement, regex pattern sets) run on re2js, an RE2 engine
 * that matches in time linear in the input whatever the pattern: a backtracking engine would
 * let one pattern such as (a+)+$ and one request stall the data plane's event loop.
 * `pcre-to-re2.ts` reads them as PCRE, writes them for RE2 and refuses what AWS WAF documents as
 * unsupported (and lookaround), as AWS's API refuses constructs it cannot run. Matching runs
 * over binary strings (bytes as latin1 chars), or over the value read as UTF-8 for patterns in
 * UTF-8 mode.
 *
 * Bulwark's own managed rule patterns, which are fixed and reviewed, keep V8's faster
 * backtracking engine; `translate` below rewrites the few PCRE spellings V8 lacks for them.
 */
import { RE2JS } from "re2js";
import { WafCompileError } from "./errors.js";
import { pcreToRe2 } from "./pcre-to-re2.js";

export class InvalidRegexError extends WafCompileError {}

/** A compiled pattern: does it match anywhere in the value? */
export interface AwsRegex {
  test(value: string): boolean;
}

interface Translated {
  source: string;
  caseInsensitive: boolean;
  multiline: boolean;
  dotAll: boolean;
}

const META = /[\\^$.|?*+()[\]{}]/g;

/**
 * One pass over a managed pattern, outside character classes and \Q…\E, for what PCRE and V8
 * spell differently:
 * - `$` (when not in multiline mode) and `\Z` also match before a final newline (PCRE's
 *   default), where V8's `$` matches only at the very end;
 * - `\A` and `\z` (start and very end of the subject), which V8 lacks;
 * - `\Q…\E` as escaped literals;
 * - extended mode (`(?x)`): unescaped whitespace and `#` comments to the end of the line are
 *   left out.
 */
function rewrite(p: string, multiline: boolean, extended: boolean): string {
  const endOrFinalNewline = multiline ? "(?=\\n?(?![\\s\\S]))" : "(?=\\n?$)";
  let out = "";
  let inClass = false;
  let i = 0;
  while (i < p.length) {
    const c = p[i] as string;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) {
        out += c;
        i++;
        continue;
      }
      if (n === "Q" && !inClass) {
        const e = p.indexOf("\\E", i + 2);
        const literal = e < 0 ? p.slice(i + 2) : p.slice(i + 2, e);
        out += literal.replace(META, "\\$&").replace(/[\t\n\v\f\r ]/g, (w) => "\\x" + w.charCodeAt(0).toString(16).padStart(2, "0"));
        i = e < 0 ? p.length : e + 2;
        continue;
      }
      i += 2;
      if (inClass) out += c + n;
      else if (n === "A") out += multiline ? "(?<![\\s\\S])" : "^";
      else if (n === "z") out += multiline ? "(?![\\s\\S])" : "$";
      else if (n === "Z") out += endOrFinalNewline;
      else if (n === " ") out += "\\x20";
      else out += c + n;
      continue;
    }
    if (inClass) {
      out += c;
      i++;
      if (c === "]") inClass = false;
      else if (c === "[" && p[i] === ":") {
        const e = p.indexOf(":]", i + 1);
        if (e >= 0) {
          out += p.slice(i, e + 2);
          i = e + 2;
        }
      }
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      if (p[i] === "^") {
        out += "^";
        i++;
      }
      if (p[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (extended) {
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
        i++;
        continue;
      }
      if (c === "#") {
        const e = p.indexOf("\n", i);
        i = e < 0 ? p.length : e + 1;
        continue;
      }
    }
    if (c === "$" && !multiline) out += endOrFinalNewline;
    else out += c;
    i++;
  }
  return out;
}

function translate(pattern: string): Translated {
  let p = pattern;
  let flags = "";
  const lead = /^\(\?([imsx]+)\)/.exec(p);
  if (lead) {
    flags = lead[1] as string;
    p = p.slice(lead[0].length);
  }
  const multiline = flags.includes("m");
  p = p.replace(/\[\[:(alpha|digit|alnum|space|upper|lower|punct|xdigit):\]\]/g, (_m, cls: string) => {
    const map: Record<string, string> = { alpha: "[A-Za-z]", digit: "\\d", alnum: "[A-Za-z0-9]", space: "\\s", upper: "[A-Z]", lower: "[a-z]", punct: "[!-\\/:-@\\[-`{-~]", xdigit: "[0-9A-Fa-f]" };
    return map[cls] ?? "";
  });
  const unescaped = p.replace(/\\[^GKRX]/g, "x").replace(/\[\^?\]?[^\]]*\]/g, "x");
  if (/\(\?>|[*+?}]\+|\(\?R\)|\(\?\d|\(\?P?&|\\[GKRX]/.test(unescaped)) throw new InvalidRegexError(`Unsupported regular expression construct in ${pattern}`);
  p = rewrite(p, multiline, flags.includes("x"));
  // Non-ASCII literals -> UTF-8 bytes as latin1 characters.
  if (/[^\x00-\x7f]/.test(p)) p = p.replace(/[^\x00-\x7f]/gu, (ch) => Buffer.from(ch, "utf8").toString("latin1").replace(/[\s\S]/g, (b) => "\\x" + b.charCodeAt(0).toString(16).padStart(2, "0")));
  return { source: p, caseInsensitive: flags.includes("i"), multiline, dotAll: flags.includes("s") };
}

const linearCache = new Map<string, AwsRegex>();
/** A subject with bytes over 0x7f: in UTF-8 mode it is decoded before matching. */
const NON_ASCII = /[\x80-\xff]/;
const nativeCache = new Map<string, RegExp>();

/** A customer's pattern, compiled for the linear-time engine (InvalidRegexError when it cannot run there). */
export function compileAwsRegex(pattern: string): AwsRegex {
  const hit = linearCache.get(pattern);
  if (hit) return hit;
  const t = pcreToRe2(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(t.source);
  } catch (e) {
    throw new InvalidRegexError(`Invalid regular expression ${pattern}: ${(e as Error).message}`);
  }
  const compiled: AwsRegex = t.utf8 ? { test: (value) => re.test(NON_ASCII.test(value) ? Buffer.from(value, "latin1").toString("utf8") : value) } : { test: (value) => re.test(value) };
  if (linearCache.size > 5000) linearCache.clear();
  linearCache.set(pattern, compiled);
  return compiled;
}

/** One of Bulwark's own managed rule patterns, on V8's backtracking engine (never a customer's pattern). */
export function compileTrustedRegex(pattern: string): RegExp {
  const hit = nativeCache.get(pattern);
  if (hit) return hit;
  const t = translate(pattern);
  let re: RegExp;
  try {
    re = new RegExp(t.source, (t.caseInsensitive ? "i" : "") + (t.multiline ? "m" : "") + (t.dotAll ? "s" : ""));
  } catch (e) {
    throw new InvalidRegexError(`Invalid regular expression ${pattern}: ${(e as Error).message}`);
  }
  if (nativeCache.size > 5000) nativeCache.clear();
  nativeCache.set(pattern, re);
  return re;
}
