/**
 * AcceptHandshake made in parallel with CancelHandshake, DeclineHandshake and another
 * AcceptHandshake (in-process, so the calls interleave at every await): each answer must be
 * the one some serial order of the calls gives, and the account is a member, with its default
 * policy, exactly when an Accept succeeded.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { orgFixture } from "./testing/org-fixture.js";

type H = { Handshake: { Id: string; State: string } };
const outcomes = (ps: Array<Promise<unknown>>) =>
  Promise.allSettled(ps).then((rs) => rs.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as Error).name)));

test("parallel Accept, Cancel, Decline and Accept of one invitation give a serial outcome", async () => {
  const f = await orgFixture();
  await f.call("CreateOrganization", { FeatureSet: "ALL" });
  const root = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
  await f.call("EnablePolicyType", { RootId: root, PolicyType: "SERVICE_CONTROL_POLICY" });
  for (let i = 0; i < 4; i++) {
    const id = `22223333440${i}`;
    await f.accounts.create({ name: `Invited${i}`, email: `invited${i}@example.com`, accountId: id });
    const hid = (await f.call<H>("InviteAccountToOrganization", { Target: { Type: "ACCOUNT", Id: id } })).Handshake.Id;
    // Rotate who starts first, so each of the calls gets to commit first once.
    const calls = [
      () => f.call("AcceptHandshake", { HandshakeId: hid }, f.ctx(id)),
      () => f.call("CancelHandshake", { HandshakeId: hid }),
      () => f.call("DeclineHandshake", { HandshakeId: hid }, f.ctx(id)),
      () => f.call("AcceptHandshake", { HandshakeId: hid }, f.ctx(id)),
    ];
    const order = [...calls.slice(i), ...calls.slice(0, i)];
    const rs = await outcomes(order.map((c) => c()));
    const named = Object.fromEntries(["accept1", "cancel", "decline", "accept2"].map((n, k) => [n, rs[(k - i + 4) % 4]!]));
    const state = (await f.call<H>("DescribeHandshake", { HandshakeId: hid })).Handshake.State;
    const member = await f.call("DescribeAccount", { AccountId: id }).then(() => true, () => false);
    const winners = rs.filter((r) => r === "OK").length;
    assert.equal(winners, 1, JSON.stringify(named));
    if (state === "ACCEPTED") {
      assert.equal(member, true);
      // The loser Accept finds the handshake accepted; Cancel and Decline cannot move it any more.
      assert.deepEqual([named.accept1, named.accept2].sort(), ["HandshakeAlreadyInStateException", "OK"], JSON.stringify(named));
      assert.equal(named.cancel, "InvalidHandshakeTransitionException");
      assert.equal(named.decline, "InvalidHandshakeTransitionException");
      const scps = (await f.call<{ Policies: Array<{ Name: string }> }>("ListPoliciesForTarget", { TargetId: id, Filter: "SERVICE_CONTROL_POLICY" })).Policies;
      assert.deepEqual(scps.map((p) => p.Name), ["FullAWSAccess"]);
    } else {
      assert.ok(state === "CANCELED" || state === "DECLINED", state);
      assert.equal(member, false);
      assert.equal(named.accept1, "InvalidHandshakeTransitionException", JSON.stringify(named));
      assert.equal(named.accept2, "InvalidHandshakeTransitionException", JSON.stringify(named));
    }
  }
});
