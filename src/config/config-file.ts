/**
 * The config file's shape: one JSON object whose members are known keys with the JSON type
 * each expects. An unknown key refuses to start (a typo would otherwise be lost without a word),
 * naming the known key it was probably meant to be. Values are checked by the same parsers as
 * the environment's (src/config/values.ts), in config.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ConfigError } from "./values.js";

type JsonType = "string" | "number" | "boolean" | "string[]";

/** Every key the file may hold and its JSON type; dataPlaneLimits is an object of numbers. */
export const FILE_KEYS = {
  dataDir: "string",
  listen: "string",
  plainHttp: "boolean",
  tlsCert: "string",
  tlsKey: "string",
  tlsNames: "string[]",
  tlsCiphers: "string",
  rootKeyFile: "string",
  defaultRegion: "string",
  logLevel: "string",
  maxBodyBytes: "number",
  maxBufferedBodyBytes: "number",
  maxConnectionsPerIp: "number",
  httpEngine: "string",
  auditDigestIntervalSeconds: "number",
  auditBatchMaxDelayMs: "number",
  auditReadOnlySyncDelayMs: "number",
  auditRetentionDays: "number",
  shutdownGraceSeconds: "number",
  gcHeapGrowthPercent: "number",
  gcPretenuring: "boolean",
  redisUrl: "string",
  dataPlaneHost: "string",
  dataPlaneDnsSuffix: "string",
  dataPlaneLimits: "object",
  kmsCryptoRps: "number",
  kmsRsaRps: "number",
  kmsEccRps: "number",
  kmsPqRps: "number",
  kmsMaxKeys: "number",
  cloudTrailLookupRps: "number",
  schedulerPollMs: "number",
  wafMaxWebAclWcu: "number",
  orgMaxAccounts: "number",
  oidcCaFile: "string",
  publicUrl: "string",
  partition: "string",
} as const satisfies Record<string, JsonType | "object">;

export type FileKey = keyof typeof FILE_KEYS;

/** The file's values, type-checked but not yet range-checked. */
export type FileValues = Partial<Record<FileKey, unknown>>;

/**
 * Settings that only the environment gives (secrets are kept out of files on purpose), so that a
 * file naming one is told where it belongs.
 */
const ENV_ONLY: Record<string, string> = {
  rootKey: "BULWARK_ROOT_KEY",
  rootPassphrase: "BULWARK_ROOT_PASSPHRASE",
  passphrase: "BULWARK_ROOT_PASSPHRASE",
  adminAccessKeyId: "BULWARK_ADMIN_ACCESS_KEY_ID",
  adminSecretAccessKey: "BULWARK_ADMIN_SECRET_ACCESS_KEY",
  adminUserName: "BULWARK_ADMIN_USER_NAME",
  shieldDetection: "BULWARK_SHIELD_DETECTION_*",
  healthCheckTimeScale: "BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE",
};

/** Levenshtein distance (insertions, deletions, substitutions), small strings only. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The known key `key` was probably meant to be: the same but for case, `-` and `_`
 * (max_body_bytes → maxBodyBytes), else the nearest within a couple of edits.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, "");
  const same = known.find((k) => norm(k) === norm(key));
  if (same !== undefined) return same;
  const limit = Math.min(2, Math.floor(key.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function unknownKey(file: string, key: string, known: readonly string[], where = ""): ConfigError {
  // Only the key is shown, never its value: it may be a secret put in the wrong place.
  const label = JSON.stringify(key);
  const env = where === "" ? ENV_ONLY[key] : undefined;
  const meant = env === undefined ? closestKey(key, known) : undefined;
  const hint = env !== undefined ? ` (this setting comes only from the environment: ${env})` : meant !== undefined ? ` (did you mean "${meant}"?)` : "";
  return new ConfigError(`Config file ${file}: unknown key ${label}${where}${hint}. Known keys: ${known.join(", ")}`);
}

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function typeName(t: JsonType | "object"): string {
  return t === "string[]" ? "an array of strings" : t === "object" ? "an object" : `a ${t}`;
}

function hasType(v: unknown, t: JsonType | "object"): boolean {
  if (t === "string[]") return Array.isArray(v) && v.every((x) => typeof x === "string");
  if (t === "object") return typeof v === "object" && v !== null && !Array.isArray(v);
  return typeof v === t;
}

/** Far more than any configuration needs; a larger "file" is the wrong one (a log, /dev/zero). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** The file's text: a regular file (or a pipe, e.g. `--config <(…)`) of at most MAX_CONFIG_FILE_BYTES. */
function readText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new ConfigError(`Cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ConfigError(`Cannot read config file ${file}: it is a directory`);
    if (!st.isFile() && !st.isFIFO()) throw new ConfigError(`Cannot read config file ${file}: it is not a regular file`);
    const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, size, buf.length - size, null);
      if (n === 0) break;
      size += n;
      if (size > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`Cannot read config file ${file}: it is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    }
    return buf.subarray(0, size).toString("utf8");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`Cannot read config file ${file}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the JSON is broken, by line and column. JSON.parse's own message quotes the text around
 * the error, which may be a secret put in the wrong place (a Redis URL's password), and may span
 * lines: it is not repeated.
 */
function jsonProblem(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (at) {
    const before = text.replace(/^\uFEFF/, "").slice(0, Number(at[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return `not valid JSON (line ${line}, column ${column})`;
  }
  if (/Unexpected end of JSON input/.test(message)) return "not valid JSON (it ends too early)";
  return "not valid JSON";
}

/**
 * Reads and checks the file's structure: a JSON object, known keys only, each of its JSON type
 * (`nested` names the members an object-valued key may have). Throws ConfigError naming the file.
 */
export function readConfigFile(file: string, nested: Partial<Record<FileKey, readonly string[]>>): FileValues {
  const text = readText(file);
  let json: unknown;
  try {
    // A byte-order mark, as some editors write, is not part of the JSON.
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new ConfigError(`Cannot read config file ${file}: ${jsonProblem((e as Error).message, text)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`Config file ${file}: expected one JSON object, e.g. {"listen": "127.0.0.1:4566"}, got ${typeOf(json)}`);
  }
  const known = Object.keys(FILE_KEYS);
  const out: FileValues = {};
  for (const [key, value] of Object.entries(json)) {
    if (!Object.hasOwn(FILE_KEYS, key)) throw unknownKey(file, key, known);
    const k = key as FileKey;
    const t = FILE_KEYS[k];
    if (!hasType(value, t)) throw new ConfigError(`Config file ${file}: "${key}" must be ${typeName(t)}, got ${typeOf(value)}`);
    const members = nested[k];
    if (members !== undefined) {
      for (const [m, mv] of Object.entries(value as object)) {
        if (!members.includes(m)) throw unknownKey(file, m, members, ` in "${key}"`);
        if (typeof mv !== "number") throw new ConfigError(`Config file ${file}: "${key}.${m}" must be a number, got ${typeOf(mv)}`);
      }
    }
    out[k] = value;
  }
  return out;
}
