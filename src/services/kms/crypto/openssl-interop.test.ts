/**
 * Interoperability with the OpenSSL command-line tool: what KMS clients do offline with the
 * GetPublicKey output must work with our signatures, ciphertexts, shared secrets and import
 * wrapping. Skipped (with a message) only when no `openssl` binary is on PATH.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { decryptAsymmetric, sign } from "./asymmetric.js";
import { generateWrappingKeyPair, unwrapKeyMaterial } from "./import.js";
import { deriveSharedSecret } from "./key-agreement.js";
import { generateKeyMaterial, generateKeyMaterialAsync, type KeyMaterial } from "./material.js";
import { decodePqSpki } from "./pq.js";

function opensslVersion(): string | undefined {
  try {
    return execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}
const VERSION = opensslVersion();
const SKIP = VERSION ? false : "openssl binary not found on PATH: OpenSSL interop tests skipped";
const HAS_ML_DSA =
  !!VERSION && /ML-DSA/i.test(execFileSync("openssl", ["list", "-signature-algorithms"], { encoding: "utf8" }));

let dir = "";
const file = (name: string, data?: Buffer): string => {
  const p = join(dir, name);
  if (data) writeFileSync(p, data);
  return p;
};
/** True when openssl exits 0 (verification commands exit 1 on a bad signature). */
function openssl(args: string[]): boolean {
  try {
    execFileSync("openssl", args, { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

const MESSAGE = Buffer.from("Signed by Bulwark KMS, verified by OpenSSL.");
let rsa: KeyMaterial;

before(async () => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), "bulwark-kms-openssl-"));
  rsa = await generateKeyMaterialAsync("RSA_2048");
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function flip(b: Buffer): Buffer {
  const t = Buffer.from(b);
  t[t.length >> 1] = (t[t.length >> 1] as number) ^ 0x01;
  return t;
}

describe("OpenSSL verifies signatures made with the GetPublicKey SPKI", { skip: SKIP }, () => {
  test("RSASSA-PSS (salt = hash length) and PKCS#1 v1.5, RAW and DIGEST", () => {
    const pub = file("rsa.der", rsa.publicDer);
    const msg = file("msg", MESSAGE);
    for (const bits of [256, 384, 512] as const) {
      const md = `sha${bits}`;
      const dg = file(`dg${bits}`, createHash(md).update(MESSAGE).digest());
      for (const messageType of ["RAW", "DIGEST"] as const) {
        const message = messageType === "RAW" ? MESSAGE : readFileSync(dg);
        const pss = sign({ material: rsa, algorithm: `RSASSA_PSS_SHA_${bits}`, messageType, message });
        const pkcs1 = sign({ material: rsa, algorithm: `RSASSA_PKCS1_V1_5_SHA_${bits}`, messageType, message });
        const pssArgs = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", `rsa_pss_saltlen:${bits / 8}`];
        const ok = (sig: Buffer, extra: string[]): boolean =>
          openssl(["dgst", `-${md}`, ...extra, "-verify", pub, "-keyform", "DER", "-signature", file("sig", sig), msg]);
        assert.equal(ok(pss, pssArgs), true, `PSS ${bits} ${messageType}`);
        assert.equal(ok(pkcs1, []), true, `PKCS1 ${bits} ${messageType}`);
        assert.equal(ok(flip(pss), pssArgs), false, "negative control");
        // pkeyutl on the digest itself (what clients of MessageType DIGEST run).
        const onDigest = (sig: Buffer, pad: string[]): boolean =>
          openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-keyform", "DER", "-in", dg, "-sigfile", file("sig2", sig), "-pkeyopt", `digest:${md}`, ...pad]);
        assert.equal(onDigest(pss, ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", `rsa_pss_saltlen:${bits / 8}`]), true, `pkeyutl PSS ${bits} ${messageType}`);
        assert.equal(onDigest(pkcs1, ["-pkeyopt", "rsa_padding_mode:pkcs1"]), true, `pkeyutl PKCS1 ${bits} ${messageType}`);
      }
    }
  });

  test("ECDSA on P-256, P-384, P-521 and secp256k1 (DER signatures)", () => {
    const msg = file("msg", MESSAGE);
    for (const [spec, alg, md] of [
      ["ECC_NIST_P256", "ECDSA_SHA_256", "sha256"],
      ["ECC_NIST_P384", "ECDSA_SHA_384", "sha384"],
      ["ECC_NIST_P521", "ECDSA_SHA_512", "sha512"],
      ["ECC_SECG_P256K1", "ECDSA_SHA_256", "sha256"],
    ] as const) {
      const m = generateKeyMaterial(spec);
      const pub = file(`${spec}.der`, m.publicDer);
      const sig = sign({ material: m, algorithm: alg, message: MESSAGE });
      assert.equal(openssl(["dgst", `-${md}`, "-verify", pub, "-keyform", "DER", "-signature", file("sig", sig), msg]), true, spec);
      assert.equal(openssl(["dgst", `-${md}`, "-verify", pub, "-keyform", "DER", "-signature", file("sig", flip(sig)), msg]), false, `${spec} negative`);
    }
  });

  test("Ed25519 (ED25519_SHA_512 over the raw message)", () => {
    const m = generateKeyMaterial("ECC_NIST_EDWARDS25519");
    const pub = file("ed.der", m.publicDer);
    const msg = file("msg", MESSAGE);
    const sig = sign({ material: m, algorithm: "ED25519_SHA_512", message: MESSAGE });
    assert.equal(openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-keyform", "DER", "-rawin", "-in", msg, "-sigfile", file("sig", sig)]), true);
    assert.equal(openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-keyform", "DER", "-rawin", "-in", msg, "-sigfile", file("sig", flip(sig))]), false);
  });

  test(
    "ML-DSA: OpenSSL verification",
    { skip: !HAS_ML_DSA && `${VERSION ?? "OpenSSL"} has no ML-DSA (needs 3.5+); covered by @noble verify on the parsed SPKI below` },
    () => {
      const m = generateKeyMaterial("ML_DSA_65");
      const pub = file("mldsa.der", m.publicDer);
      const sig = sign({ material: m, algorithm: "ML_DSA_SHAKE_256", message: MESSAGE });
      assert.equal(openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-keyform", "DER", "-rawin", "-in", file("msg", MESSAGE), "-sigfile", file("sig", sig)]), true);
    },
  );
});

describe("ML-DSA without OpenSSL", () => {
  test("@noble verifies our signature with the key parsed back from our SPKI", () => {
    const m = generateKeyMaterial("ML_DSA_44");
    const raw = decodePqSpki("ML_DSA_44", m.publicDer as Buffer);
    assert.ok(raw);
    const sig = sign({ material: m, algorithm: "ML_DSA_SHAKE_256", message: MESSAGE });
    assert.equal(ml_dsa44.verify(sig, MESSAGE, raw), true);
    assert.equal(ml_dsa44.verify(sig, Buffer.from("other"), raw), false);
  });
});

describe("OpenSSL-made ciphertexts and secrets", { skip: SKIP }, () => {
  test("openssl pkeyutl -encrypt with RSA-OAEP SHA-1 and SHA-256 decrypts with our code", () => {
    const pub = file("rsa.der", rsa.publicDer);
    for (const [alg, md] of [["RSAES_OAEP_SHA_1", "sha1"], ["RSAES_OAEP_SHA_256", "sha256"]] as const) {
      const pt = randomBytes(alg === "RSAES_OAEP_SHA_1" ? 214 : 190);
      const ct = file("ct");
      const ok = openssl([
        "pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-keyform", "DER", "-in", file("pt", pt), "-out", ct,
        "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${md}`, "-pkeyopt", `rsa_mgf1_md:${md}`,
      ]);
      assert.equal(ok, true, alg);
      assert.deepEqual(decryptAsymmetric({ material: rsa, algorithm: alg, ciphertext: readFileSync(ct) }), pt, alg);
    }
  });

  test("ECDH: openssl pkeyutl -derive matches DeriveSharedSecret on P-256/P-384/P-521", () => {
    for (const [spec, curve] of [["ECC_NIST_P256", "prime256v1"], ["ECC_NIST_P384", "secp384r1"], ["ECC_NIST_P521", "secp521r1"]] as const) {
      const m = generateKeyMaterial(spec);
      const peer = generateKeyPairSync("ec", { namedCurve: curve });
      const peerKey = file("peer.der", peer.privateKey.export({ type: "pkcs8", format: "der" }));
      const out = file("secret");
      assert.equal(openssl(["pkeyutl", "-derive", "-inkey", peerKey, "-keyform", "DER", "-peerkey", file("kms.der", m.publicDer), "-peerform", "DER", "-out", out]), true, spec);
      const ours = deriveSharedSecret({ material: m, algorithm: "ECDH", publicKey: peer.publicKey.export({ type: "spki", format: "der" }) });
      assert.deepEqual(ours, readFileSync(out), spec);
    }
  });

  test("import: key material wrapped with the documented OpenSSL commands unwraps (RSAES_OAEP and RSA_AES_KEY_WRAP)", () => {
    const wrapping = generateWrappingKeyPair("RSA_2048");
    const pub = file("wrap.der", wrapping.publicDer);
    const material = randomBytes(32);
    const matFile = file("material", material);
    const oaep = (md: string, input: string, out: string): boolean =>
      openssl([
        "pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-keyform", "DER", "-in", input, "-out", out,
        "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${md}`, "-pkeyopt", `rsa_mgf1_md:${md}`,
      ]);
    assert.equal(oaep("sha256", matFile, file("direct")), true);
    assert.deepEqual(
      unwrapKeyMaterial({ wrappingPrivateDer: wrapping.privateDer, wrappingAlgorithm: "RSAES_OAEP_SHA_256", encryptedKeyMaterial: readFileSync(file("direct")) }),
      material,
    );
    for (const [alg, md] of [["RSA_AES_KEY_WRAP_SHA_1", "sha1"], ["RSA_AES_KEY_WRAP_SHA_256", "sha256"]] as const) {
      const aes = randomBytes(32);
      assert.equal(
        openssl(["enc", "-id-aes256-wrap-pad", "-K", aes.toString("hex"), "-iv", "A65959A6", "-in", matFile, "-out", file("wrapped-material")]),
        true,
      );
      assert.equal(oaep(md, file("aes", aes), file("wrapped-aes")), true);
      const blob = Buffer.concat([readFileSync(file("wrapped-aes")), readFileSync(file("wrapped-material"))]);
      assert.deepEqual(unwrapKeyMaterial({ wrappingPrivateDer: wrapping.privateDer, wrappingAlgorithm: alg, encryptedKeyMaterial: blob }), material, alg);
    }
  });
});
