/**
 * What the WAFv2 control plane needs from the WAF engine (src/dataplane/waf/). The domain
 * depends on this narrow interface only; engine.ts adapts the real engine to it, and unit
 * tests pass a fake.
 */
import type {
  CustomResponseBody,
  DescribeManagedRuleGroupResponse,
  IPSet,
  ManagedRuleGroupSummary,
  ManagedRuleGroupVersion,
  RateBasedStatement,
  RegexPatternSet,
  Rule,
  RuleGroup,
  WebACL,
} from "@aws-sdk/client-wafv2";
import type { WafEvaluator } from "../../dataplane/types.js";

/** Referenced entities by ARN, answered synchronously from a snapshot taken before compiling. */
export interface WafResolver {
  ipSet(arn: string): IPSet | undefined;
  regexPatternSet(arn: string): RegexPatternSet | undefined;
  ruleGroup(arn: string): RuleGroup | undefined;
}

export interface ManagedRuleGroupVersions {
  versions: ManagedRuleGroupVersion[];
  currentDefaultVersion?: string;
}

export interface WafEngine {
  /** Compiles a web ACL for a protected resource; throws AwsError for rules it cannot run. */
  compile(acl: WebACL, resolver: WafResolver): WafEvaluator;
  /**
   * WCUs the rules need. Also checks the rules can run (throws WAFInvalidParameterException
   * otherwise); `customResponseBodies` are those of the entity holding the rules.
   */
  capacity(rules: Rule[], resolver: WafResolver, customResponseBodies?: Record<string, CustomResponseBody>): number;
  /** Why the engine cannot run a regex pattern set's expression, or undefined when it can. */
  regexProblem(pattern: string): string | undefined;
  listManagedRuleGroups(): ManagedRuleGroupSummary[];
  /** Undefined when the vendor/name (or version) does not exist. */
  describeManagedRuleGroup(vendorName: string, name: string, version?: string): DescribeManagedRuleGroupResponse | undefined;
  /** Undefined when the vendor/name does not exist. */
  managedRuleGroupVersions(vendorName: string, name: string): ManagedRuleGroupVersions | undefined;
  /**
   * The addresses (CIDR notation, highest rate first) rate-based rule instance `instanceId`
   * limits now; throws WAFUnsupportedAggregateKeyTypeException unless the rule aggregates on the
   * IP address or the forwarded IP address alone.
   */
  rateBasedManagedKeys(instanceId: string, statement: RateBasedStatement): Promise<{ ipv4: string[]; ipv6: string[] }>;
}
