/**
 * The single authorisation call every service makes (through RequestContext.authorize).
 * Gathers the caller's identity policies, boundary and session policies from the
 * identity directory, the service control policies of the caller's account and the resource
 * control policies of the resource's account (from Organizations), adds the global condition keys of the request, and asks the policy engine.
 * Parsed policies are cached by their text (bounded).
 */
import { AwsError } from "../core/errors.js";
import type { AuthorizeRequest, ConditionContext, Principal } from "../core/types.js";
import type { IdentityDirectory, PrincipalPolicies } from "./directory.js";
import { evaluate, parsePolicy, principalContext, type EvaluationInput, type EvaluationResult, type ParsedPolicy, type PolicyKind } from "./policy/index.js";
import type { SessionPrincipal } from "./policy/principal-context.js";

/** Thrown (not an Error: no stack is captured) by the context of a first evaluation that needs the principal's tags. */
const NEED_TAGS: unknown = Object.freeze({ needTags: true });

/** Root of an account is allowed everything its own account owns (only explicit resource-policy denies and authoritative resource policies restrict it). */
const ROOT_POLICY_TEXT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

/**
 * Service control policies that apply to principals of an account: one array per level of its
 * organization (root, OUs…, account), or undefined when none apply (no organization, the
 * management account, SCPs not enabled).
 */
export type ScpLevels = ReadonlyArray<readonly ParsedPolicy[]> | undefined;

export interface ServiceControlPolicySource {
  /**
   * A plain value when the answer is at hand (the common case), so the request path need not
   * await; `now` is the request's time (for entry expiry without another clock read).
   */
  levelsFor(accountId: string, now: number): ScpLevels | Promise<ScpLevels>;
}

/**
 * The services whose resources RCPs restrict (Organizations User Guide, "Resource control
 * policies": list of AWS services that support RCPs), by action prefix.
 */
export const RCP_SERVICES: ReadonlySet<string> = new Set(["s3", "sts", "sqs", "secretsmanager", "kms", "ecr", "aoss", "cognito-identity", "logs", "dynamodb"]);

/**
 * RCPs restrict requests on resources of a member account whoever the caller is (other
 * accounts, anonymous callers, the account's own principals), except service-linked roles'
 * requests; only actions of the services RCPs support, and not where the service says the
 * resource is exempt (AWS managed KMS keys).
 */
export function subjectToRcps(p: Principal, req: AuthorizeRequest): boolean {
  if (req.resourceControlPoliciesExempt === true) return false;
  const colon = req.action.indexOf(":");
  if (colon < 0 || !RCP_SERVICES.has(req.action.slice(0, colon).toLowerCase())) return false;
  return !isServiceLinkedSession(p);
}

/**
 * A session of a service-linked role. Decided by the role itself (IAM marks the roles
 * CreateServiceLinkedRole makes), never by its ARN: anyone allowed iam:CreateRole can give an
 * ordinary role the path /aws-service-role/, and its sessions must stay under SCPs and RCPs.
 */
function isServiceLinkedSession(p: Principal): boolean {
  return p.type === "AssumedRole" && p.serviceLinkedRole === true;
}

/**
 * SCPs restrict every principal of a member account (its root user, IAM users, role sessions,
 * federated users) except service-linked roles; anonymous requests belong to no account.
 */
export function subjectToScps(p: Principal): boolean {
  if (p.type === "Anonymous") return false;
  return !isServiceLinkedSession(p);
}

/** An account's organization and its path (`o-…/r-…/ou-…/`), for the aws:*OrgID / aws:*OrgPaths keys. */
export interface OrgPlace {
  orgId: string;
  path: string;
}

export interface OrgPlaceSource {
  /** Undefined outside an organization; a plain value when cached. */
  placeOf(accountId: string, now: number): OrgPlace | undefined | Promise<OrgPlace | undefined>;
}

export interface RequestFacts {
  sourceIp: string;
  secureTransport: boolean;
  region: string;
  userAgent: string;
  now: number;
}

/**
 * `req.context` is read from the request object itself, and only when a policy reaches a
 * Condition or policy variable: a service may supply it as a getter that builds it on demand.
 */
export interface Authorizer {
  decide(principal: Principal, facts: RequestFacts, req: AuthorizeRequest): Promise<EvaluationResult>;
  /** Throws the protocol-neutral AccessDenied AwsError with AWS's message when not allowed. */
  authorize(principal: Principal, facts: RequestFacts, req: AuthorizeRequest, alternativeAllow?: () => Promise<boolean>): Promise<void>;
}

/**
 * Parsed policies by kind and exact text. Keyed by the text itself: callers pass the same
 * string objects again (cached key records, directory objects), whose hash V8 keeps, so a hit
 * costs no hashing of the text. Bounded by entries and by the total length of the texts held;
 * when either bound is reached the cache starts over (parsing again is only slower).
 */
class PolicyCache {
  private readonly byKind = new Map<PolicyKind, Map<string, ParsedPolicy>>();
  private entries = 0;
  private chars = 0;
  constructor(
    private readonly max: number,
    private readonly maxChars: number,
  ) {}
  get(text: string, kind: PolicyKind): ParsedPolicy {
    let m = this.byKind.get(kind);
    if (m === undefined) {
      m = new Map();
      this.byKind.set(kind, m);
    }
    const hit = m.get(text);
    if (hit !== undefined) return hit;
    const parsed = parsePolicy(text, kind);
    if (this.entries >= this.max || this.chars + text.length > this.maxChars) this.clear();
    m.set(text, parsed);
    this.entries++;
    this.chars += text.length;
    return parsed;
  }
  private clear(): void {
    for (const m of this.byKind.values()) m.clear();
    this.entries = 0;
    this.chars = 0;
  }
}

/** What authorize answers for every allowed request. */
const ALLOWED: Promise<void> = Promise.resolve();

function accessDenied(principal: Principal, req: AuthorizeRequest, result: EvaluationResult): AwsError {
  return new AwsError("AccessDeniedException", deniedMessage(principal, req, result), 400, { common: "AccessDenied" });
}

const FEDERATED_USER_DENIAL: EvaluationResult = { decision: "ImplicitDeny", reason: "federated user sessions cannot call IAM or STS" };

function isClosedToFederatedUsers(action: string): boolean {
  const a = action.toLowerCase();
  // Federated sessions may scope down their own credentials (sts:GetScopedCredentials).
  return a.startsWith("iam:") || (a.startsWith("sts:") && a !== "sts:getcalleridentity" && a !== "sts:getscopedcredentials");
}

/** An IAM user or role ARN: the entity type and its name (the last path segment). */
const IAM_ENTITY_ARN = /^arn:[^:]+:iam::\d{12}:(user|role)\/(?:[^/]*\/)*([^/]+)$/;
/** IAM actions whose denial names the user or role by its ARN: those that create it, and PassRole. */
const NAMED_BY_ARN = new Set(["iam:createuser", "iam:createrole", "iam:createservicelinkedrole", "iam:passrole"]);

/**
 * The resource as IAM's denials name it: IAM's own actions on a user or role name it "user <name>" /
 * "role <name>" (e.g. "iam:GetUser on resource: user alice", "iam:AttachRolePolicy on resource: role
 * app"), except the actions that create it, which name the ARN it would get; every other action and
 * resource is named by its ARN (or pattern) as requested.
 */
function deniedResource(req: AuthorizeRequest): string {
  if (!req.action.startsWith("iam:") || NAMED_BY_ARN.has(req.action.toLowerCase())) return req.resource;
  const m = IAM_ENTITY_ARN.exec(req.resource);
  return m === null ? req.resource : `${m[1]} ${m[2]}`;
}

function deniedMessage(principal: Principal, req: AuthorizeRequest, result: EvaluationResult): string {
  const base = `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${deniedResource(req)}`;
  if (result === FEDERATED_USER_DENIAL) return base;
  const r = result.reason.toLowerCase();
  if (result.decision === "ExplicitDeny") {
    if (r.includes("service control policy")) return `${base} with an explicit deny in a service control policy`;
    if (r.includes("resource control policy")) return `${base} with an explicit deny in a resource control policy`;
    if (r.includes("resource")) return `${base} with an explicit deny in a resource-based policy`;
    if (r.includes("boundary")) return `${base} with an explicit deny in a permissions boundary`;
    if (r.includes("session")) return `${base} with an explicit deny in a session policy`;
    return `${base} with an explicit deny in an identity-based policy`;
  }
  // STS does not say which policy failed to allow an AssumeRole (the trust policy or the caller's
  // identity-based policy): its message stops at the resource, as users see it from AWS. The same
  // holds for the session tags and source identity an AssumeRole asks for, checked on the role.
  if (req.action === "sts:AssumeRole") return base;
  if ((req.action === "sts:TagSession" || req.action === "sts:SetSourceIdentity") && /^arn:[^:]+:iam::\d{12}:role\//.test(req.resource)) return base;
  // The policy type that failed to allow, as the evaluation found it: a key or trust policy that
  // delegates to the account still needs an identity-based policy, and that is what is missing.
  if (r.includes("service control policy")) return `${base} because no service control policy allows the ${req.action} action`;
  if (r.includes("resource control policy")) return `${base} because no resource control policy allows the ${req.action} action`;
  if (r.includes("boundary")) return `${base} because no permissions boundary allows the ${req.action} action`;
  if (r.includes("session")) return `${base} because no session policy allows the ${req.action} action`;
  // A resource of another account that has no resource-based policy (or one that does not name
  // the caller) fails on that side too: nothing there allows the action.
  if ((req.resourcePolicy !== undefined || r.startsWith("cross-account request")) && r.includes("resource-based") && !r.includes("identity-based")) {
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
  return [
    p.type,
    p.arn,
    p.roleArn,
    p.accountId,
    p.principalId,
    p.name,
    p.sessionTags,
    p.isSessionToken,
    p.sessionIssuedAt,
    p.mfaAuthenticated,
    p.mfaAuthenticatedAt,
    p.sourceIdentity,
    p.assumedRoot,
    p.federatedProvider,
    (p as SessionPrincipal).identityProviderKeys,
  ];
}

function sameFields(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface OrgPlaces {
  principal?: OrgPlace | undefined;
  resource?: OrgPlace | undefined;
}

const NO_PLACES: OrgPlaces = Object.freeze({});

/**
 * The organization places of the caller's account and of the resource's account, read only when
 * a policy reaches the condition context (with the principal's tags); anonymous callers belong to
 * no account.
 */
async function orgPlaces(source: OrgPlaceSource, principal: Principal, resourceAccount: string, now: number): Promise<OrgPlaces> {
  const ofPrincipal = principal.type === "Anonymous" ? undefined : await source.placeOf(principal.accountId, now);
  const ofResource = resourceAccount === principal.accountId && principal.type !== "Anonymous" ? ofPrincipal : await source.placeOf(resourceAccount, now);
  return { principal: ofPrincipal, resource: ofResource };
}

export function createAuthorizer(deps: {
  directory: IdentityDirectory;
  /** Organizations' SCPs; without it no SCP applies to anyone. */
  serviceControlPolicies?: ServiceControlPolicySource;
  /** Organizations' RCPs (levels of the resource's account); without it no RCP applies. */
  resourceControlPolicies?: ServiceControlPolicySource;
  /** Organizations' account placement (aws:PrincipalOrgID/OrgPaths, aws:ResourceOrgID/OrgPaths); without it the keys are absent. */
  organizations?: OrgPlaceSource;
  cacheSize?: number;
  cacheChars?: number;
}): Authorizer {
  const scpSource = deps.serviceControlPolicies;
  const rcpSource = deps.resourceControlPolicies;
  const orgSource = deps.organizations;
  const cache = new PolicyCache(deps.cacheSize ?? 5000, deps.cacheChars ?? 16_000_000);
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

  /** A scope-down level that no longer parses still restricts: it allows nothing. */
  const allowsNothing: ParsedPolicy = { kind: "session", version: "2012-10-17", statements: [], awsPrincipals: [] };
  function scopeDownLevels(texts: readonly string[]): ParsedPolicy[] {
    return texts.map((t) => safeParse(t, "session") ?? allowsNothing);
  }

  /**
   * The session slot of a principal that has session policies. The engine reads an empty slot as
   * "no session policies", but a session that was given some is limited to them even when none of
   * them can be read any more: managed session policies whose ARN names no policy (never created,
   * or deleted since the session was issued) or a text that no longer parses. Such a slot allows
   * nothing (its denies still apply through the policies that do parse), never the role's or
   * user's whole permissions.
   */
  function sessionLevel(texts: readonly string[] | undefined): ParsedPolicy[] {
    if (texts === undefined) return [];
    const parsed: ParsedPolicy[] = [];
    for (const t of texts) {
      const p = safeParse(t, "session");
      if (p) parsed.push(p);
    }
    return parsed.length > 0 ? parsed : [allowsNothing];
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
      session: sessionLevel(pols.session),
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

  /**
   * The decision, without a promise when everything it needs is at hand (the directory's cached
   * policies, the SCP and RCP levels held, no condition reading the principal's tags): most
   * requests, which then pay for no async function. An exception becomes a rejected promise, as
   * from an async function.
   */
  function decideNow(principal: Principal, facts: RequestFacts, req: AuthorizeRequest): EvaluationResult | Promise<EvaluationResult> {
    try {
      // GetFederationToken credentials call no IAM operation and no STS operation but
      // GetCallerIdentity, whatever the policies say.
      if (principal.type === "FederatedUser" && isClosedToFederatedUsers(req.action)) return FEDERATED_USER_DENIAL;
      // The three sources are asked together: each answers on its own.
      const pols = deps.directory.cachedPolicies?.(principal) ?? deps.directory.policiesFor(principal);
      const scps = scpSource !== undefined && subjectToScps(principal) ? scpSource.levelsFor(principal.accountId, facts.now) : undefined;
      const rcps = rcpSource !== undefined && subjectToRcps(principal, req) ? rcpSource.levelsFor(req.resourceAccount ?? principal.accountId, facts.now) : undefined;
      if (pols instanceof Promise || scps instanceof Promise || rcps instanceof Promise) return decideLater(principal, facts, req, pols, scps, rcps);
      return decideWith(principal, facts, req, pols, scps, rcps);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** decideNow once the sources that had to be read are. */
  async function decideLater(
    principal: Principal,
    facts: RequestFacts,
    req: AuthorizeRequest,
    policies: PrincipalPolicies | Promise<PrincipalPolicies>,
    scpLevels: ScpLevels | Promise<ScpLevels>,
    rcpLevels: ScpLevels | Promise<ScpLevels>,
  ): Promise<EvaluationResult> {
    const [pols, scps, rcps] = await Promise.all([policies, scpLevels, rcpLevels]);
    return decideWith(principal, facts, req, pols, scps, rcps);
  }

  function decideWith(principal: Principal, facts: RequestFacts, req: AuthorizeRequest, pols: PrincipalPolicies, scps: ScpLevels, rcps: ScpLevels): EvaluationResult | Promise<EvaluationResult> {
    const set = parsedSetOf(pols);
    const resourcePolicy = req.resourcePolicy !== undefined ? safeParse(req.resourcePolicy, req.resourcePolicyKind ?? "resource") : undefined;
    // The condition context is built only if a policy reads it (a Condition or policy variable
    // is reached): most requests never need it. req.context is read only then, so a service
    // may supply it as a getter. The principal's tags are fetched only then too: the first
    // evaluation runs without them and stops (NEED_TAGS) at the first read; evaluation is pure,
    // so it is simply run again with them.
    let tags: Record<string, string> | undefined;
    let places: OrgPlaces = NO_PLACES;
    const context = (): ConditionContext => {
      if (tags === undefined) throw NEED_TAGS;
      return requestContext(principal, tags, places, facts, req);
    };
    const input: EvaluationInput = {
      principal,
      action: req.action,
      resource: req.resource,
      resourceAccount: req.resourceAccount ?? principal.accountId,
      identityPolicies: principal.type === "Root" ? set.identityForRoot : set.identity,
      permissionsBoundary: set.boundary,
      // Present exactly when the principal has session policies (never empty: see sessionLevel).
      sessionPolicies: pols.session !== undefined ? set.session : undefined,
      // Every member present (possibly undefined): conditional spreads in this literal would
      // send V8 down its slow object-building path on every request.
      scopeDownPolicies: pols.scopeDown !== undefined ? scopeDownLevels(pols.scopeDown) : undefined,
      resourcePolicy,
      resourcePolicyIsAuthoritative: req.resourcePolicyIsAuthoritative === true ? true : undefined,
      serviceControlPolicies: scps,
      resourceControlPolicies: rcps,
      callerFederatedProvider: req.federatedProvider,
      context,
    };
    try {
      return evaluate(input);
    } catch (e) {
      if (e !== NEED_TAGS) throw e;
    }
    return (async () => {
      tags = await deps.directory.principalTags(principal);
      if (orgSource !== undefined) places = await orgPlaces(orgSource, principal, input.resourceAccount, facts.now);
      return evaluate(input);
    })();
  }

  /** The request's outcome once decided: settled, or AccessDenied unless the alternative (a KMS grant) allows. */
  function settle(principal: Principal, req: AuthorizeRequest, result: EvaluationResult, alternativeAllow: (() => Promise<boolean>) | undefined): Promise<void> {
    if (result.decision === "Allow") return ALLOWED;
    // An alternative (a KMS grant) may stand in for a missing policy allow, never for an SCP or
    // RCP level that allows nothing: organization guardrails bound every kind of access.
    if (result.decision === "ImplicitDeny" && result.guardrail !== true && alternativeAllow) {
      return alternativeAllow().then((ok) => {
        if (!ok) throw accessDenied(principal, req, result);
      });
    }
    return Promise.reject(accessDenied(principal, req, result));
  }

  /**
   * The condition keys of a request: the same keys, values and insertion order as spreading
   * principalContext() first, then the request keys, then the service's own keys (which win) —
   * written as plain assignments: an object literal that spreads and then adds "aws:…" keys
   * costs V8 microseconds.
   */
  function requestContext(principal: Principal, tags: Record<string, string>, places: OrgPlaces, facts: RequestFacts, req: AuthorizeRequest): ConditionContext {
    const c: ConditionContext = {};
    const base = principalContextOf(principal, tags);
    for (const k in base) setKey(c, k, base[k]);
    // Seconds since the MFA-authenticated session was issued (needs the request time, so it is
    // not part of the cached principal keys).
    const mfaAt = principal.mfaAuthenticatedAt ?? principal.sessionIssuedAt;
    if (principal.mfaAuthenticated === true && mfaAt !== undefined && base["aws:MultiFactorAuthPresent"] === true) {
      c["aws:MultiFactorAuthAge"] = Math.max(0, Math.floor((facts.now - mfaAt) / 1000));
    }
    c["aws:SourceIp"] = facts.sourceIp;
    c["aws:SecureTransport"] = facts.secureTransport;
    c["aws:CurrentTime"] = currentTime(facts.now);
    c["aws:EpochTime"] = Math.floor(facts.now / 1000);
    c["aws:RequestedRegion"] = facts.region;
    c["aws:UserAgent"] = facts.userAgent;
    c["aws:ResourceAccount"] = req.resourceAccount ?? principal.accountId;
    // Always present, false for a call the principal makes directly; a service making the call on
    // the principal's behalf says true in the request's own keys (set below, so they win).
    c["aws:ViaAWSService"] = false;
    if (places.principal !== undefined) {
      c["aws:PrincipalOrgID"] = places.principal.orgId;
      c["aws:PrincipalOrgPaths"] = [places.principal.path];
    }
    if (places.resource !== undefined) {
      c["aws:ResourceOrgID"] = places.resource.orgId;
      c["aws:ResourceOrgPaths"] = [places.resource.path];
    }
    const extra = req.context;
    if (extra !== undefined) for (const k of Object.keys(extra)) setKey(c, k, extra[k]);
    return c;
  }

  return {
    decide(principal, facts, req) {
      const r = decideNow(principal, facts, req);
      return r instanceof Promise ? r : Promise.resolve(r);
    },
    // Not async functions: an allowed request whose decision needed nothing awaited (most)
    // gets the one settled promise back.
    authorize(principal, facts, req, alternativeAllow) {
      try {
        const r = decideNow(principal, facts, req);
        return r instanceof Promise ? r.then((result) => settle(principal, req, result, alternativeAllow)) : settle(principal, req, r, alternativeAllow);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}
