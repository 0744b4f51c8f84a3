/**
 * Operator commands that work on the data directory directly (the server may be running:
 * SQLite in WAL mode allows it). They use the same domain code as the API, and each
 * Organizations command is recorded in the audit log as the API call it performs
 * (operator-audit.ts).
 */
import type { Command } from "commander";
import path from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { loadConfig, type ConfigFlags } from "../config/config.js";
import { fail } from "./output.js";

/** The server's modules load only when a command runs, so `--help` and other commands stay fast. */
async function lib() {
  const [app, sqlite, verify, digest, auditLog, retention, operatorAudit, errors, orgOperator, org, model, orgErrors, orgSdk, orgAccounts] = await Promise.all([
    import("../app.js"),
    import("../storage/sqlite/sqlite-storage.js"),
    import("../audit/verify.js"),
    import("../audit/digest-key.js"),
    import("../audit/audit-log.js"),
    import("../audit/retention.js"),
    import("./operator-audit.js"),
    import("../core/errors.js"),
    import("../services/organizations/operator.js"),
    import("../services/organizations/organization.js"),
    import("../services/organizations/model.js"),
    import("../services/organizations/errors.js"),
    import("@aws-sdk/client-organizations"),
    import("../services/organizations/accounts.js"),
  ]);
  const { CreateAccount$, CreateOrganization$, DescribeOrganization$, ListAccounts$ } = orgSdk;
  return {
    ...app,
    ...sqlite,
    ...verify,
    ...digest,
    ...auditLog,
    pruneAudit: retention.pruneAudit,
    ...operatorAudit,
    isAwsError: errors.isAwsError,
    ...orgOperator,
    ...org,
    ...model,
    notInUse: orgErrors.notInUse,
    EMAIL_PATTERN: orgAccounts.EMAIL_PATTERN,
    ACCOUNT_NAME_PATTERN: orgAccounts.ACCOUNT_NAME_PATTERN,
    CreateAccount$,
    CreateOrganization$,
    DescribeOrganization$,
    ListAccounts$,
  };
}

type Lib = Awaited<ReturnType<typeof lib>>;
type Common = (cmd: Command) => Command;

interface OperatorSession {
  core: Awaited<ReturnType<Lib["openCore"]>>;
  audit: import("./operator-audit.js").OperatorAudit;
  lib: Lib;
}

/**
 * Opens the data directory and the audit log, runs one operator command, then seals the
 * command's events with a signed digest and closes everything.
 */
async function asOperator(o: ConfigFlags, command: string, run: (s: OperatorSession) => Promise<void>): Promise<void> {
  try {
    const l = await lib();
    const cfg = loadConfig(o);
    const core = await l.openCore(cfg, { allowCreate: false });
    try {
      const digestSigner = await l.loadOrCreateDigestSigner(core.storage, core.sealer);
      // No digest timer: the command's events are sealed by the digest close() writes.
      const log = l.createAuditLog({ store: core.storage, digestSigner, clock: core.clock, batchMaxDelayMs: 0, digestIntervalMs: 0 });
      await log.ready();
      const audit = l.createOperatorAudit({ audit: log, clock: core.clock, accountId: core.managementAccountId, region: cfg.defaultRegion, command });
      try {
        await run({ core, audit, lib: l });
      } finally {
        try {
          await log.close();
        } catch (e) {
          // The events are durable; a running server appending its own digest meanwhile makes
          // this one conflict, and the server's next digest covers them instead.
          process.stderr.write(`bulwark: note: the audit events of this command are written but not yet covered by a signed digest (${e instanceof Error ? e.message : String(e)}).\n`);
        }
      }
    } finally {
      await core.storage.close();
    }
  } catch (e) {
    fail(e);
  }
}

/**
 * The flag an InvalidInputException of `accounts create` is about. AWS's messages name no
 * parameter ("You provided a value that does not match the required pattern."); the flags are
 * checked here in the order CreateAccount checks its parameters.
 */
function invalidAccountFlag(o: { name: string; email: string; roleName: string }, l: Lib): [string, string] {
  const bad = (v: string, min: number, max: number, re: RegExp): boolean => v.length < min || v.length > max || !re.test(v);
  if (bad(o.email, 6, 64, l.EMAIL_PATTERN)) return ["--email", o.email];
  if (bad(o.name, 1, 50, l.ACCOUNT_NAME_PATTERN)) return ["--name", o.name];
  return ["--role-name", o.roleName];
}

/** The most --older-than-days takes: ECMAScript's time range reaches 10^8 days back from 1970. */
const MAX_PRUNE_DAYS = 100_000_000;

/**
 * The prune cutoff from --before (ISO 8601 with a date) or --older-than-days, checked before the
 * data directory is opened: a function of the time of the prune.
 */
function cutoffOf(o: { before?: string; olderThanDays?: string }, StartupError: new (m: string) => Error): (now: number) => number {
  if (o.before !== undefined) {
    const t = /^\d{4}-\d{2}-\d{2}/.test(o.before) ? Date.parse(o.before) : NaN;
    if (!Number.isFinite(t)) throw new StartupError(`Invalid --before ${JSON.stringify(o.before)}: expected an ISO 8601 time such as 2026-09-01T00:00:00Z.`);
    return () => t;
  }
  const days = Number(o.olderThanDays);
  // Past MAX_PRUNE_DAYS the cutoff would be before the earliest time a Date holds (and there is nothing to prune that far back).
  if (o.olderThanDays!.trim() === "" || !Number.isFinite(days) || days < 0 || days > MAX_PRUNE_DAYS) {
    throw new StartupError(`Invalid --older-than-days ${JSON.stringify(o.olderThanDays)}: expected a number of days from 0 to ${MAX_PRUNE_DAYS}.`);
  }
  return (now) => now - days * 86_400_000;
}

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + "\n");
}

/** "1 event", "2 events". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** How much longer than the digest interval `audit verify` lets events go unsigned before it fails. */
const UNSEALED_SLACK_MS = 5 * 60_000;

export function registerOperatorCommands(program: Command, common: Common): void {
  const audit = program.command("audit").description("the tamper-evident audit log");
  common(audit.command("verify"))
    .description("verify the hash chain and signed digests of the audit log (no root key needed)")
    .option("--json", "print the full report as JSON")
    .option(
      "--public-key <file>",
      "check the digests with this public key (PEM) instead of the one stored in the database, which anyone who can write the database can replace (re-signing the whole log with their own key)",
    )
    .option("--fingerprint <sha256>", "the digest key's SHA-256 fingerprint (hex, as the first start and every verify print it): fail unless the key checked with has it")
    .option(
      "--checkpoint <digest:hash>",
      "a checkpoint an earlier verify printed, kept outside the data directory: fail unless the log still holds that digest unchanged (detects a log cut back, events and digests together)",
    )
    .action(async (o: ConfigFlags & { json?: boolean; publicKey?: string; fingerprint?: string; checkpoint?: string }) => {
      try {
        const { StartupError, DB_FILE, openSqliteStorage, META_DIGEST_PUBLIC_KEY, verifyAudit, parseCheckpoint, formatCheckpoint, publicKeyFingerprint, storageError } = await lib();
        const cfg = loadConfig(o);
        const file = path.join(cfg.dataDir, DB_FILE);
        const pinnedFingerprint = o.fingerprint?.replace(/:/g, "").toLowerCase();
        if (pinnedFingerprint !== undefined && !/^[0-9a-f]{64}$/.test(pinnedFingerprint)) {
          throw new StartupError(`Invalid --fingerprint ${JSON.stringify(o.fingerprint)}: expected the 64 hex digits of a SHA-256 fingerprint.`);
        }
        const checkpoint = o.checkpoint !== undefined ? parseCheckpoint(o.checkpoint) : undefined;
        if (o.checkpoint !== undefined && checkpoint === undefined) {
          throw new StartupError(`Invalid --checkpoint ${JSON.stringify(o.checkpoint)}: expected <digest number>:<64 hex digits>, as audit verify prints it.`);
        }
        let pinnedPem: string | undefined;
        if (o.publicKey !== undefined) {
          try {
            pinnedPem = readFileSync(o.publicKey, "utf8");
          } catch (e) {
            throw new StartupError(`Cannot read --public-key ${o.publicKey}: ${e instanceof Error ? e.message : String(e)}.`);
          }
          try {
            createPublicKey(pinnedPem);
          } catch {
            throw new StartupError(`--public-key ${o.publicKey} is not a PEM public key.`);
          }
        }
        if (!existsSync(file)) throw new StartupError(`No Bulwark data directory at ${cfg.dataDir}. Run \`bulwark serve\` or \`bulwark init\` first.`);
        let storage: ReturnType<typeof openSqliteStorage>;
        try {
          storage = openSqliteStorage({ path: file });
        } catch (e) {
          throw storageError(e, file);
        }
        try {
          const storedPem = await storage.getMeta(META_DIGEST_PUBLIC_KEY);
          if (!storedPem && pinnedPem === undefined) throw new StartupError("This data directory has no audit digest key yet (the server has never run).");
          let storedFingerprint: string | undefined;
          if (storedPem) {
            try {
              storedFingerprint = publicKeyFingerprint(storedPem);
            } catch {
              if (pinnedPem === undefined) throw new StartupError(`The audit digest public key stored in ${file} is not a valid public key: no digest can be checked (the database was altered or damaged).`);
            }
          }
          const publicKeyPem = pinnedPem ?? storedPem!;
          const fingerprint = publicKeyFingerprint(publicKeyPem);
          // A running server seals events within its digest interval; allow a few minutes more.
          const interval = cfg.audit.digestIntervalSeconds * 1000;
          const report = await verifyAudit(storage, publicKeyPem, {
            ...(interval > 0 ? { now: Date.now(), maxUnsealedMs: interval + UNSEALED_SLACK_MS } : {}),
            ...(checkpoint !== undefined ? { checkpoint } : {}),
          });
          // The stored key is only as trustworthy as the database: a pinned key or fingerprint is not.
          if (pinnedFingerprint !== undefined && pinnedFingerprint !== fingerprint) {
            report.problems.unshift({ kind: "public-key-mismatch", detail: `the digest key ${pinnedPem === undefined ? "stored in the database" : "given"} has fingerprint ${fingerprint}, not ${pinnedFingerprint}` });
          }
          if (pinnedPem !== undefined && storedFingerprint !== fingerprint) {
            report.problems.unshift({ kind: "public-key-mismatch", detail: `the digest public key stored in the database ${storedFingerprint === undefined ? "is missing or invalid" : `(fingerprint ${storedFingerprint}) is not the one given`}` });
          }
          report.ok = report.problems.length === 0;
          if (!report.ok) delete report.checkpoint;
          if (o.json) out({ ...report, publicKeyFingerprint: fingerprint });
          else {
            process.stdout.write(`${report.ok ? "OK" : "FAILED"}: ${count(report.events, "event")}, ${count(report.digests, "digest")} checked with the digest key of SHA-256 fingerprint ${fingerprint}\n`);
            for (const p of report.problems) {
              process.stdout.write(`  ${p.kind}${p.seq !== undefined ? ` at event #${p.seq}` : ""}${p.digest !== undefined ? ` at digest #${p.digest}` : ""}: ${p.detail}\n`);
            }
            for (const n of report.notes) process.stdout.write(`  note: ${n}\n`);
            if (report.checkpoint) {
              process.stdout.write(
                `  checkpoint: ${formatCheckpoint(report.checkpoint)} (digest of events through #${report.checkpoint.toSeq}, ${report.checkpoint.time}; keep it outside the data directory: a later verify --checkpoint with it fails if the log no longer reaches it)\n`,
              );
            }
          }
          process.exitCode = report.ok ? 0 : 2;
        } finally {
          await storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  common(audit.command("public-key"))
    .description(
      "print the audit digest public key (PEM) as the sealed digest key defines it (needs the root key), with its fingerprint on stderr: keep it outside the data directory for `audit verify --public-key`",
    )
    .action(async (o: ConfigFlags) => {
      try {
        const l = await lib();
        const cfg = loadConfig(o);
        const core = await l.openCore(cfg, { allowCreate: false });
        try {
          const pem = await l.sealedDigestPublicKey(core.storage, core.sealer);
          if (pem === undefined) throw new l.StartupError("This data directory has no audit digest key yet (it is made by bulwark init or the first start).");
          process.stdout.write(pem.endsWith("\n") ? pem : pem + "\n");
          process.stderr.write(`SHA-256 fingerprint: ${l.publicKeyFingerprint(pem)}\n`);
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  common(audit.command("prune"))
    .description(
      "delete the audit events older than a cutoff, in whole digest periods, under a prune record signed with the digest key, so `audit verify` still checks the rest (needs the root key; the server may be running)",
    )
    .option("--before <time>", "ISO 8601 time, e.g. 2026-09-01T00:00:00Z: events older than this go")
    .option("--older-than-days <days>", "events older than this many days go")
    .action(async (o: ConfigFlags & { before?: string; olderThanDays?: string }) => {
      try {
        const l = await lib();
        if ((o.before === undefined) === (o.olderThanDays === undefined)) throw new l.StartupError("Give one of --before <time> or --older-than-days <days>.");
        const cutoff = cutoffOf(o, l.StartupError);
        const cfg = loadConfig(o);
        const core = await l.openCore(cfg, { allowCreate: false });
        try {
          const now = core.clock.now();
          const before = cutoff(now);
          const signer = await l.loadOrCreateDigestSigner(core.storage, core.sealer);
          const r = await l.pruneAudit(core.storage, signer, now, before);
          out({ before: new Date(before).toISOString(), prunedThroughEvent: r.throughSeq, deleted: r.deleted, newPruneRecord: r.record?.seq ?? null });
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  const orgs = program.command("organizations").description("AWS Organizations, as the operator");
  common(orgs.command("create"))
    .description("create the organization with the management account")
    .action(async (o: ConfigFlags) => {
      await asOperator(o, "organizations create", async ({ core, audit, lib }) => {
        const res = await audit.call({ operation: "CreateOrganization", schema: lib.CreateOrganization$, readOnly: false, input: { FeatureSet: "ALL" } }, async () => ({
          Organization: await lib.createOrganizationAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId }),
        }));
        out(res);
      });
    });
  common(orgs.command("describe"))
    .description("show the organization")
    .action(async (o: ConfigFlags) => {
      await asOperator(o, "organizations describe", async ({ core, audit, lib }) => {
        try {
          const res = await audit.call({ operation: "DescribeOrganization", schema: lib.DescribeOrganization$, readOnly: true, input: {} }, async () => {
            const m = await lib.loadMembership(core.orgDeps, core.managementAccountId);
            if (!m) throw lib.notInUse();
            return { Organization: lib.organizationView(m.org, m.managementEmail) };
          });
          out(res);
        } catch (e) {
          if (lib.isAwsError(e) && e.code === "AWSOrganizationsNotInUseException") throw new lib.StartupError("No organization yet: run `bulwark organizations create`.");
          throw e;
        }
      });
    });

  const accounts = program.command("accounts").description("accounts, as the operator");
  common(accounts.command("list"))
    .description("list the accounts of the organization")
    .action(async (o: ConfigFlags) => {
      await asOperator(o, "accounts list", async ({ core, audit, lib }) => {
        const res = await audit.call({ operation: "ListAccounts", schema: lib.ListAccounts$, readOnly: true, input: {} }, async () => {
          const m = await lib.findMembership(core.orgDeps, core.managementAccountId);
          if (m) return { Accounts: (await lib.organizationAccounts(core.orgDeps, m.org)).map((a) => lib.accountView(m.org, a, core.clock.now())) };
          return { Accounts: (await core.accounts.list()).map((a) => ({ Id: a.id, Name: a.name, Email: a.email, Status: a.status })) };
        });
        out(res);
      });
    });
  common(accounts.command("create"))
    .description("create a member account (creates the organization first if needed), with OrganizationAccountAccessRole")
    .requiredOption("--name <name>", "account name")
    .requiredOption("--email <email>", "account email (unique)")
    .option("--role-name <name>", "access role created in the new account", "OrganizationAccountAccessRole")
    .action(async (o: ConfigFlags & { name: string; email: string; roleName: string }) => {
      await asOperator(o, "accounts create", async ({ core, audit, lib }) => {
        if (!(await lib.findMembership(core.orgDeps, core.managementAccountId))) {
          await audit.call({ operation: "CreateOrganization", schema: lib.CreateOrganization$, readOnly: false, input: { FeatureSet: "ALL" } }, async () => ({
            Organization: await lib.createOrganizationAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId }),
          }));
        }
        const input = { AccountName: o.name, Email: o.email, RoleName: o.roleName };
        let res;
        try {
          res = await audit.call({ operation: "CreateAccount", schema: lib.CreateAccount$, readOnly: false, input }, async () => ({
            CreateAccountStatus: await lib.createAccountAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId, accountName: o.name, email: o.email, roleName: o.roleName }),
          }));
        } catch (e) {
          if (!lib.isAwsError(e) || e.code !== "InvalidInputException") throw e;
          const [flag, value] = invalidAccountFlag(o, lib);
          throw new lib.StartupError(`Invalid ${flag} ${JSON.stringify(value)}: ${e.message}`);
        }
        out(res);
        if (res.CreateAccountStatus.State !== "SUCCEEDED") process.exitCode = 2;
      });
    });
}
