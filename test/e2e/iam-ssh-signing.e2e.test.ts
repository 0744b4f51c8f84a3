/**
 * IAM SSH public keys and signing certificates through the real server and the AWS SDK:
 * upload (OpenSSH and PEM), get in both encodings, list, update, delete, AWS's errors,
 * DeleteUser conflicts, and authorisation of a user managing its own keys.
 */
import "reflect-metadata";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import {
  IAMClient,
  CreateUserCommand,
  DeleteUserCommand,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  PutUserPolicyCommand,
  DeleteUserPolicyCommand,
  UploadSSHPublicKeyCommand,
  GetSSHPublicKeyCommand,
  ListSSHPublicKeysCommand,
  UpdateSSHPublicKeyCommand,
  DeleteSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  ListSigningCertificatesCommand,
  UpdateSigningCertificateCommand,
  DeleteSigningCertificateCommand,
} from "@aws-sdk/client-iam";
import { awsError, startTestServer, eventually, type TestServer, type Creds } from "./harness.js";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

function str(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
function mpint(b: Buffer): Buffer {
  return str(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
function openssh(pub: KeyObject): { line: string; md5: string } {
  const jwk = pub.export({ format: "jwk" });
  const wire = Buffer.concat([str(Buffer.from("ssh-rsa")), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
  return { line: `ssh-rsa ${wire.toString("base64")}`, md5: createHash("md5").update(wire).digest("hex").match(/../g)!.join(":") };
}

function ed25519Line(): string {
  const raw = Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x!, "base64url");
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]).toString("base64")} x@y`;
}

async function selfSigned(): Promise<string> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01a2b3c4d5",
    name: "CN=e2e signing",
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 30 * 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  return cert.toString("pem") + "\n";
}

test("SSH public keys and signing certificates through @aws-sdk/client-iam", async () => {
  const admin = new IAMClient(s.clientConfig());
  await admin.send(new CreateUserCommand({ UserName: "git-user" }));

  // SSH keys: OpenSSH upload, Get in both encodings, duplicate in PEM form.
  const pub = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
  const ssh = openssh(pub);
  const up = await admin.send(new UploadSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyBody: `${ssh.line} me@laptop` }));
  const key = up.SSHPublicKey!;
  assert.match(key.SSHPublicKeyId!, /^APKA[A-Z2-7]{16}$/);
  assert.equal(key.Fingerprint, ssh.md5);
  assert.equal(key.Status, "Active");
  assert.equal(key.SSHPublicKeyBody, ssh.line);
  assert.ok(key.UploadDate instanceof Date);
  const asPem = await admin.send(new GetSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyId: key.SSHPublicKeyId, Encoding: "PEM" }));
  assert.ok(createPublicKey(asPem.SSHPublicKey!.SSHPublicKeyBody!).equals(pub));
  await assert.rejects(
    admin.send(new UploadSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyBody: pub.export({ format: "pem", type: "spki" }).toString() })),
    awsError("DuplicateSSHPublicKeyException", 400, "The SSH public key is already associated with the specified IAM user."),
  );
  const short = openssh(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey);
  await assert.rejects(
    admin.send(new UploadSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyBody: short.line })),
    awsError("InvalidPublicKeyException", 400, "The public key is 1024 bits long; the minimum is 2048 bits."),
  );
  await assert.rejects(
    admin.send(new UploadSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyBody: ed25519Line() })),
    awsError("UnrecognizedPublicKeyEncodingException", 400, "Unsupported public key type ssh-ed25519: only ssh-rsa keys are supported."),
  );
  await admin.send(new UpdateSSHPublicKeyCommand({ UserName: "git-user", SSHPublicKeyId: key.SSHPublicKeyId, Status: "Inactive" }));
  const listed = await admin.send(new ListSSHPublicKeysCommand({ UserName: "git-user" }));
  assert.deepEqual(listed.SSHPublicKeys?.map((k) => [k.SSHPublicKeyId, k.Status, k.UserName]), [[key.SSHPublicKeyId, "Inactive", "git-user"]]);
  assert.equal(listed.IsTruncated, false);

  // Signing certificates.
  const pem = await selfSigned();
  const cert = (await admin.send(new UploadSigningCertificateCommand({ UserName: "git-user", CertificateBody: pem }))).Certificate!;
  assert.match(cert.CertificateId!, /^[A-Z2-7]{32}$/);
  assert.equal(cert.CertificateBody, pem);
  assert.equal(cert.Status, "Active");
  await assert.rejects(
    admin.send(new UploadSigningCertificateCommand({ UserName: "git-user", CertificateBody: pem })),
    awsError("DuplicateCertificateException", 409, "The same certificate is already associated with an IAM user in the account."),
  );
  await assert.rejects(
    admin.send(new UploadSigningCertificateCommand({ UserName: "git-user", CertificateBody: "garbage" })),
    awsError("MalformedCertificateException", 400, "Unable to parse certificate. Please ensure the certificate is in PEM format."),
  );
  await admin.send(new UpdateSigningCertificateCommand({ UserName: "git-user", CertificateId: cert.CertificateId, Status: "Inactive" }));
  const certs = await admin.send(new ListSigningCertificatesCommand({ UserName: "git-user" }));
  assert.deepEqual(certs.Certificates?.map((c) => [c.CertificateId, c.Status, c.CertificateBody]), [[cert.CertificateId, "Inactive", pem]]);

  // DeleteUser refuses while either is present.
  await assert.rejects(admin.send(new DeleteUserCommand({ UserName: "git-user" })), awsError("DeleteConflictException", 409, "Cannot delete entity, must delete certificates first."));
  await admin.send(new DeleteSigningCertificateCommand({ UserName: "git-user", CertificateId: cert.CertificateId }));
  await assert.rejects(admin.send(new DeleteUserCommand({ UserName: "git-user" })), awsError("DeleteConflictException", 409, "Cannot delete entity, must remove referenced objects first."));

  // The user manages its own keys once a policy allows it (UserName omitted on List = the caller).
  const ak = (await admin.send(new CreateAccessKeyCommand({ UserName: "git-user" }))).AccessKey!;
  const creds: Creds = { accessKeyId: ak.AccessKeyId!, secretAccessKey: ak.SecretAccessKey! };
  const self = new IAMClient(s.clientConfig(creds));
  await assert.rejects(self.send(new ListSSHPublicKeysCommand({})), (e: any) => e.$metadata.httpStatusCode === 403 && /iam:ListSSHPublicKeys/.test(e.message));
  await admin.send(
    new PutUserPolicyCommand({
      UserName: "git-user",
      PolicyName: "own-ssh-keys",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["iam:ListSSHPublicKeys", "iam:DeleteSSHPublicKey"], Resource: `arn:aws:iam::${s.accountId}:user/\${aws:username}` }],
      }),
    }),
  );
  const mine = await eventually(async () => {
    try {
      return await self.send(new ListSSHPublicKeysCommand({}));
    } catch {
      return undefined;
    }
  });
  assert.deepEqual(mine.SSHPublicKeys?.map((k) => k.SSHPublicKeyId), [key.SSHPublicKeyId]);
  await self.send(new DeleteSSHPublicKeyCommand({ SSHPublicKeyId: key.SSHPublicKeyId, UserName: "git-user" }));

  await admin.send(new DeleteAccessKeyCommand({ UserName: "git-user", AccessKeyId: ak.AccessKeyId }));
  await admin.send(new DeleteUserPolicyCommand({ UserName: "git-user", PolicyName: "own-ssh-keys" }));
  await admin.send(new DeleteUserCommand({ UserName: "git-user" }));
});
