/**
 * Secrets never leak, seen from outside: calls that carry secrets (KMS plaintexts, data keys,
 * random bytes, imported key material; IAM secret keys, passwords — accepted and refused —, MFA
 * seeds, server certificate and SAML provider private keys, service-specific passwords; STS session credentials)
 * go through a server logging at its most verbose level, then every file of the data directory
 * (database, -wal and -shm, read as bytes), the log lines and the CloudTrail events are searched
 * for each secret as sent or returned: raw text, base64 (at every byte alignment) and hex.
 * Values that are no secret must be found (a user name carrying the same marker in the database
 * and the events, the user's access key id in the log), so the search sees what it looks at.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { pino } from "pino";
import {
  KMSClient,
  CreateKeyCommand,
  EncryptCommand,
  DecryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateRandomCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
} from "@aws-sdk/client-kms";
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  CreateLoginProfileCommand,
  ChangePasswordCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  UploadServerCertificateCommand,
  CreateServiceSpecificCredentialCommand,
  CreateRoleCommand,
  CreateSAMLProviderCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ADMIN_SECRET, startTestServer, type Creds } from "./harness.js";
import { base32Decode, stepAt, totpAt } from "../../src/services/iam/totp.js";
import { issueCertificate, newKeyPair } from "../../src/services/iam/testing/certificates.js";
import { createTestIdp, otherSigningKey } from "../../src/services/sts/testing/saml-idp.js";

const MARKER = "ZZLEAKMARKERZZ";

/** The forms a secret could be found in: text (also URL-encoded, as in a query's form body), base64 at each of the three byte alignments (its edge characters, which depend on the neighbours, left out), hex. */
function formsOf(value: Uint8Array | string): string[] {
  const b = Buffer.from(value);
  const out: string[] = [];
  const text = b.toString("latin1");
  if (/^[\x20-\x7e]{8,}$/.test(text)) out.push(text, encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  for (let pad = 0; pad < 3; pad++) {
    const s = Buffer.concat([Buffer.alloc(pad), b]).toString("base64");
    const start = Math.ceil((pad * 4) / 3) + 1;
    const end = Math.floor(((pad + b.length) * 4) / 3) - 1;
    out.push(s.slice(start, end));
  }
  out.push(b.toString("hex"), b.toString("hex").toUpperCase());
  return out;
}

test("no secret sent or returned is found in the data directory, the logs or the CloudTrail events", async () => {
  const lines: string[] = [];
  const logger = pino({ level: "trace" }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
  const s = await startTestServer({ logger });
  const secrets = new Map<string, Uint8Array | string>([["admin secret", ADMIN_SECRET]]);
  try {
    const kms = new KMSClient(s.clientConfig());
    const iam = new IAMClient(s.clientConfig());

    // KMS
    const plaintext = Buffer.from(`${MARKER}-plaintext-${crypto.randomUUID()}`);
    secrets.set("plaintext", plaintext);
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    assert.deepEqual(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext!), plaintext);
    await assert.rejects(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.concat([plaintext, Buffer.alloc(4096)]) })), { name: "ValidationException" });
    secrets.set("data key", (await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }))).Plaintext!);
    secrets.set("data key pair private key", (await kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }))).PrivateKeyPlaintext!);
    secrets.set("random bytes", (await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }))).Plaintext!);
    const external = (await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL" }))).KeyMetadata!.KeyId!;
    const params = await kms.send(new GetParametersForImportCommand({ KeyId: external, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const material = Buffer.concat([Buffer.from(MARKER), crypto.randomBytes(32 - MARKER.length)]);
    secrets.set("imported key material", material);
    const wrappingKey = crypto.createPublicKey({ key: Buffer.from(params.PublicKey!), format: "der", type: "spki" });
    const wrapped = crypto.publicEncrypt({ key: wrappingKey, oaepHash: "sha256", padding: crypto.constants.RSA_PKCS1_OAEP_PADDING }, material);
    await kms.send(new ImportKeyMaterialCommand({ KeyId: external, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));

    // IAM: the user's name carries the marker and is no secret (it must be found).
    const userName = `${MARKER}-visible`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: "all", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    secrets.set("user secret access key", key.SecretAccessKey!);
    const user: Creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 20, RequireSymbols: true, AllowUsersToChangePassword: true }));
    const refused = `${MARKER}short`;
    secrets.set("refused password", refused);
    await assert.rejects(iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: refused })), { name: "PasswordPolicyViolationException" });
    const first = `${MARKER}-first-password-!`;
    const second = `${MARKER}-second-password-!`;
    const wrongOld = `${MARKER}-wrong-old-password-!`;
    secrets.set("first password", first).set("second password", second).set("wrong old password", wrongOld);
    await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: first }));
    const userIam = new IAMClient(s.clientConfig(user));
    await assert.rejects(userIam.send(new ChangePasswordCommand({ OldPassword: wrongOld, NewPassword: second })), { name: "AccessDenied" });
    await userIam.send(new ChangePasswordCommand({ OldPassword: first, NewPassword: second }));
    const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "leak-check" }))).VirtualMFADevice!;
    const seedText = Buffer.from(device.Base32StringSeed!).toString("ascii");
    const seed = base32Decode(seedText);
    secrets.set("MFA seed (base32)", seedText).set("MFA seed", seed);
    const step = stepAt(s.clock.now());
    await iam.send(new EnableMFADeviceCommand({ UserName: userName, SerialNumber: device.SerialNumber, AuthenticationCode1: totpAt(seed, step - 1), AuthenticationCode2: totpAt(seed, step) }));
    const cert = await issueCertificate({ subject: "CN=leak.example.test", key: await newKeyPair("rsa-2048") });
    const keyLines = cert.key.privateKeyPem.trim().split("\n");
    // A line near the end of the PKCS#8 body: the private exponent's CRT parts, not the public modulus.
    secrets.set("server certificate private key", keyLines[keyLines.length - 3]!);
    secrets.set("server certificate private key (DER)", crypto.createPrivateKey(cert.key.privateKeyPem).export({ type: "pkcs8", format: "der" }).subarray(-64));
    await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: "leak-check", CertificateBody: cert.pem, PrivateKey: cert.key.privateKeyPem }));
    // A SAML provider's private key for encrypted assertions, accepted and (with broken metadata) refused.
    const idp = await createTestIdp();
    const samlKey = (await otherSigningKey()).privateKeyPem;
    const samlKeyLines = samlKey.trim().split("\n");
    secrets.set("SAML provider private key", samlKeyLines[samlKeyLines.length - 3]!);
    await iam.send(new CreateSAMLProviderCommand({ Name: "LeakCheck", SAMLMetadataDocument: idp.metadata(), AddPrivateKey: samlKey }));
    await assert.rejects(iam.send(new CreateSAMLProviderCommand({ Name: "Broken", SAMLMetadataDocument: `<x>${" ".repeat(1000)}</x>`, AddPrivateKey: samlKey })), { name: "InvalidInputException" });
    const credential = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: userName, ServiceName: "codecommit.amazonaws.com" }));
    secrets.set("service-specific password", credential.ServiceSpecificCredential!.ServicePassword!);

    // STS
    await iam.send(new CreateRoleCommand({ RoleName: "leak-check", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] }) }));
    const session = (await new STSClient(s.clientConfig()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/leak-check`, RoleSessionName: "leak-check" }))).Credentials!;
    secrets.set("session secret access key", session.SecretAccessKey!).set("session token", session.SessionToken!);
    const sessionCreds = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
    assert.equal((await new STSClient(s.clientConfig(sessionCreds)).send(new GetCallerIdentityCommand({}))).Account, s.accountId);
    const badToken = { ...sessionCreds, sessionToken: `${session.SessionToken!.slice(0, -8)}AAAAAAAA` };
    await assert.rejects(new STSClient(s.clientConfig(badToken)).send(new GetCallerIdentityCommand({})), { name: "InvalidClientTokenId" });
    const badSecret = `${MARKER}-not-the-secret-key`;
    secrets.set("wrong secret access key", badSecret);
    await assert.rejects(new STSClient(s.clientConfig({ accessKeyId: key.AccessKeyId!, secretAccessKey: badSecret })).send(new GetCallerIdentityCommand({})), { name: "SignatureDoesNotMatch" });

    const events: string[] = [];
    const trail = new CloudTrailClient(s.clientConfig());
    let token: string | undefined;
    do {
      const page = await trail.send(new LookupEventsCommand({ MaxResults: 50, NextToken: token }));
      events.push(...page.Events!.map((e) => e.CloudTrailEvent!));
      token = page.NextToken;
    } while (token);

    const running = new Map(readdirSync(s.dataDir).map((f) => [`${f} (running)`, readFileSync(path.join(s.dataDir, f)).toString("latin1")]));
    await s.stop();
    const stopped = new Map(readdirSync(s.dataDir).map((f) => [`${f} (stopped)`, readFileSync(path.join(s.dataDir, f)).toString("latin1")]));
    const places = new Map([...running, ...stopped, ["log", lines.join("")], ["CloudTrail events", events.join("\n")]]);

    assert.ok(running.has("bulwark.db-wal (running)"), "the write-ahead log is searched too");
    for (const where of ["bulwark.db (stopped)", "CloudTrail events"]) {
      assert.ok(places.get(where)!.includes(`${MARKER}-visible`), `the user name is found in ${where}`);
    }
    assert.ok(places.get("log")!.includes(key.AccessKeyId!), "the user's access key id is found in the log");
    assert.ok(lines.some((l) => l.includes('"msg":"authentication failed"')), "the log is at its most verbose level");
    const found: string[] = [];
    for (const [name, value] of secrets) {
      for (const form of formsOf(value)) {
        for (const [where, text] of places) if (text.includes(form)) found.push(`${name} in ${where}`);
      }
    }
    assert.deepEqual([...new Set(found)], []);
  } finally {
    await s.stop().catch(() => undefined);
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});
