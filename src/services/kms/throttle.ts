/**
 * Request quotas of the KMS cryptographic operations, per account and Region, as token
 * buckets (capacity = one second of the quota). Defaults follow the KMS developer guide
 * ("Request quotas"): symmetric (incl. HMAC and GenerateRandom) 10,000/s, 20,000/s or
 * 100,000/s depending on the Region; RSA 500/s; ECC 300/s. A quota of 0 disables it.
 */
import type { Clock } from "../../core/clock.js";
import { throttled } from "./errors.js";
import type { KeySpec } from "./crypto/index.js";

export type QuotaClass = "symmetric" | "rsa" | "ecc" | "pq";

export interface KmsQuotas {
  /** Overrides the Region-dependent symmetric default when set. */
  symmetricRps?: number;
  rsaRps: number;
  eccRps: number;
  pqRps: number;
}

export const DEFAULT_QUOTAS: KmsQuotas = { rsaRps: 500, eccRps: 300, pqRps: 500 };

const HIGH = new Set(["us-east-1", "us-west-2", "eu-west-1"]);
const MID = new Set(["us-east-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "eu-central-1", "eu-west-2"]);

export function defaultSymmetricRps(region: string): number {
  return HIGH.has(region) ? 100_000 : MID.has(region) ? 20_000 : 10_000;
}

export function quotaClassOf(spec: KeySpec | undefined): QuotaClass {
  if (spec === undefined || spec === "SYMMETRIC_DEFAULT" || spec.startsWith("HMAC_")) return "symmetric";
  if (spec.startsWith("RSA_")) return "rsa";
  if (spec.startsWith("ML_")) return "pq";
  return "ecc";
}

interface Bucket {
  tokens: number;
  last: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  // The bucket of the last call: consecutive requests of one account, Region and class find
  // it without building the map key.
  private lastAccount = "";
  private lastRegion = "";
  private lastClass: QuotaClass | "" = "";
  private lastBucket: Bucket | undefined;
  constructor(
    private readonly clock: Clock,
    private readonly quotas: KmsQuotas = DEFAULT_QUOTAS,
  ) {}

  private rate(cls: QuotaClass, region: string): number {
    switch (cls) {
      case "symmetric":
        return this.quotas.symmetricRps ?? defaultSymmetricRps(region);
      case "rsa":
        return this.quotas.rsaRps;
      case "ecc":
        return this.quotas.eccRps;
      case "pq":
        return this.quotas.pqRps;
    }
  }

  /** Takes one request from the bucket; throws ThrottlingException when it is empty. */
  take(accountId: string, region: string, cls: QuotaClass): void {
    const rate = this.rate(cls, region);
    if (rate <= 0) return;
    const now = this.clock.now();
    let b = this.lastBucket;
    if (b === undefined || accountId !== this.lastAccount || region !== this.lastRegion || cls !== this.lastClass) {
      const k = `${accountId}/${region}/${cls}`;
      b = this.buckets.get(k);
      if (!b) {
        if (this.buckets.size > 100_000) this.buckets.clear();
        b = { tokens: rate, last: now };
        this.buckets.set(k, b);
      }
      this.lastAccount = accountId;
      this.lastRegion = region;
      this.lastClass = cls;
      this.lastBucket = b;
    }
    if (now > b.last) {
      b.tokens = Math.min(rate, b.tokens + ((now - b.last) * rate) / 1000);
      b.last = now;
    }
    if (b.tokens < 1) throw throttled();
    b.tokens -= 1;
  }
}
