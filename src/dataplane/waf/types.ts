/**
 * Public contracts of the WAF engine beyond src/dataplane/types.ts: what the control plane
 * must provide (resolver snapshot, rate counter, geo lookup) and what managed rule groups
 * look like once resolved.
 */
import type { IPSet, RegexPatternSet, RuleGroup, Rule } from "@aws-sdk/client-wafv2";
import type { IpMatcher } from "./ip.js";
import type { RequestView } from "./request-view.js";

/**
 * Resolves references from a web ACL synchronously, from a snapshot the control plane holds.
 * Compile again (compileWebAcl) whenever anything a compiled ACL refers to changes.
 */
export interface WafResolver {
  ipSet(arn: string): IPSet | undefined;
  regexPatternSet(arn: string): RegexPatternSet | undefined;
  ruleGroup(arn: string): RuleGroup | undefined;
  /** VendorName "AWS" + Name (+ Version, undefined = vendor default). */
  managedRuleGroup(vendorName: string, name: string, version: string | undefined): ManagedRuleGroupDefinition | undefined;
}

/** An executable managed rule group: AWS-shaped rules plus the IP lists its rules reference. */
export interface ManagedRuleGroupDefinition {
  vendorName: string;
  name: string;
  version: string;
  /** e.g. "awswaf:managed:aws:core-rule-set:" (with the trailing colon). */
  labelNamespace: string;
  capacity: number;
  rules: Rule[];
  /** IPSetReferenceStatement ARNs used inside `rules` that resolve to built-in lists. */
  ipLists: Record<string, IpMatcher>;
  /**
   * Bulwark-implemented statements of the group (detectors that AWS's statement language
   * cannot express), keyed by the RegexString of the placeholder RegexMatchStatement that
   * stands for them in `rules`. Only honoured inside this group.
   */
  natives?: ReadonlyMap<string, (view: RequestView) => boolean>;
}

/**
 * Counts requests per aggregation key over a rolling window.
 * `add` records one request at `now` (epoch ms) and returns how many requests the key has
 * in the window (`windowSeconds`) ending at `now`, this one included.
 */
export interface RateCounter {
  add(key: string, windowSeconds: number, now: number): Promise<number>;
  /** The key's count in the window ending at `now`, without recording a request. */
  peek?(key: string, windowSeconds: number, now: number): Promise<number>;
  /**
   * Remembers that `member` (an IP address) of rate-based rule instance `instance` went over
   * its limit at `now`: the candidates GetRateBasedStatementManagedKeys checks. Best effort,
   * never throws; what was flagged is forgotten once it is older than the window.
   */
  flag?(instance: string, member: string, windowSeconds: number, now: number): void;
  /** The members of `instance` flagged in the window ending at `now`. */
  flagged?(instance: string, windowSeconds: number, now: number): Promise<string[]>;
  close?(): Promise<void>;
}

/** IP address to ISO 3166-1 alpha-2 country code. */
export interface GeoLookup {
  country(ip: string): string | undefined;
}
