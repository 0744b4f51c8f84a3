/**
 * Request bodies being received share one memory budget (BULWARK_MAX_BUFFERED_BODY_BYTES).
 * Clients that declare large bodies and then stall hold no more than the budget between them: a
 * body that does not fit is refused unread with ServiceUnavailable (503) in its protocol's format,
 * which SDKs retry, while ordinary calls go on being served; once the holders leave, large bodies
 * are accepted again. Through the real server (and, for its memory, as a separate process).
 * The holders carry an Authorization header: a request without any signature may only have a
 * body of an unsigned operation's size (256 KiB) and is refused before its body is read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import path from "node:path";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { KMSClient, CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { IAMClient, CreatePolicyCommand } from "@aws-sdk/client-iam";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { listeningUrl } from "./cli-process.js";

const MIB = 1024 * 1024;
/** A signature that looks like one (what a stalled sender must send to be let in beyond 256 KiB). */
const SIGNED_LOOKING = "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00\r\n";
const TEMPORARY_FAILURE = "The request has failed due to a temporary failure of the server.";

function get(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage): void => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve(body));
    };
    const req = url.startsWith("https:") ? https.get(url, { ca, agent: false }, done) : http.get(url, { agent: false }, done);
    req.on("error", reject);
  });
}

/** A value of the server's /metrics (the first series whose line starts with `series`). */
async function metric(base: string, series: string, ca?: string): Promise<number | undefined> {
  const line = (await get(`${base}/metrics`, ca)).split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const engine of ["http1", "node"]) {
  test(`${engine} engine: while stalled senders hold the budget, a large body gets ServiceUnavailable (retried by the SDK) in its protocol's format and small calls are served`, async () => {
    const s = await startTestServer({ env: { BULWARK_HTTP_ENGINE: engine, BULWARK_MAX_BODY_BYTES: String(MIB), BULWARK_MAX_BUFFERED_BODY_BYTES: String(2.5 * MIB) } });
    try {
      await stalledSendersHoldTheBudget(s);
    } finally {
      await s.destroy();
    }
  });
}

test("a request without a signature that declares a body over 256 KiB is answered 413 at once, before any of its body is sent, and holds nothing", async () => {
  const s = await startTestServer({ env: { BULWARK_MAX_BODY_BYTES: String(4 * MIB) } });
  const u = new URL(s.url);
  const sock = tls.connect({ host: "127.0.0.1", port: Number(u.port), ca: s.app.caCertPem, servername: "localhost" });
  try {
    sock.on("error", () => undefined);
    await new Promise<void>((resolve) => sock.once("secureConnect", () => resolve()));
    let text = "";
    sock.on("data", (d: Buffer) => (text += d.toString("latin1")));
    const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
    // The head only: 3 MiB declared (under the endpoint's 4 MiB), nothing of it sent.
    sock.write(`POST / HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${3 * MIB}\r\n\r\n`);
    await closed;
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /<Code>RequestEntityTooLarge<\/Code>/);
    assert.match(text, /larger than the 262144 bytes/);
    assert.equal(await metric(s.url, "bulwark_buffered_body_bytes", s.app.caCertPem), 0);
    // A signed request keeps the endpoint's limit: a 300 KiB body is read and judged by KMS (4,096 bytes of plaintext at most).
    const kms = new KMSClient(s.clientConfig());
    const key = await kms.send(new CreateKeyCommand({}));
    await assert.rejects(kms.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: randomBytes(300 * 1024) })), (e: any) => {
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.name, "ValidationException");
      return true;
    });
  } finally {
    sock.destroy();
    await s.destroy();
  }
});

async function stalledSendersHoldTheBudget(s: TestServer): Promise<void> {
  const u = new URL(s.url);
  const held: tls.TLSSocket[] = [];
  for (let i = 0; i < 2; i++) {
    const sock = tls.connect({ host: "127.0.0.1", port: Number(u.port), ca: s.app.caCertPem, servername: "localhost" });
    sock.on("error", () => undefined);
    await new Promise<void>((resolve) => sock.once("secureConnect", () => resolve()));
    sock.write(`POST / HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.Encrypt\r\n${SIGNED_LOOKING}Content-Length: ${MIB}\r\n\r\n{"KeyId":`);
    held.push(sock);
  }
  const gauge = () => metric(s.url, "bulwark_buffered_body_bytes", s.app.caCertPem);
  await eventually(async () => (await gauge()) === 2 * MIB);
  try {
    // Ordinary calls are served meanwhile.
    const kms = new KMSClient(s.clientConfig());
    const key = await kms.send(new CreateKeyCommand({}));
    const small = await kms.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: Buffer.from("hello") }));
    assert.ok(small.CiphertextBlob !== undefined);
    const id = await new STSClient(s.clientConfig()).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, s.accountId);

    // 700 KiB of plaintext: under the 1 MiB body limit, but more than the 0.5 MiB left.
    const big = new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: randomBytes(700 * 1024) });
    await assert.rejects(new KMSClient({ ...s.clientConfig(), maxAttempts: 3 }).send(big), (e: any) => {
      assert.equal(e.name, "ServiceUnavailableException");
      assert.equal(e.$metadata.httpStatusCode, 503);
      assert.equal(e.message, TEMPORARY_FAILURE);
      // The SDK took it for a transient failure and tried again.
      assert.equal(e.$metadata.attempts, 3);
      return true;
    });
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Sid: "x".repeat(700 * 1024) }] });
    await assert.rejects(new IAMClient(s.clientConfig()).send(new CreatePolicyCommand({ PolicyName: "big", PolicyDocument: document })), (e: any) => {
      assert.equal(e.name, "ServiceUnavailable");
      assert.equal(e.$metadata.httpStatusCode, 503);
      assert.equal(e.message, TEMPORARY_FAILURE);
      return true;
    });
    // Refused requests are counted like the other refusals.
    assert.equal(await metric(s.url, 'bulwark_requests_total{service="unknown",operation="Unknown",code="ServiceUnavailableException"}', s.app.caCertPem), 3);
    assert.equal(await metric(s.url, 'bulwark_requests_total{service="unknown",operation="Unknown",code="ServiceUnavailable"}', s.app.caCertPem), 1);
    assert.equal(await gauge(), 2 * MIB);
  } finally {
    for (const sock of held) sock.destroy();
  }
  // The holders are gone: their reservations are released and the large body is read again
  // (and judged by KMS: 4,096 bytes of plaintext at most).
  await eventually(async () => (await gauge()) === 0);
  const kms = new KMSClient(s.clientConfig());
  const key = await kms.send(new CreateKeyCommand({}));
  await assert.rejects(kms.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: randomBytes(700 * 1024) })), (e: any) => {
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.name, "ValidationException");
    return true;
  });
}

test("200 connections each sending most of a 2 MiB body and then waiting: the server's memory grows by about the budget, not by the bodies", { skip: process.platform !== "linux" ? "RSS comes from /proc" : false }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-budget-"));
  const child = spawn(process.execPath, [path.resolve("dist/src/cli/main.js"), "serve", "--data-dir", path.join(dir, "data"), "--listen", "127.0.0.1:0", "--plain-http", "--log-level", "warn"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      BULWARK_ROOT_KEY: randomBytes(32).toString("base64"),
      BULWARK_ADMIN_ACCESS_KEY_ID: "AKIABUDGETADMIN00001",
      BULWARK_ADMIN_SECRET_ACCESS_KEY: "budgetAdminSecret/0123456789abcdefghijk",
      BULWARK_MAX_BODY_BYTES: String(2 * MIB),
      BULWARK_MAX_BUFFERED_BODY_BYTES: String(32 * MIB),
      BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS: "3600",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const socks: net.Socket[] = [];
  try {
    const base = await listeningUrl(child);
    const rss = async () => (await metric(base, "bulwark_process_process_resident_memory_bytes"))!;
    const before = await rss();
    const port = Number(new URL(base).port);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const answers: string[] = [];
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < 200; i++) {
      const sock = net.connect(port, "127.0.0.1");
      socks.push(sock);
      let text = "";
      sock.on("data", (d: Buffer) => {
        text += d.toString("latin1");
        if (text.includes("\r\n\r\n")) answers[i] = text.slice(0, 12);
      });
      sock.on("error", () => undefined);
      sent.push(
        new Promise<void>((resolve) => {
          sock.once("close", () => resolve());
          sock.once("connect", async () => {
            sock.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.Encrypt\r\n${SIGNED_LOOKING}Content-Length: ${2 * MIB}\r\n\r\n`);
            // 1.9 MiB of the 2 MiB, then nothing more.
            for (let k = 0; k < 30 && !sock.destroyed; k++) {
              if (!sock.write(piece)) await new Promise((r) => sock.once("drain", r));
            }
            resolve();
          });
        }),
      );
    }
    await Promise.all(sent);
    // 16 bodies fit in 32 MiB; every other connection was answered 503 and closed.
    await eventually(async () => answers.filter((a) => a === "HTTP/1.1 503").length === 184, 20_000);
    assert.equal(await metric(base, "bulwark_buffered_body_bytes"), 32 * MIB);
    await new Promise((r) => setTimeout(r, 500));
    const during = await rss();
    // 200 × 1.9 MiB = 380 MiB if every body were held; the budget lets 32 MiB of them in.
    assert.ok(during - before < 128 * MIB, `RSS grew by ${Math.round((during - before) / MIB)} MiB (from ${Math.round(before / MIB)} MiB)`);
    for (const sock of socks) sock.destroy();
    await eventually(async () => (await metric(base, "bulwark_buffered_body_bytes")) === 0);
  } finally {
    for (const sock of socks) sock.destroy();
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
