/**
 * Shared helpers for the KMS end-to-end tests: clients, an exact AWS error assertion, IAM users
 * with inline policies, and an Organizations member account reached through
 * OrganizationAccountAccessRole (for cross-account cases).
 */
import assert from "node:assert/strict";
import { KMSClient } from "@aws-sdk/client-kms";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, CreateOrganizationCommand, CreateAccountCommand, DescribeCreateAccountStatusCommand } from "@aws-sdk/client-organizations";
import { eventually, newUser, type TestServer, type Creds } from "./harness.js";

export { newUser };

export const REGION = "us-east-1";

export function kmsClient(s: TestServer, creds?: Creds, region = REGION): KMSClient {
  return new KMSClient(s.clientConfig(creds, region));
}

export interface ExpectedError {
  /** Exception name as the SDK reports it (the AWS error code). */
  name: string;
  /** HTTP status; every modelled KMS client error is 400 unless said otherwise. */
  status?: number;
  /** Exact message, or a pattern, where AWS documents / always returns it. */
  message?: string | RegExp;
}

/** Asserts that `p` rejects with exactly this AWS error (name, HTTP status, message). */
export async function rejectsWith(p: Promise<unknown>, want: ExpectedError | string): Promise<void> {
  const w = typeof want === "string" ? { name: want } : want;
  await assert.rejects(p, (e: unknown) => {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, w.name, `expected ${w.name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, w.status ?? 400, `HTTP status of ${w.name}`);
    if (typeof w.message === "string") assert.equal(err.message, w.message);
    else if (w.message) assert.match(err.message ?? "", w.message);
    return true;
  });
}

export const allow = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action, Resource, ...extra }],
});

/** Creates the organization (once) and a member account; returns its id and admin credentials. */
export async function memberAccount(s: TestServer, name: string): Promise<{ accountId: string; admin: Creds }> {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" })).catch((e: { name?: string }) => {
    if (e.name !== "AlreadyInOrganizationException") throw e;
  });
  const req = await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }));
  const done = await eventually(async () => {
    const st = await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.CreateAccountStatus!.Id! }));
    return st.CreateAccountStatus?.State === "SUCCEEDED" ? st.CreateAccountStatus : undefined;
  });
  const accountId = done.AccountId!;
  const role = await new STSClient(s.clientConfig()).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: "kms-e2e" }),
  );
  const c = role.Credentials!;
  return { accountId, admin: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } };
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString("utf8");
