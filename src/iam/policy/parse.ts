/**
 * parsePolicy: validate a policy document for its kind and compile it for fast evaluation
 * (lower-cased action sets and wildcard matchers, pre-split resource ARN patterns, principal
 * sets, typed condition values).
 */
import { compileArnPattern } from "./arn-pattern.js";
import { compileCondition, type CompiledCondition } from "./conditions.js";
import { compileTokens, hasWildcard, tokenizeWildcards, type Matcher } from "./glob.js";
import { compilePrincipal } from "./principal-element.js";
import type { CompiledStatement, ParsedPolicy, ParseOptions, PolicyKind } from "./types.js";
import { asList, validatePolicy, type RawStatement } from "./validate.js";

type RawConditionValue = string | number | boolean;

function compileActions(list: readonly string[]): Pick<CompiledStatement, "actionAny" | "actionExact" | "actionPatterns"> {
  let actionAny = false;
  const actionExact = new Set<string>();
  const actionPatterns: Matcher[] = [];
  for (const a of list) {
    const lower = a.toLowerCase();
    if (lower === "*") actionAny = true;
    else {
      const tokens = tokenizeWildcards(lower);
      if (hasWildcard(tokens)) actionPatterns.push(compileTokens(tokens));
      else actionExact.add(lower);
    }
  }
  return { actionAny, actionExact, actionPatterns };
}

function compileStatement(st: RawStatement, kind: PolicyKind, variables: boolean): CompiledStatement {
  const notAction = "NotAction" in st;
  // A key policy statement without Action (accepted by validation) matches no action.
  const actions = compileActions(asList((notAction ? st["NotAction"] : st["Action"]) ?? []));
  const notResource = "NotResource" in st;
  const rawResources = notResource ? st["NotResource"] : st["Resource"];
  // Without Resource a statement applies to the policy's own resource, except in a key policy,
  // where it has no effect: it matches no resource.
  const resources =
    rawResources === undefined ? (kind === "key" ? [] : undefined) : asList(rawResources).map((r) => compileArnPattern(r, variables, true));
  const notPrincipal = "NotPrincipal" in st;
  const rawPrincipal = notPrincipal ? st["NotPrincipal"] : st["Principal"];
  const principal = rawPrincipal === undefined ? undefined : compilePrincipal(rawPrincipal);
  const conditions: CompiledCondition[] = [];
  const cond = st["Condition"] as Record<string, Record<string, RawConditionValue | RawConditionValue[]>> | undefined;
  for (const [op, block] of Object.entries(cond ?? {})) {
    for (const [key, value] of Object.entries(block)) conditions.push(compileCondition(op, key, value, variables));
  }
  return {
    sid: typeof st["Sid"] === "string" ? st["Sid"] : undefined,
    deny: st["Effect"] === "Deny",
    notAction,
    ...actions,
    notResource,
    resources,
    principal,
    notPrincipal,
    conditions,
  };
}

/**
 * Validates `text` as a policy of the given kind and compiles it.
 * Throws PolicyParseError whose message is IAM's MalformedPolicyDocument text.
 */
export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): ParsedPolicy {
  const raw = validatePolicy(text, kind, options);
  const variables = raw.version === "2012-10-17";
  const statements = raw.statements.map((st) => compileStatement(st, kind, variables));
  const awsPrincipals: string[] = [];
  for (const s of statements) if (s.principal) awsPrincipals.push(...s.principal.awsValues);
  return { kind, version: raw.version, statements, awsPrincipals };
}
