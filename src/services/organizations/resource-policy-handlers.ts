/**
 * The resource-based delegation policy (PutResourcePolicy, DescribeResourcePolicy,
 * DeleteResourcePolicy); the domain is in resource-policy.ts.
 */
import { DeleteResourcePolicy$, DescribeResourcePolicy$, PutResourcePolicy$ } from "@aws-sdk/client-organizations";
import { requestTagContext } from "../iam/tags.js";
import type { OperationDefinition } from "../types.js";
import { resourcePolicyNotFound } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { checkString, requireString } from "./input.js";
import type { Tag } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy, resourcePolicyArn, resourcePolicyView } from "./resource-policy.js";
import { checkTags } from "./tags.js";

const RESOURCE_POLICY_TYPE = "AWS::Organizations::ResourcePolicy";

export function resourcePolicyOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    PutResourcePolicy: {
      schema: PutResourcePolicy$,
      handler: async (input: { Content?: string; Tags?: Tag[] }, ctx) => {
        const content = requireString(input?.Content);
        checkString(content, { min: 1 });
        const tags = checkTags(input?.Tags);
        const m = await calls.managementCall(ctx, "PutResourcePolicy", undefined, requestTagContext(tags));
        if (tags.length > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*", context: requestTagContext(tags) });
        const { org, policy } = await putResourcePolicy(deps, m.org.id, content, tags);
        noteResource(ctx, m, resourcePolicyArn(org, policy.id), RESOURCE_POLICY_TYPE);
        return { ResourcePolicy: { ResourcePolicySummary: resourcePolicyView(org, policy).ResourcePolicySummary } };
      },
    },
    DescribeResourcePolicy: {
      schema: DescribeResourcePolicy$,
      handler: async (_input: unknown, ctx) => {
        const m = await calls.managementCall(ctx, "DescribeResourcePolicy");
        const policy = await getResourcePolicy(deps, m.org);
        if (!policy) throw resourcePolicyNotFound();
        return { ResourcePolicy: resourcePolicyView(m.org, policy) };
      },
    },
    DeleteResourcePolicy: {
      schema: DeleteResourcePolicy$,
      handler: async (_input: unknown, ctx) => {
        const m = await calls.managementCall(ctx, "DeleteResourcePolicy");
        await deleteResourcePolicy(deps, m.org.id);
        return {};
      },
    },
  };
}
