/**
 * IPv4/IPv6 parsing and CIDR matching. IPv4 ranges are kept as sorted, merged [start, end]
 * pairs of unsigned 32-bit integers (binary search); IPv6 ranges as BigInt pairs.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4.
 */
import { SocketAddress } from "node:net";
import { WafCompileError } from "./errors.js";

/** Parses dotted-quad IPv4 into an unsigned 32-bit integer, or -1. */
export function parseIpv4(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // no leading zeros (ambiguous octal)
      part = part * 10 + (c - 48);
      if (part > 255 || ++digits > 3) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** Parses an IPv6 address (optionally with embedded IPv4) into a BigInt, or undefined. */
export function parseIpv6(input: string): bigint | undefined {
  let s = input;
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.length > 45 || s.indexOf(":") < 0) return undefined;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.indexOf(".", lastColon) > 0) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 < 0) return undefined;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    const all = parse(s);
    if (!all) return undefined;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

export function parseIp(s: string): ParsedIp | undefined {
  const t = s.trim();
  const v4 = parseIpv4(t);
  if (v4 >= 0) return { v: 4, n: v4 };
  const v6 = parseIpv6(t.startsWith("[") && t.endsWith("]") ? t.slice(1, -1) : t);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: Number(v6 - V4_MAPPED_PREFIX) };
  return { v: 6, n: v6 };
}

/**
 * The canonical text of a parsed address: dotted decimal for IPv4 (IPv4-mapped IPv6 included),
 * RFC 5952 for IPv6 (lower case, the longest run of zero groups compressed), without a zone. One
 * address has one spelling, whatever the header said ("[2001:DB8::1]", "2001:db8:0::1%eth0").
 */
export function formatIp(p: ParsedIp): string {
  if (p.v === 4) return `${Math.floor(p.n / 16777216)}.${Math.floor(p.n / 65536) % 256}.${Math.floor(p.n / 256) % 256}.${p.n % 256}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((p.n >> BigInt(16 * i)) & 0xffffn).toString(16));
  return new SocketAddress({ address: groups.join(":"), family: "ipv6" }).address;
}

export function isValidIp(s: string): boolean {
  return parseIp(s) !== undefined;
}

/** A set of CIDR ranges that answers "is this address inside?" quickly. */
export interface IpMatcher {
  readonly size: number;
  contains(ip: string): boolean;
  containsParsed(ip: ParsedIp): boolean;
}

class RangeMatcher implements IpMatcher {
  constructor(
    private readonly v4: Float64Array, // pairs start,end (doubles hold uint32 exactly)
    private readonly v6: Array<[bigint, bigint]>,
    readonly size: number,
  ) {}
  contains(ip: string): boolean {
    const p = parseIp(ip);
    return p !== undefined && this.containsParsed(p);
  }
  containsParsed(p: ParsedIp): boolean {
    if (p.v === 4) {
      const a = this.v4;
      let lo = 0;
      let hi = a.length / 2 - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const start = a[mid * 2] as number;
        const end = a[mid * 2 + 1] as number;
        if (p.n < start) hi = mid - 1;
        else if (p.n > end) lo = mid + 1;
        else return true;
      }
      return false;
    }
    const r = this.v6;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = r[mid] as [bigint, bigint];
      if (p.n < e[0]) hi = mid - 1;
      else if (p.n > e[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

export class InvalidCidrError extends WafCompileError {}

/** Builds a matcher from CIDR strings ("192.0.2.0/24", "2001:db8::/32", or bare addresses). */
export function createIpMatcher(cidrs: Iterable<string>): IpMatcher {
  const v4: Array<[number, number]> = [];
  const v6: Array<[bigint, bigint]> = [];
  let size = 0;
  for (const raw of cidrs) {
    const c = raw.trim();
    if (c === "") continue;
    size++;
    const slash = c.indexOf("/");
    const addr = slash >= 0 ? c.slice(0, slash) : c;
    const p = parseIp(addr);
    if (!p) throw new InvalidCidrError(`Invalid IP address or CIDR: ${c}`);
    const isMapped = p.v === 4 && parseIpv4(addr) < 0;
    const bits = p.v === 4 ? 32 : 128;
    let prefix = slash >= 0 ? Number(c.slice(slash + 1)) : bits;
    if (isMapped && slash >= 0) prefix -= 96;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (slash >= 0 && !/^\d{1,3}$/.test(c.slice(slash + 1)))) {
      throw new InvalidCidrError(`Invalid IP address or CIDR: ${c}`);
    }
    if (p.v === 4) {
      const span = 2 ** (32 - prefix);
      const start = Math.floor(p.n / span) * span;
      v4.push([start, start + span - 1]);
    } else {
      const span = 1n << BigInt(128 - prefix);
      const start = (p.n / span) * span;
      v6.push([start, start + span - 1n]);
    }
  }
  v4.sort((a, b) => a[0] - b[0]);
  v6.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged4: number[] = [];
  for (const [s, e] of v4) {
    const n = merged4.length;
    if (n > 0 && s <= (merged4[n - 1] as number) + 1) merged4[n - 1] = Math.max(merged4[n - 1] as number, e);
    else merged4.push(s, e);
  }
  const merged6: Array<[bigint, bigint]> = [];
  for (const [s, e] of v6) {
    const last = merged6[merged6.length - 1];
    if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
    else merged6.push([s, e]);
  }
  return new RangeMatcher(Float64Array.from(merged4), merged6, size);
}
