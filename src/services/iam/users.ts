/** IAM users: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers and user tags. */
import type {
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
  GetUserRequest,
  GetUserResponse,
  ListUsersRequest,
  ListUsersResponse,
  ListUserTagsRequest,
  ListUserTagsResponse,
  TagUserRequest,
  UntagUserRequest,
  UpdateUserRequest,
  User,
} from "@aws-sdk/client-iam";
import type { ConditionContext } from "../../core/types.js";
import { randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { rootArn, userArn } from "./arn.js";
import { checkBoundaryArn, releaseBoundary, requireBoundaryPolicy } from "./boundary-policy.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { deleteConflict, noSuchUser, userExists, validationError } from "./errors.js";
import { userHasMfaDevice } from "./mfa.js";
import { COLLECTIONS, type NameIndexDoc, type UserDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { policyUses, users } from "./repo.js";
import { credentialSubject, NON_USER_CREDENTIALS } from "./root-credentials.js";
import { mergeTags, removeTags, requestTagContext, entityTagContext, sortedTags } from "./tags.js";
import { checkMarker, checkMaxItems, checkName, checkPath, checkPathPrefix, checkTagKeys, checkTags, required, validateMembers } from "./validation.js";
import { boundaryView, userView } from "./views.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "../organizations/accounts.js";

const USER_TYPE = "AWS::IAM::User";

export function userArnOf(u: UserDoc): string {
  return userArn(u.accountId, u.path, u.userName);
}

/** Reads the user (outside any transaction) so authorisation sees its real ARN and tags. */
export async function authorizeOnUser(
  env: IamEnv,
  caller: Caller,
  action: string,
  name: string,
  context?: (u: UserDoc | undefined) => ConditionContext,
): Promise<UserDoc | undefined> {
  const u = await users.byName(env.store, caller.accountId, name);
  const arn = u ? userArnOf(u) : userArn(caller.accountId, "/", name);
  await authorize(caller, action, arn, { ...entityTagContext(u?.tags), ...(context ? context(u) : {}) });
  noteResource(caller, arn, USER_TYPE);
  return u;
}

/**
 * The user a per-user credential call that never acts on the root user is about: the named one
 * (`max` is the member's length limit), or, when UserName is omitted, the calling IAM user.
 */
export function targetUserName(caller: Caller, userName: string | undefined, max = 128): string {
  const s = credentialSubject(caller, userName, max);
  if (s.kind === "user") return s.userName;
  throw validationError(NON_USER_CREDENTIALS);
}

/** Re-reads the user inside a transaction; NoSuchEntity when it is gone. */
export async function mustUser(db: DocStore, accountId: string, name: string): Promise<UserDoc> {
  const u = await users.byName(db, accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

export function boundaryContext(arn: string | undefined): ConditionContext {
  return arn !== undefined ? { "iam:PermissionsBoundary": arn } : {};
}

export async function createUser(env: IamEnv, caller: Caller, input: CreateUserRequest): Promise<CreateUserResponse> {
  const [path, name, boundary, tags] = validateMembers(
    () => checkPath(input.Path),
    () => checkName(input.UserName, "userName", 64),
    () => input.PermissionsBoundary !== undefined ? checkBoundaryArn(input.PermissionsBoundary) : undefined,
    () => checkTags(input.Tags, true),
  );
  const arn = userArn(caller.accountId, path, name);
  await authorize(caller, "CreateUser", arn, { ...requestTagContext(tags), ...boundaryContext(boundary) });
  noteResource(caller, arn, USER_TYPE);
  const doc: UserDoc = {
    accountId: caller.accountId,
    userId: randomUniqueId("AIDA"),
    userName: name,
    path,
    createDate: caller.now,
    tags,
    ...(boundary !== undefined ? { permissionsBoundaryArn: boundary } : {}),
    inlinePolicies: [],
    attachedPolicyArns: [],
    groupIds: [],
  };
  await write(env, caller.accountId, async (tx) => {
    const resolved = boundary !== undefined ? await requireBoundaryPolicy(tx, caller.accountId, boundary) : undefined;
    if (!(await users.insert(tx, doc))) throw userExists(name);
    if (resolved) await policyUses.add(tx, COLLECTIONS.policyBoundaries, caller.accountId, resolved.policyId, "User", doc.userId);
  });
  const user: User = userView(doc, false);
  const b = boundaryView(boundary);
  if (b) user.PermissionsBoundary = b;
  if (tags.length > 0) user.Tags = tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  return { User: user };
}

export async function getUser(env: IamEnv, caller: Caller, input: GetUserRequest): Promise<GetUserResponse> {
  let name = input.UserName !== undefined ? checkName(input.UserName, "userName", 128) : undefined;
  if (name === undefined) {
    const p = caller.principal;
    if (p?.type === "Root") {
      const arn = rootArn(caller.accountId);
      await authorize(caller, "GetUser", arn);
      // The root user was created with its account.
      const account = await env.store.get<AccountRecord>(ACCOUNTS_COLLECTION, caller.accountId);
      return { User: { UserId: caller.accountId, Arn: arn, CreateDate: new Date(account?.createdAt ?? 0) } as User };
    }
    if (p?.type !== "IAMUser" || p.name === undefined) throw validationError(NON_USER_CREDENTIALS);
    name = p.name;
  }
  const u = await authorizeOnUser(env, caller, "GetUser", name);
  if (!u) throw noSuchUser(name);
  return { User: userView(u, true) };
}

export async function updateUser(env: IamEnv, caller: Caller, input: UpdateUserRequest): Promise<Record<string, never>> {
  const [name, newPath, newName] = validateMembers(
    () => checkName(input.UserName, "userName", 128),
    () => input.NewPath !== undefined ? checkPath(input.NewPath, "newPath") : undefined,
    () => input.NewUserName !== undefined ? checkName(input.NewUserName, "newUserName", 64) : undefined,
  );
  const before = await authorizeOnUser(env, caller, "UpdateUser", name);
  if (before && (newName !== undefined || newPath !== undefined)) {
    // IAM requires permission on the user's new identity as well as the current one.
    await authorize(caller, "UpdateUser", userArn(caller.accountId, newPath ?? before.path, newName ?? before.userName));
  }
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const next: UserDoc = { ...u, userName: newName ?? u.userName, path: newPath ?? u.path };
    if (!(await users.reindex(tx, u.userName, next))) throw userExists(next.userName);
    await users.save(tx, next);
  });
  return {};
}

export async function deleteUser(env: IamEnv, caller: Caller, input: DeleteUserRequest): Promise<Record<string, never>> {
  const name = checkName(input.UserName, "userName", 128);
  await authorizeOnUser(env, caller, "DeleteUser", name);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    if (await tx.get(COLLECTIONS.loginProfiles, `${u.accountId}/${u.userId}`)) throw deleteConflict("Cannot delete entity, must delete login profile first.");
    if (await userHasMfaDevice(tx, u)) throw deleteConflict("Cannot delete entity, must delete MFA device first.");
    if ((await tx.count(COLLECTIONS.accessKeys, `${u.accountId}/${u.userId}/`)) > 0) throw deleteConflict("Cannot delete entity, must delete access keys first.");
    if ((await tx.count(COLLECTIONS.signingCertificates, `${u.accountId}/${u.userId}/`)) > 0) throw deleteConflict("Cannot delete entity, must delete certificates first.");
    if ((await tx.count(COLLECTIONS.sshPublicKeys, `${u.accountId}/${u.userId}/`)) > 0) throw deleteConflict("Cannot delete entity, must remove referenced objects first.");
    // Service-specific credentials: IAM's message for them is not documented; this is its generic one.
    if ((await tx.count(COLLECTIONS.serviceCredentials, `${u.accountId}/${u.userId}/`)) > 0) throw deleteConflict("Cannot delete entity, must remove referenced objects first.");
    if (u.attachedPolicyArns.length > 0) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (u.inlinePolicies.length > 0) throw deleteConflict("Cannot delete entity, must delete policies first.");
    if (u.groupIds.length > 0) throw deleteConflict("Cannot delete entity, must remove users from group first.");
    if (u.permissionsBoundaryArn !== undefined) await releaseBoundary(tx, u.accountId, u.permissionsBoundaryArn, "User", u.userId);
    await users.remove(tx, u);
  });
  return {};
}

export async function listUsers(env: IamEnv, caller: Caller, input: ListUsersRequest): Promise<ListUsersResponse> {
  const [prefix, marker, max] = validateMembers(() => checkPathPrefix(input.PathPrefix), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListUsers", userArn(caller.accountId, prefix, ""));
  const page = await paginateCollection<NameIndexDoc>("ListUsers", env.store, COLLECTIONS.userNames, `${caller.accountId}/`, marker, max, (e) => e.path.startsWith(prefix));
  const docs = await Promise.all(page.items.map((e) => users.byId(env.store, caller.accountId, e.value.id)));
  return { Users: docs.filter((u): u is UserDoc => u !== undefined).map((u) => userView(u, false)), ...pageFields(page) };
}

export async function tagUser(env: IamEnv, caller: Caller, input: TagUserRequest): Promise<Record<string, never>> {
  const [name, tags] = validateMembers(() => checkName(input.UserName, "userName", 128), () => checkTags(required(input.Tags, "tags"), true));
  await authorizeOnUser(env, caller, "TagUser", name, () => requestTagContext(tags));
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    await users.save(tx, { ...u, tags: mergeTags(u.tags, tags, true, "TagsPerUser") });
  });
  return {};
}

export async function untagUser(env: IamEnv, caller: Caller, input: UntagUserRequest): Promise<Record<string, never>> {
  const [name, keys] = validateMembers(() => checkName(input.UserName, "userName", 128), () => checkTagKeys(input.TagKeys));
  await authorizeOnUser(env, caller, "UntagUser", name, () => ({ "aws:TagKeys": keys }));
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    await users.save(tx, { ...u, tags: removeTags(u.tags, keys, true) });
  });
  return {};
}

export async function listUserTags(env: IamEnv, caller: Caller, input: ListUserTagsRequest): Promise<ListUserTagsResponse> {
  const [name, marker, max] = validateMembers(
    () => checkName(input.UserName, "userName", 128),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const u = await authorizeOnUser(env, caller, "ListUserTags", name);
  if (!u) throw noSuchUser(name);
  const page = paginate("ListUserTags", sortedTags(u.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}
