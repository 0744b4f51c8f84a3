/**
 * IamApi: what STS, Organizations and the operator bootstrap use. Trusted callers, so no
 * authorisation, but the same validation, quotas and transactions as the API.
 */
import type { Clock } from "../../core/clock.js";
import type { Principal, Scope } from "../../core/types.js";
import { createAccessKeyFor } from "./access-keys.js";
import type { IamApi, MfaCodeCheck, RoleRecord, SessionRecord, UserRecord } from "./api.js";
import { parseEntityArn, roleArn, userArn } from "./arn.js";
import { awsManagedPolicyByArn } from "./aws-managed-policies.js";
import { attachInTx, checkEntityName, ROLE_ADAPTER, USER_ADAPTER } from "./attachments.js";
import { internalCaller, type IamEnv } from "./env.js";
import { verifyMfaCode } from "./mfa.js";
import { COLLECTIONS, type RoleDoc, type UserDoc } from "./model.js";
import { oidcProviderArnOf, oidcProviderByResource } from "./oidc-providers.js";
import { checkPolicyArn } from "./policy-common.js";
import { samlProviderRecord } from "./saml-providers.js";
import { defaultDocumentOf, localPolicyByArn } from "./policy-lookup.js";
import { roles, users } from "./repo.js";
import { createRootAccessKey } from "./root-credentials.js";
import { ensureServiceLinkedRole } from "./service-linked-roles.js";
import { createRole } from "./roles.js";
import { effectiveTrustPolicy } from "./trust-principals.js";
import { createUser } from "./users.js";
import { checkName } from "./validation.js";

export function roleRecord(r: RoleDoc): RoleRecord {
  return {
    accountId: r.accountId,
    roleName: r.roleName,
    roleId: r.roleId,
    arn: roleArn(r.accountId, r.path, r.roleName),
    path: r.path,
    assumeRolePolicyDocument: r.assumeRolePolicyDocument,
    maxSessionDuration: r.maxSessionDuration,
    ...(r.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: r.permissionsBoundaryArn } : {}),
    attachedPolicyArns: [...r.attachedPolicyArns],
    tags: r.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    createDate: r.createDate,
  };
}

export function userRecord(u: UserDoc): UserRecord {
  return {
    accountId: u.accountId,
    userName: u.userName,
    userId: u.userId,
    arn: userArn(u.accountId, u.path, u.userName),
    path: u.path,
    ...(u.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: u.permissionsBoundaryArn } : {}),
    tags: u.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    createDate: u.createDate,
  };
}

export function createIamApi(env: IamEnv, clock: Clock): IamApi {
  async function getRole(accountId: string, roleName: string): Promise<RoleRecord | undefined> {
    const r = await roles.byName(env.store, accountId, roleName);
    // sts:AssumeRole evaluates the trust policy as it applies now (deleted principals' ARNs replaced).
    return r ? roleRecord({ ...r, assumeRolePolicyDocument: await effectiveTrustPolicy(env.store, r.assumeRolePolicyDocument, r.trustPrincipalIds) }) : undefined;
  }

  return {
    getRole,

    async getRoleByArn(arn: string): Promise<RoleRecord | undefined> {
      const parsed = parseEntityArn(arn, "role");
      if (!parsed) return undefined;
      const r = await getRole(parsed.accountId, parsed.name);
      // The ARN must name the role exactly, path included.
      return r && r.path === parsed.path ? r : undefined;
    },

    async getUser(accountId: string, userName: string): Promise<UserRecord | undefined> {
      const u = await users.byName(env.store, accountId, userName);
      return u ? userRecord(u) : undefined;
    },

    async createRole(scope: Scope, input): Promise<RoleRecord> {
      await createRole(env, internalCaller(scope.accountId, clock.now()), {
        RoleName: input.roleName,
        AssumeRolePolicyDocument: input.assumeRolePolicyDocument,
        ...(input.path !== undefined ? { Path: input.path } : {}),
        ...(input.description !== undefined ? { Description: input.description } : {}),
        ...(input.maxSessionDuration !== undefined ? { MaxSessionDuration: input.maxSessionDuration } : {}),
      });
      const r = await roles.byName(env.store, scope.accountId, input.roleName);
      if (!r) throw new Error("role vanished right after creation");
      return roleRecord(r);
    },

    async createUser(scope: Scope, input): Promise<UserRecord> {
      await createUser(env, internalCaller(scope.accountId, clock.now()), { UserName: input.userName, ...(input.path !== undefined ? { Path: input.path } : {}) });
      const u = await users.byName(env.store, scope.accountId, input.userName);
      if (!u) throw new Error("user vanished right after creation");
      return userRecord(u);
    },

    async attachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void> {
      await attachInTx(env, accountId, ROLE_ADAPTER, checkEntityName(ROLE_ADAPTER, roleName), checkPolicyArn(policyArn));
    },

    async ensureServiceLinkedRole(accountId: string, servicePrincipal: string, onBehalfOf?: Principal): Promise<void> {
      const caller = internalCaller(accountId, clock.now());
      await ensureServiceLinkedRole(env, onBehalfOf ? { ...caller, principal: onBehalfOf } : caller, servicePrincipal);
    },

    async attachUserPolicy(accountId: string, userName: string, policyArn: string): Promise<void> {
      await attachInTx(env, accountId, USER_ADAPTER, checkEntityName(USER_ADAPTER, userName), checkPolicyArn(policyArn));
    },

    async createAccessKey(accountId: string, userName: string, given?: { accessKeyId: string; secretAccessKey: string }) {
      const created = await createAccessKeyFor(env, accountId, checkName(userName, "userName", 128), clock.now(), given);
      return { accessKeyId: created.doc.accessKeyId, secretAccessKey: created.secretAccessKey };
    },

    async createRootAccessKey(accountId: string) {
      const created = await createRootAccessKey(env, accountId, clock.now());
      return { accessKeyId: created.doc.accessKeyId, secretAccessKey: created.secretAccessKey };
    },

    async putSession(session: SessionRecord): Promise<boolean> {
      // A fresh access key id: nothing cached can refer to it, so no invalidation (STS calls this often).
      // Never over another session: ids carry their account, leaving 39 random bits per account.
      return env.store.putIfAbsent<SessionRecord>(COLLECTIONS.stsSessions, session.accessKeyId, session);
    },

    async getSession(accessKeyId: string): Promise<SessionRecord | undefined> {
      return env.store.get<SessionRecord>(COLLECTIONS.stsSessions, accessKeyId);
    },

    async verifyMfaCode(accountId: string, userId: string, serialNumber: string, tokenCode: string, now: number): Promise<MfaCodeCheck> {
      return verifyMfaCode(env, accountId, userId, serialNumber, tokenCode, now);
    },

    async getManagedPolicyDocument(policyArn: string): Promise<string | undefined> {
      const aws = awsManagedPolicyByArn(policyArn);
      if (aws) return aws.document;
      const parsed = parseEntityArn(policyArn, "policy");
      if (!parsed || parsed.accountId === "aws") return undefined;
      const p = await localPolicyByArn(env.store, parsed.accountId, policyArn);
      return p ? defaultDocumentOf(p) : undefined;
    },

    async getOpenIdConnectProvider(accountId: string, resource: string) {
      const p = await oidcProviderByResource(env.store, accountId, resource);
      return p ? { accountId: p.accountId, arn: oidcProviderArnOf(p), resource: p.resource, url: p.url, clientIds: [...p.clientIds] } : undefined;
    },

    async getSamlProvider(arn: string) {
      return samlProviderRecord(env, env.store, arn);
    },
  };
}

/**
 * Stores an access key of an account's root user (operator bootstrap, as the root user creating
 * its key in the console). The secret is sealed with aad `iam/root-access-key/<accessKeyId>`; the
 * directory resolves it as Root.
 */
export async function putRootAccessKey(
  env: Pick<IamEnv, "store" | "sealer" | "changed">,
  input: { accountId: string; accessKeyId: string; secretAccessKey: string; now: number },
): Promise<void> {
  await createRootAccessKey(env, input.accountId, input.now, { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey });
}
