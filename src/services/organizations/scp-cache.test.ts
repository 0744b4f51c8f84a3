/**
 * SCP levels per account (root → OUs → account) as the authoriser receives them, and their cache:
 * answered synchronously once held (outsiders included), and never stale after a write of this
 * process that changes them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import type { ScpLevels } from "../../iam/authorizer.js";
import { evaluate, parsePolicy } from "../../iam/policy/index.js";
import { principals } from "../sts/testing/fake-context.js";
import { createAccountRegistry } from "./accounts.js";
import { ScpCache } from "./scp-cache.js";
import { MGMT, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

const SCP = "SERVICE_CONTROL_POLICY";
const FULL = "p-FullAWSAccess";
const doc = (Effect: string, Action: string | string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect, Action, Resource: "*" }] });
const ADMIN = [parsePolicy(doc("Allow", "*"), "identity")];

interface Tree {
  f: OrgFixture;
  rootId: string;
  a: string;
  b: string;
  member: string;
  scps: ScpCache;
}

/** root → A → B, a member account in B, SCPs enabled. */
async function tree(): Promise<Tree> {
  const f = await orgFixture({ manual: true });
  await f.call("CreateOrganization", {});
  const rootId = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
  const ou = async (parent: string, name: string) => (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: parent, Name: name })).OrganizationalUnit.Id;
  const a = await ou(rootId, "A");
  const b = await ou(a, "B");
  const s = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: "Dev", Email: "dev@example.com" })).CreateAccountStatus;
  await f.drain();
  const member = (await f.call<{ CreateAccountStatus: { AccountId: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus.AccountId;
  await f.call("MoveAccount", { AccountId: member, SourceParentId: rootId, DestinationParentId: b });
  await f.call("EnablePolicyType", { RootId: rootId, PolicyType: SCP });
  return { f, rootId, a, b, member, scps: f.org.serviceControlPolicies };
}

const policy = async (f: OrgFixture, name: string, content: string): Promise<string> =>
  (await f.call<{ Policy: { PolicySummary: { Id: string } } }>("CreatePolicy", { Name: name, Description: "", Type: SCP, Content: content })).Policy.PolicySummary.Id;

/** What an administrator of the account may do, given the account's SCP levels. */
function decision(levels: ScpLevels, principal: Principal, action = "kms:CreateKey"): string {
  return evaluate({ principal, action, resource: "*", resourceAccount: principal.accountId, identityPolicies: ADMIN, context: {}, serviceControlPolicies: levels }).decision;
}

const levels = async (t: Tree, account = t.member): Promise<ScpLevels> => t.scps.levelsFor(account);
const counts = (l: ScpLevels): number[] | undefined => l?.map((level) => level.length);

/** Counts document reads and lists, to show which answers came from memory. */
function countReads(f: OrgFixture): () => number {
  let n = 0;
  const get = f.store.get.bind(f.store);
  const list = f.store.list.bind(f.store);
  f.store.get = ((c: string, k: string) => (n++, get(c, k))) as typeof f.store.get;
  f.store.list = ((c: string, o?: object) => (n++, list(c, o))) as typeof f.store.list;
  return () => n;
}

describe("SCP levels", () => {
  test("one level per node from the root down to the account, each with the SCPs attached there", async () => {
    const t = await tree();
    assert.deepEqual(counts(await levels(t)), [1, 1, 1, 1]);
    const deny = await policy(t.f, "NoKms", doc("Deny", "kms:*"));
    await t.f.call("AttachPolicy", { PolicyId: deny, TargetId: t.a });
    const l = await levels(t);
    assert.deepEqual(counts(l), [1, 2, 1, 1]);
    const admin = principals.role(t.member, "OrganizationAccountAccessRole", "AROAEXAMPLE", "ops");
    assert.equal(decision(l, admin), "ExplicitDeny");
    assert.equal(decision(l, admin, "iam:ListRoles"), "Allow");
    assert.equal(decision(l, principals.root(t.member)), "ExplicitDeny", "the member's root user is restricted too");
  });

  test("nothing applies to the management account, to accounts outside an organization, or while SCPs are disabled", async () => {
    const t = await tree();
    await t.f.call("AttachPolicy", { PolicyId: await policy(t.f, "NoKms", doc("Deny", "*")), TargetId: t.rootId });
    assert.equal(await levels(t, MGMT), undefined);
    await t.f.accounts.create({ name: "Alone", email: "alone@example.com", accountId: "444455556666" });
    assert.equal(await levels(t, "444455556666"), undefined);
    assert.equal(await levels(t, "999999999999"), undefined);
    await t.f.call("DisablePolicyType", { RootId: t.rootId, PolicyType: SCP });
    assert.equal(await levels(t), undefined);
  });

  test("once held, an answer is a plain value served without storage reads (outsiders included)", async () => {
    const t = await tree();
    await t.f.accounts.create({ name: "Alone", email: "alone@example.com", accountId: "444455556666" });
    assert.ok(t.scps.levelsFor(t.member) instanceof Promise);
    const l = await t.scps.levelsFor(t.member);
    assert.ok(t.scps.levelsFor("444455556666") instanceof Promise);
    await t.scps.levelsFor("444455556666");
    const reads = countReads(t.f);
    for (let i = 0; i < 3; i++) {
      assert.equal(t.scps.levelsFor(t.member), l);
      assert.equal(t.scps.levelsFor("444455556666"), undefined);
    }
    assert.equal(reads(), 0);
    assert.throws(() => (l as unknown as unknown[][]).push([]), TypeError, "levels are frozen: shared between requests");
  });

  test("concurrent first requests share one resolution", async () => {
    const t = await tree();
    const reads = countReads(t.f);
    const all = await Promise.all([1, 2, 3, 4].map(() => t.scps.levelsFor(t.member)));
    const one = reads();
    assert.ok(all.every((x) => x === all[0]));
    const fresh = new ScpCache(t.f.store, t.f.accounts, t.f.clock);
    const before = reads();
    await fresh.levelsFor(t.member);
    assert.equal(reads() - before, one, "four requests cost what one does");
  });
});

describe("SCP cache invalidation: every write that changes an account's SCPs is seen at once", () => {
  const admin = (t: Tree) => principals.role(t.member, "OrganizationAccountAccessRole", "AROAEXAMPLE", "ops");

  test("attach, detach, policy content, allow lists", async () => {
    const t = await tree();
    const deny = await policy(t.f, "NoKms", doc("Deny", "kms:*"));
    assert.equal(decision(await levels(t), admin(t)), "Allow");
    await t.f.call("AttachPolicy", { PolicyId: deny, TargetId: t.b });
    assert.equal(decision(await levels(t), admin(t)), "ExplicitDeny");
    await t.f.call("UpdatePolicy", { PolicyId: deny, Content: doc("Deny", "s3:*") });
    assert.equal(decision(await levels(t), admin(t)), "Allow");
    await t.f.call("UpdatePolicy", { PolicyId: deny, Content: doc("Deny", "kms:Create*") });
    assert.equal(decision(await levels(t), admin(t)), "ExplicitDeny");
    await t.f.call("DetachPolicy", { PolicyId: deny, TargetId: t.b });
    assert.equal(decision(await levels(t), admin(t)), "Allow");
    const iamOnly = await policy(t.f, "IamOnly", doc("Allow", "iam:*"));
    await t.f.call("AttachPolicy", { PolicyId: iamOnly, TargetId: t.member });
    assert.equal(decision(await levels(t), admin(t)), "Allow", "FullAWSAccess still attached to the account");
    await t.f.call("DetachPolicy", { PolicyId: FULL, TargetId: t.member });
    assert.equal(decision(await levels(t), admin(t)), "ImplicitDeny");
    assert.equal(decision(await levels(t), admin(t), "iam:ListRoles"), "Allow");
  });

  test("moving the account, disabling and enabling SCPs, leaving the organization", async () => {
    const t = await tree();
    const deny = await policy(t.f, "NoKms", doc("Deny", "kms:*"));
    await t.f.call("AttachPolicy", { PolicyId: deny, TargetId: t.a });
    assert.equal(decision(await levels(t), admin(t)), "ExplicitDeny");
    await t.f.call("MoveAccount", { AccountId: t.member, SourceParentId: t.b, DestinationParentId: t.rootId });
    assert.deepEqual(counts(await levels(t)), [1, 1]);
    assert.equal(decision(await levels(t), admin(t)), "Allow");
    await t.f.call("MoveAccount", { AccountId: t.member, SourceParentId: t.rootId, DestinationParentId: t.a });
    assert.equal(decision(await levels(t), admin(t)), "ExplicitDeny");
    await t.f.call("DisablePolicyType", { RootId: t.rootId, PolicyType: SCP });
    assert.equal(await levels(t), undefined);
    await t.f.call("EnablePolicyType", { RootId: t.rootId, PolicyType: SCP });
    assert.deepEqual(counts(await levels(t)), [1, 1, 1]);
    assert.equal(decision(await levels(t), admin(t)), "Allow", "re-enabling starts from FullAWSAccess");
    await t.f.accounts.update(t.member, ({ organizationId: _o, ...rest }) => rest);
    assert.equal(await levels(t), undefined);
  });

  test("a write from another process (the operator CLI) is seen within the TTL", async () => {
    const t = await tree();
    const other = createAccountRegistry(t.f.store, t.f.clock);
    await other.create({ name: "Late", email: "late@example.com", accountId: "444455556666" });
    assert.equal(await levels(t, "444455556666"), undefined);
    // Another process makes it a member: this one was not told.
    const orgId = (await t.f.call<{ Organization: { Id: string } }>("DescribeOrganization", {})).Organization.Id;
    await other.update("444455556666", (a) => ({ ...a, organizationId: orgId }));
    t.f.clock.advance(29_999);
    assert.equal(await levels(t, "444455556666"), undefined, "within the TTL");
    t.f.clock.advance(1);
    assert.deepEqual(counts(await levels(t, "444455556666")), [1, 0], "a level with no SCP: the account never got FullAWSAccess");
  });
});

describe("RCP levels", () => {
  const RCP = "RESOURCE_CONTROL_POLICY";
  const rcpDoc = (Action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action, Resource: "*" }] });
  const outsider = principals.role("444455556666", "Reader", "AROAEXAMPLE", "ops");
  /** What a caller allowed by every other policy may do on a resource of `account`, given its RCP levels. */
  const onResource = (l: ScpLevels, account: string, action = "kms:Decrypt"): string =>
    evaluate({ principal: outsider, action, resource: "*", resourceAccount: account, identityPolicies: ADMIN, resourcePolicy: parsePolicy(JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] }), "resource"), context: {}, resourceControlPolicies: l }).decision;

  test("resolved per policy type: RCPFullAWSAccess at every level, the RCPs attached there, SCPs not mixed in", async () => {
    const t = await tree();
    const rcps = t.f.org.resourceControlPolicies;
    assert.equal(await rcps.levelsFor(t.member), undefined, "RCPs not enabled yet");
    await t.f.call("EnablePolicyType", { RootId: t.rootId, PolicyType: RCP });
    const before = await rcps.levelsFor(t.member);
    assert.deepEqual(counts(before), [1, 1, 1, 1]);
    assert.equal(onResource(before, t.member), "Allow");
    const deny = (await t.f.call<{ Policy: { PolicySummary: { Id: string } } }>("CreatePolicy", { Name: "NoKms", Description: "", Type: RCP, Content: rcpDoc("kms:*") })).Policy.PolicySummary.Id;
    await t.f.call("AttachPolicy", { PolicyId: deny, TargetId: t.b });
    const after = await rcps.levelsFor(t.member);
    assert.deepEqual(counts(after), [1, 1, 2, 1]);
    assert.equal(onResource(after, t.member), "ExplicitDeny");
    assert.equal(onResource(after, t.member, "s3:GetObject"), "Allow");
    assert.deepEqual(counts(await t.scps.levelsFor(t.member)), [1, 1, 1, 1], "the SCP levels hold SCPs only");
    assert.equal(await rcps.levelsFor(MGMT), undefined, "not the management account's resources");
    await t.f.call("DisablePolicyType", { RootId: t.rootId, PolicyType: RCP });
    assert.equal(await rcps.levelsFor(t.member), undefined);
  });
});
