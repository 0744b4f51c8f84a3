import { test } from "node:test";
import assert from "node:assert/strict";
import { runHealthCheck } from "./health-check.js";

test("a path node cannot send fails the check instead of throwing", async () => {
  // Checked by the API now, but a target group stored earlier may still hold such a path.
  const r = await runHealthCheck({ protocol: "HTTP", host: "127.0.0.1", port: 9, path: "/health check", timeoutMs: 1000, matcher: () => true });
  assert.deepEqual(r, { ok: false, reason: "Target.FailedHealthChecks", description: "Health checks failed" });
});
