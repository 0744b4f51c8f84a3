// In-process CPU cost of the KMS request handlers, without HTTP, SigV4 or audit: Encrypt
// (256-byte plaintext, two-pair encryption context), Decrypt and GenerateDataKey (AES_256)
// called through the service definition's handlers, as the gateway calls them, with a
// RequestContext whose authorize() is the production authoriser (key policy = the default
// policy, caller = an IAM user with an AdministratorAccess-like inline policy). Real SQLite
// (in memory), sealer, IAM directory and caches. Reports CPU µs per operation
// (process.cpuUsage, user + system) over several interleaved rounds, best and median.
// Build first (npx tsc -p tsconfig.json). usage: node bench/kms-handler.mjs [iterations=20000] [rounds=5]
import { randomBytes } from "node:crypto";
import { ACCOUNT, createKmsHarness } from "../dist/src/services/kms/testing/harness.js";

const iterations = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 5);
const h = createKmsHarness({ quotas: { symmetricRps: 1e9 } }); // quotas on, never reached
const admin = await h.user(ACCOUNT, "bench-admin", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
const ops = h.kms.definition.operations;
const root = h.root();
const key = (await ops.CreateKey.handler({ Description: "bench" }, h.ctx(root))).KeyMetadata;
const context = { Department: "Engineering", Project: "Bulwark" };
const plaintext = new Uint8Array(randomBytes(256));
const blob = (await ops.Encrypt.handler({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: context }, h.ctx(admin))).CiphertextBlob;

// A fresh context per call, as the pipeline builds one per request.
const cases = {
  Encrypt: () => ops.Encrypt.handler({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: { ...context } }, h.ctx(admin)),
  Decrypt: () => ops.Decrypt.handler({ CiphertextBlob: blob, EncryptionContext: { ...context } }, h.ctx(admin)),
  GenerateDataKey: () => ops.GenerateDataKey.handler({ KeyId: key.Arn, KeySpec: "AES_256", EncryptionContext: { ...context } }, h.ctx(admin)),
};

async function run(fn, n) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

for (const fn of Object.values(cases)) await run(fn, 5000); // warm-up (JIT, caches)
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) for (const [name, fn] of Object.entries(cases)) results[name].push(await run(fn, iterations));
for (const [name, xs] of Object.entries(results)) {
  const s = [...xs].sort((a, b) => a - b);
  console.log(`${name.padEnd(16)} best ${s[0].toFixed(2)} µs/op  median ${s[Math.floor(s.length / 2)].toFixed(2)} µs/op  (${rounds} × ${iterations})`);
}
await h.close();
