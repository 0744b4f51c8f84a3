/**
 * Starts the real server (HTTPS by default) in this process on a free port with a fresh
 * data directory, and builds official AWS SDK v3 clients pointed at it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import https from "node:https";
import http from "node:http";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { pino, type Logger } from "pino";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { AttachPolicyCommand, CreatePolicyCommand, type OrganizationsClient } from "@aws-sdk/client-organizations";
import { loadConfig } from "../../src/config/config.js";
import { startApp, type App } from "../../src/app.js";
import { OffsetClock } from "../../src/core/clock.js";

export const ADMIN_KEY_ID = "AKIAE2EADMIN00000001";
export const ADMIN_SECRET = "e2eAdminSecretKey/0123456789abcdefghijklmn";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  rootKey: string;
  clock: OffsetClock;
  accountId: string;
  admin: Creds;
  /** Config for any @aws-sdk/client-* constructor. */
  clientConfig(creds?: Creds, region?: string): {
    endpoint: string;
    region: string;
    credentials: Creds;
    requestHandler: NodeHttpHandler;
    maxAttempts: number;
  };
  stop(): Promise<void>;
  /** Stops and removes the data directory. */
  destroy(): Promise<void>;
}

export async function startTestServer(opts: { plainHttp?: boolean; dataDir?: string; rootKey?: string; env?: Record<string, string>; logger?: Logger } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "bulwark-e2e-"));
  const rootKey = opts.rootKey ?? randomBytes(32).toString("base64");
  const cfg = loadConfig(
    { dataDir, listen: "127.0.0.1:0", ...(opts.plainHttp ? { plainHttp: true } : {}) },
    {
      BULWARK_ROOT_KEY: rootKey,
      BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID,
      BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET,
      BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS: "3600",
      BULWARK_SHUTDOWN_GRACE_SECONDS: "5",
      ...opts.env,
    },
  );
  const clock = new OffsetClock();
  const app = await startApp(cfg, { clock, logger: opts.logger ?? pino({ level: "silent" }) });
  const agent = opts.plainHttp ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true, ca: app.caCertPem });
  const admin = { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET };
  const server: TestServer = {
    app,
    url: app.url.replace("127.0.0.1", "localhost"),
    dataDir,
    rootKey,
    clock,
    accountId: app.core.managementAccountId,
    admin,
    clientConfig(creds = admin, region = "us-east-1") {
      return {
        endpoint: server.url,
        region,
        credentials: creds,
        requestHandler: new NodeHttpHandler(opts.plainHttp ? { httpAgent: agent as http.Agent } : { httpsAgent: agent as https.Agent }),
        maxAttempts: 1,
      };
    },
    async stop() {
      agent.destroy();
      await app.close();
    },
    async destroy() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Polls `fn` until it returns a truthy value or `ms` passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 5000, step = 25): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, step));
  }
}

export { freePort } from "../../src/core/testing/net.js";

/** Creates an IAM user (in the account `admin` belongs to) with an optional inline policy and an access key. */
export async function newUser(s: TestServer, name: string, policy?: object, admin?: Creds): Promise<Creds & { arn: string }> {
  const iam = new IAMClient(s.clientConfig(admin));
  const u = await iam.send(new CreateUserCommand({ UserName: name }));
  if (policy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: JSON.stringify(policy) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey!, arn: u.User!.Arn! };
}

/** An assert.rejects validator: the SDK exception's name, HTTP status and message (exact, or matching). */
export function awsError(name: string, status: number, message: string | RegExp) {
  return (e: any) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

/**
 * Creates a service control policy of the statements (SCPs must be enabled in the root) and
 * attaches it to `targetId` (an account, OU or root); the policy's id.
 */
export async function attachScp(orgs: OrganizationsClient, targetId: string, name: string, statements: object[], description = ""): Promise<string> {
  const created = await orgs.send(
    new CreatePolicyCommand({ Name: name, Description: description, Type: "SERVICE_CONTROL_POLICY", Content: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }),
  );
  const id = created.Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: id, TargetId: targetId }));
  return id;
}
