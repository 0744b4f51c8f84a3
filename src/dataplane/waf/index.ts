/** Public API of Bulwark's WAF engine (AWS WAFv2 semantics). */
export { compileWebAcl, DEFAULT_BODY_LIMIT, type CompileDeps } from "./compile-acl.js";
export { WafCompileError } from "./compile-statement.js";
export { checkCapacity } from "./capacity.js";
export type { WafResolver, RateCounter, GeoLookup, ManagedRuleGroupDefinition } from "./types.js";
export { createStaticResolver, type StaticResolverInput } from "./static-resolver.js";
export { listManagedRuleGroups, describeManagedRuleGroup, listManagedRuleGroupVersions, getManagedRuleGroup, MANAGED_VENDOR, DEFAULT_MANAGED_VERSION } from "./managed/catalogue.js";
export { loadIpList, parseIpList, type ManagedIpLists, type ManagedIpListName } from "./managed/ip-lists.js";
export { createLocalRateCounter } from "./rate/local-rate-counter.js";
export { rateBasedManagedKeys, MAX_MANAGED_KEYS, type RateBasedManagedKeys } from "./rate-based.js";
export { createGeoLookup } from "./geo.js";
export { createIpMatcher, parseIp, type IpMatcher } from "./ip.js";
export { WAF_VERIFY_PATH } from "./interstitial.js";
export { TOKEN_COOKIE, issueToken, readToken } from "./tokens.js";
export { detectSqli } from "./detect/sqli.js";
export { detectXss } from "./detect/xss.js";
export { applyTransforms, TRANSFORMS } from "./transforms.js";
export { compileAwsRegex } from "./regex.js";
