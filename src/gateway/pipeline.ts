/**
 * The request pipeline: request id → body (bounded) → SigV4 parse → service by credential
 * scope → credential lookup → signature verify → operation → decode input → handler
 * (which authorises through ctx.authorize) → encode output or error → audit (durable) → reply.
 *
 * Every outcome, including authentication failures, is audited; nothing untyped leaves:
 * an unexpected exception becomes InternalFailure with the request id only.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { AwsError, commonError, toAwsError } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import { randomUuid } from "../core/uuid.js";
import type { AuditAnnotations, AuthorizeRequest, Principal, RequestContext } from "../core/types.js";
import { parseSigV4, credentialScopeService, verifySigV4, SigningKeyCache, SIGV4_ALGORITHM, SIGV4A_ALGORITHM, type ParsedSigV4 } from "../auth/sigv4.js";
import type { IdentityDirectory, ResolvedCredential } from "../iam/directory.js";
import type { Authorizer, RequestFacts } from "../iam/authorizer.js";
import type { ApiCallRecord, AuditLog, TlsDetails } from "../audit/types.js";
import { safeAccessKeyId } from "../audit/event.js";
import { guessProtocol, engineFor, wireError, unservedProtocol, encodeUnservedError, type WireRequest, type WireResponse } from "../protocol/index.js";
import type { OperationDefinition } from "../services/types.js";
import { inputSchemaOf, isReadOnly, outputSchemaOf } from "../services/operation-facts.js";
import type { ServiceRegistry, RegisteredService } from "./registry.js";
import type { GatewayMetrics } from "./metrics.js";
import type { ApiHandler, ApiHeaders, ApiRequest, TlsInfo } from "./api.js";
import { httpDate } from "./http-date.js";

// A Region code of any partition (us-east-1, cn-north-1, eusc-de-east-1): the shape only.
const REGION_RE = /^[a-z]{2,4}(-[a-z0-9]+)+-\d{1,2}$/;

/** CloudTrail's tlsDetails of a call over HTTPS: the negotiated protocol and cipher, and the Host header as sent. */
function tlsDetailsOfRequest(tls: TlsInfo, host: ApiHeaders[string]): TlsDetails {
  const h = typeof host === "string" ? host : undefined;
  return h !== undefined && h !== "" ? { tlsVersion: tls.version, cipherSuite: tls.cipher, clientProvidedHostHeader: h } : { tlsVersion: tls.version, cipherSuite: tls.cipher };
}

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
  /** Accounts whose principals are refused (closed through Organizations' CloseAccount). */
  closedAccounts?: { isClosed(accountId: string, now: number): boolean | Promise<boolean> };
}

interface Outcome {
  svc: RegisteredService | undefined;
  op: OperationDefinition | undefined;
  opName: string | undefined;
  principal: Principal | undefined;
  parsed: ParsedSigV4 | undefined;
  /** Account of the claimed access key once known (recorded even when authentication fails). */
  accountId: string | undefined;
  region: string;
  input: unknown;
  output: unknown;
  error: AwsError | undefined;
  annotations: AuditAnnotations;
  /** Why authentication failed, for the debug log (a reason code; never secret material). */
  authFailure: AuthFailure | undefined;
  /** The key of the call's audit intent (a call that changes state), settled by its event. */
  intent: string | undefined;
}

/** What the request itself fixes of its audit record. */
interface RequestStamp {
  time: number;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  tlsDetails: TlsDetails | undefined;
  globalRegion: string;
}

function stampOf(time: number, requestId: string, sourceIp: string, userAgent: string, req: ApiRequest, globalRegion: string): RequestStamp {
  return { time, requestId, sourceIp, userAgent, tlsDetails: req.tls !== undefined ? tlsDetailsOfRequest(req.tls, req.headers.host) : undefined, globalRegion };
}

/** The call's audit record as the outcome stands (before the handler: no output, no error). */
function callRecordOf(stamp: RequestStamp, out: Outcome, operation: string, errCode: string | undefined): ApiCallRecord {
  const svcDef = out.svc?.def;
  const opFacts = out.op !== undefined ? factsOf(out.op) : undefined;
  return {
    time: stamp.time,
    requestId: stamp.requestId,
    eventSource: svcDef?.eventSource ?? "unknown",
    service: svcDef?.name ?? "unknown",
    operation,
    region: svcDef?.global ? stamp.globalRegion : out.region,
    principal: out.principal,
    accessKeyId: out.parsed?.accessKeyId,
    accountId: out.accountId || undefined,
    sourceIp: stamp.sourceIp,
    userAgent: stamp.userAgent,
    input: out.input,
    output: out.error ? undefined : out.output,
    inputSchema: opFacts?.inputSchema,
    outputSchema: opFacts?.outputSchema,
    error: out.error ? { code: errCode ?? out.error.code, message: out.error.auditMessage ?? out.error.message } : undefined,
    readOnly: isReadOnly(out.op, operation),
    annotations: out.annotations,
    tlsDetails: stamp.tlsDetails,
  };
}

/** Reasons authentication fails; the client sees only the AWS error, the debug log sees these. */
type AuthFailure =
  | "malformed-signature"
  | "missing-authentication"
  | "service-not-offered"
  | "invalid-region"
  | "unknown-access-key"
  | "inactive-access-key"
  | "session-token-mismatch"
  | "unexpected-session-token"
  | "signature-rejected"
  | "expired-credentials"
  | "closed-account"
  | "iam-without-mfa";

/** The request as the protocol engines and the SigV4 verifier see it. */
type PipelineRequest = WireRequest & { rawHeaders: string[] };

const EMPTY_BODY = Buffer.alloc(0);

/** The caller of an unsigned request (operations marked `unsigned`, which need no authorisation). */
const ANONYMOUS: Principal = Object.freeze({ type: "Anonymous", accountId: "", arn: "", principalId: "anonymous", accessKeyId: "" });

/** Bodies of unsigned requests: the largest legitimate one (AssumeRoleWithSAML) is about 110 KB. */
export const MAX_UNSIGNED_BODY_BYTES = 256 * 1024;

/**
 * The largest body a request may have, judged from its head before any of the body is read: one
 * with neither an Authorization header nor X-Amz- query parameters can only be an unsigned
 * operation, so it gets MAX_UNSIGNED_BODY_BYTES, not the endpoint's limit. An anonymous sender
 * then cannot hold more than that of the memory for bodies being received per connection.
 */
export function requestBodyLimit(headers: ApiHeaders, url: string, maxBodyBytes: number): number {
  if (headers.authorization !== undefined) return maxBodyBytes;
  const q = url.indexOf("?");
  if (q >= 0 && url.indexOf("X-Amz-", q) >= 0) return maxBodyBytes;
  return Math.min(maxBodyBytes, MAX_UNSIGNED_BODY_BYTES);
}

function tooLarge(limit: number): AwsError {
  return commonError("RequestEntityTooLarge", `Request body is larger than the ${limit} bytes this endpoint accepts.`);
}

/**
 * A body left unread because the memory for bodies being received was taken (the common error's
 * wording in the AWS API references). SDKs retry it; the connection closes after the answer.
 */
function busy(): AwsError {
  return commonError("ServiceUnavailable", "The request has failed due to a temporary failure of the server.");
}

function sourceIpOf(remoteAddress: string): string {
  return remoteAddress.startsWith("::ffff:") ? remoteAddress.slice(7) : remoteAddress;
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What the audit record needs of an operation, resolved once per operation. */
interface OperationFacts {
  inputSchema: unknown;
  outputSchema: unknown;
}

const operationFacts = new WeakMap<OperationDefinition, OperationFacts>();

function factsOf(op: OperationDefinition): OperationFacts {
  let f = operationFacts.get(op);
  if (f === undefined) {
    f = { inputSchema: inputSchemaOf(op.schema), outputSchema: outputSchemaOf(op.schema) };
    operationFacts.set(op, f);
  }
  return f;
}

// Regions seen in credential scopes that passed REGION_RE (bounded; clients use a handful).
const validRegions = new Set<string>();

function isValidRegion(region: string): boolean {
  if (validRegions.has(region)) return true;
  if (!REGION_RE.test(region)) return false;
  if (validRegions.size < 1000) validRegions.add(region);
  return true;
}

/**
 * The Region a SigV4a request is served in: its X-Amz-Region-Set names one Region, or several,
 * or wildcards ("*", "us-*"), any of which this endpoint serves; a set of several is served in the
 * endpoint's default Region. Undefined when the set is missing or names something that is not a Region.
 */
function regionOfSet(regionSet: string | undefined, defaultRegion: string): string | undefined {
  if (regionSet === undefined) return undefined;
  const entries = regionSet.split(",");
  for (let i = 0; i < entries.length; i++) {
    const e = (entries[i] as string).trim();
    if (e === "*") continue;
    if (e.endsWith("*") ? !/^[a-z0-9-]+\*$/.test(e) : !isValidRegion(e)) return undefined;
  }
  const only = entries.length === 1 ? (entries[0] as string).trim() : "";
  return only !== "" && !only.endsWith("*") ? only : defaultRegion;
}

/**
 * The error answer to a request no served service takes (its credential scope names a service not
 * offered here, or nothing served is named): in the format of the request's own protocol, which its
 * client can read (src/protocol/unserved.ts).
 */
function unservedError(wire: PipelineRequest, err: AwsError, requestId: string): WireResponse {
  const protocol = unservedProtocol(wire, credentialScopeService(wire));
  return encodeUnservedError(protocol, err, requestId) ?? engineFor(protocol).encodeError(undefined, err, requestId, wire);
}

export function createPipeline(deps: PipelineDeps): ApiHandler {
  const keyCache = new SigningKeyCache(10_000);
  const { registry, directory, authorizer, audit, clock, logger, metrics, closedAccounts } = deps;

  /** A request without a signature, as the service answers it: the query services' message names the request. */
  function missingToken(svc: RegisteredService | undefined, wire: PipelineRequest): AwsError {
    const query = svc !== undefined ? svc.def.protocol === "awsQuery" : guessProtocol(wire) === "awsQuery";
    return commonError("MissingAuthenticationToken", query ? "Request is missing Authentication Token" : "Missing Authentication Token");
  }

  /** The service a request without a usable signature names: by its awsJson target, else by a query Action and Version. */
  function unsignedService(wire: PipelineRequest): RegisteredService | undefined {
    const target = headerOf(wire, "x-amz-target");
    return target !== undefined ? registry.byTarget(target) : registry.byQueryOperation(wire);
  }

  /**
   * Authenticates the request into `out`. Undefined when that needed nothing awaited (a cached
   * access key, as for most requests: no async function, no microtask hop), else the promise of
   * it; a refusal decided without waiting is thrown.
   */
  function authenticate(wire: PipelineRequest, out: Outcome, now: number): Promise<void> | undefined {
    let parsed: ParsedSigV4 | undefined;
    try {
      parsed = parseSigV4(wire);
    } catch (e) {
      out.authFailure = "malformed-signature";
      // A malformed signature is answered by the service its credential scope (or target) names:
      // its protocol and XML namespace, its audit event source.
      const scoped = credentialScopeService(wire);
      out.svc = (scoped !== undefined ? registry.bySigning(scoped) : undefined) ?? unsignedService(wire);
      throw e;
    }
    if (!parsed) {
      // Nothing anonymous needs a large body (the largest, AssumeRoleWithSAML, carries at most
      // 100,000 characters of assertion): refused before it is parsed, which for a form body of
      // hundreds of thousands of parameters would cost seconds of the event loop.
      if (wire.body.length > MAX_UNSIGNED_BODY_BYTES) throw tooLarge(MAX_UNSIGNED_BODY_BYTES);
      // Operations that AWS serves without a signature (sts:AssumeRoleWithWebIdentity) run anonymously.
      const unsigned = registry.byUnsignedOperation(wire);
      if (unsigned !== undefined) {
        out.svc = unsigned;
        return;
      }
      out.svc = unsignedService(wire);
      out.authFailure = "missing-authentication";
      throw missingToken(out.svc, wire);
    }
    out.parsed = parsed;
    out.svc = registry.bySigning(parsed.service);
    if (!out.svc) {
      out.authFailure = "service-not-offered";
      throw commonError("InvalidSignature", `Credential should be scoped to correct service. The service '${parsed.service}' is not offered by this endpoint.`);
    }
    if (parsed.algorithm === SIGV4A_ALGORITHM) {
      if (out.svc.def.acceptsSigV4a !== true) {
        // What these services answer to any algorithm but SigV4's: in the query, the request
        // carries no signature they know of; in the header, an unsupported algorithm.
        if (parsed.presigned) {
          out.authFailure = "missing-authentication";
          throw commonError("MissingAuthenticationToken", "Request is missing Authentication Token");
        }
        out.authFailure = "malformed-signature";
        throw commonError("IncompleteSignature", `Unsupported AWS 'algorithm': '${parsed.algorithm}' (only ${SIGV4_ALGORITHM} for now). `);
      }
      const region = regionOfSet(parsed.regionSet, deps.globalRegion);
      if (region === undefined) {
        out.authFailure = "invalid-region";
        throw commonError("InvalidSignature", "Credential should be scoped to a valid region.");
      }
      out.region = region;
    } else {
      if (!isValidRegion(parsed.region)) {
        out.authFailure = "invalid-region";
        throw commonError("InvalidSignature", `Credential should be scoped to a valid region, not '${parsed.region}'. `);
      }
      out.region = parsed.region;
    }
    const svc = out.svc;
    const cached = directory.cachedAccessKey?.(parsed.accessKeyId);
    if (cached !== undefined) return withCredential(wire, out, now, svc, parsed, cached);
    const p = parsed;
    return directory.resolveAccessKey(parsed.accessKeyId).then((cred) => withCredential(wire, out, now, svc, p, cred));
  }

  /** authenticate, once the credential of the access key is known (undefined: no such key). */
  function withCredential(wire: PipelineRequest, out: Outcome, now: number, svc: RegisteredService, parsed: ParsedSigV4, cred: ResolvedCredential | undefined): Promise<void> | undefined {
    if (cred) out.accountId = cred.principal.accountId;
    if (!cred || !cred.active) {
      out.authFailure = cred ? "inactive-access-key" : "unknown-access-key";
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    }
    if (cred.sessionToken !== undefined) {
      // Temporary credentials: the directory holds the SHA-256 of the token, never the token.
      if (parsed.sessionToken === undefined || !constantTimeEqualHex(sha256Hex(parsed.sessionToken), cred.sessionToken)) {
        out.authFailure = "session-token-mismatch";
        throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
      }
    } else if (parsed.sessionToken !== undefined && parsed.sessionToken !== "") {
      out.authFailure = "unexpected-session-token";
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    }
    // The credential object (cached by the directory) keys the signing-key fast path.
    try {
      verifySigV4(wire, parsed, cred.secretAccessKey, now, keyCache, {
        signingKeyOwner: cred,
        ignorePresignedExpires: svc.def.ignorePresignedExpires === true,
        allowUnsignedPayload: svc.def.unsignedPayload === true,
      });
    } catch (e) {
      out.authFailure = "signature-rejected";
      throw e;
    }
    if (cred.expiresAt !== undefined && now >= cred.expiresAt) {
      out.authFailure = "expired-credentials";
      throw commonError("ExpiredToken", "The security token included in the request is expired");
    }
    // A closed account's credentials no longer work, whichever of its principals holds them.
    const closed = closedAccounts !== undefined ? closedAccounts.isClosed(cred.principal.accountId, now) : false;
    if (closed === false) return admit(out, svc, parsed, cred, false);
    if (closed === true) return admit(out, svc, parsed, cred, true);
    return closed.then((c) => admit(out, svc, parsed, cred, c));
  }

  /** The last checks of authenticate: the account not closed, IAM not called without MFA. */
  function admit(out: Outcome, svc: RegisteredService, parsed: ParsedSigV4, cred: ResolvedCredential, accountClosed: boolean): undefined {
    if (accountClosed) {
      out.authFailure = "closed-account";
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    }
    // Credentials from GetSessionToken without MFA cannot call IAM at all (GetSessionToken in the
    // STS API reference); IAM answers them as an invalid security token.
    if (cred.principal.isSessionToken === true && cred.principal.mfaAuthenticated !== true && svc.def.name === "iam") {
      out.authFailure = "iam-without-mfa";
      // IAM's wording of this refusal has no final period.
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid");
    }
    out.principal = cred.principal;
    directory.noteAccessKeyUsed?.(parsed.accessKeyId, out.region, svc.def.name, cred.principal);
    return undefined;
  }

  function headerOf(wire: WireRequest, name: string): string | undefined {
    const v = wire.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  return async function handle(req, res, secure): Promise<void> {
    const started = performance.now();
    const requestId = randomUuid();
    const now = clock.now();
    const sourceIp = sourceIpOf(req.remoteAddress);
    const ua = req.headers["user-agent"];
    // A single value: node's header merge (kept by every engine) drops repeated user-agent fields.
    const userAgent = typeof ua === "string" ? ua : "";
    const url = req.url;
    const q = url.indexOf("?");
    const out: Outcome = {
      svc: undefined,
      op: undefined,
      opName: undefined,
      principal: undefined,
      parsed: undefined,
      accountId: undefined,
      region: deps.globalRegion,
      input: undefined,
      output: undefined,
      error: undefined,
      annotations: {},
      authFailure: undefined,
      intent: undefined,
    };
    const wire: PipelineRequest = {
      method: req.method,
      path: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? "" : url.slice(q + 1),
      headers: req.headers,
      body: EMPTY_BODY,
      rawHeaders: req.rawHeaders,
    };
    let response: WireResponse;
    try {
      // The listener leaves a body over the limit, or one that did not fit in the memory for bodies
      // being received, unread (and closes the connection after the answer).
      if (req.body === undefined) throw req.unread === "busy" ? busy() : tooLarge(requestBodyLimit(req.headers, url, deps.maxBodyBytes));
      wire.body = req.body;
      const authenticating = authenticate(wire, out, now);
      if (authenticating !== undefined) await authenticating;
      const svc = out.svc!;
      const principal = out.principal ?? ANONYMOUS;
      const opName = svc.engine.resolveOperation(svc.def, wire);
      out.opName = opName;
      const op = svc.def.operations[opName];
      if (!op) throw commonError("UnknownOperation", `Operation ${opName} is not supported.`);
      if (out.principal === undefined && op.unsigned !== true) {
        out.authFailure = "missing-authentication";
        throw missingToken(svc, wire);
      }
      // Credentials from GetSessionToken may call only some operations of a service (STS: AssumeRole
      // and GetCallerIdentity), with or without MFA; the others are refused before the input is read.
      const sessionOps = svc.def.sessionTokenOperations;
      if (sessionOps !== undefined && principal.isSessionToken === true && !sessionOps.has(opName)) {
        throw commonError("AccessDenied", `Cannot call ${opName} with session credentials`);
      }
      out.op = op;
      out.input = svc.engine.decodeInput(svc.def, op, wire);
      // aws:RequestedRegion of a global service (IAM, Organizations, Shield) is the Region of its single
      // endpoint whatever Region the client signed for: "all requests to these services are made to the
      // us-east-1 Region" (IAM User Guide, "AWS: Denies access to AWS based on the requested Region").
      const facts: RequestFacts = { sourceIp, secureTransport: secure, region: svc.def.global ? deps.globalRegion : out.region, userAgent, now };
      let authorized = false;
      const ctx: RequestContext = {
        requestId,
        scope: { accountId: principal.accountId, region: svc.def.global ? "" : out.region },
        principal,
        service: svc.def.name,
        operation: opName,
        sourceIp,
        userAgent,
        secureTransport: secure,
        now,
        audit: out.annotations,
        // Hands back the authorizer's own promise: an async wrapper would add a promise and a
        // microtask hop to every authorised request.
        authorize(r: AuthorizeRequest, o?: { alternativeAllow?: () => Promise<boolean> }) {
          authorized = true;
          return authorizer.authorize(principal, facts, r, o?.alternativeAllow);
        },
        async isAllowed(r: AuthorizeRequest) {
          return (await authorizer.decide(principal, facts, r)).decision === "Allow";
        },
        async evaluate(r: AuthorizeRequest) {
          return (await authorizer.decide(principal, facts, r)).decision;
        },
      };
      // A call that changes state first leaves an intent: should the process stop after the
      // change is stored and before the event below is, the next start appends it in its place.
      if (audit.intend !== undefined && !isReadOnly(op, opName)) {
        try {
          out.intent = await audit.intend(callRecordOf(stampOf(now, requestId, sourceIp, userAgent, req, deps.globalRegion), out, opName, undefined));
        } catch (e) {
          logger.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "audit intent failed");
          throw commonError("ServiceUnavailable", "The audit log is unavailable. Please try again.");
        }
      }
      out.output = await op.handler(out.input, ctx);
      if (!authorized && !op.noAuthorization) {
        logger.error({ requestId, service: svc.def.name, operation: opName }, "handler returned without authorising");
        throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
      }
      response = svc.engine.encodeOutput(svc.def, op, out.output ?? {}, requestId, wire);
    } catch (e) {
      const err = toAwsError(e);
      if (!(e instanceof AwsError)) logger.error({ requestId, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, "unexpected error");
      out.error = err;
      if (out.svc && out.opName === undefined) {
        // Authentication failed before routing: still name the operation in the audit event.
        try {
          out.opName = out.svc.engine.resolveOperation(out.svc.def, wire);
        } catch {
          /* not a resolvable operation: stays "Unknown" */
        }
      }
      response = out.svc !== undefined ? out.svc.engine.encodeError(out.svc.def, err, requestId, wire) : unservedError(wire, err, requestId);
    }

    const svcDef = out.svc?.def;
    const svcName = svcDef?.name ?? "unknown";
    const opName = out.opName ?? headerOf(wire, "x-amz-target")?.split(".").pop() ?? "Unknown";
    let errCode = out.error ? wireError(svcDef?.protocol ?? unservedProtocol(wire, credentialScopeService(wire)), out.error).code : undefined;
    // The reason and the claimed key id only: no signature, token or other secret material. The
    // key id, here and on the request line, only when it looks like one, as in the audit event: a
    // client that swapped its key pair sends its secret access key in that place.
    if (out.authFailure !== undefined && logger.isLevelEnabled("debug")) {
      logger.debug({ requestId, reason: out.authFailure, errorCode: errCode, accessKeyId: safeAccessKeyId(out.parsed?.accessKeyId), sourceIp }, "authentication failed");
    }
    try {
      await audit.record(callRecordOf(stampOf(now, requestId, sourceIp, userAgent, req, deps.globalRegion), out, opName, errCode), out.intent);
    } catch (e) {
      // The call's effect may already be durable, but its audit record is not: refuse to report success.
      logger.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "audit append failed");
      const unavailable = commonError("ServiceUnavailable", "The audit log is unavailable. Please try again.");
      response = out.svc !== undefined ? out.svc.engine.encodeError(svcDef, unavailable, requestId, wire) : unservedError(wire, unavailable, requestId);
      // What the client got, for the request log line and the metrics (not the call's own outcome).
      errCode = wireError(svcDef?.protocol ?? unservedProtocol(wire, credentialScopeService(wire)), unavailable).code;
    }

    const headers = response.headers;
    // The service clock, not the wall clock: SDKs correct their clock skew from this header.
    headers["date"] = httpDate(now);
    // The listener adds content-length (and connection: close after an unread body).
    res.send(response.status, headers, response.body);
    const seconds = (performance.now() - started) / 1e3;
    // Labels stay bounded: an operation the service does not define (any X-Amz-Target or Action
    // text, unauthenticated included) is counted as "Unknown", not as a series of its own.
    const metricOp = out.op !== undefined || (svcDef !== undefined && Object.hasOwn(svcDef.operations, opName)) ? opName : "Unknown";
    metrics.observeRequest(svcName, metricOp, errCode ?? "OK", seconds);
    if (logger.isLevelEnabled("info")) {
      logger.info({ requestId, service: svcName, operation: opName, status: response.status, ...(errCode ? { errorCode: errCode } : {}), accessKeyId: safeAccessKeyId(out.parsed?.accessKeyId), sourceIp, ms: Math.round(seconds * 1e4) / 10 }, "request");
    }
  };
}
