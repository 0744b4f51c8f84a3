/**
 * A small SQL lexer for injection detection. It folds the input into typed tokens the way a
 * SQL engine would read them (comments dropped, MySQL version comments opened, quotes and
 * backticks honoured) so the detector can reason about structure instead of keywords.
 *
 * Token types:
 *   s string literal   1 number        v @variable     n identifier / bareword
 *   E statement verb (SELECT, INSERT, ...)              U set operator (UNION, EXCEPT, INTERSECT)
 *   k other SQL keyword (FROM, WHERE, INTO, ...)        & logical operator (AND, OR, XOR, &&, ||, NOT)
 *   o operator (= < > + - * / LIKE IN IS ...)           f function call (identifier followed by "(")
 *   ( ) , ;  punctuation                                c comment (-- or # or an unterminated /*)
 */

export type TokType = "s" | "1" | "v" | "n" | "E" | "U" | "k" | "&" | "o" | "f" | "(" | ")" | "," | ";" | "c";
export interface Tok {
  t: TokType;
  /** Lower-cased text (string literals: contents without quotes). */
  v: string;
  /** For string literals: whether the closing quote was found. */
  closed?: boolean;
}

const VERBS = new Set(["select", "insert", "update", "delete", "drop", "create", "alter", "truncate", "shutdown", "declare", "exec", "execute", "waitfor", "grant", "revoke", "replace", "merge", "call", "handler", "load", "rename", "use", "show", "describe", "desc"]);
const SETOPS = new Set(["union", "except", "intersect", "minus"]);
const LOGIC = new Set(["and", "or", "xor", "not", "div"]);
const WORD_OPS = new Set(["like", "rlike", "regexp", "sounds", "is", "in", "between", "mod", "collate", "escape", "glob", "match", "against", "binary"]);
const KEYWORDS = new Set([
  "from", "where", "into", "values", "set", "table", "database", "schema", "group", "order", "by", "having", "limit", "offset",
  "join", "inner", "outer", "left", "right", "cross", "natural", "on", "as", "all", "distinct", "top", "case", "when", "then",
  "else", "end", "null", "true", "false", "procedure", "function", "outfile", "dumpfile", "delay", "time", "immediate",
  "asc", "fetch", "next", "rows", "only", "with", "exists", "any", "some", "if", "cast", "convert", "char", "nchar",
  "varchar", "int", "integer", "column", "columns", "index", "view", "trigger", "user", "login", "into", "analyse", "analyze",
  "information_schema", "sysobjects", "syscolumns", "dual", "master", "tempdb", "msdb", "pg_catalog", "sqlite_master",
]);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c >= 128;
}
function isIdent(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 46;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0;
}

/**
 * Tokenises `s` starting at `start`. When `quote` is given, the input is read as if it started
 * inside a string literal opened with that quote (the attacker's text closes it).
 */
export function tokenize(s: string, start = 0, quote?: string, max = 48): Tok[] {
  const out: Tok[] = [];
  let i = start;
  const n = s.length;
  if (quote) {
    const end = findStringEnd(s, i, quote);
    out.push({ t: "s", v: s.slice(i, end < 0 ? n : end).toLowerCase(), closed: end >= 0 });
    if (end < 0) return out;
    i = end + 1;
  }
  while (i < n && out.length < max) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // comments
    if (c === 47 && s.charCodeAt(i + 1) === 42) {
      if (s.charCodeAt(i + 2) === 33) {
        // MySQL executable comment: /*!50000 code */ -> code
        i += 3;
        while (i < n && isDigit(s.charCodeAt(i))) i++;
        continue;
      }
      const close = s.indexOf("*/", i + 2);
      if (close < 0) {
        out.push({ t: "c", v: "/*" });
        break;
      }
      i = close + 2;
      continue;
    }
    if (c === 42 && s.charCodeAt(i + 1) === 47) {
      i += 2; // closing of a version comment
      continue;
    }
    if (c === 35 && (s.charCodeAt(i + 1) === 62 || s.charCodeAt(i + 1) === 45)) {
      // PostgreSQL JSON path operators #> #>> #- (not a MySQL comment)
      const op = s.charCodeAt(i + 2) === 62 ? "#>>" : s.slice(i, i + 2);
      out.push({ t: "o", v: op });
      i += op.length;
      continue;
    }
    if ((c === 45 && s.charCodeAt(i + 1) === 45) || c === 35) {
      out.push({ t: "c", v: c === 35 ? "#" : "--" });
      const nl = s.indexOf("\n", i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    if (c === 39 || c === 34) {
      const q = c === 39 ? "'" : '"';
      const end = findStringEnd(s, i + 1, q);
      out.push({ t: "s", v: s.slice(i + 1, end < 0 ? n : end).toLowerCase(), closed: end >= 0 });
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (c === 96) {
      const end = s.indexOf("`", i + 1);
      out.push({ t: "n", v: s.slice(i + 1, end < 0 ? n : end).toLowerCase() });
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (c === 91) {
      // [bracketed identifier] (MS SQL); otherwise punctuation-like operator
      const end = s.indexOf("]", i + 1);
      if (end > i + 1 && end - i < 64 && /^[\w $.-]+$/.test(s.slice(i + 1, end))) {
        out.push({ t: "n", v: s.slice(i + 1, end).toLowerCase() });
        i = end + 1;
        continue;
      }
      out.push({ t: "o", v: "[" });
      i++;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      const m = /^(?:0x[0-9a-f]+|0b[01]+|\d*\.?\d+(?:e[+-]?\d+)?)/i.exec(s.slice(i, i + 64));
      const len = m ? m[0].length : 1;
      // a number glued to letters ("2nd", "5th") is a word, not a number
      if (isIdentStart(s.charCodeAt(i + len)) && !/^0x/i.test(m?.[0] ?? "")) {
        let j = i + len;
        while (j < n && isIdent(s.charCodeAt(j))) j++;
        out.push({ t: "n", v: s.slice(i, j).toLowerCase() });
        i = j;
        continue;
      }
      out.push({ t: "1", v: s.slice(i, i + len) });
      i += len;
      continue;
    }
    if (c === 64 && (s.charCodeAt(i + 1) === 62 || s.charCodeAt(i + 1) === 63 || (s.charCodeAt(i + 1) === 64 && !isIdentStart(s.charCodeAt(i + 2))))) {
      // PostgreSQL @> @? @@ operators
      out.push({ t: "o", v: s.slice(i, i + 2) });
      i += 2;
      continue;
    }
    if (c === 64) {
      let j = i + 1;
      if (s.charCodeAt(j) === 64) j++;
      while (j < n && isIdent(s.charCodeAt(j))) j++;
      out.push({ t: "v", v: s.slice(i, j).toLowerCase() });
      i = j === i + 1 ? i + 1 : j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdent(s.charCodeAt(j))) j++;
      const w = s.slice(i, j).toLowerCase();
      i = j;
      let k = i;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      // skip inline comments between a name and "(": sleep/**/(5)
      while (s.charCodeAt(k) === 47 && s.charCodeAt(k + 1) === 42) {
        const close = s.indexOf("*/", k + 2);
        if (close < 0) break;
        k = close + 2;
        while (k < n && isSpace(s.charCodeAt(k))) k++;
      }
      const call = s.charCodeAt(k) === 40;
      if (SETOPS.has(w)) out.push({ t: "U", v: w });
      else if (LOGIC.has(w)) out.push({ t: w === "div" ? "o" : "&", v: w });
      else if (WORD_OPS.has(w)) out.push({ t: "o", v: w });
      else if (call && !VERBS.has(w) && w !== "in" && w !== "values") out.push({ t: "f", v: w });
      else if (VERBS.has(w)) out.push({ t: "E", v: w });
      else if (KEYWORDS.has(w)) out.push({ t: "k", v: w });
      else out.push({ t: "n", v: w });
      continue;
    }
    switch (c) {
      case 40:
        out.push({ t: "(", v: "(" });
        i++;
        continue;
      case 41:
        out.push({ t: ")", v: ")" });
        i++;
        continue;
      case 44:
        out.push({ t: ",", v: "," });
        i++;
        continue;
      case 59:
        out.push({ t: ";", v: ";" });
        i++;
        continue;
    }
    // operators: && || and multi-char comparison
    const two = s.slice(i, i + 2);
    if (two === "&&" || two === "||") {
      out.push({ t: "&", v: two });
      i += 2;
      continue;
    }
    if (two === "->" || two === "<@" || two === "?|" || two === "?&" || two === "::") {
      const op = two === "->" && s[i + 2] === ">" ? "->>" : two;
      out.push({ t: "o", v: op });
      i += op.length;
      continue;
    }
    if (two === "<=" || two === ">=" || two === "<>" || two === "!=" || two === ":=" || two === "<<" || two === ">>") {
      out.push({ t: "o", v: two });
      i += 2;
      continue;
    }
    out.push({ t: "o", v: s[i] as string });
    i++;
  }
  return out;
}

/** Index of the quote that closes a string literal starting at `i`, honouring '' and \ escapes; -1 if none. */
export function findStringEnd(s: string, i: number, q: string): number {
  let j = i;
  for (;;) {
    const k = s.indexOf(q, j);
    if (k < 0) return -1;
    // backslash-escaped quote
    let bs = 0;
    for (let b = k - 1; b >= i && s[b] === "\\"; b--) bs++;
    if (bs % 2 === 1) {
      j = k + 1;
      continue;
    }
    if (s[k + 1] === q) {
      j = k + 2;
      continue;
    }
    return k;
  }
}
