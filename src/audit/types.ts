import type { AuditAnnotations, Principal } from "../core/types.js";

/** One API call as the gateway saw it; the audit module turns it into a CloudTrail event. */
export interface ApiCallRecord {
  time: number; // epoch ms
  requestId: string;
  eventSource: string; // e.g. "sts.amazonaws.com"
  service: string; // e.g. "sts"
  operation: string; // eventName
  region: string; // awsRegion
  /** Authenticated caller, if authentication succeeded. */
  principal?: Principal;
  /** Access key id the request claimed, even when authentication failed. */
  accessKeyId?: string;
  /** Account the claimed key belongs to, when known (for recipientAccountId of failed calls). */
  accountId?: string;
  sourceIp: string;
  userAgent: string;
  /** Decoded input / output; the audit module redacts them using the schemas' sensitive traits and a deny-list. */
  input?: unknown;
  output?: unknown;
  /** Static SDK schemas of the input and output structures, when the operation was resolved. */
  inputSchema?: unknown;
  outputSchema?: unknown;
  error?: { code: string; message: string };
  readOnly: boolean;
  annotations: AuditAnnotations;
  /** "Management" for control-plane calls, "Data" for data events. */
  eventCategory?: "Management" | "Data";
  /**
   * "AwsServiceEvent" for what the service did on its own (a key deleted when its waiting period
   * ended, automatic rotation): no caller, no request, `userIdentity` is the account with
   * `invokedBy: "AWS Internal"` ("AWS service events", CloudTrail user guide). Default "AwsApiCall".
   */
  eventType?: "AwsApiCall" | "AwsServiceEvent";
  /**
   * A call an AWS service made on the caller's behalf with the caller's identity (a service's
   * KMS call, a service-linked role a service creates on first use): the service principal,
   * recorded as `userIdentity.invokedBy` ("CloudTrail userIdentity element"). Such calls also
   * carry the service principal as sourceIPAddress and userAgent.
   */
  invokedBy?: string;
  /**
   * "AWSService": a call a service made as itself, with no caller and no account of the
   * customer's behind it (a service assuming its service-linked role): the userIdentity is
   * `{ type: "AWSService", invokedBy }` ("CloudTrail userIdentity element"). Needs `invokedBy`
   * and no principal; `accountId` is then only the recipient.
   */
  identityType?: "AWSService";
  /** The TLS session of a call that came over HTTPS (CloudTrail's tlsDetails); absent for plain HTTP. */
  tlsDetails?: TlsDetails;
  /**
   * The event's id, when fixed before the record reaches the log (events staged with the change
   * they record: src/audit/outbox.ts); a fresh UUID otherwise. A record delivered as two events
   * (a cross-account call) gives it to the first.
   */
  eventId?: string;
}

/** CloudTrail's tlsDetails ("CloudTrail record contents"). */
export interface TlsDetails {
  tlsVersion: string;
  cipherSuite: string;
  /** The Host header the client sent, when it sent one. */
  clientProvidedHostHeader?: string;
}

export interface AuditLog {
  /**
   * Builds, redacts, chains and appends the event; resolves once it is durable (group commit).
   * `settles`: the key intend() gave for the same call, whose intent goes with this append.
   */
  record(rec: ApiCallRecord, settles?: string): Promise<void>;
  /**
   * Before a call that changes state: stores durably the event the log shows of the call should
   * the process stop before record() appends its own (an "InternalFailure" with what is known
   * before the call runs); resolves with its key, or undefined where the store keeps no intents.
   */
  intend?(rec: ApiCallRecord): Promise<string | undefined>;
  /** At start, before any call: appends the events of intents an earlier process left; resolves with how many. */
  recoverIntents?(): Promise<number>;
  /** Writes any pending events and a signed digest. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
