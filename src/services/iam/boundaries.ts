/** Put/Delete{User,Role}PermissionsBoundary. */
import type {
  DeleteRolePermissionsBoundaryRequest,
  DeleteUserPermissionsBoundaryRequest,
  PutRolePermissionsBoundaryRequest,
  PutUserPermissionsBoundaryRequest,
} from "@aws-sdk/client-iam";
import { checkBoundaryArn, releaseBoundary, requireBoundaryPolicy, useBoundary } from "./boundary-policy.js";
import { write, type Caller, type IamEnv } from "./env.js";
import { roles, users } from "./repo.js";
import { authorizeOnRole, mustModifiableRole } from "./roles.js";
import { authorizeOnUser, boundaryContext, mustUser } from "./users.js";
import { checkName, validateMembers } from "./validation.js";

export async function putUserPermissionsBoundary(env: IamEnv, caller: Caller, input: PutUserPermissionsBoundaryRequest): Promise<Record<string, never>> {
  const [name, arn] = validateMembers(() => checkName(input.UserName, "userName", 64), () => checkBoundaryArn(input.PermissionsBoundary));
  await authorizeOnUser(env, caller, "PutUserPermissionsBoundary", name, () => boundaryContext(arn));
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const p = await requireBoundaryPolicy(tx, caller.accountId, arn);
    if (u.permissionsBoundaryArn !== undefined) await releaseBoundary(tx, u.accountId, u.permissionsBoundaryArn, "User", u.userId);
    await users.save(tx, { ...u, permissionsBoundaryArn: arn });
    await useBoundary(tx, u.accountId, p, "User", u.userId);
  });
  return {};
}

export async function deleteUserPermissionsBoundary(env: IamEnv, caller: Caller, input: DeleteUserPermissionsBoundaryRequest): Promise<Record<string, never>> {
  const name = checkName(input.UserName, "userName", 64);
  await authorizeOnUser(env, caller, "DeleteUserPermissionsBoundary", name, (u) => boundaryContext(u?.permissionsBoundaryArn));
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    if (u.permissionsBoundaryArn === undefined) return;
    await releaseBoundary(tx, u.accountId, u.permissionsBoundaryArn, "User", u.userId);
    const { permissionsBoundaryArn: _dropped, ...rest } = u;
    await users.save(tx, rest);
  });
  return {};
}

export async function putRolePermissionsBoundary(env: IamEnv, caller: Caller, input: PutRolePermissionsBoundaryRequest): Promise<Record<string, never>> {
  const [name, arn] = validateMembers(() => checkName(input.RoleName, "roleName", 64), () => checkBoundaryArn(input.PermissionsBoundary));
  await authorizeOnRole(env, caller, "PutRolePermissionsBoundary", name, () => boundaryContext(arn));
  await write(env, caller.accountId, async (tx) => {
    const r = await mustModifiableRole(tx, caller.accountId, name);
    const p = await requireBoundaryPolicy(tx, caller.accountId, arn);
    if (r.permissionsBoundaryArn !== undefined) await releaseBoundary(tx, r.accountId, r.permissionsBoundaryArn, "Role", r.roleId);
    await roles.save(tx, { ...r, permissionsBoundaryArn: arn });
    await useBoundary(tx, r.accountId, p, "Role", r.roleId);
  });
  return {};
}

export async function deleteRolePermissionsBoundary(env: IamEnv, caller: Caller, input: DeleteRolePermissionsBoundaryRequest): Promise<Record<string, never>> {
  const name = checkName(input.RoleName, "roleName", 64);
  await authorizeOnRole(env, caller, "DeleteRolePermissionsBoundary", name, (r) => boundaryContext(r?.permissionsBoundaryArn));
  await write(env, caller.accountId, async (tx) => {
    const r = await mustModifiableRole(tx, caller.accountId, name);
    if (r.permissionsBoundaryArn === undefined) return;
    await releaseBoundary(tx, r.accountId, r.permissionsBoundaryArn, "Role", r.roleId);
    const { permissionsBoundaryArn: _dropped, ...rest } = r;
    await roles.save(tx, rest);
  });
  return {};
}
