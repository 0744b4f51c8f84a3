// Report for bench/perf-server.sh. Two steps, because `perf script` names JavaScript frames from
// node's /tmp/perf-PID.map as it runs:
//
//   node bench/perf-report.mjs map /tmp/perf-PID.map
//     rewrites the map keeping, of entries whose address ranges overlap, the one written last
//     (V8 reuses the addresses of code it freed; perf would otherwise name a sample after the
//     first code object ever placed there);
//   perf script -F tid,ip,sym | node bench/perf-report.mjs report MAIN-TID [top=30]
//     reads the samples (a tid line, then one frame per line, leaf first) and prints the share of
//     samples by thread, the request path's own functions (dist/src, inclusive of what they
//     call, event loop only) and the symbols most often at the leaf.
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const [mode, arg, topArg] = process.argv.slice(2);

if (mode === "map") {
  const entries = readFileSync(arg, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [a, s] = l.split(" ");
      return { start: parseInt(a, 16), end: parseInt(a, 16) + parseInt(s, 16), line: l };
    });
  // Latest first; an entry is kept when no later-written kept entry overlaps it.
  const kept = [];
  const sorted = []; // kept ranges by start, for the overlap test
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].start < e.start) lo = mid + 1;
      else hi = mid;
    }
    const before = sorted[lo - 1];
    const after = sorted[lo];
    if ((before && before.end > e.start) || (after && after.start < e.end)) continue;
    sorted.splice(lo, 0, e);
    kept.push(e);
  }
  writeFileSync(arg, sorted.map((e) => e.line).join("\n") + "\n");
  console.error(`perf map: ${entries.length} entries, ${kept.length} kept`);
} else if (mode === "report") {
  const mainTid = arg;
  const top = Number(topArg ?? 30);
  const samples = [];
  let cur;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "") continue;
    if (line[0] !== "\t" && line[0] !== " ") {
      cur = { tid: line.trim(), frames: [] };
      samples.push(cur);
      continue;
    }
    const m = /^\s*[0-9a-f]+\s+(.*)$/.exec(line);
    if (m && cur) cur.frames.push(m[1].replace(/\+0x[0-9a-f]+$/, ""));
  }
  const total = samples.length;
  const pct = (n) => `${((100 * n) / total).toFixed(2).padStart(6)} %`;
  const short = (f) => f.replace(/file:\/\/\/\S*?\/dist\/src\//, "").replace(/ node:internal\//, " node:");

  const role = (s) => {
    if (s.tid === mainTid) return "event loop (main thread)";
    if (s.frames.some((f) => f.includes("audit-append-worker"))) return "audit writer thread";
    if (s.frames.some((f) => f.includes("checkpoint-worker"))) return "WAL checkpointer thread";
    if (s.frames.some((f) => f.includes("Worker::Run"))) return "audit writer or checkpointer, outside their JavaScript";
    return "V8 and libuv helper threads";
  };
  const byRole = new Map();
  for (const s of samples) byRole.set(role(s), (byRole.get(role(s)) ?? 0) + 1);
  console.log(`\n${total} samples, by thread:`);
  for (const [r, n] of [...byRole].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)}  ${r}`);

  const inclusive = new Map();
  for (const s of samples) {
    if (s.tid !== mainTid) continue;
    const seen = new Set();
    for (const f of s.frames) {
      if (!f.startsWith("JS:") || !f.includes("/dist/src/") || seen.has(f)) continue;
      seen.add(f);
      inclusive.set(f, (inclusive.get(f) ?? 0) + 1);
    }
  }
  console.log(`\nrequest path (event loop), inclusive:`);
  for (const [f, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${short(f)}`);

  const leaf = new Map();
  for (const s of samples) {
    const f = s.frames[0] ?? "?";
    leaf.set(f, (leaf.get(f) ?? 0) + 1);
  }
  console.log(`\nleaf symbols, every thread:`);
  for (const [f, n] of [...leaf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${short(f).slice(0, 140)}`);
} else {
  console.error("usage: node bench/perf-report.mjs map <perf-PID.map> | report <main-tid> [top] < perf-script-output");
  process.exit(2);
}
