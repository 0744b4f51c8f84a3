// What each node:crypto call on the KMS Encrypt request path costs by itself, on this machine's
// Node.js and OpenSSL: the fixed price of one authenticated, audited Encrypt before any of
// Bulwark's own code runs. Sizes are those of bench/kms.sh's Encrypt (256-byte plaintext, two-pair
// encryption context, ~1.4 KB CloudTrail event).
//
//   SigV4:  SHA-256 of the body, SHA-256 of the canonical request, HMAC-SHA256 of the string to
//           sign (the signing key is cached), a constant-time compare of the signature;
//   KMS:    AES-256-GCM of the plaintext with the blob header and context as AAD, 12 random bytes
//           for the IV (from a pool, as Bulwark draws them);
//   audit:  SHA-256 of prevHash ‖ event (the hash chain), two UUIDs (request id, event id).
//
// usage: taskset -c 0 node bench/node-crypto-calls.mjs [rounds=5] [calls-per-round=200000]
import { createCipheriv, createHmac, hash, randomBytes, randomFillSync, randomUUID, timingSafeEqual } from "node:crypto";

const ROUNDS = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 200_000);

const body = randomBytes(420); // the JSON body: KeyId ARN, base64 plaintext, context
const canonical = randomBytes(360).toString("hex").slice(0, 360); // canonical request text
const stringToSign = randomBytes(100).toString("hex"); // 200 characters
const signingKey = randomBytes(32);
const sigA = randomBytes(32);
const sigB = Buffer.from(sigA);
const key = randomBytes(32);
const iv = randomBytes(12);
const plaintext = randomBytes(256);
const aad = randomBytes(120);
const event = randomBytes(1480); // 64-byte prevHash slot + ~1.4 KB JSON
const pool = Buffer.alloc(12 * 4096);
let poolAt = pool.length;

const cases = {
  "SHA-256 of the body (hex)": () => hash("sha256", body, "hex"),
  "SHA-256 of the canonical request (hex)": () => hash("sha256", canonical, "hex"),
  "HMAC-SHA256 of the string to sign": () => createHmac("sha256", signingKey).update(stringToSign, "utf8").digest(),
  "timingSafeEqual of 32 bytes": () => timingSafeEqual(sigA, sigB),
  "AES-256-GCM of 256 bytes (init, AAD, update, final, tag)": () => {
    const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    c.update(plaintext);
    c.final();
    return c.getAuthTag();
  },
  "12 random bytes from a pool": () => {
    if (poolAt === pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    poolAt += 12;
    return pool.subarray(poolAt - 12, poolAt);
  },
  "SHA-256 of the audit event (hex)": () => hash("sha256", event, "hex"),
  "randomUUID x2": () => randomUUID() + randomUUID(),
};

const results = new Map(Object.keys(cases).map((k) => [k, []]));
for (const f of Object.values(cases)) for (let i = 0; i < 20_000; i++) f(); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    results.get(name).push(Number(process.hrtime.bigint() - t0) / N / 1000);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}; ${ROUNDS} rounds x ${N} calls; µs per call`);
let sumMin = 0;
let sumMed = 0;
for (const [name, xs] of results) {
  const min = Math.min(...xs);
  sumMin += min;
  sumMed += median(xs);
  console.log(`${name.padEnd(58)} min ${min.toFixed(2).padStart(6)}  median ${median(xs).toFixed(2).padStart(6)}`);
}
console.log(`${"one Encrypt's node:crypto calls".padEnd(58)} min ${sumMin.toFixed(2).padStart(6)}  median ${sumMed.toFixed(2).padStart(6)}`);
