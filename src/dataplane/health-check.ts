/**
 * One health check: GET <path> on a fresh connection (closed afterwards, as ALB does),
 * judged by the matcher, with ALB's reason codes for failures.
 */
import http from "node:http";
import https from "node:https";
import type { CodeMatcher } from "./matcher.js";

export type HealthCheckResult =
  | { ok: true }
  | { ok: false; reason: "Target.ResponseCodeMismatch" | "Target.Timeout" | "Target.FailedHealthChecks"; description: string };

export interface HealthCheckRequest {
  protocol: "HTTP" | "HTTPS";
  host: string;
  port: number;
  path: string;
  timeoutMs: number;
  matcher: CodeMatcher;
}

const USER_AGENT = "ELB-HealthChecker/2.0";

export function runHealthCheck(r: HealthCheckRequest): Promise<HealthCheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: HealthCheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const hostHeader = r.host.includes(":") ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
    const options = {
      host: r.host,
      port: r.port,
      method: "GET",
      path: r.path,
      agent: false as const,
      headers: { host: hostHeader, "user-agent": USER_AGENT, connection: "close" },
    };
    let req: http.ClientRequest;
    try {
      req =
        r.protocol === "HTTPS"
          ? https.request({ ...options, rejectUnauthorized: false }, onResponse)
          : http.request(options, onResponse);
    } catch {
      // node refuses a path it cannot send (one stored before paths were checked): a failed check, not a crash.
      resolve({ ok: false, reason: "Target.FailedHealthChecks", description: "Health checks failed" });
      return;
    }
    function onResponse(res: http.IncomingMessage): void {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on("error", () => {});
      if (r.matcher(status)) done({ ok: true });
      else done({ ok: false, reason: "Target.ResponseCodeMismatch", description: `Health checks failed with these codes: [${status}]` });
      req.destroy();
    }
    const timer = setTimeout(() => {
      // Timers run before I/O callbacks in a loop turn: if the loop was busy, let an answer
      // (or a refused connection) that already arrived win over the timeout.
      setImmediate(() => {
        done({ ok: false, reason: "Target.Timeout", description: "Request timed out" });
        req.destroy();
      });
    }, r.timeoutMs);
    req.on("error", () => done({ ok: false, reason: "Target.FailedHealthChecks", description: "Health checks failed" }));
    req.end();
  });
}
