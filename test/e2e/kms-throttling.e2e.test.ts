/**
 * KMS request quotas: a burst of cryptographic requests beyond the configured per-second quota
 * gets ThrottlingException (HTTP 400, the message AWS documents), requests under it succeed, and
 * the quota refills.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateKeyCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, utf8 } from "./kms-support.js";

/** Cryptographic-operation requests per second per account and Region (small, to be reachable). */
const QUOTA = 10;
let s: TestServer;
let kms: KMSClient;
before(async () => {
  s = await startTestServer({ env: { BULWARK_KMS_CRYPTO_RPS: String(QUOTA) } });
  kms = kmsClient(s);
});
after(async () => {
  await s.destroy();
});

test("a burst beyond the quota is throttled with ThrottlingException; the quota refills", async () => {
  const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  await new Promise((r) => setTimeout(r, 1100));
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 6 * QUOTA }, () => kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("burst") }))));
  const seconds = (Date.now() - started) / 1000;
  const ok = results.filter((r) => r.status === "fulfilled").length;
  const throttled = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } });
  // At most one second's worth up front plus what refilled while the burst was served.
  assert.ok(ok >= 1 && ok <= Math.ceil(QUOTA * (1 + seconds)) + 1, `succeeded: ${ok} in ${seconds} s`);
  assert.equal(ok + throttled.length, 6 * QUOTA);
  assert.ok(throttled.length >= 1, "some requests are throttled");
  for (const e of throttled) {
    assert.equal(e.name, "ThrottlingException");
    assert.equal(e.$metadata?.httpStatusCode, 400);
    assert.equal(e.message, "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.");
  }
  // After a second the quota is available again.
  await new Promise((r) => setTimeout(r, 1100));
  await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("later") }));
});
