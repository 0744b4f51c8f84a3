/**
 * One configuration schema, loaded once from file + environment + flags (flags win,
 * then environment, then file, then defaults), validated and frozen. Nothing else
 * in the code base reads process.env.
 */
import path from "node:path";
import type { RootKeySource } from "../crypto/seal-types.js";
import { readConfigFile, type FileKey, type FileValues } from "./config-file.js";
import { PARTITIONS, type Partition } from "../core/partition.js";
import { DEFAULT_HEAP_GROWTH_PERCENT } from "../core/gc-tuning.js";
import { bool, certNames, cipherList, ConfigError, dnsDomain, filePath, hostAddress, iamUserName, num, oneOf, parseListen, publicUrl as parsePublicUrl, redisUrl, region, type NumberRule, type Raw } from "./values.js";

/**
 * Default of audit.readOnlySyncDelayMs: the events of calls that changed nothing are written
 * before the call is answered and forced to disk at most this long after (bench/README.md).
 */
export const DEFAULT_READ_ONLY_SYNC_DELAY_MS = 20;

export interface BulwarkConfig {
  dataDir: string;
  /** host:port of the API endpoint. */
  listen: { host: string; port: number };
  /** HTTPS unless plain HTTP was asked for explicitly. */
  /** `ciphers`: TLS 1.2 cipher suites of the API endpoint (OpenSSL list), when not the default. */
  tls: { enabled: boolean; certFile?: string; keyFile?: string; extraNames: string[]; ciphers?: string };
  /** Where the root key comes from; undefined on first start means "generate one and print it". */
  rootKey?: RootKeySource;
  /** First admin's key pair (used only when the data directory is initialised). */
  admin: { accessKeyId?: string; secretAccessKey?: string; userName: string };
  /** Region reported for global services and used by the operator CLI. */
  defaultRegion: string;
  /**
   * The AWS partition of the installation's ARNs (BULWARK_PARTITION, --partition), when one is
   * asked for: a new data directory is created for it (`aws` when none is), an existing one keeps
   * the partition stored in its metadata and refuses to start for another (src/app.ts).
   */
  partition?: Partition;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Largest request body accepted, bytes. */
  maxBodyBytes: number;
  /**
   * Bytes all request bodies being received on the API endpoint may hold together; a body that
   * does not fit is answered ServiceUnavailable (503) unread. 0 = no limit; otherwise at least
   * maxBodyBytes.
   */
  maxBufferedBodyBytes: number;
  /** Open connections one client address may hold on the API endpoint; 0 = no limit. */
  maxConnectionsPerIp: number;
  /** HTTP implementation of the API endpoint (BULWARK_HTTP_ENGINE): Bulwark's own HTTP/1.1 server, or node:http as a fallback. */
  httpEngine: "http1" | "node";
  audit: {
    digestIntervalSeconds: number;
    batchMaxDelayMs: number;
    /** Longest time the event of a call that changed nothing may stay written but not forced to disk (0: none may). */
    readOnlySyncDelayMs: number;
    retentionDays: number;
  };
  /** Redis URL for state shared by a fleet of Bulwark nodes (WAF rate-based rule counters); local counters when unset. */
  redisUrl?: string;
  /** How long in-flight requests may take to finish on SIGTERM. */
  shutdownGraceSeconds: number;
  /**
   * How far V8 lets the old generation grow past what the last full collection kept before it
   * collects again (percent; 0: V8's own heuristics). See core/gc-tuning.ts.
   */
  gcHeapGrowthPercent: number;
  /** V8's allocation-site pretenuring (off unless asked for; core/gc-tuning.ts). */
  gcPretenuring: boolean;
  /** Load-balancer listeners (ELBv2) and Shield's always-on standard protections. */
  dataPlane: DataPlaneConfig;
  /**
   * KMS request quotas per account and Region (requests per second; 0 disables a quota).
   * symmetricRps unset: the Region's AWS default (10,000, 20,000 or 100,000).
   */
  /** maxKeysPerRegion: customer managed keys per account and Region (BULWARK_KMS_MAX_KEYS; AWS's quota, 100,000). */
  kms: { symmetricRps?: number; rsaRps: number; eccRps: number; pqRps: number; maxKeysPerRegion: number };
  /**
   * CloudTrail LookupEvents requests per second per account and Region (BULWARK_CLOUDTRAIL_LOOKUP_RPS;
   * AWS's quota is 2). Off (0) unless set: clients that read back their own events at once, as tests
   * do, would otherwise be throttled.
   */
  cloudTrailLookupRps: number;
  /** How often the durable scheduler looks for due jobs (key deletion, rotation, expiry). */
  schedulerPollMs: number;
  /** WCUs a WAFv2 web ACL may use (BULWARK_WAF_MAX_WEB_ACL_WCU, 1–5,000); unset: AWS's maximum, 5,000. */
  wafMaxWebAclWcu?: number;
  /** Maximum number of accounts in an organization (BULWARK_ORG_MAX_ACCOUNTS, at least 1); unset: AWS's default quota, 10. */
  orgMaxAccounts?: number;
  /** AssumeRoleWithWebIdentity: a PEM CA bundle trusted (besides Node's roots) when fetching OIDC issuers' configuration and keys (BULWARK_OIDC_CA_FILE). */
  oidcCaFile?: string;
  /** Shield Advanced HTTP-flood detection tuning (BULWARK_SHIELD_DETECTION_*); unset members keep the defaults of src/dataplane/shield/detection/settings.ts. */
  shieldDetection?: ShieldDetectionConfig;
  /**
   * The API endpoint's public base URL as clients outside reach it (BULWARK_PUBLIC_URL), without a
   * trailing slash. Outbound identity federation's issuers are `<publicUrl>/outbound/<id>`; unset:
   * the listener's own URL.
   */
  publicUrl?: string;
}

/** Overrides of Shield's application-layer detection settings (see src/dataplane/shield/detection/README.md). */
export interface ShieldDetectionConfig {
  baselineSeconds?: number;
  multiplier?: number;
  minRequestsPerSecond?: number;
  sustainSeconds?: number;
  cooldownSeconds?: number;
  topK?: number;
  tickMs?: number;
  persistSeconds?: number;
}

/** Where load-balancer listeners bind and the limits every listener enforces. */
export interface DataPlaneConfig {
  /** Address every listener binds (loopback unless asked otherwise). */
  host: string;
  /** DNS suffix of load-balancer names: <name>-<id>.<region>.<dnsSuffix>. */
  dnsSuffix: string;
  /** Multiplies health-check intervals and timeouts (1 in production; tests shrink it). */
  healthCheckTimeScale: number;
  /** Shield standard protections, applied at every listener. */
  limits: {
    /** Concurrent connections one client IP may hold open on one listener. */
    maxConnectionsPerIp: number;
    /** Concurrent connections per listener, all clients together. */
    maxConnections: number;
    /** Time allowed to receive a request's complete header block (slowloris). */
    headerTimeoutMs: number;
    /** A request body that stalls this long is cut off (slow POST). */
    bodyIdleTimeoutMs: number;
    /** After bodyRateGraceMs, a body slower than this (bytes/s) is cut off; 0 disables. */
    minBodyBytesPerSecond: number;
    bodyRateGraceMs: number;
    /** A response the client stops reading for this long is abandoned (slow read). */
    sendTimeoutMs: number;
    /** Largest request header block: request-target and header fields (400 beyond; ALB's 64 K). */
    maxHeaderBytes: number;
    /** Largest request body (413 beyond); 0 means unlimited. */
    maxBodyBytes: number;
    /** Requests served on one client connection before it is closed. */
    maxRequestsPerConnection: number;
    /** Upstream connections per target (keep-alive pool). */
    upstreamMaxSockets: number;
  };
}

export interface ConfigFlags {
  config?: string;
  dataDir?: string;
  listen?: string;
  plainHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  rootKeyFile?: string;
  logLevel?: string;
  kmsCryptoRps?: number | string;
  partition?: string;
}

type Env = Record<string, string | undefined>;

export { ConfigError };

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const HTTP_ENGINES = ["http1", "node"] as const;

type Limits = DataPlaneConfig["limits"];

/** Environment names of the Shield limits (BULWARK_DATAPLANE_<NAME>) and the values each may take. */
const LIMITS: Record<keyof Limits, { env: string; rule: NumberRule }> = {
  maxConnectionsPerIp: { env: "MAX_CONNECTIONS_PER_IP", rule: { integer: true, min: 1 } },
  maxConnections: { env: "MAX_CONNECTIONS", rule: { integer: true, min: 1 } },
  headerTimeoutMs: { env: "HEADER_TIMEOUT_MS", rule: { integer: true, min: 100 } },
  bodyIdleTimeoutMs: { env: "BODY_IDLE_TIMEOUT_MS", rule: { integer: true, min: 1 } },
  minBodyBytesPerSecond: { env: "MIN_BODY_BYTES_PER_SECOND", rule: { integer: true, zero: "0 = no minimum" } },
  bodyRateGraceMs: { env: "BODY_RATE_GRACE_MS", rule: { integer: true } },
  sendTimeoutMs: { env: "SEND_TIMEOUT_MS", rule: { integer: true, min: 1 } },
  maxHeaderBytes: { env: "MAX_HEADER_BYTES", rule: { integer: true, min: 1 } },
  maxBodyBytes: { env: "MAX_BODY_BYTES", rule: { integer: true, zero: "0 = unlimited" } },
  maxRequestsPerConnection: { env: "MAX_REQUESTS_PER_CONNECTION", rule: { integer: true, min: 1 } },
  upstreamMaxSockets: { env: "UPSTREAM_MAX_SOCKETS", rule: { integer: true, min: 1 } },
};

export const DEFAULT_DATAPLANE_LIMITS: Readonly<Limits> = Object.freeze({
  maxConnectionsPerIp: 256,
  maxConnections: 10_000,
  headerTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 30_000,
  minBodyBytesPerSecond: 64,
  bodyRateGraceMs: 10_000,
  sendTimeoutMs: 30_000,
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 100 * 1024 * 1024,
  maxRequestsPerConnection: 10_000,
  upstreamMaxSockets: 256,
});

const RPS: NumberRule = { zero: "0 = no quota" };

/** A parser of src/config/values.ts bound to its rule. */
type Parse<T> = (v: Raw, name: string) => T | undefined;
const number = (rule: NumberRule): Parse<number> => (v, name) => num(v, name, rule);

/** Where one setting may come from, most important first. */
interface Sources {
  flag?: { value: Raw; name: string };
  /** Environment variables; the first one set is used (BULWARK_REGION, then AWS_REGION). */
  env?: string | readonly string[];
  file?: { value: Raw; name: string };
}

export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Readonly<BulwarkConfig> {
  if (flags.config === "") throw new ConfigError('Invalid --config: expected a value, got ""');
  const configPath = flags.config !== undefined ? filePath(flags.config, "--config") : filePath(env.BULWARK_CONFIG, "BULWARK_CONFIG");
  const file: FileValues = configPath ? readConfigFile(configPath, { dataPlaneLimits: Object.keys(LIMITS) }) : {};
  const fromFile = (key: FileKey): Sources["file"] => ({ value: file[key], name: `"${key}" in config file ${configPath ?? ""}` });
  const flag = (value: Raw, name: string): Sources["flag"] => ({ value, name });

  /**
   * One setting, flags over environment over file. Every source given is parsed, so a bad value
   * is refused even where a more important source overrides it.
   */
  function setting<T>(parse: Parse<T>, src: Sources): T | undefined {
    const fileValue = src.file ? parse(src.file.value, src.file.name) : undefined;
    const envName = typeof src.env === "string" ? src.env : src.env?.find((n) => env[n] !== undefined && env[n] !== "");
    const envValue = envName !== undefined ? parse(env[envName], envName) : undefined;
    // A flag given with an empty value is a mistake (an unset shell variable), not "unset".
    if (src.flag?.value === "") throw new ConfigError(`Invalid ${src.flag.name}: expected a value, got ""`);
    const flagValue = src.flag ? parse(src.flag.value, src.flag.name) : undefined;
    return flagValue ?? envValue ?? fileValue;
  }

  const dataDir = path.resolve(setting(filePath, { flag: flag(flags.dataDir, "--data-dir"), env: "BULWARK_DATA_DIR", file: fromFile("dataDir") }) ?? ".data");
  const listen = setting(parseListen, { flag: flag(flags.listen, "--listen"), env: "BULWARK_LISTEN", file: fromFile("listen") }) ?? { host: "127.0.0.1", port: 4566 };
  const plain = setting(bool, { flag: flag(flags.plainHttp, "--plain-http"), env: "BULWARK_PLAIN_HTTP", file: fromFile("plainHttp") }) ?? false;
  const certFile = setting(filePath, { flag: flag(flags.tlsCert, "--tls-cert"), env: "BULWARK_TLS_CERT", file: fromFile("tlsCert") });
  const keyFile = setting(filePath, { flag: flag(flags.tlsKey, "--tls-key"), env: "BULWARK_TLS_KEY", file: fromFile("tlsKey") });
  if ((certFile && !keyFile) || (!certFile && keyFile)) throw new ConfigError('--tls-cert and --tls-key (BULWARK_TLS_CERT and BULWARK_TLS_KEY, "tlsCert" and "tlsKey" in the config file) must be given together');
  const extraNames = setting(certNames, { env: "BULWARK_TLS_NAMES", file: fromFile("tlsNames") }) ?? [];
  const ciphers = setting(cipherList, { env: "BULWARK_TLS_CIPHERS", file: fromFile("tlsCiphers") });

  // --root-key-file on the command line wins like every flag; among the environment's sources
  // the passphrase comes first, then the key, then the key file; the config file's key file last.
  // (BULWARK_ROOT_KEY's encoding is checked where it is decoded, src/crypto/providers/env-provider.ts.)
  let rootKey: RootKeySource | undefined;
  const keyFilePath = setting(filePath, { env: "BULWARK_ROOT_KEY_FILE", file: fromFile("rootKeyFile") });
  const rootKeyFlag = setting(filePath, { flag: flag(flags.rootKeyFile, "--root-key-file") });
  if (rootKeyFlag) rootKey = { kind: "file", path: path.resolve(rootKeyFlag) };
  else if (env.BULWARK_ROOT_PASSPHRASE) rootKey = { kind: "passphrase", passphrase: env.BULWARK_ROOT_PASSPHRASE };
  else if (env.BULWARK_ROOT_KEY) rootKey = { kind: "env", value: env.BULWARK_ROOT_KEY };
  else if (keyFilePath) rootKey = { kind: "file", path: path.resolve(keyFilePath) };

  const logLevel = setting(oneOf(LOG_LEVELS), { flag: flag(flags.logLevel, "--log-level"), env: "BULWARK_LOG_LEVEL", file: fromFile("logLevel") }) ?? "info";

  const adminId = env.BULWARK_ADMIN_ACCESS_KEY_ID || undefined;
  const adminSecret = env.BULWARK_ADMIN_SECRET_ACCESS_KEY || undefined;
  if ((adminId && !adminSecret) || (!adminId && adminSecret)) {
    throw new ConfigError("BULWARK_ADMIN_ACCESS_KEY_ID and BULWARK_ADMIN_SECRET_ACCESS_KEY must be set together");
  }
  if (adminId && !/^AKIA[A-Z0-9]{12,124}$/.test(adminId)) {
    throw new ConfigError("BULWARK_ADMIN_ACCESS_KEY_ID must look like an AWS access key id (AKIA followed by 12+ upper-case letters/digits)");
  }
  // The secret itself is never repeated.
  if (adminSecret && adminSecret.length < 16) throw new ConfigError("BULWARK_ADMIN_SECRET_ACCESS_KEY must be at least 16 characters");
  const adminUserName = setting(iamUserName, { env: "BULWARK_ADMIN_USER_NAME" }) ?? "admin";

  const wafMaxWebAclWcu = setting(number({ integer: true, min: 1, max: 5000 }), { env: "BULWARK_WAF_MAX_WEB_ACL_WCU", file: fromFile("wafMaxWebAclWcu") });
  const orgMaxAccounts = setting(number({ integer: true, min: 1 }), { env: "BULWARK_ORG_MAX_ACCOUNTS", file: fromFile("orgMaxAccounts") });
  const oidcCaFile = setting(filePath, { env: "BULWARK_OIDC_CA_FILE", file: fromFile("oidcCaFile") });
  const publicUrl = setting(parsePublicUrl, { env: "BULWARK_PUBLIC_URL", file: fromFile("publicUrl") });
  const httpEngine = setting(oneOf(HTTP_ENGINES), { env: "BULWARK_HTTP_ENGINE", file: fromFile("httpEngine") }) ?? "http1";
  const redis = setting(redisUrl, { env: "BULWARK_REDIS_URL", file: fromFile("redisUrl") });
  const partition = setting(oneOf(PARTITIONS), { flag: flag(flags.partition, "--partition"), env: "BULWARK_PARTITION", file: fromFile("partition") });
  const symmetricRps = setting(number(RPS), { flag: flag(flags.kmsCryptoRps, "--kms-crypto-rps"), env: "BULWARK_KMS_CRYPTO_RPS", file: fromFile("kmsCryptoRps") });

  const maxBodyBytes = setting(number({ integer: true, min: 1 }), { env: "BULWARK_MAX_BODY_BYTES", file: fromFile("maxBodyBytes") }) ?? 10 * 1024 * 1024;
  const maxBufferedBodyBytes =
    setting(number({ integer: true, zero: "0 = no limit" }), { env: "BULWARK_MAX_BUFFERED_BODY_BYTES", file: fromFile("maxBufferedBodyBytes") }) ?? 256 * 1024 * 1024;
  // A smaller budget would refuse every body of the largest size allowed, whatever the load.
  if (maxBufferedBodyBytes > 0 && maxBufferedBodyBytes < maxBodyBytes) {
    throw new ConfigError(
      `BULWARK_MAX_BUFFERED_BODY_BYTES (maxBufferedBodyBytes) is ${maxBufferedBodyBytes}, less than BULWARK_MAX_BODY_BYTES (maxBodyBytes), ${maxBodyBytes}: a body of the largest size allowed would never fit. Set it to at least ${maxBodyBytes}, or 0 for no limit.`,
    );
  }

  const limits = { ...DEFAULT_DATAPLANE_LIMITS };
  const fileLimits = (file.dataPlaneLimits ?? {}) as Partial<Record<keyof Limits, unknown>>;
  for (const key of Object.keys(LIMITS) as Array<keyof Limits>) {
    const { env: name, rule } = LIMITS[key];
    const v = setting(number(rule), { env: `BULWARK_DATAPLANE_${name}`, file: { value: fileLimits[key], name: `"dataPlaneLimits.${key}" in config file ${configPath ?? ""}` } });
    if (v !== undefined) limits[key] = v;
  }

  const cfg: BulwarkConfig = {
    ...(redis ? { redisUrl: redis } : {}),
    dataDir,
    listen,
    tls: { enabled: !plain, ...(certFile ? { certFile: path.resolve(certFile) } : {}), ...(keyFile ? { keyFile: path.resolve(keyFile) } : {}), extraNames, ...(ciphers !== undefined ? { ciphers } : {}) },
    ...(rootKey ? { rootKey } : {}),
    admin: { ...(adminId ? { accessKeyId: adminId } : {}), ...(adminSecret ? { secretAccessKey: adminSecret } : {}), userName: adminUserName },
    defaultRegion: setting(region, { env: ["BULWARK_REGION", "AWS_REGION"], file: fromFile("defaultRegion") }) ?? "us-east-1",
    ...(partition !== undefined ? { partition } : {}),
    logLevel,
    maxBodyBytes,
    maxBufferedBodyBytes,
    maxConnectionsPerIp:
      setting(number({ integer: true, zero: "0 = no limit" }), { env: "BULWARK_MAX_CONNECTIONS_PER_IP", file: fromFile("maxConnectionsPerIp") }) ?? 1024,
    httpEngine,
    audit: {
      digestIntervalSeconds:
        setting(number({ zero: "0 = no periodic digests" }), { env: "BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS", file: fromFile("auditDigestIntervalSeconds") }) ?? 60,
      batchMaxDelayMs: setting(number({}), { env: "BULWARK_AUDIT_BATCH_MAX_DELAY_MS", file: fromFile("auditBatchMaxDelayMs") }) ?? 0,
      readOnlySyncDelayMs:
        setting(number({ max: 1000, zero: "0 = every event is on disk before its call is answered" }), {
          env: "BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS",
          file: fromFile("auditReadOnlySyncDelayMs"),
        }) ?? DEFAULT_READ_ONLY_SYNC_DELAY_MS,
      retentionDays: setting(number({ zero: "0 = keep every event" }), { env: "BULWARK_AUDIT_RETENTION_DAYS", file: fromFile("auditRetentionDays") }) ?? 0,
    },
    shutdownGraceSeconds: setting(number({}), { env: "BULWARK_SHUTDOWN_GRACE_SECONDS", file: fromFile("shutdownGraceSeconds") }) ?? 20,
    gcHeapGrowthPercent:
      setting(number({ integer: true, max: 1000, zero: "0 = V8's own heuristics" }), { env: "BULWARK_GC_HEAP_GROWTH_PERCENT", file: fromFile("gcHeapGrowthPercent") }) ??
      DEFAULT_HEAP_GROWTH_PERCENT,
    gcPretenuring: setting(bool, { env: "BULWARK_GC_PRETENURING", file: fromFile("gcPretenuring") }) ?? false,
    dataPlane: {
      host: setting(hostAddress, { env: "BULWARK_DATAPLANE_HOST", file: fromFile("dataPlaneHost") }) ?? "127.0.0.1",
      dnsSuffix: setting(dnsDomain, { env: "BULWARK_DATAPLANE_DNS_SUFFIX", file: fromFile("dataPlaneDnsSuffix") }) ?? "elb.localhost",
      healthCheckTimeScale: setting(number({ exclusiveMin: true }), { env: "BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE" }) ?? 1,
      limits,
    },
    kms: {
      ...(symmetricRps !== undefined ? { symmetricRps } : {}),
      rsaRps: setting(number(RPS), { env: "BULWARK_KMS_RSA_RPS", file: fromFile("kmsRsaRps") }) ?? 500,
      eccRps: setting(number(RPS), { env: "BULWARK_KMS_ECC_RPS", file: fromFile("kmsEccRps") }) ?? 300,
      pqRps: setting(number(RPS), { env: "BULWARK_KMS_PQ_RPS", file: fromFile("kmsPqRps") }) ?? 500,
      maxKeysPerRegion: setting(number({ integer: true, min: 1 }), { env: "BULWARK_KMS_MAX_KEYS", file: fromFile("kmsMaxKeys") }) ?? 100_000,
    },
    cloudTrailLookupRps: setting(number(RPS), { env: "BULWARK_CLOUDTRAIL_LOOKUP_RPS", file: fromFile("cloudTrailLookupRps") }) ?? 0,
    schedulerPollMs: setting(number({ integer: true, min: 1 }), { env: "BULWARK_SCHEDULER_POLL_MS", file: fromFile("schedulerPollMs") }) ?? 1000,
    shieldDetection: shieldDetection((rule, name) => setting(number(rule), { env: name })),
    ...(wafMaxWebAclWcu !== undefined ? { wafMaxWebAclWcu } : {}),
    ...(orgMaxAccounts !== undefined ? { orgMaxAccounts } : {}),
    ...(oidcCaFile ? { oidcCaFile: path.resolve(oidcCaFile) } : {}),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
  };
  return Object.freeze(cfg);
}

/**
 * Environment names of the Shield detection settings (BULWARK_SHIELD_DETECTION_<NAME>) and their
 * ranges (those src/dataplane/shield/detection/settings.ts would otherwise clamp to).
 */
const SHIELD_DETECTION: Record<keyof ShieldDetectionConfig, { env: string; rule: NumberRule }> = {
  baselineSeconds: { env: "BASELINE_SECONDS", rule: { integer: true, min: 1 } },
  multiplier: { env: "MULTIPLIER", rule: { min: 1 } },
  minRequestsPerSecond: { env: "MIN_RPS", rule: {} },
  sustainSeconds: { env: "SUSTAIN_SECONDS", rule: { integer: true, min: 1 } },
  cooldownSeconds: { env: "COOLDOWN_SECONDS", rule: { integer: true, min: 1 } },
  topK: { env: "TOP_K", rule: { integer: true, min: 5 } },
  tickMs: { env: "TICK_MS", rule: { integer: true, min: 10 } },
  persistSeconds: { env: "PERSIST_SECONDS", rule: { integer: true, min: 1 } },
};

function shieldDetection(read: (rule: NumberRule, name: string) => number | undefined): ShieldDetectionConfig {
  const out: ShieldDetectionConfig = {};
  for (const key of Object.keys(SHIELD_DETECTION) as Array<keyof ShieldDetectionConfig>) {
    const { env, rule } = SHIELD_DETECTION[key];
    const v = read(rule, `BULWARK_SHIELD_DETECTION_${env}`);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
