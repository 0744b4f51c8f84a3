/**
 * Who attempted which action when: read from the audit log at report time.
 *
 * Why the audit log and nothing else: every call, denied ones included, already becomes a
 * durable CloudTrail event carrying the caller's identity, eventSource, eventName, awsRegion and
 * time, so last-accessed data costs the request path nothing more (no write, no in-memory map
 * to flush). The other last-use records do not fit: access keys' LastUsed is sampled per key
 * (at most one write every few minutes, long-term keys only) and knows no actions, and roles'
 * RoleLastUsed is sampled the same way and knows only the Region. The audit log is append-only and never pruned, so the whole tracking
 * period (AWS: at least 400 days) is there.
 *
 * How it stays cheap: the lookup index carries (account, time, seq, eventName, eventSource,
 * username, accessKeyId), so the scan reads index entries only, in pages with a turn of the
 * event loop between them, keeping the latest entry per (eventSource, eventName, username,
 * accessKeyId). Only then are events read in full: one per distinct caller (username, access
 * key) to learn who it is from the event's userIdentity (an access key belongs to one principal,
 * a session key to one session), and one per latest attempt kept, for its Region.
 */
import type { CloudTrailEvent } from "../../audit/event.js";
import type { AuditActivityRow, AuditRow, AuditStore } from "../../storage/types.js";
import type { Activity, Actor } from "./last-accessed.js";
import { setImmediate as nextTurn } from "node:timers/promises";

const PAGE = 5000;


/** The IAM entity (or root user) behind an event's userIdentity; undefined for anyone else. */
export function actorOf(ev: Pick<CloudTrailEvent, "userIdentity">): Actor | undefined {
  const id = ev.userIdentity;
  switch (id.type) {
    case "IAMUser":
      return id.principalId ? { kind: "user", id: id.principalId } : undefined;
    case "AssumedRole": {
      const issuer = id.sessionContext?.sessionIssuer;
      return issuer && "principalId" in issuer && issuer.type === "Role" ? { kind: "role", id: issuer.principalId } : undefined;
    }
    case "Root":
      return id.accountId ? { kind: "root", accountId: id.accountId } : undefined;
    default:
      return undefined;
  }
}

const actorKey = (a: Actor): string => (a.kind === "root" ? `root/${a.accountId}` : `${a.kind}/${a.id}`);

/**
 * The latest attempt of each actor `wants` at each action, in `accountId`'s log between
 * `startTime` and `endTime`. Callers are told apart by identity, not by name: a renamed user is
 * still the same user, a role session's name says nothing of its role.
 */
export async function readActivity(
  store: AuditStore,
  q: { accountId: string; startTime: number; endTime: number; wants: (a: Actor) => boolean; pageSize?: number },
): Promise<Activity[]> {
  // Latest index entry per (eventSource, eventName, username, accessKeyId): the scan is oldest first.
  const latest = new Map<string, AuditActivityRow>();
  const limit = q.pageSize ?? PAGE;
  let after: { time: number; seq: number } | undefined;
  for (;;) {
    const page = await store.scanAuditActivity({ accountId: q.accountId, startTime: q.startTime, endTime: q.endTime, limit, ...(after ? { after } : {}) });
    for (const r of page) {
      // Failed authentication leaves no user name; another account's copy of a cross-account call no access key.
      if (r.username === "" || r.accessKeyId === "") continue;
      latest.set(`${r.eventSource}\u0000${r.eventName}\u0000${r.username}\u0000${r.accessKeyId}`, r);
    }
    const last = page[page.length - 1];
    if (page.length < limit || !last) break;
    after = { time: last.time, seq: last.seq };
    await nextTurn();
  }

  const rows = new Map<number, AuditRow | undefined>();
  const read = async (seq: number): Promise<AuditRow | undefined> => {
    if (!rows.has(seq)) rows.set(seq, (await store.readAudit(seq, seq))[0]);
    return rows.get(seq);
  };
  const callers = new Map<string, Actor | undefined>();
  const kept = new Map<string, { actor: Actor; row: AuditActivityRow }>();
  for (const r of latest.values()) {
    const caller = `${r.username}\u0000${r.accessKeyId}`;
    if (!callers.has(caller)) {
      const row = await read(r.seq);
      callers.set(caller, row ? actorOf(JSON.parse(row.json) as CloudTrailEvent) : undefined);
    }
    const actor = callers.get(caller);
    if (actor === undefined || !q.wants(actor)) continue;
    // One actor may have called with several keys (or names): keep its latest attempt per action.
    const k = `${actorKey(actor)}\u0000${r.eventSource}\u0000${r.eventName}`;
    const cur = kept.get(k);
    if (!cur || r.time > cur.row.time || (r.time === cur.row.time && r.seq > cur.row.seq)) kept.set(k, { actor, row: r });
  }

  const out: Activity[] = [];
  for (const { actor, row } of kept.values()) {
    const full = await read(row.seq);
    if (!full) continue;
    out.push({ actor, accountId: q.accountId, eventSource: row.eventSource, eventName: row.eventName, time: row.time, seq: row.seq, region: full.region });
  }
  return out;
}
