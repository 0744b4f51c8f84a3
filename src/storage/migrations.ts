/**
 * Engine-neutral migration runner. Migrations are applied in the order given (core ones
 * first, then those of other modules), each exactly once and each in its own transaction,
 * and recorded in the `schema_migrations` table with a checksum of the SQL that ran.
 *
 * What must stay true:
 *  - an applied migration is never edited (its checksum is verified on every open);
 *  - a database that has migrations this build does not know was written by a newer
 *    version, and opening it is refused rather than risking silent damage.
 */
import { createHash } from "node:crypto";
import type { Migration } from "./types.js";

export interface AppliedMigration {
  id: string;
  checksum: string;
}

/**
 * What an engine provides so the runner can drive it. Synchronous because the embedded
 * SQLite engine opens synchronously; an async engine (PostgreSQL) drives the same
 * `pendingMigrations` planning from its own async loop.
 */
export interface MigrationDriver {
  readonly engine: "sqlite" | "postgres";
  /** Creates schema_migrations (id, checksum, applied_at) if missing. */
  ensureMigrationTable(): void;
  applied(): AppliedMigration[];
  /**
   * In one transaction: re-check that `m` is not applied yet (another process may have
   * raced us), run `sql`, record (id, checksum, appliedAt). Returns false if it was
   * already applied.
   */
  apply(m: Migration, sql: string, checksum: string, appliedAt: number): boolean;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function migrationSql(m: Migration, engine: "sqlite" | "postgres"): string {
  const sql = engine === "sqlite" ? m.sqlite : m.postgres;
  if (sql === undefined) throw new MigrationError(`Migration ${m.id} has no SQL for ${engine}`);
  return sql;
}

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/**
 * Validates `known` against what the database says was applied and returns the migrations
 * still to run, in order. Throws MigrationError for duplicates, edited migrations and
 * databases written by a newer version.
 */
export function pendingMigrations(
  known: readonly Migration[],
  applied: readonly AppliedMigration[],
  engine: "sqlite" | "postgres",
): Migration[] {
  const byId = new Map<string, Migration>();
  for (const m of known) {
    if (!m.id) throw new MigrationError("Migration with an empty id");
    if (byId.has(m.id)) throw new MigrationError(`Duplicate migration id ${m.id}`);
    byId.set(m.id, m);
  }
  const unknown = applied.filter((a) => !byId.has(a.id)).map((a) => a.id);
  if (unknown.length > 0) {
    throw new MigrationError(
      `This database was created or upgraded by a newer version of Bulwark (unknown schema migrations: ${unknown.join(", ")}). ` +
        "Refusing to open it; run the newer version or restore a backup made for this version.",
    );
  }
  const done = new Set<string>();
  for (const a of applied) {
    const m = byId.get(a.id) as Migration;
    if (migrationChecksum(migrationSql(m, engine)) !== a.checksum) {
      throw new MigrationError(`Schema migration ${a.id} was changed after it had been applied; refusing to open`);
    }
    done.add(a.id);
  }
  return known.filter((m) => !done.has(m.id));
}

/** Applies every pending migration, in order, each in its own transaction. Returns the ids applied. */
export function runMigrations(driver: MigrationDriver, known: readonly Migration[], now: () => number): string[] {
  driver.ensureMigrationTable();
  const pending = pendingMigrations(known, driver.applied(), driver.engine);
  const ran: string[] = [];
  for (const m of pending) {
    const sql = migrationSql(m, driver.engine);
    if (driver.apply(m, sql, migrationChecksum(sql), now())) ran.push(m.id);
  }
  return ran;
}
