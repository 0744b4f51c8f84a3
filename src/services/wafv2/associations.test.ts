import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { ACCOUNT, LB_ARN, REGION, VIS, wafFixture, type WafFixture } from "./testing/fixture.js";

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
}

async function setup(f: WafFixture): Promise<{ ip: Summary; group: Summary; acl: Summary }> {
  const ip = (await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "bad", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] })).Summary;
  const group = (
    await f.call<{ Summary: Summary }>("CreateRuleGroup", {
      Name: "g",
      Scope: "REGIONAL",
      Capacity: 10,
      Rules: [{ Name: "ip", Priority: 0, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ip.ARN } }, VisibilityConfig: VIS("ip") }],
      VisibilityConfig: VIS("g"),
    })
  ).Summary;
  const acl = (
    await f.call<{ Summary: Summary }>("CreateWebACL", {
      Name: "acl",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      Rules: [{ Name: "grp", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: group.ARN } }, VisibilityConfig: VIS("grp") }],
      VisibilityConfig: VIS("acl"),
    })
  ).Summary;
  return { ip, group, acl };
}

describe("associations push compiled web ACLs to the data plane", () => {
  test("associate, recompile on a change of a referenced IP set, disassociate", async () => {
    const f = wafFixture();
    const { ip, acl } = await setup(f);
    const ctx = f.ctx();
    await f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN }, ctx);
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource]), [
      ["wafv2:AssociateWebACL", acl.ARN],
      ["elasticloadbalancing:SetWebAcl", LB_ARN],
    ]);
    assert.equal(f.dataPlane.pushes.length, 1);
    assert.equal(f.dataPlane.current.get(LB_ARN)?.webAclArn, acl.ARN);
    assert.deepEqual(f.dataPlane.current.get(LB_ARN)?.ipAddresses, ["192.0.2.0/24"]);

    // Authorised on every regional web ACL, then the one found is read with GetWebACL's permission.
    const lookup = f.ctx();
    const got = await f.call<{ WebACL?: { ARN: string } }>("GetWebACLForResource", { ResourceArn: LB_ARN }, lookup);
    assert.equal(got.WebACL?.ARN, acl.ARN);
    assert.deepEqual(lookup.calls.map((c) => [c.action, c.resource]), [
      ["wafv2:GetWebACLForResource", acl.ARN.replace(/webacl\/.*$/, "webacl/*/*")],
      ["wafv2:GetWebACL", acl.ARN],
    ]);
    const noRead = f.ctx({ deny: (r) => r.action === "wafv2:GetWebACL" });
    await expectAwsError(f.call("GetWebACLForResource", { ResourceArn: LB_ARN }, noRead), "AccessDeniedException", /wafv2:GetWebACL on resource/);
    assert.deepEqual(await f.call("ListResourcesForWebACL", { WebACLArn: acl.ARN }), { ResourceArns: [LB_ARN] });
    assert.deepEqual(await f.call("ListResourcesForWebACL", { WebACLArn: acl.ARN, ResourceType: "API_GATEWAY" }), { ResourceArns: [] });

    await f.call("UpdateIPSet", { Name: "bad", Scope: "REGIONAL", Id: ip.Id, LockToken: ip.LockToken, Addresses: ["203.0.113.9/32"] });
    assert.equal(f.dataPlane.pushes.length, 2, "the change of an IP set used through a rule group is re-pushed");
    assert.deepEqual(f.dataPlane.current.get(LB_ARN)?.ipAddresses, ["203.0.113.9/32"]);

    const cur = await f.call<{ LockToken: string }>("GetWebACL", { ARN: acl.ARN });
    await expectAwsError(f.call("DeleteWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id, LockToken: cur.LockToken }), "WAFAssociatedItemException", /associated with another resource/);

    await f.call("DisassociateWebACL", { ResourceArn: LB_ARN });
    assert.equal(f.dataPlane.pushes.at(-1)?.evaluator, undefined);
    assert.deepEqual(await f.call("GetWebACLForResource", { ResourceArn: LB_ARN }), {});
    await f.call("DisassociateWebACL", { ResourceArn: LB_ARN });
    await f.call("DeleteWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id, LockToken: cur.LockToken });
  });

  test("resource ARNs: malformed, other types, other accounts and missing load balancers", async () => {
    const f = wafFixture();
    const { acl } = await setup(f);
    await expectAwsError(f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: "arn:aws:s3:::my-bucket-name" }), "WAFInvalidParameterException", /field: RESOURCE_ARN/);
    await expectAwsError(f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: `arn:aws:apigateway:${REGION}::/restapis/abc/stages/prod` }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN.replace(ACCOUNT, "444455556666") }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN.replace("50dc6c495c0c9188", "0000000000000000") }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("AssociateWebACL", { WebACLArn: acl.ARN.replace(acl.Id, "00000000-0000-4000-8000-000000000000"), ResourceArn: LB_ARN }), "WAFNonexistentItemException", /doesn’t exist/);
    assert.equal(f.dataPlane.pushes.length, 0);
  });

  test("a deleted load balancer no longer holds its web ACL", async () => {
    const f = wafFixture();
    const { acl } = await setup(f);
    await f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN });
    f.existingLbs.delete(LB_ARN);
    assert.deepEqual(await f.call("ListResourcesForWebACL", { WebACLArn: acl.ARN }), { ResourceArns: [] });
    await f.call("DeleteWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id, LockToken: acl.LockToken });
    assert.equal(f.dataPlane.pushes.at(-1)?.evaluator, undefined);
  });

  test("a restarted service pushes every stored association again", async () => {
    const f = wafFixture();
    const { acl } = await setup(f);
    await f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN });
    const next = f.restart();
    assert.equal(next.dataPlane.observers.length, 1, "the new service registers its traffic observer");
    assert.equal(await next.svc.start(), 1);
    assert.equal(next.dataPlane.current.get(LB_ARN)?.webAclArn, acl.ARN);
    assert.deepEqual(next.dataPlane.current.get(LB_ARN)?.ipAddresses, ["192.0.2.0/24"]);
  });
});

describe("authorisation comes first", () => {
  test("every operation asks ctx.authorize before doing anything (a denied caller learns nothing)", async () => {
    const f = wafFixture();
    const ctx = f.ctx({ deny: () => true });
    for (const [name, op] of Object.entries(f.svc.operations)) {
      await expectAwsError(op.handler({}, ctx), "AccessDeniedException", new RegExp(`not authorized to perform: wafv2:${name} `));
    }
    assert.equal(ctx.calls.length, Object.keys(f.svc.operations).length);
  });
});
