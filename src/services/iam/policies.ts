/** Customer managed policies (and read access to AWS managed ones): lifecycle, listing, tags. */
import type {
  CreatePolicyRequest,
  CreatePolicyResponse,
  DeletePolicyRequest,
  GetPolicyRequest,
  GetPolicyResponse,
  ListPoliciesRequest,
  ListPoliciesResponse,
  ListPolicyTagsRequest,
  ListPolicyTagsResponse,
  Policy,
  TagPolicyRequest,
  UntagPolicyRequest,
} from "@aws-sdk/client-iam";
import { randomUniqueId } from "../../crypto/random-ids.js";
import { policyArn } from "./arn.js";
import { awsManagedPolicies, awsManagedPolicyByArn } from "./aws-managed-policies.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { constraintError, deleteConflict, policyExists, policyNotFound } from "./errors.js";
import { COLLECTIONS, type ManagedPolicyDoc, type NameIndexDoc } from "./model.js";
import { decodeMarker, encodeMarker, paginate, pageFields } from "./pagination.js";
import { authorizeOnPolicy, checkManagedDocument, checkPolicyArn, mustLocalPolicy, POLICY_TYPE, refuseAwsManaged } from "./policy-common.js";
import { accountPolicyCounts, policyCounts } from "./policy-lookup.js";
import { idKey, policies } from "./repo.js";
import { mergeTags, removeTags, requestTagContext, sortedTags } from "./tags.js";
import {
  checkDescription,
  checkMarker,
  checkMaxItems,
  checkName,
  checkPathPrefix,
  checkPolicyDocument,
  checkPolicyPath,
  checkPolicyUsageFilter,
  checkTagKeys,
  checkTags,
  required,
  validateMembers,
} from "./validation.js";
import type { PolicyCounts } from "./views.js";
import { awsPolicyView, localPolicyView } from "./views.js";

export async function createPolicy(env: IamEnv, caller: Caller, input: CreatePolicyRequest): Promise<CreatePolicyResponse> {
  const [name, path, document, description, tags] = validateMembers(
    () => checkName(input.PolicyName, "policyName", 128),
    () => checkPolicyPath(input.Path),
    () => checkPolicyDocument(input.PolicyDocument),
    () => checkDescription(input.Description),
    () => checkTags(input.Tags, false),
  );
  const arn = policyArn(caller.accountId, path, name);
  await authorize(caller, "CreatePolicy", arn, requestTagContext(tags));
  noteResource(caller, arn, POLICY_TYPE);
  checkManagedDocument(env, document);
  const doc: ManagedPolicyDoc = {
    accountId: caller.accountId,
    policyId: randomUniqueId("ANPA"),
    policyName: name,
    path,
    arn,
    ...(description !== undefined ? { description } : {}),
    createDate: caller.now,
    updateDate: caller.now,
    defaultVersionId: "v1",
    nextVersion: 2,
    versions: [{ versionId: "v1", document, createDate: caller.now }],
    tags,
  };
  await write(env, caller.accountId, async (tx) => {
    if (!(await policies.insert(tx, doc))) throw policyExists(name);
  });
  return { Policy: localPolicyView(doc, { attachments: 0, boundaries: 0 }, "create", tags) };
}

export async function getPolicy(env: IamEnv, caller: Caller, input: GetPolicyRequest): Promise<GetPolicyResponse> {
  const arn = checkPolicyArn(input.PolicyArn);
  const local = await authorizeOnPolicy(env, caller, "GetPolicy", arn);
  const aws = awsManagedPolicyByArn(arn);
  if (aws) return { Policy: awsPolicyView(aws, await policyCounts(env.store, caller.accountId, aws.policyId), "get") };
  if (!local) throw policyNotFound(arn);
  return { Policy: localPolicyView(local, await policyCounts(env.store, caller.accountId, local.policyId), "get") };
}

export async function deletePolicy(env: IamEnv, caller: Caller, input: DeletePolicyRequest): Promise<Record<string, never>> {
  const arn = checkPolicyArn(input.PolicyArn);
  await authorizeOnPolicy(env, caller, "DeletePolicy", arn);
  refuseAwsManaged(caller, "DeletePolicy", arn);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustLocalPolicy(tx, caller.accountId, arn);
    const counts = await policyCounts(tx, caller.accountId, p.policyId);
    if (counts.attachments > 0 || counts.boundaries > 0) throw deleteConflict("Cannot delete a policy attached to entities.");
    if (p.versions.length > 1) {
      throw deleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    await policies.remove(tx, p);
  });
  return {};
}

type Scope = "All" | "AWS" | "Local";

interface Candidate {
  key: string;
  view: (counts: PolicyCounts) => Policy;
  policyId: string;
}

function inUse(counts: PolicyCounts, usage: string | undefined): boolean {
  if (usage === "PermissionsPolicy") return counts.attachments > 0;
  if (usage === "PermissionsBoundary") return counts.boundaries > 0;
  return counts.attachments > 0 || counts.boundaries > 0;
}

/**
 * ListPolicies walks AWS managed policies (sort keys "0/<name>") and then the account's
 * own (sort keys "1/<name>"); the marker is the sort key of the last policy returned.
 */
export async function listPolicies(env: IamEnv, caller: Caller, input: ListPoliciesRequest): Promise<ListPoliciesResponse> {
  // Every member that fails its constraint is reported together, in the model's member order.
  const [scope, prefix, usage, marker, max] = validateMembers(
    (): Scope => {
      const v = input.Scope ?? "All";
      if (v !== "All" && v !== "AWS" && v !== "Local") throw constraintError("scope", "Member must satisfy enum value set: [All, AWS, Local]", v);
      return v;
    },
    () => checkPathPrefix(input.PathPrefix, "policyPath"),
    () => checkPolicyUsageFilter(input.PolicyUsageFilter),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const filterUse = input.OnlyAttached === true || usage !== undefined;
  await authorize(caller, "ListPolicies", policyArn(caller.accountId, prefix, ""));
  const after = decodeMarker("ListPolicies", marker)?.after ?? "";
  const accountId = caller.accountId;
  const out: Array<{ c: Candidate; counts: PolicyCounts }> = [];

  // Filtering by use would count every AWS managed policy in turn: one pass over the account's
  // attachments answers them all.
  const used = filterUse ? await accountPolicyCounts(env.store, accountId) : undefined;
  const consider = async (c: Candidate): Promise<void> => {
    const counts = used ? (used.get(c.policyId) ?? { attachments: 0, boundaries: 0 }) : await policyCounts(env.store, accountId, c.policyId);
    if (!filterUse || inUse(counts, usage)) out.push({ c, counts });
  };

  if (scope !== "Local") {
    for (const p of awsManagedPolicies()) {
      if (out.length > max) break;
      const key = `0/${p.policyName.toLowerCase()}`;
      if (key <= after || !p.path.startsWith(prefix)) continue;
      await consider({ key, policyId: p.policyId, view: (counts) => awsPolicyView(p, counts, "list") });
    }
  }
  if (scope !== "AWS" && out.length <= max) {
    const indexPrefix = `${accountId}/`;
    let cursor = after.startsWith("1/") ? indexPrefix + after.slice(2) : undefined;
    for (;;) {
      const batch = await env.store.list<NameIndexDoc>(COLLECTIONS.policyNames, { prefix: indexPrefix, limit: 200, ...(cursor !== undefined ? { after: cursor } : {}) });
      for (const e of batch) {
        if (out.length > max) break;
        if (!e.value.path.startsWith(prefix)) continue;
        const doc = await env.store.get<ManagedPolicyDoc>(COLLECTIONS.policies, idKey(accountId, e.value.id));
        if (!doc) continue;
        await consider({ key: `1/${e.key.slice(indexPrefix.length)}`, policyId: doc.policyId, view: (counts) => localPolicyView(doc, counts, "list") });
      }
      const last = batch[batch.length - 1];
      if (out.length > max || batch.length < 200 || !last) break;
      cursor = last.key;
    }
  }
  const isTruncated = out.length > max;
  const items = out.slice(0, max);
  const lastItem = items[items.length - 1];
  return {
    Policies: items.map(({ c, counts }) => c.view(counts)),
    IsTruncated: isTruncated,
    ...(isTruncated && lastItem ? { Marker: encodeMarker("ListPolicies", lastItem.c.key) } : {}),
  };
}

export async function tagPolicy(env: IamEnv, caller: Caller, input: TagPolicyRequest): Promise<Record<string, never>> {
  const [arn, tags] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkTags(required(input.Tags, "tags"), false));
  await authorizeOnPolicy(env, caller, "TagPolicy", arn, requestTagContext(tags));
  refuseAwsManaged(caller, "TagPolicy", arn);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustLocalPolicy(tx, caller.accountId, arn);
    await policies.save(tx, { ...p, tags: mergeTags(p.tags, tags, false, "TagsPerPolicy") });
  });
  return {};
}

export async function untagPolicy(env: IamEnv, caller: Caller, input: UntagPolicyRequest): Promise<Record<string, never>> {
  const [arn, keys] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkTagKeys(input.TagKeys));
  await authorizeOnPolicy(env, caller, "UntagPolicy", arn, { "aws:TagKeys": keys });
  refuseAwsManaged(caller, "UntagPolicy", arn);
  await write(env, caller.accountId, async (tx) => {
    const p = await mustLocalPolicy(tx, caller.accountId, arn);
    await policies.save(tx, { ...p, tags: removeTags(p.tags, keys, false) });
  });
  return {};
}

export async function listPolicyTags(env: IamEnv, caller: Caller, input: ListPolicyTagsRequest): Promise<ListPolicyTagsResponse> {
  const [arn, marker, max] = validateMembers(() => checkPolicyArn(input.PolicyArn), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const local = await authorizeOnPolicy(env, caller, "ListPolicyTags", arn);
  if (awsManagedPolicyByArn(arn)) return { Tags: [], IsTruncated: false };
  if (!local) throw policyNotFound(arn);
  const page = paginate("ListPolicyTags", sortedTags(local.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}
