import assert from "node:assert/strict";
import { test } from "node:test";
import { ALLOW_S3, OTHER_ACCOUNT, TRUST_EC2, assertAwsError, createHarness, type Harness } from "./testing/harness.js";

type Summary = { SummaryMap: Record<string, number> };

/** Creates `n` entities in parallel bursts of 100 (the creates of a burst interleave). */
async function fill(h: Harness, n: number, create: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < n; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - start) }, (_, j) => create(start + j)));
  }
}

test("the account quotas GetAccountSummary reports hold under parallel creates: users, groups, roles, policies, instance profiles", async () => {
  const h = createHarness();
  const kinds: Array<{ summary: string; quota: string; create: (name: string, accountId?: string) => Promise<unknown> }> = [
    { summary: "Users", quota: "UsersPerAccount", create: (n, a) => h.call("CreateUser", { UserName: n }, { accountId: a }) },
    { summary: "Groups", quota: "GroupsPerAccount", create: (n, a) => h.call("CreateGroup", { GroupName: n }, { accountId: a }) },
    { summary: "Roles", quota: "RolesPerAccount", create: (n, a) => h.call("CreateRole", { RoleName: n, AssumeRolePolicyDocument: TRUST_EC2 }, { accountId: a }) },
    { summary: "Policies", quota: "PoliciesPerAccount", create: (n, a) => h.call("CreatePolicy", { PolicyName: n, PolicyDocument: ALLOW_S3 }, { accountId: a }) },
    { summary: "InstanceProfiles", quota: "InstanceProfilesPerAccount", create: (n, a) => h.call("CreateInstanceProfile", { InstanceProfileName: n }, { accountId: a }) },
  ];
  const before = (await h.call<Summary>("GetAccountSummary", {})).SummaryMap;
  for (const k of kinds) {
    const quota = before[`${k.summary}Quota`]!;
    await fill(h, quota - 10, (i) => k.create(`${k.summary}-${i}`));
    // The last ten places, raced for by fifty creates: exactly ten win.
    const raced = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => k.create(`${k.summary}-race-${i}`)));
    assert.equal(raced.filter((r) => r.status === "fulfilled").length, 10, k.summary);
    for (const r of raced) {
      if (r.status === "rejected") assert.deepEqual([r.reason.code, r.reason.status, r.reason.message], ["LimitExceeded", 409, `Cannot exceed quota for ${k.quota}: ${quota}`]);
    }
    await assertAwsError(k.create(`${k.summary}-more`), "LimitExceeded", 409, `Cannot exceed quota for ${k.quota}: ${quota}`);
    // A taken name is still EntityAlreadyExists, and the quota is per account.
    await assertAwsError(k.create(`${k.summary}-0`), "EntityAlreadyExists", 409, /already exists/);
    await k.create(`${k.summary}-more`, OTHER_ACCOUNT);
    assert.equal((await h.call<Summary>("GetAccountSummary", {})).SummaryMap[k.summary], quota, k.summary);
  }
});
