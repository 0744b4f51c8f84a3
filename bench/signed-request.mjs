// Signs one request with SigV4 (the official @smithy/signature-v4 signer) and writes a wrk
// Lua script that replays it, plus the server's real response (for the bare baseline).
// The signature stays valid for the 15-minute skew window, so a run must start soon after.
// usage: node bench/signed-request.mjs <url> <GetCallerIdentity|DescribeOrganization> <out-prefix>
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { writeFileSync } from "node:fs";
import https from "node:https";
import http from "node:http";

const [url, op, out] = process.argv.slice(2);
const u = new URL(url);
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
const requests = {
  GetCallerIdentity: { service: "sts", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "Action=GetCallerIdentity&Version=2011-06-15" },
  DescribeOrganization: { service: "organizations", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.DescribeOrganization" }, body: "{}" },
};
const r = requests[op];
if (!r) throw new Error(`unknown operation ${op}`);
const signer = new SignatureV4({ service: r.service, region: "us-east-1", credentials, sha256: Sha256 });
const signed = await signer.sign({ method: "POST", protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: "/", headers: { host: u.host, ...r.headers }, body: r.body });

// Fetch the real response once so the bare server can answer the same bytes.
const mod = u.protocol === "https:" ? https : http;
const resp = await new Promise((resolve, reject) => {
  const req = mod.request({ method: "POST", host: u.hostname, port: u.port, path: "/", headers: signed.headers, rejectUnauthorized: false }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => resolve({ status: res.statusCode, headers: { "content-type": res.headers["content-type"], "x-amzn-requestid": res.headers["x-amzn-requestid"] }, body: Buffer.concat(chunks) }));
  });
  req.on("error", reject);
  req.end(r.body);
});
if (resp.status !== 200) throw new Error(`signed request failed: ${resp.status} ${resp.body}`);
writeFileSync(`${out}.response.json`, JSON.stringify({ status: resp.status, headers: resp.headers, body: resp.body.toString("base64") }));
const lua = [
  `wrk.method = "POST"`,
  `wrk.body = ${JSON.stringify(r.body)}`,
  ...Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== "host").map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(String(v))}`),
  "",
].join("\n");
writeFileSync(`${out}.lua`, lua);
process.stdout.write(`signed ${op} -> ${out}.lua (${resp.body.length}-byte response)\n`);
