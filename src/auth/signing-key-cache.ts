/**
 * Derived SigV4 signing keys, cached.
 *
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") costs four
 * HMACs; a client signs many requests with the same (secret, day, region, service), so the gateway
 * caches the result. What must stay true:
 *  - the map is keyed by a SHA-256 of the tuple prefixed with a per-cache random 256-bit salt, never
 *    by the secret itself, so a heap dump or a debugger listing the map's keys does not reveal
 *    secrets, and the salt defeats precomputed guesses (a one-shot hash: this runs per request);
 *  - the cache is bounded (LRU), so a flood of distinct credentials cannot grow memory without limit;
 *  - the owner fast path (signingKeyFor) keys a WeakMap by the identity of an object the caller
 *    holds for the credential (no secret-derived key at all; an entry dies with its owner) and
 *    serves a key only for the exact (secret, date, region, service) it was derived for;
 *  - keys are never logged, serialised or returned to callers other than the verifier.
 */
import { createHmac, randomBytes } from "node:crypto";
import { sha256Base64 } from "./sha256.js";

export function deriveSigningKey(secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
  const kDate = createHmac("sha256", "AWS4" + secretAccessKey).update(scopeDate).digest();
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  const kService = createHmac("sha256", kRegion).update(service).digest();
  return createHmac("sha256", kService).update("aws4_request").digest();
}

export class SigningKeyCache {
  private readonly entries = new Map<string, Buffer>();
  // One entry per owner object; it holds the secret only as the owner itself already does.
  private owned = new WeakMap<object, { secret: string; scopeDate: string; region: string; service: string; key: Buffer }>();
  private readonly salt = randomBytes(32).toString("base64");
  private readonly maxEntries: number;

  constructor(maxEntries = 1024) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("SigningKeyCache maxEntries must be a positive integer");
    this.maxEntries = maxEntries;
  }

  /** Number of cached keys (for metrics and tests). */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.owned = new WeakMap();
  }

  /**
   * @internal signingKey(), remembered on `owner` (an object standing for the credential, such as
   * the identity directory's cached record): a repeat call with the same tuple costs four string
   * comparisons. The secret is compared only with the one the entry was derived from (both are
   * server-side values), never with anything a client sent.
   */
  signingKeyFor(owner: object, secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
    const e = this.owned.get(owner);
    if (e !== undefined && e.scopeDate === scopeDate && e.region === region && e.service === service && e.secret === secretAccessKey) return e.key;
    const key = this.signingKey(secretAccessKey, scopeDate, region, service);
    this.owned.set(owner, { secret: secretAccessKey, scopeDate, region, service, key });
    return key;
  }

  /** @internal The signing key for the tuple, derived on a miss. Only the SigV4 verifier calls this. */
  signingKey(secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
    // NUL cannot occur in a date, region or service name, so the tuple encoding is unambiguous.
    const id = sha256Base64(this.salt + "\0" + secretAccessKey + "\0" + scopeDate + "\0" + region + "\0" + service);
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      // Re-insert to mark as most recently used (Map iteration order is insertion order).
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secretAccessKey, scopeDate, region, service);
    this.entries.set(id, key);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return key;
  }
}
