/**
 * PCRE syntax, as AWS WAF accepts it ("Supported regular expression syntax in AWS WAF"), written
 * for RE2 (re2js): the linear-time engine customers' patterns run on. One pass over the pattern
 * reads it as PCRE reads it and writes each construct in RE2's spelling with the same meaning;
 * what the WAF guide lists as unsupported, and what a linear-time engine cannot run, is refused.
 *
 * Refused (the guide's list): backreferences (`\1`, `\g…`, `\k…`, `(?P=n)`), subroutine
 * references and recursion (`(?R)`, `(?1)`, `(?&n)`, `(?P>n)`), conditional patterns (`(?(…)`),
 * backtracking control verbs (`(*FAIL)`, `(*COMMIT)`, …), `\C`, `\R`, `\K`, callouts and embedded
 * code (`(?C…)`, `(?{…})`), atomic groups and possessive quantifiers. Of the zero-width
 * assertions ("some, but not all" are supported) `^ $ \A \Z \z \b \B` are; lookaround and `\G`
 * are not.
 *
 * Two modes, as PCRE has:
 * - bytes (the default): a request's bytes are the subject, one character each (latin1); a
 *   non-ASCII literal in the pattern stands for its UTF-8 bytes;
 * - UTF-8: chosen by a leading `(*UTF8)`, `(*UTF)` or `(*UCP)`, and by any construct that only
 *   means something over characters (`\p{…}`, `\P{…}`, `\X`, a code point above \xff); the subject
 *   is the request's bytes read as UTF-8 (a malformed sequence is U+FFFD) and `.`, classes and
 *   literals are characters. `(*UCP)` makes `\d \s \w` Unicode's (PCRE's UCP definitions).
 *
 * Caseless matching is written out here (a letter as `[aA]` over bytes, `(?i:…)` around
 * characters in UTF-8 mode) rather than left to RE2's (?i), which would also fold latin1 bytes
 * (é/É) and fold `\p{…}`, `\W` and POSIX classes, none of which PCRE's caseless matching does.
 */
import { RE2JS } from "re2js";
import { InvalidRegexError } from "./regex.js";

export interface Re2Pattern {
  source: string;
  /** Match against the subject read as UTF-8 (else its bytes as latin1 characters). */
  utf8: boolean;
}

const unsupported = (pattern: string, what: string): InvalidRegexError =>
  new InvalidRegexError(`Unsupported regular expression construct (${what}) in ${pattern}`);
const invalid = (pattern: string, what: string): InvalidRegexError => new InvalidRegexError(`Invalid regular expression ${pattern}: ${what}`);

const hex = (cp: number): string => `\\x{${cp.toString(16)}}`;
const utf8Bytes = (cp: number): number[] => [...Buffer.from(String.fromCodePoint(cp), "utf8")];
const isAsciiLetter = (cp: number): boolean => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
/** One character as RE2 class or pattern text: letters and digits as themselves, the rest as \x{…}. */
const classChar = (cp: number): string => (cp < 0x80 && /[A-Za-z0-9]/.test(String.fromCharCode(cp)) ? String.fromCharCode(cp) : hex(cp));

/** PCRE's general category names (PCRE 8.x); scripts are checked against the Unicode data. */
const CATEGORIES = new Set(
  "C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(" "),
);

/**
 * Character sets written as class members for RE2 (`pos`), with the same set in a V8 `u` class
 * (`v8`) from which its complement is computed when it has to be negated inside a class.
 */
interface CharSet {
  pos: string;
  v8: string;
  /** Every member is below this code point (sets written without properties): the complement is found by scanning below it only. */
  below?: number;
}
const H_BYTES: CharSet = { pos: "\\t \\x{a0}", v8: "\\t \\xa0", below: 0x100 };
const H_UTF: CharSet = {
  pos: "\\t \\x{a0}\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}",
  v8: "\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000",
  below: 0x3001,
};
const V_BYTES: CharSet = { pos: "\\n-\\r\\x{85}", v8: "\\n-\\r\\x85", below: 0x100 };
const V_UTF: CharSet = { pos: "\\n-\\r\\x{85}\\x{2028}\\x{2029}", v8: "\\n-\\r\\x85\\u2028\\u2029", below: 0x202a };
/** PCRE's \s since 8.34: space, \t \n \v \f \r. */
const S_ASCII: CharSet = { pos: "\\t-\\r ", v8: "\\t-\\r ", below: 0x80 };
const S_UCP: CharSet = { pos: "\\t-\\r \\x{85}\\p{Z}", v8: "\\t-\\r \\x85\\p{Z}" };
const W_UCP: CharSet = { pos: "\\p{L}\\p{N}_", v8: "\\p{L}\\p{N}_" };
const D_UCP: CharSet = { pos: "\\p{Nd}", v8: "\\p{Nd}" };
/** PCRE's own properties. */
const SPECIAL: Record<string, CharSet> = {
  "L&": { pos: "\\p{Lu}\\p{Ll}\\p{Lt}", v8: "\\p{Lu}\\p{Ll}\\p{Lt}" },
  Xan: { pos: "\\p{L}\\p{N}", v8: "\\p{L}\\p{N}" },
  Xwd: W_UCP,
  Xsp: S_UCP,
  Xps: S_UCP,
  Xuc: { pos: "$@`\\x{a0}-\\x{d7ff}\\x{e000}-\\x{10ffff}", v8: "$@`\\xa0-\\ud7ff\\ue000-\\u{10ffff}" },
};

const complements = new Map<string, string>();
/** The complement of a set as explicit ranges (class members), for negation inside a class. */
function complement(set: CharSet): string {
  const hit = complements.get(set.v8);
  if (hit !== undefined) return hit;
  const re = new RegExp(`[${set.v8}]`, "u");
  let out = "";
  let start = -1;
  const flush = (end: number): void => {
    if (start >= 0) out += start === end ? hex(start) : `${hex(start)}-${hex(end)}`;
    start = -1;
  };
  const scanTo = set.below ?? 0x110000;
  for (let cp = 0; cp < scanTo; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) {
      flush(cp - 1);
      cp = 0xdfff;
      continue;
    }
    if (re.test(String.fromCodePoint(cp))) flush(cp - 1);
    else if (start < 0) start = cp;
  }
  flush(scanTo - 1);
  if (scanTo <= 0x10ffff) out += `${hex(scanTo)}-${hex(0x10ffff)}`;
  complements.set(set.v8, out);
  return out;
}

const knownProperty = new Map<string, boolean>();
function propertyExists(name: string): boolean {
  let ok = knownProperty.get(name);
  if (ok === undefined) {
    ok = CATEGORIES.has(name) || name === "Any";
    if (!ok && /^[A-Z][A-Za-z_]+$/.test(name)) {
      try {
        new RegExp(`\\p{Script=${name}}`, "u");
        RE2JS.compile(`\\p{${name}}`);
        ok = true;
      } catch {
        ok = false;
      }
    }
    knownProperty.set(name, ok);
  }
  return ok;
}

/** Does the pattern need UTF-8 mode? (a leading option, or a construct over characters) */
function wantsUtf8(p: string): boolean {
  if (/^(?:\(\*(?:UTF8?|UCP)\))/.test(p)) return true;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== "\\") continue;
    const n = p[i + 1];
    if (n === "Q") {
      const e = p.indexOf("\\E", i + 2);
      if (e < 0) return false;
      i = e + 1;
      continue;
    }
    if (n === "p" || n === "P" || n === "X") return true;
    if ((n === "x" || n === "o") && p[i + 2] === "{") {
      const m = /^\{([0-9A-Fa-f]+)\}/.exec(p.slice(i + 2));
      if (m && parseInt(m[1] as string, n === "x" ? 16 : 8) > 0xff) return true;
    }
    i++;
  }
  return false;
}

interface Flags {
  multiline: boolean;
  extended: boolean;
  caseless: boolean;
}

/**
 * Code points that take part in case folding (a superset: every member of a case-folding orbit
 * changes under some case mapping), for spelling out a class's case-folded closure.
 */
let casedCache: number[] | undefined;
function casedCodePoints(): number[] {
  if (!casedCache) {
    const re = /[\p{CWCM}\p{CWCF}]/u;
    casedCache = [];
    for (let cp = 0; cp <= 0x1ffff; cp++) if ((cp < 0xd800 || cp > 0xdfff) && re.test(String.fromCodePoint(cp))) casedCache.push(cp);
  }
  return casedCache;
}

/**
 * PCRE's check for POSIX class syntax: `p[i]` is "[" followed by ":", "." or "="; the index of the
 * closing ":]" (".]", "=]") when the text up to it has the form PCRE reads as such, else -1.
 */
function posixSyntaxEnd(p: string, i: number): number {
  const terminator = p[i + 1];
  for (let k = i + 2; k + 1 < p.length; k++) {
    if (p[k] === "\\" && (p[k + 1] === "]" || p[k + 1] === "\\")) k++;
    else if ((p[k] === "[" && p[k + 1] === terminator) || p[k] === "]") return -1;
    else if (p[k] === terminator && p[k + 1] === "]") return k;
  }
  return -1;
}

export function pcreToRe2(pattern: string): Re2Pattern {
  let p = pattern;
  let utf8 = false;
  let ucp = false;
  // Start-of-pattern options: only the mode settings AWS WAF documents for its engine family.
  for (let m = /^\(\*([A-Z_0-9=]+)\)/.exec(p); m; m = /^\(\*([A-Z_0-9=]+)\)/.exec(p)) {
    const name = m[1] as string;
    if (name === "UTF8" || name === "UTF") utf8 = true;
    else if (name === "UCP") ucp = utf8 = true;
    else throw unsupported(pattern, `(*${name})`);
    p = p.slice(m[0].length);
  }
  utf8 ||= wantsUtf8(p);
  ucp &&= utf8;

  let out = "";
  let i = 0;
  let groups = 0;
  let flags: Flags = { multiline: false, extended: false, caseless: false };
  const stack: Flags[] = [];
  /** Just wrote a quantifier: a following "+" would make it possessive. */
  let quantified = false;
  /** The last item can take a quantifier (PCRE refuses one after an assertion, "(", "|", an option setting or a quantifier). */
  let repeatable = false;
  /** Group names so far; the same name twice needs (?J) first. */
  const names = new Set<string>();
  let dupnames = false;

  /**
   * One character, matching its other cases when caseless matching is on. RE2's own (?i) is
   * never set: PCRE folds only ASCII letters outside UTF-8 mode (RE2 would fold é and É, bytes
   * here), and caseless matching leaves \p{…}, \W and POSIX classes alone (RE2 folds them too).
   */
  const oneChar = (cp: number): string => {
    const text = classChar(cp);
    if (!flags.caseless) return text;
    if (!utf8) return isAsciiLetter(cp) ? `[${String.fromCharCode(cp)}${String.fromCharCode(cp ^ 0x20)}]` : text;
    return isAsciiLetter(cp) || cp >= 0x80 ? `(?i:${text})` : text;
  };
  /** A character written in the pattern: in bytes mode a non-ASCII one is its UTF-8 bytes. */
  const rawLiteral = (cp: number): string => {
    if (cp < 0x80 || utf8) return oneChar(cp);
    return utf8Bytes(cp).map(hex).join("");
  };
  /** A character given by an escape (\x.., \o{..}, octal, \c.): in bytes mode, that byte. */
  const valueLiteral = (cp: number): string => {
    if (!utf8 && cp > 0xff) throw invalid(pattern, "character value is greater than \\xff outside UTF-8 mode");
    return oneChar(cp);
  };

  /** A backslash sequence that stands for one character (code point), or undefined. */
  const charEscape = (inClass: boolean): { cp: number; raw: boolean } | undefined => {
    const v = escapeValue(inClass);
    if (v === undefined) return undefined;
    return typeof v === "number" ? { cp: v, raw: false } : v;
  };
  const escapeValue = (inClass: boolean): number | { cp: number; raw: boolean } | undefined => {
    const n = p[i + 1] as string;
    const rest = p.slice(i + 2);
    let m: RegExpExecArray | null;
    switch (n) {
      case "a":
        i += 2;
        return 7;
      case "e":
        i += 2;
        return 0x1b;
      case "f":
        i += 2;
        return 0x0c;
      case "n":
        i += 2;
        return 0x0a;
      case "r":
        i += 2;
        return 0x0d;
      case "t":
        i += 2;
        return 0x09;
      case "b":
        if (!inClass) return undefined;
        i += 2;
        return 0x08;
      case "c": {
        const x = p[i + 2];
        if (x === undefined || x.charCodeAt(0) < 0x20 || x.charCodeAt(0) > 0x7e) throw invalid(pattern, "\\c must be followed by a printable ASCII character");
        i += 3;
        return x.toUpperCase().charCodeAt(0) ^ 0x40;
      }
      case "x":
        if ((m = /^\{([0-9A-Fa-f]+)\}/.exec(rest))) {
          i += 2 + m[0].length;
          const v = parseInt(m[1] as string, 16);
          if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw invalid(pattern, "character value in \\x{} is invalid");
          return v;
        }
        m = /^[0-9A-Fa-f]{0,2}/.exec(rest) as RegExpExecArray;
        i += 2 + m[0].length;
        return m[0] === "" ? 0 : parseInt(m[0], 16);
      case "o":
        if (!(m = /^\{([0-7]+)\}/.exec(rest))) throw invalid(pattern, "\\o must be followed by {octal digits}");
        i += 2 + m[0].length;
        if (parseInt(m[1] as string, 8) > 0x10ffff) throw invalid(pattern, "character value in \\o{} is too large");
        return parseInt(m[1] as string, 8);
      case "0":
        m = /^[0-7]{0,2}/.exec(rest) as RegExpExecArray;
        i += 2 + m[0].length;
        return parseInt("0" + m[0], 8);
      default:
        break;
    }
    if (/[1-9]/.test(n)) {
      const digits = (/^\d+/.exec(p.slice(i + 1)) as RegExpExecArray)[0];
      const num = Number(digits);
      // PCRE: \1–\9, and \10 on when that many groups came before, are backreferences.
      if (inClass ? false : num < 10 || num <= groups) throw unsupported(pattern, "backreference");
      const oct = /^[0-7]{1,3}/.exec(digits);
      if (!oct) {
        i += 2;
        return n.charCodeAt(0); // \8, \9: the digit itself
      }
      i += 1 + oct[0].length;
      return parseInt(oct[0], 8);
    }
    if (/[A-Za-z]/.test(n)) return undefined;
    // Any other escaped character is itself.
    const cp = p.codePointAt(i + 1) as number;
    i += 1 + (cp > 0xffff ? 2 : 1);
    return { cp, raw: true };
  };

  /** \d \s \w \h \v \p… as class members (positive) or, negated, as members when possible. */
  const setEscape = (): { set?: CharSet; native?: string; negated: boolean } | undefined => {
    const n = p[i + 1] as string;
    const lower = n.toLowerCase();
    const negated = n !== lower;
    if (lower === "d" || lower === "w") {
      i += 2;
      if (ucp) return { set: lower === "d" ? D_UCP : W_UCP, negated };
      return { native: `\\${n}`, negated: false };
    }
    if (lower === "s") {
      i += 2;
      return { set: ucp ? S_UCP : S_ASCII, negated };
    }
    if (lower === "h") {
      i += 2;
      return { set: utf8 ? H_UTF : H_BYTES, negated };
    }
    if (lower === "v") {
      i += 2;
      return { set: utf8 ? V_UTF : V_BYTES, negated };
    }
    if (lower === "p") {
      let name: string;
      let len: number;
      const m = /^\{(\^?)([A-Za-z_&]+)\}/.exec(p.slice(i + 2));
      if (m) {
        name = m[2] as string;
        len = 2 + m[0].length;
        const neg = negated !== (m[1] === "^");
        i += len;
        return property(name, neg);
      }
      const one = p[i + 2];
      if (one === undefined || !/[A-Z]/.test(one)) throw invalid(pattern, "malformed \\p or \\P sequence");
      i += 3;
      return property(one, negated);
    }
    return undefined;
  };

  const property = (name: string, negated: boolean): { set?: CharSet; native?: string; negated: boolean } => {
    const special = SPECIAL[name];
    if (special) return { set: special, negated };
    if (!propertyExists(name)) throw invalid(pattern, `unknown property name after \\P or \\p: ${name}`);
    return { native: `\\${negated ? "P" : "p"}{${name}}`, negated: false };
  };

  /** A class, from just after "[" to its "]": RE2 class text. */
  const charClass = (): string => {
    let negate = false;
    if (p[i] === "^") {
      negate = true;
      i++;
    }
    type Item = { kind: "char"; cp: number } | { kind: "text"; text: string } | { kind: "dash" };
    const items: Item[] = [];
    // In bytes mode a non-ASCII character written in a class is its UTF-8 bytes, each a member
    // (as PCRE reads UTF-8 pattern text outside UTF mode).
    const pushRaw = (cp: number): void => {
      if (utf8 || cp < 0x80) items.push({ kind: "char", cp });
      else for (const b of utf8Bytes(cp)) items.push({ kind: "char", cp: b });
    };
    let first = true;
    for (;;) {
      if (i >= p.length) throw invalid(pattern, "missing terminating ] for character class");
      const c = p[i] as string;
      if (c === "]" && !first) {
        i++;
        break;
      }
      first = false;
      const end = c === "[" && /[:.=]/.test(p[i + 1] ?? "") ? posixSyntaxEnd(p, i) : -1;
      if (end >= 0) {
        if (p[i + 1] !== ":") throw invalid(pattern, "POSIX collating elements are not supported");
        const m = /^(\^?)(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit)$/.exec(p.slice(i + 2, end));
        if (!m) throw invalid(pattern, `unknown POSIX class name ${p.slice(i + 2, end)}`);
        items.push({ kind: "text", text: `[:${m[1]}${m[2]}:]` });
        i = end + 2;
        continue;
      }
      if (c === "\\") {
        const n = p[i + 1];
        if (n === undefined) throw invalid(pattern, "\\ at end of pattern");
        if (n === "Q") {
          const q = quotedRun(p, i);
          for (const ch of q.text) pushRaw(ch.codePointAt(0) as number);
          i = q.next;
          continue;
        }
        if (n === "E") {
          i += 2;
          continue;
        }
        const set = setEscape();
        if (set) {
          if (set.native !== undefined) items.push({ kind: "text", text: set.native });
          else if (set.set) items.push({ kind: "text", text: set.negated ? complement(set.set) : set.set.pos });
          continue;
        }
        const e = charEscape(true);
        if (e === undefined) throw (/[BRXAzZGKNCgkLlUu]/.test(n) ? unsupported : invalid)(pattern, `\\${n} in a character class`);
        if (e.raw) pushRaw(e.cp);
        else {
          if (!utf8 && e.cp > 0xff) throw invalid(pattern, "character value is greater than \\xff outside UTF-8 mode");
          items.push({ kind: "char", cp: e.cp });
        }
        continue;
      }
      if (c === "-") {
        items.push({ kind: "dash" });
        i++;
        continue;
      }
      const cp = p.codePointAt(i) as number;
      i += cp > 0xffff ? 2 : 1;
      pushRaw(cp);
    }
    // Characters and ranges (which caseless matching folds) apart from sets (which it leaves alone).
    let folded = "";
    let fixed = "";
    let asciiOtherCase = "";
    const otherCase = (lo: number, hi: number): void => {
      for (const [a, z, d] of [[0x41, 0x5a, 0x20], [0x61, 0x7a, -0x20]] as const) {
        const from = Math.max(lo, a);
        const to = Math.min(hi, z);
        if (from <= to) asciiOtherCase += from === to ? classChar(from + d) : `${classChar(from + d)}-${classChar(to + d)}`;
      }
    };
    for (let k = 0; k < items.length; k++) {
      const it = items[k] as Item;
      const next = items[k + 1];
      const after = items[k + 2];
      if (it.kind === "char" && next?.kind === "dash" && after?.kind === "char") {
        if (after.cp < it.cp) throw invalid(pattern, "range out of order in character class");
        folded += `${classChar(it.cp)}-${classChar(after.cp)}`;
        otherCase(it.cp, after.cp);
        k += 2;
        continue;
      }
      if (it.kind === "dash") folded += "\\-";
      else if (it.kind === "text") fixed += flags.caseless ? it.text.replace(/^\[:(\^?)(?:upper|lower):\]$/, "[:$1alpha:]") : it.text;
      else {
        folded += classChar(it.cp);
        otherCase(it.cp, it.cp);
      }
    }
    const neg = negate ? "^" : "";
    if (!flags.caseless || folded === "") return `[${neg}${folded}${fixed}]`;
    // Outside UTF-8 mode PCRE folds ASCII letters only.
    if (!utf8) return `[${neg}${folded}${asciiOtherCase}${fixed}]`;
    if (!negate) return fixed === "" ? `(?i:[${folded}])` : `(?:(?i:[${folded}])|[${fixed}])`;
    if (fixed === "") return `(?i:[^${folded}])`;
    // Negated, with sets: the characters' case-folded closure spelled out, then negated as a whole.
    // (V8's /iu folds by Unicode simple case folding, as RE2 and PCRE do; the class text is the
    // same in its syntax once \x{…} is \u{…}.)
    const fold = new RegExp(`^[${folded.replace(/\\x\{/g, "\\u{")}]$`, "iu");
    let closure = "";
    for (const cp of casedCodePoints()) if (fold.test(String.fromCodePoint(cp))) closure += hex(cp);
    return `[^${folded}${closure}${fixed}]`;
  };


  while (i < p.length) {
    const c = p[i] as string;
    const wasQuantified: boolean = quantified;
    quantified = false;
    // Most items can be repeated; the branches for what cannot (assertions, the start of a
    // group or branch, option settings, quantifiers themselves) say so, and what is no item at
    // all (whitespace and comments in extended mode, \E, comments) keeps the previous state.
    const wasRepeatable: boolean = repeatable;
    repeatable = true;
    if (flags.extended) {
      if (/[ \t\n\v\f\r]/.test(c)) {
        i++;
        quantified = wasQuantified;
        repeatable = wasRepeatable;
        continue;
      }
      if (c === "#") {
        const e = p.indexOf("\n", i);
        i = e < 0 ? p.length : e + 1;
        quantified = wasQuantified;
        repeatable = wasRepeatable;
        continue;
      }
    }
    if (c === "+" && wasQuantified) throw unsupported(pattern, "possessive quantifier");
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) throw invalid(pattern, "\\ at end of pattern");
      if (n === "Q") {
        const q = quotedRun(p, i);
        for (const ch of q.text) out += rawLiteral(ch.codePointAt(0) as number);
        i = q.next;
        if (q.text === "") {
          repeatable = wasRepeatable;
          quantified = wasQuantified;
        }
        continue;
      }
      if (n === "E") {
        i += 2;
        repeatable = wasRepeatable;
        quantified = wasQuantified;
        continue;
      }
      switch (n) {
        case "A":
        case "z":
        case "b":
        case "B":
          if ((n === "b" || n === "B") && ucp) throw unsupported(pattern, `\\${n} with Unicode word characters (*UCP)`);
          out += `\\${n}`;
          i += 2;
          repeatable = false;
          continue;
        case "Z":
          out += "(?:\\n?\\z)";
          i += 2;
          repeatable = false;
          continue;
        case "N":
          // \N{2} is \N repeated; \N{name} (and \N{U+…}) PCRE does not support.
          if (p[i + 2] === "{" && !/^\{\d+(,\d*)?\}/.test(p.slice(i + 2))) throw invalid(pattern, "\\N{name} is not supported");
          out += "[^\\n]";
          i += 2;
          continue;
        case "X":
          // An extended grapheme cluster, as PCRE defined it before Unicode's segmentation rules:
          // CR LF, or a character that is not a mark followed by any marks (or marks alone).
          out += "(?:\\r\\n|\\P{M}\\p{M}*|\\p{M}+)";
          i += 2;
          continue;
        case "G":
          throw unsupported(pattern, "\\G assertion");
        case "K":
        case "R":
        case "C":
          throw unsupported(pattern, `\\${n}`);
        case "g":
        case "k":
          throw unsupported(pattern, "backreference or subroutine call");
        case "L":
        case "l":
        case "U":
        case "u":
          throw invalid(pattern, `PCRE does not support \\${n}`);
        default:
          break;
      }
      const set = setEscape();
      if (set) {
        if (set.native !== undefined) out += set.native;
        else if (set.set) out += `[${set.negated ? "^" : ""}${set.set.pos}]`;
        continue;
      }
      const e = charEscape(false);
      if (e !== undefined) {
        out += e.raw ? rawLiteral(e.cp) : valueLiteral(e.cp);
        continue;
      }
      // Any other letter escape PCRE treats as the letter itself.
      out += n;
      i += 2;
      continue;
    }
    if (c === "[") {
      if (/[:.=]/.test(p[i + 1] ?? "") && posixSyntaxEnd(p, i) >= 0) throw invalid(pattern, p[i + 1] === ":" ? "POSIX named classes are supported only within a class" : "POSIX collating elements are not supported");
      i++;
      out += charClass();
      continue;
    }
    if (c === "(") {
      const rest = p.slice(i);
      if (rest.startsWith("(?#")) {
        const e = p.indexOf(")", i);
        if (e < 0) throw invalid(pattern, "missing ) after comment");
        i = e + 1;
        quantified = wasQuantified;
        repeatable = wasRepeatable;
        continue;
      }
      if (rest.startsWith("(*")) throw unsupported(pattern, "backtracking control verb");
      if (/^\(\?(=|!|<=|<!)/.test(rest)) throw unsupported(pattern, "lookaround assertion");
      if (/^\(\?(>|\(|R|[+-]?\d|&|P>|P=|C|\{|\?\{)/.test(rest)) throw unsupported(pattern, "atomic group, conditional, recursion, subroutine or callout");
      stack.push(flags);
      repeatable = false;
      let m: RegExpExecArray | null;
      if ((m = /^\(\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|P<([A-Za-z_]\w*)>)/.exec(rest))) {
        const name = (m[1] ?? m[2] ?? m[3]) as string;
        if (names.has(name) && !dupnames) throw invalid(pattern, "two named subpatterns have the same name (without (?J))");
        names.add(name);
        groups++;
        out += "(?:";
        i += m[0].length;
        continue;
      }
      if (rest.startsWith("(?:") || rest.startsWith("(?|")) {
        out += "(?:";
        i += 3;
        continue;
      }
      if ((m = /^\(\?([imsxJUX]*)(?:-([imsxJUX]*))?(\)|:)/.exec(rest))) {
        const on = m[1] as string;
        const off = m[2] ?? "";
        if (on.includes("J")) dupnames = true;
        const next: Flags = {
          multiline: off.includes("m") ? false : on.includes("m") ? true : flags.multiline,
          extended: off.includes("x") ? false : on.includes("x") ? true : flags.extended,
          caseless: off.includes("i") ? false : on.includes("i") ? true : flags.caseless,
        };
        // Caseless matching is written out character by character (oneChar), never RE2's (?i).
        const keep = (s: string): string => s.replace(/[ixJX]/g, "");
        const spec = keep(on) + (keep(off) ? `-${keep(off)}` : "");
        i += m[0].length;
        if (m[3] === ")") {
          stack.pop();
          flags = next;
          if (spec) out += `(?${spec})`;
        } else {
          flags = next;
          out += spec ? `(?${spec}:` : "(?:";
        }
        continue;
      }
      if (rest.startsWith("(?")) throw invalid(pattern, "unrecognized character after (?");
      groups++;
      out += "(";
      i++;
      continue;
    }
    if (c === ")") {
      const prev = stack.pop();
      if (!prev) throw invalid(pattern, "unmatched parentheses");
      flags = prev;
      out += ")";
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      if (!wasRepeatable) throw invalid(pattern, "quantifier does not follow a repeatable item");
      repeatable = false;
      out += c;
      i++;
      if (p[i] === "?") {
        out += "?";
        i++;
      } else quantified = true;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m) {
        if (!wasRepeatable) throw invalid(pattern, "quantifier does not follow a repeatable item");
        repeatable = false;
        out += m[0];
        i += m[0].length;
        if (p[i] === "?") {
          out += "?";
          i++;
        } else quantified = true;
      } else {
        out += "\\{";
        i++;
      }
      continue;
    }
    if (c === "$") {
      // PCRE's $ (and \Z) also match before a final newline. This spelling consumes it: a
      // "matches anywhere" answer is the same unless the pattern goes on to match a newline.
      out += flags.multiline ? "(?m:$)" : "(?:\\n?\\z)";
      i++;
      repeatable = false;
      continue;
    }
    if (c === "^") {
      out += flags.multiline ? "(?m:^)" : "(?-m:^)";
      i++;
      repeatable = false;
      continue;
    }
    if (c === "." || c === "|") {
      out += c;
      i++;
      repeatable = c === ".";
      continue;
    }
    const cp = p.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    out += rawLiteral(cp);
  }
  if (stack.length > 0) throw invalid(pattern, "missing )");
  return { source: out, utf8 };
}

/** The literal text of a `\Q…\E` run starting at `i` (the `\E` may be missing: to the end), and where the pattern goes on. */
function quotedRun(p: string, i: number): { text: string; next: number } {
  const e = p.indexOf("\\E", i + 2);
  return e < 0 ? { text: p.slice(i + 2), next: p.length } : { text: p.slice(i + 2, e), next: e + 2 };
}
