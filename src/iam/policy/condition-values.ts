/**
 * Typed interpretation of condition values (policy side and request side): numbers,
 * dates, booleans, binary, IP ranges. Unparseable values yield NaN / undefined and then
 * simply never match — they never throw at evaluation time.
 */
import type { ContextValue } from "../../core/types.js";
import { inRange, parseCidr, parseIpCached, type IpRange } from "./ip.js";

type Scalar = Exclude<ContextValue, undefined | string[]>;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function toNumber(v: Scalar): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.trim();
    return NUMBER.test(t) ? Number(t) : Number.NaN;
  }
  return Number.NaN;
}

const EPOCH = /^\d+$/;
const MAX_INT64 = 2n ** 63n - 1n;
// ISO 8601: date, optionally a time, optionally fractional seconds and a zone.
const ISO =
  /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(\.\d+)?)?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A date as epoch milliseconds. Accepts ISO 8601 (UTC when no zone is given) and epoch
 * seconds (as digits or a number), the two forms IAM documents for Date operators.
 */
export function toEpochMs(v: Scalar): number {
  if (typeof v === "number") return Number.isFinite(v) ? v * 1000 : Number.NaN;
  if (typeof v !== "string") return Number.NaN;
  // One-entry memo: a request compares the same aws:CurrentTime against many values.
  if (v === lastDateText) return lastDateMs;
  lastDateMs = parseDate(v);
  lastDateText = v;
  return lastDateMs;
}

let lastDateText: string | undefined;
let lastDateMs = Number.NaN;

function parseDate(v: string): number {
  const t = v.trim();
  if (EPOCH.test(t)) {
    // IAM reads epoch seconds as a signed 64-bit number: a larger one is not a date ("The policy
    // failed legacy parsing").
    if (t.length >= 19 && BigInt(t) > MAX_INT64) return Number.NaN;
    return Number(t) * 1000;
  }
  const m = ISO.exec(t);
  if (!m) return parseLegacyDate(t);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return Number.NaN;
  }
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (frac) ms += Math.floor(Number(frac) * 1000);
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offMin * 60_000;
  }
  return ms;
}

const INT = /^-?\d+$/;
/** The integer a text holds when it is one within [min, max]; else NaN. */
const intIn = (text: string | undefined, min: number, max: number): number => {
  if (text === undefined || !INT.test(text)) return Number.NaN;
  const n = Number(text);
  return n >= min && n <= max ? n : Number.NaN;
};
// The years Date can hold; IAM's calendar goes further (−292,275,054 to 292,278,993).
const MIN_DATE_YEAR = -271_820;
const MAX_DATE_YEAR = 275_759;

/**
 * A date text IAM's legacy policy parser takes that the ISO 8601 reading above does not, as epoch
 * milliseconds (NaN when IAM refuses it too): a text with a "t" or "-" is a loose ISO 8601
 * date-time, lower-cased — a year of any size IAM's calendar holds (negative too), month and day
 * optional, hours, minutes and seconds of one or two digits, a fraction of up to nine digits, "z"
 * or a "+HH[:MM]" zone. IAM accepts "01T", "2016-12-13t2:00:00.593194+23" and "-292275054" (the
 * year). Years beyond what Date holds compare as ±Infinity.
 */
function parseLegacyDate(text: string): number {
  const v = text.toLowerCase();
  if (!v.includes("t") && !v.includes("-")) return Number.NaN;
  const at = v.indexOf("t");
  const datePart = at < 0 ? v : v.slice(0, at);
  const timePart = at < 0 ? "" : v.slice(at + 1);
  const negative = datePart.startsWith("-");
  const date = (negative ? datePart.slice(1) : datePart).split("-");
  if (date.length > 3 || !/^\d+$/.test(date[0]!)) return Number.NaN;
  const year = Number(date[0]) * (negative ? -1 : 1);
  if (year < -292275054 || year > 292278993) return Number.NaN;
  const month = date.length > 1 ? intIn(date[1], 1, 12) : 1;
  const day = date.length > 2 ? intIn(date[2], 1, 31) : 1;
  const time = timePart.split(":");
  const hour = time[0] !== "" ? intIn(time[0], 0, 23) : 0;
  const minute = time.length > 1 ? intIn(time[1], 0, 59) : 0;
  let second = 0;
  let fractionMs = 0;
  let offsetMinutes = 0;
  if (time.length > 2) {
    let seconds = time.slice(2).join(":");
    const z = seconds.indexOf("z");
    const plus = seconds.indexOf("+");
    if (z >= 0) {
      if (z !== seconds.length - 1) return Number.NaN;
      seconds = seconds.slice(0, z);
    } else if (plus >= 0) {
      const [hh, mm, ...rest] = seconds.slice(plus + 1).split(":");
      if (rest.length > 0 || hh!.length !== 2 || (mm !== undefined && mm.length !== 2)) return Number.NaN;
      offsetMinutes = intIn(hh, 0, 23) * 60 + (mm === undefined ? 0 : intIn(mm, 0, 59));
      seconds = seconds.slice(0, plus);
    } else if (time.length > 3) {
      return Number.NaN;
    }
    const [whole, fraction] = seconds.split(".", 2) as [string, string | undefined];
    second = intIn(whole, 0, 59);
    if (fraction !== undefined) fractionMs = /^\d{1,9}$/.test(fraction) ? Math.floor(Number(`0.${fraction}`) * 1000) : Number.NaN;
  }
  const parts = [month, day, hour, minute, second, fractionMs, offsetMinutes];
  if (parts.some(Number.isNaN)) return Number.NaN;
  if (year > MAX_DATE_YEAR) return Number.POSITIVE_INFINITY;
  if (year < MIN_DATE_YEAR) return Number.NEGATIVE_INFINITY;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, fractionMs);
  return d.getTime() - offsetMinutes * 60_000;
}

/** "true"/"false" in any case, or a boolean; anything else is not a boolean. */
export function toBool(v: Scalar): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const t = v.toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
  }
  return undefined;
}

export function toStringValue(v: Scalar): string {
  return typeof v === "string" ? v : String(v);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBinary(v: Scalar): Buffer | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  if (!BASE64.test(t)) return undefined;
  return Buffer.from(t, "base64");
}

/** IP ranges of a condition; unparseable entries are dropped (they can never match). */
export function compileIpRanges(values: readonly string[]): IpRange[] {
  const out: IpRange[] = [];
  for (const v of values) {
    const r = parseCidr(v);
    if (r) out.push(r);
  }
  return out;
}

export function ipInRanges(ranges: readonly IpRange[], v: Scalar): boolean {
  if (typeof v !== "string") return false;
  const a = parseIpCached(v.trim());
  if (!a) return false;
  for (const r of ranges) if (inRange(r, a)) return true;
  return false;
}
