/**
 * SQL injection detection (SqliMatchStatement). Bulwark's own, in the spirit of libinjection:
 * the input is lexed as SQL in the three places user data usually lands (inside a '…'
 * string, inside a "…" string, or bare/numeric) and the token structure right after the
 * point where the input would break out is judged, rather than searching for keywords.
 * English text with SQL words ("select a plan", "O'Brien", "order by date") does not form
 * SQL structure and is left alone.
 *
 * LOW sensitivity flags structures that are injections in practice; HIGH also flags weaker
 * ones (a boolean operator right after a breakout, bare tautologies, comment tricks).
 */
import { tokenize, type Tok, type TokType } from "./sql-tokenizer.js";

const DANGEROUS_FUNCS = new Set([
  "sleep", "benchmark", "pg_sleep", "load_file", "extractvalue", "updatexml", "xp_cmdshell", "sys_eval", "sys_exec",
  "dbms_pipe.receive_message", "dbms_lock.sleep", "utl_inaddr.get_host_address", "utl_http.request", "randomblob",
  "waitfor", "get_lock", "exp", "geometrycollection", "polygon", "multipoint", "linestring", "json_keys", "name_const",
  "make_set", "elt", "concat_ws", "group_concat", "char", "chr", "ascii", "substring", "substr", "mid", "ord", "hex",
  "unhex", "version", "database", "user", "current_user", "system_user", "session_user", "schema", "db_name", "@@version",
  "if", "iif", "case", "count", "length", "md5", "sha1", "cast", "convert", "xmltype", "ctxsys.drithsx.sn", "lo_import",
  "pg_read_file", "copy", "openrowset", "opendatasource", "nullif", "ifnull", "coalesce", "load_extension", "instr",
]);
/** Functions that only make sense in an attack (time delays, out-of-band, file access). */
const ATTACK_FUNCS = new Set([
  "sleep", "benchmark", "pg_sleep", "load_file", "extractvalue", "updatexml", "xp_cmdshell", "sys_eval", "sys_exec",
  "dbms_pipe.receive_message", "dbms_lock.sleep", "utl_inaddr.get_host_address", "utl_http.request", "get_lock",
  "name_const", "lo_import", "pg_read_file", "openrowset", "opendatasource", "load_extension", "xmltype",
]);

const JSON_OPS_LIST = ["<@", "@>", "?", "?|", "?&", "->", "->>", "#>", "#>>", "#-", "@?", "@@", "||"];

/** SQL functions an injected expression starts with (value-start context). */
const SQL_FUNCS = new Set([
  "concat", "concat_ws", "group_concat", "string_agg", "array_agg", "coalesce", "ifnull", "nullif", "isnull", "nvl", "substring", "substr", "mid", "hex", "unhex", "md5", "sha1", "sha2",
  "ascii", "char", "chr", "ord", "length", "char_length", "trim", "ltrim", "rtrim", "lpad", "rpad", "instr", "locate", "position", "find_in_set", "field", "elt", "make_set", "export_set",
  "conv", "cast", "convert", "compress", "uncompress", "decode", "encode", "aes_encrypt", "aes_decrypt", "from_base64", "to_base64", "load_file", "benchmark", "sleep", "pg_sleep", "version",
  "database", "user", "current_user", "system_user", "session_user", "schema", "sysdate", "rand", "random", "floor", "pow", "power", "exp", "sin", "cos", "tan", "sqrt", "div", "if", "iif",
  "strcmp", "insert", "json_extract", "json_keys", "json_object", "json_build_object", "jsonb_pretty", "jsonb_build_object", "extractvalue", "updatexml", "xmltype", "lo_get", "lo_import",
  "pg_read_file", "unistr", "starts_with", "regexp_replace", "regexp_substr", "sqlite_version", "sqlite_compileoption_used", "sqlite_compileoption_get", "randomblob", "zeroblob", "unicode",
  "name_const", "get_lock", "utl_inaddr.get_host_address", "utl_http.request", "dbms_pipe.receive_message", "db_name", "schema_name", "object_name", "has_dbaccess", "is_srvrolemember",
]);
/** PostgreSQL type names that follow a "::" cast. */
const PG_CAST = /(?:[\w)'"\]])\s*::\s*(?:int[248]?|integer|bigint|smallint|text|bool(?:ean)?|jsonb?|varchar|char|numeric|decimal|real|float[48]?|double\s+precision|date|time(?:stamp)?(?:tz)?|regclass|regproc|oid|bytea|uuid|inet|xml|money|interval|name)\b/i;

/** Drops "::type" casts so the expression around them reads as plain operands. */
function stripCasts(t: Tok[]): Tok[] {
  if (!t.some((x) => x.v === "::")) return t;
  const out: Tok[] = [];
  for (let i = 0; i < t.length; i++) {
    const x = t[i] as Tok;
    if (x.v === "::" && x.t === "o") {
      const n = t[i + 1];
      if (n && (n.t === "n" || n.t === "k" || n.t === "f")) {
        i++;
        if (n.v === "double" && t[i + 1]?.v === "precision") i++;
      }
      continue;
    }
    out.push(x);
  }
  return out;
}

/** Index just past the ")" closing the call whose "(" is at i (or toks.length when it never closes). */
function callEnd(toks: Tok[], i: number): number {
  let depth = 0;
  for (let k = i; k < toks.length; k++) {
    const t = toks[k] as Tok;
    if (t.t === "(") depth++;
    else if (t.t === ")" && --depth === 0) return k + 1;
  }
  return toks.length;
}

/** The call whose "(" is at i holds a subquery or compares two literals in its arguments: elt(1=1,2), iif(5=5,1,1/0), f(concat((select …))). */
function callHolds(toks: Tok[], i: number): boolean {
  const e = callEnd(toks, i);
  for (let k = i + 1; k < e; k++) {
    const t = toks[k] as Tok;
    if (t.t === "E" && t.v === "select") return true;
    if (t.t === "o" && CMP.has(t.v) && isLiteral(toks[k - 1]) && isLiteral(toks[k + 1])) return true;
  }
  return false;
}

/** A subquery starts at toks[i]: SELECT followed by a call, a parenthesis, CASE, *, or a literal combined with an operator or FROM. */
function subqueryAt(toks: Tok[], i: number): boolean {
  const a = toks[i];
  if (a?.t !== "E" || a.v !== "select") return false;
  const b = toks[i + 1];
  if (!b) return false;
  if (b.t === "f" || b.t === "(" || (b.t === "k" && b.v === "case") || (b.t === "o" && (b.v === "*" || toks[i + 2]?.t === "("))) return true;
  const c = toks[i + 2];
  return isLiteral(b) && c !== undefined && ((c.t === "o" && c.v !== "*") || c.v === "||" || c.v === "from");
}

/** CASE WHEN <condition> at toks[i]. */
function caseWhenAt(toks: Tok[], i: number): boolean {
  return toks[i]?.v === "case" && toks[i]?.t === "k" && toks[i + 1]?.v === "when" && (conditionAt(toks, i + 2, false) || toks[i + 2]?.t === "(");
}

/** What may follow an injected function call: nothing, a comment, an operator, a boolean, a close or a terminator. */
function callTail(t: Tok | undefined): boolean {
  return t === undefined || t.t === "c" || t.t === "o" || t.t === "&" || t.t === ")" || t.t === ";" || t.t === "U";
}

function isLiteral(t: Tok | undefined): boolean {
  return t !== undefined && (t.t === "1" || t.t === "s" || (t.t === "k" && (t.v === "true" || t.v === "false" || t.v === "null")));
}
function isOperand(t: Tok | undefined): boolean {
  return t !== undefined && (isLiteral(t) || t.t === "n" || t.t === "v" || t.t === "f" || t.t === "(");
}
const CMP = new Set(["=", "<", ">", "<=", ">=", "<>", "!=", "like", "rlike", "regexp", "is", "in", "between", "sounds", "glob", "<=>", ...JSON_OPS_LIST]);
/** PostgreSQL/MySQL JSON operators: containment, key existence, path extraction, concatenation. */
const JSON_OPS = new Set(JSON_OPS_LIST);

/** `toks[i]` starts a condition such as 1=1, 'a'='a', x=x, 2>1, 1 like 1, sleep(5), (select …). */
function conditionAt(toks: Tok[], i: number, high: boolean): boolean {
  const a = toks[i];
  if (!a) return false;
  if (a.t === "f") {
    if (ATTACK_FUNCS.has(a.v) || (DANGEROUS_FUNCS.has(a.v) && high) || selectWithin(toks, i, 6) || callHolds(toks, i + 1)) return true;
    // f(…) = 'x', f(…) <@ '…': a function result compared with something.
    const e = callEnd(toks, i + 1);
    const op = toks[e];
    return op !== undefined && op.t === "o" && CMP.has(op.v) && isOperand(toks[e + 1]);
  }
  if (a.t === "(") return toks[i + 1]?.t === "E" || selectWithin(toks, i, 4) || conditionAt(toks, i + 1, high);
  // "' and select the new locales" is English: SELECT must be followed by a select list.
  if (a.t === "E") return a.v === "select" && selectGrammar(toks, i);
  if (a.t === "&" && a.v === "not") return conditionAt(toks, i + 1, high);
  const op = toks[i + 1];
  const b = toks[i + 2];
  if (op && op.t === "o" && CMP.has(op.v) && b) {
    if (isLiteral(a) && (isLiteral(b) || b.t === "(" || b.t === "f")) return true;
    // 1=LIKE('a',…), 1=GLOB(…): a pattern operator called as a function.
    if (isLiteral(a) && b.t === "o" && (b.v === "like" || b.v === "glob" || b.v === "regexp") && toks[i + 3]?.t === "(") return true;
    if (isLiteral(a) && JSON_OPS.has(op.v) && (isOperand(b) || b.v === "array")) return true;
    if ((a.t === "n" || a.t === "k") && b.t === a.t && a.v === b.v) return true;
    if ((a.t === "n" || a.t === "v") && (isLiteral(b) || b.t === "f")) {
      const after = toks[i + 3];
      return high || after === undefined || after.t === "c" || after.t === "&" || after.t === ";" || after.t === ")";
    }
    if (b.t === "f" || b.t === "(") return true;
  }
  if (isLiteral(a) || a.t === "n") {
    const nx = toks[i + 1];
    if (nx === undefined || nx.t === "c") return a.t !== "n" || a.v === "true" || high;
    // 1-1, 2*3; a name joined to a number by "-" is a hyphenated word (MPEG-2, LGPL-3).
    if (nx.t === "o" && (nx.v === "-" || nx.v === "+" || nx.v === "*") && toks[i + 2] && isLiteral(toks[i + 2]) && (a.t !== "n" || nx.v !== "-")) return true;
    // OR 1 GROUP BY …, OR 1 HAVING …: a literal condition followed by a clause.
    if (isLiteral(a) && nx.t === "k" && (((nx.v === "group" || nx.v === "order") && toks[i + 2]?.v === "by") || nx.v === "having")) return true;
  }
  return false;
}

function selectWithin(toks: Tok[], i: number, span: number): boolean {
  for (let k = i; k < toks.length && k < i + span; k++) if (toks[k]?.t === "E" && toks[k]?.v === "select") return true;
  return false;
}

/** A complete statement or clause starting at toks[i] (after a breakout or ";"). */
function statementAt(toks: Tok[], i: number): boolean {
  const a = toks[i];
  if (!a) return false;
  const b = toks[i + 1];
  const c = toks[i + 2];
  if (a.t === "E") {
    switch (a.v) {
      case "select":
        return selectGrammar(toks, i);
      case "insert":
      case "replace":
        return (b?.v === "into" && !DETERMINERS.has(c?.v ?? "")) || (b?.t === "n" && (c?.t === "(" || c?.v === "values" || c?.v === "select"));
      case "update":
        return b?.t === "n" && c?.v === "set" && !DETERMINERS.has(b.v);
      case "delete":
        return (b?.v === "from" && !DETERMINERS.has(c?.v ?? "")) || (b?.t === "n" && c?.v === "from");
      case "drop":
      case "create":
      case "alter":
      case "truncate":
        return b?.t === "k" && ["table", "database", "schema", "user", "procedure", "function", "view", "index", "trigger", "login", "column"].includes(b.v) && objectNameAt(toks, i + 2);
      case "shutdown":
        return b === undefined || b.t === "c" || b.t === ";";
      case "exec":
      case "execute":
        return b !== undefined && (b.t === "v" || (b.t === "(" && toks[i + 2] !== undefined && toks[i + 2]?.t !== ")") || ((b.t === "n" || b.t === "f") && /^(?:xp_|sp_|master\.|dbo\.|sys\.)/.test(b.v)) || b.v === "immediate" || b.v === "master");
      case "declare":
        return b?.t === "v";
      case "waitfor":
        return b?.v === "delay" || b?.v === "time";
      default:
        return false;
    }
  }
  if (a.t === "U") return setOpAt(toks, i);
  return false;
}

/** What may follow the object name of DDL (DROP TABLE users;, CREATE INDEX i ON t): "create index files for …" is English. */
const DDL_NEXT = new Set(["on", "as", "add", "drop", "modify", "change", "rename", "set", "to", "if", "exists", "cascade", "restrict", "purge", "like", "select", "values", "with", "owner", "engine", "character", "default"]);

/** toks[i] names the object of a DDL statement and what follows it reads as DDL. */
function objectNameAt(toks: Tok[], i: number): boolean {
  const c = toks[i];
  if (!c || c.t === "f" || c.t === "v") return true;
  if (c.t !== "n" && c.t !== "s" && c.t !== "k") return c.t === "c" || c.t === ";";
  if (DETERMINERS.has(c.v)) return false;
  const d = toks[i + 1];
  return d === undefined || d.t === ";" || d.t === "c" || d.t === "(" || d.t === ")" || d.t === "," || DDL_NEXT.has(d.v);
}

/** UNION / EXCEPT … at toks[i] followed by a query: SELECT, ALL, DISTINCT or a parenthesised SELECT ("except (i) as required" is English). */
function setOpAt(toks: Tok[], i: number): boolean {
  const b = toks[i + 1];
  if (b?.t === "E" || b?.v === "all" || b?.v === "distinct") return true;
  if (b?.t !== "(") return false;
  let k = i + 1;
  while (toks[k]?.t === "(") k++;
  return toks[k]?.t === "E";
}

/** SELECT followed by a select list that reads as SQL: *, a literal, a function, @var, a list, or "x FROM y". */
function selectGrammar(toks: Tok[], i: number): boolean {
  const b = toks[i + 1];
  if (!b) return false;
  if (b.t === "o" && b.v === "*") return true;
  if (b.t === "1" || b.t === "v" || b.t === "f" || b.t === "(" || b.t === "s") return true;
  if (b.t === "k" && (b.v === "distinct" || b.v === "top" || b.v === "null" || b.v === "case" || b.v === "all")) return true;
  if (b.t === "n" || b.t === "k") {
    const c = toks[i + 2];
    if (c?.t === ",") {
      for (let k = i + 3; k < toks.length && k < i + 16; k++) if (toks[k]?.v === "from") return true;
      return false;
    }
    if (c?.v === "from") return toks[i + 3]?.t === "n" || toks[i + 3]?.t === "k" || toks[i + 3]?.t === "(";
    if (c?.t === "k" && (c.v === "group" || c.v === "order" || c.v === "having" || c.v === "where" || c.v === "limit" || c.v === "into")) return true;
    if (ATTACK_FUNCS.has(b.v)) return true;
    if (c?.t === "o" && c.v === ".") return true;
  }
  return false;
}

/** English determiners and pronouns: never a table name after INSERT INTO / DELETE FROM ("You delete from the Original Code"). */
const DETERMINERS = new Set(["the", "a", "an", "this", "that", "these", "those", "your", "my", "our", "their", "his", "her", "its", "it", "them", "each", "every", "any", "some", "which", "what", "there", "here"]);

/** What follows a quote breakout (R = tokens after the closing quote). */
function breakoutInjects(r: Tok[], high: boolean, unpaired: boolean): boolean {
  const a = r[0];
  if (!a) return false;
  const b = r[1];
  switch (a.t as TokType) {
    case "&": {
      if (conditionAt(r, 1, high)) return true;
      // ' or f(x)--, ' and not f(x)--: a function call as the whole condition.
      const f = b?.t === "&" && b.v === "not" ? 2 : 1;
      if (r[f]?.t === "f" && callTail(r[callEnd(r, f + 1)])) return true;
      return high && isOperand(b);
    }
    case "c":
      return true; // callers only pass breakouts preceded by a value character
    case ";":
      // admin'; and admin';-- end the statement right after the closed string (an unpaired quote).
      // A paired quote followed by "; use the …" or "; # …" is punctuation in text.
      return ((b === undefined || b.t === "c") && unpaired) || statementAt(r, 1) || (b?.t === "E" && !DETERMINERS.has(r[2]?.v ?? "")) || (b?.t === "f" && callHolds(r, 2));
    case "U":
      return high || setOpAt(r, 0);
    case ")": {
      let k = 1;
      while (r[k]?.t === ")") k++;
      const n = r[k];
      if (!n) return high;
      if (n.t === "(" && (subqueryAt(r, k + 1) || caseWhenAt(r, k + 1))) return true;
      // ') AND 1=1, "); DROP …: the boolean or the terminator is judged as right after the quote;
      // '(the "License"); you may …' and '("cover version") and distribute' are prose.
      if (n.t === "&") return breakoutInjects(r.slice(k), high, unpaired);
      if (n.t === ";") {
        // '); at the end, ');(x)…, '); DROP …; a paired quote then "; # …" or "; you may …" is text.
        const m = r[k + 1];
        if (m === undefined) return true;
        if (m.t === "c") return unpaired;
        if (m.t === "n" || m.t === "k" || m.t === "E" || m.t === "&") return breakoutInjects(r.slice(k), high, unpaired);
        return true;
      }
      return (n.t === "U" && setOpAt(r, k)) || n.t === "c" || (n.t === "k" && ["order", "group", "having", "limit", "into", "union", "as", "where"].includes(n.v)) || n.t === "E";
    }
    case "(":
      // ' (SELECT …), ' (CASE WHEN …)
      return subqueryAt(r, 1) || caseWhenAt(r, 1);
    case ",":
      // ORDER BY / GROUP BY position: ',(SELECT …)', ',(CASE WHEN …)', ',IIF(1=1,1,1/0)'
      return (b?.t === "(" && (subqueryAt(r, 2) || caseWhenAt(r, 2))) || (b?.t === "f" && callHolds(r, 2)) || caseWhenAt(r, 1);
    case "o":
      if (a.v === "=" || a.v === "||" || a.v === "+" || a.v === "-" || a.v === "*" || a.v === "<" || a.v === ">" || a.v === "like" || a.v === "<>" || a.v === "!=") {
        if (b?.t === "(" || b?.t === "f" || (b?.t === "E" && (b.v === "select" || b.v === "waitfor" || statementAt(r, 1)))) return conditionAt(r, 1, true) || b.t === "E" || selectWithin(r, 1, 4);
        if (isLiteral(b) && (r[2]?.t === "&" || r[2]?.t === "c" || r[2]?.t === ";")) return true;
        return high && isLiteral(b) && r[2] === undefined;
      }
      return false;
    case "k":
      if (a.v === "order" || a.v === "group") return b?.v === "by" && (r[2]?.t === "1" || r[2]?.t === "n") && (r[3] === undefined || r[3].t === "c" || r[3].t === "," || r[3].t === "&");
      if (a.v === "into") return b?.v === "outfile" || b?.v === "dumpfile";
      if (a.v === "procedure") return b?.v === "analyse";
      if (a.v === "having" || a.v === "where") return conditionAt(r, 1, high);
      if (a.v === "limit") return b?.t === "1" && (r[2] === undefined || r[2].t === "c" || r[2].t === ",");
      return false;
    case "E":
      return statementAt(r, 0) || a.v === "waitfor";
    case "f":
      return ATTACK_FUNCS.has(a.v) || (high && DANGEROUS_FUNCS.has(a.v));
    case "1":
    case "n":
      // 1' 1 union select / ' 1 or 1=1 style: an operand then something strong
      return b !== undefined && ((b.t === "U" && setOpAt(r, 1)) || (b.t === "&" && conditionAt(r, 2, high)) || (b.t === ";" && statementAt(r, 2)));
    default:
      return false;
  }
}

/** Structures that are injections wherever they appear in the bare (unquoted) reading. */
function bareInjects(t: Tok[], high: boolean): boolean {
  for (let i = 0; i < t.length; i++) {
    const a = t[i] as Tok;
    const prev = t[i - 1];
    switch (a.t) {
      case "&":
        // 1 OR 1=1, x' AND 1=2, ) or (1=1
        if (prev && (prev.t === "1" || prev.t === ")" || prev.t === "s" || (high && prev.t === "n")) && conditionAt(t, i + 1, high)) {
          const c = t[i + 1] as Tok;
          if (c.t === "f" || c.t === "(" || isLiteral(c) || c.t === "n" || c.t === "k" || c.t === "&") return true;
        }
        break;
      case "U":
        if (statementAt(t, i)) return true;
        break;
      case ";":
        if (statementAt(t, i + 1)) return true;
        // ;IIF(1=1,…), ;CALL f(g(…)): a stacked call
        if (t[i + 1]?.t === "f" && callHolds(t, i + 2)) return true;
        if (t[i + 1]?.v === "call" && t[i + 2]?.t === "f" && t.slice(i + 4, callEnd(t, i + 3)).some((x) => x.t === "f")) return true;
        break;
      case ",":
        // 1,(SELECT …), 1,(CASE WHEN …), 1,IIF(1=1,…) after a value (ORDER BY / GROUP BY position)
        if (prev && (prev.t === "1" || prev.t === ")" || prev.t === "s")) {
          const n = t[i + 1];
          if (n?.t === "(" && (subqueryAt(t, i + 2) || caseWhenAt(t, i + 2))) return true;
          if (n?.t === "f" && callHolds(t, i + 2)) return true;
          if (caseWhenAt(t, i + 1)) return true;
        }
        break;
      case "k":
        // 1 HAVING 1=1, 1) WHERE 5=5
        if ((a.v === "having" || a.v === "where") && prev && (prev.t === "1" || prev.t === ")") && isLiteral(t[i + 1]) && conditionAt(t, i + 1, high) && callTail(t[i + 4]) && t[i + 4]?.t !== "o") return true;
        if (caseWhenAt(t, i) && isLiteral(t[i + 2])) return true;
        break;
      case "E":
        if (statementAt(t, i) && (i === 0 || prev?.t !== "n" || high || a.v !== "select" || t[i + 2]?.v === "from")) {
          // Full statements: require SQL-specific shape, not English ("select a plan").
          if (a.v !== "select") return true;
          const b = t[i + 1];
          if (b && (b.t === "o" || b.t === "1" || b.t === "v" || b.t === "f" || b.t === "(")) return true;
          // SELECT 'a'||(…), SELECT 'a'+(…)
          if (b?.t === "s" && (t[i + 2]?.v === "||" || (t[i + 2]?.t === "o" && t[i + 2]?.v === "+"))) return true;
          if (t[i + 2]?.v === "from" || t[i + 2]?.t === "," || (b?.t === "k" && b.v !== "all")) return true;
          if (b && ATTACK_FUNCS.has(b.v)) return true;
          const c = t[i + 2];
          if (c?.t === "k" && (c.v === "group" || c.v === "order" || c.v === "having" || c.v === "where" || c.v === "limit" || c.v === "into")) return true;
        }
        break;
      case "f":
        if (ATTACK_FUNCS.has(a.v)) return true;
        // elt(5=5,1), iif(5=5,1,1/0): a SQL function deciding on a comparison of literals or a subquery
        if ((SQL_FUNCS.has(a.v) || DANGEROUS_FUNCS.has(a.v)) && callHolds(t, i + 1)) return true;
        break;
      case "c":
        // 1 -- or 1 # after a numeric comparison chain: handled by conditions; a lone comment is not enough
        if (high && prev && (prev.t === "1" || prev.t === "s") && t[i - 2]?.t === "&") return true;
        break;
    }
  }
  return false;
}

/**
 * The value read from its first token, as data pasted into a numeric context (WHERE id=…):
 * a leading OR/AND with a condition, a comparison of literals with JSON operators or
 * casts, a SQL function call, CASE WHEN.
 */
function startInjects(t: Tok[]): boolean {
  let i = 0;
  let open = 0;
  while (t[i] && (t[i]?.t === "," || t[i]?.t === "(" || t[i]?.t === ")")) if (t[i++]?.t === "(") open++;
  const a = t[i];
  if (!a) return false;
  if (open > 0) {
    // (5=5)*3, (SELECT 'a'||…): a parenthesised tautology or subquery in place of the value.
    const op = t[i + 1];
    if (a.t === "1" && op?.t === "o" && op.v === "=" && t[i + 2]?.t === "1" && t[i + 2]?.v === a.v && t[i + 3]?.t === ")") return true;
    if (subqueryAt(t, i)) return true;
  }
  if (a.t === "&" && a.v !== "not" && conditionAt(t, i + 1, false)) return true;
  if (a.t === "s" && t[i + 1]?.t === "o" && CMP.has(t[i + 1]?.v ?? "") && (JSON_OPS.has(t[i + 1]?.v ?? "") || isLiteral(t[i + 2])) && t[i + 2]?.t === "s") return true;
  if (a.t === "s" && JSON_OPS.has(t[i + 1]?.v ?? "") && isOperand(t[i + 2])) return true;
  if (a.t === "f" && SQL_FUNCS.has(a.v)) {
    const e = callEnd(t, i + 1);
    const args = t.slice(i + 2, e - 1);
    // "Compress (zip) the folder" is English; "concat(", "hex(0x41)", "if(2=" are calls.
    const words = args.filter((x) => x.t === "n").length;
    const prose = words >= 2 && !args.some((x) => x.t === "," || x.t === "s" || x.t === "1" || x.t === "o");
    if (!prose && callTail(t[e])) return true;
  }
  // ORDER BY 3-- : column counting, the rest of the query commented out.
  if (a.t === "k" && (a.v === "order" || a.v === "group") && t[i + 1]?.v === "by" && t[i + 2]?.t === "1" && t[i + 3]?.t === "c") return true;
  if (a.t === "k" && a.v === "case" && (t[i + 1]?.v === "when" || (isOperand(t[i + 1]) && t[i + 2]?.v === "when"))) return true;
  return false;
}

/** Every position just after an unescaped quote of the given kind (first 8). */
function quotePositions(s: string, q: string): number[] {
  const out: number[] = [];
  let i = s.indexOf(q);
  while (i >= 0 && out.length < 8) {
    out.push(i + 1);
    i = s.indexOf(q, i + 1);
  }
  return out;
}

const SQL_HINT = /['"`;#@]|--|\/\*|::|\|\||&&|[<>=]|^\W*[a-z_][\w.]*\s*\(|\b(?:union|select|insert|update|delete|drop|exec|execute|sleep|benchmark|waitfor|or|and|xor|not|from|where|having|declare|shutdown|load_file|case|like|rlike|regexp|into|limit|order|group|null|is|in|between|div|as)\b/i;

const BARE_HINT = /;|--|\/\*|#|\bcase\s+when\b|\w\s*\(\s*(\d+)\s*=\s*\1\s*,|\b(?:union|except|intersect|minus|select|insert|update|delete|drop|create|alter|truncate|exec|execute|waitfor|declare|shutdown|sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|xp_cmdshell|sys_eval|sys_exec|get_lock|name_const|lo_import|pg_read_file|openrowset|opendatasource|load_extension|xmltype|dbms_\w+|utl_\w+|having|where)\b/i;
const LOGIC_WORD = /\b(?:or|and|xor|not)\b|&&|\|\|/i;
const COMPARE_HINT = /[=<>!()'"`@?]|\b(?:like|rlike|regexp|sounds|between|is|in|glob|true|false|null)\b|\d/i;

export type SqliSensitivity = "LOW" | "HIGH";

/** True when `input` reads as a SQL injection. */
export function detectSqli(input: string, sensitivity: SqliSensitivity = "LOW"): boolean {
  if (input.length < 2) return false;
  const high = sensitivity === "HIGH";
  const s = input.length > 8192 ? input.slice(0, 8192) : input;
  // Fast path: nothing SQL can be made of — no quote, comment, statement separator, SQL operator
  // word or function-call opening. Dates, codes and plain words ("2024-05-01", "SKU-12") skip the lexer.
  if (!SQL_HINT.test(s)) return false;
  for (const q of ["'", '"', "`"]) {
    if (s.indexOf(q) < 0) continue;
    const unpaired = s.split(q).length % 2 === 0;
    for (const p of quotePositions(s, q)) {
      // A '"' right after JSON structure (:{[,) delimits a JSON string, it is not a breakout.
      let k = p - 2;
      while (k >= 0 && (s[k] === " " || s[k] === "\t")) k--;
      const before = k >= 0 ? (s[k] as string) : "";
      if (q === '"' && (before === ":" || before === "{" || before === "[" || before === ",")) continue;
      const r = tokenize(s, p, undefined, 16);
      // A comment right after the quote only counts when the quote ends a value (admin'--).
      if (r[0]?.t === "c" && !/[\w)]/.test(before) && r[0].v === "#") continue;
      // A quote opening a word that starts like an option or a tag ('--version', `#define`) opens a string.
      if (r[0]?.t === "c" && !/[\w)]/.test(p >= 2 ? (s[p - 2] as string) : "") && /^(?:(?:--|#)[A-Za-z-]|\/\*\*(?!\/))/.test(s.slice(p))) continue;
      if (breakoutInjects(r, high, unpaired)) return true;
    }
  }
  if (s.indexOf("::") >= 0 && PG_CAST.test(s)) return true;
  // The bare reading needs SQL structure somewhere: a statement word or separator, or a
  // boolean word together with something to compare. Prose ("in and out") is not lexed.
  if (!BARE_HINT.test(s) && !(LOGIC_WORD.test(s) && COMPARE_HINT.test(s)) && !/^\W*[a-z_][\w.]*\s*\(|^[\s(]*case\b|^\s*\(+\s*(\d+)\s*=\s*\1\s*\)/i.test(s)) return false;
  const bare = stripCasts(tokenize(s, 0, undefined, 200));
  return startInjects(bare) || bareInjects(bare, high);
}
