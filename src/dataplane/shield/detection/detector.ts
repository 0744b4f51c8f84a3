/**
 * Shield Advanced's application-layer detector: a TrafficObserver on every load-balancer
 * listener. It keeps a ResourceDetector per protected resource and a GroupDetector per
 * protection group, closes each second for all of them together (at the first request of the
 * next second, or on the timer when traffic stops): groups judge their members' combined
 * traffic first, then every resource judges its own second, knowing which groups it was
 * affected by. Events are recorded per resource through the AttackRecorder, and automatic
 * mitigations in web ACLs are kept in step with them.
 *
 * Hot path (onRequest): one map lookup, and for protected resources four bounded counter
 * updates; everything that waits (storage, WAFv2) runs on one serial queue off the request
 * path, so requests never wait for it and its steps never overlap.
 *
 * Time comes only from the injected clock; tick() can be driven by hand in tests.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../../core/clock.js";
import type { InspectedRequest, TrafficObserver, WafDecision } from "../../types.js";
import { aggregate, GroupDetector, memberThreshold, type GroupEvent } from "./group-detector.js";
import { MitigationReconciler, type WantedMitigation } from "./mitigations.js";
import { BUCKET_MS, ResourceDetector, snapshotOf, type GroupHits, type LiveAttack, type Transition } from "./resource-detector.js";
import type { DetectionSettings } from "./settings.js";
import type { AttackRecorder, AttackSnapshot, MitigationPort, ProtectedResource, ProtectionGroupSpec } from "./types.js";

export interface ShieldDetectorDeps {
  clock: Clock;
  settings: DetectionSettings;
  recorder: AttackRecorder;
  mitigation: MitigationPort;
  onError?: (e: unknown, what: string) => void;
  /** Event ids (default: random UUIDs). */
  newId?: () => string;
}

function headerValues(headers: ReadonlyArray<[string, string]>): { ua: string | undefined; referrer: string | undefined } {
  let ua: string | undefined;
  let referrer: string | undefined;
  for (const [name, value] of headers) {
    if (name.length === 10 && name.toLowerCase() === "user-agent") ua ??= value;
    else if (name.length === 7 && name.toLowerCase() === "referer") referrer ??= value;
  }
  return { ua, referrer };
}

interface GroupState {
  detector: GroupDetector;
  /** ARBITRARY members (kept in step with the stored group: a resource whose protection is deleted leaves it). */
  arbitrary: Set<string>;
  /** Protected resources in the group right now. */
  members: ResourceDetector[];
}

const groupKey = (accountId: string, id: string): string => `${accountId}/${id}`;

/** Whether a protected resource belongs to a group: same account, and the group's Pattern selects it. */
function isMember(g: GroupState, p: ProtectedResource): boolean {
  const spec = g.detector.spec;
  if (p.accountId !== spec.accountId) return false;
  if (spec.pattern === "ALL") return true;
  if (spec.pattern === "BY_RESOURCE_TYPE") return p.resourceType === spec.resourceType;
  return g.arbitrary.has(p.resourceArn);
}

export class ShieldDetector implements TrafficObserver {
  private readonly resources = new Map<string, ResourceDetector>();
  private readonly groups = new Map<string, GroupState>();
  /** The open second (epoch seconds) of every resource and group; it closes at nextSecondAt. */
  private bucket: number;
  private nextSecondAt: number;
  private readonly reconciler: MitigationReconciler;
  private readonly onError: (e: unknown, what: string) => void;
  private readonly newId: () => string;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastPersist = 0;
  private reconcileQueued = false;
  /** Ended events whose rule was in force when they ended: their record gets removedAt once the rule is gone. */
  private endedMitigated: Array<{ resource: ProtectedResource; attack: LiveAttack }> = [];

  constructor(private readonly deps: ShieldDetectorDeps) {
    this.onError = deps.onError ?? (() => {});
    this.newId = deps.newId ?? randomUUID;
    this.reconciler = new MitigationReconciler(deps.mitigation, this.onError);
    this.bucket = Math.floor(deps.clock.now() / BUCKET_MS);
    this.nextSecondAt = (this.bucket + 1) * BUCKET_MS;
  }

  // TrafficObserver
  onRequest(lbArn: string, req: InspectedRequest, _decision: WafDecision | undefined, _status: number, _durationMs: number): void {
    const r = this.resources.get(lbArn);
    if (!r) return;
    const now = this.deps.clock.now();
    if (now >= this.nextSecondAt) this.advance(now);
    const { ua, referrer } = headerValues(req.headers);
    r.record(req.clientIp, req.path, ua, referrer);
  }

  /** Adds a protected resource or updates its settings (automatic response). */
  setProtection(p: ProtectedResource): void {
    const cur = this.resources.get(p.resourceArn);
    if (cur) {
      const changed = cur.resource.autoResponse?.action !== p.autoResponse?.action;
      cur.resource = { ...p };
      if (changed && cur.attack) this.queueReconcile();
      return;
    }
    // Seconds already over are closed first, so the new resource starts with the open one.
    this.advance(this.deps.clock.now());
    const r = new ResourceDetector({ ...p }, this.deps.settings, this.newId);
    this.resources.set(p.resourceArn, r);
    // ALL and BY_RESOURCE_TYPE groups take in newly protected resources at once.
    for (const g of this.groups.values()) if (isMember(g, p)) g.members.push(r);
  }

  /** Stops watching a resource; an ongoing event on it ends now. */
  removeProtection(resourceArn: string): void {
    const r = this.resources.get(resourceArn);
    if (!r) return;
    this.advance(this.deps.clock.now());
    this.resources.delete(resourceArn);
    for (const g of this.groups.values()) {
      if (g.detector.spec.accountId !== r.resource.accountId) continue;
      g.arbitrary.delete(resourceArn);
      g.members = g.members.filter((m) => m !== r);
    }
    const ended = r.endNow();
    if (ended) this.handle(r, [{ kind: "ended", attack: ended }]);
  }

  /** Adds a protection group or replaces its specification (a new Aggregation starts a new baseline). */
  setProtectionGroup(spec: ProtectionGroupSpec): void {
    const key = groupKey(spec.accountId, spec.protectionGroupId);
    const copy: ProtectionGroupSpec = { ...spec, ...(spec.members ? { members: [...spec.members] } : {}) };
    const arbitrary = new Set(spec.pattern === "ARBITRARY" ? (spec.members ?? []) : []);
    this.advance(this.deps.clock.now());
    let g = this.groups.get(key);
    if (g && g.detector.spec.aggregation === spec.aggregation) {
      g.detector.spec = copy;
      g.arbitrary = arbitrary;
    } else {
      g = { detector: new GroupDetector(copy, this.deps.settings), arbitrary, members: [] };
      this.groups.set(key, g);
    }
    const members: ResourceDetector[] = [];
    for (const r of this.resources.values()) if (isMember(g, r.resource)) members.push(r);
    g.members = members;
  }

  removeProtectionGroup(accountId: string, protectionGroupId: string): void {
    this.advance(this.deps.clock.now());
    this.groups.delete(groupKey(accountId, protectionGroupId));
  }

  /** The protected resources a group combines right now (ARNs, sorted). */
  groupMembers(accountId: string, protectionGroupId: string): string[] {
    return (this.groups.get(groupKey(accountId, protectionGroupId))?.members ?? []).map((m) => m.resource.resourceArn).sort();
  }

  /** A group's ongoing event (combined traffic), if any. */
  ongoingGroupEvent(accountId: string, protectionGroupId: string): GroupEvent | undefined {
    const e = this.groups.get(groupKey(accountId, protectionGroupId))?.detector.event;
    return e ? { ...e, requests: { ...e.requests } } : undefined;
  }

  /** Closes every second that ended at or before `now`, for all groups and resources together. */
  private advance(now: number): void {
    const target = Math.floor(now / BUCKET_MS);
    if (target <= this.bucket) return;
    // After this many empty seconds every baseline holds only zeros and every event has
    // ended, so a long idle gap is skipped instead of walked.
    const s = this.deps.settings;
    const maxSteps = s.baselineSeconds + s.cooldownSeconds + s.sustainSeconds + 1;
    for (let steps = 0; this.bucket < target; steps++) {
      if (steps >= maxSteps) {
        this.bucket = target;
        break;
      }
      this.closeSecond(this.bucket * BUCKET_MS);
      this.bucket++;
    }
    this.nextSecondAt = (this.bucket + 1) * BUCKET_MS;
  }

  private closeSecond(start: number): void {
    let hits: Map<ResourceDetector, GroupHits> | undefined;
    for (const g of this.groups.values()) {
      const spec = g.detector.spec;
      const counts = g.members.map((m) => m.requests);
      const verdict = g.detector.close(start, aggregate(spec.aggregation, counts));
      if (!verdict.loud) continue;
      const share = memberThreshold(spec.aggregation, verdict.threshold, counts.length);
      g.members.forEach((m, i) => {
        if ((counts[i] as number) <= share) return;
        hits ??= new Map();
        let h = hits.get(m);
        if (!h) hits.set(m, (h = { ids: [], inEvent: false }));
        h.ids.push(spec.protectionGroupId);
        if (verdict.inEvent) h.inEvent = true;
      });
    }
    for (const r of this.resources.values()) {
      const t = r.close(start, hits?.get(r));
      if (t) this.handle(r, [t]);
    }
  }

  /** Closes finished seconds of every resource; persists ongoing events now and then. */
  tick(): void {
    const now = this.deps.clock.now();
    this.advance(now);
    if (now - this.lastPersist >= this.deps.settings.persistSeconds * 1000) {
      this.lastPersist = now;
      const ongoing = [...this.resources.values()].filter((r) => r.attack !== undefined);
      if (ongoing.length > 0) {
        for (const r of ongoing) this.persist(r.resource, r.attack as LiveAttack);
        // Retries failed calls and picks up web ACLs associated since the event began.
        this.queueReconcile();
      }
    }
  }

  /** Watches the protections and groups; ends events left open by a previous run (at their last evaluated second) and removes their rules; then starts the timer. */
  async start(protections: readonly ProtectedResource[], groups: readonly ProtectionGroupSpec[] = []): Promise<void> {
    for (const p of protections) this.setProtection(p);
    for (const g of groups) this.setProtectionGroup(g);
    const open = await this.deps.recorder.openAttacks();
    const cleared = new Set<string>();
    for (const a of open) {
      const ended: AttackSnapshot = { ...a, endTime: a.lastSeenAt };
      const m = a.mitigation;
      if (m && m.removedAt === undefined) {
        if (!cleared.has(m.webAclArn)) {
          cleared.add(m.webAclArn);
          try {
            await this.deps.mitigation.applyMitigation(m.webAclArn, undefined);
          } catch (e) {
            this.onError(e, "mitigation removal");
          }
        }
        ended.mitigation = { ...m, removedAt: this.deps.clock.now() };
      }
      await this.deps.recorder.save(ended);
    }
    this.timer ??= setInterval(() => this.tick(), this.deps.settings.tickMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for queued work. Ongoing events stay open (start() closes them). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves when every queued storage and WAFv2 step has run. */
  async idle(): Promise<void> {
    for (;;) {
      const q = this.queue;
      await q;
      if (q === this.queue) return;
    }
  }

  /** The ongoing event of a resource, if any (read-only view for tests and metrics). */
  ongoing(resourceArn: string): AttackSnapshot | undefined {
    const r = this.resources.get(resourceArn);
    return r?.attack ? snapshotOf(r.resource, r.attack) : undefined;
  }

  /** Web ACLs that carry a Shield rule right now. */
  mitigatedWebAcls(): string[] {
    return this.reconciler.appliedWebAcls();
  }

  private handle(r: ResourceDetector, transitions: readonly Transition[]): void {
    const resource = { ...r.resource };
    for (const t of transitions) {
      this.persist(resource, t.attack);
      const m = t.attack.mitigation;
      if (t.kind === "ended" && m && m.removedAt === undefined) this.endedMitigated.push({ resource, attack: t.attack });
    }
    this.queueReconcile();
  }

  private enqueue(what: string, fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((e: unknown) => this.onError(e, what));
  }

  /** Saves the event as it is when the step runs, so a queued save never writes stale state over a newer one. */
  private persist(resource: ProtectedResource, a: LiveAttack): void {
    this.enqueue("attack record", () => this.deps.recorder.save(snapshotOf(resource, a)));
  }

  private queueReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    this.enqueue("mitigation", async () => {
      this.reconcileQueued = false;
      const wanted: WantedMitigation[] = [];
      const live = new Map<string, ResourceDetector>();
      for (const r of this.resources.values()) {
        const a = r.attack;
        if (!a) continue;
        live.set(r.resource.resourceArn, r);
        // Group findings alone never bring an automatic mitigation (Shield applies them per resource).
        const action = a.ownDetected ? r.resource.autoResponse?.action : undefined;
        if (action) wanted.push({ resourceArn: r.resource.resourceArn, action, limit: a.ruleLimit });
      }
      const applied = await this.reconciler.reconcile(wanted);
      const now = this.deps.clock.now();
      for (const [arn, r] of live) {
        const a = r.attack as LiveAttack;
        const m = applied.get(arn);
        const prev = a.mitigation;
        if (m && (prev === undefined || prev.removedAt !== undefined || prev.name !== m.name || prev.action !== m.action || prev.limit !== m.limit)) {
          a.mitigation = { name: m.name, webAclArn: m.webAclArn, action: m.action, limit: m.limit, appliedAt: now };
          await this.deps.recorder.save(snapshotOf(r.resource, a));
        } else if (!m && prev !== undefined && prev.removedAt === undefined) {
          a.mitigation = { ...prev, removedAt: now };
          await this.deps.recorder.save(snapshotOf(r.resource, a));
        }
      }
      await this.markEndedMitigations();
    });
  }

  /** Ended events whose web ACL no longer carries a Shield rule: their mitigation is recorded as removed. */
  private async markEndedMitigations(): Promise<void> {
    if (this.endedMitigated.length === 0) return;
    const still = new Set(this.reconciler.appliedWebAcls());
    const keep: Array<{ resource: ProtectedResource; attack: LiveAttack }> = [];
    for (const e of this.endedMitigated) {
      const m = e.attack.mitigation;
      if (!m || m.removedAt !== undefined) continue;
      // Still in force (another attacked resource shares the web ACL, or the removal failed and is retried).
      if (still.has(m.webAclArn)) {
        keep.push(e);
        continue;
      }
      e.attack.mitigation = { ...m, removedAt: this.deps.clock.now() };
      await this.deps.recorder.save(snapshotOf(e.resource, e.attack));
    }
    this.endedMitigated = keep;
  }
}
