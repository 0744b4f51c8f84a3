/**
 * Access keys of IAM users and, called by the root user without UserName, of the root user
 * (root-credentials.ts). The secret is generated here, sealed before it reaches storage
 * (aad `iam/access-key/<id>`, `iam/root-access-key/<id>` for root), and returned exactly once by
 * CreateAccessKey. Root's keys are listed without UserName: it has no user name (IAM's answers
 * for root keys are not documented member by member).
 */
import type {
  AccessKeyMetadata,
  CreateAccessKeyRequest,
  CreateAccessKeyResponse,
  DeleteAccessKeyRequest,
  GetAccessKeyLastUsedRequest,
  GetAccessKeyLastUsedResponse,
  ListAccessKeysRequest,
  ListAccessKeysResponse,
  UpdateAccessKeyRequest,
} from "@aws-sdk/client-iam";
import { commonError } from "../../core/errors.js";
import { randomSecretAccessKey } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { freeAccessKeyId } from "./access-key-ids.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { noSuchAccessKey, noSuchUser, quotaExceeded } from "./errors.js";
import { accessKeyAad, COLLECTIONS, QUOTAS, type AccessKeyDoc, type AccessKeyIndexDoc, type RootAccessKeyDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { users } from "./repo.js";
import { rootArn } from "./arn.js";
import { authorizeOnSubject, createRootAccessKey, existingSubject, type CredentialOwner, credentialSubject, deleteRootAccessKey, listRootAccessKeys, updateRootAccessKey } from "./root-credentials.js";
import { mustUser, userArnOf } from "./users.js";
import { checkAccessKeyId, checkMarker, checkMaxItems, checkStatus, validateMembers } from "./validation.js";

export function accessKeyDocKey(accountId: string, userId: string, accessKeyId: string): string {
  return `${accountId}/${userId}/${accessKeyId}`;
}

async function listUserKeys(db: DocStore, u: CredentialOwner): Promise<AccessKeyDoc[]> {
  const entries = await db.list<AccessKeyDoc>(COLLECTIONS.accessKeys, { prefix: `${u.accountId}/${u.userId}/` });
  return entries.map((e) => e.value);
}

/**
 * Creates a key for `userName`; `given` (operator bootstrap only) supplies the key pair.
 * Enforces at most two keys per user, active or not.
 */
export async function createAccessKeyFor(
  env: IamEnv,
  accountId: string,
  userName: string,
  now: number,
  given?: { accessKeyId: string; secretAccessKey: string },
): Promise<{ userName: string; doc: AccessKeyDoc; secretAccessKey: string }> {
  const secretAccessKey = given?.secretAccessKey ?? randomSecretAccessKey();
  return write(env, accountId, async (tx) => {
    const u = await mustUser(tx, accountId, userName);
    if ((await tx.count(COLLECTIONS.accessKeys, `${u.accountId}/${u.userId}/`)) >= QUOTAS.accessKeysPerUser) {
      throw quotaExceeded("AccessKeysPerUser", QUOTAS.accessKeysPerUser);
    }
    // Free among user and root keys; the id names the account (sts:GetAccessKeyInfo reads it).
    const accessKeyId = await freeAccessKeyId(tx, accountId, given?.accessKeyId);
    const sealedSecret = env.sealer.sealToString(secretAccessKey, accessKeyAad(accessKeyId));
    const doc: AccessKeyDoc = { accountId, userId: u.userId, accessKeyId, status: "Active", createDate: now, sealedSecret };
    if (!(await tx.putIfAbsent<AccessKeyIndexDoc>(COLLECTIONS.accessKeyIndex, accessKeyId, { accountId, userId: u.userId }))) {
      // Only reachable when a concurrent transaction took the same id after the check above.
      throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
    }
    await tx.put<AccessKeyDoc>(COLLECTIONS.accessKeys, accessKeyDocKey(accountId, u.userId, accessKeyId), doc);
    return { userName: u.userName, doc, secretAccessKey };
  });
}

export async function createAccessKey(env: IamEnv, caller: Caller, input: CreateAccessKeyRequest): Promise<CreateAccessKeyResponse> {
  const subject = credentialSubject(caller, input.UserName);
  await authorizeOnSubject(env, caller, "CreateAccessKey", subject);
  if (subject.kind === "root") {
    const root = await createRootAccessKey(env, caller.accountId, caller.now);
    return {
      AccessKey: { AccessKeyId: root.doc.accessKeyId, Status: "Active", SecretAccessKey: root.secretAccessKey, CreateDate: new Date(caller.now) },
    } as CreateAccessKeyResponse;
  }
  const name = subject.userName;
  const created = await createAccessKeyFor(env, caller.accountId, name, caller.now);
  return {
    AccessKey: {
      UserName: created.userName,
      AccessKeyId: created.doc.accessKeyId,
      Status: "Active",
      SecretAccessKey: created.secretAccessKey,
      CreateDate: new Date(created.doc.createDate),
    },
  };
}

export async function listAccessKeys(env: IamEnv, caller: Caller, input: ListAccessKeysRequest): Promise<ListAccessKeysResponse> {
  const [subject, marker, max] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const u = await existingSubject(env, caller, "ListAccessKeys", subject);
  const keys = subject.kind === "root"
    ? (await listRootAccessKeys(env.store, caller.accountId)).map((k) => ({ ...k, status: k.status ?? "Active", createDate: k.createDate ?? 0 }))
    : await listUserKeys(env.store, u);
  const page = paginate("ListAccessKeys", keys, (k) => k.accessKeyId, marker, max);
  const meta: AccessKeyMetadata[] = page.items.map((k) => ({
    ...(u.userName !== undefined ? { UserName: u.userName } : {}),
    AccessKeyId: k.accessKeyId,
    Status: k.status,
    CreateDate: new Date(k.createDate),
  }));
  return { AccessKeyMetadata: meta, ...pageFields(page) };
}

async function mustKey(tx: DocStore, u: UserDoc, accessKeyId: string): Promise<AccessKeyDoc> {
  const k = await tx.get<AccessKeyDoc>(COLLECTIONS.accessKeys, accessKeyDocKey(u.accountId, u.userId, accessKeyId));
  if (!k) throw noSuchAccessKey(accessKeyId);
  return k;
}

export async function updateAccessKey(env: IamEnv, caller: Caller, input: UpdateAccessKeyRequest): Promise<Record<string, never>> {
  const [subject, accessKeyId, status] = validateMembers(
    () => credentialSubject(caller, input.UserName),
    () => checkAccessKeyId(input.AccessKeyId),
    () => checkStatus(input.Status),
  );
  await authorizeOnSubject(env, caller, "UpdateAccessKey", subject);
  if (subject.kind === "root") {
    await updateRootAccessKey(env, caller.accountId, accessKeyId, status);
    return {};
  }
  const name = subject.userName;
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const k = await mustKey(tx, u, accessKeyId);
    await tx.put<AccessKeyDoc>(COLLECTIONS.accessKeys, accessKeyDocKey(u.accountId, u.userId, accessKeyId), { ...k, status });
  });
  return {};
}

export async function deleteAccessKey(env: IamEnv, caller: Caller, input: DeleteAccessKeyRequest): Promise<Record<string, never>> {
  const [subject, accessKeyId] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkAccessKeyId(input.AccessKeyId));
  await authorizeOnSubject(env, caller, "DeleteAccessKey", subject);
  if (subject.kind === "root") {
    await deleteRootAccessKey(env, caller.accountId, accessKeyId);
    return {};
  }
  const name = subject.userName;
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    await mustKey(tx, u, accessKeyId);
    await tx.delete(COLLECTIONS.accessKeys, accessKeyDocKey(u.accountId, u.userId, accessKeyId));
    await tx.delete(COLLECTIONS.accessKeyIndex, accessKeyId);
  });
  return {};
}

function lastUsedView(lastUsed: AccessKeyDoc["lastUsed"]): GetAccessKeyLastUsedResponse["AccessKeyLastUsed"] {
  return lastUsed
    ? { LastUsedDate: new Date(lastUsed.date), ServiceName: lastUsed.service, Region: lastUsed.region }
    : { ServiceName: "N/A", Region: "N/A" };
}

export async function getAccessKeyLastUsed(env: IamEnv, caller: Caller, input: GetAccessKeyLastUsedRequest): Promise<GetAccessKeyLastUsedResponse> {
  const accessKeyId = checkAccessKeyId(input.AccessKeyId);
  const idx = await env.store.get<AccessKeyIndexDoc>(COLLECTIONS.accessKeyIndex, accessKeyId);
  const u = idx && idx.accountId === caller.accountId ? await users.byId(env.store, idx.accountId, idx.userId) : undefined;
  const k = u ? await env.store.get<AccessKeyDoc>(COLLECTIONS.accessKeys, accessKeyDocKey(u.accountId, u.userId, accessKeyId)) : undefined;
  if (u && k) {
    const arn = userArnOf(u);
    await authorize(caller, "GetAccessKeyLastUsed", arn);
    noteResource(caller, arn, "AWS::IAM::User");
    return { UserName: u.userName, AccessKeyLastUsed: lastUsedView(k.lastUsed) };
  }
  // A key of the account's root user: no user name to answer with.
  const root = idx ? undefined : await env.store.get<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId);
  if (root?.accountId === caller.accountId) {
    const arn = rootArn(caller.accountId);
    await authorize(caller, "GetAccessKeyLastUsed", arn);
    noteResource(caller, arn, "AWS::IAM::User");
    return { AccessKeyLastUsed: lastUsedView(root.lastUsed) };
  }
  // IAM answers an unknown (or foreign) key id as a denial on the key, not as NoSuchEntity.
  const who = caller.principal?.arn ?? rootArn(caller.accountId);
  throw commonError("AccessDenied", `User: ${who} is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key ${accessKeyId}`);
}

/**
 * Records that a key was used (GetAccessKeyLastUsed). Not an authorisation input, so it
 * does not invalidate caches; callers throttle it (the directory writes at most once per
 * key per interval).
 */
export async function recordAccessKeyUse(env: IamEnv, accessKeyId: string, usage: { date: number; region: string; service: string }): Promise<void> {
  const idx = await env.store.get<AccessKeyIndexDoc>(COLLECTIONS.accessKeyIndex, accessKeyId);
  if (!idx) {
    await env.store.transaction(async (tx) => {
      const root = await tx.get<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId);
      if (root) await tx.put<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId, { ...root, lastUsed: usage });
    });
    return;
  }
  await env.store.transaction(async (tx) => {
    const key = accessKeyDocKey(idx.accountId, idx.userId, accessKeyId);
    const k = await tx.get<AccessKeyDoc>(COLLECTIONS.accessKeys, key);
    if (k) await tx.put<AccessKeyDoc>(COLLECTIONS.accessKeys, key, { ...k, lastUsed: usage });
  });
}
