import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Listener } from "@aws-sdk/client-elastic-load-balancing-v2";
import { createHarness, assertAwsError, OTHER_ACCOUNT, T0, type Harness } from "../iam/testing/harness.js";
import { certificateChain, issueCertificate, newKeyPair, type TestCertificate } from "../iam/testing/certificates.js";
import type { ServerCertificateView } from "../iam/server-certificate-view.js";
import { ACCOUNT, createFixture, expectError, FakeRuntime, type Fixture } from "./testing/fixture.js";

const DAY = 86_400_000;
const OK = [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }];

let chain: { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate };
let other: TestCertificate;
before(async () => {
  chain = await certificateChain({ notBefore: T0 - 30 * DAY, notAfter: T0 + 30 * DAY });
  other = await issueCertificate({ subject: "CN=other.example.test", key: await newKeyPair("p256"), notBefore: T0 - 30 * DAY, notAfter: T0 + 60 * DAY });
});

interface Setup {
  h: Harness;
  f: Fixture;
  lbArn: string;
}

/** IAM and ELBv2 on one store, wired as app.ts wires them. */
async function setup(view?: (v: ServerCertificateView) => ServerCertificateView, runtime?: FakeRuntime): Promise<Setup> {
  const h = createHarness();
  const f = createFixture({ store: h.store, serverCertificates: view ? view(h.iam.serverCertificates) : h.iam.serverCertificates, ...(runtime ? { runtime } : {}) });
  h.iam.useServerCertificateUsage((db, accountId, id) => f.service.serverCertificateUsers(db, accountId, id));
  const lb = await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: "web" });
  return { h, f, lbArn: lb.LoadBalancers[0]!.LoadBalancerArn };
}

async function upload(h: Harness, name: string, cert: TestCertificate, extra: Record<string, unknown> = {}): Promise<{ Arn: string; ServerCertificateId: string }> {
  const out = await h.call<{ ServerCertificateMetadata: { Arn: string; ServerCertificateId: string } }>("UploadServerCertificate", {
    ServerCertificateName: name,
    CertificateBody: cert.pem,
    PrivateKey: cert.key.privateKeyPem,
    ...extra,
  });
  return out.ServerCertificateMetadata;
}

async function https(f: Fixture, lbArn: string, port: number, certificateArn?: string): Promise<Listener> {
  const out = await f.call<{ Listeners: Listener[] }>("CreateListener", {
    LoadBalancerArn: lbArn,
    Protocol: "HTTPS",
    Port: port,
    ...(certificateArn ? { Certificates: [{ CertificateArn: certificateArn }] } : {}),
    DefaultActions: OK,
  });
  return out.Listeners[0]!;
}

describe("HTTPS listeners with IAM server certificates", () => {
  test("the listener presents the certificate body and chain with its unsealed key; the ARN is shown as named", async () => {
    const { h, f, lbArn } = await setup();
    const meta = await upload(h, "site", chain.leaf, { Path: "/lb/prod/", CertificateChain: chain.intermediate.pem });
    assert.equal(meta.Arn, `arn:aws:iam::${ACCOUNT}:server-certificate/lb/prod/site`);
    const l = await https(f, lbArn, 8443, meta.Arn);
    assert.deepEqual(l.Certificates, [{ CertificateArn: meta.Arn }]);
    const spec = f.runtime.listeners.get(l.ListenerArn!)!;
    assert.equal(spec.tls?.certPem, chain.leaf.pem + chain.intermediate.pem);
    assert.equal(spec.tls?.keyPem, chain.leaf.key.privateKeyPem);
    const described = await f.call<{ Listeners: Listener[] }>("DescribeListeners", { ListenerArns: [l.ListenerArn] });
    assert.deepEqual(described.Listeners[0]!.Certificates, [{ CertificateArn: meta.Arn }]);
    assert.equal(JSON.stringify(described).includes(meta.ServerCertificateId), false);
  });

  test("unknown names, wrong paths, other accounts' ARNs and expired certificates are CertificateNotFound", async () => {
    const { h, f, lbArn } = await setup();
    const meta = await upload(h, "site", chain.leaf, { Path: "/lb/" });
    const bad = [
      `arn:aws:iam::${ACCOUNT}:server-certificate/lb/missing`,
      `arn:aws:iam::${ACCOUNT}:server-certificate/site`,
      `arn:aws:iam::${ACCOUNT}:server-certificate/other/site`,
      `arn:aws:iam::${ACCOUNT}:server-certificate/lb/`,
      `arn:aws:iam::${OTHER_ACCOUNT}:server-certificate/lb/site`,
    ];
    // The other account holds a certificate of that very name and path: still not the caller's.
    await h.call("UploadServerCertificate", { ServerCertificateName: "site", Path: "/lb/", CertificateBody: other.pem, PrivateKey: other.key.privateKeyPem }, { accountId: OTHER_ACCOUNT });
    for (const arn of bad) await expectError(https(f, lbArn, 8443, arn), "CertificateNotFound", `Certificate '${arn}' not found`);
    // Expired by the time of the request (IAM checked it only at upload).
    f.clock.set(T0 + 31 * DAY);
    await expectError(
      f.call("CreateListener", { LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: 8443, Certificates: [{ CertificateArn: meta.Arn }], DefaultActions: OK }, f.ctx()),
      "CertificateNotFound",
      `Certificate '${meta.Arn}' not found`,
    );
    assert.equal(f.runtime.listeners.size, 0);
  });

  test("without IAM wired in, IAM certificate ARNs are not found", async () => {
    const f = createFixture();
    const lb = await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: "web" });
    const arn = `arn:aws:iam::${ACCOUNT}:server-certificate/site`;
    await expectError(https(f, lb.LoadBalancers[0]!.LoadBalancerArn, 8443, arn), "CertificateNotFound", `Certificate '${arn}' not found`);
  });

  test("DeleteServerCertificate answers DeleteConflict while a listener presents the certificate", async () => {
    const { h, f, lbArn } = await setup();
    const meta = await upload(h, "site", chain.leaf);
    const spare = await upload(h, "spare", other);
    const l = await https(f, lbArn, 8443, meta.Arn);
    await assertAwsError(
      h.call("DeleteServerCertificate", { ServerCertificateName: "site" }),
      "DeleteConflict",
      409,
      `Certificate: ${meta.ServerCertificateId} is currently in use by ${lbArn}. Please remove it first before deleting it from IAM.`,
    );
    // Another account's listeners do not count, nor do listeners presenting other certificates.
    assert.deepEqual(await f.service.serverCertificateUsers(h.store, OTHER_ACCOUNT, meta.ServerCertificateId), []);
    // Replacing the default certificate frees it; the new one is then in use.
    await f.call("ModifyListener", { ListenerArn: l.ListenerArn, Certificates: [{ CertificateArn: spare.Arn }] });
    assert.equal(f.runtime.listeners.get(l.ListenerArn!)!.tls?.certPem, other.pem);
    await h.call("DeleteServerCertificate", { ServerCertificateName: "site" });
    await assertAwsError(h.call("DeleteServerCertificate", { ServerCertificateName: "spare" }), "DeleteConflict", 409, /is currently in use by/);
    // Back to the Bulwark CA: an HTTP listener holds no certificate at all.
    await f.call("ModifyListener", { ListenerArn: l.ListenerArn, Protocol: "HTTP", SslPolicy: undefined });
    await h.call("DeleteServerCertificate", { ServerCertificateName: "spare" });
  });

  test("deleting the load balancer or the listener releases the certificate", async () => {
    const { h, f, lbArn } = await setup();
    const meta = await upload(h, "site", chain.leaf);
    const l = await https(f, lbArn, 8443, meta.Arn);
    const lb2 = (await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: "web2" })).LoadBalancers[0]!.LoadBalancerArn;
    await https(f, lb2, 9443, meta.Arn);
    assert.deepEqual(await f.service.serverCertificateUsers(h.store, ACCOUNT, meta.ServerCertificateId), [lbArn, lb2].sort());
    await f.call("DeleteListener", { ListenerArn: l.ListenerArn });
    await assertAwsError(h.call("DeleteServerCertificate", { ServerCertificateName: "site" }), "DeleteConflict", 409, new RegExp(`in use by ${lb2.replace(/[/.]/g, "\\$&")}\\.`));
    await f.call("DeleteLoadBalancer", { LoadBalancerArn: lb2 });
    await h.call("DeleteServerCertificate", { ServerCertificateName: "site" });
  });

  test("a certificate deleted between the check and the store is not stored on the listener", async () => {
    // The certificate is found before the transaction, and gone when the listener's transaction looks.
    let store: unknown;
    const { h, f, lbArn } = await setup((v) => ({ ...v, byId: async (db, accountId, id) => (db === store ? v.byId(db, accountId, id) : undefined) }));
    store = h.store;
    const meta = await upload(h, "site", chain.leaf);
    await expectError(https(f, lbArn, 8443, meta.Arn), "CertificateNotFound", `Certificate '${meta.Arn}' not found`);
    assert.equal(f.runtime.listeners.size, 0);
    assert.deepEqual((await f.call<{ Listeners: Listener[] }>("DescribeListeners", { LoadBalancerArn: lbArn })).Listeners, []);
  });

  test("renamed or moved in IAM, the certificate stays on the listener, across ModifyListener and a restart", async () => {
    const { h, f, lbArn } = await setup();
    const meta = await upload(h, "site", chain.leaf, { Path: "/old/" });
    const l = await https(f, lbArn, 8443, meta.Arn);
    await h.call("UpdateServerCertificate", { ServerCertificateName: "site", NewServerCertificateName: "site-2025", NewPath: "/new/" });
    const renamed = `arn:aws:iam::${ACCOUNT}:server-certificate/new/site-2025`;
    // Changing the port keeps the certificate the listener presents, by id.
    await f.call("ModifyListener", { ListenerArn: l.ListenerArn, Port: 8444 });
    const spec = f.runtime.listeners.get(l.ListenerArn!)!;
    assert.equal(spec.port, 8444);
    assert.equal(spec.tls?.certPem, chain.leaf.pem);
    const described = await f.call<{ Listeners: Listener[] }>("DescribeListeners", { ListenerArns: [l.ListenerArn] });
    assert.deepEqual(described.Listeners[0]!.Certificates, [{ CertificateArn: meta.Arn }]);
    // The old ARN names nothing any more; the new one names the same certificate.
    await expectError(https(f, lbArn, 9443, meta.Arn), "CertificateNotFound");
    const second = await https(f, lbArn, 9443, renamed);
    assert.equal(f.runtime.listeners.get(second.ListenerArn!)!.tls?.certPem, chain.leaf.pem);
    await assertAwsError(h.call("DeleteServerCertificate", { ServerCertificateName: "site-2025" }), "DeleteConflict", 409, /is currently in use by/);
    // A restart reopens both listeners with the certificate.
    const runtime = new FakeRuntime();
    const again = createFixture({ store: h.store, runtime, serverCertificates: h.iam.serverCertificates });
    assert.deepEqual(await again.service.restore(), { opened: 2, failed: [] });
    assert.equal(runtime.listeners.get(l.ListenerArn!)!.tls?.keyPem, chain.leaf.key.privateKeyPem);
  });
});
