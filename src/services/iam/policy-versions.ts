/** Versions of managed policies: at most five per policy, one of them the default. */
import type {
  CreatePolicyVersionRequest,
  CreatePolicyVersionResponse,
  DeletePolicyVersionRequest,
  GetPolicyVersionRequest,
  GetPolicyVersionResponse,
  ListPolicyVersionsRequest,
  ListPolicyVersionsResponse,
  PolicyVersion,
  SetDefaultPolicyVersionRequest,
} from "@aws-sdk/client-iam";
import type { DocStore } from "../../storage/types.js";
import { awsManagedPolicyByArn, awsManagedPolicyVersion } from "./aws-managed-policies.js";
import { encodeDocument } from "./documents.js";
import { write, type Caller, type IamEnv } from "./env.js";
import { deleteConflict, limitExceeded, policyNotFound, policyVersionNotFound } from "./errors.js";
import { QUOTAS, type ManagedPolicyDoc, type PolicyVersionDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { authorizeOnPolicy, checkManagedDocument, checkPolicyArn, refuseAwsManaged } from "./policy-common.js";
import { localPolicyByArn } from "./policy-lookup.js";
import { policies } from "./repo.js";
import { checkMarker, checkMaxItems, checkPolicyDocument, checkVersionId, validateMembers } from "./validation.js";

function versionNumber(versionId: string): number {
  return Number.parseInt(versionId.slice(1), 10);
}

/** Versions are listed newest first; the sort key inverts the version number. */
function versionKey(versionId: string): string {
  return String(1e12 - versionNumber(versionId)).padStart(13, "0");
}

function newestFirstKey(v: PolicyVersionDoc): string {
  return versionKey(v.versionId);
}

async function mustVersioned(db: DocStore, accountId: string, arn: string, versionId: string): Promise<ManagedPolicyDoc> {
  const p = await localPolicyByArn(db, accountId, arn);
  if (!p || !p.versions.some((v) => v.versionId === versionId)) throw policyVersionNotFound(arn, versionId);
  return p;
}

export async function createPolicyVersion(env: IamEnv, caller: Caller, input: CreatePolicyVersionRequest): Promise<CreatePolicyVersionResponse> {
  const [arn, document] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkPolicyDocument(input.PolicyDocument));
  const setAsDefault = input.SetAsDefault === true;
  await authorizeOnPolicy(env, caller, "CreatePolicyVersion", arn);
  refuseAwsManaged(caller, "CreatePolicyVersion", arn);
  checkManagedDocument(env, document);
  const created = await write(env, caller.accountId, async (tx) => {
    const p = await localPolicyByArn(tx, caller.accountId, arn);
    if (!p) throw policyNotFound(arn);
    if (p.versions.length >= QUOTAS.versionsPerPolicy) {
      throw limitExceeded(
        `A managed policy can have up to ${QUOTAS.versionsPerPolicy} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const version: PolicyVersionDoc = { versionId: `v${p.nextVersion}`, document, createDate: caller.now };
    // UpdateDate is "the date and time when the most recent policy version was created" (IAM API
    // reference, Policy), whether or not the new version becomes the default.
    await policies.save(tx, {
      ...p,
      nextVersion: p.nextVersion + 1,
      versions: [...p.versions, version],
      updateDate: caller.now,
      ...(setAsDefault ? { defaultVersionId: version.versionId } : {}),
    });
    return version;
  });
  return { PolicyVersion: { VersionId: created.versionId, IsDefaultVersion: setAsDefault, CreateDate: new Date(created.createDate) } };
}

export async function getPolicyVersion(env: IamEnv, caller: Caller, input: GetPolicyVersionRequest): Promise<GetPolicyVersionResponse> {
  const [arn, versionId] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkVersionId(input.VersionId));
  const local = await authorizeOnPolicy(env, caller, "GetPolicyVersion", arn);
  const aws = awsManagedPolicyByArn(arn);
  if (aws) {
    const v = awsManagedPolicyVersion(aws, versionId);
    if (v === undefined) throw policyVersionNotFound(arn, versionId);
    return { PolicyVersion: { Document: encodeDocument(v.document), VersionId: versionId, IsDefaultVersion: versionId === aws.defaultVersionId, CreateDate: new Date(v.createDate) } };
  }
  const v = local?.versions.find((x) => x.versionId === versionId);
  if (!local || !v) throw policyVersionNotFound(arn, versionId);
  const out: PolicyVersion = {
    Document: encodeDocument(v.document),
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === local.defaultVersionId,
    CreateDate: new Date(v.createDate),
  };
  return { PolicyVersion: out };
}

export async function listPolicyVersions(env: IamEnv, caller: Caller, input: ListPolicyVersionsRequest): Promise<ListPolicyVersionsResponse> {
  const [arn, marker, max] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const local = await authorizeOnPolicy(env, caller, "ListPolicyVersions", arn);
  const aws = awsManagedPolicyByArn(arn);
  if (aws) {
    const versions = aws.versions ?? [{ versionId: aws.defaultVersionId, createDate: aws.updateDate }];
    const page = paginate("ListPolicyVersions", versions, (v) => versionKey(v.versionId), marker, max);
    return {
      Versions: page.items.map((v) => ({ VersionId: v.versionId, IsDefaultVersion: v.versionId === aws.defaultVersionId, CreateDate: new Date(v.createDate) })),
      ...pageFields(page),
    };
  }
  if (!local) throw policyNotFound(arn);
  const page = paginate("ListPolicyVersions", local.versions, newestFirstKey, marker, max);
  return {
    Versions: page.items.map((v) => ({ VersionId: v.versionId, IsDefaultVersion: v.versionId === local.defaultVersionId, CreateDate: new Date(v.createDate) })),
    ...pageFields(page),
  };
}

export async function deletePolicyVersion(env: IamEnv, caller: Caller, input: DeletePolicyVersionRequest): Promise<Record<string, never>> {
  const [arn, versionId] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkVersionId(input.VersionId));
  await authorizeOnPolicy(env, caller, "DeletePolicyVersion", arn);
  refuseAwsManaged(caller, "DeletePolicyVersion", arn);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustVersioned(tx, caller.accountId, arn, versionId);
    if (p.defaultVersionId === versionId) throw deleteConflict("Cannot delete the default version of a policy.");
    const versions = p.versions.filter((v) => v.versionId !== versionId);
    // UpdateDate stays "when the most recent policy version was created": of the versions left.
    await policies.save(tx, { ...p, versions, updateDate: Math.max(...versions.map((v) => v.createDate)) });
  });
  return {};
}

export async function setDefaultPolicyVersion(env: IamEnv, caller: Caller, input: SetDefaultPolicyVersionRequest): Promise<Record<string, never>> {
  const [arn, versionId] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkVersionId(input.VersionId));
  await authorizeOnPolicy(env, caller, "SetDefaultPolicyVersion", arn);
  refuseAwsManaged(caller, "SetDefaultPolicyVersion", arn);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustVersioned(tx, caller.accountId, arn, versionId);
    // No version is created, so UpdateDate (when the most recent version was created) stays.
    await policies.save(tx, { ...p, defaultVersionId: versionId });
  });
  return {};
}
