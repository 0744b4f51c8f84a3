/**
 * CloudTrail trails, read and deleted: Bulwark records every call in its own audit log (read with
 * LookupEvents) and delivers no log files, so an account has no trails and none can be created
 * (CreateTrail is not offered: it needs an S3 bucket, and S3 is not served here). The operations
 * that read or delete trails answer as CloudTrail does for an account without any: an empty
 * DescribeTrails / ListTrails, and TrailNotFoundException for a trail named by GetTrail,
 * GetTrailStatus or DeleteTrail. Tools that inventory or clean an account (aws-nuke, Prowler,
 * Terraform data sources) call these first and would otherwise stop on UnknownOperationException.
 *
 * Names and ARNs are checked as CloudTrail checks a trail name (API reference, CreateTrail `Name`):
 * 3–128 ASCII letters, digits, periods, underscores and dashes, starting and ending with a letter or
 * digit, no two of `._-` adjacent, not in IP address form; an ARN must be
 * `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`.
 */
import type {
  DeleteTrailRequest,
  DescribeTrailsRequest,
  DescribeTrailsResponse,
  GetTrailRequest,
  GetTrailStatusRequest,
  ListTrailsRequest,
  ListTrailsResponse,
} from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.js";
import { arn, partition } from "../../core/partition.js";
import type { RequestContext } from "../../core/types.js";

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9]))*$/;
const IP_FORM = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Whether `name` is a trail name CloudTrail accepts. */
export function isValidTrailName(name: string): boolean {
  return name.length >= 3 && name.length <= 128 && NAME.test(name) && !IP_FORM.test(name);
}

interface TrailRef {
  /** The trail's ARN (for a bare name, in the request's account and Region). */
  arn: string;
  /** What the caller wrote. */
  given: string;
}

/** A trail name or ARN of a request, checked; InvalidTrailNameException / CloudTrailARNInvalidException otherwise. */
function trailRef(value: string | undefined, ctx: RequestContext): TrailRef {
  const given = value ?? "";
  if (given.startsWith("arn:")) {
    const parts = given.split(":");
    const resource = parts.slice(5).join(":");
    const ok =
      parts.length >= 6 &&
      parts[1] === partition() &&
      parts[2] === "cloudtrail" &&
      /^[a-z0-9-]+$/.test(parts[3] ?? "") &&
      /^\d{12}$/.test(parts[4] ?? "") &&
      resource.startsWith("trail/") &&
      isValidTrailName(resource.slice("trail/".length));
    if (!ok) throw new AwsError("CloudTrailARNInvalidException", `Invalid trail ARN: ${given.slice(0, 256)}`, 400);
    return { arn: given, given };
  }
  if (!isValidTrailName(given)) {
    throw new AwsError(
      "InvalidTrailNameException",
      "Trail name must start and end with a letter or number, contain only ASCII letters, numbers, periods, underscores and dashes, " +
        "be between 3 and 128 characters long, have no adjacent periods, underscores or dashes, and not be in IP address format.",
      400,
    );
  }
  return { arn: arn("cloudtrail", ctx.scope.region, ctx.scope.accountId, `trail/${given}`), given };
}

function notFound(shown: string, ctx: RequestContext): AwsError {
  return new AwsError("TrailNotFoundException", `Unknown trail: ${shown} for the user: ${ctx.scope.accountId}`, 404);
}

async function named(value: string | undefined, ctx: RequestContext, action: string): Promise<TrailRef> {
  const ref = trailRef(value, ctx);
  await ctx.authorize({ action, resource: ref.arn });
  ctx.audit.resources = [{ ARN: ref.arn, accountId: ctx.scope.accountId, type: "AWS::CloudTrail::Trail" }];
  return ref;
}

export const trailHandlers = {
  async DescribeTrails(input: DescribeTrailsRequest, ctx: RequestContext): Promise<DescribeTrailsResponse> {
    await ctx.authorize({ action: "cloudtrail:DescribeTrails", resource: "*" });
    for (const n of input.trailNameList ?? []) trailRef(n, ctx);
    // Named or not, no trail of this account (or any other) exists to describe.
    return { trailList: [] };
  },

  async ListTrails(input: ListTrailsRequest, ctx: RequestContext): Promise<ListTrailsResponse> {
    await ctx.authorize({ action: "cloudtrail:ListTrails", resource: "*" });
    // No list of trails ever had a second page, so no NextToken was issued for one.
    if (input.NextToken !== undefined && input.NextToken !== null) throw new AwsError("InvalidNextTokenException", "Invalid NextToken.", 400);
    return { Trails: [] };
  },

  async GetTrail(input: GetTrailRequest, ctx: RequestContext): Promise<never> {
    const ref = await named(input.Name, ctx, "cloudtrail:GetTrail");
    throw notFound(ref.given, ctx);
  },

  async GetTrailStatus(input: GetTrailStatusRequest, ctx: RequestContext): Promise<never> {
    const ref = await named(input.Name, ctx, "cloudtrail:GetTrailStatus");
    throw notFound(ref.arn, ctx);
  },

  async DeleteTrail(input: DeleteTrailRequest, ctx: RequestContext): Promise<never> {
    const ref = await named(input.Name, ctx, "cloudtrail:DeleteTrail");
    throw notFound(ref.arn, ctx);
  },
};
