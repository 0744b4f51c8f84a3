import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import type { LoggingFilter } from "@aws-sdk/client-wafv2";
import type { WafDecision } from "../../dataplane/types.js";
import { resolveDestination } from "./log-destinations.js";
import { keepRecord } from "./log-record.js";
import { LogSink } from "./log-sink.js";

const decision = (over: Partial<WafDecision>): WafDecision => ({ action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [], labels: [], countedRules: [], matchedRules: [], ...over });

describe("logging filters", () => {
  const filter: LoggingFilter = {
    DefaultBehavior: "KEEP",
    Filters: [
      { Behavior: "DROP", Requirement: "MEETS_ALL", Conditions: [{ ActionCondition: { Action: "COUNT" } }, { LabelNameCondition: { LabelName: "awswaf:1:webacl:a:noise" } }] },
      { Behavior: "KEEP", Requirement: "MEETS_ANY", Conditions: [{ ActionCondition: { Action: "BLOCK" } }] },
    ],
  };

  test("the first filter whose requirement holds decides; otherwise the default behaviour", () => {
    const noisyCount = decision({ labels: ["awswaf:1:webacl:a:noise"], matchedRules: [{ ruleId: "r", action: "COUNT" }] });
    assert.equal(keepRecord(filter, noisyCount), false, "MEETS_ALL: counted and labelled → dropped");
    assert.equal(keepRecord(filter, decision({ matchedRules: [{ ruleId: "r", action: "COUNT" }] })), true, "only one of two conditions: default KEEP");
    assert.equal(keepRecord(filter, decision({ action: "BLOCK", terminatingRuleId: "r" })), true);
    assert.equal(keepRecord({ ...filter, DefaultBehavior: "DROP" }, decision({})), false);
    assert.equal(keepRecord(undefined, decision({})), true);
  });
});

describe("destinations and delivery", () => {
  test("log group ARNs map to files under the log directory; names cannot escape it", () => {
    const d = resolveDestination("arn:aws:logs:eu-west-1:111122223333:log-group:aws-waf-logs-a/../../etc:*", "111122223333", "eu-west-1", "/var/waf", () => undefined);
    assert.deepEqual(d, { kind: "file", arn: "arn:aws:logs:eu-west-1:111122223333:log-group:aws-waf-logs-a/../../etc:*", path: "/var/waf/111122223333/eu-west-1/aws-waf-logs-a%2F..%2F..%2Fetc.log" });
    assert.throws(() => resolveDestination("arn:aws:logs:eu-west-2:111122223333:log-group:aws-waf-logs-a", "111122223333", "eu-west-1", "/var/waf", () => undefined), /field: LOG_DESTINATION/);
  });

  test("a bounded queue drops the oldest lines and counts them; flush writes the rest in order", async () => {
    const file = path.join(tmpdir(), `bulwark-waf-sink-${process.pid}-${Date.now()}`, "x.log");
    const sink = new LogSink({ maxQueuedLines: 3, flushIntervalMs: 60_000 });
    const dest = { kind: "file" as const, arn: "a", path: file };
    for (const l of ["1", "2", "3", "4", "5"]) sink.write(dest, l);
    await sink.close();
    assert.equal(sink.dropped, 2);
    assert.equal(readFileSync(file, "utf8"), "3\n4\n5\n");
    rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
