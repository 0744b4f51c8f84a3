/** IAM roles: lifecycle, trust policy, description/session duration, tags. */
import type {
  CreateRoleRequest,
  CreateRoleResponse,
  DeleteRoleRequest,
  GetRoleRequest,
  GetRoleResponse,
  ListRolesRequest,
  ListRolesResponse,
  ListRoleTagsRequest,
  ListRoleTagsResponse,
  TagRoleRequest,
  UntagRoleRequest,
  UpdateAssumeRolePolicyRequest,
  UpdateRoleDescriptionRequest,
  UpdateRoleDescriptionResponse,
  UpdateRoleRequest,
} from "@aws-sdk/client-iam";
import type { ConditionContext } from "../../core/types.js";
import { randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { roleArn } from "./arn.js";
import { checkBoundaryArn, releaseBoundary, requireBoundaryPolicy, useBoundary } from "./boundary-policy.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { deleteConflict, noSuchRole, protectedRole, quotaExceeded, roleExists, rolesInInstanceProfile } from "./errors.js";
import { COLLECTIONS, QUOTAS, type NameIndexDoc, type RoleDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { roleProfiles, roles } from "./repo.js";
import { mergeTags, removeTags, requestTagContext, entityTagContext, sortedTags } from "./tags.js";
import { bindTrustPrincipals, effectiveTrustPolicy } from "./trust-principals.js";
import { boundaryContext } from "./users.js";
import {
  checkDescription,
  checkMarker,
  checkMaxItems,
  checkMaxSessionDuration,
  checkMaxSigninSessionDuration,
  signinDurationUpdate,
  withSigninDuration,
  checkName,
  checkPath,
  checkPathPrefix,
  checkPolicyDocument,
  checkTagKeys,
  checkTags,
  policySize,
  required,
  validateMembers,
} from "./validation.js";
import { roleView } from "./views.js";

const ROLE_TYPE = "AWS::IAM::Role";
const DEFAULT_MAX_SESSION_DURATION = 3600;

export function roleArnOf(r: RoleDoc): string {
  return roleArn(r.accountId, r.path, r.roleName);
}

export async function authorizeOnRole(
  env: IamEnv,
  caller: Caller,
  action: string,
  name: string,
  context?: (r: RoleDoc | undefined) => ConditionContext,
): Promise<RoleDoc | undefined> {
  const r = await roles.byName(env.store, caller.accountId, name);
  const arn = r ? roleArnOf(r) : roleArn(caller.accountId, "/", name);
  await authorize(caller, action, arn, { ...entityTagContext(r?.tags), ...(context ? context(r) : {}) });
  noteResource(caller, arn, ROLE_TYPE);
  return r;
}

export async function mustRole(db: DocStore, accountId: string, name: string): Promise<RoleDoc> {
  const r = await roles.byName(db, accountId, name);
  if (!r) throw noSuchRole(name);
  return r;
}

/**
 * mustRole for operations that change a role's trust, permissions or existence: a
 * service-linked role belongs to its service, so IAM refuses them (UnmodifiableEntity).
 */
export async function mustModifiableRole(db: DocStore, accountId: string, name: string): Promise<RoleDoc> {
  const r = await mustRole(db, accountId, name);
  if (r.linkedService !== undefined) throw protectedRole(r.roleName);
  return r;
}

/** Validates a trust policy: grammar (policy engine) and the 2048-character quota. */
function checkTrustPolicy(env: IamEnv, document: string): void {
  env.validatePolicy(document, "trust");
  if (policySize(document) > QUOTAS.trustPolicySize) throw quotaExceeded("ACLSizePerRole", QUOTAS.trustPolicySize);
}

/** A new role's document: a fresh role id, no policies yet; `rest` holds what the caller chose. */
export function newRoleDoc(
  caller: Caller,
  roleName: string,
  path: string,
  trust: string,
  rest: Pick<RoleDoc, "maxSessionDuration" | "tags"> & Partial<Pick<RoleDoc, "description" | "permissionsBoundaryArn" | "linkedService">>,
): RoleDoc {
  return { accountId: caller.accountId, roleId: randomUniqueId("AROA"), roleName, path, createDate: caller.now, assumeRolePolicyDocument: trust, ...rest, inlinePolicies: [], attachedPolicyArns: [] };
}

export async function createRole(env: IamEnv, caller: Caller, input: CreateRoleRequest): Promise<CreateRoleResponse> {
  const [path, name, trust, description, maxSessionDuration, boundary, tags, maxSigninSessionDuration] = validateMembers(
    () => checkPath(input.Path),
    () => checkName(input.RoleName, "roleName", 64),
    () => checkPolicyDocument(input.AssumeRolePolicyDocument, "assumeRolePolicyDocument"),
    () => checkDescription(input.Description),
    () => checkMaxSessionDuration(input.MaxSessionDuration) ?? DEFAULT_MAX_SESSION_DURATION,
    () => input.PermissionsBoundary !== undefined ? checkBoundaryArn(input.PermissionsBoundary) : undefined,
    () => checkTags(input.Tags, true),
    () => checkMaxSigninSessionDuration(input.MaxSigninSessionDuration),
  );
  const arn = roleArn(caller.accountId, path, name);
  await authorize(caller, "CreateRole", arn, { ...requestTagContext(tags), ...boundaryContext(boundary) });
  noteResource(caller, arn, ROLE_TYPE);
  checkTrustPolicy(env, trust);
  const doc = newRoleDoc(caller, name, path, trust, {
    ...(description !== undefined ? { description } : {}),
    maxSessionDuration,
    ...(maxSigninSessionDuration !== undefined ? { maxSigninSessionDuration } : {}),
    ...(boundary !== undefined ? { permissionsBoundaryArn: boundary } : {}),
    tags,
  });
  await write(env, caller.accountId, async (tx) => {
    const resolved = boundary !== undefined ? await requireBoundaryPolicy(tx, caller.accountId, boundary) : undefined;
    doc.trustPrincipalIds = await bindTrustPrincipals(tx, caller.accountId, trust);
    if (!(await roles.insert(tx, doc))) throw roleExists(name);
    if (resolved) await useBoundary(tx, caller.accountId, resolved, "Role", doc.roleId);
  });
  return { Role: roleView(doc, "create", tags) };
}

export async function getRole(env: IamEnv, caller: Caller, input: GetRoleRequest): Promise<GetRoleResponse> {
  const name = checkName(input.RoleName, "roleName", 64);
  const r = await authorizeOnRole(env, caller, "GetRole", name);
  if (!r) throw noSuchRole(name);
  return { Role: roleView({ ...r, assumeRolePolicyDocument: await effectiveTrustPolicy(env.store, r.assumeRolePolicyDocument, r.trustPrincipalIds) }, "get") };
}

export async function updateRole(env: IamEnv, caller: Caller, input: UpdateRoleRequest): Promise<Record<string, never>> {
  const [name, description, maxSessionDuration, maxSigninSessionDuration] = validateMembers(
    () => checkName(input.RoleName, "roleName", 64),
    () => checkDescription(input.Description),
    () => checkMaxSessionDuration(input.MaxSessionDuration),
    () => checkMaxSigninSessionDuration(input.MaxSigninSessionDuration),
  );
  const signin = signinDurationUpdate(maxSigninSessionDuration, input.ResetMaxSigninSessionDuration);
  await authorizeOnRole(env, caller, "UpdateRole", name);
  await write(env, caller.accountId, async (tx) => {
    // A service-linked role's description may be edited (IAM User Guide); nothing else of it.
    const r = await (maxSessionDuration !== undefined || signin !== undefined ? mustModifiableRole : mustRole)(tx, caller.accountId, name);
    const next: RoleDoc = {
      ...r,
      ...(description !== undefined ? { description } : {}),
      ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
    };
    await roles.save(tx, withSigninDuration(next, signin));
  });
  return {};
}

export async function updateRoleDescription(env: IamEnv, caller: Caller, input: UpdateRoleDescriptionRequest): Promise<UpdateRoleDescriptionResponse> {
  const [name, description] = validateMembers(
    () => checkName(input.RoleName, "roleName", 64),
    () => required(checkDescription(input.Description), "description"),
  );
  await authorizeOnRole(env, caller, "UpdateRoleDescription", name);
  const next = await write(env, caller.accountId, async (tx) => {
    const r = await mustRole(tx, caller.accountId, name);
    const updated: RoleDoc = { ...r, description };
    await roles.save(tx, updated);
    return updated;
  });
  return { Role: roleView(next, "create") };
}

export async function updateAssumeRolePolicy(env: IamEnv, caller: Caller, input: UpdateAssumeRolePolicyRequest): Promise<Record<string, never>> {
  const [name, trust] = validateMembers(() => checkName(input.RoleName, "roleName", 64), () => checkPolicyDocument(input.PolicyDocument, "policyDocument"));
  await authorizeOnRole(env, caller, "UpdateAssumeRolePolicy", name);
  checkTrustPolicy(env, trust);
  await write(env, caller.accountId, async (tx) => {
    const r = await mustModifiableRole(tx, caller.accountId, name);
    await roles.save(tx, { ...r, assumeRolePolicyDocument: trust, trustPrincipalIds: await bindTrustPrincipals(tx, caller.accountId, trust) });
  });
  return {};
}

export async function deleteRole(env: IamEnv, caller: Caller, input: DeleteRoleRequest): Promise<Record<string, never>> {
  const name = checkName(input.RoleName, "roleName", 64);
  await authorizeOnRole(env, caller, "DeleteRole", name);
  await write(env, caller.accountId, async (tx) => {
    const r = await mustModifiableRole(tx, caller.accountId, name);
    if (await roleProfiles.any(tx, r.accountId, r.roleId)) throw rolesInInstanceProfile();
    if (r.attachedPolicyArns.length > 0) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (r.inlinePolicies.length > 0) throw deleteConflict("Cannot delete entity, must delete policies first.");
    if (r.permissionsBoundaryArn !== undefined) await releaseBoundary(tx, r.accountId, r.permissionsBoundaryArn, "Role", r.roleId);
    await roles.remove(tx, r);
  });
  return {};
}

export async function listRoles(env: IamEnv, caller: Caller, input: ListRolesRequest): Promise<ListRolesResponse> {
  const [prefix, marker, max] = validateMembers(() => checkPathPrefix(input.PathPrefix), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListRoles", roleArn(caller.accountId, prefix, ""));
  const page = await paginateCollection<NameIndexDoc>("ListRoles", env.store, COLLECTIONS.roleNames, `${caller.accountId}/`, marker, max, (e) => e.path.startsWith(prefix));
  const docs = await Promise.all(page.items.map((e) => roles.byId(env.store, caller.accountId, e.value.id)));
  const shown = await Promise.all(
    docs.filter((r): r is RoleDoc => r !== undefined).map(async (r) => ({ ...r, assumeRolePolicyDocument: await effectiveTrustPolicy(env.store, r.assumeRolePolicyDocument, r.trustPrincipalIds) })),
  );
  return { Roles: shown.map((r) => roleView(r, "list")), ...pageFields(page) };
}

export async function tagRole(env: IamEnv, caller: Caller, input: TagRoleRequest): Promise<Record<string, never>> {
  const [name, tags] = validateMembers(() => checkName(input.RoleName, "roleName", 64), () => checkTags(required(input.Tags, "tags"), true));
  await authorizeOnRole(env, caller, "TagRole", name, () => requestTagContext(tags));
  await write(env, caller.accountId, async (tx) => {
    const r = await mustRole(tx, caller.accountId, name);
    await roles.save(tx, { ...r, tags: mergeTags(r.tags, tags, true, "TagsPerRole") });
  });
  return {};
}

export async function untagRole(env: IamEnv, caller: Caller, input: UntagRoleRequest): Promise<Record<string, never>> {
  const [name, keys] = validateMembers(() => checkName(input.RoleName, "roleName", 64), () => checkTagKeys(input.TagKeys));
  await authorizeOnRole(env, caller, "UntagRole", name, () => ({ "aws:TagKeys": keys }));
  await write(env, caller.accountId, async (tx) => {
    const r = await mustRole(tx, caller.accountId, name);
    await roles.save(tx, { ...r, tags: removeTags(r.tags, keys, true) });
  });
  return {};
}

export async function listRoleTags(env: IamEnv, caller: Caller, input: ListRoleTagsRequest): Promise<ListRoleTagsResponse> {
  const [name, marker, max] = validateMembers(
    () => checkName(input.RoleName, "roleName", 64),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const r = await authorizeOnRole(env, caller, "ListRoleTags", name);
  if (!r) throw noSuchRole(name);
  const page = paginate("ListRoleTags", sortedTags(r.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}

/**
 * Records that the role's session credentials were used (RoleLastUsed): called by the directory,
 * sampled, off the request's path. Not an IAM change: cached answers stay valid.
 */
export async function recordRoleUse(env: Pick<IamEnv, "store">, accountId: string, roleId: string, usage: { date: number; region: string }): Promise<void> {
  await env.store.transaction(async (tx) => {
    const r = await roles.byId(tx, accountId, roleId);
    if (r) await roles.save(tx, { ...r, lastUsed: usage });
  });
}
