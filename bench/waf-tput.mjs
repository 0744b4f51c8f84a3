#!/usr/bin/env node
// Runs the shared driver (`replay.mjs --throughput`: wrk with a benign, then an attack request)
// and accounts for CPU while each wrk run lasts, from /proc (Linux only):
//   - CPU time per request of the Bulwark server and of the upstream (both pinned to core 0);
//   - how much of each core the machine's other jobs took: the core's busy time (/proc/stat)
//     minus ours there (server + upstream on core 0, wrk on core 1). Kernel work for loopback
//     traffic is counted on the core where it ran, so a few % either way is normal.
// Prints the driver's lines, one CPU line per run, and writes everything to --json.
//
// usage: node bench/waf-tput.mjs --replay ../shared/waf-corpus/replay.mjs --server-pid N --upstream-pid N
//        --json out.json -- <replay.mjs --throughput arguments…>
// Run it pinned to the driver's core (taskset -c 1): wrk inherits the affinity.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const own = sep < 0 ? argv : argv.slice(0, sep);
const passthrough = sep < 0 ? [] : argv.slice(sep + 1);
const opt = (n) => {
  const i = own.indexOf(`--${n}`);
  return i >= 0 ? own[i + 1] : undefined;
};
const replay = opt("replay");
const serverPid = Number(opt("server-pid"));
const upstreamPid = Number(opt("upstream-pid"));
const jsonOut = opt("json");
if (!replay || !serverPid || !upstreamPid || !jsonOut) {
  console.error("usage: node bench/waf-tput.mjs --replay PATH --server-pid N --upstream-pid N --json FILE -- <replay.mjs arguments>");
  process.exit(2);
}
const HZ = 100; // USER_HZ: /proc times are in 1/100 s on Linux

function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
    return Number(f[11]) + Number(f[12]); // utime + stime (#14, #15)
  } catch {
    return undefined;
  }
}
function coreBusy() {
  const out = [0, 0];
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu([01]) (.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    out[Number(m[1])] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]; // user nice system irq softirq steal
  }
  return out;
}
function childrenNamed(pid, name) {
  const found = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      const ppid = Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && comm === name) found.push(Number(d));
    } catch {
      // raced with an exiting process
    }
  }
  return found;
}
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const snap = () => ({ t: performance.now(), busy: coreBusy(), server: procTicks(serverPid) ?? 0, upstream: procTicks(upstreamPid) ?? 0, loadavg: loadavg() });

const dir = mkdtempSync(join(tmpdir(), "waf-tput-"));
const driverJson = join(dir, "driver.json");
const child = spawn(process.execPath, [replay, "--throughput", ...passthrough, "--json", driverJson], { stdio: ["ignore", "pipe", "inherit"] });
let stdout = "";
child.stdout.on("data", (d) => (stdout += d));

// Poll every 50 ms: a wrk child appearing starts a run, its disappearance ends it.
const runs = [];
let cur;
const poll = setInterval(() => {
  const [wrk] = childrenNamed(child.pid, "wrk");
  if (wrk !== undefined && cur?.pid !== wrk) {
    if (cur) runs.push({ ...cur, end: snap() });
    cur = { pid: wrk, start: snap(), wrkTicks: 0 };
  }
  if (cur && wrk === cur.pid) cur.wrkTicks = procTicks(wrk) ?? cur.wrkTicks;
  if (cur && wrk === undefined) {
    runs.push({ ...cur, end: snap() });
    cur = undefined;
  }
}, 50);
const code = await new Promise((r) => child.on("close", r));
clearInterval(poll);
if (cur) runs.push({ ...cur, end: snap() });
process.stdout.write(stdout);
if (code !== 0) process.exit(code ?? 1);

const driver = JSON.parse(readFileSync(driverJson, "utf8"));
rmSync(dir, { recursive: true, force: true });
driver.runs.forEach((r, i) => {
  const c = runs[i];
  if (!c) return;
  const secs = (c.end.t - c.start.t) / 1000;
  const server = c.end.server - c.start.server;
  const upstream = c.end.upstream - c.start.upstream;
  const usPerReq = (ticks) => Math.round((ticks / HZ / r.requests) * 1e6);
  r.cpu = {
    seconds: Number(secs.toFixed(2)),
    server_us_per_req: usPerReq(server),
    upstream_us_per_req: usPerReq(upstream),
    other_jobs_core0_pct: Math.round(((c.end.busy[0] - c.start.busy[0] - server - upstream) / HZ / secs) * 100),
    other_jobs_core1_pct: Math.round(((c.end.busy[1] - c.start.busy[1] - c.wrkTicks) / HZ / secs) * 100),
    loadavg: c.end.loadavg,
  };
  console.log(
    `    ${r.name.padEnd(6)} cpu/request: server ${r.cpu.server_us_per_req} µs, upstream ${r.cpu.upstream_us_per_req} µs; other jobs: core 0 ${r.cpu.other_jobs_core0_pct}%, core 1 ${r.cpu.other_jobs_core1_pct}%; load average ${r.cpu.loadavg}`,
  );
});
writeFileSync(jsonOut, JSON.stringify(driver, null, 1));
