#!/usr/bin/env node
// WAF accuracy and speed on the shared corpus (../shared/waf-corpus, not copied into the repo).
//
//   npm run build && node bench/waf-accuracy.mjs [--corpus DIR] [--misses CATEGORY] [--fps]
//
// Builds one InspectedRequest per corpus line and evaluates, in-process, a web ACL made of
// AWSManagedRulesCommonRuleSet + SQLiRuleSet + KnownBadInputsRuleSet + Linux + Unix + Windows +
// PHP. Host_localhost_HEADER is overridden to Count: every CRS test request carries
// "Host: localhost", so leaving it on would block the whole CRS corpus and measure nothing.
// Prints detection on CRS PL1 "block" tests (v3.3.4 and, as an overfitting check, v4),
// the false-positive rate on benign.jsonl (with and without hard-*), by category, and speed.
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { managedWebAcl } from "./managed-acl.mjs";
import { corpusRequestFactory } from "./corpus-request.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const waf = await import(join(here, "..", "dist", "src", "dataplane", "waf", "index.js"));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const corpusDir = opt("--corpus") ?? join(here, "..", "..", "shared", "waf-corpus");
const showMisses = opt("--misses");
const showFps = args.includes("--fps");
if (!existsSync(join(corpusDir, "benign.jsonl"))) {
  console.error(`corpus not found at ${corpusDir} (use --corpus DIR)`);
  process.exit(2);
}

const GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesSQLiRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesLinuxRuleSet",
  "AWSManagedRulesUnixRuleSet",
  "AWSManagedRulesWindowsRuleSet",
  "AWSManagedRulesPHPRuleSet",
];
const acl = managedWebAcl("bench", GROUPS);
const evaluator = waf.compileWebAcl(acl, {
  resolver: waf.createStaticResolver(),
  rateCounter: waf.createLocalRateCounter(),
  clock: { now: () => Date.now() },
  tokenKey: Buffer.alloc(32, 7),
});

function load(file) {
  return readFileSync(join(corpusDir, file), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
const toRequest = (t) => corpusRequestFactory(t)();

async function run(file, filter) {
  const lines = load(file).filter(filter);
  const byCat = new Map();
  const misses = [];
  for (const t of lines) {
    const d = await evaluator.evaluate(toRequest(t));
    const blocked = d.action !== "ALLOW";
    const c = byCat.get(t.category) ?? { n: 0, blocked: 0 };
    c.n++;
    if (blocked) c.blocked++;
    byCat.set(t.category, c);
    misses.push({ t, blocked, rules: d.matchedRules.map((m) => m.ruleId).join(",") });
  }
  return { byCat, misses, total: lines.length, blocked: [...byCat.values()].reduce((a, c) => a + c.blocked, 0) };
}
const pct = (a, b) => (b === 0 ? "-" : ((100 * a) / b).toFixed(1) + "%");
function table(title, r) {
  console.log(`\n${title}: ${r.blocked}/${r.total} blocked (${pct(r.blocked, r.total)})`);
  for (const [cat, c] of [...r.byCat.entries()].sort()) console.log(`  ${cat.padEnd(28)} ${String(c.blocked).padStart(4)}/${String(c.n).padEnd(4)} ${pct(c.blocked, c.n).padStart(7)}`);
}

const isPl1Attack = (t) => t.crs_pl === 1 && t.expect === "block" && !t.needs_reflecting_backend;
const v3 = await run("crs-regression.jsonl", isPl1Attack);
table("CRS v3.3.4 PL1 attacks (detection)", v3);
const v4 = await run("crs-regression-v4.jsonl", isPl1Attack);
table("CRS v4 PL1 attacks (detection, cross-check)", v4);
const benign = await run("benign.jsonl", () => true);
table("benign.jsonl (false positives)", benign);
const hard = [...benign.byCat.entries()].filter(([c]) => c.startsWith("hard-")).reduce((a, [, c]) => ({ n: a.n + c.n, b: a.b + c.blocked }), { n: 0, b: 0 });
console.log(`  FP rate with hard-*: ${pct(benign.blocked, benign.total)}; without hard-*: ${pct(benign.blocked - hard.b, benign.total - hard.n)}`);

if (showMisses) {
  for (const r of [v3, v4]) for (const m of r.misses) if (!m.blocked && m.t.category.startsWith(showMisses)) console.log("MISS", m.t.id, m.t.method, m.t.uri.slice(0, 150), JSON.stringify(m.t.body ?? "").slice(0, 150));
}
if (showFps) for (const m of benign.misses) if (m.blocked) console.log("FP", m.t.id, m.rules, m.t.uri.slice(0, 100), JSON.stringify(m.t.body ?? "").slice(0, 200));

// Speed: evaluate the benign + v3 requests repeatedly, one core, sequentially.
const sample = [...load("benign.jsonl"), ...load("crs-regression.jsonl")].map(toRequest);
const lat = [];
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < 3000) {
  for (const req of sample) {
    const s = performance.now();
    await evaluator.evaluate(req);
    lat.push(performance.now() - s);
    n++;
  }
}
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(3);
console.log(`\nspeed: ${Math.round(n / secs)} evaluations/s on one core (${n} evaluations), latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
