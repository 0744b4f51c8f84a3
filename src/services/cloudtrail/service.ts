/**
 * CloudTrail (awsJson1_1, target prefix CloudTrail_20131101): LookupEvents over the audit log, and
 * the trail operations that read or delete trails, for accounts that have none (trails.ts).
 *
 * Event history is per account and per region: only events whose recipient account is the
 * caller's and whose awsRegion is the request's region are returned (global services' events
 * are recorded in us-east-1). Newest first; NextToken is opaque and HMAC-protected.
 */
import { randomBytes } from "node:crypto";
import { DeleteTrail$, DescribeTrails$, GetTrail$, GetTrailStatus$, ListTrails$, LookupEvents$ } from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { AuditQuery, AuditRow, AuditStore } from "../../storage/types.js";
import { GLOBAL_EVENT_REGION } from "../../audit/event.js";
import type { ServiceDefinition } from "../types.js";
import { trailHandlers } from "./trails.js";
import { decodeNextToken, encodeNextToken, queryFingerprint } from "./next-token.js";
import { setImmediate as nextTurn } from "node:timers/promises";
import { commonError } from "../../core/errors.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { RateLimiter } from "../../core/rate-limit.js";

type AttributeKey = NonNullable<AuditQuery["attribute"]>["key"];

const ATTRIBUTE_KEYS: ReadonlySet<string> = new Set<AttributeKey>([
  "EventId",
  "EventName",
  "ReadOnly",
  "Username",
  "ResourceType",
  "ResourceName",
  "EventSource",
  "AccessKeyId",
]);

/**
 * The attributes an Insights lookup takes: "Lookup supports the following attributes for Insights
 * events: Event ID, Event name, Event source" (LookupEvents).
 */
const INSIGHT_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set<AttributeKey>(["EventId", "EventName", "EventSource"]);

const DEFAULT_MAX_RESULTS = 50;
const MAX_MAX_RESULTS = 50;
const MAX_ATTRIBUTE_VALUE_LENGTH = 2000;

/**
 * An AttributeValue's length as LookupEvents counts it: "The following characters ('_', ' ', ',',
 * '\n') count as two characters towards the 2000 character limit" (LookupAttribute).
 */
function countedLength(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5f || c === 0x20 || c === 0x2c || c === 0x0a) n++;
  }
  return n;
}
/** Rows examined per call at most; past it the call returns what it has and a NextToken. */
const SCAN_BUDGET = 5000;
/**
 * With an attribute filter, the store examines at most this many of the account's events per
 * slice (a few ms), the call at most ENTRY_BUDGET of them, other requests served between slices;
 * past it the call returns what it found (maybe nothing) and a NextToken, as CloudTrail may.
 */
const SLICE_ENTRIES = 5_000;
const ENTRY_BUDGET = 100_000;
/**
 * The event history LookupEvents reads: "You can look up events that occurred in a Region within
 * the last 90 days" (LookupEvents). Older events stay in the audit log (retention is the operator's,
 * BULWARK_AUDIT_RETENTION_DAYS) but are not returned; a StartTime before it is accepted and reads
 * from its start.
 */
const EVENT_HISTORY_MS = 90 * 86_400_000;


export interface LookupEventsInput {
  LookupAttributes?: Array<{ AttributeKey?: string; AttributeValue?: string }>;
  StartTime?: Date;
  EndTime?: Date;
  EventCategory?: string;
  MaxResults?: number;
  NextToken?: string;
}

export interface LookupEventsEvent {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  AccessKeyId?: string;
  EventTime: Date;
  EventSource: string;
  Username?: string;
  Resources: Array<{ ResourceType?: string; ResourceName: string }>;
  CloudTrailEvent: string;
}

export interface LookupEventsOutput {
  Events: LookupEventsEvent[];
  NextToken?: string;
}

export interface CloudTrailServiceDeps {
  store: AuditStore;
  /** HMAC key of NextTokens; random per process when absent (tokens then die with the process). */
  tokenKey?: Buffer;
  /** Events examined per slice and per call when an attribute filters (defaults above). */
  sliceEntries?: number;
  entryBudget?: number;
  /**
   * LookupEvents requests per second per account and Region ("The rate of lookup requests is
   * limited to two per second, per account, per Region. If this limit is exceeded, a throttling
   * error occurs."); absent or 0: no quota.
   */
  lookupEventsRps?: number;
  clock?: Clock;
}

function timeOf(d: Date | undefined, name: string): number | undefined {
  if (d === undefined || d === null) return undefined;
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new AwsError("InvalidTimeRangeException", `${name} is not a valid timestamp.`, 400);
  return t;
}

function toEvent(r: AuditRow): LookupEventsEvent {
  const names = r.resourceNames === "" ? [] : r.resourceNames.split("\n");
  const types = r.resourceTypes === "" ? [] : r.resourceTypes.split("\n");
  return {
    EventId: r.eventId,
    EventName: r.eventName,
    ReadOnly: r.readOnly ? "true" : "false",
    ...(r.accessKeyId ? { AccessKeyId: r.accessKeyId } : {}),
    EventTime: new Date(Math.floor(r.time / 1000) * 1000),
    EventSource: r.eventSource,
    ...(r.username ? { Username: r.username } : {}),
    Resources: names.map((n, i) => (types[i] ? { ResourceType: types[i], ResourceName: n } : { ResourceName: n })),
    CloudTrailEvent: r.json,
  };
}

export function createLookupEventsHandler(deps: CloudTrailServiceDeps): (input: LookupEventsInput, ctx: RequestContext) => Promise<LookupEventsOutput> {
  const tokenKey = deps.tokenKey ?? randomBytes(32);
  const { store, sliceEntries = SLICE_ENTRIES, entryBudget = ENTRY_BUDGET } = deps;
  const quota = deps.lookupEventsRps ? new RateLimiter(deps.clock ?? systemClock, deps.lookupEventsRps) : undefined;

  return async function lookupEvents(input, ctx) {
    // Counted for every request of the account and Region, before anything else is looked at.
    if (quota !== undefined && !quota.take(`${ctx.scope.accountId}/${ctx.scope.region}`)) throw commonError("Throttling", "Rate exceeded");
    await ctx.authorize({ action: "cloudtrail:LookupEvents", resource: "*" });

    const attrs = input.LookupAttributes ?? [];
    if (attrs.length > 1) throw new AwsError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.", 400);
    let attribute: AuditQuery["attribute"];
    const a = attrs[0];
    if (a !== undefined) {
      const key = a.AttributeKey ?? "";
      const value = a.AttributeValue ?? "";
      if (!ATTRIBUTE_KEYS.has(key)) throw new AwsError("InvalidLookupAttributesException", `Invalid attribute key: ${key.slice(0, 64)}`, 400);
      if (value.length < 1 || countedLength(value) > MAX_ATTRIBUTE_VALUE_LENGTH) {
        throw new AwsError("InvalidLookupAttributesException", `AttributeValue must be between 1 and ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.`, 400);
      }
      attribute = { key: key as AttributeKey, value };
    }

    if (input.MaxResults !== undefined && input.MaxResults !== null) {
      const m = input.MaxResults;
      if (!Number.isInteger(m) || m < 1 || m > MAX_MAX_RESULTS) {
        throw new AwsError("InvalidMaxResultsException", `MaxResults must be between 1 and ${MAX_MAX_RESULTS}.`, 400);
      }
    }
    const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;

    const startTime = timeOf(input.StartTime, "StartTime");
    const endTime = timeOf(input.EndTime, "EndTime");
    if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
      throw new AwsError("InvalidTimeRangeException", "The start time must be earlier than the end time.", 400);
    }

    // Events are shown at whole seconds (EventTime, eventTime), so the range compares those: an
    // event at 12:00:05.4 occurs "at" 12:00:05 and belongs to a range that ends (or starts) there.
    const historyStart = Math.ceil((ctx.now - EVENT_HISTORY_MS) / 1000) * 1000;
    const fromMs = startTime === undefined ? historyStart : Math.max(Math.ceil(startTime / 1000) * 1000, historyStart);
    const toMs = endTime === undefined ? undefined : Math.floor(endTime / 1000) * 1000 + 999;

    if (input.EventCategory !== undefined && input.EventCategory !== null && input.EventCategory !== "insight") {
      throw new AwsError("InvalidEventCategoryException", `Invalid EventCategory: ${String(input.EventCategory).slice(0, 64)}`, 400);
    }
    if (input.EventCategory === "insight" && attribute !== undefined && !INSIGHT_ATTRIBUTE_KEYS.has(attribute.key)) {
      throw new AwsError("InvalidLookupAttributesException", `Invalid attribute key for Insights events: ${attribute.key}`, 400);
    }

    const accountId = ctx.scope.accountId;
    const region = ctx.scope.region || GLOBAL_EVENT_REGION;
    const fingerprint = queryFingerprint([
      accountId,
      region,
      attribute?.key,
      attribute?.value,
      startTime,
      endTime,
      input.EventCategory ?? undefined,
    ]);

    let beforeSeq: number | undefined;
    if (input.NextToken !== undefined && input.NextToken !== null) {
      const t = decodeNextToken(tokenKey, input.NextToken, fingerprint);
      if (t === undefined) throw new AwsError("InvalidNextTokenException", "Invalid NextToken.", 400);
      beforeSeq = t.beforeSeq;
    }

    // Insights events are not produced: an insight lookup is valid and empty.
    if (input.EventCategory === "insight") return { Events: [] };
    // A range that ends before the event history starts holds nothing.
    if (toMs !== undefined && toMs < fromMs) return { Events: [] };

    // The store filters by account, time and attribute; the region is filtered here, in pages,
    // within a scan budget so one call never walks an unbounded history.
    const chunk = Math.max(maxResults + 1, 100);
    const found: AuditRow[] = [];
    let cursor = beforeSeq;
    let scanned = 0;
    let examined = 0;
    let exhausted = false;
    while (found.length <= maxResults && scanned < SCAN_BUDGET && examined < entryBudget) {
      if (examined > 0) await nextTurn();
      const { rows, resumeBeforeSeq } = await store.lookupAudit(
        {
          accountId,
          startTime: fromMs,
          ...(toMs !== undefined ? { endTime: toMs } : {}),
          ...(attribute ? { attribute } : {}),
          ...(cursor !== undefined ? { beforeSeq: cursor } : {}),
          limit: chunk,
        },
        sliceEntries,
      );
      for (const r of rows) {
        scanned++;
        cursor = r.seq;
        if (r.region === region) {
          found.push(r);
          if (found.length > maxResults) break;
        }
      }
      if (rows.length < chunk) {
        if (resumeBeforeSeq === undefined) {
          exhausted = true;
          break;
        }
        // The slice ended before `chunk` matches: go on below it.
        cursor = resumeBeforeSeq;
        examined += sliceEntries;
      }
    }

    const page = found.slice(0, maxResults);
    let next: number | undefined;
    if (found.length > maxResults) next = page[page.length - 1]!.seq;
    else if (!exhausted && cursor !== undefined && cursor > 1) next = cursor;
    return {
      Events: page.map(toEvent),
      ...(next !== undefined ? { NextToken: encodeNextToken(tokenKey, next, fingerprint) } : {}),
    };
  };
}

export function createCloudTrailService(deps: CloudTrailServiceDeps): ServiceDefinition {
  return {
    name: "cloudtrail",
    signingName: "cloudtrail",
    protocol: "awsJson1_1",
    targetPrefix: "CloudTrail_20131101",
    targetPrefixAliases: ["com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"],
    eventSource: "cloudtrail.amazonaws.com",
    operations: {
      LookupEvents: { schema: LookupEvents$, handler: createLookupEventsHandler(deps), readOnly: true },
      DescribeTrails: { schema: DescribeTrails$, handler: trailHandlers.DescribeTrails, readOnly: true },
      ListTrails: { schema: ListTrails$, handler: trailHandlers.ListTrails, readOnly: true },
      GetTrail: { schema: GetTrail$, handler: trailHandlers.GetTrail, readOnly: true },
      GetTrailStatus: { schema: GetTrailStatus$, handler: trailHandlers.GetTrailStatus, readOnly: true },
      DeleteTrail: { schema: DeleteTrail$, handler: trailHandlers.DeleteTrail, readOnly: false },
    },
  };
}
