/**
 * Storage access for IAM's named entities: documents keyed `<accountId>/<id>` plus a
 * case-insensitive name index keyed `<accountId>/<lower-case name>` (IAM names are unique
 * regardless of case). Every function takes the DocStore to use, so it works both on the
 * store and inside a transaction.
 */
import type { DocStore } from "../../storage/types.js";
import { quotaExceeded } from "./errors.js";
import {
  COLLECTIONS,
  QUOTAS,
  type AttachedEntityKind,
  type GroupDoc,
  type InstanceProfileDoc,
  type ManagedPolicyDoc,
  type NameIndexDoc,
  type PolicyUseDoc,
  type RoleDoc,
  type ServerCertificateDoc,
  type UserDoc,
} from "./model.js";

type EntityKind = "user" | "group" | "role" | "instanceProfile" | "policy" | "serverCertificate";

const COLLS: Record<EntityKind, { docs: string; names: string }> = {
  user: { docs: COLLECTIONS.users, names: COLLECTIONS.userNames },
  group: { docs: COLLECTIONS.groups, names: COLLECTIONS.groupNames },
  role: { docs: COLLECTIONS.roles, names: COLLECTIONS.roleNames },
  instanceProfile: { docs: COLLECTIONS.instanceProfiles, names: COLLECTIONS.instanceProfileNames },
  policy: { docs: COLLECTIONS.policies, names: COLLECTIONS.policyNames },
  serverCertificate: { docs: COLLECTIONS.serverCertificates, names: COLLECTIONS.serverCertificateNames },
};

/**
 * The account quotas GetAccountSummary reports (UsersQuota, GroupsQuota, RolesQuota,
 * PoliciesQuota, InstanceProfilesQuota): decided by `insert` inside the creating transaction,
 * so parallel creates cannot pass them together.
 */
const ACCOUNT_QUOTAS: Partial<Record<EntityKind, { name: string; value: number }>> = {
  user: { name: "UsersPerAccount", value: QUOTAS.usersPerAccount },
  group: { name: "GroupsPerAccount", value: QUOTAS.groupsPerAccount },
  role: { name: "RolesPerAccount", value: QUOTAS.rolesPerAccount },
  instanceProfile: { name: "InstanceProfilesPerAccount", value: QUOTAS.instanceProfilesPerAccount },
  policy: { name: "PoliciesPerAccount", value: QUOTAS.customerManagedPoliciesPerAccount },
};

export function nameKey(accountId: string, name: string): string {
  return `${accountId}/${name.toLowerCase()}`;
}

export function idKey(accountId: string, id: string): string {
  return `${accountId}/${id}`;
}

async function byName<T>(db: DocStore, kind: EntityKind, accountId: string, name: string): Promise<T | undefined> {
  const c = COLLS[kind];
  const idx = await db.get<NameIndexDoc>(c.names, nameKey(accountId, name));
  if (!idx) return undefined;
  return db.get<T>(c.docs, idKey(accountId, idx.id));
}

/**
 * Inserts the name index entry first; false when the name is taken (in any case), LimitExceeded
 * (and nothing written) when the account already holds its quota of the kind.
 */
async function insert<T>(db: DocStore, kind: EntityKind, accountId: string, entry: NameIndexDoc, doc: T): Promise<boolean> {
  const c = COLLS[kind];
  const key = nameKey(accountId, entry.name);
  if (!(await db.putIfAbsent<NameIndexDoc>(c.names, key, entry))) return false;
  const quota = ACCOUNT_QUOTAS[kind];
  if (quota && (await db.count(c.docs, `${accountId}/`)) >= quota.value) {
    await db.delete(c.names, key);
    throw quotaExceeded(quota.name, quota.value);
  }
  await db.put<T>(c.docs, idKey(accountId, entry.id), doc);
  return true;
}

/**
 * Moves an entity's name index entry to `entry` (a rename and/or new path): false, and no
 * change, when the new name is taken by another entity (in any case).
 */
async function reindex(db: DocStore, kind: EntityKind, accountId: string, oldName: string, entry: NameIndexDoc): Promise<boolean> {
  const c = COLLS[kind];
  const newKey = nameKey(accountId, entry.name);
  const oldKey = nameKey(accountId, oldName);
  if (newKey === oldKey) {
    await db.put<NameIndexDoc>(c.names, newKey, entry);
    return true;
  }
  if (!(await db.putIfAbsent<NameIndexDoc>(c.names, newKey, entry))) return false;
  await db.delete(c.names, oldKey);
  return true;
}

async function remove(db: DocStore, kind: EntityKind, accountId: string, id: string, name: string): Promise<void> {
  const c = COLLS[kind];
  await db.delete(c.names, nameKey(accountId, name));
  await db.delete(c.docs, idKey(accountId, id));
}

export const users = {
  byName: (db: DocStore, accountId: string, name: string) => byName<UserDoc>(db, "user", accountId, name),
  byId: (db: DocStore, accountId: string, id: string) => db.get<UserDoc>(COLLECTIONS.users, idKey(accountId, id)),
  insert: (db: DocStore, u: UserDoc) => insert(db, "user", u.accountId, { id: u.userId, name: u.userName, path: u.path }, u),
  save: (db: DocStore, u: UserDoc) => db.put<UserDoc>(COLLECTIONS.users, idKey(u.accountId, u.userId), u),
  /** Keeps the name index in step with a renamed or moved user; false when the new name is taken. */
  reindex: (db: DocStore, oldName: string, u: UserDoc) => reindex(db, "user", u.accountId, oldName, { id: u.userId, name: u.userName, path: u.path }),
  remove: (db: DocStore, u: UserDoc) => remove(db, "user", u.accountId, u.userId, u.userName),
};

export const groups = {
  byName: (db: DocStore, accountId: string, name: string) => byName<GroupDoc>(db, "group", accountId, name),
  byId: (db: DocStore, accountId: string, id: string) => db.get<GroupDoc>(COLLECTIONS.groups, idKey(accountId, id)),
  insert: (db: DocStore, g: GroupDoc) => insert(db, "group", g.accountId, { id: g.groupId, name: g.groupName, path: g.path }, g),
  save: (db: DocStore, g: GroupDoc) => db.put<GroupDoc>(COLLECTIONS.groups, idKey(g.accountId, g.groupId), g),
  reindex: (db: DocStore, oldName: string, g: GroupDoc) => reindex(db, "group", g.accountId, oldName, { id: g.groupId, name: g.groupName, path: g.path }),
  remove: (db: DocStore, g: GroupDoc) => remove(db, "group", g.accountId, g.groupId, g.groupName),
};

export const roles = {
  byName: (db: DocStore, accountId: string, name: string) => byName<RoleDoc>(db, "role", accountId, name),
  byId: (db: DocStore, accountId: string, id: string) => db.get<RoleDoc>(COLLECTIONS.roles, idKey(accountId, id)),
  insert: (db: DocStore, r: RoleDoc) => insert(db, "role", r.accountId, { id: r.roleId, name: r.roleName, path: r.path }, r),
  save: (db: DocStore, r: RoleDoc) => db.put<RoleDoc>(COLLECTIONS.roles, idKey(r.accountId, r.roleId), r),
  remove: (db: DocStore, r: RoleDoc) => remove(db, "role", r.accountId, r.roleId, r.roleName),
};

export const instanceProfiles = {
  byName: (db: DocStore, accountId: string, name: string) => byName<InstanceProfileDoc>(db, "instanceProfile", accountId, name),
  byId: (db: DocStore, accountId: string, id: string) => db.get<InstanceProfileDoc>(COLLECTIONS.instanceProfiles, idKey(accountId, id)),
  insert: (db: DocStore, p: InstanceProfileDoc) =>
    insert(db, "instanceProfile", p.accountId, { id: p.instanceProfileId, name: p.instanceProfileName, path: p.path }, p),
  save: (db: DocStore, p: InstanceProfileDoc) => db.put<InstanceProfileDoc>(COLLECTIONS.instanceProfiles, idKey(p.accountId, p.instanceProfileId), p),
  remove: (db: DocStore, p: InstanceProfileDoc) => remove(db, "instanceProfile", p.accountId, p.instanceProfileId, p.instanceProfileName),
};

/**
 * Which instance profiles hold a role: `<accountId>/<roleId>/<lower-case profile name>`, so
 * ListInstanceProfilesForRole pages in name order and DeleteRole finds a use in one read.
 */
export const roleProfiles = {
  prefix: (accountId: string, roleId: string) => `${accountId}/${roleId}/`,
  key: (accountId: string, roleId: string, profileName: string) => `${accountId}/${roleId}/${profileName.toLowerCase()}`,
  add: (db: DocStore, roleId: string, p: InstanceProfileDoc) =>
    db.put<NameIndexDoc>(COLLECTIONS.roleInstanceProfiles, roleProfiles.key(p.accountId, roleId, p.instanceProfileName), {
      id: p.instanceProfileId,
      name: p.instanceProfileName,
      path: p.path,
    }),
  remove: (db: DocStore, roleId: string, p: InstanceProfileDoc) =>
    db.delete(COLLECTIONS.roleInstanceProfiles, roleProfiles.key(p.accountId, roleId, p.instanceProfileName)),
  any: async (db: DocStore, accountId: string, roleId: string) =>
    (await db.list<NameIndexDoc>(COLLECTIONS.roleInstanceProfiles, { prefix: roleProfiles.prefix(accountId, roleId), limit: 1 })).length > 0,
  all: async (db: DocStore, accountId: string, roleId: string) =>
    (await db.list<NameIndexDoc>(COLLECTIONS.roleInstanceProfiles, { prefix: roleProfiles.prefix(accountId, roleId) })).map((e) => e.value),
};

export const policies = {
  byName: (db: DocStore, accountId: string, name: string) => byName<ManagedPolicyDoc>(db, "policy", accountId, name),
  insert: (db: DocStore, p: ManagedPolicyDoc) => insert(db, "policy", p.accountId, { id: p.policyId, name: p.policyName, path: p.path }, p),
  save: (db: DocStore, p: ManagedPolicyDoc) => db.put<ManagedPolicyDoc>(COLLECTIONS.policies, idKey(p.accountId, p.policyId), p),
  remove: (db: DocStore, p: ManagedPolicyDoc) => remove(db, "policy", p.accountId, p.policyId, p.policyName),
};

export const serverCertificates = {
  byName: (db: DocStore, accountId: string, name: string) => byName<ServerCertificateDoc>(db, "serverCertificate", accountId, name),
  byId: (db: DocStore, accountId: string, id: string) => db.get<ServerCertificateDoc>(COLLECTIONS.serverCertificates, idKey(accountId, id)),
  insert: (db: DocStore, c: ServerCertificateDoc) =>
    insert(db, "serverCertificate", c.accountId, { id: c.serverCertificateId, name: c.name, path: c.path }, c),
  save: (db: DocStore, c: ServerCertificateDoc) => db.put<ServerCertificateDoc>(COLLECTIONS.serverCertificates, idKey(c.accountId, c.serverCertificateId), c),
  reindex: (db: DocStore, oldName: string, c: ServerCertificateDoc) =>
    reindex(db, "serverCertificate", c.accountId, oldName, { id: c.serverCertificateId, name: c.name, path: c.path }),
  remove: (db: DocStore, c: ServerCertificateDoc) => remove(db, "serverCertificate", c.accountId, c.serverCertificateId, c.name),
};

/** Group membership: `<accountId>/<groupId>/<userId>`. */
export const members = {
  key: (accountId: string, groupId: string, userId: string) => `${accountId}/${groupId}/${userId}`,
  prefix: (accountId: string, groupId: string) => `${accountId}/${groupId}/`,
};

const KIND_CODE: Record<AttachedEntityKind, string> = { User: "U", Group: "G", Role: "R" };

/**
 * Who uses a managed policy in an account, as an attachment or as a permissions boundary:
 * `<accountId>/<policyId>/<U|G|R>/<entityId>`. Counts and ListEntitiesForPolicy read it.
 */
export const policyUses = {
  key: (accountId: string, policyId: string, kind: AttachedEntityKind, entityId: string) =>
    `${accountId}/${policyId}/${KIND_CODE[kind]}/${entityId}`,
  prefix: (accountId: string, policyId: string) => `${accountId}/${policyId}/`,
  add: (db: DocStore, collection: string, accountId: string, policyId: string, kind: AttachedEntityKind, entityId: string) =>
    db.put<PolicyUseDoc>(collection, policyUses.key(accountId, policyId, kind, entityId), { kind, id: entityId }),
  remove: (db: DocStore, collection: string, accountId: string, policyId: string, kind: AttachedEntityKind, entityId: string) =>
    db.delete(collection, policyUses.key(accountId, policyId, kind, entityId)),
};
