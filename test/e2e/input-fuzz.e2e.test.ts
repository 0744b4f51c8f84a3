/**
 * Malformed but properly signed request bodies for every operation of every service the endpoint
 * serves (cases from input-fuzz.ts). Each answer must be a 2xx (the input happened to be valid) or
 * a 4xx with a code the service's protocol or model has, in the protocol's error format, with no
 * stack trace or internal detail; the server must keep answering /health and log no unexpected
 * error. BULWARK_FUZZ_SEED picks another reproducible run.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { rng } from "../../src/core/testing/rng.js";
import { startTestServer, type TestServer } from "./harness.js";
import { FuzzWire, memberHints, planService, problemWith } from "./input-fuzz.js";
import { KMSClient, CreateKeyCommand } from "@aws-sdk/client-kms";

const SEED = Number(process.env["BULWARK_FUZZ_SEED"] ?? 20_261_129);
const CONCURRENCY = 6;

const logLines: string[] = [];
let s: TestServer;
let wire: FuzzWire;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString("utf8"));
      cb();
    },
  });
  s = await startTestServer({ plainHttp: true, logger: pino({ level: "warn" }, sink) });
  wire = new FuzzWire(s, CONCURRENCY);
  // Cases reach the member they break only when the others are right.
  const key = await new KMSClient(s.clientConfig()).send(new CreateKeyCommand({}));
  memberHints.set("KeyId", key.KeyMetadata!.KeyId!);
  memberHints.set("Scope", "REGIONAL");
  memberHints.set("DefaultAction", { Allow: {} });
  memberHints.set("Action", { Block: {} });
});

after(async () => {
  wire?.destroy();
  await s?.destroy();
});

test(`malformed signed bodies get AWS errors from every operation (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED);
  const failures: string[] = [];
  let sent = 0;
  const services = s.app.registry.all().sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(services.map((d) => d.name), ["cloudtrail", "elasticloadbalancing", "iam", "kms", "organizations", "shield", "sts", "wafv2"]);
  for (const svc of services) {
    const cases = planService(svc, { random, extraPerOperation: 3 });
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        sent++;
        try {
          const r = await wire.sendSigned(svc, c.operation, c.body);
          const p = problemWith(svc, r);
          if (p !== undefined) failures.push(`${svc.name} ${c.operation} [${c.label}] (${c.body.length} bytes): ${p} — ${r.status} ${r.body.slice(0, 300)}`);
        } catch (e) {
          failures.push(`${svc.name} ${c.operation} [${c.label}]: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.ok(await wire.healthy(), `/health after ${svc.name}`);
  }
  const unexpected = logLines.filter((l) => /unexpected error|"level":(5|6)0/.test(l));
  const seconds = (Date.now() - started) / 1000;
  console.log(`input fuzz: ${sent} requests in ${seconds.toFixed(1)} s (seed ${SEED}), ${failures.length} failures, ${unexpected.length} error log entries`);
  assert.deepEqual(failures.slice(0, 60), [], `${failures.length} bad answers (seed ${SEED})`);
  assert.deepEqual(unexpected.slice(0, 20).map((l) => l.slice(0, 600)), [], "error entries in the server log");
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined, "Object.prototype polluted");
});

test("a web ACL statement nested within the JSON depth limit is created; one nested 10,000 deep is a SerializationException", async () => {
  const svc = s.app.registry.all().find((d) => d.name === "wafv2")!;
  const leaf = '{"GeoMatchStatement":{"CountryCodes":["DE"]}}';
  const vis = '{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"m"}';
  for (const depth of [2, 400, 10_000]) {
    const statement = '{"NotStatement":{"Statement":'.repeat(depth) + leaf + "}}".repeat(depth);
    const body = `{"Name":"deep${depth}","Scope":"REGIONAL","DefaultAction":{"Allow":{}},"VisibilityConfig":${vis},"Rules":[{"Name":"r","Priority":1,"Action":{"Block":{}},"VisibilityConfig":${vis},"Statement":${statement}}]}`;
    const r = await wire.sendSigned(svc, "CreateWebACL", Buffer.from(body));
    assert.equal(problemWith(svc, r), undefined, `${depth} deep: ${r.status} ${r.body.slice(0, 300)}`);
    if (depth < 10_000) assert.equal(r.status, 200, r.body.slice(0, 300));
    else assert.deepEqual(JSON.parse(r.body), { __type: "SerializationException", message: "JSON nesting depth exceeds the maximum allowed (1000)." });
  }
  assert.ok(await wire.healthy());
  assert.deepEqual(logLines.filter((l) => /unexpected error/.test(l)), []);
});
