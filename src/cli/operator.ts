/**
 * Operator commands that work on the data directory directly (the server may be running:
 * SQLite in WAL mode allows it). They use the same domain code as the API.
 */
import type { Command } from "commander";
import path from "node:path";
import { existsSync } from "node:fs";
import { loadConfig, type ConfigFlags } from "../config/config.js";
import { fail } from "./output.js";

/** The server's modules load only when a command runs, so `--help` and other commands stay fast. */
async function lib() {
  const [app, sqlite, verify, digest, orgOperator, org, model] = await Promise.all([
    import("../app.js"),
    import("../storage/sqlite/sqlite-storage.js"),
    import("../audit/verify.js"),
    import("../audit/digest-key.js"),
    import("../services/organizations/operator.js"),
    import("../services/organizations/organization.js"),
    import("../services/organizations/model.js"),
  ]);
  return { ...app, ...sqlite, ...verify, ...digest, ...orgOperator, ...org, ...model };
}

type Common = (cmd: Command) => Command;

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + "\n");
}

export function registerOperatorCommands(program: Command, common: Common): void {
  const audit = program.command("audit").description("the tamper-evident audit log");
  common(audit.command("verify"))
    .description("verify the hash chain and signed digests of the audit log (no root key needed)")
    .option("--json", "print the full report as JSON")
    .action(async (o: ConfigFlags & { json?: boolean }) => {
      try {
        const { StartupError, DB_FILE, openSqliteStorage, META_DIGEST_PUBLIC_KEY, verifyAudit } = await lib();
        const cfg = loadConfig(o);
        const file = path.join(cfg.dataDir, DB_FILE);
        if (!existsSync(file)) throw new StartupError(`No Bulwark data directory at ${cfg.dataDir}.`);
        const storage = openSqliteStorage({ path: file });
        try {
          const publicKeyPem = await storage.getMeta(META_DIGEST_PUBLIC_KEY);
          if (!publicKeyPem) throw new StartupError("This data directory has no audit digest key yet (the server has never run).");
          const report = await verifyAudit(storage, publicKeyPem);
          if (o.json) out(report);
          else {
            process.stdout.write(`${report.ok ? "OK" : "FAILED"}: ${report.events} events, ${report.digests} digests checked\n`);
            for (const p of report.problems) {
              process.stdout.write(`  ${p.kind}${p.seq !== undefined ? ` at event #${p.seq}` : ""}${p.digest !== undefined ? ` at digest #${p.digest}` : ""}: ${p.detail}\n`);
            }
            for (const n of report.notes) process.stdout.write(`  note: ${n}\n`);
          }
          process.exitCode = report.ok ? 0 : 2;
        } finally {
          await storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  const orgs = program.command("organizations").description("AWS Organizations, as the operator");
  common(orgs.command("create"))
    .description("create the organization with the management account")
    .action(async (o: ConfigFlags) => {
      try {
        const { openCore, createOrganizationAsOperator } = await lib();
        const core = await openCore(loadConfig(o), { allowCreate: false });
        try {
          out({ Organization: await createOrganizationAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId }) });
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });
  common(orgs.command("describe"))
    .description("show the organization")
    .action(async (o: ConfigFlags) => {
      try {
        const { openCore, StartupError, findMembership, organizationView } = await lib();
        const core = await openCore(loadConfig(o), { allowCreate: false });
        try {
          const m = await findMembership(core.orgDeps, core.managementAccountId);
          if (!m) throw new StartupError("No organization yet: run `bulwark organizations create`.");
          const mgmt = await core.accounts.get(m.org.managementAccountId);
          out({ Organization: organizationView(m.org, mgmt?.email ?? "") });
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  const accounts = program.command("accounts").description("accounts, as the operator");
  common(accounts.command("list"))
    .description("list the accounts of the organization")
    .action(async (o: ConfigFlags) => {
      try {
        const { openCore, findMembership, organizationAccounts, accountView } = await lib();
        const core = await openCore(loadConfig(o), { allowCreate: false });
        try {
          const m = await findMembership(core.orgDeps, core.managementAccountId);
          if (m) out({ Accounts: (await organizationAccounts(core.orgDeps, m.org)).map((a) => accountView(m.org, a)) });
          else out({ Accounts: (await core.accounts.list()).map((a) => ({ Id: a.id, Name: a.name, Email: a.email, Status: a.status })) });
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });
  common(accounts.command("create"))
    .description("create a member account (creates the organization first if needed), with OrganizationAccountAccessRole")
    .requiredOption("--name <name>", "account name")
    .requiredOption("--email <email>", "account email (unique)")
    .option("--role-name <name>", "access role created in the new account", "OrganizationAccountAccessRole")
    .action(async (o: ConfigFlags & { name: string; email: string; roleName: string }) => {
      try {
        const { openCore, findMembership, createOrganizationAsOperator, createAccountAsOperator } = await lib();
        const core = await openCore(loadConfig(o), { allowCreate: false });
        try {
          if (!(await findMembership(core.orgDeps, core.managementAccountId))) {
            await createOrganizationAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId });
          }
          const status = await createAccountAsOperator(core.orgDeps, { managementAccountId: core.managementAccountId, accountName: o.name, email: o.email, roleName: o.roleName });
          out({ CreateAccountStatus: status });
          if (status.State !== "SUCCEEDED") process.exitCode = 2;
        } finally {
          await core.storage.close();
        }
      } catch (e) {
        fail(e);
      }
    });
}
