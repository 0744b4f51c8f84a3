/**
 * Organization-wide rules under parallel calls (in-process, so the calls interleave at every
 * await): each outcome must be one a serial order of the same calls gives.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { orgFixture, type OrgFixture } from "./testing/org-fixture.js";

type H = { Handshake: { Id: string } };
const outcomes = (ps: Array<Promise<unknown>>) =>
  Promise.allSettled(ps).then((rs) => rs.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as Error).name)));
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};
const SCP = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

async function invited(f: OrgFixture, id: string): Promise<string> {
  await f.accounts.create({ name: `Acct${id.slice(-4)}`, email: `a${id}@example.com`, accountId: id });
  return (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
}

describe("organizations under parallel calls", () => {
  test("DeleteOrganization racing CreateOrganizationalUnit, CreatePolicy, AcceptHandshake or CreateAccount: never both succeed", async () => {
    for (const kind of ["ou", "policy", "accept", "create"] as const) {
      // A positive delay starts DeleteOrganization that many microtasks later, a negative one the other call.
      for (const delay of [-20, -10, -6, -3, 0, 3, 6, 10, 20]) {
        const f = await orgFixture();
        await f.call("CreateOrganization", { FeatureSet: "ALL" });
        const root = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
        const hid = await invited(f, "333344440000");
        const other = ticks(Math.max(0, -delay)).then(() =>
          kind === "ou" ? f.call("CreateOrganizationalUnit", { ParentId: root, Name: "late" })
          : kind === "policy" ? f.call("CreatePolicy", { Name: "late", Description: "d", Type: "SERVICE_CONTROL_POLICY", Content: SCP })
          : kind === "accept" ? f.call("AcceptHandshake", { HandshakeId: hid }, f.ctx("333344440000"))
          : f.call("CreateAccount", { AccountName: "Late", Email: "late@example.com" }));
        const del = ticks(Math.max(0, delay)).then(() => f.call("DeleteOrganization", {}));
        const [d, o] = await outcomes([del, other]);
        await f.org.idle();
        const where = `${kind} after ${delay} ticks: ${d}, ${o}`;
        const member = (await f.accounts.get("333344440000"))?.organizationId;
        const claimed = (await f.accounts.list()).filter((a) => a.organizationId !== undefined);
        if (d === "OK") {
          assert.notEqual(o, "OK", where);
          assert.equal(member, undefined, where);
          assert.deepEqual(claimed, [], where);
          assert.equal((await f.store.list("org-units")).length + (await f.store.list("org-policies")).length, 0, where);
        } else {
          // An account request in progress refuses the deletion with its own reason.
          assert.equal(d, kind === "create" ? "ConstraintViolationException" : "OrganizationNotEmptyException", where);
          assert.equal(o, "OK", where);
        }
      }
    }
  });

  test("parallel CreateOrganization from one account: one organization, the other calls get AlreadyInOrganizationException", async () => {
    for (const delay of [0, 2, 5, 10, 20]) {
      const f = await orgFixture();
      const rs = await outcomes([0, 1, 2].map((k) => ticks(k * delay).then(() => f.call<{ Organization: { Id: string } }>("CreateOrganization", {}))));
      assert.deepEqual([...rs].sort(), ["AlreadyInOrganizationException", "AlreadyInOrganizationException", "OK"], `after ${delay} ticks`);
      const stored = await f.store.list<{ id: string }>("organizations");
      assert.equal(stored.length, 1, `after ${delay} ticks`);
      assert.equal((await f.call<{ Organization: { Id: string } }>("DescribeOrganization", {})).Organization.Id, stored[0]!.value.id);
    }
  });

  test("parallel CloseAccount calls stop at the closure quota (10 members in 30 days)", async () => {
    const f = await orgFixture({ maxAccounts: 100 });
    await f.call("CreateOrganization", { FeatureSet: "ALL" });
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const id = `3333444455${String(i).padStart(2, "0")}`;
      await f.call("AcceptHandshake", { HandshakeId: await invited(f, id) }, f.ctx(id));
      ids.push(id);
    }
    const rs = await outcomes(ids.map((id) => f.call("CloseAccount", { AccountId: id })));
    assert.equal(rs.filter((r) => r === "OK").length, 10, rs.join());
    assert.equal(rs.filter((r) => r === "ConstraintViolationException").length, 4, rs.join());
    const closing = (await f.accounts.list()).filter((a) => a.closureRequestedAt !== undefined).length;
    assert.equal(closing, 10);
  });

  test("RemoveAccountFromOrganization racing RegisterDelegatedAdministrator: no delegated administrator outside the organization", async () => {
    const f = await orgFixture();
    await f.call("CreateOrganization", { FeatureSet: "ALL" });
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: "securityhub.amazonaws.com" });
    for (let delay = 0; delay < 24; delay += 2) {
      const id = `4444555566${String(delay).padStart(2, "0")}`;
      await f.call("AcceptHandshake", { HandshakeId: await invited(f, id) }, f.ctx(id));
      const remove = f.call("RemoveAccountFromOrganization", { AccountId: id });
      const register = ticks(delay).then(() => f.call("RegisterDelegatedAdministrator", { AccountId: id, ServicePrincipal: "securityhub.amazonaws.com" }));
      const [rm, rg] = await outcomes([remove, register]);
      const member = (await f.accounts.get(id))?.organizationId !== undefined;
      const delegated = (await f.call<{ DelegatedAdministrators: Array<{ Id: string }> }>("ListDelegatedAdministrators", {})).DelegatedAdministrators.some((d) => d.Id === id);
      const where = `after ${delay} ticks: remove ${rm}, register ${rg}`;
      assert.notDeepEqual([rm, rg], ["OK", "OK"], where);
      assert.equal(delegated, rg === "OK", where);
      assert.equal(member, rm !== "OK", where);
      if (delegated) await f.call("DeregisterDelegatedAdministrator", { AccountId: id, ServicePrincipal: "securityhub.amazonaws.com" });
    }
  });
  test("MoveAccount racing RemoveAccountFromOrganization: a removed account keeps no place in an OU, and joins again at the root", async () => {
    const f = await orgFixture({ maxAccounts: 100 });
    await f.call("CreateOrganization", { FeatureSet: "ALL" });
    const root = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
    const ou = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: root, Name: "dest" })).OrganizationalUnit.Id;
    const seen = new Set<string>();
    for (let delay = -8; delay <= 8; delay += 2) {
      const id = `5555666677${String(delay + 8).padStart(2, "0")}`;
      await f.call("AcceptHandshake", { HandshakeId: await invited(f, id) }, f.ctx(id));
      const remove = ticks(Math.max(0, delay)).then(() => f.call("RemoveAccountFromOrganization", { AccountId: id }));
      const move = ticks(Math.max(0, -delay)).then(() => f.call("MoveAccount", { AccountId: id, SourceParentId: root, DestinationParentId: ou }));
      const [rm, mv] = await outcomes([remove, move]);
      const where = `after ${delay} ticks: remove ${rm}, move ${mv}`;
      seen.add(`${rm} ${mv}`);
      assert.equal(rm, "OK", where);
      assert.ok(mv === "OK" || mv === "AccountNotFoundException", where);
      // Nothing of the account's place in the organization is left behind.
      assert.deepEqual((await f.store.list("org-account-parents")).filter((e) => e.key.endsWith(id)), [], where);
      // Invited again, it joins at the root, as every account that joins does.
      const hid = (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
      await f.call("AcceptHandshake", { HandshakeId: hid }, f.ctx(id));
      assert.deepEqual((await f.call<{ Parents: Array<{ Id: string }> }>("ListParents", { ChildId: id })).Parents.map((p) => p.Id), [root], where);
    }
    // Both orders happened.
    assert.ok(seen.has("OK OK") && seen.has("OK AccountNotFoundException"), [...seen].join("; "));
  });
});
