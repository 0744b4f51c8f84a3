/**
 * The tamper-evident audit log: builds CloudTrail events, chains them (see chain.ts) and appends
 * them in group commits; periodically signs a digest over the chain head.
 *
 * What must stay true:
 *  - record() resolves only after the batch holding its event(s) was durably appended;
 *    if the append fails it rejects (the gateway then refuses to report success);
 *  - store writes are strictly serial: one appendAudit() or appendDigest() at a time, so
 *    seq/prevHash are assigned from the committed head and never fork;
 *  - chain state advances only after a successful append; after a failed one it is reloaded
 *    from the store (the failure may have been reported after a commit).
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { AuditDigestRow, AuditRow, AuditStore } from "../storage/types.js";
import type { ApiCallRecord, AuditLog } from "./types.js";
import { buildCloudTrailEvents, indexFieldsOf, isoSeconds, type EventIndexFields } from "./event.js";
import { chainHash, digestHash, GENESIS_HASH, type DigestContent } from "./chain.js";
import { publicKeyFingerprint, type DigestSigner } from "./digest-key.js";

export interface AuditLogDeps {
  store: AuditStore;
  digestSigner: DigestSigner;
  clock: Clock;
  /** Longest wait before an idle writer flushes a partial batch (default 2 ms). */
  batchMaxDelayMs?: number;
  /** Events per appendAudit() (default 512). */
  batchMaxSize?: number;
  /** Interval of signed digests (default 60 s); 0 disables the timer (flush/close still digest). */
  digestIntervalMs?: number;
  /** Background failures (timer digests, failed batches); record() callers get their own rejection. */
  onError?: (e: unknown) => void;
}

interface PendingEvent {
  json: string;
  idx: EventIndexFields;
}

interface PendingItem {
  events: PendingEvent[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface ChainHead {
  seq: number;
  hash: string;
  lastDigest: AuditDigestRow | undefined;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog & { ready(): Promise<void> } {
  const { store, digestSigner, clock } = deps;
  const batchMaxDelayMs = deps.batchMaxDelayMs ?? 2;
  const batchMaxSize = Math.max(1, deps.batchMaxSize ?? 512);
  const digestIntervalMs = deps.digestIntervalMs ?? 60_000;
  const onError = deps.onError ?? (() => {});
  const fingerprint = publicKeyFingerprint(digestSigner.publicKeyPem);

  let head: ChainHead | undefined;
  let headStale = true;
  let queue: PendingItem[] = [];
  let queuedEvents = 0;
  let timer: NodeJS.Timeout | undefined;
  let draining = false;
  let closed = false;
  // Serial chain of every store write.
  let tail: Promise<void> = Promise.resolve();

  async function loadHead(): Promise<ChainHead> {
    const [last, lastDigest] = await Promise.all([store.lastAudit(), store.lastDigest()]);
    return { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH, lastDigest };
  }

  const readyPromise = loadHead().then((h) => {
    head = h;
    headStale = false;
  });
  readyPromise.catch(() => {}); // surfaced through ready() and record()

  // A failed initial load is retried by the next write rather than poisoning the log forever.
  async function currentHead(): Promise<ChainHead> {
    await readyPromise.catch(() => {});
    if (headStale || head === undefined) {
      head = await loadHead();
      headStale = false;
    }
    return head;
  }

  function enqueueWrite<T>(fn: () => Promise<T>): Promise<T> {
    const p = tail.then(fn);
    tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  function takeBatch(): PendingItem[] {
    const batch: PendingItem[] = [];
    let n = 0;
    while (queue.length > 0 && (n === 0 || n + queue[0]!.events.length <= batchMaxSize)) {
      const item = queue.shift()!;
      n += item.events.length;
      batch.push(item);
    }
    queuedEvents -= n;
    return batch;
  }

  // Runs as one serial write task; `draining` is cleared in the same tick as the empty check,
  // so an item queued at any moment is either taken by this loop or starts a new one.
  async function drainLoop(): Promise<void> {
    let lingered = false;
    for (;;) {
      if (queue.length === 0) {
        // Callers released by the previous batch usually record again at once: give them one
        // macrotask turn to join the next batch instead of paying the batch delay timer.
        if (!lingered) {
          lingered = true;
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        draining = false;
        return;
      }
      lingered = false;
      const batch = takeBatch();
      try {
        const h = await currentHead();
        let seq = h.seq;
        let prev = h.hash;
        const rows: AuditRow[] = [];
        for (const item of batch) {
          for (const e of item.events) {
            seq++;
            const hash = chainHash(prev, e.json);
            rows.push({ seq, ...e.idx, json: e.json, prevHash: prev, hash });
            prev = hash;
          }
        }
        await store.appendAudit(rows);
        h.seq = seq;
        h.hash = prev;
        for (const item of batch) item.resolve();
      } catch (e) {
        headStale = true;
        for (const item of batch) item.reject(e);
        onError(e);
      }
    }
  }

  function kick(): void {
    if (timer !== undefined) {
      if (batchMaxDelayMs > 0) clearTimeout(timer);
      else clearImmediate(timer as unknown as ReturnType<typeof setImmediate>);
      timer = undefined;
    }
    if (draining) return;
    draining = true;
    void enqueueWrite(drainLoop);
  }

  function schedule(): void {
    if (queuedEvents >= batchMaxSize) kick();
    else if (timer === undefined && !draining) {
      // 0: flush once the event loop has handled the I/O at hand (natural group commit).
      timer = batchMaxDelayMs > 0 ? setTimeout(kick, batchMaxDelayMs) : (setImmediate(kick) as unknown as ReturnType<typeof setTimeout>);
    }
  }

  async function writeDigest(): Promise<void> {
    const h = await currentHead();
    const prevDigest = h.lastDigest;
    const fromSeq = (prevDigest?.toSeq ?? 0) + 1;
    if (h.seq < fromSeq) return; // nothing new since the last digest
    let startTime: string;
    if (prevDigest) {
      startTime = previousEndTime(prevDigest);
    } else {
      const first = (await store.readAudit(fromSeq, fromSeq))[0];
      startTime = isoSeconds(first?.time ?? clock.now());
    }
    const now = clock.now();
    const content: DigestContent = {
      digestStartTime: startTime,
      digestEndTime: isoSeconds(now),
      fromSeq,
      toSeq: h.seq,
      eventCount: h.seq - fromSeq + 1,
      lastHash: h.hash,
      previousDigestSignature: prevDigest?.signature ?? null,
      previousDigestHash: prevDigest ? digestHash(prevDigest.json) : null,
      signatureAlgorithm: digestSigner.algorithm,
      publicKeyFingerprint: fingerprint,
    };
    const json = JSON.stringify(content);
    const row: AuditDigestRow = {
      seq: (prevDigest?.seq ?? 0) + 1,
      time: now,
      fromSeq,
      toSeq: h.seq,
      json,
      signature: digestSigner.sign(Buffer.from(json, "utf8")).toString("base64"),
    };
    try {
      await store.appendDigest(row);
    } catch (e) {
      headStale = true;
      throw e;
    }
    h.lastDigest = row;
  }

  let digestTimer: NodeJS.Timeout | undefined;
  if (digestIntervalMs > 0) {
    digestTimer = setInterval(() => {
      enqueueWrite(writeDigest).catch(onError);
    }, digestIntervalMs);
    digestTimer.unref();
  }

  async function flushAll(): Promise<void> {
    kick();
    await enqueueWrite(writeDigest);
  }

  return {
    ready: () => readyPromise,

    record(rec: ApiCallRecord): Promise<void> {
      if (closed) return Promise.reject(new Error("audit log is closed"));
      let events: PendingEvent[];
      try {
        events = buildCloudTrailEvents(rec, randomUUID).map((ev) => ({ json: JSON.stringify(ev), idx: indexFieldsOf(ev, rec.time) }));
      } catch (e) {
        return Promise.reject(e);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        queuedEvents += events.length;
        schedule();
      });
    },

    flush: flushAll,

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (digestTimer !== undefined) clearInterval(digestTimer);
      await flushAll();
    },
  };
}

/** A digest period starts where the previous one ended. */
function previousEndTime(d: AuditDigestRow): string {
  try {
    const c = JSON.parse(d.json) as Partial<DigestContent>;
    if (typeof c.digestEndTime === "string") return c.digestEndTime;
  } catch {
    // fall through: a damaged previous digest is reported by verification, not here
  }
  return isoSeconds(d.time);
}
