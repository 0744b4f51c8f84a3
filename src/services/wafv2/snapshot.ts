/**
 * A consistent snapshot of the entities a rule list references (IP sets, regex pattern sets,
 * rule groups and, through rule groups, their sets), read inside the caller's transaction
 * and answered synchronously to the engine through WafResolver.
 */
import type { IPSet, RegexPatternSet, RuleGroup } from "@aws-sdk/client-wafv2";
import type { DocStore } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import type { WafResolver } from "./engine-types.js";
import { entityByArn, type Where } from "./entities.js";
import { invalidParameter, nonexistentItem } from "./errors.js";
import type { EntityRecord } from "./model.js";
import { foreignRuleGroup } from "./permission-policy.js";
import type { RuleFacts } from "./rules.js";
import { fromStoredJson } from "./stored-json.js";

const REF_FIELD = { ipset: "IP_SET_REFERENCE_STATEMENT", regexpatternset: "REGEX_PATTERN_REFERENCE_STATEMENT", rulegroup: "RULE_GROUP_REFERENCE_STATEMENT" } as const;

export class Snapshot implements WafResolver {
  readonly records = new Map<string, EntityRecord>();
  private readonly decoded = new Map<string, unknown>();

  add(rec: EntityRecord): void {
    this.records.set(rec.arn, rec);
  }

  private spec<T>(arn: string, kind: EntityRecord["kind"]): T | undefined {
    const rec = this.records.get(arn);
    if (!rec || rec.kind !== kind) return undefined;
    let v = this.decoded.get(arn);
    if (v === undefined) {
      v = fromStoredJson<T>(rec.spec);
      this.decoded.set(arn, v);
    }
    return v as T;
  }

  ipSet(arn: string): IPSet | undefined {
    return this.spec<IPSet>(arn, "ipset");
  }

  regexPatternSet(arn: string): RegexPatternSet | undefined {
    return this.spec<RegexPatternSet>(arn, "regexpatternset");
  }

  ruleGroup(arn: string): RuleGroup | undefined {
    return this.spec<RuleGroup>(arn, "rulegroup");
  }
}

/**
 * Which other accounts' rule groups a load may use: those the caller was just authorised to use
 * through their permission policies (authorizeReferences), or, for a web ACL already stored
 * (authorised when it was saved), "any" it references.
 */
export type SharedRuleGroups = ReadonlySet<string> | "any";

const NONE: ReadonlySet<string> = new Set();

/**
 * Loads every referenced entity; a malformed or mismatched ARN is an invalid parameter, an ARN
 * that names nothing in this account, region and scope does not exist, and so does one of another
 * account unless it is a rule group in `shared`. The rules' own references are all resolved (and
 * checked) before the references of the rule groups they use are loaded, so a rule cannot reach
 * another account's set by naming one that a shared rule group uses.
 */
export async function loadReferences(db: DocStore, refs: RuleFacts["refs"], w: Where, shared: SharedRuleGroups = NONE): Promise<Snapshot> {
  const snapshot = new Snapshot();
  const groups: EntityRecord[] = [];
  for (const ref of refs) {
    if (snapshot.records.has(ref.arn)) continue;
    const p = parseEntityArn(ref.arn);
    if (!p || p.kind !== ref.kind) throw invalidParameter(REF_FIELD[ref.kind], ref.arn, "The ARN isn't valid.");
    let rec: EntityRecord | undefined;
    if (p.scope !== w.scope || p.region !== w.region) rec = undefined;
    else if (p.accountId === w.accountId) rec = await entityByArn(db, ref.arn, w.accountId, w.region, ref.kind);
    else if (p.kind === "rulegroup" && (shared === "any" || shared.has(ref.arn))) rec = await foreignRuleGroup(db, p, ref.arn);
    if (!rec) throw nonexistentItem();
    snapshot.add(rec);
    if (rec.kind === "rulegroup") groups.push(rec);
  }
  // A rule group's own references (of its owner's account) were checked when it was saved and
  // cannot be deleted while it uses them; load them for the engine.
  for (const g of groups) {
    for (const inner of g.refs) {
      if (snapshot.records.has(inner)) continue;
      const innerRec = await entityByArn(db, inner, g.accountId, g.region);
      if (innerRec) snapshot.add(innerRec);
    }
  }
  return snapshot;
}
