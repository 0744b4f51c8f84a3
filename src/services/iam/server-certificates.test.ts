import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { before, describe, test } from "node:test";
import { COLLECTIONS, serverCertificateKeyAad, type ServerCertificateDoc } from "./model.js";
import { checkServerCertificate } from "./server-certificates.js";
import { ACCOUNT, assertAwsError, createHarness, T0 } from "./testing/harness.js";
import { certificateChain, fakeRsaPrivateKeyPem, issueCertificate, newKeyPair, type TestCertificate } from "./testing/certificates.js";

const DAY = 86_400_000;
const MALFORMED = "Unable to parse certificate. Please ensure the certificate is in PEM format.";
const CHAIN_ERROR = /^Unable to validate certificate chain\. .* The index within the chain of the invalid certificate is: (\d)$/;

let chain: { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate };
let selfSigned: TestCertificate;
before(async () => {
  chain = await certificateChain({ notBefore: T0 - DAY, notAfter: T0 + 90 * DAY });
  selfSigned = await issueCertificate({ subject: "CN=self.example.test", key: await newKeyPair("p256"), notBefore: T0 - DAY, notAfter: T0 + 30 * DAY });
});

type Meta = { Path: string; ServerCertificateName: string; ServerCertificateId: string; Arn: string; UploadDate: Date; Expiration: Date };

describe("server certificate checks", () => {
  test("a certificate with its key and chain: expiration is the certificate's notAfter", () => {
    const { leaf, intermediate, root } = chain;
    const out = checkServerCertificate(leaf.pem, leaf.key.privateKeyPem, intermediate.pem + root.pem, T0);
    assert.equal(out.expiration, leaf.cert.notAfter.getTime());
    // The chain may stop before the root; a self-signed certificate needs none.
    checkServerCertificate(leaf.pem, leaf.key.privateKeyPem, intermediate.pem, T0);
    checkServerCertificate(selfSigned.pem, selfSigned.key.privateKeyPem, undefined, T0);
  });

  test("bodies that are not one PEM certificate are malformed", () => {
    const key = selfSigned.key.privateKeyPem;
    for (const body of ["garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", selfSigned.pem + chain.leaf.pem]) {
      assert.throws(() => checkServerCertificate(body, key, undefined, T0), (e: any) => e.code === "MalformedCertificate" && e.message === MALFORMED);
    }
    // Its private key pasted into the body or the chain: they are stored and returned as sent, in the clear.
    assert.throws(() => checkServerCertificate(selfSigned.pem + key, key, undefined, T0), (e: any) => e.code === "MalformedCertificate" && e.message === MALFORMED);
    const { leaf, intermediate } = chain;
    assert.throws(() => checkServerCertificate(leaf.pem, leaf.key.privateKeyPem, intermediate.pem + leaf.key.privateKeyPem, T0), (e: any) => e.code === "MalformedCertificate" && e.message === MALFORMED);
  });

  test("the certificate must be valid at upload time", () => {
    const { pem, key } = selfSigned;
    assert.throws(() => checkServerCertificate(pem, key.privateKeyPem, undefined, T0 + 31 * DAY), (e: any) => e.code === "MalformedCertificate" && /expired on/.test(e.message));
    assert.throws(() => checkServerCertificate(pem, key.privateKeyPem, undefined, T0 - 2 * DAY), (e: any) => e.code === "MalformedCertificate" && /not valid before/.test(e.message));
  });

  test("private keys: unencrypted PEM only, of the certificate's key pair, RSA 1024–4096 or ECDSA P-256/384/521", async () => {
    const { pem } = selfSigned;
    const encrypted = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
    for (const key of ["not a key", encrypted]) {
      assert.throws(() => checkServerCertificate(pem, key, undefined, T0), (e: any) => e.code === "MalformedCertificate" && /Unable to parse private key/.test(e.message));
    }
    const other = (await newKeyPair("p256")).privateKeyPem;
    assert.throws(() => checkServerCertificate(pem, other, undefined, T0), (e: any) => e.code === "KeyPairMismatch" && e.status === 400);
    assert.throws(
      () => checkServerCertificate(pem, fakeRsaPrivateKeyPem(8192), undefined, T0),
      (e: any) => e.code === "MalformedCertificate" && e.message === "The RSA key is 8192 bits long; keys of 1024 to 4096 bits are supported.",
    );
    const ed = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    assert.throws(() => checkServerCertificate(pem, ed, undefined, T0), (e: any) => e.code === "MalformedCertificate" && /Unsupported key algorithm ed25519/.test(e.message));
    const rsa1024 = await issueCertificate({ subject: "CN=small", key: await newKeyPair("rsa-1024"), notBefore: T0 - DAY, notAfter: T0 + DAY });
    checkServerCertificate(rsa1024.pem, rsa1024.key.privateKeyPem, undefined, T0);
  });

  test("the chain must start with the issuer and go up in order", () => {
    const { leaf, intermediate, root } = chain;
    const index = (c: string) => {
      try {
        checkServerCertificate(leaf.pem, leaf.key.privateKeyPem, c, T0);
      } catch (e: any) {
        assert.equal(e.code, "MalformedCertificate");
        return CHAIN_ERROR.exec(e.message)?.[1];
      }
      return "ok";
    };
    assert.equal(index(root.pem + intermediate.pem), "0");
    assert.equal(index(intermediate.pem + selfSigned.pem), "1");
    assert.equal(index(intermediate.pem + root.pem), "ok");
    assert.throws(() => checkServerCertificate(leaf.pem, leaf.key.privateKeyPem, "no certificates here", T0), (e: any) => e.code === "MalformedCertificate");
  });
});

describe("server certificate operations", () => {
  const upload = (h: ReturnType<typeof createHarness>, name: string, extra: object = {}) =>
    h.call<{ ServerCertificateMetadata: Meta; Tags?: unknown }>("UploadServerCertificate", {
      ServerCertificateName: name,
      CertificateBody: chain.leaf.pem,
      PrivateKey: chain.leaf.key.privateKeyPem,
      CertificateChain: chain.intermediate.pem,
      ...extra,
    });

  test("upload, get, list by path, rename, delete; the private key is stored sealed and never returned", async () => {
    const h = createHarness();
    const up = await upload(h, "web", { Path: "/cloudfront/site/", Tags: [{ Key: "env", Value: "prod" }] });
    const meta = up.ServerCertificateMetadata;
    assert.match(meta.ServerCertificateId, /^ASCA[A-Z2-7]{17}$/);
    assert.deepEqual(
      { ...meta, ServerCertificateId: "x" },
      {
        Path: "/cloudfront/site/",
        ServerCertificateName: "web",
        ServerCertificateId: "x",
        Arn: `arn:aws:iam::${ACCOUNT}:server-certificate/cloudfront/site/web`,
        UploadDate: new Date(T0),
        Expiration: chain.leaf.cert.notAfter,
      },
    );
    assert.deepEqual(up.Tags, [{ Key: "env", Value: "prod" }]);
    assert.deepEqual(h.calls.at(-1), {
      action: "iam:UploadServerCertificate",
      resource: meta.Arn,
      context: { "aws:TagKeys": ["env"], "aws:RequestTag/env": "prod" },
    });

    const got = await h.call<{ ServerCertificate: Record<string, unknown> }>("GetServerCertificate", { ServerCertificateName: "WEB" });
    assert.deepEqual(got.ServerCertificate, {
      ServerCertificateMetadata: meta,
      CertificateBody: chain.leaf.pem,
      CertificateChain: chain.intermediate.pem,
      Tags: [{ Key: "env", Value: "prod" }],
    });
    assert.ok(!JSON.stringify(got).includes("PRIVATE KEY"));

    const stored = (await h.store.list<ServerCertificateDoc>(COLLECTIONS.serverCertificates)).map((e) => e.value);
    assert.equal(stored.length, 1);
    assert.ok(!JSON.stringify(stored).includes(chain.leaf.key.privateKeyPem.split("\n")[1]!), "the private key is stored in the clear");
    assert.equal(h.iam.env.sealer.unsealString(stored[0]!.sealedPrivateKey, serverCertificateKeyAad(meta.ServerCertificateId)).toString(), chain.leaf.key.privateKeyPem);

    await upload(h, "api");
    const all = await h.call<{ ServerCertificateMetadataList: Meta[]; IsTruncated: boolean }>("ListServerCertificates", {});
    assert.deepEqual(all.ServerCertificateMetadataList.map((m) => m.ServerCertificateName), ["api", "web"]);
    const cf = await h.call<{ ServerCertificateMetadataList: Meta[] }>("ListServerCertificates", { PathPrefix: "/cloudfront/" });
    assert.deepEqual(cf.ServerCertificateMetadataList.map((m) => m.ServerCertificateName), ["web"]);
    const p1 = await h.call<{ ServerCertificateMetadataList: Meta[]; IsTruncated: boolean; Marker: string }>("ListServerCertificates", { MaxItems: 1 });
    assert.deepEqual([p1.ServerCertificateMetadataList.map((m) => m.ServerCertificateName), p1.IsTruncated], [["api"], true]);
    const p2 = await h.call<{ ServerCertificateMetadataList: Meta[]; IsTruncated: boolean }>("ListServerCertificates", { MaxItems: 1, Marker: p1.Marker });
    assert.deepEqual([p2.ServerCertificateMetadataList.map((m) => m.ServerCertificateName), p2.IsTruncated], [["web"], false]);

    // Rename and move: permission on the old and the new name; the id stays.
    h.calls.length = 0;
    await h.call("UpdateServerCertificate", { ServerCertificateName: "web", NewServerCertificateName: "www", NewPath: "/" });
    assert.deepEqual(
      h.calls.map((c) => c.resource),
      [meta.Arn, `arn:aws:iam::${ACCOUNT}:server-certificate/www`],
    );
    const renamed = await h.call<{ ServerCertificate: { ServerCertificateMetadata: Meta } }>("GetServerCertificate", { ServerCertificateName: "www" });
    assert.equal(renamed.ServerCertificate.ServerCertificateMetadata.ServerCertificateId, meta.ServerCertificateId);
    await assertAwsError(h.call("GetServerCertificate", { ServerCertificateName: "web" }), "NoSuchEntity", 404, "The Server Certificate with name web cannot be found.");
    await assertAwsError(
      h.call("UpdateServerCertificate", { ServerCertificateName: "www", NewServerCertificateName: "API" }),
      "EntityAlreadyExists",
      409,
      "The Server Certificate with name API already exists.",
    );
    await assertAwsError(upload(h, "Api"), "EntityAlreadyExists", 409, "The Server Certificate with name Api already exists.");

    const summary = await h.call<{ SummaryMap: Record<string, number> }>("GetAccountSummary", {});
    assert.equal(summary.SummaryMap.ServerCertificates, 2);

    await h.call("DeleteServerCertificate", { ServerCertificateName: "www" });
    await assertAwsError(h.call("DeleteServerCertificate", { ServerCertificateName: "www" }), "NoSuchEntity", 404, "The Server Certificate with name www cannot be found.");
    assert.equal(await h.store.count(COLLECTIONS.serverCertificateNames), 1);
  });

  test("tags: add, overwrite case-insensitively, remove, list in key order; NoSuchEntity", async () => {
    const h = createHarness();
    await upload(h, "c");
    await h.call("TagServerCertificate", { ServerCertificateName: "c", Tags: [{ Key: "b", Value: "1" }, { Key: "a", Value: "2" }] });
    await h.call("TagServerCertificate", { ServerCertificateName: "c", Tags: [{ Key: "B", Value: "3" }] });
    assert.deepEqual((await h.call<{ Tags: unknown }>("ListServerCertificateTags", { ServerCertificateName: "c" })).Tags, [
      { Key: "B", Value: "3" },
      { Key: "a", Value: "2" },
    ]);
    await h.call("UntagServerCertificate", { ServerCertificateName: "c", TagKeys: ["b"] });
    assert.deepEqual((await h.call<{ Tags: unknown }>("ListServerCertificateTags", { ServerCertificateName: "c" })).Tags, [{ Key: "a", Value: "2" }]);
    for (const op of ["TagServerCertificate", "UntagServerCertificate", "ListServerCertificateTags"]) {
      await assertAwsError(h.call(op, { ServerCertificateName: "nope", Tags: [{ Key: "k", Value: "v" }], TagKeys: ["k"] }), "NoSuchEntity", 404, "The Server Certificate with name nope cannot be found.");
    }
    const tooMany = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await assertAwsError(h.call("TagServerCertificate", { ServerCertificateName: "c", Tags: tooMany }), "LimitExceeded", 409, "Cannot exceed quota for TagsPerServerCertificate: 50");
  });

  test("input constraints and the per-account quota", async () => {
    const h = createHarness();
    await assertAwsError(upload(h, "bad name"), "ValidationError", 400, "The specified value for serverCertificateName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-");
    await assertAwsError(upload(h, "x", { Path: "no-slash" }), "ValidationError", 400, /The specified value for path is invalid/);
    await assertAwsError(upload(h, "x", { PrivateKey: "é\u0100" }), "ValidationError", 400, /Value at 'privateKey' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await assertAwsError(upload(h, "x", { CertificateBody: "a".repeat(16385) }), "ValidationError", 400, `1 validation error detected: Value at 'certificateBody' failed to satisfy constraint: Member must have length less than or equal to 16384`);
    // A private key pasted into the body (or chain) is never echoed, whatever constraint it fails.
    const pasted = `-----BEGIN PRIVATE KEY-----\n${"S".repeat(16400)}\n-----END PRIVATE KEY-----`;
    for (const member of ["CertificateBody", "CertificateChain"] as const) {
      const e = await upload(h, "x", { [member]: pasted }).then(() => assert.fail("accepted"), (err: Error) => err);
      assert.doesNotMatch(e.message, /PRIVATE KEY|SSSS/);
    }
    for (let i = 0; i < 20; i++) await upload(h, `c${i}`);
    await assertAwsError(upload(h, "c20"), "LimitExceeded", 409, "Cannot exceed quota for ServerCertificatesPerAccount: 20");
  });
});
