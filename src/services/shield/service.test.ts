import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { Protection, ProtectionGroup, Subscription } from "@aws-sdk/client-shield";
import type { AuthorizeRequest } from "../../core/types.js";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { ACCOUNT, ACL, LB, LB2, OTHER, OTHER_LB, START, shieldFixture } from "./testing/fixture.js";

const DAY = 24 * 3600 * 1000;
const YEAR = 365 * DAY;

describe("Shield subscription", () => {
  test("create, describe, state; a second create and a missing one are refused", async () => {
    const f = shieldFixture();
    assert.deepEqual(await f.call("GetSubscriptionState"), { SubscriptionState: "INACTIVE" });
    await expectAwsError(f.call("DescribeSubscription"), "ResourceNotFoundException", "The subscription does not exist.");
    assert.deepEqual(await f.call("CreateSubscription"), {});
    assert.deepEqual(f.lastAuth, [{ action: "shield:CreateSubscription", resource: "*" }]);
    await expectAwsError(f.call("CreateSubscription"), "ResourceAlreadyExistsException", "The subscription already exists.", 400);
    assert.deepEqual(await f.call("GetSubscriptionState"), { SubscriptionState: "ACTIVE" });
    const { Subscription: s } = await f.call<{ Subscription: Subscription }>("DescribeSubscription");
    assert.equal(s.StartTime?.getTime(), START);
    assert.equal(s.EndTime?.getTime(), START + YEAR);
    assert.equal(s.TimeCommitmentInSeconds, 31_536_000);
    assert.equal(s.AutoRenew, "ENABLED");
    assert.equal(s.ProactiveEngagementStatus, "DISABLED");
    assert.match(s.SubscriptionArn ?? "", /^arn:aws:shield::111122223333:subscription\/[0-9a-f]{16}$/);
    assert.deepEqual(s.Limits?.find((l) => l.Type === "ELB_LOAD_BALANCER"), { Type: "ELB_LOAD_BALANCER", Max: 1000 });
    assert.deepEqual(s.SubscriptionLimits?.ProtectionGroupLimits, { MaxProtectionGroups: 100, PatternTypeLimits: { ArbitraryPatternLimits: { MaxMembers: 10_000 } } });
    // Other accounts are unaffected.
    assert.deepEqual(await f.call("GetSubscriptionState", {}, { account: OTHER }), { SubscriptionState: "INACTIVE" });
  });

  test("AutoRenew changes only in the last 30 days; a non-renewing subscription ends; DeleteSubscription is locked", async () => {
    const f = shieldFixture();
    await expectAwsError(f.call("UpdateSubscription", { AutoRenew: "DISABLED" }), "ResourceNotFoundException", "The subscription does not exist.");
    await expectAwsError(f.call("DeleteSubscription"), "ResourceNotFoundException", "The subscription does not exist.");
    await f.call("CreateSubscription");
    await expectAwsError(f.call("UpdateSubscription", { AutoRenew: "DISABLED" }), "LockedSubscriptionException", /last 30 days/);
    assert.deepEqual(await f.call("UpdateSubscription", { AutoRenew: "ENABLED" }), {}, "no change, no error");
    assert.deepEqual(await f.call("UpdateSubscription", {}), {});
    await expectAwsError(f.call("UpdateSubscription", { AutoRenew: "SOMETIMES" }), "InvalidParameterException", "1 validation error detected: Value 'SOMETIMES' at 'autoRenew' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]");
    await expectAwsError(f.call("DeleteSubscription"), "LockedSubscriptionException", /1-year subscription commitment/);
    f.clock.set(START + YEAR - 10 * DAY);
    await f.call("UpdateSubscription", { AutoRenew: "DISABLED" });
    const { Subscription: s } = await f.call<{ Subscription: Subscription }>("DescribeSubscription");
    assert.equal(s.AutoRenew, "DISABLED");
    f.clock.set(START + YEAR);
    assert.deepEqual(await f.call("GetSubscriptionState"), { SubscriptionState: "INACTIVE" });
    await expectAwsError(f.call("DescribeSubscription"), "ResourceNotFoundException", "The subscription does not exist.");
    await f.call("CreateSubscription");
    const renewed = (await f.call<{ Subscription: Subscription }>("DescribeSubscription")).Subscription;
    assert.equal(renewed.StartTime?.getTime(), START + YEAR);
  });

  test("a renewing subscription rolls into its next period", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    f.clock.set(START + YEAR + 5 * DAY);
    const { Subscription: s } = await f.call<{ Subscription: Subscription }>("DescribeSubscription");
    assert.equal(s.StartTime?.getTime(), START + YEAR);
    assert.equal(s.EndTime?.getTime(), START + 2 * YEAR);
  });
});

describe("Shield protections", () => {
  test("create needs a subscription and an existing load balancer of the caller", async () => {
    const f = shieldFixture();
    await expectAwsError(f.call("CreateProtection", { Name: "web", ResourceArn: LB }), "ResourceNotFoundException", "The subscription does not exist.");
    await f.call("CreateSubscription");
    const bad = await expectAwsError(f.call("CreateProtection", { Name: "web!", ResourceArn: "not-an-arn" }), "InvalidParameterException", /^2 validation errors detected: /);
    assert.deepEqual(bad.fields, {
      reason: "FIELD_VALIDATION_FAILED",
      fields: [
        { name: "name", message: "Value 'web!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [ a-zA-Z0-9_\\\\.\\\\-]*" },
        { name: "resourceArn", message: "Value 'not-an-arn' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws.*" },
      ],
    });
    await expectAwsError(f.call("CreateProtection", { Name: "web", ResourceArn: "arn:aws:s3:::bucket" }), "InvalidResourceException", /^Unrecognized resource ARN/);
    await expectAwsError(f.call("CreateProtection", { Name: "cf", ResourceArn: `arn:aws:cloudfront::${ACCOUNT}:distribution/E1ABCDEF` }), "InvalidResourceException", /does not exist or you don't have access/);
    await expectAwsError(f.call("CreateProtection", { Name: "web", ResourceArn: OTHER_LB }), "InvalidResourceException", /does not exist/);
    f.loadBalancers.delete(LB2);
    await expectAwsError(f.call("CreateProtection", { Name: "api", ResourceArn: LB2 }), "InvalidResourceException", /does not exist/);
    const { ProtectionId } = await f.call<{ ProtectionId: string }>("CreateProtection", { Name: "web site", ResourceArn: LB });
    assert.match(ProtectionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(f.lastAuth, [{ action: "shield:CreateProtection", resource: "*" }]);
    await expectAwsError(f.call("CreateProtection", { Name: "again", ResourceArn: LB }), "ResourceAlreadyExistsException", "The referenced protection already exists.");
  });

  test("describe by id or by resource, list with filters and pages, delete", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    const a = (await f.call<{ ProtectionId: string }>("CreateProtection", { Name: "web", ResourceArn: LB })).ProtectionId;
    const b = (await f.call<{ ProtectionId: string }>("CreateProtection", { Name: "api", ResourceArn: LB2 })).ProtectionId;
    const byId = (await f.call<{ Protection: Protection }>("DescribeProtection", { ProtectionId: a })).Protection;
    assert.deepEqual(byId, {
      Id: a,
      Name: "web",
      ResourceArn: LB,
      HealthCheckIds: [],
      ProtectionArn: `arn:aws:shield::${ACCOUNT}:protection/${a}`,
      ApplicationLayerAutomaticResponseConfiguration: { Status: "DISABLED", Action: { Block: {} } },
    });
    assert.deepEqual(f.lastAuth, [{ action: "shield:DescribeProtection", resource: `arn:aws:shield::${ACCOUNT}:protection/${a}` }]);
    assert.deepEqual((await f.call<{ Protection: Protection }>("DescribeProtection", { ResourceArn: LB2 })).Protection?.Id, b);
    await expectAwsError(f.call("DescribeProtection", { ProtectionId: a, ResourceArn: LB }), "InvalidParameterException", /but not both/);
    await expectAwsError(f.call("DescribeProtection", {}), "InvalidParameterException", /but not both/);
    await expectAwsError(f.call("DescribeProtection", { ResourceArn: OTHER_LB }), "ResourceNotFoundException", "The referenced protection does not exist.");
    await expectAwsError(f.call("DescribeProtection", { ProtectionId: a }, { account: OTHER }), "ResourceNotFoundException", "The subscription does not exist.");

    const all = await f.call<{ Protections: Protection[]; NextToken?: string }>("ListProtections", {});
    assert.deepEqual(all.Protections.map((p) => p.Id).sort(), [a, b].sort());
    assert.equal(all.NextToken, undefined);
    const p1 = await f.call<{ Protections: Protection[]; NextToken?: string }>("ListProtections", { MaxResults: 1 });
    assert.equal(p1.Protections.length, 1);
    assert.ok(p1.NextToken);
    const p2 = await f.call<{ Protections: Protection[]; NextToken?: string }>("ListProtections", { MaxResults: 1, NextToken: p1.NextToken });
    assert.equal(p2.Protections.length, 1);
    assert.notEqual(p2.Protections[0]?.Id, p1.Protections[0]?.Id);
    assert.equal(p2.NextToken, undefined);
    await expectAwsError(f.call("ListProtections", { NextToken: `${p1.NextToken}x` }), "InvalidPaginationTokenException", /NextToken/);
    await expectAwsError(f.call("ListProtections", { NextToken: p1.NextToken, InclusionFilters: { ProtectionNames: ["web"] } }), "InvalidPaginationTokenException", /NextToken/);
    await expectAwsError(f.call("ListProtections", { MaxResults: 10_001 }), "InvalidParameterException", /Member must have value less than or equal to 10000/);
    // MaxResults is an Integer: a fraction is truncated, the "NaN" spelling is no integer.
    assert.equal((await f.call<{ Protections: Protection[] }>("ListProtections", { MaxResults: 1.9 })).Protections.length, 1);
    assert.equal((await f.call<{ Protections: Protection[] }>("ListProtections", { MaxResults: 0.5 })).Protections.length, 2);
    await expectAwsError(f.call("ListProtections", { MaxResults: Number.NaN }), "SerializationException", "STRING_VALUE can not be converted to an Integer", 400);
    await expectAwsError(f.call("ListAttacks", { MaxResults: Number.NaN }), "SerializationException", /Integer/);
    const named = await f.call<{ Protections: Protection[] }>("ListProtections", { InclusionFilters: { ProtectionNames: ["api"] } });
    assert.deepEqual(named.Protections.map((p) => p.Id), [b]);
    assert.deepEqual((await f.call<{ Protections: Protection[] }>("ListProtections", { InclusionFilters: { ResourceArns: [LB] } })).Protections.map((p) => p.Id), [a]);
    assert.deepEqual((await f.call<{ Protections: Protection[] }>("ListProtections", { InclusionFilters: { ResourceTypes: ["CLOUDFRONT_DISTRIBUTION"] } })).Protections, []);
    await expectAwsError(f.call("ListProtections", { InclusionFilters: { ResourceArns: [LB, LB2] } }), "InvalidParameterException", /Member must have length less than or equal to 1/);

    await f.call("DeleteProtection", { ProtectionId: a });
    assert.deepEqual(f.lastAuth, [{ action: "shield:DeleteProtection", resource: `arn:aws:shield::${ACCOUNT}:protection/${a}` }]);
    await expectAwsError(f.call("DeleteProtection", { ProtectionId: a }), "ResourceNotFoundException", "The referenced protection does not exist.");
    await expectAwsError(f.call("DeleteProtection", { ProtectionId: "short" }), "InvalidParameterException", /Member must have length greater than or equal to 36/);
    // The resource can be protected again.
    await f.call("CreateProtection", { Name: "web", ResourceArn: LB });
  });

  test("automatic application-layer response: needs a web ACL; enable, update, disable with their errors", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    await expectAwsError(f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Block: {} } }), "ResourceNotFoundException", "The referenced protection does not exist.");
    await f.call("CreateProtection", { Name: "web", ResourceArn: LB });
    await expectAwsError(f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Block: {} } }), "InvalidOperationException", /associated with an AWS WAF \(v2\) web ACL/);
    f.webAcls.set(LB, ACL);
    await expectAwsError(f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Block: {}, Count: {} } }), "InvalidParameterException", "You must specify exactly one action, either Block or Count.");
    await expectAwsError(f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: {} }), "InvalidParameterException", "You must specify exactly one action, either Block or Count.");
    await expectAwsError(f.call("UpdateApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Count: {} } }), "InvalidOperationException", /not enabled/);
    await f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Block: {} } });
    const id = (await f.call<{ Protection: Protection }>("DescribeProtection", { ResourceArn: LB })).Protection.Id as string;
    assert.deepEqual(f.lastAuth.map((r) => r.action), ["shield:DescribeProtection"]);
    const cfg = async (): Promise<unknown> => (await f.call<{ Protection: Protection }>("DescribeProtection", { ProtectionId: id })).Protection.ApplicationLayerAutomaticResponseConfiguration;
    assert.deepEqual(await cfg(), { Status: "ENABLED", Action: { Block: {} } });
    await expectAwsError(f.call("EnableApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Count: {} } }), "InvalidOperationException", /already enabled/);
    await f.call("UpdateApplicationLayerAutomaticResponse", { ResourceArn: LB, Action: { Count: {} } });
    assert.deepEqual(f.lastAuth, [{ action: "shield:UpdateApplicationLayerAutomaticResponse", resource: `arn:aws:shield::${ACCOUNT}:protection/${id}` }]);
    assert.deepEqual(await cfg(), { Status: "ENABLED", Action: { Count: {} } });
    await f.call("DisableApplicationLayerAutomaticResponse", { ResourceArn: LB });
    assert.deepEqual(await cfg(), { Status: "DISABLED", Action: { Block: {} } });
    await expectAwsError(f.call("DisableApplicationLayerAutomaticResponse", { ResourceArn: LB }), "InvalidOperationException", /not enabled/);
  });

  test("tags on protections: at creation, TagResource merges, UntagResource removes; bad ARNs and keys are refused", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    const id = (await f.call<{ ProtectionId: string }>("CreateProtection", { Name: "web", ResourceArn: LB, Tags: [{ Key: "env", Value: "prod" }] })).ProtectionId;
    assert.deepEqual(f.lastAuth.map((r) => r.action), ["shield:CreateProtection", "shield:TagResource"]);
    assert.deepEqual(f.lastAuth[0]?.context, { "aws:TagKeys": ["env"], "aws:RequestTag/env": "prod" });
    const arn = `arn:aws:shield::${ACCOUNT}:protection/${id}`;
    assert.deepEqual(await f.call("ListTagsForResource", { ResourceARN: arn }), { Tags: [{ Key: "env", Value: "prod" }] });
    await f.call("TagResource", { ResourceARN: arn, Tags: [{ Key: "env", Value: "test" }, { Key: "team", Value: "edge" }] });
    assert.deepEqual(await f.call("ListTagsForResource", { ResourceARN: arn }), { Tags: [{ Key: "env", Value: "test" }, { Key: "team", Value: "edge" }] });
    await f.call("UntagResource", { ResourceARN: arn, TagKeys: ["env", "absent"] });
    assert.deepEqual(await f.call("ListTagsForResource", { ResourceARN: arn }), { Tags: [{ Key: "team", Value: "edge" }] });
    await expectAwsError(f.call("TagResource", { ResourceARN: arn, Tags: [{ Key: "aws:x", Value: "1" }] }), "InvalidParameterException", /aws:/);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await expectAwsError(f.call("TagResource", { ResourceARN: arn, Tags: many }), "InvalidParameterException", "A resource can have at most 50 tags.");
    await expectAwsError(f.call("ListTagsForResource", { ResourceARN: LB }), "InvalidResourceException", /not a Shield Advanced protection/);
    await expectAwsError(f.call("ListTagsForResource", { ResourceARN: `arn:aws:shield::${ACCOUNT}:protection/00000000-0000-0000-0000-000000000000` }), "ResourceNotFoundException", "The referenced protection does not exist.");
    await expectAwsError(f.call("ListTagsForResource", { ResourceARN: `arn:aws:shield::${OTHER}:protection/${id}` }), "InvalidResourceException", /you don't have access/);
  });

  test("more than 200 tags: the violation shows the tag list as Coral does, not as [object Object]", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    const tags = Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const shown = tags.map((t) => `{Key: ${t.Key},Value: v}`).join(", ");
    const e = await expectAwsError(
      f.call("CreateProtection", { Name: "web", ResourceArn: LB, Tags: tags }),
      "InvalidParameterException",
      `1 validation error detected: Value '[${shown}]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200`,
    );
    assert.doesNotMatch(e.message, /object Object/);
  });

  test("a denied caller gets AccessDeniedException before anything changes", async () => {
    const f = shieldFixture();
    await expectAwsError(f.call("CreateSubscription", {}, { deny: () => true }), "AccessDeniedException", /shield:CreateSubscription/);
    assert.deepEqual(await f.call("GetSubscriptionState"), { SubscriptionState: "INACTIVE" });
  });
});

describe("Shield protection groups", () => {
  test("create (ALL, BY_RESOURCE_TYPE, ARBITRARY), describe, list with filters, resources, update, delete", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    await f.call("CreateProtection", { Name: "web", ResourceArn: LB });
    await f.call("CreateProtectionGroup", { ProtectionGroupId: "everything", Aggregation: "SUM", Pattern: "ALL", Tags: [{ Key: "k", Value: "v" }] });
    assert.deepEqual(f.lastAuth.map((r) => [r.action, r.resource]), [
      ["shield:CreateProtectionGroup", `arn:aws:shield::${ACCOUNT}:protection-group/everything`],
      ["shield:TagResource", `arn:aws:shield::${ACCOUNT}:protection-group/everything`],
    ]);
    await f.call("CreateProtectionGroup", { ProtectionGroupId: "albs", Aggregation: "MEAN", Pattern: "BY_RESOURCE_TYPE", ResourceType: "APPLICATION_LOAD_BALANCER" });
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "pick", Aggregation: "MAX", Pattern: "ARBITRARY", Members: [LB2] }), "ResourceNotFoundException", /is not protected/);
    await f.call("CreateProtection", { Name: "api", ResourceArn: LB2 });
    await f.call("CreateProtectionGroup", { ProtectionGroupId: "pick", Aggregation: "MAX", Pattern: "ARBITRARY", Members: [LB2, LB2] });
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "pick", Aggregation: "MAX", Pattern: "ALL" }), "ResourceAlreadyExistsException", "The referenced protection group already exists.");
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "x", Aggregation: "SUM", Pattern: "BY_RESOURCE_TYPE" }), "InvalidParameterException", /ResourceType must be set/);
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "x", Aggregation: "SUM", Pattern: "ALL", ResourceType: "APPLICATION_LOAD_BALANCER" }), "InvalidParameterException", /only when Pattern is BY_RESOURCE_TYPE/);
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "x", Aggregation: "SUM", Pattern: "ARBITRARY" }), "InvalidParameterException", /Members must be set/);
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "x", Aggregation: "SUM", Pattern: "ALL", Members: [LB] }), "InvalidParameterException", /only when Pattern is ARBITRARY/);
    await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "bad id", Aggregation: "AVG", Pattern: "ALL" }), "InvalidParameterException", /^2 validation errors detected/);

    const pick = (await f.call<{ ProtectionGroup: ProtectionGroup }>("DescribeProtectionGroup", { ProtectionGroupId: "pick" })).ProtectionGroup;
    assert.deepEqual(pick, { ProtectionGroupId: "pick", Aggregation: "MAX", Pattern: "ARBITRARY", Members: [LB2], ProtectionGroupArn: `arn:aws:shield::${ACCOUNT}:protection-group/pick` });
    const albs = (await f.call<{ ProtectionGroup: ProtectionGroup }>("DescribeProtectionGroup", { ProtectionGroupId: "albs" })).ProtectionGroup;
    assert.deepEqual(albs, { ProtectionGroupId: "albs", Aggregation: "MEAN", Pattern: "BY_RESOURCE_TYPE", ResourceType: "APPLICATION_LOAD_BALANCER", Members: [], ProtectionGroupArn: `arn:aws:shield::${ACCOUNT}:protection-group/albs` });

    const ids = async (input: unknown): Promise<string[]> => (await f.call<{ ProtectionGroups: ProtectionGroup[] }>("ListProtectionGroups", input)).ProtectionGroups.map((g) => g.ProtectionGroupId as string);
    assert.deepEqual(await ids({}), ["albs", "everything", "pick"]);
    assert.deepEqual(await ids({ InclusionFilters: { Patterns: ["ARBITRARY"] } }), ["pick"]);
    assert.deepEqual(await ids({ InclusionFilters: { Aggregations: ["SUM"] } }), ["everything"]);
    assert.deepEqual(await ids({ InclusionFilters: { ResourceTypes: ["APPLICATION_LOAD_BALANCER"] } }), ["albs"]);
    assert.deepEqual(await ids({ InclusionFilters: { ProtectionGroupIds: ["pick"], Aggregations: ["SUM"] } }), []);
    const page = await f.call<{ ProtectionGroups: ProtectionGroup[]; NextToken?: string }>("ListProtectionGroups", { MaxResults: 2 });
    assert.equal(page.ProtectionGroups.length, 2);
    const rest = await f.call<{ ProtectionGroups: ProtectionGroup[]; NextToken?: string }>("ListProtectionGroups", { MaxResults: 2, NextToken: page.NextToken });
    assert.deepEqual(rest.ProtectionGroups.map((g) => g.ProtectionGroupId), ["pick"]);

    const resources = async (id: string): Promise<string[]> => (await f.call<{ ResourceArns: string[] }>("ListResourcesInProtectionGroup", { ProtectionGroupId: id })).ResourceArns;
    assert.deepEqual(await resources("everything"), [LB2, LB].sort());
    assert.deepEqual(await resources("albs"), [LB2, LB].sort());
    assert.deepEqual(await resources("pick"), [LB2]);
    // The detector combines exactly the resources the API lists.
    const watched = (id: string): string[] => f.svc.detector.groupMembers(ACCOUNT, id);
    for (const id of ["everything", "albs", "pick"]) assert.deepEqual(watched(id), await resources(id), id);
    await expectAwsError(f.call("ListResourcesInProtectionGroup", { ProtectionGroupId: "nope" }), "ResourceNotFoundException", "The referenced protection group does not exist.");

    await f.call("UpdateProtectionGroup", { ProtectionGroupId: "pick", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [LB, LB2] });
    assert.deepEqual(await resources("pick"), [LB2, LB].sort());
    // Deleting a protection takes its resource out of ARBITRARY groups.
    const id2 = (await f.call<{ Protection: Protection }>("DescribeProtection", { ResourceArn: LB2 })).Protection.Id;
    await f.call("DeleteProtection", { ProtectionId: id2 });
    assert.deepEqual(await resources("pick"), [LB]);
    assert.deepEqual(await resources("everything"), [LB]);
    for (const id of ["everything", "albs", "pick"]) assert.deepEqual(watched(id), await resources(id), id);
    assert.deepEqual(await f.call("ListTagsForResource", { ResourceARN: `arn:aws:shield::${ACCOUNT}:protection-group/everything` }), { Tags: [{ Key: "k", Value: "v" }] });

    await f.call("DeleteProtectionGroup", { ProtectionGroupId: "pick" });
    assert.deepEqual(watched("pick"), []);
    await expectAwsError(f.call("DeleteProtectionGroup", { ProtectionGroupId: "pick" }), "ResourceNotFoundException", "The referenced protection group does not exist.");
    await expectAwsError(f.call("UpdateProtectionGroup", { ProtectionGroupId: "pick", Aggregation: "SUM", Pattern: "ALL" }), "ResourceNotFoundException", "The referenced protection group does not exist.");
    await expectAwsError(f.call("DescribeProtectionGroup", { ProtectionGroupId: "pick" }), "ResourceNotFoundException", "The referenced protection group does not exist.");
  });

  test("every constraint violation is reported in one answer, in model order, before the subscription is looked at", async () => {
    const f = shieldFixture();
    const v = (value: string, path: string, must: string) => ({ name: path, message: `Value '${value}' at '${path}' failed to satisfy constraint: Member must ${must}` });
    // No subscription yet: a bad MaxResults is still a parameter error.
    const noSub = await expectAwsError(f.call("ListProtections", { MaxResults: 10_001 }), "InvalidParameterException", /^1 validation error detected: /);
    assert.deepEqual(noSub.fields, { reason: "FIELD_VALIDATION_FAILED", fields: [v("10001", "maxResults", "have value less than or equal to 10000")] });
    await f.call("CreateSubscription");
    const tagsToo = await expectAwsError(
      f.call("CreateProtectionGroup", { ProtectionGroupId: "bad id", Aggregation: "SUM", Pattern: "ALL", Tags: [{ Key: "", Value: "v" }] }),
      "InvalidParameterException",
      /^2 validation errors detected: /,
    );
    assert.deepEqual(tagsToo.fields, {
      reason: "FIELD_VALIDATION_FAILED",
      fields: [v("bad id", "protectionGroupId", "satisfy regular expression pattern: [a-zA-Z0-9\\\\-]*"), v("", "tags.1.member.key", "have length greater than or equal to 1")],
    });
    const lists: Array<[string, Record<string, unknown>, ReturnType<typeof v>[]]> = [
      ["ListProtections", { MaxResults: -1, InclusionFilters: { ResourceArns: [] } }, [v("-1", "maxResults", "have value greater than or equal to 0"), v("[]", "inclusionFilters.resourceArns", "have length greater than or equal to 1")]],
      ["ListProtectionGroups", { MaxResults: 10_001, InclusionFilters: { Patterns: [] } }, [v("10001", "maxResults", "have value less than or equal to 10000"), v("[]", "inclusionFilters.patterns", "have length greater than or equal to 1")]],
      ["ListResourcesInProtectionGroup", { ProtectionGroupId: "bad id", MaxResults: 10_001 }, [v("bad id", "protectionGroupId", "satisfy regular expression pattern: [a-zA-Z0-9\\\\-]*"), v("10001", "maxResults", "have value less than or equal to 10000")]],
      ["ListAttacks", { ResourceArns: ["nope"], NextToken: "", MaxResults: -1 }, [v("nope", "resourceArns.1.member", "satisfy regular expression pattern: ^arn:aws.*"), v("", "nextToken", "have length greater than or equal to 1"), v("-1", "maxResults", "have value greater than or equal to 0")]],
    ];
    for (const [op, input, fields] of lists) {
      const e = await expectAwsError(f.call(op, input), "InvalidParameterException", new RegExp(`^${fields.length} validation errors detected: `));
      assert.deepEqual(e.fields, { reason: "FIELD_VALIDATION_FAILED", fields }, op);
    }
  });

  test("missing required members are InvalidParameterException with their fields, as every other constraint", () => {
    const null1 = "Value null at 'aggregation' failed to satisfy constraint: Member must not be null";
    const null2 = "Value null at 'emergencyContactList.1.member.emailAddress' failed to satisfy constraint: Member must not be null";
    const e = shieldFixture().svc.missingRequiredError?.([null1, null2]);
    assert.ok(e);
    assert.equal(e.code, "InvalidParameterException");
    assert.equal(e.status, 400);
    assert.equal(e.message, `2 validation errors detected: ${null1}; ${null2}`);
    assert.deepEqual(e.fields, {
      reason: "FIELD_VALIDATION_FAILED",
      fields: [
        { name: "aggregation", message: null1 },
        { name: "emergencyContactList.1.member.emailAddress", message: null2 },
      ],
    });
  });

  test("at most 100 protection groups", async () => {
    const f = shieldFixture();
    await f.call("CreateSubscription");
    for (let i = 0; i < 100; i++) await f.call("CreateProtectionGroup", { ProtectionGroupId: `g${i}`, Aggregation: "SUM", Pattern: "ALL" });
    const e = await expectAwsError(f.call("CreateProtectionGroup", { ProtectionGroupId: "g100", Aggregation: "SUM", Pattern: "ALL" }), "LimitsExceededException", /maximum number of protection groups/);
    assert.deepEqual(e.fields, { Type: "PROTECTION_GROUP", Limit: 100 });
  });
});

describe("Shield Response Team settings", () => {
  test("emergency contacts, proactive engagement and the SRT role; log buckets and health checks are unreachable", async () => {
    const f = shieldFixture();
    await expectAwsError(f.call("DescribeEmergencyContactSettings"), "ResourceNotFoundException", "The subscription does not exist.");
    await f.call("CreateSubscription");
    assert.deepEqual(await f.call("DescribeEmergencyContactSettings"), { EmergencyContactList: [] });
    await expectAwsError(f.call("UpdateEmergencyContactSettings", { EmergencyContactList: [{ EmailAddress: "nobody" }] }), "InvalidParameterException", /emailAddress/);
    // The model's patterns are Java's: \s and \S know only ASCII whitespace, so a no-break space is not a space in notes and is not one in an address.
    await expectAwsError(
      f.call("UpdateEmergencyContactSettings", { EmergencyContactList: [{ EmailAddress: "ops@example.com", ContactNotes: "on\u00a0call" }] }),
      "InvalidParameterException",
      "1 validation error detected: Value 'on\u00a0call' at 'emergencyContactList.1.member.contactNotes' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w\\s\\.\\-,:/()+@]*$",
    );
    await f.call("UpdateEmergencyContactSettings", { EmergencyContactList: [{ EmailAddress: "ops\u00a0team@example.com", ContactNotes: "on call\n24x7" }] });
    assert.deepEqual(await f.call("DescribeEmergencyContactSettings"), { EmergencyContactList: [{ EmailAddress: "ops\u00a0team@example.com", ContactNotes: "on call\n24x7" }] });
    await f.call("UpdateEmergencyContactSettings", { EmergencyContactList: [{ EmailAddress: "ops@example.com", ContactNotes: "on call" }] });
    assert.deepEqual(await f.call("DescribeEmergencyContactSettings"), { EmergencyContactList: [{ EmailAddress: "ops@example.com", ContactNotes: "on call" }] });
    await expectAwsError(f.call("EnableProactiveEngagement"), "InvalidOperationException", /phone number/);
    await expectAwsError(f.call("AssociateProactiveEngagementDetails", { EmergencyContactList: [{ EmailAddress: "ops@example.com" }] }), "InvalidParameterException", /at least one phone number/);
    await f.call("AssociateProactiveEngagementDetails", { EmergencyContactList: [{ EmailAddress: "ops@example.com", PhoneNumber: "+15555550100" }] });
    assert.equal((await f.call<{ Subscription: Subscription }>("DescribeSubscription")).Subscription.ProactiveEngagementStatus, "ENABLED");
    await expectAwsError(f.call("AssociateProactiveEngagementDetails", { EmergencyContactList: [{ EmailAddress: "ops@example.com", PhoneNumber: "+15555550100" }] }), "InvalidOperationException", /already initialized/);
    await f.call("DisableProactiveEngagement");
    await expectAwsError(f.call("DisableProactiveEngagement"), "InvalidOperationException", /already disabled/);
    await f.call("EnableProactiveEngagement");
    assert.equal((await f.call<{ Subscription: Subscription }>("DescribeSubscription")).Subscription.ProactiveEngagementStatus, "ENABLED");

    assert.deepEqual(await f.call("DescribeDRTAccess"), { LogBucketList: [] });
    await expectAwsError(f.call("AssociateDRTLogBucket", { LogBucket: "my-logs" }), "NoAssociatedRoleException", /AssociateDRTRole/);
    await expectAwsError(f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-access` }, { deny: (r) => r.action === "iam:PassRole" }), "AccessDeniedForDependencyException", /iam:PassRole/);
    // iam:PassedToService names the SRT's service principal (a policy may allow or deny passing roles to it alone).
    const passedToSrt = (r: AuthorizeRequest) => r.action === "iam:PassRole" && r.context?.["iam:PassedToService"] === "drt.shield.amazonaws.com";
    await expectAwsError(f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-access` }, { deny: passedToSrt }), "AccessDeniedForDependencyException", /iam:PassRole/);
    await expectAwsError(f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/missing` }), "InvalidParameterException", /does not exist/);
    await expectAwsError(
      f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-untrusted` }),
      "InvalidParameterException",
      `The role arn:aws:iam::${ACCOUNT}:role/srt-untrusted must trust the service principal drt.shield.amazonaws.com.`,
    );
    await expectAwsError(
      f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-no-policy` }),
      "InvalidParameterException",
      `The AWSShieldDRTAccessPolicy managed policy must be attached to the role arn:aws:iam::${ACCOUNT}:role/srt-no-policy.`,
    );
    // A role of another account cannot be passed, whatever the caller's iam:PassRole allows.
    await expectAwsError(f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${OTHER}:role/srt-access` }), "AccessDeniedForDependencyException", "Cross-account pass role is not allowed.");
    await f.call("AssociateDRTRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-access` });
    assert.deepEqual(await f.call("DescribeDRTAccess"), { RoleArn: `arn:aws:iam::${ACCOUNT}:role/srt-access`, LogBucketList: [] });
    await expectAwsError(f.call("AssociateDRTLogBucket", { LogBucket: "my-logs" }), "AccessDeniedForDependencyException", /Amazon S3/);
    await f.call("DisassociateDRTRole");
    assert.deepEqual(await f.call("DescribeDRTAccess"), { LogBucketList: [] });

    const id = (await f.call<{ ProtectionId: string }>("CreateProtection", { Name: "web", ResourceArn: LB })).ProtectionId;
    const hc = "arn:aws:route53:::healthcheck/abcdefab-1234-5678-9abc-abcdefabcdef";
    await expectAwsError(f.call("AssociateHealthCheck", { ProtectionId: id, HealthCheckArn: hc }), "InvalidResourceException", /Route 53/);
    await expectAwsError(f.call("AssociateHealthCheck", { ProtectionId: "00000000-0000-0000-0000-000000000000", HealthCheckArn: hc }), "ResourceNotFoundException", "The referenced protection does not exist.");
  });
});

test("every operation of the Shield API is served and authorises as shield:<Op>", async () => {
  const f = shieldFixture();
  const ops = Object.keys(f.svc.operations).sort();
  assert.equal(ops.length, 36);
  await f.call("CreateSubscription");
  for (const op of ops) {
    await f.call(op, {}).catch(() => undefined);
    assert.equal(f.lastAuth[0]?.action, `shield:${op}`, op);
  }
});
