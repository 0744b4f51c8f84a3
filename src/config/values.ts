/**
 * The one set of value parsers of the configuration. A value comes from a flag or an environment
 * variable (a string) or from the config file (a JSON value whose type src/config/config-file.ts
 * has already checked); every source goes through the same parser, so the same rules hold
 * whichever way a setting is given. `name` says where the value came from (`BULWARK_LISTEN`,
 * `--listen`, `"listen" in config file /etc/bulwark.json`) and is the start of every message.
 */
import { isIPv4, isIPv6 } from "node:net";
import { createSecureContext } from "node:tls";

export class ConfigError extends Error {}

/** A setting's raw value: a string (flag, environment) or what JSON gave (config file). */
export type Raw = unknown;

/** Quotes a value for a message (strings as JSON strings, so spaces and empty strings show). */
function shown(v: Raw): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : String(v);
}

function invalid(name: string, expected: string, v: Raw, echo = true): ConfigError {
  return new ConfigError(`Invalid ${name}: expected ${expected}${echo ? `, got ${shown(v)}` : ""}`);
}

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest value allowed (default 0: no setting is negative). */
  min?: number;
  /** Largest value allowed. */
  max?: number;
  /** The value must be above `min` rather than at least `min`. */
  exclusiveMin?: boolean;
  /** What 0 means, for the message (e.g. "0 = unlimited"). */
  zero?: string;
}

// Decimal notation only: Number() would also take "0x10", "0b1" and "Infinity".
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describeRule(rule: NumberRule): string {
  const min = rule.min ?? 0;
  const kind = rule.integer ? "a whole number" : "a number";
  const range = rule.max !== undefined ? `from ${min} to ${rule.max}` : rule.exclusiveMin ? `above ${min}` : `of at least ${min}`;
  return `${kind} ${range}${rule.zero ? ` (${rule.zero})` : ""}`;
}

/** A number from a string in decimal notation or a JSON number, within `rule`. */
export function num(v: Raw, name: string, rule: NumberRule = {}): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && DECIMAL.test(v.trim()) ? Number(v.trim()) : NaN;
  const min = rule.min ?? 0;
  const ok =
    Number.isFinite(n) &&
    (rule.exclusiveMin ? n > min : n >= min) &&
    (rule.max === undefined || n <= rule.max) &&
    (!rule.integer || Number.isInteger(n));
  if (!ok) throw invalid(name, describeRule(rule), v);
  return n;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** A switch: a JSON boolean, or 1/true/yes/on and 0/false/no/off (any case) from a string. */
export function bool(v: Raw, name: string): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && TRUE.test(v.trim())) return true;
  if (typeof v === "string" && FALSE.test(v.trim())) return false;
  throw invalid(name, "1, true, yes or on (or 0, false, no, off)", v);
}

/** A non-empty string (paths, host names). */
export function str(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || v.trim() === "") throw invalid(name, "a non-empty string", v);
  return v;
}

/**
 * A file or directory path. Control characters (a newline pasted along, a NUL from a JSON
 * escape) are refused, as is a leading `~`: only a shell expands it, so it would name a
 * directory called "~" under the current one.
 */
export function filePath(v: Raw, name: string): string | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) throw invalid(name, "a path without control characters (newline, tab, NUL…)", v);
  if (s.startsWith("~")) throw invalid(name, "a path not starting with ~, which only a shell expands (write $HOME/… or the full path)", v);
  return s;
}

/** One of `values`, compared without regard to case; returned in lower case. */
export function oneOf<T extends string>(values: readonly T[]): (v: Raw, name: string) => T | undefined {
  return (v, name) => {
    if (v === undefined || v === "") return undefined;
    const s = typeof v === "string" ? v.trim().toLowerCase() : undefined;
    if (s === undefined || !(values as readonly string[]).includes(s)) throw invalid(name, `one of ${values.join(", ")}`, v);
    return s as T;
  };
}

/** host:port, [v6]:port or :port (all interfaces); port 0 asks the system for a free port. */
export function parseListen(v: Raw, name: string): { host: string; port: number } | undefined {
  if (v === undefined || v === "") return undefined;
  const m = typeof v === "string" ? /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v.trim()) : null;
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw invalid(name, "a listen address host:port with a port from 0 to 65535, e.g. 127.0.0.1:4566", v);
  const host = m[1] ?? m[2] ?? "";
  // A bracketed host is an IPv6 address; a dotted-decimal one an IPv4 address; else a DNS name.
  const hostOk = m[1] !== undefined ? isIPv6(host) : host === "" || (/^[\d.]+$/.test(host) ? isIPv4(host) : HOST_NAME.test(host));
  if (!hostOk) throw invalid(name, "a listen address host:port whose host is an IPv4 address, [IPv6 address] or host name, e.g. 127.0.0.1:4566", v);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** An address to bind: an IPv4 or IPv6 address (no brackets) or a host name. */
export function hostAddress(v: Raw, name: string): string | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  // As for a listen address: all digits and dots is an IPv4 address or nothing.
  const ok = /^[\d.]+$/.test(s) ? isIPv4(s) : isIPv6(s) || HOST_NAME.test(s);
  if (!ok) throw invalid(name, "an IPv4 address, IPv6 address or host name, e.g. 127.0.0.1 or 0.0.0.0", v);
  return s;
}

/** A DNS domain names are made under (load balancers' DNSName): dot-separated labels, no trailing dot. */
export function dnsDomain(v: Raw, name: string): string | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  if (!HOST_NAME.test(s) || s.endsWith(".")) throw invalid(name, "a DNS domain of letters, digits and hyphens in dot-separated labels, e.g. elb.example.internal", v);
  return s;
}

// Host names (a leading "*." for a wildcard) and IPv4/IPv6 addresses.
const CERT_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** Certificate names: comma-separated in a string, or a JSON array of strings. */
export function certNames(v: Raw, name: string): string[] | undefined {
  if (v === undefined || v === "") return undefined;
  const list = typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : Array.isArray(v) ? v : undefined;
  const expected = "host names or IP addresses (comma-separated, or a JSON array of strings)";
  if (list === undefined) throw invalid(name, expected, v);
  for (const n of list) {
    if (typeof n !== "string" || n.length > 253 || !CERT_NAME.test(n)) throw invalid(name, expected, n);
  }
  return list as string[];
}

/**
 * A TLS 1.2 cipher list in OpenSSL's syntax (e.g. "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA"),
 * refused when OpenSSL finds no cipher in it.
 */
export function cipherList(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  const expected = "an OpenSSL cipher list of TLS 1.2 suites, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256";
  if (typeof v !== "string" || v.length > 4096 || !/^[\x20-\x7e]+$/.test(v)) throw invalid(name, expected, v);
  try {
    createSecureContext({ ciphers: v, minVersion: "TLSv1.2", maxVersion: "TLSv1.2" });
  } catch {
    throw invalid(name, `${expected} (OpenSSL knows none of these)`, v);
  }
  return v;
}

// What AWS Region codes look like, in every partition (us-east-1, eu-central-2, us-gov-west-1,
// ap-southeast-7, cn-north-1, eusc-de-east-1). Only the shape: no Region is tied to a partition.
const REGION = /^[a-z]{2,4}(-[a-z0-9]+)+-\d{1,2}$/;

export function region(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || !REGION.test(v)) throw invalid(name, "an AWS Region code such as us-east-1", v);
  return v;
}

// IAM's user-name pattern and length (CreateUser: [\w+=,.@-]+, 1–64).
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

export function iamUserName(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || !IAM_USER_NAME.test(v)) throw invalid(name, "an IAM user name (1–64 letters, digits and +=,.@_-)", v);
  return v;
}

/**
 * A redis:// or rediss:// URL. It may carry a password, so the value itself is never repeated
 * in a message.
 */
export function redisUrl(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  let u: URL | undefined;
  try {
    u = typeof v === "string" ? new URL(v) : undefined;
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== "redis:" && u.protocol !== "rediss:") || u.hostname === "") {
    throw invalid(name, "a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (value not shown: it may hold a password)", v, false);
  }
  return v as string;
}

/**
 * An http(s) origin with an optional path, no query, fragment or credentials: token issuers are
 * built from it, and OpenID Connect issuers may carry only scheme, host, port and path.
 */
export function publicUrl(v: Raw, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  const expected = "an http(s) URL without query, fragment or credentials, e.g. https://bulwark.example.com";
  let u: URL;
  try {
    if (typeof v !== "string") throw new TypeError();
    u = new URL(v);
  } catch {
    throw invalid(name, expected, v);
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.search !== "" || u.hash !== "" || u.username !== "" || u.password !== "") {
    // Credentials in the URL are not repeated.
    throw invalid(name, expected, v, u.username === "" && u.password === "");
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
}
