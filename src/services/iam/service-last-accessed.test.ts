import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { ManualClock } from "../../core/clock.js";
import { AwsError } from "../../core/errors.js";
import type { Principal } from "../../core/types.js";
import { ACCOUNTS_COLLECTION } from "../organizations/accounts.js";
import {
  ACCOUNT_PARENTS_COLLECTION,
  accountParentKey,
  ATTACHMENTS_COLLECTION,
  attachmentKey,
  ORGANIZATIONS_COLLECTION,
  OU_COLLECTION,
  ouKey,
  POLICIES_COLLECTION,
  policyKey,
} from "../organizations/model.js";
import { SCP } from "../organizations/policy-types.js";
import type { ServiceDefinition } from "../types.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, createHarness, T0, type Harness } from "./testing/harness.js";

const DAY = 24 * 60 * 60 * 1000;
const ARN = (rest: string) => `arn:aws:iam::${ACCOUNT}:${rest}`;

/** Two more services next to IAM, as the gateway's registry would list them. */
function fakeService(name: string, operations: string[]): ServiceDefinition {
  const ops = Object.fromEntries(operations.map((o) => [o, { schema: undefined, handler: async () => ({}) }]));
  return { name, signingName: name, protocol: "awsJson1_1", eventSource: `${name}.amazonaws.com`, operations: ops };
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

let h: Harness;
const ids: Record<string, string> = {};

async function user(name: string, policy?: object): Promise<Principal> {
  const out = await h.call<{ User: { UserId: string; Arn: string } }>("CreateUser", { UserName: name });
  if (policy) await h.call("PutUserPolicy", { UserName: name, PolicyName: `${name}-inline`, PolicyDocument: JSON.stringify(policy) });
  ids[name] = out.User.UserId;
  return { type: "IAMUser", accountId: ACCOUNT, arn: out.User.Arn, principalId: out.User.UserId, accessKeyId: `AKIA${name.toUpperCase().padEnd(16, "X")}`, name };
}

/** Records calls in the audit log exactly as the gateway does. */
async function audit(calls: Array<{ p: Principal; service: string; op: string; at: number; region?: string; denied?: boolean; session?: string }>): Promise<void> {
  const log = createAuditLog({ store: h.store, digestSigner: generateDigestSigner(), clock: new ManualClock(T0), digestIntervalMs: 0 });
  await log.ready();
  for (const c of calls) {
    await log.record({
      time: c.at,
      requestId: `r-${c.at}`,
      eventSource: `${c.service}.amazonaws.com`,
      service: c.service,
      operation: c.op,
      region: c.region ?? "us-east-1",
      principal: c.p,
      accessKeyId: c.p.accessKeyId,
      sourceIp: "192.0.2.1",
      userAgent: "test",
      ...(c.denied ? { error: { code: "AccessDenied", message: "denied" } } : {}),
      readOnly: true,
      annotations: {},
    });
  }
  await log.close();
}

const KMS_STS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "sts:GetCallerIdentity"], Resource: "*" }] };

beforeEach(() => {
  h = createHarness();
  h.iam.useServices([h.iam.definition, fakeService("kms", ["CreateKey", "Decrypt", "Encrypt", "TagResource"]), fakeService("sts", ["GetCallerIdentity"])]);
});

async function completed(jobId: string, op = "GetServiceLastAccessedDetails", extra: object = {}, principal?: Principal): Promise<any> {
  await h.iam.idle();
  const out = await h.call<any>(op, { JobId: jobId, ...extra }, principal ? { principal } : {});
  assert.equal(out.JobStatus, "COMPLETED", JSON.stringify(out.Error ?? out.ErrorDetails));
  return out;
}

describe("GenerateServiceLastAccessedDetails", () => {
  test("input errors: required, constraints, a malformed ARN, an entity that does not exist", async () => {
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", {}), "ValidationError", "1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null");
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: "arn:aws:iam::x" }), "ValidationError", /Member must have length greater than or equal to 20/);
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: "arn:aws:s3:::my-bucket-name" }), "InvalidInput", "ARN arn:aws:s3:::my-bucket-name is not valid.");
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: ARN("user/ghost") }), "NoSuchEntity", `The user with ARN ${ARN("user/ghost")} cannot be found.`);
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: ARN("policy/ghost") }), "NoSuchEntity", `Policy ${ARN("policy/ghost")} was not found.`);
    await user("alice");
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: ARN("user/other/alice") }), "NoSuchEntity");
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: ARN("user/alice"), Granularity: "VERBOSE" }), "ValidationError", /enum value set: \[SERVICE_LEVEL, ACTION_LEVEL\]/);
    h.deny.add("iam:GenerateServiceLastAccessedDetails");
    await rejectsWith(h.call("GenerateServiceLastAccessedDetails", { Arn: ARN("user/alice") }), "AccessDeniedException");
    assert.equal(await h.store.count(COLLECTIONS.lastAccessedJobs), 0);
    assert.deepEqual(h.calls.at(-1), { action: "iam:GenerateServiceLastAccessedDetails", resource: ARN("user/alice") });
  });

  test("a user's report: allowed services, its last attempts (denied ones too), never-used services listed bare", async () => {
    const alice = await user("alice", KMS_STS);
    const bob = await user("bob", KMS_STS);
    await audit([
      { p: alice, service: "kms", op: "Encrypt", at: T0 - 3 * DAY, region: "us-west-2" },
      { p: alice, service: "kms", op: "Decrypt", at: T0 - 2 * DAY, region: "eu-west-1", denied: true },
      { p: alice, service: "iam", op: "ListUsers", at: T0 - DAY, denied: true },
      { p: bob, service: "sts", op: "GetCallerIdentity", at: T0 - 1000 },
      { p: alice, service: "kms", op: "Encrypt", at: T0 - 401 * DAY }, // before the tracking period
    ]);
    const { JobId } = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: alice.arn });
    assert.match(JobId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const out = await completed(JobId);
    assert.deepEqual(out, {
      JobStatus: "COMPLETED",
      JobCreationDate: new Date(T0),
      JobCompletionDate: new Date(T0),
      JobType: "SERVICE_LEVEL",
      ServicesLastAccessed: [
        {
          ServiceName: "AWS Key Management Service",
          ServiceNamespace: "kms",
          LastAuthenticated: new Date(T0 - 2 * DAY),
          LastAuthenticatedEntity: alice.arn,
          LastAuthenticatedRegion: "eu-west-1",
          TotalAuthenticatedEntities: 1,
        },
        { ServiceName: "AWS Security Token Service", ServiceNamespace: "sts", TotalAuthenticatedEntities: 0 },
      ],
      IsTruncated: false,
    });
    // Paging by MaxItems and the Marker it returns.
    const p1 = await h.call<any>("GetServiceLastAccessedDetails", { JobId, MaxItems: 1 });
    assert.deepEqual([p1.ServicesLastAccessed.map((s: any) => s.ServiceNamespace), p1.IsTruncated], [["kms"], true]);
    const p2 = await h.call<any>("GetServiceLastAccessedDetails", { JobId, MaxItems: 1, Marker: p1.Marker });
    assert.deepEqual([p2.ServicesLastAccessed.map((s: any) => s.ServiceNamespace), p2.IsTruncated, p2.Marker], [["sts"], false, undefined]);
  });

  test("ACTION_LEVEL: the tracked actions used, for a role's sessions", async () => {
    await h.call("CreateRole", { RoleName: "Deploy", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ARN("root") }, Action: "sts:AssumeRole" }] }) });
    await h.call("PutRolePolicy", { RoleName: "Deploy", PolicyName: "kms", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] }) });
    const role = (await h.call<any>("GetRole", { RoleName: "Deploy" })).Role;
    const session = (name: string, key: string): Principal => ({
      type: "AssumedRole",
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deploy/${name}`,
      principalId: `${role.RoleId}:${name}`,
      accessKeyId: key,
      name: "Deploy",
      roleArn: role.Arn,
      roleId: role.RoleId,
      sessionName: name,
      sessionIssuedAt: T0 - 10 * DAY,
    });
    await audit([
      { p: session("one", "ASIAONEONEONEONE0001"), service: "kms", op: "CreateKey", at: T0 - 5 * DAY, region: "eu-north-1" },
      { p: session("two", "ASIATWOTWOTWOTWO0002"), service: "kms", op: "Encrypt", at: T0 - 4 * DAY, region: "us-east-2" },
      { p: session("two", "ASIATWOTWOTWOTWO0002"), service: "kms", op: "TagResource", at: T0 - 3 * DAY, region: "us-east-2" },
    ]);
    const { JobId } = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: role.Arn, Granularity: "ACTION_LEVEL" });
    const out = await completed(JobId);
    assert.equal(out.JobType, "ACTION_LEVEL");
    assert.deepEqual(out.ServicesLastAccessed, [
      {
        ServiceName: "AWS Key Management Service",
        ServiceNamespace: "kms",
        LastAuthenticated: new Date(T0 - 3 * DAY),
        LastAuthenticatedEntity: role.Arn,
        LastAuthenticatedRegion: "us-east-2",
        TotalAuthenticatedEntities: 1,
        TrackedActionsLastAccessed: [
          { ActionName: "CreateKey", LastAccessedEntity: role.Arn, LastAccessedTime: new Date(T0 - 5 * DAY), LastAccessedRegion: "eu-north-1" },
          { ActionName: "Encrypt", LastAccessedEntity: role.Arn, LastAccessedTime: new Date(T0 - 4 * DAY), LastAccessedRegion: "us-east-2" },
        ],
      },
    ]);
  });

  test("group and policy reports list their users and roles with WithEntities", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    await user("carol");
    await h.call("CreateGroup", { GroupName: "devs" });
    for (const u of ["alice", "bob", "carol"]) await h.call("AddUserToGroup", { GroupName: "devs", UserName: u });
    await h.call("PutGroupPolicy", { GroupName: "devs", PolicyName: "kms", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*" }] }) });
    const policy = (await h.call<any>("CreatePolicy", { PolicyName: "sts-only", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:*", Resource: "*" }] }) })).Policy;
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: policy.Arn });
    await h.call("AttachGroupPolicy", { GroupName: "devs", PolicyArn: policy.Arn });
    await audit([
      { p: alice, service: "kms", op: "Encrypt", at: T0 - 9 * DAY },
      { p: bob, service: "kms", op: "Decrypt", at: T0 - 2 * DAY, region: "eu-west-2", denied: true },
      { p: bob, service: "sts", op: "GetCallerIdentity", at: T0 - DAY },
    ]);

    const group = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: ARN("group/devs") });
    const report = await completed(group.JobId);
    assert.deepEqual(
      report.ServicesLastAccessed.map((s: any) => [s.ServiceNamespace, s.TotalAuthenticatedEntities, s.LastAuthenticatedEntity]),
      [
        ["kms", 2, bob.arn],
        ["sts", 1, bob.arn],
      ],
    );
    const withEntities = await completed(group.JobId, "GetServiceLastAccessedDetailsWithEntities", { ServiceNamespace: "kms" });
    assert.deepEqual(withEntities.EntityDetailsList, [
      { EntityInfo: { Arn: bob.arn, Name: "bob", Type: "USER", Id: ids.bob, Path: "/" }, LastAuthenticated: new Date(T0 - 2 * DAY) },
      { EntityInfo: { Arn: alice.arn, Name: "alice", Type: "USER", Id: ids.alice, Path: "/" }, LastAuthenticated: new Date(T0 - 9 * DAY) },
      { EntityInfo: { Arn: ARN("user/carol"), Name: "carol", Type: "USER", Id: ids.carol, Path: "/" } },
    ]);
    const none = await completed(group.JobId, "GetServiceLastAccessedDetailsWithEntities", { ServiceNamespace: "iam" });
    assert.deepEqual(none.EntityDetailsList, []);
    await rejectsWith(h.call("GetServiceLastAccessedDetailsWithEntities", { JobId: group.JobId, ServiceNamespace: "k m s" }), "ValidationError", /pattern: \[\\w-\]\*/);

    const byPolicy = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: policy.Arn });
    const pr = await completed(byPolicy.JobId);
    assert.deepEqual(pr.ServicesLastAccessed, [
      { ServiceName: "AWS Security Token Service", ServiceNamespace: "sts", LastAuthenticated: new Date(T0 - DAY), LastAuthenticatedEntity: bob.arn, LastAuthenticatedRegion: "us-east-1", TotalAuthenticatedEntities: 1 },
    ]);
    const pe = await completed(byPolicy.JobId, "GetServiceLastAccessedDetailsWithEntities", { ServiceNamespace: "sts" });
    assert.deepEqual(pe.EntityDetailsList.map((e: any) => e.EntityInfo.Name), ["bob", "alice", "carol"]);
  });

  test("jobs: another principal's, an unknown one and a malformed JobId; a job whose process stopped reads FAILED", async () => {
    const alice = await user("alice", KMS_STS);
    const { JobId } = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: alice.arn });
    await h.iam.idle();
    await rejectsWith(h.call("GetServiceLastAccessedDetails", { JobId }, { principal: alice }), "NoSuchEntity", `The job with ID ${JobId} cannot be found.`);
    const unknown = "00000000-0000-4000-8000-000000000000";
    await rejectsWith(h.call("GetServiceLastAccessedDetails", { JobId: unknown }), "NoSuchEntity", `The job with ID ${unknown} cannot be found.`);
    await rejectsWith(h.call("GetOrganizationsAccessReport", { JobId }), "NoSuchEntity");
    await rejectsWith(h.call("GetServiceLastAccessedDetails", { JobId: "short" }), "ValidationError", /jobId' failed to satisfy constraint: Member must have length greater than or equal to 36/);

    const stale = { kind: "service", accountId: ACCOUNT, jobId: unknown, owner: ARN("root"), status: "IN_PROGRESS", createdAt: T0, arn: alice.arn, granularity: "SERVICE_LEVEL" };
    await h.store.put(COLLECTIONS.lastAccessedJobs, `${ACCOUNT}/${unknown}`, stale);
    const out = await h.call<any>("GetServiceLastAccessedDetails", { JobId: unknown });
    assert.deepEqual(out, {
      JobStatus: "FAILED",
      JobCreationDate: new Date(T0),
      JobType: "SERVICE_LEVEL",
      ServicesLastAccessed: [],
      IsTruncated: false,
      Error: { Code: "ServiceFailure", Message: "The report job stopped before it completed." },
    });

    // The subject deleted before the job ran: the job fails and says why.
    const bob = await user("bob");
    const job = await h.call<{ JobId: string }>("GenerateServiceLastAccessedDetails", { Arn: bob.arn });
    await h.call("DeleteUser", { UserName: "bob" });
    await h.iam.idle();
    const failed = await h.call<any>("GetServiceLastAccessedDetails", { JobId: job.JobId });
    assert.equal(failed.JobStatus, "FAILED");
    assert.deepEqual(failed.Error, { Code: "NoSuchEntity", Message: `The entity with ARN ${bob.arn} no longer exists.` });
  });
});

describe("ListPoliciesGrantingServiceAccess", () => {
  test("services this installation does not serve: the policies whose Allow statements name them", async () => {
    const role = (name: string, statement: Record<string, unknown>) =>
      h.call("PutRolePolicy", { RoleName: "app", PolicyName: name, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Resource: "*", ...statement }] }) });
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
    await role("s3-read", { Action: ["S3:Get*", "s3:List*"] });
    await role("sqs-send", { Action: "sqs:Send*" });
    await role("not-ec2", { NotAction: ["ec2:*", "dynamodb:*"] });
    await h.call("PutRolePolicy", { RoleName: "app", PolicyName: "deny-s3", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] }) });
    const out = await h.call<any>("ListPoliciesGrantingServiceAccess", { Arn: ARN("role/app"), ServiceNamespaces: ["s3", "ec2", "sqs", "dynamodb"] });
    const names = (ns: string) => out.PoliciesGrantingServiceAccess.find((e: any) => e.ServiceNamespace === ns).Policies.map((p: any) => p.PolicyName).sort();
    assert.deepEqual(names("s3"), ["not-ec2", "s3-read"]);
    assert.deepEqual(names("ec2"), []);
    assert.deepEqual(names("sqs"), ["not-ec2", "sqs-send"]);
    assert.deepEqual(names("dynamodb"), []);
  });

  test("per namespace, the user's inline, managed and group policies that grant it", async () => {
    await user("alice", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*" }] });
    await h.call("CreateGroup", { GroupName: "ops" });
    await h.call("AddUserToGroup", { GroupName: "ops", UserName: "alice" });
    await h.call("PutGroupPolicy", { GroupName: "ops", PolicyName: "ops-sts", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "kms:*", Resource: "*" }] }) });
    const managed = (await h.call<any>("CreatePolicy", { PolicyName: "kms-read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] }) })).Policy;
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: managed.Arn });
    await h.call("AttachGroupPolicy", { GroupName: "ops", PolicyArn: managed.Arn });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "deny-all", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }) });

    const out = await h.call<any>("ListPoliciesGrantingServiceAccess", { Arn: ARN("user/alice"), ServiceNamespaces: ["kms", "sts", "s3"] });
    assert.deepEqual(out, {
      PoliciesGrantingServiceAccess: [
        {
          ServiceNamespace: "kms",
          Policies: [
            { PolicyName: "alice-inline", PolicyType: "INLINE", EntityType: "USER", EntityName: "alice" },
            { PolicyName: "kms-read", PolicyType: "MANAGED", PolicyArn: managed.Arn },
          ],
        },
        { ServiceNamespace: "sts", Policies: [{ PolicyName: "ops-sts", PolicyType: "INLINE", EntityType: "GROUP", EntityName: "ops" }] },
        // A service this installation does not serve is judged by the policies' text: NotAction kms:* grants it.
        { ServiceNamespace: "s3", Policies: [{ PolicyName: "ops-sts", PolicyType: "INLINE", EntityType: "GROUP", EntityName: "ops" }] },
      ],
      IsTruncated: false,
    });
    const group = await h.call<any>("ListPoliciesGrantingServiceAccess", { Arn: ARN("group/ops"), ServiceNamespaces: ["kms"] });
    assert.deepEqual(group.PoliciesGrantingServiceAccess, [{ ServiceNamespace: "kms", Policies: [{ PolicyName: "kms-read", PolicyType: "MANAGED", PolicyArn: managed.Arn }] }]);
    assert.deepEqual(h.calls.at(-1), { action: "iam:ListPoliciesGrantingServiceAccess", resource: ARN("group/ops") });

    await rejectsWith(h.call("ListPoliciesGrantingServiceAccess", { Arn: ARN("user/alice"), ServiceNamespaces: [] }), "ValidationError", /Member must have length greater than or equal to 1/);
    await rejectsWith(
      h.call("ListPoliciesGrantingServiceAccess", { Arn: ARN("user/alice"), ServiceNamespaces: ["kms", "k!"] }),
      "ValidationError",
      "1 validation error detected: Value 'k!' at 'serviceNamespaces.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]*",
    );
    await rejectsWith(h.call("ListPoliciesGrantingServiceAccess", { Arn: ARN("user/alice") }), "ValidationError", /serviceNamespaces' failed to satisfy constraint: Member must not be null/);
    await rejectsWith(h.call("ListPoliciesGrantingServiceAccess", { Arn: managed.Arn, ServiceNamespaces: ["kms"] }), "InvalidInput", `ARN ${managed.Arn} is not valid.`);
    await rejectsWith(h.call("ListPoliciesGrantingServiceAccess", { Arn: ARN("role/nobody"), ServiceNamespaces: ["kms"] }), "NoSuchEntity", `The role with ARN ${ARN("role/nobody")} cannot be found.`);
  });
});

describe("Organizations access reports", () => {
  const ORG = "o-abcdefghij";
  const ROOT = "r-ab12";
  const MEMBER = "222233334444";

  const FULL = "p-FullAWSAccess";

  /** An organization with SCPs enabled (unless `scps` is false): FullAWSAccess on the root and every account. */
  async function organization(scps = true): Promise<void> {
    await h.store.put(ORGANIZATIONS_COLLECTION, ORG, { id: ORG, featureSet: "ALL", managementAccountId: ACCOUNT, rootId: ROOT, createdAt: T0 - 30 * DAY, ...(scps ? { policyTypes: [SCP] } : {}) });
    for (const id of [ACCOUNT, MEMBER]) {
      await h.store.put(ACCOUNTS_COLLECTION, id, { id, name: id, email: `${id}@example.com`, status: "ACTIVE", createdAt: T0 - 30 * DAY, organizationId: ORG });
    }
    if (scps) for (const target of [ROOT, ACCOUNT, MEMBER]) await attach(FULL, target);
  }

  async function attach(policyId: string, targetId: string): Promise<void> {
    await h.store.put(ATTACHMENTS_COLLECTION, attachmentKey(ORG, targetId, policyId), { policyId, targetId, type: SCP });
  }

  async function scp(id: string, content: string): Promise<void> {
    await h.store.put(POLICIES_COLLECTION, policyKey(ORG, id), { id, organizationId: ORG, type: SCP, name: id, description: "", content, createdAt: T0 - DAY });
  }

  async function report(EntityPath: string, OrganizationsPolicyId?: string): Promise<any> {
    const { JobId } = await h.call<{ JobId: string }>("GenerateOrganizationsAccessReport", { EntityPath, ...(OrganizationsPolicyId ? { OrganizationsPolicyId } : {}) });
    await h.iam.idle();
    return h.call<any>("GetOrganizationsAccessReport", { JobId });
  }

  test("SCPs decide the services: those applying to the entity, or the given SCP attached on its path", async () => {
    await organization();
    const OU = "ou-ab12-abcdefgh";
    await h.store.put(OU_COLLECTION, ouKey(ORG, OU), { id: OU, organizationId: ORG, parentId: ROOT, name: "workloads", createdAt: T0 - DAY });
    await h.store.put(ACCOUNT_PARENTS_COLLECTION, accountParentKey(ORG, MEMBER), { parentId: OU });
    await attach(FULL, OU);
    await scp("p-denykms1", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "kms:*", Resource: "*" }] }));
    await scp("p-onlysts1", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:Get*", Resource: "*" }] }));
    await attach("p-denykms1", OU);
    const memberRoot: Principal = { type: "Root", accountId: MEMBER, arn: `arn:aws:iam::${MEMBER}:root`, principalId: MEMBER, accessKeyId: "AKIAMEMBERROOT000001" };
    await audit([{ p: memberRoot, service: "kms", op: "CreateKey", at: T0 - 3 * DAY, region: "eu-west-3" }]);
    const services = (out: any): string[] => out.AccessDetails.map((a: any) => `${a.ServiceNamespace}${a.EntityPath ? ` ${a.EntityPath}` : ""}`);

    // The root: only the root's SCPs apply; the OU's account's attempt is reported with its path.
    assert.deepEqual(services(await report(`${ORG}/${ROOT}`)), ["iam", `kms ${ORG}/${ROOT}/${OU}/${MEMBER}`, "sts"]);
    // The OU and the account under it: the OU's deny takes KMS away.
    assert.deepEqual(services(await report(`${ORG}/${ROOT}/${OU}`)), ["iam", "sts"]);
    const member = await report(`${ORG}/${ROOT}/${OU}/${MEMBER}`);
    assert.deepEqual([services(member), member.NumberOfServicesAccessible, member.NumberOfServicesNotAccessed], [["iam", "sts"], 2, 2]);
    // One SCP: what it allows (a deny-only SCP allows nothing), wherever on the path it is attached.
    assert.deepEqual(services(await report(`${ORG}/${ROOT}/${OU}/${MEMBER}`, "p-denykms1")), []);
    assert.deepEqual(services(await report(`${ORG}/${ROOT}/${OU}`, FULL)), ["iam", `kms ${ORG}/${ROOT}/${OU}/${MEMBER}`, "sts"]);
    await attach("p-onlysts1", MEMBER);
    assert.deepEqual(services(await report(`${ORG}/${ROOT}/${OU}/${MEMBER}`, "p-onlysts1")), ["sts"]);

    // Not attached on the path, a path that skips the account's OU, SCPs not enabled.
    for (const [path, policy, code, message] of [
      [`${ORG}/${ROOT}/${OU}`, "p-onlysts1", "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root."],
      [`${ORG}/${ROOT}/${MEMBER}`, undefined, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified."],
      [`${ORG}/${ROOT}/ou-ab12-zzzzzzzz/${MEMBER}`, undefined, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified."],
    ] as const) {
      const out = await report(path, policy);
      assert.deepEqual([out.JobStatus, out.ErrorDetails, out.AccessDetails], ["FAILED", { Code: code, Message: message }, undefined], path);
    }
    await h.store.put(ORGANIZATIONS_COLLECTION, ORG, { id: ORG, featureSet: "ALL", managementAccountId: ACCOUNT, rootId: ROOT, createdAt: T0 - 30 * DAY });
    const disabled = await report(`${ORG}/${ROOT}`);
    assert.deepEqual([disabled.JobStatus, disabled.ErrorDetails?.Code], ["FAILED", "PolicyTypeNotEnabledException"]);
  });

  test("only the management account; the path's accounts' principals, root users included", async () => {
    await rejectsWith(h.call("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}` }), "AccessDeniedException", "You do not have sufficient access to perform this action.");
    await organization();
    const admin = await user("admin");
    const memberRoot: Principal = { type: "Root", accountId: MEMBER, arn: `arn:aws:iam::${MEMBER}:root`, principalId: MEMBER, accessKeyId: "AKIAMEMBERROOT000001" };
    await audit([
      { p: memberRoot, service: "kms", op: "CreateKey", at: T0 - 3 * DAY, region: "eu-west-3" },
      { p: admin, service: "sts", op: "GetCallerIdentity", at: T0 - DAY }, // the management account: not in the root's report
    ]);
    const root = await h.call<{ JobId: string }>("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}` });
    assert.deepEqual(h.calls.at(-1), { action: "iam:GenerateOrganizationsAccessReport", resource: ARN(`access-report/${ORG}/${ROOT}`) });
    const out = await completed(root.JobId, "GetOrganizationsAccessReport");
    assert.deepEqual(out, {
      JobStatus: "COMPLETED",
      JobCreationDate: new Date(T0),
      JobCompletionDate: new Date(T0),
      NumberOfServicesAccessible: 3,
      NumberOfServicesNotAccessed: 2,
      AccessDetails: [
        { ServiceName: "AWS Identity and Access Management", ServiceNamespace: "iam", TotalAuthenticatedEntities: 0 },
        {
          ServiceName: "AWS Key Management Service",
          ServiceNamespace: "kms",
          Region: "eu-west-3",
          EntityPath: `${ORG}/${ROOT}/${MEMBER}`,
          LastAuthenticatedTime: new Date(T0 - 3 * DAY),
          TotalAuthenticatedEntities: 1,
        },
        { ServiceName: "AWS Security Token Service", ServiceNamespace: "sts", TotalAuthenticatedEntities: 0 },
      ],
      IsTruncated: false,
    });
    const byTime = await h.call<any>("GetOrganizationsAccessReport", { JobId: root.JobId, SortKey: "LAST_AUTHENTICATED_TIME_DESCENDING", MaxItems: 2 });
    assert.deepEqual([byTime.AccessDetails.map((a: any) => a.ServiceNamespace), byTime.IsTruncated], [["kms", "iam"], true]);
    const rest = await h.call<any>("GetOrganizationsAccessReport", { JobId: root.JobId, SortKey: "LAST_AUTHENTICATED_TIME_DESCENDING", Marker: byTime.Marker });
    assert.deepEqual(rest.AccessDetails.map((a: any) => a.ServiceNamespace), ["sts"]);

    // The management account alone; a policy id is then ignored.
    const mgmt = await h.call<{ JobId: string }>("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}/${ACCOUNT}`, OrganizationsPolicyId: "p-FullAWSAccess" });
    assert.deepEqual(h.calls.at(-1)?.context, { "iam:OrganizationsPolicyId": "p-FullAWSAccess" });
    const m = await completed(mgmt.JobId, "GetOrganizationsAccessReport", { SortKey: "SERVICE_NAMESPACE_DESCENDING" });
    assert.deepEqual(m.AccessDetails.map((a: any) => [a.ServiceNamespace, a.TotalAuthenticatedEntities, a.EntityPath ?? null]), [
      ["sts", 1, `${ORG}/${ROOT}/${ACCOUNT}`],
      ["kms", 0, null],
      ["iam", 0, null],
    ]);
  });

  test("paths and policies that name nothing fail the job; too many running reports; input constraints", async () => {
    await organization();
    for (const [path, policy, code] of [
      [`o-zzzzzzzzzz/${ROOT}`, undefined, "TargetNotFoundException"],
      [`${ORG}/${ROOT}/ou-ab12-abcdefgh`, undefined, "TargetNotFoundException"],
      [`${ORG}/${ROOT}/999988887777`, undefined, "TargetNotFoundException"],
      [`${ORG}/${ROOT}`, "p-abcdefgh", "PolicyNotFoundException"],
      [`${ORG}/${ROOT}/${MEMBER}`, "p-abcdefgh", "PolicyNotFoundException"],
    ] as const) {
      const { JobId } = await h.call<{ JobId: string }>("GenerateOrganizationsAccessReport", { EntityPath: path, ...(policy ? { OrganizationsPolicyId: policy } : {}) });
      await h.iam.idle();
      const out = await h.call<any>("GetOrganizationsAccessReport", { JobId });
      assert.equal(out.JobStatus, "FAILED", path);
      assert.equal(out.ErrorDetails.Code, code, path);
      assert.equal(out.AccessDetails, undefined);
    }
    await rejectsWith(h.call("GenerateOrganizationsAccessReport", { EntityPath: "o-abc/r-ab12" }), "ValidationError", /greater than or equal to 19/);
    await rejectsWith(h.call("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/x-ab12` }), "ValidationError", /regular expression pattern/);
    await rejectsWith(h.call("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}`, OrganizationsPolicyId: "policy-1" }), "ValidationError", /organizationsPolicyId/);
    await rejectsWith(h.call("GetOrganizationsAccessReport", { JobId: "00000000-0000-4000-8000-000000000000", SortKey: "NEWEST" }), "ValidationError", /sortKey/);

    // Five reports still being computed: the sixth is refused.
    const generating = Array.from({ length: 6 }, () => h.call("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}` }));
    const results = await Promise.allSettled(generating);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected"],
    );
    const refused = (results[5] as PromiseRejectedResult).reason as AwsError;
    assert.deepEqual([refused.code, refused.status, refused.message], ["ReportGenerationLimitExceeded", 409, "The request failed because the maximum number of concurrent requests for this account are already running."]);
    await h.iam.idle();
    await h.call("GenerateOrganizationsAccessReport", { EntityPath: `${ORG}/${ROOT}` });
  });
});
