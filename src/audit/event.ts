/**
 * Turns one API call (ApiCallRecord) into a CloudTrail management event in the documented
 * record format ("CloudTrail record contents", "CloudTrail userIdentity element").
 *
 * What must stay true: nothing secret reaches the event. Inputs and outputs pass through
 * redact.ts (schema `sensitive` traits + deny-list); handler annotations pass through the
 * deny-list as well. Access key ids are included only when they look like key ids.
 */
import { cloudTrailDateFor } from "./cloudtrail-date.js";
import type { Principal } from "../core/types.js";
import type { ApiCallRecord, TlsDetails } from "./types.js";
import { auditErrorMessage, hiddenValueFor, redactAnnotation, redactForCloudTrail } from "./redact.js";

/** Current CloudTrail record format version. */
export const EVENT_VERSION = "1.11";

/** What CloudTrail writes as userIdentity.invokedBy, sourceIPAddress and userAgent of a service event. */
export const AWS_INTERNAL = "AWS Internal";

/** Global services' events (IAM, STS global endpoint, Organizations) are recorded in us-east-1. */
export const GLOBAL_EVENT_REGION = "us-east-1";

export type UserIdentityType = "Root" | "IAMUser" | "AssumedRole" | "FederatedUser" | "AWSAccount" | "AWSService" | "SAMLUser" | "WebIdentityUser" | "Unknown";

export interface SessionIssuer {
  type: "Role" | "IAMUser" | "Root";
  principalId: string;
  arn: string;
  accountId: string;
  userName?: string;
}

export interface SessionContext {
  /** Empty object for sessions from GetSessionToken (the issuer is the identity itself). */
  sessionIssuer: SessionIssuer | Record<string, never>;
  /** Sessions from AssumeRoleWithWebIdentity name their OIDC provider; others carry {}. */
  webIdFederationData: { federatedProvider: string; attributes: Record<string, never> } | Record<string, never>;
  attributes: { creationDate: string; mfaAuthenticated: "true" | "false" };
  sourceIdentity?: string;
  /** "true" for a member account's root session issued by sts:AssumeRoot. */
  assumedRoot?: "true";
}

export interface UserIdentity {
  /** Absent for AWS service events, whose identity is only the account and `invokedBy`. */
  type?: UserIdentityType;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  /** SAMLUser / WebIdentityUser: the identity provider that vouched for the caller. */
  identityProvider?: string;
  sessionContext?: SessionContext;
  /** AWS service events: "AWS Internal"; calls a service made on the caller's behalf: the service principal. */
  invokedBy?: string;
}

export interface CloudTrailResource {
  ARN: string;
  accountId: string;
  type?: string;
}

export interface CloudTrailEvent {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  /** Absent for AWS service events (no request). */
  requestID?: string;
  eventID: string;
  readOnly: boolean;
  resources?: CloudTrailResource[];
  eventType: "AwsApiCall" | "AwsServiceEvent";
  managementEvent: boolean;
  recipientAccountId?: string;
  sharedEventID?: string;
  serviceEventDetails?: Record<string, unknown>;
  eventCategory: "Management" | "Data";
  /** Calls over HTTPS: the TLS version, cipher suite and Host header; never for service events. */
  tlsDetails?: TlsDetails;
}

/** Columns of an AuditRow that LookupEvents filters on; always derived from the event itself. */
export interface EventIndexFields {
  time: number;
  accountId: string;
  region: string;
  eventId: string;
  eventName: string;
  eventSource: string;
  username: string;
  accessKeyId: string;
  readOnly: boolean;
  resourceNames: string;
  resourceTypes: string;
}

// An access key id is upper-case alphanumerics; anything else (e.g. a secret pasted into the
// wrong field) never reaches the log.
const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;

export function safeAccessKeyId(id: string | undefined): string | undefined {
  return id !== undefined && ACCESS_KEY_ID_RE.test(id) ? id : undefined;
}

/** ISO-8601 UTC with seconds precision, as CloudTrail writes eventTime: "2026-01-01T00:00:00Z". */
export function isoSeconds(ms: number): string {
  const sec = Math.floor(ms / 1000);
  // Calls arrive many per second: reuse the last second's text.
  if (sec === lastIsoSecond) return lastIsoText;
  const s = new Date(sec * 1000).toISOString().slice(0, 19) + "Z";
  lastIsoSecond = sec;
  lastIsoText = s;
  return s;
}

let lastIsoSecond = Number.NaN;
let lastIsoText = "";

function lastSegment(arn: string): string {
  const i = arn.lastIndexOf("/");
  return i < 0 ? arn : arn.slice(i + 1);
}

function sessionIssuerOf(p: Principal): SessionIssuer | Record<string, never> {
  if (p.type === "AssumedRole") {
    const arn = p.roleArn ?? "";
    return {
      type: "Role",
      principalId: p.roleId ?? p.principalId.split(":")[0] ?? "",
      arn,
      accountId: p.accountId,
      userName: p.name ?? lastSegment(arn),
    };
  }
  if (p.type === "FederatedUser" && p.roleArn !== undefined) {
    const isRoot = p.roleArn.endsWith(":root");
    return {
      type: isRoot ? "Root" : "IAMUser",
      principalId: p.roleId ?? p.accountId,
      arn: p.roleArn,
      accountId: p.accountId,
      ...(isRoot ? {} : { userName: lastSegment(p.roleArn) }),
    };
  }
  return {};
}

function hasSession(p: Principal): boolean {
  return p.type === "AssumedRole" || p.type === "FederatedUser" || p.isSessionToken === true || p.sessionIssuedAt !== undefined;
}

/**
 * Only what the userIdentity element is built from: a principal kept with a staged event
 * (src/audit/outbox.ts) holds nothing the event does not show (no session policies or tags).
 */
export function eventPrincipal(p: Principal): Principal {
  const out: Principal = { type: p.type, accountId: p.accountId, arn: p.arn, principalId: p.principalId, accessKeyId: p.accessKeyId };
  if (p.name !== undefined) out.name = p.name;
  if (p.roleArn !== undefined) out.roleArn = p.roleArn;
  if (p.roleId !== undefined) out.roleId = p.roleId;
  if (p.sessionIssuedAt !== undefined) out.sessionIssuedAt = p.sessionIssuedAt;
  if (p.isSessionToken !== undefined) out.isSessionToken = p.isSessionToken;
  if (p.mfaAuthenticated !== undefined) out.mfaAuthenticated = p.mfaAuthenticated;
  if (p.sourceIdentity !== undefined) out.sourceIdentity = p.sourceIdentity;
  if (p.federatedProvider !== undefined) out.federatedProvider = p.federatedProvider;
  if (p.assumedRoot !== undefined) out.assumedRoot = p.assumedRoot;
  return out;
}

/** The userIdentity element of the caller as its own account sees it. */
export function userIdentityOf(p: Principal | undefined, claimedKey: string | undefined, claimedAccount: string | undefined): UserIdentity {
  if (p === undefined) {
    // Authentication failed: record only what the request claimed and what is known about it.
    const key = safeAccessKeyId(claimedKey);
    return { type: "Unknown", ...(claimedAccount ? { accountId: claimedAccount } : {}), ...(key ? { accessKeyId: key } : {}) };
  }
  const key = safeAccessKeyId(p.accessKeyId);
  const type: UserIdentityType =
    p.type === "Root" || p.type === "IAMUser" || p.type === "AssumedRole" || p.type === "FederatedUser" ? p.type : "Unknown";
  const id: UserIdentity = { type };
  if (p.principalId) id.principalId = p.principalId;
  if (p.arn) id.arn = p.arn;
  if (p.accountId) id.accountId = p.accountId;
  if (key) id.accessKeyId = key;
  if (type === "IAMUser") id.userName = p.name ?? lastSegment(p.arn);
  // The root user is named by the account alias when one is set ("CloudTrail userIdentity element").
  else if (type === "Root" && p.name) id.userName = p.name;
  if (hasSession(p)) {
    id.sessionContext = {
      sessionIssuer: sessionIssuerOf(p),
      webIdFederationData: p.federatedProvider !== undefined ? { federatedProvider: p.federatedProvider, attributes: {} } : {},
      attributes: {
        creationDate: isoSeconds(p.sessionIssuedAt ?? 0),
        mfaAuthenticated: p.mfaAuthenticated === true ? "true" : "false",
      },
      ...(p.sourceIdentity ? { sourceIdentity: p.sourceIdentity } : {}),
      ...(p.assumedRoot === true ? { assumedRoot: "true" as const } : {}),
    };
  }
  return id;
}

/**
 * The userIdentity of a call made without AWS credentials: the identity its IdP vouched for
 * (unsigned federation calls), else what the request claimed. Undefined when there is a principal.
 */
export function unauthenticatedIdentityOf(rec: ApiCallRecord): UserIdentity | undefined {
  if (rec.principal !== undefined) return undefined;
  // Service events name "AWS Internal" unless the service names itself (Organizations' CloseAccountResult).
  if (rec.eventType === "AwsServiceEvent") return { ...(rec.accountId ? { accountId: rec.accountId } : {}), invokedBy: rec.invokedBy ?? AWS_INTERNAL };
  // A call a service made for itself, as no one (KMS's SynchronizeMultiRegionKey): the account and the service;
  // as the service's own identity (a service assuming its role): the service alone.
  if (rec.invokedBy !== undefined && rec.identityType === "AWSService") return { type: "AWSService", invokedBy: rec.invokedBy };
  if (rec.invokedBy !== undefined) return { ...(rec.accountId ? { accountId: rec.accountId } : {}), invokedBy: rec.invokedBy };
  const f = rec.annotations.federatedIdentity;
  return f !== undefined ? { type: f.type, principalId: f.principalId, userName: f.userName, identityProvider: f.identityProvider } : userIdentityOf(undefined, rec.accessKeyId, rec.accountId);
}

/**
 * requestParameters from the request's input (redacted), after what the handler put before them
 * (`requestParametersPrefix`, e.g. STS's incomingTransitiveTags of a chained AssumeRole).
 */
export function inputParameters(rec: ApiCallRecord): Record<string, unknown> | null {
  const fromInput = redactForCloudTrail(rec.input, rec.inputSchema, "input", hiddenValueFor(rec.eventSource), cloudTrailDateFor(rec.eventSource));
  const prefix = rec.annotations.requestParametersPrefix;
  if (prefix === undefined) return fromInput;
  const extra = redactAnnotation(prefix);
  return extra === null ? fromInput : { ...extra, ...fromInput };
}

/** The caller's identity, with the service that called on its behalf last (`invokedBy`), if any. */
function withInvokedBy(id: UserIdentity, rec: ApiCallRecord): UserIdentity {
  return rec.invokedBy !== undefined && rec.principal !== undefined ? { ...id, invokedBy: rec.invokedBy } : id;
}

/**
 * Builds the event delivered to the primary recipient account (the annotated resource account,
 * else the caller's). The caller's full identity is recorded. Pure: same input, same output.
 */
export function buildCloudTrailEvent(rec: ApiCallRecord, eventId: string): CloudTrailEvent {
  const a = rec.annotations;
  const recipient = a.recipientAccountId ?? rec.principal?.accountId ?? rec.accountId;
  const hasError = rec.error !== undefined;

  let requestParameters: Record<string, unknown> | null;
  if (a.requestParameters !== undefined) requestParameters = a.requestParameters === null ? null : redactAnnotation(a.requestParameters);
  else requestParameters = inputParameters(rec);

  // CloudTrail records responseElements for calls that change state; reads and failures carry null.
  let responseElements: Record<string, unknown> | null;
  if (a.responseElements !== undefined) responseElements = a.responseElements === null ? null : redactAnnotation(a.responseElements);
  else if (hasError || rec.readOnly) responseElements = null;
  else responseElements = redactForCloudTrail(rec.output, rec.outputSchema, "output", hiddenValueFor(rec.eventSource), cloudTrailDateFor(rec.eventSource));

  const category = rec.eventCategory ?? "Management";
  const service = rec.eventType === "AwsServiceEvent";
  const ev: CloudTrailEvent = {
    eventVersion: EVENT_VERSION,
    userIdentity: withInvokedBy(unauthenticatedIdentityOf(rec) ?? userIdentityOf(rec.principal, rec.accessKeyId, rec.accountId), rec),
    eventTime: isoSeconds(rec.time),
    eventSource: rec.eventSource,
    eventName: rec.operation,
    awsRegion: rec.region || GLOBAL_EVENT_REGION,
    sourceIPAddress: rec.sourceIp,
    userAgent: rec.userAgent,
    // An error without a message (KMS's InvalidCiphertextException) has no errorMessage member, as AWS records it.
    ...(hasError ? { errorCode: rec.error!.code, ...(rec.error!.message !== "" ? { errorMessage: auditErrorMessage(rec.error!.message, rec.eventSource) } : {}) } : {}),
    requestParameters,
    responseElements,
    ...(a.additionalEventData !== undefined ? { additionalEventData: redactAnnotation(a.additionalEventData) ?? {} } : {}),
    requestID: service ? undefined : rec.requestId,
    eventID: eventId,
    readOnly: rec.readOnly,
    // An empty list stays: KMS writes "resources": [] for calls that use no key (GenerateRandom, ListAliases).
    ...(a.resources !== undefined
      ? { resources: a.resources.map((r) => ({ ARN: r.ARN, accountId: r.accountId, ...(r.type ? { type: r.type } : {}) })) }
      : {}),
    eventType: service ? "AwsServiceEvent" : "AwsApiCall",
    managementEvent: category === "Management",
    ...(recipient ? { recipientAccountId: recipient } : {}),
    ...(service && a.serviceEventDetails !== undefined ? { serviceEventDetails: redactAnnotation(a.serviceEventDetails) ?? {} } : {}),
    eventCategory: category,
    ...(!service && rec.tlsDetails !== undefined ? { tlsDetails: tlsDetailsOf(rec.tlsDetails) } : {}),
  };
  return ev;
}

/** tlsDetails in CloudTrail's member order, the Host header only when one was sent. */
export function tlsDetailsOf(t: TlsDetails): TlsDetails {
  return {
    tlsVersion: t.tlsVersion,
    cipherSuite: t.cipherSuite,
    ...(t.clientProvidedHostHeader !== undefined ? { clientProvidedHostHeader: t.clientProvidedHostHeader } : {}),
  };
}

/**
 * All events for one call. A cross-account call (annotated recipient differs from the caller's
 * account) is delivered to both accounts like CloudTrail does: the caller's copy carries the full
 * identity, the resource owner's copy identifies the caller only as an AWSAccount; the copies
 * share a sharedEventID and have their own eventID. A call on resources of several other accounts
 * (otherRecipientAccountIds) gives each of them its own owner's copy.
 */
export function buildCloudTrailEvents(rec: ApiCallRecord, newId: () => string): CloudTrailEvent[] {
  const p = rec.principal;
  const recipient = rec.annotations.recipientAccountId;
  if (p === undefined || recipient === undefined || recipient === p.accountId) return [buildCloudTrailEvent(rec, newId())];
  const shared = newId();
  const { otherRecipientAccountIds: others, ...annotations } = rec.annotations;
  const callerCopy = buildCloudTrailEvent({ ...rec, annotations: { ...annotations, recipientAccountId: p.accountId } }, newId());
  callerCopy.sharedEventID = shared;
  const out = [reorderShared(callerCopy)];
  for (const owner of others === undefined ? [recipient] : [recipient, ...others]) {
    if (owner === p.accountId) continue;
    const ownerCopy = buildCloudTrailEvent({ ...rec, annotations: { ...annotations, recipientAccountId: owner } }, newId());
    ownerCopy.userIdentity = withInvokedBy({ type: "AWSAccount", principalId: p.principalId, accountId: p.accountId }, rec);
    ownerCopy.sharedEventID = shared;
    out.push(reorderShared(ownerCopy));
  }
  return out;
}

// Keep CloudTrail's field order: sharedEventID sits after recipientAccountId, tlsDetails last.
function reorderShared(ev: CloudTrailEvent): CloudTrailEvent {
  const { eventCategory, tlsDetails, ...rest } = ev;
  return { ...rest, eventCategory, ...(tlsDetails !== undefined ? { tlsDetails } : {}) };
}

/** What LookupEvents shows as the user name. */
export function usernameOf(id: UserIdentity): string {
  switch (id.type) {
    case "IAMUser":
      return id.userName ?? "";
    case "Root":
      return "root";
    case "AssumedRole":
      return id.arn ? lastSegment(id.arn) : "";
    case "FederatedUser":
      return id.arn ? id.arn.slice(id.arn.indexOf("federated-user/") + "federated-user/".length) : "";
    case "AWSAccount":
      return id.principalId ?? "";
    default:
      return id.userName ?? "";
  }
}

/**
 * Index columns of a row, derived only from the event (and the record time, whose second is
 * eventTime) so verification can recompute and compare them.
 */
export function indexFieldsOf(ev: CloudTrailEvent, timeMs: number): EventIndexFields {
  const res = ev.resources ?? [];
  return {
    time: timeMs,
    accountId: ev.recipientAccountId ?? "",
    region: ev.awsRegion,
    eventId: ev.eventID,
    eventName: ev.eventName,
    eventSource: ev.eventSource,
    username: usernameOf(ev.userIdentity),
    accessKeyId: ev.userIdentity.accessKeyId ?? "",
    readOnly: ev.readOnly,
    resourceNames: res.map((r) => r.ARN).join("\n"),
    resourceTypes: res.map((r) => r.type ?? "").join("\n"),
  };
}
