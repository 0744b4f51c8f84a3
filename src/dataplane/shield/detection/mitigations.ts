/**
 * Keeps Shield's rules in web ACLs equal to what ongoing events ask for.
 *
 * Each call to reconcile() receives the wanted mitigations (resources under attack whose
 * protection has automatic response enabled) and brings every web ACL to that state: one
 * Shield rule per web ACL while any of its resources needs one, none otherwise. A web ACL
 * shared by several attacked resources gets the strictest rule (the smallest limit; Block
 * if any of them asks for Block), since a rule in a web ACL applies to all its resources.
 * A rule is put or removed only when the wanted state differs from the applied one, so each
 * is applied once and removed once however often reconcile() runs; a failed call is retried
 * at the next reconcile(). Calls must not overlap (the detector serialises them).
 */
import { buildMitigationRule } from "./mitigation-rule.js";
import type { MitigationPort, ResponseActionKind } from "./types.js";

export interface WantedMitigation {
  resourceArn: string;
  action: ResponseActionKind;
  limit: number;
}

export interface AppliedMitigation {
  name: string;
  webAclArn: string;
  action: ResponseActionKind;
  limit: number;
}

export class MitigationReconciler {
  /** Web ACL ARN → the rule currently in it ("ACTION:limit"). */
  private readonly applied = new Map<string, { key: string; name: string; action: ResponseActionKind; limit: number }>();
  /** Resource → its web ACL, resolved when a mitigation was first wanted for it. */
  private readonly webAcls = new Map<string, string>();

  constructor(
    private readonly port: MitigationPort,
    private readonly onError: (e: unknown, what: string) => void,
  ) {}

  /** Brings web ACLs to the wanted state; returns the mitigation in force for each wanted resource. */
  async reconcile(wanted: readonly WantedMitigation[]): Promise<Map<string, AppliedMitigation>> {
    const wantedArns = new Set(wanted.map((w) => w.resourceArn));
    for (const arn of [...this.webAcls.keys()]) if (!wantedArns.has(arn)) this.webAcls.delete(arn);

    const perAcl = new Map<string, { action: ResponseActionKind; limit: number; resources: string[] }>();
    for (const w of wanted) {
      let acl = this.webAcls.get(w.resourceArn);
      if (acl === undefined) {
        try {
          acl = await this.port.webAclForResource(w.resourceArn);
        } catch (e) {
          this.onError(e, "web ACL lookup");
        }
        if (acl === undefined) continue; // no web ACL (yet): nothing to put a rule in
        this.webAcls.set(w.resourceArn, acl);
      }
      const cur = perAcl.get(acl);
      if (!cur) perAcl.set(acl, { action: w.action, limit: w.limit, resources: [w.resourceArn] });
      else {
        if (w.action === "BLOCK") cur.action = "BLOCK";
        cur.limit = Math.min(cur.limit, w.limit);
        cur.resources.push(w.resourceArn);
      }
    }

    for (const acl of [...this.applied.keys()]) {
      if (perAcl.has(acl)) continue;
      try {
        await this.port.applyMitigation(acl, undefined);
        this.applied.delete(acl);
      } catch (e) {
        this.onError(e, "mitigation removal");
      }
    }

    const out = new Map<string, AppliedMitigation>();
    for (const [acl, want] of perAcl) {
      const key = `${want.action}:${want.limit}`;
      let cur = this.applied.get(acl);
      if (cur?.key !== key) {
        const m = buildMitigationRule(acl, want.action, want.limit);
        try {
          await this.port.applyMitigation(acl, m);
          cur = { key, name: m.ruleName, action: want.action, limit: want.limit };
          this.applied.set(acl, cur);
        } catch (e) {
          this.onError(e, "mitigation");
        }
      }
      if (cur) for (const r of want.resources) out.set(r, { name: cur.name, webAclArn: acl, action: cur.action, limit: cur.limit });
    }
    return out;
  }

  /** Web ACLs that currently carry a Shield rule (tests, shutdown). */
  appliedWebAcls(): string[] {
    return [...this.applied.keys()];
  }
}
