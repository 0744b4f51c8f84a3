import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { AttackDetail, AttackSummary } from "@aws-sdk/client-shield";
import type { InspectedRequest } from "../../dataplane/types.js";
import type { AttackSnapshot } from "../../dataplane/shield/detection/types.js";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { createAttackRecorder, statisticsRange } from "./attacks.js";
import { createShieldService } from "./service.js";
import { ACCOUNT, ACL, LB, LB2, OTHER, START, shieldFixture, type ShieldFixture } from "./testing/fixture.js";

function req(ip: string, path: string, ua: string): InspectedRequest {
  return { requestId: "r", time: 0, method: "GET", uri: path, path, query: "", httpVersion: "HTTP/1.1", headers: [["User-Agent", ua]], body: Buffer.alloc(0), bodyTruncated: false, bodyLength: 0, clientIp: ip, scheme: "http" };
}

/** One second: `n` requests from `ip`, then the clock moves on and the detector ticks. */
function second(f: ShieldFixture, n: number, ip = "203.0.113.7", lb = LB): void {
  for (let i = 0; i < n; i++) f.svc.detector.onRequest(lb, req(ip, "/login", "flood-bot/1.0"), undefined, 200, 1);
  f.clock.advance(1000);
  f.svc.detector.tick();
}

async function protectedLb(): Promise<ShieldFixture> {
  const f = shieldFixture();
  await f.call("CreateSubscription");
  await f.call("CreateProtection", { Name: "web", ResourceArn: LB });
  f.webAcls.set(LB, ACL);
  await f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Block: {} } });
  return f;
}

function snapshot(id: string, startTime: number, extra: Partial<AttackSnapshot> = {}): AttackSnapshot {
  const none = { total: 0, top: [] };
  return {
    attackId: id,
    accountId: ACCOUNT,
    resourceArn: LB,
    startTime,
    endTime: startTime + 60_000,
    lastSeenAt: startTime + 60_000,
    requests: { sum: 6000, max: 200, seconds: 60 },
    thresholdRps: 50,
    baselineRps: 0,
    contributors: { SOURCE_IP_ADDRESS: none, DESTINATION_URL: none, SOURCE_USER_AGENT: none, REFERRER: none },
    ...extra,
  };
}

describe("Shield attacks", () => {
  test("a flood on a protected load balancer becomes an attack: listed, described, mitigated, then ended", async () => {
    const f = await protectedLb();
    const t0 = f.clock.now();
    second(f, 400);
    second(f, 400);
    await f.svc.detector.idle();
    const ongoing = await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", {});
    assert.equal(ongoing.AttackSummaries.length, 1);
    const s = ongoing.AttackSummaries[0]!;
    assert.equal(s.ResourceArn, LB);
    assert.equal(s.StartTime?.getTime(), Math.floor(t0 / 1000) * 1000);
    assert.equal(s.EndTime, undefined);
    assert.deepEqual(s.AttackVectors, [{ VectorType: "REQUEST_FLOOD" }]);
    assert.equal(f.mitigations.length, 1);
    assert.equal(f.mitigations[0]?.acl, ACL);

    // An ongoing attack has no end: it matches only end ranges open to the future.
    assert.equal((await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", { EndTime: { FromInclusive: new Date(t0) } })).AttackSummaries.length, 1);
    assert.equal((await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", { EndTime: { ToExclusive: new Date(t0 + 3600_000) } })).AttackSummaries.length, 0);

    second(f, 0);
    second(f, 0);
    await f.svc.detector.idle();
    assert.equal(f.mitigations.length, 2);
    assert.equal(f.mitigations[1]?.m, undefined);
    const id = s.AttackId as string;
    const { Attack: a } = await f.call<{ Attack: AttackDetail }>("DescribeAttack", { AttackId: id });
    assert.deepEqual(f.lastAuth, [{ action: "shield:DescribeAttack", resource: `arn:aws:shield::${ACCOUNT}:attack/${id}` }]);
    const ruleName = f.mitigations[0]?.m?.ruleName;
    assert.deepEqual(a, {
      AttackId: id,
      ResourceArn: LB,
      SubResources: [{ Type: "URL", Id: "/login", AttackVectors: [{ VectorType: "REQUEST_FLOOD", VectorCounters: [{ Name: "REQUEST_FLOOD", Max: 800, Average: 800, Sum: 800, N: 1, Unit: "REQUESTS" }] }], Counters: [] }],
      StartTime: s.StartTime,
      EndTime: new Date(Math.floor(t0 / 1000) * 1000 + 2000),
      AttackCounters: [{ Name: "REQUESTS", Max: 400, Average: 400, Sum: 800, N: 2, Unit: "REQUESTS" }],
      AttackProperties: [
        { AttackLayer: "APPLICATION", AttackPropertyIdentifier: "SOURCE_IP_ADDRESS", TopContributors: [{ Name: "203.0.113.7", Value: 800 }], Unit: "REQUESTS", Total: 800 },
        { AttackLayer: "APPLICATION", AttackPropertyIdentifier: "DESTINATION_URL", TopContributors: [{ Name: "/login", Value: 800 }], Unit: "REQUESTS", Total: 800 },
        { AttackLayer: "APPLICATION", AttackPropertyIdentifier: "SOURCE_USER_AGENT", TopContributors: [{ Name: "flood-bot/1.0", Value: 800 }], Unit: "REQUESTS", Total: 800 },
      ],
      Mitigations: [{ MitigationName: ruleName }],
    });
    await expectAwsError(f.call("DescribeAttack", { AttackId: id }, { account: OTHER }), "AccessDeniedException", /don't have access/);
    await expectAwsError(f.call("DescribeAttack", { AttackId: "no-such-attack" }), "AccessDeniedException", /don't have access/);
    await expectAwsError(f.call("DescribeAttack", { AttackId: "bad id!" }), "InvalidParameterException", /attackId/);

    // Statistics cover midnight UTC a year ago to midnight UTC today: today's attack counts tomorrow.
    const today = await f.call<{ TimeRange: { FromInclusive: Date; ToExclusive: Date }; DataItems: unknown[] }>("DescribeAttackStatistics");
    assert.deepEqual(today.DataItems, [{ AttackCount: 0 }]);
    assert.equal(today.TimeRange.ToExclusive.getTime(), Date.UTC(2024, 4, 6));
    assert.equal(today.TimeRange.FromInclusive.getTime(), Date.UTC(2023, 4, 6));
    f.clock.advance(24 * 3600 * 1000);
    const tomorrow = await f.call<{ DataItems: unknown[] }>("DescribeAttackStatistics");
    assert.deepEqual(tomorrow.DataItems, [{ AttackCount: 1, AttackVolume: { RequestsPerSecond: { Max: 400 } } }]);
  });

  test("ListAttacks: newest first, filters by resource and start range, pages with NextToken", async () => {
    const f = shieldFixture();
    const rec = createAttackRecorder(f.store);
    await rec.save(snapshot("a1", START - 3 * 3600_000));
    await rec.save(snapshot("a2", START - 2 * 3600_000, { resourceArn: LB2 }));
    await rec.save(snapshot("a3", START - 3600_000));
    await rec.save(snapshot("other", START, { accountId: OTHER }));
    const list = async (input: unknown): Promise<string[]> => (await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", input)).AttackSummaries.map((s) => s.AttackId as string);
    assert.deepEqual(await list({}), ["a3", "a2", "a1"]);
    assert.deepEqual(await list({ ResourceArns: [LB2] }), ["a2"]);
    assert.deepEqual(await list({ StartTime: { FromInclusive: new Date(START - 2 * 3600_000) } }), ["a3", "a2"]);
    assert.deepEqual(await list({ StartTime: { FromInclusive: new Date(START - 3 * 3600_000), ToExclusive: new Date(START - 2 * 3600_000) } }), ["a1"]);
    assert.deepEqual(await list({ EndTime: { ToExclusive: new Date(START - 3600_000) } }), ["a2", "a1"]);
    const p1 = await f.call<{ AttackSummaries: AttackSummary[]; NextToken?: string }>("ListAttacks", { MaxResults: 2 });
    assert.deepEqual(p1.AttackSummaries.map((s) => s.AttackId), ["a3", "a2"]);
    const p2 = await f.call<{ AttackSummaries: AttackSummary[]; NextToken?: string }>("ListAttacks", { MaxResults: 2, NextToken: p1.NextToken });
    assert.deepEqual(p2.AttackSummaries.map((s) => s.AttackId), ["a1"]);
    assert.equal(p2.NextToken, undefined);
    await expectAwsError(f.call("ListAttacks", { NextToken: p1.NextToken, ResourceArns: [LB] }), "InvalidParameterException", "The NextToken specified in the request is invalid.");
    await expectAwsError(f.call("ListAttacks", { StartTime: { FromInclusive: new Date(START), ToExclusive: new Date(START - 1) } }), "InvalidParameterException", /FromInclusive must not be later/);
  });

  test("restart: an attack left open is closed at its last second and its rule removed once", async () => {
    const f = await protectedLb();
    second(f, 400);
    second(f, 400);
    second(f, 400);
    await f.svc.detector.idle();
    await f.svc.close();
    const open = await createAttackRecorder(f.store).openAttacks();
    assert.equal(open.length, 1);
    const removed: string[] = [];
    const again = createShieldService({
      store: f.store,
      clock: f.clock,
      tokenKey: Buffer.alloc(32, 7),
      loadBalancerExists: async () => true,
      webAclForResource: async () => ACL,
      applyMitigation: async (acl, m) => {
        if (m === undefined) removed.push(acl);
      },
    });
    await again.start();
    await again.close();
    assert.deepEqual(removed, [ACL]);
    assert.deepEqual(await createAttackRecorder(f.store).openAttacks(), []);
    const stored = (await f.store.list<AttackSnapshot>("shield-attacks")).map((e) => e.value);
    assert.equal(stored[0]?.endTime, stored[0]?.lastSeenAt);
    assert.ok(stored[0]?.mitigation?.removedAt);
  });

  test("a protection group's flood becomes an attack on each affected member; the group is watched again after a restart", async () => {
    const f = await protectedLb();
    await f.call("CreateProtection", { Name: "api", ResourceArn: LB2 });
    await f.call("CreateProtectionGroup", { ProtectionGroupId: "site", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [LB, LB2] });
    /** One second with `a` requests on LB and `b` on LB2. */
    const both = (a: number, b: number): void => {
      for (let i = 0; i < a; i++) f.svc.detector.onRequest(LB, req("203.0.113.7", "/login", "flood-bot/1.0"), undefined, 200, 1);
      for (let i = 0; i < b; i++) f.svc.detector.onRequest(LB2, req("203.0.113.9", "/api", "flood-bot/1.0"), undefined, 200, 1);
      f.clock.advance(1000);
      f.svc.detector.tick();
    };
    for (let s = 0; s < 10; s++) both(2, 2);
    const t0 = Math.floor(f.clock.now() / 1000) * 1000;
    // 30 rps each: under the 50 rps floor of either load balancer, 60 rps together.
    both(30, 30);
    both(30, 30);
    await f.svc.detector.idle();
    const list = (await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", {})).AttackSummaries;
    assert.deepEqual(list.map((a) => [a.ResourceArn, a.StartTime?.getTime(), a.EndTime]).sort(), [[LB2, t0, undefined], [LB, t0, undefined]].sort());
    const onLb2 = list.find((a) => a.ResourceArn === LB2)!;
    const d = (await f.call<{ Attack: AttackDetail }>("DescribeAttack", { AttackId: onLb2.AttackId })).Attack;
    assert.deepEqual(d.AttackCounters, [{ Name: "REQUESTS", Max: 30, Average: 30, Sum: 60, N: 2, Unit: "REQUESTS" }]);
    assert.deepEqual(d.AttackProperties?.find((p) => p.AttackPropertyIdentifier === "SOURCE_IP_ADDRESS")?.TopContributors, [{ Name: "203.0.113.9", Value: 60 }]);
    assert.deepEqual(d.Mitigations, [], "automatic mitigation is per resource, not on group findings");
    assert.equal(f.mitigations.length, 0);
    assert.deepEqual((await f.call<{ AttackSummaries: AttackSummary[] }>("ListAttacks", { ResourceArns: [LB2] })).AttackSummaries.map((a) => a.AttackId), [onLb2.AttackId]);

    await f.svc.close();
    const again = createShieldService({
      store: f.store,
      clock: f.clock,
      tokenKey: Buffer.alloc(32, 7),
      loadBalancerExists: async () => true,
      webAclForResource: async () => ACL,
      applyMitigation: async () => {},
    });
    await again.start();
    assert.deepEqual(again.detector.groupMembers(ACCOUNT, "site"), [LB2, LB].sort());
    await again.close();
  });

  test("statistics range across a leap day", () => {
    assert.deepEqual(statisticsRange(Date.UTC(2024, 1, 29, 12)), { from: Date.UTC(2023, 2, 1), to: Date.UTC(2024, 1, 29) });
  });
});
