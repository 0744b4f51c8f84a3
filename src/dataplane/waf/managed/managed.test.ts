import { test } from "node:test";
import assert from "node:assert/strict";
import { listManagedRuleGroups, describeManagedRuleGroup, getManagedRuleGroup, listManagedRuleGroupVersions } from "./catalogue.js";
import { checkCapacity } from "../capacity.js";
import { createStaticResolver } from "../static-resolver.js";
import type { Rule } from "@aws-sdk/client-wafv2";

test("catalogue lists the AWS-named groups", () => {
  const names = listManagedRuleGroups().map((g) => g.Name);
  for (const n of ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet", "AWSManagedRulesPHPRuleSet", "AWSManagedRulesAdminProtectionRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"]) {
    assert.ok(names.includes(n), n);
  }
  assert.equal(listManagedRuleGroupVersions("AWSManagedRulesCommonRuleSet")?.CurrentDefaultVersion, "Version_1.0");
});

test("documented rule names and labels", () => {
  const crs = describeManagedRuleGroup("AWSManagedRulesCommonRuleSet");
  assert.equal(crs?.Capacity, 700);
  assert.equal(crs?.LabelNamespace, "awswaf:managed:aws:core-rule-set:");
  const names = crs?.Rules?.map((r) => r.Name) ?? [];
  for (const n of ["NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING", "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH", "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_QUERYARGUMENTS", "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH", "GenericLFI_BODY", "RestrictedExtensions_URIPATH", "RestrictedExtensions_QUERYARGUMENTS", "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH", "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY", "CrossSiteScripting_URIPATH"]) {
    assert.ok(names.includes(n), n);
  }
  const labels = crs?.AvailableLabels?.map((l) => l.Name) ?? [];
  assert.ok(labels.includes("awswaf:managed:aws:core-rule-set:NoUserAgent_Header"));
  assert.ok(labels.includes("awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"));
  const sqli = describeManagedRuleGroup("AWSManagedRulesSQLiRuleSet");
  assert.deepEqual(sqli?.Rules?.map((r) => r.Name), ["SQLi_QUERYARGUMENTS", "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLi_BODY", "SQLiExtendedPatterns_BODY", "SQLi_COOKIE", "SQLi_URIPATH", "SQLi_HEADER"]);
  assert.ok(sqli?.AvailableLabels?.some((l) => l.Name === "awswaf:managed:aws:sql-database:SQLi_QueryArguments"));
  const kbi = describeManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet");
  assert.ok(kbi?.AvailableLabels?.some((l) => l.Name === "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Header"));
  assert.equal(describeManagedRuleGroup("AWSManagedRulesCommonRuleSet", "Version_9.9"), undefined);
  assert.equal(getManagedRuleGroup("NotAWS", "AWSManagedRulesCommonRuleSet", undefined), undefined);
});

test("WCU calculation follows the documented per-statement costs", () => {
  const r = createStaticResolver();
  const vis = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "m" };
  const rules: Rule[] = [
    // ByteMatch CONTAINS (10) on all query args (+10) with 2 transformations (+20) = 40
    { Name: "a", Priority: 0, Action: { Block: {} }, VisibilityConfig: vis, Statement: { ByteMatchStatement: { SearchString: Buffer.from("x"), PositionalConstraint: "CONTAINS", FieldToMatch: { AllQueryArguments: {} }, TextTransformations: [{ Priority: 0, Type: "URL_DECODE" }, { Priority: 1, Type: "LOWERCASE" }] } } },
    // SQLi HIGH (30) on JSON body (doubled: 60) + 1 transformation (10) = 70
    { Name: "b", Priority: 1, Action: { Block: {} }, VisibilityConfig: vis, Statement: { SqliMatchStatement: { SensitivityLevel: "HIGH", FieldToMatch: { JsonBody: { MatchPattern: { All: {} }, MatchScope: "ALL" } }, TextTransformations: [{ Priority: 0, Type: "URL_DECODE" }] } } },
    // Or(XSS 40 + NONE 0, Size 1) = 41
    { Name: "c", Priority: 2, Action: { Block: {} }, VisibilityConfig: vis, Statement: { OrStatement: { Statements: [{ XssMatchStatement: { FieldToMatch: { Body: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }, { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: 9, TextTransformations: [{ Priority: 0, Type: "NONE" }] } }] } } },
    // Rate-based 2 + custom header key 30 + 1 transformation 10 = 42
    { Name: "d", Priority: 3, Action: { Block: {} }, VisibilityConfig: vis, Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ Header: { Name: "x", TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }] } }] } } },
    // Managed CRS = 700
    { Name: "e", Priority: 4, OverrideAction: { None: {} }, VisibilityConfig: vis, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } } },
  ];
  assert.equal(checkCapacity(rules.slice(0, 1), r), 40);
  assert.equal(checkCapacity(rules.slice(1, 2), r), 70);
  assert.equal(checkCapacity(rules.slice(2, 3), r), 41);
  assert.equal(checkCapacity(rules.slice(3, 4), r), 42);
  assert.equal(checkCapacity(rules, r), 40 + 70 + 41 + 42 + 700);
});
