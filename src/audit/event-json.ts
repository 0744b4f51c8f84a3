/**
 * The hashed JSON of a call's CloudTrail event, written directly as text.
 *
 * What must stay true: for every record, `eventJsonOf(rec, id).json` is byte for byte
 * `JSON.stringify(buildCloudTrailEvent(rec, id))` and `.idx` is `indexFieldsOf` of that event
 * (event-json.test.ts checks both over many record shapes). event.ts stays the definition of
 * the event; this file only avoids building and re-walking the object on every call:
 *  - the userIdentity element and the LookupEvents user name are built once per principal
 *    object and reused while every field they derive from is unchanged;
 *  - members are appended in buildCloudTrailEvent's order, each value through JSON.stringify
 *    (the same escaping), members whose value is undefined omitted as JSON.stringify does;
 *  - handler annotations are redacted straight to text (redact.ts annotationJson);
 *  - the runs of members that repeat from call to call (source to user agent, the resources,
 *    the closing members) are kept as text, one flat string each, and reused while every field
 *    they are built from is unchanged: consecutive calls are mostly alike, and a flat piece is
 *    copied whole when the event's text is encoded, where a rope of small pieces is walked.
 * Cross-account calls (two events) keep the object path: they are rare.
 */
import { cloudTrailDateFor } from "./cloudtrail-date.js";
import type { Principal } from "../core/types.js";
import type { ApiCallRecord, TlsDetails } from "./types.js";
import { jsonString } from "../core/json-text.js";
import { annotationJson, auditErrorMessage, hiddenValueFor, redactForCloudTrail } from "./redact.js";
import { EVENT_VERSION, GLOBAL_EVENT_REGION, inputParameters, isoSeconds, tlsDetailsOf, unauthenticatedIdentityOf, usernameOf, userIdentityOf, type EventIndexFields } from "./event.js";

export interface EventJson {
  json: string;
  idx: EventIndexFields;
}

interface IdentityEntry {
  // The fields userIdentityOf reads, as they were when `json` was built.
  type: Principal["type"];
  accountId: string;
  arn: string;
  principalId: string;
  accessKeyId: string;
  name: string | undefined;
  roleArn: string | undefined;
  roleId: string | undefined;
  sessionIssuedAt: number | undefined;
  mfaAuthenticated: boolean | undefined;
  sourceIdentity: string | undefined;
  isSessionToken: boolean | undefined;
  federatedProvider: string | undefined;
  json: string;
  username: string;
  eventAccessKeyId: string;
}

// Principals come from the identity directory's cache, so the same object recurs on every
// call with the same credentials; a WeakMap never keeps one alive.
const identities = new WeakMap<Principal, IdentityEntry>();

function sameIdentity(e: IdentityEntry, p: Principal): boolean {
  return (
    e.type === p.type &&
    e.accountId === p.accountId &&
    e.arn === p.arn &&
    e.principalId === p.principalId &&
    e.accessKeyId === p.accessKeyId &&
    e.name === p.name &&
    e.roleArn === p.roleArn &&
    e.roleId === p.roleId &&
    e.sessionIssuedAt === p.sessionIssuedAt &&
    e.mfaAuthenticated === p.mfaAuthenticated &&
    e.sourceIdentity === p.sourceIdentity &&
    e.isSessionToken === p.isSessionToken &&
    e.federatedProvider === p.federatedProvider
  );
}

function identityOf(p: Principal): IdentityEntry {
  const hit = identities.get(p);
  if (hit !== undefined && sameIdentity(hit, p)) return hit;
  const id = userIdentityOf(p, undefined, undefined);
  const e: IdentityEntry = {
    type: p.type,
    accountId: p.accountId,
    arn: p.arn,
    principalId: p.principalId,
    accessKeyId: p.accessKeyId,
    name: p.name,
    roleArn: p.roleArn,
    roleId: p.roleId,
    sessionIssuedAt: p.sessionIssuedAt,
    mfaAuthenticated: p.mfaAuthenticated,
    sourceIdentity: p.sourceIdentity,
    isSessionToken: p.isSessionToken,
    federatedProvider: p.federatedProvider,
    json: JSON.stringify(id),
    username: usernameOf(id),
    eventAccessKeyId: id.accessKeyId ?? "",
  };
  identities.set(p, e);
  return e;
}

/** `"name":<value>` for a value that is not undefined. */
function memberText(name: string, value: unknown): string {
  return '"' + name + '":' + (typeof value === "string" ? jsonString(value) : JSON.stringify(value));
}

/** `,"name":<value>`, or "" when the value is undefined (as JSON.stringify omits it). */
function member(name: string, value: unknown): string {
  return value === undefined ? "" : "," + memberText(name, value);
}

type Resources = NonNullable<ApiCallRecord["annotations"]["resources"]>;

/** The resources array as buildCloudTrailEvent writes it: ARN, accountId, then type when set. */
function resourcesJson(resources: Resources): string {
  let out = "[";
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    let body = r.ARN === undefined ? "" : memberText("ARN", r.ARN);
    if (r.accountId !== undefined) body += (body === "" ? "" : ",") + memberText("accountId", r.accountId);
    if (r.type) body += (body === "" ? "" : ",") + memberText("type", r.type);
    out += (i === 0 ? "{" : ",{") + body + "}";
  }
  return out + "]";
}

/** resources.map(pick).join("\n") without the intermediate array. */
function resourceLines(resources: Resources, pick: (r: Resources[number]) => string | undefined): string {
  if (resources.length === 1) return pick(resources[0]!) ?? "";
  return resources.map(pick).join("\n");
}

/**
 * `text` as one sequential string (decoded afresh), where `+` left a rope that every event's text
 * would walk again. JSON text holds no lone surrogates (JSON.stringify escapes them), so the UTF-8
 * round trip is exact; the comparison keeps `text` if it ever were not. Runs only when a cached
 * piece is rebuilt.
 */
function flat(text: string): string {
  const out = Buffer.from(text, "utf8").toString("utf8");
  return out === text ? out : text;
}

interface CallMembers {
  eventSource: string;
  operation: string;
  region: string;
  sourceIp: string;
  userAgent: string;
  text: string;
}
let lastCall: CallMembers | undefined;

/** `,"eventSource":…` to `,"userAgent":…`. */
function callMembers(rec: ApiCallRecord, region: string): string {
  const c = lastCall;
  if (
    c !== undefined &&
    c.eventSource === rec.eventSource &&
    c.operation === rec.operation &&
    c.region === region &&
    c.sourceIp === rec.sourceIp &&
    c.userAgent === rec.userAgent
  ) {
    return c.text;
  }
  const text = flat(
    member("eventSource", rec.eventSource) +
      member("eventName", rec.operation) +
      member("awsRegion", region) +
      member("sourceIPAddress", rec.sourceIp) +
      member("userAgent", rec.userAgent),
  );
  lastCall = { eventSource: rec.eventSource, operation: rec.operation, region, sourceIp: rec.sourceIp, userAgent: rec.userAgent, text };
  return text;
}

interface ResourcesText {
  /** ARN, accountId, type of each resource, as the text was built from. */
  fields: Array<string | undefined>;
  json: string;
  names: string;
  types: string;
}
let lastResources: ResourcesText | undefined;

function resourcesText(resources: Resources): ResourcesText {
  const c = lastResources;
  if (c !== undefined && c.fields.length === 3 * resources.length) {
    let same = true;
    for (let i = 0; i < resources.length && same; i++) {
      const r = resources[i]!;
      same = c.fields[3 * i] === r.ARN && c.fields[3 * i + 1] === r.accountId && c.fields[3 * i + 2] === r.type;
    }
    if (same) return c;
  }
  const fields: Array<string | undefined> = [];
  for (const r of resources) fields.push(r.ARN, r.accountId, r.type);
  const t: ResourcesText = {
    fields,
    json: flat(`,"resources":${resourcesJson(resources)}`),
    names: resourceLines(resources, (r) => r.ARN),
    types: resourceLines(resources, (r) => r.type || ""),
  };
  lastResources = t;
  return t;
}

function managementText(category: "Management" | "Data"): string {
  return category === "Management" ? "true" : "false";
}

/** The closing members of an AWS service event (rare: not cached). */
function serviceClosingMembers(category: "Management" | "Data", recipient: string | undefined, details: Record<string, unknown> | undefined): string {
  let text = `,"eventType":"AwsServiceEvent","managementEvent":${managementText(category)}`;
  if (recipient) text += member("recipientAccountId", recipient);
  if (details !== undefined) {
    // redactAnnotation(…) ?? {}, as for additionalEventData.
    const data = annotationJson(details);
    text += `,"serviceEventDetails":${data === "null" ? "{}" : data}`;
  }
  return text + member("eventCategory", category);
}

interface ClosingMembers {
  category: string;
  recipient: string | undefined;
  text: string;
}
let lastClosing: ClosingMembers | undefined;

/** `,"eventType":…` to eventCategory. */
function closingMembers(category: "Management" | "Data", recipient: string | undefined): string {
  const c = lastClosing;
  if (c !== undefined && c.category === category && c.recipient === recipient) return c.text;
  let text = `,"eventType":"AwsApiCall","managementEvent":${managementText(category)}`;
  if (recipient) text += member("recipientAccountId", recipient);
  text = flat(text + member("eventCategory", category));
  lastClosing = { category, recipient, text };
  return text;
}

interface TlsText {
  details: TlsDetails;
  text: string;
}
let lastTls: TlsText | undefined;

/** `,"tlsDetails":{…}`: the same for every call on a connection, so kept while it repeats. */
function tlsMember(t: TlsDetails): string {
  const c = lastTls;
  if (c !== undefined && (c.details === t || (c.details.tlsVersion === t.tlsVersion && c.details.cipherSuite === t.cipherSuite && c.details.clientProvidedHostHeader === t.clientProvidedHostHeader))) {
    return c.text;
  }
  const text = flat(member("tlsDetails", tlsDetailsOf(t)));
  lastTls = { details: t, text };
  return text;
}

/**
 * The JSON and index columns of the single event of a call, or undefined when the call
 * produces two events (cross-account) and must go through buildCloudTrailEvents.
 */
export function eventJsonOf(rec: ApiCallRecord, eventId: string): EventJson | undefined {
  const p = rec.principal;
  const a = rec.annotations;
  if (p !== undefined && a.recipientAccountId !== undefined && a.recipientAccountId !== p.accountId) return undefined;
  const recipient = a.recipientAccountId ?? p?.accountId ?? rec.accountId;
  const hasError = rec.error !== undefined;

  let identityJson: string;
  let username: string;
  let accessKeyId: string;
  if (p !== undefined) {
    const e = identityOf(p);
    // A service's call on the caller's behalf: invokedBy closes the caller's identity.
    identityJson = rec.invokedBy === undefined ? e.json : e.json.slice(0, -1) + ',"invokedBy":' + jsonString(rec.invokedBy) + "}";
    username = e.username;
    accessKeyId = e.eventAccessKeyId;
  } else {
    const id = unauthenticatedIdentityOf(rec)!;
    identityJson = JSON.stringify(id);
    username = usernameOf(id);
    accessKeyId = id.accessKeyId ?? "";
  }

  let requestParameters: string;
  if (a.requestParameters !== undefined) requestParameters = a.requestParameters === null ? "null" : annotationJson(a.requestParameters);
  else requestParameters = JSON.stringify(inputParameters(rec));
  let responseElements: string;
  if (a.responseElements !== undefined) responseElements = a.responseElements === null ? "null" : annotationJson(a.responseElements);
  else if (hasError || rec.readOnly) responseElements = "null";
  else responseElements = JSON.stringify(redactForCloudTrail(rec.output, rec.outputSchema, "output", hiddenValueFor(rec.eventSource), cloudTrailDateFor(rec.eventSource)));

  const region = rec.region || GLOBAL_EVENT_REGION;
  const category = rec.eventCategory ?? "Management";
  const resources = a.resources !== undefined ? resourcesText(a.resources) : undefined;

  let json = `{"eventVersion":"${EVENT_VERSION}","userIdentity":` + identityJson + `,"eventTime":"${isoSeconds(rec.time)}"` + callMembers(rec, region);
  if (hasError) {
    json += member("errorCode", rec.error!.code);
    if (rec.error!.message !== "") json += member("errorMessage", auditErrorMessage(rec.error!.message, rec.eventSource));
  }
  json += `,"requestParameters":${requestParameters},"responseElements":${responseElements}`;
  if (a.additionalEventData !== undefined) {
    // redactAnnotation(…) ?? {}: a value that redacts to null is written as {}.
    const data = annotationJson(a.additionalEventData);
    json += `,"additionalEventData":${data === "null" ? "{}" : data}`;
  }
  const service = rec.eventType === "AwsServiceEvent";
  json += (service ? "" : member("requestID", rec.requestId)) + member("eventID", eventId) + member("readOnly", rec.readOnly);
  if (resources !== undefined) json += resources.json;
  json += service ? serviceClosingMembers(category, recipient, a.serviceEventDetails) : closingMembers(category, recipient);
  if (!service && rec.tlsDetails !== undefined) json += tlsMember(rec.tlsDetails);
  json += "}";

  const idx: EventIndexFields = {
    time: rec.time,
    accountId: recipient || "",
    region,
    eventId,
    eventName: rec.operation,
    eventSource: rec.eventSource,
    username,
    accessKeyId,
    readOnly: rec.readOnly,
    resourceNames: resources === undefined ? "" : resources.names,
    resourceTypes: resources === undefined ? "" : resources.types,
  };
  return { json, idx };
}
