/**
 * Adapter from Bulwark's WAF engine (src/dataplane/waf/) to what the WAFv2 control plane
 * needs (engine-types.ts). The only module of the service that imports the engine.
 *
 * The engine reports rules it cannot run with WafCompileError; here they become
 * WAFInvalidParameterException. Capacity checks also compile the rules once, so invalid
 * statements are refused when saved, not later when a load balancer needs them.
 */
import type { CustomResponseBody, Rule, WebACL } from "@aws-sdk/client-wafv2";
import type { Clock } from "../../core/clock.js";
import {
  checkCapacity,
  compileAwsRegex,
  compileWebAcl,
  createLocalRateCounter,
  describeManagedRuleGroup,
  getManagedRuleGroup,
  listManagedRuleGroups,
  listManagedRuleGroupVersions,
  MANAGED_VENDOR,
  rateBasedManagedKeys,
  WafCompileError,
  type GeoLookup,
  type ManagedIpLists,
  type RateCounter,
  type WafResolver as EngineResolver,
} from "../../dataplane/waf/index.js";
import type { WafEngine, WafResolver } from "./engine-types.js";
import { invalidParameter, unsupportedAggregateKeyType } from "./errors.js";

export interface WafEngineDeps {
  clock: Clock;
  /** Secret for CAPTCHA/challenge tokens (stable across restarts so tokens stay valid). */
  tokenKey: Buffer;
  /** Shared by every compiled web ACL: local by default, Redis for several instances. */
  rateCounter?: RateCounter;
  geo?: GeoLookup;
  /** Operator IP lists behind the IP reputation / anonymous IP managed rule groups. */
  managedIpLists?: ManagedIpLists;
}

/** A rate counter for trial compilations, which never evaluate a request. */
const NO_RATES: RateCounter = { add: async () => 0 };

function asInvalidParameter(e: unknown): unknown {
  return e instanceof WafCompileError ? invalidParameter("RULE", "Rules", e.message) : e;
}

export function createWafEngine(deps: WafEngineDeps): WafEngine {
  const rateCounter = deps.rateCounter ?? createLocalRateCounter();
  const resolverFor = (r: WafResolver): EngineResolver => ({
    ipSet: (arn) => r.ipSet(arn),
    regexPatternSet: (arn) => r.regexPatternSet(arn),
    ruleGroup: (arn) => r.ruleGroup(arn),
    managedRuleGroup: (vendor, name, version) => getManagedRuleGroup(vendor, name, version, deps.managedIpLists),
  });
  const base = { clock: deps.clock, tokenKey: deps.tokenKey, ...(deps.geo ? { geo: deps.geo } : {}) };

  return {
    compile(acl: WebACL, resolver: WafResolver) {
      try {
        return compileWebAcl(acl, { ...base, resolver: resolverFor(resolver), rateCounter });
      } catch (e) {
        throw asInvalidParameter(e);
      }
    },
    capacity(rules: Rule[], resolver: WafResolver, customResponseBodies?: Record<string, CustomResponseBody>) {
      const engineResolver = resolverFor(resolver);
      try {
        compileWebAcl(
          { Name: "capacity-check", Id: "capacity-check", ARN: "", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: undefined, ...(customResponseBodies ? { CustomResponseBodies: customResponseBodies } : {}) },
          { ...base, resolver: engineResolver, rateCounter: NO_RATES },
        );
      } catch (e) {
        throw asInvalidParameter(e);
      }
      return checkCapacity(rules, engineResolver);
    },
    regexProblem(pattern: string) {
      try {
        compileAwsRegex(pattern);
        return undefined;
      } catch (e) {
        if (e instanceof WafCompileError) return e.message;
        throw e;
      }
    },
    listManagedRuleGroups: () => listManagedRuleGroups(),
    describeManagedRuleGroup: (vendorName, name, version) => (vendorName === MANAGED_VENDOR ? describeManagedRuleGroup(name, version) : undefined),
    managedRuleGroupVersions: (vendorName, name) => {
      const v = vendorName === MANAGED_VENDOR ? listManagedRuleGroupVersions(name) : undefined;
      return v ? { versions: v.Versions, currentDefaultVersion: v.CurrentDefaultVersion } : undefined;
    },
    async rateBasedManagedKeys(instanceId, statement) {
      const keys = await rateBasedManagedKeys(rateCounter, deps.clock.now(), instanceId, statement);
      if (keys === "unsupported") throw unsupportedAggregateKeyType();
      return keys;
    },
  };
}
