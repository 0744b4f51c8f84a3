/**
 * The configuration in effect, as the debug log shows it at start-up. Secrets are left out
 * entirely, not masked: the root key, the passphrase, a PKCS#11 PIN, the admin's secret access
 * key and a password in the Redis URL never appear, not even in part. Every member of
 * BulwarkConfig must be listed here (the type says so), so a new setting is a deliberate choice.
 */
import type { BulwarkConfig } from "./config.js";

/** A Redis URL without its user name and password. */
function redisWithoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(not shown)";
  }
}

export function describeConfig(cfg: Readonly<BulwarkConfig>): Record<keyof BulwarkConfig, unknown> {
  const rootKey = cfg.rootKey;
  return {
    dataDir: cfg.dataDir,
    listen: `${cfg.listen.host.includes(":") ? `[${cfg.listen.host}]` : cfg.listen.host}:${cfg.listen.port}`,
    tls: cfg.tls,
    // Which source only; a key file's path is not secret (its content is).
    rootKey: rootKey === undefined ? "none (generated on first start)" : rootKey.kind === "file" ? { source: "file", path: rootKey.path } : { source: rootKey.kind },
    admin: { userName: cfg.admin.userName, keyPair: cfg.admin.accessKeyId !== undefined ? { accessKeyId: cfg.admin.accessKeyId } : "generated when the data directory is initialised" },
    defaultRegion: cfg.defaultRegion,
    partition: cfg.partition ?? "the data directory's own (aws for a new one)",
    logLevel: cfg.logLevel,
    maxBodyBytes: cfg.maxBodyBytes,
    maxBufferedBodyBytes: cfg.maxBufferedBodyBytes === 0 ? "no limit" : cfg.maxBufferedBodyBytes,
    maxConnectionsPerIp: cfg.maxConnectionsPerIp === 0 ? "no limit" : cfg.maxConnectionsPerIp,
    httpEngine: cfg.httpEngine,
    audit: cfg.audit,
    redisUrl: cfg.redisUrl !== undefined ? redisWithoutCredentials(cfg.redisUrl) : "none (local counters)",
    shutdownGraceSeconds: cfg.shutdownGraceSeconds,
    gcHeapGrowthPercent: cfg.gcHeapGrowthPercent === 0 ? "V8's own heuristics" : cfg.gcHeapGrowthPercent,
    gcPretenuring: cfg.gcPretenuring,
    dataPlane: cfg.dataPlane,
    kms: cfg.kms,
    cloudTrailLookupRps: cfg.cloudTrailLookupRps,
    schedulerPollMs: cfg.schedulerPollMs,
    wafMaxWebAclWcu: cfg.wafMaxWebAclWcu ?? 5000,
    orgMaxAccounts: cfg.orgMaxAccounts ?? 10,
    oidcCaFile: cfg.oidcCaFile ?? "none",
    shieldDetection: cfg.shieldDetection ?? {},
    publicUrl: cfg.publicUrl ?? "the listener's own URL",
  };
}
