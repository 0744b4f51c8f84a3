/**
 * Certificate lists of HTTPS listeners through the real server, @aws-sdk/client-iam and
 * @aws-sdk/client-elastic-load-balancing-v2: certificates added with AddListenerCertificates
 * are presented to TLS clients by SNI host name (exact names before wildcards), the default
 * certificate to clients sending no name or an unknown one; a removed certificate is no longer
 * presented; DescribeListenerCertificates marks the default; IAM refuses to delete a listed
 * certificate; the list survives a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import { IAMClient, UploadServerCertificateCommand, DeleteServerCertificateCommand } from "@aws-sdk/client-iam";
import {
  ElasticLoadBalancingV2Client,
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DescribeListenerCertificatesCommand,
  RemoveListenerCertificatesCommand,
  paginateDescribeListenerCertificates,
  type Certificate,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsError, freePort, startTestServer, type TestServer } from "./harness.js";
import { issueCertificate, newKeyPair, type TestCertificate } from "../../src/services/iam/testing/certificates.js";

const OK = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200", ContentType: "text/plain", MessageBody: "ok" } }];

let s: TestServer;
let iam: IAMClient;
let elb: ElasticLoadBalancingV2Client;
let shop: TestCertificate;
let api: TestCertificate;
let wild: TestCertificate;

before(async () => {
  s = await startTestServer();
  iam = new IAMClient(s.clientConfig());
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  shop = await issueCertificate({ subject: "CN=shop.example.test", key: await newKeyPair("rsa-2048"), dnsNames: ["shop.example.test"] });
  api = await issueCertificate({ subject: "CN=api.example.test", key: await newKeyPair("p256"), dnsNames: ["api.example.test"] });
  wild = await issueCertificate({ subject: "CN=*.example.test", key: await newKeyPair("p384"), dnsNames: ["*.example.test"] });
});

after(async () => {
  await s?.destroy();
});

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** The fingerprint of the certificate the listener on `port` presents to a client sending `servername`. */
function presented(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...(servername !== undefined ? { servername } : {}) }, () => {
      const f = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(f);
    });
    socket.on("error", reject);
  });
}

async function upload(name: string, cert: TestCertificate): Promise<string> {
  const out = await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: name, CertificateBody: cert.pem, PrivateKey: cert.key.privateKeyPem }));
  return out.ServerCertificateMetadata!.Arn!;
}

async function listed(client: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Certificate[]> {
  const out: Certificate[] = [];
  for await (const page of paginateDescribeListenerCertificates({ client, pageSize: 1 }, { ListenerArn: listenerArn })) out.push(...(page.Certificates ?? []));
  return out;
}

test("SNI picks the listed certificate for the host name; no name or no match gets the default; removed is no longer presented", async () => {
  const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "sni", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;
  const port = await freePort();
  const listenerArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: port, DefaultActions: OK }))).Listeners![0]!.ListenerArn!;
  const byDefault = await presented(port);
  assert.notEqual(byDefault, fingerprint(shop.pem));
  const defaultArn = `arn:aws:acm:us-east-1:${s.accountId}:certificate/bulwark-ca`;

  const shopArn = await upload("shop", shop);
  const apiArn = await upload("api", api);
  const wildArn = await upload("wild", wild);
  const added = await elb.send(new AddListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: shopArn }] }));
  assert.deepEqual(added.Certificates, [{ CertificateArn: shopArn, IsDefault: false }]);
  await elb.send(new AddListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: apiArn }] }));
  // Adding it again succeeds and adds nothing.
  await elb.send(new AddListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: apiArn }] }));
  assert.deepEqual(await listed(elb, listenerArn), [
    { CertificateArn: shopArn, IsDefault: false },
    { CertificateArn: apiArn, IsDefault: false },
    { CertificateArn: defaultArn, IsDefault: true },
  ]);

  assert.equal(await presented(port, "shop.example.test"), fingerprint(shop.pem));
  assert.equal(await presented(port, "API.example.test"), fingerprint(api.pem));
  assert.equal(await presented(port, "other.example.test"), byDefault);
  assert.equal(await presented(port), byDefault);

  // A wildcard covers the other names; an exact name still wins.
  await elb.send(new AddListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: wildArn }] }));
  assert.equal(await presented(port, "other.example.test"), fingerprint(wild.pem));
  assert.equal(await presented(port, "shop.example.test"), fingerprint(shop.pem));

  await elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: shopArn }] }));
  assert.equal(await presented(port, "shop.example.test"), fingerprint(wild.pem));
  await elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: wildArn }] }));
  assert.equal(await presented(port, "shop.example.test"), byDefault);
  assert.equal(await presented(port, "api.example.test"), fingerprint(api.pem));

  // The default certificate cannot be removed; one not listed is not found.
  await assert.rejects(
    elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: defaultArn }] })),
    awsError("OperationNotPermittedException", 400, "Default certificate cannot be removed"),
  );
  await assert.rejects(
    elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: shopArn }] })),
    awsError("CertificateNotFoundException", 400, `Certificate '${shopArn}' not found`),
  );

  // IAM refuses to delete a listed certificate, and deletes one no longer listed.
  await assert.rejects(iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "api" })), awsError("DeleteConflictException", 409, /is currently in use by/));
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "shop" }));

  // The list comes back after a restart.
  const { dataDir, rootKey } = s;
  await s.stop();
  s = await startTestServer({ dataDir, rootKey });
  assert.equal(await presented(port, "api.example.test"), fingerprint(api.pem));
  assert.equal(await presented(port), byDefault);
  const again = new ElasticLoadBalancingV2Client(s.clientConfig());
  const described = await again.send(new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn }));
  assert.deepEqual(described.Certificates, [
    { CertificateArn: apiArn, IsDefault: false },
    { CertificateArn: defaultArn, IsDefault: true },
  ]);
});
