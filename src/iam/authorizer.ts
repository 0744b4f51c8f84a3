/**
 * The single authorisation call every service makes (through RequestContext.authorize).
 * Gathers the caller's identity policies, boundary and session policies from the
 * identity directory, adds the global condition keys of the request, and asks the
 * policy engine. Parsed policies are cached by their text (bounded).
 */
import { createHash } from "node:crypto";
import { AwsError } from "../core/errors.js";
import type { AuthorizeRequest, ConditionContext, Principal } from "../core/types.js";
import type { IdentityDirectory } from "./directory.js";
import { evaluate, parsePolicy, principalContext, type EvaluationResult, type ParsedPolicy, type PolicyKind } from "./policy/index.js";

/** Root of an account is allowed everything its own account owns (only explicit resource-policy denies and authoritative resource policies restrict it). */
const ROOT_POLICY_TEXT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

export interface RequestFacts {
  sourceIp: string;
  secureTransport: boolean;
  region: string;
  userAgent: string;
  now: number;
}

export interface Authorizer {
  decide(principal: Principal, facts: RequestFacts, req: AuthorizeRequest): Promise<EvaluationResult>;
  /** Throws the protocol-neutral AccessDenied AwsError with AWS's message when not allowed. */
  authorize(principal: Principal, facts: RequestFacts, req: AuthorizeRequest, alternativeAllow?: () => Promise<boolean>): Promise<void>;
}

class PolicyCache {
  private readonly map = new Map<string, ParsedPolicy>();
  constructor(private readonly max: number) {}
  get(text: string, kind: PolicyKind): ParsedPolicy {
    const k = kind + ":" + (text.length > 256 ? createHash("sha256").update(text).digest("base64") : text);
    const hit = this.map.get(k);
    if (hit) return hit;
    const parsed = parsePolicy(text, kind);
    if (this.map.size >= this.max) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(k, parsed);
    return parsed;
  }
}

function deniedMessage(principal: Principal, req: AuthorizeRequest, result: EvaluationResult): string {
  const base = `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`;
  const r = result.reason.toLowerCase();
  if (result.decision === "ExplicitDeny") {
    if (r.includes("resource")) return `${base} with an explicit deny in a resource-based policy`;
    if (r.includes("boundary")) return `${base} with an explicit deny in a permissions boundary`;
    if (r.includes("session")) return `${base} with an explicit deny in a session policy`;
    return `${base} with an explicit deny in an identity-based policy`;
  }
  if (r.includes("boundary")) return `${base} because no permissions boundary allows the ${req.action} action`;
  if (r.includes("session")) return `${base} because no session policy allows the ${req.action} action`;
  if (req.resourcePolicy !== undefined && (req.resourcePolicyIsAuthoritative || r.includes("resource"))) {
    return `${base} because no resource-based policy allows the ${req.action} action`;
  }
  return `${base} because no identity-based policy allows the ${req.action} action`;
}

export function createAuthorizer(deps: { directory: IdentityDirectory; cacheSize?: number }): Authorizer {
  const cache = new PolicyCache(deps.cacheSize ?? 5000);
  const rootPolicy = parsePolicy(ROOT_POLICY_TEXT, "identity");

  function safeParse(text: string, kind: PolicyKind): ParsedPolicy | undefined {
    try {
      return cache.get(text, kind);
    } catch {
      // A stored policy that no longer parses grants nothing (it was validated when stored).
      return undefined;
    }
  }

  async function decide(principal: Principal, facts: RequestFacts, req: AuthorizeRequest): Promise<EvaluationResult> {
    const [pols, tags] = await Promise.all([deps.directory.policiesFor(principal), deps.directory.principalTags(principal)]);
    const identityPolicies: ParsedPolicy[] = [];
    if (principal.type === "Root") identityPolicies.push(rootPolicy);
    for (const t of pols.identity) {
      const p = safeParse(t, "identity");
      if (p) identityPolicies.push(p);
    }
    const boundary = pols.boundary !== undefined ? safeParse(pols.boundary, "boundary") : undefined;
    const sessionPolicies = (pols.session ?? []).map((t) => safeParse(t, "session")).filter((p): p is ParsedPolicy => p !== undefined);
    const resourcePolicy = req.resourcePolicy !== undefined ? safeParse(req.resourcePolicy, "resource") : undefined;
    const t = new Date(facts.now);
    const context: ConditionContext = {
      ...principalContext(principal, tags),
      "aws:SourceIp": facts.sourceIp,
      "aws:SecureTransport": facts.secureTransport,
      "aws:CurrentTime": t.toISOString().replace(/\.\d{3}Z$/, "Z"),
      "aws:EpochTime": Math.floor(facts.now / 1000),
      "aws:RequestedRegion": facts.region,
      "aws:UserAgent": facts.userAgent,
      "aws:ResourceAccount": req.resourceAccount ?? principal.accountId,
      ...req.context,
    };
    return evaluate({
      principal,
      action: req.action,
      resource: req.resource,
      resourceAccount: req.resourceAccount ?? principal.accountId,
      identityPolicies,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
      ...(pols.session !== undefined ? { sessionPolicies } : {}),
      ...(resourcePolicy ? { resourcePolicy } : {}),
      ...(req.resourcePolicyIsAuthoritative ? { resourcePolicyIsAuthoritative: true } : {}),
      context,
    });
  }

  return {
    decide,
    async authorize(principal, facts, req, alternativeAllow) {
      const result = await decide(principal, facts, req);
      if (result.decision === "ImplicitDeny" && alternativeAllow && (await alternativeAllow())) return;
      if (result.decision !== "Allow") {
        throw new AwsError("AccessDeniedException", deniedMessage(principal, req, result), 400, { common: "AccessDenied" });
      }
    },
  };
}
