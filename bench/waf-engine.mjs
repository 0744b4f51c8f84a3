#!/usr/bin/env node
// CPU cost of the WAF engine in process: µs of CPU per evaluate() of the web ACL the
// throughput benchmark attaches to a listener (bench/waf-proxy-setup.mjs), on
//   builtin - the replayer's built-in benign GET (what `replay.mjs --throughput` sends), repeated;
//   benign  - every line of benign.jsonl in turn (realistic variety: caches see new values);
//   attacks - the CRS v3.3.4 PL1 attack lines in turn.
// Each measurement is the process's CPU time (process.cpuUsage, user + system) over a fixed
// number of evaluations, repeated `--rounds` times; the median is reported. Several builds can
// be compared in one run (`--dist A --dist B`): their rounds are interleaved (A, B, A, B, …)
// so that load from elsewhere on the machine hits them alike.
//
//   npx tsc -p tsconfig.json
//   node bench/waf-engine.mjs [--groups core3|full] [--rounds 7] [--evals 20000] [--dist DIR …] [--cold]
// --cold forgets every remembered detector verdict before each evaluation (builds that keep
// verdicts across requests, src/dataplane/waf/verdicts.ts): the cost of a request
// whose values were never seen before.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/waf-engine.mjs --only benign --rounds 3
import { readFileSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CORE3, FULL, managedWebAcl } from "./managed-acl.mjs";
import { corpusRequestFactory } from "./corpus-request.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const all = (name) => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));
const corpusDir = opt("corpus", join(here, "..", "..", "shared", "waf-corpus"));
const rounds = Number(opt("rounds", "7"));
const evals = Number(opt("evals", "20000"));
const only = opt("only", undefined);
const cold = args.includes("--cold");
const groupsName = opt("groups", "core3");
const dists = all("dist").map((d) => resolve(d));
if (dists.length === 0) dists.push(join(here, "..", "dist"));

const GROUPS = groupsName === "full" ? FULL : CORE3;

// The same web ACL as waf-proxy-setup.mjs creates (Host_localhost_HEADER counted).
const acl = managedWebAcl("engine-bench", GROUPS, { sampled: true });

const load = (f) => readFileSync(join(corpusDir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const BUILTIN = {
  method: "GET",
  uri: "/api/v1/products?search=O%27Brien%20jacket&category=outerwear&page=2&sort=price_asc",
  headers: {
    Host: "shop.example.test",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    Accept: "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br",
    Cookie: "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark",
    Referer: "https://shop.example.test/search",
  },
  body: "",
};

// Built as the listener's inspectRequest builds it (bench/corpus-request.mjs).
const toRequest = (t) => corpusRequestFactory(t, { listener: true });

const sets = {
  builtin: [toRequest(BUILTIN)],
  benign: load("benign.jsonl").map(toRequest),
  attacks: load("crs-regression.jsonl").filter((r) => r.crs_pl === 1 && r.expect === "block").map(toRequest),
};

const engines = [];
for (const d of dists) {
  const waf = await import(pathToFileURL(join(d, "src", "dataplane", "waf", "index.js")).href);
  const evaluator = waf.compileWebAcl(acl, {
    resolver: waf.createStaticResolver(),
    rateCounter: waf.createLocalRateCounter(),
    clock: { now: () => Date.now() },
    tokenKey: Buffer.alloc(32, 7),
  });
  let forget = () => {};
  if (cold) {
    try {
      forget = (await import(pathToFileURL(join(d, "src", "dataplane", "waf", "verdicts.js")).href)).clearVerdicts;
    } catch {
      // a build without cross-request verdicts: nothing to forget
    }
  }
  engines.push({ dist: d, evaluator, forget });
}

async function measure({ evaluator, forget }, makers, n) {
  // Requests are built outside the measured span (the listener builds them before evaluate()).
  const reqs = new Array(n);
  for (let i = 0; i < n; i++) reqs[i] = makers[i % makers.length]();
  let allowed = 0;
  const c0 = process.cpuUsage();
  if (cold) {
    for (let i = 0; i < n; i++) {
      forget();
      if ((await evaluator.evaluate(reqs[i])).action === "ALLOW") allowed++;
    }
  } else for (let i = 0; i < n; i++) if ((await evaluator.evaluate(reqs[i])).action === "ALLOW") allowed++;
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / n, allowed };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`web ACL: ${GROUPS.join(" + ")}; ${rounds} rounds × ${evals} evaluations${cold ? ", verdicts forgotten before each" : ""}; node ${process.version}`);
for (const [name, makers] of Object.entries(sets)) {
  if (only && only !== name) continue;
  const per = engines.map(() => []);
  const allowed = engines.map(() => 0);
  for (const e of engines) await measure(e, makers, Math.min(evals, 5000)); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < engines.length; i++) {
      const m = await measure(engines[i], makers, evals);
      per[i].push(m.us);
      allowed[i] = m.allowed;
    }
  }
  engines.forEach((e, i) => {
    const xs = per[i];
    console.log(
      `${name.padEnd(8)} ${e.dist.padEnd(28)} median ${median(xs).toFixed(1).padStart(6)} µs/eval  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}; allowed ${((100 * allowed[i]) / evals).toFixed(1)}%)`,
    );
  });
}
