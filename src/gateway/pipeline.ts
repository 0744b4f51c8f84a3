/**
 * The request pipeline: request id → body (bounded) → SigV4 parse → service by credential
 * scope → credential lookup → signature verify → operation → decode input → handler
 * (which authorises through ctx.authorize) → encode output or error → audit (durable) → reply.
 *
 * Every outcome, including authentication failures, is audited; nothing untyped leaves:
 * an unexpected exception becomes InternalFailure with the request id only.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { AwsError, commonError, toAwsError } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import type { AuditAnnotations, AuthorizeRequest, Principal, RequestContext } from "../core/types.js";
import { parseSigV4, verifySigV4, SigningKeyCache, type ParsedSigV4 } from "../auth/sigv4.js";
import type { IdentityDirectory } from "../iam/directory.js";
import type { Authorizer, RequestFacts } from "../iam/authorizer.js";
import type { AuditLog } from "../audit/types.js";
import { guessProtocol, engineFor, wireError, type WireRequest, type WireResponse } from "../protocol/index.js";
import type { OperationDefinition } from "../services/types.js";
import type { ServiceRegistry, RegisteredService } from "./registry.js";
import type { GatewayMetrics } from "./metrics.js";

const REGION_RE = /^[a-z]{2}(-[a-z0-9]+)+-\d{1,2}$/;
const READ_ONLY_RE = /^(Get|List|Describe|Lookup|Check|Search|Simulate|Decode|Verify)/;

export interface PipelineDeps {
  registry: ServiceRegistry;
  directory: IdentityDirectory;
  authorizer: Authorizer;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  /** Region recorded for global services (IAM, Organizations, STS global endpoint). */
  globalRegion: string;
}

interface Outcome {
  svc?: RegisteredService;
  op?: OperationDefinition;
  opName?: string;
  principal?: Principal;
  parsed?: ParsedSigV4;
  /** Account of the claimed access key once known (recorded even when authentication fails). */
  accountId?: string;
  region: string;
  input?: unknown;
  output?: unknown;
  error?: AwsError;
  annotations: AuditAnnotations;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      reject(commonError("RequestEntityTooLarge", `Request body is larger than the ${limit} bytes this endpoint accepts.`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(commonError("RequestEntityTooLarge", `Request body is larger than the ${limit} bytes this endpoint accepts.`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sourceIpOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? "";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse, secure: boolean) => Promise<void> {
  const keyCache = new SigningKeyCache(10_000);
  const { registry, directory, authorizer, audit, clock, logger, metrics } = deps;

  async function authenticate(wire: WireRequest, out: Outcome, now: number): Promise<void> {
    const parsed = parseSigV4(wire);
    if (!parsed) {
      out.svc = registry.byTarget(headerOf(wire, "x-amz-target"));
      throw commonError("MissingAuthenticationToken", "Missing Authentication Token");
    }
    out.parsed = parsed;
    out.svc = registry.bySigning(parsed.service);
    if (!out.svc) {
      throw commonError("InvalidSignature", `Credential should be scoped to correct service. The service '${parsed.service}' is not offered by this endpoint.`);
    }
    if (!REGION_RE.test(parsed.region)) throw commonError("InvalidSignature", "Credential should be scoped to a valid region.");
    out.region = parsed.region;
    const cred = await directory.resolveAccessKey(parsed.accessKeyId);
    if (cred) out.accountId = cred.principal.accountId;
    if (!cred || !cred.active) {
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    }
    if (cred.sessionToken !== undefined) {
      // Temporary credentials: the directory holds the SHA-256 of the token, never the token.
      if (parsed.sessionToken === undefined || !constantTimeEqualHex(sha256Hex(parsed.sessionToken), cred.sessionToken)) {
        throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
      }
    } else if (parsed.sessionToken !== undefined && parsed.sessionToken !== "") {
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    }
    verifySigV4(wire, parsed, cred.secretAccessKey, now, keyCache);
    if (cred.expiresAt !== undefined && now >= cred.expiresAt) {
      throw commonError("ExpiredToken", "The security token included in the request is expired");
    }
    out.principal = cred.principal;
    directory.noteAccessKeyUsed?.(parsed.accessKeyId, parsed.region, out.svc.def.name);
  }

  function headerOf(wire: WireRequest, name: string): string | undefined {
    const v = wire.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    const now = clock.now();
    const sourceIp = sourceIpOf(req);
    const userAgent = String(req.headers["user-agent"] ?? "");
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const out: Outcome = { region: deps.globalRegion, annotations: {} };
    let wire: WireRequest = { method: req.method ?? "GET", path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1), headers: req.headers, body: Buffer.alloc(0) };
    let response: WireResponse;
    try {
      wire = { ...wire, body: await readBody(req, deps.maxBodyBytes) };
      (wire as WireRequest & { rawHeaders?: string[] }).rawHeaders = req.rawHeaders;
      await authenticate(wire, out, now);
      const svc = out.svc!;
      const principal = out.principal!;
      out.opName = svc.engine.resolveOperation(svc.def, wire);
      const op = svc.def.operations[out.opName];
      if (!op) throw commonError("UnknownOperation", `Operation ${out.opName} is not supported.`);
      out.op = op;
      out.input = svc.engine.decodeInput(svc.def, op, wire);
      const facts: RequestFacts = { sourceIp, secureTransport: secure, region: out.region, userAgent, now };
      let authorized = false;
      const ctx: RequestContext = {
        requestId,
        scope: { accountId: principal.accountId, region: svc.def.global ? "" : out.region },
        principal,
        service: svc.def.name,
        operation: out.opName,
        sourceIp,
        userAgent,
        secureTransport: secure,
        now,
        audit: out.annotations,
        async authorize(r: AuthorizeRequest, o?: { alternativeAllow?: () => Promise<boolean> }) {
          authorized = true;
          await authorizer.authorize(principal, facts, r, o?.alternativeAllow);
        },
        async isAllowed(r: AuthorizeRequest) {
          return (await authorizer.decide(principal, facts, r)).decision === "Allow";
        },
        async evaluate(r: AuthorizeRequest) {
          return (await authorizer.decide(principal, facts, r)).decision;
        },
      };
      out.output = await op.handler(out.input, ctx);
      if (!authorized && !op.noAuthorization) {
        logger.error({ requestId, service: svc.def.name, operation: out.opName }, "handler returned without authorising");
        throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
      }
      response = svc.engine.encodeOutput(svc.def, op, out.output ?? {}, requestId);
    } catch (e) {
      const err = toAwsError(e);
      if (!(e instanceof AwsError)) logger.error({ requestId, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, "unexpected error");
      out.error = err;
      if (out.svc && out.opName === undefined && wire.body !== undefined) {
        // Authentication failed before routing: still name the operation in the audit event.
        try {
          out.opName = out.svc.engine.resolveOperation(out.svc.def, wire);
        } catch {
          /* not a resolvable operation: stays "Unknown" */
        }
      }
      const engine = out.svc?.engine ?? engineFor(guessProtocol(wire));
      response = engine.encodeError(out.svc?.def, err, requestId);
    }

    const svcName = out.svc?.def.name ?? "unknown";
    const eventSource = out.svc?.def.eventSource ?? "unknown";
    const opName = out.opName ?? headerOf(wire, "x-amz-target")?.split(".").pop() ?? "Unknown";
    const errCode = out.error ? wireError(out.svc?.def.protocol ?? guessProtocol(wire), out.error, out.svc?.def).code : undefined;
    try {
      await audit.record({
        time: now,
        requestId,
        eventSource,
        service: svcName,
        operation: opName,
        region: out.svc?.def.global ? deps.globalRegion : out.region,
        ...(out.principal ? { principal: out.principal } : {}),
        ...(out.parsed ? { accessKeyId: out.parsed.accessKeyId } : {}),
        ...(out.accountId ? { accountId: out.accountId } : {}),
        sourceIp,
        userAgent,
        ...(out.input !== undefined ? { input: out.input } : {}),
        ...(out.output !== undefined && !out.error ? { output: out.output } : {}),
        ...(out.op ? { inputSchema: opInputSchema(out.op), outputSchema: opOutputSchema(out.op) } : {}),
        ...(out.error ? { error: { code: errCode ?? out.error.code, message: out.error.message } } : {}),
        readOnly: out.op?.readOnly ?? READ_ONLY_RE.test(opName),
        annotations: out.annotations,
      });
    } catch (e) {
      // The call's effect may already be durable, but its audit record is not: refuse to report success.
      logger.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "audit append failed");
      const engine = out.svc?.engine ?? engineFor(guessProtocol(wire));
      response = engine.encodeError(out.svc?.def, commonError("ServiceUnavailable", "The audit log is unavailable. Please try again."), requestId);
    }

    // After an oversize body the rest of it is unread: the connection cannot be reused.
    if (out.error?.common === "RequestEntityTooLarge") res.shouldKeepAlive = false;
    res.writeHead(response.status, { ...response.headers, "content-length": String(response.body.length) });
    res.end(response.body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.requests.inc({ service: svcName, operation: opName, code: errCode ?? "OK" });
    metrics.duration.observe({ service: svcName }, seconds);
    if (logger.isLevelEnabled("info")) {
      logger.info({ requestId, service: svcName, operation: opName, status: response.status, ...(errCode ? { errorCode: errCode } : {}), accessKeyId: out.parsed?.accessKeyId, sourceIp, ms: Math.round(seconds * 1e4) / 10 }, "request");
    }
  };
}

function opInputSchema(op: OperationDefinition): unknown {
  const s = op.schema as unknown[];
  return typeof s[4] === "function" ? (s[4] as () => unknown)() : s[4];
}

function opOutputSchema(op: OperationDefinition): unknown {
  const s = op.schema as unknown[];
  return typeof s[5] === "function" ? (s[5] as () => unknown)() : s[5];
}
