/**
 * CloudTrail LookupEvents through the official SDK, as the API reference gives its lookups: an
 * Insights lookup (EventCategory `insight`) takes only the attributes LookupEvents lists for
 * Insights events (Event ID, Event name, Event source), and the others are
 * InvalidLookupAttributesException (HTTP 400).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudTrailClient, LookupEventsCommand, type LookupAttributeKey } from "@aws-sdk/client-cloudtrail";
import { startTestServer, awsError, type TestServer } from "./harness.js";

let s: TestServer;
let ct: CloudTrailClient;
before(async () => {
  s = await startTestServer();
  ct = new CloudTrailClient(s.clientConfig());
});
after(async () => {
  await s.destroy();
});

test("an Insights lookup takes EventId, EventName or EventSource; another attribute is InvalidLookupAttributesException", async () => {
  for (const key of ["EventId", "EventName", "EventSource"] as LookupAttributeKey[]) {
    const out = await ct.send(new LookupEventsCommand({ EventCategory: "insight", LookupAttributes: [{ AttributeKey: key, AttributeValue: "x" }] }));
    assert.deepEqual(out.Events, [], key);
  }
  for (const key of ["Username", "ReadOnly", "ResourceName", "ResourceType", "AccessKeyId"] as LookupAttributeKey[]) {
    await assert.rejects(
      ct.send(new LookupEventsCommand({ EventCategory: "insight", LookupAttributes: [{ AttributeKey: key, AttributeValue: "x" }] })),
      awsError("InvalidLookupAttributesException", 400, `Invalid attribute key for Insights events: ${key}`),
      key,
    );
  }
  // Management events are looked up by any of them.
  const byUser = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "admin" }] }));
  assert.ok((byUser.Events ?? []).length > 0);
});
