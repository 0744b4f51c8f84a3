/**
 * GetAccountAuthorizationDetails: a snapshot of the account's users, groups, roles and
 * managed policies with their policies, for auditors. Built in memory and paginated.
 */
import type {
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from "@aws-sdk/client-iam";
import { groupArn, parseEntityArn, roleArn, userArn } from "./arn.js";
import { awsManagedPolicies } from "./aws-managed-policies.js";
import { encodeDocument } from "./documents.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError } from "./errors.js";
import { instanceProfileRoles, instanceProfilesOfRole } from "./instance-profiles.js";
import { COLLECTIONS, type GroupDoc, type InlinePolicyDoc, type ManagedPolicyDoc, type RoleDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { accountPolicyCounts } from "./policy-lookup.js";
import { effectiveTrustPolicy } from "./trust-principals.js";
import { boundaryView, instanceProfileView, roleLastUsedView, type PolicyCounts } from "./views.js";
import { sortedTags } from "./tags.js";
import { checkMarker, checkMaxItems, validateMembers } from "./validation.js";

const FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;
type Filter = (typeof FILTERS)[number];

type Row =
  | { key: string; kind: "user"; detail: UserDetail }
  | { key: string; kind: "group"; detail: GroupDetail }
  | { key: string; kind: "role"; detail: RoleDetail }
  | { key: string; kind: "policy"; detail: ManagedPolicyDetail };

function inlineView(list: readonly InlinePolicyDoc[]): Array<{ PolicyName: string; PolicyDocument: string }> {
  return list.map((p) => ({ PolicyName: p.name, PolicyDocument: encodeDocument(p.document) }));
}

function attachedView(arns: readonly string[]): Array<{ PolicyName: string; PolicyArn: string }> {
  return arns.map((arn) => ({ PolicyName: parseEntityArn(arn, "policy")?.name ?? "", PolicyArn: arn }));
}

async function instanceProfileList(env: IamEnv, r: RoleDoc): Promise<NonNullable<RoleDetail["InstanceProfileList"]>> {
  const profiles = await instanceProfilesOfRole(env.store, r);
  return Promise.all(profiles.map(async (p) => instanceProfileView(p, await instanceProfileRoles(env.store, p), "get")));
}

async function all<T>(env: IamEnv, collection: string, accountId: string): Promise<T[]> {
  return (await env.store.list<T>(collection, { prefix: `${accountId}/` })).map((e) => e.value);
}

export async function getAccountAuthorizationDetails(
  env: IamEnv,
  caller: Caller,
  input: GetAccountAuthorizationDetailsRequest,
): Promise<GetAccountAuthorizationDetailsResponse> {
  const filter = input.Filter ?? [];
  for (const f of filter) {
    if (!(FILTERS as readonly string[]).includes(f)) throw constraintError("filter", `Member must satisfy constraint: [Member must satisfy enum value set: [${FILTERS.join(", ")}]]`, filter);
  }
  const wants = (f: Filter) => filter.length === 0 || (filter as string[]).includes(f);
  const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "GetAccountAuthorizationDetails", "*");
  const acct = caller.accountId;
  const rows: Row[] = [];
  const groupDocs = await all<GroupDoc>(env, COLLECTIONS.groups, acct);
  const groupNames = new Map(groupDocs.map((g) => [g.groupId, g.groupName]));

  if (wants("User")) {
    for (const u of await all<UserDoc>(env, COLLECTIONS.users, acct)) {
      const detail: UserDetail = {
        Path: u.path,
        UserName: u.userName,
        UserId: u.userId,
        Arn: userArn(acct, u.path, u.userName),
        CreateDate: new Date(u.createDate),
        // A user without inline policies has no UserPolicyList (groups and roles do show an empty list).
        ...(u.inlinePolicies.length > 0 ? { UserPolicyList: inlineView(u.inlinePolicies) } : {}),
        GroupList: u.groupIds.map((id) => groupNames.get(id)).filter((n): n is string => n !== undefined),
        AttachedManagedPolicies: attachedView(u.attachedPolicyArns),
        Tags: sortedTags(u.tags),
      };
      const b = boundaryView(u.permissionsBoundaryArn);
      if (b) detail.PermissionsBoundary = b;
      rows.push({ key: `1/${u.userName.toLowerCase()}`, kind: "user", detail });
    }
  }
  if (wants("Group")) {
    for (const g of groupDocs) {
      rows.push({
        key: `2/${g.groupName.toLowerCase()}`,
        kind: "group",
        detail: {
          Path: g.path,
          GroupName: g.groupName,
          GroupId: g.groupId,
          Arn: groupArn(acct, g.path, g.groupName),
          CreateDate: new Date(g.createDate),
          GroupPolicyList: inlineView(g.inlinePolicies),
          AttachedManagedPolicies: attachedView(g.attachedPolicyArns),
        },
      });
    }
  }
  if (wants("Role")) {
    for (const r of await all<RoleDoc>(env, COLLECTIONS.roles, acct)) {
      const detail: RoleDetail = {
        Path: r.path,
        RoleName: r.roleName,
        RoleId: r.roleId,
        Arn: roleArn(acct, r.path, r.roleName),
        CreateDate: new Date(r.createDate),
        AssumeRolePolicyDocument: encodeDocument(await effectiveTrustPolicy(env.store, r.assumeRolePolicyDocument, r.trustPrincipalIds)),
        InstanceProfileList: await instanceProfileList(env, r),
        RolePolicyList: inlineView(r.inlinePolicies),
        AttachedManagedPolicies: attachedView(r.attachedPolicyArns),
        Tags: sortedTags(r.tags),
        RoleLastUsed: roleLastUsedView(r),
      };
      const b = boundaryView(r.permissionsBoundaryArn);
      if (b) detail.PermissionsBoundary = b;
      rows.push({ key: `3/${r.roleName.toLowerCase()}`, kind: "role", detail });
    }
  }
  // The counts of every policy the account uses, from one pass over its attachments and boundaries.
  const used = wants("LocalManagedPolicy") || wants("AWSManagedPolicy") ? await accountPolicyCounts(env.store, acct) : new Map<string, PolicyCounts>();
  if (wants("LocalManagedPolicy")) {
    for (const p of await all<ManagedPolicyDoc>(env, COLLECTIONS.policies, acct)) {
      const counts = used.get(p.policyId) ?? { attachments: 0, boundaries: 0 };
      rows.push({
        key: `4/${p.policyName.toLowerCase()}`,
        kind: "policy",
        detail: {
          PolicyName: p.policyName,
          PolicyId: p.policyId,
          Arn: p.arn,
          Path: p.path,
          DefaultVersionId: p.defaultVersionId,
          AttachmentCount: counts.attachments,
          PermissionsBoundaryUsageCount: counts.boundaries,
          IsAttachable: true,
          ...(p.description !== undefined ? { Description: p.description } : {}),
          CreateDate: new Date(p.createDate),
          UpdateDate: new Date(p.updateDate),
          PolicyVersionList: p.versions.map((v) => ({
            Document: encodeDocument(v.document),
            VersionId: v.versionId,
            IsDefaultVersion: v.versionId === p.defaultVersionId,
            CreateDate: new Date(v.createDate),
          })),
        },
      });
    }
  }
  if (wants("AWSManagedPolicy")) {
    // Like IAM, only the AWS managed policies the account actually uses.
    for (const p of awsManagedPolicies()) {
      const counts = used.get(p.policyId);
      if (counts === undefined) continue;
      rows.push({
        key: `5/${p.policyName.toLowerCase()}`,
        kind: "policy",
        detail: {
          PolicyName: p.policyName,
          PolicyId: p.policyId,
          Arn: p.arn,
          Path: p.path,
          DefaultVersionId: p.defaultVersionId,
          AttachmentCount: counts.attachments,
          PermissionsBoundaryUsageCount: counts.boundaries,
          IsAttachable: p.isAttachable,
          ...(p.description !== "" ? { Description: p.description } : {}),
          CreateDate: new Date(p.createDate),
          UpdateDate: new Date(p.updateDate),
          PolicyVersionList: [{ Document: encodeDocument(p.document), VersionId: p.defaultVersionId, IsDefaultVersion: true, CreateDate: new Date(p.updateDate) }],
        },
      });
    }
  }
  const page = paginate("GetAccountAuthorizationDetails", rows, (r) => r.key, marker, max);
  const out: GetAccountAuthorizationDetailsResponse = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], ...pageFields(page) };
  for (const r of page.items) {
    if (r.kind === "user") out.UserDetailList?.push(r.detail);
    else if (r.kind === "group") out.GroupDetailList?.push(r.detail);
    else if (r.kind === "role") out.RoleDetailList?.push(r.detail);
    else out.Policies?.push(r.detail);
  }
  return out;
}
