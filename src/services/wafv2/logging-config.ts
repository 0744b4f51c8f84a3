/**
 * Put/Get/Delete/ListLoggingConfiguration(s): one WAF_LOGS configuration per web ACL with
 * one destination (as in AWS), redacted fields and an optional logging filter. Destinations
 * are Bulwark's file and HTTP sinks named by CloudWatch Logs / Firehose ARNs
 * (log-destinations.ts).
 */
import type { Condition, FieldToMatch, Filter, LoggingConfiguration, LoggingFilter } from "@aws-sdk/client-wafv2";
import type { Storage } from "../../storage/types.js";
import type { WafScope } from "./arn.js";
import type { Deployer } from "./deployer.js";
import type { Caller } from "./domain-deps.js";
import { entityByArn } from "./entities.js";
import { invalidOperation, invalidParameter, nonexistentItem, validation } from "./errors.js";
import { checkArn, checkEnum, checkString } from "./input.js";
import { resolveDestination } from "./log-destinations.js";
import { LOGGING_COLLECTION, loggingKey, type LoggingRecord } from "./model.js";
import { fromStoredJson, toStoredJson } from "./stored-json.js";

export interface LoggingDeps {
  store: Storage;
  deployer: Deployer;
  logDir: string;
  httpEndpoint: (arn: string) => string | undefined;
}

const ACTIONS = ["ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE", "EXCLUDED_AS_COUNT"] as const;
const LABEL_NAME = /^[0-9A-Za-z_\-:]+$/;
const MAX_REDACTED_FIELDS = 100;

function checkRedactedFields(fields: readonly FieldToMatch[]): void {
  if (fields.length > MAX_REDACTED_FIELDS) throw validation("loggingConfiguration.redactedFields", `[${fields.length} items]`, `Member must have length less than or equal to ${MAX_REDACTED_FIELDS}`);
  for (const f of fields) {
    const set = Object.entries(f).filter(([, v]) => v !== undefined && v !== null).map(([k]) => k);
    if (set.length !== 1 || !["SingleHeader", "UriPath", "QueryString", "Method"].includes(set[0] as string)) {
      throw invalidParameter("FIELD_TO_MATCH", set.join(",") || "RedactedFields", "Redacted fields must each be exactly one of SingleHeader, UriPath, QueryString or Method.");
    }
    if (f.SingleHeader) checkString("loggingConfiguration.redactedFields.member.singleHeader.name", f.SingleHeader.Name ?? "", 1, 64, /.*\S.*/);
  }
}

function checkCondition(c: Condition): void {
  const n = (c.ActionCondition ? 1 : 0) + (c.LabelNameCondition ? 1 : 0);
  if (n !== 1) throw invalidParameter("FILTER_CONDITION", "Condition", "You have used none or multiple values for a field that requires exactly one value.");
  if (c.ActionCondition) checkEnum("loggingConfiguration.loggingFilter.filters.member.conditions.member.actionCondition.action", c.ActionCondition.Action ?? "", ACTIONS);
  if (c.LabelNameCondition) checkString("loggingConfiguration.loggingFilter.filters.member.conditions.member.labelNameCondition.labelName", c.LabelNameCondition.LabelName ?? "", 1, 1024, LABEL_NAME);
}

function checkFilter(f: LoggingFilter): void {
  checkEnum("loggingConfiguration.loggingFilter.defaultBehavior", f.DefaultBehavior ?? "", ["KEEP", "DROP"]);
  const filters: Filter[] = f.Filters ?? [];
  if (filters.length < 1 || filters.length > 100) throw invalidParameter("LOGGING_FILTER", String(filters.length), "A logging filter needs between 1 and 100 filters.");
  for (const x of filters) {
    checkEnum("loggingConfiguration.loggingFilter.filters.member.behavior", x.Behavior ?? "", ["KEEP", "DROP"]);
    checkEnum("loggingConfiguration.loggingFilter.filters.member.requirement", x.Requirement ?? "", ["MEETS_ALL", "MEETS_ANY"]);
    const conditions = x.Conditions ?? [];
    if (conditions.length < 1) throw invalidParameter("FILTER_CONDITION", "Conditions", "A filter needs at least one condition.");
    conditions.forEach(checkCondition);
  }
}

function checkKind(logType: string | undefined, logScope: string | undefined): void {
  checkEnum("logType", logType ?? "WAF_LOGS", ["WAF_LOGS"]);
  const scope = checkEnum("logScope", logScope ?? "CUSTOMER", ["CUSTOMER", "SECURITY_LAKE", "CLOUDWATCH_TELEMETRY_RULE_MANAGED"]);
  if (scope !== "CUSTOMER") throw invalidOperation(`Bulwark manages only logging configurations with LogScope CUSTOMER, not ${scope}.`);
}

export async function putLoggingConfiguration(deps: LoggingDeps, c: Caller, cfg: LoggingConfiguration): Promise<LoggingConfiguration> {
  const resourceArn = cfg.ResourceArn as string;
  checkArn(resourceArn, "loggingConfiguration.resourceArn");
  checkKind(cfg.LogType, cfg.LogScope);
  const destinations = cfg.LogDestinationConfigs ?? [];
  if (destinations.length < 1) throw validation("loggingConfiguration.logDestinationConfigs", [], "Member must have length greater than or equal to 1");
  if (destinations.length > 1) throw invalidParameter("LOG_DESTINATION", destinations.join(","), "You can associate one logging destination with a web ACL.");
  checkRedactedFields(cfg.RedactedFields ?? []);
  if (cfg.LoggingFilter) checkFilter(cfg.LoggingFilter);
  const acl = await entityByArn(deps.store, resourceArn, c.accountId, c.region, "webacl");
  if (!acl) throw nonexistentItem();
  for (const d of destinations) resolveDestination(d, c.accountId, c.region, deps.logDir, deps.httpEndpoint);
  const out: LoggingConfiguration = {
    ResourceArn: acl.arn,
    LogDestinationConfigs: [...destinations],
    ...(cfg.RedactedFields && cfg.RedactedFields.length > 0 ? { RedactedFields: cfg.RedactedFields } : {}),
    ManagedByFirewallManager: false,
    ...(cfg.LoggingFilter ? { LoggingFilter: cfg.LoggingFilter } : {}),
    LogType: "WAF_LOGS",
    LogScope: "CUSTOMER",
  };
  const rec: LoggingRecord = { webAclArn: acl.arn, webAclId: acl.id, scope: acl.scope, config: toStoredJson(out), updatedAt: c.now };
  await deps.store.put(LOGGING_COLLECTION, loggingKey(c.accountId, c.region, acl.arn), rec);
  await deps.deployer.loggingChanged(c.accountId, c.region, acl.arn);
  return out;
}

export async function getLoggingConfiguration(deps: LoggingDeps, c: Caller, resourceArn: string, logType?: string, logScope?: string): Promise<LoggingConfiguration> {
  checkArn(resourceArn, "resourceArn");
  checkKind(logType, logScope);
  const rec = await deps.store.get<LoggingRecord>(LOGGING_COLLECTION, loggingKey(c.accountId, c.region, resourceArn));
  if (!rec) throw nonexistentItem();
  return fromStoredJson<LoggingConfiguration>(rec.config);
}

export async function deleteLoggingConfiguration(deps: LoggingDeps, c: Caller, resourceArn: string, logType?: string, logScope?: string): Promise<void> {
  checkArn(resourceArn, "resourceArn");
  checkKind(logType, logScope);
  const acl = await entityByArn(deps.store, resourceArn, c.accountId, c.region, "webacl");
  const removed = await deps.store.delete(LOGGING_COLLECTION, loggingKey(c.accountId, c.region, resourceArn));
  if (!acl && !removed) throw nonexistentItem();
  if (acl) await deps.deployer.loggingChanged(c.accountId, c.region, acl.arn);
}

export async function listLoggingConfigurations(deps: LoggingDeps, c: Caller, scope: WafScope, logScope?: string): Promise<LoggingConfiguration[]> {
  checkKind(undefined, logScope);
  const rows = await deps.store.list<LoggingRecord>(LOGGING_COLLECTION, { prefix: `${c.accountId}/${c.region}/` });
  return rows
    .map((r) => r.value)
    .filter((r) => r.scope === scope)
    .sort((a, b) => (a.webAclArn < b.webAclArn ? -1 : a.webAclArn > b.webAclArn ? 1 : 0))
    .map((r) => fromStoredJson<LoggingConfiguration>(r.config));
}
