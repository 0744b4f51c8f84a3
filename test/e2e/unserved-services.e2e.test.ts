/**
 * Requests for services Bulwark does not serve, as their SDK clients send them (tools that clean
 * or inventory a whole account, aws-nuke among them, call EC2, S3, Lambda… on the same endpoint):
 * each is refused at once, with the error format of its own protocol, so the SDK's own error
 * readers (@aws-sdk/core's, as the EC2, S3 and Lambda clients use them) find the code and message
 * instead of failing to parse the body. Query and awsJson services, and Route 53's REST-XML with
 * the query envelope, are answered as before.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { parseJsonErrorBody, parseXmlErrorBody, loadRestJsonErrorCode, loadRestXmlErrorCode } from "@aws-sdk/core/protocols";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { startTestServer, awsError, ADMIN_KEY_ID, ADMIN_SECRET, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer({ plainHttp: true });
});
after(async () => {
  await s.destroy();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request signed for `service` as its SDK client sends it. */
async function send(service: string, method: string, path: string, headers: Record<string, string>, body = ""): Promise<Reply> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const [p, q] = path.split("?");
  const query = Object.fromEntries(new URLSearchParams(q ?? ""));
  const signed = await signer.sign({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path: p!, query, headers: { host: u.host, ...headers }, body });
  return new Promise((resolve, reject) => {
    const req = http.request({ method, host: u.hostname, port: u.port, path, headers: signed.headers as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const context = { utf8Encoder: (b: Uint8Array) => Buffer.from(b).toString("utf8") } as any;
const output = (r: Reply) => ({ statusCode: r.status, headers: r.headers as Record<string, string>, body: r.body });
const notOffered = (service: string) => `Credential should be scoped to correct service. The service '${service}' is not offered by this endpoint.`;

test("EC2 (ec2 query protocol): <Response><Errors><Error> with Code and Message, and the RequestID", async () => {
  const r = await send("ec2", "POST", "/", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, "Action=DescribeInstances&Version=2016-11-15");
  assert.equal(r.status, 403);
  assert.match(String(r.headers["content-type"]), /^text\/xml/);
  const parsed = await parseXmlErrorBody(r.body, context);
  // The EC2 client reads the code at Errors.Error.Code of the parsed body.
  assert.equal(parsed.Errors?.Error?.Code, "SignatureDoesNotMatch");
  assert.equal(parsed.Errors?.Error?.Message, notOffered("ec2"));
  assert.equal(parsed.RequestID, r.headers["x-amzn-requestid"]);
});

test("S3 (REST-XML): a bare <Error> document with Code, Message and RequestId", async () => {
  const r = await send("s3", "GET", "/", { "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" });
  assert.equal(r.status, 403);
  assert.equal(r.headers["content-type"], "application/xml");
  const parsed = await parseXmlErrorBody(r.body, context);
  assert.equal(loadRestXmlErrorCode(output(r), parsed), "SignatureDoesNotMatch");
  assert.equal(parsed.Message, notOffered("s3"));
  assert.equal(parsed.RequestId, r.headers["x-amz-request-id"]);
});

test("Lambda (REST-JSON): the code in x-amzn-ErrorType, the message in the JSON body", async () => {
  const r = await send("lambda", "GET", "/2015-03-31/functions/?MaxItems=50", {});
  assert.equal(r.status, 400);
  assert.equal(r.headers["content-type"], "application/json");
  const parsed = await parseJsonErrorBody(r.body, context);
  assert.equal(loadRestJsonErrorCode(output(r), parsed), "InvalidSignatureException");
  assert.equal(parsed.message, notOffered("lambda"));
  // Also in x-amzn-ErrorMessage, where the Go SDK v1 (aws-nuke's) reads it.
  assert.equal(r.headers["x-amzn-errormessage"], notOffered("lambda"));
  assert.match(String(r.headers["x-amzn-requestid"]), /^[0-9a-f-]{36}$/);
});

test("query and awsJson services, and Route 53, keep their own formats", async () => {
  const sns = await send("sns", "POST", "/", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, "Action=ListTopics&Version=2010-03-31");
  assert.equal(sns.status, 403);
  assert.match(sns.body.toString(), /^<ErrorResponse><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code><Message>Credential should be scoped/);
  const route53 = await send("route53", "GET", "/2013-04-01/hostedzone", {});
  assert.equal(route53.status, 403);
  assert.equal(loadRestXmlErrorCode(output(route53), await parseXmlErrorBody(route53.body, context)), "SignatureDoesNotMatch");
  const ddb = new DynamoDBClient(s.clientConfig());
  await assert.rejects(ddb.send(new ListTablesCommand({})), awsError("InvalidSignatureException", 400, notOffered("dynamodb")));
});
