/**
 * The single authorisation call every service makes (through RequestContext.authorize).
 * Gathers the caller's identity policies, boundary and session policies from the
 * identity directory, adds the global condition keys of the request, and asks the
 * policy engine. Parsed policies are cached by their text (bounded).
 */
import { createHash } from "node:crypto";
import { AwsError } from "../core/errors.js";
import type { AuthorizeRequest, ConditionContext, Principal } from "../core/types.js";
import type { IdentityDirectory, PrincipalPolicies } from "./directory.js";
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

/** The parsed policies of one PrincipalPolicies object, with the texts they were parsed from. */
interface ParsedSet {
  identityTexts: readonly string[];
  identityCopy: string[];
  boundaryText: string | undefined;
  sessionTexts: readonly string[] | undefined;
  sessionCopy: string[] | undefined;
  identity: ParsedPolicy[];
  /** identity with the root policy first (for Root callers). */
  identityForRoot: ParsedPolicy[];
  boundary: ParsedPolicy | undefined;
  session: ParsedPolicy[];
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** context[k] = v as an own data property, like a spread would (a "__proto__" key stays a key). */
function setKey(context: ConditionContext, k: string, v: ConditionContext[string]): void {
  if (k === "__proto__") Object.defineProperty(context, k, { value: v, enumerable: true, writable: true, configurable: true });
  else context[k] = v;
}

/** Principal-derived condition keys, as built for one principal object and tag map. */
interface PrincipalContextEntry {
  tags: Record<string, string>;
  fields: readonly unknown[];
  context: ConditionContext;
}

// Everything principalContext() reads of a principal.
function principalFields(p: Principal): unknown[] {
  return [p.type, p.arn, p.roleArn, p.accountId, p.principalId, p.name, p.sessionTags, p.isSessionToken, p.sessionIssuedAt, p.mfaAuthenticated, p.sourceIdentity];
}

function sameFields(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createAuthorizer(deps: { directory: IdentityDirectory; cacheSize?: number }): Authorizer {
  const cache = new PolicyCache(deps.cacheSize ?? 5000);
  const rootPolicy = parsePolicy(ROOT_POLICY_TEXT, "identity");
  // The directory hands out the same PrincipalPolicies / Principal / tag objects while they are
  // cached, so the parsed policies and principal condition keys are remembered on those objects
  // (weakly) and re-checked against the texts and fields they were derived from before reuse.
  const parsedSets = new WeakMap<object, ParsedSet>();
  const principalContexts = new WeakMap<Principal, PrincipalContextEntry>();
  let timeSecond = Number.NaN;
  let timeText = "";

  function safeParse(text: string, kind: PolicyKind): ParsedPolicy | undefined {
    try {
      return cache.get(text, kind);
    } catch {
      // A stored policy that no longer parses grants nothing (it was validated when stored).
      return undefined;
    }
  }

  function parsedSetOf(pols: PrincipalPolicies): ParsedSet {
    const hit = parsedSets.get(pols);
    if (
      hit !== undefined &&
      hit.identityTexts === pols.identity &&
      sameTexts(hit.identityCopy, pols.identity) &&
      hit.boundaryText === pols.boundary &&
      hit.sessionTexts === pols.session &&
      (pols.session === undefined || sameTexts(hit.sessionCopy ?? [], pols.session))
    ) {
      return hit;
    }
    const identity: ParsedPolicy[] = [];
    for (const t of pols.identity) {
      const p = safeParse(t, "identity");
      if (p) identity.push(p);
    }
    const set: ParsedSet = {
      identityTexts: pols.identity,
      identityCopy: [...pols.identity],
      boundaryText: pols.boundary,
      sessionTexts: pols.session,
      sessionCopy: pols.session === undefined ? undefined : [...pols.session],
      identity,
      identityForRoot: [rootPolicy, ...identity],
      boundary: pols.boundary !== undefined ? safeParse(pols.boundary, "boundary") : undefined,
      session: (pols.session ?? []).map((t) => safeParse(t, "session")).filter((p): p is ParsedPolicy => p !== undefined),
    };
    parsedSets.set(pols, set);
    return set;
  }

  function principalContextOf(principal: Principal, tags: Record<string, string>): ConditionContext {
    const hit = principalContexts.get(principal);
    if (hit !== undefined && hit.tags === tags && sameFields(hit.fields, principalFields(principal))) return hit.context;
    const context = principalContext(principal, tags);
    principalContexts.set(principal, { tags, fields: principalFields(principal), context });
    return context;
  }

  /** aws:CurrentTime at second precision, reused within the second. */
  function currentTime(now: number): string {
    const sec = Math.floor(now / 1000);
    if (sec !== timeSecond) {
      timeText = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
      timeSecond = sec;
    }
    return timeText;
  }

  async function decide(principal: Principal, facts: RequestFacts, req: AuthorizeRequest): Promise<EvaluationResult> {
    const [pols, tags] = await Promise.all([deps.directory.policiesFor(principal), deps.directory.principalTags(principal)]);
    const set = parsedSetOf(pols);
    const resourcePolicy = req.resourcePolicy !== undefined ? safeParse(req.resourcePolicy, "resource") : undefined;
    // Same keys, values and insertion order as spreading principalContext() first, then the
    // request keys, then the service's own keys (which win) — written as plain assignments:
    // an object literal that spreads and then adds "aws:…" keys costs V8 microseconds.
    const context: ConditionContext = {};
    const base = principalContextOf(principal, tags);
    for (const k in base) setKey(context, k, base[k]);
    context["aws:SourceIp"] = facts.sourceIp;
    context["aws:SecureTransport"] = facts.secureTransport;
    context["aws:CurrentTime"] = currentTime(facts.now);
    context["aws:EpochTime"] = Math.floor(facts.now / 1000);
    context["aws:RequestedRegion"] = facts.region;
    context["aws:UserAgent"] = facts.userAgent;
    context["aws:ResourceAccount"] = req.resourceAccount ?? principal.accountId;
    const extra = req.context;
    if (extra !== undefined) for (const k of Object.keys(extra)) setKey(context, k, extra[k]);
    return evaluate({
      principal,
      action: req.action,
      resource: req.resource,
      resourceAccount: req.resourceAccount ?? principal.accountId,
      identityPolicies: principal.type === "Root" ? set.identityForRoot : set.identity,
      permissionsBoundary: set.boundary,
      // Present (possibly empty) exactly when the principal has session policies.
      sessionPolicies: pols.session !== undefined ? set.session : undefined,
      resourcePolicy,
      resourcePolicyIsAuthoritative: req.resourcePolicyIsAuthoritative === true ? true : undefined,
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
