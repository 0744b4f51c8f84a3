#!/usr/bin/env node
// Compares a replay through a listener (bench/waf-proxy.sh's JSON summary + miss list) with the
// in-process evaluation bench/waf-accuracy.mjs does, request by request, for the same rule groups.
// Prints every corpus line whose verdict differs, with the listener's status and the rules that
// matched in process; and, for lines both miss, the count.
//
//   npx tsc -p tsconfig.json
//   WAF_BENCH_OUT=/tmp/waf bash bench/waf-proxy.sh 20 "32 1" replay
//   node bench/waf-proxy-diff.mjs /tmp/waf full-v3-pl1 [--variant accuracy|listener]
//
// <out-dir> holds setup.json (the groups of each web ACL) and <name>.json / <name>.misses.jsonl
// from the replayer; <name> starts with the web ACL's key (full-…, core3-…).
// --variant listener builds the request the way the listener's inspectRequest does for the
// fields the corpus does not fix (httpVersion "HTTP/1.1", client IP 127.0.0.1, body cut at the
// 8 KiB inspection limit); the default (accuracy) builds it exactly as waf-accuracy.mjs does.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { managedWebAcl } from "./managed-acl.mjs";
import { corpusRequestFactory } from "./corpus-request.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const waf = await import(join(here, "..", "dist", "src", "dataplane", "waf", "index.js"));
const [outDir, name] = process.argv.slice(2);
if (!outDir || !name) {
  console.error("usage: node bench/waf-proxy-diff.mjs <out-dir> <replay-name> [--variant accuracy|listener]");
  process.exit(2);
}
const vi = process.argv.indexOf("--variant");
const variant = vi > 0 ? process.argv[vi + 1] : "accuracy";
const setup = JSON.parse(readFileSync(join(outDir, "setup.json"), "utf8"));
const aclKey = name.split("-")[0];
const groups = setup.groups[aclKey];
if (!groups) throw new Error(`no web ACL "${aclKey}" in setup.json`);
const summary = JSON.parse(readFileSync(join(outDir, `${name}.json`), "utf8"));
const listenerMisses = new Map(
  readFileSync(join(outDir, `${name}.misses.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).map((m) => [m.id, m]),
);

const evaluator = waf.compileWebAcl(
  managedWebAcl("diff", groups),
  { resolver: waf.createStaticResolver(), rateCounter: waf.createLocalRateCounter(), clock: { now: () => Date.now() }, tokenKey: Buffer.alloc(32, 7) },
);

const toRequest = (t) => corpusRequestFactory(t, { listener: variant === "listener" })();

const filter = summary.filter ? new Function("r", `return (${summary.filter});`) : () => true;
const lines = summary.corpus.flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))).filter(filter);
const blockStatus = 403;
let bothMiss = 0;
const diffs = [];
for (const t of lines) {
  const d = await evaluator.evaluate(toRequest(t));
  const inProcess = d.action !== "ALLOW";
  const m = listenerMisses.get(t.id);
  // The miss list holds attacks that were not blocked and pass lines that were blocked.
  const listener = t.expect === "block" ? !m : m !== undefined;
  const status = m ? m.status : t.expect === "block" ? blockStatus : "not 403";
  if (inProcess === listener) {
    if (t.expect === "block" && !listener) bothMiss++;
    continue;
  }
  const rules = d.matchedRules.filter((r) => r.action !== "COUNT").map((r) => (r.ruleGroupId ? `${r.ruleGroupId}/` : "") + r.ruleId);
  diffs.push({ id: t.id, expect: t.expect, listener: listener ? "blocked" : "passed", status, error: m?.error, inProcess: inProcess ? `blocked (${rules.join(", ")})` : "passed", method: t.method, uri: t.uri.slice(0, 120) });
}
console.log(`${name}: ${lines.length} lines, web ACL ${aclKey} (${groups.length} groups), in-process variant ${variant}`);
console.log(`verdicts differ on ${diffs.length}; attacks both miss: ${bothMiss}`);
for (const x of diffs) console.log(JSON.stringify(x));
