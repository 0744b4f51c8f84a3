/**
 * The identity directory: on every request the gateway resolves the access key here and
 * the authoriser asks for the caller's policies and tags. Answers come from bounded caches
 * that every committed IAM write of the account invalidates (see cache.ts).
 *
 * Temporary credentials: `ResolvedCredential.sessionToken` holds the hex SHA-256 of the
 * session token (STS stores only the hash); the gateway compares sha256(presented token)
 * to it in constant time.
 */
import type { Clock } from "../../core/clock.js";
import type { Principal } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IdentityDirectory, PrincipalPolicies, ResolvedCredential } from "../../iam/directory.js";
import type { Storage } from "../../storage/types.js";
import type { SessionRecord } from "./api.js";
import { roleArn, rootArn, userArn } from "./arn.js";
import { AccountEpochs, EpochCache } from "./cache.js";
import { accessKeyAad, COLLECTIONS, rootAccessKeyAad, sessionSecretAad, type AccessKeyDoc, type AccessKeyIndexDoc, type AccountAliasDoc, type RootAccessKeyDoc } from "./model.js";
import { resolvePolicy } from "./policy-lookup.js";
import { groups, roles, users } from "./repo.js";
import { tagMap } from "./tags.js";
import { arn } from "../../core/partition.js";
import { withSessionTags as overrideTags, type SessionPrincipal } from "../../iam/policy/principal-context.js";

export interface IamDirectory extends IdentityDirectory {
  /** Drops everything cached for an account; IAM calls it after each committed write. */
  invalidateAccount(accountId: string): void;
  /**
   * Records a use of an access key for GetAccessKeyLastUsed. Fire and forget, and written
   * at most once per key per `lastUsedIntervalMs`, so it stays off the request's critical path.
   */
  noteAccessKeyUsed(accessKeyId: string, region: string, service: string, principal?: Principal): void;
  cachedAccessKey(accessKeyId: string): ResolvedCredential | undefined;
  cachedPolicies(principal: Principal): PrincipalPolicies | undefined;
}

export interface DirectoryDeps {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  epochs: AccountEpochs;
  recordUse?: (accessKeyId: string, usage: { date: number; region: string; service: string }) => Promise<void>;
  /** Records that a role's session credentials were used (RoleLastUsed). */
  recordRoleUse?: (accountId: string, roleId: string, usage: { date: number; region: string }) => Promise<void>;
  /** Entries per cache (default 10 000). */
  cacheSize?: number;
  /** Safety TTL of cached entries, ms (default 30 s). */
  ttlMs?: number;
  lastUsedIntervalMs?: number;
}

/** What the directory caches per user or role: the answer to policiesFor, ready to hand out, and the tags. */
interface EntityPolicies {
  policies: PrincipalPolicies;
  tags: Record<string, string>;
}

/** Cached answers are shared between requests, so they are frozen: nobody may alter them. */
function entityPolicies(identity: string[], boundary: string | undefined, tags: Record<string, string>): EntityPolicies {
  Object.freeze(identity);
  const policies: PrincipalPolicies = Object.freeze(boundary !== undefined ? { identity, boundary } : { identity });
  return Object.freeze({ policies, tags: Object.freeze(tags) });
}

const NO_POLICIES: EntityPolicies = entityPolicies([], undefined, {});
/** No tags, one object: the merged-tags cache of a session keys on its base tags by identity. */
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});
/** What the root user may do in its own account, as a policy (for sessions the root user federates). */
const ROOT_PERMISSIONS = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

export function createIdentityDirectory(deps: DirectoryDeps): IamDirectory {
  const { store, sealer, clock, epochs } = deps;
  const size = deps.cacheSize ?? 10_000;
  const ttl = deps.ttlMs ?? 30_000;
  const credentials = new EpochCache<ResolvedCredential>(size, ttl, clock, epochs);
  const entities = new EpochCache<EntityPolicies>(size, ttl, clock, epochs);
  const sessionDocs = new EpochCache<{ docs: string[]; userId?: string }>(size, ttl, clock, epochs);
  const mergedTags = new WeakMap<Principal, { base: Record<string, string>; session: Record<string, string>; merged: Record<string, string> }>();
  const lastUseWrites = new Map<string, number>();
  const lastUsedInterval = deps.lastUsedIntervalMs ?? 5 * 60_000;

  function unseal(sealed: string, aad: string): string | undefined {
    try {
      return sealer.unsealString(sealed, aad).toString("utf8");
    } catch {
      // Altered record or wrong root key: the credential is unusable, never a crash.
      return undefined;
    }
  }

  async function loadUserKey(accessKeyId: string): Promise<{ value: ResolvedCredential; accountId: string } | undefined> {
    const idx = await store.get<AccessKeyIndexDoc>(COLLECTIONS.accessKeyIndex, accessKeyId);
    if (!idx) return undefined;
    const [key, user] = await Promise.all([
      store.get<AccessKeyDoc>(COLLECTIONS.accessKeys, `${idx.accountId}/${idx.userId}/${accessKeyId}`),
      users.byId(store, idx.accountId, idx.userId),
    ]);
    if (!key || !user) return undefined;
    const secret = unseal(key.sealedSecret, accessKeyAad(accessKeyId));
    if (secret === undefined) return undefined;
    const principal: Principal = {
      type: "IAMUser",
      accountId: user.accountId,
      arn: userArn(user.accountId, user.path, user.userName),
      principalId: user.userId,
      accessKeyId,
      name: user.userName,
    };
    return { value: { secretAccessKey: secret, principal, active: key.status === "Active" }, accountId: user.accountId };
  }

  /**
   * The root user's `name` is the account alias, when one is set: CloudTrail names the root user
   * by it (userIdentity.userName of type Root, "CloudTrail userIdentity element"). Alias writes
   * invalidate the account's cached identities like every IAM write.
   */
  async function rootName(accountId: string): Promise<{ name: string } | Record<string, never>> {
    const aliases = await store.list<AccountAliasDoc>(COLLECTIONS.accountAliases, { prefix: `${accountId}/` });
    const alias = aliases[0]?.value.alias;
    return alias !== undefined ? { name: alias } : {};
  }

  async function loadRootKey(accessKeyId: string): Promise<{ value: ResolvedCredential; accountId: string } | undefined> {
    const doc = await store.get<RootAccessKeyDoc>(COLLECTIONS.rootAccessKeys, accessKeyId);
    if (!doc) return undefined;
    const secret = unseal(doc.sealedSecret, rootAccessKeyAad(accessKeyId));
    if (secret === undefined) return undefined;
    const principal: Principal = { type: "Root", accountId: doc.accountId, arn: rootArn(doc.accountId), principalId: doc.accountId, accessKeyId, ...(await rootName(doc.accountId)) };
    return { value: { secretAccessKey: secret, principal, active: doc.status !== "Inactive" }, accountId: doc.accountId };
  }

  async function loadSession(accessKeyId: string): Promise<{ value: ResolvedCredential; accountId: string } | undefined> {
    const s = await store.get<SessionRecord>(COLLECTIONS.stsSessions, accessKeyId);
    if (!s) return undefined;
    const secret = unseal(s.sealedSecret, sessionSecretAad(accessKeyId));
    if (secret === undefined) return undefined;
    const acct = s.accountId;
    const common: Partial<SessionPrincipal> = {
      accessKeyId,
      sessionIssuedAt: s.issuedAt,
      sessionExpiresAt: s.expiresAt,
      ...(s.sessionPolicy !== undefined ? { sessionPolicy: s.sessionPolicy } : {}),
      ...(s.sessionPolicyArns !== undefined && s.sessionPolicyArns.length > 0 ? { sessionPolicyArns: s.sessionPolicyArns } : {}),
      ...(s.scopeDownPolicies !== undefined && s.scopeDownPolicies.length > 0 ? { scopeDownPolicies: s.scopeDownPolicies } : {}),
      ...(s.sessionTags !== undefined ? { sessionTags: s.sessionTags } : {}),
      ...(s.transitiveTagKeys !== undefined && s.transitiveTagKeys.length > 0 ? { transitiveTagKeys: s.transitiveTagKeys } : {}),
      ...(s.federatedProvider !== undefined ? { federatedProvider: s.federatedProvider } : {}),
      // Web identity and SAML sessions: the provider's keys, read by principalContext().
      ...(s.identityProviderKeys !== undefined ? { identityProviderKeys: Object.freeze(s.identityProviderKeys) } : {}),
      ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
      ...(s.mfaAuthenticated === true ? { mfaAuthenticated: true, ...(s.mfaAuthenticatedAt !== undefined ? { mfaAuthenticatedAt: s.mfaAuthenticatedAt } : {}) } : {}),
    };
    let principal: SessionPrincipal;
    if (s.kind === "AssumedRole") {
      // Sessions are bound to the role's unique id: a role deleted (and perhaps re-created
      // under the same name) revokes them.
      const role = s.roleId !== undefined ? await roles.byId(store, acct, s.roleId) : undefined;
      if (!role || s.sessionName === undefined) return undefined;
      principal = {
        ...common,
        type: "AssumedRole",
        accountId: acct,
        arn: arn("sts", "", acct, `assumed-role/${role.roleName}/${s.sessionName}`),
        principalId: `${role.roleId}:${s.sessionName}`,
        accessKeyId,
        name: role.roleName,
        roleArn: s.roleArn ?? roleArn(acct, role.path, role.roleName),
        roleId: role.roleId,
        ...(role.linkedService !== undefined ? { serviceLinkedRole: true } : {}),
        sessionName: s.sessionName,
      };
    } else if (s.kind === "AssumedRoot") {
      // A member account's root, limited by the task policy (its session policy).
      principal = { ...common, type: "Root", accountId: acct, arn: rootArn(acct), principalId: acct, accessKeyId, assumedRoot: true, ...(await rootName(acct)) };
    } else if (s.kind === "SessionToken" && s.isRoot === true) {
      principal = { ...common, type: "Root", accountId: acct, arn: rootArn(acct), principalId: acct, accessKeyId, isSessionToken: true, ...(await rootName(acct)) };
    } else if (s.kind === "FederatedUser" && s.isRoot === true) {
      if (s.sessionName === undefined) return undefined;
      principal = federated(common, acct, accessKeyId, s.sessionName, rootArn(acct), acct);
    } else {
      const user = s.userId !== undefined ? await users.byId(store, acct, s.userId) : undefined;
      if (!user) return undefined;
      if (s.kind === "SessionToken") {
        principal = {
          ...common,
          type: "IAMUser",
          accountId: acct,
          arn: userArn(acct, user.path, user.userName),
          principalId: user.userId,
          accessKeyId,
          name: user.userName,
          isSessionToken: true,
        };
      } else {
        // Bound to the issuing user's unique id: a user deleted (or re-created) revokes them.
        principal = federated(common, acct, accessKeyId, s.sessionName ?? user.userName, userArn(acct, user.path, user.userName), user.userId);
      }
    }
    return { value: { secretAccessKey: secret, principal, active: true, sessionToken: s.sessionTokenHash, expiresAt: s.expiresAt }, accountId: acct };
  }

  /** A GetFederationToken session; the issuer (IAM user or root) is what CloudTrail names as session issuer. */
  function federated(common: Partial<Principal>, acct: string, accessKeyId: string, name: string, issuerArn: string, issuerId: string): Principal {
    return {
      ...common,
      type: "FederatedUser",
      accountId: acct,
      arn: arn("sts", "", acct, `federated-user/${name}`),
      principalId: `${acct}:${name}`,
      accessKeyId,
      name,
      roleArn: issuerArn,
      roleId: issuerId,
    };
  }

  async function managedDocument(accountId: string, arn: string): Promise<string | undefined> {
    const p = await resolvePolicy(store, accountId, arn);
    return p?.defaultDocument;
  }

  async function attachedDocs(accountId: string, arns: readonly string[], into: string[]): Promise<void> {
    const docs = await Promise.all(arns.map((arn) => managedDocument(accountId, arn)));
    for (const d of docs) if (d !== undefined) into.push(d);
  }

  function userPolicies(accountId: string, userId: string): Promise<EntityPolicies | undefined> {
    return entities.load(`u/${accountId}/${userId}`, async () => {
      const u = await users.byId(store, accountId, userId);
      if (!u) return { value: NO_POLICIES, accountId };
      const identity: string[] = u.inlinePolicies.map((p) => p.document);
      await attachedDocs(accountId, u.attachedPolicyArns, identity);
      for (const groupId of u.groupIds) {
        const g = await groups.byId(store, accountId, groupId);
        if (!g) continue;
        for (const p of g.inlinePolicies) identity.push(p.document);
        await attachedDocs(accountId, g.attachedPolicyArns, identity);
      }
      const boundary = u.permissionsBoundaryArn !== undefined ? await managedDocument(accountId, u.permissionsBoundaryArn) : undefined;
      return { value: entityPolicies(identity, boundary, tagMap(u.tags)), accountId };
    });
  }

  function rolePolicies(accountId: string, roleId: string): Promise<EntityPolicies | undefined> {
    return entities.load(`r/${accountId}/${roleId}`, async () => {
      const r = await roles.byId(store, accountId, roleId);
      if (!r) return { value: NO_POLICIES, accountId };
      const identity: string[] = r.inlinePolicies.map((p) => p.document);
      await attachedDocs(accountId, r.attachedPolicyArns, identity);
      const boundary = r.permissionsBoundaryArn !== undefined ? await managedDocument(accountId, r.permissionsBoundaryArn) : undefined;
      return { value: entityPolicies(identity, boundary, tagMap(r.tags)), accountId };
    });
  }

  /** Inline + managed session policies of a temporary credential (and, for federation, the issuing user). */
  function sessionPolicies(p: Principal): Promise<{ docs: string[]; userId?: string; isRoot?: boolean } | undefined> {
    return sessionDocs.load(`s/${p.accessKeyId}`, async () => {
      const docs: string[] = [];
      if (p.sessionPolicy !== undefined) docs.push(p.sessionPolicy);
      await attachedDocs(p.accountId, p.sessionPolicyArns ?? [], docs);
      let userId: string | undefined;
      let isRoot = false;
      if (p.type === "FederatedUser") {
        const s = await store.get<SessionRecord>(COLLECTIONS.stsSessions, p.accessKeyId);
        userId = s?.userId;
        isRoot = s?.isRoot === true;
      }
      return { value: { docs, ...(userId !== undefined ? { userId } : {}), ...(isRoot ? { isRoot } : {}) }, accountId: p.accountId };
    });
  }

  function hasSessionPolicies(p: Principal): boolean {
    return p.sessionPolicy !== undefined || (p.sessionPolicyArns !== undefined && p.sessionPolicyArns.length > 0);
  }

  /** The principal's policies without its scope-down levels. */
  async function basePolicies(principal: Principal): Promise<PrincipalPolicies> {
    switch (principal.type) {
      case "IAMUser":
        return withoutTags(await userPolicies(principal.accountId, principal.principalId));
      case "AssumedRole": {
        if (principal.roleId === undefined) return { identity: [] };
        const base = withoutTags(await rolePolicies(principal.accountId, principal.roleId));
        // Session policies only restrict when some were passed: an empty list would deny everything.
        if (!hasSessionPolicies(principal)) return base;
        const s = await sessionPolicies(principal);
        return { ...base, session: s?.docs ?? [] };
      }
      case "FederatedUser": {
        // GetFederationToken: the user's permissions intersected with the session policies
        // (none passed means no permissions, as in AWS).
        const s = await sessionPolicies(principal);
        if (s?.userId === undefined) return { identity: [], session: [] };
        // Issued by the root user: the root's own permissions (everything in its account).
        if (s.isRoot === true) return { identity: [ROOT_PERMISSIONS], session: s.docs };
        const base = withoutTags(await userPolicies(principal.accountId, s.userId));
        return { ...base, session: s.docs };
      }
      default: {
        // Root: the authoriser grants the account's root everything in its own account; a root
        // session from AssumeRoot is limited by its task policy.
        if (!hasSessionPolicies(principal)) return { identity: [] };
        const s = await sessionPolicies(principal);
        return { identity: [], session: s?.docs ?? [] };
      }
    }
  }

  /**
   * The user's or role's tags with the session's tags over them (same key in any case).
   * Remembered per principal object (the cached credential's) and the tag maps it was built from,
   * so a request whose tags are unchanged gets the same frozen map back, and with it the
   * authoriser's cached principal keys.
   */
  function withSessionTags(p: Principal, base: Record<string, string>): Record<string, string> {
    const session = p.sessionTags;
    if (session === undefined) return base;
    const hit = mergedTags.get(p);
    if (hit !== undefined && hit.base === base && hit.session === session) return hit.merged;
    const merged = Object.freeze(overrideTags(base, session));
    mergedTags.set(p, { base, session, merged });
    return merged;
  }

  function withoutTags(e: EntityPolicies | undefined): PrincipalPolicies {
    return (e ?? NO_POLICIES).policies;
  }

  function withScopeDown(principal: Principal, pols: PrincipalPolicies): PrincipalPolicies {
    return principal.scopeDownPolicies !== undefined ? { ...pols, scopeDown: principal.scopeDownPolicies } : pols;
  }

  return {
    async resolveAccessKey(accessKeyId: string): Promise<ResolvedCredential | undefined> {
      return credentials.load(`k/${accessKeyId}`, async () => {
        if (accessKeyId.startsWith("ASIA")) return loadSession(accessKeyId);
        return (await loadUserKey(accessKeyId)) ?? (await loadRootKey(accessKeyId));
      });
    },

    async policiesFor(principal: Principal): Promise<PrincipalPolicies> {
      return withScopeDown(principal, await basePolicies(principal));
    },

    cachedAccessKey(accessKeyId: string): ResolvedCredential | undefined {
      return credentials.get(`k/${accessKeyId}`);
    },

    // basePolicies' answer for users and for roles without session policies, from the cache alone.
    cachedPolicies(principal: Principal): PrincipalPolicies | undefined {
      let e: EntityPolicies | undefined;
      if (principal.type === "IAMUser") e = entities.get(`u/${principal.accountId}/${principal.principalId}`);
      else if (principal.type === "AssumedRole" && principal.roleId !== undefined && !hasSessionPolicies(principal)) {
        e = entities.get(`r/${principal.accountId}/${principal.roleId}`);
      }
      return e === undefined ? undefined : withScopeDown(principal, e.policies);
    },

    async principalTags(principal: Principal): Promise<Record<string, string>> {
      switch (principal.type) {
        case "IAMUser":
          return (await userPolicies(principal.accountId, principal.principalId))?.tags ?? {};
        case "AssumedRole": {
          const roleTags = principal.roleId !== undefined ? ((await rolePolicies(principal.accountId, principal.roleId))?.tags ?? NO_TAGS) : NO_TAGS;
          return withSessionTags(principal, roleTags);
        }
        case "FederatedUser": {
          // GetFederationToken: "the session's principal tags include the user's tags and the
          // passed session tags" (id_session-tags). The issuer's id is the user's (the account id
          // for a session of the root user, which has no tags).
          const issuer = principal.roleId;
          const userTags = issuer !== undefined && issuer !== principal.accountId ? ((await userPolicies(principal.accountId, issuer))?.tags ?? NO_TAGS) : NO_TAGS;
          return withSessionTags(principal, userTags);
        }
        default:
          return {};
      }
    },

    invalidateAccount(accountId: string): void {
      epochs.bump(accountId);
    },

    noteAccessKeyUsed(accessKeyId: string, region: string, service: string, principal?: Principal): void {
      if (principal?.type === "AssumedRole" && principal.roleId !== undefined && deps.recordRoleUse) {
        const now = clock.now();
        const roleKey = `role/${principal.accountId}/${principal.roleId}`;
        const last = lastUseWrites.get(roleKey);
        if (last === undefined || now - last >= lastUsedInterval) {
          if (lastUseWrites.size >= size) lastUseWrites.clear();
          lastUseWrites.set(roleKey, now);
          deps.recordRoleUse(principal.accountId, principal.roleId, { date: now, region }).catch(() => {
            // Best effort, as for access keys.
          });
        }
      }
      if (!deps.recordUse || accessKeyId.startsWith("ASIA")) return;
      const now = clock.now();
      const last = lastUseWrites.get(accessKeyId);
      if (last !== undefined && now - last < lastUsedInterval) return;
      if (lastUseWrites.size >= size) lastUseWrites.clear();
      lastUseWrites.set(accessKeyId, now);
      deps.recordUse(accessKeyId, { date: now, region, service }).catch(() => {
        // Best effort: last-used data must never fail or slow a request.
      });
    },
  };
}
