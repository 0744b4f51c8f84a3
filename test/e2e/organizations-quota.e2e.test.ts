/**
 * The quota on accounts in an organization through the SDK, on a server that sets it with
 * BULWARK_ORG_MAX_ACCOUNTS: CreateAccount past it is ConstraintViolationException with the
 * Reason ACCOUNT_NUMBER_LIMIT_EXCEEDED, as the SDK parses it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { eventually, startTestServer } from "./harness.js";

test("CreateAccount past BULWARK_ORG_MAX_ACCOUNTS: ConstraintViolationException ACCOUNT_NUMBER_LIMIT_EXCEEDED", async () => {
  const s = await startTestServer({ plainHttp: true, env: { BULWARK_ORG_MAX_ACCOUNTS: "2" } });
  try {
    const org = new OrganizationsClient(s.clientConfig());
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const first = (await org.send(new CreateAccountCommand({ AccountName: "One", Email: "one@example.com" }))).CreateAccountStatus!;
    let err: unknown;
    try {
      await org.send(new CreateAccountCommand({ AccountName: "Two", Email: "two@example.com" }));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConstraintViolationException, String(err));
    assert.equal(err.Reason, "ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    assert.equal(err.message, "You have exceeded the allowed number of AWS accounts");
    await eventually(async () => (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: first.Id! }))).CreateAccountStatus?.State === "SUCCEEDED");
    assert.equal((await org.send(new ListAccountsCommand({}))).Accounts?.length, 2);
  } finally {
    await s.destroy();
  }
});
