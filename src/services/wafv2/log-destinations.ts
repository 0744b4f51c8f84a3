/**
 * Bulwark's WAF log destinations, named by the ARNs AWS uses (see README.md here):
 *
 *   arn:<partition>:logs:<region>:<account>:log-group:aws-waf-logs-<name>[:*]
 *     → JSON lines appended to <logDir>/<account>/<region>/aws-waf-logs-<name>.log
 *       (the log group name percent-encoded, so "/" cannot leave the directory)
 *   arn:<partition>:firehose:<region>:<account>:deliverystream/aws-waf-logs-<name>
 *     → HTTP POST of JSON lines (application/x-ndjson) to the URL mapped to that ARN in
 *       <logDir>/firehose-endpoints.json: { "<delivery stream ARN>": "https://…" }
 *
 * As in AWS, destination names start with "aws-waf-logs-" and the destination is in the
 * web ACL's account and region.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { invalidParameter, logDestinationPermissionIssue } from "./errors.js";
import { arnPattern } from "../../core/partition.js";

export type LogDestination = { kind: "file"; arn: string; path: string } | { kind: "http"; arn: string; url: string };

const LOG_GROUP = arnPattern(/^arn:aws:logs:([a-z0-9-]+):(\d{12}):log-group:(aws-waf-logs-[\w.\-/#]{1,499})(?::\*)?$/);
const DELIVERY_STREAM = arnPattern(/^arn:aws:firehose:([a-z0-9-]+):(\d{12}):deliverystream\/(aws-waf-logs-[a-zA-Z0-9_.-]{1,51})$/);

export const FIREHOSE_ENDPOINTS_FILE = "firehose-endpoints.json";

/** Reads the delivery-stream → URL map each time it is needed, so operators can edit it live. */
export function fileHttpEndpoints(logDir: string): (arn: string) => string | undefined {
  return (arn) => {
    let map: unknown;
    try {
      map = JSON.parse(readFileSync(path.join(logDir, FIREHOSE_ENDPOINTS_FILE), "utf8"));
    } catch {
      return undefined;
    }
    if (typeof map !== "object" || map === null || !Object.hasOwn(map, arn)) return undefined;
    const url = (map as Record<string, unknown>)[arn];
    return typeof url === "string" && /^https?:\/\//.test(url) ? url : undefined;
  };
}

/** Resolves a destination ARN for a web ACL of `accountId` in `region`, or throws as PutLoggingConfiguration does. */
export function resolveDestination(arn: string, accountId: string, region: string, logDir: string, httpEndpoint: (arn: string) => string | undefined): LogDestination {
  const lg = LOG_GROUP.exec(arn);
  if (lg) {
    const [, r, acct, group] = lg as unknown as [string, string, string, string];
    if (r !== region || acct !== accountId) throw invalidParameter("LOG_DESTINATION", arn, "The log destination must be in the web ACL's account and Region.");
    return { kind: "file", arn, path: path.join(logDir, acct, r, `${encodeURIComponent(group)}.log`) };
  }
  const ds = DELIVERY_STREAM.exec(arn);
  if (ds) {
    const [, r, acct] = ds as unknown as [string, string, string, string];
    if (r !== region || acct !== accountId) throw invalidParameter("LOG_DESTINATION", arn, "The log destination must be in the web ACL's account and Region.");
    const url = httpEndpoint(arn);
    if (!url) throw logDestinationPermissionIssue(`The delivery stream ${arn} has no endpoint: map it to a URL in ${FIREHOSE_ENDPOINTS_FILE} of the WAF log directory.`);
    return { kind: "http", arn, url };
  }
  throw invalidParameter("LOG_DESTINATION", arn, "The log destination isn't valid: use a CloudWatch Logs log group or a Firehose delivery stream whose name starts with aws-waf-logs-.");
}
