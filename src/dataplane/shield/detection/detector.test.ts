import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../../core/clock.js";
import type { InspectedRequest } from "../../types.js";
import { ShieldDetector } from "./detector.js";
import { resolveDetectionSettings } from "./settings.js";
import type { AttackRecorder, AttackSnapshot, MitigationPort, MitigationRule, ProtectedResource, ProtectionGroupSpec } from "./types.js";

const LB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
const LB2 = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/api/60dc6c495c0c9188";
const ACL = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111";
const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const SETTINGS = resolveDetectionSettings({ baselineSeconds: 30, multiplier: 3, minRequestsPerSecond: 50, sustainSeconds: 3, cooldownSeconds: 2, topK: 32, persistSeconds: 1 });

class FakeRecorder implements AttackRecorder {
  readonly byId = new Map<string, AttackSnapshot>();
  saves = 0;
  async save(a: AttackSnapshot): Promise<void> {
    this.saves++;
    this.byId.set(a.attackId, structuredClone(a));
  }
  async openAttacks(): Promise<AttackSnapshot[]> {
    return [...this.byId.values()].filter((a) => a.endTime === undefined);
  }
}

class FakePort implements MitigationPort {
  readonly calls: Array<{ acl: string; m: MitigationRule }> = [];
  constructor(private readonly acls: Record<string, string>) {}
  async webAclForResource(arn: string): Promise<string | undefined> {
    return this.acls[arn];
  }
  async applyMitigation(acl: string, m: MitigationRule): Promise<void> {
    this.calls.push({ acl, m });
  }
}

function req(ip: string, path = "/", ua?: string, referrer?: string): InspectedRequest {
  const headers: Array<[string, string]> = [["Host", "example.com"]];
  if (ua !== undefined) headers.push(["User-Agent", ua]);
  if (referrer !== undefined) headers.push(["Referer", referrer]);
  return { requestId: "r", time: 0, method: "GET", uri: path, path, query: "", httpVersion: "HTTP/1.1", headers, body: Buffer.alloc(0), bodyTruncated: false, bodyLength: 0, clientIp: ip, scheme: "http" };
}

function setup(protections: ProtectedResource[], acls: Record<string, string> = { [LB]: ACL }) {
  const clock = new ManualClock(T0);
  const recorder = new FakeRecorder();
  const port = new FakePort(acls);
  let n = 0;
  const detector = new ShieldDetector({ clock, settings: SETTINGS, recorder, mitigation: port, newId: () => `attack-${++n}` });
  for (const p of protections) detector.setProtection(p);
  /** One second of traffic: `background` requests from 10.0.0.1…, plus `flood` from 203.0.113.7; then the clock moves on. */
  const second = (background: number, flood = 0, lb = LB): void => {
    for (let i = 0; i < background; i++) detector.onRequest(lb, req(`10.0.0.${(i % 20) + 1}`, `/page/${i % 3}`, "Mozilla/5.0"), undefined, 200, 1);
    for (let i = 0; i < flood; i++) detector.onRequest(lb, req("203.0.113.7", "/login", "flood-bot/1.0", "https://evil.example/"), undefined, 200, 1);
    clock.advance(1000);
    detector.tick();
  };
  return { clock, recorder, port, detector, second };
}

const protection = (extra: Partial<ProtectedResource> = {}): ProtectedResource => ({ resourceArn: LB, accountId: "111122223333", protectionId: "p-1", ...extra });

describe("Shield detector", () => {
  test("steady traffic builds a baseline and raises no event; the threshold follows it", async () => {
    const { detector, recorder, second } = setup([protection()]);
    for (let s = 0; s < 30; s++) second(20);
    await detector.idle();
    assert.equal(recorder.saves, 0);
    assert.equal(detector.ongoing(LB), undefined);
    // 55 rps: under 3 × 20 but above the floor, still nothing.
    for (let s = 0; s < 5; s++) second(55);
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined);
    const fresh = setup([protection()]);
    for (let s = 0; s < 3; s++) fresh.second(55);
    await fresh.detector.idle();
    assert.equal(fresh.detector.ongoing(LB)?.thresholdRps, 50, "an empty baseline is judged against the floor alone");
  });

  test("a flood is detected after the sustain period, with the flooding IP, URL, user agent and referrer on top; it ends after the cooldown", async () => {
    const { detector, recorder, second, clock } = setup([protection()]);
    for (let s = 0; s < 30; s++) second(20);
    const floodStart = clock.now();
    second(20, 500);
    second(20, 500);
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined, "two seconds are a spike, not yet an event");
    second(20, 500);
    await detector.idle();
    const live = detector.ongoing(LB);
    assert.ok(live, "third second above the threshold starts the event");
    assert.equal(live.attackId, "attack-1");
    assert.equal(live.startTime, floodStart);
    assert.equal(live.thresholdRps, 60, "3 × baseline p99 of 20 rps");
    assert.equal(live.baselineRps, 20);
    assert.deepEqual(live.requests, { sum: 3 * 520, max: 520, seconds: 3 });
    assert.deepEqual(live.contributors.SOURCE_IP_ADDRESS.top[0], { name: "203.0.113.7", value: 1500 });
    assert.equal(live.contributors.SOURCE_IP_ADDRESS.total, 1560);
    assert.deepEqual(live.contributors.DESTINATION_URL.top[0], { name: "/login", value: 1500 });
    assert.deepEqual(live.contributors.SOURCE_USER_AGENT.top[0], { name: "flood-bot/1.0", value: 1500 });
    assert.deepEqual(live.contributors.REFERRER.top, [{ name: "https://evil.example/", value: 1500 }]);
    assert.equal(recorder.byId.get("attack-1")?.endTime, undefined, "recorded as ongoing");

    second(20, 800);
    const quietStart = clock.now();
    second(20);
    await detector.idle();
    assert.ok(detector.ongoing(LB), "one quiet second is not the end");
    second(20);
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined);
    const done = recorder.byId.get("attack-1");
    assert.ok(done);
    assert.equal(done.startTime, floodStart);
    assert.equal(done.endTime, quietStart);
    assert.deepEqual(done.requests, { sum: 3 * 520 + 820, max: 820, seconds: 4 });
    assert.deepEqual(done.contributors.SOURCE_IP_ADDRESS.top[0], { name: "203.0.113.7", value: 2300 });
    assert.equal(done.mitigation, undefined, "no automatic response configured");
    assert.equal(recorder.byId.size, 1);
  });

  test("event seconds never enter the baseline, a short spike does", async () => {
    const { detector, second } = setup([protection()]);
    for (let s = 0; s < 30; s++) second(20);
    for (let s = 0; s < 6; s++) second(20, 500);
    second(20);
    second(20);
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined);
    // Threshold unchanged by the event: another flood of the same size is detected again.
    for (let s = 0; s < 3; s++) second(20, 500);
    await detector.idle();
    assert.equal(detector.ongoing(LB)?.attackId, "attack-2");
    assert.equal(detector.ongoing(LB)?.thresholdRps, 60);

    const fresh = setup([protection()]);
    for (let s = 0; s < 30; s++) fresh.second(20);
    fresh.second(20, 500);
    fresh.second(20, 500);
    fresh.second(20);
    for (let s = 0; s < 3; s++) fresh.second(20, 500);
    await fresh.detector.idle();
    assert.equal(fresh.detector.ongoing(LB), undefined, "the spike raised the baseline above 520 rps");
  });

  test("automatic response: the rate-based rule is put once when the event starts and removed once when it ends", async () => {
    const { detector, recorder, port, second, clock } = setup([protection({ autoResponse: { action: "BLOCK" } })]);
    for (let s = 0; s < 30; s++) second(20);
    for (let s = 0; s < 3; s++) second(20, 500);
    await detector.idle();
    assert.equal(port.calls.length, 1);
    const put = port.calls[0]!;
    assert.equal(put.acl, ACL);
    assert.ok(put.m);
    assert.match(put.m.ruleName, /^ShieldMitigationRuleGroup_111122223333_a1b2c3d4-5678-90ab-cdef-111111111111_/);
    assert.deepEqual(put.m.rule.Action, { Block: {} });
    // 20 IPs share 20 rps: 1 request per IP per second at p99 → 3 × 1 × 60.
    assert.deepEqual(put.m.rule.Statement, { RateBasedStatement: { Limit: 180, EvaluationWindowSec: 60, AggregateKeyType: "IP" } });
    const during = recorder.byId.get("attack-1")?.mitigation;
    assert.deepEqual(during, { name: put.m.ruleName, webAclArn: ACL, action: "BLOCK", limit: 180, appliedAt: clock.now() });

    for (let s = 0; s < 5; s++) second(20, 500); // ticks and periodic persistence: no further calls
    await detector.idle();
    assert.equal(port.calls.length, 1);

    second(20);
    second(20);
    await detector.idle();
    assert.equal(port.calls.length, 2);
    assert.deepEqual(port.calls[1], { acl: ACL, m: undefined });
    const ended = recorder.byId.get("attack-1");
    assert.ok(ended?.endTime);
    assert.equal(ended.mitigation?.removedAt, clock.now());
    for (let s = 0; s < 5; s++) second(20);
    await detector.idle();
    assert.equal(port.calls.length, 2, "nothing more once the event is over");
    assert.deepEqual(detector.mitigatedWebAcls(), []);
  });

  test("Count action, and switching the action during an event replaces the rule", async () => {
    const { detector, port, second } = setup([protection({ autoResponse: { action: "COUNT" } })]);
    for (let s = 0; s < 3; s++) second(0, 500);
    await detector.idle();
    assert.equal(port.calls.length, 1);
    assert.deepEqual(port.calls[0]?.m?.rule.Action, { Count: {} });
    assert.equal(port.calls[0]?.m?.rule.Statement?.RateBasedStatement?.Limit, 10, "no baseline: WAF's minimum");
    detector.setProtection(protection({ autoResponse: { action: "BLOCK" } }));
    await detector.idle();
    assert.equal(port.calls.length, 2);
    assert.deepEqual(port.calls[1]?.m?.rule.Action, { Block: {} });
    detector.setProtection(protection());
    await detector.idle();
    assert.deepEqual(port.calls[2], { acl: ACL, m: undefined }, "disabling removes the rule at once");
    assert.equal(port.calls.length, 3);
  });

  test("without a web ACL nothing is applied; the event is still recorded", async () => {
    const { detector, recorder, port, second } = setup([protection({ autoResponse: { action: "BLOCK" } })], {});
    for (let s = 0; s < 5; s++) second(0, 500);
    await detector.idle();
    assert.equal(port.calls.length, 0);
    assert.equal(recorder.byId.get("attack-1")?.mitigation, undefined);
  });

  test("two attacked resources sharing a web ACL: one rule, removed only when both events end", async () => {
    const { detector, port, second } = setup(
      [protection({ autoResponse: { action: "COUNT" } }), { resourceArn: LB2, accountId: "111122223333", protectionId: "p-2", autoResponse: { action: "BLOCK" } }],
      { [LB]: ACL, [LB2]: ACL },
    );
    const both = (a: number, b: number): void => {
      for (let i = 0; i < b; i++) detector.onRequest(LB2, req("198.51.100.1"), undefined, 200, 1);
      second(0, a);
    };
    for (let s = 0; s < 3; s++) both(500, 500);
    await detector.idle();
    assert.equal(port.calls.length, 1);
    assert.deepEqual(port.calls[0]?.m?.rule.Action, { Block: {} }, "Block wins");
    for (let s = 0; s < 3; s++) both(0, 500); // LB's event ends, LB2's goes on
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined);
    assert.ok(detector.ongoing(LB2));
    assert.equal(port.calls.length, 1);
    for (let s = 0; s < 2; s++) both(0, 0);
    await detector.idle();
    assert.equal(port.calls.length, 2);
    assert.equal(port.calls[1]?.m, undefined);
  });

  test("removing the protection ends the event and its rule; other resources are ignored", async () => {
    const { detector, recorder, port, second } = setup([protection({ autoResponse: { action: "BLOCK" } })]);
    for (let s = 0; s < 4; s++) second(0, 500);
    second(0, 0, LB2); // not protected
    await detector.idle();
    detector.removeProtection(LB);
    await detector.idle();
    const a = recorder.byId.get("attack-1");
    assert.equal(a?.endTime, a?.lastSeenAt);
    assert.ok(a?.mitigation?.removedAt);
    assert.deepEqual(port.calls.map((c) => c.m === undefined), [false, true]);
    for (let s = 0; s < 5; s++) second(0, 500);
    await detector.idle();
    assert.equal(recorder.byId.size, 1);
  });

  test("start() closes events left open by a crash and removes their rule once", async () => {
    const { detector, recorder, port } = setup([]);
    const open: AttackSnapshot = {
      attackId: "old",
      accountId: "111122223333",
      resourceArn: LB,
      startTime: T0 - 60_000,
      lastSeenAt: T0 - 30_000,
      requests: { sum: 100, max: 50, seconds: 2 },
      thresholdRps: 10,
      baselineRps: 0,
      contributors: { SOURCE_IP_ADDRESS: { total: 0, top: [] }, DESTINATION_URL: { total: 0, top: [] }, SOURCE_USER_AGENT: { total: 0, top: [] }, REFERRER: { total: 0, top: [] } },
      mitigation: { name: "ShieldMitigationRuleGroup_x", webAclArn: ACL, action: "BLOCK", limit: 10, appliedAt: T0 - 50_000 },
    };
    await recorder.save(open);
    await recorder.save({ ...open, attackId: "old-2" });
    await detector.start([protection()]);
    await detector.stop();
    assert.deepEqual(port.calls, [{ acl: ACL, m: undefined }]);
    assert.equal(recorder.byId.get("old")?.endTime, T0 - 30_000);
    assert.equal(recorder.byId.get("old")?.mitigation?.removedAt, T0);
    assert.deepEqual(await recorder.openAttacks(), []);
  });

  test("a long idle gap is skipped in bounded work and an open event ends", async () => {
    const { detector, clock, second } = setup([protection()]);
    for (let s = 0; s < 3; s++) second(0, 500);
    assert.ok(detector.ongoing(LB));
    clock.advance(10 * 3600 * 1000);
    const t = performance.now();
    detector.tick();
    assert.ok(performance.now() - t < 200);
    assert.equal(detector.ongoing(LB), undefined);
    await detector.idle();
  });
});

describe("Shield detector: protection groups", () => {
  const ACCOUNT = "111122223333";
  const ALB = "APPLICATION_LOAD_BALANCER";
  const lb1 = (extra: Partial<ProtectedResource> = {}): ProtectedResource => ({ resourceArn: LB, accountId: ACCOUNT, protectionId: "p-1", resourceType: ALB, ...extra });
  const lb2 = (extra: Partial<ProtectedResource> = {}): ProtectedResource => ({ resourceArn: LB2, accountId: ACCOUNT, protectionId: "p-2", resourceType: ALB, ...extra });
  const group = (id: string, aggregation: ProtectionGroupSpec["aggregation"], extra: Partial<ProtectionGroupSpec> = {}): ProtectionGroupSpec => ({
    accountId: ACCOUNT,
    protectionGroupId: id,
    aggregation,
    pattern: "ARBITRARY",
    members: [LB, LB2],
    ...extra,
  });

  /** One second with `a` requests on LB and `b` on LB2 (flood-like requests from one address), then the clock moves on. */
  function groupSetup(protections: ProtectedResource[], groups: ProtectionGroupSpec[]) {
    const t = setup(protections, { [LB]: ACL, [LB2]: ACL });
    for (const g of groups) t.detector.setProtectionGroup(g);
    const both = (a: number, b: number): void => {
      for (let i = 0; i < a; i++) t.detector.onRequest(LB, req("203.0.113.7", "/cart", "bot/2"), undefined, 200, 1);
      for (let i = 0; i < b; i++) t.detector.onRequest(LB2, req("203.0.113.8", "/api", "bot/2"), undefined, 200, 1);
      t.clock.advance(1000);
      t.detector.tick();
    };
    return { ...t, both };
  }

  test("SUM: traffic too small to alarm either resource alarms the group; each affected resource gets its own attack, without automatic mitigation", async () => {
    const { detector, recorder, port, clock, both } = groupSetup([lb1({ autoResponse: { action: "BLOCK" } }), lb2({ autoResponse: { action: "BLOCK" } })], [group("web-tier", "SUM")]);
    assert.deepEqual(detector.groupMembers(ACCOUNT, "web-tier"), [LB2, LB].sort());
    for (let s = 0; s < 30; s++) both(5, 5);
    const floodStart = clock.now();
    for (let s = 0; s < 2; s++) both(40, 40);
    await detector.idle();
    assert.equal(detector.ongoing(LB), undefined, "two loud seconds are a spike");
    both(40, 40);
    await detector.idle();
    // Each resource stays under its own threshold (the 50 rps floor); together they make 80 > 50.
    assert.deepEqual(detector.ongoingGroupEvent(ACCOUNT, "web-tier"), { startTime: floodStart, thresholdRps: 50, baselineRps: 10, requests: { sum: 240, max: 80, seconds: 3 } });
    const a = detector.ongoing(LB);
    const b = detector.ongoing(LB2);
    assert.ok(a && b);
    assert.deepEqual([a.attackId, b.attackId], ["attack-1", "attack-2"]);
    assert.equal(a.startTime, floodStart);
    assert.equal(b.startTime, floodStart);
    assert.deepEqual(a.requests, { sum: 120, max: 40, seconds: 3 });
    assert.deepEqual(a.protectionGroupIds, ["web-tier"]);
    assert.deepEqual(b.contributors.DESTINATION_URL.top, [{ name: "/api", value: 120 }]);
    assert.equal(recorder.byId.get("attack-2")?.endTime, undefined, "recorded as ongoing");
    assert.equal(port.calls.length, 0, "group findings alone bring no automatic mitigation");

    // LB's own traffic now sustains a flood of its own: its automatic response applies.
    for (let s = 0; s < 3; s++) both(200, 40);
    await detector.idle();
    assert.equal(port.calls.length, 1);
    assert.deepEqual(port.calls[0]?.m?.rule.Action, { Block: {} });
    assert.equal(recorder.byId.get("attack-1")?.mitigation?.action, "BLOCK");
    assert.equal(recorder.byId.get("attack-2")?.mitigation, undefined);

    const quietStart = clock.now();
    both(5, 5);
    both(5, 5);
    await detector.idle();
    assert.equal(detector.ongoingGroupEvent(ACCOUNT, "web-tier"), undefined);
    for (const id of ["attack-1", "attack-2"]) assert.equal(recorder.byId.get(id)?.endTime, quietStart, id);
    assert.deepEqual(recorder.byId.get("attack-2")?.requests, { sum: 240, max: 40, seconds: 6 });
    assert.deepEqual(port.calls.map((c) => c.m === undefined), [false, true]);
    assert.equal(recorder.byId.size, 2);

    // The same traffic without the group raises nothing.
    const alone = groupSetup([lb1(), lb2()], []);
    for (let s = 0; s < 30; s++) alone.both(5, 5);
    for (let s = 0; s < 5; s++) alone.both(40, 40);
    await alone.detector.idle();
    assert.equal(alone.recorder.byId.size, 0);
  });

  test("MEAN and MAX: only members above their share are affected", async () => {
    // MEAN: LB usually serves 40 rps, LB2 nothing: the mean's threshold (3 × 20) is below LB's own (3 × 40).
    const mean = groupSetup([lb1(), lb2()], [group("avg", "MEAN")]);
    for (let s = 0; s < 30; s++) mean.both(40, 0);
    for (let s = 0; s < 3; s++) mean.both(100, 30);
    await mean.detector.idle();
    assert.equal(mean.detector.ongoingGroupEvent(ACCOUNT, "avg")?.thresholdRps, 60);
    assert.deepEqual(mean.detector.ongoing(LB)?.protectionGroupIds, ["avg"]);
    assert.equal(mean.detector.ongoing(LB2), undefined, "30 rps is under the mean's threshold");

    // MAX: the flooded member is affected, the one with its usual traffic is not.
    const max = groupSetup([lb1(), lb2()], [group("tiers", "MAX")]);
    for (let s = 0; s < 30; s++) max.both(20, 20);
    for (let s = 0; s < 3; s++) max.both(20, 500);
    await max.detector.idle();
    assert.equal(max.detector.ongoingGroupEvent(ACCOUNT, "tiers")?.requests.max, 500);
    assert.deepEqual(max.detector.ongoing(LB2)?.protectionGroupIds, ["tiers"]);
    assert.equal(max.detector.ongoing(LB), undefined);
  });

  test("ALL and BY_RESOURCE_TYPE take in newly protected resources; a member affected during a group event joins it at once", async () => {
    const { detector, clock, both } = groupSetup([lb1()], [group("everything", "SUM", { pattern: "ALL", members: [] }), group("albs", "SUM", { pattern: "BY_RESOURCE_TYPE", resourceType: ALB, members: [] })]);
    detector.setProtectionGroup(group("classic", "SUM", { pattern: "BY_RESOURCE_TYPE", resourceType: "CLASSIC_LOAD_BALANCER", members: [] }));
    assert.deepEqual(detector.groupMembers(ACCOUNT, "everything"), [LB]);
    detector.setProtection(lb2());
    assert.deepEqual(detector.groupMembers(ACCOUNT, "everything"), [LB2, LB].sort());
    assert.deepEqual(detector.groupMembers(ACCOUNT, "albs"), [LB2, LB].sort());
    assert.deepEqual(detector.groupMembers(ACCOUNT, "classic"), []);
    detector.setProtection({ ...lb1(), resourceArn: LB.replace(ACCOUNT, "444455556666"), accountId: "444455556666" });
    assert.deepEqual(detector.groupMembers(ACCOUNT, "everything"), [LB2, LB].sort(), "another account's resources stay out");

    for (let s = 0; s < 30; s++) both(5, 5);
    for (let s = 0; s < 3; s++) both(48, 5);
    await detector.idle();
    assert.ok(detector.ongoingGroupEvent(ACCOUNT, "everything"));
    assert.deepEqual(detector.ongoing(LB)?.protectionGroupIds, ["albs", "everything"]);
    assert.equal(detector.ongoing(LB2), undefined, "5 rps is under its share (50 ÷ 2)");
    const joined = clock.now();
    both(48, 30);
    await detector.idle();
    const b = detector.ongoing(LB2);
    assert.ok(b, "the group already sustained the flood: no sustain period of its own");
    assert.equal(b.startTime, joined);
    assert.deepEqual(b.requests, { sum: 30, max: 30, seconds: 1 });
  });

  test("ARBITRARY members leave with their protection; deleting a group stops its detection", async () => {
    const { detector, both } = groupSetup([lb1(), lb2()], [group("pair", "SUM")]);
    detector.removeProtection(LB2);
    assert.deepEqual(detector.groupMembers(ACCOUNT, "pair"), [LB]);
    detector.setProtection(lb2());
    assert.deepEqual(detector.groupMembers(ACCOUNT, "pair"), [LB], "protecting it again does not put it back in the group");
    detector.setProtectionGroup(group("pair", "SUM"));
    assert.deepEqual(detector.groupMembers(ACCOUNT, "pair"), [LB2, LB].sort());
    for (let s = 0; s < 3; s++) both(40, 40);
    assert.ok(detector.ongoingGroupEvent(ACCOUNT, "pair"));
    detector.removeProtectionGroup(ACCOUNT, "pair");
    assert.equal(detector.ongoingGroupEvent(ACCOUNT, "pair"), undefined);
    assert.deepEqual(detector.groupMembers(ACCOUNT, "pair"), []);
    await detector.idle();
  });
});
