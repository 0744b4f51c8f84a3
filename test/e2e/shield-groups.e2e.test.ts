/**
 * Shield Advanced protection groups with real traffic: three load balancers, each in front of
 * a local upstream, protected and combined by a SUM protection group. The group (Pattern ALL)
 * is created while only the first is protected, so the others join it when they are protected.
 * A flood split between their listeners stays well under each load balancer's own threshold
 * (the requests-per-second floor) but not under the group's: an attack is recorded for each
 * of them (ListAttacks / DescribeAttack), without automatic mitigation, and ends with the flood.
 * Detection windows are shortened through BULWARK_SHIELD_DETECTION_*.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ShieldClient,
  CreateSubscriptionCommand,
  CreateProtectionCommand,
  CreateProtectionGroupCommand,
  ListResourcesInProtectionGroupCommand,
  ListAttacksCommand,
  DescribeAttackCommand,
  type AttackSummary,
} from "@aws-sdk/client-shield";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { fastShieldDetectionEnv, loadBalancerInFront } from "./dataplane-support.js";

/** Detection floor (requests per second) of each load balancer and of the group. */
const FLOOR_RPS = 15;
/**
 * Requests per second sent to each load balancer: 10, under the floor alone, 30 together;
 * each is also well above its share of the group's threshold (15 ÷ 3). The pace is modest and
 * the margins wide so that a busy machine keeps it up, from the flood's first second on.
 */
const RATE = 10;
const NAMES = ["blue", "green", "gray"];
const WORKERS_PER_LB = 2;
const MAX_REQUESTS = NAMES.length * RATE * 20;

let s: TestServer;
let upstream: http.Server;
let shield: ShieldClient;
const lbs: Array<{ arn: string; port: number; path: string }> = [];

function get(agent: http.Agent | false, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, agent, headers: { "user-agent": "group-flood/1.0" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  s = await startTestServer({ env: fastShieldDetectionEnv(FLOOR_RPS) });
  upstream = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  for (const name of NAMES) {
    const { lbArn: arn, port } = await loadBalancerInFront(elb, name, (upstream.address() as AddressInfo).port);
    lbs.push({ arn, port, path: `/${name}` });
  }

  shield = new ShieldClient(s.clientConfig());
  await shield.send(new CreateSubscriptionCommand({}));
  await shield.send(new CreateProtectionCommand({ Name: "blue", ResourceArn: lbs[0]!.arn }));
  await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "site", Aggregation: "SUM", Pattern: "ALL" }));
  // Protected after the group exists: Pattern ALL takes them in.
  for (const l of lbs.slice(1)) await shield.send(new CreateProtectionCommand({ Name: l.path.slice(1), ResourceArn: l.arn }));
});

after(async () => {
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await s?.destroy();
});

test("a flood too small for any of three load balancers alone is detected by their SUM protection group: an attack on each", async () => {
  const members = (await shield.send(new ListResourcesInProtectionGroupCommand({ ProtectionGroupId: "site" }))).ResourceArns;
  assert.deepEqual(members, lbs.map((l) => l.arn).sort());
  // Warm-up at a trickle (it becomes the baseline): connections are open and code paths hot
  // before the flood, so its first second already has its full pace.
  const agents = lbs.map(() => new http.Agent({ keepAlive: true, maxSockets: WORKERS_PER_LB }));
  for (let round = 0; round < 3; round++) {
    for (const [i, l] of lbs.entries()) assert.equal(await get(agents[i]!, l.port, "/warm-up"), 200);
    await new Promise((r) => setTimeout(r, 1000));
  }

  // Start at the top of a second (the server's clock is this process's), so the flood's
  // first second is a full one.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  const started = Date.now();
  let sent = 0;
  let failed = 0;
  let stop = false;
  const worker = async (i: number): Promise<void> => {
    const lb = lbs[i % lbs.length]!;
    const agent = agents[i % lbs.length]!;
    let mine = 0;
    while (!stop && sent < MAX_REQUESTS && Date.now() - started < 20_000) {
      // Each load balancer gets RATE requests per second, spread over its workers; a worker
      // that fell behind (a busy machine) does not catch up in a burst above the floor.
      const due = ((Date.now() - started) * RATE) / (1000 * WORKERS_PER_LB);
      if (mine >= due) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      if (due - mine > 1) mine = Math.ceil(due) - 1;
      mine++;
      sent++;
      if ((await get(agent, lb.port, lb.path).catch(() => 0)) !== 200) failed++;
    }
  };
  const workers = Array.from({ length: lbs.length * WORKERS_PER_LB }, (_, i) => worker(i));
  let during: AttackSummary[] = [];
  try {
    during = await eventually(async () => {
      during = (await shield.send(new ListAttacksCommand({}))).AttackSummaries ?? [];
      return lbs.every((l) => during.some((a) => a.ResourceArn === l.arn)) ? during : undefined;
    }, 15_000, 100);
  } catch {
    throw new Error(`no attack on every load balancer after ${sent} requests (${failed} not answered 200) in ${Date.now() - started} ms; attacks on: ${during.map((a) => a.ResourceArn).join(", ") || "none"}`);
  } finally {
    stop = true;
    await Promise.all(workers);
    for (const a of agents) a.destroy();
  }
  assert.ok(sent <= MAX_REQUESTS);
  // ListAttacks lists the newest first.
  const latest = new Map(lbs.map((l) => [l.arn, during.find((a) => a.ResourceArn === l.arn)!]));
  for (const a of latest.values()) {
    assert.equal(a.EndTime, undefined, "ongoing while the flood lasts");
    assert.deepEqual(a.AttackVectors, [{ VectorType: "REQUEST_FLOOD" }]);
  }
  for (const l of lbs) {
    const mine = (await shield.send(new ListAttacksCommand({ ResourceArns: [l.arn] }))).AttackSummaries ?? [];
    assert.equal(mine[0]?.AttackId, latest.get(l.arn)!.AttackId, "ListAttacks filters by resource");
    assert.ok(mine.every((a) => a.ResourceArn === l.arn));
  }

  // The flood has stopped: after the cooldown every attack ends.
  const ended = await eventually(async () => {
    const list = (await shield.send(new ListAttacksCommand({}))).AttackSummaries ?? [];
    return list.length > 0 && list.every((a) => a.EndTime) ? list : undefined;
  }, 10_000, 100);
  assert.deepEqual(new Set(ended.map((a) => a.ResourceArn)), new Set(lbs.map((l) => l.arn)));

  for (const l of lbs) {
    const id = latest.get(l.arn)!.AttackId!;
    const a = (await shield.send(new DescribeAttackCommand({ AttackId: id }))).Attack!;
    assert.equal(a.ResourceArn, l.arn);
    assert.ok(a.StartTime! < a.EndTime!);
    const props = new Map((a.AttackProperties ?? []).map((p) => [p.AttackPropertyIdentifier, p]));
    assert.equal(props.get("SOURCE_IP_ADDRESS")!.TopContributors![0]!.Name, "127.0.0.1");
    assert.deepEqual(props.get("DESTINATION_URL")!.TopContributors!.map((c) => c.Name), [l.path], "each resource reports its own traffic");
    assert.equal(props.get("SOURCE_USER_AGENT")!.TopContributors![0]!.Name, "group-flood/1.0");
    const counter = a.AttackCounters![0]!;
    assert.equal(counter.Name, "REQUESTS");
    assert.ok(counter.Max! < FLOOR_RPS, `peak ${counter.Max} rps stays under the load balancer's own ${FLOOR_RPS} rps floor`);
    assert.deepEqual(a.Mitigations, [], "no automatic mitigation from protection group findings");
  }
});
