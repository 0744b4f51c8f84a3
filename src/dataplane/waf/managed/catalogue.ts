/**
 * Bulwark's managed rule group catalogue (VendorName "AWS"): what
 * ListAvailableManagedRuleGroups / DescribeManagedRuleGroup / ListAvailableManagedRuleGroupVersions
 * report, and the executable definitions the resolver hands to compileWebAcl.
 */
import type { Rule, ManagedRuleGroupSummary, DescribeManagedRuleGroupResponse, LabelMatchStatement, Statement } from "@aws-sdk/client-wafv2";
import type { ManagedRuleGroupDefinition } from "../types.js";
import { createIpMatcher, type IpMatcher } from "../ip.js";
import { COMMON_RULE_SET_RULES } from "./common-rule-set.js";
import { KNOWN_BAD_INPUTS_RULES } from "./known-bad-inputs.js";
import { SQLI_RULE_SET_RULES } from "./sqli-rule-set.js";
import { LINUX_RULES, UNIX_RULES, WINDOWS_RULES } from "./os-rule-sets.js";
import { PHP_RULES, ADMIN_PROTECTION_RULES } from "./app-rule-sets.js";
import { ipSet, rule } from "./build.js";
import { NATIVES } from "./natives.js";
import { managedIpListArn, type ManagedIpListName, type ManagedIpLists } from "./ip-lists.js";

export const MANAGED_VENDOR = "AWS";
export const DEFAULT_MANAGED_VERSION = "Version_1.0";
/** Fixed release date of Version_1.0 (reported as LastUpdateTimestamp). */
const VERSION_DATE = new Date("2026-01-01T00:00:00Z");

interface CatalogueEntry {
  name: string;
  namespace: string;
  description: string;
  capacity: number;
  rules: () => Rule[];
}

const ipRule = (name: ManagedIpListName, priority: number, action: "Block" | "Count" = "Block"): Rule => rule(name, priority, ipSet(managedIpListArn(name)), name, action);

const CATALOGUE: CatalogueEntry[] = [
  { name: "AWSManagedRulesCommonRuleSet", namespace: "core-rule-set", capacity: 700, rules: () => COMMON_RULE_SET_RULES, description: "Contains rules that are generally applicable to web applications. This provides protection against exploitation of a wide range of vulnerabilities, including those described in OWASP publications." },
  { name: "AWSManagedRulesAdminProtectionRuleSet", namespace: "admin-protection", capacity: 100, rules: () => ADMIN_PROTECTION_RULES, description: "Contains rules that allow you to block external access to exposed admin pages." },
  { name: "AWSManagedRulesKnownBadInputsRuleSet", namespace: "known-bad-inputs", capacity: 200, rules: () => KNOWN_BAD_INPUTS_RULES, description: "Contains rules that allow you to block request patterns that are known to be invalid and are associated with exploitation or discovery of vulnerabilities." },
  { name: "AWSManagedRulesSQLiRuleSet", namespace: "sql-database", capacity: 200, rules: () => SQLI_RULE_SET_RULES, description: "Contains rules that allow you to block request patterns associated with exploitation of SQL databases, like SQL injection attacks." },
  { name: "AWSManagedRulesLinuxRuleSet", namespace: "linux-os", capacity: 200, rules: () => LINUX_RULES, description: "Contains rules that block request patterns associated with exploitation of vulnerabilities specific to Linux, including LFI attacks." },
  { name: "AWSManagedRulesUnixRuleSet", namespace: "posix-os", capacity: 100, rules: () => UNIX_RULES, description: "Contains rules that block request patterns associated with exploiting vulnerabilities specific to POSIX/POSIX-like OS, including LFI attacks." },
  { name: "AWSManagedRulesWindowsRuleSet", namespace: "windows-os", capacity: 200, rules: () => WINDOWS_RULES, description: "Contains rules that block request patterns associated with exploiting vulnerabilities specific to Windows, like PowerShell commands." },
  { name: "AWSManagedRulesPHPRuleSet", namespace: "php-app", capacity: 100, rules: () => PHP_RULES, description: "Contains rules that block request patterns associated with exploiting vulnerabilities specific to the use of the PHP, including injection of unsafe PHP functions." },
  { name: "AWSManagedRulesAmazonIpReputationList", namespace: "amazon-ip-list", capacity: 25, rules: () => [ipRule("AWSManagedIPReputationList", 0), ipRule("AWSManagedReconnaissanceList", 1), ipRule("AWSManagedIPDDoSList", 2, "Count")], description: "Contains rules that are based on threat intelligence. You can use this to block sources of malicious activity, such as bots, reconnaissance and DDoS sources." },
  { name: "AWSManagedRulesAnonymousIpList", namespace: "anonymous-ip-list", capacity: 50, rules: () => [ipRule("AnonymousIPList", 0), ipRule("HostingProviderIPList", 1)], description: "Contains rules that allow you to block requests from services that allow obfuscation of viewer identity. This can include request originating from VPN, proxies, Tor nodes, and hosting providers." },
];

function entry(name: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.name === name);
}

export function listManagedRuleGroups(): ManagedRuleGroupSummary[] {
  return CATALOGUE.map((e) => ({ VendorName: MANAGED_VENDOR, Name: e.name, VersioningSupported: true, Description: e.description }));
}

export function listManagedRuleGroupVersions(name: string): { Versions: Array<{ Name: string; LastUpdateTimestamp: Date }>; CurrentDefaultVersion: string } | undefined {
  if (!entry(name)) return undefined;
  return { Versions: [{ Name: DEFAULT_MANAGED_VERSION, LastUpdateTimestamp: VERSION_DATE }], CurrentDefaultVersion: DEFAULT_MANAGED_VERSION };
}

function labelsConsumed(rules: Rule[]): string[] {
  const out = new Set<string>();
  const walk = (s: Statement | undefined): void => {
    if (!s) return;
    const l: LabelMatchStatement | undefined = s.LabelMatchStatement;
    if (l?.Key) out.add(l.Key);
    for (const c of [...(s.AndStatement?.Statements ?? []), ...(s.OrStatement?.Statements ?? [])]) walk(c);
    walk(s.NotStatement?.Statement);
  };
  for (const r of rules) walk(r.Statement);
  return [...out];
}

/** DescribeManagedRuleGroup output; undefined when the group or version is unknown. */
export function describeManagedRuleGroup(name: string, version?: string): (DescribeManagedRuleGroupResponse & { VersionName: string }) | undefined {
  const e = entry(name);
  if (!e || (version !== undefined && version !== DEFAULT_MANAGED_VERSION)) return undefined;
  const ns = `awswaf:managed:aws:${e.namespace}:`;
  const rules = e.rules();
  return {
    VersionName: DEFAULT_MANAGED_VERSION,
    Capacity: e.capacity,
    LabelNamespace: ns,
    Rules: rules.map((r) => ({ Name: r.Name, Action: r.Action })),
    AvailableLabels: rules.flatMap((r) => (r.RuleLabels ?? []).map((l) => ({ Name: ns + (l.Name ?? "") }))),
    ConsumedLabels: labelsConsumed(rules).map((Name) => ({ Name })),
  };
}

const EMPTY_LIST: IpMatcher = createIpMatcher([]);

/** The executable definition of a managed rule group, for WafResolver.managedRuleGroup. */
export function getManagedRuleGroup(vendorName: string, name: string, version: string | undefined, ipLists: ManagedIpLists = {}): ManagedRuleGroupDefinition | undefined {
  if (vendorName !== MANAGED_VENDOR) return undefined;
  const e = entry(name);
  if (!e || (version !== undefined && version !== DEFAULT_MANAGED_VERSION)) return undefined;
  const lists: Record<string, IpMatcher> = {};
  for (const n of ["AWSManagedIPReputationList", "AWSManagedReconnaissanceList", "AWSManagedIPDDoSList", "AnonymousIPList", "HostingProviderIPList"] as ManagedIpListName[]) {
    lists[managedIpListArn(n)] = ipLists[n] ?? EMPTY_LIST;
  }
  return { vendorName, name, version: DEFAULT_MANAGED_VERSION, labelNamespace: `awswaf:managed:aws:${e.namespace}:`, capacity: e.capacity, rules: e.rules(), ipLists: lists, natives: NATIVES };
}
