/**
 * Keeps the data plane in step with the control plane: compiles web ACLs (with a snapshot
 * of what they reference) and pushes the evaluators to the load balancers they protect,
 * on association, after every change of a web ACL or of anything it uses, and on start-up.
 *
 * What must stay true: deployments run one at a time, each reading the latest committed
 * state, so an older compilation can never overwrite a newer one; storage is only read
 * outside transactions (storage serialises everything behind an open transaction).
 */
import type { LoggingConfiguration, WebACL } from "@aws-sdk/client-wafv2";
import { isAwsError } from "../../core/errors.js";
import type { DataPlaneControl, WafEvaluator } from "../../dataplane/types.js";
import type { Storage } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import { allAssociations, associationsOf, deleteAssociation, putAssociation } from "./association-store.js";
import type { ChangeListener } from "./domain-deps.js";
import type { WafEngine } from "./engine-types.js";
import { entityByArn, listEntities, webAclsInEveryAccount, type Where } from "./entities.js";
import { nonexistentItem, unavailableEntity } from "./errors.js";
import { resolveDestination, type LogDestination } from "./log-destinations.js";
import { compileLogging } from "./log-record.js";
import { LOGGING_COLLECTION, loggingKey, type AssociationRecord, type EntityRecord, type LoggingRecord } from "./model.js";
import { buildRuntime, type AclRuntime } from "./runtime.js";
import type { RequestSampler } from "./sampling.js";
import { loadReferences } from "./snapshot.js";
import { fromStoredJson } from "./stored-json.js";

export interface DeployerDeps {
  store: Storage;
  engine: WafEngine;
  dataPlane?: DataPlaneControl;
  sampler: RequestSampler;
  logDir: string;
  httpEndpoint: (arn: string) => string | undefined;
  onError?: (e: unknown, what: string) => void;
}

export class Deployer implements ChangeListener {
  private readonly runtimes = new Map<string, AclRuntime>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DeployerDeps) {}

  /** The web ACL deployed on a load balancer (for the traffic observer). */
  runtimeOf(lbArn: string): AclRuntime | undefined {
    return this.runtimes.get(lbArn);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private report(e: unknown, what: string): void {
    this.deps.onError?.(e, what);
  }

  private async loggingFor(rec: EntityRecord): Promise<AclRuntime["logging"]> {
    const stored = await this.deps.store.get<LoggingRecord>(LOGGING_COLLECTION, loggingKey(rec.accountId, rec.region, rec.arn));
    if (!stored) return undefined;
    const cfg = fromStoredJson<LoggingConfiguration>(stored.config);
    const destinations: LogDestination[] = [];
    for (const arn of cfg.LogDestinationConfigs ?? []) {
      try {
        destinations.push(resolveDestination(arn, rec.accountId, rec.region, this.deps.logDir, this.deps.httpEndpoint));
      } catch (e) {
        this.report(e, `log destination ${arn} of ${rec.arn}`);
      }
    }
    return compileLogging(destinations, cfg.RedactedFields, cfg.LoggingFilter);
  }

  private async compile(rec: EntityRecord): Promise<{ evaluator: WafEvaluator; runtime: AclRuntime }> {
    const acl = fromStoredJson<WebACL>(rec.spec);
    // A stored web ACL's references were authorised when it was saved, shared rule groups included.
    const snapshot = await loadReferences(this.deps.store, rec.refs.map((arn) => ({ arn, kind: refKind(arn) })), { accountId: rec.accountId, region: rec.region, scope: rec.scope }, "any");
    let evaluator: WafEvaluator;
    try {
      evaluator = this.deps.engine.compile(acl, snapshot);
    } catch (e) {
      if (isAwsError(e)) throw e;
      this.report(e, `compile ${rec.arn}`);
      throw unavailableEntity();
    }
    const runtime = buildRuntime(acl, rec.accountId, rec.region, snapshot);
    const logging = await this.loggingFor(rec);
    if (logging) runtime.logging = logging;
    return { evaluator, runtime };
  }

  private push(resourceArn: string, compiled: { evaluator: WafEvaluator; runtime: AclRuntime } | undefined): void {
    if (compiled) this.runtimes.set(resourceArn, compiled.runtime);
    else this.runtimes.delete(resourceArn);
    this.deps.dataPlane?.setWebAcl(resourceArn, compiled?.evaluator);
  }

  /** Associates a resource with a web ACL: compiles first, so a web ACL that cannot run is refused. */
  attach(accountId: string, region: string, resourceArn: string, webAclArn: string, now: number): Promise<void> {
    return this.serial(async () => {
      const rec = await entityByArn(this.deps.store, webAclArn, accountId, region, "webacl");
      if (!rec) throw nonexistentItem();
      const compiled = await this.compile(rec);
      const assoc: AssociationRecord = { resourceArn, resourceType: "APPLICATION_LOAD_BALANCER", webAclArn: rec.arn, webAclId: rec.id, scope: rec.scope, createdAt: now };
      await putAssociation(this.deps.store, accountId, region, assoc);
      this.push(resourceArn, compiled);
    });
  }

  detach(accountId: string, region: string, resourceArn: string): Promise<boolean> {
    return this.serial(async () => {
      const existed = await deleteAssociation(this.deps.store, accountId, region, resourceArn);
      this.push(resourceArn, undefined);
      return existed;
    });
  }

  /** Forgets resources whose associations were removed with their web ACL. */
  forget(resourceArns: readonly string[], webAclArn: string): Promise<void> {
    return this.serial(async () => {
      for (const r of resourceArns) this.push(r, undefined);
      this.deps.sampler.forget(webAclArn);
    });
  }

  entitiesChanged(w: Where, arns: string[]): Promise<void> {
    return this.serial(async () => {
      const changed = new Set(arns);
      const groups = await listEntities(this.deps.store, "rulegroup", w);
      for (const g of groups) if (g.refs.some((r) => changed.has(r))) changed.add(g.arn);
      // When a rule group changed (itself or a set it uses), other accounts' web ACLs too: they
      // may use it, shared with them.
      const groupChanged = [...changed].some((arn) => parseEntityArn(arn)?.kind === "rulegroup");
      const candidates = groupChanged ? await webAclsInEveryAccount(this.deps.store, w.region, w.scope) : await listEntities(this.deps.store, "webacl", w);
      const acls = candidates.filter((a) => changed.has(a.arn) || a.refs.some((r) => changed.has(r)));
      for (const acl of acls) await this.redeploy(acl);
    });
  }

  /** Re-reads the logging configuration of a web ACL into its deployments. */
  loggingChanged(accountId: string, region: string, webAclArn: string): Promise<void> {
    return this.serial(async () => {
      const rec = await entityByArn(this.deps.store, webAclArn, accountId, region, "webacl");
      if (!rec) return;
      const logging = await this.loggingFor(rec);
      for (const rt of this.runtimes.values()) {
        if (rt.arn !== webAclArn) continue;
        if (logging) rt.logging = logging;
        else delete rt.logging;
      }
    });
  }

  private async redeploy(acl: EntityRecord): Promise<void> {
    const assocs = await associationsOf(this.deps.store, acl.accountId, acl.region, acl.arn);
    if (assocs.length === 0) return;
    let compiled: { evaluator: WafEvaluator; runtime: AclRuntime };
    try {
      compiled = await this.compile(acl);
    } catch (e) {
      // The previous evaluator stays in place: better the last good rules than none.
      this.report(e, `redeploy ${acl.arn}`);
      return;
    }
    for (const a of assocs) this.push(a.resourceArn, compiled);
  }

  /** Start-up: pushes every stored association to the data plane. Returns how many were deployed. */
  restoreAll(): Promise<number> {
    return this.serial(async () => {
      const byAcl = new Map<string, Array<{ accountId: string; region: string; rec: AssociationRecord }>>();
      for (const a of await allAssociations(this.deps.store)) {
        const k = `${a.accountId}/${a.region}/${a.rec.webAclArn}`;
        byAcl.set(k, [...(byAcl.get(k) ?? []), a]);
      }
      let deployed = 0;
      for (const list of byAcl.values()) {
        const first = list[0] as { accountId: string; region: string; rec: AssociationRecord };
        const acl = await entityByArn(this.deps.store, first.rec.webAclArn, first.accountId, first.region, "webacl");
        if (!acl) {
          for (const a of list) await deleteAssociation(this.deps.store, a.accountId, a.region, a.rec.resourceArn);
          continue;
        }
        try {
          const compiled = await this.compile(acl);
          for (const a of list) this.push(a.rec.resourceArn, compiled);
          deployed += list.length;
        } catch (e) {
          this.report(e, `restore ${acl.arn}`);
        }
      }
      return deployed;
    });
  }

  /** Resolves when every queued deployment has finished. */
  idle(): Promise<void> {
    return this.serial(async () => undefined);
  }
}

function refKind(arn: string): "ipset" | "regexpatternset" | "rulegroup" {
  if (arn.includes("/ipset/")) return "ipset";
  if (arn.includes("/regexpatternset/")) return "regexpatternset";
  return "rulegroup";
}
