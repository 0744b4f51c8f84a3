import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Certificate, Listener } from "@aws-sdk/client-elastic-load-balancing-v2";
import { createHarness, assertAwsError, T0, type Harness } from "../iam/testing/harness.js";
import { issueCertificate, newKeyPair, type TestCertificate } from "../iam/testing/certificates.js";
import type { ServerCertificateView } from "../iam/server-certificate-view.js";
import { ACCOUNT, REGION, createFixture, expectError, FakeRuntime, type Fixture } from "./testing/fixture.js";

const DAY = 86_400_000;
const OK = [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }];
const NOW = Date.UTC(2025, 0, 1);

let shop: TestCertificate;
let api: TestCertificate;
let blog: TestCertificate;
let expired: TestCertificate;
before(async () => {
  const cert = async (name: string, notAfter = NOW + 90 * DAY): Promise<TestCertificate> =>
    issueCertificate({ subject: `CN=${name}`, key: await newKeyPair("p256"), dnsNames: [name], notBefore: NOW - 30 * DAY, notAfter });
  [shop, api, blog, expired] = await Promise.all([cert("shop.example.test"), cert("api.example.test"), cert("blog.example.test"), cert("old.example.test", NOW - DAY)]);
});

interface Setup {
  f: Fixture;
  lbArn: string;
  listenerArn: string;
  /** Imported certificate ARNs by name. */
  arns: Record<"shop" | "api" | "blog" | "expired", string>;
}

async function setup(opts: { quotas?: { certificatesPerLoadBalancer: number }; h?: Harness } = {}): Promise<Setup> {
  const f = createFixture({ ...(opts.quotas ? { quotas: opts.quotas } : {}), ...(opts.h ? { store: opts.h.store, serverCertificates: opts.h.iam.serverCertificates } : {}) });
  if (opts.h) opts.h.iam.useServerCertificateUsage((db, accountId, id) => f.service.serverCertificateUsers(db, accountId, id));
  const scope = { accountId: ACCOUNT, region: REGION };
  const imp = (c: TestCertificate): Promise<string> => f.service.importCertificate(scope, c.pem, c.key.privateKeyPem);
  const arns = { shop: await imp(shop), api: await imp(api), blog: await imp(blog), expired: await imp(expired) };
  const lbArn = (await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn;
  const listenerArn = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: 8443, DefaultActions: OK })).Listeners[0]!.ListenerArn!;
  return { f, lbArn, listenerArn, arns };
}

const add = (f: Fixture, listenerArn: string, arn: string): Promise<{ Certificates: Certificate[] }> =>
  f.call("AddListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arn }] });
const remove = (f: Fixture, listenerArn: string, arn: string): Promise<Record<string, never>> =>
  f.call("RemoveListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arn }] });
const describeAll = async (f: Fixture, listenerArn: string): Promise<Certificate[]> =>
  (await f.call<{ Certificates: Certificate[] }>("DescribeListenerCertificates", { ListenerArn: listenerArn })).Certificates;
/** The certificate list the data plane was given, as certificate PEMs. */
const served = (f: Fixture, listenerArn: string): string[] => (f.runtime.listeners.get(listenerArn)?.tls?.certificates ?? []).map((c) => c.certPem);

describe("listener certificate lists", () => {
  test("add, describe (default with IsDefault true, last), add again, remove: the data plane follows each change", async () => {
    const { f, listenerArn, arns } = await setup();
    const byDefault = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/bulwark-ca`;
    assert.deepEqual(await describeAll(f, listenerArn), [{ CertificateArn: byDefault, IsDefault: true }]);
    assert.deepEqual(await add(f, listenerArn, arns.shop), { Certificates: [{ CertificateArn: arns.shop, IsDefault: false }] });
    await add(f, listenerArn, arns.api);
    // Already listed: succeeds, not added again.
    assert.deepEqual(await add(f, listenerArn, arns.shop), { Certificates: [{ CertificateArn: arns.shop, IsDefault: false }] });
    assert.deepEqual(await describeAll(f, listenerArn), [
      { CertificateArn: arns.shop, IsDefault: false },
      { CertificateArn: arns.api, IsDefault: false },
      { CertificateArn: byDefault, IsDefault: true },
    ]);
    assert.deepEqual(served(f, listenerArn), [shop.pem, api.pem]);
    assert.equal(f.runtime.listeners.get(listenerArn)?.tls?.keyPem, "KEY", "the default certificate is unchanged");
    // DescribeListeners still shows only the default certificate, without IsDefault.
    const described = await f.call<{ Listeners: Listener[] }>("DescribeListeners", { ListenerArns: [listenerArn] });
    assert.deepEqual(described.Listeners[0]!.Certificates, [{ CertificateArn: byDefault }]);

    await remove(f, listenerArn, arns.shop);
    assert.deepEqual(served(f, listenerArn), [api.pem]);
    await expectError(remove(f, listenerArn, arns.shop), "CertificateNotFound", `Certificate '${arns.shop}' not found`);
    // Re-added: it goes to the end of the list.
    await add(f, listenerArn, arns.shop);
    assert.deepEqual(
      (await describeAll(f, listenerArn)).map((c) => c.CertificateArn),
      [arns.api, arns.shop, byDefault],
    );
    await remove(f, listenerArn, arns.api);
    await remove(f, listenerArn, arns.shop);
    assert.equal(f.runtime.listeners.get(listenerArn)?.tls?.certificates, undefined);
    assert.deepEqual(await describeAll(f, listenerArn), [{ CertificateArn: byDefault, IsDefault: true }]);
  });

  test("the default certificate may be listed too (it is described twice) but cannot be removed", async () => {
    const { f, listenerArn, arns } = await setup();
    await f.call("ModifyListener", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arns.blog }] });
    await expectError(remove(f, listenerArn, arns.blog), "OperationNotPermitted", "Default certificate cannot be removed");
    await add(f, listenerArn, arns.blog);
    assert.deepEqual(await describeAll(f, listenerArn), [
      { CertificateArn: arns.blog, IsDefault: false },
      { CertificateArn: arns.blog, IsDefault: true },
    ]);
    await expectError(remove(f, listenerArn, arns.blog), "OperationNotPermitted", "Default certificate cannot be removed");
    // Once another certificate is the default, the listed copy can go.
    await f.call("ModifyListener", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arns.shop }] });
    assert.deepEqual(served(f, listenerArn), [blog.pem], "ModifyListener keeps the list");
    await remove(f, listenerArn, arns.blog);
    assert.deepEqual(await describeAll(f, listenerArn), [{ CertificateArn: arns.shop, IsDefault: true }]);
  });

  test("Marker and PageSize page through the list", async () => {
    const { f, listenerArn, arns } = await setup();
    for (const arn of [arns.shop, arns.api, arns.blog]) await add(f, listenerArn, arn);
    const seen: Certificate[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await f.call<{ Certificates: Certificate[]; NextMarker?: string }>("DescribeListenerCertificates", { ListenerArn: listenerArn, PageSize: 2, ...(marker ? { Marker: marker } : {}) });
      assert.ok(page.Certificates.length <= 2);
      seen.push(...page.Certificates);
      marker = page.NextMarker;
      pages++;
    } while (marker);
    assert.equal(pages, 2);
    assert.deepEqual(
      seen.map((c) => [c.CertificateArn, c.IsDefault]),
      [
        [arns.shop, false],
        [arns.api, false],
        [arns.blog, false],
        [`arn:aws:acm:${REGION}:${ACCOUNT}:certificate/bulwark-ca`, true],
      ],
    );
    await expectError(f.call("DescribeListenerCertificates", { ListenerArn: listenerArn, PageSize: 0 }), "ValidationError", /between 1 and 400/);
    await expectError(f.call("DescribeListenerCertificates", { ListenerArn: listenerArn, Marker: "not-a-marker!" }), "ValidationError", "The marker is not valid");
  });

  test("errors: one certificate per call, no IsDefault, unknown or expired certificates, HTTP listeners, unknown listeners", async () => {
    const { f, lbArn, listenerArn, arns } = await setup();
    const call = (op: string, certs: unknown, arn = listenerArn): Promise<unknown> => f.call(op, { ListenerArn: arn, Certificates: certs });
    // Another listener id of the same form: the last hex digit changed (to one it is not).
    const missing = listenerArn.slice(0, -1) + (listenerArn.endsWith("0") ? "1" : "0");
    for (const op of ["AddListenerCertificates", "RemoveListenerCertificates"]) {
      await expectError(call(op, []), "ValidationError", "Exactly one certificate must be specified per call, not 0");
      await expectError(call(op, [{ CertificateArn: arns.shop }, { CertificateArn: arns.api }]), "ValidationError", "Exactly one certificate must be specified per call, not 2");
      await expectError(call(op, [{ CertificateArn: arns.shop, IsDefault: true }]), "ValidationError", "You cannot set the isDefault parameter for a certificate.");
      await expectError(call(op, [{ CertificateArn: arns.shop }], "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/0123456789abcdef"), "ValidationError", /is not a valid listener ARN/);
      await expectError(call(op, [{ CertificateArn: arns.shop }], missing), "ListenerNotFound", "One or more listeners not found");
    }
    await expectError(f.call("DescribeListenerCertificates", { ListenerArn: missing }), "ListenerNotFound");
    const unknown = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`;
    const otherAccount = arns.shop.replace(ACCOUNT, "444455556666");
    for (const arn of [unknown, otherAccount, arns.expired]) await expectError(add(f, listenerArn, arn), "CertificateNotFound", `Certificate '${arn}' not found`);
    await expectError(remove(f, listenerArn, unknown), "CertificateNotFound", `Certificate '${unknown}' not found`);
    // IsDefault false is harmless.
    await call("AddListenerCertificates", [{ CertificateArn: arns.shop, IsDefault: false }]);
    const http = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lbArn, Protocol: "HTTP", Port: 8080, DefaultActions: OK })).Listeners[0]!.ListenerArn!;
    await expectError(add(f, http, arns.shop), "InvalidConfigurationRequest", "Certificates can be added only to HTTPS listeners");
    assert.deepEqual(await describeAll(f, http), []);
    assert.deepEqual(served(f, listenerArn), [shop.pem], "failed calls changed nothing");
  });

  test("at most 25 certificates (by default) in the lists of a load balancer's listeners, default certificates not counted", async () => {
    const { f, lbArn, listenerArn, arns } = await setup({ quotas: { certificatesPerLoadBalancer: 2 } });
    const second = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: 9443, DefaultActions: OK })).Listeners[0]!.ListenerArn!;
    await add(f, listenerArn, arns.shop);
    await add(f, second, arns.shop);
    await expectError(add(f, listenerArn, arns.api), "TooManyCertificates", "You have reached the limit of 2 certificates per load balancer");
    // Adding one already listed adds nothing, so it is not refused.
    await add(f, listenerArn, arns.shop);
    // Another load balancer has its own quota.
    const lb2 = (await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: "web2" })).LoadBalancers[0]!.LoadBalancerArn;
    const third = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lb2, Protocol: "HTTPS", Port: 10443, DefaultActions: OK })).Listeners[0]!.ListenerArn!;
    await add(f, third, arns.api);
    await remove(f, second, arns.shop);
    await add(f, listenerArn, arns.api);
    assert.deepEqual(served(f, listenerArn), [shop.pem, api.pem]);
    assert.equal((await import("./env.js")).DEFAULT_QUOTAS.certificatesPerLoadBalancer, 25);
  });

  test("authorisation: Add/Remove on the listener ARN with its tags, Describe on '*'; a denied call changes nothing", async () => {
    const { f, listenerArn, arns } = await setup();
    await f.call("AddTags", { ResourceArns: [listenerArn], Tags: [{ Key: "team", Value: "web" }] });
    f.authorized.length = 0;
    await add(f, listenerArn, arns.shop);
    await describeAll(f, listenerArn);
    await remove(f, listenerArn, arns.shop);
    assert.deepEqual(
      f.authorized.map((r) => [r.action, r.resource, r.context?.["aws:ResourceTag/team"]]),
      [
        ["elasticloadbalancing:AddListenerCertificates", listenerArn, "web"],
        ["elasticloadbalancing:DescribeListenerCertificates", "*", undefined],
        ["elasticloadbalancing:RemoveListenerCertificates", listenerArn, "web"],
      ],
    );
    const denied = f.ctx((r) => r.action.endsWith("ListenerCertificates"));
    await expectError(f.call("AddListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arns.api }] }, denied), "AccessDeniedException");
    await expectError(f.call("DescribeListenerCertificates", { ListenerArn: listenerArn }, denied), "AccessDeniedException");
    assert.deepEqual(served(f, listenerArn), []);
    // The audit record names the listener.
    const ctx = f.ctx();
    await f.call("AddListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: arns.api }] }, ctx);
    assert.deepEqual(ctx.audit.resources, [{ ARN: listenerArn, accountId: ACCOUNT, type: "AWS::ElasticLoadBalancingV2::Listener" }]);
  });

  test("concurrent changes to one list are all kept, and the data plane serves what is stored", async () => {
    const { f, listenerArn, arns } = await setup();
    await Promise.all([add(f, listenerArn, arns.shop), add(f, listenerArn, arns.api), add(f, listenerArn, arns.blog)]);
    const listed = (await describeAll(f, listenerArn)).filter((c) => !c.IsDefault).map((c) => c.CertificateArn);
    assert.deepEqual([...listed].sort(), [arns.shop, arns.api, arns.blog].sort());
    const pems = new Map([
      [arns.shop, shop.pem],
      [arns.api, api.pem],
      [arns.blog, blog.pem],
    ]);
    assert.deepEqual(served(f, listenerArn), listed.map((a) => pems.get(a!)));
    await Promise.all([remove(f, listenerArn, arns.shop), f.call("ModifyListener", { ListenerArn: listenerArn, Port: 8444 }), remove(f, listenerArn, arns.blog)]);
    assert.deepEqual(served(f, listenerArn), [api.pem]);
    assert.equal(f.runtime.listeners.get(listenerArn)?.port, 8444);
  });

  test("switching the listener to HTTP empties the list; a restart reopens the listener with its list", async () => {
    const { f, listenerArn, arns } = await setup();
    await add(f, listenerArn, arns.shop);
    await add(f, listenerArn, arns.api);
    const runtime = new FakeRuntime();
    const again = createFixture({ store: f.store, runtime });
    assert.deepEqual(await again.service.restore(), { opened: 1, failed: [] });
    assert.deepEqual(
      (runtime.listeners.get(listenerArn)?.tls?.certificates ?? []).map((c) => c.certPem),
      [shop.pem, api.pem],
    );
    await f.call("ModifyListener", { ListenerArn: listenerArn, Protocol: "HTTP", SslPolicy: undefined });
    assert.deepEqual(await describeAll(f, listenerArn), []);
    await f.call("ModifyListener", { ListenerArn: listenerArn, Protocol: "HTTPS" });
    assert.deepEqual(
      (await describeAll(f, listenerArn)).map((c) => c.IsDefault),
      [true],
    );
    assert.equal(f.runtime.listeners.get(listenerArn)?.tls?.certificates, undefined);
  });
});

describe("IAM server certificates in a certificate list", () => {
  test("presented by id; DeleteServerCertificate refuses while listed; renamed, it is still the same certificate", async () => {
    const h = createHarness();
    const { f, lbArn, listenerArn } = await setup({ h });
    f.clock.set(T0);
    const leaf = await issueCertificate({ subject: "CN=iam.example.test", key: await newKeyPair("p256"), dnsNames: ["iam.example.test"], notBefore: T0 - DAY, notAfter: T0 + 30 * DAY });
    const meta = (
      await h.call<{ ServerCertificateMetadata: { Arn: string; ServerCertificateId: string } }>("UploadServerCertificate", {
        ServerCertificateName: "sni",
        Path: "/lb/",
        CertificateBody: leaf.pem,
        PrivateKey: leaf.key.privateKeyPem,
      })
    ).ServerCertificateMetadata;
    await f.call("AddListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: meta.Arn }] }, f.ctx());
    assert.deepEqual(f.runtime.listeners.get(listenerArn)?.tls?.certificates, [{ certPem: leaf.pem, keyPem: leaf.key.privateKeyPem }]);
    await assertAwsError(
      h.call("DeleteServerCertificate", { ServerCertificateName: "sni" }),
      "DeleteConflict",
      409,
      `Certificate: ${meta.ServerCertificateId} is currently in use by ${lbArn}. Please remove it first before deleting it from IAM.`,
    );
    await h.call("UpdateServerCertificate", { ServerCertificateName: "sni", NewServerCertificateName: "sni-2", NewPath: "/new/" });
    const renamed = `arn:aws:iam::${ACCOUNT}:server-certificate/new/sni-2`;
    // The new name names a certificate already listed: nothing is added; Describe keeps the ARN it was given.
    await f.call("AddListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: renamed }] }, f.ctx());
    assert.deepEqual(
      (await describeAll(f, listenerArn)).map((c) => c.CertificateArn),
      [meta.Arn, `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/bulwark-ca`],
    );
    // Removed by its new name, the certificate is free to delete.
    await f.call("RemoveListenerCertificates", { ListenerArn: listenerArn, Certificates: [{ CertificateArn: renamed }] }, f.ctx());
    assert.equal(f.runtime.listeners.get(listenerArn)?.tls?.certificates, undefined);
    await h.call("DeleteServerCertificate", { ServerCertificateName: "sni-2" });
  });

  test("a certificate deleted between the check and the store is not listed", async () => {
    const h = createHarness();
    let store: unknown;
    const f0 = await setup({ h });
    // IAM's view finds the certificate outside the listener's transaction, not inside it (deleted in between).
    const view: ServerCertificateView = { ...h.iam.serverCertificates, byId: async (db, accountId, id) => (db === store ? h.iam.serverCertificates.byId(db, accountId, id) : undefined) };
    const f = createFixture({ store: h.store, serverCertificates: view });
    store = h.store;
    f.clock.set(T0);
    const leaf = await issueCertificate({ subject: "CN=gone.example.test", key: await newKeyPair("p256"), notBefore: T0 - DAY, notAfter: T0 + 30 * DAY });
    const meta = (
      await h.call<{ ServerCertificateMetadata: { Arn: string } }>("UploadServerCertificate", { ServerCertificateName: "gone", CertificateBody: leaf.pem, PrivateKey: leaf.key.privateKeyPem })
    ).ServerCertificateMetadata;
    await expectError(
      f.call("AddListenerCertificates", { ListenerArn: f0.listenerArn, Certificates: [{ CertificateArn: meta.Arn }] }, f.ctx()),
      "CertificateNotFound",
      `Certificate '${meta.Arn}' not found`,
    );
    assert.deepEqual((await describeAll(f, f0.listenerArn)).length, 1);
  });
});
