/**
 * The tamper-evident audit log: builds CloudTrail events, chains them (see chain.ts) and appends
 * them in group commits; periodically signs a digest over the chain head.
 *
 * What must stay true (see INVARIANTS.md):
 *  - record() resolves only after the batch holding its event(s) was durably appended;
 *    if the append fails it rejects (the gateway then refuses to report success);
 *  - batches are chained and handed to the store in order, at most maxAppendsInFlight pending;
 *    the store refuses rows that do not continue the log, so the log never forks or has a gap;
 *    a refused batch wrote nothing and is chained again on the reloaded head (another writer,
 *    such as the operator CLI, may have appended first);
 *  - after a failed append nothing new is chained until every pending append has settled; the
 *    head is then reloaded from the store (the failure may have been reported after a commit);
 *  - a digest is written only with no append pending, over the committed head.
 */
import { randomUuid } from "../core/uuid.js";
import { performance } from "node:perf_hooks";
import type { Clock } from "../core/clock.js";
import { AuditBatchBuilder, type AuditBatch } from "../storage/audit-batch.js";
import { AuditConflictError, type AuditDigestRow, type AuditStore } from "../storage/types.js";
import type { ApiCallRecord, AuditLog } from "./types.js";
import { buildCloudTrailEvents, indexFieldsOf, isoSeconds, type EventIndexFields } from "./event.js";
import { eventJsonOf } from "./event-json.js";
import { chainHashInPlace, digestHash, GENESIS_HASH, type DigestContent } from "./chain.js";
import { publicKeyFingerprint, type DigestSigner } from "./digest-key.js";
import { Utf8Arena } from "./utf8-arena.js";

/** How often one record may be re-chained after conflicting appends before it is failed. */
const MAX_RECHAINS = 5;

export interface AuditLogDeps {
  store: AuditStore;
  digestSigner: DigestSigner;
  clock: Clock;
  /** Longest wait before an idle writer flushes a partial batch (default 2 ms). */
  batchMaxDelayMs?: number;
  /** Events per appendAudit() (default 512). */
  batchMaxSize?: number;
  /**
   * While an append is in flight, the next starts at least this far after it (default 2 ms)
   * unless batchMaxSize events are waiting. A durable commit has a fixed cost (an fsync costs
   * ~150 µs of CPU here whatever its size), so fewer, larger commits leave more CPU for requests.
   * With nothing in flight, the next batch gathers records for at most this long, and only while
   * they keep coming: it is appended as soon as an event-loop turn passes without a new record
   * (the callers waiting are all the callers there are, so a client making one call after
   * another is not made to wait for company that never comes). 0 appends back to back.
   */
  minCommitIntervalMs?: number;
  /** Monotonic milliseconds for spacing appends (default performance.now); never recorded. */
  monotonicNow?: () => number;
  /**
   * Appends handed to the store before the earlier ones are durable (default 8): while one
   * commit waits for its fsync, the next batches are already on their way (the SQLite store
   * commits everything that arrived meanwhile with one fsync).
   */
  maxAppendsInFlight?: number;
  /** Interval of signed digests (default 60 s); 0 disables the timer (flush/close still digest). */
  digestIntervalMs?: number;
  /** Background failures (timer digests, failed batches); record() callers get their own rejection. */
  onError?: (e: unknown) => void;
}

interface PendingEvent {
  /** UTF-8 of the event JSON, encoded when the event was built (utf8-arena.ts). */
  json: Uint8Array;
  idx: EventIndexFields;
}

interface PendingItem {
  events: PendingEvent[];
  /** The key of the audit intent this item's events replace, removed with them. */
  settles: string | undefined;
  /** Times this item's batch was refused for not continuing the stored log (re-chained each time). */
  conflicts: number;
  /** The events are of a call that changed nothing (AuditStore.appendAudit's deferSync). */
  readOnly: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** An audit intent as stored: the events the log shows of the call if its own never come. */
interface StoredIntent {
  events: Array<{ json: string; idx: EventIndexFields }>;
}

/** The error message of an interrupted call's event (AuditLog.intend). */
export const INTERRUPTED_CALL = "This call was interrupted before its outcome was recorded; whether it took effect is not known.";

interface ChainHead {
  seq: number;
  hash: string;
  lastDigest: AuditDigestRow | undefined;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog & Required<Pick<AuditLog, "intend" | "recoverIntents">> & { ready(): Promise<void> } {
  const { store, digestSigner, clock } = deps;
  const batchMaxDelayMs = deps.batchMaxDelayMs ?? 2;
  const batchMaxSize = Math.max(1, deps.batchMaxSize ?? 512);
  const minCommitIntervalMs = Math.max(0, deps.minCommitIntervalMs ?? 2);
  const maxInFlight = Math.max(1, deps.maxAppendsInFlight ?? 8);
  const monotonicNow = deps.monotonicNow ?? (() => performance.now());
  const digestIntervalMs = deps.digestIntervalMs ?? 60_000;
  const onError = deps.onError ?? (() => {});
  const fingerprint = publicKeyFingerprint(digestSigner.publicKeyPem);

  let head: ChainHead | undefined;
  let headStale = true;
  let queue: PendingItem[] = [];
  let queuedEvents = 0;
  // Items of batches refused for not continuing the stored log, in log order; they go back to
  // the front of the queue once every append in flight has settled and the head is reloaded.
  let rechain: PendingItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  let draining = false;
  let closed = false;
  let lastAppendStart = Number.NEGATIVE_INFINITY;
  // Records queued so far (to tell whether an event-loop turn brought any).
  let recordsSeen = 0;
  let inFlight = 0;
  let settleWaiters: Array<() => void> = [];
  // Digests waiting for the drain loop to hand over the (serial) write chain.
  let digestsWaiting = 0;
  // Set while the drain loop waits out minCommitIntervalMs; a full batch cuts the wait short.
  let wakeSpacing: (() => void) | undefined;
  // Set while the drain loop, with nothing queued, waits for a pending append to settle.
  let wakeOnRecord: (() => void) | undefined;
  // Serial chain of every store write.
  let tail: Promise<void> = Promise.resolve();
  const arena = new Utf8Arena();

  function eventsOf(rec: ApiCallRecord): PendingEvent[] {
    const fixedId = rec.eventId;
    const single = eventJsonOf(rec, fixedId ?? randomUuid());
    let newId: () => string = randomUuid;
    if (fixedId !== undefined) {
      let used = false;
      newId = () => (used ? randomUuid() : ((used = true), fixedId));
    }
    return single !== undefined
      ? [{ json: arena.encode(single.json), idx: single.idx }]
      : buildCloudTrailEvents(rec, newId).map((ev) => ({ json: arena.encode(JSON.stringify(ev)), idx: indexFieldsOf(ev, rec.time) }));
  }

  function enqueue(events: PendingEvent[], settles: string | undefined, readOnly: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      queue.push({ events, settles, conflicts: 0, readOnly: readOnly && settles === undefined, resolve, reject });
      queuedEvents += events.length;
      schedule();
    });
  }

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
    if (queuedEvents <= batchMaxSize) {
      const all = queue;
      queue = [];
      queuedEvents = 0;
      return all;
    }
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

  /**
   * The rows of a batch, chained on `h` (which is advanced past them), packed: each event's bytes
   * are copied once into the batch and hashed there.
   */
  function chainRows(h: ChainHead, batch: PendingItem[]): AuditBatch {
    let n = 0;
    let bytes = 0;
    for (const item of batch) {
      for (const e of item.events) {
        n++;
        bytes += e.json.length;
      }
    }
    const out = new AuditBatchBuilder(n, bytes);
    let seq = h.seq;
    let prev = h.hash;
    for (const item of batch) {
      for (const e of item.events) {
        seq++;
        const hash = chainHashInPlace(prev, out.add(seq, e.idx, e.json, prev));
        out.setHash(hash);
        prev = hash;
      }
    }
    const rows = out.finish();
    for (const item of batch) {
      if (item.settles !== undefined) (rows.settles ??= []).push(item.settles);
    }
    h.seq = seq;
    h.hash = prev;
    return rows;
  }

  /** Resolves when an in-flight append settles (or at once when none is in flight). */
  function appendSettled(): Promise<void> {
    if (inFlight === 0) return Promise.resolve();
    return new Promise<void>((r) => settleWaiters.push(r));
  }

  function appendSettledOrRecord(): Promise<void> {
    return new Promise<void>((r) => {
      settleWaiters.push(r);
      wakeOnRecord = r;
    }).finally(() => (wakeOnRecord = undefined));
  }

  function sleepSpacing(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wakeSpacing = () => {
        clearTimeout(t);
        r();
      };
    }).finally(() => (wakeSpacing = undefined));
  }

  // Runs as one serial write task; `draining` is cleared in the same tick as the empty check,
  // so an item queued at any moment is either taken by this loop or starts a new one. It returns
  // only with nothing queued and nothing in flight, or when a digest waits (the digest then runs
  // and starts a new loop), so a digest always sees a settled, committed chain head.
  async function drainLoop(): Promise<void> {
    let lingered = false;
    let spaced = false;
    // When this loop began gathering the next batch with no append in flight.
    let gatherSince: number | undefined;
    for (;;) {
      if (rechain.length > 0 && inFlight === 0) {
        // Nothing of these was written: chain them again, first, on the head as stored now.
        for (const item of rechain) queuedEvents += item.events.length;
        queue = rechain.concat(queue);
        rechain = [];
      }
      if (queue.length === 0 || digestsWaiting > 0) {
        if (queue.length === 0 && !lingered) {
          // Callers released by the previous batch usually record again at once: give them one
          // macrotask turn to join the next batch instead of paying the batch delay timer.
          lingered = true;
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        if (inFlight > 0) {
          // Wake for whichever comes first: an append settling, or a new record (which may then
          // be appended before the pending ones are durable).
          await (digestsWaiting > 0 ? appendSettled() : appendSettledOrRecord());
          lingered = false;
          continue;
        }
        draining = false;
        return;
      }
      // A failed append made the optimistic head wrong: let every append chained on it settle
      // (the store refuses them, as they no longer continue the log), then reload the head.
      if (inFlight >= maxInFlight || (headStale && inFlight > 0)) {
        await appendSettled();
        continue;
      }
      lingered = false;
      if (!spaced && minCommitIntervalMs > 0 && queuedEvents < batchMaxSize) {
        const now = monotonicNow();
        if (inFlight === 0) {
          // Nothing is being committed: gather while records keep coming, for at most the
          // interval. One turn of the event loop reads and handles whatever requests have
          // arrived; a turn that records nothing new means the batch holds every caller there is.
          gatherSince ??= now;
          if (now - gatherSince < minCommitIntervalMs) {
            const seen = recordsSeen;
            await new Promise<void>((r) => setImmediate(r));
            if (recordsSeen === seen) spaced = true;
            continue;
          }
        } else {
          const wait = lastAppendStart + minCommitIntervalMs - now;
          if (wait > 0) {
            await sleepSpacing(Math.ceil(wait));
            // Waited once: go on even if the clock did not move (no livelock on a stopped clock).
            spaced = true;
            continue;
          }
        }
      }
      spaced = false;
      gatherSince = undefined;
      lastAppendStart = monotonicNow();
      const batch = takeBatch();
      let rows: AuditBatch;
      try {
        rows = chainRows(await currentHead(), batch);
      } catch (e) {
        headStale = true;
        for (const item of batch) item.reject(e);
        onError(e);
        continue;
      }
      // Pipelined: the head already counts these rows (optimistically); the next batch is chained
      // on them and may be handed to the store before this one is durable. The store applies
      // appends in order and refuses rows that do not continue the log, so a batch chained on a
      // failed one is refused too — nothing after a gap is ever written.
      inFlight++;
      let appended: Promise<void>;
      try {
        appended = store.appendAudit(rows, { deferSync: batch.every((item) => item.readOnly) });
      } catch (e) {
        appended = Promise.reject(e);
      }
      appended.then(
        () => {
          for (const item of batch) item.resolve();
          appendDone();
        },
        (e: unknown) => {
          headStale = true;
          if (e instanceof AuditConflictError && batch.every((item) => item.conflicts < MAX_RECHAINS)) {
            // Another writer appended first (e.g. the operator CLI on the same database), or a batch
            // before this one failed: this one was not written, so it is chained again.
            for (const item of batch) {
              item.conflicts++;
              rechain.push(item);
            }
          } else {
            for (const item of batch) item.reject(e);
            onError(e);
          }
          appendDone();
        },
      );
    }
  }

  function appendDone(): void {
    inFlight--;
    const waiters = settleWaiters;
    settleWaiters = [];
    for (const w of waiters) w();
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
    recordsSeen++;
    wakeOnRecord?.();
    if (queuedEvents >= batchMaxSize) {
      wakeSpacing?.();
      kick();
    }
    else if (timer === undefined && !draining) {
      // 0: flush once the event loop has handled the I/O at hand (natural group commit).
      timer = batchMaxDelayMs > 0 ? setTimeout(kick, batchMaxDelayMs) : (setImmediate(kick) as unknown as ReturnType<typeof setTimeout>);
    }
  }

  /**
   * A digest over the committed head. Another process may have written to the same log since the
   * head was loaded (the operator CLI appends events and digests of its own): the digest then
   * conflicts; it is written again once, on the head as stored.
   */
  async function writeDigest(): Promise<void> {
    try {
      await writeDigestOnce();
    } catch {
      headStale = true;
      await writeDigestOnce();
    }
  }

  async function writeDigestOnce(): Promise<void> {
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
      // Under continuous load the drain loop hands over once its appends have settled.
      digestsWaiting++;
      enqueueWrite(writeDigest)
        .catch(onError)
        .finally(() => {
          digestsWaiting--;
          if (queue.length > 0) kick();
        });
    }, digestIntervalMs);
    digestTimer.unref();
  }

  async function flushAll(): Promise<void> {
    kick();
    await enqueueWrite(writeDigest);
  }

  return {
    ready: () => readyPromise,

    record(rec: ApiCallRecord, settles?: string): Promise<void> {
      if (closed) return Promise.reject(new Error("audit log is closed"));
      let events: PendingEvent[];
      try {
        events = eventsOf(rec);
      } catch (e) {
        return Promise.reject(e);
      }
      return enqueue(events, settles, rec.readOnly);
    },

    async intend(rec: ApiCallRecord): Promise<string | undefined> {
      if (closed) throw new Error("audit log is closed");
      if (store.stageAuditIntent === undefined) return undefined;
      // What the log shows if the call's own event never comes: the call, its caller and its
      // parameters, answered with the failure the client saw (no answer at all).
      const interrupted: ApiCallRecord = { ...rec, output: undefined, error: { code: "InternalFailure", message: INTERRUPTED_CALL }, eventId: undefined };
      const events = buildCloudTrailEvents(interrupted, randomUuid).map((ev) => ({ json: JSON.stringify(ev), idx: indexFieldsOf(ev, rec.time) }));
      const key = `${String(Math.max(0, Math.floor(rec.time))).padStart(15, "0")}/${rec.requestId}`;
      await store.stageAuditIntent(key, JSON.stringify({ events } satisfies StoredIntent));
      return key;
    },

    async recoverIntents(): Promise<number> {
      if (store.listAuditIntents === undefined) return 0;
      const intents = await store.listAuditIntents();
      const appended: Array<Promise<void>> = [];
      for (const { key, value } of intents) {
        let events: PendingEvent[];
        try {
          const stored = JSON.parse(value) as StoredIntent;
          events = stored.events.map((e) => ({ json: arena.encode(e.json), idx: e.idx }));
        } catch (e) {
          // Left in place: reported, and tried again at the next start.
          onError(new Error(`audit intent ${key} is not readable: ${e instanceof Error ? e.message : String(e)}`));
          continue;
        }
        appended.push(enqueue(events, key, false));
      }
      await Promise.all(appended);
      return appended.length;
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
