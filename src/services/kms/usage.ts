/**
 * GetKeyLastUsage: the last successful cryptographic operation of each key. Recorded in
 * memory on the hot path (no storage write per request) and flushed to storage in batches
 * every few seconds and on close; reads consult memory first.
 */
import type { Clock } from "../../core/clock.js";
import type { Storage } from "../../storage/types.js";
import { COLLECTIONS, keyDocKey, type KeyUsageRecord } from "./model.js";

export const USAGE_TRACKING_META = "kms/usage-tracking-start";

export class UsageTracker {
  private pending = new Map<string, KeyUsageRecord>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private trackingStart: number | undefined;

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly flushMs = 5000,
  ) {}

  note(accountId: string, region: string, keyId: string, operation: string, requestId: string): void {
    this.pending.set(keyDocKey(accountId, region, keyId), { operation, timestamp: this.clock.now(), requestId });
  }

  async last(accountId: string, region: string, keyId: string): Promise<KeyUsageRecord | undefined> {
    const k = keyDocKey(accountId, region, keyId);
    return this.pending.get(k) ?? (await this.store.get<KeyUsageRecord>(COLLECTIONS.usage, k));
  }

  /** When tracking began on this installation (first start). */
  async trackingStartDate(): Promise<number> {
    if (this.trackingStart !== undefined) return this.trackingStart;
    const v = await this.store.getMeta(USAGE_TRACKING_META);
    if (v !== undefined) this.trackingStart = Number(v);
    else {
      this.trackingStart = this.clock.now();
      await this.store.setMeta(USAGE_TRACKING_META, String(this.trackingStart));
    }
    return this.trackingStart;
  }

  forget(accountId: string, region: string, keyId: string): void {
    this.pending.delete(keyDocKey(accountId, region, keyId));
  }

  flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.pending.size > 0) {
          const batch = this.pending;
          this.pending = new Map();
          await this.store.transaction(async (tx) => {
            for (const [k, v] of batch) {
              // A key deleted meanwhile gets no usage record back.
              if ((await tx.get(COLLECTIONS.keys, k)) !== undefined) await tx.put(COLLECTIONS.usage, k, v);
            }
          });
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
