/**
 * WAFv2 rule group sharing across accounts, through @aws-sdk/client-wafv2 against the real
 * authoriser and data plane: the management account owns a rule group and shares it with a
 * member account by PutPermissionPolicy; the member reads it, references it from its own web ACL
 * on its own load balancer, and the owner's rules (and later changes to them) decide the member's
 * traffic. Without the policy the member is denied; while used, the owner cannot delete it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import {
  WAFV2Client,
  AssociateWebACLCommand,
  CreateIPSetCommand,
  CreateRuleGroupCommand,
  CreateWebACLCommand,
  DeletePermissionPolicyCommand,
  DeleteRuleGroupCommand,
  GetPermissionPolicyCommand,
  GetRuleGroupCommand,
  PutPermissionPolicyCommand,
  UpdateRuleGroupCommand,
  type Rule,
} from "@aws-sdk/client-wafv2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";
import { memberAccount } from "./kms-support.js";

let s: TestServer;
let owner: WAFV2Client;
let member: WAFV2Client;
let memberId: string;
let upstream: http.Server;
let port: number;
let lbArn: string;
let group: { ARN: string; Id: string; LockToken: string };

const vis = (MetricName: string) => ({ SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName });
const blockHeader = (value: string): Rule[] => [
  {
    Name: "flagged",
    Priority: 0,
    Action: { Block: {} },
    Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode(value), FieldToMatch: { SingleHeader: { Name: "x-flag" } }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "EXACTLY" } },
    VisibilityConfig: vis("flagged"),
  },
];
const share = (actions: string[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "share", Effect: "Allow", Principal: { AWS: memberId }, Action: actions }] });
const USE = ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:PutFirewallManagerRuleGroups"];

function send(flag?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", headers: flag ? { "x-flag": flag } : {}, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  owner = new WAFV2Client(s.clientConfig());
  const m = await memberAccount(s, "WafMember");
  memberId = m.accountId;
  member = new WAFV2Client(s.clientConfig(m.admin));
  upstream = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig(m.admin));
  const front = await loadBalancerInFront(elb, "shared-front", (upstream.address() as AddressInfo).port);
  port = front.port;
  lbArn = front.lbArn;
  await eventually(async () => (await send()) === 200, 10_000);
  const created = await owner.send(new CreateRuleGroupCommand({ Name: "org-blocklist", Scope: "REGIONAL", Capacity: 10, Rules: blockHeader("bad"), VisibilityConfig: vis("org-blocklist") }));
  group = { ARN: created.Summary!.ARN!, Id: created.Summary!.Id!, LockToken: created.Summary!.LockToken! };
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

const webAcl = (name: string) =>
  new CreateWebACLCommand({
    Name: name,
    Scope: "REGIONAL",
    DefaultAction: { Allow: {} },
    Rules: [{ Name: "org", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: group.ARN } }, VisibilityConfig: vis("org") }],
    VisibilityConfig: vis(name),
  });

test("without a permission policy another account can neither read nor use the rule group", async () => {
  assert.deepEqual((await owner.send(new GetPermissionPolicyCommand({ ResourceArn: group.ARN }))).Policy, undefined);
  await assert.rejects(member.send(new GetRuleGroupCommand({ ARN: group.ARN })), (e: Error) => e.name === "AccessDeniedException");
  await assert.rejects(member.send(webAcl("denied")), (e: Error) => e.name === "AccessDeniedException" && /wafv2:CreateWebACL/.test(e.message));
  await assert.rejects(
    owner.send(new PutPermissionPolicyCommand({ ResourceArn: group.ARN, Policy: share([...USE, "wafv2:DeleteRuleGroup"]) })),
    (e: Error) => e.name === "WAFInvalidPermissionPolicyException",
  );
});

test("shared: the member reads it, uses it in its web ACL, and the owner's rules and changes decide the member's traffic", async () => {
  await owner.send(new PutPermissionPolicyCommand({ ResourceArn: group.ARN, Policy: share([...USE, "wafv2:GetRuleGroup"]) }));
  assert.equal((await owner.send(new GetPermissionPolicyCommand({ ResourceArn: group.ARN }))).Policy, share([...USE, "wafv2:GetRuleGroup"]));
  const read = await member.send(new GetRuleGroupCommand({ ARN: group.ARN }));
  assert.equal(read.RuleGroup?.Name, "org-blocklist");
  assert.equal(read.RuleGroup?.LabelNamespace, `awswaf:${s.accountId}:rulegroup:org-blocklist:`);

  // The group is shared, the sets of its owner are not: naming one directly finds nothing.
  const ipSet = await owner.send(new CreateIPSetCommand({ Name: "owner-ips", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] }));
  await assert.rejects(
    member.send(
      new CreateWebACLCommand({
        Name: "probe",
        Scope: "REGIONAL",
        DefaultAction: { Allow: {} },
        Rules: [
          { Name: "org", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: group.ARN } }, VisibilityConfig: vis("org") },
          { Name: "ips", Priority: 1, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ipSet.Summary!.ARN! } }, VisibilityConfig: vis("ips") },
        ],
        VisibilityConfig: vis("probe"),
      }),
    ),
    (e: Error) => e.name === "WAFNonexistentItemException",
  );

  const acl = await member.send(webAcl("member-front"));
  assert.match(acl.Summary!.ARN!, new RegExp(`^arn:aws:wafv2:us-east-1:${memberId}:regional/webacl/member-front/`));
  await member.send(new AssociateWebACLCommand({ WebACLArn: acl.Summary!.ARN!, ResourceArn: lbArn }));
  await eventually(async () => (await send("bad")) === 403, 5000);
  assert.equal(await send("fine"), 200);

  // The owner changes its rules: the member's web ACL follows.
  await owner.send(new UpdateRuleGroupCommand({ Name: "org-blocklist", Scope: "REGIONAL", Id: group.Id, LockToken: group.LockToken, Rules: blockHeader("worse"), VisibilityConfig: vis("org-blocklist") }));
  await eventually(async () => (await send("worse")) === 403, 5000);
  assert.equal(await send("bad"), 200);

  // In use by the member's web ACL: the owner cannot delete it.
  const current = await owner.send(new GetRuleGroupCommand({ ARN: group.ARN }));
  await assert.rejects(
    owner.send(new DeleteRuleGroupCommand({ Name: "org-blocklist", Scope: "REGIONAL", Id: group.Id, LockToken: current.LockToken! })),
    (e: Error) => e.name === "WAFAssociatedItemException",
  );

  // Sharing ended: no more reads or new uses.
  await owner.send(new DeletePermissionPolicyCommand({ ResourceArn: group.ARN }));
  await assert.rejects(member.send(new GetRuleGroupCommand({ ARN: group.ARN })), (e: Error) => e.name === "AccessDeniedException");
  await assert.rejects(member.send(webAcl("too-late")), (e: Error) => e.name === "AccessDeniedException");
  // The member cannot manage the owner's policy: nothing grants it the permission-policy calls on
  // another account's rule group.
  for (const call of [
    new PutPermissionPolicyCommand({ ResourceArn: group.ARN, Policy: share(USE) }),
    new GetPermissionPolicyCommand({ ResourceArn: group.ARN }),
    new DeletePermissionPolicyCommand({ ResourceArn: group.ARN }),
  ]) {
    await assert.rejects(member.send(call as PutPermissionPolicyCommand), (e: Error) => e.name === "AccessDeniedException");
  }
});

test("shared with the whole organization: Principal \"*\" narrowed by aws:PrincipalOrgID", async () => {
  const org = await new OrganizationsClient(s.clientConfig()).send(new DescribeOrganizationCommand({}));
  const policy = (orgId: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: [...USE, "wafv2:GetRuleGroup"], Condition: { StringEquals: { "aws:PrincipalOrgID": orgId } } }],
    });
  await owner.send(new PutPermissionPolicyCommand({ ResourceArn: group.ARN, Policy: policy("o-aaaaaaaaaa") }));
  await assert.rejects(member.send(new GetRuleGroupCommand({ ARN: group.ARN })), (e: Error) => e.name === "AccessDeniedException", "another organization's id");
  await owner.send(new PutPermissionPolicyCommand({ ResourceArn: group.ARN, Policy: policy(org.Organization!.Id!) }));
  assert.equal((await member.send(new GetRuleGroupCommand({ ARN: group.ARN }))).RuleGroup?.Name, "org-blocklist");
});

