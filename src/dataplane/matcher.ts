/**
 * Health-check success codes (Matcher.HttpCode): "200", "200,202", "200-299", or a mix.
 * Application Load Balancers accept codes 200–499.
 */

export type CodeMatcher = (status: number) => boolean;

const PART = /^(\d{3})(?:-(\d{3}))?$/;

/** The matcher for `text`, or undefined when it is malformed or outside 200–499. */
export function parseHttpCodeMatcher(text: string): CodeMatcher | undefined {
  const ranges: Array<[number, number]> = [];
  for (const raw of text.split(",")) {
    const m = PART.exec(raw.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (lo < 200 || hi > 499 || hi < lo) return undefined;
    ranges.push([lo, hi]);
  }
  if (ranges.length === 0) return undefined;
  return (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi);
}
