import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Listener, LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { createFixture, expectError } from "./testing/fixture.js";

const TAGS = [{ Key: "CostCenter", Value: "42" }];
const denyAddTags = (r: { action: string }) => r.action === "elasticloadbalancing:AddTags";

describe("tagging resources during creation", () => {
  test("tags in CreateLoadBalancer, CreateTargetGroup and CreateListener are authorised as AddTags with elasticloadbalancing:CreateAction", async () => {
    const f = createFixture();
    const lb = (await f.call<{ LoadBalancers: LoadBalancer[] }>("CreateLoadBalancer", { Name: "web", Tags: TAGS })).LoadBalancers[0]!.LoadBalancerArn!;
    const tg = (await f.call<{ TargetGroups: TargetGroup[] }>("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 80, Tags: TAGS })).TargetGroups[0]!.TargetGroupArn!;
    const l = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lb, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }], Tags: TAGS })).Listeners[0]!.ListenerArn!;
    const addTags = f.authorized.filter((a) => a.action === "elasticloadbalancing:AddTags");
    assert.deepEqual(
      addTags.map((a) => [a.resource, a.context]),
      [lb, tg, l].map((arn, i) => [
        arn,
        { "aws:TagKeys": ["CostCenter"], "aws:RequestTag/CostCenter": "42", "elasticloadbalancing:CreateAction": ["CreateLoadBalancer", "CreateTargetGroup", "CreateListener"][i] },
      ]),
    );
  });

  test("without tags no AddTags authorisation is asked", async () => {
    const f = createFixture();
    await f.call("CreateLoadBalancer", { Name: "web" });
    await f.call("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 80 });
    assert.equal(f.authorized.filter((a) => a.action === "elasticloadbalancing:AddTags").length, 0);
  });

  test("a denied AddTags refuses the tagged create and stores nothing", async () => {
    const f = createFixture();
    const ctx = f.ctx(denyAddTags);
    await expectError(f.call("CreateLoadBalancer", { Name: "web", Tags: TAGS }, ctx), "AccessDeniedException");
    await expectError(f.call("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 80, Tags: TAGS }, ctx), "AccessDeniedException");
    assert.deepEqual((await f.call<{ LoadBalancers: LoadBalancer[] }>("DescribeLoadBalancers", {})).LoadBalancers, []);
    assert.deepEqual((await f.call<{ TargetGroups: TargetGroup[] }>("DescribeTargetGroups", {})).TargetGroups, []);
    // Untagged creates still need only the create action.
    const lb = (await f.call<{ LoadBalancers: LoadBalancer[] }>("CreateLoadBalancer", { Name: "web" }, ctx)).LoadBalancers[0]!.LoadBalancerArn!;
    const tg = (await f.call<{ TargetGroups: TargetGroup[] }>("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 80 }, ctx)).TargetGroups[0]!.TargetGroupArn!;
    await expectError(f.call("CreateListener", { LoadBalancerArn: lb, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }], Tags: TAGS }, ctx), "AccessDeniedException");
    assert.deepEqual((await f.call<{ Listeners: Listener[] }>("DescribeListeners", { LoadBalancerArn: lb })).Listeners, []);
    assert.equal(f.runtime.listeners.size, 0);
  });
});

describe("tag characters", () => {
  const PATTERN = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";
  test("keys and values must match API_Tag's pattern, in AddTags and at creation", async () => {
    const f = createFixture();
    const lb = (await f.call<{ LoadBalancers: LoadBalancer[] }>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn!;
    await expectError(
      f.call("AddTags", { ResourceArns: [lb], Tags: [{ Key: "ok", Value: "v" }, { Key: "bad#key<>", Value: "v" }] }),
      "ValidationError",
      `1 validation error detected: Value 'bad#key<>' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATTERN}`,
    );
    await expectError(
      f.call("AddTags", { ResourceArns: [lb], Tags: [{ Key: "k", Value: "a\u0001b" }] }),
      "ValidationError",
      `1 validation error detected: Value 'a\u0001b' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATTERN}`,
    );
    await expectError(f.call("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 80, Tags: [{ Key: "k", Value: "a;b" }] }), "ValidationError", /at 'tags\.1\.member\.value'/);
    // Letters and digits of any script, separators and _ . : / = + - @ are allowed; so is an empty value.
    const good = [
      { Key: "Ünïcode 名前 ٣", Value: "a_b.c:d/e=f+g-h@i j" },
      { Key: "empty", Value: "" },
    ];
    await f.call("AddTags", { ResourceArns: [lb], Tags: good });
    const d = await f.call<{ TagDescriptions: Array<{ Tags: Array<{ Key: string; Value: string }> }> }>("DescribeTags", { ResourceArns: [lb] });
    assert.deepEqual(d.TagDescriptions[0]!.Tags, good);
  });
});
