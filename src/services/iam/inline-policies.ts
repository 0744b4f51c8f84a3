/**
 * Inline policies embedded in users, groups and roles. Their total size per entity is
 * limited (users 2048, groups 5120, roles 10240 characters, white space not counted).
 */
import type {
  DeleteGroupPolicyRequest,
  DeleteRolePolicyRequest,
  DeleteUserPolicyRequest,
  GetGroupPolicyRequest,
  GetGroupPolicyResponse,
  GetRolePolicyRequest,
  GetRolePolicyResponse,
  GetUserPolicyRequest,
  GetUserPolicyResponse,
  ListGroupPoliciesRequest,
  ListGroupPoliciesResponse,
  ListRolePoliciesRequest,
  ListRolePoliciesResponse,
  ListUserPoliciesRequest,
  ListUserPoliciesResponse,
  PutGroupPolicyRequest,
  PutRolePolicyRequest,
  PutUserPolicyRequest,
} from "@aws-sdk/client-iam";
import { GROUP_ADAPTER, ROLE_ADAPTER, USER_ADAPTER, type Attachable, type EntityAdapter } from "./attachments.js";
import { encodeDocument } from "./documents.js";
import { write, type Caller, type IamEnv } from "./env.js";
import { limitExceeded, noSuchInlinePolicy } from "./errors.js";
import { QUOTAS, type GroupDoc, type InlinePolicyDoc, type RoleDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { boundaryContext } from "./users.js";
import { checkMarker, checkMaxItems, checkName, checkPolicyDocument, policySize, validateMembers } from "./validation.js";

interface InlineTarget<D extends Attachable> {
  adapter: EntityAdapter<D>;
  label: "user" | "group" | "role";
  sizeLimit: number;
}

const USER: InlineTarget<UserDoc> = { adapter: USER_ADAPTER, label: "user", sizeLimit: QUOTAS.userInlinePolicySize };
const GROUP: InlineTarget<GroupDoc> = { adapter: GROUP_ADAPTER, label: "group", sizeLimit: QUOTAS.groupInlinePolicySize };
const ROLE: InlineTarget<RoleDoc> = { adapter: ROLE_ADAPTER, label: "role", sizeLimit: QUOTAS.roleInlinePolicySize };

function boundaryOf(d: Attachable | undefined): string | undefined {
  return d && "permissionsBoundaryArn" in d ? d.permissionsBoundaryArn : undefined;
}

async function putInline<D extends Attachable>(env: IamEnv, caller: Caller, t: InlineTarget<D>, action: string, entityName: string | undefined, policyNameIn: string | undefined, documentIn: string | undefined): Promise<Record<string, never>> {
  const a = t.adapter;
  const [name, policyName, document] = validateMembers(
    () => checkName(entityName, a.nameField, a.nameMax),
    () => checkName(policyNameIn, "policyName", 128),
    () => checkPolicyDocument(documentIn),
  );
  await a.authorizeOn(env, caller, action, name, (d) => boundaryContext(boundaryOf(d)));
  env.validatePolicy(document, "identity");
  await write(env, caller.accountId, async (tx) => {
    const d = await a.must(tx, caller.accountId, name);
    const others = d.inlinePolicies.filter((p) => p.name !== policyName);
    const next: InlinePolicyDoc[] = d.inlinePolicies.some((p) => p.name === policyName)
      ? d.inlinePolicies.map((p) => (p.name === policyName ? { name: policyName, document } : p))
      : [...d.inlinePolicies, { name: policyName, document }];
    const total = others.reduce((n, p) => n + policySize(p.document), policySize(document));
    if (total > t.sizeLimit) throw limitExceeded(`Maximum policy size of ${t.sizeLimit} bytes exceeded for ${t.label} ${a.name(d)}`);
    await a.save(tx, { ...d, inlinePolicies: next });
  });
  return {};
}

async function getInline<D extends Attachable>(env: IamEnv, caller: Caller, t: InlineTarget<D>, action: string, entityName: string | undefined, policyNameIn: string | undefined): Promise<{ entity: string; PolicyName: string; PolicyDocument: string }> {
  const a = t.adapter;
  const [name, policyName] = validateMembers(() => checkName(entityName, a.nameField, a.nameMax), () => checkName(policyNameIn, "policyName", 128));
  const d = await a.authorizeOn(env, caller, action, name, () => ({}));
  if (!d) throw a.notFound(name);
  const p = d.inlinePolicies.find((x) => x.name === policyName);
  if (!p) throw noSuchInlinePolicy(t.label, policyName);
  return { entity: a.name(d), PolicyName: p.name, PolicyDocument: encodeDocument(p.document) };
}

async function deleteInline<D extends Attachable>(env: IamEnv, caller: Caller, t: InlineTarget<D>, action: string, entityName: string | undefined, policyNameIn: string | undefined): Promise<Record<string, never>> {
  const a = t.adapter;
  const [name, policyName] = validateMembers(() => checkName(entityName, a.nameField, a.nameMax), () => checkName(policyNameIn, "policyName", 128));
  await a.authorizeOn(env, caller, action, name, (d) => boundaryContext(boundaryOf(d)));
  await write(env, caller.accountId, async (tx) => {
    const d = await a.must(tx, caller.accountId, name);
    if (!d.inlinePolicies.some((p) => p.name === policyName)) throw noSuchInlinePolicy(t.label, policyName);
    await a.save(tx, { ...d, inlinePolicies: d.inlinePolicies.filter((p) => p.name !== policyName) });
  });
  return {};
}

async function listInline<D extends Attachable>(env: IamEnv, caller: Caller, t: InlineTarget<D>, action: string, entityName: string | undefined, input: { Marker?: string | undefined; MaxItems?: number | undefined }): Promise<{ PolicyNames: string[]; IsTruncated: boolean; Marker?: string }> {
  const a = t.adapter;
  const [name, marker, max] = validateMembers(
    () => checkName(entityName, a.nameField, a.nameMax),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const d = await a.authorizeOn(env, caller, action, name, () => ({}));
  if (!d) throw a.notFound(name);
  const page = paginate(action, d.inlinePolicies.map((p) => p.name), (n) => n, marker, max);
  return { PolicyNames: page.items, ...pageFields(page) };
}

export const putUserPolicy = (env: IamEnv, c: Caller, i: PutUserPolicyRequest) => putInline(env, c, USER, "PutUserPolicy", i.UserName, i.PolicyName, i.PolicyDocument);
export const putGroupPolicy = (env: IamEnv, c: Caller, i: PutGroupPolicyRequest) => putInline(env, c, GROUP, "PutGroupPolicy", i.GroupName, i.PolicyName, i.PolicyDocument);
export const putRolePolicy = (env: IamEnv, c: Caller, i: PutRolePolicyRequest) => putInline(env, c, ROLE, "PutRolePolicy", i.RoleName, i.PolicyName, i.PolicyDocument);

export async function getUserPolicy(env: IamEnv, c: Caller, i: GetUserPolicyRequest): Promise<GetUserPolicyResponse> {
  const r = await getInline(env, c, USER, "GetUserPolicy", i.UserName, i.PolicyName);
  return { UserName: r.entity, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
}
export async function getGroupPolicy(env: IamEnv, c: Caller, i: GetGroupPolicyRequest): Promise<GetGroupPolicyResponse> {
  const r = await getInline(env, c, GROUP, "GetGroupPolicy", i.GroupName, i.PolicyName);
  return { GroupName: r.entity, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
}
export async function getRolePolicy(env: IamEnv, c: Caller, i: GetRolePolicyRequest): Promise<GetRolePolicyResponse> {
  const r = await getInline(env, c, ROLE, "GetRolePolicy", i.RoleName, i.PolicyName);
  return { RoleName: r.entity, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
}

export const deleteUserPolicy = (env: IamEnv, c: Caller, i: DeleteUserPolicyRequest) => deleteInline(env, c, USER, "DeleteUserPolicy", i.UserName, i.PolicyName);
export const deleteGroupPolicy = (env: IamEnv, c: Caller, i: DeleteGroupPolicyRequest) => deleteInline(env, c, GROUP, "DeleteGroupPolicy", i.GroupName, i.PolicyName);
export const deleteRolePolicy = (env: IamEnv, c: Caller, i: DeleteRolePolicyRequest) => deleteInline(env, c, ROLE, "DeleteRolePolicy", i.RoleName, i.PolicyName);

export const listUserPolicies = (env: IamEnv, c: Caller, i: ListUserPoliciesRequest): Promise<ListUserPoliciesResponse> => listInline(env, c, USER, "ListUserPolicies", i.UserName, i);
export const listGroupPolicies = (env: IamEnv, c: Caller, i: ListGroupPoliciesRequest): Promise<ListGroupPoliciesResponse> => listInline(env, c, GROUP, "ListGroupPolicies", i.GroupName, i);
export const listRolePolicies = (env: IamEnv, c: Caller, i: ListRolePoliciesRequest): Promise<ListRolePoliciesResponse> => listInline(env, c, ROLE, "ListRolePolicies", i.RoleName, i);
