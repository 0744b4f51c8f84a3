/**
 * sts:GetScopedCredentials through the real server: scoped credentials keep the session's
 * identity, are limited by the scope-down policy (and every earlier one in the chain), cannot
 * outlive the calling session, and long-term credentials cannot call it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand, GetScopedCredentialsCommand, GetSessionTokenCommand, type Credentials } from "@aws-sdk/client-sts";
import { KMSClient, CreateKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { startTestServer, newUser, awsError, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const allow = (Action: string | string[]) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource: "*" }] });
const credsOf = (c: Credentials | undefined): Creds => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

async function agentSession(): Promise<{ creds: Creds; expiration: Date }> {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(
    new CreateRoleCommand({
      RoleName: "Agent",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] }),
    }),
  );
  await iam.send(new PutRolePolicyCommand({ RoleName: "Agent", PolicyName: "work", PolicyDocument: JSON.stringify(allow(["iam:ListRoles", "kms:CreateKey", "sts:GetScopedCredentials"])) }));
  const r = await new STSClient(s.clientConfig()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/Agent`, RoleSessionName: "task-1", DurationSeconds: 1800 }));
  return { creds: credsOf(r.Credentials), expiration: r.Credentials!.Expiration! };
}

test("scoped credentials keep the session identity and only what the scope-down policy allows", async () => {
  const { creds, expiration } = await agentSession();
  const arn = `arn:aws:sts::${s.accountId}:assumed-role/Agent/task-1`;
  // The role session itself may do both.
  await new KMSClient(s.clientConfig(creds)).send(new CreateKeyCommand({}));

  const out = await new STSClient(s.clientConfig(creds)).send(new GetScopedCredentialsCommand({ Policy: JSON.stringify(allow(["iam:ListRoles", "sts:GetScopedCredentials"])), ScopedSessionDescription: "list only" }));
  assert.equal(out.SessionInfo?.Arn, arn);
  assert.match(out.SessionInfo?.ScopedSessionId ?? "", /^AROA[A-Z0-9]+:task-1$/);
  assert.equal(out.ScopedPoliciesCount, 1);
  assert.equal(out.SessionTokenSize, out.Credentials?.SessionToken?.length);
  assert.ok(out.SessionTokenUtilization! > 0 && out.SessionTokenUtilization! <= 100);
  assert.equal(out.Credentials?.Expiration?.getTime(), expiration.getTime(), "inherits the calling session's expiry");
  const scoped = credsOf(out.Credentials);

  const me = await new STSClient(s.clientConfig(scoped)).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, arn);
  const roles = await new IAMClient(s.clientConfig(scoped)).send(new ListRolesCommand({}));
  assert.ok(roles.Roles?.some((r) => r.RoleName === "Agent"));
  await assert.rejects(
    new KMSClient(s.clientConfig(scoped)).send(new CreateKeyCommand({})),
    awsError("AccessDeniedException", 400, `User: ${arn} is not authorized to perform: kms:CreateKey on resource: * because no session policy allows the kms:CreateKey action`),
  );

  // A second scope-down from the scoped credentials cannot widen: kms:CreateKey stays denied.
  const wider = await new STSClient(s.clientConfig(scoped)).send(new GetScopedCredentialsCommand({ Policy: JSON.stringify(allow("*")), DurationSeconds: 60 }));
  assert.equal(wider.ScopedPoliciesCount, 2);
  assert.ok(wider.Credentials!.Expiration!.getTime() <= Date.now() + 61_000);
  const second = credsOf(wider.Credentials);
  await new IAMClient(s.clientConfig(second)).send(new ListRolesCommand({}));
  await assert.rejects(new KMSClient(s.clientConfig(second)).send(new CreateKeyCommand({})), (e: any) => e.name === "AccessDeniedException");
  assert.equal((await new STSClient(s.clientConfig(second)).send(new GetCallerIdentityCommand({}))).Arn, arn);

  // The scoped credentials cannot outlive the calling session.
  await assert.rejects(
    new STSClient(s.clientConfig(scoped)).send(new GetScopedCredentialsCommand({ DurationSeconds: 129600 })),
    awsError("InsufficientSessionLifetimeException", 400, /^The requested DurationSeconds \(129600\) is greater than the remaining lifetime of the calling session/),
  );
});

test("IAM user long-term credentials are refused; their GetSessionToken session may scope down", async () => {
  const user = await newUser(s, "dev", allow(["iam:ListRoles", "kms:ListKeys", "sts:GetScopedCredentials"]));
  const sts = new STSClient(s.clientConfig(user));
  await assert.rejects(sts.send(new GetScopedCredentialsCommand({ DurationSeconds: 60 })), awsError("AccessDenied", 403, "Cannot call GetScopedCredentials with long-term credentials"));
  await assert.rejects(new STSClient(s.clientConfig()).send(new GetScopedCredentialsCommand({ DurationSeconds: 60 })), awsError("AccessDenied", 403, "Cannot call GetScopedCredentials with long-term credentials"));

  const session = credsOf((await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials);
  const out = await new STSClient(s.clientConfig(session)).send(new GetScopedCredentialsCommand({ Policy: JSON.stringify(allow(["iam:ListRoles", "kms:ListKeys"])) }));
  assert.equal(out.SessionInfo?.Arn, user.arn);
  await new KMSClient(s.clientConfig(credsOf(out.Credentials))).send(new ListKeysCommand({}));
  // Still a session without MFA: closed to IAM like the session it scopes down.
  await assert.rejects(new IAMClient(s.clientConfig(credsOf(out.Credentials))).send(new ListRolesCommand({})), awsError("InvalidClientTokenId", 403, "The security token included in the request is invalid"));
  // Neither the request without Policy nor DurationSeconds nor a malformed policy is accepted.
  await assert.rejects(new STSClient(s.clientConfig(session)).send(new GetScopedCredentialsCommand({})), awsError("ValidationError", 400, "A request must provide at least one of Policy or DurationSeconds."));
  await assert.rejects(new STSClient(s.clientConfig(session)).send(new GetScopedCredentialsCommand({ Policy: "{" })), awsError("MalformedPolicyDocumentException", 400, "The policy is not in the valid JSON format."));
});
