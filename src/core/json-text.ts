/** JSON text of values, where JSON.stringify is needlessly slow for the common case. */

// Characters JSON.stringify escapes in a string (and any surrogate, so lone ones take its path).
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s) for a string. What must stay true: byte for byte JSON.stringify's text
 * (json-text.test.ts checks every code unit); a string with nothing to escape is its own JSON
 * text between quotes, which a single scan decides.
 */
export function jsonString(s: string): string {
  return JSON_ESCAPED.test(s) ? JSON.stringify(s) : '"' + s + '"';
}
