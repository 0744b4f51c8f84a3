/**
 * The API endpoint as a client that is no SDK reaches it: requests written as raw bytes over TLS
 * and plain TCP, answered by the whole server (engine, pipeline, services). A malformed request
 * gets its 4xx in the format of the service it names, never a 500, and the server goes on serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { startTestServer, type TestServer } from "./harness.js";
import { rawAnswer, type RawAnswer } from "./raw-socket.js";

/** Writes `bytes` on a new connection; resolves with what the server sent until it closed. */
function raw(s: TestServer, bytes: string): Promise<RawAnswer> {
  const u = new URL(s.url);
  const c =
    u.protocol === "https:"
      ? tls.connect({ host: "127.0.0.1", port: Number(u.port), ca: s.app.caCertPem, servername: "localhost" }, () => c.write(bytes, "latin1"))
      : net.connect(Number(u.port), "127.0.0.1", () => c.write(bytes, "latin1"));
  return rawAnswer(c);
}

function get(s: TestServer, target: string): Promise<RawAnswer> {
  return raw(s, `GET ${target} HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nConnection: close\r\n\r\n`);
}

const KMS_SCOPE = "AKIAIOSFODNN7EXAMPLE%2F20261202%2Fus-east-1%2Fkms%2Faws4_request";
const STS_SCOPE = "AKIAIOSFODNN7EXAMPLE%2F20261202%2Fus-east-1%2Fsts%2Faws4_request";
const ILLEGAL = "Illegal hex character in escape % pattern: %zz";

for (const plainHttp of [false, true]) {
  test(`${plainHttp ? "plain HTTP" : "HTTPS"}: a malformed escape in a presigned query's X-Amz-* parameter is a 400 in the format of the service its scope names, not a 500`, async () => {
    const s = await startTestServer({ plainHttp });
    try {
      // The credential scope names KMS, another parameter's escape is malformed: KMS's awsJson error.
      const kms = await get(s, `/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${KMS_SCOPE}&X-Amz-Date=20261202T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=%zz`);
      assert.equal(kms.status, 400, kms.body);
      assert.deepEqual(JSON.parse(kms.body), { __type: "ValidationException", message: ILLEGAL });
      // Naming STS: its query-protocol XML, in its namespace.
      const sts = await get(s, `/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${STS_SCOPE}&X-Amz-Security-Token=%zz`);
      assert.equal(sts.status, 400, sts.body);
      assert.match(sts.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>Illegal hex character in escape % pattern: %zz<\/Message>/);
      // A scope that is itself malformed, or cut short by an incomplete escape, names no service.
      for (const query of ["X-Amz-Credential=%zz", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261202%2Fus-east-1%2Fkms%2Faws4_request%2"]) {
        const a = await get(s, `/?${query}`);
        assert.equal(a.status, 400, `${query}: ${a.body}`);
        assert.match(a.body, /<Code>ValidationError<\/Code><Message>(Illegal hex character in escape % pattern: %zz|Incomplete trailing escape % sequence)<\/Message>/, query);
      }
      // A query-protocol request with a malformed X-Amz-Date: STS by its Action.
      const action = await get(s, "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=%zz");
      assert.equal(action.status, 400, action.body);
      assert.match(action.body, /xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/".*<Code>ValidationError<\/Code><Message>Illegal hex character in escape % pattern: %zz</);
      const health = await get(s, "/health");
      assert.equal(health.status, 200);
      assert.match(health.body, /"status":"ok"/);
    } finally {
      await s.destroy();
    }
  });
}
