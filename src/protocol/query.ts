/**
 * awsQuery (IAM, STS): parameters in a form-encoded POST body or a GET query string,
 * Action + Version select the operation; responses are
 * <XResponse xmlns=NS><XResult>…</XResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>,
 * errors <ErrorResponse xmlns=NS><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>;
 * the same in JSON when the request accepts application/json (query-json.ts).
 */
import { AwsError, commonError } from "../core/errors.js";
import type { OperationDefinition, ServiceDefinition } from "../services/types.js";
import { validationError, wireError } from "./errors.js";
import { mediaTypeOf } from "./headers.js";
import { acceptsJson, queryJsonValue } from "./query-json.js";
import { paramTree, parseQueryString, readQueryInput, type QueryParams } from "./query-parse.js";
import { checkOperations, memberCount, operationShapes } from "./schema-util.js";
import type { ProtocolEngine, WireRequest, WireResponse } from "./types.js";
import { missingRequiredMembers } from "./validate.js";
import { escapeXml, isXmlName, structInnerXml } from "./xml.js";

const FORM = "application/x-www-form-urlencoded";
const CONTENT_TYPE = "text/xml";
const JSON_CONTENT_TYPE = "application/json";

/** resolveOperation and decodeInput see the same request object; its parameters are parsed once. */
const PARAMS: unique symbol = Symbol("bulwark.queryParams");
type WithParams = WireRequest & { [PARAMS]?: { body: Buffer; params: QueryParams } };

/** Query-string parameters, plus the form body of a POST (a body of any other type is not read). */
export function queryParamsOf(req: WireRequest): QueryParams {
  const r = req as WithParams;
  const cached = r[PARAMS];
  // Valid only for the body it was parsed from (callers may swap the body).
  if (cached !== undefined && cached.body === req.body) return cached.params;
  const params = parseQueryString(req.rawQuery);
  if (req.method === "POST" && req.body.length > 0 && mediaTypeOf(req) === FORM) {
    parseQueryString(req.body.toString("utf8"), params);
  }
  r[PARAMS] = { body: req.body, params };
  return params;
}

/** The fixed parts of an operation's response document. */
interface Envelope {
  namespace: string | undefined;
  open: string;
  close: string;
  resultOpen: string;
  resultClose: string;
  emptyResult: string;
}

const envelopes = new WeakMap<ServiceDefinition, Map<string, Envelope>>();

function envelopeOf(svc: ServiceDefinition, name: string): Envelope {
  let byOp = envelopes.get(svc);
  if (byOp === undefined) {
    byOp = new Map();
    envelopes.set(svc, byOp);
  }
  let env = byOp.get(name);
  // Rebuilt if the service's namespace was changed after first use.
  if (env === undefined || env.namespace !== svc.xmlNamespace) {
    env = {
      namespace: svc.xmlNamespace,
      open: `<${name}Response xmlns="${escapeXml(svc.xmlNamespace ?? "")}">`,
      close: `</${name}Response>`,
      resultOpen: `<${name}Result>`,
      resultClose: `</${name}Result>`,
      emptyResult: `<${name}Result/>`,
    };
    byOp.set(name, env);
  }
  return env;
}

export class AwsQueryEngine implements ProtocolEngine {
  readonly name = "awsQuery" as const;

  prepare(svc: ServiceDefinition): void {
    if (!svc.xmlNamespace || !svc.apiVersion) throw new Error(`protocol: ${svc.name} (awsQuery) needs xmlNamespace and apiVersion`);
    checkOperations(svc);
  }

  resolveOperation(svc: ServiceDefinition, req: WireRequest): string {
    const params = queryParamsOf(req);
    const action = params.get("Action");
    if (action === undefined || action === "") throw new AwsError("MissingAction", "Could not find an Action parameter in the request.", 400);
    const version = params.get("Version");
    if (version !== svc.apiVersion || !Object.hasOwn(svc.operations, action)) {
      throw commonError("UnknownOperation", `Could not find operation ${action} for version ${version || "NO_VERSION_SPECIFIED"}`);
    }
    return action;
  }

  decodeInput(svc: ServiceDefinition, op: OperationDefinition, req: WireRequest): unknown {
    const { input } = operationShapes(op.schema);
    if (input.isUnitSchema() || memberCount(input) === 0) return {};
    const value = readQueryInput(input, paramTree(queryParamsOf(req)));
    const missing = missingRequiredMembers(input, value);
    if (missing.length > 0) throw svc.missingRequiredError?.(missing) ?? validationError(missing);
    return value;
  }

  encodeOutput(svc: ServiceDefinition, op: OperationDefinition, output: unknown, requestId: string, req?: WireRequest): WireResponse {
    const shapes = operationShapes(op.schema);
    if (acceptsJson(req)) {
      const response: Record<string, unknown> = {};
      if (!shapes.output.isUnitSchema()) response[`${shapes.name}Result`] = queryJsonValue(shapes.output, output ?? {});
      response["ResponseMetadata"] = { RequestId: requestId };
      const doc = { [`${shapes.name}Response`]: response };
      return { status: 200, headers: this.headers(requestId, JSON_CONTENT_TYPE), body: Buffer.from(JSON.stringify(doc), "utf8") };
    }
    const env = envelopeOf(svc, shapes.name);
    let result = "";
    if (!shapes.output.isUnitSchema() && output !== null && output !== undefined) {
      const inner = structInnerXml(shapes.output, output);
      result = inner === "" ? env.emptyResult : env.resultOpen + inner + env.resultClose;
    }
    const body = env.open + result + "<ResponseMetadata><RequestId>" + escapeXml(requestId) + "</RequestId></ResponseMetadata>" + env.close;
    return { status: 200, headers: this.headers(requestId), body: Buffer.from(body, "utf8") };
  }

  encodeError(svc: ServiceDefinition | undefined, err: AwsError, requestId: string, req?: WireRequest): WireResponse {
    const { code, status, fault } = wireError(this.name, err);
    if (acceptsJson(req)) {
      const error: Record<string, unknown> = { Code: code, Message: err.message, Type: fault };
      for (const [k, v] of Object.entries(err.fields ?? {})) {
        if (v === undefined || v === null || k === "Type" || k === "Code" || k === "Message") continue;
        error[k] = v instanceof Date ? v.toISOString() : v;
      }
      const body = JSON.stringify({ Error: error, RequestId: requestId });
      return { status, headers: this.headers(requestId, JSON_CONTENT_TYPE), body: Buffer.from(body, "utf8") };
    }
    let extra = "";
    for (const [k, v] of Object.entries(err.fields ?? {})) {
      if (v === undefined || v === null || !isXmlName(k) || k === "Type" || k === "Code" || k === "Message") continue;
      const text = v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
      extra += `<${k}>${escapeXml(text)}</${k}>`;
    }
    const xmlns = svc?.xmlNamespace ? ` xmlns="${escapeXml(svc.xmlNamespace)}"` : "";
    const body =
      `<ErrorResponse${xmlns}><Error>` +
      `<Type>${fault}</Type><Code>${escapeXml(code)}</Code>` +
      (err.message !== "" ? `<Message>${escapeXml(err.message)}</Message>` : "") +
      extra +
      `</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
    return { status, headers: this.headers(requestId), body: Buffer.from(body, "utf8") };
  }

  private headers(requestId: string, contentType = CONTENT_TYPE): Record<string, string> {
    return { "content-type": contentType, "x-amzn-RequestId": requestId };
  }
}
