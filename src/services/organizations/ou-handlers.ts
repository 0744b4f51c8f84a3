/** Organizational units and moving accounts between them: the handler table (domain in tree.ts). */
import {
  CreateOrganizationalUnit$,
  DeleteOrganizationalUnit$,
  DescribeOrganizationalUnit$,
  ListChildren$,
  ListOrganizationalUnitsForParent$,
  MoveAccount$,
  UpdateOrganizationalUnit$,
} from "@aws-sdk/client-organizations";
import { requestTagContext } from "../iam/tags.js";
import type { OperationDefinition } from "../types.js";
import { accountNotFound, invalidInput, organizationalUnitNotFound, parentNotFound } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { ACCOUNT_ID, checkPage, checkString, OU_ID, paginate, PARENT_ID, requireId, requireString } from "./input.js";
import { accountArn, ouArn, ouView, rootArn, type OrganizationRecord } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import { checkTags } from "./tags.js";
import { accountsIn, createOu, deleteOu, getOu, moveAccount, ousIn, parentExists, renameOu } from "./tree.js";

export interface PageInput {
  NextToken?: string;
  MaxResults?: number;
}

const OU_TYPE = "AWS::Organizations::OrganizationalUnit";

/** ARN of a root or OU id (whether or not it exists: authorisation comes before the lookup). */
export const parentArn = (org: Readonly<OrganizationRecord>, id: string): string => (id.startsWith("r-") ? rootArn(org) : ouArn(org, id));

function checkOuName(v: unknown): string {
  const name = requireString(v);
  checkString(name, { min: 1, max: 128 });
  return name;
}

export function ouOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    CreateOrganizationalUnit: {
      schema: CreateOrganizationalUnit$,
      handler: async (input: { ParentId?: string; Name?: string; Tags?: Array<{ Key?: string; Value?: string }> }, ctx) => {
        const parentId = requireId(input?.ParentId, PARENT_ID);
        const name = checkOuName(input?.Name);
        const tags = checkTags(input?.Tags);
        const m = await calls.managementCall(ctx, "CreateOrganizationalUnit", (o) => parentArn(o, parentId), requestTagContext(tags));
        if (tags.length > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*", context: requestTagContext(tags) });
        const { org, ou } = await createOu(deps, m.org.id, { parentId, name, tags, now: ctx.now });
        noteResource(ctx, m, ouArn(org, ou.id), OU_TYPE);
        return { OrganizationalUnit: ouView(org, ou) };
      },
    },
    DescribeOrganizationalUnit: {
      schema: DescribeOrganizationalUnit$,
      handler: async (input: { OrganizationalUnitId?: string }, ctx) => {
        const id = requireId(input?.OrganizationalUnitId, OU_ID);
        const m = await calls.managementCall(ctx, "DescribeOrganizationalUnit", (o) => ouArn(o, id));
        const ou = await getOu(deps.store, m.org, id);
        if (!ou) throw organizationalUnitNotFound();
        return { OrganizationalUnit: ouView(m.org, ou) };
      },
    },
    UpdateOrganizationalUnit: {
      schema: UpdateOrganizationalUnit$,
      handler: async (input: { OrganizationalUnitId?: string; Name?: string }, ctx) => {
        const id = requireId(input?.OrganizationalUnitId, OU_ID);
        const name = input?.Name === undefined ? undefined : checkOuName(input.Name);
        const m = await calls.managementCall(ctx, "UpdateOrganizationalUnit", (o) => ouArn(o, id));
        const { org, ou } = await renameOu(deps, m.org.id, id, name);
        noteResource(ctx, m, ouArn(org, ou.id), OU_TYPE);
        return { OrganizationalUnit: ouView(org, ou) };
      },
    },
    DeleteOrganizationalUnit: {
      schema: DeleteOrganizationalUnit$,
      handler: async (input: { OrganizationalUnitId?: string }, ctx) => {
        const id = requireId(input?.OrganizationalUnitId, OU_ID);
        const m = await calls.managementCall(ctx, "DeleteOrganizationalUnit", (o) => ouArn(o, id));
        await deleteOu(deps, m.org.id, id);
        noteResource(ctx, m, ouArn(m.org, id), OU_TYPE);
        return {};
      },
    },
    ListOrganizationalUnitsForParent: {
      schema: ListOrganizationalUnitsForParent$,
      handler: async (input: PageInput & { ParentId?: string }, ctx) => {
        const parentId = requireId(input?.ParentId, PARENT_ID);
        const pageOp = checkPage(`ListOrganizationalUnitsForParent:${parentId}`, input);
        const { org } = await calls.managementCall(ctx, "ListOrganizationalUnitsForParent", (o) => parentArn(o, parentId));
        if (!(await parentExists(deps.store, org, parentId))) throw parentNotFound();
        const ous = await ousIn(deps.store, org, parentId);
        const { page, next } = paginate(ous, (ou) => ou.id, pageOp, input?.NextToken, input?.MaxResults);
        return { OrganizationalUnits: page.map((ou) => ouView(org, ou)), ...(next ? { NextToken: next } : {}) };
      },
    },
    ListChildren: {
      schema: ListChildren$,
      handler: async (input: PageInput & { ParentId?: string; ChildType?: string }, ctx) => {
        const parentId = requireId(input?.ParentId, PARENT_ID);
        const childType = requireString(input?.ChildType);
        if (childType !== "ACCOUNT" && childType !== "ORGANIZATIONAL_UNIT") throw invalidInput("INVALID_ENUM");
        const pageOp = checkPage(`ListChildren:${parentId}:${childType}`, input);
        const { org } = await calls.managementCall(ctx, "ListChildren", (o) => parentArn(o, parentId));
        if (!(await parentExists(deps.store, org, parentId))) throw parentNotFound();
        const ids = childType === "ACCOUNT" ? (await accountsIn(deps.store, org, parentId)).map((a) => a.id) : (await ousIn(deps.store, org, parentId)).map((ou) => ou.id);
        const { page, next } = paginate(ids, (id) => id, pageOp, input?.NextToken, input?.MaxResults);
        return { Children: page.map((Id) => ({ Id, Type: childType })), ...(next ? { NextToken: next } : {}) };
      },
    },
    MoveAccount: {
      schema: MoveAccount$,
      handler: async (input: { AccountId?: string; SourceParentId?: string; DestinationParentId?: string }, ctx) => {
        const accountId = requireId(input?.AccountId, ACCOUNT_ID);
        const source = requireId(input?.SourceParentId, PARENT_ID);
        const destination = requireId(input?.DestinationParentId, PARENT_ID);
        const m = await calls.managementCall(ctx, "MoveAccount", (o) => accountArn(o, accountId));
        // The account, its source parent and its destination parent are all resources of the call
        // (each required by the Service Authorization Reference): a policy may allow or deny moves
        // out of or into a root or OU.
        for (const parent of [source, destination]) await ctx.authorize({ action: "organizations:MoveAccount", resource: parentArn(m.org, parent) });
        if (!(await calls.memberOf(m.org, accountId))) throw accountNotFound();
        await moveAccount(deps, m.org.id, accountId, source, destination);
        noteResource(ctx, m, accountArn(m.org, accountId), "AWS::Organizations::Account");
        return {};
      },
    },
  };
}
