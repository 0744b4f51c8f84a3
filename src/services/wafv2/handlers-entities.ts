/**
 * Handler table for the CRUD operations of web ACLs, rule groups, IP sets and regex pattern
 * sets. Each handler authorises first, then calls the aggregate.
 */
import {
  CreateIPSet$,
  CreateRegexPatternSet$,
  CreateRuleGroup$,
  CreateWebACL$,
  DeleteIPSet$,
  DeleteRegexPatternSet$,
  DeleteRuleGroup$,
  DeleteWebACL$,
  GetIPSet$,
  GetRegexPatternSet$,
  GetRuleGroup$,
  GetWebACL$,
  ListIPSets$,
  ListRegexPatternSets$,
  ListRuleGroups$,
  ListWebACLs$,
  UpdateIPSet$,
  UpdateRegexPatternSet$,
  UpdateRuleGroup$,
  UpdateWebACL$,
  type CreateIPSetRequest,
  type CreateRegexPatternSetRequest,
  type CreateRuleGroupRequest,
  type CreateWebACLRequest,
  type UpdateIPSetRequest,
  type UpdateRegexPatternSetRequest,
  type UpdateRuleGroupRequest,
  type UpdateWebACLRequest,
} from "@aws-sdk/client-wafv2";
import type { RequestContext } from "../../core/types.js";
import type { OperationDefinition } from "../types.js";
import type { EntityKind } from "./arn.js";
import type { Deployer } from "./deployer.js";
import type { WafDomainDeps } from "./domain-deps.js";
import { entityByArn, listEntities, summaryOf } from "./entities.js";
import { invalidParameter, nonexistentItem } from "./errors.js";
import { auditEntity, authorizeReferences, authorizeSharedUse, callerOf, kindWildcardArn, otherAccountsRuleGroup, requestArn, sortedByNameThenId } from "./handler-support.js";
import { checkArn, checkId, checkLimit, checkLockToken, checkMarker, checkName, checkScope } from "./input.js";
import { createIpSet, deleteIpSet, getIpSet, updateIpSet } from "./ip-set.js";
import type { Markers } from "./markers.js";
import type { EntityRecord } from "./model.js";
import { createRegexPatternSet, deleteRegexPatternSet, getRegexPatternSet, updateRegexPatternSet } from "./regex-pattern-set.js";
import { createRuleGroup, deleteRuleGroup, requireRuleGroup, ruleGroupView, updateRuleGroup } from "./rule-group.js";
import { createWebAcl, deleteWebAcl, requireWebAcl, updateWebAcl, webAclView } from "./web-acl.js";

export interface EntityHandlerDeps {
  domain: WafDomainDeps;
  deployer: Deployer;
  markers: Markers;
  isLiveResource: (resourceArn: string) => Promise<boolean>;
}

interface Addressed {
  Name?: string;
  Scope?: string;
  Id?: string;
  LockToken?: string;
}

interface ListInput {
  Scope?: string;
  NextMarker?: string;
  Limit?: number;
}

/** Name + Id + (LockToken) constraint checks shared by Get/Update/Delete. */
function checkAddress(input: Addressed, withLock: boolean): { name: string; id: string; lockToken: string } {
  const name = input.Name as string;
  const id = input.Id as string;
  checkName(name);
  checkId(id);
  if (withLock) checkLockToken(input.LockToken as string);
  return { name, id, lockToken: input.LockToken ?? "" };
}

const LIST_KEYS: Record<EntityKind, string> = { webacl: "WebACLs", rulegroup: "RuleGroups", ipset: "IPSets", regexpatternset: "RegexPatternSets" };

function listOp(deps: EntityHandlerDeps, kind: EntityKind, action: string, schema: unknown): OperationDefinition {
  return {
    schema,
    handler: async (input: ListInput, ctx: RequestContext) => {
      await ctx.authorize({ action, resource: kindWildcardArn(ctx, kind, input.Scope) });
      const scope = checkScope(input.Scope as string, ctx.scope.region);
      const limit = checkLimit(input.Limit);
      checkMarker(input.NextMarker);
      const items = sortedByNameThenId(await listEntities(deps.domain.store, kind, { accountId: ctx.scope.accountId, region: ctx.scope.region, scope }));
      const { page, next } = deps.markers.page(items, (r) => `${r.name}\u0000${r.id}`, `${action}/${ctx.scope.accountId}/${ctx.scope.region}/${scope}`, input.NextMarker, limit);
      return { [LIST_KEYS[kind]]: page.map(summaryOf), ...(next ? { NextMarker: next } : {}) };
    },
  };
}

/** Get by ARN, or by Name + Scope + Id (GetWebACL and GetRuleGroup accept either). */
async function lookup(deps: EntityHandlerDeps, ctx: RequestContext, kind: "webacl" | "rulegroup", input: Addressed & { ARN?: string }): Promise<EntityRecord> {
  const c = callerOf(ctx);
  if (input.ARN !== undefined) {
    checkArn(input.ARN, "aRN");
    const rec = await entityByArn(deps.domain.store, input.ARN, c.accountId, c.region, kind);
    if (!rec) throw nonexistentItem();
    return rec;
  }
  if (input.Name === undefined || input.Scope === undefined || input.Id === undefined) {
    throw invalidParameter(kind === "webacl" ? "WEB_ACL" : "RULE_GROUP", "ARN", "Specify either the ARN or the Name, Scope and Id.");
  }
  const scope = checkScope(input.Scope, c.region);
  const { name, id } = checkAddress(input, false);
  return kind === "webacl" ? requireWebAcl(deps.domain, c, scope, name, id) : requireRuleGroup(deps.domain, c, scope, name, id);
}

export function entityOperations(deps: EntityHandlerDeps): Record<string, OperationDefinition> {
  const d = deps.domain;
  return {
    // ---- web ACLs ---------------------------------------------------------------------
    CreateWebACL: {
      schema: CreateWebACL$,
      handler: async (input: CreateWebACLRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:CreateWebACL", resource: requestArn(ctx, "webacl", input.Scope, input.Name, "*") });
        const shared = await authorizeReferences(ctx, d.store, "wafv2:CreateWebACL", input.Rules);
        const rec = await createWebAcl(d, callerOf(ctx), checkScope(input.Scope as string, ctx.scope.region), input, shared);
        auditEntity(ctx, rec);
        return { Summary: summaryOf(rec) };
      },
    },
    GetWebACL: {
      schema: GetWebACL$,
      handler: async (input: Addressed & { ARN?: string }, ctx) => {
        await ctx.authorize({ action: "wafv2:GetWebACL", resource: input.ARN ?? requestArn(ctx, "webacl", input.Scope, input.Name, input.Id) });
        return webAclView(await lookup(deps, ctx, "webacl", input));
      },
    },
    UpdateWebACL: {
      schema: UpdateWebACL$,
      handler: async (input: UpdateWebACLRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:UpdateWebACL", resource: requestArn(ctx, "webacl", input.Scope, input.Name, input.Id) });
        const shared = await authorizeReferences(ctx, d.store, "wafv2:UpdateWebACL", input.Rules);
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        checkAddress(input, true);
        return { NextLockToken: await updateWebAcl(d, callerOf(ctx), scope, input, shared) };
      },
    },
    DeleteWebACL: {
      schema: DeleteWebACL$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:DeleteWebACL", resource: requestArn(ctx, "webacl", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id, lockToken } = checkAddress(input, true);
        const c = callerOf(ctx);
        const { rec, removedAssociations } = await deleteWebAcl(d, c, scope, name, id, lockToken, deps.isLiveResource);
        await deps.deployer.forget(removedAssociations, rec.arn);
        auditEntity(ctx, rec);
        return {};
      },
    },
    ListWebACLs: listOp(deps, "webacl", "wafv2:ListWebACLs", ListWebACLs$),

    // ---- rule groups ------------------------------------------------------------------
    CreateRuleGroup: {
      schema: CreateRuleGroup$,
      handler: async (input: CreateRuleGroupRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:CreateRuleGroup", resource: requestArn(ctx, "rulegroup", input.Scope, input.Name, "*") });
        await authorizeReferences(ctx, d.store, "wafv2:CreateRuleGroup", input.Rules);
        const rec = await createRuleGroup(d, callerOf(ctx), checkScope(input.Scope as string, ctx.scope.region), input);
        auditEntity(ctx, rec);
        return { Summary: summaryOf(rec) };
      },
    },
    GetRuleGroup: {
      schema: GetRuleGroup$,
      handler: async (input: Addressed & { ARN?: string }, ctx) => {
        // Another account's rule group: read when its permission policy grants wafv2:GetRuleGroup.
        const shared = input.ARN === undefined ? undefined : await otherAccountsRuleGroup(ctx, d.store, input.ARN);
        if (shared !== undefined) {
          await authorizeSharedUse(ctx, "wafv2:GetRuleGroup", shared);
          return ruleGroupView(shared);
        }
        await ctx.authorize({ action: "wafv2:GetRuleGroup", resource: input.ARN ?? requestArn(ctx, "rulegroup", input.Scope, input.Name, input.Id) });
        return ruleGroupView(await lookup(deps, ctx, "rulegroup", input));
      },
    },
    UpdateRuleGroup: {
      schema: UpdateRuleGroup$,
      handler: async (input: UpdateRuleGroupRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:UpdateRuleGroup", resource: requestArn(ctx, "rulegroup", input.Scope, input.Name, input.Id) });
        await authorizeReferences(ctx, d.store, "wafv2:UpdateRuleGroup", input.Rules);
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        checkAddress(input, true);
        return { NextLockToken: await updateRuleGroup(d, callerOf(ctx), scope, input) };
      },
    },
    DeleteRuleGroup: {
      schema: DeleteRuleGroup$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:DeleteRuleGroup", resource: requestArn(ctx, "rulegroup", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id, lockToken } = checkAddress(input, true);
        await deleteRuleGroup(d, callerOf(ctx), scope, name, id, lockToken);
        return {};
      },
    },
    ListRuleGroups: listOp(deps, "rulegroup", "wafv2:ListRuleGroups", ListRuleGroups$),

    // ---- IP sets ----------------------------------------------------------------------
    CreateIPSet: {
      schema: CreateIPSet$,
      handler: async (input: CreateIPSetRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:CreateIPSet", resource: requestArn(ctx, "ipset", input.Scope, input.Name, "*") });
        const rec = await createIpSet(d, callerOf(ctx), checkScope(input.Scope as string, ctx.scope.region), input);
        auditEntity(ctx, rec);
        return { Summary: summaryOf(rec) };
      },
    },
    GetIPSet: {
      schema: GetIPSet$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:GetIPSet", resource: requestArn(ctx, "ipset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id } = checkAddress(input, false);
        return getIpSet(d, callerOf(ctx), scope, name, id);
      },
    },
    UpdateIPSet: {
      schema: UpdateIPSet$,
      handler: async (input: UpdateIPSetRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:UpdateIPSet", resource: requestArn(ctx, "ipset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        checkAddress(input, true);
        return { NextLockToken: await updateIpSet(d, callerOf(ctx), scope, input) };
      },
    },
    DeleteIPSet: {
      schema: DeleteIPSet$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:DeleteIPSet", resource: requestArn(ctx, "ipset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id, lockToken } = checkAddress(input, true);
        await deleteIpSet(d, callerOf(ctx), scope, name, id, lockToken);
        return {};
      },
    },
    ListIPSets: listOp(deps, "ipset", "wafv2:ListIPSets", ListIPSets$),

    // ---- regex pattern sets -----------------------------------------------------------
    CreateRegexPatternSet: {
      schema: CreateRegexPatternSet$,
      handler: async (input: CreateRegexPatternSetRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:CreateRegexPatternSet", resource: requestArn(ctx, "regexpatternset", input.Scope, input.Name, "*") });
        const rec = await createRegexPatternSet(d, callerOf(ctx), checkScope(input.Scope as string, ctx.scope.region), input);
        auditEntity(ctx, rec);
        return { Summary: summaryOf(rec) };
      },
    },
    GetRegexPatternSet: {
      schema: GetRegexPatternSet$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:GetRegexPatternSet", resource: requestArn(ctx, "regexpatternset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id } = checkAddress(input, false);
        return getRegexPatternSet(d, callerOf(ctx), scope, name, id);
      },
    },
    UpdateRegexPatternSet: {
      schema: UpdateRegexPatternSet$,
      handler: async (input: UpdateRegexPatternSetRequest, ctx) => {
        await ctx.authorize({ action: "wafv2:UpdateRegexPatternSet", resource: requestArn(ctx, "regexpatternset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        checkAddress(input, true);
        return { NextLockToken: await updateRegexPatternSet(d, callerOf(ctx), scope, input) };
      },
    },
    DeleteRegexPatternSet: {
      schema: DeleteRegexPatternSet$,
      handler: async (input: Addressed, ctx) => {
        await ctx.authorize({ action: "wafv2:DeleteRegexPatternSet", resource: requestArn(ctx, "regexpatternset", input.Scope, input.Name, input.Id) });
        const scope = checkScope(input.Scope as string, ctx.scope.region);
        const { name, id, lockToken } = checkAddress(input, true);
        await deleteRegexPatternSet(d, callerOf(ctx), scope, name, id, lockToken);
        return {};
      },
    },
    ListRegexPatternSets: listOp(deps, "regexpatternset", "wafv2:ListRegexPatternSets", ListRegexPatternSets$),
  };
}
