import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics, DURATION_BUCKETS } from "./metrics.js";

function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

describe("createMetrics", () => {
  test("requests are counted per service, operation and code, and exposed in Prometheus text", async () => {
    const m = createMetrics();
    m.observeRequest("sts", "GetCallerIdentity", "OK", 0.0004);
    m.observeRequest("sts", "GetCallerIdentity", "OK", 0.003);
    m.observeRequest("sts", "AssumeRole", "AccessDenied", 2);
    m.observeRequest("iam", "CreateUser", "OK", 0.01);
    const text = await m.registry.metrics();
    assert.deepEqual(lines(text, "bulwark_requests_total"), [
      'bulwark_requests_total{service="sts",operation="GetCallerIdentity",code="OK"} 2',
      'bulwark_requests_total{service="sts",operation="AssumeRole",code="AccessDenied"} 1',
      'bulwark_requests_total{service="iam",operation="CreateUser",code="OK"} 1',
    ]);
    assert.ok(text.includes("# TYPE bulwark_requests_total counter"));
    assert.ok(text.includes("# TYPE bulwark_request_duration_seconds histogram"));
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_bucket{le="0.0005",service="sts"}'), ['bulwark_request_duration_seconds_bucket{le="0.0005",service="sts"} 1']);
    // Cumulative: 0.003 falls in le=0.005; 2 s only in +Inf.
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_bucket{le="0.005",service="sts"}'), ['bulwark_request_duration_seconds_bucket{le="0.005",service="sts"} 2']);
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_bucket{le="1",service="sts"}'), ['bulwark_request_duration_seconds_bucket{le="1",service="sts"} 2']);
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_bucket{le="+Inf",service="sts"}'), ['bulwark_request_duration_seconds_bucket{le="+Inf",service="sts"} 3']);
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_count{service="sts"}'), ['bulwark_request_duration_seconds_count{service="sts"} 3']);
    assert.deepEqual(lines(text, 'bulwark_request_duration_seconds_sum{service="sts"}'), ['bulwark_request_duration_seconds_sum{service="sts"} 2.0034']);
    assert.equal(lines(text, "bulwark_request_duration_seconds_bucket").length, 2 * (DURATION_BUCKETS.length + 1));
    // Scraping twice does not double anything.
    assert.deepEqual(lines(await m.registry.metrics(), "bulwark_requests_total"), lines(text, "bulwark_requests_total"));
    assert.ok((await m.registry.metrics()).includes("bulwark_process_"), "default process metrics are still collected");
  });

  test("the number of counted series is bounded (attacker-chosen operation names)", async () => {
    const m = createMetrics();
    for (let i = 0; i < 10_050; i++) m.observeRequest("unknown", `Op${i}`, "UnknownOperation", 0.001);
    const text = await m.registry.metrics();
    assert.equal(lines(text, "bulwark_requests_total").length, 10_000);
    assert.ok(text.includes('bulwark_request_duration_seconds_count{service="unknown"} 10050'));
  });
});
