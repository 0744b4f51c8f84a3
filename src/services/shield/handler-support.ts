/** Small helpers the Shield handler tables share: authorisation, tag condition keys, audit resources. */
import type { Tag } from "@aws-sdk/client-shield";
import type { ConditionContext, RequestContext } from "../../core/types.js";

export const callerAccount = (ctx: RequestContext): string => ctx.principal.accountId;

export function authorize(ctx: RequestContext, action: string, resource = "*", context?: ConditionContext): Promise<void> {
  return ctx.authorize({ action: `shield:${action}`, resource, ...(context && Object.keys(context).length > 0 ? { context } : {}) });
}

/** aws:RequestTag/… and aws:TagKeys of tags in a request. */
export function requestTagContext(tags: readonly Tag[] | undefined): ConditionContext {
  if (!tags || tags.length === 0) return {};
  const ctx: ConditionContext = { "aws:TagKeys": tags.map((t) => t.Key ?? "") };
  for (const t of tags) if (t.Key !== undefined) ctx[`aws:RequestTag/${t.Key}`] = t.Value ?? "";
  return ctx;
}

/** aws:ResourceTag/… of an existing resource. */
export function resourceTagContext(tags: readonly Tag[] | undefined): ConditionContext {
  const ctx: ConditionContext = {};
  for (const t of tags ?? []) if (t.Key !== undefined) ctx[`aws:ResourceTag/${t.Key}`] = t.Value ?? "";
  return ctx;
}

export function noteResource(ctx: RequestContext, arn: string, type: string): void {
  (ctx.audit.resources ??= []).push({ ARN: arn, accountId: callerAccount(ctx), type });
}

/** Epoch ms of a decoded timestamp member (Date from the codec). */
export function epochMs(v: Date | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return v instanceof Date ? v.getTime() : v * 1000;
}
