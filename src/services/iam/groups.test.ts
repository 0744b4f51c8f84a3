import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness } from "./testing/harness.js";

type GroupOut = { Group: { GroupName: string; GroupId: string; Arn: string; Path: string }; Users?: Array<{ UserName: string }>; IsTruncated?: boolean; Marker?: string };

describe("IAM groups", () => {
  test("CreateGroup, GetGroup with members, duplicate names", async () => {
    const h = createHarness();
    const g = await h.call<GroupOut>("CreateGroup", { GroupName: "devs", Path: "/eng/" });
    assert.match(g.Group.GroupId, /^AGPA[A-Z2-7]{17}$/);
    assert.equal(g.Group.Arn, `arn:aws:iam::${ACCOUNT}:group/eng/devs`);
    assert.deepEqual(h.calls[0], { action: "iam:CreateGroup", resource: `arn:aws:iam::${ACCOUNT}:group/eng/devs` });
    await assertAwsError(h.call("CreateGroup", { GroupName: "DEVS" }), "EntityAlreadyExists", 409, "Group with name DEVS already exists.");
    for (const u of ["carol", "alice", "bob"]) {
      await h.call("CreateUser", { UserName: u });
      await h.call("AddUserToGroup", { GroupName: "devs", UserName: u });
    }
    await h.call("AddUserToGroup", { GroupName: "devs", UserName: "alice" }); // idempotent
    const page1 = await h.call<GroupOut>("GetGroup", { GroupName: "devs", MaxItems: 2 });
    assert.deepEqual(page1.Users?.map((u) => u.UserName), ["alice", "bob"]);
    assert.equal(page1.IsTruncated, true);
    const page2 = await h.call<GroupOut>("GetGroup", { GroupName: "devs", Marker: page1.Marker });
    assert.deepEqual(page2.Users?.map((u) => u.UserName), ["carol"]);
    assert.equal(page2.IsTruncated, false);
    await assertAwsError(h.call("GetGroup", { GroupName: "nope" }), "NoSuchEntity", 404, "The group with name nope cannot be found.");
  });

  test("membership errors and limits", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateGroup", { GroupName: "g0" });
    await assertAwsError(h.call("AddUserToGroup", { GroupName: "g0", UserName: "nonexistent-user" }), "NoSuchEntity", 404, "The user with name nonexistent-user cannot be found.");
    await assertAwsError(h.call("AddUserToGroup", { GroupName: "nonexistent-group", UserName: "alice" }), "NoSuchEntity", 404, "The group with name nonexistent-group cannot be found.");
    await assertAwsError(h.call("RemoveUserFromGroup", { GroupName: "nonexistent-group", UserName: "alice" }), "NoSuchEntity", 404, "The group with name nonexistent-group cannot be found.");
    // Neither exists: IAM names the user.
    await assertAwsError(h.call("RemoveUserFromGroup", { GroupName: "nonexistent-group", UserName: "any-user" }), "NoSuchEntity", 404, "The user with name any-user cannot be found.");
    await h.call("RemoveUserFromGroup", { GroupName: "g0", UserName: "alice" }); // not a member: succeeds
    for (let i = 0; i < 10; i++) {
      await h.call("CreateGroup", { GroupName: `m${i}` });
      await h.call("AddUserToGroup", { GroupName: `m${i}`, UserName: "alice" });
    }
    await assertAwsError(h.call("AddUserToGroup", { GroupName: "g0", UserName: "alice" }), "LimitExceeded", 409, "Cannot exceed quota for GroupsPerUser: 10");
    const groups = await h.call<{ Groups: Array<{ GroupName: string }>; IsTruncated: boolean }>("ListGroupsForUser", { UserName: "alice", MaxItems: 3 });
    assert.deepEqual(groups.Groups.map((g) => g.GroupName), ["m0", "m1", "m2"]);
    assert.equal(groups.IsTruncated, true);
  });

  test("UpdateGroup renames keeping members; DeleteGroup conflicts", async () => {
    const h = createHarness();
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("AddUserToGroup", { GroupName: "devs", UserName: "alice" });
    await h.call("UpdateGroup", { GroupName: "devs", NewGroupName: "engineers", NewPath: "/e/" });
    const g = await h.call<GroupOut>("GetGroup", { GroupName: "engineers" });
    assert.equal(g.Group.Arn, `arn:aws:iam::${ACCOUNT}:group/e/engineers`);
    assert.deepEqual(g.Users?.map((u) => u.UserName), ["alice"]);
    await assertAwsError(h.call("GetGroup", { GroupName: "devs" }), "NoSuchEntity", 404, "The group with name devs cannot be found.");
    await assertAwsError(h.call("DeleteGroup", { GroupName: "engineers" }), "DeleteConflict", 409, "Cannot delete entity, must remove users from group first.");
    await h.call("RemoveUserFromGroup", { GroupName: "engineers", UserName: "alice" });
    await h.call("PutGroupPolicy", { GroupName: "engineers", PolicyName: "p", PolicyDocument: ALLOW_S3 });
    await assertAwsError(h.call("DeleteGroup", { GroupName: "engineers" }), "DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
    await h.call("DeleteGroupPolicy", { GroupName: "engineers", PolicyName: "p" });
    await h.call("AttachGroupPolicy", { GroupName: "engineers", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await assertAwsError(h.call("DeleteGroup", { GroupName: "engineers" }), "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
    await h.call("DetachGroupPolicy", { GroupName: "engineers", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await h.call("DeleteGroup", { GroupName: "engineers" });
    const list = await h.call<{ Groups: unknown[] }>("ListGroups", {});
    assert.deepEqual(list.Groups, []);
    const u = await h.call<{ Groups: unknown[] }>("ListGroupsForUser", { UserName: "alice" });
    assert.deepEqual(u.Groups, []);
  });

  test("ListGroups filters by path prefix", async () => {
    const h = createHarness();
    await h.call("CreateGroup", { GroupName: "a", Path: "/x/" });
    await h.call("CreateGroup", { GroupName: "b" });
    const out = await h.call<{ Groups: Array<{ GroupName: string }> }>("ListGroups", { PathPrefix: "/x/" });
    assert.deepEqual(out.Groups.map((g) => g.GroupName), ["a"]);
  });
});
