/** In-memory IamApi for STS/Organizations tests: roles, users, attachments and sessions. */
import { AwsError } from "../../../core/errors.js";
import type { Scope } from "../../../core/types.js";
import type { IamApi, OidcProviderRecord, RoleRecord, SamlProviderRecord, SessionRecord, UserRecord } from "../../iam/api.js";
import { matchStep, stepAt } from "../../iam/totp.js";

export interface FakeIam extends IamApi {
  roles: Map<string, RoleRecord>; // `${accountId}/${roleName}`
  users: Map<string, UserRecord>;
  sessions: Map<string, SessionRecord>;
  attachments: Array<{ accountId: string; roleName?: string; userName?: string; policyArn: string }>;
  managedPolicies: Map<string, string>;
  /** Enabled MFA devices by serial number: the owner and the raw TOTP seed (tests compute codes from it). */
  mfaDevices: Map<string, { accountId: string; userId: string; seed: Buffer; lastStep?: number }>;
  /** `${accountId}/${host/path}` → provider. */
  oidcProviders: Map<string, OidcProviderRecord>;
  /** Provider ARN → SAML provider. */
  samlProviders: Map<string, SamlProviderRecord>;
  /** Makes createRole throw once (simulated IAM failure). */
  failNextCreateRole?: Error;
  /** `${accountId}/${servicePrincipal}` of the service-linked roles ensured. */
  serviceLinkedRoles: Set<string>;
}

let seq = 0;
const uniqueSuffix = (): string => String(++seq).padStart(17, "0").toUpperCase();

export function createFakeIam(now: () => number = () => 0): FakeIam {
  const iam: FakeIam = {
    roles: new Map(),
    users: new Map(),
    sessions: new Map(),
    serviceLinkedRoles: new Set(),
    attachments: [],
    managedPolicies: new Map(),
    mfaDevices: new Map(),
    oidcProviders: new Map(),
    samlProviders: new Map(),
    async getSamlProvider(arn) {
      return iam.samlProviders.get(arn);
    },
    async getOpenIdConnectProvider(accountId, resource) {
      return iam.oidcProviders.get(`${accountId}/${resource}`);
    },
    async getRole(accountId, roleName) {
      return iam.roles.get(`${accountId}/${roleName}`);
    },
    async getRoleByArn(arn) {
      const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (!m) return undefined;
      return iam.roles.get(`${m[1]}/${m[2]}`);
    },
    async getUser(accountId, userName) {
      return iam.users.get(`${accountId}/${userName}`);
    },
    async createRole(scope: Scope, input) {
      if (iam.failNextCreateRole) {
        const e = iam.failNextCreateRole;
        delete iam.failNextCreateRole;
        throw e;
      }
      const key = `${scope.accountId}/${input.roleName}`;
      if (iam.roles.has(key)) throw new AwsError("EntityAlreadyExists", `Role with name ${input.roleName} already exists.`, 409);
      const path = input.path ?? "/";
      const role: RoleRecord = {
        accountId: scope.accountId,
        roleName: input.roleName,
        roleId: `AROA${uniqueSuffix()}`,
        arn: `arn:aws:iam::${scope.accountId}:role${path}${input.roleName}`,
        path,
        assumeRolePolicyDocument: input.assumeRolePolicyDocument,
        maxSessionDuration: input.maxSessionDuration ?? 3600,
        attachedPolicyArns: [],
        tags: [],
        createDate: now(),
      };
      iam.roles.set(key, role);
      return role;
    },
    async createUser(scope: Scope, input) {
      const path = input.path ?? "/";
      const user: UserRecord = {
        accountId: scope.accountId,
        userName: input.userName,
        userId: `AIDA${uniqueSuffix()}`,
        arn: `arn:aws:iam::${scope.accountId}:user${path}${input.userName}`,
        path,
        tags: [],
        createDate: now(),
      };
      iam.users.set(`${scope.accountId}/${input.userName}`, user);
      return user;
    },
    async ensureServiceLinkedRole(accountId, servicePrincipal) {
      iam.serviceLinkedRoles.add(`${accountId}/${servicePrincipal}`);
    },
    async attachRolePolicy(accountId, roleName, policyArn) {
      if (!iam.roles.has(`${accountId}/${roleName}`)) throw new AwsError("NoSuchEntity", `The role with name ${roleName} cannot be found.`, 404);
      if (!iam.attachments.some((a) => a.accountId === accountId && a.roleName === roleName && a.policyArn === policyArn)) {
        iam.attachments.push({ accountId, roleName, policyArn });
      }
    },
    async attachUserPolicy(accountId, userName, policyArn) {
      iam.attachments.push({ accountId, userName, policyArn });
    },
    async createAccessKey(_accountId, _userName, given) {
      return given ?? { accessKeyId: `AKIA${uniqueSuffix()}`, secretAccessKey: "x".repeat(40) };
    },
    async createRootAccessKey() {
      return { accessKeyId: `AKIA${uniqueSuffix()}`, secretAccessKey: "x".repeat(40) };
    },
    async putSession(session) {
      if (iam.sessions.has(session.accessKeyId)) return false;
      iam.sessions.set(session.accessKeyId, JSON.parse(JSON.stringify(session)) as SessionRecord);
      return true;
    },
    async getSession(accessKeyId) {
      return iam.sessions.get(accessKeyId);
    },
    async verifyMfaCode(accountId, userId, serialNumber, tokenCode, at) {
      // The same rules as IAM's (./mfa.ts): the current step ±1, never a step already used.
      const d = iam.mfaDevices.get(serialNumber);
      if (!d || d.accountId !== accountId || d.userId !== userId) return "unknown-device";
      const step = stepAt(at);
      const hit = matchStep(d.seed, tokenCode, step - 1, step + 1, d.lastStep);
      if (hit === undefined) return "invalid-code";
      d.lastStep = hit;
      return "valid";
    },
    async getManagedPolicyDocument(policyArn) {
      return iam.managedPolicies.get(policyArn);
    },
  };
  return iam;
}
