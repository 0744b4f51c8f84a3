/**
 * IAM server certificates, service-specific credentials, service-linked roles, STS
 * preferences and account properties through the real server and @aws-sdk/client-iam: every
 * operation's success and errors, the scheduler-run deletion of service-linked roles (FAILED
 * while ELBv2 load balancers use ELB's role), and CloudTrail events that hold no private key,
 * password or API key.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  UploadServerCertificateCommand,
  GetServerCertificateCommand,
  ListServerCertificatesCommand,
  UpdateServerCertificateCommand,
  DeleteServerCertificateCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  ListServerCertificateTagsCommand,
  CreateServiceSpecificCredentialCommand,
  ListServiceSpecificCredentialsCommand,
  ResetServiceSpecificCredentialCommand,
  UpdateServiceSpecificCredentialCommand,
  DeleteServiceSpecificCredentialCommand,
  CreateServiceLinkedRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  GetRoleCommand,
  DeleteRoleCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  AttachRolePolicyCommand,
  UpdateRoleDescriptionCommand,
  ListRolesCommand,
  DeleteUserCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  GetAccountSummaryCommand,
  SetSecurityTokenServicePreferencesCommand,
  GetAccountPropertiesCommand,
  PutAccountPropertiesCommand,
  type UploadServerCertificateCommandInput,
} from "@aws-sdk/client-iam";
import { ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, DeleteLoadBalancerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { awsError, eventually, newUser, startTestServer, type TestServer } from "./harness.js";
import { certificateChain, fakeRsaPrivateKeyPem, issueCertificate, newKeyPair, type TestCertificate } from "../../src/services/iam/testing/certificates.js";

const DAY = 86_400_000;

let s: TestServer;
let iam: IAMClient;
let chain: { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate };
before(async () => {
  s = await startTestServer({ env: { BULWARK_SCHEDULER_POLL_MS: "50" } });
  iam = new IAMClient(s.clientConfig());
  chain = await certificateChain();
});
after(async () => {
  await s.destroy();
});

/** Every CloudTrail event of these names, as JSON text. */
async function eventsOf(...names: string[]): Promise<string[]> {
  const trail = new CloudTrailClient(s.clientConfig());
  const out: string[] = [];
  for (const name of names) {
    const r = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: name }] }));
    out.push(...(r.Events ?? []).map((e) => e.CloudTrailEvent!));
  }
  return out;
}

test("server certificates: upload with chain and tags, get, list, rename, tags, delete, and every error", async () => {
  const { leaf, intermediate, root } = chain;
  const input = (over: Partial<UploadServerCertificateCommandInput> = {}): UploadServerCertificateCommandInput => ({
    ServerCertificateName: "site",
    CertificateBody: leaf.pem,
    PrivateKey: leaf.key.privateKeyPem,
    CertificateChain: intermediate.pem + root.pem,
    ...over,
  });
  const up = await iam.send(new UploadServerCertificateCommand(input({ Path: "/cloudfront/prod/", Tags: [{ Key: "env", Value: "prod" }] })));
  const meta = up.ServerCertificateMetadata!;
  assert.match(meta.ServerCertificateId!, /^ASCA[A-Z2-7]{17}$/);
  assert.equal(meta.Arn, `arn:aws:iam::${s.accountId}:server-certificate/cloudfront/prod/site`);
  assert.equal(meta.Expiration!.getTime(), leaf.cert.notAfter.getTime());
  assert.deepEqual(up.Tags, [{ Key: "env", Value: "prod" }]);

  const got = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: "site" }))).ServerCertificate!;
  assert.deepEqual([got.CertificateBody, got.CertificateChain, got.Tags], [leaf.pem, intermediate.pem + root.pem, [{ Key: "env", Value: "prod" }]]);
  assert.deepEqual(got.ServerCertificateMetadata, meta);
  assert.ok(!JSON.stringify(got).includes("PRIVATE KEY"));

  // Errors of UploadServerCertificate.
  const MALFORMED = "Unable to parse certificate. Please ensure the certificate is in PEM format.";
  await assert.rejects(iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "x", CertificateBody: "not a pem" }))), awsError("MalformedCertificateException", 400, MALFORMED));
  const other = await newKeyPair("p256");
  await assert.rejects(
    iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "x", PrivateKey: other.privateKeyPem }))),
    awsError("KeyPairMismatchException", 400, "The public key certificate and the private key do not match."),
  );
  await assert.rejects(
    iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "x", PrivateKey: fakeRsaPrivateKeyPem(8192) }))),
    awsError("MalformedCertificateException", 400, "The RSA key is 8192 bits long; keys of 1024 to 4096 bits are supported."),
  );
  await assert.rejects(
    iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "x", CertificateChain: root.pem + intermediate.pem }))),
    awsError("MalformedCertificateException", 400, /^Unable to validate certificate chain\..* The index within the chain of the invalid certificate is: 0$/),
  );
  const expiredKey = await newKeyPair("p256");
  const expired = await issueCertificate({ subject: "CN=old", key: expiredKey, notBefore: Date.now() - 10 * DAY, notAfter: Date.now() - DAY });
  await assert.rejects(
    iam.send(new UploadServerCertificateCommand({ ServerCertificateName: "x", CertificateBody: expired.pem, PrivateKey: expiredKey.privateKeyPem })),
    awsError("MalformedCertificateException", 400, /^The certificate expired on /),
  );
  await assert.rejects(iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "SITE" }))), awsError("EntityAlreadyExistsException", 409, "The Server Certificate with name SITE already exists."));
  await assert.rejects(iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "x", Path: "bad" }))), awsError("ValidationError", 400, /The specified value for path is invalid/));

  // List, by path prefix and in pages.
  await iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "api" })));
  const listed = await iam.send(new ListServerCertificatesCommand({}));
  assert.deepEqual(listed.ServerCertificateMetadataList!.map((m) => m.ServerCertificateName), ["api", "site"]);
  const cf = await iam.send(new ListServerCertificatesCommand({ PathPrefix: "/cloudfront/" }));
  assert.deepEqual(cf.ServerCertificateMetadataList!.map((m) => m.ServerCertificateName), ["site"]);
  const page1 = await iam.send(new ListServerCertificatesCommand({ MaxItems: 1 }));
  const page2 = await iam.send(new ListServerCertificatesCommand({ MaxItems: 1, Marker: page1.Marker }));
  assert.deepEqual([page1.IsTruncated, page2.IsTruncated, page2.ServerCertificateMetadataList![0]!.ServerCertificateName], [true, false, "site"]);

  // Rename and move; EntityAlreadyExists on a taken name.
  await iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: "site", NewServerCertificateName: "www", NewPath: "/web/" }));
  const moved = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: "www" }))).ServerCertificate!.ServerCertificateMetadata!;
  assert.deepEqual([moved.ServerCertificateId, moved.Arn], [meta.ServerCertificateId, `arn:aws:iam::${s.accountId}:server-certificate/web/www`]);
  await assert.rejects(iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: "www", NewServerCertificateName: "api" })), awsError("EntityAlreadyExistsException", 409, "The Server Certificate with name api already exists."));
  await assert.rejects(iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: "site", NewPath: "/" })), awsError("NoSuchEntityException", 404, "The Server Certificate with name site cannot be found."));

  // Tags.
  await iam.send(new TagServerCertificateCommand({ ServerCertificateName: "www", Tags: [{ Key: "team", Value: "web" }] }));
  await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: "www", TagKeys: ["env"] }));
  assert.deepEqual((await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: "www" }))).Tags, [{ Key: "team", Value: "web" }]);
  await assert.rejects(iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: "none" })), awsError("NoSuchEntityException", 404, "The Server Certificate with name none cannot be found."));
  await assert.rejects(iam.send(new TagServerCertificateCommand({ ServerCertificateName: "none", Tags: [{ Key: "a", Value: "b" }] })), awsError("NoSuchEntityException", 404, "The Server Certificate with name none cannot be found."));
  await assert.rejects(iam.send(new UntagServerCertificateCommand({ ServerCertificateName: "none", TagKeys: ["a"] })), awsError("NoSuchEntityException", 404, "The Server Certificate with name none cannot be found."));

  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.ServerCertificates, 2);

  // The account quota: 20.
  for (let i = 0; i < 18; i++) await iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: `bulk-${i}` })));
  await assert.rejects(iam.send(new UploadServerCertificateCommand(input({ ServerCertificateName: "one-too-many" }))), awsError("LimitExceededException", 409, "Cannot exceed quota for ServerCertificatesPerAccount: 20"));
  for (let i = 0; i < 18; i++) await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: `bulk-${i}` }));

  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "www" }));
  await assert.rejects(iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: "www" })), awsError("NoSuchEntityException", 404, "The Server Certificate with name www cannot be found."));
  await assert.rejects(iam.send(new GetServerCertificateCommand({ ServerCertificateName: "www" })), awsError("NoSuchEntityException", 404, "The Server Certificate with name www cannot be found."));

  // CloudTrail: the private key is left out of the request, as IAM leaves out every secret, and appears in no event.
  const keyLine = leaf.key.privateKeyPem.split("\n")[1]!;
  const events = await eventually(async () => {
    const ev = await eventsOf("UploadServerCertificate");
    return ev.some((e) => JSON.parse(e).requestParameters?.serverCertificateName === "site") ? ev : undefined;
  });
  const ok = JSON.parse(events.find((e) => JSON.parse(e).requestParameters?.serverCertificateName === "site")!);
  assert.equal("privateKey" in ok.requestParameters, false);
  assert.equal(ok.requestParameters.certificateBody, leaf.pem);
  assert.equal(ok.responseElements.serverCertificateMetadata.serverCertificateId, meta.ServerCertificateId);
  for (const e of events) assert.ok(!e.includes(keyLine) && !e.includes("PRIVATE KEY"), "a private key in a CloudTrail event");
});

test("service-specific credentials: create, list, reset, update, delete, the per-service limit; CloudTrail holds no secret", async () => {
  const user = await newUser(s, "git-dev", {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["iam:ListServiceSpecificCredentials", "iam:ResetServiceSpecificCredential"], Resource: "arn:aws:iam::*:user/git-dev" }],
  });
  const created = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceName: "codecommit.amazonaws.com" }))).ServiceSpecificCredential!;
  assert.match(created.ServiceSpecificCredentialId!, /^ACCA[A-Z2-7]{17}$/);
  assert.equal(created.ServiceUserName, `git-dev-at-${s.accountId}`);
  assert.match(created.ServicePassword!, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(created.Status, "Active");
  const second = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceName: "codecommit.amazonaws.com" }))).ServiceSpecificCredential!;
  await assert.rejects(
    iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceName: "codecommit.amazonaws.com" })),
    awsError("LimitExceededException", 409, "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2"),
  );
  const bedrock = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceName: "bedrock.amazonaws.com", CredentialAgeDays: 7 })))
    .ServiceSpecificCredential!;
  assert.ok(bedrock.ServiceCredentialSecret!.startsWith("ABSK"));
  assert.match(bedrock.ServiceCredentialAlias!, new RegExp(`^git-dev-at-${s.accountId}-`));
  assert.equal(bedrock.ExpirationDate!.getTime(), bedrock.CreateDate!.getTime() + 7 * DAY);
  assert.equal(bedrock.ServicePassword, undefined);
  await assert.rejects(
    iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceName: "s3.amazonaws.com" })),
    awsError("NoSuchEntityException", 404, "No such service s3.amazonaws.com is supported for Service Specific Credentials"),
  );
  await assert.rejects(
    iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "nobody", ServiceName: "codecommit.amazonaws.com" })),
    awsError("NoSuchEntityException", 404, "The user with name nobody cannot be found."),
  );

  // The user lists and resets its own credentials (UserName omitted).
  const self = new IAMClient(s.clientConfig(user));
  const own = await self.send(new ListServiceSpecificCredentialsCommand({ ServiceName: "codecommit.amazonaws.com" }));
  assert.deepEqual(own.ServiceSpecificCredentials!.map((c) => c.ServiceSpecificCredentialId).sort(), [created.ServiceSpecificCredentialId, second.ServiceSpecificCredentialId].sort());
  assert.ok(own.ServiceSpecificCredentials!.every((c) => c.ServiceUserName === `git-dev-at-${s.accountId}` && !("ServicePassword" in c)));
  const reset = (await self.send(new ResetServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: created.ServiceSpecificCredentialId }))).ServiceSpecificCredential!;
  assert.notEqual(reset.ServicePassword, created.ServicePassword);
  await assert.rejects(self.send(new UpdateServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: "Inactive" })), (e: any) => {
    assert.equal(e.$metadata.httpStatusCode, 403);
    return /iam:UpdateServiceSpecificCredential/.test(e.message);
  });

  await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: "Inactive" }));
  const all = await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }));
  assert.deepEqual(
    all.ServiceSpecificCredentials!.map((c) => [c.ServiceName, c.Status, c.ServiceSpecificCredentialId === created.ServiceSpecificCredentialId]).sort(),
    [
      ["bedrock.amazonaws.com", "Active", false],
      ["codecommit.amazonaws.com", "Active", false],
      ["codecommit.amazonaws.com", "Inactive", true],
    ],
  );
  await assert.rejects(
    iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: "Expired" })),
    awsError("ValidationError", 400, "The status Expired cannot be set. Specify Active or Inactive."),
  );
  const missing = "ACCAXXXXXXXXXXXXXXXXX";
  await assert.rejects(
    iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceSpecificCredentialId: missing })),
    awsError("NoSuchEntityException", 404, `No such credential ${missing} exists`),
  );
  await assert.rejects(
    iam.send(new ResetServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceSpecificCredentialId: missing })),
    awsError("NoSuchEntityException", 404, `No such credential ${missing} exists`),
  );

  for (const c of [created, second, bedrock]) {
    await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: "git-dev", ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }));
  }
  assert.deepEqual((await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: "git-dev" }))).ServiceSpecificCredentials, []);

  // CloudTrail: passwords and API keys are left out of responses and appear in no event.
  const secrets = [created.ServicePassword!, second.ServicePassword!, reset.ServicePassword!, bedrock.ServiceCredentialSecret!];
  const events = await eventually(async () => {
    const ev = await eventsOf("CreateServiceSpecificCredential", "ResetServiceSpecificCredential");
    return ev.filter((e) => JSON.parse(e).errorCode === undefined).length >= 4 ? ev : undefined;
  });
  for (const e of events) for (const secret of secrets) assert.ok(!e.includes(secret), "a service-specific secret in a CloudTrail event");
  const resetEvent = JSON.parse(events.find((e) => JSON.parse(e).eventName === "ResetServiceSpecificCredential" && JSON.parse(e).errorCode === undefined)!);
  assert.equal("servicePassword" in resetEvent.responseElements.serviceSpecificCredential, false);
  assert.equal(resetEvent.responseElements.serviceSpecificCredential.serviceUserName !== undefined, true);
  const bedrockEvent = JSON.parse(events.find((e) => JSON.parse(e).requestParameters?.serviceName === "bedrock.amazonaws.com" && JSON.parse(e).errorCode === undefined)!);
  assert.equal("serviceCredentialSecret" in bedrockEvent.responseElements.serviceSpecificCredential, false);
});

test("DeleteUser answers DeleteConflict while the user holds service-specific credentials", async () => {
  await newUser(s, "keyspaces-user");
  const c = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "keyspaces-user", ServiceName: "cassandra.amazonaws.com" }))).ServiceSpecificCredential!;
  for (const k of (await iam.send(new ListAccessKeysCommand({ UserName: "keyspaces-user" }))).AccessKeyMetadata ?? []) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: "keyspaces-user", AccessKeyId: k.AccessKeyId }));
  }
  await assert.rejects(iam.send(new DeleteUserCommand({ UserName: "keyspaces-user" })), awsError("DeleteConflictException", 409, "Cannot delete entity, must remove referenced objects first."));
  await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: "keyspaces-user", ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }));
  await iam.send(new DeleteUserCommand({ UserName: "keyspaces-user" }));
});

test("service-linked roles: create, protected from the role operations, deleted by the scheduler (FAILED while in use)", async () => {
  const role = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "elasticloadbalancing.amazonaws.com" }))).Role!;
  assert.deepEqual(
    [role.RoleName, role.Path, role.Arn],
    [
      "AWSServiceRoleForElasticLoadBalancing",
      "/aws-service-role/elasticloadbalancing.amazonaws.com/",
      `arn:aws:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
    ],
  );
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement, [
    { Effect: "Allow", Principal: { Service: "elasticloadbalancing.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
  const got = (await iam.send(new GetRoleCommand({ RoleName: role.RoleName }))).Role!;
  assert.deepEqual([got.RoleId, got.MaxSessionDuration, got.RoleLastUsed], [role.RoleId, 3600, {}]);
  assert.ok((await iam.send(new ListRolesCommand({ PathPrefix: "/aws-service-role/" }))).Roles!.some((r) => r.RoleName === role.RoleName));

  await assert.rejects(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "elasticloadbalancing.amazonaws.com" })),
    awsError("InvalidInputException", 400, "Service role name AWSServiceRoleForElasticLoadBalancing has been taken in this account, please try a different suffix."),
  );
  await assert.rejects(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "shield.amazonaws.com", CustomSuffix: "x" })),
    awsError("InvalidInputException", 400, "Custom suffix is not allowed for shield.amazonaws.com"),
  );
  await assert.rejects(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "nothing.amazonaws.com" })), awsError("InvalidInputException", 400, /nothing\.amazonaws\.com/));
  const suffixed = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: "batch", Description: "ASG batch" }))).Role!;
  assert.deepEqual([suffixed.RoleName, suffixed.Description], ["AWSServiceRoleForAutoScaling_batch", "ASG batch"]);

  const PROTECTED = `Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`;
  await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: role.RoleName })), awsError("UnmodifiableEntityException", 400, PROTECTED));
  await assert.rejects(
    iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) })),
    awsError("UnmodifiableEntityException", 400, PROTECTED),
  );
  await assert.rejects(
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.RoleName, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) })),
    awsError("UnmodifiableEntityException", 400, PROTECTED),
  );
  await assert.rejects(
    iam.send(new AttachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })),
    awsError("UnmodifiableEntityException", 400, PROTECTED),
  );
  await iam.send(new UpdateRoleDescriptionCommand({ RoleName: role.RoleName, Description: "ELB's role" }));

  // In use by a load balancer: the deletion task fails and reports it.
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "slr-user" }))).LoadBalancers![0]!;
  const failedTask = (await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: role.RoleName }))).DeletionTaskId!;
  assert.match(failedTask, /^task\/aws-service-role\/elasticloadbalancing\.amazonaws\.com\/AWSServiceRoleForElasticLoadBalancing\/[0-9a-f-]{36}$/);
  const failed = await eventually(async () => {
    const st = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: failedTask }));
    return st.Status === "FAILED" ? st : undefined;
  });
  assert.deepEqual(failed.Reason!.RoleUsageList, [{ Region: "us-east-1", Resources: [lb.LoadBalancerArn] }]);
  await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));

  // Without load balancers the role is deleted.
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  const task = (await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: role.RoleName }))).DeletionTaskId!;
  assert.notEqual(task, failedTask);
  const done = await eventually(async () => {
    const st = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }));
    return st.Status === "SUCCEEDED" ? st : undefined;
  });
  assert.equal(done.Reason, undefined);
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: role.RoleName })), awsError("NoSuchEntityException", 404, `The role with name ${role.RoleName} cannot be found.`));

  await assert.rejects(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: role.RoleName })), awsError("NoSuchEntityException", 404, `The role with name ${role.RoleName} cannot be found.`));
  await assert.rejects(iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: "task/nope" })), awsError("InvalidInputException", 400, "Invalid deletion task id: task/nope"));
  const unknown = "task/aws-service-role/shield.amazonaws.com/AWSServiceRoleForAWSShield/00000000-0000-0000-0000-000000000000";
  await assert.rejects(iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: unknown })), awsError("NoSuchEntityException", 404, `Deletion task ${unknown} cannot be found.`));
});

test("STS token preferences and account properties", async () => {
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.GlobalEndpointTokenVersion, 1);
  await iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: "v2Token" }));
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.GlobalEndpointTokenVersion, 2);
  await assert.rejects(
    iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: "v9Token" as "v1Token" })),
    awsError("ValidationError", 400, /enum value set: \[v1Token, v2Token\]/),
  );

  assert.deepEqual((await iam.send(new GetAccountPropertiesCommand({}))).Properties ?? {}, {});
  await iam.send(new PutAccountPropertiesCommand({ Properties: { "RoleManager/Enabled": "true", "RoleManager/Scope": "all" } }));
  await iam.send(new PutAccountPropertiesCommand({ Properties: { "RoleManager/Scope": "some" } }));
  assert.deepEqual((await iam.send(new GetAccountPropertiesCommand({}))).Properties, { "RoleManager/Enabled": "true", "RoleManager/Scope": "some" });
  await assert.rejects(
    iam.send(new PutAccountPropertiesCommand({ Properties: { "A/x": "1", "B/y": "2" } })),
    awsError("InvalidInputException", 400, "All properties in a request must belong to the same namespace."),
  );
  await assert.rejects(
    iam.send(new PutAccountPropertiesCommand({ Properties: { "A/x/y": "1" } })),
    awsError("InvalidInputException", 400, "Invalid property key A/x/y: the key must have the form Namespace/PropertyName."),
  );
  await assert.rejects(iam.send(new PutAccountPropertiesCommand({ Properties: { "9/x": "1" } })), awsError("ValidationError", 400, /Map keys must satisfy constraint/));
});
