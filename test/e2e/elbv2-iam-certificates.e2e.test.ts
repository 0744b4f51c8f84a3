/**
 * HTTPS listeners presenting IAM server certificates, through the real server,
 * @aws-sdk/client-iam and @aws-sdk/client-elastic-load-balancing-v2: the certificate a TLS
 * client sees is the uploaded one (with its chain), unknown and other accounts' ARNs are
 * CertificateNotFound, IAM refuses to delete a certificate in use, and a renamed certificate
 * stays on its listener, across a restart too.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import { IAMClient, UploadServerCertificateCommand, DeleteServerCertificateCommand, UpdateServerCertificateCommand } from "@aws-sdk/client-iam";
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateListenerCommand,
  ModifyListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsError, freePort, startTestServer, type TestServer } from "./harness.js";
import { memberAccount } from "./kms-support.js";
import { certificateChain, issueCertificate, newKeyPair, type TestCertificate } from "../../src/services/iam/testing/certificates.js";

const OK = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200", ContentType: "text/plain", MessageBody: "ok" } }];

let s: TestServer;
let iam: IAMClient;
let elb: ElasticLoadBalancingV2Client;
let lbArn: string;
let selfSigned: TestCertificate;
let chain: { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate };

before(async () => {
  s = await startTestServer();
  iam = new IAMClient(s.clientConfig());
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  selfSigned = await issueCertificate({ subject: "CN=self.example.test", key: await newKeyPair("p256") });
  chain = await certificateChain();
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "tls", Subnets: ["subnet-a", "subnet-b"] }))).LoadBalancers![0]!.LoadBalancerArn!;
});

after(async () => {
  await s?.destroy();
});

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** The certificates the listener on `port` presents (leaf first), read by a TLS handshake. */
function presented(port: number, opts: { ca?: string } = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: "127.0.0.1",
        port,
        servername: "www.example.test",
        ...(opts.ca ? { ca: opts.ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false }),
      },
      () => {
        const out: string[] = [];
        let c: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
        while (c && c.fingerprint256 && !out.includes(c.fingerprint256)) {
          out.push(c.fingerprint256);
          c = c.issuerCertificate;
        }
        socket.end();
        resolve(out);
      },
    );
    socket.on("error", reject);
  });
}

async function upload(name: string, cert: TestCertificate, extra: { Path?: string; CertificateChain?: string } = {}, client = iam): Promise<{ arn: string; id: string }> {
  const out = await client.send(new UploadServerCertificateCommand({ ServerCertificateName: name, CertificateBody: cert.pem, PrivateKey: cert.key.privateKeyPem, ...extra }));
  return { arn: out.ServerCertificateMetadata!.Arn!, id: out.ServerCertificateMetadata!.ServerCertificateId! };
}

async function httpsListener(port: number, certificateArn: string): Promise<string> {
  const out = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: port, Certificates: [{ CertificateArn: certificateArn }], DefaultActions: OK }));
  return out.Listeners![0]!.ListenerArn!;
}

test("an HTTPS listener named with an IAM certificate ARN presents that certificate", async () => {
  const cert = await upload("self", selfSigned, { Path: "/elb/" });
  assert.equal(cert.arn, `arn:aws:iam::${s.accountId}:server-certificate/elb/self`);
  const port = await freePort();
  const listenerArn = await httpsListener(port, cert.arn);
  assert.deepEqual(await presented(port), [fingerprint(selfSigned.pem)]);
  const described = await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  assert.deepEqual(described.Listeners![0]!.Certificates, [{ CertificateArn: cert.arn }]);
  await elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "self" }));
});

test("the chain uploaded with the certificate is presented: a client trusting only the root verifies it", async () => {
  const cert = await upload("chained", chain.leaf, { CertificateChain: chain.intermediate.pem });
  const port = await freePort();
  const listenerArn = await httpsListener(port, cert.arn);
  assert.deepEqual(await presented(port, { ca: chain.root.pem }), [fingerprint(chain.leaf.pem), fingerprint(chain.intermediate.pem), fingerprint(chain.root.pem)]);
  await elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "chained" }));
});

test("unknown IAM certificates and other accounts' certificates are CertificateNotFound", async () => {
  const member = await memberAccount(s, "CertOwner");
  const theirs = await upload("theirs", selfSigned, {}, new IAMClient(s.clientConfig(member.admin)));
  const unknown = `arn:aws:iam::${s.accountId}:server-certificate/missing`;
  const mine = `arn:aws:iam::${s.accountId}:server-certificate/theirs`;
  for (const arn of [unknown, theirs.arn, mine]) {
    await assert.rejects(httpsListener(await freePort(), arn), awsError("CertificateNotFoundException", 400, `Certificate '${arn}' not found`));
  }
});

test("DeleteServerCertificate answers DeleteConflict while a listener presents the certificate", async () => {
  const cert = await upload("busy", selfSigned);
  const spare = await upload("spare", chain.leaf, { CertificateChain: chain.intermediate.pem });
  const port = await freePort();
  const listenerArn = await httpsListener(port, cert.arn);
  await assert.rejects(
    iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "busy" })),
    awsError("DeleteConflictException", 409, `Certificate: ${cert.id} is currently in use by ${lbArn}. Please remove it first before deleting it from IAM.`),
  );
  // Replacing the default certificate switches what clients see at once, and frees the old one.
  await elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: spare.arn }] }));
  assert.equal((await presented(port))[0], fingerprint(chain.leaf.pem));
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "busy" }));
  await elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "spare" }));
});

test("a certificate renamed in IAM stays on its listener, across a restart", async () => {
  const cert = await upload("before", selfSigned, { Path: "/v1/" });
  const port = await freePort();
  const listenerArn = await httpsListener(port, cert.arn);
  await iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: "before", NewServerCertificateName: "after", NewPath: "/v2/" }));
  assert.deepEqual(await presented(port), [fingerprint(selfSigned.pem)]);
  await assert.rejects(
    iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "after" })),
    awsError("DeleteConflictException", 409, /is currently in use by/),
  );
  const { dataDir, rootKey } = s;
  await s.stop();
  s = await startTestServer({ dataDir, rootKey });
  assert.deepEqual(await presented(port), [fingerprint(selfSigned.pem)]);
  const described = await new ElasticLoadBalancingV2Client(s.clientConfig()).send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  assert.deepEqual(described.Listeners![0]!.Certificates, [{ CertificateArn: cert.arn }]);
});
