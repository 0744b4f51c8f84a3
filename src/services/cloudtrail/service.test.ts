import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { LookupEvents$ } from "@aws-sdk/client-cloudtrail";
import { ManualClock } from "../../core/clock.js";
import { AwsError } from "../../core/errors.js";
import type { AuthorizeRequest, RequestContext } from "../../core/types.js";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { MemoryAuditStore } from "../../audit/memory-audit-store.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStorage } from "../../storage/sqlite/sqlite-storage.js";
import { alice, record, roleSession, T0 } from "../../audit/test-fixtures.js";
import { createCloudTrailService, createLookupEventsHandler, type LookupEventsInput, type LookupEventsOutput } from "./service.js";

const store = new MemoryAuditStore();
const tokenKey = Buffer.alloc(32, 7);
const lookup = createLookupEventsHandler({ store, tokenKey });

function ctx(region = "us-east-1", accountId = "111122223333", deny = false): RequestContext & { authorized: AuthorizeRequest[] } {
  const authorized: AuthorizeRequest[] = [];
  return {
    authorized,
    requestId: "req",
    scope: { accountId, region },
    principal: alice,
    service: "cloudtrail",
    operation: "LookupEvents",
    sourceIp: "192.0.2.1",
    userAgent: "test",
    secureTransport: true,
    now: T0,
    audit: {},
    async authorize(r) {
      authorized.push(r);
      if (deny) throw new AwsError("AccessDeniedException", "denied", 400);
    },
    async evaluate() {
      return "Allow" as const;
    },
    async isAllowed() {
      return !deny;
    },
  };
}

async function expectError(p: Promise<unknown>, code: string, message?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AwsError);
    assert.equal(e.code, code);
    assert.equal(e.status, 400);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

const ids = (o: LookupEventsOutput): string[] => o.Events.map((e) => (JSON.parse(e.CloudTrailEvent) as { requestID: string }).requestID);

before(async () => {
  const log = createAuditLog({ store, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0 });
  // 1..60: IAM (global → us-east-1) by alice, one per second.
  for (let i = 1; i <= 60; i++) {
    await log.record(
      record({
        time: T0 + i * 1000,
        requestId: `iam-${i}`,
        readOnly: i % 2 === 0,
        operation: i % 2 === 0 ? "GetUser" : "CreateUser",
        annotations: i === 7 ? { resources: [{ ARN: "arn:aws:iam::111122223333:user/bob", accountId: "111122223333", type: "AWS::IAM::User" }] } : {},
      }),
    );
  }
  // A regional event elsewhere, and one in another account.
  await log.record(record({ time: T0 + 61_000, requestId: "euw1", region: "eu-west-1", eventSource: "sts.amazonaws.com", operation: "GetCallerIdentity", principal: roleSession, readOnly: true }));
  await log.record(record({ time: T0 + 62_000, requestId: "other-acct", principal: { ...alice, accountId: "444455556666", arn: "arn:aws:iam::444455556666:user/alice" } }));
  // Events within one second (shown as that whole second), in an account of their own.
  const subSecond = { ...alice, accountId: "777788889999", arn: "arn:aws:iam::777788889999:user/alice" };
  for (const [ms, id] of [[69_999, "ss-69.999"], [70_000, "ss-70.000"], [70_400, "ss-70.400"], [70_999, "ss-70.999"], [71_000, "ss-71.000"]] as const) {
    await log.record(record({ time: T0 + ms, requestId: id, principal: subSecond }));
  }
  await log.close();
});

describe("CloudTrail LookupEvents", () => {
  test("service definition", () => {
    const def = createCloudTrailService({ store });
    assert.equal(def.name, "cloudtrail");
    assert.equal(def.signingName, "cloudtrail");
    assert.equal(def.protocol, "awsJson1_1");
    assert.equal(def.targetPrefix, "CloudTrail_20131101");
    assert.equal(def.eventSource, "cloudtrail.amazonaws.com");
    assert.equal(def.operations.LookupEvents?.schema, LookupEvents$);
    assert.equal(def.operations.LookupEvents?.readOnly, true);
  });

  test("authorises cloudtrail:LookupEvents on *", async () => {
    const c = ctx();
    await lookup({}, c);
    assert.deepEqual(c.authorized, [{ action: "cloudtrail:LookupEvents", resource: "*" }]);
    await expectError(lookup({}, ctx("us-east-1", "111122223333", true)), "AccessDeniedException");
  });

  test("newest first, default page of 50, then NextToken continues", async () => {
    const first = await lookup({}, ctx());
    assert.equal(first.Events.length, 50);
    assert.equal(ids(first)[0], "iam-60");
    assert.equal(ids(first)[49], "iam-11");
    assert.ok(first.NextToken);
    const second = await lookup({ NextToken: first.NextToken }, ctx());
    assert.deepEqual(ids(second), ["iam-10", "iam-9", "iam-8", "iam-7", "iam-6", "iam-5", "iam-4", "iam-3", "iam-2", "iam-1"]);
    assert.equal(second.NextToken, undefined);
  });

  test("output shape of one event", async () => {
    const out = await lookup({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "arn:aws:iam::111122223333:user/bob" }] }, ctx());
    assert.equal(out.Events.length, 1);
    const e = out.Events[0]!;
    const ev = JSON.parse(e.CloudTrailEvent) as { eventID: string };
    assert.deepEqual({ ...e, CloudTrailEvent: "…" }, {
      EventId: ev.eventID,
      EventName: "CreateUser",
      ReadOnly: "false",
      AccessKeyId: "AKIAEXAMPLEALICE0001",
      EventTime: new Date(T0 + 7000),
      EventSource: "iam.amazonaws.com",
      Username: "alice",
      Resources: [{ ResourceType: "AWS::IAM::User", ResourceName: "arn:aws:iam::111122223333:user/bob" }],
      CloudTrailEvent: "…",
    });
    const byId = await lookup({ LookupAttributes: [{ AttributeKey: "EventId", AttributeValue: ev.eventID }] }, ctx());
    assert.deepEqual(ids(byId), ["iam-7"]);
  });

  test("per account and per region", async () => {
    assert.deepEqual(ids(await lookup({}, ctx("eu-west-1"))), ["euw1"]);
    assert.deepEqual(ids(await lookup({}, ctx("us-east-1", "444455556666"))), ["other-acct"]);
    assert.deepEqual(ids(await lookup({}, ctx("ap-south-1"))), []);
  });

  test("attribute filters and time range", async () => {
    const ro = await lookup({ LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "true" }], MaxResults: 3 }, ctx());
    assert.deepEqual(ids(ro), ["iam-60", "iam-58", "iam-56"]);
    const byName = await lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateUser" }], StartTime: new Date(T0 + 10_000), EndTime: new Date(T0 + 15_000) }, ctx());
    assert.deepEqual(ids(byName), ["iam-15", "iam-13", "iam-11"]);
    const byUser = await lookup({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "ci-run" }] }, ctx("eu-west-1"));
    assert.deepEqual(ids(byUser), ["euw1"]);
    const byKey = await lookup({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAEXAMPLEALICE0001" }], MaxResults: 1 }, ctx());
    assert.deepEqual(ids(byKey), ["iam-60"]);
    const bySource = await lookup({ LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "sts.amazonaws.com" }] }, ctx());
    assert.deepEqual(ids(bySource), []);
  });

  test("the time range is on the whole seconds events are shown at: an event at 12:00:05.4 is in a range ending at 12:00:05", async () => {
    const acct = ctx("us-east-1", "777788889999");
    const at = (ms: number): Date => new Date(T0 + ms);
    assert.deepEqual(ids(await lookup({ StartTime: at(70_000), EndTime: at(70_000) }, acct)), ["ss-70.999", "ss-70.400", "ss-70.000"]);
    assert.deepEqual(ids(await lookup({ EndTime: at(70_000) }, acct)), ["ss-70.999", "ss-70.400", "ss-70.000", "ss-69.999"]);
    assert.deepEqual(ids(await lookup({ StartTime: at(70_000) }, acct)), ["ss-71.000", "ss-70.999", "ss-70.400", "ss-70.000"]);
    // A bound within a second compares with the second the event is shown at.
    assert.deepEqual(ids(await lookup({ StartTime: at(69_500), EndTime: at(70_500) }, acct)), ["ss-70.999", "ss-70.400", "ss-70.000"]);
    for (const e of (await lookup({ StartTime: at(70_000), EndTime: at(70_000) }, acct)).Events) assert.equal(e.EventTime?.getTime(), T0 + 70_000);
  });

  test("pagination with a small MaxResults walks everything exactly once", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out: LookupEventsOutput = await lookup({ MaxResults: 7, ...(token ? { NextToken: token } : {}) }, ctx());
      seen.push(...ids(out));
      token = out.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 9);
    assert.deepEqual(seen, Array.from({ length: 60 }, (_, i) => `iam-${60 - i}`));
  });

  test("errors", async () => {
    await expectError(
      lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "a" }, { AttributeKey: "Username", AttributeValue: "b" }] }, ctx()),
      "InvalidLookupAttributesException",
      "You cannot specify more than one lookup attribute.",
    );
    await expectError(lookup({ LookupAttributes: [{ AttributeKey: "Region", AttributeValue: "x" }] }, ctx()), "InvalidLookupAttributesException");
    await expectError(lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "" }] }, ctx()), "InvalidLookupAttributesException");
    // '_', ' ', ',' and newline count twice towards the 2,000-character limit.
    await lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "x".repeat(2000) }] }, ctx());
    await lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "_".repeat(1000) }] }, ctx());
    for (const c of ["_", " ", ",", "\n"]) {
      await expectError(lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "x".repeat(1999) + c }] }, ctx()), "InvalidLookupAttributesException");
    }
    await expectError(lookup({ MaxResults: 0 }, ctx()), "InvalidMaxResultsException");
    await expectError(lookup({ MaxResults: 51 }, ctx()), "InvalidMaxResultsException");
    await expectError(lookup({ StartTime: new Date(T0 + 2000), EndTime: new Date(T0 + 1000) }, ctx()), "InvalidTimeRangeException");
    await expectError(lookup({ EventCategory: "management" } as LookupEventsInput, ctx()), "InvalidEventCategoryException");
    assert.deepEqual(await lookup({ EventCategory: "insight" }, ctx()), { Events: [] });
  });

  test("an Insights lookup takes only EventId, EventName and EventSource", async () => {
    for (const key of ["EventId", "EventName", "EventSource"]) {
      assert.deepEqual(await lookup({ EventCategory: "insight", LookupAttributes: [{ AttributeKey: key, AttributeValue: "x" }] }, ctx()), { Events: [] });
    }
    for (const key of ["Username", "ReadOnly", "ResourceName", "ResourceType", "AccessKeyId"]) {
      await expectError(
        lookup({ EventCategory: "insight", LookupAttributes: [{ AttributeKey: key, AttributeValue: "x" }] }, ctx()),
        "InvalidLookupAttributesException",
        `Invalid attribute key for Insights events: ${key}`,
      );
    }
    // Management events take every key.
    assert.equal((await lookup({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "alice" }], MaxResults: 1 }, ctx())).Events.length, 1);
  });

  test("NextToken is tamper-checked and bound to its query", async () => {
    const first = await lookup({ MaxResults: 5 }, ctx());
    const token = first.NextToken!;
    await expectError(lookup({ NextToken: "garbage" }, ctx()), "InvalidNextTokenException");
    const [payload, mac] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, b: 3, f: (JSON.parse(Buffer.from(payload, "base64url").toString()) as { f: string }).f })).toString("base64url");
    await expectError(lookup({ NextToken: `${forged}.${mac}` }, ctx()), "InvalidNextTokenException");
    await expectError(lookup({ NextToken: token, LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetUser" }] }, ctx()), "InvalidNextTokenException");
    await expectError(lookup({ NextToken: token }, ctx("eu-west-1")), "InvalidNextTokenException");
    await expectError(lookup({ NextToken: token }, ctx("us-east-1", "444455556666")), "InvalidNextTokenException");
    // A different process key does not accept it either.
    await expectError(createLookupEventsHandler({ store })({ NextToken: token }, ctx()), "InvalidNextTokenException");
    assert.deepEqual(ids(await lookup({ NextToken: token, MaxResults: 2 }, ctx())), ["iam-55", "iam-54"]);
  });

  test("a filter that matches little is scanned in bounded slices: pages may be empty, with a NextToken", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bulwark-lookup-"));
    const store = openSqliteStorage({ path: join(dir, "bulwark.db") });
    try {
      const log = createAuditLog({ store, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0, batchMaxSize: 4096 });
      const recs: Array<Promise<void>> = [log.record(record({ requestId: "oldest", operation: "DeleteUser" }))];
      for (let i = 0; i < 2500; i++) recs.push(log.record(record({ requestId: `n${i}`, operation: "GetUser", readOnly: true })));
      recs.push(log.record(record({ requestId: "newest", operation: "DeleteUser" })));
      await Promise.all(recs);
      await log.close();
      const h = createLookupEventsHandler({ store, tokenKey, sliceEntries: 200, entryBudget: 1000 });
      const input: LookupEventsInput = { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DeleteUser" }] };
      const pages: LookupEventsOutput[] = [];
      let token: string | undefined;
      do {
        const page = await h({ ...input, ...(token ? { NextToken: token } : {}) }, ctx());
        pages.push(page);
        token = page.NextToken;
      } while (token && pages.length < 10);
      // 2,502 events, at most 1,000 examined per call: three calls.
      assert.deepEqual(pages.map(ids), [["newest"], [], ["oldest"]]);
      assert.equal(pages[2]?.NextToken, undefined);
      // Enough matches for a whole page: answered from the first slice.
      const reads = await h({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetUser" }], MaxResults: 3 }, ctx());
      assert.deepEqual(ids(reads), ["n2499", "n2498", "n2497"]);
      assert.ok(reads.NextToken);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("region filtering beyond the scan budget returns a continuation", async () => {
    const big = new MemoryAuditStore();
    const log = createAuditLog({ store: big, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0, batchMaxSize: 4096 });
    const recs: Array<Promise<void>> = [];
    recs.push(log.record(record({ requestId: "old-euw1", region: "eu-west-1" })));
    for (let i = 0; i < 6000; i++) recs.push(log.record(record({ requestId: `n${i}` })));
    await Promise.all(recs);
    await log.close();
    const h = createLookupEventsHandler({ store: big, tokenKey });
    const first = await h({}, ctx("eu-west-1"));
    assert.deepEqual(first.Events, []);
    assert.ok(first.NextToken);
    const second = await h({ NextToken: first.NextToken }, ctx("eu-west-1"));
    assert.deepEqual(ids(second), ["old-euw1"]);
    assert.equal(second.NextToken, undefined);
  });

  test("only the last 90 days are looked up; a StartTime before them is accepted and reads from their start", async () => {
    const DAY = 86_400_000;
    const aged = new MemoryAuditStore();
    const log = createAuditLog({ store: aged, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0 });
    for (const [time, requestId] of [
      [T0 - 400 * DAY, "400d"],
      [T0 - 91 * DAY, "91d"],
      [T0 - 90 * DAY - 1, "90d+1ms"],
      [T0 - 90 * DAY, "90d"],
      [T0 - 89 * DAY, "89d"],
      [T0, "now"],
    ] as const) {
      await log.record(record({ time, requestId }));
    }
    await log.close();
    const h = createLookupEventsHandler({ store: aged, tokenKey });
    const c = ctx(); // now: T0
    assert.deepEqual(ids(await h({}, c)), ["now", "89d", "90d"]);
    assert.deepEqual(ids(await h({ StartTime: new Date(T0 - 100 * DAY) }, c)), ["now", "89d", "90d"]);
    assert.deepEqual(ids(await h({ StartTime: new Date(0), EndTime: new Date(T0 - 89 * DAY) }, c)), ["89d", "90d"]);
    assert.deepEqual(ids(await h({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateUser" }] }, c)), ["now", "89d", "90d"]);
    assert.deepEqual(await h({ StartTime: new Date(T0 - 400 * DAY), EndTime: new Date(T0 - 91 * DAY) }, c), { Events: [] });
    assert.deepEqual(await h({ EndTime: new Date(T0 - 90 * DAY - 1000) }, c), { Events: [] });
    // The window moves with the request's time.
    assert.deepEqual(ids(await h({}, { ...c, now: T0 + DAY })), ["now", "89d"]);
  });

  test("LookupEvents is limited to two requests per second per account and Region (ThrottlingException)", async () => {
    const clock = new ManualClock(T0);
    const h = createLookupEventsHandler({ store, tokenKey, clock, lookupEventsRps: 2 });
    await h({}, ctx());
    await h({}, ctx());
    await expectError(h({}, ctx()), "ThrottlingException", "Rate exceeded");
    // Another Region and another account have their own quota.
    await h({}, ctx("eu-west-1"));
    await h({}, ctx("us-east-1", "444455556666"));
    clock.advance(499);
    await expectError(h({}, ctx()), "ThrottlingException");
    clock.advance(1);
    await h({}, ctx());
    await expectError(h({}, ctx()), "ThrottlingException");
  });
});
