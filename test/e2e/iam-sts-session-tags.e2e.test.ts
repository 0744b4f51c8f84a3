/**
 * STS sessions' principal tags and session rules through the real server, as the IAM User Guide
 * documents them: a GetFederationToken session carries the IAM user's tags (id_session-tags).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { STSClient, GetFederationTokenCommand, type Credentials } from "@aws-sdk/client-sts";
import { KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const credsOf = (c: Credentials | undefined): Creds => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

async function taggedUser(name: string, policy: object, tags: Array<{ Key: string; Value: string }>): Promise<Creds> {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: name, Tags: tags }));
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
