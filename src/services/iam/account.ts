/**
 * Account-level IAM settings: the account alias, the account password policy,
 * GetAccountSummary, the STS global endpoint token version and the account properties. None of these has a resource type, so each action is authorised on "*"
 * (Service Authorization Reference). None changes identities or policies, so writes do not
 * invalidate the directory's caches.
 */
import type {
  CreateAccountAliasRequest,
  DeleteAccountAliasRequest,
  GetAccountPasswordPolicyResponse,
  GetAccountPropertiesResponse,
  GetAccountSummaryResponse,
  ListAccountAliasesRequest,
  ListAccountAliasesResponse,
  PasswordPolicy,
  PutAccountPropertiesRequest,
  SetSecurityTokenServicePreferencesRequest,
  SummaryKeyType,
  UpdateAccountPasswordPolicyRequest,
} from "@aws-sdk/client-iam";
import { authorize, write, type Caller, type IamEnv } from "./env.js";
import { accountAliasExists, constraintError, invalidInput, noSuchAccountAlias, noSuchEntity, noSuchPasswordPolicy } from "./errors.js";
import { mfaDeviceCounts } from "./mfa.js";
import {
  COLLECTIONS,
  QUOTAS,
  type AccountAliasDoc,
  type AccountAliasIndexDoc,
  type AccountSettingsDoc,
  type ManagedPolicyDoc,
  type PasswordPolicyDoc,
} from "./model.js";
import { paginateCollection, pageFields } from "./pagination.js";
import { getRootLoginProfile } from "./root-credentials.js";
import { countServerCertificates } from "./server-certificates.js";
import { checkAccountAlias, checkMarker, checkMaxItems, checkOptionalRange, required, validateMembers } from "./validation.js";

const aliasKey = (accountId: string, alias: string) => `${accountId}/${alias}`;

// ---- Account alias ----

/**
 * An account has at most one alias: creating one replaces the account's current alias
 * (IAM User Guide). Aliases are unique across all accounts, the account's own included.
 */
export async function createAccountAlias(env: IamEnv, caller: Caller, input: CreateAccountAliasRequest): Promise<Record<string, never>> {
  const alias = checkAccountAlias(input.AccountAlias);
  await authorize(caller, "CreateAccountAlias", "*");
  const acct = caller.accountId;
  // write(): the root user's identity names the alias, so cached identities are refreshed.
  await write(env, acct, async (tx) => {
    if (!(await tx.putIfAbsent<AccountAliasIndexDoc>(COLLECTIONS.accountAliasIndex, alias, { accountId: acct }))) throw accountAliasExists(alias);
    for (const old of await tx.list<AccountAliasDoc>(COLLECTIONS.accountAliases, { prefix: `${acct}/` })) {
      await tx.delete(COLLECTIONS.accountAliasIndex, old.value.alias);
      await tx.delete(COLLECTIONS.accountAliases, old.key);
    }
    await tx.put<AccountAliasDoc>(COLLECTIONS.accountAliases, aliasKey(acct, alias), { accountId: acct, alias, createDate: caller.now });
  });
  return {};
}

export async function deleteAccountAlias(env: IamEnv, caller: Caller, input: DeleteAccountAliasRequest): Promise<Record<string, never>> {
  const alias = checkAccountAlias(input.AccountAlias);
  await authorize(caller, "DeleteAccountAlias", "*");
  const acct = caller.accountId;
  await write(env, acct, async (tx) => {
    if (!(await tx.get<AccountAliasDoc>(COLLECTIONS.accountAliases, aliasKey(acct, alias)))) throw noSuchAccountAlias(alias);
    await tx.delete(COLLECTIONS.accountAliases, aliasKey(acct, alias));
    await tx.delete(COLLECTIONS.accountAliasIndex, alias);
  });
  return {};
}

export async function listAccountAliases(env: IamEnv, caller: Caller, input: ListAccountAliasesRequest): Promise<ListAccountAliasesResponse> {
  const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListAccountAliases", "*");
  const page = await paginateCollection<AccountAliasDoc>("ListAccountAliases", env.store, COLLECTIONS.accountAliases, `${caller.accountId}/`, marker, max, () => true);
  return { AccountAliases: page.items.map((e) => e.value.alias), ...pageFields(page) };
}

// ---- Password policy ----

/** UpdateAccountPasswordPolicy's default MinimumPasswordLength (every boolean member defaults to false). */
const DEFAULT_MINIMUM_PASSWORD_LENGTH = 6;

/** Not a partial update: every member the request omits reverts to its default. */
export async function updateAccountPasswordPolicy(
  env: IamEnv,
  caller: Caller,
  input: UpdateAccountPasswordPolicyRequest,
): Promise<Record<string, never>> {
  // MaxPasswordAge and PasswordReusePrevention default to 0 (never expire / no reuse check),
  // a value the request cannot set explicitly: omitting them is the only way to get it. Every
  // failing member in one answer, in IAM's order.
  const [minimumLength, passwordReusePrevention, maxPasswordAge] = validateMembers(
    () => checkOptionalRange(input.MinimumPasswordLength, "minimumPasswordLength", 6, 128),
    () => checkOptionalRange(input.PasswordReusePrevention, "passwordReusePrevention", 1, 24),
    () => checkOptionalRange(input.MaxPasswordAge, "maxPasswordAge", 1, 1095),
  );
  const minimumPasswordLength = minimumLength ?? DEFAULT_MINIMUM_PASSWORD_LENGTH;
  await authorize(caller, "UpdateAccountPasswordPolicy", "*");
  const doc: PasswordPolicyDoc = {
    accountId: caller.accountId,
    minimumPasswordLength,
    requireSymbols: input.RequireSymbols ?? false,
    requireNumbers: input.RequireNumbers ?? false,
    requireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
    requireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
    allowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
    ...(maxPasswordAge !== undefined ? { maxPasswordAge } : {}),
    ...(passwordReusePrevention !== undefined ? { passwordReusePrevention } : {}),
    ...(input.HardExpiry !== undefined ? { hardExpiry: input.HardExpiry } : {}),
  };
  await env.store.put<PasswordPolicyDoc>(COLLECTIONS.passwordPolicies, caller.accountId, doc);
  return {};
}

function passwordPolicyView(p: PasswordPolicyDoc): PasswordPolicy {
  const out: PasswordPolicy = {
    MinimumPasswordLength: p.minimumPasswordLength,
    RequireSymbols: p.requireSymbols,
    RequireNumbers: p.requireNumbers,
    RequireUppercaseCharacters: p.requireUppercaseCharacters,
    RequireLowercaseCharacters: p.requireLowercaseCharacters,
    AllowUsersToChangePassword: p.allowUsersToChangePassword,
    ExpirePasswords: (p.maxPasswordAge ?? 0) > 0,
  };
  if (p.maxPasswordAge !== undefined) out.MaxPasswordAge = p.maxPasswordAge;
  if (p.passwordReusePrevention !== undefined) out.PasswordReusePrevention = p.passwordReusePrevention;
  if (p.hardExpiry !== undefined) out.HardExpiry = p.hardExpiry;
  return out;
}

/**
 * NoSuchEntity while the account uses the default policy (none has been set).
 * AllowUsersToChangePassword also grants every IAM user iam:GetAccountPasswordPolicy (an
 * explicit Deny still wins).
 */
export async function getAccountPasswordPolicy(env: IamEnv, caller: Caller): Promise<GetAccountPasswordPolicyResponse> {
  const p = await env.store.get<PasswordPolicyDoc>(COLLECTIONS.passwordPolicies, caller.accountId);
  const granted = p?.allowUsersToChangePassword === true && caller.principal?.type === "IAMUser";
  await caller.authorize({ action: "iam:GetAccountPasswordPolicy", resource: "*" }, granted ? { alternativeAllow: async () => true } : undefined);
  if (!p) throw noSuchPasswordPolicy(caller.accountId);
  return { PasswordPolicy: passwordPolicyView(p) };
}

export async function deleteAccountPasswordPolicy(env: IamEnv, caller: Caller): Promise<Record<string, never>> {
  await authorize(caller, "DeleteAccountPasswordPolicy", "*");
  await env.store.transaction(async (tx) => {
    // Deleting answers with other words than reading does.
    if (!(await tx.get<PasswordPolicyDoc>(COLLECTIONS.passwordPolicies, caller.accountId))) throw noSuchEntity("The account policy with name PasswordPolicy cannot be found.");
    await tx.delete(COLLECTIONS.passwordPolicies, caller.accountId);
  });
  return {};
}

// ---- Account summary ----

/**
 * Usage counted from storage, and the default quotas IAM documents (the ones Bulwark enforces
 * come from QUOTAS). Server certificates, virtual MFA devices and identity providers (OpenID
 * Connect and SAML: both are IAM identity provider objects) are counted; AccountMFAEnabled,
 * AccountAccessKeysPresent and AccountSigningCertificatesPresent follow the root user's own
 * credentials (root-credentials.ts); AccountPasswordPresent is 1 while the root user has a login
 * profile, which is IAM's record of a password (GetLoginProfile answers NoSuchEntity exactly when
 * there is no password; an AssumeRoot session creates root's and deletes it).
 * GlobalEndpointTokenVersion is the one SetSecurityTokenServicePreferences set.
 */
export async function getAccountSummary(env: IamEnv, caller: Caller): Promise<GetAccountSummaryResponse> {
  await authorize(caller, "GetAccountSummary", "*");
  const acct = caller.accountId;
  const prefix = `${acct}/`;
  const [users, groups, roles, profiles, oidcProviders, samlProviders, policies, rootKeys, rootCertificates, rootLoginProfile] = await Promise.all([
    env.store.count(COLLECTIONS.users, prefix),
    env.store.count(COLLECTIONS.groups, prefix),
    env.store.count(COLLECTIONS.roles, prefix),
    env.store.count(COLLECTIONS.instanceProfiles, prefix),
    env.store.count(COLLECTIONS.oidcProviders, prefix),
    env.store.count(COLLECTIONS.samlProviders, prefix),
    env.store.list<ManagedPolicyDoc>(COLLECTIONS.policies, { prefix }),
    env.store.count(COLLECTIONS.rootAccessKeyAccounts, prefix),
    // Root's signing certificates are kept under its user id, the account id.
    env.store.count(COLLECTIONS.signingCertificates, `${acct}/${acct}/`),
    getRootLoginProfile(env.store, acct),
  ]);
  const mfa = await mfaDeviceCounts(env.store, acct);
  const [serverCertificates, settings] = await Promise.all([countServerCertificates(env.store, acct), accountSettings(env, acct)]);
  const summary: Partial<Record<SummaryKeyType, number>> = {
    Users: users,
    UsersQuota: QUOTAS.usersPerAccount,
    Groups: groups,
    GroupsQuota: QUOTAS.groupsPerAccount,
    Roles: roles,
    RolesQuota: QUOTAS.rolesPerAccount,
    Policies: policies.length,
    PoliciesQuota: QUOTAS.customerManagedPoliciesPerAccount,
    PolicyVersionsInUse: policies.reduce((n, p) => n + p.value.versions.length, 0),
    PolicyVersionsInUseQuota: QUOTAS.policyVersionsInUse,
    VersionsPerPolicyQuota: QUOTAS.versionsPerPolicy,
    PolicySizeQuota: QUOTAS.managedPolicySize,
    UserPolicySizeQuota: QUOTAS.userInlinePolicySize,
    GroupPolicySizeQuota: QUOTAS.groupInlinePolicySize,
    RolePolicySizeQuota: QUOTAS.roleInlinePolicySize,
    AssumeRolePolicySizeQuota: QUOTAS.trustPolicySize,
    AttachedPoliciesPerUserQuota: QUOTAS.attachedPoliciesPerEntity,
    AttachedPoliciesPerGroupQuota: QUOTAS.attachedPoliciesPerEntity,
    AttachedPoliciesPerRoleQuota: QUOTAS.attachedPoliciesPerEntity,
    GroupsPerUserQuota: QUOTAS.groupsPerUser,
    AccessKeysPerUserQuota: QUOTAS.accessKeysPerUser,
    SigningCertificatesPerUserQuota: QUOTAS.signingCertificatesPerUser,
    InstanceProfiles: profiles,
    InstanceProfilesQuota: QUOTAS.instanceProfilesPerAccount,
    ServerCertificates: serverCertificates,
    ServerCertificatesQuota: QUOTAS.serverCertificatesPerAccount,
    Providers: oidcProviders + samlProviders,
    MFADevices: mfa.devices,
    MFADevicesInUse: mfa.inUse,
    AccountMFAEnabled: mfa.rootEnabled ? 1 : 0,
    AccountAccessKeysPresent: rootKeys > 0 ? 1 : 0,
    AccountPasswordPresent: rootLoginProfile ? 1 : 0,
    AccountSigningCertificatesPresent: rootCertificates > 0 ? 1 : 0,
    GlobalEndpointTokenVersion: settings?.globalEndpointTokenVersion ?? 1,
  };
  return { SummaryMap: summary };
}

// ---- STS preferences and account properties (one settings document per account) ----

function accountSettings(env: IamEnv, accountId: string): Promise<AccountSettingsDoc | undefined> {
  return env.store.get<AccountSettingsDoc>(COLLECTIONS.accountSettings, accountId);
}

async function updateSettings(env: IamEnv, accountId: string, change: (s: AccountSettingsDoc) => AccountSettingsDoc): Promise<void> {
  await env.store.transaction(async (tx) => {
    const current = (await tx.get<AccountSettingsDoc>(COLLECTIONS.accountSettings, accountId)) ?? { accountId };
    await tx.put<AccountSettingsDoc>(COLLECTIONS.accountSettings, accountId, change(current));
  });
}

/**
 * Which session tokens the global STS endpoint issues: v1Token (valid only in Regions enabled
 * by default, the default) or v2Token (valid in all Regions). Reported by GetAccountSummary.
 */
export async function setSecurityTokenServicePreferences(
  env: IamEnv,
  caller: Caller,
  input: SetSecurityTokenServicePreferencesRequest,
): Promise<Record<string, never>> {
  const v = required(input.GlobalEndpointTokenVersion, "globalEndpointTokenVersion");
  if (v !== "v1Token" && v !== "v2Token") throw constraintError("globalEndpointTokenVersion", "Member must satisfy enum value set: [v1Token, v2Token]", v);
  await authorize(caller, "SetSecurityTokenServicePreferences", "*");
  await updateSettings(env, caller.accountId, (s) => ({ ...s, globalEndpointTokenVersion: v === "v2Token" ? 2 : 1 }));
  return {};
}

const PROPERTY_KEY_PATTERN = "^[A-Za-z][A-Za-z0-9/_-]*$";
const PROPERTY_KEY_RE = new RegExp(PROPERTY_KEY_PATTERN);

/**
 * PutAccountProperties' map: keys of 1–50 characters matching PROPERTY_KEY_PATTERN with exactly
 * one "/" (Namespace/PropertyName, neither part empty), values of 1–1024 characters, and every
 * key in one namespace.
 */
export function checkAccountProperties(value: Record<string, string> | undefined): Record<string, string> {
  const props = required(value, "properties");
  const out: Record<string, string> = {};
  const namespaces = new Set<string>();
  for (const [key, v] of Object.entries(props)) {
    if (key.length < 1 || key.length > 50 || !PROPERTY_KEY_RE.test(key)) {
      throw constraintError(
        "properties",
        `Map keys must satisfy constraint: [Member must have length less than or equal to 50, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${PROPERTY_KEY_PATTERN}]`,
      );
    }
    if (typeof v !== "string" || v.length < 1 || v.length > 1024) {
      throw constraintError("properties", "Map value must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]");
    }
    const parts = key.split("/");
    // Messages not in the IAM documentation (the rules are: exactly one "/", not at either end;
    // all keys of a request in one namespace).
    if (parts.length !== 2 || parts[1] === "") throw invalidInput(`Invalid property key ${key}: the key must have the form Namespace/PropertyName.`);
    namespaces.add(parts[0]!);
    if (namespaces.size > 1) throw invalidInput("All properties in a request must belong to the same namespace.");
    out[key] = v;
  }
  return out;
}

export async function putAccountProperties(env: IamEnv, caller: Caller, input: PutAccountPropertiesRequest): Promise<Record<string, never>> {
  const props = checkAccountProperties(input.Properties);
  await authorize(caller, "PutAccountProperties", "*");
  await updateSettings(env, caller.accountId, (s) => ({ ...s, properties: { ...s.properties, ...props } }));
  return {};
}

export async function getAccountProperties(env: IamEnv, caller: Caller): Promise<GetAccountPropertiesResponse> {
  await authorize(caller, "GetAccountProperties", "*");
  const settings = await accountSettings(env, caller.accountId);
  return { Properties: { ...settings?.properties } };
}
