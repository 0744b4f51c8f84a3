/**
 * Composition root: config → storage → root key → sealer → audit → services → gateway.
 * Manual dependency injection; nothing else wires modules together.
 */
import { closeSync, existsSync, chmodSync, lstatSync, openSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { makeDirs } from "./core/dirs.js";
import { arnPattern, DEFAULT_PARTITION, isPartition, usePartition, type Partition } from "./core/partition.js";
import Database from "better-sqlite3";
import path from "node:path";
import { randomBytes, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext } from "node:tls";
import type { Logger } from "pino";
import { ConfigError, type BulwarkConfig } from "./config/config.js";
import { systemClock, type Clock } from "./core/clock.js";
import { createServerLogger } from "./core/logger.js";
import type { Storage } from "./storage/types.js";
import type { Sealer, RootKeySource } from "./crypto/seal-types.js";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import { loadRootKey } from "./crypto/root-key.js";
import { createSealer, deriveSubkey } from "./crypto/seal.js";
import { createAuditLog } from "./audit/audit-log.js";
import type { AuditOutbox } from "./audit/outbox.js";
import { loadOrCreateDigestSigner, publicKeyFingerprint } from "./audit/digest-key.js";
import type { AuditLog } from "./audit/types.js";
import { createIamService } from "./services/iam/service.js";
import { awsManagedPolicyArn } from "./services/iam/aws-managed-policies.js";
import { trustsService } from "./services/iam/trust-principals.js";
import { createAccountRegistry, type AccountRegistry } from "./services/organizations/accounts.js";
import { createOrganizationsView, type OrganizationsView } from "./services/organizations/view.js";
import type { OutboundFederation } from "./services/iam/outbound-federation.js";
import type { RootAccess } from "./services/iam/root-access.js";
import type { OrganizationsDomainDeps } from "./services/organizations/organization.js";
import type { ServiceRegistry } from "./gateway/registry.js";
import type { ApiHandler } from "./gateway/api.js";
import type { RunningServer } from "./gateway/server.js";
import type { DataPlane } from "./dataplane/data-plane.js";
import type { Scheduler } from "./scheduler/scheduler.js";
import type { KmsService } from "./services/kms/service.js";

export const DB_FILE = "bulwark.db";
/** Locked by `bulwark serve` for as long as it runs (lockServe). */
export const SERVE_LOCK_FILE = "serve.lock";
/** Meta key of the management account, stored last by a first start (before its secrets are shown). */
const BOOTSTRAP_ACCOUNT_META = "bootstrap.account";

/** What a first start created; printed once by the CLI, never logged. */
export interface BootstrapResult {
  generatedRootKey?: string;
  accountId: string;
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The operator supplied the admin's secret (BULWARK_ADMIN_SECRET_ACCESS_KEY): it is not printed back. */
  secretAccessKeySupplied: boolean;
  /** SHA-256 fingerprint of the audit digest public key (`bulwark audit verify --fingerprint`). */
  auditKeyFingerprint: string;
}

export interface Core {
  storage: Storage;
  sealer: Sealer;
  clock: Clock;
  accounts: AccountRegistry;
  iam: Pick<ReturnType<typeof createIamService>, "api" | "directory" | "definition" | "useScheduler" | "outbound" | "rootAccess" | "useServices" | "useServiceControlPolicies" | "serverCertificates" | "useServerCertificateUsage" | "ensureServiceLinkedRole" | "useServiceCallAudit" | "idle">;
  /** Organizations as other services read it. */
  organizations: OrganizationsView;
  bootstrap?: BootstrapResult;
  /** What opening the data directory did: created it, or applied schema migrations (for the debug log). */
  opened: OpenedDataDir;
  /** Releases the data directory's serve lock (when `openCore` took it: `serve`, `init`). */
  unlock: () => void;
  managementAccountId: string;
  paginationKey: Buffer;
  /** KMS token keys derived from the root key (import tokens, grant tokens). */
  kmsKeys: { importToken: Buffer; grantToken: Buffer };
  /** What the Organizations domain needs (used by the service and the operator CLI). */
  orgDeps: OrganizationsDomainDeps;
}

export class StartupError extends Error {}

/** What opening a data directory found and did; on a first start, what a failure must take back. */
export interface OpenedDataDir {
  fresh: boolean;
  migrationsApplied: readonly string[];
  /** Directories this start created, outermost first. */
  createdDirs: readonly string[];
  /** Files of a data directory that were already there (someone else's: a failed first start leaves them). */
  preexisting: ReadonlySet<string>;
}

/** What a data directory holds besides the operator's own files (discardDataDir takes these back). */
/** How often staged service events left by a failed append are tried again. */
const OUTBOX_DRAIN_MS = 10_000;
/** Principals of this installation a key policy may name (KMS principalExists). */
const IAM_PRINCIPAL_ARN = arnPattern(/^arn:aws:iam::(\d{12}):(root|user\/(?:.*\/)?([^/]+)|role\/.+)$/);
/** A load balancer's ARN: its Region and account (WAFv2 and Shield ask whether it exists). */
const ELB_ARN = arnPattern(/^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):/);
const DATA_DIR_FILES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`, SERVE_LOCK_FILE, "ca.pem", "waf-logs"];

/**
 * Checks the data directory and creates it if `create` (and it is missing). What it created is
 * returned so that a first start that fails can take it back (discardDataDir).
 */
function ensureDataDir(dir: string, create: boolean): { fresh: boolean; createdDirs: string[]; preexisting: Set<string> } {
  let st: import("node:fs").Stats | undefined;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new StartupError(`The data directory ${dir} is not a directory: a part of its path is a file`);
    if (code !== "ENOENT") throw new StartupError(`Cannot use the data directory ${dir}: ${(e as Error).message}`);
    if (lstatOrUndefined(dir)?.isSymbolicLink()) throw new StartupError(`The data directory ${dir} is a symbolic link to a path that does not exist`);
  }
  if (st && !st.isDirectory()) throw new StartupError(`The data directory ${dir} is not a directory`);
  const fresh = !existsSync(path.join(dir, DB_FILE));
  const preexisting = new Set(DATA_DIR_FILES.filter((f) => lstatOrUndefined(path.join(dir, f)) !== undefined));
  if (fresh && !create) return { fresh, createdDirs: [], preexisting };
  let createdDirs: string[];
  try {
    createdDirs = makeDirs(dir, 0o700);
  } catch (e) {
    throw new StartupError(`Cannot create the data directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    // Group and other lose their access; the owner's own bits are left as they are (a
    // directory made read-only on purpose stays so).
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) chmodSync(dir, mode & 0o700);
  } catch {
    /* not owner: leave as is */
  }
  return { fresh, createdDirs, preexisting };
}

function lstatOrUndefined(p: string): import("node:fs").Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Takes back what a first start that failed had written (the database, its CA file, the
 * directories it created), so that nothing is left sealed under a root key or holding admin
 * credentials that were never shown, and the next start begins afresh. Only a start that holds
 * the data directory's lock calls this (a second start racing for a fresh directory fails on the
 * lock before it writes anything), and files that were there before the start are left alone.
 */
export function discardDataDir(dataDir: string, opened: Pick<OpenedDataDir, "createdDirs" | "preexisting">): void {
  for (const f of DATA_DIR_FILES) {
    if (!opened.preexisting.has(f)) rmSync(path.join(dataDir, f), { recursive: true, force: true });
  }
  for (const d of [...opened.createdDirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* not empty (someone else's files) or already gone: leave it */
    }
  }
}

/**
 * Opens the data directory (creating it on first start): storage, root key, sealer,
 * account registry and IAM. Used by `serve` and by the operator CLI commands.
 */
/** The API's URL from the configured listen address (the default public URL before the listener is up). */
function listenerUrl(cfg: Readonly<BulwarkConfig>): string {
  const host = cfg.listen.host === "0.0.0.0" || cfg.listen.host === "::" ? "localhost" : cfg.listen.host.includes(":") ? `[${cfg.listen.host}]` : cfg.listen.host;
  return `${cfg.tls.enabled ? "https" : "http"}://${host}:${cfg.listen.port}`;
}

export async function openCore(
  cfg: Readonly<BulwarkConfig>,
  opts: {
    clock?: Clock;
    allowCreate?: boolean;
    auditWriterThread?: boolean;
    publicUrl?: () => string;
    /** Take the data directory's serve lock before touching the database (`serve`, `init`). */
    lock?: boolean;
  } = {},
): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  const dataDir = ensureDataDir(cfg.dataDir, opts.allowCreate !== false);
  const { createdDirs, preexisting } = dataDir;
  let fresh = dataDir.fresh;
  if (fresh && opts.allowCreate === false) {
    throw new StartupError(`No Bulwark data directory at ${cfg.dataDir}. Run \`bulwark serve\` or \`bulwark init\` first.`);
  }
  const first = { createdDirs, preexisting };
  let unlock = (): void => undefined;
  if (opts.lock) {
    try {
      unlock = lockServe(cfg.dataDir);
    } catch (e) {
      // Another start holds the directory (or the lock file cannot be made): nothing of ours to
      // take back but the lock file and the directories this start created, if empty.
      discardDataDir(cfg.dataDir, { createdDirs, preexisting: new Set(DATA_DIR_FILES.filter((f) => f !== SERVE_LOCK_FILE || preexisting.has(f))) });
      throw e;
    }
  }
  // A first start killed before it finished (SIGKILL, power loss: nothing could take it back) left a
  // database without its management account, whose secrets nobody was shown: start afresh. Only
  // under the lock: without it, another process may be in the middle of its first start.
  if (!fresh && opts.lock && (await interruptedFirstStart(cfg.dataDir))) {
    discardDataDir(cfg.dataDir, { createdDirs: [], preexisting: new Set([SERVE_LOCK_FILE]) });
    fresh = true;
  }
  let source: RootKeySource | undefined = cfg.rootKey;
  let generatedRootKey: string | undefined;
  if (!source) {
    if (!fresh) {
      unlock();
      throw new StartupError(
        "This data directory is sealed. Provide its root key: BULWARK_ROOT_PASSPHRASE, BULWARK_ROOT_KEY or --root-key-file (the one printed or chosen on first start).",
      );
    }
    generatedRootKey = randomBytes(32).toString("base64");
    source = { kind: "env", value: generatedRootKey };
  }
  let storage: ReturnType<typeof openSqliteStorage>;
  try {
    storage = openSqliteStorage({ path: path.join(cfg.dataDir, DB_FILE), auditWriterThread: opts.auditWriterThread ?? false, auditSyncDelayMs: cfg.audit.readOnlySyncDelayMs });
  } catch (e) {
    if (fresh) discardDataDir(cfg.dataDir, first);
    unlock();
    throw storageError(e, path.join(cfg.dataDir, DB_FILE));
  }
  try {
    usePartition(await installationPartition(storage, cfg, fresh));
    const rootKey = await loadRootKey(source, storage, { create: fresh });
    const sealer = createSealer(rootKey);
    // HMAC key for opaque pagination tokens, so they survive a restart.
    const paginationKey = deriveSubkey(rootKey, "bulwark/pagination-token/v1").export();
    const kmsKeys = {
      importToken: deriveSubkey(rootKey, "bulwark/kms/import-token/v1").export(),
      grantToken: deriveSubkey(rootKey, "bulwark/kms/grant-token/v1").export(),
    };
    rootKey.fill(0);
    const accounts = createAccountRegistry(storage, clock);
    const organizations = createOrganizationsView({ store: storage, accounts });
    const iam = createIamService({ store: storage, sealer, clock, organizations, publicUrl: opts.publicUrl ?? (() => cfg.publicUrl ?? listenerUrl(cfg)) });
    let bootstrap: BootstrapResult | undefined;
    let managementAccountId = await storage.getMeta(BOOTSTRAP_ACCOUNT_META);
    if (!managementAccountId) {
      const account = await accounts.create({ name: "Management", email: "admin@bulwark.local" });
      managementAccountId = account.id;
      const scope = { accountId: account.id, region: "" };
      await iam.api.createUser(scope, { userName: cfg.admin.userName });
      await iam.api.attachUserPolicy(account.id, cfg.admin.userName, awsManagedPolicyArn("/AdministratorAccess"));
      const given =
        cfg.admin.accessKeyId && cfg.admin.secretAccessKey ? { accessKeyId: cfg.admin.accessKeyId, secretAccessKey: cfg.admin.secretAccessKey } : undefined;
      const key = await iam.api.createAccessKey(account.id, cfg.admin.userName, given);
      // Created now so the first start shows its fingerprint: the operator's pin against a swapped stored public key.
      const digestSigner = await loadOrCreateDigestSigner(storage, sealer);
      await storage.setMeta(BOOTSTRAP_ACCOUNT_META, account.id);
      bootstrap = {
        accountId: account.id,
        userName: cfg.admin.userName,
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        secretAccessKeySupplied: given !== undefined,
        auditKeyFingerprint: publicKeyFingerprint(digestSigner.publicKeyPem),
        ...(generatedRootKey ? { generatedRootKey } : {}),
      };
    }
    return {
      storage,
      sealer,
      clock,
      accounts,
      iam,
      organizations,
      managementAccountId,
      paginationKey,
      kmsKeys,
      orgDeps: { store: storage, iam: iam.api, clock, accounts, ...(cfg.orgMaxAccounts !== undefined ? { maxAccounts: cfg.orgMaxAccounts } : {}) },
      opened: { fresh, migrationsApplied: storage.migrationsApplied, createdDirs, preexisting },
      unlock,
      ...(bootstrap ? { bootstrap } : {}),
    };
  } catch (e) {
    await storage.close();
    if (fresh) discardDataDir(cfg.dataDir, first);
    unlock();
    throw storageError(e, path.join(cfg.dataDir, DB_FILE));
  }
}

/** Where the data directory keeps the partition it was created with (src/core/partition.ts). */
export const PARTITION_META = "installation.partition";

/**
 * The data directory's partition: the configured one (`aws` when none is) for a new data directory,
 * stored at once; the stored one afterwards (`aws` for a data directory from before partitions were
 * stored), so later starts and operator commands need not repeat it. ARNs are kept inside documents
 * (trust and key policies, grants, attachments), so a start configured for another partition is
 * refused.
 */
export async function installationPartition(storage: Pick<Storage, "getMeta" | "setMeta">, cfg: Readonly<BulwarkConfig>, fresh: boolean): Promise<Partition> {
  if (fresh) {
    const p = cfg.partition ?? DEFAULT_PARTITION;
    await storage.setMeta(PARTITION_META, p);
    return p;
  }
  const value = (await storage.getMeta(PARTITION_META)) ?? DEFAULT_PARTITION;
  if (!isPartition(value)) throw new StartupError(`The data directory ${cfg.dataDir} names an unknown partition "${value}"`);
  if (cfg.partition !== undefined && cfg.partition !== value) {
    throw new StartupError(
      `The data directory ${cfg.dataDir} was created for the ${value} partition; it cannot be started for the ${cfg.partition} partition (BULWARK_PARTITION, --partition or "partition" in the config file). The partition is fixed when a data directory is created: its ARNs are stored in policies, grants and keys.`,
    );
  }
  return value;
}

/**
 * One `bulwark serve` per data directory: a second one would run the same scheduled jobs, reopen
 * the same load-balancer listeners and append to the audit log from a stale head. The lock is an
 * exclusive SQLite lock on a file of its own, which the operating system drops when the process
 * ends however it ends, so a crash leaves no stale lock. `init` takes it too (a first start must
 * not race another); the other operator commands do not.
 */
function lockServe(dataDir: string): () => void {
  const file = path.join(dataDir, SERVE_LOCK_FILE);
  closeSync(openSync(file, "a", 0o600));
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma("journal_mode = MEMORY");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db.close();
    if ((e as { code?: unknown }).code === "SQLITE_BUSY") {
      throw new StartupError(`The data directory ${dataDir} is in use by another \`bulwark serve\`: stop it first (operator commands may run alongside it)`);
    }
    throw storageError(e, file);
  }
  return () => {
    db.close();
  };
}

/**
 * Whether the data directory's database is what a first start left when it was killed before it
 * stored the management account (the last thing it does before its secrets are shown). A database
 * that cannot be opened is not judged here: the start that opens it reports why. One that ever
 * served holds audit events, digests or prune records: it is never taken for one, whatever meta
 * row it lacks, so nothing it stored is discarded.
 */
async function interruptedFirstStart(dataDir: string): Promise<boolean> {
  let storage: ReturnType<typeof openSqliteStorage>;
  try {
    storage = openSqliteStorage({ path: path.join(dataDir, DB_FILE) });
  } catch {
    return false;
  }
  try {
    if ((await storage.getMeta(BOOTSTRAP_ACCOUNT_META)) !== undefined) return false;
    const [event, digest, prunes] = await Promise.all([storage.lastAudit(), storage.lastDigest(), storage.listAuditPrunes()]);
    return event === undefined && digest === undefined && prunes.length === 0;
  } finally {
    await storage.close();
  }
}

/** SQLite's own errors ("file is not a database", "database or disk is full") name no file: name it. */
export function storageError(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") && e instanceof Error ? new StartupError(`${file}: ${e.message}`) : e;
}

/** Closes a core whose first start could not be completed, takes back its new data directory and releases the lock. */
export async function abandonCore(core: Core, dataDir: string): Promise<void> {
  await core.storage.close();
  if (core.opened.fresh) discardDataDir(dataDir, core.opened);
  core.unlock();
}

function writeCaFile(dataDir: string, caCertPem: string): void {
  writeFileSync(path.join(dataDir, "ca.pem"), caCertPem, { mode: 0o644 });
}

/**
 * `bulwark init`: the local CA, created now rather than on the first HTTPS start, so that
 * `bulwark ca export` and `<dataDir>/ca.pem` can be handed out before the server runs.
 */
export async function initCa(core: Core, dataDir: string): Promise<string> {
  const { loadOrCreateCaCertificate } = await import("./gateway/tls-ca.js");
  const pem = await loadOrCreateCaCertificate(core.storage, core.sealer, core.clock);
  writeCaFile(dataDir, pem);
  return pem;
}

export interface App {
  url: string;
  port: number;
  core: Core;
  audit: AuditLog;
  /** Events staged with the changes they record (service events, outcomes that complete later). */
  outbox: AuditOutbox;
  logger: Logger;
  caCertPem: string;
  /** The KMS service (its internal API for other services) and the durable scheduler. */
  kms: KmsService;
  scheduler: Scheduler;
  /** Load-balancer listeners; WAFv2/Shield steer it through DataPlaneControl (setWebAcl, addObserver). */
  dataPlane: DataPlane;
  /** The request pipeline the listener calls (in-process benchmarks drive it without a socket). */
  handle: ApiHandler;
  /** The services the API endpoint serves, with their operations. */
  registry: ServiceRegistry;
  /**
   * Stops serving and closes storage. `discardFirstStart`: this was the data directory's first
   * start and it is not to be kept (its secrets could not be shown): take it back before the
   * lock is released.
   */
  close(opts?: { discardFirstStart?: boolean }): Promise<void>;
}

/**
 * What only a serving process needs: the services, the gateway, the data plane and the scheduler.
 * Loaded when the server starts, so that operator commands (which open the data directory with
 * openCore alone) do not load and compile every service's model.
 */
async function loadServing() {
  const [cloudtrail, sts, jwks, orgService, authorizer, registry, metrics, pipeline, server, dataPlane, elbv2, elbv2Store, scheduler, periodic, createAccount, kms, wafv2, wafEngine, shield, shieldProtections, shieldBridge, retention, outbox, describe, tlsCa] =
    await Promise.all([
      import("./services/cloudtrail/service.js"),
      import("./services/sts/service.js"),
      import("./services/sts/oidc/jwks.js"),
      import("./services/organizations/service.js"),
      import("./iam/authorizer.js"),
      import("./gateway/registry.js"),
      import("./gateway/metrics.js"),
      import("./gateway/pipeline.js"),
      import("./gateway/server.js"),
      import("./dataplane/data-plane.js"),
      import("./services/elbv2/service.js"),
      import("./services/elbv2/store.js"),
      import("./scheduler/scheduler.js"),
      import("./scheduler/periodic.js"),
      import("./services/organizations/create-account.js"),
      import("./services/kms/service.js"),
      import("./services/wafv2/service.js"),
      import("./services/wafv2/engine.js"),
      import("./services/shield/service.js"),
      import("./services/shield/protections.js"),
      import("./services/shield/wafv2-bridge.js"),
      import("./audit/retention.js"),
      import("./audit/outbox.js"),
      import("./config/describe.js"),
      import("./gateway/tls-ca.js"),
    ]);
  return {
    createCloudTrailService: cloudtrail.createCloudTrailService,
    createStsService: sts.createStsService,
    createJwksCache: jwks.createJwksCache,
    createOrganizationsService: orgService.createOrganizationsService,
    createAuthorizer: authorizer.createAuthorizer,
    ServiceRegistry: registry.ServiceRegistry,
    createMetrics: metrics.createMetrics,
    createPipeline: pipeline.createPipeline,
    requestBodyLimit: pipeline.requestBodyLimit,
    startServer: server.startServer,
    DataPlane: dataPlane.DataPlane,
    createElbv2Service: elbv2.createElbv2Service,
    elbLoadBalancers: elbv2Store.loadBalancers,
    createScheduler: scheduler.createScheduler,
    registerPeriodic: periodic.registerPeriodic,
    registerStsSessionSweep: periodic.registerStsSessionSweep,
    CREATE_ACCOUNT_SWEEP: createAccount.CREATE_ACCOUNT_SWEEP,
    STALLED_CREATE_ACCOUNT_MS: createAccount.STALLED_CREATE_ACCOUNT_MS,
    createKmsService: kms.createKmsService,
    createWafv2Service: wafv2.createWafv2Service,
    deriveWafKey: wafv2.deriveWafKey,
    createWafEngine: wafEngine.createWafEngine,
    createShieldService: shield.createShieldService,
    automaticResponseResources: shieldProtections.automaticResponseResources,
    createWafv2Bridge: shieldBridge.createWafv2Bridge,
    shieldServiceRoleArn: shieldBridge.shieldServiceRoleArn,
    startAuditRetention: retention.startAuditRetention,
    createAuditOutbox: outbox.createAuditOutbox,
    describeConfig: describe.describeConfig,
    issueServerCertificate: tlsCa.issueServerCertificate,
    loadOrCreateTlsMaterial: tlsCa.loadOrCreateTlsMaterial,
  };
}

export async function startApp(cfg: Readonly<BulwarkConfig>, opts: { clock?: Clock; logger?: Logger } = {}): Promise<App> {
  const {
    createCloudTrailService,
    createStsService,
    createJwksCache,
    createOrganizationsService,
    createAuthorizer,
    ServiceRegistry,
    createMetrics,
    createPipeline,
    requestBodyLimit,
    startServer,
    DataPlane,
    createElbv2Service,
    elbLoadBalancers,
    createScheduler,
    registerPeriodic,
    registerStsSessionSweep,
    CREATE_ACCOUNT_SWEEP,
    STALLED_CREATE_ACCOUNT_MS,
    createKmsService,
    createWafv2Service,
    deriveWafKey,
    createWafEngine,
    createShieldService,
    automaticResponseResources,
    createWafv2Bridge,
    shieldServiceRoleArn,
    startAuditRetention,
    createAuditOutbox,
    describeConfig,
    issueServerCertificate,
    loadOrCreateTlsMaterial,
  } = await loadServing();
  const logger = opts.logger ?? createServerLogger(cfg.logLevel);
  // What an operator needs when something is wrong; secrets are left out (describeConfig).
  if (logger.isLevelEnabled("debug")) logger.debug({ config: describeConfig(cfg) }, "configuration in effect");
  // Outbound federation issuers live under the public URL: the configured one, else the listener's.
  let listening: string | undefined;
  const publicUrl = (): string => cfg.publicUrl ?? listening ?? listenerUrl(cfg);
  const core = await openCore(cfg, { ...(opts.clock ? { clock: opts.clock } : {}), auditWriterThread: true, publicUrl, lock: true });
  const { storage, sealer, clock } = core;
  if (logger.isLevelEnabled("debug")) {
    logger.debug(
      { dataDir: cfg.dataDir, storage: storage.engine, created: core.opened.fresh, migrationsApplied: core.opened.migrationsApplied, rootKeySource: cfg.rootKey?.kind ?? "generated" },
      "data directory opened",
    );
  }
  // Listeners bind the data-plane address (loopback unless configured otherwise).
  const dataPlane = new DataPlane({ host: cfg.dataPlane.host, clock, limits: cfg.dataPlane.limits, healthCheckTimeScale: cfg.dataPlane.healthCheckTimeScale });
  try {
    const digestSigner = await loadOrCreateDigestSigner(storage, sealer);
    const audit = createAuditLog({
      store: storage,
      digestSigner,
      clock,
      batchMaxDelayMs: cfg.audit.batchMaxDelayMs,
      digestIntervalMs: cfg.audit.digestIntervalSeconds * 1000,
      onError: (e) => logger.error({ err: e instanceof Error ? e.message : String(e) }, "audit error"),
    });
    await audit.ready();
    // Calls that changed state while an earlier process stopped before their events were
    // appended: their intents' events go into the log before any new call is served.
    const interrupted = await audit.recoverIntents();
    if (interrupted > 0) logger.warn({ events: interrupted }, "appended the audit events of calls interrupted when the server last stopped");
    // Service events staged with their change (src/audit/outbox.ts): what a process that died
    // before appending them left is appended once the server is up, then every 10 s.
    const outbox = createAuditOutbox({
      store: storage,
      audit,
      clock,
      onError: (e) => logger.error({ err: e instanceof Error ? e.message : String(e) }, "audit outbox error"),
    });
    // Service-linked roles services create on a caller's behalf are IAM calls of that caller.
    core.iam.useServiceCallAudit(audit, outbox, cfg.defaultRegion);

    const registry = new ServiceRegistry();
    registry.register(core.iam.definition);
    registry.register(
      createStsService({
        store: storage,
        sealer,
        iam: core.iam.api,
        clock,
        accessKeyAccount: async (id) => (await core.iam.directory.resolveAccessKey(id))?.principal.accountId,
        jwks: createJwksCache({ ...(cfg.oidcCaFile !== undefined ? { caPem: readOidcCaFile(cfg.oidcCaFile) } : {}), now: () => clock.now() }),
        outbound: core.iam.outbound,
        principalTags: (p) => core.iam.directory.principalTags(p),
        organizations: core.organizations,
        rootAccess: core.iam.rootAccess,
      }),
    );
    const orgs = createOrganizationsService({
      ...core.orgDeps,
      warn: (fields, message) => logger.warn(fields, message),
      drainAudit: () => outbox.drain(),
      globalRegion: cfg.defaultRegion,
    });
    registry.register(orgs);
    const resumed = await orgs.resumePending();
    if (resumed > 0) logger.info({ resumed }, "resumed pending CreateAccount requests");
    registry.register(createCloudTrailService({ store: storage, tokenKey: core.paginationKey, clock, lookupEventsRps: cfg.cloudTrailLookupRps }));
    const elbv2 = createElbv2Service({
      store: storage,
      sealer,
      clock,
      runtime: dataPlane,
      dnsSuffix: cfg.dataPlane.dnsSuffix,
      issueCertificate: (names) => issueServerCertificate(storage, sealer, clock, names),
      serverCertificates: core.iam.serverCertificates,
      ensureServiceLinkedRole: (caller) =>
        core.iam.ensureServiceLinkedRole(caller.scope.accountId, caller.now, (req) => caller.authorizeRequest(req), "elasticloadbalancing.amazonaws.com", caller.principal),
      warn: (message, detail) => logger.warn(detail, message),
    });
    registry.register(elbv2.definition);
    // IAM refuses to delete a server certificate while a listener presents it.
    core.iam.useServerCertificateUsage((db, accountId, id) => elbv2.serverCertificateUsers(db, accountId, id));
    const restored = await elbv2.restore();
    if (restored.opened > 0 || restored.failed.length > 0) logger.info({ listeners: restored.opened, failed: restored.failed.length, host: cfg.dataPlane.host }, "load-balancer listeners reopened");

    const scheduler = createScheduler({
      store: storage,
      clock,
      pollMs: cfg.schedulerPollMs,
      onError: (e, job) => logger.error({ kind: job.kind, err: e instanceof Error ? e.message : String(e) }, "scheduled job failed"),
    });
    await registerStsSessionSweep(scheduler, storage, clock);
    // CreateAccount requests another process left IN_PROGRESS (an operator command stopped mid-way)
    // are finished here, not only at the next start.
    await registerPeriodic(scheduler, clock, CREATE_ACCOUNT_SWEEP, STALLED_CREATE_ACCOUNT_MS, async () => {
      await orgs.resumePending(clock.now() - STALLED_CREATE_ACCOUNT_MS);
    });
    const kms = createKmsService({
      store: storage,
      sealer,
      clock,
      scheduler,
      importTokenKey: core.kmsKeys.importToken,
      grantTokenKey: core.kmsKeys.grantToken,
      markerKey: core.paginationKey,
      quotas: cfg.kms,
      maxKeysPerRegion: cfg.kms.maxKeysPerRegion,
      audit,
      outbox,
      ensureMultiRegionServiceLinkedRole: (ctx) => core.iam.ensureServiceLinkedRole(ctx.scope.accountId, ctx.now, (req) => ctx.authorize(req), "mrk.kms.amazonaws.com", ctx.principal),
      principalExists: async (arn) => {
        // Only principals of accounts of this installation can be checked; others are accepted.
        const m = IAM_PRINCIPAL_ARN.exec(arn);
        if (!m || !(await core.accounts.get(m[1]!))) return undefined;
        if (m[2] === "root") return true;
        // Users and roles: their unique id, which the key policy is bound to.
        if (m[3] !== undefined) {
          const u = await core.iam.api.getUser(m[1]!, m[3]);
          return u !== undefined && u.arn === arn ? u.userId : false;
        }
        return (await core.iam.api.getRoleByArn(arn))?.roleId ?? false;
      },
    });
    registry.register(kms.definition);
    kms.start();
    // IAM's deferred work (service-linked role deletions); ELB's role is in use while load balancers
    // exist, Shield's while automatic application-layer response is on for a resource.
    core.iam.useScheduler(scheduler, async (accountId, servicePrincipal) => {
      if (servicePrincipal === "elasticloadbalancing.amazonaws.com") return elbv2.loadBalancersByRegion(accountId);
      if (servicePrincipal === "shield.amazonaws.com") return automaticResponseResources(storage, accountId);
      return [];
    });
    scheduler.start();

    const tls = cfg.tls.enabled
      ? cfg.tls.certFile && cfg.tls.keyFile
        ? ownTlsMaterial(cfg.tls.certFile, cfg.tls.keyFile, cfg.listen.host, clock.now(), (fields, message) => logger.warn(fields, message))
        : await loadOrCreateTlsMaterial(storage, sealer, clock, [...cfg.tls.extraNames, ...(cfg.listen.host !== "0.0.0.0" && cfg.listen.host !== "::" ? [cfg.listen.host] : [])])
      : undefined;
    const caCertPem = tls && "caCertPem" in tls ? tls.caCertPem : "";
    if (caCertPem) writeCaFile(cfg.dataDir, caCertPem);

    const metrics = createMetrics();
    // The data plane's DesyncMitigationMode_NonCompliant_Request_Count on /metrics.
    dataPlane.desync.register(metrics.registry);
    // ioredis is loaded only when Redis is configured: loading it slows every string method call
    // of the request path until it is undone (see redis-rate-counter.ts).
    const rateCounter = cfg.redisUrl
      ? (await import("./dataplane/waf/rate/redis-rate-counter.js")).createRedisRateCounter(cfg.redisUrl, {
          // The error names the address at most (ECONNREFUSED, ENOTFOUND, WRONGPASS), never the URL's password.
          onError: (e) => logger.warn({ err: e.message }, "Redis of the WAF rate counters unavailable: rate-based rules cannot count"),
          onReady: () => logger.info("Redis of the WAF rate counters reachable again"),
        })
      : undefined;
    // WAFv2: its counters go on the gateway's registry, so /metrics shows them.
    const wafv2 = createWafv2Service({
      store: storage,
      clock,
      engine: createWafEngine({
        clock,
        tokenKey: deriveWafKey(core.paginationKey, "captcha-token"),
        // Shared counters make a rate-based rule hold for a fleet of nodes.
        ...(rateCounter ? { rateCounter } : {}),
      }),
      secret: core.paginationKey,
      dataPlane,
      loadBalancerExists: async (arn) => {
        const m = ELB_ARN.exec(arn);
        return m !== null && (await elbLoadBalancers.byArn(storage, { accountId: m[2] as string, region: m[1] as string }, arn)) !== undefined;
      },
      logDir: path.join(cfg.dataDir, "waf-logs"),
      metricsRegistry: metrics.registry,
      ...(cfg.wafMaxWebAclWcu !== undefined ? { webAclCapacityLimit: cfg.wafMaxWebAclWcu } : {}),
      onError: (e, what) => logger.error({ what, err: e instanceof Error ? e.message : String(e) }, "wafv2 error"),
    });
    registry.register(wafv2);
    const wafDeployed = await wafv2.start();
    if (wafDeployed > 0) logger.info({ associations: wafDeployed }, "web ACLs redeployed");
    // Shield Advanced: its detector watches every listener; automatic mitigations go into web
    // ACLs through WAFv2's own operations, called as Shield's service-linked role.
    const wafBridge = createWafv2Bridge(wafv2.operations, clock, {
      audit,
      serviceRoleId: async (accountId) => (await core.iam.api.getRoleByArn(shieldServiceRoleArn(accountId)))?.roleId,
    });
    const shield = createShieldService({
      store: storage,
      clock,
      tokenKey: core.paginationKey,
      loadBalancerExists: async (arn) => {
        const m = ELB_ARN.exec(arn);
        return m !== null && (await elbLoadBalancers.byArn(storage, { accountId: m[2] as string, region: m[1] as string }, arn)) !== undefined;
      },
      webAclForResource: (arn) => wafBridge.webAclForResource(arn),
      applyMitigation: (webAclArn, mitigation) => wafBridge.applyMitigation(webAclArn, mitigation),
      describeRole: async (arn) => {
        const role = await core.iam.api.getRoleByArn(arn);
        return role && { trusts: (service) => trustsService(role.assumeRolePolicyDocument, service), attachedPolicyArns: role.attachedPolicyArns };
      },
      ensureServiceLinkedRole: (ctx) => core.iam.ensureServiceLinkedRole(ctx.scope.accountId, ctx.now, (req) => ctx.authorize(req), "shield.amazonaws.com", ctx.principal),
      ...(cfg.shieldDetection ? { detection: cfg.shieldDetection } : {}),
      onError: (e, what) => logger.error({ what, err: e instanceof Error ? e.message : String(e) }, "shield error"),
    });
    registry.register(shield);
    dataPlane.addObserver(shield.detector);
    await shield.start();
    // Last-accessed reports cover every service served here, IAM included.
    core.iam.useServices(registry.all());
    // The policy simulator evaluates the same SCPs the authoriser enforces.
    core.iam.useServiceControlPolicies(orgs.serviceControlPolicies);
    const authorizer = createAuthorizer({
      directory: core.iam.directory,
      serviceControlPolicies: orgs.serviceControlPolicies,
      resourceControlPolicies: orgs.resourceControlPolicies,
      organizations: orgs.orgPlaces,
    });
    const handle = createPipeline({
      registry,
      directory: core.iam.directory,
      authorizer,
      audit,
      clock,
      logger,
      metrics,
      maxBodyBytes: cfg.maxBodyBytes,
      globalRegion: cfg.defaultRegion,
      closedAccounts: orgs.closedAccounts,
    });
    const server: RunningServer = await startServer({
      host: cfg.listen.host,
      port: cfg.listen.port,
      ...(tls ? { tls: { certPem: tls.certPem, keyPem: tls.keyPem, ...(cfg.tls.ciphers !== undefined ? { ciphers: cfg.tls.ciphers } : {}) } } : {}),
      engine: cfg.httpEngine,
      maxBodyBytes: cfg.maxBodyBytes,
      // Anonymous requests (no signature in the head) are refused above 256 KiB before their body is read.
      bodyLimit: (headers, url) => requestBodyLimit(headers, url, cfg.maxBodyBytes),
      maxBufferedBodyBytes: cfg.maxBufferedBodyBytes,
      maxConnectionsPerIp: cfg.maxConnectionsPerIp,
      clock,
      logger,
      metrics,
      handle,
      health: async () => {
        await storage.getMeta(BOOTSTRAP_ACCOUNT_META);
        return { ok: true, detail: { storage: storage.engine } };
      },
      // Outbound identity federation issuers' OpenID discovery documents, for anyone.
      publicDocuments: { prefix: "/outbound/", get: (p) => core.iam.outbound.discovery(p) },
    });
    listening = server.url;
    logger.info({ url: server.url, dataDir: cfg.dataDir, tls: cfg.tls.enabled }, "listening");

    // After the listener is up: a start that fails leaves no pruning or outbox timer running.
    outbox.start(OUTBOX_DRAIN_MS);
    const retention =
      cfg.audit.retentionDays > 0
        ? startAuditRetention({
            store: storage,
            signer: digestSigner,
            clock,
            days: cfg.audit.retentionDays,
            // Hourly, or as often as the period itself when it is shorter (never more than once a second).
            intervalMs: Math.max(1000, Math.min(3_600_000, cfg.audit.retentionDays * 86_400_000)),
            onPruned: (r) => logger.info({ prunedThroughSeq: r.throughSeq, deleted: r.deleted }, "audit events past the retention period deleted"),
            onError: (e) => logger.error({ err: e instanceof Error ? e.message : String(e) }, "audit retention error"),
          })
        : undefined;
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      core,
      audit,
      outbox,
      logger,
      caCertPem,
      kms,
      scheduler,
      dataPlane,
      handle,
      registry,
      close(closeOpts?: { discardFirstStart?: boolean }) {
        closing ??= (async () => {
          await server.close(cfg.shutdownGraceSeconds * 1000);
          await dataPlane.close();
          await shield.close();
          await wafv2.close();
          await rateCounter?.close?.();
          await scheduler.stop();
          await kms.stop();
          await orgs.idle();
          await core.iam.idle();
          await retention?.stop();
          await outbox.stop();
          await audit.close();
          await storage.close();
          if (closeOpts?.discardFirstStart && core.opened.fresh) discardDataDir(cfg.dataDir, core.opened);
          core.unlock();
          logger.info("stopped");
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (e) {
    await dataPlane.close();
    await abandonCore(core, cfg.dataDir);
    throw e;
  }
}


/** A PEM file given in the configuration: a file that cannot be read is named with its setting. */
function readPemFile(file: string, setting: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`Cannot read ${setting} ${file}: ${(e as Error).message}`);
  }
}

const TLS_CERT_SETTING = '--tls-cert (BULWARK_TLS_CERT, "tlsCert")';
const TLS_KEY_SETTING = '--tls-key (BULWARK_TLS_KEY, "tlsKey")';

/**
 * The operator's own certificate and key: read and tried together at start, so a file that is
 * not PEM or a key that is not the certificate's refuses to start naming the settings, rather
 * than with OpenSSL's words alone.
 */
function ownTlsMaterial(
  certFile: string,
  keyFile: string,
  listenHost: string,
  now: number,
  warn: (fields: Record<string, string>, message: string) => void,
): { certPem: string; keyPem: string; caCertPem: string } {
  const certPem = readPemFile(certFile, TLS_CERT_SETTING);
  const keyPem = readPemFile(keyFile, TLS_KEY_SETTING);
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (e) {
    // OpenSSL's reason ("key values mismatch", "no start line"), never the files' content.
    const reason = ((e as Error).message.match(/[^:]*$/)?.[0] ?? "").trim() || (e as Error).message;
    throw new ConfigError(`Cannot use ${TLS_CERT_SETTING} ${certFile} with ${TLS_KEY_SETTING} ${keyFile}: ${reason} (expected a PEM certificate, optionally followed by its chain, and the PEM private key of that certificate)`);
  }
  for (const problem of ownCertificateProblems(certPem, listenHost, now)) warn({ certFile }, problem);
  return { certPem, keyPem, caCertPem: "" };
}

/**
 * What makes clients refuse the operator's own certificate although the server can serve it: a
 * validity period that does not include now, or names (SAN, else CN) without the address the
 * server listens on (a wildcard address names no host and is not checked). Started anyway, as the
 * certificate may be renewed or clients may connect by another name; these are warnings.
 */
export function ownCertificateProblems(certPem: string, listenHost: string, now: number): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return [];
  }
  const problems: string[] = [];
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now > to.getTime()) problems.push(`the ${TLS_CERT_SETTING} certificate expired on ${to.toISOString()}: clients will refuse it`);
  else if (now < from.getTime()) problems.push(`the ${TLS_CERT_SETTING} certificate is not valid before ${from.toISOString()}: clients will refuse it until then`);
  if (listenHost !== "0.0.0.0" && listenHost !== "::") {
    const named = isIP(listenHost) !== 0 ? cert.checkIP(listenHost) !== undefined : cert.checkHost(listenHost) !== undefined;
    if (!named) problems.push(`the ${TLS_CERT_SETTING} certificate does not name ${listenHost}, the listen address: clients connecting to it will refuse the certificate`);
  }
  return problems;
}

/** The operator's CA bundle for OIDC issuers (BULWARK_OIDC_CA_FILE): read once at start; a bad file refuses to start. */
function readOidcCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`Cannot read BULWARK_OIDC_CA_FILE ${file}: ${(e as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new ConfigError(`BULWARK_OIDC_CA_FILE ${file} holds no PEM certificate`);
  return pem;
}
