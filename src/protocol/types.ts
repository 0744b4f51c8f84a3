import type { AwsError } from "../core/errors.js";
import type { OperationDefinition, ProtocolName, ServiceDefinition } from "../services/types.js";

/** One HTTP request as the gateway hands it to a protocol engine (body already read and size-limited). */
export interface WireRequest {
  method: string;
  path: string;
  /** Query string without the leading "?", still percent-encoded. */
  rawQuery: string;
  /** Node-style headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Shape-driven wire engine of one protocol. An engine knows shapes (the SDK's static
 * Smithy schemas), never services: everything service-specific comes from the
 * ServiceDefinition it is handed.
 */
export interface ProtocolEngine {
  readonly name: ProtocolName;
  /** Called once per service at start-up (build route tables; REST engines detect path-template conflicts here and throw). */
  prepare(svc: ServiceDefinition): void;
  /** Name of the operation the request asks for, or throws the protocol's "unknown operation" AwsError. */
  resolveOperation(svc: ServiceDefinition, req: WireRequest): string;
  /** Input shape from the body/query; throws serialization / validation AwsErrors the way the real service does. */
  decodeInput(svc: ServiceDefinition, op: OperationDefinition, req: WireRequest): unknown;
  /** `req`, when given, is the request answered (a protocol may honour its Accept header). */
  encodeOutput(svc: ServiceDefinition, op: OperationDefinition, output: unknown, requestId: string, req?: WireRequest): WireResponse;
  encodeError(svc: ServiceDefinition | undefined, err: AwsError, requestId: string, req?: WireRequest): WireResponse;
}
