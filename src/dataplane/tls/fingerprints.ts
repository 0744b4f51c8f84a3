/**
 * JA3 and JA4 TLS client fingerprints of a parsed ClientHello.
 *
 * JA3: MD5 of "version,ciphers,extensions,groups,pointFormats" (decimal, "-"-joined,
 * GREASE values removed), extensions in the order sent.
 * JA4 (TLS over TCP): "t<ver><d|i><nn ciphers><nn extensions><alpn>_<b>_<c>" where b is the
 * first 12 hex of SHA-256 of the sorted cipher list and c of the sorted extension list
 * (without SNI and ALPN) followed by "_" and the signature algorithms in sent order.
 */
import { createHash } from "node:crypto";
import type { ClientHello } from "./client-hello.js";

/** RFC 8701 GREASE: 0x?a?a with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

export function ja3String(h: ClientHello): string {
  const keep = (xs: number[]): string => xs.filter((x) => !isGrease(x)).join("-");
  return [String(h.version), keep(h.ciphers), keep(h.extensions), keep(h.groups), h.pointFormats.join("-")].join(",");
}

export function ja3(h: ClientHello): string {
  return createHash("md5").update(ja3String(h)).digest("hex");
}

const VERSIONS: Record<number, string> = { 0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0200: "s2", 0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3" };

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}

function two(n: number): string {
  return String(Math.min(n, 99)).padStart(2, "0");
}

function hash12(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 12);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function alpnCode(alpn: string[]): string {
  const first = alpn[0];
  if (first === undefined || first.length === 0) return "00";
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return first[0]! + first[first.length - 1]!;
  const hex = Buffer.from(first, "latin1").toString("hex");
  return hex[0]! + hex[hex.length - 1]!;
}

/** The raw (unhashed) JA4 parts, for tests and logs: [a, ciphers, extensions_sigalgs]. */
export function ja4Parts(h: ClientHello): [string, string, string] {
  const versions = h.supportedVersions.filter((v) => !isGrease(v));
  const version = versions.length > 0 ? Math.max(...versions) : h.version;
  const ciphers = h.ciphers.filter((c) => !isGrease(c));
  const exts = h.extensions.filter((e) => !isGrease(e));
  const a = `t${VERSIONS[version] ?? "00"}${h.serverName !== undefined || exts.includes(0) ? "d" : "i"}${two(ciphers.length)}${two(exts.length)}${alpnCode(h.alpn)}`;
  const b = ciphers.map(hex4).sort().join(",");
  const sorted = exts.filter((e) => e !== 0x0000 && e !== 0x0010).map(hex4).sort().join(",");
  const sig = h.signatureAlgorithms.filter((s) => !isGrease(s)).map(hex4).join(",");
  const c = sig === "" ? sorted : `${sorted}_${sig}`;
  return [a, b, c];
}

export function ja4(h: ClientHello): string {
  const [a, b, c] = ja4Parts(h);
  return `${a}_${b === "" ? "000000000000" : hash12(b)}_${c === "" ? "000000000000" : hash12(c)}`;
}
