/**
 * Rule actions compiled once: which action, the x-amzn-waf- request headers to insert, and
 * for Block the custom response (status, headers, body from CustomResponseBodies).
 */
import type { RuleAction, CustomResponseBody, CustomRequestHandling, CustomResponse } from "@aws-sdk/client-wafv2";
import type { WafAction } from "../types.js";
import { WafCompileError } from "./compile-statement.js";

export interface CompiledAction {
  type: WafAction;
  insertHeaders: Array<[string, string]>;
  response?: { status: number; headers: Array<[string, string]>; body: string };
}

const CONTENT_TYPES: Record<string, string> = { TEXT_PLAIN: "text/plain", TEXT_HTML: "text/html", APPLICATION_JSON: "application/json" };

function insertHeaders(h: CustomRequestHandling | undefined): Array<[string, string]> {
  return (h?.InsertHeaders ?? []).map((x) => [`x-amzn-waf-${x.Name ?? ""}`, x.Value ?? ""]);
}

export function compileCustomResponse(r: CustomResponse | undefined, bodies: Record<string, CustomResponseBody> | undefined): CompiledAction["response"] {
  if (!r) return undefined;
  const status = r.ResponseCode ?? 403;
  if (status < 200 || status > 599) throw new WafCompileError(`Invalid custom response code ${status}`);
  const headers: Array<[string, string]> = (r.ResponseHeaders ?? []).map((x) => [x.Name ?? "", x.Value ?? ""]);
  if (headers.some(([n]) => n.toLowerCase() === "content-type")) throw new WafCompileError("Custom response headers cannot set content-type");
  let body = "";
  if (r.CustomResponseBodyKey !== undefined) {
    const b = bodies?.[r.CustomResponseBodyKey];
    if (!b) throw new WafCompileError(`Custom response body key not found: ${r.CustomResponseBodyKey}`);
    body = b.Content ?? "";
    headers.push(["content-type", CONTENT_TYPES[b.ContentType ?? "TEXT_PLAIN"] ?? "text/plain"]);
  }
  return { status, headers, body };
}

export function compileRuleAction(a: RuleAction | undefined, bodies: Record<string, CustomResponseBody> | undefined): CompiledAction {
  if (!a) throw new WafCompileError("Rule Action is required");
  const set = Object.entries(a).filter(([, v]) => v !== undefined);
  if (set.length !== 1) throw new WafCompileError("A RuleAction must specify exactly one action");
  if (a.Allow) return { type: "ALLOW", insertHeaders: insertHeaders(a.Allow.CustomRequestHandling) };
  if (a.Block) return { type: "BLOCK", insertHeaders: [], response: compileCustomResponse(a.Block.CustomResponse, bodies) };
  if (a.Count) return { type: "COUNT", insertHeaders: insertHeaders(a.Count.CustomRequestHandling) };
  if (a.Captcha) return { type: "CAPTCHA", insertHeaders: insertHeaders(a.Captcha.CustomRequestHandling) };
  if (a.Challenge) return { type: "CHALLENGE", insertHeaders: insertHeaders(a.Challenge.CustomRequestHandling) };
  throw new WafCompileError(`Unsupported rule action ${set[0]?.[0]}`);
}
