import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, T0 } from "./testing/harness.js";
import { certificateChain, type TestCertificate } from "./testing/certificates.js";

const DAY = 86_400_000;

let chain: { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate };
before(async () => {
  chain = await certificateChain({ notBefore: T0 - DAY, notAfter: T0 + 90 * DAY });
});

test("the view finds a certificate by its current ARN only, by id always, and unseals its key", async () => {
  const h = createHarness();
  const view = h.iam.serverCertificates;
  const out = await h.call<{ ServerCertificateMetadata: { Arn: string; ServerCertificateId: string } }>("UploadServerCertificate", {
    ServerCertificateName: "Site",
    Path: "/a/b/",
    CertificateBody: chain.leaf.pem.trimEnd(),
    PrivateKey: chain.leaf.key.privateKeyPem,
    CertificateChain: chain.intermediate.pem,
  });
  const { Arn: arn, ServerCertificateId: id } = out.ServerCertificateMetadata;
  const found = await view.byArn(h.store, ACCOUNT, arn);
  assert.deepEqual(found, {
    accountId: ACCOUNT,
    serverCertificateId: id,
    arn,
    expiration: chain.leaf.cert.notAfter.getTime(),
    // The body gets the newline a PEM chain needs between certificates.
    certificateChainPem: chain.leaf.pem + chain.intermediate.pem,
  });
  for (const wrong of [
    `arn:aws:iam::${ACCOUNT}:server-certificate/Site`,
    `arn:aws:iam::${ACCOUNT}:server-certificate/a/b/site`,
    `arn:aws:iam::${ACCOUNT}:server-certificate/a/b/`,
    `arn:aws:iam::${ACCOUNT}:user/a/b/Site`,
    `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/a/b/Site`,
  ]) {
    assert.equal(await view.byArn(h.store, ACCOUNT, wrong), undefined, wrong);
  }
  // Another account never sees it, whatever ARN it asks for.
  assert.equal(await view.byArn(h.store, OTHER_ACCOUNT, arn), undefined);
  assert.equal(await view.byId(h.store, OTHER_ACCOUNT, id), undefined);
  assert.equal(await view.privateKeyPem(h.store, ACCOUNT, id), chain.leaf.key.privateKeyPem);

  await h.call("UpdateServerCertificate", { ServerCertificateName: "Site", NewServerCertificateName: "Renamed", NewPath: "/" });
  assert.equal(await view.byArn(h.store, ACCOUNT, arn), undefined);
  assert.equal((await view.byArn(h.store, ACCOUNT, `arn:aws:iam::${ACCOUNT}:server-certificate/Renamed`))?.serverCertificateId, id);
  assert.equal((await view.byId(h.store, ACCOUNT, id))?.arn, `arn:aws:iam::${ACCOUNT}:server-certificate/Renamed`);
});

test("DeleteServerCertificate asks the usage hook inside its transaction and refuses a certificate in use", async () => {
  const h = createHarness();
  const out = await h.call<{ ServerCertificateMetadata: { ServerCertificateId: string } }>("UploadServerCertificate", {
    ServerCertificateName: "site",
    CertificateBody: chain.leaf.pem,
    PrivateKey: chain.leaf.key.privateKeyPem,
  });
  const id = out.ServerCertificateMetadata.ServerCertificateId;
  const lb = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/web/0123456789abcdef`;
  const asked: Array<[string, string]> = [];
  let users = [lb];
  h.iam.useServerCertificateUsage(async (db, accountId, certificateId) => {
    assert.notEqual(db, h.store, "asked through the transaction");
    asked.push([accountId, certificateId]);
    return users;
  });
  await assertAwsError(
    h.call("DeleteServerCertificate", { ServerCertificateName: "site" }),
    "DeleteConflict",
    409,
    `Certificate: ${id} is currently in use by ${lb}. Please remove it first before deleting it from IAM.`,
  );
  users = [];
  await h.call("DeleteServerCertificate", { ServerCertificateName: "site" });
  assert.deepEqual(asked, [
    [ACCOUNT, id],
    [ACCOUNT, id],
  ]);
  await assertAwsError(h.call("DeleteServerCertificate", { ServerCertificateName: "site" }), "NoSuchEntity", 404, "The Server Certificate with name site cannot be found.");
});
