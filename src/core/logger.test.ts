import { test } from "node:test";
import assert from "node:assert/strict";
import type { DestinationStream } from "pino";
import { createServerLogger } from "./logger.js";

function capture(): { dest: DestinationStream; lines: string[] } {
  const lines: string[] = [];
  return { lines, dest: { write: (s: string) => void lines.push(...s.split("\n").filter(Boolean)) } };
}

test("log lines name the server once and each field once (the request line's service is the AWS service)", () => {
  const { dest, lines } = capture();
  const log = createServerLogger("info", dest);
  log.info({ requestId: "r-1", service: "kms", operation: "Encrypt", status: 200 }, "request");
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  for (const key of ["name", "service", "requestId", "msg"]) assert.equal(line.split(`"${key}":`).length - 1, 1, `${key} in ${line}`);
  const v = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual([v["name"], v["service"], v["operation"], v["msg"]], ["bulwark", "kms", "Encrypt", "request"]);
});

test("the level filters lines", () => {
  const { dest, lines } = capture();
  const log = createServerLogger("warn", dest);
  log.info("hidden");
  log.warn("shown");
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ["shown"]);
});
