/**
 * An IAM identity (user, group or role) named by ARN, and its permissions policies: inline and
 * attached managed, and for a user its groups' too, in the order the identity directory lists
 * them. The policy simulator, the last-accessed reports and ListPoliciesGrantingServiceAccess
 * read policies here, the same sources the authoriser reads.
 */
import type { AwsError } from "../../core/errors.js";
import { parsePolicy, type ParsedPolicy, type PolicyKind } from "../../iam/policy/index.js";
import { groupArn, parseEntityArn, roleArn, userArn } from "./arn.js";
import { authorize, noteResource, type Caller, type IamEnv } from "./env.js";
import { noSuchEntity, policyNotFound } from "./errors.js";
import type { GroupDoc, InlinePolicyDoc, RoleDoc, UserDoc } from "./model.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy-lookup.js";
import { groups, roles, users } from "./repo.js";
import { entityTagContext } from "./tags.js";

export type PolicySourceType = "user" | "group" | "role" | "aws-managed" | "user-managed" | "resource" | "none";

/** One policy with where it comes from. */
export interface SourcedPolicy {
  /** The policy's name (inline or managed), or the simulator's label for an input policy. */
  id: string;
  type: PolicySourceType;
  text: string;
  parsed: ParsedPolicy;
  /** Managed policies: the ARN. */
  arn?: string;
  /** Inline policies: the identity that holds it. */
  holder?: { kind: "user" | "group" | "role"; name: string };
}

export type IdentityKind = "user" | "group" | "role";

export type Identity = { kind: "user"; doc: UserDoc; arn: string } | { kind: "group"; doc: GroupDoc; arn: string } | { kind: "role"; doc: RoleDoc; arn: string };

/** The kind of identity an ARN names (its account and path as written), if it is one of `kinds`. */
export function identityArnKind<K extends IdentityKind | "policy">(arn: string, kinds: readonly K[]): K | undefined {
  return kinds.find((k) => parseEntityArn(arn, k) !== undefined);
}

/** The user, group or role of `accountId` named exactly (path included) by `arn`, if any. */
export async function findIdentity(env: IamEnv, accountId: string, kind: IdentityKind, arn: string): Promise<Identity | undefined> {
  const parsed = parseEntityArn(arn, kind);
  if (!parsed || parsed.accountId !== accountId) return undefined;
  switch (kind) {
    case "user": {
      const d = await users.byName(env.store, accountId, parsed.name);
      return d && userArn(d.accountId, d.path, d.userName) === arn ? { kind, doc: d, arn } : undefined;
    }
    case "group": {
      const d = await groups.byName(env.store, accountId, parsed.name);
      return d && groupArn(d.accountId, d.path, d.groupName) === arn ? { kind, doc: d, arn } : undefined;
    }
    case "role": {
      const d = await roles.byName(env.store, accountId, parsed.name);
      return d && roleArn(d.accountId, d.path, d.roleName) === arn ? { kind, doc: d, arn } : undefined;
    }
  }
}

/** An identity, or a managed policy (AWS managed or the account's own). */
export type Subject = Identity | { kind: "policy"; policy: ResolvedPolicy; arn: string };

const RESOURCE_TYPES = { user: "AWS::IAM::User", group: "AWS::IAM::Group", role: "AWS::IAM::Role", policy: "AWS::IAM::Policy" } as const;

async function lookupSubject(env: IamEnv, accountId: string, kind: IdentityKind | "policy", arn: string): Promise<Subject | undefined> {
  if (kind !== "policy") return findIdentity(env, accountId, kind, arn);
  const policy = await resolvePolicy(env.store, accountId, arn);
  return policy ? { kind, policy, arn } : undefined;
}

/**
 * The subject `arn` names in the caller's account, one of `kinds`: authorises `action` on the ARN
 * first (with the entity's tags), then NoSuchEntity when it does not exist. An ARN of none of
 * `kinds` is the operation's `invalid` error.
 */
export async function authorizedSubject<K extends IdentityKind | "policy">(
  env: IamEnv,
  caller: Caller,
  action: string,
  arn: string,
  kinds: readonly K[],
  invalid: (arn: string) => AwsError,
): Promise<Subject> {
  const kind = identityArnKind(arn, kinds);
  if (!kind) throw invalid(arn);
  const subject = await lookupSubject(env, caller.accountId, kind, arn);
  const tags = subject && (subject.kind === "user" || subject.kind === "role") ? entityTagContext(subject.doc.tags) : {};
  await authorize(caller, action, arn, tags);
  noteResource(caller, arn, RESOURCE_TYPES[kind]);
  if (!subject) throw kind === "policy" ? policyNotFound(arn) : noSuchEntity(`The ${kind} with ARN ${arn} cannot be found.`);
  return subject;
}

/** The subject of a stored ARN, as it is now (undefined when deleted since). */
export async function currentSubject(env: IamEnv, accountId: string, arn: string): Promise<Subject | undefined> {
  const kind = identityArnKind(arn, ["user", "group", "role", "policy"] as const);
  return kind ? lookupSubject(env, accountId, kind, arn) : undefined;
}

/** A stored policy that no longer parses grants nothing, as in the authoriser (it was validated when stored). */
export function storedPolicy(id: string, type: PolicySourceType, text: string, kind: PolicyKind, extra: Pick<SourcedPolicy, "arn" | "holder"> = {}): SourcedPolicy[] {
  try {
    return [{ id, type, text, parsed: parsePolicy(text, kind), ...extra }];
  } catch {
    return [];
  }
}

function inline(list: readonly InlinePolicyDoc[], kind: "user" | "group" | "role", holder: string): SourcedPolicy[] {
  return list.flatMap((p) => storedPolicy(p.name, kind, p.document, "identity", { holder: { kind, name: holder } }));
}

async function managed(env: IamEnv, accountId: string, arns: readonly string[], kind: PolicyKind = "identity"): Promise<SourcedPolicy[]> {
  const out: SourcedPolicy[] = [];
  for (const arn of arns) {
    const p = await resolvePolicy(env.store, accountId, arn);
    if (!p) continue;
    out.push(...storedPolicy(p.policyName, p.aws ? "aws-managed" : "user-managed", p.defaultDocument, kind, { arn }));
  }
  return out;
}

/** A permissions boundary by ARN, parsed as one. */
export async function boundaryPolicy(env: IamEnv, accountId: string, arn: string | undefined): Promise<SourcedPolicy | undefined> {
  return arn === undefined ? undefined : (await managed(env, accountId, [arn], "boundary"))[0];
}

function groupPolicies(env: IamEnv, g: GroupDoc): Promise<SourcedPolicy[]> {
  return managed(env, g.accountId, g.attachedPolicyArns).then((m) => [...inline(g.inlinePolicies, "group", g.groupName), ...m]);
}

/** The identity's permissions policies; a user's include those of its groups. */
export async function identityPolicies(env: IamEnv, e: Identity): Promise<SourcedPolicy[]> {
  switch (e.kind) {
    case "user": {
      const u = e.doc;
      const out = [...inline(u.inlinePolicies, "user", u.userName), ...(await managed(env, u.accountId, u.attachedPolicyArns))];
      for (const gid of u.groupIds) {
        const g = await groups.byId(env.store, u.accountId, gid);
        if (g) out.push(...(await groupPolicies(env, g)));
      }
      return out;
    }
    case "group":
      return groupPolicies(env, e.doc);
    case "role":
      return [...inline(e.doc.inlinePolicies, "role", e.doc.roleName), ...(await managed(env, e.doc.accountId, e.doc.attachedPolicyArns))];
  }
}
