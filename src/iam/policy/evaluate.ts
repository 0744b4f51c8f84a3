/**
 * AWS policy evaluation logic (IAM User Guide, "Policy evaluation logic", "Cross-account
 * policy evaluation logic", "Permissions boundaries", "Session policies").
 *
 *  1. An applicable Deny in any policy (SCP, RCP, resource policy, identity policy, boundary,
 *     session policy) → ExplicitDeny.
 *  2. SCPs (caller's account) and RCPs (resource's account): every level must allow, else
 *     ImplicitDeny;
 *     so must every scope-down policy of sts:GetScopedCredentials (one level per call in the chain).
 *  3. Same account:
 *       - resource policy names the caller DIRECTLY (user ARN, session ARN, "*") → Allow,
 *         even without identity/boundary/session allow;
 *       - resource policy names the caller's ROLE ARN (or, for a GetFederationToken session,
 *         the IAM user who federated) → Allow if the boundary and the session policies (when
 *         present) allow;
 *       - identity policies allow and boundary and session policies (when present) allow → Allow
 *         (an ACCOUNT-principal grant only delegates to this path).
 *     With resourcePolicyIsAuthoritative (KMS key policies, role trust policies) the resource
 *     policy must allow: DIRECT → Allow; ROLE → boundary/session must allow; ACCOUNT →
 *     identity path must allow; none → ImplicitDeny.
 *  4. Cross account: the resource policy must allow (any way of naming the caller) AND the
 *     identity path (identity ∧ boundary ∧ session) must allow.
 *  Root caller: no identity policies apply — the identity path is implicitly allowed; session
 *  policies (an AssumeRoot session's task policy) still deny.
 *  Anonymous caller: only a resource policy naming everyone ("*") can allow.
 *  Federated-user sessions (GetFederationToken) without session policies have no identity
 *  permissions (AWS: "the resulting federated user session has no permissions").
 */
import { arnMatches, SplitArn } from "./arn-pattern.js";
import { conditionsHold } from "./conditions.js";
import { ContextLookup } from "./context.js";
import {
  MATCH_ACCOUNT,
  MATCH_DIRECT,
  MATCH_NONE,
  MATCH_ROLE,
  matchPrincipal,
  notPrincipalApplies,
  type CallerIdentity,
  type PrincipalMatch,
} from "./principal-element.js";
import type { CompiledStatement, EvaluationInput, EvaluationResult, EvaluationTrace, ParsedPolicy, PolicySlot } from "./types.js";

/**
 * The IAM user who called GetFederationToken, for a federated user session (the directory puts
 * it in `roleArn`). A resource policy naming that user applies to the session the way a role ARN
 * applies to the role's sessions. A session the root user federated has no such user: its issuer
 * is the account itself (the root ARN in a Principal element names the account), which is already
 * how the caller's account is matched.
 */
function issuingUserArn(arn: string | undefined): string | undefined {
  return arn === undefined || arn.endsWith(":root") ? undefined : arn;
}

/** Per-request state shared by every statement check. */
class Env {
  readonly actionLower: string;
  readonly ctx: ContextLookup;
  readonly caller: CallerIdentity;
  readonly trace: EvaluationTrace | undefined;
  private split: SplitArn | undefined;

  constructor(
    readonly input: EvaluationInput,
    readonly hasBoundary: boolean,
  ) {
    this.actionLower = input.action.toLowerCase();
    const trace = (this.trace = input.trace);
    this.ctx = new ContextLookup(
      input.context,
      trace === undefined
        ? undefined
        : (key) => {
            if (!trace.missingKeys.includes(key)) trace.missingKeys.push(key);
          },
    );
    const p = input.principal;
    this.caller = {
      type: p.type,
      accountId: p.accountId,
      arn: p.arn,
      roleArn: p.type === "AssumedRole" ? p.roleArn : p.type === "FederatedUser" ? issuingUserArn(p.roleArn) : undefined,
      servicePrincipal: input.callerServicePrincipal,
      federatedProvider: input.callerFederatedProvider,
    };
  }

  get resource(): SplitArn {
    if (!this.split) this.split = new SplitArn(this.input.resource);
    return this.split;
  }
}

function actionMatches(st: CompiledStatement, env: Env): boolean {
  return statementMatchesAction(st, env.actionLower);
}

/**
 * Whether the statement's Action/NotAction element applies to `actionLower` (an action such as
 * "kms:encrypt", already lower-cased), ignoring its Effect, resources and conditions. The
 * evaluator's own test; IAM's access advisor uses it to tell which services a policy grants.
 */
export function statementMatchesAction(st: CompiledStatement, actionLower: string): boolean {
  const a = actionLower;
  let m = st.actionAny || st.actionExact.has(a);
  if (!m) {
    for (const p of st.actionPatterns) {
      if (p(a)) {
        m = true;
        break;
      }
    }
  }
  return m !== st.notAction;
}

function resourceMatches(st: CompiledStatement, env: Env): boolean {
  const list = st.resources;
  if (list === undefined) return true;
  let m = false;
  for (const p of list) {
    if (p.any || arnMatches(p, env.resource, env.ctx.resolve)) {
      m = true;
      break;
    }
  }
  return m !== st.notResource;
}

/** How the statement's Principal/NotPrincipal names the caller (NONE = does not apply). */
function principalMatch(st: CompiledStatement, env: Env): PrincipalMatch {
  const set = st.principal;
  if (set === undefined) return MATCH_DIRECT;
  if (!st.notPrincipal) return matchPrincipal(set, env.caller);
  // AWS: a Deny with NotPrincipal in a resource policy always denies a principal that has a
  // permissions boundary, whatever NotPrincipal lists.
  if (st.deny && env.hasBoundary) return MATCH_DIRECT;
  return notPrincipalApplies(set, env.caller, st.deny) ? MATCH_DIRECT : MATCH_NONE;
}

const DENIED = -1;

/** Traced evaluation: every condition is evaluated (no short cut), so each missing key is seen. */
function allConditionsHold(st: CompiledStatement, env: Env): boolean {
  if (env.trace === undefined) return conditionsHold(st.conditions, env.ctx);
  let ok = true;
  for (const c of st.conditions) if (!conditionsHold([c], env.ctx)) ok = false;
  return ok;
}

function noteMatch(env: Env, slot: PolicySlot, policy: ParsedPolicy, st: CompiledStatement): void {
  env.trace?.matched.push({ slot, policy, index: policy.statements.indexOf(st), deny: st.deny });
}

/**
 * Scans policies whose statements carry no principal (identity, boundary, session, SCP), or
 * whose statements must name the caller to apply (RCP).
 * Returns DENIED, 1 (some statement allows) or 0. A traced scan looks at every statement.
 */
function scanIdentityLike(policies: readonly ParsedPolicy[], env: Env, slot: PolicySlot): number {
  const tracing = env.trace !== undefined;
  let allowed = 0;
  let denied = false;
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (!tracing && st.deny === false && allowed === 1) continue; // only denies can still change the outcome
      if (!actionMatches(st, env) || !resourceMatches(st, env)) continue;
      // A principal-bearing statement in an identity-type slot must still name the caller.
      if (st.principal !== undefined && principalMatch(st, env) === MATCH_NONE) continue;
      if (!allConditionsHold(st, env)) continue;
      noteMatch(env, slot, policy, st);
      if (st.deny) {
        if (!tracing) return DENIED;
        denied = true;
      } else allowed = 1;
    }
  }
  return denied ? DENIED : allowed;
}

/** Scans a resource-based policy: DENIED, or the strongest way an Allow names the caller. */
function scanResourcePolicy(policy: ParsedPolicy, env: Env): number {
  const tracing = env.trace !== undefined;
  let best: number = MATCH_NONE;
  let denied = false;
  for (const st of policy.statements) {
    if (!tracing && !st.deny && best === MATCH_DIRECT) continue;
    // A statement without Principal in a resource policy names nobody.
    if (st.principal === undefined) continue;
    if (!actionMatches(st, env) || !resourceMatches(st, env)) continue;
    const how = principalMatch(st, env);
    if (how === MATCH_NONE || (!tracing && !st.deny && how <= best)) continue;
    if (!allConditionsHold(st, env)) continue;
    noteMatch(env, "resource", policy, st);
    if (st.deny) {
      if (!tracing) return DENIED;
      denied = true;
    } else if (how > best) best = how;
  }
  return denied ? DENIED : best;
}

const allow = (reason: string): EvaluationResult => ({ decision: "Allow", reason });
const explicitDeny = (reason: string): EvaluationResult => ({ decision: "ExplicitDeny", reason });
const implicitDeny = (reason: string): EvaluationResult => ({ decision: "ImplicitDeny", reason });
const GUARDRAIL_SCP: EvaluationResult = Object.freeze({ decision: "ImplicitDeny", reason: "no service control policy allows the action", guardrail: true });
const GUARDRAIL_RCP: EvaluationResult = Object.freeze({ decision: "ImplicitDeny", reason: "no resource control policy allows the action", guardrail: true });

export function evaluate(input: EvaluationInput): EvaluationResult {
  const p = input.principal;
  const isRoot = p.type === "Root";
  const isAnonymous = p.type === "Anonymous";
  const usesIdentity = !isRoot && !isAnonymous;
  const boundary = usesIdentity ? input.permissionsBoundary : undefined;
  // A root session (sts:AssumeRoot) is limited by its task policy: for the root user session
  // policies can only deny (root needs no allow), for everyone else they must also allow.
  const sessions = (usesIdentity || isRoot) && input.sessionPolicies && input.sessionPolicies.length > 0 ? input.sessionPolicies : undefined;
  const env = new Env(input, boundary !== undefined);

  // 1. Explicit denies, collecting allows on the way. A traced evaluation scans every slot
  // (so the boundary's verdict and every matched statement are known) and then answers the
  // first deny in the same order.
  const tracing = input.trace !== undefined;
  let firstDeny: EvaluationResult | undefined;
  let scpDenied = false;
  for (const level of input.serviceControlPolicies ?? []) {
    const r = scanIdentityLike(level, env, "scp");
    if (r === DENIED) {
      firstDeny ??= explicitDeny("explicit deny in a service control policy");
      if (!tracing) return firstDeny;
    }
    if (r === 0) scpDenied = true;
  }
  let rcpDenied = false;
  for (const level of input.resourceControlPolicies ?? []) {
    const r = scanIdentityLike(level, env, "rcp");
    if (r === DENIED) {
      firstDeny ??= explicitDeny("explicit deny in a resource control policy");
      if (!tracing) return firstDeny;
    }
    if (r === 0) rcpDenied = true;
  }
  const rp = input.resourcePolicy ? scanResourcePolicy(input.resourcePolicy, env) : MATCH_NONE;
  if (rp === DENIED) {
    firstDeny ??= explicitDeny("explicit deny in the resource-based policy");
    if (!tracing) return firstDeny;
  }
  const id = usesIdentity ? scanIdentityLike(input.identityPolicies, env, "identity") : 0;
  if (id === DENIED) {
    firstDeny ??= explicitDeny("explicit deny in an identity-based policy");
    if (!tracing) return firstDeny;
  }
  const pb = boundary ? scanIdentityLike([boundary], env, "boundary") : 1;
  if (boundary && input.trace) input.trace.boundaryAllows = pb === 1;
  if (pb === DENIED) {
    firstDeny ??= explicitDeny("explicit deny in the permissions boundary");
    if (!tracing) return firstDeny;
  }
  const sp = sessions ? scanIdentityLike(sessions, env, "session") : 1;
  if (sp === DENIED) {
    firstDeny ??= explicitDeny("explicit deny in a session policy");
    if (!tracing) return firstDeny;
  }
  let scopeDenied = false;
  for (const level of input.scopeDownPolicies ?? []) {
    const r = scanIdentityLike([level], env, "session");
    if (r === DENIED) {
      firstDeny ??= explicitDeny("explicit deny in a scope-down session policy");
      if (!tracing) return firstDeny;
    }
    if (r === 0) scopeDenied = true;
  }
  if (firstDeny) return firstDeny;

  // 2. Organizations guardrails and scope-down levels.
  if (scpDenied) return GUARDRAIL_SCP;
  if (rcpDenied) return GUARDRAIL_RCP;
  if (scopeDenied) return implicitDeny("no scope-down session policy allows the action");

  // 3. Allows.
  if (isAnonymous) {
    return rp === MATCH_DIRECT
      ? allow("allowed by the resource-based policy (public)")
      : implicitDeny("anonymous request not allowed by a resource-based policy");
  }
  const boundaryOk = pb === 1;
  const sessionOk = sessions ? sp === 1 : p.type !== "FederatedUser" || isRoot;
  const identityPath = isRoot || (id === 1 && boundaryOk && sessionOk);
  const boundaryGap = (): string =>
    !boundaryOk ? "the permissions boundary does not allow the action" : "no session policy allows the action";
  const identityGap = (): string => (id !== 1 ? "no identity-based policy allows the action" : boundaryGap());

  const sameAccount = input.resourceAccount === p.accountId;
  if (!sameAccount) {
    if (!input.resourcePolicy || rp === MATCH_NONE) {
      return implicitDeny("cross-account request not allowed by a resource-based policy");
    }
    return identityPath
      ? allow("cross-account: allowed by the resource-based policy and the identity-based policies")
      : implicitDeny(`cross-account: ${identityGap()}`);
  }

  if (rp === MATCH_DIRECT) return allow("allowed by the resource-based policy (principal named directly)");
  if (rp === MATCH_ROLE && (isRoot || (boundaryOk && sessionOk))) {
    return allow("allowed by the resource-based policy (role ARN)");
  }
  if (input.resourcePolicyIsAuthoritative) {
    if (rp === MATCH_NONE) return implicitDeny("the resource-based (key or trust) policy does not allow the caller");
    if (rp === MATCH_ACCOUNT && identityPath) {
      return allow("allowed by the resource-based policy delegating to the account's IAM policies");
    }
    return implicitDeny(rp === MATCH_ROLE ? boundaryGap() : identityGap());
  }
  if (identityPath) return allow(isRoot ? "account root user" : "allowed by identity-based policy");
  return implicitDeny(rp === MATCH_ROLE ? boundaryGap() : identityGap());
}
