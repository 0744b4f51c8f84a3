/**
 * sts:GetAccessKeyInfo through the real server and SDK: the account of a key id, whether the key
 * is stored (any state), deleted, or never issued here. Every id Bulwark issues carries its
 * account in the layout of AWS's ids, so offline decoders (the published formula below) agree.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, DeleteAccessKeyCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, GetAccessKeyInfoCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, CreateOrganizationCommand, CreateAccountCommand, DescribeCreateAccountStatusCommand } from "@aws-sdk/client-organizations";
import { ADMIN_KEY_ID, awsError, eventually, startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** The decoder security tooling publishes: base32 after the 4-character prefix, first 6 bytes, (n & 0x7fffffffff80) >> 7. */
function offlineAccount(accessKeyId: string): string {
  let bits = "";
  for (const c of accessKeyId.slice(4)) bits += BASE32.indexOf(c).toString(2).padStart(5, "0");
  return ((BigInt(`0b${bits.slice(0, 48)}`) & 0x7fffffffff80n) >> 7n).toString().padStart(12, "0");
}

const accountOf = async (sts: STSClient, id: string) => (await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: id }))).Account;

test("an IAM user's access key names its account while active, inactive and after it is deleted", async () => {
  const iam = new IAMClient(s.clientConfig());
  const sts = new STSClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "key-info" }));
  const id = (await iam.send(new CreateAccessKeyCommand({ UserName: "key-info" }))).AccessKey!.AccessKeyId!;
  assert.match(id, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(offlineAccount(id), s.accountId);
  assert.equal(await accountOf(sts, id), s.accountId);
  await iam.send(new UpdateAccessKeyCommand({ UserName: "key-info", AccessKeyId: id, Status: "Inactive" }));
  assert.equal(await accountOf(sts, id), s.accountId);
  await iam.send(new DeleteAccessKeyCommand({ UserName: "key-info", AccessKeyId: id }));
  assert.equal(await accountOf(sts, id), s.accountId);
});

test("session key ids name the account of the role assumed, or of the caller", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const req = await orgs.send(new CreateAccountCommand({ AccountName: "KeyInfo", Email: "key-info@example.com" }));
  const member = (
    await eventually(async () => {
      const st = await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.CreateAccountStatus!.Id! }));
      return st.CreateAccountStatus?.State === "SUCCEEDED" ? st.CreateAccountStatus : undefined;
    })
  ).AccountId!;
  assert.notEqual(member, s.accountId);
  const sts = new STSClient(s.clientConfig());

  // A role in another account: the ASIA id names the role's account, not the caller's.
  const cross = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`, RoleSessionName: "key-info" }));
  const crossId = cross.Credentials!.AccessKeyId!;
  assert.match(crossId, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(offlineAccount(crossId), member);
  assert.equal(await accountOf(sts, crossId), member);

  // A role in the caller's own account, and a GetSessionToken session of the caller.
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  await new IAMClient(s.clientConfig()).send(new CreateRoleCommand({ RoleName: "key-info", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const own = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/key-info`, RoleSessionName: "own" }))).Credentials!.AccessKeyId!;
  const token = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!.AccessKeyId!;
  for (const id of [own, token]) {
    assert.equal(offlineAccount(id), s.accountId, id);
    assert.equal(await accountOf(sts, id), s.accountId, id);
  }
});

test("ids never issued here answer the account they carry; the operator's key answers from storage; others stay invalid", async () => {
  const sts = new STSClient(s.clientConfig());
  // A real AWS session key id published with its account (Aidan Steele; Tal Be'ery).
  assert.equal(await accountOf(sts, "ASIAY34FZKBOKMUTVV7A"), "609629065308");
  // BULWARK_ADMIN_ACCESS_KEY_ID is kept as given (it carries no account): storage knows its account.
  assert.equal(await accountOf(sts, ADMIN_KEY_ID), s.accountId);
  // The documentation's example id carries no account.
  await assert.rejects(sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: "AKIAIOSFODNN7EXAMPLE" })), awsError("ValidationError", 400, "AKIAIOSFODNN7EXAMPLE is invalid"));
});
