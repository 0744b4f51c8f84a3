/** IAM instance profiles: lifecycle, the (at most one) role they hold, tags. */
import type {
  AddRoleToInstanceProfileRequest,
  CreateInstanceProfileRequest,
  CreateInstanceProfileResponse,
  DeleteInstanceProfileRequest,
  GetInstanceProfileRequest,
  GetInstanceProfileResponse,
  ListInstanceProfilesForRoleRequest,
  ListInstanceProfilesForRoleResponse,
  ListInstanceProfilesRequest,
  ListInstanceProfilesResponse,
  ListInstanceProfileTagsRequest,
  ListInstanceProfileTagsResponse,
  RemoveRoleFromInstanceProfileRequest,
  TagInstanceProfileRequest,
  UntagInstanceProfileRequest,
} from "@aws-sdk/client-iam";
import type { ConditionContext } from "../../core/types.js";
import { randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { instanceProfileArn, roleArn } from "./arn.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { instanceProfileExists, noSuchEntity, noSuchInstanceProfile, noSuchRole, quotaExceeded, rolesInInstanceProfile, serviceFailure } from "./errors.js";
import { COLLECTIONS, QUOTAS, type InstanceProfileDoc, type NameIndexDoc, type RoleDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { instanceProfiles, roleProfiles, roles } from "./repo.js";
import { authorizeOnRole, mustModifiableRole, roleArnOf } from "./roles.js";
import { mergeTags, removeTags, requestTagContext, resourceTagContext, sortedTags } from "./tags.js";
import { checkMarker, checkMaxItems, checkName, checkPath, checkPathPrefix, checkTagKeys, checkTags, required, validateMembers } from "./validation.js";
import { instanceProfileView } from "./views.js";
import { arn } from "../../core/partition.js";

const PROFILE_TYPE = "AWS::IAM::InstanceProfile";
const PROFILE_NAME_MAX = 128;
const ROLE_NAME_MAX = 64;

export function instanceProfileArnOf(p: InstanceProfileDoc): string {
  return instanceProfileArn(p.accountId, p.path, p.instanceProfileName);
}

async function authorizeOnProfile(
  env: IamEnv,
  caller: Caller,
  action: string,
  name: string,
  context?: ConditionContext,
): Promise<InstanceProfileDoc | undefined> {
  const p = await instanceProfiles.byName(env.store, caller.accountId, name);
  const arn = p ? instanceProfileArnOf(p) : instanceProfileArn(caller.accountId, "/", name);
  await authorize(caller, action, arn, { ...resourceTagContext(p?.tags), ...context });
  noteResource(caller, arn, PROFILE_TYPE);
  return p;
}

async function mustProfile(db: DocStore, accountId: string, name: string): Promise<InstanceProfileDoc> {
  const p = await instanceProfiles.byName(db, accountId, name);
  if (!p) throw noSuchInstanceProfile(name);
  return p;
}

/** The roles a profile holds, as stored now (a role id always resolves: DeleteRole refuses while it is held). */
export async function instanceProfileRoles(db: DocStore, p: InstanceProfileDoc): Promise<RoleDoc[]> {
  const docs = await Promise.all(p.roleIds.map((id) => roles.byId(db, p.accountId, id)));
  return docs.filter((r): r is RoleDoc => r !== undefined);
}

/** Every profile holding the role (GetAccountAuthorizationDetails). */
export async function instanceProfilesOfRole(db: DocStore, r: RoleDoc): Promise<InstanceProfileDoc[]> {
  const entries = await roleProfiles.all(db, r.accountId, r.roleId);
  const docs = await Promise.all(entries.map((e) => instanceProfiles.byId(db, r.accountId, e.id)));
  return docs.filter((p): p is InstanceProfileDoc => p !== undefined);
}

export async function createInstanceProfile(env: IamEnv, caller: Caller, input: CreateInstanceProfileRequest): Promise<CreateInstanceProfileResponse> {
  const [name, path, tags] = validateMembers(
    () => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX),
    () => checkPath(input.Path),
    () => checkTags(input.Tags, true),
  );
  const arn = instanceProfileArn(caller.accountId, path, name);
  await authorize(caller, "CreateInstanceProfile", arn, requestTagContext(tags));
  noteResource(caller, arn, PROFILE_TYPE);
  const doc: InstanceProfileDoc = {
    accountId: caller.accountId,
    instanceProfileId: randomUniqueId("AIPA"),
    instanceProfileName: name,
    path,
    createDate: caller.now,
    tags,
    roleIds: [],
  };
  await write(env, caller.accountId, async (tx) => {
    if (!(await instanceProfiles.insert(tx, doc))) throw instanceProfileExists(name);
  });
  return { InstanceProfile: instanceProfileView(doc, [], "create") };
}

export async function getInstanceProfile(env: IamEnv, caller: Caller, input: GetInstanceProfileRequest): Promise<GetInstanceProfileResponse> {
  const name = checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX);
  const p = await authorizeOnProfile(env, caller, "GetInstanceProfile", name);
  if (!p) throw noSuchInstanceProfile(name);
  return { InstanceProfile: instanceProfileView(p, await instanceProfileRoles(env.store, p), "get") };
}

export async function deleteInstanceProfile(env: IamEnv, caller: Caller, input: DeleteInstanceProfileRequest): Promise<Record<string, never>> {
  const name = checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX);
  await authorizeOnProfile(env, caller, "DeleteInstanceProfile", name);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustProfile(tx, caller.accountId, name);
    if (p.roleIds.length > 0) throw rolesInInstanceProfile();
    await instanceProfiles.remove(tx, p);
  });
  return {};
}

export async function listInstanceProfiles(env: IamEnv, caller: Caller, input: ListInstanceProfilesRequest): Promise<ListInstanceProfilesResponse> {
  const [prefix, marker, max] = validateMembers(() => checkPathPrefix(input.PathPrefix), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListInstanceProfiles", instanceProfileArn(caller.accountId, prefix, ""));
  const page = await paginateCollection<NameIndexDoc>("ListInstanceProfiles", env.store, COLLECTIONS.instanceProfileNames, `${caller.accountId}/`, marker, max, (e) =>
    e.path.startsWith(prefix),
  );
  return { InstanceProfiles: await profileViews(env.store, caller.accountId, page.items), ...pageFields(page) };
}

export async function listInstanceProfilesForRole(
  env: IamEnv,
  caller: Caller,
  input: ListInstanceProfilesForRoleRequest,
): Promise<ListInstanceProfilesForRoleResponse> {
  const [name, marker, max] = validateMembers(
    () => checkName(input.RoleName, "roleName", ROLE_NAME_MAX),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const r = await authorizeOnRole(env, caller, "ListInstanceProfilesForRole", name);
  if (!r) throw noSuchRole(name);
  const prefix = roleProfiles.prefix(caller.accountId, r.roleId);
  const page = await paginateCollection<NameIndexDoc>("ListInstanceProfilesForRole", env.store, COLLECTIONS.roleInstanceProfiles, prefix, marker, max, () => true);
  return { InstanceProfiles: await profileViews(env.store, caller.accountId, page.items), ...pageFields(page) };
}

async function profileViews(db: DocStore, accountId: string, entries: ReadonlyArray<{ value: NameIndexDoc }>): Promise<ListInstanceProfilesResponse["InstanceProfiles"]> {
  const docs = await Promise.all(entries.map((e) => instanceProfiles.byId(db, accountId, e.value.id)));
  const present = docs.filter((p): p is InstanceProfileDoc => p !== undefined);
  return Promise.all(present.map(async (p) => instanceProfileView(p, await instanceProfileRoles(db, p), "list")));
}

/** Times AddRoleToInstanceProfile decides again when the role changed under it before giving up. */
const PASS_ROLE_ATTEMPTS = 5;

/**
 * The request context of the iam:PassRole an instance profile needs. The profile hands its role to
 * Amazon EC2 (iam:PassedToService), for use with any instance of the account: IAM's API reference
 * says a policy limiting this PassRole by iam:AssociatedResourceArn must name
 * `arn:<partition>:ec2:*:<caller account>:instance/*`, no Region or instance id, and the User Guide's
 * example pairs it with `iam:PassedToService: ec2.amazonaws.com`.
 */
function instanceProfilePassRoleContext(accountId: string): ConditionContext {
  return { "iam:PassedToService": "ec2.amazonaws.com", "iam:AssociatedResourceArn": arn("ec2", "*", accountId, "instance/*") };
}

/**
 * Authorises the action on the profile and, as IAM requires, iam:PassRole on the role handed to it
 * (passed to EC2: `instanceProfilePassRoleContext`).
 * PassRole is decided on the role as read before the write (authorisation cannot run inside the
 * transaction), so the transaction checks that the role stored under the name is still that one:
 * a role deleted and re-created (with another path, so another ARN) in between was never passed
 * through PassRole, and the call decides again on the role as it now is.
 */
export async function addRoleToInstanceProfile(env: IamEnv, caller: Caller, input: AddRoleToInstanceProfileRequest): Promise<Record<string, never>> {
  const [name, roleName] = validateMembers(
    () => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX),
    () => checkName(input.RoleName, "roleName", ROLE_NAME_MAX),
  );
  await authorizeOnProfile(env, caller, "AddRoleToInstanceProfile", name);
  for (let attempt = 1; ; attempt++) {
    const role = await roles.byName(env.store, caller.accountId, roleName);
    const passed = role ? roleArnOf(role) : roleArn(caller.accountId, "/", roleName);
    await authorize(caller, "PassRole", passed, instanceProfilePassRoleContext(caller.accountId));
    const added = await write(env, caller.accountId, async (tx) => {
      const p = await mustProfile(tx, caller.accountId, name);
      const r = await mustModifiableRole(tx, caller.accountId, roleName);
      if (r.roleId !== role?.roleId || roleArnOf(r) !== passed) return false;
      if (p.roleIds.length >= QUOTAS.rolesPerInstanceProfile) throw quotaExceeded("InstanceSessionsPerInstanceProfile", QUOTAS.rolesPerInstanceProfile);
      await instanceProfiles.save(tx, { ...p, roleIds: [...p.roleIds, r.roleId] });
      await roleProfiles.add(tx, r.roleId, p);
      return true;
    });
    if (added) return {};
    if (attempt >= PASS_ROLE_ATTEMPTS) throw serviceFailure();
  }
}

export async function removeRoleFromInstanceProfile(
  env: IamEnv,
  caller: Caller,
  input: RemoveRoleFromInstanceProfileRequest,
): Promise<Record<string, never>> {
  const [name, roleName] = validateMembers(
    () => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX),
    () => checkName(input.RoleName, "roleName", ROLE_NAME_MAX),
  );
  await authorizeOnProfile(env, caller, "RemoveRoleFromInstanceProfile", name);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustProfile(tx, caller.accountId, name);
    const r = await mustModifiableRole(tx, caller.accountId, roleName);
    if (!p.roleIds.includes(r.roleId)) throw noSuchEntity(`Role ${roleName} in Instance Profile ${name} cannot be found.`);
    await instanceProfiles.save(tx, { ...p, roleIds: p.roleIds.filter((id) => id !== r.roleId) });
    await roleProfiles.remove(tx, r.roleId, p);
  });
  return {};
}

export async function tagInstanceProfile(env: IamEnv, caller: Caller, input: TagInstanceProfileRequest): Promise<Record<string, never>> {
  const [name, tags] = validateMembers(
    () => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX),
    () => checkTags(required(input.Tags, "tags"), true),
  );
  await authorizeOnProfile(env, caller, "TagInstanceProfile", name, requestTagContext(tags));
  await write(env, caller.accountId, async (tx) => {
    const p = await mustProfile(tx, caller.accountId, name);
    await instanceProfiles.save(tx, { ...p, tags: mergeTags(p.tags, tags, true, "TagsPerInstanceProfile") });
  });
  return {};
}

export async function untagInstanceProfile(env: IamEnv, caller: Caller, input: UntagInstanceProfileRequest): Promise<Record<string, never>> {
  const [name, keys] = validateMembers(() => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX), () => checkTagKeys(input.TagKeys));
  await authorizeOnProfile(env, caller, "UntagInstanceProfile", name, { "aws:TagKeys": keys });
  await write(env, caller.accountId, async (tx) => {
    const p = await mustProfile(tx, caller.accountId, name);
    await instanceProfiles.save(tx, { ...p, tags: removeTags(p.tags, keys, true) });
  });
  return {};
}

export async function listInstanceProfileTags(env: IamEnv, caller: Caller, input: ListInstanceProfileTagsRequest): Promise<ListInstanceProfileTagsResponse> {
  const [name, marker, max] = validateMembers(
    () => checkName(input.InstanceProfileName, "instanceProfileName", PROFILE_NAME_MAX),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const p = await authorizeOnProfile(env, caller, "ListInstanceProfileTags", name);
  if (!p) throw noSuchInstanceProfile(name);
  const page = paginate("ListInstanceProfileTags", sortedTags(p.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}
