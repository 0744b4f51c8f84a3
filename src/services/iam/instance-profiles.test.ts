import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, T0, TRUST_EC2, type Harness } from "./testing/harness.js";

type Profile = Record<string, unknown> & {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  Path: string;
  CreateDate: Date;
  Roles: Array<Record<string, unknown>>;
  Tags?: Array<{ Key: string; Value: string }>;
};
type ProfileOut = { InstanceProfile: Profile };
type ProfileList = { InstanceProfiles: Profile[]; IsTruncated: boolean; Marker?: string };

async function roleInProfile(h: Harness, role = "app", profile = "web"): Promise<void> {
  await h.call("CreateRole", { RoleName: role, Path: "/svc/", AssumeRolePolicyDocument: TRUST_EC2 });
  await h.call("CreateInstanceProfile", { InstanceProfileName: profile });
  await h.call("AddRoleToInstanceProfile", { InstanceProfileName: profile, RoleName: role });
}

describe("IAM instance profiles", () => {
  test("CreateInstanceProfile returns the profile with AIPA id, ARN, path, no roles and the tags set", async () => {
    const h = createHarness();
    const out = await h.call<ProfileOut>("CreateInstanceProfile", { InstanceProfileName: "web", Path: "/ec2/", Tags: [{ Key: "k", Value: "v" }] });
    const p = out.InstanceProfile;
    assert.equal(p.Arn, `arn:aws:iam::${ACCOUNT}:instance-profile/ec2/web`);
    assert.match(p.InstanceProfileId, /^AIPA[A-Z2-7]{17}$/);
    assert.equal(p.Path, "/ec2/");
    assert.deepEqual(p.CreateDate, new Date(T0));
    assert.deepEqual(p.Roles, []);
    assert.deepEqual(p.Tags, [{ Key: "k", Value: "v" }]);
    assert.deepEqual(h.calls.at(-1), {
      action: "iam:CreateInstanceProfile",
      resource: `arn:aws:iam::${ACCOUNT}:instance-profile/ec2/web`,
      context: { "aws:TagKeys": ["k"], "aws:RequestTag/k": "v" },
    });
    const plain = await h.call<ProfileOut>("CreateInstanceProfile", { InstanceProfileName: "plain" });
    assert.equal(plain.InstanceProfile.Path, "/");
    assert.equal(plain.InstanceProfile.Tags, undefined);
  });

  test("CreateInstanceProfile errors: duplicate name in any case, name and path constraints", async () => {
    const h = createHarness();
    await h.call("CreateInstanceProfile", { InstanceProfileName: "web" });
    await assertAwsError(h.call("CreateInstanceProfile", { InstanceProfileName: "WEB" }), "EntityAlreadyExists", 409, "Instance Profile WEB already exists.");
    await assertAwsError(
      h.call("CreateInstanceProfile", { InstanceProfileName: "a".repeat(129) }),
      "ValidationError",
      400,
      `1 validation error detected: Value '${"a".repeat(129)}' at 'instanceProfileName' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
    await h.call("CreateInstanceProfile", { InstanceProfileName: "a".repeat(128) });
    await assertAwsError(
      h.call("CreateInstanceProfile", { InstanceProfileName: "bad name" }),
      "ValidationError",
      400,
      "The specified value for instanceProfileName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
    );
    await assertAwsError(
      h.call("CreateInstanceProfile", {}),
      "ValidationError",
      400,
      "1 validation error detected: Value null at 'instanceProfileName' failed to satisfy constraint: Member must not be null",
    );
    await assertAwsError(
      h.call("CreateInstanceProfile", { InstanceProfileName: "p", Path: "nopath" }),
      "ValidationError",
      400,
      "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
    );
  });

  test("GetInstanceProfile embeds the role as instance profiles do; NoSuchEntity for a missing profile", async () => {
    const h = createHarness();
    await roleInProfile(h);
    await h.call("TagInstanceProfile", { InstanceProfileName: "web", Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "1" }] });
    const role = await h.call<{ Role: Record<string, unknown> }>("GetRole", { RoleName: "app" });
    const got = await h.call<ProfileOut>("GetInstanceProfile", { InstanceProfileName: "WEB" });
    assert.equal(got.InstanceProfile.InstanceProfileName, "web");
    assert.deepEqual(got.InstanceProfile.Tags, [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }]);
    assert.deepEqual(got.InstanceProfile.Roles, [
      {
        Path: "/svc/",
        RoleName: "app",
        RoleId: role.Role.RoleId,
        Arn: `arn:aws:iam::${ACCOUNT}:role/svc/app`,
        CreateDate: new Date(T0),
        AssumeRolePolicyDocument: encodeURIComponent(TRUST_EC2),
      },
    ]);
    assert.equal(h.calls.at(-1)?.action, "iam:GetInstanceProfile");
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:instance-profile/web`);
    assert.deepEqual(h.calls.at(-1)?.context, { "aws:ResourceTag/b": "2", "aws:ResourceTag/a": "1" });
    await assertAwsError(h.call("GetInstanceProfile", { InstanceProfileName: "ghost" }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    // Profiles are per account.
    await assertAwsError(
      h.call("GetInstanceProfile", { InstanceProfileName: "web" }, { accountId: OTHER_ACCOUNT }),
      "NoSuchEntity",
      404,
      "Instance Profile web cannot be found.",
    );
  });

  test("AddRoleToInstanceProfile: one role per profile, NoSuchEntity for a missing role or profile, iam:PassRole on the role", async () => {
    const h = createHarness();
    await roleInProfile(h);
    assert.deepEqual(
      h.calls.slice(-2).map((c) => [c.action, c.resource]),
      [
        ["iam:AddRoleToInstanceProfile", `arn:aws:iam::${ACCOUNT}:instance-profile/web`],
        ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/svc/app`],
      ],
    );
    // The role is passed to EC2, for any instance of the caller's account.
    assert.deepEqual(h.calls.at(-1)?.context, {
      "iam:PassedToService": "ec2.amazonaws.com",
      "iam:AssociatedResourceArn": `arn:aws:ec2:*:${ACCOUNT}:instance/*`,
    });
    await h.call("CreateRole", { RoleName: "other", AssumeRolePolicyDocument: TRUST_EC2 });
    await assertAwsError(
      h.call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "other" }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    );
    await assertAwsError(
      h.call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "app" }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    );
    await assertAwsError(h.call("AddRoleToInstanceProfile", { InstanceProfileName: "ghost", RoleName: "app" }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    await h.call("CreateInstanceProfile", { InstanceProfileName: "second" });
    await assertAwsError(h.call("AddRoleToInstanceProfile", { InstanceProfileName: "second", RoleName: "ghost" }), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
    // A role may be in several profiles.
    await h.call("AddRoleToInstanceProfile", { InstanceProfileName: "second", RoleName: "app" });
    h.deny.add("iam:PassRole");
    await h.call("CreateInstanceProfile", { InstanceProfileName: "third" });
    await assertAwsError(h.call("AddRoleToInstanceProfile", { InstanceProfileName: "third", RoleName: "other" }), "AccessDeniedException", 400, /iam:PassRole/);
    const third = await h.call<ProfileOut>("GetInstanceProfile", { InstanceProfileName: "third" });
    assert.deepEqual(third.InstanceProfile.Roles, []);
  });

  test("AddRoleToInstanceProfile: a role deleted and re-created with another path while PassRole is decided is decided again", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", Path: "/open/", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("CreateInstanceProfile", { InstanceProfileName: "web" });
    // The caller may pass roles under /open/ only. While the first PassRole is being decided, the
    // role is deleted and re-created under /secret/ with the same name.
    const passed: string[] = [];
    let swapped = false;
    const base = h.ctx();
    const ctx = {
      ...base,
      authorize: async (req: Parameters<typeof base.authorize>[0]) => {
        if (req.action !== "iam:PassRole") return;
        passed.push(req.resource);
        if (!swapped) {
          swapped = true;
          await h.call("DeleteRole", { RoleName: "app" });
          await h.call("CreateRole", { RoleName: "app", Path: "/secret/", AssumeRolePolicyDocument: TRUST_EC2 });
        }
        if (!req.resource.includes(":role/open/")) throw Object.assign(new Error(`not authorized to perform: iam:PassRole on resource: ${req.resource}`), { name: "AccessDenied" });
      },
    };
    const op = h.iam.definition.operations.AddRoleToInstanceProfile!;
    await assert.rejects(op.handler({ InstanceProfileName: "web", RoleName: "app" }, ctx), /iam:PassRole on resource: arn:aws:iam::\d{12}:role\/secret\/app/);
    assert.deepEqual(passed, [`arn:aws:iam::${ACCOUNT}:role/open/app`, `arn:aws:iam::${ACCOUNT}:role/secret/app`]);
    // The role the caller may not pass was not added.
    const web = await h.call<ProfileOut>("GetInstanceProfile", { InstanceProfileName: "web" });
    assert.deepEqual(web.InstanceProfile.Roles, []);
  });

  test("RemoveRoleFromInstanceProfile, then the profile takes another role", async () => {
    const h = createHarness();
    await roleInProfile(h);
    await assertAwsError(h.call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "ghost", RoleName: "app" }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    await assertAwsError(h.call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "ghost" }), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
    await h.call("CreateRole", { RoleName: "other", AssumeRolePolicyDocument: TRUST_EC2 });
    await assertAwsError(h.call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "other" }), "NoSuchEntity", 404, "Role other in Instance Profile web cannot be found.");
    await h.call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "APP" });
    assert.equal(h.calls.at(-1)?.action, "iam:RemoveRoleFromInstanceProfile");
    const empty = await h.call<ProfileOut>("GetInstanceProfile", { InstanceProfileName: "web" });
    assert.deepEqual(empty.InstanceProfile.Roles, []);
    const forApp = await h.call<ProfileList>("ListInstanceProfilesForRole", { RoleName: "app" });
    assert.deepEqual(forApp.InstanceProfiles, []);
    await h.call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "other" });
    const got = await h.call<ProfileOut>("GetInstanceProfile", { InstanceProfileName: "web" });
    assert.deepEqual(got.InstanceProfile.Roles.map((r) => r.RoleName), ["other"]);
  });

  test("DeleteInstanceProfile and DeleteRole conflict while the profile holds the role", async () => {
    const h = createHarness();
    await roleInProfile(h);
    const msg = "Cannot delete entity, must remove roles from instance profile first.";
    await assertAwsError(h.call("DeleteInstanceProfile", { InstanceProfileName: "web" }), "DeleteConflict", 409, msg);
    await assertAwsError(h.call("DeleteRole", { RoleName: "app" }), "DeleteConflict", 409, msg);
    await h.call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "app" });
    await h.call("DeleteRole", { RoleName: "app" });
    // A new role with the same name is a different role: the profile holds nothing.
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    assert.deepEqual((await h.call<ProfileList>("ListInstanceProfilesForRole", { RoleName: "app" })).InstanceProfiles, []);
    await h.call("DeleteInstanceProfile", { InstanceProfileName: "WEB" });
    assert.equal(h.calls.at(-1)?.action, "iam:DeleteInstanceProfile");
    await assertAwsError(h.call("GetInstanceProfile", { InstanceProfileName: "web" }), "NoSuchEntity", 404, "Instance Profile web cannot be found.");
    await assertAwsError(h.call("DeleteInstanceProfile", { InstanceProfileName: "web" }), "NoSuchEntity", 404, "Instance Profile web cannot be found.");
    assert.equal(await h.store.count("iam-role-instance-profiles"), 0);
    // The name is free again.
    await h.call("CreateInstanceProfile", { InstanceProfileName: "web" });
  });

  test("ListInstanceProfiles pages in name order, filters by path prefix, omits tags", async () => {
    const h = createHarness();
    for (const n of ["p3", "p0", "p4", "p1", "p2"]) {
      await h.call("CreateInstanceProfile", { InstanceProfileName: n, Path: n === "p2" || n === "p4" ? "/team/" : "/", Tags: [{ Key: "k", Value: "v" }] });
    }
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("AddRoleToInstanceProfile", { InstanceProfileName: "p1", RoleName: "app" });
    const p1 = await h.call<ProfileList>("ListInstanceProfiles", { MaxItems: 2 });
    assert.deepEqual(p1.InstanceProfiles.map((p) => p.InstanceProfileName), ["p0", "p1"]);
    assert.equal(p1.IsTruncated, true);
    assert.equal(p1.InstanceProfiles[0]?.Tags, undefined);
    assert.deepEqual(p1.InstanceProfiles[1]?.Roles.map((r) => r.RoleName), ["app"]);
    const p2 = await h.call<ProfileList>("ListInstanceProfiles", { Marker: p1.Marker, MaxItems: 2 });
    assert.deepEqual(p2.InstanceProfiles.map((p) => p.InstanceProfileName), ["p2", "p3"]);
    const p3 = await h.call<ProfileList>("ListInstanceProfiles", { Marker: p2.Marker });
    assert.deepEqual(p3.InstanceProfiles.map((p) => p.InstanceProfileName), ["p4"]);
    assert.equal(p3.IsTruncated, false);
    assert.equal(p3.Marker, undefined);
    const team = await h.call<ProfileList>("ListInstanceProfiles", { PathPrefix: "/team/" });
    assert.deepEqual(team.InstanceProfiles.map((p) => p.InstanceProfileName), ["p2", "p4"]);
    assert.deepEqual([h.calls.at(-1)?.action, h.calls.at(-1)?.resource], ["iam:ListInstanceProfiles", `arn:aws:iam::${ACCOUNT}:instance-profile/team/`]);
    await assertAwsError(h.call("ListInstanceProfiles", { Marker: "not-ours!" }), "ValidationError", 400, "Invalid Marker.");
    await assertAwsError(
      h.call("ListInstanceProfiles", { MaxItems: 0 }),
      "ValidationError",
      400,
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert.deepEqual((await h.call<ProfileList>("ListInstanceProfiles", {}, { accountId: OTHER_ACCOUNT })).InstanceProfiles, []);
  });

  test("ListInstanceProfilesForRole pages the role's profiles; NoSuchEntity for a missing role", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    for (const n of ["c", "a", "b", "unrelated"]) await h.call("CreateInstanceProfile", { InstanceProfileName: n });
    for (const n of ["c", "a", "b"]) await h.call("AddRoleToInstanceProfile", { InstanceProfileName: n, RoleName: "app" });
    const p1 = await h.call<ProfileList>("ListInstanceProfilesForRole", { RoleName: "app", MaxItems: 2 });
    assert.deepEqual(p1.InstanceProfiles.map((p) => p.InstanceProfileName), ["a", "b"]);
    assert.equal(p1.IsTruncated, true);
    assert.deepEqual([h.calls.at(-1)?.action, h.calls.at(-1)?.resource], ["iam:ListInstanceProfilesForRole", `arn:aws:iam::${ACCOUNT}:role/app`]);
    const p2 = await h.call<ProfileList>("ListInstanceProfilesForRole", { RoleName: "app", Marker: p1.Marker });
    assert.deepEqual(p2.InstanceProfiles.map((p) => p.InstanceProfileName), ["c"]);
    assert.equal(p2.IsTruncated, false);
    assert.deepEqual(p2.InstanceProfiles[0]?.Roles.map((r) => r.RoleName), ["app"]);
    await assertAwsError(h.call("ListInstanceProfilesForRole", { RoleName: "ghost" }), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
  });

  test("instance profile tags: case-insensitive keys, untag, list pages, errors", async () => {
    const h = createHarness();
    await h.call("CreateInstanceProfile", { InstanceProfileName: "web" });
    await assertAwsError(
      h.call("TagInstanceProfile", { InstanceProfileName: "web", Tags: [{ Key: "a", Value: "1" }, { Key: "A", Value: "2" }] }),
      "InvalidInput",
      400,
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    await h.call("TagInstanceProfile", { InstanceProfileName: "web", Tags: [{ Key: "c", Value: "3" }, { Key: "b", Value: "2" }, { Key: "a", Value: "1" }] });
    assert.deepEqual(h.calls.at(-1)?.context, { "aws:TagKeys": ["c", "b", "a"], "aws:RequestTag/c": "3", "aws:RequestTag/b": "2", "aws:RequestTag/a": "1" });
    await h.call("TagInstanceProfile", { InstanceProfileName: "web", Tags: [{ Key: "A", Value: "one" }] });
    await h.call("UntagInstanceProfile", { InstanceProfileName: "web", TagKeys: ["B"] });
    assert.deepEqual(h.calls.at(-1)?.context, { "aws:TagKeys": ["B"], "aws:ResourceTag/c": "3", "aws:ResourceTag/b": "2", "aws:ResourceTag/A": "one" });
    const page1 = await h.call<{ Tags: unknown[]; IsTruncated: boolean; Marker?: string }>("ListInstanceProfileTags", { InstanceProfileName: "web", MaxItems: 1 });
    assert.deepEqual(page1.Tags, [{ Key: "A", Value: "one" }]);
    assert.equal(page1.IsTruncated, true);
    const page2 = await h.call<{ Tags: unknown[]; IsTruncated: boolean }>("ListInstanceProfileTags", { InstanceProfileName: "web", Marker: page1.Marker });
    assert.deepEqual(page2.Tags, [{ Key: "c", Value: "3" }]);
    assert.equal(page2.IsTruncated, false);
    await assertAwsError(h.call("ListInstanceProfileTags", { InstanceProfileName: "ghost" }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    await assertAwsError(h.call("TagInstanceProfile", { InstanceProfileName: "ghost", Tags: [{ Key: "k", Value: "v" }] }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    await assertAwsError(h.call("UntagInstanceProfile", { InstanceProfileName: "ghost", TagKeys: ["k"] }), "NoSuchEntity", 404, "Instance Profile ghost cannot be found.");
    const many = Array.from({ length: 49 }, (_, i) => ({ Key: `t${i}`, Value: "v" }));
    await assertAwsError(
      h.call("TagInstanceProfile", { InstanceProfileName: "web", Tags: many }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for TagsPerInstanceProfile: 50",
    );
  });

  test("each operation authorises before answering", async () => {
    const h = createHarness();
    const ops: Array<[string, object]> = [
      ["CreateInstanceProfile", { InstanceProfileName: "p" }],
      ["GetInstanceProfile", { InstanceProfileName: "p" }],
      ["DeleteInstanceProfile", { InstanceProfileName: "p" }],
      ["ListInstanceProfiles", {}],
      ["ListInstanceProfilesForRole", { RoleName: "r" }],
      ["AddRoleToInstanceProfile", { InstanceProfileName: "p", RoleName: "r" }],
      ["RemoveRoleFromInstanceProfile", { InstanceProfileName: "p", RoleName: "r" }],
      ["TagInstanceProfile", { InstanceProfileName: "p", Tags: [{ Key: "k", Value: "v" }] }],
      ["UntagInstanceProfile", { InstanceProfileName: "p", TagKeys: ["k"] }],
      ["ListInstanceProfileTags", { InstanceProfileName: "p" }],
    ];
    for (const [op, input] of ops) {
      h.deny.add(`iam:${op}`);
      await assertAwsError(h.call(op, input), "AccessDeniedException", 400, new RegExp(`iam:${op} on resource`));
    }
  });

  test("GetAccountAuthorizationDetails lists a role's instance profiles", async () => {
    const h = createHarness();
    await roleInProfile(h);
    const out = await h.call<{ RoleDetailList: Array<{ RoleName: string; InstanceProfileList: Profile[] }> }>("GetAccountAuthorizationDetails", { Filter: ["Role"] });
    const detail = out.RoleDetailList.find((r) => r.RoleName === "app");
    assert.deepEqual(detail?.InstanceProfileList.map((p) => [p.InstanceProfileName, p.Arn, p.Roles.map((r) => r.RoleName)]), [
      ["web", `arn:aws:iam::${ACCOUNT}:instance-profile/web`, ["app"]],
    ]);
  });

  test("the profile and the role's reverse index are stored documents", async () => {
    const h = createHarness();
    await roleInProfile(h);
    const stored = await h.store.list<{ instanceProfileName: string; roleIds: string[] }>("iam-instance-profiles", { prefix: `${ACCOUNT}/` });
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.value.instanceProfileName, "web");
    assert.equal(stored[0]?.value.roleIds.length, 1);
    assert.equal(await h.store.count("iam-role-instance-profiles", `${ACCOUNT}/`), 1);
  });
});
