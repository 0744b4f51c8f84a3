/**
 * Wildcard matching for IAM strings (`*` = any run, `?` = exactly one character).
 *
 * Patterns are compiled once into tokens: literal runs (strings) and the two wildcard
 * markers. Matching is the classic "backtrack to the last star" algorithm, which is
 * O(pattern × input) in the worst case and never exponential (no RegExp, so a hostile
 * policy cannot cause catastrophic backtracking on the request hot path).
 */

export const STAR = 0;
export const ONE = 1;

/** A literal run of characters, or one of the wildcards. */
export type GlobToken = string | typeof STAR | typeof ONE;

/** True when `s` matches the token sequence. Literal tokens are compared case-sensitively. */
export function matchTokens(tokens: readonly GlobToken[], s: string): boolean {
  const n = tokens.length;
  const len = s.length;
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  for (;;) {
    if (ti < n) {
      const tok = tokens[ti] as GlobToken;
      if (tok === STAR) {
        starTi = ti;
        starSi = si;
        ti++;
        continue;
      }
      if (tok === ONE) {
        if (si < len) {
          ti++;
          si++;
          continue;
        }
      } else if (s.startsWith(tok, si)) {
        ti++;
        si += tok.length;
        continue;
      }
    } else if (si === len) {
      return true;
    }
    // Mismatch: let the most recent star swallow one more character, if it can.
    if (starTi >= 0 && starSi < len) {
      starSi++;
      si = starSi;
      ti = starTi + 1;
      continue;
    }
    return false;
  }
}

export type Matcher = (s: string) => boolean;

const matchAll: Matcher = () => true;

/** Builds a specialised matcher for a token sequence (fast paths for the common shapes). */
export function compileTokens(tokens: readonly GlobToken[]): Matcher {
  const t = normaliseTokens(tokens);
  if (t.length === 0) return (s) => s.length === 0;
  if (t.length === 1) {
    const only = t[0] as GlobToken;
    if (only === STAR) return matchAll;
    if (typeof only === "string") return (s) => s === only;
  }
  if (t.length === 2) {
    const [a, b] = t as [GlobToken, GlobToken];
    if (typeof a === "string" && b === STAR) return (s) => s.startsWith(a);
    if (a === STAR && typeof b === "string") return (s) => s.endsWith(b);
  }
  if (t.length === 3) {
    const [a, b, c] = t as [GlobToken, GlobToken, GlobToken];
    if (a === STAR && typeof b === "string" && c === STAR) return (s) => s.includes(b);
  }
  return (s) => matchTokens(t, s);
}

/** Merges adjacent literals and collapses runs of stars (both keep the meaning). */
export function normaliseTokens(tokens: readonly GlobToken[]): GlobToken[] {
  const out: GlobToken[] = [];
  for (const tok of tokens) {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (typeof tok === "string") {
      if (tok.length === 0) continue;
      if (typeof last === "string") out[out.length - 1] = last + tok;
      else out.push(tok);
    } else if (tok === STAR && last === STAR) {
      continue;
    } else {
      out.push(tok);
    }
  }
  return out;
}

/** Tokenises a plain wildcard pattern (no policy variables). */
export function tokenizeWildcards(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  let lit = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*" || c === "?") {
      if (lit) out.push(lit);
      lit = "";
      out.push(c === "*" ? STAR : ONE);
    } else {
      lit += c;
    }
  }
  if (lit) out.push(lit);
  return out;
}

export function hasWildcard(tokens: readonly GlobToken[]): boolean {
  for (const t of tokens) if (t === STAR || t === ONE) return true;
  return false;
}
