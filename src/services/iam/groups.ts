/** IAM groups and membership. */
import type {
  AddUserToGroupRequest,
  CreateGroupRequest,
  CreateGroupResponse,
  DeleteGroupRequest,
  GetGroupRequest,
  GetGroupResponse,
  ListGroupsForUserRequest,
  ListGroupsForUserResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  RemoveUserFromGroupRequest,
  UpdateGroupRequest,
} from "@aws-sdk/client-iam";
import type { ConditionContext } from "../../core/types.js";
import { randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { groupArn } from "./arn.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { deleteConflict, groupExists, noSuchGroup, noSuchUser, quotaExceeded } from "./errors.js";
import { COLLECTIONS, QUOTAS, type GroupDoc, type NameIndexDoc, type UserDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { groups, members, users } from "./repo.js";
import { authorizeOnUser, mustUser } from "./users.js";
import { checkMarker, checkMaxItems, checkName, checkPath, checkPathPrefix, validateMembers } from "./validation.js";
import { groupView, userView } from "./views.js";

const GROUP_TYPE = "AWS::IAM::Group";

export function groupArnOf(g: GroupDoc): string {
  return groupArn(g.accountId, g.path, g.groupName);
}

export async function authorizeOnGroup(
  env: IamEnv,
  caller: Caller,
  action: string,
  name: string,
  context?: (g: GroupDoc | undefined) => ConditionContext,
): Promise<GroupDoc | undefined> {
  const g = await groups.byName(env.store, caller.accountId, name);
  const arn = g ? groupArnOf(g) : groupArn(caller.accountId, "/", name);
  await authorize(caller, action, arn, context ? context(g) : undefined);
  noteResource(caller, arn, GROUP_TYPE);
  return g;
}

export async function mustGroup(db: DocStore, accountId: string, name: string): Promise<GroupDoc> {
  const g = await groups.byName(db, accountId, name);
  if (!g) throw noSuchGroup(name);
  return g;
}

export async function createGroup(env: IamEnv, caller: Caller, input: CreateGroupRequest): Promise<CreateGroupResponse> {
  const [path, name] = validateMembers(() => checkPath(input.Path), () => checkName(input.GroupName, "groupName", 128));
  const arn = groupArn(caller.accountId, path, name);
  await authorize(caller, "CreateGroup", arn);
  noteResource(caller, arn, GROUP_TYPE);
  const doc: GroupDoc = {
    accountId: caller.accountId,
    groupId: randomUniqueId("AGPA"),
    groupName: name,
    path,
    createDate: caller.now,
    inlinePolicies: [],
    attachedPolicyArns: [],
  };
  await write(env, caller.accountId, async (tx) => {
    if (!(await groups.insert(tx, doc))) throw groupExists(name);
  });
  return { Group: groupView(doc) };
}

/** The group's members. */
export async function groupUsers(db: DocStore, g: GroupDoc): Promise<UserDoc[]> {
  const entries = await db.list<{ userId: string }>(COLLECTIONS.groupMembers, { prefix: members.prefix(g.accountId, g.groupId) });
  const docs = await Promise.all(entries.map((e) => users.byId(db, g.accountId, e.value.userId)));
  return docs.filter((u): u is UserDoc => u !== undefined);
}

export async function getGroup(env: IamEnv, caller: Caller, input: GetGroupRequest): Promise<GetGroupResponse> {
  const [name, marker, max] = validateMembers(
    () => checkName(input.GroupName, "groupName", 128),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const g = await authorizeOnGroup(env, caller, "GetGroup", name);
  if (!g) throw noSuchGroup(name);
  const page = paginate("GetGroup", await groupUsers(env.store, g), (u) => u.userName.toLowerCase(), marker, max);
  return { Group: groupView(g), Users: page.items.map((u) => userView(u, false)), ...pageFields(page) };
}

export async function updateGroup(env: IamEnv, caller: Caller, input: UpdateGroupRequest): Promise<Record<string, never>> {
  const [name, newPath, newName] = validateMembers(
    () => checkName(input.GroupName, "groupName", 128),
    () => input.NewPath !== undefined ? checkPath(input.NewPath, "newPath") : undefined,
    () => input.NewGroupName !== undefined ? checkName(input.NewGroupName, "newGroupName", 128) : undefined,
  );
  const before = await authorizeOnGroup(env, caller, "UpdateGroup", name);
  if (before && (newName !== undefined || newPath !== undefined)) {
    await authorize(caller, "UpdateGroup", groupArn(caller.accountId, newPath ?? before.path, newName ?? before.groupName));
  }
  await write(env, caller.accountId, async (tx) => {
    const g = await mustGroup(tx, caller.accountId, name);
    const next: GroupDoc = { ...g, groupName: newName ?? g.groupName, path: newPath ?? g.path };
    if (!(await groups.reindex(tx, g.groupName, next))) throw groupExists(next.groupName);
    await groups.save(tx, next);
  });
  return {};
}

export async function deleteGroup(env: IamEnv, caller: Caller, input: DeleteGroupRequest): Promise<Record<string, never>> {
  const name = checkName(input.GroupName, "groupName", 128);
  await authorizeOnGroup(env, caller, "DeleteGroup", name);
  await write(env, caller.accountId, async (tx) => {
    const g = await mustGroup(tx, caller.accountId, name);
    if ((await tx.count(COLLECTIONS.groupMembers, members.prefix(g.accountId, g.groupId))) > 0) {
      throw deleteConflict("Cannot delete entity, must remove users from group first.");
    }
    if (g.inlinePolicies.length > 0) throw deleteConflict("Cannot delete entity, must delete policies first.");
    if (g.attachedPolicyArns.length > 0) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    await groups.remove(tx, g);
  });
  return {};
}

export async function listGroups(env: IamEnv, caller: Caller, input: ListGroupsRequest): Promise<ListGroupsResponse> {
  const [prefix, marker, max] = validateMembers(() => checkPathPrefix(input.PathPrefix), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListGroups", groupArn(caller.accountId, prefix, ""));
  const page = await paginateCollection<NameIndexDoc>("ListGroups", env.store, COLLECTIONS.groupNames, `${caller.accountId}/`, marker, max, (e) => e.path.startsWith(prefix));
  const docs = await Promise.all(page.items.map((e) => groups.byId(env.store, caller.accountId, e.value.id)));
  return { Groups: docs.filter((g): g is GroupDoc => g !== undefined).map(groupView), ...pageFields(page) };
}

export async function addUserToGroup(env: IamEnv, caller: Caller, input: AddUserToGroupRequest): Promise<Record<string, never>> {
  const [groupName, userName] = validateMembers(() => checkName(input.GroupName, "groupName", 128), () => checkName(input.UserName, "userName", 128));
  await authorizeOnGroup(env, caller, "AddUserToGroup", groupName);
  await write(env, caller.accountId, async (tx) => {
    const g = await mustGroup(tx, caller.accountId, groupName);
    const u = await mustUser(tx, caller.accountId, userName);
    if (u.groupIds.includes(g.groupId)) return;
    if (u.groupIds.length >= QUOTAS.groupsPerUser) throw quotaExceeded("GroupsPerUser", QUOTAS.groupsPerUser);
    await users.save(tx, { ...u, groupIds: [...u.groupIds, g.groupId] });
    await tx.put(COLLECTIONS.groupMembers, members.key(g.accountId, g.groupId, u.userId), { userId: u.userId });
  });
  return {};
}

export async function removeUserFromGroup(env: IamEnv, caller: Caller, input: RemoveUserFromGroupRequest): Promise<Record<string, never>> {
  const [groupName, userName] = validateMembers(() => checkName(input.GroupName, "groupName", 128), () => checkName(input.UserName, "userName", 128));
  await authorizeOnGroup(env, caller, "RemoveUserFromGroup", groupName);
  await write(env, caller.accountId, async (tx) => {
    // The user is looked up first: with neither there, IAM names the user.
    const u = await mustUser(tx, caller.accountId, userName);
    const g = await mustGroup(tx, caller.accountId, groupName);
    // Removing a user who is not a member succeeds, as in IAM.
    if (!u.groupIds.includes(g.groupId)) return;
    await users.save(tx, { ...u, groupIds: u.groupIds.filter((id) => id !== g.groupId) });
    await tx.delete(COLLECTIONS.groupMembers, members.key(g.accountId, g.groupId, u.userId));
  });
  return {};
}

export async function listGroupsForUser(env: IamEnv, caller: Caller, input: ListGroupsForUserRequest): Promise<ListGroupsForUserResponse> {
  const [userName, marker, max] = validateMembers(
    () => checkName(input.UserName, "userName", 128),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const u = await authorizeOnUser(env, caller, "ListGroupsForUser", userName);
  if (!u) throw noSuchUser(userName);
  const docs = await Promise.all(u.groupIds.map((id) => groups.byId(env.store, u.accountId, id)));
  const page = paginate("ListGroupsForUser", docs.filter((g): g is GroupDoc => g !== undefined), (g) => g.groupName.toLowerCase(), marker, max);
  return { Groups: page.items.map(groupView), ...pageFields(page) };
}
