/**
 * AWS WAF regular expressions use PCRE syntax. JavaScript's engine covers the subset AWS
 * allows; this translates the few spellings that differ and rejects what cannot be honoured.
 * Matching runs over binary strings (bytes as latin1 chars), so a non-ASCII literal in a
 * pattern is rewritten to its UTF-8 byte sequence.
 */
import { WafCompileError } from "./errors.js";

export class InvalidRegexError extends WafCompileError {}

const cache = new Map<string, RegExp>();

export function compileAwsRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
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
  let re: RegExp;
  try {
    re = new RegExp(p, flags);
  } catch (e) {
    throw new InvalidRegexError(`Invalid regular expression ${pattern}: ${(e as Error).message}`);
  }
  if (cache.size > 5000) cache.clear();
  cache.set(pattern, re);
  return re;
}
