/**
 * Authentication through the real server and the official SDK: signed, tampered, skewed,
 * unknown-key, unsigned and presigned requests, over HTTPS (TLS 1.2+ only).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import tls from "node:tls";
import { rmSync } from "node:fs";
import { createECDH, createHash, createPrivateKey, sign as cryptoSign } from "node:crypto";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, DescribeOrganizationCommand } from "@aws-sdk/client-organizations";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { pino } from "pino";
import { deriveSigV4aPrivateKey } from "../../src/auth/sigv4.js";
import { newUser, startTestServer, type TestServer, ADMIN_KEY_ID, ADMIN_SECRET } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

function raw(method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = https.request({ method, host: u.hostname, port: u.port, path, headers, ca: s.app.caCertPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("a signed GetCallerIdentity returns the admin's identity", async () => {
  const sts = new STSClient(s.clientConfig());
  const id = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(id.Account, s.accountId);
  assert.equal(id.Arn, `arn:aws:iam::${s.accountId}:user/admin`);
  assert.match(id.UserId ?? "", /^AIDA[A-Z2-7]{17}$/);
});

test("an unknown access key gets InvalidClientTokenId (query) / UnrecognizedClientException (JSON)", async () => {
  const creds = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: ADMIN_SECRET };
  await assert.rejects(new STSClient(s.clientConfig(creds)).send(new GetCallerIdentityCommand({})), (e: any) => {
    assert.equal(e.name, "InvalidClientTokenId");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, "The security token included in the request is invalid.");
    return true;
  });
  await assert.rejects(new OrganizationsClient(s.clientConfig(creds)).send(new DescribeOrganizationCommand({})), (e: any) => {
    assert.equal(e.name, "UnrecognizedClientException");
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});

test("a wrong secret gets SignatureDoesNotMatch / InvalidSignatureException", async () => {
  const creds = { accessKeyId: ADMIN_KEY_ID, secretAccessKey: "not-the-secret-0123456789abcdefghijklmno" };
  await assert.rejects(new STSClient(s.clientConfig(creds)).send(new GetCallerIdentityCommand({})), (e: any) => {
    assert.equal(e.name, "SignatureDoesNotMatch");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.match(e.message, /^The request signature we calculated does not match the signature you provided/);
    return true;
  });
  await assert.rejects(new OrganizationsClient(s.clientConfig(creds)).send(new DescribeOrganizationCommand({})), (e: any) => {
    assert.equal(e.name, "InvalidSignatureException");
    return true;
  });
});

test("a body changed after signing is rejected", async () => {
  class Tamper extends NodeHttpHandler {
    override handle(request: Parameters<NodeHttpHandler["handle"]>[0], opts?: Parameters<NodeHttpHandler["handle"]>[1]) {
      request.body = String(request.body).replace("Version=2011-06-15", "Version=2011-06-15&X=1");
      request.headers["content-length"] = String(Buffer.byteLength(request.body));
      return super.handle(request, opts);
    }
  }
  const cfg = s.clientConfig();
  const sts = new STSClient({ ...cfg, requestHandler: new Tamper({ httpsAgent: new https.Agent({ ca: s.app.caCertPem }) }) });
  await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (e: any) => e.name === "SignatureDoesNotMatch");
});

test("UNSIGNED-PAYLOAD is refused by services that sign the body (all of today's): the body cannot be swapped, in either form", async () => {
  const u = new URL(s.url);
  const creds = { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET };
  const sts = new SignatureV4({ service: "sts", region: "us-east-1", credentials: creds, sha256: Sha256 });
  const body = "Action=GetCallerIdentity&Version=2011-06-15";
  const base = { method: "POST", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/" };
  const headers = { host: u.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
  // Header form: signed over UNSIGNED-PAYLOAD, then sent with the body it was made for and with another.
  const signed = await sts.sign({ ...base, headers, body });
  for (const sent of [body, "Action=GetSessionToken&Version=2011-06-15"]) {
    const r = await raw("POST", "/", signed.headers as Record<string, string>, sent);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(r.body, /<Message>The request signature we calculated does not match the signature you provided\./);
  }
  // The same request with its body's hash is accepted.
  const { "x-amz-content-sha256": _unsigned, ...hashed } = headers;
  const good = await sts.sign({ ...base, headers: hashed, body });
  assert.equal((await raw("POST", "/", good.headers as Record<string, string>, body)).status, 200);
  // Presigned POST declaring UNSIGNED-PAYLOAD: no body its holder chooses is taken (KMS, whose target header is not signed here).
  const kms = new SignatureV4({ service: "kms", region: "us-east-1", credentials: creds, sha256: Sha256 });
  // Given as a header, the signer signs over UNSIGNED-PAYLOAD and hoists it into the query.
  const pre = await kms.presign({ ...base, headers: { host: u.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }, { expiresIn: 300 });
  assert.equal((pre.query as Record<string, string>)["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
  const qs = new URLSearchParams(pre.query as Record<string, string>).toString();
  const r = await raw("POST", `/?${qs}`, { "x-amz-target": "TrentService.CreateKey", "content-type": "application/x-amz-json-1.1" }, "{}");
  assert.equal(r.status, 400, r.body);
  assert.equal(JSON.parse(r.body).__type, "InvalidSignatureException");
  assert.match(JSON.parse(r.body).message, /^The request signature we calculated does not match the signature you provided\./);
});

test("a credential scope whose Region is not a Region name is refused, naming it as AWS does", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "kms", region: "Not_A_Region", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const body = "{}";
  const req = await signer.sign({ method: "POST", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", headers: { host: u.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" }, body });
  const r = await raw("POST", "/", req.headers as Record<string, string>, body);
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body), { __type: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not 'Not_A_Region'. " });
});

test("a request signed 20 minutes ago is expired; 10 minutes is inside the window", async () => {
  const stale = new STSClient({ ...s.clientConfig(), systemClockOffset: -20 * 60_000 });
  await assert.rejects(stale.send(new GetCallerIdentityCommand({})), (e: any) => {
    assert.equal(e.name, "SignatureDoesNotMatch");
    assert.match(e.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    return true;
  });
  const future = new OrganizationsClient({ ...s.clientConfig(), systemClockOffset: 20 * 60_000 });
  await assert.rejects(future.send(new DescribeOrganizationCommand({})), (e: any) => {
    assert.equal(e.name, "InvalidSignatureException");
    assert.match(e.message, /^Signature not yet current/);
    return true;
  });
  const ok = new STSClient({ ...s.clientConfig(), systemClockOffset: -10 * 60_000 });
  assert.equal((await ok.send(new GetCallerIdentityCommand({}))).Account, s.accountId);
});

test("an unsigned request gets MissingAuthenticationToken in the protocol's format", async () => {
  const q = await raw("POST", "/", { "content-type": "application/x-www-form-urlencoded" }, "Action=GetCallerIdentity&Version=2011-06-15");
  assert.equal(q.status, 403);
  // The service the Action and Version name answers, in its own namespace, with the query services' message.
  assert.match(
    q.body,
    /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
  );
  const iam = await raw("GET", "/?Action=ListUsers&Version=2010-05-08", {}, "");
  assert.equal(iam.status, 403);
  assert.match(iam.body, /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
  // An Action no service has: still the query format, without a namespace.
  const none = await raw("POST", "/", { "content-type": "application/x-www-form-urlencoded" }, "Action=NoSuchThing&Version=2011-06-15");
  assert.equal(none.status, 403);
  assert.match(none.body, /^<ErrorResponse><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token<\/Message>/);
  const j = await raw("POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.DescribeOrganization" }, "{}");
  assert.equal(j.status, 403);
  assert.deepEqual(JSON.parse(j.body), { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
});

test("a presigned GET query request is accepted, and rejected once tampered", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const req = await signer.presign({ method: "GET", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: u.host } }, { expiresIn: 300 });
  const qs = new URLSearchParams(req.query as Record<string, string>).toString();
  const ok = await raw("GET", `/?${qs}`, {});
  assert.equal(ok.status, 200);
  assert.match(ok.body, new RegExp(`<Arn>arn:aws:iam::${s.accountId}:user/admin</Arn>`));
  const bad = await raw("GET", `/?${qs.replace("GetCallerIdentity", "GetSessionToken")}`, {});
  assert.equal(bad.status, 403);
  assert.match(bad.body, /<Code>SignatureDoesNotMatch<\/Code>/);
});

test("a malformed signature is answered by the service its credential scope names", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const req = await signer.presign({ method: "GET", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: u.host } }, { expiresIn: 300 });
  const qs = new URLSearchParams(req.query as Record<string, string>).toString().replace("X-Amz-Expires=300", "X-Amz-Expires=604801");
  const week = await raw("GET", `/?${qs}`, {});
  assert.equal(week.status, 400);
  assert.equal(
    week.body,
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>IncompleteSignature</Code>` +
      `<Message>X-Amz-Expires must be less than a week (in seconds) that is; 604800</Message></Error><RequestId>${week.headers["x-amzn-requestid"]}</RequestId></ErrorResponse>`,
  );
  const iam = await raw(
    "POST",
    "/",
    { "content-type": "application/x-www-form-urlencoded", authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_KEY_ID}/20260101/us-east-1/iam/aws4_request, Signature=00` },
    "Action=ListUsers&Version=2010-05-08",
  );
  assert.equal(iam.status, 400);
  assert.match(iam.body, /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>IncompleteSignature<\/Code>/);
});

test("a presigned GetCallerIdentity with an extra signed header, answered in JSON when asked (IAM-authenticator style)", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const req = await signer.presign(
    { method: "GET", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: u.host, "x-k8s-aws-id": "cluster-a" } },
    { expiresIn: 60 },
  );
  const qs = new URLSearchParams(req.query as Record<string, string>).toString();
  assert.match(qs, /X-Amz-SignedHeaders=host%3Bx-k8s-aws-id/);
  const ok = await raw("GET", `/?${qs}`, { "x-k8s-aws-id": "cluster-a", accept: "application/json" });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["content-type"], "application/json");
  const doc = JSON.parse(ok.body);
  assert.deepEqual(doc.GetCallerIdentityResponse.GetCallerIdentityResult, {
    UserId: doc.GetCallerIdentityResponse.GetCallerIdentityResult.UserId,
    Account: s.accountId,
    Arn: `arn:aws:iam::${s.accountId}:user/admin`,
  });
  assert.match(doc.GetCallerIdentityResponse.GetCallerIdentityResult.UserId, /^AIDA[A-Z2-7]{17}$/);
  assert.equal(doc.GetCallerIdentityResponse.ResponseMetadata.RequestId, ok.headers["x-amzn-requestid"]);
  // The signed header must arrive with the value that was signed.
  const other = await raw("GET", `/?${qs}`, { "x-k8s-aws-id": "cluster-b", accept: "application/json" });
  assert.equal(other.status, 403);
  assert.equal(other.headers["content-type"], "application/json");
  const err = JSON.parse(other.body);
  assert.equal(err.Error.Code, "SignatureDoesNotMatch");
  assert.equal(err.Error.Type, "Sender");
  assert.equal(err.RequestId, other.headers["x-amzn-requestid"]);
  // Without Accept: application/json the same request is answered in XML.
  const xml = await raw("GET", `/?${qs}`, { "x-k8s-aws-id": "cluster-a" });
  assert.equal(xml.status, 200);
  assert.equal(xml.headers["content-type"], "text/xml");
});

test("STS ignores X-Amz-Expires: a 60-second EKS-style token works for 15 minutes from X-Amz-Date, and no longer", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  const presigned = async (ageMs: number, expiresIn: number) => {
    const req = await signer.presign(
      { method: "GET", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: u.host, "x-k8s-aws-id": "cluster-a" } },
      { expiresIn, signingDate: new Date(Date.now() - ageMs) },
    );
    return raw("GET", `/?${new URLSearchParams(req.query as Record<string, string>).toString()}`, { "x-k8s-aws-id": "cluster-a" });
  };
  // aws eks get-token signs with X-Amz-Expires=60 and declares the token valid for 14 minutes.
  const late = await presigned(14 * 60_000, 60);
  assert.equal(late.status, 200);
  assert.match(late.body, new RegExp(`<Arn>arn:aws:iam::${s.accountId}:user/admin</Arn>`));
  const old = await presigned(16 * 60_000, 3600);
  assert.equal(old.status, 403);
  assert.match(old.body, /<Code>SignatureDoesNotMatch<\/Code><Message>Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)<\/Message>/);
});

test("malformed JSON, unknown targets and oversize bodies get AWS errors, not 500s", async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: "organizations", region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, sha256: Sha256 });
  async function send(target: string, body: string) {
    const req = await signer.sign({ method: "POST", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", headers: { host: u.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body });
    return raw("POST", "/", req.headers as Record<string, string>, body);
  }
  const malformed = await send("AWSOrganizationsV20161128.DescribeOrganization", "{not json");
  assert.equal(malformed.status, 400);
  assert.equal(JSON.parse(malformed.body).__type, "SerializationException");
  const unknown = await send("AWSOrganizationsV20161128.NoSuchThing", "{}");
  assert.equal(unknown.status, 400);
  assert.equal(JSON.parse(unknown.body).__type, "UnknownOperationException");
  const missing = await send("AWSOrganizationsV20161128.DescribeAccount", "{}");
  assert.equal(missing.status, 400);
  const m = JSON.parse(missing.body);
  // Organizations reports a missing required member as InvalidInputException, reason INPUT_REQUIRED.
  assert.equal(m.__type, "InvalidInputException");
  assert.equal(m.Reason, "INPUT_REQUIRED");
  const big = await raw("POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.DescribeOrganization", "content-length": String(11 * 1024 * 1024) }, "");
  assert.equal(big.status, 413);
});

test("TLS 1.2 is accepted and TLS 1.1 refused by the server with a protocol-version alert", async () => {
  const u = new URL(s.url);
  const connect = (min: tls.SecureVersion, max: tls.SecureVersion) =>
    new Promise<string>((resolve, reject) => {
      // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal comes from the server.
      const sock = tls.connect({ host: "127.0.0.1", port: Number(u.port), ca: s.app.caCertPem, servername: "localhost", minVersion: min, maxVersion: max, ciphers: "DEFAULT@SECLEVEL=0" }, () => {
        resolve(sock.getProtocol() ?? "");
        sock.end();
      });
      sock.on("error", reject);
    });
  assert.equal(await connect("TLSv1.2", "TLSv1.2"), "TLSv1.2");
  await assert.rejects(connect("TLSv1", "TLSv1.1"), (e: any) => e.code === "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
});

test("TLS 1.2 offers only ECDHE with AEAD suites: a client offering only CBC or static-RSA suites is refused; BULWARK_TLS_CIPHERS changes the list", async () => {
  const connect = (port: number, ca: string, ciphers: string) =>
    new Promise<string>((resolve, reject) => {
      const sock = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost", minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers }, () => {
        resolve(sock.getCipher().standardName);
        sock.end();
      });
      sock.on("error", reject);
    });
  const port = Number(new URL(s.url).port);
  assert.equal(await connect(port, s.app.caCertPem, "ECDHE-ECDSA-AES128-GCM-SHA256"), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  assert.equal(await connect(port, s.app.caCertPem, "ECDHE-ECDSA-CHACHA20-POLY1305"), "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  // The client's own preference does not pick a weaker suite when a strong one is shared.
  assert.equal(await connect(port, s.app.caCertPem, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384"), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  for (const cbc of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-CCM8", "AES128-GCM-SHA256"]) {
    await assert.rejects(connect(port, s.app.caCertPem, cbc), (e: any) => e.code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", cbc);
  }
  // TLS 1.3 is unaffected.
  const v13 = await new Promise<string>((resolve, reject) => {
    const sock = tls.connect({ host: "127.0.0.1", port, ca: s.app.caCertPem, servername: "localhost", minVersion: "TLSv1.3" }, () => {
      resolve(`${sock.getProtocol()} ${sock.getCipher().standardName}`);
      sock.end();
    });
    sock.on("error", reject);
  });
  assert.match(v13, /^TLSv1\.3 TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$/);

  const legacy = await startTestServer({ env: { BULWARK_TLS_CIPHERS: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA" } });
  try {
    const lp = Number(new URL(legacy.url).port);
    assert.equal(await connect(lp, legacy.app.caCertPem, "ECDHE-ECDSA-AES128-SHA"), "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
    await assert.rejects(connect(lp, legacy.app.caCertPem, "ECDHE-ECDSA-AES256-GCM-SHA384"), (e: any) => e.code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE");
  } finally {
    await legacy.stop();
    rmSync(legacy.dataDir, { recursive: true, force: true });
  }
});

test("/health and /metrics answer without authentication", async () => {
  const h = await raw("GET", "/health", {});
  assert.equal(h.status, 200);
  assert.equal(JSON.parse(h.body).status, "ok");
  const m = await raw("GET", "/metrics", {});
  assert.equal(m.status, 200);
  assert.match(m.body, /bulwark_requests_total\{service="sts",operation="GetCallerIdentity",code="OK"\} \d+/);
});

test("/metrics labels name only operations a service defines: unknown targets and actions are counted as Unknown", async () => {
  const junk = "Junk" + "x".repeat(2000);
  const json = { "content-type": "application/x-amz-json-1.1" };
  // Unsigned, with a target no service serves; unsigned and signed-scope with a known service's prefix; an unknown query Action.
  assert.equal((await raw("POST", "/", { ...json, "x-amz-target": `Nope.${junk}1` }, "{}")).status, 403);
  assert.equal((await raw("POST", "/", { ...json, "x-amz-target": `TrentService.${junk}2` }, "{}")).status, 403);
  const signer = new SignatureV4({ credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, region: "us-east-1", service: "kms", sha256: Sha256 });
  const u = new URL(s.url);
  const signed = await signer.sign({ method: "POST", protocol: "https:", hostname: u.hostname, port: Number(u.port), path: "/", query: {}, headers: { host: u.host, ...json, "x-amz-target": `TrentService.${junk}3` }, body: "{}" });
  assert.equal((await raw("POST", "/", signed.headers as Record<string, string>, "{}")).status, 400);
  const form = { "content-type": "application/x-www-form-urlencoded" };
  assert.equal((await raw("POST", "/", form, `Action=${junk}4&Version=2011-06-15`)).status, 403);
  const m = (await raw("GET", "/metrics", {})).body;
  assert.ok(!m.includes(junk), "an unknown operation name became a metrics label");
  assert.match(m, /bulwark_requests_total\{service="kms",operation="Unknown",code="UnknownOperationException"\} \d+/);
});

test("an unsigned request over 256 KiB is refused before its body is parsed", async () => {
  const form = { "content-type": "application/x-www-form-urlencoded" };
  // Hundreds of thousands of list members: seconds of parsing if it were parsed.
  const members = Array.from({ length: 12_000 }, (_, i) => `PolicyArns.member.${i + 1}.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fx`).join("&");
  const big = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s&WebIdentityToken=t&${members}`;
  assert.ok(big.length > 256 * 1024);
  const r = await raw("POST", "/", form, big);
  assert.equal(r.status, 413);
  assert.match(r.body, /<Code>RequestEntityTooLarge<\/Code>/);
  assert.match(r.body, /larger than the 262144 bytes/);
  // Under the limit it is parsed and judged as usual (here: a token that is no JWT).
  const small = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=session&WebIdentityToken=${"t".repeat(200)}`;
  const ok = await raw("POST", "/", form, small);
  assert.equal(ok.status, 400);
  assert.match(ok.body, /<Code>InvalidIdentityToken<\/Code>/);
});

test("the Date header follows the service clock, so an SDK corrects its skew from it and retries", async () => {
  s.clock.offsetMs = 60 * 60 * 1000; // the server is an hour ahead of this client
  try {
    const r = await raw("GET", "/", {});
    const served = Date.parse(String(r.headers["date"]));
    assert.ok(Math.abs(served - s.clock.now()) < 5000, `Date ${String(r.headers["date"])} is not the service clock`);
    const sts = new STSClient({ ...s.clientConfig(), maxAttempts: 2 });
    // First attempt: "Signature expired"; the SDK then offsets its clock by the server's Date and retries.
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, s.accountId);
    assert.ok(Math.abs((sts.config.systemClockOffset ?? 0) - s.clock.offsetMs) < 5000, `SDK clock offset ${sts.config.systemClockOffset}`);
  } finally {
    s.clock.offsetMs = 0;
  }
});

test("a key pair sent swapped puts its secret in neither the log (debug included) nor the audit log; the caller gets its value back, as from AWS", async () => {
  const lines: string[] = [];
  const own = await startTestServer({ logger: pino({ level: "debug" }, { write: (line: string) => void lines.push(line) }) });
  try {
    const user = await newUser(own, "swapper");
    // Secret access keys are base64: with a "/" the credential scope no longer has five elements,
    // without one the secret is taken for an unknown access key id.
    const withSlash = user.secretAccessKey.includes("/") ? user.secretAccessKey : `${user.secretAccessKey.slice(0, 20)}/${user.secretAccessKey.slice(21)}`;
    const withoutSlash = user.secretAccessKey.replaceAll("/", "+");
    await assert.rejects(new STSClient(own.clientConfig({ accessKeyId: withSlash, secretAccessKey: user.accessKeyId })).send(new GetCallerIdentityCommand({})), (e: any) => {
      assert.equal(e.name, "IncompleteSignature");
      assert.ok(e.message.includes(`got '${withSlash}/`), e.message);
      return true;
    });
    await assert.rejects(new STSClient(own.clientConfig({ accessKeyId: withoutSlash, secretAccessKey: user.accessKeyId })).send(new GetCallerIdentityCommand({})), (e: any) => {
      assert.equal(e.name, "InvalidClientTokenId");
      return true;
    });
    const rows = await own.app.core.storage.readAudit(1, Number.MAX_SAFE_INTEGER);
    const events = rows.map((r) => r.json).join("\n");
    const logged = lines.join("");
    for (const secret of [withSlash, withoutSlash]) {
      // Any piece of the secret between slashes long enough to be telling.
      for (const part of secret.split("/").filter((p) => p.length >= 12)) {
        assert.ok(!events.includes(part), `the audit log holds ${part}`);
        assert.ok(!logged.includes(part), `the server log holds ${part}`);
      }
    }
    assert.ok(events.includes("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'HIDDEN_DUE_TO_SECURITY_REASONS'"));
    assert.ok(logged.includes('"msg":"authentication failed"') && logged.includes('"msg":"request"'), "the failures were logged");
    assert.ok(logged.includes(user.accessKeyId) || events.includes(user.accessKeyId), "a real key id is still recorded");
  } finally {
    await own.destroy();
  }
});

/** A SigV4a (AWS4-ECDSA-P256-SHA256) header-signed POST, built by hand over node:crypto. */
function sigV4aPost(service: string, headers: Record<string, string>, body: string, opts: { secret?: string; regionSet?: string; unsignedRegionSet?: boolean } = {}): Record<string, string> {
  const d = deriveSigV4aPrivateKey(ADMIN_KEY_ID, opts.secret ?? ADMIN_SECRET);
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const key = createPrivateKey({ key: { kty: "EC", crv: "P-256", d: d.toString("base64url"), x: pub.subarray(1, 33).toString("base64url"), y: pub.subarray(33).toString("base64url") }, format: "jwk" });
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const all: Record<string, string> = { ...headers, host: new URL(s.url).host, "x-amz-date": amzDate, "x-amz-region-set": opts.regionSet ?? "*" };
  if (opts.unsignedRegionSet === true) delete all["x-amz-region-set"];
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  const canonical = ["POST", "/", "", ...names.map((n) => `${n}:${lower[n]!.trim()}`), "", names.join(";"), createHash("sha256").update(body).digest("hex")].join("\n");
  const scope = `${amzDate.slice(0, 8)}/${service}/aws4_request`;
  const stringToSign = `AWS4-ECDSA-P256-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
  const signature = cryptoSign("sha256", Buffer.from(stringToSign), { key, dsaEncoding: "der" }).toString("hex");
  const sent = opts.unsignedRegionSet === true ? { ...all, "x-amz-region-set": opts.regionSet ?? "*" } : all;
  return { ...sent, authorization: `AWS4-ECDSA-P256-SHA256 Credential=${ADMIN_KEY_ID}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` };
}

test("SigV4a: STS (whose model lists aws.auth#sigv4a) accepts an AWS4-ECDSA-P256-SHA256 signature; KMS and IAM refuse the algorithm", async () => {
  const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
  const gci = "Action=GetCallerIdentity&Version=2011-06-15";
  for (const regionSet of ["*", "us-east-1", "us-east-1,eu-west-1", "eu-*"]) {
    const ok = await raw("POST", "/", sigV4aPost("sts", form, gci, { regionSet }), gci);
    assert.equal(ok.status, 200, ok.body);
    assert.match(ok.body, new RegExp(`<Arn>arn:aws:iam::${s.accountId}:user/admin</Arn>`));
  }
  const wrong = await raw("POST", "/", sigV4aPost("sts", form, gci, { secret: "not-the-secret-0123456789abcdefghijklmno" }), gci);
  assert.equal(wrong.status, 403);
  assert.match(wrong.body, /<Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match/);
  const badSet = await raw("POST", "/", sigV4aPost("sts", form, gci, { regionSet: "not a region" }), gci);
  assert.equal(badSet.status, 403);
  assert.match(badSet.body, /<Code>SignatureDoesNotMatch<\/Code><Message>Credential should be scoped to a valid region\.<\/Message>/);
  // The Region set sent but not signed (it could have been changed in transit) counts as absent.
  const unsignedSet = await raw("POST", "/", sigV4aPost("sts", form, gci, { regionSet: "us-east-1", unsignedRegionSet: true }), gci);
  assert.equal(unsignedSet.status, 403);
  assert.match(unsignedSet.body, /<Code>SignatureDoesNotMatch<\/Code><Message>Credential should be scoped to a valid region\.<\/Message>/);

  const unsupported = "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ";
  const kms = await raw("POST", "/", sigV4aPost("kms", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" }, "{}"), "{}");
  assert.equal(kms.status, 400);
  assert.deepEqual(JSON.parse(kms.body), { __type: "IncompleteSignatureException", message: unsupported });
  const listUsers = "Action=ListUsers&Version=2010-05-08";
  const iam = await raw("POST", "/", sigV4aPost("iam", form, listUsers), listUsers);
  assert.equal(iam.status, 400);
  assert.match(iam.body, /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
  assert.ok(iam.body.includes("<Code>IncompleteSignature</Code><Message>Unsupported AWS &apos;algorithm&apos;: &apos;AWS4-ECDSA-P256-SHA256&apos; (only AWS4-HMAC-SHA256 for now). </Message>"), iam.body);
});
