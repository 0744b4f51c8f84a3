/**
 * CloudTrail's trail operations for an account without trails, through the official SDK: tools
 * that inventory or clean an account (aws-nuke lists trails with DescribeTrails before anything
 * else CloudTrail) get an empty list, a named trail is TrailNotFoundException (HTTP 404, as the
 * model's error shape says), bad names and ARNs are refused as the API reference's errors, every
 * call is authorised (cloudtrail:<Action>) and recorded with LookupEvents.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CloudTrailClient,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  LookupEventsCommand,
} from "@aws-sdk/client-cloudtrail";
import { startTestServer, awsError, newUser, type TestServer } from "./harness.js";

let s: TestServer;
let ct: CloudTrailClient;
before(async () => {
  s = await startTestServer();
  ct = new CloudTrailClient(s.clientConfig(undefined, "eu-west-1"));
});
after(async () => {
  await s.destroy();
});

test("DescribeTrails and ListTrails answer an empty list, with or without names", async () => {
  assert.deepEqual((await ct.send(new DescribeTrailsCommand({}))).trailList, []);
  assert.deepEqual((await ct.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList, []);
  const named = await ct.send(new DescribeTrailsCommand({ trailNameList: ["management-events", `arn:aws:cloudtrail:us-east-1:${s.accountId}:trail/org.trail_1`] }));
  assert.deepEqual(named.trailList, []);
  const list = await ct.send(new ListTrailsCommand({}));
  assert.deepEqual(list.Trails, []);
  assert.equal(list.NextToken, undefined);
  await assert.rejects(ct.send(new ListTrailsCommand({ NextToken: "abc" })), awsError("InvalidNextTokenException", 400, "Invalid NextToken."));
});

test("a named trail is TrailNotFoundException: GetTrail names it as given, GetTrailStatus and DeleteTrail by ARN", async () => {
  const arn = `arn:aws:cloudtrail:eu-west-1:${s.accountId}:trail/management-events`;
  await assert.rejects(ct.send(new GetTrailCommand({ Name: "management-events" })), awsError("TrailNotFoundException", 404, `Unknown trail: management-events for the user: ${s.accountId}`));
  await assert.rejects(ct.send(new GetTrailStatusCommand({ Name: "management-events" })), awsError("TrailNotFoundException", 404, `Unknown trail: ${arn} for the user: ${s.accountId}`));
  await assert.rejects(ct.send(new DeleteTrailCommand({ Name: "management-events" })), awsError("TrailNotFoundException", 404, `Unknown trail: ${arn} for the user: ${s.accountId}`));
  const other = "arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail";
  await assert.rejects(ct.send(new DeleteTrailCommand({ Name: other })), awsError("TrailNotFoundException", 404, `Unknown trail: ${other} for the user: ${s.accountId}`));
});

test("names and ARNs that cannot name a trail are refused", async () => {
  const badName = awsError("InvalidTrailNameException", 400, /^Trail name must start and end with a letter or number/);
  for (const name of ["ab", "a".repeat(129), "-trail", "trail-", "my--trail", "my-_trail", "bad name", "192.168.5.4", "trail/x"]) {
    await assert.rejects(ct.send(new GetTrailCommand({ Name: name })), badName, name);
  }
  await assert.rejects(ct.send(new DescribeTrailsCommand({ trailNameList: ["fine", "no!"] })), badName);
  const badArn = (a: string) => awsError("CloudTrailARNInvalidException", 400, `Invalid trail ARN: ${a}`);
  for (const a of [
    `arn:aws:cloudtrail:us-east-1:${s.accountId}:eventdatastore/x`,
    `arn:aws:kms:us-east-1:${s.accountId}:trail/x1`,
    `arn:aws:cloudtrail:us-east-1:12345:trail/abc`,
    `arn:aws-cn:cloudtrail:us-east-1:${s.accountId}:trail/abc`,
    `arn:aws:cloudtrail:us-east-1:${s.accountId}:trail/a`,
  ]) {
    await assert.rejects(ct.send(new DeleteTrailCommand({ Name: a })), badArn(a), a);
  }
});

test("each operation is authorised with its own action, on the trail's ARN where it names one", async () => {
  const reader = await newUser(s, "trail-reader", {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrail"], Resource: "*" },
      { Effect: "Allow", Action: "cloudtrail:DeleteTrail", Resource: `arn:aws:cloudtrail:eu-west-1:${s.accountId}:trail/mine-*` },
    ],
  });
  const c = new CloudTrailClient(s.clientConfig(reader, "eu-west-1"));
  assert.deepEqual((await c.send(new DescribeTrailsCommand({}))).trailList, []);
  await assert.rejects(c.send(new GetTrailCommand({ Name: "x-trail" })), awsError("TrailNotFoundException", 404, /^Unknown trail: x-trail /));
  await assert.rejects(c.send(new ListTrailsCommand({})), (e: any) => e.name === "AccessDeniedException" && e.$metadata.httpStatusCode === 400);
  await assert.rejects(c.send(new GetTrailStatusCommand({ Name: "x-trail" })), (e: any) => e.name === "AccessDeniedException");
  await assert.rejects(c.send(new DeleteTrailCommand({ Name: "other-trail" })), (e: any) => e.name === "AccessDeniedException");
  await assert.rejects(c.send(new DeleteTrailCommand({ Name: "mine-1" })), awsError("TrailNotFoundException", 404, /^Unknown trail: arn:aws:cloudtrail:eu-west-1:\d{12}:trail\/mine-1 /));

  const events = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DeleteTrail" }] }));
  const last = JSON.parse(events.Events![0]!.CloudTrailEvent!);
  assert.equal(last.errorCode, "TrailNotFoundException");
  assert.equal(last.readOnly, false);
  assert.deepEqual(events.Events![0]!.Resources, [{ ResourceType: "AWS::CloudTrail::Trail", ResourceName: `arn:aws:cloudtrail:eu-west-1:${s.accountId}:trail/mine-1` }]);
});
