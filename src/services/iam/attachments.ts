/** Managed policy attachments to users, groups and roles, and who uses a policy. */
import type {
  AttachedPolicy,
  AttachGroupPolicyRequest,
  AttachRolePolicyRequest,
  AttachUserPolicyRequest,
  DetachGroupPolicyRequest,
  DetachRolePolicyRequest,
  DetachUserPolicyRequest,
  ListAttachedGroupPoliciesRequest,
  ListAttachedGroupPoliciesResponse,
  ListAttachedRolePoliciesRequest,
  ListAttachedRolePoliciesResponse,
  ListAttachedUserPoliciesRequest,
  ListAttachedUserPoliciesResponse,
  ListEntitiesForPolicyRequest,
  ListEntitiesForPolicyResponse,
} from "@aws-sdk/client-iam";
import type { AwsError } from "../../core/errors.js";
import type { ConditionContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import type { Caller, IamEnv } from "./env.js";
import { write } from "./env.js";
import { constraintError, noSuchGroup, noSuchRole, noSuchUser, policyNotAttachable, policyNotFound, quotaExceeded, serviceRolePolicyNotAttachable } from "./errors.js";
import { authorizeOnGroup, mustGroup } from "./groups.js";
import { COLLECTIONS, QUOTAS, type AttachedEntityKind, type GroupDoc, type PolicyUseDoc, type RoleDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { authorizeOnPolicy, checkPolicyArn } from "./policy-common.js";
import { resolvePolicy } from "./policy-lookup.js";
import { groups, policyUses, roles, users } from "./repo.js";
import { authorizeOnRole, mustModifiableRole } from "./roles.js";
import { authorizeOnUser, boundaryContext, mustUser } from "./users.js";
import { checkMarker, checkMaxItems, checkName, checkPathPrefix, checkPolicyUsageFilter, validateMembers } from "./validation.js";

/** What attachment logic needs to know about one kind of entity. */
export interface EntityAdapter<D> {
  kind: AttachedEntityKind;
  nameField: string;
  nameMax: number;
  /** The name's limit in the attachment operations when it differs (users: userNameType, 64). */
  attachmentNameMax?: number;
  quota: string;
  authorizeOn(env: IamEnv, caller: Caller, action: string, name: string, context: (d: D | undefined) => ConditionContext): Promise<D | undefined>;
  must(db: DocStore, accountId: string, name: string): Promise<D>;
  save(db: DocStore, d: D): Promise<void>;
  id(d: D): string;
  name(d: D): string;
  notFound(name: string): AwsError;
}

export const USER_ADAPTER: EntityAdapter<UserDoc> = {
  kind: "User",
  nameField: "userName",
  nameMax: 128,
  attachmentNameMax: 64,
  quota: "PoliciesPerUser",
  authorizeOn: (env, caller, action, name, context) => authorizeOnUser(env, caller, action, name, context),
  must: mustUser,
  save: users.save,
  id: (d) => d.userId,
  name: (d) => d.userName,
  notFound: noSuchUser,
};

export const GROUP_ADAPTER: EntityAdapter<GroupDoc> = {
  kind: "Group",
  nameField: "groupName",
  nameMax: 128,
  quota: "PoliciesPerGroup",
  authorizeOn: (env, caller, action, name, context) => authorizeOnGroup(env, caller, action, name, context),
  must: mustGroup,
  save: groups.save,
  id: (d) => d.groupId,
  name: (d) => d.groupName,
  notFound: noSuchGroup,
};

export const ROLE_ADAPTER: EntityAdapter<RoleDoc> = {
  kind: "Role",
  nameField: "roleName",
  nameMax: 64,
  quota: "PoliciesPerRole",
  authorizeOn: (env, caller, action, name, context) => authorizeOnRole(env, caller, action, name, context),
  // Attachments and inline policies of a service-linked role are its service's to change.
  must: mustModifiableRole,
  save: roles.save,
  id: (d) => d.roleId,
  name: (d) => d.roleName,
  notFound: noSuchRole,
};

export type Attachable = UserDoc | GroupDoc | RoleDoc;

function boundaryOf(d: Attachable | undefined): string | undefined {
  return d && "permissionsBoundaryArn" in d ? d.permissionsBoundaryArn : undefined;
}

/** The entity name of a request, checked against the constraints of the adapter's kind. */
export function checkEntityName<D extends Attachable>(a: EntityAdapter<D>, entityName: string | undefined): string {
  return checkName(entityName, a.nameField, a.attachmentNameMax ?? a.nameMax);
}

/**
 * What Attach*Policy and Detach*Policy share before their transaction: the entity name and
 * policy ARN checked, then the caller authorised on the entity with `iam:PolicyARN` and the
 * entity's permissions boundary as condition keys.
 */
async function authorizeAttachmentChange<D extends Attachable>(
  env: IamEnv,
  caller: Caller,
  a: EntityAdapter<D>,
  action: string,
  entityName: string | undefined,
  arnInput: string | undefined,
): Promise<{ name: string; arn: string }> {
  const [name, arn] = validateMembers(() => checkEntityName(a, entityName), () => checkPolicyArn(arnInput));
  await a.authorizeOn(env, caller, action, name, (d) => ({ "iam:PolicyARN": arn, ...boundaryContext(boundaryOf(d)) }));
  return { name, arn };
}

export async function attachPolicy<D extends Attachable>(
  env: IamEnv,
  caller: Caller,
  a: EntityAdapter<D>,
  action: string,
  entityName: string | undefined,
  arnInput: string | undefined,
): Promise<Record<string, never>> {
  const { name, arn } = await authorizeAttachmentChange(env, caller, a, action, entityName, arnInput);
  await attachInTx(env, caller.accountId, a, name, arn);
  return {};
}

export async function detachPolicy<D extends Attachable>(
  env: IamEnv,
  caller: Caller,
  a: EntityAdapter<D>,
  action: string,
  entityName: string | undefined,
  arnInput: string | undefined,
): Promise<Record<string, never>> {
  const { name, arn } = await authorizeAttachmentChange(env, caller, a, action, entityName, arnInput);
  await detachInTx(env, caller.accountId, a, name, arn);
  return {};
}

/** The transactional part of an attachment (shared with IamApi, which is not authorised). */
export async function attachInTx<D extends Attachable>(env: IamEnv, accountId: string, a: EntityAdapter<D>, name: string, arn: string): Promise<void> {
  await write(env, accountId, async (tx) => {
    const d = await a.must(tx, accountId, name);
    const p = await resolvePolicy(tx, accountId, arn);
    if (!p) throw policyNotAttachable(arn);
    // Service-linked role policies are attached by IAM to their service's role only.
    if (p.aws && !p.policy.isAttachable) throw serviceRolePolicyNotAttachable(a.kind);
    if (d.attachedPolicyArns.includes(arn)) return;
    if (d.attachedPolicyArns.length >= QUOTAS.attachedPoliciesPerEntity) throw quotaExceeded(a.quota, QUOTAS.attachedPoliciesPerEntity);
    await a.save(tx, { ...d, attachedPolicyArns: [...d.attachedPolicyArns, arn] });
    await policyUses.add(tx, COLLECTIONS.policyAttachments, accountId, p.policyId, a.kind, a.id(d));
  });
}

async function detachInTx<D extends Attachable>(env: IamEnv, accountId: string, a: EntityAdapter<D>, name: string, arn: string): Promise<void> {
  await write(env, accountId, async (tx) => {
    const d = await a.must(tx, accountId, name);
    if (!d.attachedPolicyArns.includes(arn)) throw policyNotFound(arn);
    await a.save(tx, { ...d, attachedPolicyArns: d.attachedPolicyArns.filter((x) => x !== arn) });
    const p = await resolvePolicy(tx, accountId, arn);
    if (p) await policyUses.remove(tx, COLLECTIONS.policyAttachments, accountId, p.policyId, a.kind, a.id(d));
  });
}

/**
 * Attach<Kind>Policy and Detach<Kind>Policy of one kind of entity: the action name and the
 * request member naming the entity both follow from the adapter, so no operation can pair
 * one kind's action with another kind's name.
 */
function attachmentOperations<D extends Attachable, I extends { PolicyArn?: string | undefined }>(a: EntityAdapter<D>, nameOf: (i: I) => string | undefined) {
  const attachAction = `Attach${a.kind}Policy`;
  const detachAction = `Detach${a.kind}Policy`;
  return {
    attach: (env: IamEnv, caller: Caller, i: I) => attachPolicy(env, caller, a, attachAction, nameOf(i), i.PolicyArn),
    detach: (env: IamEnv, caller: Caller, i: I) => detachPolicy(env, caller, a, detachAction, nameOf(i), i.PolicyArn),
  };
}

const userAttachments = attachmentOperations(USER_ADAPTER, (i: AttachUserPolicyRequest | DetachUserPolicyRequest) => i.UserName);
const groupAttachments = attachmentOperations(GROUP_ADAPTER, (i: AttachGroupPolicyRequest | DetachGroupPolicyRequest) => i.GroupName);
const roleAttachments = attachmentOperations(ROLE_ADAPTER, (i: AttachRolePolicyRequest | DetachRolePolicyRequest) => i.RoleName);

export const attachUserPolicy = userAttachments.attach;
export const attachGroupPolicy = groupAttachments.attach;
export const attachRolePolicy = roleAttachments.attach;
export const detachUserPolicy = userAttachments.detach;
export const detachGroupPolicy = groupAttachments.detach;
export const detachRolePolicy = roleAttachments.detach;

async function listAttached<D extends Attachable>(
  env: IamEnv,
  caller: Caller,
  a: EntityAdapter<D>,
  action: string,
  input: { Marker?: string | undefined; MaxItems?: number | undefined; PathPrefix?: string | undefined },
  entityName: string | undefined,
): Promise<{ AttachedPolicies: AttachedPolicy[]; IsTruncated: boolean; Marker?: string }> {
  const [name, prefix, marker, max] = validateMembers(
    () => checkEntityName(a, entityName),
    () => checkPathPrefix(input.PathPrefix, "policyPath"),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const d = await a.authorizeOn(env, caller, action, name, () => ({}));
  if (!d) throw a.notFound(name);
  const items = d.attachedPolicyArns
    .map((arn) => ({ arn, parsed: parseEntityArn(arn, "policy") }))
    .filter((x) => x.parsed !== undefined && x.parsed.path.startsWith(prefix));
  const page = paginate(action, items, (x) => x.arn, marker, max);
  return { AttachedPolicies: page.items.map((x) => ({ PolicyName: x.parsed?.name ?? "", PolicyArn: x.arn })), ...pageFields(page) };
}

export const listAttachedUserPolicies = (env: IamEnv, caller: Caller, i: ListAttachedUserPoliciesRequest): Promise<ListAttachedUserPoliciesResponse> =>
  listAttached(env, caller, USER_ADAPTER, "ListAttachedUserPolicies", i, i.UserName);
export const listAttachedGroupPolicies = (env: IamEnv, caller: Caller, i: ListAttachedGroupPoliciesRequest): Promise<ListAttachedGroupPoliciesResponse> =>
  listAttached(env, caller, GROUP_ADAPTER, "ListAttachedGroupPolicies", i, i.GroupName);
export const listAttachedRolePolicies = (env: IamEnv, caller: Caller, i: ListAttachedRolePoliciesRequest): Promise<ListAttachedRolePoliciesResponse> =>
  listAttached(env, caller, ROLE_ADAPTER, "ListAttachedRolePolicies", i, i.RoleName);

const ENTITY_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;

export async function listEntitiesForPolicy(env: IamEnv, caller: Caller, input: ListEntitiesForPolicyRequest): Promise<ListEntitiesForPolicyResponse> {
  // Every member that fails its constraint is reported together, in the model's member order.
  const [arn, filter, prefix, usage, marker, max] = validateMembers(
    () => checkPolicyArn(input.PolicyArn),
    () => {
      const v = input.EntityFilter;
      if (v !== undefined && !(ENTITY_FILTERS as readonly string[]).includes(v)) {
        throw constraintError("entityFilter", `Member must satisfy enum value set: [${ENTITY_FILTERS.join(", ")}]`, v);
      }
      return v;
    },
    () => checkPathPrefix(input.PathPrefix, "path"),
    () => checkPolicyUsageFilter(input.PolicyUsageFilter),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  await authorizeOnPolicy(env, caller, "ListEntitiesForPolicy", arn);
  const p = await resolvePolicy(env.store, caller.accountId, arn);
  if (!p) throw policyNotAttachable(arn);
  const collections = [
    ...(usage !== "PermissionsBoundary" ? [COLLECTIONS.policyAttachments] : []),
    ...(usage !== "PermissionsPolicy" ? [COLLECTIONS.policyBoundaries] : []),
  ];
  const seen = new Set<string>();
  const uses: PolicyUseDoc[] = [];
  for (const c of collections) {
    for (const e of await env.store.list<PolicyUseDoc>(c, { prefix: policyUses.prefix(caller.accountId, p.policyId) })) {
      const k = `${e.value.kind}/${e.value.id}`;
      if (!seen.has(k) && (filter === undefined || filter === e.value.kind)) {
        seen.add(k);
        uses.push(e.value);
      }
    }
  }
  type Row = { kind: AttachedEntityKind; name: string; id: string; path: string };
  const rows: Row[] = [];
  for (const use of uses) {
    if (use.kind === "User") {
      const u = await users.byId(env.store, caller.accountId, use.id);
      if (u) rows.push({ kind: "User", name: u.userName, id: u.userId, path: u.path });
    } else if (use.kind === "Group") {
      const g = await groups.byId(env.store, caller.accountId, use.id);
      if (g) rows.push({ kind: "Group", name: g.groupName, id: g.groupId, path: g.path });
    } else {
      const r = await roles.byId(env.store, caller.accountId, use.id);
      if (r) rows.push({ kind: "Role", name: r.roleName, id: r.roleId, path: r.path });
    }
  }
  const page = paginate(
    "ListEntitiesForPolicy",
    rows.filter((r) => r.path.startsWith(prefix)),
    (r) => `${r.kind}/${r.name.toLowerCase()}`,
    marker,
    max,
  );
  return {
    PolicyGroups: page.items.filter((r) => r.kind === "Group").map((r) => ({ GroupName: r.name, GroupId: r.id })),
    PolicyUsers: page.items.filter((r) => r.kind === "User").map((r) => ({ UserName: r.name, UserId: r.id })),
    PolicyRoles: page.items.filter((r) => r.kind === "Role").map((r) => ({ RoleName: r.name, RoleId: r.id })),
    ...pageFields(page),
  };
}
