/**
 * Offline verification of the audit log: recomputes every row hash, follows the prevHash links,
 * checks seq continuity, the index columns against the event JSON, and every signed digest.
 *
 * Rows are read in chunks and analysed in a sliding window (±window rows) so memory stays
 * bounded; tampering that moves rows farther than the window is still detected, but may be
 * classified as "removed"/"chain-broken" rather than "reordered"/"inserted".
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { AuditDigestRow, AuditPruneRow, AuditRow, AuditStore } from "../storage/types.js";
import { chainHash, digestHash, GENESIS_HASH, type DigestContent } from "./chain.js";
import { indexFieldsOf, isoSeconds, type CloudTrailEvent } from "./event.js";
import type { PruneContent } from "./retention.js";

export type ProblemKind =
  | "edited"
  | "removed"
  | "inserted"
  | "reordered"
  | "bad-digest-signature"
  | "digest-mismatch"
  | "chain-broken"
  | "unsealed"
  | "bad-prune-record"
  /** The key the log was checked with is not the one pinned by the operator (`audit verify --public-key/--fingerprint`). */
  | "public-key-mismatch";

export interface VerifyProblem {
  seq?: number;
  digest?: number;
  /** A prune record (retention.ts). */
  prune?: number;
  kind: ProblemKind;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  digests: number;
  problems: VerifyProblem[];
  /** Informational, not problems (e.g. events not yet covered by a digest). */
  notes: string[];
  /**
   * The newest digest, when the whole log verified: `<digest>:<hash>` kept outside the data
   * directory and given back as the `checkpoint` option later proves the log still reaches it.
   */
  checkpoint?: Checkpoint & { toSeq: number; time: string };
}

/** A signed digest by number and the SHA-256 of its JSON (digestHash): a point the log must still reach. */
export interface Checkpoint {
  digest: number;
  hash: string;
}

/** `<digest>:<64 hex digits>` as verify prints it; undefined when malformed. */
export function parseCheckpoint(text: string): Checkpoint | undefined {
  const m = /^([1-9]\d{0,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m) return undefined;
  const digest = Number(m[1]);
  return Number.isSafeInteger(digest) ? { digest, hash: m[2]!.toLowerCase() } : undefined;
}

export function formatCheckpoint(c: Checkpoint): string {
  return `${c.digest}:${c.hash}`;
}

export interface VerifyOptions {
  chunkSize?: number;
  window?: number;
  /**
   * The time of the check and the longest a running server leaves an event without a signed
   * digest (its digest interval, plus slack): events past the last digest that are older than
   * that are a problem ("unsealed"), not a note. Without them, any uncovered tail is a note.
   */
  now?: number;
  maxUnsealedMs?: number;
  /**
   * A digest seen by an earlier verification (its `checkpoint`): the log must still hold it,
   * unchanged. Without an anchor kept elsewhere, a log cut back to an earlier digest, events and
   * digests together, is indistinguishable from one that simply ended there.
   */
  checkpoint?: Checkpoint;
}

interface Entry {
  row: AuditRow;
  pos: number;
  contentOk: boolean;
  indexProblem: string | undefined;
  flagged: boolean;
}

/** Why the row's index columns disagree with its JSON, or undefined when they agree. */
function indexProblemOf(row: AuditRow): string | undefined {
  let ev: CloudTrailEvent;
  try {
    ev = JSON.parse(row.json) as CloudTrailEvent;
  } catch {
    return "event JSON does not parse";
  }
  if (typeof ev !== "object" || ev === null || typeof ev.userIdentity !== "object" || ev.userIdentity === null) return "event JSON is not a CloudTrail event";
  const want = indexFieldsOf(ev, row.time);
  const bad: string[] = [];
  for (const k of ["accountId", "region", "eventId", "eventName", "eventSource", "username", "accessKeyId", "readOnly", "resourceNames", "resourceTypes"] as const) {
    if (row[k] !== want[k]) bad.push(k);
  }
  if (isoSeconds(row.time) !== ev.eventTime) bad.push("time");
  return bad.length > 0 ? `index columns disagree with the event JSON: ${bad.join(", ")}` : undefined;
}

/**
 * Rows fromSeq..maxSeq in seq order, `chunk` seqs per read. From `denseFrom` on the log has no
 * gaps: there, after an empty read, the next one spans twice as many seqs, so a row planted at a
 * huge seq is reached in a few dozen reads (a gap holds no rows, so a read holds at most about as
 * many rows as the gap before it has seqs).
 */
async function* readRows(store: AuditStore, fromSeq: number, maxSeq: number, chunk: number, denseFrom: number): AsyncGenerator<AuditRow> {
  let from = fromSeq;
  let span = chunk;
  while (from <= maxSeq) {
    const to = Math.min(maxSeq, from + span - 1);
    const rows = await store.readAudit(from, to);
    for (const r of rows) yield r;
    span = rows.length === 0 && from >= denseFrom ? span * 2 : chunk;
    from = to + 1;
  }
}

function verifySignature(key: KeyObject, d: AuditDigestRow | AuditPruneRow): boolean {
  try {
    return cryptoVerify("sha256", Buffer.from(d.json, "utf8"), key, Buffer.from(d.signature, "base64"));
  } catch {
    return false;
  }
}

export async function verifyAudit(store: AuditStore, publicKeyPem: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const chunk = Math.max(1, opts.chunkSize ?? 1000);
  const W = Math.max(2, opts.window ?? 1024);
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const key = createPublicKey(publicKeyPem);

  // ---- digests: signatures and their own chain ----
  const digests = (await store.listDigests()).sort((a, b) => a.seq - b.seq);
  const contents = new Map<number, DigestContent>();
  let prevD: AuditDigestRow | undefined;
  let prevC: DigestContent | undefined;
  for (const d of digests) {
    const gap = d.seq !== (prevD?.seq ?? 0) + 1;
    if (gap) {
      const first = (prevD?.seq ?? 0) + 1;
      problems.push({ digest: first, kind: "removed", detail: first === d.seq - 1 ? `digest ${first} missing` : `digests ${first}..${d.seq - 1} missing` });
    }
    if (!verifySignature(key, d)) {
      problems.push({ digest: d.seq, kind: "bad-digest-signature", detail: "digest signature does not verify with the audit public key" });
      prevD = d;
      prevC = undefined;
      continue;
    }
    let c: DigestContent;
    try {
      c = JSON.parse(d.json) as DigestContent;
    } catch {
      problems.push({ digest: d.seq, kind: "digest-mismatch", detail: "digest JSON does not parse" });
      prevD = d;
      prevC = undefined;
      continue;
    }
    const bad: string[] = [];
    if (c.fromSeq !== d.fromSeq || c.toSeq !== d.toSeq) bad.push("row fromSeq/toSeq differ from the signed range");
    if (!gap) {
      const wantFrom = (prevC?.toSeq ?? prevD?.toSeq ?? 0) + 1;
      if (c.fromSeq !== wantFrom) bad.push(`fromSeq ${c.fromSeq} does not follow the previous digest (expected ${wantFrom})`);
      if ((c.previousDigestHash ?? null) !== (prevD ? digestHash(prevD.json) : null)) bad.push("previousDigestHash does not match the previous digest");
      if ((c.previousDigestSignature ?? null) !== (prevD?.signature ?? null)) bad.push("previousDigestSignature does not match the previous digest");
    }
    if (bad.length > 0) problems.push({ digest: d.seq, kind: "digest-mismatch", detail: bad.join("; ") });
    contents.set(d.seq, c);
    prevD = d;
    prevC = c;
  }
  if (opts.checkpoint !== undefined) {
    const cp = opts.checkpoint;
    const d = digests.find((x) => x.seq === cp.digest);
    if (d === undefined) {
      const last = digests.at(-1)?.seq ?? 0;
      problems.push({
        digest: cp.digest,
        kind: "removed",
        detail: `digest ${cp.digest}, the checkpoint given, is not in the log${last < cp.digest ? ` (its last digest is ${last}): the log was cut back, events and digests together` : ""}`,
      });
    } else if (digestHash(d.json) !== cp.hash) {
      problems.push({ digest: cp.digest, kind: "digest-mismatch", detail: `digest ${cp.digest} is not the one the checkpoint names: it was replaced` });
    }
  }
  // ---- prune records: the newest valid one says where the stored chain starts ----
  let start: { seq: number; hash: string; at: string } | undefined;
  for (const p of (await store.listAuditPrunes()).sort((a, b) => a.seq - b.seq)) {
    const bad = (detail: string): void => void problems.push({ prune: p.seq, kind: "bad-prune-record", detail });
    if (!verifySignature(key, p)) {
      bad("prune record signature does not verify with the audit public key");
      continue;
    }
    let c: PruneContent;
    try {
      c = JSON.parse(p.json) as PruneContent;
    } catch {
      bad("prune record JSON does not parse");
      continue;
    }
    const d = contents.get(c.digestSeq);
    if (c.prunedThroughSeq !== p.throughSeq || !Number.isSafeInteger(c.prunedThroughSeq) || c.prunedThroughSeq < 1) bad("row throughSeq differs from the signed one");
    else if (d === undefined || d.toSeq !== c.prunedThroughSeq || d.lastHash !== c.prunedThroughHash) {
      bad(`the digest it names (${c.digestSeq}) did not sign event ${c.prunedThroughSeq} with that hash`);
    } else if (!(Date.parse(d.digestEndTime) <= Date.parse(c.before))) {
      // Retention takes only periods signed before its cutoff: a server steered by an edited column.
      bad(`the digest it names (${c.digestSeq}) was signed at ${d.digestEndTime}, after the record's cutoff ${c.before}`);
    } else if (start === undefined || c.prunedThroughSeq > start.seq) start = { seq: c.prunedThroughSeq, hash: c.prunedThroughHash, at: c.prunedAt };
  }
  const firstSeq = (start?.seq ?? 0) + 1;
  const firstPrevHash = start?.hash ?? GENESIS_HASH;

  // Seqs start at 1: a row below is never read by the walk, yet LookupEvents would serve it.
  for (const r of await store.readAudit(Number.MIN_SAFE_INTEGER, 0)) {
    problems.push({ seq: r.seq, kind: "inserted", detail: "row with a seq below 1: the log starts at 1" });
  }

  // toSeq → digests that signed the chain head at that seq
  const headAt = new Map<number, Array<{ seq: number; lastHash: string }>>();
  for (const [seq, c] of contents) {
    const list = headAt.get(c.toSeq) ?? [];
    list.push({ seq, lastHash: c.lastHash });
    headAt.set(c.toSeq, list);
  }
  const seenHeads = new Set<number>();

  // ---- rows: hash chain in a sliding window ----
  const maxSeq = (await store.lastAudit())?.seq ?? 0;
  const buf: Entry[] = []; // buf[k] has pos = base + k
  let base = 0;
  const hashPos = new Map<string, number>(); // row hash → pos (within window)
  const refMin = new Map<string, number>(); // prevHash → smallest pos of a row linking to it
  const skipped = new Set<number>(); // pos skipped over by a later row's backward link
  let events = 0;
  let nextToProcess = 0;
  let loaded = 0;
  /**
   * Seq of the first row checked. Rows a prune record covers may remain (a prune cut short); they
   * are served by LookupEvents, so they are checked too: from the first one on (its predecessors
   * are gone), chained up to the pruned-through row, whose hash the named digest signed.
   */
  let from = firstSeq;

  const at = (pos: number): Entry | undefined => (pos >= base ? buf[pos - base] : undefined);

  const load = (row: AuditRow): void => {
    const pos = loaded++;
    const e: Entry = { row, pos, contentOk: chainHash(row.prevHash, row.json) === row.hash, indexProblem: undefined, flagged: false };
    if (e.contentOk) e.indexProblem = indexProblemOf(row);
    buf.push(e);
    if (!hashPos.has(row.hash)) hashPos.set(row.hash, pos);
    const r = refMin.get(row.prevHash);
    if (r === undefined || pos < r) refMin.set(row.prevHash, pos);
    const p = hashPos.get(row.prevHash);
    if (p !== undefined && p < pos - 1) for (let k = p + 1; k < pos; k++) skipped.add(k);
  };

  const evict = (): void => {
    while (base < nextToProcess - W) {
      const e = buf.shift()!;
      if (hashPos.get(e.row.hash) === e.pos) hashPos.delete(e.row.hash);
      if (refMin.get(e.row.prevHash) === e.pos) refMin.delete(e.row.prevHash);
      skipped.delete(e.pos);
      base++;
    }
  };

  const analyse = (i: number): void => {
    const e = at(i)!;
    const prev = at(i - 1);
    const row = e.row;
    const seq = row.seq;
    const prevSeq = i === 0 ? from - 1 : (prev?.row.seq ?? seq - 1);
    const heads = headAt.get(seq);
    if (heads) {
      seenHeads.add(seq);
      for (const h of heads) {
        if (h.lastHash !== row.hash) problems.push({ digest: h.seq, kind: "digest-mismatch", detail: `digest lastHash does not match the hash of row ${seq}` });
      }
    }
    let problem: VerifyProblem | undefined;
    const ref = refMin.get(row.hash);
    const p = hashPos.get(row.prevHash);
    const linked = i === 0 ? from < firstSeq || row.prevHash === firstPrevHash : prev !== undefined && row.prevHash === prev.row.hash;
    if (!e.contentOk) problem = { seq, kind: "edited", detail: "row content does not match its hash" };
    else if (e.indexProblem) problem = { seq, kind: "edited", detail: e.indexProblem };
    else if (seq !== prevSeq + 1) {
      problem = { seq: prevSeq + 1, kind: "removed", detail: seq - prevSeq === 2 ? `row ${prevSeq + 1} missing` : `rows ${prevSeq + 1}..${seq - 1} missing` };
    } else if ((p !== undefined && p > i) || (ref !== undefined && ref < i)) {
      // It links to a row after it, or a row before it links to it: moved.
      problem = { seq, kind: "reordered", detail: "row is out of order relative to the rows it links with" };
    } else if (skipped.has(i)) {
      // A later row links back past it and nothing before it links to it: not part of the chain.
      problem = { seq, kind: "inserted", detail: "no row links to this row; its successor links to the row before it" };
    } else if (linked) {
      problem = undefined;
    } else if (p !== undefined && p < i - 1 && allFlagged(p + 1, i - 1)) {
      problem = undefined; // its real predecessor is intact; the rows between were reported
    } else if (p === undefined) {
      problem = {
        seq,
        kind: "removed",
        detail:
          i === 0
            ? start === undefined
              ? "first row does not link to the genesis hash: earlier rows removed"
              : "first row after the pruned events does not link to the last pruned event"
            : "prevHash matches no row: its predecessor was removed (later rows renumbered) or replaced",
      };
    } else {
      problem = { seq, kind: "chain-broken", detail: "prevHash does not link to the previous row" };
    }
    if (problem) {
      e.flagged = true;
      problems.push(problem);
    }
  };

  const allFlagged = (from: number, to: number): boolean => {
    for (let k = from; k <= to; k++) if (!at(k)?.flagged) return false;
    return true;
  };

  for await (const row of readRows(store, 1, maxSeq, chunk, firstSeq)) {
    if (loaded === 0 && row.seq < firstSeq) from = row.seq;
    events++;
    load(row);
    while (nextToProcess < loaded - W) {
      analyse(nextToProcess++);
      evict();
    }
  }
  while (nextToProcess < loaded) {
    analyse(nextToProcess++);
    evict();
  }

  // ---- digests against the chain ----
  if (start !== undefined) notes.push(`events 1..${from - 1} were deleted under a signed prune record (${start.at}); the chain is checked from event ${from}`);
  const lastRowSeq = loaded === 0 ? firstSeq - 1 : (at(loaded - 1)?.row.seq ?? maxSeq);
  for (const [toSeq, list] of headAt) {
    if (seenHeads.has(toSeq) || toSeq < from) continue; // pruned rows: checked through the prune record
    // A missing row inside the chain was already reported by the walk; a missing tail was not.
    if (toSeq > lastRowSeq) {
      for (const h of list) problems.push({ seq: toSeq, digest: h.seq, kind: "removed", detail: `rows ${lastRowSeq + 1}..${toSeq} covered by digest ${h.seq} are missing` });
    }
  }
  let covered = 0;
  for (const c of contents.values()) if (typeof c.toSeq === "number" && c.toSeq > covered) covered = c.toSeq;
  if (lastRowSeq > covered) {
    // Chained but unsigned: anyone who can write the database can recompute the chain, so an
    // old unsigned tail means its digests were removed (or the server stopped without sealing).
    const oldest = opts.now !== undefined && opts.maxUnsealedMs !== undefined ? (await store.readAudit(covered + 1, covered + 1))[0] : undefined;
    if (oldest !== undefined && opts.now! - oldest.time > opts.maxUnsealedMs!) {
      problems.push({
        seq: covered + 1,
        kind: "unsealed",
        detail: `events ${covered + 1}..${lastRowSeq} are not covered by a signed digest although the oldest is ${Math.round((opts.now! - oldest.time) / 60_000)} min old: digests were removed, or the server stopped before sealing them (start it once, then verify again)`,
      });
    } else notes.push(`events ${covered + 1}..${lastRowSeq} are not yet covered by a digest`);
  }

  // Only a log that verified gives a checkpoint: one taken from a tampered log would vouch for it.
  let checkpoint: VerifyReport["checkpoint"];
  const newest = digests.at(-1);
  const newestContent = newest !== undefined ? contents.get(newest.seq) : undefined;
  if (problems.length === 0 && newest !== undefined && newestContent !== undefined) {
    checkpoint = { digest: newest.seq, hash: digestHash(newest.json), toSeq: newestContent.toSeq, time: newestContent.digestEndTime };
  }
  problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || (a.digest ?? 0) - (b.digest ?? 0));
  return { ok: problems.length === 0, events, digests: digests.length, problems, notes, ...(checkpoint !== undefined ? { checkpoint } : {}) };
}
