/**
 * Policy strings that may contain wildcards and policy variables (`${aws:username}`,
 * `${aws:PrincipalTag/team, 'none'}`, and the escapes `${*}`, `${?}`, `${$}`).
 *
 * Compiled once at parse time. Templates without variables carry a ready matcher;
 * templates with variables are resolved per request into a token list (substituted
 * values are always literal text, never wildcards).
 */
import { compileTokens, matchTokens, normaliseTokens, ONE, STAR, type GlobToken, type Matcher } from "./glob.js";

export interface VarRef {
  readonly key: string;
  readonly keyLower: string;
  /** `${key, 'default'}`: used when the key has no single value in the request. */
  readonly fallback: string | undefined;
}

export type TemplatePart = GlobToken | VarRef;

export interface Template {
  /** Source text, for diagnostics only. */
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Set when the template has no variables: the precompiled matcher. */
  readonly matcher: Matcher | undefined;
  /** Compare lower-cased (the caller lower-cases the subject too). */
  readonly lowerCase: boolean;
}

export interface TemplateOptions {
  /** `*` and `?` are wildcards (StringLike, ArnLike, Resource, Action) or literal text. */
  readonly wildcards: boolean;
  /** Policy variables are substituted only in Version 2012-10-17 policies. */
  readonly variables: boolean;
  readonly lowerCase: boolean;
}

/**
 * Looks up the single value of a context key for substitution; `undefined` when the key
 * is absent or multivalued (multivalued keys cannot be used as policy variables).
 */
export type Resolver = (key: string, keyLower: string) => string | undefined;

function isVar(p: TemplatePart): p is VarRef {
  return typeof p === "object";
}

/** Parses `${…}` starting at `start` (which points at `$`); returns the part and the index after `}`. */
function parseVariable(text: string, start: number): { part: TemplatePart; end: number } | undefined {
  const close = text.indexOf("}", start + 2);
  if (close < 0) return undefined;
  const inner = text.slice(start + 2, close);
  if (inner === "*" || inner === "?" || inner === "$") return { part: inner, end: close + 1 };
  let name = inner;
  let fallback: string | undefined;
  const comma = inner.indexOf(",");
  if (comma >= 0) {
    name = inner.slice(0, comma);
    const rest = inner.slice(comma + 1).trim();
    if (rest.length < 2 || !rest.startsWith("'") || !rest.endsWith("'")) return undefined;
    fallback = rest.slice(1, -1);
  }
  name = name.trim();
  if (name.length === 0 || /\s/.test(name)) return undefined;
  return { part: { key: name, keyLower: name.toLowerCase(), fallback }, end: close + 1 };
}

export function compileTemplate(source: string, opts: TemplateOptions): Template {
  const parts: TemplatePart[] = [];
  let lit = "";
  const flush = (): void => {
    if (lit) parts.push(opts.lowerCase ? lit.toLowerCase() : lit);
    lit = "";
  };
  let hasVars = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i] as string;
    if (opts.wildcards && (c === "*" || c === "?")) {
      flush();
      parts.push(c === "*" ? STAR : ONE);
      i++;
      continue;
    }
    if (opts.variables && c === "$" && source[i + 1] === "{") {
      const v = parseVariable(source, i);
      if (v) {
        if (isVar(v.part)) {
          flush();
          parts.push(
            opts.lowerCase && v.part.fallback !== undefined
              ? { ...v.part, fallback: v.part.fallback.toLowerCase() }
              : v.part,
          );
          hasVars = true;
        } else {
          // ${*} ${?} ${$}: the literal character, never a wildcard.
          lit += v.part as string;
        }
        i = v.end;
        continue;
      }
    }
    lit += c;
    i++;
  }
  flush();
  const matcher = hasVars ? undefined : compileTokens(parts as GlobToken[]);
  return { source, parts, matcher, lowerCase: opts.lowerCase };
}

/** Substitutes variables; `undefined` when a variable has no value and no default. */
export function resolveTokens(t: Template, resolve: Resolver): GlobToken[] | undefined {
  const out: GlobToken[] = [];
  for (const p of t.parts) {
    if (!isVar(p)) {
      out.push(p);
      continue;
    }
    let v = resolve(p.key, p.keyLower);
    if (v === undefined) v = p.fallback;
    else if (t.lowerCase) v = v.toLowerCase();
    if (v === undefined) return undefined;
    out.push(v);
  }
  return normaliseTokens(out);
}

/**
 * The template's text with its variables substituted (for a template compiled without
 * wildcards); `undefined` when a variable has no value and no default.
 */
export function resolveText(t: Template, resolve: Resolver): string | undefined {
  let out = "";
  for (const p of t.parts) {
    if (!isVar(p)) {
      if (typeof p !== "string") return undefined;
      out += p;
      continue;
    }
    let v = resolve(p.key, p.keyLower);
    if (v === undefined) v = p.fallback;
    else if (t.lowerCase) v = v.toLowerCase();
    if (v === undefined) return undefined;
    out += v;
  }
  return out;
}

/** Does `subject` match the template? An unresolvable variable matches nothing. */
export function templateMatches(t: Template, subject: string, resolve: Resolver): boolean {
  if (t.matcher) return t.matcher(subject);
  const tokens = resolveTokens(t, resolve);
  if (!tokens) return false;
  return matchTokens(tokens, subject);
}

export function templateHasVariables(t: Template): boolean {
  return t.matcher === undefined;
}
