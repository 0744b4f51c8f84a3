/** Stored documents rendered as the IAM API's output structures. */
import type { AttachedPermissionsBoundary, Group, InstanceProfile, Policy, Role, RoleLastUsed, Tag, User } from "@aws-sdk/client-iam";
import { groupArn, instanceProfileArn, roleArn, userArn } from "./arn.js";
import type { AwsManagedPolicy } from "./aws-managed-policies.js";
import { encodeDocument } from "./documents.js";
import type { GroupDoc, InstanceProfileDoc, ManagedPolicyDoc, RoleDoc, TagDoc, UserDoc } from "./model.js";
import { sortedTags } from "./tags.js";

export function boundaryView(arn: string | undefined): AttachedPermissionsBoundary | undefined {
  if (arn === undefined) return undefined;
  // IAM reports the usage type as "Policy" (the model's enum name, not its value).
  return { PermissionsBoundaryType: "Policy" as AttachedPermissionsBoundary["PermissionsBoundaryType"], PermissionsBoundaryArn: arn };
}

function tagsView(tags: readonly TagDoc[]): Tag[] {
  return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}

/** `detail`: Get/Create show boundary and tags (when present); List does not. */
export function userView(u: UserDoc, detail: boolean): User {
  const out: User = { Path: u.path, UserName: u.userName, UserId: u.userId, Arn: userArn(u.accountId, u.path, u.userName), CreateDate: new Date(u.createDate) };
  if (detail) {
    const b = boundaryView(u.permissionsBoundaryArn);
    if (b) out.PermissionsBoundary = b;
    if (u.tags.length > 0) out.Tags = tagsView(sortedTags(u.tags));
  }
  return out;
}

export function groupView(g: GroupDoc): Group {
  return { Path: g.path, GroupName: g.groupName, GroupId: g.groupId, Arn: groupArn(g.accountId, g.path, g.groupName), CreateDate: new Date(g.createDate) };
}

/**
 * How much of a role each operation returns (as recorded from IAM): CreateRole and
 * UpdateRoleDescription omit MaxSessionDuration and RoleLastUsed (a description, when the role
 * has one, is always shown); ListRoles omits tags, boundary and RoleLastUsed.
 */
export type RoleViewMode = "create" | "get" | "list";

export function roleView(r: RoleDoc, mode: RoleViewMode, createTags?: readonly TagDoc[]): Role {
  const out: Role = {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: roleArn(r.accountId, r.path, r.roleName),
    CreateDate: new Date(r.createDate),
    AssumeRolePolicyDocument: encodeDocument(r.assumeRolePolicyDocument),
  };
  if (r.description !== undefined) out.Description = r.description;
  if (mode !== "create") out.MaxSessionDuration = r.maxSessionDuration;
  if (r.maxSigninSessionDuration !== undefined) out.MaxSigninSessionDuration = r.maxSigninSessionDuration;
  if (mode !== "list") {
    const b = boundaryView(r.permissionsBoundaryArn);
    if (b) out.PermissionsBoundary = b;
  }
  if (mode === "create" && createTags && createTags.length > 0) out.Tags = tagsView(createTags);
  if (mode === "get") {
    if (r.tags.length > 0) out.Tags = tagsView(sortedTags(r.tags));
    out.RoleLastUsed = roleLastUsedView(r);
  }
  return out;
}

/** RoleLastUsed: empty until the role's session credentials are used. */
export function roleLastUsedView(r: RoleDoc): RoleLastUsed {
  return r.lastUsed ? { LastUsedDate: new Date(r.lastUsed.date), Region: r.lastUsed.region } : {};
}

/** A role as instance profiles embed it: identity, creation date and trust policy only. */
export function embeddedRoleView(r: RoleDoc): Role {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: roleArn(r.accountId, r.path, r.roleName),
    CreateDate: new Date(r.createDate),
    AssumeRolePolicyDocument: encodeDocument(r.assumeRolePolicyDocument),
  };
}

/**
 * `mode`: "create" shows the tags the request set, "get" the stored tags (when any); the
 * list operations show none (IAM's listings omit tags).
 */
export function instanceProfileView(p: InstanceProfileDoc, roles: readonly RoleDoc[], mode: "create" | "get" | "list"): InstanceProfile {
  const out: InstanceProfile = {
    Path: p.path,
    InstanceProfileName: p.instanceProfileName,
    InstanceProfileId: p.instanceProfileId,
    Arn: instanceProfileArn(p.accountId, p.path, p.instanceProfileName),
    CreateDate: new Date(p.createDate),
    Roles: roles.map(embeddedRoleView),
  };
  if (mode === "create" && p.tags.length > 0) out.Tags = tagsView(p.tags);
  if (mode === "get" && p.tags.length > 0) out.Tags = tagsView(sortedTags(p.tags));
  return out;
}

export interface PolicyCounts {
  attachments: number;
  boundaries: number;
}

/**
 * `mode`: "get" adds Description and Tags (always, possibly empty); "create" the description and
 * tags the request set; "list" shows neither (the Policy data type: not in ListPolicies).
 */
export function localPolicyView(p: ManagedPolicyDoc, counts: PolicyCounts, mode: "create" | "get" | "list", createTags?: readonly TagDoc[]): Policy {
  const out: Policy = {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: counts.attachments,
    PermissionsBoundaryUsageCount: counts.boundaries,
    IsAttachable: true,
    CreateDate: new Date(p.createDate),
    UpdateDate: new Date(p.updateDate),
  };
  if (mode === "get") {
    if (p.description !== undefined) out.Description = p.description;
    out.Tags = tagsView(sortedTags(p.tags));
  }
  if (mode === "create" && p.description !== undefined) out.Description = p.description;
  if (mode === "create" && createTags && createTags.length > 0) out.Tags = tagsView(createTags);
  return out;
}

export function awsPolicyView(p: AwsManagedPolicy, counts: PolicyCounts, mode: "get" | "list"): Policy {
  const out: Policy = {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: counts.attachments,
    PermissionsBoundaryUsageCount: counts.boundaries,
    IsAttachable: p.isAttachable,
    CreateDate: new Date(p.createDate),
    UpdateDate: new Date(p.updateDate),
  };
  if (mode === "get") {
    // A published policy whose description the data does not carry has none.
    if (p.description !== "") out.Description = p.description;
    out.Tags = [];
  }
  return out;
}
