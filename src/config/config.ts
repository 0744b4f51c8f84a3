/**
 * One configuration schema, loaded once from file + environment + flags (flags win,
 * then environment, then file, then defaults), validated and frozen. Nothing else
 * in the code base reads process.env.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { RootKeySource } from "../crypto/seal-types.js";

export interface BulwarkConfig {
  dataDir: string;
  /** host:port of the API endpoint. */
  listen: { host: string; port: number };
  /** HTTPS unless plain HTTP was asked for explicitly. */
  tls: { enabled: boolean; certFile?: string; keyFile?: string; extraNames: string[] };
  /** Where the root key comes from; undefined on first start means "generate one and print it". */
  rootKey?: RootKeySource;
  /** First admin's key pair (used only when the data directory is initialised). */
  admin: { accessKeyId?: string; secretAccessKey?: string; userName: string };
  /** Region reported for global services and used by the operator CLI. */
  defaultRegion: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Largest request body accepted, bytes. */
  maxBodyBytes: number;
  /** HTTP implementation of the API endpoint (BULWARK_HTTP_ENGINE): Bulwark's own HTTP/1.1 server, or node:http as a fallback. */
  httpEngine: "http1" | "node";
  audit: { digestIntervalSeconds: number; batchMaxDelayMs: number };
  /** Redis URL for state shared by a fleet of Bulwark nodes (WAF rate-based rule counters); local counters when unset. */
  redisUrl?: string;
  /** How long in-flight requests may take to finish on SIGTERM. */
  shutdownGraceSeconds: number;
  /** Load-balancer listeners (ELBv2) and Shield's always-on standard protections. */
  dataPlane: DataPlaneConfig;
  /**
   * KMS request quotas per account and Region (requests per second; 0 disables a quota).
   * symmetricRps unset: the Region's AWS default (10,000, 20,000 or 100,000).
   */
  kms: { symmetricRps?: number; rsaRps: number; eccRps: number; pqRps: number };
  /** How often the durable scheduler looks for due jobs (key deletion, rotation, expiry). */
  schedulerPollMs: number;
  /** WCUs a WAFv2 web ACL may use (BULWARK_WAF_MAX_WEB_ACL_WCU, 1–5,000); unset: AWS's maximum, 5,000. */
  wafMaxWebAclWcu?: number;
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
    /** Largest request header block (431 beyond). */
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
  kmsCryptoRps?: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(`Invalid listen address "${value}": expected host:port, e.g. 127.0.0.1:4566`);
  const host = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`Invalid port in listen address "${value}"`);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`Invalid number for ${name}: ${String(v)}`);
  return n;
}

function optional<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Partial<Record<K, number>>);
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** File format: JSON with the same member names as BulwarkConfig (all optional). */
interface FileConfig {
  dataDir?: string;
  listen?: string;
  plainHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsNames?: string[];
  rootKeyFile?: string;
  defaultRegion?: string;
  logLevel?: string;
  maxBodyBytes?: number;
  httpEngine?: string;
  auditDigestIntervalSeconds?: number;
  auditBatchMaxDelayMs?: number;
  shutdownGraceSeconds?: number;
  dataPlaneHost?: string;
  dataPlaneDnsSuffix?: string;
  dataPlaneLimits?: Partial<DataPlaneConfig["limits"]>;
  kmsCryptoRps?: number;
  kmsRsaRps?: number;
  kmsEccRps?: number;
  kmsPqRps?: number;
  schedulerPollMs?: number;
  wafMaxWebAclWcu?: number;
  oidcCaFile?: string;
  publicUrl?: string;
}

/** Environment names of the Shield limits (BULWARK_DATAPLANE_<NAME>). */
const LIMIT_ENV: Record<keyof DataPlaneConfig["limits"], string> = {
  maxConnectionsPerIp: "MAX_CONNECTIONS_PER_IP",
  maxConnections: "MAX_CONNECTIONS",
  headerTimeoutMs: "HEADER_TIMEOUT_MS",
  bodyIdleTimeoutMs: "BODY_IDLE_TIMEOUT_MS",
  minBodyBytesPerSecond: "MIN_BODY_BYTES_PER_SECOND",
  bodyRateGraceMs: "BODY_RATE_GRACE_MS",
  sendTimeoutMs: "SEND_TIMEOUT_MS",
  maxHeaderBytes: "MAX_HEADER_BYTES",
  maxBodyBytes: "MAX_BODY_BYTES",
  maxRequestsPerConnection: "MAX_REQUESTS_PER_CONNECTION",
  upstreamMaxSockets: "UPSTREAM_MAX_SOCKETS",
};

export const DEFAULT_DATAPLANE_LIMITS: Readonly<DataPlaneConfig["limits"]> = Object.freeze({
  maxConnectionsPerIp: 256,
  maxConnections: 10_000,
  headerTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 30_000,
  minBodyBytesPerSecond: 64,
  bodyRateGraceMs: 10_000,
  sendTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 100 * 1024 * 1024,
  maxRequestsPerConnection: 10_000,
  upstreamMaxSockets: 256,
});

function dataPlaneLimits(env: Env, file: FileConfig): DataPlaneConfig["limits"] {
  const out = { ...DEFAULT_DATAPLANE_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as Array<keyof DataPlaneConfig["limits"]>) {
    const name = `BULWARK_DATAPLANE_${LIMIT_ENV[key]}`;
    const v = num(env[name], name) ?? num(file.dataPlaneLimits?.[key], `dataPlaneLimits.${key}`);
    if (v !== undefined) out[key] = v;
  }
  if (out.headerTimeoutMs < 100) throw new ConfigError("BULWARK_DATAPLANE_HEADER_TIMEOUT_MS must be at least 100");
  return out;
}

export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Readonly<BulwarkConfig> {
  const file: FileConfig = {};
  const configPath = flags.config ?? env.BULWARK_CONFIG;
  if (configPath) {
    try {
      Object.assign(file, JSON.parse(readFileSync(configPath, "utf8")) as FileConfig);
    } catch (e) {
      throw new ConfigError(`Cannot read config file ${configPath}: ${(e as Error).message}`);
    }
  }
  const dataDir = path.resolve(flags.dataDir ?? env.BULWARK_DATA_DIR ?? file.dataDir ?? ".data");
  const listen = parseListen(flags.listen ?? env.BULWARK_LISTEN ?? file.listen ?? "127.0.0.1:4566");
  const plain = flags.plainHttp ?? bool(env.BULWARK_PLAIN_HTTP) ?? file.plainHttp ?? false;
  const certFile = flags.tlsCert ?? env.BULWARK_TLS_CERT ?? file.tlsCert;
  const keyFile = flags.tlsKey ?? env.BULWARK_TLS_KEY ?? file.tlsKey;
  if ((certFile && !keyFile) || (!certFile && keyFile)) throw new ConfigError("--tls-cert and --tls-key must be given together");
  const extraNames = (env.BULWARK_TLS_NAMES?.split(",").map((s) => s.trim()).filter(Boolean)) ?? file.tlsNames ?? [];

  // --root-key-file on the command line wins like every flag; among the environment's sources
  // the passphrase comes first, then the key, then the key file; the config file's key file last.
  let rootKey: RootKeySource | undefined;
  const keyFilePath = env.BULWARK_ROOT_KEY_FILE ?? file.rootKeyFile;
  if (flags.rootKeyFile) rootKey = { kind: "file", path: path.resolve(flags.rootKeyFile) };
  else if (env.BULWARK_ROOT_PASSPHRASE) rootKey = { kind: "passphrase", passphrase: env.BULWARK_ROOT_PASSPHRASE };
  else if (env.BULWARK_ROOT_KEY) rootKey = { kind: "env", value: env.BULWARK_ROOT_KEY };
  else if (keyFilePath) rootKey = { kind: "file", path: path.resolve(keyFilePath) };

  const level = (flags.logLevel ?? env.BULWARK_LOG_LEVEL ?? file.logLevel ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`Invalid log level "${level}"`);

  const adminId = env.BULWARK_ADMIN_ACCESS_KEY_ID;
  const adminSecret = env.BULWARK_ADMIN_SECRET_ACCESS_KEY;
  if ((adminId && !adminSecret) || (!adminId && adminSecret)) {
    throw new ConfigError("BULWARK_ADMIN_ACCESS_KEY_ID and BULWARK_ADMIN_SECRET_ACCESS_KEY must be set together");
  }
  if (adminId && !/^AKIA[A-Z0-9]{12,124}$/.test(adminId)) {
    throw new ConfigError("BULWARK_ADMIN_ACCESS_KEY_ID must look like an AWS access key id (AKIA followed by 12+ upper-case letters/digits)");
  }
  if (adminSecret && adminSecret.length < 16) throw new ConfigError("BULWARK_ADMIN_SECRET_ACCESS_KEY must be at least 16 characters");

  const wafMaxWebAclWcu = num(env.BULWARK_WAF_MAX_WEB_ACL_WCU, "BULWARK_WAF_MAX_WEB_ACL_WCU") ?? num(file.wafMaxWebAclWcu, "wafMaxWebAclWcu");
  if (wafMaxWebAclWcu !== undefined && (!Number.isInteger(wafMaxWebAclWcu) || wafMaxWebAclWcu < 1 || wafMaxWebAclWcu > 5000)) {
    throw new ConfigError("BULWARK_WAF_MAX_WEB_ACL_WCU must be a whole number from 1 to 5000 (AWS WAF's maximum web ACL capacity)");
  }

  const oidcCaFile = env.BULWARK_OIDC_CA_FILE || file.oidcCaFile;

  const publicUrl = parsePublicUrl(env.BULWARK_PUBLIC_URL || file.publicUrl);

  const httpEngine = (env.BULWARK_HTTP_ENGINE || file.httpEngine || "http1").toLowerCase();
  if (httpEngine !== "http1" && httpEngine !== "node") throw new ConfigError(`Invalid BULWARK_HTTP_ENGINE "${httpEngine}": expected http1 or node`);

  const redisUrl = env.BULWARK_REDIS_URL ?? (file as { redisUrl?: string }).redisUrl;
  const cfg: BulwarkConfig = {
    ...(redisUrl ? { redisUrl } : {}),
    dataDir,
    listen,
    tls: { enabled: !plain, ...(certFile ? { certFile: path.resolve(certFile) } : {}), ...(keyFile ? { keyFile: path.resolve(keyFile) } : {}), extraNames },
    ...(rootKey ? { rootKey } : {}),
    admin: { ...(adminId ? { accessKeyId: adminId } : {}), ...(adminSecret ? { secretAccessKey: adminSecret } : {}), userName: env.BULWARK_ADMIN_USER_NAME ?? "admin" },
    defaultRegion: env.BULWARK_REGION ?? env.AWS_REGION ?? file.defaultRegion ?? "us-east-1",
    logLevel: level as BulwarkConfig["logLevel"],
    maxBodyBytes: num(env.BULWARK_MAX_BODY_BYTES, "BULWARK_MAX_BODY_BYTES") ?? file.maxBodyBytes ?? 10 * 1024 * 1024,
    httpEngine,
    audit: {
      digestIntervalSeconds: num(env.BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS, "BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS") ?? file.auditDigestIntervalSeconds ?? 60,
      batchMaxDelayMs: num(env.BULWARK_AUDIT_BATCH_MAX_DELAY_MS, "BULWARK_AUDIT_BATCH_MAX_DELAY_MS") ?? file.auditBatchMaxDelayMs ?? 0,
    },
    shutdownGraceSeconds: num(env.BULWARK_SHUTDOWN_GRACE_SECONDS, "BULWARK_SHUTDOWN_GRACE_SECONDS") ?? file.shutdownGraceSeconds ?? 20,
    dataPlane: {
      host: env.BULWARK_DATAPLANE_HOST ?? file.dataPlaneHost ?? "127.0.0.1",
      dnsSuffix: env.BULWARK_DATAPLANE_DNS_SUFFIX ?? file.dataPlaneDnsSuffix ?? "elb.localhost",
      healthCheckTimeScale: num(env.BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE, "BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE") ?? 1,
      limits: dataPlaneLimits(env, file),
    },
    kms: {
      ...optional("symmetricRps", flags.kmsCryptoRps ?? num(env.BULWARK_KMS_CRYPTO_RPS, "BULWARK_KMS_CRYPTO_RPS") ?? file.kmsCryptoRps),
      rsaRps: num(env.BULWARK_KMS_RSA_RPS, "BULWARK_KMS_RSA_RPS") ?? file.kmsRsaRps ?? 500,
      eccRps: num(env.BULWARK_KMS_ECC_RPS, "BULWARK_KMS_ECC_RPS") ?? file.kmsEccRps ?? 300,
      pqRps: num(env.BULWARK_KMS_PQ_RPS, "BULWARK_KMS_PQ_RPS") ?? file.kmsPqRps ?? 500,
    },
    schedulerPollMs: num(env.BULWARK_SCHEDULER_POLL_MS, "BULWARK_SCHEDULER_POLL_MS") ?? file.schedulerPollMs ?? 1000,
    shieldDetection: shieldDetection(env),
    ...(wafMaxWebAclWcu !== undefined ? { wafMaxWebAclWcu } : {}),
    ...(oidcCaFile ? { oidcCaFile: path.resolve(oidcCaFile) } : {}),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
  };
  return Object.freeze(cfg);
}

/**
 * An http(s) origin with an optional path, no query, fragment or credentials: token issuers are
 * built from it, and OpenID Connect issuers may carry only scheme, host, port and path.
 */
function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`BULWARK_PUBLIC_URL is not a URL: ${value}`);
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.search !== "" || u.hash !== "" || u.username !== "" || u.password !== "") {
    throw new ConfigError("BULWARK_PUBLIC_URL must be an http(s) URL without query, fragment or credentials, e.g. https://bulwark.example.com");
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
}

/** Environment names of the Shield detection settings (BULWARK_SHIELD_DETECTION_<NAME>). */
const SHIELD_DETECTION_ENV: Record<keyof ShieldDetectionConfig, string> = {
  baselineSeconds: "BASELINE_SECONDS",
  multiplier: "MULTIPLIER",
  minRequestsPerSecond: "MIN_RPS",
  sustainSeconds: "SUSTAIN_SECONDS",
  cooldownSeconds: "COOLDOWN_SECONDS",
  topK: "TOP_K",
  tickMs: "TICK_MS",
  persistSeconds: "PERSIST_SECONDS",
};

function shieldDetection(env: Env): ShieldDetectionConfig {
  const out: ShieldDetectionConfig = {};
  for (const key of Object.keys(SHIELD_DETECTION_ENV) as Array<keyof ShieldDetectionConfig>) {
    const name = `BULWARK_SHIELD_DETECTION_${SHIELD_DETECTION_ENV[key]}`;
    const v = num(env[name], name);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
