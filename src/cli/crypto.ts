/**
 * `bulwark encrypt` / `bulwark decrypt`: files, directory trees or stdin/stdout streams of any size
 * in the AWS Encryption SDK message format, with data keys from KMS (Bulwark's endpoint by
 * default). The output is readable by every AWS Encryption SDK and by the aws-encryption-cli, and
 * the options follow that CLI: --input/--output (`-` for stdio, a directory with --suffix),
 * --recursive (-r, -R) for a directory input, whose tree is replicated in the output directory,
 * --encode / --decode (base64 output / input), --interactive (questions on stderr, answers from
 * stdin) and --no-overwrite for existing output files, --wrapping-keys key=<arn> …
 * [region=<r>] [profile=<p>] (repeatable: each group's region and profile apply to its own keys),
 * --caching capacity=<n> max_age=<s> [max_messages_encrypted=<n>] [max_bytes_encrypted=<n>]
 * (data key caching across the files of one command), --encryption-context k=v …,
 * --commitment-policy, --max-encrypted-data-keys,
 * --algorithm (either SDK's suite names), --metadata-output / -S, and for decrypt discovery,
 * --max-length and --buffer. Not offered: the aws-encryption-cli's own glob expansion of --input
 * (the shell's does that), master key providers other than KMS (provider= takes only aws-kms,
 * that CLI's default), -v/-q logging.
 *
 * What must stay true:
 *  - No plaintext, data key or credential is ever printed (errors name the problem, not the data).
 *  - A file output appears only when the whole operation succeeded: it is written to a temporary
 *    file beside it and renamed at the end; on any failure, or when interrupted by SIGINT, SIGHUP
 *    or SIGTERM, the temporary file is removed. An output that is not a regular file (a device, a
 *    FIFO) is written in place, like stdout; a symbolic link is followed, never replaced.
 *  - Decrypt checks the required encryption context before any plaintext is written.
 *  - Decrypt fails when the input goes on after the end of the message (message-end.ts).
 *  - Data key caching is used only where the input's size is known (files; the aws-encryption-cli
 *    and the Encryption SDKs do not cache for streams of unknown size), and its cache lives in
 *    this process only, for the one command.
 *  - A directory input is processed file by file, in name order; the first failure ends the
 *    command (outputs already complete stay, as each was written whole).
 *  - Region and credentials come from the AWS SDK's standard chain (environment, profile), in
 *    botocore's order (credentialConfig);
 *    the endpoint and CA bundle from the flags or AWS_ENDPOINT_URL / AWS_CA_BUNDLE (read by
 *    commander's .env(), not by this code).
 */
import { accessSync, appendFileSync, constants as fsConstants, createReadStream, createWriteStream, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import https from "node:https";
import { homedir } from "node:os";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Readable, Transform, type Duplex, type Writable } from "node:stream";
import { Option, type Command } from "commander";
import type { AlgorithmSuiteIdentifier, CommitmentPolicy, KeyringNode, MessageHeader, NodeMaterialsManager } from "@aws-crypto/client-node";
import { fail, outputError } from "./output.js";
import { messageEndGuard, type HeaderAuth } from "./message-end.js";
import { base64Decoder, base64Encoder } from "./base64-stream.js";
import { DEFAULT_FRAME_LENGTH, frameAligned } from "./frame-chunks.js";

// The Encryption SDK and the KMS client take ~0.2 s to load: only the encrypt / decrypt commands
// pay for it, not every `bulwark` invocation.
type Esdk = typeof import("@aws-crypto/client-node");
let esdk: Promise<[Esdk, typeof import("@aws-sdk/client-kms")]> | undefined;
function loadEsdk(): Promise<[Esdk, typeof import("@aws-sdk/client-kms")]> {
  // The KMS client is this command's own, pinned to releases that run on the Node.js the project
  // supports: its notice that a later SDK will need a newer Node.js is not the user's to act on,
  // and it would land between the command's own messages. Set the variable to "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  esdk ??= Promise.all([import("@aws-crypto/client-node"), import("@aws-sdk/client-kms")]);
  return esdk;
}

export const DEFAULT_ENDPOINT = "https://localhost:4566";

export interface CryptoConnection {
  /** KMS endpoint URL. */
  endpoint: string;
  /** Default Region for key identifiers that carry none (aliases, key ids); else the SDK's chain. */
  region?: string;
  /** PEM file of CA certificates to trust for the endpoint. */
  caBundle?: string;
  /** Named profile from the shared AWS config / credentials files. */
  profile?: string;
  /** Explicit credentials (tests); otherwise the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** One --wrapping-keys group: its keys use its own Region and profile (the command's by default). */
export interface KeyGroup {
  keyIds: string[];
  region?: string;
  profile?: string;
  /** decrypt: this group's discovery keyring (with the command's discovery filter). */
  discovery?: boolean;
}

/** --caching: the aws-encryption-cli's names; max_age in seconds. */
export interface CachingOptions {
  capacity: number;
  maxAge: number;
  maxMessagesEncrypted?: number;
  maxBytesEncrypted?: number;
}

export interface CryptoCommonOptions extends CryptoConnection {
  /** A file, a directory (with `recursive`), or - for stdin. */
  input: string;
  /** A file, an existing directory (outputs named after the inputs, with `suffix`), or - for stdout. */
  output: string;
  /** Suffix of outputs named after their input (default .encrypted / .decrypted). */
  suffix?: string;
  /** Key identifiers, after those of `keyGroups`, with the command's Region and profile. */
  keyIds: string[];
  /** --wrapping-keys groups; the first key of the first group (else of `keyIds`) generates the data key. */
  keyGroups?: KeyGroup[];
  encryptionContext: Record<string, string>;
  commitmentPolicy: CommitmentPolicy;
  maxEncryptedDataKeys?: number;
  /** Where to write the operation's metadata record (`metadataRecord`); none otherwise. */
  metadata?: MetadataOutput;
  /** A directory input: process every file under it into the output directory. */
  recursive?: boolean;
  /** Base64-decode the input before the operation. */
  decode?: boolean;
  /** Base64-encode the output. */
  encode?: boolean;
  /** Leave existing output files as they are (skipped, with a warning). */
  noOverwrite?: boolean;
  /** Ask (on stderr, answer on stdin) before replacing an existing output file. */
  interactive?: boolean;
  caching?: CachingOptions;
}

export interface MetadataOutput {
  /** A file, or - for stdout. */
  file: string;
  /** Replace the file's content instead of appending to it. */
  overwrite: boolean;
}

export interface EncryptOptions extends CryptoCommonOptions {
  /** Algorithm suite (`parseAlgorithm`); the SDK's default for the commitment policy otherwise. */
  suiteId?: AlgorithmSuiteIdentifier;
  frameLength?: number;
}

export interface DecryptOptions extends CryptoCommonOptions {
  /** Decrypt with any KMS key the caller may use (optionally limited to accounts). */
  discovery: boolean;
  discoveryAccounts: string[];
  /** Absent: the partition of the caller's identity (the installation's), asked of STS. */
  discoveryPartition?: string;
  /** Required context keys whose value may be anything. */
  requiredContextKeys: string[];
  /** Refuse signed messages (their plaintext cannot be trusted before the end of the stream). */
  unsignedOnly: boolean;
  /** Keep the whole plaintext in memory until the message (and signature) is verified. */
  buffer: boolean;
  /** Refuse messages whose frames (or non-framed body) are longer than this many bytes. */
  maxLength?: number;
}

/** Where the streams come from / go to; replaceable for in-process use and tests. */
export interface CryptoIo {
  stdin: Readable;
  stdout: Writable;
  /** Warnings and --interactive's questions (process.stderr by default). */
  stderr?: Writable;
}

const processIo = (): CryptoIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

function warn(io: CryptoIo, message: string): void {
  (io.stderr ?? process.stderr).write(`bulwark: ${message}\n`);
}

export class CryptoCliError extends Error {}

// CommitmentPolicy's string values (a string enum: the values are the names).
const POLICIES: Record<string, CommitmentPolicy> = {
  "forbid-encrypt-allow-decrypt": "FORBID_ENCRYPT_ALLOW_DECRYPT" as CommitmentPolicy,
  "require-encrypt-allow-decrypt": "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as CommitmentPolicy,
  "require-encrypt-require-decrypt": "REQUIRE_ENCRYPT_REQUIRE_DECRYPT" as CommitmentPolicy,
};

export function parseCommitmentPolicy(v: string): CommitmentPolicy {
  const p = POLICIES[v.toLowerCase().replace(/_/g, "-")];
  if (!p) throw new CryptoCliError(`Unknown commitment policy "${v}": use one of ${Object.keys(POLICIES).join(", ")}`);
  return p;
}

/**
 * Algorithm suites by name: the Encryption SDK for JavaScript's (ALG_…) and the aws-encryption-cli's
 * (the Python SDK's AlgorithmSuite names), which differ for the same suites.
 */
const SUITES: Record<string, number> = {
  ALG_AES128_GCM_IV12_TAG16: 0x0014,
  ALG_AES192_GCM_IV12_TAG16: 0x0046,
  ALG_AES256_GCM_IV12_TAG16: 0x0078,
  ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256: 0x0114,
  ALG_AES192_GCM_IV12_TAG16_HKDF_SHA256: 0x0146,
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256: 0x0178,
  ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256: 0x0214,
  ALG_AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0346,
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0378,
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY: 0x0478,
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
  AES_128_GCM_IV12_TAG16: 0x0014,
  AES_192_GCM_IV12_TAG16: 0x0046,
  AES_256_GCM_IV12_TAG16: 0x0078,
  AES_128_GCM_IV12_TAG16_HKDF_SHA256: 0x0114,
  AES_192_GCM_IV12_TAG16_HKDF_SHA256: 0x0146,
  AES_256_GCM_IV12_TAG16_HKDF_SHA256: 0x0178,
  AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256: 0x0214,
  AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0346,
  AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0378,
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 0x0478,
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
};

/** The aws-encryption-cli's name of each suite, for metadata records. */
const CLI_SUITE_NAMES = new Map(Object.entries(SUITES).filter(([name]) => !name.startsWith("ALG_")).map(([name, id]) => [id, name]));

export function parseAlgorithm(name: string): AlgorithmSuiteIdentifier {
  const id = Object.prototype.hasOwnProperty.call(SUITES, name) ? SUITES[name] : undefined;
  if (id === undefined) throw new CryptoCliError(`Unknown algorithm suite "${name}": use one of ${Object.keys(SUITES).join(", ")}`);
  return id as AlgorithmSuiteIdentifier;
}

/** The Encryption SDK reserves encryption context keys with this prefix for itself. */
const RESERVED_CONTEXT_PREFIX = "aws-crypto-";

/**
 * k=v pairs (encrypt); on decrypt a bare `k` requires the key with any value. Keys beginning with
 * `aws-crypto-` are the SDK's own (the signed suites' `aws-crypto-public-key`): the specification
 * says encrypt must fail on them, and the JavaScript SDK refuses only that one key.
 */
export function parseContext(pairs: readonly string[], decrypting: boolean): { context: Record<string, string>; keys: string[] } {
  const context: Record<string, string> = {};
  const keys: string[] = [];
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i < 0) {
      if (!decrypting || p === "") throw new CryptoCliError(`Invalid encryption context pair "${p}": expected key=value`);
      keys.push(p);
      continue;
    }
    const k = p.slice(0, i);
    if (k === "") throw new CryptoCliError(`Invalid encryption context pair "${p}": empty key`);
    if (Object.prototype.hasOwnProperty.call(context, k)) throw new CryptoCliError(`Encryption context key "${k}" given twice`);
    if (!decrypting && k.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new CryptoCliError(`Encryption context key "${k}": keys beginning with "${RESERVED_CONTEXT_PREFIX}" are reserved for the Encryption SDK`);
    }
    context[k] = p.slice(i + 1);
  }
  return { context, keys };
}

export interface WrappingKeys {
  /** One per --wrapping-keys parameter, in order. */
  groups: KeyGroup[];
  discovery?: boolean;
  discoveryAccounts: string[];
  discoveryPartition?: string;
}

/**
 * The aws-encryption-cli's names of its KMS master key provider, its default `provider=`: the
 * entry point's name, or qualified with the package that registers it.
 */
const KMS_PROVIDERS = ["aws-kms", "aws-encryption-sdk-cli::aws-kms"];

/**
 * aws-encryption-cli style, one array per --wrapping-keys parameter: key=<id> … region=<r>
 * profile=<p> discovery=true|false discovery-account=<id> … discovery-partition=<p>, and
 * provider=aws-kms, the only provider there is here. Region, profile and provider belong to
 * their group (once each); the discovery filter is the command's.
 */
export function parseWrappingKeys(groups: readonly (readonly string[])[]): WrappingKeys {
  const out: WrappingKeys = { groups: [], discoveryAccounts: [] };
  for (const specs of groups) {
    if (specs.length === 0) throw new CryptoCliError("--wrapping-keys needs attributes: key=<key ARN / id / alias> … [region=<r>] [profile=<p>]");
    const group: KeyGroup = { keyIds: [] };
    let provider: string | undefined;
    for (const spec of specs) {
      const i = spec.indexOf("=");
      if (i < 1) throw new CryptoCliError(`Invalid --wrapping-keys attribute "${spec}": expected name=value`);
      const name = spec.slice(0, i);
      const value = spec.slice(i + 1);
      if (value === "") throw new CryptoCliError(`Empty value for --wrapping-keys ${name}`);
      switch (name) {
        case "key":
          group.keyIds.push(value);
          break;
        case "region":
        case "profile":
          if (group[name] !== undefined) throw new CryptoCliError(`Give ${name}= once per --wrapping-keys group (repeat --wrapping-keys for keys of another ${name === "region" ? "Region" : "profile"})`);
          group[name] = value;
          break;
        case "provider":
          if (provider !== undefined) throw new CryptoCliError("Give provider= once per --wrapping-keys group");
          if (!KMS_PROVIDERS.includes(value)) throw new CryptoCliError(`Unknown key provider "${value}": the keys here are KMS keys (provider=aws-kms, the default)`);
          provider = value;
          break;
        case "discovery":
          if (!/^(true|false)$/i.test(value)) throw new CryptoCliError("--wrapping-keys discovery must be true or false");
          group.discovery = value.toLowerCase() === "true";
          out.discovery = Boolean(out.discovery) || group.discovery;
          break;
        case "discovery-account":
          if (!/^\d{12}$/.test(value)) throw new CryptoCliError(`Invalid discovery-account "${value}": expected a 12-digit account id`);
          out.discoveryAccounts.push(value);
          break;
        case "discovery-partition":
          if (out.discoveryPartition !== undefined && out.discoveryPartition !== value) throw new CryptoCliError("Give discovery-partition once");
          out.discoveryPartition = value;
          break;
        default:
          throw new CryptoCliError(`Unknown --wrapping-keys attribute "${name}"`);
      }
    }
    out.groups.push(group);
  }
  return out;
}

/**
 * The keys of every group, then the command's own (--key-id). A group without keys (or, on
 * decrypt, discovery=true) is refused, as the aws-encryption-cli refuses it: its region= or
 * profile= would apply to nothing.
 */
function allKeyIds(o: CryptoCommonOptions, decrypting: boolean): string[] {
  for (const g of o.keyGroups ?? []) {
    if (g.keyIds.length === 0 && !(decrypting && g.discovery)) {
      throw new CryptoCliError(`Each --wrapping-keys group needs at least one key=<key ARN${decrypting ? "> (or discovery=true)" : " / id / alias>"}`);
    }
  }
  return [...(o.keyGroups ?? []).flatMap((g) => g.keyIds), ...o.keyIds];
}

export interface Discovery {
  discovery: boolean;
  discoveryAccounts: string[];
  /** Absent: the partition of the caller's identity (the installation's), asked of STS. */
  discoveryPartition?: string;
}

/**
 * Decrypt's discovery settings from --wrapping-keys attributes and the --discovery flags. An account
 * or partition limit is refused where it would be ignored (no discovery, or a partition with no
 * account to limit), as the aws-encryption-cli does: a filter that silently does nothing would
 * let any key decrypt.
 */
export function resolveDiscovery(wk: WrappingKeys, flags: { discovery?: boolean; accounts: readonly string[]; partition?: string }): Discovery {
  const discovery = Boolean(flags.discovery || wk.discovery);
  const accounts = [...wk.discoveryAccounts, ...flags.accounts];
  const partition = wk.discoveryPartition ?? flags.partition;
  if (wk.discoveryPartition !== undefined && flags.partition !== undefined && wk.discoveryPartition !== flags.partition) throw new CryptoCliError("Give discovery-partition once");
  if (!discovery && (accounts.length > 0 || partition !== undefined)) {
    throw new CryptoCliError("discovery-account and discovery-partition limit discovery: use them with discovery=true (or --discovery)");
  }
  if (partition !== undefined && accounts.length === 0) throw new CryptoCliError("discovery-partition needs the accounts it applies to (discovery-account=<id>)");
  for (const a of flags.accounts) if (!/^\d{12}$/.test(a)) throw new CryptoCliError(`Invalid discovery-account "${a}": expected a 12-digit account id`);
  return { discovery, discoveryAccounts: accounts, ...(partition !== undefined ? { discoveryPartition: partition } : {}) };
}

/**
 * The partition of the caller's identity (`arn:<partition>:…` from STS GetCallerIdentity on the
 * same endpoint and credentials): the installation's, for a discovery filter given accounts but no
 * partition — an aws-cn or aws-us-gov installation's keys are not in "aws".
 */
async function callerPartition(conn: CryptoConnection): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const client = new STSClient({
    endpoint: conn.endpoint,
    region: conn.region || "us-east-1",
    ...(conn.caBundle ? { requestHandler: { httpsAgent: new https.Agent({ ca: readCaBundle(conn.caBundle) }) } } : {}),
    ...(await credentialConfig(conn)),
  });
  try {
    const arn = (await client.send(new GetCallerIdentityCommand({}))).Arn ?? "";
    const partition = arn.split(":")[1];
    if (!partition) throw new Error(`unexpected caller ARN "${arn}"`);
    return partition;
  } catch (e) {
    throw new CryptoCliError(`Could not tell the partition of the discovery accounts (give discovery-partition=<partition>): ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    client.destroy();
  }
}

function readCaBundle(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CryptoCliError(`Cannot read the CA bundle (--ca-bundle or AWS_CA_BUNDLE) ${file}: ${(e as Error).message}`);
  }
}

/**
 * Where a KMS or STS client takes its credentials, in the order of the aws-encryption-cli (botocore)
 * and the AWS CLI: a profile the command names (--profile, a group's profile=) supplies them even
 * when AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are set; otherwise that pair wins over AWS_PROFILE,
 * which still names the profile the Region is read from; otherwise the SDK's default chain. (The
 * JavaScript SDK's own chain would prefer AWS_PROFILE, and warn whenever both are set.)
 */
async function credentialConfig(conn: CryptoConnection, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  if (conn.credentials) return { ...(conn.profile ? { profile: conn.profile } : {}), credentials: conn.credentials };
  if (conn.profile) {
    const { fromIni } = await import("@aws-sdk/credential-provider-ini");
    return { profile: conn.profile, credentials: fromIni({ profile: conn.profile }) };
  }
  if (env["AWS_ACCESS_KEY_ID"] && env["AWS_SECRET_ACCESS_KEY"]) {
    const { fromEnv } = await import("@aws-sdk/credential-provider-env");
    return { credentials: fromEnv() };
  }
  return {};
}

/** A caching KMS client provider for the Encryption SDK's keyrings, pointed at the endpoint. */
export async function kmsClientProvider(conn: CryptoConnection) {
  const [{ getClient, cacheClients }, { KMS }] = await loadEsdk();
  const requestHandler = conn.caBundle ? { httpsAgent: new https.Agent({ keepAlive: true, ca: readCaBundle(conn.caBundle) }) } : undefined;
  const config = {
    endpoint: conn.endpoint,
    ...(requestHandler ? { requestHandler } : {}),
    ...(await credentialConfig(conn)),
  };
  const base = getClient(KMS, config);
  // Identifiers without a Region (alias names, key ids) use the default Region.
  return cacheClients((region: string) => base(region || conn.region || ""));
}

/**
 * The file to write. As with the aws-encryption-cli, an output that is an existing directory gets
 * the input's file name plus a suffix (`.encrypted` / `.decrypted` unless --suffix says otherwise,
 * `--suffix` alone for none).
 */
export function outputPath(input: string, output: string, decrypting: boolean, suffix?: string): string {
  if (output === "-" || !statSync(output, { throwIfNoEntry: false })?.isDirectory()) return output;
  if (input === "-") throw new CryptoCliError(`The output ${output} is a directory: with input from stdin (--input -), name the output file (or - for stdout)`);
  return path.join(output, path.basename(input) + (suffix ?? (decrypting ? ".decrypted" : ".encrypted")));
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

/** What a decrypt metadata record adds to the header: its authentication, and why an operation was skipped. */
export interface MetadataExtras {
  headerAuth?: HeaderAuth;
  /** The required encryption context the message lacks (the operation was skipped). */
  missingContext?: MissingContext;
}

/**
 * The metadata record of one operation, laid out as the aws-encryption-cli writes it (one JSON
 * object a line, keys sorted, byte fields in base64): mode (`encrypt`, `decrypt` or
 * `decrypt-unsigned`), the input and output paths, the message header, on decrypt its header
 * authentication (`header_auth`), and for a message whose encryption context lacks what the command
 * requires, `skipped`, `reason` and the missing keys and pairs. The header holds nothing secret: the
 * encrypted data keys are KMS ciphertexts.
 */
export function metadataRecord(mode: "encrypt" | "decrypt" | "decrypt-unsigned", input: string, output: string, header: MessageHeader, extras: MetadataExtras = {}): string {
  const keys = header.encryptedDataKeys
    .map((k) => ({ providerId: Buffer.from(k.providerId, "utf8"), keyInfo: Buffer.from(k.providerInfo, "utf8"), edk: k.encryptedDataKey }))
    .sort((a, b) => Buffer.compare(Buffer.concat([a.providerId, a.keyInfo]), Buffer.concat([b.providerId, b.keyInfo])));
  const context = Object.fromEntries(Object.entries(header.encryptionContext).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const { headerAuth, missingContext } = extras;
  const record = {
    header: {
      algorithm: CLI_SUITE_NAMES.get(header.suiteId) ?? String(header.suiteId),
      content_type: header.contentType,
      encrypted_data_keys: keys.map((k) => ({ encrypted_data_key: b64(k.edk), key_provider: { key_info: b64(k.keyInfo), provider_id: b64(k.providerId) } })),
      encryption_context: context,
      frame_length: header.frameLength,
      ...("headerIvLength" in header ? { header_iv_length: header.headerIvLength } : {}),
      message_id: b64(header.messageId),
      ...("type" in header ? { type: header.type } : {}),
      version: header.version === 1 ? "1.0" : "2.0",
    },
    ...(headerAuth ? { header_auth: { iv: b64(headerAuth.iv), tag: b64(headerAuth.tag) } } : {}),
    input: input === "-" ? "<stdin>" : path.resolve(input),
    ...(missingContext ? { missing_encryption_context_keys: missingContext.keys, missing_encryption_context_pairs: missingContext.pairs } : {}),
    mode,
    output: output === "-" ? "<stdout>" : path.resolve(output),
    ...(missingContext ? { reason: "Missing encryption context key or value", skipped: true } : {}),
  };
  return JSON.stringify(record) + "\n";
}

/** Whether `inner` is `outer` or lies under it (both resolved). */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Checked before the operation, as the aws-encryption-cli does: a metadata file in a missing
 * directory, a metadata file that is the input or the output, or (for directories) lies in them.
 */
function checkMetadataOutput(o: CryptoCommonOptions): void {
  if (!o.metadata || o.metadata.file === "-") {
    if (o.metadata && o.output === "-") throw new CryptoCliError("--metadata-output - and --output - cannot both write to stdout");
    return;
  }
  const dir = path.dirname(path.resolve(o.metadata.file));
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CryptoCliError(`Cannot write the metadata file ${o.metadata.file}: its directory does not exist`);
  const meta = realOrResolved(o.metadata.file);
  for (const [what, p] of [["input", o.input], ["output", o.output]] as const) {
    if (p === "-") continue;
    const real = realOrResolved(p);
    if (statSync(real, { throwIfNoEntry: false })?.isDirectory()) {
      if (within(meta, real)) throw new CryptoCliError(`The metadata file ${o.metadata.file} cannot be in the ${what} directory`);
    } else if (meta === real) throw new CryptoCliError(`The metadata file ${o.metadata.file} cannot be the ${what}`);
  }
}

/** Where metadata records go; --overwrite-metadata replaces the file's content once, with the command's first record. */
class MetadataSink {
  private overwrite: boolean;
  constructor(
    private readonly target: MetadataOutput | undefined,
    private readonly io: CryptoIo,
  ) {
    this.overwrite = Boolean(target?.overwrite);
  }

  /** Writes a record once its operation has succeeded (a failed one has no output to describe). */
  write(record: string): void {
    const t = this.target;
    if (!t) return;
    if (t.file === "-") {
      this.io.stdout.write(record);
      return;
    }
    try {
      if (this.overwrite) writeFileSync(t.file, record);
      else appendFileSync(t.file, record);
      this.overwrite = false;
    } catch (e) {
      throw new CryptoCliError(`Cannot write the metadata file ${t.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}

function openInput(p: string, io: CryptoIo): Readable {
  return p === "-" ? io.stdin : createReadStream(p);
}

/** The streams between the input and the operation (--decode), and between it and the output (--encode). */
function pipe(o: CryptoCommonOptions, input: Readable, operation: Duplex[], out: Writable): Promise<void> {
  const streams: (Readable | Duplex | Writable)[] = [input, ...(o.decode ? [base64Decoder()] : []), ...operation, ...(o.encode ? [base64Encoder()] : []), out];
  return pipeline(streams);
}

/** Output files being written (before their rename into place), for `guardCommand` to remove. */
const partialFiles = new Set<string>();

/** --interactive's questions, on stderr, answered by lines of stdin; no answer (end of input) is no. */
class Prompter {
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private closed = false;
  private readonly rl;
  constructor(private readonly io: CryptoIo) {
    this.rl = createInterface({ input: io.stdin, terminal: false });
    this.rl.on("line", (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    this.rl.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
  }

  async yes(question: string): Promise<boolean> {
    (this.io.stderr ?? process.stderr).write(question);
    const line = this.lines.length ? this.lines.shift() : this.closed ? undefined : await new Promise<string | undefined>((r) => this.waiting.push(r));
    return /^y/i.test(line ?? "");
  }

  close(): void {
    this.rl.close();
  }
}

/** What happens to an output file that exists already: replaced (the default), kept, or asked. */
interface OverwritePolicy {
  noOverwrite: boolean;
  prompter?: Prompter;
}

/**
 * Runs `body` with a destination; a file destination is renamed into place only on success.
 * Returns false when an existing output file was left alone (--no-overwrite, or --interactive
 * answered no); with --no-overwrite the file is put in place without replacing one that appeared
 * meanwhile.
 */
async function withOutput(given: string, io: CryptoIo, policy: OverwritePolicy, body: (out: Writable) => Promise<void>): Promise<boolean> {
  if (given === "-") {
    await body(io.stdout);
    return true;
  }
  // A device, FIFO or socket (/dev/null, /dev/stdout, a shell's process substitution) is
  // written in place, as to stdout: it cannot be replaced by a file, nor removed on failure.
  // Opened by the name given: /dev/stdout and a process substitution's /dev/fd/<n> are links
  // into /proc whose targets (`pipe:[…]`) are no path, so they are not resolved first.
  const followed = statSync(given, { throwIfNoEntry: false });
  if (followed && !followed.isFile() && !followed.isDirectory()) {
    await body(createWriteStream(given, { flags: "w" }));
    return true;
  }
  // A symbolic link is followed: the file it names is the output (the link stays a link). One
  // that names nothing is refused: neither replaced by a file nor followed to create one.
  const p = lstatSync(given, { throwIfNoEntry: false })?.isSymbolicLink() ? linkTarget(given) : given;
  const existing = statSync(p, { throwIfNoEntry: false });
  if (existing?.isFile()) {
    if (policy.noOverwrite) {
      warn(io, `Skipping ${given}: the output file exists (--no-overwrite)`);
      return false;
    }
    if (policy.prompter && !(await policy.prompter.yes(`Overwrite the existing output file ${given}? [y/N] `))) return false;
    // A file the user may not write is not replaced behind its back (the directory would allow the rename).
    try {
      accessSync(p, fsConstants.W_OK);
    } catch (e) {
      throw new CryptoCliError(`Cannot write the output file ${given}: ${(e as NodeJS.ErrnoException).code ?? "not writable"}`);
    }
  }
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${randomBytes(6).toString("hex")}.partial`);
  partialFiles.add(tmp);
  try {
    await body(createWriteStream(tmp, { mode: 0o600 }));
    if (!policy.noOverwrite) renameSync(tmp, p);
    else if (!placeWithoutReplacing(tmp, p)) {
      warn(io, `Skipping ${p}: the output file exists (--no-overwrite)`);
      return false;
    }
    return true;
  } catch (e) {
    // The temporary file is this command's business: name the output the user gave.
    const err = e as NodeJS.ErrnoException;
    if (err.path === tmp) throw new CryptoCliError(`Cannot write the output file ${given}: ${err.code ?? err.message}`);
    throw e;
  } finally {
    rmSync(tmp, { force: true });
    partialFiles.delete(tmp);
  }
}

/** The file an output path that is a symbolic link names; a link that names none is refused. */
function linkTarget(given: string): string {
  try {
    return realpathSync(given);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CryptoCliError(`The output file ${given} is a symbolic link to a path that does not exist`);
    throw new CryptoCliError(`The output file ${given} is a symbolic link that cannot be followed: ${code ?? (e as Error).message}`);
  }
}

/** Moves `tmp` to `p` unless `p` exists: a hard link fails rather than replace (a rename would not). */
function placeWithoutReplacing(tmp: string, p: string): boolean {
  try {
    linkSync(tmp, p);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // A file system without hard links: the check and the rename are then two steps.
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw e;
    if (statSync(p, { throwIfNoEntry: false })) return false;
    renameSync(tmp, p);
    return true;
  }
}

/**
 * For the process of one encrypt/decrypt command. The Encryption SDK joins its encrypt and
 * signature streams with readable-stream's pipeline and no callback, so when the message stream
 * is torn down half-way (the reader of stdout gone, a full disk) it throws from a later tick
 * instead of failing the command's promise. Such a failure is reported like any other — one
 * line, no stack trace, no partial output file — naming the output's own error when there is one.
 */
function guardCommand(): void {
  let outputError: Error | undefined;
  process.stdout.on("error", (e) => (outputError ??= e));
  process.once("uncaughtException", (e) => {
    for (const f of partialFiles) rmSync(f, { force: true });
    report(outputError ?? e);
  });
  // Interrupted (Ctrl-C, a terminal hung up, SIGTERM): the output being written is removed, as on
  // any other failure, and the command ends as a process killed by that signal would.
  const signals: Record<string, number> = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 };
  for (const [name, number] of Object.entries(signals)) {
    process.once(name, () => {
      // (An output that is stdout, a device or a FIFO has had what was written so far.)
      const removed = partialFiles.size > 0;
      for (const f of partialFiles) rmSync(f, { force: true });
      process.stderr.write(`bulwark: interrupted (${name})${removed ? "; no output file was written" : ""}\n`);
      process.exit(128 + number);
    });
  }
}

/** The files under `root` (following links to files, not to directories), relative to it, in name order. */
function filesUnder(root: string, rel = ""): string[] {
  const out: string[] = [];
  const entries = readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...filesUnder(root, r));
    else if (e.isFile() || (e.isSymbolicLink() && statSync(path.join(root, r), { throwIfNoEntry: false })?.isFile())) out.push(r);
  }
  return out;
}

/** One operation: an input (file or -), its output (file or -), and the plaintext's size where known. */
type Operation = (input: string, output: string, plaintextLength: number | undefined) => Promise<void>;

/**
 * Runs `op` for the command's input: stdin, one file, or with --recursive every file under a
 * directory, written to the same relative path under the output directory with the suffix
 * (directories created as needed), as the aws-encryption-cli does. What it refuses: a directory
 * without --recursive, a directory input without an existing output directory, and an output that
 * is the input file itself (in a tree such a file is skipped, with a warning).
 */
async function forEachInput(o: CryptoCommonOptions, io: CryptoIo, decrypting: boolean, op: Operation): Promise<void> {
  try {
    await eachInput(o, io, decrypting, op);
  } catch (e) {
    throw fileError(e, o.input, o.output);
  }
}

/**
 * A file system error about the input or the output, named as the user gave it and what it is
 * (node's message names the system call: "ENOENT: no such file or directory, open 'x'").
 */
function fileError(e: unknown, input: string, output: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!(err instanceof Error) || err instanceof CryptoCliError || err.code === undefined || err.path === undefined) return e;
  if (err.path === input) return new CryptoCliError(`Cannot read the input file ${input}: ${err.code}`);
  if (err.path === output) return new CryptoCliError(`Cannot write the output file ${output}: ${err.code}`);
  return e;
}

async function eachInput(o: CryptoCommonOptions, io: CryptoIo, decrypting: boolean, op: Operation): Promise<void> {
  const suffix = o.suffix ?? (decrypting ? ".decrypted" : ".encrypted");
  // Input sizes for --caching (the Encryption SDK caches only for a known size): base64 is 4 characters per 3 bytes at least.
  const length = (file: string): number => {
    const size = statSync(file).size;
    return o.decode ? Math.floor((size * 3) / 4) : size;
  };
  if (o.input === "-") return op("-", outputPath("-", o.output, decrypting, o.suffix), undefined);
  if (statSync(o.input, { throwIfNoEntry: false })?.isDirectory()) {
    const verb = decrypting ? "decrypt" : "encrypt";
    if (!o.recursive) throw new CryptoCliError(`The input ${o.input} is a directory: use --recursive (-r) to ${verb} the files under it`);
    if (o.output === "-" || !statSync(o.output, { throwIfNoEntry: false })?.isDirectory()) {
      throw new CryptoCliError(`The input ${o.input} is a directory: the output must be an existing directory`);
    }
    // Listed before the first output is written, so outputs in the tree are not inputs of this run.
    for (const rel of filesUnder(o.input)) {
      const input = path.join(o.input, rel);
      const output = path.join(o.output, path.dirname(rel), path.basename(rel) + suffix);
      if (realOrResolved(input) === realOrResolved(output)) {
        warn(io, `Skipping ${input}: the output would be the input itself`);
        continue;
      }
      mkdirSync(path.dirname(output), { recursive: true });
      try {
        await op(input, output, o.caching ? length(input) : undefined);
      } catch (e) {
        const named = fileError(e, input, output);
        if (named !== e) throw named;
        // Which file of the tree failed (the message names the problem, never the data).
        if (e instanceof Error) e.message = `${input}: ${e.message}`;
        throw e;
      }
    }
    return;
  }
  const output = outputPath(o.input, o.output, decrypting, o.suffix);
  if (output !== "-" && realOrResolved(output) === realOrResolved(o.input)) throw new CryptoCliError(`The output ${output} is the input itself`);
  return op(o.input, output, o.caching && statSync(o.input, { throwIfNoEntry: false }) ? length(o.input) : undefined);
}

/** The per-command part of --interactive / --no-overwrite; the prompter reads stdin, so not with --input -. */
function overwritePolicy(o: CryptoCommonOptions, io: CryptoIo): OverwritePolicy {
  const noOverwrite = Boolean(o.noOverwrite);
  if (!o.interactive || noOverwrite) return { noOverwrite };
  if (o.input === "-") throw new CryptoCliError("--interactive reads its answers from stdin: use it with an input file or directory, not --input -");
  return { noOverwrite, prompter: new Prompter(io) };
}

/**
 * The keyring of the command: one KMS keyring per --wrapping-keys group (and one for --key-id
 * keys), each with KMS clients for its own Region and profile; several are joined in a multi-
 * keyring whose generator is the first group's. Decrypt adds a discovery keyring for each group
 * with discovery=true (or one with the command's Region and profile for --discovery).
 */
async function keyringFor(o: CryptoCommonOptions, discovery?: Discovery): Promise<KeyringNode> {
  const [{ KmsKeyringNode, MultiKeyringNode, buildAwsKmsMrkAwareStrictMultiKeyringNode }] = await loadEsdk();
  const providers = new Map<string, Awaited<ReturnType<typeof kmsClientProvider>>>();
  const providerFor = async (g: { region?: string; profile?: string }) => {
    const conn: CryptoConnection = { ...o, ...(g.region ? { region: g.region } : {}), ...(g.profile ? { profile: g.profile } : {}) };
    const id = `${conn.profile ?? ""}\n${conn.region ?? ""}`;
    let p = providers.get(id);
    if (!p) providers.set(id, (p = await kmsClientProvider(conn)));
    return p;
  };
  const groups = [...(o.keyGroups ?? []).filter((g) => g.keyIds.length > 0), ...(o.keyIds.length ? [{ keyIds: o.keyIds }] : [])];
  const keyrings: KeyringNode[] = [];
  for (const [i, g] of groups.entries()) {
    const clientProvider = await providerFor(g);
    if (!discovery && i === 0) {
      const [generatorKeyId, ...keyIds] = g.keyIds;
      keyrings.push(new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds }));
    } else if (discovery) {
      // Decrypting: multi-Region aware, as the aws-encryption-cli's KMS provider is: a replica's ARN
      // decrypts a data key its primary (or another replica) encrypted, through the replica's Region.
      keyrings.push(buildAwsKmsMrkAwareStrictMultiKeyringNode({ clientProvider, keyIds: g.keyIds }));
    } else keyrings.push(new KmsKeyringNode({ clientProvider, keyIds: g.keyIds }));
  }
  if (discovery?.discovery) {
    const discoveryFilter = discovery.discoveryAccounts.length
      ? { discoveryFilter: { accountIDs: discovery.discoveryAccounts, partition: discovery.discoveryPartition ?? (await callerPartition(o)) } }
      : {};
    const fromGroups = (o.keyGroups ?? []).filter((g) => g.discovery);
    for (const g of fromGroups.length ? fromGroups : [{}]) keyrings.push(new KmsKeyringNode({ clientProvider: await providerFor(g), discovery: true, ...discoveryFilter }));
  }
  if (keyrings.length === 1) return keyrings[0]!;
  return discovery ? new MultiKeyringNode({ children: keyrings }) : new MultiKeyringNode({ generator: keyrings[0]!, children: keyrings.slice(1) });
}

/** The keyring, or with --caching a caching materials manager around it (its cache for this command only). */
async function materialsFor(o: CryptoCommonOptions, discovery?: Discovery): Promise<KeyringNode | NodeMaterialsManager> {
  const keyring = await keyringFor(o, discovery);
  if (!o.caching) return keyring;
  const [{ NodeCachingMaterialsManager, getLocalCryptographicMaterialsCache }] = await loadEsdk();
  const c = o.caching;
  return new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(c.capacity),
    // The aws-encryption-cli's max_age is in seconds, the JavaScript SDK's in milliseconds.
    maxAge: c.maxAge * 1000,
    ...(c.maxMessagesEncrypted !== undefined ? { maxMessagesEncrypted: c.maxMessagesEncrypted } : {}),
    ...(c.maxBytesEncrypted !== undefined ? { maxBytesEncrypted: c.maxBytesEncrypted } : {}),
  });
}

export async function runEncrypt(o: EncryptOptions, io: CryptoIo = processIo()): Promise<void> {
  if (allKeyIds(o, false).length === 0) throw new CryptoCliError("encrypt needs at least one wrapping key (--wrapping-keys key=<arn> or --key-id)");
  const [{ buildClient }] = await loadEsdk();
  const materials = await materialsFor(o);
  const client = buildClient({ commitmentPolicy: o.commitmentPolicy, maxEncryptedDataKeys: o.maxEncryptedDataKeys ?? false });
  const { suiteId } = o;
  checkMetadataOutput(o);
  const metadata = new MetadataSink(o.metadata, io);
  const policy = overwritePolicy(o, io);
  try {
    await forEachInput(o, io, false, async (input, output, plaintextLength) => {
      const frameLength = o.frameLength ?? DEFAULT_FRAME_LENGTH;
      const encrypting = client.encryptStream(materials, {
        encryptionContext: o.encryptionContext,
        ...(suiteId !== undefined ? { suiteId } : {}),
        frameLength,
        ...(plaintextLength !== undefined ? { plaintextLength } : {}),
      });
      let header: MessageHeader | undefined;
      encrypting.once("MessageHeader", (h: MessageHeader) => (header = h));
      // With a length given, the SDK counts it only right when chunks end at frame boundaries (frame-chunks.ts).
      const operation = plaintextLength !== undefined ? [frameAligned(frameLength), encrypting] : [encrypting];
      const written = await withOutput(output, io, policy, (out) => pipe(o, openInput(input, io), operation, out));
      if (written && header) metadata.write(metadataRecord("encrypt", input, output, header));
    });
  } finally {
    policy.prompter?.close();
  }
}

/** The required pairs (name=value) and keys (name alone) a message's encryption context lacks, in the order given. */
export interface MissingContext {
  keys: string[];
  pairs: [string, string][];
}

export function missingContext(header: MessageHeader, pairs: Record<string, string>, keys: readonly string[]): MissingContext {
  const ctx = header.encryptionContext;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(ctx, k);
  return {
    keys: keys.filter((k) => !has(k)),
    pairs: Object.entries(pairs).filter(([k, v]) => !has(k) || ctx[k] !== v),
  };
}

/** Fails unless the message's encryption context holds every required pair and key. */
export function checkRequiredContext(header: MessageHeader, pairs: Record<string, string>, keys: readonly string[]): void {
  const missing = missingContext(header, pairs, keys);
  const pair = missing.pairs[0];
  if (pair) throw new CryptoCliError(`The message's encryption context does not contain the required pair for key "${pair[0]}"`);
  const key = missing.keys[0];
  if (key !== undefined) throw new CryptoCliError(`The message's encryption context does not contain the required key "${key}"`);
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/;

/** What the SDK says when no keyring key wrapped any of the message's data keys (or the discovery filter excluded them). */
const NO_DATA_KEY = "unencryptedDataKey has not been set";
/**
 * True when the SDK's error says no key given wrapped a data key of the message: the standard
 * keyrings leave the data key unset; the multi-Region aware ones each fail with "No EDKs
 * supplied", which their multi-keyring gathers (any other child error is reported as it is).
 */
function noDataKey(message: string): boolean {
  if (message === NO_DATA_KEY) return true;
  if (!message.startsWith("Unable to decrypt data key and one or more child keyrings had an error.")) return false;
  const errors = message.match(/Error #\d+/g)?.length ?? 0;
  const unmatched = message.match(/Unable to decrypt data key: No EDKs supplied\./g)?.length ?? 0;
  return errors > 0 && errors === unmatched;
}

/** … and when a frame is longer than maxBodySize (--max-length). */
const MAX_BODY_SIZE = "maxBodySize exceeded.";

export async function runDecrypt(o: DecryptOptions, io: CryptoIo = processIo()): Promise<void> {
  const keyIds = allKeyIds(o, true);
  if (!o.discovery && keyIds.length === 0) {
    throw new CryptoCliError("decrypt needs wrapping keys: --wrapping-keys key=<key ARN> …, or --wrapping-keys discovery=true (--discovery) for any KMS key the caller may use");
  }
  if (o.discovery && keyIds.length > 0) throw new CryptoCliError("decrypt takes either wrapping keys (key=<key ARN>) or discovery, not both");
  // A message names the KMS key of each data key by key ARN, which is all a keyring matches on decrypt.
  for (const id of keyIds) {
    if (!KEY_ARN.test(id)) throw new CryptoCliError(`decrypt needs key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not "${id}": a message names its KMS keys by key ARN`);
  }
  const [{ buildClient }] = await loadEsdk();
  const materials = await materialsFor(o, o);
  const client = buildClient({ commitmentPolicy: o.commitmentPolicy, maxEncryptedDataKeys: o.maxEncryptedDataKeys ?? false });
  const limits = o.maxLength ? { maxBodySize: o.maxLength } : {};
  checkMetadataOutput(o);
  const metadata = new MetadataSink(o.metadata, io);
  const policy = overwritePolicy(o, io);
  try {
    const mode = o.unsignedOnly ? "decrypt-unsigned" : "decrypt";
    await forEachInput(o, io, true, async (input, output) => {
      const decrypting = o.unsignedOnly ? client.decryptUnsignedMessageStream(materials, limits) : client.decryptStream(materials, limits);
      let messageHeader: MessageHeader | undefined;
      let headerAuth: HeaderAuth | undefined;
      const guard = () => messageEndGuard((auth) => (headerAuth = auth));
      // The header is parsed before the first plaintext byte: refuse a wrong context there, with a
      // metadata record of the skipped operation, as the aws-encryption-cli writes one.
      decrypting.once("MessageHeader", (header: MessageHeader) => {
        messageHeader = header;
        try {
          const missing = missingContext(header, o.encryptionContext, o.requiredContextKeys);
          if (missing.keys.length > 0 || missing.pairs.length > 0) metadata.write(metadataRecord(mode, input, output, header, { ...(headerAuth ? { headerAuth } : {}), missingContext: missing }));
          checkRequiredContext(header, o.encryptionContext, o.requiredContextKeys);
        } catch (e) {
          decrypting.destroy(e as Error);
        }
      });
      let written: boolean;
      try {
        written = await withOutput(output, io, policy, async (out) => {
          // Bytes after the end of the message fail the decryption (the SDK would drop them).
          if (!o.buffer) return pipe(o, openInput(input, io), [guard(), decrypting], out);
          const chunks: Buffer[] = [];
          await pipe({ ...o, encode: false }, openInput(input, io), [guard(), decrypting], new Transform({
            transform(chunk: Buffer, _enc, done) {
              chunks.push(chunk);
              done();
            },
          }));
          const all = Buffer.concat(chunks);
          chunks.length = 0;
          try {
            await pipe({ ...o, decode: false }, Readable.from([all]), [], out);
          } finally {
            all.fill(0);
          }
        });
      } catch (e) {
        const message = (e as Error).message;
        if (message === MAX_BODY_SIZE) throw new CryptoCliError(`The message has a frame (or non-framed body) longer than --max-length ${o.maxLength} bytes`);
        if (!noDataKey(message)) throw e;
        throw new CryptoCliError(
          o.discovery
            ? "No KMS key that discovery may use wrapped a data key of this message (check discovery-account / discovery-partition)"
            : "None of the wrapping keys given wrapped a data key of this message",
        );
      }
      if (written && messageHeader) metadata.write(metadataRecord(mode, input, output, messageHeader, headerAuth ? { headerAuth } : {}));
    });
  } finally {
    policy.prompter?.close();
  }
}

function positiveInt(name: string, max?: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || (max !== undefined && n > max)) throw new CryptoCliError(`${name} must be a positive integer${max !== undefined ? ` of at most ${max}` : ""}`);
    return n;
  };
}

/**
 * The largest frame length the aws-encryption-cli takes (2^31 - 1): the Encryption SDK for Python,
 * behind that CLI, refuses longer frames, so a message with them would not be readable everywhere.
 */
const MAX_FRAME_LENGTH = 2 ** 31 - 1;

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Marks where a --wrapping-keys group begins among the option's values (see `markWrappingKeyGroups`). */
const GROUP_START = "\u0000--wrapping-keys";

/** Collects --wrapping-keys values by group: each -w / --wrapping-keys starts one. */
const collectGroups = (v: string, prev: string[][] = []): string[][] => {
  if (v === GROUP_START) return [...prev, []];
  if (prev.length === 0) return [[v]];
  return [...prev.slice(0, -1), [...prev[prev.length - 1]!, v]];
};

/**
 * Commander joins the values of a repeated variadic option into one list; the aws-encryption-cli
 * gives each --wrapping-keys parameter its own Region and profile, so the groups must stay apart.
 * Before commander parses the command's arguments, a marker is put after each -w / --wrapping-keys
 * (also in the -w<v> and --wrapping-keys=<v> forms), skipping the values of the other options.
 */
export function markWrappingKeyGroups(cmd: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a === "--wrapping-keys") out.push(a, GROUP_START);
    else if (a.startsWith("--wrapping-keys=")) out.push("--wrapping-keys", GROUP_START, a.slice("--wrapping-keys=".length));
    else if (/^-[^-]/.test(a)) {
      // Short flags, also clustered (-rw, -Swkey=…): booleans, then at most one option with a value, which takes the rest.
      const short = (at: number) => cmd.options.find((o) => o.short === `-${a[at]}`);
      let j = 1;
      let option = short(j);
      while (option && !option.required && !option.optional && j + 1 < a.length) option = short(++j);
      if (option?.short === "-w") {
        if (j > 1) out.push(a.slice(0, j));
        out.push("-w", GROUP_START);
        if (j + 1 < a.length) out.push(a.slice(j + 1));
        continue;
      }
      out.push(a);
      // An option's value is never a flag, even if it looks like one (commander takes it as given).
      if (option?.required && !option.variadic && j + 1 === a.length && i + 1 < argv.length) out.push(argv[++i]!);
    } else {
      out.push(a);
      const option = cmd.options.find((o) => o.long === a);
      if (option?.required && !option.variadic && i + 1 < argv.length) out.push(argv[++i]!);
    }
  }
  return out;
}

const CACHING_NUMBERS = {
  capacity: { name: "capacity", integer: true, max: Number.MAX_SAFE_INTEGER },
  max_age: { name: "maxAge", integer: false, max: Number.MAX_SAFE_INTEGER / 1000 },
  // The Encryption SDK's limits on a cached data key's use (2^32 messages, 2^53 - 1 bytes).
  max_messages_encrypted: { name: "maxMessagesEncrypted", integer: true, max: 2 ** 32 },
  max_bytes_encrypted: { name: "maxBytesEncrypted", integer: true, max: Number.MAX_SAFE_INTEGER },
} as const;

/** --caching capacity=<n> max_age=<seconds> [max_messages_encrypted=<n>] [max_bytes_encrypted=<n>], as the aws-encryption-cli reads it. */
export function parseCaching(pairs: readonly string[]): CachingOptions {
  const values: Partial<Record<keyof typeof CACHING_NUMBERS, number>> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i < 1) throw new CryptoCliError(`Invalid --caching attribute "${p}": expected name=value`);
    const key = p.slice(0, i);
    if (!Object.prototype.hasOwnProperty.call(CACHING_NUMBERS, key)) throw new CryptoCliError(`Invalid caching configuration key: "${key}"`);
    const k = key as keyof typeof CACHING_NUMBERS;
    const spec = CACHING_NUMBERS[k];
    if (values[k] !== undefined) throw new CryptoCliError(`Give --caching ${key} once`);
    const raw = p.slice(i + 1);
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n <= 0 || (spec.integer && !Number.isInteger(n)) || n > spec.max) {
      throw new CryptoCliError(`--caching ${key} must be a positive ${spec.integer ? "integer" : "number"}${spec.max < Number.MAX_SAFE_INTEGER ? ` of at most ${spec.max}` : ""}`);
    }
    values[k] = n;
  }
  if (values.capacity === undefined || values.max_age === undefined) throw new CryptoCliError('If enabling caching, both "capacity" and "max_age" are required');
  return {
    capacity: values.capacity,
    maxAge: values.max_age,
    ...(values.max_messages_encrypted !== undefined ? { maxMessagesEncrypted: values.max_messages_encrypted } : {}),
    ...(values.max_bytes_encrypted !== undefined ? { maxBytesEncrypted: values.max_bytes_encrypted } : {}),
  };
}

function connectionOptions(cmd: Command): Command {
  const parseOptions = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv: string[]) => parseOptions(markWrappingKeyGroups(cmd, argv));
  return cmd
    .requiredOption("-i, --input <file>", "input file or directory (with --recursive), or - for stdin", "-")
    .requiredOption("-o, --output <file>", "output file, or - for stdout; in a directory: the input's name + suffix (with --recursive: the input's tree)", "-")
    .option("-r, --recursive", "the input is a directory: process every file under it into the output directory")
    .addOption(new Option("-R", "same as -r").hideHelp())
    .option("--decode", "base64-decode the input before the operation")
    .option("--encode", "base64-encode the output")
    .option("--interactive", "ask before replacing an existing output file")
    .option("--no-overwrite", "never replace an existing output file (skipped, with a warning)")
    .option("--suffix [suffix]", "suffix of output files named after the input (default .encrypted / .decrypted; none if given without a value)")
    .option("--metadata-output <file>", "append a JSON record of the operation (paths, message header) to this file, or - for stdout")
    .option("--overwrite-metadata", "replace the metadata file's content instead of appending")
    .option("-S, --suppress-metadata", "write no metadata record (the default; for aws-encryption-cli commands)")
    .option(
      "-w, --wrapping-keys <attr...>",
      "key=<key ARN / id / alias> … [region=<r>] [profile=<p>] (decrypt: key ARNs, or discovery=true [discovery-account=<id> …] [discovery-partition=<p>, default the caller's]); repeat it for keys of another Region or profile: region= and profile= apply to their own group's keys",
      collectGroups,
    )
    .option("--key-id <id>", "a KMS key (repeatable); the first generates the data key", collect, [])
    .option("-C, --caching <attr...>", "data key caching: capacity=<entries> max_age=<seconds> [max_messages_encrypted=<n>] [max_bytes_encrypted=<n>] (for inputs of known size: files)")
    .option("-c, --encryption-context <pair...>", "encryption context k=v … (decrypt: pairs, or bare keys, the message must contain)")
    .addOption(new Option("--commitment-policy <policy>", "forbid-encrypt-allow-decrypt | require-encrypt-allow-decrypt | require-encrypt-require-decrypt").default("require-encrypt-require-decrypt"))
    .option("--max-encrypted-data-keys <n>", "refuse messages with more encrypted data keys than this", positiveInt("--max-encrypted-data-keys"))
    .addOption(new Option("--endpoint <url>", "KMS endpoint").env("AWS_ENDPOINT_URL").default(DEFAULT_ENDPOINT))
    .addOption(new Option("--ca-bundle <file>", "PEM CA certificates to trust for the endpoint").env("AWS_CA_BUNDLE"))
    .option("--region <region>", "Region for key identifiers without one, where their --wrapping-keys group names none (default: the SDK's AWS_REGION / profile)")
    .option("--profile <name>", "named AWS profile for credentials and Region, where a --wrapping-keys group names none");
}

interface RawFlags {
  input: string;
  output: string;
  recursive?: boolean;
  R?: boolean;
  decode?: boolean;
  encode?: boolean;
  interactive?: boolean;
  overwrite: boolean;
  suffix?: string | true;
  metadataOutput?: string;
  overwriteMetadata?: boolean;
  suppressMetadata?: boolean;
  wrappingKeys?: string[][];
  keyId: string[];
  caching?: string[];
  encryptionContext?: string[];
  commitmentPolicy: string;
  maxEncryptedDataKeys?: number;
  endpoint: string;
  caBundle?: string;
  region?: string;
  profile?: string;
}

/**
 * The KMS endpoint, checked before any client is made (the SDK's own refusal, "TypeError: Invalid
 * URL", names neither the option nor the value). An empty AWS_ENDPOINT_URL counts as unset, as
 * every empty BULWARK_* variable does: given to the SDK, it would call AWS's own endpoint.
 */
export function kmsEndpoint(value: string, fromEnv: boolean): string {
  if (value === "" && fromEnv) return DEFAULT_ENDPOINT;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") {
    throw new CryptoCliError(`Invalid ${fromEnv ? "AWS_ENDPOINT_URL" : "--endpoint"} ${JSON.stringify(value)}: expected an https:// or http:// URL such as ${DEFAULT_ENDPOINT}`);
  }
  return value;
}

/**
 * The profiles the shared files define, as the SDKs read them: sections of the credentials file
 * (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials) and `[default]` / `[profile <name>]` sections
 * of the config file (AWS_CONFIG_FILE, ~/.aws/config). A file that cannot be read defines none.
 */
export function sharedProfiles(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const names = new Set<string>();
  const resolve = (file: string) => (file.startsWith("~/") ? path.join(homedir(), file.slice(2)) : file);
  const sections = (file: string): string[] => {
    let text: string;
    try {
      text = readFileSync(resolve(file), "utf8");
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*\[([^\]]*)\]/.exec(line);
      if (m) out.push(m[1]!.trim());
    }
    return out;
  };
  for (const name of sections(env["AWS_SHARED_CREDENTIALS_FILE"] || path.join(homedir(), ".aws", "credentials"))) names.add(name);
  for (const name of sections(env["AWS_CONFIG_FILE"] || path.join(homedir(), ".aws", "config"))) {
    if (name === "default") names.add(name);
    else {
      const m = /^profile\s+(.+)$/.exec(name);
      if (m) names.add(m[1]!.trim());
    }
  }
  return names;
}

/**
 * A profile named on the command line, or by AWS_PROFILE when the command line names none, must
 * exist, as in the AWS CLI and the aws-encryption-cli.
 */
function checkProfiles(profiles: Array<string | undefined>, env: NodeJS.ProcessEnv = process.env): void {
  const named = profiles.filter((p): p is string => p !== undefined);
  if (profiles[0] === undefined && env["AWS_PROFILE"]) named.push(env["AWS_PROFILE"]);
  if (named.length === 0) return;
  const known = sharedProfiles(env);
  for (const p of named) if (!known.has(p)) throw new CryptoCliError(`The config profile (${p}) could not be found`);
}

function common(f: RawFlags, decrypting: boolean, cmd: Command): { base: CryptoCommonOptions; wk: WrappingKeys; keys: string[] } {
  const wk = parseWrappingKeys(f.wrappingKeys ?? []);
  checkProfiles([f.profile, ...wk.groups.map((g) => g.profile)]);
  const { context, keys } = parseContext(f.encryptionContext ?? [], decrypting);
  if (f.suppressMetadata && f.metadataOutput !== undefined) throw new CryptoCliError("Give either --metadata-output or --suppress-metadata, not both");
  const suffix = f.suffix === true ? "" : f.suffix;
  const base: CryptoCommonOptions = {
    input: f.input,
    output: f.output,
    ...(suffix !== undefined ? { suffix } : {}),
    keyIds: f.keyId,
    keyGroups: wk.groups,
    encryptionContext: context,
    commitmentPolicy: parseCommitmentPolicy(f.commitmentPolicy),
    endpoint: kmsEndpoint(f.endpoint, cmd.getOptionValueSource("endpoint") === "env"),
    ...(f.maxEncryptedDataKeys ? { maxEncryptedDataKeys: f.maxEncryptedDataKeys } : {}),
    ...(f.metadataOutput !== undefined ? { metadata: { file: f.metadataOutput, overwrite: Boolean(f.overwriteMetadata) } } : {}),
    ...(f.caBundle ? { caBundle: f.caBundle } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.profile ? { profile: f.profile } : {}),
    ...(f.recursive || f.R ? { recursive: true } : {}),
    ...(f.decode ? { decode: true } : {}),
    ...(f.encode ? { encode: true } : {}),
    ...(f.interactive ? { interactive: true } : {}),
    ...(f.overwrite === false ? { noOverwrite: true } : {}),
    ...(f.caching ? { caching: parseCaching(f.caching) } : {}),
  };
  return { base, wk, keys };
}

function report(e: unknown): never {
  // Encryption SDK and KMS errors carry names and messages, never key material or plaintext.
  const err = e as { name?: string; message?: string; code?: unknown };
  if (err.code === "EPIPE") fail(outputError(e));
  const message = oneLine(err.message ?? String(e));
  fail(new Error(err.name && err.name !== "Error" && err.name !== "CryptoCliError" ? `${err.name}: ${message}` : message));
}

/**
 * An error message on one line: the Encryption SDK's keyring errors quote each KMS error with its
 * stack ("Error #1 … at AwsJson1_1Protocol.handleError (…)"); the frames go, the reasons stay.
 */
export function oneLine(message: string): string {
  return message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^at\s/.test(l) && !/^… \d+ more frames/.test(l))
    .join(" ");
}

export function registerCryptoCommands(program: Command): void {
  connectionOptions(program.command("encrypt"))
    .description("encrypt a file or stream into an AWS Encryption SDK message (data key from KMS)")
    .option(
      "--algorithm <suite>",
      "algorithm suite, e.g. ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY or the aws-encryption-cli's AES_256_GCM_HKDF_SHA512_COMMIT_KEY (unsigned); default …_COMMIT_KEY_ECDSA_P384",
    )
    .option("--frame-length <bytes>", `frame length of the message body (1 to ${MAX_FRAME_LENGTH})`, positiveInt("--frame-length", MAX_FRAME_LENGTH))
    .action(async (f: RawFlags & { algorithm?: string; frameLength?: number }, cmd: Command) => {
      guardCommand();
      try {
        const { base, wk } = common(f, false, cmd);
        if (wk.discovery !== undefined || wk.discoveryAccounts.length > 0 || wk.discoveryPartition !== undefined) {
          throw new CryptoCliError("discovery, discovery-account and discovery-partition are for decrypt only");
        }
        await runEncrypt({ ...base, ...(f.algorithm ? { suiteId: parseAlgorithm(f.algorithm) } : {}), ...(f.frameLength ? { frameLength: f.frameLength } : {}) });
      } catch (e) {
        report(e);
      }
    });

  connectionOptions(program.command("decrypt"))
    .description("decrypt an AWS Encryption SDK message from a file or stream")
    .option("--discovery", "use any KMS key the caller may use (instead of --wrapping-keys key=…)")
    .option("--discovery-account <id>", "with --discovery: only keys of this account (repeatable)", collect, [])
    .option("--discovery-partition <p>", "partition of --discovery-account (default: the caller's, from STS GetCallerIdentity)")
    .option("--decrypt-unsigned", "refuse signed messages (plaintext is then final as it streams)")
    .option("--buffer", "write no plaintext until the whole message, signature included, is verified")
    .option("--max-length <bytes>", "refuse messages with frames (or a non-framed body) longer than this", positiveInt("--max-length"))
    .action(async (f: RawFlags & { discovery?: boolean; discoveryAccount: string[]; discoveryPartition?: string; decryptUnsigned?: boolean; buffer?: boolean; maxLength?: number }, cmd: Command) => {
      guardCommand();
      try {
        const { base, wk, keys } = common(f, true, cmd);
        await runDecrypt({
          ...base,
          ...resolveDiscovery(wk, { discovery: f.discovery, accounts: f.discoveryAccount, partition: f.discoveryPartition }),
          requiredContextKeys: keys,
          unsignedOnly: Boolean(f.decryptUnsigned),
          buffer: Boolean(f.buffer),
          ...(f.maxLength ? { maxLength: f.maxLength } : {}),
        });
      } catch (e) {
        report(e);
      }
    });
}
