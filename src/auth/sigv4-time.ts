/** SigV4 timestamps: ISO 8601 basic format "YYYYMMDDTHHMMSSZ", always UTC. */

/** Epoch ms of a strict "YYYYMMDDTHHMMSSZ" string, or undefined when it is not one (bad digits, month 13, Feb 30, …). */
export function parseAmzDate(s: string): number | undefined {
  // Requests signed in the same second carry the same date: reuse the last answer.
  if (s === lastAmzDate) return lastAmzMs;
  const ms = parseAmzDateUncached(s);
  lastAmzDate = s;
  lastAmzMs = ms;
  return ms;
}

let lastAmzDate = "";
let lastAmzMs: number | undefined;

function parseAmzDateUncached(s: string): number | undefined {
  if (s.length !== 16 || s.charCodeAt(8) !== 0x54 /* T */ || s.charCodeAt(15) !== 0x5a /* Z */) return undefined;
  for (let i = 0; i < 15; i++) {
    if (i === 8) continue;
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const year = num(s, 0, 4);
  const month = num(s, 4, 2);
  const day = num(s, 6, 2);
  const hour = num(s, 9, 2);
  const minute = num(s, 11, 2);
  const second = num(s, 13, 2);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls Feb 30 over into March: reject anything that does not round-trip.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}

function num(s: string, start: number, len: number): number {
  let v = 0;
  for (let i = start; i < start + len; i++) v = v * 10 + (s.charCodeAt(i) - 0x30);
  return v;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** "YYYYMMDDTHHMMSSZ" for an epoch-ms instant (sub-second part dropped). */
export function formatAmzDate(ms: number): string {
  const d = new Date(ms);
  return (
    String(d.getUTCFullYear()).padStart(4, "0") +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    "T" +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds()) +
    "Z"
  );
}

/**
 * The HTTP `Date` header (RFC 7231 IMF-fixdate, e.g. "Sun, 30 Aug 2015 12:36:00 GMT"), accepted by SigV4
 * when X-Amz-Date is absent. Only the GMT form is accepted so the instant is unambiguous.
 */
export function parseHttpDate(s: string): number | undefined {
  const t = s.trim();
  if (!t.endsWith(" GMT")) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}
