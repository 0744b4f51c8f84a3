/**
 * Handler table for associations, capacity checks, managed rule groups, sampled requests,
 * logging configurations and tags. Each handler authorises first.
 */
import {
  AssociateWebACL$,
  CheckCapacity$,
  DeleteLoggingConfiguration$,
  DeletePermissionPolicy$,
  DescribeManagedRuleGroup$,
  DisassociateWebACL$,
  GetLoggingConfiguration$,
  GetPermissionPolicy$,
  GetRateBasedStatementManagedKeys$,
  GetSampledRequests$,
  GetWebACLForResource$,
  ListAvailableManagedRuleGroups$,
  ListAvailableManagedRuleGroupVersions$,
  ListLoggingConfigurations$,
  ListResourcesForWebACL$,
  ListTagsForResource$,
  PutLoggingConfiguration$,
  PutPermissionPolicy$,
  TagResource$,
  UntagResource$,
  type CheckCapacityRequest,
  type GetRateBasedStatementManagedKeysRequest,
  type GetSampledRequestsRequest,
  type LoggingConfiguration,
  type Tag as SdkTag,
} from "@aws-sdk/client-wafv2";
import type { RequestContext } from "../../core/types.js";
import type { OperationDefinition } from "../types.js";
import { parseLoadBalancerArn } from "./arn.js";
import { associateWebAcl, disassociateWebAcl, resourcesForWebAcl, webAclForResource, type AssociationDeps } from "./associations.js";
import type { WafDomainDeps } from "./domain-deps.js";
import { nonexistentItem } from "./errors.js";
import { authorizeReferences, callerOf, kindWildcardArn, ownerOf, requestArn } from "./handler-support.js";
import { checkArn, checkEnum, checkId, checkLimit, checkMarker, checkName, checkScope, checkString, checkTagKeys, checkTags, NOT_BLANK } from "./input.js";
import { deleteLoggingConfiguration, getLoggingConfiguration, listLoggingConfigurations, putLoggingConfiguration, type LoggingDeps } from "./logging-config.js";
import type { Markers } from "./markers.js";
import { checkRules, managedGroupsOf, placeholderBodies } from "./rules.js";
import { rateBasedManagedKeys } from "./managed-keys.js";
import { deletePermissionPolicy, getPermissionPolicy, putPermissionPolicy } from "./permission-policy.js";
import { getSampledRequests } from "./sampled-requests.js";
import type { RequestSampler } from "./sampling.js";
import { loadReferences } from "./snapshot.js";
import { listTags, tagResource, untagResource } from "./tags.js";

export interface ResourceHandlerDeps {
  domain: WafDomainDeps;
  associations: AssociationDeps;
  logging: LoggingDeps;
  sampler: RequestSampler;
  markers: Markers;
}

const RESOURCE_TYPES = ["AGENTCORE_GATEWAY", "AMPLIFY", "API_GATEWAY", "APPLICATION_LOAD_BALANCER", "APPSYNC", "APP_RUNNER_SERVICE", "COGNITO_USER_POOL", "VERIFIED_ACCESS_INSTANCE"] as const;
const VERSION_NAME = /^[\w#:.\-/]+$/;

/** Changing a load balancer's web ACL also needs the ELBv2 permission, as in AWS. */
async function authorizeLoadBalancer(ctx: RequestContext, resourceArn: string): Promise<void> {
  if (parseLoadBalancerArn(resourceArn)) await ctx.authorize({ action: "elasticloadbalancing:SetWebAcl", resource: resourceArn });
}

function checkVendorAndName(vendor: string, name: string): void {
  checkString("vendorName", vendor, 1, 128, NOT_BLANK);
  checkName(name);
}

export function resourceOperations(deps: ResourceHandlerDeps): Record<string, OperationDefinition> {
  const engine = deps.domain.engine;
  return {
    // ---- associations -----------------------------------------------------------------
    AssociateWebACL: {
      schema: AssociateWebACL$,
      handler: async (input: { WebACLArn: string; ResourceArn: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:AssociateWebACL", resource: input.WebACLArn });
        await authorizeLoadBalancer(ctx, input.ResourceArn);
        checkArn(input.WebACLArn, "webACLArn");
        checkArn(input.ResourceArn, "resourceArn");
        await associateWebAcl(deps.associations, callerOf(ctx), input.WebACLArn, input.ResourceArn);
        return {};
      },
    },
    DisassociateWebACL: {
      schema: DisassociateWebACL$,
      handler: async (input: { ResourceArn: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:DisassociateWebACL", resource: input.ResourceArn });
        await authorizeLoadBalancer(ctx, input.ResourceArn);
        checkArn(input.ResourceArn, "resourceArn");
        await disassociateWebAcl(deps.associations, callerOf(ctx), input.ResourceArn);
        return {};
      },
    },
    GetWebACLForResource: {
      schema: GetWebACLForResource$,
      handler: async (input: { ResourceArn: string }, ctx) => {
        // Checked against every regional web ACL (the one protecting the resource is not known yet);
        // the web ACL found is then read with GetWebACL's permission, as the API reference says.
        await ctx.authorize({ action: "wafv2:GetWebACLForResource", resource: kindWildcardArn(ctx, "webacl", "REGIONAL") });
        checkArn(input.ResourceArn, "resourceArn");
        const found = await webAclForResource(deps.associations, callerOf(ctx), input.ResourceArn);
        if (found.WebACL?.ARN !== undefined) await ctx.authorize({ action: "wafv2:GetWebACL", resource: found.WebACL.ARN });
        return found;
      },
    },
    ListResourcesForWebACL: {
      schema: ListResourcesForWebACL$,
      handler: async (input: { WebACLArn: string; ResourceType?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:ListResourcesForWebACL", resource: input.WebACLArn });
        checkArn(input.WebACLArn, "webACLArn");
        const type = checkEnum("resourceType", input.ResourceType ?? "APPLICATION_LOAD_BALANCER", RESOURCE_TYPES);
        return { ResourceArns: await resourcesForWebAcl(deps.associations, callerOf(ctx), input.WebACLArn, type) };
      },
    },

    // ---- capacity and managed rule groups ---------------------------------------------
    CheckCapacity: {
      schema: CheckCapacity$,
      handler: async (input: CheckCapacityRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:CheckCapacity", resource: kindWildcardArn(ctx, "webacl", input.Scope) });
        const shared = await authorizeReferences(ctx, deps.domain.store, "wafv2:CheckCapacity", input.Rules);
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const rules = input.Rules ?? [];
        const facts = checkRules(rules, "webacl", undefined, { anyBodyKey: true });
        const snapshot = await loadReferences(deps.domain.store, facts.refs, { accountId: ctx.scope.accountId, region: ctx.scope.region, scope }, shared);
        for (const g of managedGroupsOf(rules)) if (!engine.describeManagedRuleGroup(g.vendor, g.name, g.version)) throw nonexistentItem();
        return { Capacity: engine.capacity(rules, snapshot, placeholderBodies(rules)) };
      },
    },
    ListAvailableManagedRuleGroups: {
      schema: ListAvailableManagedRuleGroups$,
      handler: async (input: { Scope: string; NextMarker?: string; Limit?: number }, ctx) => {
        await ctx.authorize({ action: "wafv2:ListAvailableManagedRuleGroups", resource: kindWildcardArn(ctx, "managedruleset", input.Scope) });
        const scope = checkScope(input.Scope, ctx.scope.region);
        const limit = checkLimit(input.Limit);
        checkMarker(input.NextMarker);
        const all = [...engine.listManagedRuleGroups()].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
        const { page, next } = deps.markers.page(all, key, `ListAvailableManagedRuleGroups/${scope}`, input.NextMarker, limit);
        return { ManagedRuleGroups: page, ...(next ? { NextMarker: next } : {}) };
      },
    },
    ListAvailableManagedRuleGroupVersions: {
      schema: ListAvailableManagedRuleGroupVersions$,
      handler: async (input: { VendorName: string; Name: string; Scope: string; NextMarker?: string; Limit?: number }, ctx) => {
        await ctx.authorize({ action: "wafv2:ListAvailableManagedRuleGroupVersions", resource: kindWildcardArn(ctx, "managedruleset", input.Scope) });
        checkScope(input.Scope, ctx.scope.region);
        checkVendorAndName(input.VendorName, input.Name);
        const limit = checkLimit(input.Limit);
        checkMarker(input.NextMarker);
        const v = engine.managedRuleGroupVersions(input.VendorName, input.Name);
        if (!v) throw nonexistentItem();
        const { page, next } = deps.markers.page(v.versions, (x) => x.Name ?? "", `ListAvailableManagedRuleGroupVersions/${input.VendorName}/${input.Name}`, input.NextMarker, limit);
        return { Versions: page, ...(v.currentDefaultVersion ? { CurrentDefaultVersion: v.currentDefaultVersion } : {}), ...(next ? { NextMarker: next } : {}) };
      },
    },
    DescribeManagedRuleGroup: {
      schema: DescribeManagedRuleGroup$,
      handler: async (input: { VendorName: string; Name: string; Scope: string; VersionName?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:DescribeManagedRuleGroup", resource: kindWildcardArn(ctx, "managedruleset", input.Scope) });
        checkScope(input.Scope, ctx.scope.region);
        checkVendorAndName(input.VendorName, input.Name);
        if (input.VersionName !== undefined) checkString("versionName", input.VersionName, 1, 64, VERSION_NAME);
        const d = engine.describeManagedRuleGroup(input.VendorName, input.Name, input.VersionName);
        if (!d) throw nonexistentItem();
        return d;
      },
    },

    // ---- sampled requests -------------------------------------------------------------
    GetSampledRequests: {
      schema: GetSampledRequests$,
      handler: async (input: GetSampledRequestsRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:GetSampledRequests", resource: input.WebAclArn ?? "*" });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        return getSampledRequests(deps.domain.store, deps.sampler, callerOf(ctx), scope, input);
      },
    },

    // ---- rate-based rules -------------------------------------------------------------
    GetRateBasedStatementManagedKeys: {
      schema: GetRateBasedStatementManagedKeys$,
      handler: async (input: GetRateBasedStatementManagedKeysRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:GetRateBasedStatementManagedKeys", resource: requestArn(ctx, "webacl", input.Scope, input.WebACLName, input.WebACLId) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const webAclName = input.WebACLName as string;
        const webAclId = input.WebACLId as string;
        const ruleName = input.RuleName as string;
        checkName(webAclName, "webACLName");
        checkId(webAclId, "webACLId");
        if (input.RuleGroupRuleName !== undefined) checkName(input.RuleGroupRuleName, "ruleGroupRuleName");
        checkName(ruleName, "ruleName");
        return rateBasedManagedKeys(deps.domain, callerOf(ctx), scope, { webAclName, webAclId, ruleName, ruleGroupRuleName: input.RuleGroupRuleName });
      },
    },

    // ---- rule group sharing -----------------------------------------------------------
    PutPermissionPolicy: {
      schema: PutPermissionPolicy$,
      handler: async (input: { ResourceArn: string; Policy: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:PutPermissionPolicy", resource: input.ResourceArn, ...ownerOf(ctx, input.ResourceArn) });
        checkString("resourceArn", input.ResourceArn, 20, 2048, NOT_BLANK);
        checkString("policy", input.Policy, 1, 395_000, NOT_BLANK);
        await putPermissionPolicy(deps.domain, callerOf(ctx), input.ResourceArn, input.Policy);
        return {};
      },
    },
    GetPermissionPolicy: {
      schema: GetPermissionPolicy$,
      handler: async (input: { ResourceArn: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:GetPermissionPolicy", resource: input.ResourceArn, ...ownerOf(ctx, input.ResourceArn) });
        checkString("resourceArn", input.ResourceArn, 20, 2048, NOT_BLANK);
        return getPermissionPolicy(deps.domain, callerOf(ctx), input.ResourceArn);
      },
    },
    DeletePermissionPolicy: {
      schema: DeletePermissionPolicy$,
      handler: async (input: { ResourceArn: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:DeletePermissionPolicy", resource: input.ResourceArn, ...ownerOf(ctx, input.ResourceArn) });
        checkString("resourceArn", input.ResourceArn, 20, 2048, NOT_BLANK);
        await deletePermissionPolicy(deps.domain, callerOf(ctx), input.ResourceArn);
        return {};
      },
    },

    // ---- logging ----------------------------------------------------------------------
    PutLoggingConfiguration: {
      schema: PutLoggingConfiguration$,
      handler: async (input: { LoggingConfiguration: LoggingConfiguration }, ctx) => {
        await ctx.authorize({ action: "wafv2:PutLoggingConfiguration", resource: input.LoggingConfiguration?.ResourceArn ?? "*" });
        return { LoggingConfiguration: await putLoggingConfiguration(deps.logging, callerOf(ctx), input.LoggingConfiguration) };
      },
    },
    GetLoggingConfiguration: {
      schema: GetLoggingConfiguration$,
      handler: async (input: { ResourceArn: string; LogType?: string; LogScope?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:GetLoggingConfiguration", resource: input.ResourceArn });
        return { LoggingConfiguration: await getLoggingConfiguration(deps.logging, callerOf(ctx), input.ResourceArn, input.LogType, input.LogScope) };
      },
    },
    DeleteLoggingConfiguration: {
      schema: DeleteLoggingConfiguration$,
      handler: async (input: { ResourceArn: string; LogType?: string; LogScope?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:DeleteLoggingConfiguration", resource: input.ResourceArn });
        await deleteLoggingConfiguration(deps.logging, callerOf(ctx), input.ResourceArn, input.LogType, input.LogScope);
        return {};
      },
    },
    ListLoggingConfigurations: {
      schema: ListLoggingConfigurations$,
      handler: async (input: { Scope: string; NextMarker?: string; Limit?: number; LogScope?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:ListLoggingConfigurations", resource: kindWildcardArn(ctx, "webacl", input.Scope) });
        const scope = checkScope(input.Scope, ctx.scope.region);
        const limit = checkLimit(input.Limit);
        checkMarker(input.NextMarker);
        const all = await listLoggingConfigurations(deps.logging, callerOf(ctx), scope, input.LogScope);
        const { page, next } = deps.markers.page(all, (x) => x.ResourceArn ?? "", `ListLoggingConfigurations/${ctx.scope.accountId}/${ctx.scope.region}/${scope}`, input.NextMarker, limit);
        return { LoggingConfigurations: page, ...(next ? { NextMarker: next } : {}) };
      },
    },

    // ---- tags -------------------------------------------------------------------------
    TagResource: {
      schema: TagResource$,
      handler: async (input: { ResourceARN: string; Tags: SdkTag[] }, ctx) => {
        await ctx.authorize({ action: "wafv2:TagResource", resource: input.ResourceARN });
        await tagResource(deps.domain.store, callerOf(ctx), input.ResourceARN, checkTags(input.Tags));
        return {};
      },
    },
    UntagResource: {
      schema: UntagResource$,
      handler: async (input: { ResourceARN: string; TagKeys: string[] }, ctx) => {
        await ctx.authorize({ action: "wafv2:UntagResource", resource: input.ResourceARN });
        checkTagKeys(input.TagKeys);
        await untagResource(deps.domain.store, callerOf(ctx), input.ResourceARN, input.TagKeys);
        return {};
      },
    },
    ListTagsForResource: {
      schema: ListTagsForResource$,
      handler: async (input: { ResourceARN: string; NextMarker?: string; Limit?: number }, ctx) => {
        await ctx.authorize({ action: "wafv2:ListTagsForResource", resource: input.ResourceARN });
        const limit = checkLimit(input.Limit);
        checkMarker(input.NextMarker);
        const { arn, tags } = await listTags(deps.domain.store, callerOf(ctx), input.ResourceARN);
        const { page, next } = deps.markers.page(tags, (t) => t.Key, `ListTagsForResource/${arn}`, input.NextMarker, limit);
        return { TagInfoForResource: { ResourceARN: arn, TagList: page }, ...(next ? { NextMarker: next } : {}) };
      },
    },
  };
}

function key(g: { VendorName?: string | undefined; Name?: string | undefined }): string {
  return `${g.VendorName ?? ""}\u0000${g.Name ?? ""}`;
}
