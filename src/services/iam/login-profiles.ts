/**
 * IAM login profiles (user console passwords): CreateLoginProfile, GetLoginProfile,
 * UpdateLoginProfile, DeleteLoginProfile and ChangePassword.
 *
 * Passwords are checked against the account password policy in force (IAM's default policy
 * when none is set), stored only as scrypt hashes (./passwords.ts) and never echoed: the
 * audit pipeline records Password/OldPassword/NewPassword as HIDDEN (src/audit/redact.ts).
 * Nothing signs in to a console here, so GetUser never reports PasswordLastUsed.
 */
import type {
  ChangePasswordRequest,
  CreateLoginProfileRequest,
  CreateLoginProfileResponse,
  DeleteLoginProfileRequest,
  GetLoginProfileRequest,
  GetLoginProfileResponse,
  LoginProfile,
  UpdateLoginProfileRequest,
} from "@aws-sdk/client-iam";
import { commonError } from "../../core/errors.js";
import type { AuthorizeRequest } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { noteResource, write, type Caller, type IamEnv } from "./env.js";
import { invalidInput, invalidUserType, loginProfileExists, noSuchLoginProfile, noSuchUser, validationError } from "./errors.js";
import { COLLECTIONS, type LoginProfileDoc, type PasswordHashDoc, type PasswordPolicyDoc, type UserDoc } from "./model.js";
import { checkPasswordStrength, hashPassword, historyNeeded, matchesAny, passwordExpired, reuseViolation, verifyPassword } from "./passwords.js";
import { users } from "./repo.js";
import { authorizeOnSubject, credentialSubject, getRootLoginProfile, type CredentialSubject, type RootLoginProfileDoc } from "./root-credentials.js";
import { authorizeOnUser, mustUser, userArnOf } from "./users.js";
import { checkMaxSigninSessionDuration, checkName, checkPassword, signinDurationUpdate, validateMembers, withSigninDuration } from "./validation.js";

const profileKey = (u: UserDoc) => `${u.accountId}/${u.userId}`;

function getProfile(db: DocStore, u: UserDoc): Promise<LoginProfileDoc | undefined> {
  return db.get<LoginProfileDoc>(COLLECTIONS.loginProfiles, profileKey(u));
}

function getPolicy(db: DocStore, accountId: string): Promise<PasswordPolicyDoc | undefined> {
  return db.get<PasswordPolicyDoc>(COLLECTIONS.passwordPolicies, accountId);
}

function view(u: UserDoc, p: LoginProfileDoc): LoginProfile {
  const out: LoginProfile = { UserName: u.userName, CreateDate: new Date(p.createDate), PasswordResetRequired: p.passwordResetRequired };
  if (p.maxSigninSessionDuration !== undefined) out.MaxSigninSessionDuration = p.maxSigninSessionDuration;
  return out;
}

/** The API reference: "This setting is not supported for the root user." (its error is not documented). */
const ROOT_SIGNIN_DURATION = "MaxSigninSessionDuration is not supported for the root user.";

/**
 * UserName, or (Create/Get/Delete) the calling IAM user when it is omitted; the root user only
 * in an AssumeRoot session (IAMCreateRootUserPassword, IAMDeleteRootUserCredentials, the audit task).
 */
function subjectOf(caller: Caller, name: string | undefined): CredentialSubject {
  return credentialSubject(caller, name, 64, { rootSessionOnly: true });
}

// The root user has no user name; IAM's messages name no one for it (not documented): the account id stands in.
function rootView(p: RootLoginProfileDoc): LoginProfile {
  return { CreateDate: new Date(p.createDate), PasswordResetRequired: false } as LoginProfile;
}

/**
 * Root's login profile from an AssumeRoot session: no password (IAM's API reference: Password
 * "must be omitted" then); the root user sets one through password recovery.
 */
async function createRootLoginProfile(env: IamEnv, caller: Caller, input: CreateLoginProfileRequest): Promise<CreateLoginProfileResponse> {
  // IAM's message for a password given in an AssumeRoot session is not documented; this follows its validation messages.
  if (input.Password !== undefined) throw validationError("Password must be omitted when calling with an AssumeRoot session");
  await authorizeOnSubject(env, caller, "CreateLoginProfile", { kind: "root" });
  const doc: RootLoginProfileDoc = { accountId: caller.accountId, createDate: caller.now };
  if (!(await write(env, caller.accountId, (tx) => tx.putIfAbsent<RootLoginProfileDoc>(COLLECTIONS.rootLoginProfiles, caller.accountId, doc)))) {
    throw loginProfileExists(caller.accountId);
  }
  return { LoginProfile: rootView(doc) };
}

/**
 * The hashes after `newHash` becomes current: the replaced one joins the history, which keeps
 * only what PasswordReusePrevention needs (the current password counts as one of the N).
 */
function rotate(p: LoginProfileDoc, newHash: PasswordHashDoc, policy: PasswordPolicyDoc | undefined): Pick<LoginProfileDoc, "current" | "previous"> {
  const keep = Math.max(historyNeeded(policy) - 1, 0);
  return { current: newHash, previous: [p.current, ...p.previous].slice(0, keep) };
}

/** Policy strength, then reuse of the last N passwords; returns the new hash. */
async function acceptNewPassword(password: string, policy: PasswordPolicyDoc | undefined, existing?: LoginProfileDoc): Promise<PasswordHashDoc> {
  checkPasswordStrength(password, policy);
  const n = historyNeeded(policy);
  if (existing && n > 0 && (await matchesAny(password, [existing.current, ...existing.previous].slice(0, n)))) throw reuseViolation(n);
  return hashPassword(password);
}

export async function createLoginProfile(env: IamEnv, caller: Caller, input: CreateLoginProfileRequest): Promise<CreateLoginProfileResponse> {
  // Both members' constraints in one message; a password given is checked before it is known
  // whether the caller may give one (an AssumeRoot session must omit it).
  const [subject, , maxSigninSessionDuration] = validateMembers(
    () => subjectOf(caller, input.UserName),
    () => (input.Password === undefined ? undefined : checkPassword(input.Password, "password")),
    () => checkMaxSigninSessionDuration(input.MaxSigninSessionDuration),
  );
  if (subject.kind === "root") {
    if (maxSigninSessionDuration !== undefined) throw invalidInput(ROOT_SIGNIN_DURATION);
    return createRootLoginProfile(env, caller, input);
  }
  const name = subject.userName;
  const password = checkPassword(input.Password, "password");
  const before = await authorizeOnUser(env, caller, "CreateLoginProfile", name);
  if (!before) throw noSuchUser(name);
  if (await getProfile(env.store, before)) throw loginProfileExists(before.userName);
  // Hash outside the transaction (scrypt is deliberately slow); re-check inside it.
  const hash = await acceptNewPassword(password, await getPolicy(env.store, caller.accountId));
  return env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    if (await getProfile(tx, u)) throw loginProfileExists(u.userName);
    const doc: LoginProfileDoc = {
      accountId: u.accountId,
      userId: u.userId,
      createDate: caller.now,
      passwordResetRequired: input.PasswordResetRequired ?? false,
      ...(maxSigninSessionDuration !== undefined ? { maxSigninSessionDuration } : {}),
      passwordSetDate: caller.now,
      current: hash,
      previous: [],
    };
    await tx.put<LoginProfileDoc>(COLLECTIONS.loginProfiles, profileKey(u), doc);
    return { LoginProfile: view(u, doc) };
  });
}

export async function getLoginProfile(env: IamEnv, caller: Caller, input: GetLoginProfileRequest): Promise<GetLoginProfileResponse> {
  const subject = subjectOf(caller, input.UserName);
  if (subject.kind === "root") {
    await authorizeOnSubject(env, caller, "GetLoginProfile", subject);
    const p = await getRootLoginProfile(env.store, caller.accountId);
    if (!p) throw noSuchLoginProfile(caller.accountId);
    return { LoginProfile: rootView(p) };
  }
  const name = subject.userName;
  const u = await authorizeOnUser(env, caller, "GetLoginProfile", name);
  if (!u) throw noSuchUser(name);
  const p = await getProfile(env.store, u);
  if (!p) throw noSuchLoginProfile(name);
  return { LoginProfile: view(u, p) };
}

export async function updateLoginProfile(env: IamEnv, caller: Caller, input: UpdateLoginProfileRequest): Promise<Record<string, never>> {
  const [name, password, maxSigninSessionDuration] = validateMembers(
    () => checkName(input.UserName, "userName", 64),
    () => input.Password !== undefined ? checkPassword(input.Password, "password") : undefined,
    () => checkMaxSigninSessionDuration(input.MaxSigninSessionDuration),
  );
  const signin = signinDurationUpdate(maxSigninSessionDuration, input.ResetMaxSigninSessionDuration);
  const before = await authorizeOnUser(env, caller, "UpdateLoginProfile", name);
  if (!before) throw noSuchUser(name);
  const existing = await getProfile(env.store, before);
  if (!existing) throw noSuchLoginProfile(name);
  const policy = await getPolicy(env.store, caller.accountId);
  const hash = password !== undefined ? await acceptNewPassword(password, policy, existing) : undefined;
  await env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const p = await getProfile(tx, u);
    if (!p) throw noSuchLoginProfile(name);
    const next: LoginProfileDoc = {
      ...p,
      ...(hash ? { ...rotate(p, hash, policy), passwordSetDate: caller.now } : {}),
      passwordResetRequired: input.PasswordResetRequired ?? p.passwordResetRequired,
    };
    await tx.put<LoginProfileDoc>(COLLECTIONS.loginProfiles, profileKey(u), withSigninDuration(next, signin));
  });
  return {};
}

export async function deleteLoginProfile(env: IamEnv, caller: Caller, input: DeleteLoginProfileRequest): Promise<Record<string, never>> {
  const subject = subjectOf(caller, input.UserName);
  if (subject.kind === "root") {
    await authorizeOnSubject(env, caller, "DeleteLoginProfile", subject);
    if (!(await write(env, caller.accountId, (tx) => tx.delete(COLLECTIONS.rootLoginProfiles, caller.accountId)))) throw noSuchLoginProfile(caller.accountId);
    return {};
  }
  const name = subject.userName;
  await authorizeOnUser(env, caller, "DeleteLoginProfile", name);
  await env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    if (!(await tx.delete(COLLECTIONS.loginProfiles, profileKey(u)))) throw noSuchLoginProfile(name);
  });
  return {};
}

/**
 * The calling IAM user changes its own password. AllowUsersToChangePassword grants
 * iam:ChangePassword on the user's own ARN account-wide (an explicit Deny still wins); without
 * it, or once an expired password is under HardExpiry, the user needs the permission itself.
 */
export async function changePassword(env: IamEnv, caller: Caller, input: ChangePasswordRequest): Promise<Record<string, never>> {
  const [oldPassword, newPassword] = validateMembers(
    () => checkPassword(input.OldPassword, "oldPassword"),
    () => checkPassword(input.NewPassword, "newPassword"),
  );
  const principal = caller.principal;
  if (principal?.type !== "IAMUser" || principal.name === undefined) {
    throw invalidUserType("Only IAM users can change their own password.");
  }
  const u = await users.byName(env.store, caller.accountId, principal.name);
  if (!u) throw noSuchUser(principal.name);
  const arn = userArnOf(u);
  const policy = await getPolicy(env.store, caller.accountId);
  const existing = await getProfile(env.store, u);
  const hardExpired = policy?.hardExpiry === true && existing !== undefined && passwordExpired(policy, existing.passwordSetDate, caller.now);
  const req: AuthorizeRequest = { action: "iam:ChangePassword", resource: arn };
  // The account-level grant stands in only for an implicit deny.
  const granted = policy?.allowUsersToChangePassword === true && !hardExpired;
  await caller.authorize(req, granted ? { alternativeAllow: async () => true } : undefined);
  noteResource(caller, arn, "AWS::IAM::User");
  if (!existing) throw noSuchLoginProfile(u.userName);
  if (!(await verifyPassword(oldPassword, existing.current))) {
    throw commonError("AccessDenied", "The old password is incorrect.");
  }
  const hash = await acceptNewPassword(newPassword, policy, existing);
  await env.store.transaction(async (tx) => {
    const cur = await mustUser(tx, caller.accountId, u.userName);
    const p = await getProfile(tx, cur);
    if (!p) throw noSuchLoginProfile(cur.userName);
    // Changed meanwhile: the old password checked above is no longer the current one.
    if (p.current.hash !== existing.current.hash) throw commonError("AccessDenied", "The old password is incorrect.");
    await tx.put<LoginProfileDoc>(COLLECTIONS.loginProfiles, profileKey(cur), {
      ...p,
      ...rotate(p, hash, policy),
      passwordSetDate: caller.now,
      passwordResetRequired: false,
    });
  });
  return {};
}
