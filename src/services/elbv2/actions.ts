/**
 * Listener default actions: forward (one target group or weighted ForwardConfig),
 * fixed-response and redirect, checked and normalised the way the API reports them.
 * Authentication actions are refused (no identity provider integration here).
 */
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { invalidAction, targetGroupArnNotFound, targetGroupAssociationLimit, tooManyActions, validationError } from "./errors.js";
import type { ActionDoc } from "./model.js";
import { listeners, targetGroups } from "./store.js";
import { groupsOf } from "./target-groups.js";
import { checkEnum, checkRange } from "./validation.js";

const CONTENT_TYPES = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"];

function fixed(a: Action, order: number): ActionDoc {
  const f = a.FixedResponseConfig;
  if (!f?.StatusCode) throw validationError("A fixed-response action requires a FixedResponseConfig with a StatusCode");
  if (!/^[245]\d\d$/.test(f.StatusCode)) throw validationError(`Fixed-response status code '${f.StatusCode}' must be 2XX, 4XX or 5XX`);
  if (f.ContentType !== undefined && !CONTENT_TYPES.includes(f.ContentType)) throw validationError(`Fixed-response content type '${f.ContentType}' must be one of [${CONTENT_TYPES.join(", ")}]`);
  if (f.MessageBody !== undefined && Buffer.byteLength(f.MessageBody) > 1024) throw validationError("Fixed-response message body cannot be longer than 1024 characters");
  return {
    Type: "fixed-response",
    Order: order,
    FixedResponseConfig: { StatusCode: f.StatusCode, ...(f.ContentType !== undefined ? { ContentType: f.ContentType } : {}), ...(f.MessageBody !== undefined ? { MessageBody: f.MessageBody } : {}) },
  };
}

/** The reserved keywords each redirect component may contain (API_RedirectActionConfig). */
const REDIRECT_KEYWORDS = {
  Host: ["host"],
  Path: ["host", "path", "port"],
  Query: ["protocol", "host", "port", "path", "query"],
} as const;

const REDIRECT_STATUS_CODES = ["HTTP_301", "HTTP_302"] as const;

function checkRedirectComponent(name: keyof typeof REDIRECT_KEYWORDS, value: string, min: number, at: string): void {
  if (value.length < min || value.length > 128) {
    const bound = value.length < min ? `greater than or equal to ${min}` : "less than or equal to 128";
    throw validationError(`1 validation error detected: Value '${value}' at '${at}.${name.toLowerCase()}' failed to satisfy constraint: Member must have length ${bound}`);
  }
  const allowed: readonly string[] = REDIRECT_KEYWORDS[name];
  for (const m of value.matchAll(/#\{([^}]*)\}/g)) {
    if (!allowed.includes(m[1]!)) {
      throw validationError(`Redirect ${name.toLowerCase()} '${value}' cannot contain #{${m[1]}}: it can contain ${allowed.map((k) => `#{${k}}`).join(", ")}`);
    }
  }
}

function redirect(a: Action, order: number, at: string): ActionDoc {
  const r = a.RedirectConfig;
  if (!r?.StatusCode) throw validationError("A redirect action requires a RedirectConfig with a StatusCode");
  checkEnum(r.StatusCode, `${at}.statusCode`, REDIRECT_STATUS_CODES);
  const cfg = {
    Protocol: r.Protocol ?? "#{protocol}",
    Port: r.Port ?? "#{port}",
    Host: r.Host ?? "#{host}",
    Path: r.Path ?? "/#{path}",
    Query: r.Query ?? "#{query}",
    StatusCode: r.StatusCode,
  };
  if (!["HTTP", "HTTPS", "#{protocol}"].includes(cfg.Protocol)) throw validationError(`Redirect protocol '${cfg.Protocol}' must be HTTP, HTTPS or #{protocol}`);
  if (cfg.Port !== "#{port}" && !(/^\d+$/.test(cfg.Port) && Number(cfg.Port) >= 1 && Number(cfg.Port) <= 65535)) throw validationError(`Redirect port '${cfg.Port}' is not valid`);
  checkRedirectComponent("Host", cfg.Host, 1, at);
  checkRedirectComponent("Path", cfg.Path, 1, at);
  checkRedirectComponent("Query", cfg.Query, 0, at);
  if (!cfg.Path.startsWith("/")) throw validationError("Redirect path must begin with '/'");
  if (cfg.Protocol === "#{protocol}" && cfg.Port === "#{port}" && cfg.Host === "#{host}" && cfg.Path === "/#{path}" && cfg.Query === "#{query}") {
    throw invalidAction("The redirect configuration is not valid: it would redirect requests to the same URL");
  }
  return { Type: "redirect", Order: order, RedirectConfig: cfg };
}

/** A listener's redirect actions for its protocol: HTTPS cannot be redirected to HTTP. */
export function checkRedirectProtocol(listenerProtocol: string, actions: readonly ActionDoc[]): void {
  if (listenerProtocol !== "HTTPS") return;
  for (const a of actions) {
    if (a.Type === "redirect" && a.RedirectConfig?.Protocol === "HTTP") throw validationError("You cannot redirect HTTPS to HTTP: an HTTPS listener's redirect protocol must be HTTPS or #{protocol}");
  }
}

async function forward(db: DocStore, scope: Scope, lbArn: string, listenerArn: string | undefined, a: Action, order: number, at: string): Promise<ActionDoc> {
  const weighted = a.ForwardConfig?.TargetGroups ?? [];
  if (a.TargetGroupArn === undefined && weighted.length === 0) throw validationError("A forward action requires a target group");
  if (weighted.length > 5) throw validationError("A forward action can have at most 5 target groups");
  if (a.TargetGroupArn !== undefined && weighted.length > 0 && !(weighted.length === 1 && weighted[0]?.TargetGroupArn === a.TargetGroupArn)) {
    throw validationError("You cannot specify both a target group ARN and a forward config with different target groups");
  }
  const groups = weighted.length > 0 ? weighted.map((g) => ({ TargetGroupArn: g.TargetGroupArn ?? "", Weight: g.Weight === undefined ? 1 : checkRange(g.Weight, "weight", 0, 999) })) : [{ TargetGroupArn: a.TargetGroupArn as string, Weight: 1 }];
  if (new Set(groups.map((g) => g.TargetGroupArn)).size !== groups.length) throw validationError("A target group can appear only once in a forward action");
  const others = (await listeners.all(db, scope)).filter((l) => l.loadBalancerArn !== lbArn && l.arn !== listenerArn);
  for (const g of groups) {
    if (!(await targetGroups.byArn(db, scope, g.TargetGroupArn))) throw targetGroupArnNotFound(g.TargetGroupArn);
    // An application load balancer's target group serves one load balancer.
    if (others.some((l) => groupsOf(l).includes(g.TargetGroupArn))) throw targetGroupAssociationLimit(g.TargetGroupArn);
  }
  const stickiness = a.ForwardConfig?.TargetGroupStickinessConfig;
  // TargetGroupStickinessConfig: DurationSeconds 1–604800 (7 days), required when Enabled is true.
  if (stickiness?.DurationSeconds !== undefined) checkRange(stickiness.DurationSeconds, `${at}.targetGroupStickinessConfig.durationSeconds`, 1, 604800);
  else if (stickiness?.Enabled === true) throw validationError("The target group stickiness duration must be specified when target group stickiness is enabled");
  return {
    Type: "forward",
    Order: order,
    ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.TargetGroupArn } : {}),
    ForwardConfig: {
      TargetGroups: groups,
      TargetGroupStickinessConfig: { Enabled: stickiness?.Enabled ?? false, ...(stickiness?.DurationSeconds !== undefined ? { DurationSeconds: stickiness.DurationSeconds } : {}) },
    },
  };
}

/** Checks a listener's DefaultActions (inside the caller's transaction) and normalises them. */
export async function normalizeActions(db: DocStore, scope: Scope, lbArn: string, actions: Action[] | undefined, listenerArn?: string): Promise<ActionDoc[]> {
  if (!actions || actions.length === 0) throw validationError("At least one default action must be specified");
  if (actions.length > 5) throw tooManyActions();
  const out: ActionDoc[] = [];
  const orders = new Set<number>();
  for (const [i, a] of actions.entries()) {
    const order = a.Order === undefined ? i + 1 : checkRange(a.Order, "order", 1, 50000);
    if (orders.has(order)) throw validationError(`Action order '${order}' was provided multiple times`);
    orders.add(order);
    switch (a.Type) {
      case "forward":
        out.push(await forward(db, scope, lbArn, listenerArn, a, order, `defaultActions.${i + 1}.member.forwardConfig`));
        break;
      case "fixed-response":
        out.push(fixed(a, order));
        break;
      case "redirect":
        out.push(redirect(a, order, `defaultActions.${i + 1}.member.redirectConfig`));
        break;
      case "authenticate-cognito":
      case "authenticate-oidc":
      case "jwt-validation":
        throw invalidAction(`Action type '${a.Type}' is not supported by Bulwark load balancers`);
      default:
        throw validationError(`1 validation error detected: Value '${String(a.Type)}' at 'defaultActions.${i + 1}.member.type' failed to satisfy constraint: Member must satisfy enum value set: [forward, redirect, fixed-response]`);
    }
  }
  if (out.length > 1) throw invalidAction("Only one terminating action (forward, redirect or fixed-response) can be specified");
  return out.sort((x, y) => x.Order - y.Order);
}
