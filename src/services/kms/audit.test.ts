/**
 * Through the real server (plain HTTP, official SDK): KMS CloudTrail events carry the key as
 * resource and keyId/encryptionContext/encryptionAlgorithm as request parameters, and no
 * plaintext ever reaches the stored audit rows; key material is stored only sealed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startApp, type App } from "../../app.js";
import { loadConfig } from "../../config/config.js";
import { COLLECTIONS } from "./model.js";

const KEY_ID = "AKIAKMSAUDITTEST0001";
const SECRET = "kmsAuditTestSecret0123456789abcdefghijklm";

describe("KMS audit events (real server)", () => {
  let app: App;
  let dir: string;
  let kms: KMSClient;
  const agent = new http.Agent({ keepAlive: true });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "bulwark-kms-audit-"));
    const cfg = loadConfig(
      { dataDir: dir, listen: "127.0.0.1:0", plainHttp: true },
      { BULWARK_ROOT_KEY: randomBytes(32).toString("base64"), BULWARK_ADMIN_ACCESS_KEY_ID: KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: SECRET, BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS: "3600" },
    );
    app = await startApp(cfg, { logger: pino({ level: "silent" }) });
    kms = new KMSClient({ endpoint: app.url, region: "us-east-1", credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET }, requestHandler: new NodeHttpHandler({ httpAgent: agent }), maxAttempts: 1 });
  });

  after(async () => {
    kms.destroy();
    agent.destroy();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Encrypt/Decrypt/GenerateDataKey events name the key and never contain plaintext", async () => {
    const key = (await kms.send(new CreateKeyCommand({ Description: "audited" }))).KeyMetadata!;
    const secret = `TOP-SECRET-${randomBytes(8).toString("hex")}`;
    const ec = { project: "audit-test" };
    const e = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from(secret), EncryptionContext: ec }));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: ec }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), secret);
    const g = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: "AES_256" }));
    const rows = await app.core.storage.readAudit(1, Number.MAX_SAFE_INTEGER);
    const all = rows.map((r) => r.json).join("\n");
    for (const s of [secret, Buffer.from(secret).toString("base64"), Buffer.from(g.Plaintext!).toString("base64"), Buffer.from(g.Plaintext!).toString("hex")]) {
      assert.ok(!all.includes(s), "a plaintext reached the audit log");
    }
    const events = rows.map((r) => JSON.parse(r.json) as Record<string, unknown>).filter((ev) => ev.eventSource === "kms.amazonaws.com");
    const enc = events.find((ev) => ev.eventName === "Encrypt");
    assert.ok(enc);
    assert.deepEqual(enc.resources, [{ ARN: key.Arn, accountId: key.AWSAccountId, type: "AWS::KMS::Key" }]);
    assert.deepEqual(enc.requestParameters, { keyId: key.KeyId, encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: ec });
    assert.equal(enc.responseElements, null);
    assert.equal(enc.readOnly, true);
    const dec = events.find((ev) => ev.eventName === "Decrypt");
    assert.deepEqual(dec?.requestParameters, { encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: ec });
    assert.deepEqual(events.find((ev) => ev.eventName === "GenerateDataKey")?.requestParameters, { keyId: key.KeyId, keySpec: "AES_256" });
    assert.deepEqual(dec?.resources, [{ ARN: key.Arn, accountId: key.AWSAccountId, type: "AWS::KMS::Key" }]);
    const create = events.find((ev) => ev.eventName === "CreateKey");
    assert.equal((create?.responseElements as { keyMetadata: { keyId: string } }).keyMetadata.keyId, key.KeyId);
    // Key material is only ever stored sealed.
    const material = await app.core.storage.list<Record<string, unknown>>(COLLECTIONS.material);
    assert.ok(material.length >= 1);
    for (const m of material) assert.deepEqual(Object.keys(m.value), ["sealed"]);
  });
});
