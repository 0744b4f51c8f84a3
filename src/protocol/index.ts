/**
 * Protocol layer: schema-driven wire engines. An engine knows shapes, never services.
 * Engines are looked up by protocol name in a registry, so restJson1 / restXml /
 * ec2Query can be added (registerEngine) without touching services or the gateway.
 */
import type { CommonErrorKind } from "../core/errors.js";
import type { ProtocolName } from "../services/types.js";
import { AwsJsonEngine } from "./aws-json.js";
import { commonErrorCode as commonErrorCodeImpl } from "./errors.js";
import { headerValue, mediaTypeOf } from "./headers.js";
import { AwsQueryEngine } from "./query.js";
import type { ProtocolEngine, WireRequest } from "./types.js";

export type { ProtocolEngine, WireRequest, WireResponse } from "./types.js";
export { registerCommonErrorTable, wireError, type WireError } from "./errors.js";
export { unservedProtocol, encodeUnservedError } from "./unserved.js";

const factories = new Map<ProtocolName, () => ProtocolEngine>();
const engines = new Map<ProtocolName, ProtocolEngine>();

/** Adds (or replaces) the engine of a protocol. Engines are created lazily, one per protocol. */
export function registerEngine(protocol: ProtocolName, factory: () => ProtocolEngine): void {
  factories.set(protocol, factory);
  engines.delete(protocol);
}

registerEngine("awsJson1_0", () => new AwsJsonEngine("1.0"));
registerEngine("awsJson1_1", () => new AwsJsonEngine("1.1"));
registerEngine("awsQuery", () => new AwsQueryEngine());

/** The engine of a protocol; throws for protocols not implemented yet. */
export function engineFor(protocol: ProtocolName): ProtocolEngine {
  let engine = engines.get(protocol);
  if (engine) return engine;
  const factory = factories.get(protocol);
  if (!factory) throw new Error(`protocol ${protocol} is not implemented`);
  engine = factory();
  engines.set(protocol, engine);
  return engine;
}

/** When the service is unknown (e.g. unsigned request): guess a protocol from Content-Type / X-Amz-Target so errors are still well-formed. */
export function guessProtocol(req: WireRequest): ProtocolName {
  const mt = mediaTypeOf(req);
  if (mt === "application/x-amz-json-1.0") return "awsJson1_0";
  if (mt === "application/x-amz-json-1.1") return "awsJson1_1";
  if (headerValue(req, "x-amz-target") !== undefined) return "awsJson1_1";
  return "awsQuery";
}

/** Wire code and status a common error kind has under a protocol (see src/core/errors.ts CommonErrorKind). */
export function commonErrorCode(protocol: ProtocolName, kind: CommonErrorKind): { code: string; status: number } {
  return commonErrorCodeImpl(protocol, kind);
}
