/**
 * Test support (used by the *.test.ts files only): an SDK request handler that hands the
 * SDK's serialised request to a protocol engine — a miniature gateway — and returns the
 * engine's response to the SDK's deserialiser. Round-trips prove that the engine reads
 * exactly what the real client sends and writes exactly what the real client parses.
 */
import { buildQueryString, HttpResponse, type HttpRequest } from "@smithy/core/protocols";
import { isAwsError } from "../core/errors.js";
import type { OperationDefinition, ServiceDefinition } from "../services/types.js";
import type { ProtocolEngine, WireRequest, WireResponse } from "./types.js";

export const CLIENT_CONFIG = {
  region: "us-east-1",
  endpoint: "http://localhost",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
  maxAttempts: 1,
} as const;

export const REQUEST_ID = "4f1c2a7e-0d3b-4a8e-9c55-6e2b7d1f9a00";

export function toWire(request: HttpRequest): WireRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  const body: unknown = request.body;
  return {
    method: request.method,
    path: request.path,
    rawQuery: buildQueryString(request.query ?? {}),
    headers,
    body: typeof body === "string" ? Buffer.from(body, "utf8") : body instanceof Uint8Array ? Buffer.from(body) : Buffer.alloc(0),
  };
}

/** What the fake service does with a decoded input: return an output or throw an AwsError. */
export type Behaviour = (opName: string, input: unknown) => unknown;

export class EngineHarness {
  readonly requests: WireRequest[] = [];
  readonly inputs: unknown[] = [];
  readonly responses: WireResponse[] = [];
  behaviour: Behaviour = () => ({});

  constructor(readonly engine: ProtocolEngine, readonly svc: ServiceDefinition) {
    engine.prepare(svc);
  }

  /** The object passed to a client as `requestHandler`. */
  readonly requestHandler = {
    handle: async (request: HttpRequest): Promise<{ response: HttpResponse }> => {
      const wire = toWire(request);
      this.requests.push(wire);
      const res = this.dispatch(wire);
      this.responses.push(res);
      // Node's HTTP client hands the SDK lower-cased header names.
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = v;
      return { response: new HttpResponse({ statusCode: res.status, headers, body: new Uint8Array(res.body) }) };
    },
  };

  dispatch(wire: WireRequest): WireResponse {
    try {
      const opName = this.engine.resolveOperation(this.svc, wire);
      const op = this.svc.operations[opName] as OperationDefinition;
      const input = this.engine.decodeInput(this.svc, op, wire);
      this.inputs.push(input);
      return this.engine.encodeOutput(this.svc, op, this.behaviour(opName, input), REQUEST_ID);
    } catch (e) {
      if (!isAwsError(e)) throw e;
      return this.engine.encodeError(this.svc, e, REQUEST_ID);
    }
  }
}

export function operation(schema: unknown): OperationDefinition {
  return { schema, handler: async () => ({}) };
}

export function wire(init: Omit<Partial<WireRequest>, "body"> & { body?: Buffer | string }): WireRequest {
  return {
    method: init.method ?? "POST",
    path: init.path ?? "/",
    rawQuery: init.rawQuery ?? "",
    headers: init.headers ?? {},
    body: typeof init.body === "string" ? Buffer.from(init.body, "utf8") : (init.body ?? Buffer.alloc(0)),
  };
}

/** Runs fn and returns the AwsError it throws (fails if it does not throw one). */
export function thrown(fn: () => unknown): import("../core/errors.js").AwsError {
  try {
    fn();
  } catch (e) {
    if (isAwsError(e)) return e;
    throw e;
  }
  throw new Error("expected an AwsError");
}
