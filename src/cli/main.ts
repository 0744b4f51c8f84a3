#!/usr/bin/env node
/**
 * bulwark serve | init | ca export | audit verify | accounts … | organizations … | encrypt | decrypt
 */
import { Command } from "commander";
import { applyGcTuning } from "../core/gc-tuning.js";
import { loadConfig, type ConfigFlags } from "../config/config.js";
import { registerOperatorCommands } from "./operator.js";
import { registerCryptoCommands } from "./crypto.js";
import { CLI_VERSION, printBootstrap, fail, guardStdout } from "./output.js";

function common(cmd: Command): Command {
  return cmd
    .option("--config <file>", "JSON config file (BULWARK_CONFIG)")
    .option("--data-dir <dir>", "data directory (BULWARK_DATA_DIR, default ./.data)")
    .option("--root-key-file <file>", "file holding the 32-byte root key, raw or as hex/base64 text, readable by its owner only (chmod 600) (BULWARK_ROOT_KEY_FILE)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (BULWARK_LOG_LEVEL)")
    .option("--partition <id>", "AWS partition of the installation's ARNs, fixed when the data directory is created: aws, aws-cn, aws-us-gov, aws-eusc, aws-iso… (BULWARK_PARTITION; default: the data directory's own, aws for a new one)");
}

const program = new Command();
program.name("bulwark").description("Self-hosted security plane that speaks the AWS wire APIs").version(CLI_VERSION);
// Usage errors (unknown option, missing argument) read like every other error: one `bulwark:` line.
// Subcommands inherit this, so it comes before them.
program.configureOutput({ outputError: (str, write) => write(`bulwark: ${str.replace(/^error: /, "")}`) });
// encrypt / decrypt handle their own output's errors (src/cli/crypto.ts).
program.hook("preAction", (_program, action) => {
  if (action.name() !== "encrypt" && action.name() !== "decrypt") guardStdout();
});

/**
 * Holds SIGINT / SIGTERM while a data directory is being opened: killed half-way, a first start
 * would leave a database sealed under a root key nobody was shown. The caller checks `received`
 * once it can stop cleanly, and takes the new data directory back then.
 */
function holdSignals(): { received(): NodeJS.Signals | undefined; release(): void } {
  let got: NodeJS.Signals | undefined;
  const hold = (sig: NodeJS.Signals): void => {
    got ??= sig;
  };
  process.on("SIGINT", hold);
  process.on("SIGTERM", hold);
  return {
    received: () => got,
    release: () => {
      process.off("SIGINT", hold);
      process.off("SIGTERM", hold);
    },
  };
}

function interrupted(sig: NodeJS.Signals, fresh: boolean): Error {
  return new Error(`interrupted by ${sig}${fresh ? ": the new data directory was not kept" : ""}`);
}

common(program.command("serve"))
  .description("run the API endpoint")
  .option("--listen <host:port>", "address to listen on (BULWARK_LISTEN, default 127.0.0.1:4566)")
  .option("--plain-http", "serve plain HTTP instead of HTTPS (BULWARK_PLAIN_HTTP=1)")
  .option("--tls-cert <file>", "use this PEM certificate (chain) instead of one from Bulwark's CA (BULWARK_TLS_CERT)")
  .option("--tls-key <file>", "PEM private key for --tls-cert (BULWARK_TLS_KEY)")
  .action(async (o: ConfigFlags) => {
    try {
      const cfg = loadConfig(o);
      applyGcTuning({ heapGrowthPercent: cfg.gcHeapGrowthPercent, pretenuring: cfg.gcPretenuring });
      const { startApp } = await import("../app.js");
      const held = holdSignals();
      const app = await startApp(cfg);
      if (app.core.bootstrap) {
        try {
          const sig = held.received();
          if (sig) throw interrupted(sig, true);
          printBootstrap(app.core.bootstrap, app.url);
        } catch (e) {
          // Secrets nobody saw would seal the new data directory for good: start afresh next time.
          await app.close({ discardFirstStart: true });
          if (held.received()) throw e;
          throw new Error(`cannot show the new installation's root key and credentials (${e instanceof Error ? e.message : String(e)}); the data directory was not kept`);
        }
      }
      const early = held.received();
      if (early) {
        await app.close();
        throw interrupted(early, false);
      }
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal: sig }, "shutting down");
        app.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`bulwark: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
          },
        );
      };
      // Installed before the hold is let go and before the start is announced: a signal that
      // finds no handler ends the process on the spot, with no shutdown (and during the banner,
      // with a data directory whose secrets were not all shown).
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
      held.release();
      process.stdout.write(`Bulwark listening on ${app.url}\n`);
    } catch (e) {
      fail(e);
    }
  });

common(program.command("init"))
  .description("create the data directory, root key, CA and first admin without serving")
  .action(async (o: ConfigFlags) => {
    try {
      const cfg = loadConfig(o);
      const { openCore, initCa, abandonCore } = await import("../app.js");
      const held = holdSignals();
      const core = await openCore(cfg, { lock: true });
      try {
        await initCa(core, cfg.dataDir);
        const sig = held.received();
        if (sig) throw interrupted(sig, core.opened.fresh);
        if (core.bootstrap) printBootstrap(core.bootstrap);
      } catch (e) {
        // Nothing of a first start is kept unless its secrets were shown.
        await abandonCore(core, cfg.dataDir);
        throw core.bootstrap && !held.received() ? new Error(`cannot complete the new installation (${e instanceof Error ? e.message : String(e)}); the data directory was not kept`) : e;
      }
      held.release();
      if (!core.bootstrap) process.stderr.write(`Data directory ${cfg.dataDir} is already initialised (management account ${core.managementAccountId}).\n`);
      await core.storage.close();
      core.unlock();
    } catch (e) {
      fail(e);
    }
  });

const ca = program.command("ca").description("Bulwark's local certificate authority");
common(ca.command("export"))
  .description("print the CA certificate (PEM) to trust, e.g. for AWS_CA_BUNDLE")
  .action(async (o: ConfigFlags) => {
    try {
      const cfg = loadConfig(o);
      const { StartupError, storageError } = await import("../app.js");
      const { exportCaCertificate } = await import("../gateway/tls-ca.js");
      const { openSqliteStorage } = await import("../storage/sqlite/sqlite-storage.js");
      const { existsSync } = await import("node:fs");
      const path = await import("node:path");
      const file = path.join(cfg.dataDir, "bulwark.db");
      if (!existsSync(file)) throw new StartupError(`No Bulwark data directory at ${cfg.dataDir}. Run \`bulwark serve\` or \`bulwark init\` first.`);
      let storage: ReturnType<typeof openSqliteStorage>;
      try {
        storage = openSqliteStorage({ path: file });
      } catch (e) {
        throw storageError(e, file);
      }
      const pem = await exportCaCertificate(storage);
      await storage.close();
      if (!pem) throw new StartupError("No CA has been created yet (a first start over plain HTTP or with its own --tls-cert makes none): run `bulwark init` on this data directory, its server stopped.");
      process.stdout.write(pem);
    } catch (e) {
      fail(e);
    }
  });

registerOperatorCommands(program, common);
registerCryptoCommands(program);

program.parseAsync(process.argv).catch(fail);
