/**
 * IAM account-level operations through the real server and the AWS SDK: the account alias,
 * the password policy and GetAccountSummary, their authorisation on "*", their CloudTrail
 * events, and their persistence across a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  CreateAccountAliasCommand,
  DeleteAccountAliasCommand,
  ListAccountAliasesCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  CreateUserCommand,
  CreateGroupCommand,
} from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, eventually, newUser, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("account alias: create, replace, list, delete, with the AWS errors", async () => {
  const iam = new IAMClient(s.clientConfig());
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: "bulwark-e2e" }));
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: "bulwark-e2e-2" }));
  const listed = await iam.send(new ListAccountAliasesCommand({ MaxItems: 10 }));
  assert.deepEqual(listed.AccountAliases, ["bulwark-e2e-2"]);
  assert.equal(listed.IsTruncated, false);
  await assert.rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: "bulwark-e2e-2" })), (e: any) => {
    assert.equal(e.name, "EntityAlreadyExistsException");
    assert.equal(e.$metadata.httpStatusCode, 409);
    assert.equal(e.message, "The account alias bulwark-e2e-2 already exists.");
    return true;
  });
  await assert.rejects(iam.send(new DeleteAccountAliasCommand({ AccountAlias: "bulwark-e2e" })), (e: any) => {
    assert.equal(e.name, "NoSuchEntityException");
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.message, "The account alias bulwark-e2e cannot be found.");
    return true;
  });
  await assert.rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: "Bad--Alias" })), (e: any) => {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, "1 validation error detected: Value 'Bad--Alias' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$");
    return true;
  });
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: "bulwark-e2e-2" }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
});

test("password policy: NoSuchEntity until set, defaults, every member, delete", async () => {
  const iam = new IAMClient(s.clientConfig());
  const missing = (e: any) => {
    assert.equal(e.name, "NoSuchEntityException");
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.message, `The Password Policy with domain name ${s.accountId} cannot be found.`);
    return true;
  };
  await assert.rejects(iam.send(new GetAccountPasswordPolicyCommand({})), missing);
  await iam.send(new UpdateAccountPasswordPolicyCommand({}));
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 6,
    RequireSymbols: false,
    RequireNumbers: false,
    RequireUppercaseCharacters: false,
    RequireLowercaseCharacters: false,
    AllowUsersToChangePassword: false,
    ExpirePasswords: false,
  });
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      MaxPasswordAge: 90,
      PasswordReusePrevention: 24,
      HardExpiry: false,
    }),
  );
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    ExpirePasswords: true,
    MaxPasswordAge: 90,
    PasswordReusePrevention: 24,
    HardExpiry: false,
  });
  await assert.rejects(iam.send(new UpdateAccountPasswordPolicyCommand({ MaxPasswordAge: 1096 })), (e: any) => {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.message, "1 validation error detected: Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095");
    return true;
  });
  await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  await assert.rejects(iam.send(new GetAccountPasswordPolicyCommand({})), missing);
  await assert.rejects(iam.send(new DeleteAccountPasswordPolicyCommand({})), (e: any) => {
    assert.equal(e.name, "NoSuchEntityException");
    assert.equal(e.message, "The account policy with name PasswordPolicy cannot be found.");
    return true;
  });
});

test("GetAccountSummary counts the account's entities", async () => {
  const iam = new IAMClient(s.clientConfig());
  const before = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  await iam.send(new CreateUserCommand({ UserName: "summary-user" }));
  await iam.send(new CreateGroupCommand({ GroupName: "summary-group" }));
  const after = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(after.Users, (before.Users ?? 0) + 1);
  assert.equal(after.Groups, (before.Groups ?? 0) + 1);
  assert.equal(after.UsersQuota, 5000);
  assert.equal(after.AccessKeysPerUserQuota, 2);
  assert.equal(after.PolicySizeQuota, 6144);
});

test("authorised on *, audited in CloudTrail, and durable across a restart", async () => {
  const admin = new IAMClient(s.clientConfig());
  const reader = await newUser(s, "acct-reader", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetAccountSummary", "iam:ListAccountAliases"], Resource: "*" }] });
  const iam = new IAMClient(s.clientConfig(reader));
  assert.ok((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.Users);
  await iam.send(new ListAccountAliasesCommand({}));
  await assert.rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: "not-allowed" })), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(
      e.message,
      `User: arn:aws:iam::${s.accountId}:user/acct-reader is not authorized to perform: iam:CreateAccountAlias on resource: * because no identity-based policy allows the iam:CreateAccountAlias action`,
    );
    return true;
  });

  await admin.send(new CreateAccountAliasCommand({ AccountAlias: "durable-alias" }));
  await admin.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 20 }));
  const trail = new CloudTrailClient(s.clientConfig());
  const ev = await eventually(async () => {
    const out = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccountAlias" }] }));
    const hit = out.Events?.find((e) => JSON.parse(e.CloudTrailEvent!).requestParameters?.accountAlias === "durable-alias");
    return hit === undefined ? undefined : JSON.parse(hit.CloudTrailEvent!);
  });
  assert.equal(ev.eventSource, "iam.amazonaws.com");
  assert.equal(ev.errorCode, undefined);

  const { dataDir, rootKey } = s;
  await s.stop();
  s = await startTestServer({ dataDir, rootKey });
  const again = new IAMClient(s.clientConfig());
  assert.deepEqual((await again.send(new ListAccountAliasesCommand({}))).AccountAliases, ["durable-alias"]);
  assert.equal((await again.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength, 20);
});
