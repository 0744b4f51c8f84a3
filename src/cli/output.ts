import type { BootstrapResult } from "../app.js";

export const CLI_VERSION = "0.1.0";

export function printBootstrap(b: BootstrapResult, url?: string): void {
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
    `  aws_secret_access_key = ${b.secretAccessKey}`,
    ...(url ? [`Endpoint: ${url}`] : []),
    "==========================================================================",
    "",
  ];
  process.stderr.write(lines.join("\n") + "\n");
}

export function fail(e: unknown): never {
  // Configuration and start-up errors are the operator's to fix: show them plainly.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bulwark: ${msg}\n`);
  process.exit(1);
}

