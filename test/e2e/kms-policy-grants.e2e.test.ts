/**
 * KMS authorisation through the real server: the default key policy, key policies that do and do
 * not delegate to IAM, explicit denies, encryption-context conditions, the policy lockout safety
 * check, grants (operations, constraints, tokens, retire / revoke, listing) and cross-account use
 * from an Organizations member account (key ARN needed, key policy AND the caller's IAM policy).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  CreateAliasCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
  ListKeyPoliciesCommand,
  EncryptCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
  CreateGrantCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { IAMClient, PutUserPolicyCommand, CreateRoleCommand, DeleteRoleCommand, DeleteUserCommand, DeleteUserPolicyCommand, DeleteAccessKeyCommand, UpdateUserCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient, ListRootsCommand, EnablePolicyTypeCommand, DetachPolicyCommand } from "@aws-sdk/client-organizations";
import { attachScp, startTestServer, type TestServer, type Creds } from "./harness.js";
import { kmsClient, rejectsWith, newUser, memberAccount, allow, utf8, text } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

async function newKey(creds?: Creds, input: CreateKeyCommandInput = {}): Promise<KeyMetadata> {
  return (await kmsClient(s, creds).send(new CreateKeyCommand(input))).KeyMetadata!;
}

const denied = (user: string, action: string, resource: string) => ({
  name: "AccessDeniedException",
  message: new RegExp(`^User: ${user.replace(/[/.]/g, "\\$&")} is not authorized to perform: ${action} on resource: ${resource.replace(/[/.]/g, "\\$&")}`),
});

test("the default key policy gives the account (and so IAM policies) full access", async () => {
  const k = await newKey();
  const kms = kmsClient(s);
  const p = await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }));
  assert.equal(p.PolicyName, "default");
  assert.deepEqual(JSON.parse(p.Policy!), {
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "kms:*", Resource: "*" }],
  });
  assert.deepEqual((await kms.send(new ListKeyPoliciesCommand({ KeyId: k.Arn }))).PolicyNames, ["default"]);

  // A user with no IAM policy is denied; an IAM policy for the key's ARN allows.
  const bob = await newUser(s, "bob");
  await rejectsWith(kmsClient(s, bob).send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), denied(bob.arn, "kms:Encrypt", k.Arn!));
  await new IAMClient(s.clientConfig()).send(new PutUserPolicyCommand({ UserName: "bob", PolicyName: "p", PolicyDocument: JSON.stringify(allow(["kms:Encrypt", "kms:Decrypt"], k.Arn!)) }));
  const e = await kmsClient(s, bob).send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("bob's") }));
  assert.equal(text((await kmsClient(s, bob).send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), "bob's");
  // Only the actions allowed.
  await rejectsWith(kmsClient(s, bob).send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: "AES_256" })), denied(bob.arn, "kms:GenerateDataKey", k.Arn!));
  // The policy names another key: not this one.
  const other = await newKey();
  await rejectsWith(kmsClient(s, bob).send(new EncryptCommand({ KeyId: other.KeyId, Plaintext: utf8("x") })), denied(bob.arn, "kms:Encrypt", other.Arn!));
});

test("a key policy that does not delegate to IAM: only the principals it names, and explicit denies win", async () => {
  const carol = await newUser(s, "carol", allow("kms:*"));
  const dave = await newUser(s, "dave", allow("kms:*"));
  const k = await newKey();
  const kms = kmsClient(s);
  const adminArn = `arn:aws:iam::${s.accountId}:user/admin`;
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: adminArn }, Action: "kms:*", Resource: "*" },
      { Sid: "CarolUse", Effect: "Allow", Principal: { AWS: carol.arn }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
      { Sid: "NoDecryptForCarolWithoutContext", Effect: "Deny", Principal: { AWS: carol.arn }, Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "kms:EncryptionContext:app": "billing" } } },
    ],
  };
  await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(policy) }));
  assert.deepEqual(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy!), policy);
  // dave has kms:* in IAM, but the key policy neither names him nor delegates to the account.
  await rejectsWith(kmsClient(s, dave).send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), denied(dave.arn, "kms:Encrypt", k.Arn!));
  const carolKms = kmsClient(s, carol);
  const withCtx = await carolKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("ok"), EncryptionContext: { app: "billing" } }));
  assert.equal(text((await carolKms.send(new DecryptCommand({ CiphertextBlob: withCtx.CiphertextBlob, EncryptionContext: { app: "billing" } }))).Plaintext), "ok");
  const noCtx = await carolKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("nope") }));
  await rejectsWith(carolKms.send(new DecryptCommand({ CiphertextBlob: noCtx.CiphertextBlob })), { name: "AccessDeniedException", message: /explicit deny/ });
  // The admin named in the policy decrypts it.
  assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: noCtx.CiphertextBlob }))).Plaintext), "nope");
  // carol was not given DescribeKey.
  await rejectsWith(carolKms.send(new DescribeKeyCommand({ KeyId: k.KeyId })), denied(carol.arn, "kms:DescribeKey", k.Arn!));
});

test("a key policy statement without Resource or without Action is accepted and has no effect (PutKeyPolicy, CreateKey)", async () => {
  const erin = await newUser(s, "no-resource-user", allow("kms:*"));
  const kms = kmsClient(s);
  const adminArn = `arn:aws:iam::${s.accountId}:user/admin`;
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: adminArn }, Action: "kms:*", Resource: "*" },
      { Sid: "ErinWithoutResource", Effect: "Allow", Principal: { AWS: erin.arn }, Action: "kms:*" },
      { Sid: "DenyAllWithoutResource", Effect: "Deny", Principal: "*", Action: "kms:*" },
      { Sid: "DenyAllWithoutAction", Effect: "Deny", Principal: "*", Resource: "*" },
    ],
  };
  const created = (await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }))).KeyMetadata!;
  const k = await newKey();
  await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(policy) }));
  for (const key of [created, k]) {
    assert.deepEqual(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy!), policy);
    // Neither Deny applies to the admin, and the Allow without Resource gives erin nothing.
    const ct = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: utf8("still mine") }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }))).Plaintext), "still mine");
    await rejectsWith(kmsClient(s, erin).send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: utf8("x") })), denied(erin.arn, "kms:Encrypt", key.Arn!));
  }
  // The lockout check reads the policy the same way: an Allow without Resource does not keep the caller in.
  const onlyWithoutResource = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: adminArn }, Action: "kms:*" }] };
  await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(onlyWithoutResource) })), {
    name: "MalformedPolicyDocumentException",
    message: /^The new key policy will not allow you to update the key policy in the future\.$/,
  });
});

test("PutKeyPolicy: malformed documents and the lockout safety check", async () => {
  const k = await newKey();
  const kms = kmsClient(s);
  await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: "{not json" })), "MalformedPolicyDocumentException");
  await rejectsWith(
    kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:user/nobody-here" }, Action: "kms:Decrypt", Resource: "*" }] }) })),
    "MalformedPolicyDocumentException",
  );
  // A policy that would stop the caller from ever changing it again is refused…
  const lockout = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "kms:Encrypt", Resource: "*" }] };
  await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(lockout) })), "MalformedPolicyDocumentException");
  // …unless the check is bypassed explicitly. The key is then locked for the admin.
  await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(lockout), BypassPolicyLockoutSafetyCheck: true }));
  await rejectsWith(kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId })), "AccessDeniedException");
  await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("still allowed") }));
});

test("LimitExceededException: at most 50 aliases per KMS key", async () => {
  const k = await newKey();
  const kms = kmsClient(s);
  for (let i = 0; i < 50; i++) await kms.send(new CreateAliasCommand({ AliasName: `alias/many-${i}`, TargetKeyId: k.KeyId }));
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: "alias/many-50", TargetKeyId: k.KeyId })), "LimitExceededException");
});

test("grants: operations, encryption-context constraints, tokens, listing, retire and revoke", async () => {
  const k = await newKey();
  const kms = kmsClient(s);
  const erin = await newUser(s, "erin");
  const retirer = await newUser(s, "retirer");
  const erinKms = kmsClient(s, erin);
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "AccessDeniedException");

  const g = await kms.send(
    new CreateGrantCommand({
      KeyId: k.Arn,
      GranteePrincipal: erin.arn,
      RetiringPrincipal: retirer.arn,
      Operations: ["Encrypt", "Decrypt"],
      Constraints: { EncryptionContextSubset: { tenant: "t1" } },
      Name: "erin-t1",
    }),
  );
  assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
  assert.ok(g.GrantToken!.length > 0);
  // Same name and parameters: the same grant, no duplicate.
  const again = await kms.send(
    new CreateGrantCommand({ KeyId: k.Arn, GranteePrincipal: erin.arn, RetiringPrincipal: retirer.arn, Operations: ["Encrypt", "Decrypt"], Constraints: { EncryptionContextSubset: { tenant: "t1" } }, Name: "erin-t1" }),
  );
  assert.equal(again.GrantId, g.GrantId);

  const e = await erinKms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: utf8("granted"), EncryptionContext: { tenant: "t1", extra: "ok" }, GrantTokens: [g.GrantToken!] }));
  assert.equal(text((await erinKms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: "t1", extra: "ok" } }))).Plaintext), "granted");
  // The constraint: the context must contain tenant=t1.
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x"), EncryptionContext: { tenant: "t2" } })), "AccessDeniedException");
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "AccessDeniedException");
  // Operations not in the grant.
  await rejectsWith(erinKms.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: "AES_256", EncryptionContext: { tenant: "t1" } })), "AccessDeniedException");
  // A malformed grant token.
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x"), GrantTokens: ["not-a-grant-token"] })), "InvalidGrantTokenException");

  const listed = await kms.send(new ListGrantsCommand({ KeyId: k.KeyId }));
  assert.equal(listed.Grants?.length, 1);
  const entry = listed.Grants![0]!;
  assert.equal(entry.KeyId, k.Arn);
  assert.equal(entry.GrantId, g.GrantId);
  assert.equal(entry.Name, "erin-t1");
  assert.equal(entry.GranteePrincipal, erin.arn);
  assert.equal(entry.RetiringPrincipal, retirer.arn);
  assert.equal(entry.IssuingAccount, `arn:aws:iam::${s.accountId}:root`);
  assert.deepEqual([...entry.Operations!].sort(), ["Decrypt", "Encrypt"]);
  assert.deepEqual(entry.Constraints, { EncryptionContextSubset: { tenant: "t1" } });
  assert.ok(entry.CreationDate instanceof Date);
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GranteePrincipal: retirer.arn }))).Grants, []);
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GrantId: g.GrantId }))).Grants?.map((x) => x.GrantId), [g.GrantId]);
  const retirable = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer.arn }));
  assert.deepEqual(retirable.Grants?.map((x) => x.GrantId), [g.GrantId]);

  // erin may not retire a grant she is not the retiring principal of (nor grantee with RetireGrant).
  await rejectsWith(erinKms.send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: g.GrantId })), "AccessDeniedException");
  await kmsClient(s, retirer).send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: g.GrantId }));
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants, []);
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x"), EncryptionContext: { tenant: "t1" } })), "AccessDeniedException");

  // RevokeGrant by the key's administrator; grants without constraints; retire by grant token.
  const g2 = await kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: erin.arn, Operations: ["Encrypt", "RetireGrant"] }));
  await erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") }));
  await kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g2.GrantId }));
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "AccessDeniedException");
  const g3 = await kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: erin.arn, Operations: ["Encrypt", "RetireGrant"] }));
  await erinKms.send(new RetireGrantCommand({ GrantToken: g3.GrantToken }));
  await rejectsWith(erinKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "AccessDeniedException");
  // Grant operations must fit the key: Sign on a symmetric key is not a grantable operation.
  await rejectsWith(kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: erin.arn, Operations: ["Sign"] })), "ValidationException");
});

test("cross-account: key ARN required, and both the key policy and the caller's IAM policy must allow", async () => {
  const { accountId: member, admin: memberAdmin } = await memberAccount(s, "KmsPartner");
  const k = await newKey();
  const kms = kmsClient(s);
  await kms.send(new CreateAliasCommand({ AliasName: "alias/shared", TargetKeyId: k.KeyId }));
  const own = await kms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("from the owner") }));

  // In the member account: a user allowed to use that key by IAM.
  const frank = await newUser(s, "frank", allow(["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], k.Arn!), memberAdmin);
  const frankKms = kmsClient(s, frank);
  assert.equal(frank.arn, `arn:aws:iam::${member}:user/frank`);
  // The key policy does not trust the member account yet.
  await rejectsWith(frankKms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: utf8("x") })), denied(frank.arn, "kms:Encrypt", k.Arn!));

  const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy!) as { Statement: object[] };
  policy.Statement.push({ Sid: "Partner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${member}:root` }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: "*" });
  await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(policy) }));

  // A bare key id or alias name is looked up in the caller's own account.
  await rejectsWith(frankKms.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "NotFoundException");
  await rejectsWith(frankKms.send(new EncryptCommand({ KeyId: "alias/shared", Plaintext: utf8("x") })), "NotFoundException");
  // With the key ARN (or alias ARN), key policy + IAM policy allow.
  const e = await frankKms.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: utf8("from the partner") }));
  assert.equal(e.KeyId, k.Arn);
  const viaAlias = await frankKms.send(new EncryptCommand({ KeyId: `arn:aws:kms:us-east-1:${s.accountId}:alias/shared`, Plaintext: utf8("via alias arn") }));
  assert.equal(viaAlias.KeyId, k.Arn);
  assert.equal(text((await frankKms.send(new DecryptCommand({ CiphertextBlob: own.CiphertextBlob, KeyId: k.Arn }))).Plaintext), "from the owner");
  assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), "from the partner");
  assert.equal((await frankKms.send(new DescribeKeyCommand({ KeyId: k.Arn }))).KeyMetadata?.AWSAccountId, s.accountId);
  // Actions the key policy grants the account but frank's IAM policy does not.
  await rejectsWith(frankKms.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: "AES_256" })), denied(frank.arn, "kms:GenerateDataKey", k.Arn!));
  // A member-account user without any IAM policy gets nothing, even though the key policy trusts the account.
  const gina = await newUser(s, "gina", undefined, memberAdmin);
  await rejectsWith(kmsClient(s, gina).send(new EncryptCommand({ KeyId: k.Arn, Plaintext: utf8("x") })), denied(gina.arn, "kms:Encrypt", k.Arn!));
  // A symmetric ciphertext identifies its key: Decrypt needs no KeyId, across accounts too.
  assert.equal(text((await frankKms.send(new DecryptCommand({ CiphertextBlob: own.CiphertextBlob }))).Plaintext), "from the owner");

  // CloudTrail: the key owner's account records the member's calls that were allowed, as the
  // caller's account (AWSAccount); the denied ones only the caller's account records.
  const byMember = async (ct: CloudTrailClient) =>
    ((await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: k.Arn! }], MaxResults: 50 }))).Events ?? [])
      .map((x) => JSON.parse(x.CloudTrailEvent!) as { eventName: string; errorCode?: string; userIdentity: { type: string; accountId: string }; sharedEventID?: string })
      .filter((x) => x.userIdentity.accountId === member);
  const ownerCopies = await byMember(new CloudTrailClient(s.clientConfig()));
  assert.deepEqual(ownerCopies.map((x) => [x.eventName, x.userIdentity.type, x.errorCode ?? "ok"]).sort(), [
    ["Decrypt", "AWSAccount", "ok"],
    ["Decrypt", "AWSAccount", "ok"],
    ["DescribeKey", "AWSAccount", "ok"],
    ["Encrypt", "AWSAccount", "ok"],
    ["Encrypt", "AWSAccount", "ok"],
  ]);
  const callerCopies = await byMember(new CloudTrailClient(s.clientConfig(memberAdmin)));
  assert.equal(callerCopies.filter((x) => x.errorCode === "AccessDeniedException").length, 3);
  for (const x of ownerCopies) assert.ok(callerCopies.some((c) => c.sharedEventID === x.sharedEventID), "each owner's copy shares its id with the caller's");
});

test("a key policy naming a user or role by ARN does not apply to a new principal of the same name after the old one is deleted", async () => {
  const iam = new IAMClient(s.clientConfig());
  const first = await newUser(s, "key-user", allow("sts:AssumeRole"));
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: s.accountId }, Action: "sts:AssumeRole" }] });
  await iam.send(new CreateRoleCommand({ RoleName: "key-role", AssumeRolePolicyDocument: trust }));
  const roleArn = `arn:aws:iam::${s.accountId}:role/key-role`;
  const asRole = async (c: Creds) => {
    const r = (await new STSClient(s.clientConfig(c)).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "use" }))).Credentials!;
    return { accessKeyId: r.AccessKeyId!, secretAccessKey: r.SecretAccessKey!, sessionToken: r.SessionToken! };
  };
  const adminArn = `arn:aws:iam::${s.accountId}:user/admin`;
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: adminArn }, Action: "kms:*", Resource: "*" },
      { Sid: "Use", Effect: "Allow", Principal: { AWS: [first.arn, roleArn] }, Action: "kms:Encrypt", Resource: "*" },
    ],
  };
  const k = await newKey(undefined, { Policy: JSON.stringify(policy) });
  const encrypt = (c: Creds) => kmsClient(s, c).send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") }));
  await encrypt(first);
  await encrypt(await asRole(first));

  await iam.send(new DeleteUserPolicyCommand({ UserName: "key-user", PolicyName: "p" }));
  await iam.send(new DeleteAccessKeyCommand({ UserName: "key-user", AccessKeyId: first.accessKeyId }));
  await iam.send(new DeleteUserCommand({ UserName: "key-user" }));
  await iam.send(new DeleteRoleCommand({ RoleName: "key-role" }));
  const second = await newUser(s, "key-user", allow("sts:AssumeRole"));
  await iam.send(new CreateRoleCommand({ RoleName: "key-role", AssumeRolePolicyDocument: trust }));
  await rejectsWith(encrypt(second), denied(second.arn, "kms:Encrypt", k.Arn!));
  await rejectsWith(encrypt(await asRole(second)), "AccessDeniedException");
  // KMS shows the old principals' unique ids in place of their ARNs.
  const shown = JSON.parse((await kmsClient(s).send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy!);
  const [u, r] = shown.Statement[1].Principal.AWS as string[];
  assert.match(u!, /^AIDA[A-Z0-9]+$/);
  assert.match(r!, /^AROA[A-Z0-9]+$/);
  // Setting the policy again binds it to the principals that now have the ARNs.
  await kmsClient(s).send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify(policy) }));
  await encrypt(second);
  await encrypt(await asRole(second));
});

test("a key policy naming a user follows the user through a rename, and does not name a new user with the old name", async () => {
  const iam = new IAMClient(s.clientConfig());
  const before = await newUser(s, "key-renamed-before");
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:user/admin` }, Action: "kms:*", Resource: "*" },
      { Sid: "Use", Effect: "Allow", Principal: { AWS: before.arn }, Action: "kms:Encrypt", Resource: "*" },
    ],
  };
  const k = await newKey(undefined, { Policy: JSON.stringify(policy) });
  const encrypt = (c: Creds) => kmsClient(s, c).send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") }));
  await iam.send(new UpdateUserCommand({ UserName: "key-renamed-before", NewUserName: "key-renamed-after" }));
  await encrypt(before);
  const impostor = await newUser(s, "key-renamed-before");
  await rejectsWith(encrypt(impostor), denied(impostor.arn, "kms:Encrypt", k.Arn!));
});

test("RetireGrant across accounts: a service control policy denying kms:RetireGrant wins; the key policy, even denying, is not evaluated", async () => {
  const { accountId: member, admin } = await memberAccount(s, "KmsRetirer");
  const memberKms = kmsClient(s, admin);
  const owner = `arn:aws:iam::${s.accountId}:root`;
  // The key policy denies kms:RetireGrant to everyone: "not effective in a key policy".
  const Policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: owner }, Action: "kms:*", Resource: "*" },
      { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:RetireGrant", Resource: "*" },
    ],
  });
  const k = await newKey(undefined, { Policy });
  const kms = kmsClient(s);
  const grantee = `arn:aws:iam::${s.accountId}:root`;
  // Named: the member's role as retiring principal. Delegated: the member account as retiring
  // principal, its role session allowed kms:RetireGrant by its IAM policy (AdministratorAccess).
  const named = await kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: grantee, RetiringPrincipal: `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`, Operations: ["Encrypt"] }));
  const delegated = await kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: grantee, RetiringPrincipal: `arn:aws:iam::${member}:root`, Operations: ["Encrypt"] }));

  const orgs = new OrganizationsClient(s.clientConfig());
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  if (!root.PolicyTypes?.some((t) => t.Type === "SERVICE_CONTROL_POLICY" && t.Status === "ENABLED")) {
    await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id!, PolicyType: "SERVICE_CONTROL_POLICY" }));
  }
  const scp = await attachScp(orgs, member, "DenyRetireGrant", [{ Effect: "Deny", Action: "kms:RetireGrant", Resource: "*" }], "No RetireGrant");
  const scpDenied = { name: "AccessDeniedException", message: /kms:RetireGrant on resource: .* with an explicit deny in a service control policy$/ };
  await rejectsWith(memberKms.send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: named.GrantId })), scpDenied);
  await rejectsWith(memberKms.send(new RetireGrantCommand({ GrantToken: delegated.GrantToken })), scpDenied);
  await orgs.send(new DetachPolicyCommand({ PolicyId: scp, TargetId: member }));
  await memberKms.send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: named.GrantId }));
  await memberKms.send(new RetireGrantCommand({ GrantToken: delegated.GrantToken }));
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants, []);
});
