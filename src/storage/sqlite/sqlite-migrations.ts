/** SQLite driver for the migration runner (src/storage/migrations.ts). */
import type BetterSqlite3 from "better-sqlite3";
import type { AppliedMigration, MigrationDriver } from "../migrations.js";
import type { Migration } from "../types.js";

export function sqliteMigrationDriver(db: BetterSqlite3.Database): MigrationDriver {
  return {
    engine: "sqlite",
    ensureMigrationTable(): void {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  id         TEXT NOT NULL PRIMARY KEY,
  checksum   TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) WITHOUT ROWID`);
    },
    applied(): AppliedMigration[] {
      return db.prepare("SELECT id, checksum FROM schema_migrations").all() as AppliedMigration[];
    },
    apply(m: Migration, sql: string, checksum: string, appliedAt: number): boolean {
      const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE id = ?").pluck();
      const record = db.prepare("INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)");
      // IMMEDIATE takes the write lock before the re-check, so two processes opening the
      // same file cannot both apply the migration.
      const run = db.transaction((): boolean => {
        if (isApplied.get(m.id) !== undefined) return false;
        db.exec(sql);
        record.run(m.id, checksum, appliedAt);
        return true;
      });
      return run.immediate();
    },
  };
}
