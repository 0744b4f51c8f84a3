/**
 * IAM last accessed information through the real server and the AWS SDK: a user's calls to KMS
 * and STS (one of them denied, one unauthenticated) become the service last accessed report;
 * ACTION_LEVEL, a group's report with its members, ListPoliciesGrantingServiceAccess, the
 * Organizations access report, and the documented errors.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  AddUserToGroupCommand,
  CreateGroupCommand,
  GenerateOrganizationsAccessReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetOrganizationsAccessReportCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  ListPoliciesGrantingServiceAccessCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
} from "@aws-sdk/client-iam";
import { ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeOrganizationCommand, EnablePolicyTypeCommand, ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { attachScp, eventually, startTestServer, type TestServer } from "./harness.js";
import { allow, kmsClient, memberAccount, newUser, rejectsWith } from "./kms-support.js";

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(s.clientConfig());
});
after(async () => {
  await s.destroy();
});

const USER_POLICY = allow(["kms:ListKeys", "sts:GetCallerIdentity", "organizations:DescribeOrganization"]);

async function report(jobId: string): Promise<GetServiceLastAccessedDetailsCommandOutput> {
  return eventually(async () => {
    const out = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId }));
    return out.JobStatus === "IN_PROGRESS" ? undefined : out;
  });
}

/** The time of a call, as the server's clock saw it (events carry milliseconds). */
async function timed<T>(call: () => Promise<T>): Promise<{ from: number; to: number }> {
  const from = s.clock.now();
  await call().catch(() => undefined);
  return { from, to: s.clock.now() };
}

function within(d: Date | undefined, t: { from: number; to: number }): void {
  assert.ok(d instanceof Date, "a date");
  assert.ok(d.getTime() >= t.from && d.getTime() <= t.to, `${d.toISOString()} within [${new Date(t.from).toISOString()}, ${new Date(t.to).toISOString()}]`);
}

test("a user's report: the services its policies allow, with its real last attempts; denied attempts count, unauthenticated ones do not", async () => {
  const alice = await newUser(s, "advisor-alice", USER_POLICY);
  await kmsClient(s, alice, "us-west-2").send(new ListKeysCommand({}));
  const sts = await timed(() => new STSClient(s.clientConfig(alice, "eu-west-1")).send(new GetCallerIdentityCommand({})));
  // Not allowed: still an authenticated attempt at KMS (IAM: "all attempts, not just the successful ones").
  await rejectsWith(kmsClient(s, alice, "eu-central-1").send(new ListAliasesCommand({})), { name: "AccessDeniedException" });
  const denied = await timed(async () => {});
  const lastKms = { from: sts.to, to: denied.to };
  // IAM is not among the services alice's policies allow: the attempt adds no service.
  await rejectsWith(new IAMClient(s.clientConfig(alice)).send(new ListUsersCommand({})), { name: "AccessDenied", status: 403 });
  // A wrong secret: unauthenticated, so not reported.
  await rejectsWith(kmsClient(s, { ...alice, secretAccessKey: "wrong-secret-wrong-secret-wrong-secret-00" }, "ap-south-1").send(new ListKeysCommand({})), {
    name: "InvalidSignatureException",
  });

  const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: alice.arn }));
  assert.match(JobId!, /^[0-9a-f-]{36}$/);
  const out = await report(JobId!);
  assert.equal(out.JobStatus, "COMPLETED");
  assert.equal(out.JobType, "SERVICE_LEVEL");
  assert.ok(out.JobCompletionDate instanceof Date && out.JobCreationDate instanceof Date);
  assert.equal(out.IsTruncated, false);
  const services = out.ServicesLastAccessed!;
  assert.deepEqual(
    services.map((x) => [x.ServiceNamespace, x.ServiceName, x.TotalAuthenticatedEntities, x.LastAuthenticatedEntity ?? null, x.LastAuthenticatedRegion ?? null]),
    [
      ["kms", "AWS Key Management Service", 1, alice.arn, "eu-central-1"],
      ["organizations", "AWS Organizations", 0, null, null],
      ["sts", "AWS Security Token Service", 1, alice.arn, "eu-west-1"],
    ],
  );
  within(services[0]?.LastAuthenticated, lastKms);
  assert.equal(services[1]?.LastAuthenticated, undefined);
  within(services[2]?.LastAuthenticated, sts);
  assert.equal(services[0]?.TrackedActionsLastAccessed, undefined);

  // ACTION_LEVEL: the tracked actions alice used, the denied ListAliases among them.
  const act = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: alice.arn, Granularity: "ACTION_LEVEL" }));
  const detail = await report(act.JobId!);
  assert.equal(detail.JobType, "ACTION_LEVEL");
  const kms = detail.ServicesLastAccessed!.find((x) => x.ServiceNamespace === "kms")!;
  assert.deepEqual(
    kms.TrackedActionsLastAccessed!.map((a) => [a.ActionName, a.LastAccessedEntity, a.LastAccessedRegion]),
    [
      ["ListAliases", alice.arn, "eu-central-1"],
      ["ListKeys", alice.arn, "us-west-2"],
    ],
  );
  assert.deepEqual(detail.ServicesLastAccessed!.find((x) => x.ServiceNamespace === "sts")!.TrackedActionsLastAccessed!.map((a) => a.ActionName), ["GetCallerIdentity"]);
  assert.equal(detail.ServicesLastAccessed!.find((x) => x.ServiceNamespace === "organizations")!.TrackedActionsLastAccessed, undefined);
});

test("a group's report counts its members; WithEntities lists them; ListPoliciesGrantingServiceAccess names the policies", async () => {
  const bob = await newUser(s, "advisor-bob");
  const carol = await newUser(s, "advisor-carol", allow("sts:GetCallerIdentity"));
  await newUser(s, "advisor-dave");
  await iam.send(new CreateGroupCommand({ GroupName: "advisor-devs" }));
  for (const u of ["advisor-bob", "advisor-carol", "advisor-dave"]) await iam.send(new AddUserToGroupCommand({ GroupName: "advisor-devs", UserName: u }));
  await iam.send(new PutGroupPolicyCommand({ GroupName: "advisor-devs", PolicyName: "devs-kms", PolicyDocument: JSON.stringify(allow("kms:List*")) }));
  const carolCall = await timed(() => kmsClient(s, carol).send(new ListKeysCommand({})));
  const bobCall = await timed(() => kmsClient(s, bob, "us-east-2").send(new ListKeysCommand({})));

  const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${s.accountId}:group/advisor-devs` }));
  const out = await report(JobId!);
  assert.deepEqual(
    out.ServicesLastAccessed!.map((x) => [x.ServiceNamespace, x.TotalAuthenticatedEntities, x.LastAuthenticatedEntity, x.LastAuthenticatedRegion]),
    [["kms", 2, bob.arn, "us-east-2"]],
  );
  within(out.ServicesLastAccessed![0]!.LastAuthenticated, bobCall);

  const ent = await iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId, ServiceNamespace: "kms" }));
  assert.equal(ent.JobStatus, "COMPLETED");
  assert.deepEqual(
    ent.EntityDetailsList!.map((e) => [e.EntityInfo!.Name, e.EntityInfo!.Type, e.EntityInfo!.Arn, e.EntityInfo!.Path]),
    [
      ["advisor-bob", "USER", bob.arn, "/"],
      ["advisor-carol", "USER", carol.arn, "/"],
      ["advisor-dave", "USER", `arn:aws:iam::${s.accountId}:user/advisor-dave`, "/"],
    ],
  );
  within(ent.EntityDetailsList![0]!.LastAuthenticated, bobCall);
  within(ent.EntityDetailsList![1]!.LastAuthenticated, carolCall);
  assert.equal(ent.EntityDetailsList![2]!.LastAuthenticated, undefined);
  assert.match(ent.EntityDetailsList![0]!.EntityInfo!.Id!, /^AIDA/);
  const paged = await iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId, ServiceNamespace: "kms", MaxItems: 2 }));
  assert.deepEqual([paged.EntityDetailsList!.length, paged.IsTruncated], [2, true]);
  const rest = await iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId, ServiceNamespace: "kms", MaxItems: 2, Marker: paged.Marker }));
  assert.deepEqual([rest.EntityDetailsList!.map((e) => e.EntityInfo!.Name), rest.IsTruncated], [["advisor-dave"], false]);

  const granting = await iam.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: carol.arn, ServiceNamespaces: ["kms", "sts", "iam"] }));
  assert.deepEqual(granting.PoliciesGrantingServiceAccess, [
    { ServiceNamespace: "kms", Policies: [{ PolicyName: "devs-kms", PolicyType: "INLINE", EntityType: "GROUP", EntityName: "advisor-devs" }] },
    { ServiceNamespace: "sts", Policies: [{ PolicyName: "p", PolicyType: "INLINE", EntityType: "USER", EntityName: "advisor-carol" }] },
    { ServiceNamespace: "iam", Policies: [] },
  ]);
  assert.equal(granting.IsTruncated, false);
});

test("the documented errors: invalid ARN, unknown entity, unknown JobId, constraint violations", async () => {
  await rejectsWith(iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: "arn:aws:s3:::some-bucket-name" })), {
    name: "InvalidInputException",
    message: "ARN arn:aws:s3:::some-bucket-name is not valid.",
  });
  const ghost = `arn:aws:iam::${s.accountId}:user/nobody-here`;
  await rejectsWith(iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: ghost })), { name: "NoSuchEntityException", status: 404, message: `The user with ARN ${ghost} cannot be found.` });
  await rejectsWith(iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: ghost, Granularity: "EVERYTHING" as never })), {
    name: "ValidationError",
    message: "1 validation error detected: Value 'EVERYTHING' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]",
  });
  const unknown = "6a1e1d1c-0b6b-4a4e-9f3e-2f4b5c6d7e8f";
  await rejectsWith(iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: unknown })), { name: "NoSuchEntityException", status: 404, message: `The job with ID ${unknown} cannot be found.` });
  await rejectsWith(iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: unknown, ServiceNamespace: "kms" })), { name: "NoSuchEntityException", status: 404 });
  await rejectsWith(iam.send(new GetOrganizationsAccessReportCommand({ JobId: unknown })), { name: "NoSuchEntityException", status: 404 });
  await rejectsWith(iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: "job-1" })), {
    name: "ValidationError",
    message: "1 validation error detected: Value 'job-1' at 'jobId' failed to satisfy constraint: Member must have length greater than or equal to 36",
  });
  await rejectsWith(iam.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: `arn:aws:iam::${s.accountId}:group/none`, ServiceNamespaces: ["kms"] })), {
    name: "NoSuchEntityException",
    status: 404,
  });
  // A job belongs to the principal that generated it.
  const eve = await newUser(s, "advisor-eve", allow("iam:*"));
  const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: eve.arn }));
  await rejectsWith(new IAMClient(s.clientConfig(eve)).send(new GetServiceLastAccessedDetailsCommand({ JobId })), { name: "NoSuchEntityException", status: 404 });
});

test("Organizations access report: management account only; the member accounts' principals under the root", async () => {
  const member = await memberAccount(s, "AdvisorWorkload");
  const orgs = new OrganizationsClient(s.clientConfig());
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const root = `${org.Id}/${rootId}`;
  // SCPs must be enabled in the root.
  await orgs.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: "SERVICE_CONTROL_POLICY" }));
  const memberCall = await timed(() => kmsClient(s, member.admin, "eu-north-1").send(new ListKeysCommand({})));

  // A member account's credentials may not generate one.
  await rejectsWith(new IAMClient(s.clientConfig(member.admin)).send(new GenerateOrganizationsAccessReportCommand({ EntityPath: root })), {
    name: "AccessDenied",
    status: 403,
    message: "You do not have sufficient access to perform this action.",
  });

  const { JobId } = await iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath: root }));
  const out = await eventually(async () => {
    const r = await iam.send(new GetOrganizationsAccessReportCommand({ JobId }));
    return r.JobStatus === "IN_PROGRESS" ? undefined : r;
  });
  assert.equal(out.JobStatus, "COMPLETED");
  const kms = out.AccessDetails!.find((a) => a.ServiceNamespace === "kms")!;
  assert.deepEqual([kms.ServiceName, kms.EntityPath, kms.Region, kms.TotalAuthenticatedEntities], ["AWS Key Management Service", `${root}/${member.accountId}`, "eu-north-1", 1]);
  within(kms.LastAuthenticatedTime, memberCall);
  assert.equal(out.NumberOfServicesAccessible, out.AccessDetails!.length);
  assert.equal(out.NumberOfServicesNotAccessed, out.AccessDetails!.filter((a) => a.LastAuthenticatedTime === undefined).length);
  assert.deepEqual(
    out.AccessDetails!.map((a) => a.ServiceNamespace),
    [...out.AccessDetails!.map((a) => a.ServiceNamespace!)].sort(),
  );

  // An SCP attached to the account takes KMS out of the account's report; a report for that SCP
  // lists what it allows (a deny-only SCP allows nothing).
  const noKms = await attachScp(orgs, member.accountId, "advisor-no-kms", [{ Effect: "Deny", Action: "kms:*", Resource: "*" }]);
  const reportOf = async (EntityPath: string, OrganizationsPolicyId?: string) => {
    const job = await iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath, OrganizationsPolicyId }));
    return eventually(async () => {
      const r = await iam.send(new GetOrganizationsAccessReportCommand({ JobId: job.JobId }));
      return r.JobStatus === "IN_PROGRESS" ? undefined : r;
    });
  };
  const account = await reportOf(`${root}/${member.accountId}`);
  assert.equal(account.JobStatus, "COMPLETED");
  assert.deepEqual(
    account.AccessDetails!.map((a) => a.ServiceNamespace),
    out.AccessDetails!.map((a) => a.ServiceNamespace).filter((n) => n !== "kms"),
  );
  const forPolicy = await reportOf(`${root}/${member.accountId}`, noKms);
  assert.deepEqual([forPolicy.JobStatus, forPolicy.NumberOfServicesAccessible, forPolicy.AccessDetails], ["COMPLETED", 0, []]);
  const notOnPath = await reportOf(root, noKms);
  assert.deepEqual([notOnPath.JobStatus, notOnPath.ErrorDetails], ["FAILED", { Code: "PolicyNotAttachedException", Message: "The policy isn't attached to the specified target in the specified root." }]);

  // An entity path that names nothing here fails the job, with Organizations' error.
  const bad = await iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath: `${root}/ou-ab12-abcdefgh` }));
  const failed = await eventually(async () => {
    const r = await iam.send(new GetOrganizationsAccessReportCommand({ JobId: bad.JobId }));
    return r.JobStatus === "IN_PROGRESS" ? undefined : r;
  });
  assert.equal(failed.JobStatus, "FAILED");
  assert.deepEqual(failed.ErrorDetails, { Code: "TargetNotFoundException", Message: "We can't find a root, OU, account, or policy with the TargetId that you specified." });
});
