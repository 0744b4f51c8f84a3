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

function translate(pattern: string): Translated {
  let p = pattern;
  let flags = "";
  const lead = /^\(\?([imsx]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1] as string) if (f === "i" || f === "m" || f === "s") flags += f;
    p = p.slice(lead[0].length);
  }
  p = p.replace(/\\A/g, "^").replace(/\\[zZ]/g, "$").replace(/\[\[:(alpha|digit|alnum|space|upper|lower|punct|xdigit):\]\]/g, (_m, cls: string) => {
    const map: Record<string, string> = { alpha: "[A-Za-z]", digit: "\\d", alnum: "[A-Za-z0-9]", space: "\\s", upper: "[A-Z]", lower: "[a-z]", punct: "[!-\\/:-@\\[-`{-~]", xdigit: "[0-9A-Fa-f]" };
    return map[cls] ?? "";
  });
  const unescaped = p.replace(/\\[^GKRX]/g, "x").replace(/\[\^?\]?[^\]]*\]/g, "x");
  if (/\(\?>|[*+?}]\+|\(\?R\)|\(\?\d|\(\?P?&|\\[GKRX]/.test(unescaped)) throw new InvalidRegexError(`Unsupported regular expression construct in ${pattern}`);
  // Non-ASCII literals -> UTF-8 bytes as latin1 characters.
  if (/[^\x00-\x7f]/.test(p)) p = p.replace(/[^\x00-\x7f]/gu, (ch) => Buffer.from(ch, "utf8").toString("latin1").replace(/[\s\S]/g, (b) => "\\x" + b.charCodeAt(0).toString(16).padStart(2, "0")));
  return { source: p, caseInsensitive: flags.includes("i"), multiline: flags.includes("m"), dotAll: flags.includes("s") };
}

const linearCache = new Map<string, AwsRegex>();
const nativeCache = new Map<string, RegExp>();

/** A customer's pattern, compiled for the linear-time engine (InvalidRegexError when it cannot run there). */
export function compileAwsRegex(pattern: string): AwsRegex {
  const hit = linearCache.get(pattern);
  if (hit) return hit;
  const t = translate(pattern);
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
