/** Public and compiled shapes of the policy engine. */
import type { ConditionContext, Principal } from "../../core/types.js";
import type { ArnPattern } from "./arn-pattern.js";
import type { CompiledCondition } from "./conditions.js";
import type { Matcher } from "./glob.js";
import type { PrincipalSet } from "./principal-element.js";

/**
 * "key" is a KMS key policy: a resource policy in which a statement without Action/NotAction or
 * without Resource/NotResource is accepted but has no effect (KMS API reference, PutKeyPolicy:
 * "If either of the required Resource or Action elements are missing from a key policy
 * statement, the policy statement has no effect"). In other resource policies a statement
 * without Resource applies to the resource the policy is attached to.
 */
export type PolicyKind = "identity" | "resource" | "key" | "trust" | "boundary" | "session" | "scp" | "rcp";

export interface ParseOptions {
  /**
   * Managed policies (CreatePolicy / CreatePolicyVersion) must say Version "2012-10-17";
   * IAM answers "Policy document must be version 2012-10-17 or greater." otherwise.
   * Inline, trust and resource policies may omit Version or use "2008-10-17".
   */
  readonly requireCurrentVersion?: boolean;
}

export interface CompiledStatement {
  readonly sid: string | undefined;
  readonly deny: boolean;
  readonly notAction: boolean;
  /** `*` among the actions. */
  readonly actionAny: boolean;
  /** Lower-cased actions without wildcards. */
  readonly actionExact: ReadonlySet<string>;
  /** Lower-cased wildcard actions. */
  readonly actionPatterns: readonly Matcher[];
  readonly notResource: boolean;
  /** Undefined when the statement has no Resource/NotResource (trust policies). */
  readonly resources: readonly ArnPattern[] | undefined;
  /** Undefined when the statement has no Principal/NotPrincipal (identity-type policies). */
  readonly principal: PrincipalSet | undefined;
  readonly notPrincipal: boolean;
  readonly conditions: readonly CompiledCondition[];
}

/** A validated, compiled policy. Immutable; safe to cache and share between requests. */
export interface ParsedPolicy {
  readonly kind: PolicyKind;
  /** The Version element as written; policy variables are substituted only for "2012-10-17". */
  readonly version: "2012-10-17" | "2008-10-17" | undefined;
  readonly statements: readonly CompiledStatement[];
  /** Every "AWS" principal value named (for the IAM service's existence checks). */
  readonly awsPrincipals: readonly string[];
}

export interface EvaluationInput {
  principal: Principal;
  action: string;
  resource: string;
  resourceAccount: string;
  identityPolicies: ParsedPolicy[];
  permissionsBoundary?: ParsedPolicy;
  sessionPolicies?: ParsedPolicy[];
  /**
   * Scope-down policies of sts:GetScopedCredentials, one per call in the chain. Each must allow
   * (whatever allowed the request otherwise, a resource-based policy included); any deny wins.
   */
  scopeDownPolicies?: readonly ParsedPolicy[] | undefined;
  resourcePolicy?: ParsedPolicy;
  resourcePolicyIsAuthoritative?: boolean;
  /**
   * The request's condition keys, or a function building them: it is called at most once,
   * when a policy first reads a condition key or variable, and never if none does. What it
   * throws propagates out of evaluate() unchanged (the engine catches nothing).
   */
  context: ConditionContext | (() => ConditionContext);
  /**
   * Service control policies that apply to the caller's account, one array per level of the
   * organization (root, OUs…, account). Every level must allow; any deny wins.
   */
  serviceControlPolicies?: ReadonlyArray<readonly ParsedPolicy[]> | undefined;
  /**
   * Resource control policies that apply to the resource's account, one array per level of its
   * organization (root, OUs…, account). Like SCPs: every level must allow; any deny wins.
   */
  resourceControlPolicies?: ReadonlyArray<readonly ParsedPolicy[]> | undefined;
  /** The caller is an AWS service (matches {"Service": …} principals), e.g. "ec2.amazonaws.com". */
  callerServicePrincipal?: string;
  /** The caller is a web-identity / SAML federation (matches {"Federated": …} principals). */
  callerFederatedProvider?: string;
  /**
   * Policy simulation only (IAM SimulatePrincipalPolicy / SimulateCustomPolicy): when given,
   * the engine scans every statement instead of stopping at the first decisive one and
   * records what matched here. The decision is the same with or without a trace.
   */
  trace?: EvaluationTrace;
}

/** Where an evaluated statement came from. */
export type PolicySlot = "scp" | "rcp" | "resource" | "identity" | "boundary" | "session";

export interface MatchedStatementRef {
  slot: PolicySlot;
  policy: ParsedPolicy;
  /** Index into policy.statements (= the statement's position in the document's Statement list). */
  index: number;
  deny: boolean;
}

/** What a traced evaluation found (filled in by evaluate()). */
export interface EvaluationTrace {
  /** Statements whose action, resource, principal and conditions all matched. */
  matched: MatchedStatementRef[];
  /**
   * Condition keys (and policy-variable keys) read while evaluating statements whose action
   * and resource matched, that the context did not supply; spelled as in the policy.
   */
  missingKeys: string[];
  /** The permissions boundary's own verdict, when there is one: true = some statement allows and none denies. */
  boundaryAllows?: boolean;
}

export interface EvaluationResult {
  decision: "Allow" | "ExplicitDeny" | "ImplicitDeny";
  /** Which policy type decided, for debugging; never contains policy text. */
  reason: string;
  /**
   * Set on an ImplicitDeny that an organization guardrail decided (an SCP or RCP level allowing
   * nothing): no grant or other alternative may allow the request then.
   */
  guardrail?: true;
}
