/**
 * IPv4/IPv6 addresses and CIDR ranges for IpAddress / NotIpAddress.
 *
 * A small, strict parser instead of node:net's BlockList: BlockList.check() allocates a
 * SocketAddress per call, which dominated the evaluation hot path. Addresses are held as
 * four 32-bit words (IPv4 uses one); an IPv4 range never contains an IPv6 address and vice
 * versa (IPv4-mapped IPv6 addresses are IPv6 here).
 */

export interface IpAddr {
  readonly v6: boolean;
  /** Big-endian 32-bit words: 1 for IPv4, 4 for IPv6. */
  readonly words: readonly number[];
}

export interface IpRange {
  readonly v6: boolean;
  readonly words: readonly number[];
  readonly prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function octet(s: string): number {
  // No leading zeros: "010" is ambiguous (octal in some parsers), so it is not an address.
  if (s.length > 1 && s.startsWith("0")) return -1;
  const n = Number(s);
  return n <= 255 ? n : -1;
}

function parseV4(s: string): number | undefined {
  const m = V4.exec(s);
  if (!m) return undefined;
  let word = 0;
  for (let i = 1; i <= 4; i++) {
    const o = octet(m[i] as string);
    if (o < 0) return undefined;
    word = word * 256 + o;
  }
  return word;
}

const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

function parseHextets(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === "") return [];
  const groups = part.split(":");
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    if (allowV4Tail && i === groups.length - 1 && g.includes(".")) {
      const v4 = parseV4(g);
      if (v4 === undefined) return undefined;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (HEXTET.test(g)) {
      out.push(parseInt(g, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const dbl = s.indexOf("::");
  let hextets: number[];
  if (dbl < 0) {
    const all = parseHextets(s, true);
    if (!all || all.length !== 8) return undefined;
    hextets = all;
  } else {
    if (s.indexOf("::", dbl + 1) >= 0) return undefined;
    const head = parseHextets(s.slice(0, dbl), false);
    const tail = parseHextets(s.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    hextets = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) words.push((hextets[i] as number) * 65536 + (hextets[i + 1] as number));
  return words;
}

export function parseIp(s: string): IpAddr | undefined {
  if (s.includes(":")) {
    const words = parseV6(s);
    return words ? { v6: true, words } : undefined;
  }
  const w = parseV4(s);
  return w === undefined ? undefined : { v6: false, words: [w] };
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). */
export function parseCidr(text: string): IpRange | undefined {
  const t = text.trim();
  const slash = t.indexOf("/");
  const addr = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { v6: addr.v6, words: addr.words, prefix };
}

/** Mask of the first `bits` bits of a 32-bit word (0 ≤ bits ≤ 32), as an unsigned number. */
function mask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

export function inRange(r: IpRange, a: IpAddr): boolean {
  if (r.v6 !== a.v6) return false;
  let bits = r.prefix;
  for (let i = 0; i < r.words.length && bits > 0; i++, bits -= 32) {
    const m = mask(bits);
    if ((((r.words[i] as number) & m) >>> 0) !== (((a.words[i] as number) & m) >>> 0)) return false;
  }
  return true;
}

let lastText: string | undefined;
let lastAddr: IpAddr | undefined;

/** parseIp with a one-entry memo: one request evaluates the same aws:SourceIp repeatedly. */
export function parseIpCached(s: string): IpAddr | undefined {
  if (s !== lastText) {
    lastAddr = parseIp(s);
    lastText = s;
  }
  return lastAddr;
}
