/**
 * Virtual MFA through the real server and the AWS SDK: create and enable a device with codes
 * computed from the returned seed, GetSessionToken with a code, and a policy that requires
 * aws:MultiFactorAuthPresent allowing only the MFA session.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  ListUsersCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListMFADevicesCommand,
  DeleteUserCommand,
} from "@aws-sdk/client-iam";
import { STSClient, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { base32Decode, stepAt, totpAt } from "../../src/services/iam/totp.js";
import { startTestServer, newUser, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const MFA_FAILED = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";
const BAD_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code.";

test("an MFA session satisfies aws:MultiFactorAuthPresent; long-term and non-MFA session credentials do not", async () => {
  const admin = new IAMClient(s.clientConfig());
  const longTerm = await newUser(s, "mfa-user", {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "iam:ListUsers", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }],
  });

  const created = await admin.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "mfa-user-phone" }));
  const serial = created.VirtualMFADevice!.SerialNumber!;
  assert.equal(serial, `arn:aws:iam::${s.accountId}:mfa/mfa-user-phone`);
  const seed = base32Decode(Buffer.from(created.VirtualMFADevice!.Base32StringSeed!).toString("ascii"));
  assert.equal(seed.length, 20);
  assert.deepEqual(Buffer.from(created.VirtualMFADevice!.QRCodePNG!).subarray(1, 4).toString("ascii"), "PNG");

  const step = stepAt(s.clock.now());
  await assert.rejects(
    admin.send(new EnableMFADeviceCommand({ UserName: "mfa-user", SerialNumber: serial, AuthenticationCode1: totpAt(seed, step), AuthenticationCode2: totpAt(seed, step - 1) })),
    (e: any) => e.name === "InvalidAuthenticationCodeException" && e.$metadata.httpStatusCode === 403 && e.message === "Authentication code for device is not valid.",
  );
  await admin.send(new EnableMFADeviceCommand({ UserName: "mfa-user", SerialNumber: serial, AuthenticationCode1: totpAt(seed, step - 1), AuthenticationCode2: totpAt(seed, step) }));
  const listed = await admin.send(new ListMFADevicesCommand({ UserName: "mfa-user" }));
  assert.deepEqual(listed.MFADevices?.map((d) => d.SerialNumber), [serial]);

  const sts = new STSClient(s.clientConfig(longTerm));
  // The enabling codes are spent; a code from the next step is fresh.
  const fresh = totpAt(seed, stepAt(s.clock.now()) + 1);
  await assert.rejects(sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totpAt(seed, step) })), (e: any) => e.name === "AccessDenied" && e.message === BAD_CODE);
  await assert.rejects(
    sts.send(new GetSessionTokenCommand({ SerialNumber: `arn:aws:iam::${s.accountId}:mfa/not-mine`, TokenCode: fresh })),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === MFA_FAILED,
    "a serial that is not the caller's device",
  );
  await assert.rejects(
    sts.send(new GetSessionTokenCommand({ SerialNumber: serial })),
    (e: any) => e.name === "AccessDenied" && e.message === "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
  );
  const mfaOut = await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: fresh }));
  await assert.rejects(sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: fresh })), (e: any) => e.name === "AccessDenied" && e.message === BAD_CODE, "replay");
  const plainOut = await sts.send(new GetSessionTokenCommand({}));

  const asCreds = (c: any): Creds => ({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  const mfaSession = new IAMClient(s.clientConfig(asCreds(mfaOut.Credentials)));
  const users = await mfaSession.send(new ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === "mfa-user"));
  await assert.rejects(new IAMClient(s.clientConfig(longTerm)).send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied" && /iam:ListUsers/.test(e.message));
  // A session without MFA cannot call IAM at all.
  await assert.rejects(
    new IAMClient(s.clientConfig(asCreds(plainOut.Credentials))).send(new ListUsersCommand({})),
    (e: any) => e.name === "InvalidClientTokenId" && e.$metadata.httpStatusCode === 403 && e.message === "The security token included in the request is invalid",
  );

  await assert.rejects(admin.send(new DeleteUserCommand({ UserName: "mfa-user" })), (e: any) => e.name === "DeleteConflictException" && e.message === "Cannot delete entity, must delete MFA device first.");
});
