// Per-request instructions from a callgrind_annotate listing of `requests` pipeline requests (see
// bench/callgrind-pipeline.sh): by kind of code, then by function.
// usage: node bench/callgrind-report.mjs <listing> <requests> [top=25] [label]
import { readFileSync } from "node:fs";

const [listing, requests, topArg, label = ""] = process.argv.slice(2);
const n = Number(requests);
const top = Number(topArg ?? 25);

/** function → instructions, from `callgrind_annotate` (one line per function: "  12,345 (0.10%)  file:fn [object]"). */
const per = new Map();
for (const line of readFileSync(listing, "utf8").split("\n")) {
  const r = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
  if (r === null || r[2].includes("PROGRAM TOTALS")) continue;
  per.set(r[2], (per.get(r[2]) ?? 0) + Number(r[1].replaceAll(",", "")) / n);
}

// The first kind whose pattern matches a function's name (with its object file) is its kind.
const KINDS = [
  ["SHA-256 (OpenSSL)", /sha256/i],
  ["AES-GCM (OpenSSL)", /aes|gcm|ghash|gf_mul/i],
  ["other OpenSSL", /OPENSSL|EVP_|ossl_|CRYPTO_|HMAC|BN_|RAND_|OSSL_|lh_/],
  ["SQLite (audit writer)", /better_sqlite3|sqlite/],
  ["V8 garbage collector", /Scaveng|Marking|Sweep|Heap::|MemoryChunk|Evacuat|RememberedSet|SlotSet|GCTracer|MarkCompact|ArrayBufferSweeper|ArrayBufferExtension/],
  ["V8 compilers and parser", /compiler::|maglev|interpreter::|Parser|Scanner|AstValue|Bytecode/],
  ["JIT-compiled JavaScript", /^\?\?\?:0x/],
  ["V8 builtins", /Builtins_/],
  ["strings (V8, node)", /String|Utf8|utf8|simdutf/],
  ["malloc / free", /malloc|free|operator new|operator delete/],
  ["memcpy / memset / memcmp", /memmove|memcpy|memset|memcmp|memchr|strlen|strcmp/],
];

const all = [...per.values()].reduce((s, x) => s + x, 0);
const kinds = new Map();
for (const [k, x] of per) {
  const kind = KINDS.find(([, re]) => re.test(k))?.[0] ?? "other (V8 runtime, node, libc)";
  kinds.set(kind, (kinds.get(kind) ?? 0) + x);
}
const count = (x) => Math.round(x).toLocaleString("en").padStart(9);
const pct = (x) => `${((100 * x) / all).toFixed(1).padStart(5)} %`;
// V8 optimises a function now and then long after the warm-up (a few dozen in 80,000 requests of an
// ordinary run, the writer thread's and timers' included), and a major collection lands in a counted
// round or not: a round of a few thousand requests catches either or both, each worth several per
// cent. The steady figure to compare builds by is the total without the two; what the collector
// costs in the long run follows the bytes allocated (bench/README.md has how to count them).
const compilers = kinds.get("V8 compilers and parser") ?? 0;
const gc = kinds.get("V8 garbage collector") ?? 0;
const total = (x) => Math.round(x).toLocaleString("en");
console.log(`${label} ${total(all - compilers - gc)} instructions per request without V8's compilers and collector; ${total(all - compilers)} with the collector, ${total(all)} with both (every thread, ${n} requests counted)`);
for (const [kind, x] of [...kinds].sort((p, q) => q[1] - p[1])) console.log(`${count(x)} ${pct(x)}  ${kind}`);
console.log(`\nlargest functions:`);
for (const [k, x] of [...per].sort((p, q) => q[1] - p[1]).slice(0, top)) {
  console.log(`${count(x)} ${pct(x)}  ${k.replace(/ \[\/usr\/bin\/node\]$/, "").slice(0, 140)}`);
}
