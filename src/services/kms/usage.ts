/**
 * GetKeyLastUsage: the last successful cryptographic operation of each key. Recorded in
 * memory on the hot path (no storage write per request) and flushed to storage in batches
 * every few seconds and on close; reads consult memory first.
 */
import type { Clock } from "../../core/clock.js";
import type { Storage } from "../../storage/types.js";
import { COLLECTIONS, keyDocKey, type KeyRecord, type KeyUsageRecord } from "./model.js";

export const USAGE_TRACKING_META = "kms/usage-tracking-start";

type UsageKey = Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">;

/** A usage not yet flushed, by key ARN (the record's own string: no key is built per request). */
interface Pending {
  docKey: string;
  operation: string;
  timestamp: number;
  requestId: string;
}

export class UsageTracker {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private trackingStart: number | undefined;

  constructor(
    private readonly store: Storage,
    private readonly clock: Clock,
    private readonly flushMs = 5000,
  ) {}

  note(key: UsageKey, operation: string, requestId: string): void {
    const now = this.clock.now();
    const e = this.pending.get(key.arn);
    if (e !== undefined) {
      e.operation = operation;
      e.timestamp = now;
      e.requestId = requestId;
    } else this.pending.set(key.arn, { docKey: keyDocKey(key.accountId, key.region, key.keyId), operation, timestamp: now, requestId });
  }

  async last(key: UsageKey): Promise<KeyUsageRecord | undefined> {
    const e = this.pending.get(key.arn);
    if (e !== undefined) return { operation: e.operation, timestamp: e.timestamp, requestId: e.requestId };
    return await this.store.get<KeyUsageRecord>(COLLECTIONS.usage, keyDocKey(key.accountId, key.region, key.keyId));
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

  forget(key: UsageKey): void {
    this.pending.delete(key.arn);
  }

  flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.pending.size > 0) {
          const batch = this.pending;
          this.pending = new Map();
          await this.store.transaction(async (tx) => {
            for (const e of batch.values()) {
              // A key deleted meanwhile gets no usage record back.
              const rec: KeyUsageRecord = { operation: e.operation, timestamp: e.timestamp, requestId: e.requestId };
              if ((await tx.get(COLLECTIONS.keys, e.docKey)) !== undefined) await tx.put(COLLECTIONS.usage, e.docKey, rec);
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
