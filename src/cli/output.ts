import { writeSync } from "node:fs";
import type { BootstrapResult } from "../app.js";

export const CLI_VERSION = "0.1.0";

/**
 * The first start's banner. A secret the operator supplied (the admin's secret access key from
 * BULWARK_ADMIN_SECRET_ACCESS_KEY, a root key from the environment or a file) is never echoed:
 * the operator has it already, and stderr often ends up in a log collector.
 */
export function bootstrapText(b: BootstrapResult, url?: string): string {
  const lines = [
    "",
    "=== Bulwark initialised: these secrets are shown once and never again ===",
    ...(b.generatedRootKey
      ? [
          "Root key (keep it safe; every later start needs it):",
          `  export BULWARK_ROOT_KEY=${b.generatedRootKey}`,
        ]
      : []),
    `Management account: ${b.accountId}`,
    `Admin user:         ${b.userName}`,
    `  aws_access_key_id     = ${b.accessKeyId}`,
    b.secretAccessKeySupplied
      ? "  aws_secret_access_key = (the one given in BULWARK_ADMIN_SECRET_ACCESS_KEY)"
      : `  aws_secret_access_key = ${b.secretAccessKey}`,
    ...(url ? [`Endpoint: ${url}`] : []),
    "Audit digest key fingerprint (SHA-256; not secret: note it to pin it, `bulwark audit verify --fingerprint <it>`):",
    `  ${b.auditKeyFingerprint}`,
    "==========================================================================",
    "",
  ];
  return lines.join("\n") + "\n";
}

export function printBootstrap(b: BootstrapResult, url?: string): void {
  // Written at once, not queued: the secrets are shown here only, so the caller must know
  // whether they reached the operator (a full disk, a closed pipe) before keeping them.
  writeNow(2, bootstrapText(b, url));
}

/** Writes `text` to a stdio descriptor synchronously; throws if it cannot be written. */
export function writeNow(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  let waits = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      // A non-blocking pipe whose reader is slow: wait for it, a while.
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || ++waits > 1000) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** What a failed write of the command's output says: the reason, not a stack trace. */
export function outputError(e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EPIPE") return new Error("the output was closed before all of it was written (EPIPE)");
  return new Error(`cannot write the output: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * stdout that cannot be written (its reader gone, a full disk) emits an 'error' event, which
 * would end the process with a stack trace: end the command with one line instead.
 */
export function guardStdout(): void {
  process.stdout.on("error", (e) => fail(outputError(e)));
}

export function fail(e: unknown): never {
  // Configuration and start-up errors are the operator's to fix: show them plainly.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bulwark: ${msg}\n`);
  process.exit(1);
}

