/**
 * Signing keys of OIDC issuers, for sts:AssumeRoleWithWebIdentity.
 *
 * `<issuer>/.well-known/openid-configuration` names the `jwks_uri`; both are fetched over
 * HTTPS only (certificates checked against Node's bundled roots plus the operator's CA file,
 * BULWARK_OIDC_CA_FILE), with a timeout and a size limit. Key sets are cached per issuer for
 * a bounded time; a token naming a `kid` the cached set lacks makes one refetch (keys rotate),
 * at most once per `minRefetchMs` per issuer so that unauthenticated callers inventing kids
 * cannot turn Bulwark into a request amplifier against the issuer.
 * Concurrent fetches for one issuer share a single request.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import https from "node:https";
import tls from "node:tls";

export interface Jwk extends JsonWebKey {
  kid?: string;
  kty?: string;
  use?: string;
  alg?: string;
  crv?: string;
}

export interface IssuerKey {
  jwk: Jwk;
  key: KeyObject;
}

/** Thrown when the issuer's configuration or key set cannot be fetched or read. */
export class IdpUnreachable extends Error {}

export interface JwksSource {
  /**
   * Keys of the issuer usable for the token: those with `kid` when it is given (refetching the
   * set once when none has it), else every key. Throws IdpUnreachable.
   */
  keysFor(issuerUrl: string, kid: string | undefined): Promise<IssuerKey[]>;
}

export interface JwksCacheOptions {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  caPem?: string;
  timeoutMs?: number;
  ttlMs?: number;
  /** Least time between two unknown-kid refetches of one issuer's keys. */
  minRefetchMs?: number;
  maxIssuers?: number;
  maxBodyBytes?: number;
  now?: () => number;
  /** Test seam: GET a URL and parse JSON (defaults to HTTPS with the options above). */
  fetchJson?: (url: string) => Promise<unknown>;
}

interface Entry {
  fetchedAt: number;
  keys: IssuerKey[];
}

export const DEFAULT_JWKS_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;
export const DEFAULT_JWKS_MIN_REFETCH_MS = 10_000;

export function createJwksCache(opts: JwksCacheOptions = {}): JwksSource {
  const ttlMs = opts.ttlMs ?? DEFAULT_JWKS_TTL_MS;
  const minRefetchMs = opts.minRefetchMs ?? DEFAULT_JWKS_MIN_REFETCH_MS;
  const maxIssuers = opts.maxIssuers ?? 1000;
  const now = opts.now ?? Date.now;
  const ca = opts.caPem !== undefined ? [...tls.rootCertificates, opts.caPem] : undefined;
  const fetchJson = opts.fetchJson ?? ((url: string) => httpsJson(url, { ca, timeoutMs: opts.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS, maxBytes: opts.maxBodyBytes ?? 512 * 1024 }));
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Entry>>();

  async function load(issuer: string): Promise<Entry> {
    const pending = inFlight.get(issuer);
    if (pending) return pending;
    const p = (async () => {
      const config = await fetchJson(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
      const jwksUri = isRecord(config) ? config["jwks_uri"] : undefined;
      if (typeof jwksUri !== "string" || !/^https:\/\//i.test(jwksUri)) throw new IdpUnreachable("openid-configuration has no https jwks_uri");
      const set = await fetchJson(jwksUri);
      const list = isRecord(set) && Array.isArray(set["keys"]) ? (set["keys"] as unknown[]) : undefined;
      if (!list) throw new IdpUnreachable("jwks_uri did not answer a JWK set");
      const keys: IssuerKey[] = [];
      for (const raw of list) {
        if (!isRecord(raw)) continue;
        const jwk = raw as Jwk;
        if (jwk.use !== undefined && jwk.use !== "sig") continue;
        if (jwk.kty !== "RSA" && jwk.kty !== "EC") continue;
        try {
          keys.push({ jwk, key: createPublicKey({ key: jwk, format: "jwk" }) });
        } catch {
          // An unreadable key is skipped; tokens naming it fail as for an unknown kid.
        }
      }
      const entry = { fetchedAt: now(), keys };
      if (!cache.has(issuer) && cache.size >= maxIssuers) cache.delete(cache.keys().next().value as string);
      cache.set(issuer, entry);
      return entry;
    })();
    inFlight.set(issuer, p);
    try {
      return await p;
    } finally {
      inFlight.delete(issuer);
    }
  }

  const pick = (e: Entry, kid: string | undefined) => (kid === undefined ? e.keys : e.keys.filter((k) => k.jwk.kid === kid));

  return {
    async keysFor(issuer, kid) {
      let entry = cache.get(issuer);
      let fresh = false;
      if (entry === undefined || now() - entry.fetchedAt >= ttlMs) {
        entry = await load(issuer);
        fresh = true;
      }
      let keys = pick(entry, kid);
      if (keys.length === 0 && !fresh && now() - entry.fetchedAt >= minRefetchMs) keys = pick(await load(issuer), kid);
      return keys;
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** GET over HTTPS (never plain HTTP), 200 only, JSON body of bounded size, overall timeout. */
function httpsJson(url: string, o: { ca: string[] | undefined; timeoutMs: number; maxBytes: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new IdpUnreachable("invalid URL"));
      return;
    }
    if (u.protocol !== "https:") {
      reject(new IdpUnreachable("not https"));
      return;
    }
    const req = https.get(u, { ...(o.ca ? { ca: o.ca } : {}), headers: { accept: "application/json" }, timeout: o.timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new IdpUnreachable(`HTTP ${res.statusCode ?? 0}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) {
          req.destroy(new IdpUnreachable("response too large"));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          reject(new IdpUnreachable("response is not JSON"));
        }
      });
      res.on("error", (e) => reject(new IdpUnreachable(e.message)));
    });
    const timer = setTimeout(() => req.destroy(new IdpUnreachable("timed out")), o.timeoutMs);
    req.on("timeout", () => req.destroy(new IdpUnreachable("timed out")));
    req.on("error", (e) => reject(e instanceof IdpUnreachable ? e : new IdpUnreachable(e.message)));
    req.on("close", () => clearTimeout(timer));
  });
}
