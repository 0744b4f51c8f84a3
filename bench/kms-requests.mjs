// Prepares the KMS load: creates a symmetric key through the official SDK, encrypts one
// 256-byte plaintext (for the Decrypt request), then signs one Encrypt, Decrypt,
// GenerateDataKey and UpdateKeyDescription request each (SigV4, @smithy/signature-v4) and writes, per operation, a wrk
// Lua script replaying it and the server's real response (for the bare baseline).
// Every request carries a two-pair encryption context. Signatures stay valid for the 15-minute
// skew window, so the wrk runs must start soon after.
// usage: NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/kms-requests.mjs <url> <out-dir>
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { KMSClient, CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import https from "node:https";
import http from "node:http";

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) throw new Error("usage: kms-requests.mjs <url> <out-dir>");
const u = new URL(url);
const region = "us-east-1";
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
const kms = new KMSClient({ endpoint: url, region, credentials });
const key = (await kms.send(new CreateKeyCommand({ Description: "bench" }))).KeyMetadata;
const context = { Department: "Engineering", Project: "Bulwark" };
const plaintext = randomBytes(256);
const ct = await kms.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: context }));
kms.destroy();

const bodies = {
  Encrypt: { KeyId: key.Arn, Plaintext: plaintext.toString("base64"), EncryptionContext: context },
  Decrypt: { CiphertextBlob: Buffer.from(ct.CiphertextBlob).toString("base64"), EncryptionContext: context },
  GenerateDataKey: { KeyId: key.Arn, KeySpec: "AES_256", EncryptionContext: context },
  // A write: each replay commits the key's record again (and its CloudTrail event, which is forced
  // to disk before the answer, as every state-changing call's is).
  UpdateKeyDescription: { KeyId: key.Arn, Description: "bench, updated" },
};
const signer = new SignatureV4({ service: "kms", region, credentials, sha256: Sha256 });
const mod = u.protocol === "https:" ? https : http;

for (const [op, json] of Object.entries(bodies)) {
  const body = JSON.stringify(json);
  const headers = { host: u.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${op}` };
  const signed = await signer.sign({ method: "POST", protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: "/", headers, body });
  const resp = await new Promise((resolve, reject) => {
    const req = mod.request({ method: "POST", host: u.hostname, port: u.port, path: "/", headers: signed.headers, rejectUnauthorized: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: { "content-type": res.headers["content-type"], "x-amzn-requestid": res.headers["x-amzn-requestid"] }, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
  if (resp.status !== 200) throw new Error(`signed ${op} failed: ${resp.status} ${resp.body}`);
  writeFileSync(`${outDir}/${op}.response.json`, JSON.stringify({ status: resp.status, headers: resp.headers, body: resp.body.toString("base64") }));
  const lua = [
    `wrk.method = "POST"`,
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== "host").map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(String(v))}`),
    "",
  ].join("\n");
  writeFileSync(`${outDir}/${op}.lua`, lua);
  process.stdout.write(`signed ${op}: ${body.length}-byte request, ${resp.body.length}-byte response\n`);
}
