/**
 * Malformed but properly signed request bodies for every operation of every service the endpoint
 * serves (cases from input-fuzz.ts). Each answer must be a 2xx (the input happened to be valid) or
 * a 4xx with a code the service's protocol or model has, in the protocol's error format, with no
 * stack trace or internal detail; the server must keep answering /health and log no unexpected
 * error. BULWARK_FUZZ_SEED picks another reproducible run.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { rng } from "../../src/core/testing/rng.js";
import { serviceShapes } from "../../src/protocol/schema-util.js";
import type { ServiceDefinition } from "../../src/services/types.js";
import { startTestServer, ADMIN_KEY_ID, ADMIN_SECRET, type TestServer } from "./harness.js";
import { memberHints, planService, type FuzzCase } from "./input-fuzz.js";
import { KMSClient, CreateKeyCommand } from "@aws-sdk/client-kms";

const SEED = Number(process.env["BULWARK_FUZZ_SEED"] ?? 20_261_129);
const CONCURRENCY = 6;
const TIMEOUT_MS = 20_000;

/** Codes every service of a protocol family may answer malformed input with (besides its modelled errors). */
const PROTOCOL_CODES: Record<"json" | "query", Record<string, number>> = {
  json: { SerializationException: 400, ValidationException: 400, AccessDeniedException: 400 },
  query: {
    ValidationError: 400,
    MissingParameter: 400,
    InvalidParameterValue: 400,
    InvalidParameterCombination: 400,
    MalformedQueryString: 404,
    InvalidQueryParameter: 400,
    MissingAction: 400,
    InvalidAction: 400,
    // Refused for the caller, not the input (e.g. an operation that needs temporary credentials).
    AccessDenied: 403,
  },
};

// Stack frames, source locations and JavaScript engine messages never belong in an AWS error.
const INTERNAL_DETAIL = /\n\s+at |\bat [\w.<>]+ \(|\.[jt]s:\d+|node_modules|\/tmp\/|\/work\/|TypeError|RangeError|SyntaxError|ReferenceError|Maximum call stack|Cannot read propert|is not a function|undefined is not|\[object Object\]|SQLITE_/;

const logLines: string[] = [];
let s: TestServer;
let agent: http.Agent;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString("utf8"));
      cb();
    },
  });
  s = await startTestServer({ plainHttp: true, logger: pino({ level: "warn" }, sink) });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Cases reach the member they break only when the others are right.
  const key = await new KMSClient(s.clientConfig()).send(new CreateKeyCommand({}));
  memberHints.set("KeyId", key.KeyMetadata!.KeyId!);
  memberHints.set("Scope", "REGIONAL");
  memberHints.set("DefaultAction", { Allow: {} });
  memberHints.set("Action", { Block: {} });
});

after(async () => {
  agent?.destroy();
  await s?.destroy();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ method, host: u.hostname, port: u.port, path, headers, agent, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

const signers = new Map<string, SignatureV4>();

async function sendSigned(svc: ServiceDefinition, c: FuzzCase): Promise<Reply> {
  let signer = signers.get(svc.signingName);
  if (signer === undefined) {
    signer = new SignatureV4({ service: svc.signingName, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
    signers.set(svc.signingName, signer);
  }
  const u = new URL(s.url);
  const headers: Record<string, string> =
    svc.protocol === "awsQuery"
      ? { host: u.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" }
      : { host: u.host, "content-type": `application/x-amz-json-${svc.protocol === "awsJson1_0" ? "1.0" : "1.1"}`, "x-amz-target": `${svc.targetPrefix}.${c.operation}` };
  const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/", headers, body: c.body });
  return send("POST", "/", signed.headers as Record<string, string>, c.body);
}

/** What is wrong with an answer to a case (undefined when nothing is). */
function problemWith(svc: ServiceDefinition, r: Reply): string | undefined {
  const query = svc.protocol === "awsQuery";
  if (r.status >= 200 && r.status < 300) {
    if (query) return /^<(\w+)Response xmlns="[^"]+">[\s\S]*<\/\1Response>$/.test(r.body) ? undefined : "2xx body is no query response document";
    try {
      const v: unknown = JSON.parse(r.body);
      return v !== null && typeof v === "object" && !Array.isArray(v) ? undefined : "2xx body is no JSON object";
    } catch {
      return "2xx body is no JSON";
    }
  }
  if (r.status < 400 || r.status >= 500) return `status ${r.status}`;
  let code: string;
  let message: string;
  if (query) {
    if (!String(r.headers["content-type"]).startsWith("text/xml")) return `error content-type ${r.headers["content-type"]}`;
    const m = /^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>([A-Za-z.]+)<\/Code>(?:<Message>([^<]*)<\/Message>)?(?:<(\w+)>[^<]*<\/\3>)*<\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/.exec(r.body);
    if (!m) return "body is no query ErrorResponse";
    code = m[1]!;
    message = m[2] ?? "";
  } else {
    if (!String(r.headers["content-type"]).startsWith("application/x-amz-json-1.")) return `error content-type ${r.headers["content-type"]}`;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return "error body is no JSON";
    }
    if (typeof v["__type"] !== "string") return "error body has no __type";
    code = v["__type"];
    if (r.headers["x-amzn-errortype"] !== code) return `x-amzn-ErrorType ${r.headers["x-amzn-errortype"]} differs from __type ${code}`;
    const msg = v["message"] ?? v["Message"];
    if (msg !== undefined && typeof msg !== "string") return "message is no string";
    message = msg ?? "";
  }
  const common = PROTOCOL_CODES[query ? "query" : "json"][code];
  if (common !== undefined) {
    if (r.status !== common) return `${code} with status ${r.status}, not ${common}`;
  } else {
    let modelled = false;
    for (const [name, e] of serviceShapes(svc).errors) {
      if ((query ? (e.queryCode ?? name) : name) !== code) continue;
      // awsJson services send their modelled errors with 400 whatever the model's httpError trait
      // says (KMS's NotFoundException is 400 on the wire, 404 in the model); the query services
      // send the trait's status.
      modelled = true;
      if (query && e.httpStatus !== undefined && r.status !== e.httpStatus) return `${code} with status ${r.status}, not its modelled ${e.httpStatus}`;
    }
    if (!modelled) return `error code ${code} is neither a ${svc.protocol} validation code nor modelled by ${svc.name}`;
  }
  if (INTERNAL_DETAIL.test(message) || INTERNAL_DETAIL.test(r.body.slice(0, 4096))) return `internal detail in the error: ${message.slice(0, 200)}`;
  return undefined;
}

async function healthy(): Promise<boolean> {
  const r = await send("GET", "/health", {});
  return r.status === 200;
}

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
          const r = await sendSigned(svc, c);
          const p = problemWith(svc, r);
          if (p !== undefined) failures.push(`${svc.name} ${c.operation} [${c.label}] (${c.body.length} bytes): ${p} — ${r.status} ${r.body.slice(0, 300)}`);
        } catch (e) {
          failures.push(`${svc.name} ${c.operation} [${c.label}]: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.ok(await healthy(), `/health after ${svc.name}`);
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
    const r = await sendSigned(svc, { service: svc, operation: "CreateWebACL", label: `NotStatement ${depth} deep`, body: Buffer.from(body) });
    assert.equal(problemWith(svc, r), undefined, `${depth} deep: ${r.status} ${r.body.slice(0, 300)}`);
    if (depth < 10_000) assert.equal(r.status, 200, r.body.slice(0, 300));
    else assert.deepEqual(JSON.parse(r.body), { __type: "SerializationException", message: "JSON nesting depth exceeds the maximum allowed (1000)." });
  }
  assert.ok(await healthy());
  assert.deepEqual(logLines.filter((l) => /unexpected error/.test(l)), []);
});
