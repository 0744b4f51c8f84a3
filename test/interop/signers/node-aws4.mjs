// Drives a Bulwark server with aws4 (npm; Debian: node-aws4), a SigV4 signer that is not AWS's,
// over HTTPS with Bulwark's CA, and prints one JSON object per step for
// third-party-signers.interop.test.ts to check: STS GetCallerIdentity and IAM CreateUser (query
// protocol, POST form), KMS CreateKey, Encrypt and Decrypt (JSON 1.1 with X-Amz-Target), and a
// request whose signature was changed after signing.
//
// usage: node node-aws4.mjs [path of aws4.js]   (env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE,
//        BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY)
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { createRequire } from "node:module";

const aws4 = createRequire(import.meta.url)(process.argv[2] ?? "/usr/share/nodejs/aws4/aws4.js");
const endpoint = new URL(process.env.BULWARK_ENDPOINT);
const ca = readFileSync(process.env.BULWARK_CA_BUNDLE);
const credentials = { accessKeyId: process.env.BULWARK_ACCESS_KEY_ID, secretAccessKey: process.env.BULWARK_SECRET_ACCESS_KEY };

function emit(step, data) {
  console.log(JSON.stringify({ step, ...data }));
}

/** The signature's last hex digit changed: the request as signed, but with a signature that does not match. */
function tamper(headers) {
  headers.Authorization = headers.Authorization.replace(/[0-9a-f]$/, (c) => (c === "0" ? "1" : "0"));
}

/** Signs and sends; resolves to the status and the body as text. */
function send(service, headers, body, { tampered = false } = {}) {
  // host and port given apart: aws4 signs "localhost:port" as the Host header, as node sends it.
  const opts = aws4.sign({ service, region: "us-east-1", method: "POST", path: "/", hostname: endpoint.hostname, port: endpoint.port, headers, body }, credentials);
  if (tampered) tamper(opts.headers);
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, ca }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const query = (service, params, options) =>
  send(service, { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, new URLSearchParams(params).toString(), options);
const kms = async (action, input, options) => {
  const r = await send("kms", { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `TrentService.${action}` }, JSON.stringify(input), options);
  return { status: r.status, json: JSON.parse(r.text) };
};
const tag = (xml, name) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1] ?? null;
const xmlError = (r) => ({ status: r.status, code: tag(r.text, "Code"), message: tag(r.text, "Message") });
const jsonError = (r) => ({ status: r.status, code: r.json.__type, message: r.json.message ?? r.json.Message });

const me = await query("sts", { Action: "GetCallerIdentity", Version: "2011-06-15" });
emit("sts.GetCallerIdentity", { status: me.status, account: tag(me.text, "Account"), arn: tag(me.text, "Arn") });
const user = await query("iam", { Action: "CreateUser", Version: "2010-05-08", UserName: "signer-node-aws4" });
emit("iam.CreateUser", { status: user.status, arn: tag(user.text, "Arn") });

const created = await kms("CreateKey", { Description: "node-aws4" });
emit("kms.CreateKey", { status: created.status, arn: created.json.KeyMetadata.Arn, state: created.json.KeyMetadata.KeyState });
const context = { client: "node-aws4" };
const encrypted = await kms("Encrypt", { KeyId: created.json.KeyMetadata.KeyId, Plaintext: Buffer.from("secret from node-aws4").toString("base64"), EncryptionContext: context });
const decrypted = await kms("Decrypt", { CiphertextBlob: encrypted.json.CiphertextBlob, EncryptionContext: context });
emit("kms.Decrypt", { status: decrypted.status, plaintext: Buffer.from(decrypted.json.Plaintext, "base64").toString(), key: decrypted.json.KeyId });

emit("kms.Encrypt.tampered", jsonError(await kms("Encrypt", { KeyId: created.json.KeyMetadata.KeyId, Plaintext: "eA==" }, { tampered: true })));
emit("sts.GetCallerIdentity.tampered", xmlError(await query("sts", { Action: "GetCallerIdentity", Version: "2011-06-15" }, { tampered: true })));
