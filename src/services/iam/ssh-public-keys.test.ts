import "reflect-metadata";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as x509 from "@peculiar/x509";
import type { Principal } from "../../core/types.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, T0, rolePrincipal } from "./testing/harness.js";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type SshKey = { UserName: string; SSHPublicKeyId: string; Fingerprint: string; SSHPublicKeyBody: string; Status: string; UploadDate: Date };
type Cert = { UserName: string; CertificateId: string; CertificateBody: string; Status: string; UploadDate: Date };

// ---- Independent encodings of a test key (not the module under test) ----

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function str(b: Buffer): Buffer {
  return Buffer.concat([u32(b.length), b]);
}
function mpint(b: Buffer): Buffer {
  return str(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
function opensshRsa(pub: KeyObject, comment = "test@example"): string {
  const jwk = pub.export({ format: "jwk" });
  const wire = Buffer.concat([str(Buffer.from("ssh-rsa")), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
  return `ssh-rsa ${wire.toString("base64")} ${comment}`;
}
function rsaKey(bits = 2048): KeyObject {
  return generateKeyPairSync("rsa", { modulusLength: bits }).publicKey;
}

const SSH_KEYGEN = (() => {
  try {
    execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
    return true;
  } catch (e) {
    return (e as { status?: number }).status !== undefined && (e as { code?: string }).code !== "ENOENT";
  }
})();

/** `ssh-keygen -l -E md5` (without "MD5:") when available, else MD5 of the wire form computed here. */
function referenceMd5(openssh: string): string {
  if (SSH_KEYGEN) {
    const dir = mkdtempSync(join(tmpdir(), "iam-ssh-"));
    try {
      writeFileSync(join(dir, "k.pub"), openssh + "\n");
      const out = execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", join(dir, "k.pub")], { encoding: "utf8" });
      const m = /MD5:([0-9a-f:]{47})/.exec(out);
      assert.ok(m, out);
      return m[1]!;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const wire = Buffer.from(openssh.split(" ")[1]!, "base64");
  return createHash("md5").update(wire).digest("hex").match(/../g)!.join(":");
}

async function selfSigned(opts: { notBefore: number; notAfter: number; cn?: string }): Promise<string> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "01"),
    name: `CN=${opts.cn ?? "signing"}`,
    notBefore: new Date(opts.notBefore),
    notAfter: new Date(opts.notAfter),
    signingAlgorithm: alg,
    keys,
  });
  return cert.toString("pem") + "\n";
}

const DAY = 86_400_000;

describe("IAM SSH public keys", () => {
  test("UserName of the SSH key, boundary and attachment operations is userNameType (1–64); an empty key body is too short", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const long = "u".repeat(65);
    const tooLong = `1 validation error detected: Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`;
    const policyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    const calls: Array<[string, object]> = [
      ["UploadSSHPublicKey", { UserName: long, SSHPublicKeyBody: "ssh-rsa AAAA" }],
      ["GetSSHPublicKey", { UserName: long, SSHPublicKeyId: "APKAEIBAERJR2EXAMPLE", Encoding: "SSH" }],
      ["UpdateSSHPublicKey", { UserName: long, SSHPublicKeyId: "APKAEIBAERJR2EXAMPLE", Status: "Inactive" }],
      ["DeleteSSHPublicKey", { UserName: long, SSHPublicKeyId: "APKAEIBAERJR2EXAMPLE" }],
      ["ListSSHPublicKeys", { UserName: long }],
      ["PutUserPermissionsBoundary", { UserName: long, PermissionsBoundary: policyArn }],
      ["DeleteUserPermissionsBoundary", { UserName: long }],
      ["AttachUserPolicy", { UserName: long, PolicyArn: policyArn }],
      ["DetachUserPolicy", { UserName: long, PolicyArn: policyArn }],
      ["ListAttachedUserPolicies", { UserName: long }],
      ["GetMFADevice", { UserName: long, SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/device` }],
    ];
    for (const [op, input] of calls) await assertAwsError(h.call(op, input), "ValidationError", 400, tooLong);
    // Operations on existing users (existingUserNameType) still take up to 128 characters.
    await assertAwsError(h.call("GetUserPolicy", { UserName: "u".repeat(128), PolicyName: "p" }), "NoSuchEntity", 404, /cannot be found/);
    await assertAwsError(
      h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: "" }),
      "ValidationError",
      400,
      "2 validation errors detected: Value at 'sSHPublicKeyBody' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value at 'sSHPublicKeyBody' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    );
    // A private key pasted by mistake is not echoed, whatever constraint it fails.
    const pasted = `-----BEGIN OPENSSH PRIVATE KEY-----\n${"S".repeat(16400)}\n-----END OPENSSH PRIVATE KEY-----`;
    await assertAwsError(
      h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: pasted }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'sSHPublicKeyBody' failed to satisfy constraint: Member must have length less than or equal to 16384",
    );
  });

  test("UploadSSHPublicKey parses an OpenSSH ssh-rsa key; fingerprint matches ssh-keygen -E md5", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const pub = rsaKey();
    const body = opensshRsa(pub);
    const out = await h.call<{ SSHPublicKey: SshKey }>("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: body });
    const k = out.SSHPublicKey;
    assert.match(k.SSHPublicKeyId, /^APKA[A-Z2-7]{16}$/);
    assert.equal(k.Fingerprint, referenceMd5(body));
    assert.match(k.Fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    assert.equal(k.Status, "Active");
    assert.equal(k.UserName, "alice");
    assert.equal(k.UploadDate.getTime(), T0);
    assert.equal(k.SSHPublicKeyBody, body.split(" ").slice(0, 2).join(" "));
    const call = h.calls.at(-1)!;
    assert.equal(call.action, "iam:UploadSSHPublicKey");
    assert.equal(call.resource, `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.equal(await h.store.count(COLLECTIONS.sshPublicKeys), 1);

    // GetSSHPublicKey: SSH form, and a PEM form that is the same key.
    const ssh = await h.call<{ SSHPublicKey: SshKey }>("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: "SSH" });
    assert.deepEqual(ssh.SSHPublicKey, k);
    const pem = await h.call<{ SSHPublicKey: SshKey }>("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: "PEM" });
    assert.match(pem.SSHPublicKey.SSHPublicKeyBody, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.ok(createPublicKey(pem.SSHPublicKey.SSHPublicKeyBody).equals(pub));
    assert.equal(pem.SSHPublicKey.Fingerprint, k.Fingerprint);
    if (SSH_KEYGEN) {
      // ssh-keygen converts the PEM back to the same OpenSSH key.
      const dir = mkdtempSync(join(tmpdir(), "iam-ssh-"));
      try {
        writeFileSync(join(dir, "k.pem"), pem.SSHPublicKey.SSHPublicKeyBody);
        const conv = execFileSync("ssh-keygen", ["-i", "-m", "PKCS8", "-f", join(dir, "k.pem")], { encoding: "utf8" }).trim();
        assert.equal(conv, k.SSHPublicKeyBody);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    await assertAwsError(
      h.call("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: "DER" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'DER' at 'encoding' failed to satisfy constraint: Member must satisfy enum value set: [SSH, PEM]",
    );
  });

  test("PEM uploads (SPKI and PKCS#1) are the same key as the OpenSSH form: DuplicateSSHPublicKey", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateUser", { UserName: "bob" });
    const pub = rsaKey();
    const spki = pub.export({ format: "pem", type: "spki" }).toString();
    const pkcs1 = pub.export({ format: "pem", type: "pkcs1" }).toString();
    const up = await h.call<{ SSHPublicKey: SshKey }>("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: spki });
    assert.equal(up.SSHPublicKey.Fingerprint, referenceMd5(opensshRsa(pub)));
    assert.equal(up.SSHPublicKey.SSHPublicKeyBody, opensshRsa(pub).split(" ").slice(0, 2).join(" "));
    const dup = "The SSH public key is already associated with the specified IAM user.";
    await assertAwsError(h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: pkcs1 }), "DuplicateSSHPublicKey", 400, dup);
    await assertAwsError(h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(pub, "other comment") }), "DuplicateSSHPublicKey", 400, dup);
    // The same key on another user is allowed.
    await h.call("UploadSSHPublicKey", { UserName: "bob", SSHPublicKeyBody: pkcs1 });
    assert.equal(await h.store.count(COLLECTIONS.sshPublicKeys), 2);
  });

  test("malformed, short and unsupported keys", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const upload = (b: string) => h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: b });
    await assertAwsError(upload(opensshRsa(rsaKey(1024))), "InvalidPublicKey", 400, "The public key is 1024 bits long; the minimum is 2048 bits.");
    await assertAwsError(upload(rsaKey(1024).export({ format: "pem", type: "spki" }).toString()), "InvalidPublicKey", 400, "The public key is 1024 bits long; the minimum is 2048 bits.");
    await assertAwsError(upload("ssh-rsa AAAA!!!notbase64"), "InvalidPublicKey", 400, "The public key is malformed: invalid base64.");
    const good = opensshRsa(rsaKey()).split(" ")[1]!;
    const truncated = Buffer.from(good, "base64").subarray(0, 100).toString("base64");
    await assertAwsError(upload(`ssh-rsa ${truncated}`), "InvalidPublicKey", 400, "The public key is malformed: truncated field.");
    await assertAwsError(upload("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "InvalidPublicKey", 400, "The PEM public key is malformed.");
    // An ed25519 key: not a supported type.
    const ed = generateKeyPairSync("ed25519").publicKey;
    const edRaw = Buffer.from(ed.export({ format: "jwk" }).x!, "base64url");
    const edLine = `ssh-ed25519 ${Buffer.concat([str(Buffer.from("ssh-ed25519")), str(edRaw)]).toString("base64")} x@y`;
    await assertAwsError(upload(edLine), "UnrecognizedPublicKeyEncoding", 400, "Unsupported public key type ssh-ed25519: only ssh-rsa keys are supported.");
    // The label says ssh-rsa but the blob is an ed25519 key.
    await assertAwsError(upload(`ssh-rsa ${edLine.split(" ")[1]}`), "UnrecognizedPublicKeyEncoding", 400, "Unsupported public key type ssh-ed25519: only ssh-rsa keys are supported.");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString();
    await assertAwsError(upload(ec), "UnrecognizedPublicKeyEncoding", 400, "Unsupported public key type ec: only ssh-rsa keys are supported.");
    await assertAwsError(upload("hello world"), "UnrecognizedPublicKeyEncoding", 400, "The public key encoding is not recognized: expected ssh-rsa (OpenSSH) or PEM format.");
    // A private key is not a public key, whatever node:crypto could derive from it.
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    for (const priv of [pair.privateKey.export({ format: "pem", type: "pkcs1" }).toString(), pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString()]) {
      await assertAwsError(upload(priv), "UnrecognizedPublicKeyEncoding", 400, "The public key encoding is not recognized: expected ssh-rsa (OpenSSH) or PEM format.");
    }
    await assertAwsError(h.call("UploadSSHPublicKey", { UserName: "alice" }), "ValidationError", 400, /sSHPublicKeyBody/);
    await assertAwsError(h.call("UploadSSHPublicKey", { UserName: "nobody", SSHPublicKeyBody: opensshRsa(rsaKey()) }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
    assert.equal(await h.store.count(COLLECTIONS.sshPublicKeys), 0);
  });

  test("at most five keys per user; list, paginate, update, delete", async () => {
    const h = createHarness();
    const u = await h.call<{ User: { Arn: string; UserId: string } }>("CreateUser", { UserName: "alice" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await h.call<{ SSHPublicKey: SshKey }>("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) });
      ids.push(out.SSHPublicKey.SSHPublicKeyId);
    }
    await assertAwsError(
      h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for SSHPublicKeysPerUser: 5",
    );
    type ListOut = { SSHPublicKeys: Array<{ UserName: string; SSHPublicKeyId: string; Status: string; UploadDate: Date }>; IsTruncated: boolean; Marker?: string };
    const p1 = await h.call<ListOut>("ListSSHPublicKeys", { UserName: "alice", MaxItems: 3 });
    assert.equal(p1.SSHPublicKeys.length, 3);
    assert.equal(p1.IsTruncated, true);
    const p2 = await h.call<ListOut>("ListSSHPublicKeys", { UserName: "alice", Marker: p1.Marker });
    assert.equal(p2.IsTruncated, false);
    assert.deepEqual([...p1.SSHPublicKeys, ...p2.SSHPublicKeys].map((k) => k.SSHPublicKeyId).sort(), [...ids].sort());
    assert.ok(p1.SSHPublicKeys.every((k) => k.UserName === "alice" && k.Status === "Active" && !("SSHPublicKeyBody" in k)));

    // UserName omitted: the calling IAM user; a non-user caller must name one.
    const alice: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: u.User.Arn, principalId: u.User.UserId, accessKeyId: "AKIAEXAMPLEEXAMPLE00", name: "alice" };
    const mine = await h.call<ListOut>("ListSSHPublicKeys", {}, { principal: alice });
    assert.equal(mine.SSHPublicKeys.length, 5);
    assert.equal(h.calls.at(-1)?.action, "iam:ListSSHPublicKeys");
    await assertAwsError(h.call("ListSSHPublicKeys", {}), "ValidationError", 400, "Must specify userName when calling with non-User credentials");
    await assertAwsError(h.call("ListSSHPublicKeys", { UserName: "nobody" }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");

    await h.call("UpdateSSHPublicKey", { UserName: "alice", SSHPublicKeyId: ids[0], Status: "Inactive" });
    const got = await h.call<{ SSHPublicKey: SshKey }>("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: ids[0], Encoding: "SSH" });
    assert.equal(got.SSHPublicKey.Status, "Inactive");
    const missing = "APKAAAAAAAAAAAAAAAAA";
    await assertAwsError(h.call("UpdateSSHPublicKey", { UserName: "alice", SSHPublicKeyId: missing, Status: "Active" }), "NoSuchEntity", 404, `The Public Key with id ${missing} cannot be found.`);
    await assertAwsError(h.call("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: missing, Encoding: "SSH" }), "NoSuchEntity", 404, `The Public Key with id ${missing} cannot be found.`);
    await assertAwsError(h.call("DeleteSSHPublicKey", { UserName: "alice", SSHPublicKeyId: missing }), "NoSuchEntity", 404, `The Public Key with id ${missing} cannot be found.`);
    await assertAwsError(h.call("UpdateSSHPublicKey", { UserName: "alice", SSHPublicKeyId: ids[0], Status: "Off" }), "ValidationError", 400, /enum value set: \[Active, Inactive, Expired\]/);
    // Expired is in the model's enum but is never set by a caller.
    await assertAwsError(
      h.call("UpdateSSHPublicKey", { UserName: "alice", SSHPublicKeyId: ids[0], Status: "Expired" }),
      "InvalidInput",
      400,
      "The status Expired cannot be set. Specify Active or Inactive.",
    );
    await assertAwsError(h.call("DeleteSSHPublicKey", { UserName: "alice", SSHPublicKeyId: "short" }), "ValidationError", 400, /sSHPublicKeyId/);

    // Deleting frees a slot.
    await h.call("DeleteSSHPublicKey", { UserName: "alice", SSHPublicKeyId: ids[0] });
    assert.equal(h.calls.at(-1)?.action, "iam:DeleteSSHPublicKey");
    await h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) });
    assert.equal(await h.store.count(COLLECTIONS.sshPublicKeys), 5);
  });

  test("denied callers change nothing; another account cannot see the keys", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    h.deny.add("iam:UploadSSHPublicKey");
    await assertAwsError(h.call("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) }), "AccessDeniedException", 400, /iam:UploadSSHPublicKey/);
    assert.equal(await h.store.count(COLLECTIONS.sshPublicKeys), 0);
    h.deny.clear();
    const k = await h.call<{ SSHPublicKey: SshKey }>("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) });
    await assertAwsError(
      h.call("GetSSHPublicKey", { UserName: "alice", SSHPublicKeyId: k.SSHPublicKey.SSHPublicKeyId, Encoding: "SSH" }, { accountId: OTHER_ACCOUNT }),
      "NoSuchEntity",
      404,
      "The user with name alice cannot be found.",
    );
  });
});

describe("IAM signing certificates", () => {
  test("upload, list, update, delete; ids, duplicates and the per-user quota", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateUser", { UserName: "bob" });
    const pem = await selfSigned({ notBefore: T0 - DAY, notAfter: T0 + 365 * DAY });
    const up = await h.call<{ Certificate: Cert }>("UploadSigningCertificate", { UserName: "alice", CertificateBody: pem });
    const c = up.Certificate;
    assert.match(c.CertificateId, /^[A-Z2-7]{32}$/);
    assert.equal(c.CertificateBody, pem);
    assert.equal(c.Status, "Active");
    assert.equal(c.UserName, "alice");
    assert.equal(c.UploadDate.getTime(), T0);
    assert.equal(h.calls.at(-1)?.action, "iam:UploadSigningCertificate");
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:user/alice`);

    const dup = "The same certificate is already associated with an IAM user in the account.";
    await assertAwsError(h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: pem }), "DuplicateCertificate", 409, dup);
    await assertAwsError(h.call("UploadSigningCertificate", { UserName: "bob", CertificateBody: pem }), "DuplicateCertificate", 409, dup);
    // Another account may hold the same certificate.
    await h.call("CreateUser", { UserName: "alice" }, { accountId: OTHER_ACCOUNT });
    await h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: pem }, { accountId: OTHER_ACCOUNT });

    await h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: await selfSigned({ notBefore: T0 - DAY, notAfter: T0 + DAY }) });
    await assertAwsError(
      h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: await selfSigned({ notBefore: T0 - DAY, notAfter: T0 + DAY }) }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for CertificatesPerUser: 2",
    );

    type ListOut = { Certificates: Cert[]; IsTruncated: boolean; Marker?: string };
    const l = await h.call<ListOut>("ListSigningCertificates", { UserName: "alice" });
    assert.equal(l.Certificates.length, 2);
    assert.equal(l.IsTruncated, false);
    assert.ok(l.Certificates.some((x) => x.CertificateId === c.CertificateId && x.CertificateBody === pem));
    const p1 = await h.call<ListOut>("ListSigningCertificates", { UserName: "alice", MaxItems: 1 });
    assert.equal(p1.IsTruncated, true);
    const p2 = await h.call<ListOut>("ListSigningCertificates", { UserName: "alice", Marker: p1.Marker });
    assert.equal(p2.Certificates.length, 1);
    assert.notEqual(p2.Certificates[0]!.CertificateId, p1.Certificates[0]!.CertificateId);

    await h.call("UpdateSigningCertificate", { UserName: "alice", CertificateId: c.CertificateId, Status: "Inactive" });
    const after = await h.call<ListOut>("ListSigningCertificates", { UserName: "alice" });
    assert.equal(after.Certificates.find((x) => x.CertificateId === c.CertificateId)?.Status, "Inactive");
    const missing = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    await assertAwsError(h.call("UpdateSigningCertificate", { UserName: "alice", CertificateId: missing, Status: "Active" }), "NoSuchEntity", 404, `The Certificate with id ${missing} cannot be found.`);
    await assertAwsError(
      h.call("UpdateSigningCertificate", { UserName: "alice", CertificateId: c.CertificateId, Status: "Expired" }),
      "InvalidInput",
      400,
      "The status Expired cannot be set. Specify Active or Inactive.",
    );
    await assertAwsError(h.call("DeleteSigningCertificate", { UserName: "alice", CertificateId: missing }), "NoSuchEntity", 404, `The Certificate with id ${missing} cannot be found.`);
    await assertAwsError(h.call("DeleteSigningCertificate", { UserName: "alice", CertificateId: "short" }), "ValidationError", 400, /certificateId/);

    // Deleting releases the certificate: bob may now upload it.
    await h.call("DeleteSigningCertificate", { UserName: "alice", CertificateId: c.CertificateId });
    await h.call("UploadSigningCertificate", { UserName: "bob", CertificateBody: pem });
    assert.equal(await h.store.count(COLLECTIONS.signingCertificates), 3);
  });

  test("malformed and invalid certificates", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const up = (b: string) => h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: b });
    const parse = "Unable to parse certificate. Please ensure the certificate is in PEM format.";
    await assertAwsError(up("not a certificate"), "MalformedCertificate", 400, parse);
    await assertAwsError(up("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "MalformedCertificate", 400, parse);
    const a = await selfSigned({ notBefore: T0 - DAY, notAfter: T0 + DAY });
    await assertAwsError(up(a + a), "MalformedCertificate", 400, parse);
    // A certificate file with its private key pasted whole: the body would be stored (and listed) as sent.
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    for (const k of [key.export({ format: "pem", type: "pkcs8" }).toString(), key.export({ format: "pem", type: "pkcs1" }).toString()]) {
      await assertAwsError(up(a + k), "MalformedCertificate", 400, parse);
      await assertAwsError(up(k + a), "MalformedCertificate", 400, parse);
    }
    await assertAwsError(
      up(await selfSigned({ notBefore: T0 - 10 * DAY, notAfter: T0 - DAY })),
      "InvalidCertificate",
      400,
      `The certificate expired on ${new Date(Math.floor((T0 - DAY) / 1000) * 1000).toISOString()}.`,
    );
    await assertAwsError(h.call("UploadSigningCertificate", { UserName: "nobody", CertificateBody: a }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
    await assertAwsError(h.call("UploadSigningCertificate", { CertificateBody: a }, { principal: rolePrincipal() }), "ValidationError", 400, "Must specify userName when calling with non-User credentials");
    assert.equal(await h.store.count(COLLECTIONS.signingCertificates), 0);
  });
});

describe("DeleteUser with SSH keys or signing certificates", () => {
  test("answers DeleteConflict until they are deleted", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const k = await h.call<{ SSHPublicKey: SshKey }>("UploadSSHPublicKey", { UserName: "alice", SSHPublicKeyBody: opensshRsa(rsaKey()) });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.");
    const c = await h.call<{ Certificate: Cert }>("UploadSigningCertificate", {
      UserName: "alice",
      CertificateBody: await selfSigned({ notBefore: T0 - DAY, notAfter: T0 + DAY }),
    });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must delete certificates first.");
    await h.call("DeleteSigningCertificate", { UserName: "alice", CertificateId: c.Certificate.CertificateId });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.");
    await h.call("DeleteSSHPublicKey", { UserName: "alice", SSHPublicKeyId: k.SSHPublicKey.SSHPublicKeyId });
    await h.call("DeleteUser", { UserName: "alice" });
    // A new user of the same name starts with no keys.
    await h.call("CreateUser", { UserName: "alice" });
    const l = await h.call<{ SSHPublicKeys: unknown[] }>("ListSSHPublicKeys", { UserName: "alice" });
    assert.deepEqual(l.SSHPublicKeys, []);
  });
});
