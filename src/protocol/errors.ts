/**
 * Which wire code and HTTP status an AwsError gets under each protocol.
 *
 * Common errors (authentication, validation, throttling, …) have different codes in the
 * JSON family (Coral "…Exception" names) and the query family (IAM/STS names). The values
 * follow what the real services send, e.g. a stale X-Amz-Date on STS yields
 * SignatureDoesNotMatch 403 ("Signature expired: …"), and an expired session token
 * ExpiredToken 403 on both IAM and STS. A common error has the status of its protocol's table
 * (the services' Common Errors pages: AccessDeniedException and ThrottlingException are 400 on
 * JSON services) even where a service models a shape of the same name with another httpError
 * status (Organizations' and CloudTrail's AccessDeniedException 403, CloudTrail's
 * ThrottlingException 429): that trait is not what the services send.
 */
import { AwsError, COMMON_DEFAULTS, commonError, type CommonErrorKind } from "../core/errors.js";
import type { ProtocolName } from "../services/types.js";

type Table = Record<CommonErrorKind, readonly [string, number]>;

const JSON_FAMILY: Table = {
  ...COMMON_DEFAULTS,
  // JSON services report a missing member as a validation error naming it.
  MissingParameter: ["ValidationException", 400],
};

const QUERY_FAMILY: Table = {
  UnknownOperation: ["InvalidAction", 400],
  // Query services answer undecodable parameter values with a validation error.
  Serialization: ["ValidationError", 400],
  Validation: ["ValidationError", 400],
  MissingParameter: ["MissingParameter", 400],
  MissingAuthenticationToken: ["MissingAuthenticationToken", 403],
  IncompleteSignature: ["IncompleteSignature", 400],
  InvalidSignature: ["SignatureDoesNotMatch", 403],
  UnrecognizedClient: ["InvalidClientTokenId", 403],
  InvalidClientTokenId: ["InvalidClientTokenId", 403],
  ExpiredToken: ["ExpiredToken", 403],
  RequestExpired: ["SignatureDoesNotMatch", 403],
  AccessDenied: ["AccessDenied", 403],
  Throttling: ["Throttling", 400],
  RequestEntityTooLarge: ["RequestEntityTooLarge", 413],
  UnsupportedMediaType: ["UnsupportedMediaType", 415],
  InternalFailure: ["InternalFailure", 500],
  ServiceUnavailable: ["ServiceUnavailable", 503],
};

const tables = new Map<ProtocolName, Table>([
  ["awsJson1_0", JSON_FAMILY],
  ["awsJson1_1", JSON_FAMILY],
  ["restJson1", JSON_FAMILY],
  ["awsQuery", QUERY_FAMILY],
  // No service here speaks these; requests for EC2 and S3 are answered in them (src/protocol/unserved.ts)
  // with the codes both services share with the query family (SignatureDoesNotMatch 403, …).
  ["ec2Query", QUERY_FAMILY],
  ["restXml", QUERY_FAMILY],
]);

/** Lets a later engine (ec2Query, restXml) bring its own table without touching this file's callers. */
export function registerCommonErrorTable(protocol: ProtocolName, table: Table): void {
  tables.set(protocol, table);
}

function commonCode(protocol: ProtocolName, kind: CommonErrorKind): { code: string; status: number } {
  const table = tables.get(protocol);
  let code: string;
  let status: number;
  if (table) {
    [code, status] = table[kind];
  } else {
    const d = commonError(kind, "");
    code = d.code;
    status = d.status;
  }
  return { code, status };
}

/** Wire code and status a common error kind has under a protocol. */
export function commonErrorCode(protocol: ProtocolName, kind: CommonErrorKind): { code: string; status: number } {
  return commonCode(protocol, kind);
}

export interface WireError {
  code: string;
  status: number;
  fault: "Sender" | "Receiver";
}

/** Code/status/fault an error is sent with; a non-common AwsError keeps its own code and status. */
export function wireError(protocol: ProtocolName, err: AwsError): WireError {
  if (err.common === undefined) return { code: err.code, status: err.status, fault: err.fault };
  const { code, status } = commonCode(protocol, err.common);
  return { code, status, fault: status >= 500 ? "Receiver" : "Sender" };
}

/**
 * A value as a Coral constraint violation shows it between the quotes of "Value '…' at '…'":
 * text as it is, lists as "[a, b]", and structures the way the Java model objects print
 * themselves, "{Key: k,Value: v}" (absent members left out). AWS documents no format for a
 * structure; the Java model's is inferred. Never JavaScript's "[object Object]".
 */
export function constraintValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(constraintValue).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.byteLength} cap=${value.byteLength}]`;
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) parts.push(`${k}: ${constraintValue(v)}`);
    return `{${parts.join(",")}}`;
  }
  return String(value);
}

/** "1 validation error detected: …; …" exactly as Coral services phrase it. */
export function validationMessage(violations: readonly string[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`;
}

export function validationError(violations: readonly string[]): AwsError {
  return commonError("Validation", validationMessage(violations));
}
