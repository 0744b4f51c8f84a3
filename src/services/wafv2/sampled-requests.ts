/**
 * GetSampledRequests: samples of a web ACL's metric name (a rule's, or the web ACL's own
 * for requests that got the default action) within a time window of the last three hours.
 * A start earlier than three hours ago is moved to three hours ago, as AWS does.
 */
import type { GetSampledRequestsRequest, GetSampledRequestsResponse, HTTPRequest, SampledHTTPRequest } from "@aws-sdk/client-wafv2";
import { AwsError } from "../../core/errors.js";
import type { Storage } from "../../storage/types.js";
import type { WafScope } from "./arn.js";
import type { Caller } from "./domain-deps.js";
import { entityByArn } from "./entities.js";
import { nonexistentItem } from "./errors.js";
import { checkArn, checkRange, checkString, METRIC_NAME } from "./input.js";
import { httpVersionOf } from "./log-record.js";
import { SAMPLE_WINDOW_MS, type RequestSampler, type Sample, type SampledRequestFields } from "./sampling.js";

function badWindow(): AwsError {
  return new AwsError("WAFInvalidParameterException", "Error reason: The time window isn't valid: it must end after it starts and lie within the last three hours., parameter: TimeWindow", 400, {
    fields: { Parameter: "TimeWindow", Reason: "The time window isn't valid: it must end after it starts and lie within the last three hours." },
  });
}

function httpRequestOf(r: SampledRequestFields): HTTPRequest {
  return {
    ClientIP: r.clientIp,
    ...(r.country ? { Country: r.country } : {}),
    URI: r.path,
    Method: r.method,
    HTTPVersion: httpVersionOf(r.httpVersion),
    Headers: r.headers.map(([Name, Value]) => ({ Name, Value })),
  };
}

function shapeOf(s: Sample): SampledHTTPRequest {
  return {
    Request: httpRequestOf(s.request),
    Weight: 1,
    Timestamp: new Date(s.time),
    Action: s.action,
    ...(s.ruleNameWithinRuleGroup !== undefined ? { RuleNameWithinRuleGroup: s.ruleNameWithinRuleGroup } : {}),
    ...(s.headersInserted ? { RequestHeadersInserted: s.headersInserted.map(([Name, Value]) => ({ Name, Value })) } : {}),
    ...(s.responseCode !== undefined ? { ResponseCodeSent: s.responseCode } : {}),
    ...(s.labels.length > 0 ? { Labels: s.labels.map((Name) => ({ Name })) } : {}),
    ...(s.overriddenAction !== undefined ? { OverriddenAction: s.overriddenAction } : {}),
  };
}

export async function getSampledRequests(store: Storage, sampler: RequestSampler, c: Caller, scope: WafScope, input: GetSampledRequestsRequest): Promise<GetSampledRequestsResponse> {
  const arn = input.WebAclArn as string;
  checkArn(arn, "webAclArn");
  checkString("ruleMetricName", input.RuleMetricName as string, 1, 255, METRIC_NAME);
  checkRange("maxItems", input.MaxItems as number, 1, 500);
  const window = input.TimeWindow;
  const startIn = window?.StartTime?.getTime();
  const endIn = window?.EndTime?.getTime();
  if (startIn === undefined || endIn === undefined || Number.isNaN(startIn) || Number.isNaN(endIn)) throw badWindow();
  const start = Math.max(startIn, c.now - SAMPLE_WINDOW_MS);
  const end = endIn;
  if (end < start) throw badWindow();
  const acl = await entityByArn(store, arn, c.accountId, c.region, "webacl");
  if (!acl || acl.scope !== scope) throw nonexistentItem();
  const { samples, populationSize } = sampler.query(acl.arn, input.RuleMetricName as string, start, end, input.MaxItems as number);
  return { SampledRequests: samples.map(shapeOf), PopulationSize: populationSize, TimeWindow: { StartTime: new Date(start), EndTime: new Date(end) } };
}
