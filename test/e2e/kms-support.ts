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
  return new KMSClient(onServerClock(s, creds, region));
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

/** A client config whose SigV4 dates follow the server's clock, wherever a test has moved it. */
export function onServerClock(s: TestServer, creds?: Creds, region?: string): ReturnType<TestServer["clientConfig"]> & { systemClockOffset: number } {
  return { ...s.clientConfig(creds, region), systemClockOffset: s.clock.offsetMs };
}

/** Creates the organization (once) and a member account; returns its id and admin credentials. */
export async function memberAccount(s: TestServer, name: string): Promise<{ accountId: string; admin: Creds }> {
  const orgs = new OrganizationsClient(onServerClock(s));
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" })).catch((e: { name?: string }) => {
    if (e.name !== "AlreadyInOrganizationException") throw e;
  });
  const req = await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }));
  const done = await eventually(async () => {
    const st = await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.CreateAccountStatus!.Id! }));
    return st.CreateAccountStatus?.State === "SUCCEEDED" ? st.CreateAccountStatus : undefined;
  });
  const accountId = done.AccountId!;
  return { accountId, admin: await memberRole(s, accountId) };
}

/** Credentials of the account's OrganizationAccountAccessRole, assumed by the management account now. */
export async function memberRole(s: TestServer, accountId: string): Promise<Creds> {
  const role = await new STSClient(onServerClock(s)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: "kms-e2e" }),
  );
  const c = role.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** Organizations' wait before an account created in the organization may leave it (WAIT_PERIOD_ACTIVE): four days. */
export const CREATED_ACCOUNT_WAIT_MS = 4 * 24 * 3600 * 1000;

/**
 * Moves the server's clock a minute past the wait before an account created in the organization
 * may leave it, and the clocks of the given clients with it. Role sessions taken before have
 * expired by then: take new ones (memberRole).
 */
export function pastCreatedAccountWait(s: TestServer, ...clients: Array<{ config: { systemClockOffset: number } }>): void {
  s.clock.offsetMs += CREATED_ACCOUNT_WAIT_MS + 60_000;
  for (const c of clients) c.config.systemClockOffset = s.clock.offsetMs;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString("utf8");
