/**
 * Interoperability with OpenSSL (the `openssl` command line): signatures made by Bulwark's KMS
 * Sign verify with the GetPublicKey output (DER SubjectPublicKeyInfo → `openssl pkey`), and data
 * encrypted by `openssl pkeyutl -encrypt` (RSA OAEP SHA-256) decrypts through KMS Decrypt.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { CreateKeyCommand, DecryptCommand, GetPublicKeyCommand, SignCommand, GenerateDataKeyPairCommand, type KMSClient, type SigningAlgorithmSpec } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "../e2e/harness.js";
import { kmsClient } from "../e2e/kms-support.js";

let s: TestServer;
let kms: KMSClient;
let dir: string;
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-openssl-"));
});
after(async () => {
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function openssl(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const file = (name: string, data?: Buffer | string): string => {
  const p = path.join(dir, name);
  if (data !== undefined) writeFileSync(p, data);
  return p;
};

/** GetPublicKey's DER → PEM through `openssl pkey -pubin -inform DER`. */
async function publicPem(keyId: string, name: string): Promise<string> {
  const der = file(`${name}.der`, Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!));
  const pem = file(`${name}.pem`);
  const r = openssl(["pkey", "-pubin", "-inform", "DER", "-in", der, "-out", pem]);
  assert.equal(r.status, 0, r.stderr);
  return pem;
}

async function newKey(KeySpec: "RSA_2048" | "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_SECG_P256K1" | "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" | "ENCRYPT_DECRYPT") {
  return (await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata!;
}

test("openssl dgst -verify accepts KMS RSA (PKCS#1 v1.5 and PSS) and ECDSA signatures, and rejects a changed message", async () => {
  const msg = file("msg.txt", "signed by Bulwark KMS\n");
  const other = file("other.txt", "signed by Bulwark KMS!\n");
  const rsa = await newKey("RSA_2048", "SIGN_VERIFY");
  const cases: Array<[string, SigningAlgorithmSpec, string, string[]]> = [
    [rsa.KeyId!, "RSASSA_PKCS1_V1_5_SHA_256", "-sha256", []],
    [rsa.KeyId!, "RSASSA_PKCS1_V1_5_SHA_512", "-sha512", []],
    [rsa.KeyId!, "RSASSA_PSS_SHA_256", "-sha256", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]],
    [rsa.KeyId!, "RSASSA_PSS_SHA_384", "-sha384", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48"]],
    [(await newKey("ECC_NIST_P256", "SIGN_VERIFY")).KeyId!, "ECDSA_SHA_256", "-sha256", []],
    [(await newKey("ECC_NIST_P384", "SIGN_VERIFY")).KeyId!, "ECDSA_SHA_384", "-sha384", []],
    [(await newKey("ECC_SECG_P256K1", "SIGN_VERIFY")).KeyId!, "ECDSA_SHA_256", "-sha256", []],
  ];
  for (const [i, [keyId, alg, digest, opts]] of cases.entries()) {
    const pem = await publicPem(keyId, `sign-${i}`);
    const sig = await kms.send(new SignCommand({ KeyId: keyId, Message: readFileSync(msg), SigningAlgorithm: alg }));
    const sigFile = file(`sig-${i}.bin`, Buffer.from(sig.Signature!));
    const ok = openssl(["dgst", digest, ...opts, "-verify", pem, "-signature", sigFile, msg]);
    assert.equal(ok.status, 0, `${alg}: ${ok.stderr}`);
    assert.match(ok.stdout, /Verified OK/);
    const bad = openssl(["dgst", digest, ...opts, "-verify", pem, "-signature", sigFile, other]);
    assert.notEqual(bad.status, 0, `${alg} must not verify another message`);
    assert.match(bad.stdout, /Verification failure/i);
  }
});

test("openssl pkeyutl -verify -rawin accepts a KMS Ed25519 (ED25519_SHA_512) signature", async () => {
  const k = await newKey("ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
  const pem = await publicPem(k.KeyId!, "ed25519");
  const message = Buffer.from("pure EdDSA over the raw message");
  const msg = file("ed.txt", message);
  const sig = await kms.send(new SignCommand({ KeyId: k.KeyId, Message: message, SigningAlgorithm: "ED25519_SHA_512", MessageType: "RAW" }));
  const sigFile = file("ed.sig", Buffer.from(sig.Signature!));
  const r = openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", msg, "-sigfile", sigFile]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Signature Verified Successfully/);
});

test("data encrypted by openssl pkeyutl (RSA OAEP SHA-256) with the GetPublicKey key decrypts through KMS", async () => {
  const k = await newKey("RSA_2048", "ENCRYPT_DECRYPT");
  const pem = await publicPem(k.KeyId!, "rsa-enc");
  const plaintext = randomBytes(190); // the RSA_2048 + OAEP SHA-256 maximum
  const pt = file("pt.bin", plaintext);
  const ct = file("ct.bin");
  const r = openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", pem, "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", pt, "-out", ct]);
  assert.equal(r.status, 0, r.stderr);
  const d = await kms.send(new DecryptCommand({ KeyId: k.Arn, CiphertextBlob: readFileSync(ct), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
  assert.deepEqual(Buffer.from(d.Plaintext!), plaintext);
});

test("a GenerateDataKeyPair private key (PKCS#8 DER) is a key OpenSSL accepts and that matches the public key", async () => {
  const sym = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const p = await kms.send(new GenerateDataKeyPairCommand({ KeyId: sym.KeyId, KeyPairSpec: "ECC_NIST_P256" }));
  const privDer = file("dk.der", Buffer.from(p.PrivateKeyPlaintext!));
  const r = openssl(["pkey", "-inform", "DER", "-in", privDer, "-pubout", "-outform", "DER"]);
  // openssl writes binary DER to stdout: compare through a file instead of the utf8 stdout.
  const out = file("dk-pub.der");
  const r2 = openssl(["pkey", "-inform", "DER", "-in", privDer, "-pubout", "-outform", "DER", "-out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(readFileSync(out), Buffer.from(p.PublicKey!));
});
