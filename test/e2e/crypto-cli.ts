/**
 * `bulwark encrypt` / `bulwark decrypt` as a child process against a test server, with the
 * environment a user of the CLI has (credentials, Region, endpoint, CA bundle), and the AWS
 * Encryption SDK library in this process configured for the same server: shared by the CLI's
 * e2e tests.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { buildClient, CommitmentPolicy, getClient } from "@aws-crypto/client-node";
import { KMS } from "@aws-sdk/client-kms";
import { ADMIN_KEY_ID, ADMIN_SECRET, type TestServer } from "./harness.js";

export const CLI = path.resolve("dist/src/cli/main.js");
const MiB = 1024 * 1024;

export interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** The CLI's environment for server `s`, HOME at `home`, plus `extra` (a value of "" removes the variable). */
export function cliEnv(s: TestServer, home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_ACCESS_KEY_ID: ADMIN_KEY_ID,
    AWS_SECRET_ACCESS_KEY: ADMIN_SECRET,
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: s.url,
    AWS_CA_BUNDLE: path.join(s.dataDir, "ca.pem"),
    // The SDK's documented switch for its "Node.js 20 support ends" notice, so stderr holds only the CLI's own output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
}

/** Runs the CLI to its end; `stdin` is written in 1 MiB chunks (none: stdin is closed at once). */
export function runCli(s: TestServer, home: string, args: string[], stdin?: Buffer | string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(s, home, env), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on("error", () => undefined);
    const input = typeof stdin === "string" ? Buffer.from(stdin) : stdin;
    if (input === undefined || input.length === 0) {
      child.stdin.end();
      return;
    }
    (async () => {
      for (let i = 0; i < input.length; i += MiB) {
        if (!child.stdin.write(input.subarray(i, i + MiB))) await new Promise((r) => child.stdin.once("drain", r));
      }
      child.stdin.end();
    })().catch(reject);
  });
}

/** The AWS Encryption SDK (require-encrypt-require-decrypt) with KMS clients for server `s`. */
export function esdkLibrary(s: TestServer) {
  const { region: _r, ...config } = s.clientConfig();
  return { clientProvider: getClient(KMS, config), ...buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT) };
}
