/**
 * Typed AWS errors. The domain throws them; the protocol layer serialises them.
 *
 * Two kinds:
 *  - a service-specific error: `code` is the exact wire code the service uses
 *    (e.g. "NoSuchEntity" for IAM, "NotFoundException" for KMS) with its HTTP status;
 *  - a common error (`common` set): authentication, validation, throttling, … whose
 *    wire code depends on the protocol (e.g. SignatureDoesNotMatch for query services,
 *    InvalidSignatureException for JSON services). The protocol engine picks the code.
 *
 * Messages must never contain secrets, plaintexts or key material.
 */

/** CloudTrail's placeholder for a value it does not record. */
export const HIDDEN_VALUE = "HIDDEN_DUE_TO_SECURITY_REASONS";

export type CommonErrorKind =
  | "UnknownOperation"
  | "Serialization"
  | "Validation"
  | "MissingParameter"
  | "MissingAuthenticationToken"
  | "IncompleteSignature"
  | "InvalidSignature"
  | "UnrecognizedClient"
  | "InvalidClientTokenId"
  | "ExpiredToken"
  | "RequestExpired"
  | "AccessDenied"
  | "Throttling"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "InternalFailure"
  | "ServiceUnavailable";

export class AwsError extends Error {
  /** Wire code for service errors; for common errors the protocol's code is chosen by the engine. */
  readonly code: string;
  readonly status: number;
  readonly common: CommonErrorKind | undefined;
  /** "Sender" (client fault) or "Receiver" (server fault). */
  readonly fault: "Sender" | "Receiver";
  /** Extra modelled members of the error shape (serialised next to the message). */
  readonly fields: Record<string, unknown> | undefined;
  /**
   * What the audit event records instead of `message`, when the message sent back quotes request
   * material that may be a secret in the wrong place (a secret access key sent as the access key
   * id): the caller sees what it sent, as AWS answers, and the log keeps no copy of it.
   */
  readonly auditMessage: string | undefined;

  constructor(
    code: string,
    message: string,
    status = 400,
    opts: { common?: CommonErrorKind; fault?: "Sender" | "Receiver"; fields?: Record<string, unknown>; auditMessage?: string } = {},
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.common = opts.common;
    this.fault = opts.fault ?? (status >= 500 ? "Receiver" : "Sender");
    this.fields = opts.fields;
    this.auditMessage = opts.auditMessage;
  }
}

/**
 * Default code and status of each common error: the JSON-protocol family's (protocol/errors.ts
 * derives its tables from this one and remaps per protocol).
 */
export const COMMON_DEFAULTS: Readonly<Record<CommonErrorKind, readonly [string, number]>> = {
  UnknownOperation: ["UnknownOperationException", 400],
  Serialization: ["SerializationException", 400],
  Validation: ["ValidationException", 400],
  MissingParameter: ["MissingParameter", 400],
  MissingAuthenticationToken: ["MissingAuthenticationTokenException", 403],
  IncompleteSignature: ["IncompleteSignatureException", 400],
  InvalidSignature: ["InvalidSignatureException", 400],
  UnrecognizedClient: ["UnrecognizedClientException", 400],
  InvalidClientTokenId: ["UnrecognizedClientException", 400],
  ExpiredToken: ["ExpiredTokenException", 400],
  RequestExpired: ["InvalidSignatureException", 400],
  AccessDenied: ["AccessDeniedException", 400],
  Throttling: ["ThrottlingException", 400],
  RequestEntityTooLarge: ["RequestEntityTooLargeException", 413],
  UnsupportedMediaType: ["UnsupportedMediaTypeException", 415],
  InternalFailure: ["InternalFailure", 500],
  ServiceUnavailable: ["ServiceUnavailableException", 503],
};

export function commonError(kind: CommonErrorKind, message: string, auditMessage?: string): AwsError {
  const [code, status] = COMMON_DEFAULTS[kind];
  return new AwsError(code, message, status, auditMessage === undefined ? { common: kind } : { common: kind, auditMessage });
}

export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}

/** Anything untyped becomes InternalFailure with no internal detail. */
export function toAwsError(e: unknown): AwsError {
  if (e instanceof AwsError) return e;
  return commonError("InternalFailure", "We encountered an internal error. Please try again.");
}
