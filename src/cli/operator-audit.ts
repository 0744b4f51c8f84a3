/**
 * CloudTrail events for operator commands (`bulwark organizations …`, `bulwark accounts …`).
 * The CLI works on the data directory directly, past the gateway, so it records its own
 * events through the same audit log (same chain, same digests, found by LookupEvents).
 *
 * Who the event names (see README.md in this folder for the reasoning):
 *  - userIdentity: type "Root" of the management account (arn `arn:<partition>:iam::<id>:root`,
 *    principalId the account id) and no accessKeyId: the command was authorised by the
 *    installation's root key, which holds every power of that account's root user; no access
 *    key was used, so none is named. Root-usage monitoring therefore sees operator commands.
 *  - userAgent `bulwark-cli/<version> node/<version> <os>/<arch> command/<group>.<command>`,
 *    sourceIPAddress `127.0.0.1`: the command ran on this host, not over the network.
 *  - additionalEventData.operator: the tool, the command, and the local user and host as the
 *    operating system reports them — what tells this event apart from a call the root user
 *    made through the API.
 *
 * A command's outcome is recorded like an API call's: success with its request and response,
 * or failure with the error code and message; a command that changes state first leaves an audit
 * intent, as the gateway does for a call (src/audit/INVARIANTS.md, "Intents"). A change whose event cannot be written is
 * reported as a failure of the command, as the gateway refuses to report success then.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { ApiCallRecord, AuditLog } from "../audit/types.js";
import type { Clock } from "../core/clock.js";
import { toAwsError } from "../core/errors.js";
import type { Principal } from "../core/types.js";
import { CLI_VERSION } from "./output.js";
import { accountRootArn } from "../core/partition.js";

export const OPERATOR_SOURCE_IP = "127.0.0.1";

/** An SDK static operation schema: [kind, namespace, name, traits, input, output]. */
type OperationSchema = readonly unknown[];

export interface OperatorCall {
  /** The API operation the command performs, e.g. "CreateOrganization" (the eventName). */
  operation: string;
  schema: OperationSchema;
  readOnly: boolean;
  /** What the equivalent API request would carry. */
  input: Record<string, unknown>;
}

export interface OperatorAuditDeps {
  audit: AuditLog;
  clock: Clock;
  /** The management account: the operator acts as its root. */
  accountId: string;
  /** Region recorded for global services, as the gateway does (configured default region). */
  region: string;
  /** `<group> <command>`, e.g. "accounts create". */
  command: string;
  eventSource?: string;
  /** Attempts to write one event (default 5): another process appending meanwhile makes the store refuse one. */
  attempts?: number;
}

export interface OperatorAudit {
  /** Runs `fn` as `call`, records its outcome, and returns its result (or throws its error). */
  call<T>(call: OperatorCall, fn: () => Promise<T>): Promise<T>;
}

/** The command ran (and, if it changes state, may have changed it) but its event could not be written. */
export class AuditWriteError extends Error {
  constructor(operation: string, succeeded: boolean, cause: unknown) {
    const what = succeeded ? `${operation} succeeded` : `${operation} failed`;
    super(`${what}, but its audit event could not be written (${cause instanceof Error ? cause.message : String(cause)}).`);
    this.name = "AuditWriteError";
  }
}

export function operatorPrincipal(accountId: string): Principal {
  return { type: "Root", accountId, arn: accountRootArn(accountId), principalId: accountId, accessKeyId: "" };
}

export function operatorUserAgent(command: string): string {
  return `bulwark-cli/${CLI_VERSION} node/${process.version} ${process.platform}/${process.arch} command/${command.replace(/\s+/g, ".")}`;
}

function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (e.g. an arbitrary uid in a container): the uid is what is known.
    return typeof process.getuid === "function" ? `uid:${process.getuid()}` : "unknown";
  }
}

function schemaPart(schema: OperationSchema, i: 4 | 5): unknown {
  const s = schema[i];
  return typeof s === "function" ? (s as () => unknown)() : s;
}

export function createOperatorAudit(deps: OperatorAuditDeps): OperatorAudit {
  const principal = operatorPrincipal(deps.accountId);
  const userAgent = operatorUserAgent(deps.command);
  const additionalEventData = { operator: { tool: "bulwark-cli", command: `bulwark ${deps.command}`, localUser: localUser(), host: os.hostname() } };
  const attempts = Math.max(1, deps.attempts ?? 5);

  function recordOf(call: OperatorCall, time: number, requestId: string, outcome: { output: unknown } | { error: unknown } | undefined): ApiCallRecord {
    const error = outcome !== undefined && "error" in outcome ? toAwsError(outcome.error) : undefined;
    return {
      time,
      requestId,
      eventSource: deps.eventSource ?? "organizations.amazonaws.com",
      service: "organizations",
      operation: call.operation,
      region: deps.region,
      principal,
      sourceIp: OPERATOR_SOURCE_IP,
      userAgent,
      input: call.input,
      output: outcome !== undefined && "output" in outcome ? outcome.output : undefined,
      inputSchema: schemaPart(call.schema, 4),
      outputSchema: schemaPart(call.schema, 5),
      error: error ? { code: error.code, message: error.message } : undefined,
      readOnly: call.readOnly,
      annotations: { additionalEventData },
    };
  }

  async function record(call: OperatorCall, time: number, requestId: string, outcome: { output: unknown } | { error: unknown }, intent: string | undefined): Promise<void> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        await deps.audit.record(recordOf(call, time, requestId, outcome), intent);
        return;
      } catch (e) {
        // The store refuses rows that do not continue the log (another process appended since
        // the head was read); the log then reloads its head, so the same event is chained again.
        last = e;
      }
    }
    throw new AuditWriteError(call.operation, "output" in outcome, last);
  }

  return {
    async call<T>(call: OperatorCall, fn: () => Promise<T>): Promise<T> {
      const time = deps.clock.now();
      const requestId = randomUUID();
      // A command that changes state leaves an audit intent first, as an API call does (the
      // next server start appends it should this process stop before the command's own event).
      let intent: string | undefined;
      if (!call.readOnly && deps.audit.intend !== undefined) {
        try {
          intent = await deps.audit.intend(recordOf(call, time, requestId, undefined));
        } catch (e) {
          throw new Error(`${call.operation} was not run: its audit intent could not be written (${e instanceof Error ? e.message : String(e)}).`);
        }
      }
      let result: T;
      try {
        result = await fn();
      } catch (e) {
        await record(call, time, requestId, { error: e }, intent);
        throw e;
      }
      await record(call, time, requestId, { output: result }, intent);
      return result;
    },
  };
}
