/**
 * ARN-segment-aware wildcard matching, used by Resource/NotResource and the Arn* condition
 * operators.
 *
 * An ARN has six colon-separated segments (arn:partition:service:region:account:resource);
 * the resource segment keeps any further colons. Each pattern segment is matched against
 * the same request segment, so a wildcard does not spill into the next segment — except
 * that the *last* segment of a pattern shorter than six segments matches the whole rest of
 * the request ARN (IAM: a trailing `*` "can expand to match beyond the colon boundaries").
 * Matching is case-sensitive.
 */
import { compileTemplate, templateMatches, type Resolver, type Template } from "./template.js";

export interface ArnPattern {
  readonly source: string;
  /** The bare `*`: matches every resource, ARN or not. */
  readonly any: boolean;
  readonly segments: readonly Template[];
}

const MAX_SEGMENTS = 6;

/** Splits at the first five colons, ignoring colons inside `${…}` when variables apply. */
function splitPatternSegments(text: string, variables: boolean): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && out.length < MAX_SEGMENTS - 1; i++) {
    const c = text[i];
    if (variables && c === "$" && text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close > 0) {
        i = close;
        continue;
      }
    }
    if (c === ":") {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/**
 * `variables`: policy variables are substituted (Version 2012-10-17). `resourceElement`: the
 * pattern is a Resource / NotResource value, where IAM substitutes variables "only in the
 * resource portion of the ARN", after the fifth colon ("You can't use a variable to replace
 * parts of the ARN before the fifth colon, such as the service or account"): there `${…}` is
 * literal text, as in a 2008-10-17 policy. Arn* condition values take variables anywhere.
 */
export function compileArnPattern(text: string, variables: boolean, resourceElement = false): ArnPattern {
  if (text === "*") return { source: text, any: true, segments: [] };
  if (variables && resourceElement) {
    const segments = splitPatternSegments(text, false).map((s, i) =>
      compileTemplate(s, { wildcards: true, variables: i === MAX_SEGMENTS - 1, lowerCase: false }),
    );
    return { source: text, any: false, segments };
  }
  const segments = splitPatternSegments(text, variables).map((s) =>
    compileTemplate(s, { wildcards: true, variables, lowerCase: false }),
  );
  return { source: text, any: false, segments };
}

/** A request ARN split once per evaluation; slices are cached. */
export class SplitArn {
  private readonly starts: number[] = [0];
  private readonly cache: Array<string | undefined> = [];

  constructor(readonly value: string) {
    for (let i = 0; i < value.length && this.starts.length < MAX_SEGMENTS; i++) {
      if (value.charCodeAt(i) === 58 /* : */) this.starts.push(i + 1);
    }
  }

  get count(): number {
    return this.starts.length;
  }

  /** Segment `i` alone (the last segment runs to the end of the string). */
  segment(i: number): string {
    let s = this.cache[i];
    if (s === undefined) {
      const start = this.starts[i] as number;
      const next = this.starts[i + 1];
      s = next === undefined ? this.value.slice(start) : this.value.slice(start, next - 1);
      this.cache[i] = s;
    }
    return s;
  }

  /** Segment `i` and everything after it, colons included. */
  rest(i: number): string {
    return i === this.starts.length - 1 ? this.segment(i) : this.value.slice(this.starts[i] as number);
  }
}

export function arnMatches(p: ArnPattern, arn: SplitArn, resolve: Resolver): boolean {
  if (p.any) return true;
  const n = p.segments.length;
  if (arn.count < n) return false;
  for (let i = 0; i < n; i++) {
    const seg = p.segments[i] as Template;
    const subject = i === n - 1 ? arn.rest(i) : arn.segment(i);
    if (!templateMatches(seg, subject, resolve)) return false;
  }
  return true;
}
