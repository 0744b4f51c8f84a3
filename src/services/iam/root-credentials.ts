/**
 * The root user as the subject of IAM's per-user credential calls. IAM's API reference: when
 * UserName is omitted, the user is the one whose access key signed the request, and these calls
 * "work for access keys under the account", so the root user (with its own access key, or in an
 * sts:AssumeRoot session) manages its own access keys, signing certificates and MFA devices this
 * way; its login profile only from an AssumeRoot session ("When you make this request with root
 * user credentials, you must use an AssumeRoot session to omit the user name").
 *
 * Root's credentials live beside the users': its access keys in "root-access-keys" (keyed by
 * access key id, which is what the directory resolves on the request path) with a per-account
 * index "iam-root-access-key-accounts" (`<accountId>/<accessKeyId>`) for listing; its signing
 * certificates and MFA devices under the user id `<accountId>` (root's UserId is the account id,
 * which no IAM user id can be); its login profile in "iam-root-login-profiles".
 */
import { commonError } from "../../core/errors.js";
import { randomSecretAccessKey } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { rootArn } from "./arn.js";
import { freeAccessKeyId } from "./access-key-ids.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { noSuchAccessKey, noSuchUser, quotaExceeded, validationError } from "./errors.js";
import { COLLECTIONS, QUOTAS, rootAccessKeyAad, type AccessKeyStatus, type RootAccessKeyDoc } from "./model.js";
import { authorizeOnUser, mustUser } from "./users.js";
import { checkName } from "./validation.js";

/** Whose credentials a call is about: a named (or the calling) IAM user, or the account's root user. */
export type CredentialSubject = { kind: "user"; userName: string } | { kind: "root" };

/** The owner of per-user credential documents; root's user id is its account id and it has no user name. */
export interface CredentialOwner {
  accountId: string;
  userId: string;
  userName?: string;
}

export const NON_USER_CREDENTIALS = "Must specify userName when calling with non-User credentials";

/**
 * UserName (checked against `max`), or, when omitted, the caller: an IAM user acts on itself,
 * the root user on itself (its own key or an AssumeRoot session; with `rootSessionOnly`, an
 * AssumeRoot session alone), anything else must name the user.
 */
export function credentialSubject(caller: Caller, userName: string | undefined, max = 128, opts: { rootSessionOnly?: boolean } = {}): CredentialSubject {
  if (userName !== undefined) return { kind: "user", userName: checkName(userName, "userName", max) };
  const p = caller.principal;
  if (p?.type === "IAMUser" && p.name !== undefined) return { kind: "user", userName: p.name };
  if (p?.type === "Root" && p.accountId === caller.accountId && (opts.rootSessionOnly !== true || p.assumedRoot === true)) return { kind: "root" };
  // Root with its own key on the login-profile calls: IAM's message for this case is not documented; this is its generic one.
  throw validationError(NON_USER_CREDENTIALS);
}

export function rootOwner(accountId: string): CredentialOwner {
  return { accountId, userId: accountId };
}

/** Authorises `action` on the subject (root's ARN, or the user's); the owner, if it exists. */
export async function authorizeOnSubject(env: IamEnv, caller: Caller, action: string, s: CredentialSubject): Promise<CredentialOwner | undefined> {
  if (s.kind === "user") return authorizeOnUser(env, caller, action, s.userName);
  const arn = rootArn(caller.accountId);
  await authorize(caller, action, arn);
  noteResource(caller, arn, "AWS::IAM::User");
  return rootOwner(caller.accountId);
}

/** As authorizeOnSubject, for reads: NoSuchEntity for a user that does not exist. */
export async function existingSubject(env: IamEnv, caller: Caller, action: string, s: CredentialSubject): Promise<CredentialOwner> {
  const owner = await authorizeOnSubject(env, caller, action, s);
  if (!owner) throw noSuchUser(s.kind === "user" ? s.userName : "");
  return owner;
}

/** The subject's owner read inside a transaction (NoSuchEntity for a user that is gone). */
export async function mustOwner(db: DocStore, accountId: string, s: CredentialSubject): Promise<CredentialOwner> {
  return s.kind === "root" ? rootOwner(accountId) : mustUser(db, accountId, s.userName);
}

// ---- Root access keys ----

export interface RootAccessKey extends RootAccessKeyDoc {
  accessKeyId: string;
}

const indexKey = (accountId: string, accessKeyId: string) => `${accountId}/${accessKeyId}`;

/** The account's root access keys, by access key id. */
export async function listRootAccessKeys(db: DocStore, accountId: string): Promise<RootAccessKey[]> {
  const ids = await db.list<Record<string, never>>(COLLECTIONS.rootAccessKeyAccounts, { prefix: `${accountId}/` });
  const docs = await Promise.all(ids.map(async (e) => {
    const accessKeyId = e.key.slice(accountId.length + 1);
    const doc = await db.get<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId);
    return doc && doc.accountId === accountId ? { ...doc, accessKeyId } : undefined;
  }));
  return docs.filter((d): d is RootAccessKey => d !== undefined);
}

/** One of the account's root keys; NoSuchEntity when it is not (another account's key reads as unknown). */
export async function mustRootAccessKey(db: DocStore, accountId: string, accessKeyId: string): Promise<RootAccessKeyDoc> {
  const doc = await db.get<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId);
  if (!doc || doc.accountId !== accountId) throw noSuchAccessKey(accessKeyId);
  return doc;
}

/**
 * Creates a root access key (at most two, like a user's); `given` (operator bootstrap only)
 * supplies the pair. The secret is sealed with aad `iam/root-access-key/<accessKeyId>`.
 */
export async function createRootAccessKey(
  env: Pick<IamEnv, "store" | "sealer" | "changed">,
  accountId: string,
  now: number,
  given?: { accessKeyId: string; secretAccessKey: string },
): Promise<{ doc: RootAccessKey; secretAccessKey: string }> {
  const secretAccessKey = given?.secretAccessKey ?? randomSecretAccessKey();
  return write(env, accountId, async (tx) => {
    if ((await tx.count(COLLECTIONS.rootAccessKeyAccounts, `${accountId}/`)) >= QUOTAS.accessKeysPerUser) {
      throw quotaExceeded("AccessKeysPerUser", QUOTAS.accessKeysPerUser);
    }
    // The id must be free among user keys and root keys alike; it names the account.
    const accessKeyId = await freeAccessKeyId(tx, accountId, given?.accessKeyId);
    const doc: RootAccessKeyDoc = { accountId, sealedSecret: env.sealer.sealToString(secretAccessKey, rootAccessKeyAad(accessKeyId)), status: "Active", createDate: now };
    if (!(await tx.putIfAbsent<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId, doc))) {
      // Only reachable when a concurrent transaction took the same id after the check above.
      throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
    }
    await tx.put(COLLECTIONS.rootAccessKeyAccounts, indexKey(accountId, accessKeyId), {});
    return { doc: { ...doc, accessKeyId }, secretAccessKey };
  });
}

export async function updateRootAccessKey(env: IamEnv, accountId: string, accessKeyId: string, status: AccessKeyStatus): Promise<void> {
  await write(env, accountId, async (tx) => {
    const doc = await mustRootAccessKey(tx, accountId, accessKeyId);
    await tx.put<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId, { ...doc, status });
  });
}

/** Deletes a root key; `write` drops the directory's cached credential, so the key stops authenticating at once. */
export async function deleteRootAccessKey(env: IamEnv, accountId: string, accessKeyId: string): Promise<void> {
  await write(env, accountId, async (tx) => {
    await mustRootAccessKey(tx, accountId, accessKeyId);
    await tx.delete(COLLECTIONS.rootAccessKeys, accessKeyId);
    await tx.delete(COLLECTIONS.rootAccessKeyAccounts, indexKey(accountId, accessKeyId));
  });
}

// ---- Root login profile ----

/** Root's login profile: created by an AssumeRoot session without a password (the root user then recovers it). */
export interface RootLoginProfileDoc {
  accountId: string;
  createDate: number;
}

export function getRootLoginProfile(db: DocStore, accountId: string): Promise<RootLoginProfileDoc | undefined> {
  return db.get<RootLoginProfileDoc>(COLLECTIONS.rootLoginProfiles, accountId);
}
