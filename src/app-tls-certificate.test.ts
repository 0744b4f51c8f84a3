/**
 * The operator's own certificate (--tls-cert): served as given, with a warning at start when
 * clients would refuse it (outside its validity period, or not naming the listen address).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ownCertificateProblems } from "./app.js";
import { issueServerCertificate } from "./gateway/tls-ca.js";
import { createTestSealer } from "./services/sts/testing/fake-sealer.js";

const DAY = 86_400_000;
const SETTING = '--tls-cert (BULWARK_TLS_CERT, "tlsCert")';

async function certificate(names: string[], issuedAt: number, validityDays = 30): Promise<string> {
  const meta = new Map<string, string>();
  const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
  return (await issueServerCertificate(store, createTestSealer(), { now: () => issuedAt }, names, validityDays)).certPem;
}

test("a current certificate naming the listen address (name or IP, exactly) has no problem; a wildcard listen address is not checked", async () => {
  const now = Date.parse("2026-06-01T00:00:00Z");
  const pem = await certificate(["api.example.internal", "10.1.2.3"], now - DAY);
  assert.deepEqual(ownCertificateProblems(pem, "api.example.internal", now), []);
  assert.deepEqual(ownCertificateProblems(pem, "10.1.2.3", now), []);
  assert.deepEqual(ownCertificateProblems(pem, "0.0.0.0", now), []);
  assert.deepEqual(ownCertificateProblems(pem, "::", now), []);
  assert.deepEqual(ownCertificateProblems(pem, "10.1.2.4", now), [
    `the ${SETTING} certificate does not name 10.1.2.4, the listen address: clients connecting to it will refuse the certificate`,
  ]);
  assert.deepEqual(ownCertificateProblems(pem, "other.example.internal", now), [
    `the ${SETTING} certificate does not name other.example.internal, the listen address: clients connecting to it will refuse the certificate`,
  ]);
});

test("an expired certificate and one not yet valid are named with the date", async () => {
  const issued = Date.parse("2026-01-01T00:00:00Z");
  const pem = await certificate(["localhost"], issued, 10);
  const [expired] = ownCertificateProblems(pem, "localhost", issued + 11 * DAY);
  assert.match(expired!, new RegExp(`^the ${SETTING.replace(/[()]/g, "\\$&")} certificate expired on 2026-01-1\\dT[0-9:.]+Z: clients will refuse it$`));
  const [early] = ownCertificateProblems(pem, "localhost", issued - 2 * DAY);
  assert.match(early!, /certificate is not valid before 2025-12-3\dT[0-9:.]+Z: clients will refuse it until then$/);
  assert.deepEqual(ownCertificateProblems(pem, "localhost", issued + 5 * DAY), []);
});

test("something that is not a certificate is left to the TLS context's own check", () => {
  assert.deepEqual(ownCertificateProblems("not a certificate", "localhost", Date.now()), []);
});
