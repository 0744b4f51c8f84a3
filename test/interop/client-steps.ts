/**
 * Runs a client program of another AWS SDK or signer against a test server and reads its steps:
 * the program prints one JSON object per line, `{"step": name, …outcome}` (botocore-client.py,
 * go-client/main.go, signers/*).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { TestServer } from "../e2e/harness.js";

export type Steps = (name: string) => Record<string, any>;

/** `dir`: a scratch directory (the CA file, the client's HOME). */
export async function runClientSteps(s: TestServer, dir: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Steps> {
  const ca = path.join(dir, "ca.pem");
  writeFileSync(ca, s.app.caCertPem);
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      BULWARK_ENDPOINT: s.url,
      BULWARK_CA_BUNDLE: ca,
      BULWARK_ACCESS_KEY_ID: s.admin.accessKeyId,
      BULWARK_SECRET_ACCESS_KEY: s.admin.secretAccessKey,
      // No profile or config file of the machine's may change what the SDK sends.
      AWS_CONFIG_FILE: path.join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
      ...env,
    },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, `${command} failed:\n${err}`);
  const steps = new Map<string, Record<string, any>>();
  for (const line of out.split("\n").filter((l) => l.trim() !== "")) {
    const { step, ...data } = JSON.parse(line) as { step: string };
    steps.set(step, data);
  }
  return (name) => {
    const v = steps.get(name);
    assert.ok(v, `step ${name} missing from ${command}'s output`);
    return v;
  };
}

/** Where Debian installs Go library sources (GOPATH layout). */
export const GOPATH = process.env.BULWARK_TEST_GOPATH ?? "/usr/share/gocode";

/**
 * Builds the Go program `source` (a directory or a .go file) into `binary` offline, against the
 * library sources in GOPATH only (no module download); `dir`: a scratch directory (HOME, build cache).
 */
export function goBuild(source: string, binary: string, dir: string): void {
  const [cwd, target] = source.endsWith(".go") ? [path.dirname(source), path.basename(source)] : [source, "."];
  const build = spawnSync("go", ["build", "-o", binary, target], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GO111MODULE: "off", GOPATH, GOCACHE: path.join(dir, "go-cache"), GOFLAGS: "", CGO_ENABLED: "0" },
  });
  assert.equal(build.status, 0, `go build failed:\n${build.stderr}`);
}
