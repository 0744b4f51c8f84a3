/**
 * The aws-waf-token cookie: proof that a client solved a challenge and/or a CAPTCHA, with the
 * times it did so. Binary, versioned, HMAC-SHA256 authenticated and bound to the host name:
 *
 *   byte 0      version (1)
 *   bytes 1-4   challenge solved at (epoch seconds, 0 = never)
 *   bytes 5-8   CAPTCHA solved at (epoch seconds, 0 = never)
 *   bytes 9-20  random nonce
 *   bytes 21-52 HMAC-SHA256(key, "bulwark-waf-token\0" || host || "\0" || bytes 0-20)
 *
 * Encoded base64url. Decoders reject unknown versions; MACs are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_COOKIE = "aws-waf-token";
const VERSION = 1;
const BODY_LEN = 21;
const TOKEN_LEN = BODY_LEN + 32;

export interface TokenTimes {
  /** Epoch ms, or undefined when never solved. */
  challengeAt?: number;
  captchaAt?: number;
}

function mac(key: Buffer, host: string, body: Buffer): Buffer {
  return createHmac("sha256", key).update("bulwark-waf-token\0").update(host.toLowerCase()).update("\0").update(body).digest();
}

export function issueToken(key: Buffer, host: string, times: TokenTimes): string {
  const body = Buffer.alloc(BODY_LEN);
  body[0] = VERSION;
  body.writeUInt32BE(times.challengeAt ? Math.floor(times.challengeAt / 1000) : 0, 1);
  body.writeUInt32BE(times.captchaAt ? Math.floor(times.captchaAt / 1000) : 0, 5);
  randomBytes(12).copy(body, 9);
  return Buffer.concat([body, mac(key, host, body)]).toString("base64url");
}

/** Returns the token's times when it is authentic for `host`, else undefined. */
export function readToken(key: Buffer, host: string, token: string): TokenTimes | undefined {
  if (token.length > 128) return undefined;
  let raw: Buffer;
  try {
    raw = Buffer.from(token, "base64url");
  } catch {
    return undefined;
  }
  if (raw.length !== TOKEN_LEN || raw[0] !== VERSION) return undefined;
  const body = raw.subarray(0, BODY_LEN);
  const expected = mac(key, host, body);
  if (!timingSafeEqual(expected, raw.subarray(BODY_LEN))) return undefined;
  const ch = body.readUInt32BE(1);
  const ca = body.readUInt32BE(5);
  return { challengeAt: ch ? ch * 1000 : undefined, captchaAt: ca ? ca * 1000 : undefined };
}

/**
 * A web ACL's TokenDomains: besides the request's own host, it accepts tokens of each listed
 * domain and issues them for it, so that one token serves the domain and its subdomains
 * ("example.com" covers example.com and api.example.com, not apiexample.com).
 */
export class TokenDomains {
  private readonly domains: string[];

  constructor(domains: readonly string[] | undefined) {
    // Shortest first: a token is issued for the widest listed domain that covers the host.
    this.domains = [...new Set((domains ?? []).map((d) => d.toLowerCase()))].sort((a, b) => a.length - b.length);
  }

  /** The listed domain a token for `host` is issued for (the widest that covers it), if any. */
  issuingDomain(host: string): string | undefined {
    return this.domains.find((d) => covers(d, host));
  }

  /** The token's times when it is authentic for `host` or for a listed domain that covers it. */
  read(key: Buffer, host: string, token: string): TokenTimes | undefined {
    const own = readToken(key, host, token);
    if (own || this.domains.length === 0) return own;
    for (const d of this.domains) {
      if (d === host || !covers(d, host)) continue;
      const times = readToken(key, d, token);
      if (times) return times;
    }
    return undefined;
  }
}

function covers(domain: string, host: string): boolean {
  return host === domain || (host.length > domain.length && host.endsWith(domain) && host[host.length - domain.length - 1] === ".");
}

/** Host name of the request without port, as tokens are bound to it. */
export function requestHost(headers: Array<[string, string]>): string {
  for (const [n, v] of headers) if (n.toLowerCase() === "host") return v.replace(/:\d+$/, "").toLowerCase();
  return "";
}
