import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { AUDIT_OUTBOX, createAuditOutbox } from "../../audit/outbox.js";
import type { AuditLog } from "../../audit/types.js";
import { createScheduler } from "../../scheduler/scheduler.js";
import { parseDeletionTaskId, serviceLinkedRoleName, serviceLinkedTrustPolicy } from "./service-linked-roles.js";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, T0 } from "./testing/harness.js";

type Role = { Path: string; RoleName: string; RoleId: string; Arn: string; CreateDate: Date; AssumeRolePolicyDocument: string; Description?: string; RoleLastUsed?: unknown; MaxSessionDuration?: number };

const PROTECTED = (name: string) => `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`;

function harnessWithScheduler(inUse: Array<{ region: string; resources: string[] }> = []) {
  const h = createHarness();
  const scheduler = createScheduler({ store: h.store, clock: h.clock });
  const asked: string[] = [];
  h.iam.useScheduler(scheduler, async (accountId, principal) => {
    asked.push(`${accountId} ${principal}`);
    return inUse;
  });
  return { h, scheduler, asked };
}

describe("service-linked role names", () => {
  test("named after the service; a custom suffix only where the service takes one", () => {
    assert.equal(serviceLinkedRoleName("elasticloadbalancing.amazonaws.com", undefined), "AWSServiceRoleForElasticLoadBalancing");
    assert.equal(serviceLinkedRoleName("autoscaling.amazonaws.com", "fleet-1"), "AWSServiceRoleForAutoScaling_fleet-1");
    assert.throws(() => serviceLinkedRoleName("guardduty.amazonaws.com", "x"), (e: any) => e.code === "InvalidInput" && e.message === "Custom suffix is not allowed for guardduty.amazonaws.com");
    assert.equal(serviceLinkedRoleName("acm.amazonaws.com", undefined), "AWSServiceRoleForCertificateManager");
    assert.equal(serviceLinkedRoleName("autoscaling-plans.amazonaws.com", undefined), "AWSServiceRoleForAutoScalingPlans_EC2AutoScaling");
    assert.equal(serviceLinkedRoleName("lexv2.amazonaws.com", "bot1"), "AWSServiceRoleForLexV2Bots_bot1");
    assert.equal(serviceLinkedRoleName("connect.amazonaws.com", "inst"), "AWSServiceRoleForAmazonConnect_inst");
    assert.throws(() => serviceLinkedRoleName("rds.amazonaws.com", "x"), (e: any) => e.code === "InvalidInput" && e.message === "Custom suffix is not allowed for rds.amazonaws.com");
    assert.throws(() => serviceLinkedRoleName("example.amazonaws.com", undefined), (e: any) => e.code === "InvalidInput" && /example.amazonaws.com/.test(e.message));
    assert.throws(() => serviceLinkedRoleName("toString", undefined), (e: any) => e.code === "InvalidInput");
    assert.throws(() => serviceLinkedRoleName("autoscaling.amazonaws.com", "s".repeat(40)), (e: any) => e.code === "InvalidInput" && /longer than 64/.test(e.message));
  });

  test("deletion task ids", () => {
    const id = "task/aws-service-role/shield.amazonaws.com/AWSServiceRoleForAWSShield/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    assert.deepEqual(parseDeletionTaskId(id), { servicePrincipal: "shield.amazonaws.com", roleName: "AWSServiceRoleForAWSShield" });
    for (const bad of ["task/foo", "task/aws-service-role/shield.amazonaws.com/AWSServiceRoleForAWSShield/nope", id + "/x"]) {
      assert.throws(() => parseDeletionTaskId(bad), (e: any) => e.code === "InvalidInput");
    }
  });

  test("trust policy: only the service principal may assume the role", () => {
    assert.deepEqual(JSON.parse(serviceLinkedTrustPolicy("macie.amazonaws.com")), {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "macie.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });
});

describe("service-linked role operations", () => {
  test("create: path, trust, description; a second one is refused; GetRole shows it like any role", async () => {
    const { h } = harnessWithScheduler();
    const role = (await h.call<{ Role: Role }>("CreateServiceLinkedRole", { AWSServiceName: "elasticloadbalancing.amazonaws.com", Description: "ELB" })).Role;
    assert.match(role.RoleId, /^AROA[A-Z2-7]{17}$/);
    assert.deepEqual(
      { ...role, RoleId: "x" },
      {
        Path: "/aws-service-role/elasticloadbalancing.amazonaws.com/",
        RoleName: "AWSServiceRoleForElasticLoadBalancing",
        RoleId: "x",
        Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
        CreateDate: new Date(T0),
        AssumeRolePolicyDocument: encodeURIComponent(serviceLinkedTrustPolicy("elasticloadbalancing.amazonaws.com")),
        Description: "ELB",
      },
    );
    assert.deepEqual(h.calls.at(-1), { action: "iam:CreateServiceLinkedRole", resource: role.Arn, context: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } });
    await assertAwsError(
      h.call("CreateServiceLinkedRole", { AWSServiceName: "elasticloadbalancing.amazonaws.com" }),
      "InvalidInput",
      400,
      "Service role name AWSServiceRoleForElasticLoadBalancing has been taken in this account, please try a different suffix.",
    );
    const got = (await h.call<{ Role: Role }>("GetRole", { RoleName: "AWSServiceRoleForElasticLoadBalancing" })).Role;
    assert.deepEqual([got.Description, got.MaxSessionDuration, got.RoleLastUsed], ["ELB", 3600, {}]);
    await assertAwsError(h.call("CreateServiceLinkedRole", { AWSServiceName: "bad service" }), "ValidationError", 400, /aWSServiceName/);
  });

  test("the ordinary role operations refuse to change a service-linked role; its description may change", async () => {
    const { h } = harnessWithScheduler();
    await h.call("CreateServiceLinkedRole", { AWSServiceName: "guardduty.amazonaws.com" });
    await h.call("CreateInstanceProfile", { InstanceProfileName: "ip" });
    await h.call("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3 });
    const name = "AWSServiceRoleForAmazonGuardDuty";
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/p`;
    const refused: Array<[string, object]> = [
      ["DeleteRole", { RoleName: name }],
      ["UpdateAssumeRolePolicy", { RoleName: name, PolicyDocument: serviceLinkedTrustPolicy("ec2.amazonaws.com") }],
      ["UpdateRole", { RoleName: name, MaxSessionDuration: 7200 }],
      ["PutRolePolicy", { RoleName: name, PolicyName: "x", PolicyDocument: ALLOW_S3 }],
      ["DeleteRolePolicy", { RoleName: name, PolicyName: "x" }],
      ["AttachRolePolicy", { RoleName: name, PolicyArn: policyArn }],
      ["DetachRolePolicy", { RoleName: name, PolicyArn: policyArn }],
      ["PutRolePermissionsBoundary", { RoleName: name, PermissionsBoundary: policyArn }],
      ["DeleteRolePermissionsBoundary", { RoleName: name }],
      ["AddRoleToInstanceProfile", { RoleName: name, InstanceProfileName: "ip" }],
      ["RemoveRoleFromInstanceProfile", { RoleName: name, InstanceProfileName: "ip" }],
    ];
    for (const [op, input] of refused) await assertAwsError(h.call(op, input), "UnmodifiableEntity", 400, PROTECTED(name));
    await h.call("UpdateRole", { RoleName: name, Description: "edited" });
    await h.call("UpdateRoleDescription", { RoleName: name, Description: "edited again" });
    await h.call("TagRole", { RoleName: name, Tags: [{ Key: "team", Value: "sec" }] });
    const got = (await h.call<{ Role: Role }>("GetRole", { RoleName: name })).Role;
    assert.equal(got.Description, "edited again");
    // An ordinary role is not a service-linked one.
    await h.call("CreateRole", { RoleName: "plain", AssumeRolePolicyDocument: serviceLinkedTrustPolicy("ec2.amazonaws.com") });
    await assertAwsError(h.call("DeleteServiceLinkedRole", { RoleName: "plain" }), "InvalidInput", 400, "Role plain is not a service-linked role.");
    await assertAwsError(h.call("DeleteServiceLinkedRole", { RoleName: "nope" }), "NoSuchEntity", 404, "The role with name nope cannot be found.");
  });

  test("deletion runs on the scheduler: NOT_STARTED, then SUCCEEDED and the role is gone", async () => {
    const { h, scheduler, asked } = harnessWithScheduler();
    await h.call("CreateServiceLinkedRole", { AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: "web" });
    const { DeletionTaskId: id } = await h.call<{ DeletionTaskId: string }>("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForAutoScaling_web" });
    assert.match(id, /^task\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling_web\/[0-9a-f-]{36}$/);
    assert.deepEqual(await h.call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: id }), { Status: "NOT_STARTED" });
    assert.deepEqual(h.calls.at(-1), {
      action: "iam:GetServiceLinkedRoleDeletionStatus",
      resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web`,
    });
    // A repeated request while the task is pending answers the same task.
    assert.deepEqual(await h.call("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForAutoScaling_web" }), { DeletionTaskId: id });
    assert.equal(await scheduler.runDue(), 1);
    assert.deepEqual(asked, [`${ACCOUNT} autoscaling.amazonaws.com`]);
    assert.deepEqual(await h.call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: id }), { Status: "SUCCEEDED" });
    await assertAwsError(h.call("GetRole", { RoleName: "AWSServiceRoleForAutoScaling_web" }), "NoSuchEntity", 404, "The role with name AWSServiceRoleForAutoScaling_web cannot be found.");
    // The name is free again.
    await h.call("CreateServiceLinkedRole", { AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: "web" });
    const unknown = "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web/00000000-0000-0000-0000-000000000000";
    await assertAwsError(h.call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: unknown }), "NoSuchEntity", 404, `Deletion task ${unknown} cannot be found.`);
    await assertAwsError(h.call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: "task/x" }), "InvalidInput", 400, "Invalid deletion task id: task/x");
  });

  test("a role its service still uses is kept: FAILED with the resources per Region", async () => {
    const lb = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/web/0123456789abcdef`;
    const { h, scheduler } = harnessWithScheduler([{ region: "eu-west-1", resources: [lb] }]);
    await h.call("CreateServiceLinkedRole", { AWSServiceName: "elasticloadbalancing.amazonaws.com" });
    const { DeletionTaskId: id } = await h.call<{ DeletionTaskId: string }>("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForElasticLoadBalancing" });
    await scheduler.runDue();
    assert.deepEqual(await h.call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: id }), {
      Status: "FAILED",
      Reason: {
        Reason: "The service-linked role AWSServiceRoleForElasticLoadBalancing is in use by elasticloadbalancing.amazonaws.com resources and cannot be deleted.",
        RoleUsageList: [{ Region: "eu-west-1", Resources: [lb] }],
      },
    });
    await h.call("GetRole", { RoleName: "AWSServiceRoleForElasticLoadBalancing" });
    // A new request starts a new task.
    const again = await h.call<{ DeletionTaskId: string }>("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForElasticLoadBalancing" });
    assert.notEqual(again.DeletionTaskId, id);
  });

  test("a role holds its service's AWS managed policy, which nothing else may hold and the role cannot lose", async () => {
    const { h, scheduler } = harnessWithScheduler();
    const cases = [
      ["elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing", "AWSElasticLoadBalancingServiceRolePolicy", "v14"],
      ["mrk.kms.amazonaws.com", "AWSServiceRoleForKeyManagementServiceMultiRegionKeys", "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy", "v2"],
      ["organizations.amazonaws.com", "AWSServiceRoleForOrganizations", "AWSOrganizationsServiceTrustPolicy", "v3"],
      ["shield.amazonaws.com", "AWSServiceRoleForAWSShield", "AWSShieldServiceRolePolicy", "v1"],
    ] as const;
    for (const [principal, roleName, policyName, version] of cases) {
      const arn = `arn:aws:iam::aws:policy/aws-service-role/${policyName}`;
      await h.call("CreateServiceLinkedRole", { AWSServiceName: principal });
      assert.deepEqual(await h.call("ListAttachedRolePolicies", { RoleName: roleName }), { AttachedPolicies: [{ PolicyName: policyName, PolicyArn: arn }], IsTruncated: false });
      const { Policy: p } = await h.call<{ Policy: Record<string, unknown> }>("GetPolicy", { PolicyArn: arn });
      assert.deepEqual([p.Path, p.DefaultVersionId, p.AttachmentCount, p.IsAttachable], ["/aws-service-role/", version, 1, false]);
      assert.match(String(p.PolicyId), /^ANPA[A-Z2-7]{17}$/);
      const { PolicyVersion: v } = await h.call<{ PolicyVersion: { Document: string; VersionId: string } }>("GetPolicyVersion", { PolicyArn: arn, VersionId: version });
      assert.equal(JSON.parse(decodeURIComponent(v.Document)).Version, "2012-10-17");
      await assertAwsError(h.call("DetachRolePolicy", { RoleName: roleName, PolicyArn: arn }), "UnmodifiableEntity", 400, PROTECTED(roleName));
      await assertAwsError(h.call("CreateServiceLinkedRole", { AWSServiceName: principal }), "InvalidInput", 400, /has been taken/);
    }
    const kms = (await h.call<{ PolicyVersion: { Document: string } }>("GetPolicyVersion", {
      PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy",
      VersionId: "v2",
    })).PolicyVersion;
    assert.deepEqual(JSON.parse(decodeURIComponent(kms.Document)).Statement, [
      { Sid: "KMSSynchronizeMultiRegionKey", Effect: "Allow", Action: ["kms:SynchronizeMultiRegionKey"], Resource: "*" },
    ]);
    // GetAccountAuthorizationDetails shows the role with its policy, and the policy as not attachable.
    const details = await h.call<{ RoleDetailList: Array<{ RoleName: string; AttachedManagedPolicies: unknown[] }>; Policies: Array<{ PolicyName: string; IsAttachable: boolean }> }>(
      "GetAccountAuthorizationDetails",
      {},
    );
    assert.deepEqual(details.RoleDetailList.find((r) => r.RoleName === "AWSServiceRoleForOrganizations")?.AttachedManagedPolicies, [
      { PolicyName: "AWSOrganizationsServiceTrustPolicy", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy" },
    ]);
    assert.equal(details.Policies.find((p) => p.PolicyName === "AWSOrganizationsServiceTrustPolicy")?.IsAttachable, false);
    // Customers' roles, users and groups cannot hold a service-linked role policy.
    const elbPolicy = "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy";
    await h.call("CreateRole", { RoleName: "mine", AssumeRolePolicyDocument: serviceLinkedTrustPolicy("elasticloadbalancing.amazonaws.com") });
    await assertAwsError(h.call("AttachRolePolicy", { RoleName: "mine", PolicyArn: elbPolicy }), "PolicyNotAttachable", 400, "Cannot attach a Service Role Policy to a Customer Role.");
    await h.call("CreateUser", { UserName: "u" });
    await assertAwsError(h.call("AttachUserPolicy", { UserName: "u", PolicyArn: elbPolicy }), "PolicyNotAttachable", 400, /service role policies/);
    await h.call("CreateGroup", { GroupName: "g" });
    await assertAwsError(h.call("AttachGroupPolicy", { GroupName: "g", PolicyArn: elbPolicy }), "PolicyNotAttachable", 400, /service role policies/);
    assert.deepEqual(await h.call("ListAttachedRolePolicies", { RoleName: "mine" }), { AttachedPolicies: [], IsTruncated: false });
    // GuardDuty's role holds AWS's published policy for it; a deleted role lets its policy go.
    await h.call("CreateServiceLinkedRole", { AWSServiceName: "guardduty.amazonaws.com" });
    assert.deepEqual(await h.call("ListAttachedRolePolicies", { RoleName: "AWSServiceRoleForAmazonGuardDuty" }), {
      AttachedPolicies: [{ PolicyName: "AmazonGuardDutyServiceRolePolicy", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy" }],
      IsTruncated: false,
    });
    await h.call("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForElasticLoadBalancing" });
    await scheduler.runDue();
    const after = await h.call<{ Policy: { AttachmentCount: number } }>("GetPolicy", { PolicyArn: elbPolicy });
    assert.equal(after.Policy.AttachmentCount, 0);
  });
});

describe("service-linked roles a service creates on a caller's behalf", () => {
  type Ev = { eventName: string; userIdentity: Record<string, unknown>; sourceIPAddress: string; errorCode?: string; awsRegion: string; responseElements: unknown };
  function setup() {
    const h = createHarness();
    let failing = false;
    const log = createAuditLog({ store: h.store, digestSigner: generateDigestSigner(), clock: h.clock, digestIntervalMs: 0 });
    const audit: AuditLog = { ...log, record: (rec) => (failing ? Promise.reject(new Error("process gone")) : log.record(rec)) };
    const outbox = createAuditOutbox({ store: h.store, audit, clock: h.clock });
    h.iam.useServiceCallAudit(audit, outbox, "eu-west-1");
    const events = async (): Promise<Ev[]> => {
      const last = await h.store.lastAudit();
      return last ? (await h.store.readAudit(1, last.seq)).map((r) => JSON.parse(r.json) as Ev) : [];
    };
    const ensure = (principal = h.ctx().principal) =>
      h.iam.ensureServiceLinkedRole(ACCOUNT, h.clock.now(), (req) => h.ctx().authorize(req), "shield.amazonaws.com", principal);
    return { h, log, events, ensure, setFailing: (f: boolean) => (failing = f) };
  }

  test("recorded as the caller's CreateServiceLinkedRole invoked by the service, once; a denied attempt too", async () => {
    const { h, events, ensure } = setup();
    h.deny.add("iam:CreateServiceLinkedRole");
    await assert.rejects(ensure(), (e: any) => e.common === "AccessDenied");
    h.deny.delete("iam:CreateServiceLinkedRole");
    await ensure();
    await ensure(); // the role exists: no call, no event
    const evs = await events();
    assert.deepEqual(evs.map((e) => [e.eventName, e.errorCode ?? "ok", e.userIdentity.invokedBy, e.sourceIPAddress, e.awsRegion]), [
      ["CreateServiceLinkedRole", "AccessDenied", "shield.amazonaws.com", "shield.amazonaws.com", "eu-west-1"],
      ["CreateServiceLinkedRole", "ok", "shield.amazonaws.com", "shield.amazonaws.com", "eu-west-1"],
    ]);
    assert.equal(evs[0]!.responseElements, null);
    assert.equal((evs[1]!.responseElements as { role: { roleName: string } }).role.roleName, "AWSServiceRoleForAWSShield");
    assert.equal(evs[1]!.userIdentity.arn, h.ctx().principal.arn);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 0);
  });

  test("the event is staged with the role: an append that fails is made up by a later drain, once", async () => {
    const { h, log, events, ensure, setFailing } = setup();
    setFailing(true);
    await ensure();
    setFailing(false);
    assert.equal((await h.call<{ Role: { RoleName: string } }>("GetRole", { RoleName: "AWSServiceRoleForAWSShield" })).Role.RoleName, "AWSServiceRoleForAWSShield");
    assert.deepEqual(await events(), []);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 1);
    const restart = createAuditOutbox({ store: h.store, audit: log, clock: h.clock });
    assert.equal(await restart.drain(), 1);
    assert.equal(await restart.drain(), 0);
    assert.deepEqual((await events()).map((e) => e.eventName), ["CreateServiceLinkedRole"]);
  });

  test("without a principal (a service acting for itself) nothing is recorded", async () => {
    const { h, events } = setup();
    await h.iam.ensureServiceLinkedRole(ACCOUNT, h.clock.now(), async () => {}, "organizations.amazonaws.com");
    assert.deepEqual(await events(), []);
    assert.equal(await h.store.count(AUDIT_OUTBOX), 0);
  });
});
