/**
 * MaxSigninSessionDuration of roles and IAM users' login profiles (IAM API reference: CreateRole,
 * UpdateRole, CreateLoginProfile, UpdateLoginProfile): 1 hour to 90 days, set, replaced, cleared
 * with ResetMaxSigninSessionDuration (not together with a value), omitted from responses while
 * unset, independent of MaxSessionDuration, not on service-linked roles or the root user.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  ListRolesCommand,
  UpdateLoginProfileCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import { awsError, startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(s.clientConfig());
});
after(async () => {
  await s.destroy();
});

const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const tooShort = /^1 validation error detected: Value '3599' at 'maxSigninSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600$/;
const tooLong = /^1 validation error detected: Value '7776001' at 'maxSigninSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 7776000$/;
const together = "MaxSigninSessionDuration and ResetMaxSigninSessionDuration cannot be specified together.";

test("a role's MaxSigninSessionDuration: set at creation, replaced, cleared; omitted while unset", async () => {
  const created = await iam.send(new CreateRoleCommand({ RoleName: "signin-role", AssumeRolePolicyDocument: trust, MaxSigninSessionDuration: 7776000 }));
  assert.equal(created.Role?.MaxSigninSessionDuration, 7776000);
  const role = async () => (await iam.send(new GetRoleCommand({ RoleName: "signin-role" }))).Role!;
  assert.equal((await role()).MaxSigninSessionDuration, 7776000);
  assert.equal((await role()).MaxSessionDuration, 3600);

  await iam.send(new UpdateRoleCommand({ RoleName: "signin-role", MaxSigninSessionDuration: 3600 }));
  assert.equal((await role()).MaxSigninSessionDuration, 3600);
  // Other updates leave it as it is.
  await iam.send(new UpdateRoleCommand({ RoleName: "signin-role", MaxSessionDuration: 7200, Description: "d" }));
  assert.equal((await role()).MaxSigninSessionDuration, 3600);
  assert.equal((await role()).MaxSessionDuration, 7200);
  const listed = (await iam.send(new ListRolesCommand({}))).Roles!.find((r) => r.RoleName === "signin-role")!;
  assert.equal(listed.MaxSigninSessionDuration, 3600);

  await assert.rejects(iam.send(new UpdateRoleCommand({ RoleName: "signin-role", MaxSigninSessionDuration: 7200, ResetMaxSigninSessionDuration: true })), awsError("InvalidInputException", 400, together));
  await iam.send(new UpdateRoleCommand({ RoleName: "signin-role", ResetMaxSigninSessionDuration: true }));
  assert.equal("MaxSigninSessionDuration" in (await role()), false);
  // Clearing an unset value does nothing.
  await iam.send(new UpdateRoleCommand({ RoleName: "signin-role", ResetMaxSigninSessionDuration: true }));
  assert.equal((await role()).MaxSessionDuration, 7200);

  const plain = await iam.send(new CreateRoleCommand({ RoleName: "plain-role", AssumeRolePolicyDocument: trust }));
  assert.equal("MaxSigninSessionDuration" in plain.Role!, false);
  await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: "short-role", AssumeRolePolicyDocument: trust, MaxSigninSessionDuration: 3599 })), awsError("ValidationError", 400, tooShort));
  await assert.rejects(iam.send(new UpdateRoleCommand({ RoleName: "plain-role", MaxSigninSessionDuration: 7776001 })), awsError("ValidationError", 400, tooLong));
});

test("a service-linked role's MaxSigninSessionDuration can be neither set nor reset", async () => {
  const slr = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "elasticloadbalancing.amazonaws.com" }))).Role!;
  for (const change of [{ MaxSigninSessionDuration: 7200 }, { ResetMaxSigninSessionDuration: true }]) {
    await assert.rejects(
      iam.send(new UpdateRoleCommand({ RoleName: slr.RoleName, ...change })),
      awsError("UnmodifiableEntityException", 400, `Cannot perform the operation on the protected role '${slr.RoleName}' - this role is only modifiable by AWS`),
    );
  }
  assert.equal("MaxSigninSessionDuration" in (await iam.send(new GetRoleCommand({ RoleName: slr.RoleName }))).Role!, false);
});

test("a login profile's MaxSigninSessionDuration: set, kept across a password change, replaced and cleared", async () => {
  await iam.send(new CreateUserCommand({ UserName: "signin-user" }));
  const created = await iam.send(new CreateLoginProfileCommand({ UserName: "signin-user", Password: "Signin-Duration-1!", MaxSigninSessionDuration: 43200 }));
  assert.equal(created.LoginProfile?.MaxSigninSessionDuration, 43200);
  const profile = async () => (await iam.send(new GetLoginProfileCommand({ UserName: "signin-user" }))).LoginProfile!;
  assert.equal((await profile()).MaxSigninSessionDuration, 43200);
  await iam.send(new UpdateLoginProfileCommand({ UserName: "signin-user", Password: "Signin-Duration-2!" }));
  assert.equal((await profile()).MaxSigninSessionDuration, 43200);
  await iam.send(new UpdateLoginProfileCommand({ UserName: "signin-user", MaxSigninSessionDuration: 86400, PasswordResetRequired: true }));
  assert.equal((await profile()).MaxSigninSessionDuration, 86400);
  assert.equal((await profile()).PasswordResetRequired, true);
  await assert.rejects(
    iam.send(new UpdateLoginProfileCommand({ UserName: "signin-user", MaxSigninSessionDuration: 3600, ResetMaxSigninSessionDuration: true })),
    awsError("InvalidInputException", 400, together),
  );
  await assert.rejects(iam.send(new UpdateLoginProfileCommand({ UserName: "signin-user", MaxSigninSessionDuration: 3599 })), awsError("ValidationError", 400, tooShort));
  assert.equal((await profile()).MaxSigninSessionDuration, 86400);
  await iam.send(new UpdateLoginProfileCommand({ UserName: "signin-user", ResetMaxSigninSessionDuration: true }));
  const cleared = await profile();
  assert.equal("MaxSigninSessionDuration" in cleared, false);
  assert.equal(cleared.PasswordResetRequired, true);

  await iam.send(new CreateUserCommand({ UserName: "signin-user-2" }));
  await assert.rejects(
    iam.send(new CreateLoginProfileCommand({ UserName: "signin-user-2", Password: "Signin-Duration-3!", MaxSigninSessionDuration: 7776001 })),
    awsError("ValidationError", 400, tooLong),
  );
  await assert.rejects(iam.send(new GetLoginProfileCommand({ UserName: "signin-user-2" })), awsError("NoSuchEntityException", 404, "Login Profile for User signin-user-2 cannot be found."));
});
