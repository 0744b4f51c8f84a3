/**
 * Retention of the audit log: deleting its oldest events without making the log unverifiable.
 *
 * Events can only go in whole digest periods. A prune picks the newest signed digest whose
 * signing time is at or before the cutoff (so every event it covers is older than the cutoff),
 * never the one covering the newest event (the chain head stays in the table), and appends a
 * prune record signed with the digest key:
 *
 *   { prunedThroughSeq, prunedThroughHash, digestSeq, digestEndTime, before, prunedAt,
 *     signatureAlgorithm, publicKeyFingerprint }
 *
 * prunedThroughHash is the digest's signed lastHash, so `verifyAudit` starts the chain at event
 * prunedThroughSeq + 1 with that hash as its predecessor, and checks the record's signature and
 * that the digest it names signed that very hash (the digest is found by its columns, but only its
 * signed content is used: one that disagrees stops the prune). Rows up to prunedThroughSeq are then deleted in
 * slices (the store refuses to delete any row no prune record covers). A prune cut short (crash,
 * shutdown) leaves some covered rows behind; the next prune deletes them.
 *
 * Anyone who can write the database can delete rows, but not sign a prune record: rows missing
 * without one are reported as removed, as before.
 */
import { verify as cryptoVerify } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Clock } from "../core/clock.js";
import { AuditConflictError, type AuditDigestRow, type AuditPruneRow, type AuditStore } from "../storage/types.js";
import type { DigestContent } from "./chain.js";
import { publicKeyFingerprint, type DigestSigner } from "./digest-key.js";
import { isoSeconds } from "./event.js";

export interface PruneContent {
  prunedThroughSeq: number;
  prunedThroughHash: string;
  digestSeq: number;
  digestEndTime: string;
  /** The cutoff asked for: every pruned event is older. */
  before: string;
  prunedAt: string;
  signatureAlgorithm: string;
  publicKeyFingerprint: string;
}

export interface PruneResult {
  /** Events up to this seq are gone (0: nothing could be pruned). */
  throughSeq: number;
  /** Rows deleted by this call (including leftovers of an earlier prune cut short). */
  deleted: number;
  /** The prune record written, or undefined when an earlier one already covered the range. */
  record?: AuditPruneRow;
}

export interface PruneOptions {
  /** Rows deleted per transaction (default 1,000: ~5 ms of a synchronous statement); other work runs between slices. */
  sliceRows?: number;
  /** Stop deleting (the record stays; the next prune continues) when this returns true. */
  stopped?: () => boolean;
}

/** The highest prunedThroughSeq of the stored prune records (0 when none). */
export function prunedThrough(prunes: readonly AuditPruneRow[]): number {
  return prunes.reduce((m, p) => Math.max(m, p.throughSeq), 0);
}

/**
 * Deletes the events of every whole digest period signed at or before `beforeMs` (see above).
 * Returns what was pruned; throughSeq 0 when no digest period qualifies.
 */
export async function pruneAudit(store: AuditStore, signer: DigestSigner, nowMs: number, beforeMs: number, opts: PruneOptions = {}): Promise<PruneResult> {
  // Another process (the server and `bulwark audit prune`) may append a prune record first: the
  // choice is then made again over what is stored.
  for (let attempt = 1; ; attempt++) {
    try {
      return await pruneOnce(store, signer, nowMs, beforeMs, opts);
    } catch (e) {
      if (!(e instanceof AuditConflictError) || attempt >= 3) throw e;
    }
  }
}

async function pruneOnce(store: AuditStore, signer: DigestSigner, nowMs: number, beforeMs: number, opts: PruneOptions): Promise<PruneResult> {
  const slice = opts.sliceRows ?? 1_000;
  const prunes = await store.listAuditPrunes();
  let through = prunedThrough(prunes);
  let record: AuditPruneRow | undefined;
  const head = await store.lastAudit();
  const digest = head === undefined ? undefined : await store.digestBefore(beforeMs, head.seq);
  if (digest !== undefined && digest.toSeq > through) {
    const d = signedContent(digest, signer.publicKeyPem);
    // The row's time and to_seq columns only found it: what is pruned is what the digest signed.
    if (d === undefined || d.toSeq !== digest.toSeq || !(Date.parse(d.digestEndTime) <= beforeMs) || !(d.toSeq < head!.seq)) {
      throw new Error(`audit digest ${digest.seq} does not match its signed content (the database was altered; see bulwark audit verify): nothing was pruned`);
    }
    const content: PruneContent = {
      prunedThroughSeq: digest.toSeq,
      prunedThroughHash: d.lastHash,
      digestSeq: digest.seq,
      digestEndTime: d.digestEndTime,
      before: isoSeconds(beforeMs),
      prunedAt: isoSeconds(nowMs),
      signatureAlgorithm: signer.algorithm,
      publicKeyFingerprint: publicKeyFingerprint(signer.publicKeyPem),
    };
    const json = JSON.stringify(content);
    record = {
      seq: (prunes[prunes.length - 1]?.seq ?? 0) + 1,
      time: nowMs,
      throughSeq: digest.toSeq,
      json,
      signature: signer.sign(Buffer.from(json, "utf8")).toString("base64"),
    };
    await store.appendAuditPrune(record);
    through = digest.toSeq;
  }
  let deleted = 0;
  if (through > 0) {
    for (;;) {
      if (opts.stopped?.()) break;
      const n = await store.deleteAuditThrough(through, slice);
      deleted += n;
      if (n < slice) break;
      await yieldToLoop();
    }
  }
  return record === undefined ? { throughSeq: through, deleted } : { throughSeq: through, deleted, record };
}

/** The digest's content when its signature verifies with the digest key, else undefined. */
function signedContent(digest: AuditDigestRow, publicKeyPem: string): DigestContent | undefined {
  try {
    if (!cryptoVerify("sha256", Buffer.from(digest.json, "utf8"), publicKeyPem, Buffer.from(digest.signature, "base64"))) return undefined;
    return JSON.parse(digest.json) as DigestContent;
  } catch {
    return undefined;
  }
}

export interface RetentionDeps {
  store: AuditStore;
  signer: DigestSigner;
  clock: Clock;
  /** Events older than this many days are pruned (whole digest periods). */
  days: number;
  /** How often to prune (default hourly); the first run starts at once. */
  intervalMs?: number;
  onPruned?: (r: PruneResult) => void;
  onError?: (e: unknown) => void;
}

/** Prunes the audit log now and then periodically, until stop() (which waits for a run in progress to end its slice). */
export function startAuditRetention(deps: RetentionDeps): { stop(): Promise<void> } {
  const dayMs = 86_400_000;
  let stopped = false;
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (stopped || running !== undefined) return;
    const now = deps.clock.now();
    running = pruneAudit(deps.store, deps.signer, now, now - deps.days * dayMs, { stopped: () => stopped })
      .then((r) => {
        if (r.record !== undefined || r.deleted > 0) deps.onPruned?.(r);
      }, deps.onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, deps.intervalMs ?? 3_600_000);
  timer.unref();
  run();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
