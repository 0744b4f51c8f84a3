/**
 * IAM login profiles through the real server and the AWS SDK: create/get/update/delete with
 * AWS's errors, the password policy, ChangePassword signed as the user itself, and CloudTrail
 * events that never hold a password.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  CreateUserCommand,
  DeleteUserCommand,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  CreateLoginProfileCommand,
  GetLoginProfileCommand,
  UpdateLoginProfileCommand,
  DeleteLoginProfileCommand,
  ChangePasswordCommand,
  UpdateAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { awsError, startTestServer, eventually, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const FIRST = "E2e-First-Pass1!";
const SECOND = "E2e-Second-Pass2!";
const THIRD = "E2e-Third-Pass3!";

test("login profile lifecycle, password policy and ChangePassword as the user; CloudTrail holds no password", async () => {
  const admin = new IAMClient(s.clientConfig());
  await admin.send(new CreateUserCommand({ UserName: "console-user" }));
  await assert.rejects(admin.send(new GetLoginProfileCommand({ UserName: "console-user" })), awsError("NoSuchEntityException", 404, "Login Profile for User console-user cannot be found."));
  // IAM's default policy applies while the account has none.
  await assert.rejects(
    admin.send(new CreateLoginProfileCommand({ UserName: "console-user", Password: "short" })),
    awsError("PasswordPolicyViolationException", 400, "Password should have a minimum length of 8"),
  );
  const created = await admin.send(new CreateLoginProfileCommand({ UserName: "console-user", Password: FIRST, PasswordResetRequired: true }));
  assert.equal(created.LoginProfile?.UserName, "console-user");
  assert.equal(created.LoginProfile?.PasswordResetRequired, true);
  assert.ok(created.LoginProfile?.CreateDate instanceof Date);
  await assert.rejects(
    admin.send(new CreateLoginProfileCommand({ UserName: "console-user", Password: SECOND })),
    awsError("EntityAlreadyExistsException", 409, "Login Profile for user console-user already exists."),
  );
  const got = await admin.send(new GetLoginProfileCommand({ UserName: "console-user" }));
  assert.deepEqual(got.LoginProfile, created.LoginProfile);

  await admin.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 10, RequireSymbols: true, PasswordReusePrevention: 2 }));
  await assert.rejects(
    admin.send(new UpdateLoginProfileCommand({ UserName: "console-user", Password: "abcdefghijk" })),
    awsError("PasswordPolicyViolationException", 400, "Password should have at least one symbol"),
  );
  await assert.rejects(
    admin.send(new UpdateLoginProfileCommand({ UserName: "console-user", Password: FIRST })),
    awsError("PasswordPolicyViolationException", 400, "Password should not be one of your previous 2 passwords"),
  );
  await admin.send(new UpdateLoginProfileCommand({ UserName: "console-user", Password: SECOND, PasswordResetRequired: false }));

  // ChangePassword signed as the user: needs iam:ChangePassword until the policy allows it.
  const key = await admin.send(new CreateAccessKeyCommand({ UserName: "console-user" }));
  const creds: Creds = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const user = new IAMClient(s.clientConfig(creds));
  await assert.rejects(user.send(new ChangePasswordCommand({ OldPassword: SECOND, NewPassword: THIRD })), awsError("AccessDenied", 403, /iam:ChangePassword/));
  await admin.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 10, RequireSymbols: true, PasswordReusePrevention: 2, AllowUsersToChangePassword: true }));
  await assert.rejects(user.send(new ChangePasswordCommand({ OldPassword: FIRST, NewPassword: THIRD })), awsError("AccessDenied", 403, "The old password is incorrect."));
  await user.send(new ChangePasswordCommand({ OldPassword: SECOND, NewPassword: THIRD }));
  // The admin (an IAM user without a login profile) and the new password's predecessor.
  await assert.rejects(admin.send(new ChangePasswordCommand({ OldPassword: SECOND, NewPassword: THIRD })), awsError("NoSuchEntityException", 404, "Login Profile for User admin cannot be found."));
  await assert.rejects(user.send(new ChangePasswordCommand({ OldPassword: THIRD, NewPassword: SECOND })), awsError("PasswordPolicyViolationException", 400, "Password should not be one of your previous 2 passwords"));

  // DeleteUser waits for the login profile to go.
  await admin.send(new DeleteAccessKeyCommand({ UserName: "console-user", AccessKeyId: creds.accessKeyId }));
  await assert.rejects(admin.send(new DeleteUserCommand({ UserName: "console-user" })), awsError("DeleteConflictException", 409, "Cannot delete entity, must delete login profile first."));
  await admin.send(new DeleteLoginProfileCommand({ UserName: "console-user" }));
  await admin.send(new DeleteUserCommand({ UserName: "console-user" }));
  await admin.send(new DeleteAccountPasswordPolicyCommand({}));

  // CloudTrail: the password members are left out, as IAM's recorded events show, and no password appears anywhere.
  const trail = new CloudTrailClient(s.clientConfig());
  const eventOf = (name: string, pick: (ev: any) => boolean) =>
    eventually(async () => {
      const out = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: name }] }));
      const hit = out.Events?.map((e) => e.CloudTrailEvent!).find((t) => pick(JSON.parse(t)));
      return hit;
    });
  const createEv = await eventOf("CreateLoginProfile", (ev) => ev.errorCode === undefined);
  const changeEv = await eventOf("ChangePassword", (ev) => ev.errorCode === undefined);
  const updateEv = await eventOf("UpdateLoginProfile", (ev) => ev.errorCode === undefined);
  for (const text of [createEv, changeEv, updateEv]) {
    for (const pw of [FIRST, SECOND, THIRD]) assert.ok(!text.includes(pw), "a password in a CloudTrail event");
  }
  const create = JSON.parse(createEv);
  assert.deepEqual(create.requestParameters, { userName: "console-user", passwordResetRequired: true });
  const change = JSON.parse(changeEv);
  assert.equal(change.requestParameters, null);
  assert.equal(change.userIdentity.type, "IAMUser");
  assert.equal(change.userIdentity.userName, "console-user");
  // Failed attempts are recorded without the password too.
  const failed = await eventOf("ChangePassword", (ev) => ev.errorCode !== undefined);
  for (const pw of [FIRST, SECOND, THIRD]) assert.ok(!failed.includes(pw));
});
