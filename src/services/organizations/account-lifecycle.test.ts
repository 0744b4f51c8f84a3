import assert from "node:assert/strict";
import { test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, orgFixture } from "./testing/org-fixture.js";

test("CloseAccount of the management account: ConstraintViolationException with reason CANNOT_CLOSE_MANAGEMENT_ACCOUNT", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const e = await expectAwsError(f.call("CloseAccount", { AccountId: MGMT }), "ConstraintViolationException", /^You attempted to close the management account\./, 409);
  assert.deepEqual(e.fields, { Reason: "CANNOT_CLOSE_MANAGEMENT_ACCOUNT" });
});

test("RemoveAccountFromOrganization of the management account keeps the reason ACCOUNT_CANNOT_LEAVE_ORGANIZATION", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const e = await expectAwsError(f.call("RemoveAccountFromOrganization", { AccountId: MGMT }), "ConstraintViolationException", /^You attempted to remove the management account/, 409);
  assert.deepEqual(e.fields, { Reason: "ACCOUNT_CANNOT_LEAVE_ORGANIZATION" });
});
