/**
 * compileWebAcl: turns a WebACL (in @aws-sdk/client-wafv2 shapes) into a WafEvaluator.
 *
 * Evaluation follows AWS: rules in Priority order; a matching rule adds its labels, then its
 * action decides — Count records and continues (its inserted headers are kept), Allow/Block
 * terminate, Captcha/Challenge continue like Count when the aws-waf-token is valid for the
 * configured immunity time and otherwise terminate with the interstitial. Rule groups run
 * their own rules under their own label namespace, with RuleActionOverrides/ExcludedRules
 * applied; a terminating result of a group becomes Count when the referencing rule's
 * OverrideAction is Count. LabelMatchStatements see labels from earlier rules only. When no
 * rule terminates, the DefaultAction applies.
 */
import type { WebACL, Rule, RuleGroup, CustomResponseBody, RuleActionOverride, ExcludedRule, Statement } from "@aws-sdk/client-wafv2";
import type { InspectedRequest, WafAction, WafDecision, WafEvaluator } from "../types.js";
import type { Clock } from "../../core/clock.js";
import type { GeoLookup, RateCounter, WafResolver, ManagedRuleGroupDefinition } from "./types.js";
import { RequestView } from "./request-view.js";
import { compileStatement, WafCompileError, type Predicate, type StatementContext } from "./compile-statement.js";
import { compileRateBased } from "./rate-based.js";
import { forwardedIpHeaders, whenHeadersPresent } from "./forwarded-ip.js";
import { compileCustomResponse, compileRuleAction, type CompiledAction } from "./actions.js";
import { Interstitials, blockPage } from "./interstitial.js";
import { requestHost, TOKEN_COOKIE, TokenDomains } from "./tokens.js";

export interface CompileDeps {
  resolver: WafResolver;
  rateCounter: RateCounter;
  geo?: GeoLookup;
  clock: Clock;
  /** HMAC key for CAPTCHA/challenge tokens and puzzles (32 random bytes, kept secret). */
  tokenKey: Buffer;
  /** Body inspection limit; Application Load Balancers are fixed at 8 KiB. */
  associationBodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 8192;
const NOT_APPLIED: Promise<boolean> = Promise.resolve(false);
const DEFAULT_IMMUNITY_S = 300;

interface LeafRule {
  kind: "leaf";
  name: string;
  labels: string[];
  match?: Predicate;
  matchAsync?: (v: RequestView) => Promise<boolean>;
  action: CompiledAction;
  captchaImmunityMs: number;
  challengeImmunityMs: number;
}
interface GroupRule {
  kind: "group";
  name: string;
  groupId: string;
  scopeDown?: Predicate;
  overrideCount: boolean;
  rules: LeafRule[];
}
type CompiledRule = LeafRule | GroupRule;

interface Terminal {
  action: "ALLOW" | "BLOCK" | "CAPTCHA" | "CHALLENGE";
  ruleId: string;
  response?: WafDecision["response"];
  insert?: Array<[string, string]>;
}

interface EvalState {
  view: RequestView;
  matched: WafDecision["matchedRules"];
  counted: string[];
  insert: Array<[string, string]>;
  token?: { checked: boolean; times?: { challengeAt?: number; captchaAt?: number } };
}

function accountOf(arn: string | undefined): string {
  return arn?.split(":")[4] ?? "";
}

function sortRules(rules: Rule[] | undefined): Rule[] {
  const list = [...(rules ?? [])];
  const seen = new Set<number>();
  const names = new Set<string>();
  for (const r of list) {
    if (r.Priority === undefined || seen.has(r.Priority)) throw new WafCompileError(`Rule priorities must be unique (rule ${r.Name})`);
    if (!r.Name || names.has(r.Name)) throw new WafCompileError(`Rule names must be present and unique (rule ${r.Name})`);
    seen.add(r.Priority);
    names.add(r.Name);
  }
  return list.sort((a, b) => (a.Priority as number) - (b.Priority as number));
}

function immunityMs(ruleCfg: number | undefined, aclCfg: number | undefined): number {
  return (ruleCfg ?? aclCfg ?? DEFAULT_IMMUNITY_S) * 1000;
}

export function compileWebAcl(acl: WebACL, deps: CompileDeps): WafEvaluator & { readonly capacityHint?: number } {
  const aclName = acl.Name ?? "";
  const aclArn = acl.ARN ?? "";
  const aclNs = acl.LabelNamespace ?? `awswaf:${accountOf(aclArn)}:webacl:${aclName}:`;
  const ipSetCache = new Map();
  const aclCaptcha = acl.CaptchaConfig?.ImmunityTimeProperty?.ImmunityTime;
  const aclChallenge = acl.ChallengeConfig?.ImmunityTimeProperty?.ImmunityTime;
  const tokenDomains = new TokenDomains(acl.TokenDomains);
  const interstitials = new Interstitials(deps.tokenKey, () => deps.clock.now(), tokenDomains);

  const leaf = (r: Rule, ctx: StatementContext, bodies: Record<string, CustomResponseBody> | undefined, instanceId: string, override?: CompiledAction): LeafRule => {
    if (r.OverrideAction) throw new WafCompileError(`Rule ${r.Name}: OverrideAction is only for rule group references`);
    const st = r.Statement as Statement;
    const base: LeafRule = {
      kind: "leaf",
      name: r.Name as string,
      labels: (r.RuleLabels ?? []).map((l) => ctx.labelNamespace + (l.Name ?? "")),
      action: override ?? compileRuleAction(r.Action, bodies),
      captchaImmunityMs: immunityMs(r.CaptchaConfig?.ImmunityTimeProperty?.ImmunityTime, aclCaptcha),
      challengeImmunityMs: immunityMs(r.ChallengeConfig?.ImmunityTimeProperty?.ImmunityTime, aclChallenge),
    };
    // A forwarded-IP header missing from the request: the rule does not apply to it at all.
    const fwd = forwardedIpHeaders(st);
    if (st?.RateBasedStatement) base.matchAsync = whenHeadersPresent(fwd, compileRateBased(st.RateBasedStatement, ctx, deps.rateCounter, deps.clock, instanceId), NOT_APPLIED);
    else base.match = whenHeadersPresent(fwd, compileStatement(st, ctx), false);
    return base;
  };

  const overridesFor = (ovr: RuleActionOverride[] | undefined, excluded: ExcludedRule[] | undefined, bodies: Record<string, CustomResponseBody> | undefined): Map<string, CompiledAction> => {
    const m = new Map<string, CompiledAction>();
    for (const e of excluded ?? []) if (e.Name) m.set(e.Name, { type: "COUNT", insertHeaders: [] });
    for (const o of ovr ?? []) if (o.Name) m.set(o.Name, compileRuleAction(o.ActionToUse, bodies));
    return m;
  };

  const groupRules = (rules: Rule[], ns: string, bodies: Record<string, CustomResponseBody> | undefined, ctxBase: Omit<StatementContext, "labelNamespace">, ovr: Map<string, CompiledAction>, idPrefix: string): LeafRule[] =>
    sortRules(rules).map((r) => {
      if (r.Statement?.RuleGroupReferenceStatement || r.Statement?.ManagedRuleGroupStatement) throw new WafCompileError("Rule groups cannot reference other rule groups");
      return leaf(r, { ...ctxBase, labelNamespace: ns }, bodies, `${idPrefix}/${r.Name}`, ovr.get(r.Name as string));
    });

  const compiled: CompiledRule[] = sortRules(acl.Rules).map((r): CompiledRule => {
    const st = r.Statement;
    const ctxBase = { resolver: deps.resolver, geo: deps.geo, ipSetCache };
    if (st?.RuleGroupReferenceStatement || st?.ManagedRuleGroupStatement) {
      if (r.Action) throw new WafCompileError(`Rule ${r.Name}: use OverrideAction, not Action, for rule group references`);
      const overrideCount = !!r.OverrideAction?.Count;
      if (st.RuleGroupReferenceStatement) {
        const ref = st.RuleGroupReferenceStatement;
        const rg: RuleGroup | undefined = deps.resolver.ruleGroup(ref.ARN ?? "");
        if (!rg) throw new WafCompileError(`Rule group not found: ${ref.ARN}`);
        const ns = rg.LabelNamespace ?? `awswaf:${accountOf(rg.ARN)}:rulegroup:${rg.Name}:`;
        const names = new Set((rg.Rules ?? []).map((x) => x.Name));
        for (const o of [...(ref.RuleActionOverrides ?? []), ...(ref.ExcludedRules ?? [])]) {
          if (!names.has(o.Name)) throw new WafCompileError(`Rule ${o.Name} is not in rule group ${rg.Name}`);
        }
        const ovr = overridesFor(ref.RuleActionOverrides, ref.ExcludedRules, rg.CustomResponseBodies);
        return { kind: "group", name: r.Name as string, groupId: rg.Name ?? "", overrideCount, rules: groupRules(rg.Rules ?? [], ns, rg.CustomResponseBodies, ctxBase, ovr, `${aclArn}/${r.Name}`) };
      }
      const m = st.ManagedRuleGroupStatement!;
      const def: ManagedRuleGroupDefinition | undefined = deps.resolver.managedRuleGroup(m.VendorName ?? "", m.Name ?? "", m.Version);
      if (!def) throw new WafCompileError(`Managed rule group not found: ${m.VendorName}/${m.Name}${m.Version ? "@" + m.Version : ""}`);
      // With managed groups AWS silently ignores overrides naming unknown rules.
      const ovr = overridesFor(m.RuleActionOverrides, m.ExcludedRules, undefined);
      const scopeDown = m.ScopeDownStatement ? whenHeadersPresent(forwardedIpHeaders(m.ScopeDownStatement), compileStatement(m.ScopeDownStatement, { ...ctxBase, labelNamespace: aclNs }), false) : undefined;
      return {
        kind: "group",
        name: r.Name as string,
        groupId: def.name,
        scopeDown,
        overrideCount,
        rules: groupRules(def.rules, def.labelNamespace, undefined, { ...ctxBase, ipLists: def.ipLists, natives: def.natives, trustedPatterns: true }, ovr, `${aclArn}/${r.Name}`),
      };
    }
    return leaf(r, { ...ctxBase, labelNamespace: aclNs }, acl.CustomResponseBodies, `${aclArn}/${r.Name}`);
  });

  const def = acl.DefaultAction;
  if (!def || (!!def.Allow === !!def.Block)) throw new WafCompileError("DefaultAction must be exactly one of Allow or Block");
  const defaultInsert: Array<[string, string]> = (def.Allow?.CustomRequestHandling?.InsertHeaders ?? []).map((x) => [`x-amzn-waf-${x.Name ?? ""}`, x.Value ?? ""]);
  const defaultBlock = def.Block ? compileCustomResponse(def.Block.CustomResponse, acl.CustomResponseBodies) : undefined;
  const bodyLimit = deps.associationBodyLimit ?? DEFAULT_BODY_LIMIT;

  const tokenTimes = (st: EvalState): { challengeAt?: number; captchaAt?: number } | undefined => {
    if (!st.token) {
      const raw = st.view.cookie(TOKEN_COOKIE);
      const times = raw ? tokenDomains.read(deps.tokenKey, requestHost(st.view.req.headers), raw) : undefined;
      st.token = { checked: true, times };
      st.view.addLabel(raw === undefined ? "awswaf:managed:token:absent" : times ? "awswaf:managed:token:accepted" : "awswaf:managed:token:rejected");
    }
    return st.token.times;
  };

  /** Applies a matched leaf rule's action; returns a Terminal when evaluation stops. */
  const apply = (r: LeafRule, st: EvalState, groupId: string | undefined): Terminal | undefined => {
    for (const l of r.labels) st.view.addLabel(l);
    const a = r.action;
    const entry = groupId === undefined ? { ruleId: r.name, action: a.type } : { ruleId: r.name, action: a.type, ruleGroupId: groupId };
    switch (a.type) {
      case "COUNT":
        st.matched.push(entry);
        st.counted.push(r.name);
        for (const h of a.insertHeaders) st.insert.push(h);
        return undefined;
      case "ALLOW":
        st.matched.push(entry);
        return { action: "ALLOW", ruleId: r.name, insert: a.insertHeaders };
      case "BLOCK":
        st.matched.push(entry);
        return { action: "BLOCK", ruleId: r.name, response: a.response ?? { status: 403, headers: [["content-type", "text/html"]], body: blockPage(st.view.req.requestId) } };
      case "CAPTCHA":
      case "CHALLENGE": {
        const times = tokenTimes(st);
        const now = deps.clock.now();
        const at = a.type === "CAPTCHA" ? times?.captchaAt : Math.max(times?.challengeAt ?? 0, times?.captchaAt ?? 0) || undefined;
        const ttl = a.type === "CAPTCHA" ? r.captchaImmunityMs : r.challengeImmunityMs;
        st.matched.push(entry);
        if (at !== undefined && now - at <= ttl && at - now < 60_000) {
          for (const h of a.insertHeaders) st.insert.push(h);
          return undefined;
        }
        const kind = a.type === "CAPTCHA" ? "captcha" : "challenge";
        return { action: a.type, ruleId: r.name, response: interstitials.respond(kind, st.view.req) };
      }
      default:
        return undefined;
    }
  };

  const evaluate = async (req: InspectedRequest): Promise<WafDecision> => {
    const view = new RequestView(req, bodyLimit);
    const st: EvalState = { view, matched: [], counted: [], insert: [] };
    let terminal: Terminal | undefined;
    outer: for (const r of compiled) {
      if (r.kind === "leaf") {
        const hit = r.match ? r.match(view) : await (r.matchAsync as (v: RequestView) => Promise<boolean>)(view);
        if (!hit) continue;
        const t = apply(r, st, undefined);
        if (t) {
          terminal = t;
          break;
        }
        continue;
      }
      if (r.scopeDown && !r.scopeDown(view)) continue;
      for (const inner of r.rules) {
        const hit = inner.match ? inner.match(view) : await (inner.matchAsync as (v: RequestView) => Promise<boolean>)(view);
        if (!hit) continue;
        const t = apply(inner, st, r.groupId);
        if (!t) continue;
        if (r.overrideCount) {
          // The group's result is overridden to Count: record it and go on after the group.
          const last = st.matched[st.matched.length - 1];
          if (last) last.action = "COUNT" as WafAction;
          st.counted.push(inner.name);
          break;
        }
        terminal = { ...t, ruleId: r.name };
        break outer;
      }
    }
    // The view ends with this evaluation: its label list becomes the decision's.
    const labels = view.labels;
    if (terminal) {
      return {
        action: terminal.action,
        terminatingRuleId: terminal.ruleId,
        response: terminal.response,
        insertHeaders: terminal.action === "ALLOW" ? [...st.insert, ...(terminal.insert ?? [])] : [],
        labels,
        countedRules: st.counted,
        matchedRules: st.matched,
      };
    }
    if (defaultBlock || def.Block) {
      return {
        action: "BLOCK",
        terminatingRuleId: "Default_Action",
        response: defaultBlock ?? { status: 403, headers: [["content-type", "text/html"]], body: blockPage(req.requestId) },
        insertHeaders: [],
        labels,
        countedRules: st.counted,
        matchedRules: st.matched,
      };
    }
    return { action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [...st.insert, ...defaultInsert], labels, countedRules: st.counted, matchedRules: st.matched };
  };

  return {
    webAclArn: aclArn,
    webAclName: aclName,
    bodyInspectionLimit: bodyLimit,
    evaluate,
    handleVerification: (req) => interstitials.verify(req),
  };
}
