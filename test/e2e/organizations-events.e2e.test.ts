/**
 * Organizations' own CloudTrail events through the SDK: when a CreateAccount request ends, the
 * management account's event history has a CreateAccountResult service event with the request's
 * status (the CreateAccount API reference points callers to it), for successes and failures.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, OrganizationsClient, type CreateAccountStatus } from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { eventually, startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let org: OrganizationsClient;
before(async () => {
  s = await startTestServer();
  org = new OrganizationsClient(s.clientConfig());
  await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
});
after(async () => {
  await s.destroy();
});

async function finished(id: string): Promise<CreateAccountStatus> {
  return eventually(async () => {
    const st = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }))).CreateAccountStatus!;
    return st.State !== "IN_PROGRESS" ? st : undefined;
  });
}

test("a CreateAccount request that ends is a CreateAccountResult service event in the management account", async () => {
  const ok = await finished((await org.send(new CreateAccountCommand({ AccountName: "Dev", Email: "dev@example.com" }))).CreateAccountStatus!.Id!);
  assert.equal(ok.State, "SUCCEEDED");
  // The same email again: the request is accepted, then fails.
  const failed = await finished((await org.send(new CreateAccountCommand({ AccountName: "Dev2", Email: "dev@example.com" }))).CreateAccountStatus!.Id!);
  assert.deepEqual([failed.State, failed.FailureReason], ["FAILED", "EMAIL_ALREADY_EXISTS"]);

  const ct = new CloudTrailClient(s.clientConfig());
  const found = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccountResult" }] }))).Events!;
  assert.equal(found.length, 2);
  const [second, first] = found.map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown> & { serviceEventDetails: { createAccountStatus: Record<string, string> } });
  for (const ev of [first!, second!]) {
    assert.deepEqual(ev.userIdentity, { accountId: s.accountId, invokedBy: "AWS Internal" });
    assert.deepEqual(
      [ev.eventSource, ev.awsRegion, ev.sourceIPAddress, ev.userAgent, ev.eventType, ev.readOnly, ev.requestParameters, ev.responseElements, ev.recipientAccountId],
      ["organizations.amazonaws.com", "us-east-1", "AWS Internal", "AWS Internal", "AwsServiceEvent", false, null, null, s.accountId],
    );
    assert.equal("requestID" in ev, false);
  }
  const okStatus = first!.serviceEventDetails.createAccountStatus;
  assert.deepEqual(Object.keys(okStatus), ["id", "state", "accountName", "accountId", "requestedTimestamp", "completedTimestamp"]);
  assert.deepEqual([okStatus.id, okStatus.state, okStatus.accountName, okStatus.accountId], [ok.Id, "SUCCEEDED", "****", ok.AccountId]);
  assert.match(okStatus.requestedTimestamp!, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  const failedStatus = second!.serviceEventDetails.createAccountStatus;
  assert.deepEqual(Object.keys(failedStatus), ["id", "state", "accountName", "failureReason", "requestedTimestamp", "completedTimestamp"]);
  assert.deepEqual([failedStatus.id, failedStatus.state, failedStatus.failureReason], [failed.Id, "FAILED", "EMAIL_ALREADY_EXISTS"]);
  // Nothing names the new account's owner: the account name is masked, the email absent.
  assert.doesNotMatch(JSON.stringify(found), /dev@example\.com|"Dev2?"/);

  // The request's own event masks them as Organizations does, with "****".
  const calls = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccount" }] }))).Events!;
  const call = JSON.parse(calls.at(-1)!.CloudTrailEvent!) as { requestParameters: Record<string, unknown>; responseElements: { createAccountStatus: Record<string, unknown> } };
  assert.deepEqual(call.requestParameters, { email: "****", accountName: "****" });
  assert.equal(call.responseElements.createAccountStatus.accountName, "****");
  assert.equal(call.responseElements.createAccountStatus.id, ok.Id);
});

test("CreateOrganization's service-linked role is the caller's CreateServiceLinkedRole, invoked by Organizations", async () => {
  const ct = new CloudTrailClient(s.clientConfig());
  const found = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateServiceLinkedRole" }] }))).Events!;
  const events = found.map((e) => JSON.parse(e.CloudTrailEvent!) as { userIdentity: Record<string, unknown>; sourceIPAddress: string; requestParameters: unknown; recipientAccountId: string });
  // Only the management account's: roles made in new member accounts are not the caller's calls.
  assert.equal(events.length, 1);
  const [e] = events;
  assert.deepEqual([e!.userIdentity.userName, e!.userIdentity.invokedBy, e!.sourceIPAddress, e!.recipientAccountId], ["admin", "organizations.amazonaws.com", "organizations.amazonaws.com", s.accountId]);
  assert.deepEqual(e!.requestParameters, { aWSServiceName: "organizations.amazonaws.com" });
});
