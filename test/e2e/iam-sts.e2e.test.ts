/**
 * IAM and STS through the real server: users and keys, policy allow/deny, boundaries,
 * aws:SecureTransport, GetSessionToken expiry, and cross-account AssumeRole through an
 * account created by Organizations (trust policy, ExternalId, both sides needed).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand, ListUsersCommand, CreateRoleCommand, UpdateAccessKeyCommand, PutUserPermissionsBoundaryCommand, CreatePolicyCommand, AttachUserPolicyCommand, GetUserCommand,
  PutRolePolicyCommand, DeleteUserPolicyCommand, DeleteAccessKeyCommand, DeleteUserCommand, DeleteRolePolicyCommand, DeleteRoleCommand, GetRoleCommand, UpdateAssumeRolePolicyCommand, ListRolesCommand, UpdateUserCommand, GetAccountAuthorizationDetailsCommand } from "@aws-sdk/client-iam";
import {
  STSClient,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  GetFederationTokenCommand,
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  AssumeRoleWithSAMLCommand,
  GetAccessKeyInfoCommand,
  DecodeAuthorizationMessageCommand,
  AssumeRootCommand,
} from "@aws-sdk/client-sts";
import { KMSClient, ListKeysCommand, CreateKeyCommand, DescribeKeyCommand } from "@aws-sdk/client-kms";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient, CreateOrganizationCommand, CreateAccountCommand, DescribeAccountCommand, DescribeCreateAccountStatusCommand, ListAccountsCommand, type DescribeAccountCommandInput } from "@aws-sdk/client-organizations";
import { startTestServer, eventually, newUser as createUser, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
let plain: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
  if (plain) await plain.destroy();
});

const newUser = (name: string, policy?: object): Promise<Creds & { arn: string }> => createUser(s, name, policy);

const allow = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource, ...extra }] });

test("RoleLastUsed: empty until the role's session credentials are used, then the time and Region of that use", async () => {
  const iam = new IAMClient(s.clientConfig());
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  await iam.send(new CreateRoleCommand({ RoleName: "last-used", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: "last-used" }))).Role?.RoleLastUsed, {});
  // Assuming the role is the caller's use, not the role's.
  const before = Date.now();
  const out = await new STSClient(s.clientConfig()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/last-used`, RoleSessionName: "lu" }));
  assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: "last-used" }))).Role?.RoleLastUsed, {});
  const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
  await new STSClient(s.clientConfig(session, "eu-west-1")).send(new GetCallerIdentityCommand({}));
  const used = await eventually(async () => (await iam.send(new GetRoleCommand({ RoleName: "last-used" }))).Role?.RoleLastUsed?.LastUsedDate && (await iam.send(new GetRoleCommand({ RoleName: "last-used" }))).Role?.RoleLastUsed);
  assert.equal(used.Region, "eu-west-1");
  assert.ok(used.LastUsedDate!.getTime() >= before - 1000 && used.LastUsedDate!.getTime() <= Date.now() + 1000);
  const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));
  assert.equal(details.RoleDetailList?.find((r) => r.RoleName === "last-used")?.RoleLastUsed?.Region, "eu-west-1");
});

test("a user with no policy is denied; an identity policy allows; an explicit deny wins", async () => {
  const bare = await newUser("bare");
  await assert.rejects(new IAMClient(s.clientConfig(bare)).send(new ListUsersCommand({})), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, `User: arn:aws:iam::${s.accountId}:user/bare is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${s.accountId}:user/ because no identity-based policy allows the iam:ListUsers action`);
    return true;
  });
  const reader = await newUser("reader", allow("iam:List*"));
  const users = await new IAMClient(s.clientConfig(reader)).send(new ListUsersCommand({}));
  assert.deepEqual(users.Users?.map((u) => u.UserName).sort(), ["admin", "bare", "reader"]);
  await new IAMClient(s.clientConfig()).send(new PutUserPolicyCommand({ UserName: "reader", PolicyName: "deny", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "iam:ListUsers", Resource: "*" }] }) }));
  await assert.rejects(new IAMClient(s.clientConfig(reader)).send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied" && /with an explicit deny in an identity-based policy$/.test(e.message));
  // GetCallerIdentity needs no permission.
  assert.equal((await new STSClient(s.clientConfig(bare)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${s.accountId}:user/bare`);
});

test("conditions and policy variables are enforced: a user may only read itself", async () => {
  const self = await newUser("selfish", allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"));
  const iam = new IAMClient(s.clientConfig(self));
  assert.equal((await iam.send(new GetUserCommand({ UserName: "selfish" }))).User?.UserName, "selfish");
  await assert.rejects(iam.send(new GetUserCommand({ UserName: "admin" })), (e: any) => e.name === "AccessDenied");
});

test("a permissions boundary limits what an identity policy allows", async () => {
  const admin = new IAMClient(s.clientConfig());
  const creds = await newUser("bounded", allow("iam:*"));
  const b = await admin.send(new CreatePolicyCommand({ PolicyName: "only-list", PolicyDocument: JSON.stringify(allow("iam:ListUsers")) }));
  await admin.send(new PutUserPermissionsBoundaryCommand({ UserName: "bounded", PermissionsBoundary: b.Policy!.Arn! }));
  const iam = new IAMClient(s.clientConfig(creds));
  await iam.send(new ListUsersCommand({}));
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: "sneaky" })), (e: any) => e.name === "AccessDenied" && /permissions boundary/.test(e.message));
});

test("a deactivated access key stops working at once", async () => {
  const creds = await newUser("temp", allow("iam:ListUsers"));
  await new IAMClient(s.clientConfig()).send(new UpdateAccessKeyCommand({ UserName: "temp", AccessKeyId: creds.accessKeyId, Status: "Inactive" }));
  await assert.rejects(new STSClient(s.clientConfig(creds)).send(new GetCallerIdentityCommand({})), (e: any) => e.name === "InvalidClientTokenId");
});

test("aws:SecureTransport: a policy requiring TLS allows over HTTPS and denies over plain HTTP", async () => {
  plain = await startTestServer({ plainHttp: true });
  const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListUsers", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }] };
  for (const srv of [s, plain]) {
    const iam = new IAMClient(srv.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "tls-only" }));
    await iam.send(new PutUserPolicyCommand({ UserName: "tls-only", PolicyName: "tls", PolicyDocument: JSON.stringify(policy) }));
  }
  const k1 = await new IAMClient(s.clientConfig()).send(new CreateAccessKeyCommand({ UserName: "tls-only" }));
  const k2 = await new IAMClient(plain.clientConfig()).send(new CreateAccessKeyCommand({ UserName: "tls-only" }));
  assert.match(plain.url, /^http:/);
  await new IAMClient(s.clientConfig({ accessKeyId: k1.AccessKey!.AccessKeyId!, secretAccessKey: k1.AccessKey!.SecretAccessKey! })).send(new ListUsersCommand({}));
  await assert.rejects(
    new IAMClient(plain.clientConfig({ accessKeyId: k2.AccessKey!.AccessKeyId!, secretAccessKey: k2.AccessKey!.SecretAccessKey! })).send(new ListUsersCommand({})),
    (e: any) => e.name === "AccessDenied",
  );
});

test("GetSessionToken credentials work, carry the user's identity, and expire", async () => {
  const creds = await newUser("sessioner", allow("iam:ListUsers"));
  const t = await new STSClient(s.clientConfig(creds)).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const c = t.Credentials!;
  assert.match(c.AccessKeyId!, /^ASIA/);
  const temp = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  assert.equal((await new STSClient(s.clientConfig(temp)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${s.accountId}:user/sessioner`);
  // Without MFA they cannot call IAM at all, whatever the user's policies allow: IAM answers as
  // for an invalid security token.
  await assert.rejects(new IAMClient(s.clientConfig(temp)).send(new ListUsersCommand({})), (e: any) => {
    assert.equal(e.name, "InvalidClientTokenId");
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, "The security token included in the request is invalid");
    return true;
  });
  await new IAMClient(s.clientConfig(creds)).send(new ListUsersCommand({}));
  // A wrong session token is not accepted.
  await assert.rejects(new STSClient(s.clientConfig({ ...temp, sessionToken: temp.sessionToken.slice(0, -4) + "AAAA" })).send(new GetCallerIdentityCommand({})), (e: any) => e.name === "InvalidClientTokenId");
  // Move the server's clock (and the client's, so the signature is in its window) past the expiry.
  s.clock.offsetMs = 901_000;
  try {
    await assert.rejects(new STSClient({ ...s.clientConfig(temp), systemClockOffset: 901_000 }).send(new GetCallerIdentityCommand({})), (e: any) => {
      assert.equal(e.name, "ExpiredToken");
      assert.equal(e.message, "The security token included in the request is expired");
      return true;
    });
  } finally {
    s.clock.offsetMs = 0;
  }
});

test("GetSessionToken credentials may call only AssumeRole and GetCallerIdentity among STS operations", async () => {
  const iam = new IAMClient(s.clientConfig());
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  const role = await iam.send(new CreateRoleCommand({ RoleName: "from-session-token", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const creds = await newUser("session-sts", allow(["sts:*"]));
  const t = await new STSClient(s.clientConfig(creds)).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const temp = { accessKeyId: t.Credentials!.AccessKeyId!, secretAccessKey: t.Credentials!.SecretAccessKey!, sessionToken: t.Credentials!.SessionToken! };
  const sts = new STSClient(s.clientConfig(temp));
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${s.accountId}:user/session-sts`);
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "from-session" }));
  assert.match(assumed.Credentials!.AccessKeyId!, /^ASIA/);
  // Sent one at a time: a refusal that arrived while an earlier one was awaited would be unhandled.
  const refused: Array<[string, () => Promise<unknown>]> = [
    ["GetSessionToken", () => sts.send(new GetSessionTokenCommand({}))],
    ["GetFederationToken", () => sts.send(new GetFederationTokenCommand({ Name: "fed" }))],
    ["GetAccessKeyInfo", () => sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: creds.accessKeyId }))],
    ["DecodeAuthorizationMessage", () => sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: "x".repeat(10) }))],
    ["AssumeRoot", () => sts.send(new AssumeRootCommand({ TargetPrincipal: s.accountId, TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials" } }))],
  ];
  // (AssumeRoleWithWebIdentity and AssumeRoleWithSAML are sent unsigned: no credentials are involved.)
  for (const [op, call] of refused) {
    await assert.rejects(call(), (e: any) => {
      assert.equal(e.name, "AccessDenied", op);
      assert.equal(e.$metadata.httpStatusCode, 403, op);
      assert.equal(e.message, `Cannot call ${op} with session credentials`);
      return true;
    });
  }
});

test("GetFederationToken: the federated user may do what the user's and the session policies both allow, never IAM or STS", async () => {
  const creds = await newUser("fedproxy", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:GetFederationToken", "kms:*", "iam:*", "sts:AssumeRole"], Resource: "*" }] });
  const sts = new STSClient(s.clientConfig(creds));
  const sessionPolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:ListKeys", "iam:ListUsers", "sts:AssumeRole"], Resource: "*" }] });
  const t = await sts.send(new GetFederationTokenCommand({ Name: "bob", Policy: sessionPolicy, DurationSeconds: 900 }));
  assert.deepEqual(t.FederatedUser, { FederatedUserId: `${s.accountId}:bob`, Arn: `arn:aws:sts::${s.accountId}:federated-user/bob` });
  assert.ok((t.PackedPolicySize ?? 0) > 0);
  const fed = { accessKeyId: t.Credentials!.AccessKeyId!, secretAccessKey: t.Credentials!.SecretAccessKey!, sessionToken: t.Credentials!.SessionToken! };
  const id = await new STSClient(s.clientConfig(fed)).send(new GetCallerIdentityCommand({}));
  assert.deepEqual([id.UserId, id.Account, id.Arn], [`${s.accountId}:bob`, s.accountId, `arn:aws:sts::${s.accountId}:federated-user/bob`]);
  const kms = new KMSClient(s.clientConfig(fed));
  await kms.send(new ListKeysCommand({}));
  // Allowed to the user, but not by the session policy.
  await assert.rejects(kms.send(new CreateKeyCommand({})), (e: any) => e.name === "AccessDeniedException");
  // IAM and STS (other than GetCallerIdentity) are closed to federated users, whatever the policies say.
  await assert.rejects(new IAMClient(s.clientConfig(fed)).send(new ListUsersCommand({})), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.equal(e.message, `User: arn:aws:sts::${s.accountId}:federated-user/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${s.accountId}:user/`);
    return true;
  });
  await assert.rejects(new STSClient(s.clientConfig(fed)).send(new GetFederationTokenCommand({ Name: "carol" })), (e: any) => e.name === "AccessDenied");
  // Without a session policy the federated user may do nothing.
  const bare = await sts.send(new GetFederationTokenCommand({ Name: "nopolicy" }));
  const none = { accessKeyId: bare.Credentials!.AccessKeyId!, secretAccessKey: bare.Credentials!.SecretAccessKey!, sessionToken: bare.Credentials!.SessionToken! };
  await assert.rejects(new KMSClient(s.clientConfig(none)).send(new ListKeysCommand({})), (e: any) => e.name === "AccessDeniedException");
  // CloudTrail names the federated user and the IAM user that issued the session.
  const trail = new CloudTrailClient(s.clientConfig());
  const ev = await eventually(async () => {
    const out = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: fed.accessKeyId }] }));
    const hit = out.Events?.find((e) => e.EventName === "ListKeys");
    return hit === undefined ? undefined : JSON.parse(hit.CloudTrailEvent!);
  });
  assert.equal(ev.userIdentity.type, "FederatedUser");
  assert.equal(ev.userIdentity.arn, `arn:aws:sts::${s.accountId}:federated-user/bob`);
  assert.equal(ev.userIdentity.principalId, `${s.accountId}:bob`);
  assert.equal(ev.userIdentity.sessionContext.sessionIssuer.type, "IAMUser");
  assert.equal(ev.userIdentity.sessionContext.sessionIssuer.arn, `arn:aws:iam::${s.accountId}:user/fedproxy`);
  assert.equal(ev.userIdentity.sessionContext.sessionIssuer.userName, "fedproxy");
});

test("GetFederationToken: a key policy naming the IAM user who federated reaches the session (a Deny applies; an Allow is limited by the session policy)", async () => {
  const issuer = (name: string) => newUser(name, allow(["sts:GetFederationToken", "kms:*"]));
  const denied = await issuer("fed-issuer-denied");
  const allowed = await issuer("fed-issuer-allowed");
  const keyPolicy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "kms:*", Resource: "*" },
      { Sid: "DenyUser", Effect: "Deny", Principal: { AWS: denied.arn }, Action: "kms:DescribeKey", Resource: "*" },
      { Sid: "AllowUser", Effect: "Allow", Principal: { AWS: allowed.arn }, Action: "kms:DescribeKey", Resource: "*" },
    ],
  };
  const key = (await new KMSClient(s.clientConfig()).send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy) }))).KeyMetadata!;
  const session = async (creds: Creds, name: string, policy: object) => {
    const t = await new STSClient(s.clientConfig(creds)).send(new GetFederationTokenCommand({ Name: name, Policy: JSON.stringify(policy) }));
    return { accessKeyId: t.Credentials!.AccessKeyId!, secretAccessKey: t.Credentials!.SecretAccessKey!, sessionToken: t.Credentials!.SessionToken! };
  };
  const describe = (creds: Creds) => new KMSClient(s.clientConfig(creds)).send(new DescribeKeyCommand({ KeyId: key.KeyId }));
  const deniedMessage = (name: string, why: string) => `User: arn:aws:sts::${s.accountId}:federated-user/${name} is not authorized to perform: kms:DescribeKey on resource: ${key.Arn} ${why}`;
  // The Deny naming the issuing user applies to its federated session, whatever the session policy allows.
  await assert.rejects(describe(await session(denied, "fed-denied", allow("kms:*"))), (e: any) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.equal(e.message, deniedMessage("fed-denied", "with an explicit deny in a resource-based policy"));
    return true;
  });
  // The Allow naming the issuing user grants the session what its session policy allows.
  assert.equal((await describe(await session(allowed, "fed-allowed", allow("kms:DescribeKey")))).KeyMetadata?.KeyId, key.KeyId);
  // ... and no more: a session policy that does not allow the action leaves it implicitly denied.
  await assert.rejects(describe(await session(allowed, "fed-limited", allow("kms:ListKeys"))), (e: any) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.equal(e.message, deniedMessage("fed-limited", "because no session policy allows the kms:DescribeKey action"));
    return true;
  });
});

test("AssumeRole with an empty ProvidedContexts list (sent as `ProvidedContexts=`) fails the list's minimum length", async () => {
  const iam = new IAMClient(s.clientConfig());
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  const role = await iam.send(new CreateRoleCommand({ RoleName: "empty-contexts", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const caller = await newUser("contexts-caller", allow("sts:AssumeRole"));
  await assert.rejects(new STSClient(s.clientConfig(caller)).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "ctx", ProvidedContexts: [] })), (e: any) => {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, "1 validation error detected: Value '[]' at 'providedContexts' failed to satisfy constraint: Member must have length greater than or equal to 1");
    return true;
  });
  // Without the member the same call succeeds.
  const ok = await new STSClient(s.clientConfig(caller)).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "ctx" }));
  assert.match(ok.Credentials!.AccessKeyId!, /^ASIA/);
});

test("cross-account AssumeRole: Organizations account, trust policy, ExternalId and both sides' permissions", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const req = await orgs.send(new CreateAccountCommand({ AccountName: "Workload", Email: "workload@example.com" }));
  assert.equal(req.CreateAccountStatus?.State, "IN_PROGRESS");
  const done = await eventually(async () => {
    const st = await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.CreateAccountStatus!.Id! }));
    return st.CreateAccountStatus?.State === "SUCCEEDED" ? st.CreateAccountStatus : undefined;
  });
  const member = done.AccountId!;
  assert.match(member, /^\d{12}$/);
  const listed = await orgs.send(new ListAccountsCommand({}));
  assert.deepEqual(listed.Accounts?.map((a) => a.Id).sort(), [s.accountId, member].sort());

  // The management account's admin assumes OrganizationAccountAccessRole in the new account.
  const role = await new STSClient(s.clientConfig()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`, RoleSessionName: "ops" }));
  const inMember = { accessKeyId: role.Credentials!.AccessKeyId!, secretAccessKey: role.Credentials!.SecretAccessKey!, sessionToken: role.Credentials!.SessionToken! };
  const me = await new STSClient(s.clientConfig(inMember)).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Account, member);
  assert.equal(me.Arn, `arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/ops`);

  // In the member account, a role that trusts the management account only with an ExternalId.
  const memberIam = new IAMClient(s.clientConfig(inMember));
  await memberIam.send(
    new CreateRoleCommand({
      RoleName: "Auditor",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "s3cr3t-id" } } }] }),
    }),
  );
  const auditorArn = `arn:aws:iam::${member}:role/Auditor`;
  const sts = new STSClient(s.clientConfig());
  await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: auditorArn, RoleSessionName: "xx" })), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.equal(e.$metadata.httpStatusCode, 403);
    // STS names neither the trust policy nor the identity-based policy that failed to allow.
    assert.equal(e.message, `User: arn:aws:iam::${s.accountId}:user/admin is not authorized to perform: sts:AssumeRole on resource: ${auditorArn}`);
    return true;
  });
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: auditorArn, RoleSessionName: "xx", ExternalId: "wrong-id" })),
    (e: any) => e.name === "AccessDenied" && e.message === `User: arn:aws:iam::${s.accountId}:user/admin is not authorized to perform: sts:AssumeRole on resource: ${auditorArn}`,
  );
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: auditorArn, RoleSessionName: "audit", ExternalId: "s3cr3t-id" }));
  assert.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${member}:assumed-role/Auditor/audit`);

  // The trust policy trusts the management account, but that account's user also needs sts:AssumeRole.
  const noAssume = await newUser("no-assume", allow("iam:ListUsers"));
  await assert.rejects(
    new STSClient(s.clientConfig(noAssume)).send(new AssumeRoleCommand({ RoleArn: auditorArn, RoleSessionName: "xx", ExternalId: "s3cr3t-id" })),
    (e: any) => e.name === "AccessDenied" && e.message === `User: ${noAssume.arn} is not authorized to perform: sts:AssumeRole on resource: ${auditorArn}`,
  );
  const canAssume = await newUser("can-assume", allow("sts:AssumeRole", auditorArn));
  const r2 = await new STSClient(s.clientConfig(canAssume)).send(new AssumeRoleCommand({ RoleArn: auditorArn, RoleSessionName: "yy", ExternalId: "s3cr3t-id" }));
  assert.equal(r2.AssumedRoleUser?.Arn, `arn:aws:sts::${member}:assumed-role/Auditor/yy`);
  // A role with no permission policies can do nothing in its account.
  const auditor = { accessKeyId: r2.Credentials!.AccessKeyId!, secretAccessKey: r2.Credentials!.SecretAccessKey!, sessionToken: r2.Credentials!.SessionToken! };
  await assert.rejects(new IAMClient(s.clientConfig(auditor)).send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied");

  // CloudTrail: a cross-account AssumeRole is logged in the caller's account and in the role's,
  // where the caller is the AWSAccount identity; the two copies share an id.
  type Ev = { eventName: string; requestParameters: { roleSessionName: string }; userIdentity: { type: string; accountId: string }; recipientAccountId: string; sharedEventID?: string; errorCode?: string };
  const assumes = async (creds?: Creds): Promise<Ev[]> =>
    ((await new CloudTrailClient(s.clientConfig(creds)).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: auditorArn }] }))).Events ?? []).map(
      (e) => JSON.parse(e.CloudTrailEvent!) as Ev,
    );
  const inRoleAccount = await assumes(inMember);
  const inCallerAccount = await assumes();
  const yy = inRoleAccount.find((e) => e.requestParameters.roleSessionName === "yy")!;
  assert.deepEqual([yy.eventName, yy.userIdentity.type, yy.userIdentity.accountId, yy.recipientAccountId], ["AssumeRole", "AWSAccount", s.accountId, member]);
  const callerYy = inCallerAccount.find((e) => e.requestParameters.roleSessionName === "yy")!;
  assert.deepEqual([callerYy.userIdentity.type, callerYy.recipientAccountId], ["IAMUser", s.accountId]);
  assert.equal(callerYy.sharedEventID, yy.sharedEventID);
  assert.ok(yy.sharedEventID);
  // Denied attempts too (the role's owner sees who tried).
  assert.equal(inRoleAccount.filter((e) => e.errorCode === "AccessDenied").length, 3);
});

test("an AWS managed policy attached to a user grants its permissions", async () => {
  const creds = await newUser("ro");
  await new IAMClient(s.clientConfig()).send(new AttachUserPolicyCommand({ UserName: "ro", PolicyArn: "arn:aws:iam::aws:policy/IAMReadOnlyAccess" }));
  const iam = new IAMClient(s.clientConfig(creds));
  await iam.send(new ListUsersCommand({}));
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: "nope" })), (e: any) => e.name === "AccessDenied");
});

test("unsigned STS federation calls reach their operation; other unsigned calls need a signature", async () => {
  // The SDK sends AssumeRoleWithWebIdentity and AssumeRoleWithSAML without SigV4, as AWS serves them.
  const sts = new STSClient(s.clientConfig());
  const jwt = ["e30", Buffer.from(JSON.stringify({ iss: "https://token.actions.githubusercontent.com", sub: "x" })).toString("base64url"), "sig"].join(".");
  const input = { RoleArn: `arn:aws:iam::${s.accountId}:role/Gh`, RoleSessionName: "gh", WebIdentityToken: jwt };
  await assert.rejects(sts.send(new AssumeRoleWithWebIdentityCommand(input)), (e: any) => {
    assert.equal(e.name, "InvalidIdentityTokenException");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com");
    return true;
  });
  await assert.rejects(sts.send(new AssumeRoleWithWebIdentityCommand({ ...input, RoleSessionName: "bad name" })), (e: any) => e.name === "ValidationError" && e.$metadata.httpStatusCode === 400);
  const saml = { RoleArn: input.RoleArn, PrincipalArn: `arn:aws:iam::${s.accountId}:saml-provider/idp`, SAMLAssertion: "PHNhbWw+PC9zYW1sPg==" };
  await assert.rejects(
    sts.send(new AssumeRoleWithSAMLCommand(saml)),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.$metadata.httpStatusCode === 400 && e.message === "The SAML response is not a well-formed, base64-encoded SAML 2.0 Response.",
  );
  // Signed operations still refuse a request without a signature.
  const u = new URL(s.url);
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request({ method: "POST", host: u.hostname, port: u.port, path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, ca: s.app.caCertPem, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end("Action=GetCallerIdentity&Version=2011-06-15");
  });
  assert.equal(res.status, 403);
  assert.match(res.body, /<Code>MissingAuthenticationToken<\/Code>/);
});

test("Organizations: a missing required member is InvalidInputException with reason INPUT_REQUIRED", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await assert.rejects(orgs.send(new DescribeAccountCommand({} as DescribeAccountCommandInput)), (e: any) => {
    assert.equal(e.name, "InvalidInputException");
    assert.equal(e.Reason, "INPUT_REQUIRED");
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});

test("a trust policy naming a user or role by ARN does not trust a new principal of the same name after the old one is deleted", async () => {
  const iam = new IAMClient(s.clientConfig());
  const assume = allow("sts:AssumeRole");
  const trustAccount = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: s.accountId }, Action: "sts:AssumeRole" }] });
  const trusts = (arn: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: arn }, Action: "sts:AssumeRole" }] });
  const userArn = `arn:aws:iam::${s.accountId}:user/trusted-user`;
  const roleArn = `arn:aws:iam::${s.accountId}:role/trusted-role`;
  // IAM refuses a trust policy naming a principal of the account that does not exist.
  await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: "target-user", AssumeRolePolicyDocument: trusts(userArn) })), (e: any) => {
    assert.equal(e.name, "MalformedPolicyDocumentException");
    assert.equal(e.message, `Invalid principal in policy: "AWS":"${userArn}"`);
    return true;
  });
  const first = await newUser("trusted-user", assume);
  await iam.send(new CreateRoleCommand({ RoleName: "target-user", AssumeRolePolicyDocument: trusts(userArn) }));
  await iam.send(new CreateRoleCommand({ RoleName: "trusted-role", AssumeRolePolicyDocument: trustAccount }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "trusted-role", PolicyName: "assume", PolicyDocument: JSON.stringify(assume) }));
  await iam.send(new CreateRoleCommand({ RoleName: "target-role", AssumeRolePolicyDocument: trusts(roleArn) }));
  const caller = await newUser("role-assumer", assume);
  const asRole = async () => {
    const c = (await new STSClient(s.clientConfig(caller)).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "hop" }))).Credentials!;
    return new STSClient(s.clientConfig({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  };
  const targetUser = `arn:aws:iam::${s.accountId}:role/target-user`;
  const targetRole = `arn:aws:iam::${s.accountId}:role/target-role`;
  await new STSClient(s.clientConfig(first)).send(new AssumeRoleCommand({ RoleArn: targetUser, RoleSessionName: "one" }));
  await (await asRole()).send(new AssumeRoleCommand({ RoleArn: targetRole, RoleSessionName: "two" }));

  // Delete both principals and create them again under the same names.
  await iam.send(new DeleteUserPolicyCommand({ UserName: "trusted-user", PolicyName: "p" }));
  await iam.send(new DeleteAccessKeyCommand({ UserName: "trusted-user", AccessKeyId: first.accessKeyId }));
  await iam.send(new DeleteUserCommand({ UserName: "trusted-user" }));
  await iam.send(new DeleteRolePolicyCommand({ RoleName: "trusted-role", PolicyName: "assume" }));
  await iam.send(new DeleteRoleCommand({ RoleName: "trusted-role" }));
  const shownUser = decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "target-user" }))).Role!.AssumeRolePolicyDocument!);
  assert.match(JSON.parse(shownUser).Statement[0].Principal.AWS, /^AIDA[A-Z0-9]+$/);
  const second = await newUser("trusted-user", assume);
  await iam.send(new CreateRoleCommand({ RoleName: "trusted-role", AssumeRolePolicyDocument: trustAccount }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "trusted-role", PolicyName: "assume", PolicyDocument: JSON.stringify(assume) }));
  const denied = (e: any) => e.name === "AccessDenied";
  await assert.rejects(new STSClient(s.clientConfig(second)).send(new AssumeRoleCommand({ RoleArn: targetUser, RoleSessionName: "one" })), denied);
  await assert.rejects((await asRole()).send(new AssumeRoleCommand({ RoleArn: targetRole, RoleSessionName: "two" })), denied);
  const shownRole = decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "target-role" }))).Role!.AssumeRolePolicyDocument!);
  assert.match(JSON.parse(shownRole).Statement[0].Principal.AWS, /^AROA[A-Z0-9]+$/);
  const listed = (await iam.send(new ListRolesCommand({}))).Roles!.find((r) => r.RoleName === "target-role")!;
  assert.equal(decodeURIComponent(listed.AssumeRolePolicyDocument!), shownRole);
  // Saving the trust policy again binds it to the principal that now has the ARN.
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "target-role", PolicyDocument: trusts(roleArn) }));
  await (await asRole()).send(new AssumeRoleCommand({ RoleArn: targetRole, RoleSessionName: "two" }));
});

test("AssumeRole decides on the role's own ARN: a RoleArn spelt in another case does not escape a deny on the role", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateRoleCommand({ RoleName: "Guarded", Path: "/ops/", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: s.accountId }, Action: "sts:AssumeRole" }] }) }));
  const guarded = `arn:aws:iam::${s.accountId}:role/ops/Guarded`;
  const caller = await newUser("case-caller", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }, { Effect: "Deny", Action: "sts:AssumeRole", Resource: guarded }] });
  const sts = new STSClient(s.clientConfig(caller));
  for (const spelt of [guarded, `arn:aws:iam::${s.accountId}:role/ops/GUARDED`, `arn:aws:iam::${s.accountId}:role/ops/guarded`]) {
    await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: spelt, RoleSessionName: "try" })), (e: any) => {
      assert.equal(e.name, "AccessDenied");
      assert.equal(e.message, `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${guarded} with an explicit deny in an identity-based policy`);
      return true;
    });
  }
});

test("a trust policy naming a user follows the user through a rename, and does not trust a new user with the old name", async () => {
  const iam = new IAMClient(s.clientConfig());
  const assume = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] };
  const before = await newUser("renamed-before", assume);
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: before.arn }, Action: "sts:AssumeRole" }] });
  await iam.send(new CreateRoleCommand({ RoleName: "follows-user", AssumeRolePolicyDocument: trust }));
  const target = `arn:aws:iam::${s.accountId}:role/follows-user`;
  await iam.send(new UpdateUserCommand({ UserName: "renamed-before", NewUserName: "renamed-after", NewPath: "/moved/" }));
  const after = `arn:aws:iam::${s.accountId}:user/moved/renamed-after`;
  const shown = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "follows-user" }))).Role!.AssumeRolePolicyDocument!));
  assert.equal(shown.Statement[0].Principal.AWS, after);
  const me = await new STSClient(s.clientConfig(before)).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: "still-me" }));
  assert.ok(me.Credentials?.AccessKeyId);
  const impostor = await newUser("renamed-before", assume);
  await assert.rejects(new STSClient(s.clientConfig(impostor)).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: "not-me" })), (e: any) => e.name === "AccessDenied");
});
