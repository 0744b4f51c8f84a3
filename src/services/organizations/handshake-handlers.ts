/** Invitations through handshakes: the handler table (domain in handshakes.ts). */
import {
  AcceptHandshake$,
  CancelHandshake$,
  DeclineHandshake$,
  DescribeHandshake$,
  EnableAllFeatures$,
  InviteAccountToOrganization$,
  ListHandshakesForAccount$,
  ListHandshakesForOrganization$,
} from "@aws-sdk/client-organizations";
import type { RequestContext } from "../../core/types.js";
import { requestTagContext } from "../iam/tags.js";
import type { OperationDefinition } from "../types.js";
import { ACCOUNT_ID_PATTERN, EMAIL_PATTERN } from "./accounts.js";
import { acceptPath, approveAllFeatures, cancelChildren, enableAllFeatures, finalizeAllFeatures } from "./all-features.js";
import { handshakeNotFound, invalidInput } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import {
  acceptInvitation,
  getHandshake,
  handshakeArn,
  handshakeView,
  invite,
  isInvitee,
  listHandshakes,
  respond,
  type HandshakeRecord,
  type HandshakeTargetType,
} from "./handshakes.js";
import { checkPage, checkString, paginate, requireId, requireString } from "./input.js";
import { accountArn } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import type { PageInput } from "./ou-handlers.js";
import { checkTags } from "./tags.js";

const HANDSHAKE_ID = /^h-[0-9a-z]{8,32}$/;
const HANDSHAKE_TYPE = "AWS::Organizations::Handshake";

type ListInput = PageInput & { Filter?: { ActionType?: string; ParentHandshakeId?: string } };

const ACTION_TYPES = ["INVITE", "ENABLE_ALL_FEATURES", "APPROVE_ALL_FEATURES", "ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE", "TRANSFER_RESPONSIBILITY"];

const requireHandshakeId = (v: unknown): string => requireId(v, HANDSHAKE_ID);

/** The filter of the list operations (one of ActionType or ParentHandshakeId). */
function listFilter(input: ListInput | undefined): (h: HandshakeRecord) => boolean {
  const f = input?.Filter;
  if (f?.ActionType !== undefined && f.ParentHandshakeId !== undefined) throw invalidInput("MAX_FILTER_LIMIT_EXCEEDED");
  if (f?.ActionType !== undefined && !ACTION_TYPES.includes(f.ActionType)) throw invalidInput("INVALID_ENUM");
  if (f?.ParentHandshakeId !== undefined) requireHandshakeId(f.ParentHandshakeId);
  return (h) => (f?.ActionType === undefined || h.action === f.ActionType) && (f?.ParentHandshakeId === undefined || h.parentHandshakeId === f.ParentHandshakeId);
}

export function handshakeOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  const { caller } = calls;
  /** Authorises `action` on the handshake's ARN (or "*" while it is not found) and finds it. */
  async function authorizedHandshake(ctx: RequestContext, action: string, id: string): Promise<HandshakeRecord | undefined> {
    const h = await getHandshake(deps, id, ctx.now);
    await ctx.authorize({ action: `organizations:${action}`, resource: h ? handshakeArn(h) : "*" });
    return h;
  }
  const page = (ctx: RequestContext, all: HandshakeRecord[], op: string, input: ListInput | undefined) => {
    const { page: items, next } = paginate(all, (h) => h.id, op, input?.NextToken, input?.MaxResults);
    return { Handshakes: items.map((h) => handshakeView(h, ctx.now)), ...(next ? { NextToken: next } : {}) };
  };

  return {
    InviteAccountToOrganization: {
      schema: InviteAccountToOrganization$,
      handler: async (input: { Target?: { Id?: string; Type?: string }; Notes?: string; Tags?: Array<{ Key?: string; Value?: string }> }, ctx) => {
        const type = requireString(input?.Target?.Type);
        const targetId = requireString(input?.Target?.Id);
        if (type !== "ACCOUNT" && type !== "EMAIL") throw invalidInput(type === "ORGANIZATION" ? "INVALID_PARTY_TYPE_TARGET" : "INVALID_ENUM");
        checkString(targetId, { min: 1, max: 64 });
        if (type === "ACCOUNT" && !ACCOUNT_ID_PATTERN.test(targetId)) throw invalidInput("INVALID_PATTERN");
        if (type === "EMAIL" && (targetId.length < 6 || !EMAIL_PATTERN.test(targetId))) throw invalidInput("INVALID_PATTERN");
        if (input?.Notes !== undefined) checkString(input.Notes, { max: 1024 });
        // The tags go on the account when it joins.
        const tags = checkTags(input?.Tags);
        const m = await calls.managementCall(ctx, "InviteAccountToOrganization", undefined, requestTagContext(tags));
        if (tags.length > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*", context: requestTagContext(tags) });
        const management = await deps.accounts.get(m.org.managementAccountId);
        const h = await invite(deps, m.org, { email: m.managementEmail, name: management?.name ?? "" }, {
          target: { type: type as HandshakeTargetType, id: targetId },
          ...(input?.Notes !== undefined ? { notes: input.Notes } : {}),
          tags,
          now: ctx.now,
        });
        noteResource(ctx, m, handshakeArn(h), HANDSHAKE_TYPE);
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    AcceptHandshake: {
      schema: AcceptHandshake$,
      handler: async (input: { HandshakeId?: string }, ctx) => {
        const id = requireHandshakeId(input?.HandshakeId);
        const found = await authorizedHandshake(ctx, "AcceptHandshake", id);
        const accept = { invitation: acceptInvitation, approve: approveAllFeatures, finalize: finalizeAllFeatures }[found ? acceptPath(found) : "invitation"];
        const h = await accept(deps, id, caller(ctx), ctx.now);
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    EnableAllFeatures: {
      schema: EnableAllFeatures$,
      handler: async (_input: unknown, ctx) => {
        const m = await calls.managementCall(ctx, "EnableAllFeatures");
        const management = await deps.accounts.get(m.org.managementAccountId);
        const h = await enableAllFeatures(deps, m.org.id, { email: m.managementEmail, name: management?.name ?? "" }, ctx.now);
        noteResource(ctx, m, handshakeArn(h), HANDSHAKE_TYPE);
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    DeclineHandshake: {
      schema: DeclineHandshake$,
      handler: async (input: { HandshakeId?: string }, ctx) => {
        const id = requireHandshakeId(input?.HandshakeId);
        await authorizedHandshake(ctx, "DeclineHandshake", id);
        const me = await deps.accounts.get(caller(ctx));
        const h = await respond(deps, id, "DECLINED", (x) => me !== undefined && isInvitee(x, me), caller(ctx), ctx.now);
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    CancelHandshake: {
      schema: CancelHandshake$,
      handler: async (input: { HandshakeId?: string }, ctx) => {
        const id = requireHandshakeId(input?.HandshakeId);
        await authorizedHandshake(ctx, "CancelHandshake", id);
        const h = await respond(deps, id, "CANCELED", (x) => x.managementAccountId === caller(ctx), caller(ctx), ctx.now);
        if (h.action === "ENABLE_ALL_FEATURES" && h.parentHandshakeId === undefined) await cancelChildren(deps, h.id, ctx.now);
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    DescribeHandshake: {
      schema: DescribeHandshake$,
      handler: async (input: { HandshakeId?: string }, ctx) => {
        const id = requireHandshakeId(input?.HandshakeId);
        const h = await authorizedHandshake(ctx, "DescribeHandshake", id);
        const me = await deps.accounts.get(caller(ctx));
        // Visible to its parties only: the originating management account and the invitee.
        if (!h || !(h.managementAccountId === caller(ctx) || (me !== undefined && isInvitee(h, me)))) throw handshakeNotFound();
        return { Handshake: handshakeView(h, ctx.now) };
      },
    },
    ListHandshakesForAccount: {
      schema: ListHandshakesForAccount$,
      handler: async (input: ListInput, ctx) => {
        await ctx.authorize({ action: "organizations:ListHandshakesForAccount", resource: "*" });
        const keep = listFilter(input);
        const pageOp = checkPage(`ListHandshakesForAccount:${JSON.stringify(input?.Filter ?? {})}`, input);
        const me = await deps.accounts.get(caller(ctx));
        const mine = me === undefined ? [] : (await listHandshakes(deps, ctx.now)).filter((h) => isInvitee(h, me) && keep(h));
        return page(ctx, mine, pageOp, input);
      },
    },
    ListHandshakesForOrganization: {
      schema: ListHandshakesForOrganization$,
      handler: async (input: ListInput, ctx) => {
        const keep = listFilter(input);
        const pageOp = checkPage(`ListHandshakesForOrganization:${JSON.stringify(input?.Filter ?? {})}`, input);
        const m = await calls.managementCall(ctx, "ListHandshakesForOrganization");
        const all = (await listHandshakes(deps, ctx.now)).filter((h) => h.organizationId === m.org.id && keep(h));
        noteResource(ctx, m, accountArn(m.org, m.org.managementAccountId), "AWS::Organizations::Account");
        return page(ctx, all, pageOp, input);
      },
    },
  };
}
