// Micro-benchmark of the KMS crypto core: SYMMETRIC_DEFAULT Encrypt + Decrypt of a 256-byte
// plaintext with a two-pair encryption context (blob build, AES-256-GCM, parse, decrypt).
// Build first (npx tsc -p tsconfig.json). usage: node bench/kms-crypto.mjs [seconds=3]
import { randomBytes } from "node:crypto";
import {
  decryptSymmetric,
  encryptSymmetric,
  generateKeyMaterial,
  newKeyMaterialId,
  parseCiphertextBlob,
} from "../dist/src/services/kms/crypto/index.js";

const seconds = Number(process.argv[2] ?? 3);
const material = generateKeyMaterial("SYMMETRIC_DEFAULT");
const input = {
  keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  materialId: newKeyMaterialId(),
  key: material.secret,
  plaintext: randomBytes(256),
  encryptionContext: { Department: "Engineering", Project: "Bulwark" },
};

function roundTrip() {
  const blob = encryptSymmetric(input);
  const out = decryptSymmetric(parseCiphertextBlob(blob), input.key, input.encryptionContext);
  if (out.length !== 256) throw new Error("round trip failed");
}

for (let i = 0; i < 20000; i++) roundTrip(); // warm-up (JIT, OpenSSL contexts)
let ops = 0;
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < end) {
  for (let i = 0; i < 1000; i++) roundTrip();
  ops += 1000;
  now = process.hrtime.bigint();
}
const elapsed = Number(now - start) / 1e9;
console.log(`symmetric encrypt+decrypt (256-byte plaintext, 2-pair context): ${Math.round(ops / elapsed).toLocaleString("en-US")} ops/s (${ops} ops in ${elapsed.toFixed(2)} s, ${((elapsed / ops) * 1e6).toFixed(2)} µs/op)`);
