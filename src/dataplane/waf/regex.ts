/**
 * AWS WAF regular expressions use PCRE syntax. This translates the few spellings that differ
 * and rejects what cannot be honoured. Matching runs over binary strings (bytes as latin1
 * chars), so a non-ASCII literal in a pattern is rewritten to its UTF-8 byte sequence.
 *
 * Customers' patterns (RegexMatchStatement, regex pattern sets) run on re2js, an RE2 engine
 * that matches in time linear in the input whatever the pattern: a backtracking engine would
 * let one pattern such as (a+)+$ and one request stall the data plane's event loop. RE2's
 * syntax leaves out what AWS WAF documents as unsupported (backreferences, recursion, atomic
 * groups, possessive quantifiers) and lookaround assertions, so those are refused when the
 * pattern is saved, as AWS's API refuses constructs it cannot run. Bulwark's own managed rule
 * patterns, which are fixed and reviewed, keep V8's faster backtracking engine.
 */
import { RE2JS } from "re2js";
import { WafCompileError } from "./errors.js";

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

/** Which engine the translation is for: RE2 (customers' patterns) or V8 (Bulwark's own). */
type Target = "re2" | "v8";

const META = /[\\^$.|?*+()[\]{}]/g;

/**
 * One pass over the pattern, outside character classes and \Q…\E, for what PCRE and the
 * engines spell differently:
 * - `$` (when not in multiline mode) and `\Z` also match before a final newline (PCRE's
 *   default), where RE2's and V8's `$` match only at the very end;
 * - `\A` and `\z` (start and very end of the subject) where the engine lacks them (V8);
 * - `\Q…\E` as escaped literals;
 * - extended mode (`(?x)`): unescaped whitespace and `#` comments to the end of the line are
 *   left out.
 * The end-before-final-newline spelling for RE2 consumes that newline: a boolean "matches
 * anywhere" answer is the same unless the pattern goes on to match a newline after the `$`.
 */
function rewrite(p: string, target: Target, multiline: boolean, extended: boolean): string {
  const endOrFinalNewline = target === "re2" ? "(?:\\n?\\z)" : multiline ? "(?=\\n?(?![\\s\\S]))" : "(?=\\n?$)";
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
      else if (n === "A") out += target === "re2" ? "\\A" : multiline ? "(?<![\\s\\S])" : "^";
      else if (n === "z") out += target === "re2" ? "\\z" : multiline ? "(?![\\s\\S])" : "$";
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

function translate(pattern: string, target: Target): Translated {
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
  p = rewrite(p, target, multiline, flags.includes("x"));
  // Non-ASCII literals -> UTF-8 bytes as latin1 characters.
  if (/[^\x00-\x7f]/.test(p)) p = p.replace(/[^\x00-\x7f]/gu, (ch) => Buffer.from(ch, "utf8").toString("latin1").replace(/[\s\S]/g, (b) => "\\x" + b.charCodeAt(0).toString(16).padStart(2, "0")));
  return { source: p, caseInsensitive: flags.includes("i"), multiline, dotAll: flags.includes("s") };
}

const linearCache = new Map<string, AwsRegex>();
const nativeCache = new Map<string, RegExp>();

/** A customer's pattern, compiled for the linear-time engine (InvalidRegexError when it cannot run there). */
export function compileAwsRegex(pattern: string): AwsRegex {
  const hit = linearCache.get(pattern);
  if (hit) return hit;
  const t = translate(pattern, "re2");
  let re: RE2JS;
  try {
    re = RE2JS.compile(t.source, (t.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0) | (t.multiline ? RE2JS.MULTILINE : 0) | (t.dotAll ? RE2JS.DOTALL : 0));
  } catch (e) {
    throw new InvalidRegexError(`Invalid regular expression ${pattern}: ${(e as Error).message}`);
  }
  const compiled: AwsRegex = { test: (value) => re.test(value) };
  if (linearCache.size > 5000) linearCache.clear();
  linearCache.set(pattern, compiled);
  return compiled;
}

/** One of Bulwark's own managed rule patterns, on V8's backtracking engine (never a customer's pattern). */
export function compileTrustedRegex(pattern: string): RegExp {
  const hit = nativeCache.get(pattern);
  if (hit) return hit;
  const t = translate(pattern, "v8");
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
