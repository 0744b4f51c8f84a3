/**
 * The built-in schema: documents, installation meta, audit log. Once released, a migration
 * here is never edited (the runner verifies checksums); schema changes are new migrations
 * appended to the list.
 *
 * Keys compare in code-point order on every engine: SQLite's default BINARY collation,
 * PostgreSQL COLLATE "C".
 */
import type { Migration } from "./types.js";

const docs: Migration = {
  id: "0001-docs",
  sqlite: `
CREATE TABLE docs (
  collection TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (collection, key)
) WITHOUT ROWID;`,
  postgres: `
CREATE TABLE docs (
  collection TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (collection, key)
);`,
};

const meta: Migration = {
  id: "0002-meta",
  sqlite: `
CREATE TABLE meta (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;`,
  postgres: `
CREATE TABLE meta (
  key   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);`,
};

/*
 * audit_events: one row per CloudTrail event, append-only (triggers refuse UPDATE/DELETE;
 * the hash chain makes tampering evident anyway). (Its seven lookup indexes are replaced by
 * one in 0004-audit-lookup-index.) LookupEvents always filters by account,
 * optionally by a time range and exactly one attribute, and returns newest first, so each
 * attribute has an (account_id, attribute, time) index; the rowid (seq) is implicitly the
 * last index column, which serves the (time DESC, seq DESC) order without sorting.
 * ResourceName/ResourceType hold several newline-joined values, which no index can match
 * exactly, so each value is also written to audit_resources with its own index.
 */
const audit: Migration = {
  id: "0003-audit",
  sqlite: `
CREATE TABLE audit_events (
  seq            INTEGER PRIMARY KEY,
  time           INTEGER NOT NULL,
  account_id     TEXT NOT NULL,
  region         TEXT NOT NULL,
  event_id       TEXT NOT NULL,
  event_name     TEXT NOT NULL,
  event_source   TEXT NOT NULL,
  username       TEXT NOT NULL,
  access_key_id  TEXT NOT NULL,
  read_only      INTEGER NOT NULL,
  resource_names TEXT NOT NULL,
  resource_types TEXT NOT NULL,
  json           TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_events_by_time         ON audit_events (account_id, time);
CREATE INDEX audit_events_by_event_id     ON audit_events (account_id, event_id, time);
CREATE INDEX audit_events_by_event_name   ON audit_events (account_id, event_name, time);
CREATE INDEX audit_events_by_event_source ON audit_events (account_id, event_source, time);
CREATE INDEX audit_events_by_username     ON audit_events (account_id, username, time);
CREATE INDEX audit_events_by_access_key   ON audit_events (account_id, access_key_id, time);
CREATE INDEX audit_events_by_read_only    ON audit_events (account_id, read_only, time);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE audit_resources (
  account_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  time       INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  PRIMARY KEY (account_id, kind, value, time, seq)
) WITHOUT ROWID;

CREATE TABLE audit_digests (
  seq       INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  from_seq  INTEGER NOT NULL,
  to_seq    INTEGER NOT NULL,
  json      TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE TRIGGER audit_digests_no_update BEFORE UPDATE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'audit_digests is append-only'); END;
CREATE TRIGGER audit_digests_no_delete BEFORE DELETE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'audit_digests is append-only'); END;`,
  postgres: `
CREATE TABLE audit_events (
  seq            BIGINT PRIMARY KEY,
  time           BIGINT NOT NULL,
  account_id     TEXT COLLATE "C" NOT NULL,
  region         TEXT NOT NULL,
  event_id       TEXT COLLATE "C" NOT NULL,
  event_name     TEXT COLLATE "C" NOT NULL,
  event_source   TEXT COLLATE "C" NOT NULL,
  username       TEXT COLLATE "C" NOT NULL,
  access_key_id  TEXT COLLATE "C" NOT NULL,
  read_only      BOOLEAN NOT NULL,
  resource_names TEXT NOT NULL,
  resource_types TEXT NOT NULL,
  json           TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_events_by_time         ON audit_events (account_id, time, seq);
CREATE INDEX audit_events_by_event_id     ON audit_events (account_id, event_id, time, seq);
CREATE INDEX audit_events_by_event_name   ON audit_events (account_id, event_name, time, seq);
CREATE INDEX audit_events_by_event_source ON audit_events (account_id, event_source, time, seq);
CREATE INDEX audit_events_by_username     ON audit_events (account_id, username, time, seq);
CREATE INDEX audit_events_by_access_key   ON audit_events (account_id, access_key_id, time, seq);
CREATE INDEX audit_events_by_read_only    ON audit_events (account_id, read_only, time, seq);

CREATE TABLE audit_resources (
  account_id TEXT COLLATE "C" NOT NULL,
  kind       TEXT NOT NULL,
  value      TEXT COLLATE "C" NOT NULL,
  time       BIGINT NOT NULL,
  seq        BIGINT NOT NULL,
  PRIMARY KEY (account_id, kind, value, time, seq)
);

CREATE TABLE audit_digests (
  seq       BIGINT PRIMARY KEY,
  time      BIGINT NOT NULL,
  from_seq  BIGINT NOT NULL,
  to_seq    BIGINT NOT NULL,
  json      TEXT NOT NULL,
  signature TEXT NOT NULL
);`,
};

/*
 * One lookup index instead of seven (0003's per-attribute indexes cost a B-tree insert each
 * per event, the random event_id one by far the most). LookupEvents always filters by account
 * and pages newest first, so (account_id, time, seq) is the range and the order; the filter
 * attributes are carried in the index entry, so an attribute filter is checked on the index
 * alone and only matching rows are read from the table. An attribute lookup therefore walks
 * the account's entries in the time window instead of seeking straight to the matches: cheap
 * per entry (no table access), and the price of one B-tree insert per event instead of seven.
 * ResourceName/ResourceType keep audit_resources (exact match on one of several values).
 */
const auditLookupIndex: Migration = {
  id: "0004-audit-lookup-index",
  sqlite: `
DROP INDEX audit_events_by_time;
DROP INDEX audit_events_by_event_id;
DROP INDEX audit_events_by_event_name;
DROP INDEX audit_events_by_event_source;
DROP INDEX audit_events_by_username;
DROP INDEX audit_events_by_access_key;
DROP INDEX audit_events_by_read_only;
CREATE INDEX audit_events_lookup ON audit_events
  (account_id, time, seq, event_name, event_source, username, access_key_id, read_only, event_id);`,
  postgres: `
DROP INDEX audit_events_by_time;
DROP INDEX audit_events_by_event_id;
DROP INDEX audit_events_by_event_name;
DROP INDEX audit_events_by_event_source;
DROP INDEX audit_events_by_username;
DROP INDEX audit_events_by_access_key;
DROP INDEX audit_events_by_read_only;
CREATE INDEX audit_events_lookup ON audit_events (account_id, time, seq)
  INCLUDE (event_name, event_source, username, access_key_id, read_only, event_id);`,
};

/*
 * ResourceName/ResourceType lookups through the lookup index too: the newline-joined
 * resource_names and resource_types ride in each audit_events_lookup entry and a lookup
 * matches one of the values exactly on the entry (like the other attributes since 0004), so an
 * append no longer writes an audit_resources row per resource name and type: two B-tree
 * inserts fewer per typical event. An event names few resources, so the entry stays small.
 * The index is rebuilt from the rows, so existing events are found as before.
 *
 * PostgreSQL keeps audit_resources: a B-tree entry there is limited to about a third of a page,
 * which a long resource list could exceed, and a multi-row INSERT makes the side table cheap.
 */
const auditResourceLookup: Migration = {
  id: "0005-audit-resource-lookup",
  sqlite: `
DROP INDEX audit_events_lookup;
CREATE INDEX audit_events_lookup ON audit_events
  (account_id, time, seq, event_name, event_source, username, access_key_id, read_only, event_id, resource_names, resource_types);
DROP TABLE audit_resources;`,
  postgres: `
COMMENT ON TABLE audit_resources IS 'One row per resource name and type of an event: exact-match lookups (B-tree entries cannot hold long resource lists)';`,
};

/*
 * Retention: audit_prunes holds signed prune records (src/audit/retention.ts); rows of
 * audit_events up to the highest through_seq may be deleted, every other row stays undeletable.
 * Prune records themselves are append-only.
 */
const auditPrunes: Migration = {
  id: "0006-audit-prunes",
  sqlite: `
CREATE TABLE audit_prunes (
  seq         INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,
  through_seq INTEGER NOT NULL,
  json        TEXT NOT NULL,
  signature   TEXT NOT NULL
);
CREATE TRIGGER audit_prunes_no_update BEFORE UPDATE ON audit_prunes
  BEGIN SELECT RAISE(ABORT, 'audit_prunes is append-only'); END;
CREATE TRIGGER audit_prunes_no_delete BEFORE DELETE ON audit_prunes
  BEGIN SELECT RAISE(ABORT, 'audit_prunes is append-only'); END;
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  WHEN OLD.seq > COALESCE((SELECT MAX(through_seq) FROM audit_prunes), 0)
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;`,
  postgres: `
CREATE TABLE audit_prunes (
  seq         BIGINT PRIMARY KEY,
  time        BIGINT NOT NULL,
  through_seq BIGINT NOT NULL,
  json        TEXT NOT NULL,
  signature   TEXT NOT NULL
);`,
};

/*
 * Audit intents: a call that changes state first stores what the log must show of it should the
 * process stop before its event is appended; the append of its event removes the intent in the
 * same transaction, and a start appends the events of intents left (src/audit/audit-log.ts).
 */
const auditIntents: Migration = {
  id: "0007-audit-intents",
  sqlite: `
CREATE TABLE audit_intents (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;`,
  postgres: `
CREATE TABLE audit_intents (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);`,
};

export const coreMigrations: readonly Migration[] = [docs, meta, audit, auditLookupIndex, auditResourceLookup, auditPrunes, auditIntents];
