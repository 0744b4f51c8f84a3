/**
 * awsJson1_0 / awsJson1_1: POST /, operation in X-Amz-Target ("Prefix.Operation"),
 * input and output as JSON documents, errors as {"__type": Code, "message": …} with the
 * code repeated in x-amzn-ErrorType.
 */
import { JsonCodec } from "@aws-sdk/core/protocols";
import { commonError, type AwsError } from "../core/errors.js";
import type { OperationDefinition, ServiceDefinition } from "../services/types.js";
import { validationError, wireError } from "./errors.js";
import { headerValue, mediaTypeOf } from "./headers.js";
import { jsonShapeReader, parseJsonObject } from "./json-input.js";
import { JsonWriter } from "./json-writer.js";
import { checkOperations, operationShapes, serviceShapes } from "./schema-util.js";
import type { ProtocolEngine, WireRequest, WireResponse } from "./types.js";
import { missingRequiredMembers } from "./validate.js";

const JSON_MEDIA_TYPES = new Set(["application/x-amz-json-1.0", "application/x-amz-json-1.1"]);

export class AwsJsonEngine implements ProtocolEngine {
  readonly name: "awsJson1_0" | "awsJson1_1";
  private readonly contentType: string;
  private static readonly settings = { timestampFormat: { useTrait: true, default: 7 as const }, jsonName: false };
  private readonly codec = new JsonCodec(AwsJsonEngine.settings);
  // Same bytes as the codec for the shapes it models, from a plan cached per schema.
  private readonly writer = new JsonWriter(AwsJsonEngine.settings);

  constructor(version: "1.0" | "1.1") {
    this.name = version === "1.0" ? "awsJson1_0" : "awsJson1_1";
    this.contentType = `application/x-amz-json-${version}`;
  }

  prepare(svc: ServiceDefinition): void {
    if (!svc.targetPrefix) throw new Error(`protocol: ${svc.name} (${this.name}) needs a targetPrefix`);
    checkOperations(svc);
    serviceShapes(svc);
  }

  resolveOperation(svc: ServiceDefinition, req: WireRequest): string {
    // Real services answer both an unusable content type and a missing or foreign target
    // with a bare UnknownOperationException.
    if (req.method !== "POST" || !JSON_MEDIA_TYPES.has(mediaTypeOf(req))) throw unknownOperation();
    const target = headerValue(req, "x-amz-target");
    if (target === undefined) throw unknownOperation();
    const dot = target.lastIndexOf(".");
    if (dot <= 0) throw unknownOperation();
    const name = target.slice(dot + 1);
    const prefix = target.slice(0, dot);
    if ((prefix !== svc.targetPrefix && !svc.targetPrefixAliases?.includes(prefix)) || !Object.hasOwn(svc.operations, name)) throw unknownOperation();
    return name;
  }

  decodeInput(svc: ServiceDefinition, op: OperationDefinition, req: WireRequest): unknown {
    const { input } = operationShapes(op.schema);
    const body = parseJsonObject(req.body);
    if (input.isUnitSchema()) return {};
    const value = (jsonShapeReader(input)(body) ?? {}) as Record<string, unknown>;
    const missing = missingRequiredMembers(input, value);
    if (missing.length > 0) throw svc.missingRequiredError?.(missing) ?? validationError(missing);
    return value;
  }

  encodeOutput(_svc: ServiceDefinition, op: OperationDefinition, output: unknown, requestId: string): WireResponse {
    const shapes = operationShapes(op.schema);
    let body = "{}";
    if (!shapes.output.isUnitSchema() && output !== null && output !== undefined) {
      const fast = this.writer.write(shapes.output, output);
      if (fast !== undefined) body = fast;
      else {
        const serializer = this.codec.createSerializer();
        serializer.write(shapes.output, output);
        body = String(serializer.flush());
      }
    }
    return {
      status: 200,
      headers: { "content-type": this.contentType, "x-amzn-RequestId": requestId },
      body: Buffer.from(body, "utf8"),
    };
  }

  encodeError(svc: ServiceDefinition | undefined, err: AwsError, requestId: string): WireResponse {
    const { code, status, fault } = wireError(this.name, err);
    const shapes = svc ? serviceShapes(svc) : undefined;
    const modelled = shapes?.errors.get(code);
    const messageKey = modelled?.messageMember ?? "message";
    let members: string;
    if (modelled) {
      // Modelled errors: let the SDK codec write the members so their types are right.
      const serializer = this.codec.createSerializer();
      const value: Record<string, unknown> = { ...err.fields };
      if (err.message !== "") value[messageKey] = err.message;
      serializer.write(modelled.schema, value);
      members = String(serializer.flush());
    } else {
      const value: Record<string, unknown> = {};
      if (err.message !== "") value[messageKey] = err.message;
      for (const [k, v] of Object.entries(err.fields ?? {})) if (k !== "__type" && !(k in value)) value[k] = v;
      members = JSON.stringify(value);
    }
    const typeJson = `{"__type":${JSON.stringify(code)}`;
    const body = members === "{}" ? `${typeJson}}` : `${typeJson},${members.slice(1)}`;
    const headers: Record<string, string> = {
      "content-type": this.contentType,
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": code,
    };
    // Only services that declare awsQueryCompatible send the query code: botocore prefers this
    // header's code over __type (KMS would show "InvalidCiphertext" instead of
    // "InvalidCiphertextException"), and neither KMS nor CloudTrail clients are query-compatible.
    if (shapes?.queryCompatible && svc?.awsQueryCompatible === true) headers["x-amzn-query-error"] = `${modelled?.queryCode ?? code};${fault}`;
    return { status, headers, body: Buffer.from(body, "utf8") };
  }
}

function unknownOperation(): AwsError {
  return commonError("UnknownOperation", "");
}
