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

test("an account that leaves loses the tags it had in the organization, and a TagResource after it leaves finds no target", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  for (const how of ["remove", "leave"] as const) {
    const id = how === "remove" ? "222233334444" : "222233335555";
    await f.accounts.create({ name: `A${how}`, email: `${how}@example.com`, accountId: id });
    const invite = async () => (await f.call<{ Handshake: { Id: string } }>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
    await f.call("AcceptHandshake", { HandshakeId: await invite() }, f.ctx(id));
    await f.call("TagResource", { ResourceId: id, Tags: [{ Key: "team", Value: "blue" }] });
    // Leaving, in parallel with another TagResource: whichever comes first, no tag outlives the membership.
    const gone = how === "remove" ? f.call("RemoveAccountFromOrganization", { AccountId: id }) : f.call("LeaveOrganization", {}, f.ctx(id));
    const tagged = f.call("TagResource", { ResourceId: id, Tags: [{ Key: "late", Value: "x" }] }).then(() => "OK", (e: Error) => e.name);
    await gone;
    assert.ok(["OK", "TargetNotFoundException"].includes(await tagged), how);
    assert.equal((await f.accounts.get(id))?.tags, undefined, how);
    await expectAwsError(f.call("TagResource", { ResourceId: id, Tags: [{ Key: "after", Value: "x" }] }), "TargetNotFoundException", /^We can.t find a root, OU, account, or policy/, 404);
    // Back in the organization, it starts without tags.
    await f.call("AcceptHandshake", { HandshakeId: await invite() }, f.ctx(id));
    assert.deepEqual((await f.call<{ Tags: unknown[] }>("ListTagsForResource", { ResourceId: id })).Tags, [], how);
  }
});
