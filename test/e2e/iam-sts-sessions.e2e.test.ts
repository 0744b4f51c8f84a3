/**
 * STS sessions' principal tags and session rules through the real server, as the IAM User Guide
 * documents them (id_session-tags): a GetFederationToken session carries the IAM user's tags;
 * session tags override the role's or user's tags of the same key regardless of case; transitive
 * tag keys name tags regardless of case, and an inherited transitive tag cannot be replaced; a
 * chained session that inherits transitive tags needs sts:TagSession in the trust policy; role
 * chaining with a source identity needs sts:SetSourceIdentity in the caller's permissions policy as
 * well as in the role's trust policy (id_credentials_temp_control-access_monitor); session tag keys
 * and values may not begin with aws: (id_tags); a session policy must pass IAM's policy grammar
 * checks (the API reference's Policy parameter is "An IAM policy in JSON format").
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand, CreateRoleCommand, PutRolePolicyCommand, ListUsersCommand, ListRolesCommand, CreatePolicyCommand, DeletePolicyCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, GetFederationTokenCommand, type Credentials } from "@aws-sdk/client-sts";
import { KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { awsError, startTestServer, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const credsOf = (c: Credentials | undefined): Creds => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

const trustAccount = (actions: string[] = ["sts:AssumeRole", "sts:TagSession"]) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: actions }],
});
const allowIf = (action: string, condition: object) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*", Condition: condition }] });

async function role(name: string, trust: object, policy?: object, tags?: Array<{ Key: string; Value: string }>): Promise<string> {
  const iam = new IAMClient(s.clientConfig());
  const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust), ...(tags ? { Tags: tags } : {}) }));
  if (policy) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  return r.Role!.Arn!;
}

async function taggedUser(name: string, policy: object, tags: Array<{ Key: string; Value: string }>): Promise<Creds> {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: name, ...(tags.length > 0 ? { Tags: tags } : {}) }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
}

test("GetFederationToken: the federated user's principal tags include the IAM user's tags, so a deny on them still applies", async () => {
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "*", Resource: "*" },
      { Effect: "Deny", Action: "kms:ListKeys", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/Restricted": "true" } } },
    ],
  };
  const user = await taggedUser("restricted-fed", policy, [{ Key: "Restricted", Value: "true" }]);
  const denied = (e: any) => e.name === "AccessDeniedException" && / with an explicit deny in an identity-based policy$/.test(e.message);
  await assert.rejects(new KMSClient(s.clientConfig(user)).send(new ListKeysCommand({})), denied);
  const sessionPolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] });
  const t = await new STSClient(s.clientConfig(user)).send(new GetFederationTokenCommand({ Name: "fed1", Policy: sessionPolicy }));
  await assert.rejects(new KMSClient(s.clientConfig(credsOf(t.Credentials))).send(new ListKeysCommand({})), denied);
});

test("a session tag overrides the role's tag of the same key regardless of case", async () => {
  const sts = new STSClient(s.clientConfig());
  // The role is tagged Dept=eng; the session passes dept=admin.
  const asAdmin = await role("recase-admin", trustAccount(), allowIf("iam:ListUsers", { StringEquals: { "aws:PrincipalTag/Dept": "admin" } }), [{ Key: "Dept", Value: "eng" }]);
  const a = await sts.send(new AssumeRoleCommand({ RoleArn: asAdmin, RoleSessionName: "s1", Tags: [{ Key: "dept", Value: "admin" }] }));
  await new IAMClient(s.clientConfig(credsOf(a.Credentials))).send(new ListUsersCommand({}));
  const asEng = await role("recase-eng", trustAccount(), allowIf("iam:ListUsers", { StringEquals: { "aws:PrincipalTag/Dept": "eng" } }), [{ Key: "Dept", Value: "eng" }]);
  const b = await sts.send(new AssumeRoleCommand({ RoleArn: asEng, RoleSessionName: "s2", Tags: [{ Key: "dept", Value: "admin" }] }));
  await assert.rejects(new IAMClient(s.clientConfig(credsOf(b.Credentials))).send(new ListUsersCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);
});

test("role chaining: TransitiveTagKeys name tags regardless of case; the inherited tag cannot be passed again in any case", async () => {
  const sts = new STSClient(s.clientConfig());
  // The second role's trust policy delegates to the account: the first role's policy allows the chained call (and its tags).
  const first = await role("chain-first", trustAccount(), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: "*" }] });
  const second = await role("chain-second", trustAccount(), allowIf("iam:ListUsers", { StringEquals: { "aws:PrincipalTag/Dept": "eng" } }));
  const s1 = await sts.send(new AssumeRoleCommand({ RoleArn: first, RoleSessionName: "s1", Tags: [{ Key: "Dept", Value: "eng" }], TransitiveTagKeys: ["dept"] }));
  const chained = new STSClient(s.clientConfig(credsOf(s1.Credentials)));
  const s2 = await chained.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2" }));
  await new IAMClient(s.clientConfig(credsOf(s2.Credentials))).send(new ListUsersCommand({}));
  for (const Key of ["Dept", "DEPT"]) {
    await assert.rejects(
      chained.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s3", Tags: [{ Key, Value: "admin" }] })),
      awsError("InvalidParameterValue", 400, "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."),
    );
  }
});

test("role chaining: a session that would inherit transitive tags needs sts:TagSession in the role's trust policy", async () => {
  const sts = new STSClient(s.clientConfig());
  const first = await role("tt-first", trustAccount(), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] });
  const trustFirst = (actions: string[]) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: first }, Action: actions }] });
  const noTagSession = await role("tt-no-tags", trustFirst(["sts:AssumeRole"]), allowIf("iam:ListUsers", { StringEquals: { "aws:PrincipalTag/Project": "alpha" } }));
  const withTagSession = await role("tt-tags", trustFirst(["sts:AssumeRole", "sts:TagSession"]), allowIf("iam:ListUsers", { StringEquals: { "aws:PrincipalTag/Project": "alpha" } }));
  const s1 = await sts.send(new AssumeRoleCommand({ RoleArn: first, RoleSessionName: "s1", Tags: [{ Key: "Project", Value: "alpha" }], TransitiveTagKeys: ["Project"] }));
  const chained = new STSClient(s.clientConfig(credsOf(s1.Credentials)));
  await assert.rejects(
    chained.send(new AssumeRoleCommand({ RoleArn: noTagSession, RoleSessionName: "s2" })),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message.startsWith(`User: arn:aws:sts::${s.accountId}:assumed-role/tt-first/s1 is not authorized to perform: sts:TagSession on resource: ${noTagSession}`),
  );
  const s2 = await chained.send(new AssumeRoleCommand({ RoleArn: withTagSession, RoleSessionName: "s2" }));
  await new IAMClient(s.clientConfig(credsOf(s2.Credentials))).send(new ListUsersCommand({}));
});

test("role chaining with a source identity: sts:SetSourceIdentity is needed in the caller's permissions policy, not only in the trust policy", async () => {
  const sts = new STSClient(s.clientConfig());
  const iam = new IAMClient(s.clientConfig());
  const first = await role("si-first", trustAccount(["sts:AssumeRole", "sts:SetSourceIdentity"]), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] });
  const second = await role("si-second", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: first }, Action: ["sts:AssumeRole", "sts:SetSourceIdentity"] }] });
  const inherited = new STSClient(s.clientConfig(credsOf((await sts.send(new AssumeRoleCommand({ RoleArn: first, RoleSessionName: "with-si", SourceIdentity: "alice" }))).Credentials)));
  const without = new STSClient(s.clientConfig(credsOf((await sts.send(new AssumeRoleCommand({ RoleArn: first, RoleSessionName: "without-si" }))).Credentials)));
  const denied = (session: string) => awsError("AccessDenied", 403, `User: arn:aws:sts::${s.accountId}:assumed-role/si-first/${session} is not authorized to perform: sts:SetSourceIdentity on resource: ${second}`);
  await assert.rejects(inherited.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2" })), denied("with-si"));
  await assert.rejects(without.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2", SourceIdentity: "bob" })), denied("without-si"));
  // Without a source identity the trust policy alone lets the first role in.
  await without.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2" }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "si-first", PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole", "sts:SetSourceIdentity"], Resource: second }] }) }));
  assert.equal((await inherited.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2" }))).SourceIdentity, "alice");
  assert.equal((await without.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: "s2", SourceIdentity: "bob" }))).SourceIdentity, "bob");
});

test("session tags: a key or value beginning with aws: is refused by AssumeRole and GetFederationToken", async () => {
  const roleArn = await role("reserved-tags", trustAccount());
  const sts = new STSClient(s.clientConfig());
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1", Tags: [{ Key: "aws:foo", Value: "x" }] })),
    awsError("InvalidParameterValue", 400, "Session tag key 'aws:foo' must not begin with aws:, a prefix reserved for AWS use."),
  );
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1", Tags: [{ Key: "k", Value: "aws:foo" }] })),
    awsError("InvalidParameterValue", 400, "Session tag value for key 'k' must not begin with aws:, a prefix reserved for AWS use."),
  );
  const user = await taggedUser("reserved-fed", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, []);
  await assert.rejects(
    new STSClient(s.clientConfig(user)).send(new GetFederationTokenCommand({ Name: "fed", Tags: [{ Key: "AWS:Team", Value: "x" }] })),
    awsError("InvalidParameterValue", 400, "Session tag key 'AWS:Team' must not begin with aws:, a prefix reserved for AWS use."),
  );
});

test("session policies: a document IAM's policy grammar refuses is refused by AssumeRole and GetFederationToken with MalformedPolicyDocument", async () => {
  const roleArn = await role("grammar-session", trustAccount());
  const sts = new STSClient(s.clientConfig());
  const noVendor = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ListKeys", Resource: "*" }] });
  const notArn = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:ListKeys", Resource: "keys" }] });
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1", Policy: noVendor })),
    awsError("MalformedPolicyDocumentException", 400, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
  );
  const user = await taggedUser("grammar-fed", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, []);
  await assert.rejects(
    new STSClient(s.clientConfig(user)).send(new GetFederationTokenCommand({ Name: "fed", Policy: notArn })),
    awsError("MalformedPolicyDocumentException", 400, 'Resource keys must be in ARN format or "*".'),
  );
});

// AWS documents no error for a managed session policy ARN of the role's account that names no
// policy (the API reference only says the policies "must exist in the same account as the role"),
// and no report of one was found: the call is accepted and the missing policy grants nothing, so
// the session is never broader than the policies that do exist, even when none does
// (src/iam/INVARIANTS.md).
test("session policies by ARN: a policy of the role's account that does not exist, or no longer does, grants nothing and the session gets no more than its session policies allow", async () => {
  const iam = new IAMClient(s.clientConfig());
  const listUsers = (await iam.send(new CreatePolicyCommand({ PolicyName: "session-list-users", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListUsers", Resource: "*" }] }) }))).Policy!.Arn!;
  const missing = `arn:aws:iam::${s.accountId}:policy/session-missing`;
  const roleArn = await role("session-arns", trustAccount(["sts:AssumeRole"]), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:List*", Resource: "*" }] });
  const sts = new STSClient(s.clientConfig());
  const denied = (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403;
  const only = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "missing", PolicyArns: [{ arn: missing }] }));
  assert.ok(typeof only.PackedPolicySize === "number");
  const onlyIam = new IAMClient(s.clientConfig(credsOf(only.Credentials)));
  await assert.rejects(onlyIam.send(new ListUsersCommand({})), denied);
  await assert.rejects(onlyIam.send(new ListRolesCommand({})), denied);
  const both = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "both", PolicyArns: [{ arn: listUsers }, { arn: missing }] }));
  const bothIam = new IAMClient(s.clientConfig(credsOf(both.Credentials)));
  await bothIam.send(new ListUsersCommand({}));
  await assert.rejects(bothIam.send(new ListRolesCommand({})), denied);
  // A session policy deleted after the session was issued no longer grants, and the session does
  // not fall back to the role's whole permissions.
  await iam.send(new DeletePolicyCommand({ PolicyArn: listUsers }));
  await assert.rejects(bothIam.send(new ListUsersCommand({})), denied);
  await assert.rejects(bothIam.send(new ListRolesCommand({})), denied);
  // Another account's policy cannot be one of the role's account: refused as before.
  const foreign = "arn:aws:iam::999988887777:policy/session-list-users";
  await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "foreign", PolicyArns: [{ arn: foreign }] })), (e: any) => e.name === "ValidationError" && e.$metadata.httpStatusCode === 400 && e.message === `${foreign} is invalid`);
});
