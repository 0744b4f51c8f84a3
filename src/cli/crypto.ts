/**
 * `bulwark encrypt` / `bulwark decrypt`: files or stdin/stdout streams of any size in the AWS
 * Encryption SDK message format, with data keys from KMS (Bulwark's endpoint by default). The
 * output is readable by every AWS Encryption SDK and by the aws-encryption-cli, and the options
 * follow that CLI: --input/--output (`-` for stdio, a directory with --suffix), --wrapping-keys
 * key=<arn> …, --encryption-context k=v …, --commitment-policy, --max-encrypted-data-keys,
 * --algorithm (either SDK's suite names), --metadata-output / -S, and for decrypt discovery,
 * --max-length and --buffer. Not offered: --recursive, --encode/--decode, --caching,
 * --interactive/--no-overwrite, and one Region or profile per --wrapping-keys group (region= and
 * profile= apply to every key of the command).
 *
 * What must stay true:
 *  - No plaintext, data key or credential is ever printed (errors name the problem, not the data).
 *  - A file output appears only when the whole operation succeeded: it is written to a temporary
 *    file beside it and renamed at the end; on any failure the temporary file is removed.
 *  - Decrypt checks the required encryption context before any plaintext is written.
 *  - Decrypt fails when the input goes on after the end of the message (message-end.ts).
 *  - Region and credentials come from the AWS SDK's standard chain (environment, profile);
 *    the endpoint and CA bundle from the flags or AWS_ENDPOINT_URL / AWS_CA_BUNDLE (read by
 *    commander's .env(), not by this code).
 */
import { appendFileSync, createReadStream, createWriteStream, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import https from "node:https";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable, type Writable } from "node:stream";
import { Option, type Command } from "commander";
import type { AlgorithmSuiteIdentifier, CommitmentPolicy, MessageHeader } from "@aws-crypto/client-node";
import { fail, outputError } from "./output.js";
import { messageEndGuard } from "./message-end.js";

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

export interface CryptoCommonOptions extends CryptoConnection {
  input: string;
  output: string;
  /** Key identifiers: the first generates the data key on encrypt; all may decrypt. */
  keyIds: string[];
  encryptionContext: Record<string, string>;
  commitmentPolicy: CommitmentPolicy;
  maxEncryptedDataKeys?: number;
  /** Where to write the operation's metadata record (`metadataRecord`); none otherwise. */
  metadata?: MetadataOutput;
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
  discoveryPartition: string;
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
  keyIds: string[];
  discovery?: boolean;
  discoveryAccounts: string[];
  discoveryPartition?: string;
  region?: string;
  profile?: string;
}

/** aws-encryption-cli style: key=<id> region=<r> profile=<p> discovery=true|false discovery-account=<id> discovery-partition=<p>. */
export function parseWrappingKeys(specs: readonly string[]): WrappingKeys {
  const out: WrappingKeys = { keyIds: [], discoveryAccounts: [] };
  for (const spec of specs) {
    const i = spec.indexOf("=");
    if (i < 1) throw new CryptoCliError(`Invalid --wrapping-keys attribute "${spec}": expected name=value`);
    const name = spec.slice(0, i);
    const value = spec.slice(i + 1);
    if (value === "") throw new CryptoCliError(`Empty value for --wrapping-keys ${name}`);
    switch (name) {
      case "key":
        out.keyIds.push(value);
        break;
      case "region":
        out.region = value;
        break;
      case "profile":
        out.profile = value;
        break;
      case "discovery":
        if (!/^(true|false)$/i.test(value)) throw new CryptoCliError("--wrapping-keys discovery must be true or false");
        out.discovery = value.toLowerCase() === "true";
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
  return out;
}

export interface Discovery {
  discovery: boolean;
  discoveryAccounts: string[];
  discoveryPartition: string;
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
  return { discovery, discoveryAccounts: accounts, discoveryPartition: partition ?? "aws" };
}

function readCaBundle(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CryptoCliError(`Cannot read the CA bundle (--ca-bundle or AWS_CA_BUNDLE) ${file}: ${(e as Error).message}`);
  }
}

/** A caching KMS client provider for the Encryption SDK's keyrings, pointed at the endpoint. */
export async function kmsClientProvider(conn: CryptoConnection) {
  const [{ getClient, cacheClients }, { KMS }] = await loadEsdk();
  const requestHandler = conn.caBundle ? { httpsAgent: new https.Agent({ keepAlive: true, ca: readCaBundle(conn.caBundle) }) } : undefined;
  const config = {
    endpoint: conn.endpoint,
    ...(requestHandler ? { requestHandler } : {}),
    ...(conn.profile ? { profile: conn.profile } : {}),
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
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

/**
 * The metadata record of one operation, laid out as the aws-encryption-cli writes it (one JSON
 * object a line, keys sorted, byte fields in base64): mode, the input and output paths, and the
 * message header. The header holds nothing secret: the encrypted data keys are KMS ciphertexts.
 */
export function metadataRecord(mode: "encrypt" | "decrypt", input: string, output: string, header: MessageHeader): string {
  const keys = header.encryptedDataKeys
    .map((k) => ({ providerId: Buffer.from(k.providerId, "utf8"), keyInfo: Buffer.from(k.providerInfo, "utf8"), edk: k.encryptedDataKey }))
    .sort((a, b) => Buffer.compare(Buffer.concat([a.providerId, a.keyInfo]), Buffer.concat([b.providerId, b.keyInfo])));
  const context = Object.fromEntries(Object.entries(header.encryptionContext).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
    input: input === "-" ? "<stdin>" : path.resolve(input),
    mode,
    output: output === "-" ? "<stdout>" : path.resolve(output),
  };
  return JSON.stringify(record) + "\n";
}

/** Checked before the operation, as the aws-encryption-cli does: a metadata file in a missing directory fails the command. */
function checkMetadataOutput(o: CryptoCommonOptions): void {
  if (!o.metadata || o.metadata.file === "-") {
    if (o.metadata && o.output === "-") throw new CryptoCliError("--metadata-output - and --output - cannot both write to stdout");
    return;
  }
  const dir = path.dirname(path.resolve(o.metadata.file));
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CryptoCliError(`Cannot write the metadata file ${o.metadata.file}: its directory does not exist`);
}

/** Writes the record once the operation has succeeded (a failed one has no output to describe). */
function writeMetadata(o: CryptoCommonOptions, io: CryptoIo, record: string): void {
  if (!o.metadata) return;
  if (o.metadata.file === "-") {
    io.stdout.write(record);
    return;
  }
  try {
    if (o.metadata.overwrite) writeFileSync(o.metadata.file, record);
    else appendFileSync(o.metadata.file, record);
  } catch (e) {
    throw new CryptoCliError(`Cannot write the metadata file ${o.metadata.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function openInput(p: string, io: CryptoIo): Readable {
  return p === "-" ? io.stdin : createReadStream(p);
}

/** Output files being written (before their rename into place), for `guardCommand` to remove. */
const partialFiles = new Set<string>();

/** Runs `body` with a destination; a file destination is renamed into place only on success. */
async function withOutput(p: string, io: CryptoIo, body: (out: Writable) => Promise<void>): Promise<void> {
  if (p === "-") return body(io.stdout);
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${randomBytes(6).toString("hex")}.partial`);
  partialFiles.add(tmp);
  try {
    await body(createWriteStream(tmp, { mode: 0o600 }));
    renameSync(tmp, p);
  } catch (e) {
    rmSync(tmp, { force: true });
    // The temporary file is this command's business: name the output the user gave.
    const err = e as NodeJS.ErrnoException;
    if (err.path === tmp) throw new CryptoCliError(`Cannot write the output file ${p}: ${err.code ?? err.message}`);
    throw e;
  } finally {
    partialFiles.delete(tmp);
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
}

export async function runEncrypt(o: EncryptOptions, io: CryptoIo = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  if (o.keyIds.length === 0) throw new CryptoCliError("encrypt needs at least one wrapping key (--wrapping-keys key=<arn> or --key-id)");
  const [generatorKeyId, ...keyIds] = o.keyIds;
  const [{ buildClient, KmsKeyringNode }] = await loadEsdk();
  const keyring = new KmsKeyringNode({ clientProvider: await kmsClientProvider(o), generatorKeyId, keyIds });
  const client = buildClient({ commitmentPolicy: o.commitmentPolicy, maxEncryptedDataKeys: o.maxEncryptedDataKeys ?? false });
  const { suiteId } = o;
  checkMetadataOutput(o);
  const encrypting = client.encryptStream(keyring, {
    encryptionContext: o.encryptionContext,
    ...(suiteId !== undefined ? { suiteId } : {}),
    ...(o.frameLength ? { frameLength: o.frameLength } : {}),
  });
  let header: MessageHeader | undefined;
  encrypting.once("MessageHeader", (h: MessageHeader) => (header = h));
  await withOutput(o.output, io, (out) => pipeline(openInput(o.input, io), encrypting, out));
  if (header) writeMetadata(o, io, metadataRecord("encrypt", o.input, o.output, header));
}

/** Fails unless the message's encryption context holds every required pair and key. */
export function checkRequiredContext(header: MessageHeader, pairs: Record<string, string>, keys: readonly string[]): void {
  const ctx = header.encryptionContext;
  for (const [k, v] of Object.entries(pairs)) {
    if (!Object.prototype.hasOwnProperty.call(ctx, k) || ctx[k] !== v) throw new CryptoCliError(`The message's encryption context does not contain the required pair for key "${k}"`);
  }
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(ctx, k)) throw new CryptoCliError(`The message's encryption context does not contain the required key "${k}"`);
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/;

/** What the SDK says when no keyring key wrapped any of the message's data keys (or the discovery filter excluded them). */
const NO_DATA_KEY = "unencryptedDataKey has not been set";
/** … and when a frame is longer than maxBodySize (--max-length). */
const MAX_BODY_SIZE = "maxBodySize exceeded.";

export async function runDecrypt(o: DecryptOptions, io: CryptoIo = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  if (o.discovery === (o.keyIds.length > 0)) throw new CryptoCliError("decrypt needs either wrapping keys (--wrapping-keys key=<arn>) or --discovery, not both");
  // A message names the KMS key of each data key by key ARN, which is all a keyring matches on decrypt.
  for (const id of o.keyIds) {
    if (!KEY_ARN.test(id)) throw new CryptoCliError(`decrypt needs key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not "${id}": a message names its KMS keys by key ARN`);
  }
  const [{ buildClient, KmsKeyringNode }] = await loadEsdk();
  const clientProvider = await kmsClientProvider(o);
  const keyring = o.discovery
    ? new KmsKeyringNode({
        clientProvider,
        discovery: true,
        ...(o.discoveryAccounts.length ? { discoveryFilter: { accountIDs: o.discoveryAccounts, partition: o.discoveryPartition } } : {}),
      })
    : new KmsKeyringNode({ clientProvider, keyIds: o.keyIds });
  const client = buildClient({ commitmentPolicy: o.commitmentPolicy, maxEncryptedDataKeys: o.maxEncryptedDataKeys ?? false });
  const limits = o.maxLength ? { maxBodySize: o.maxLength } : {};
  const decrypting = o.unsignedOnly ? client.decryptUnsignedMessageStream(keyring, limits) : client.decryptStream(keyring, limits);
  checkMetadataOutput(o);
  let messageHeader: MessageHeader | undefined;
  // The header is parsed before the first plaintext byte: refuse a wrong context there.
  decrypting.once("MessageHeader", (header: MessageHeader) => {
    messageHeader = header;
    try {
      checkRequiredContext(header, o.encryptionContext, o.requiredContextKeys);
    } catch (e) {
      decrypting.destroy(e as Error);
    }
  });
  try {
    await withOutput(o.output, io, async (out) => {
      // Bytes after the end of the message fail the decryption (the SDK would drop them).
      if (!o.buffer) return pipeline(openInput(o.input, io), messageEndGuard(), decrypting, out);
      const chunks: Buffer[] = [];
      await pipeline(
        openInput(o.input, io),
        messageEndGuard(),
        decrypting,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            chunks.push(chunk);
            done();
          },
        }),
      );
      const all = Buffer.concat(chunks);
      chunks.length = 0;
      try {
        await pipeline(async function* () {
          yield all;
        }, out);
      } finally {
        all.fill(0);
      }
    });
  } catch (e) {
    const message = (e as Error).message;
    if (message === MAX_BODY_SIZE) throw new CryptoCliError(`The message has a frame (or non-framed body) longer than --max-length ${o.maxLength} bytes`);
    if (message !== NO_DATA_KEY) throw e;
    throw new CryptoCliError(
      o.discovery
        ? "No KMS key that discovery may use wrapped a data key of this message (check discovery-account / discovery-partition)"
        : "None of the wrapping keys given wrapped a data key of this message",
    );
  }
  if (messageHeader) writeMetadata(o, io, metadataRecord("decrypt", o.input, o.output, messageHeader));
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CryptoCliError(`${name} must be a positive integer`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function connectionOptions(cmd: Command): Command {
  return cmd
    .requiredOption("-i, --input <file>", "input file, or - for stdin", "-")
    .requiredOption("-o, --output <file>", "output file, or - for stdout; in a directory: the input's name + suffix", "-")
    .option("--suffix [suffix]", "suffix of output files named after the input (default .encrypted / .decrypted; none if given without a value)")
    .option("--metadata-output <file>", "append a JSON record of the operation (paths, message header) to this file, or - for stdout")
    .option("--overwrite-metadata", "replace the metadata file's content instead of appending")
    .option("-S, --suppress-metadata", "write no metadata record (the default; for aws-encryption-cli commands)")
    .option(
      "-w, --wrapping-keys <attr...>",
      "key=<key ARN / id / alias> … [region=<r>] [profile=<p>] (decrypt: key ARNs, or discovery=true [discovery-account=<id> …] [discovery-partition=aws]); region= and profile= apply to every key of the command",
    )
    .option("--key-id <id>", "a KMS key (repeatable); the first generates the data key", collect, [])
    .option("-c, --encryption-context <pair...>", "encryption context k=v … (decrypt: pairs, or bare keys, the message must contain)")
    .addOption(new Option("--commitment-policy <policy>", "forbid-encrypt-allow-decrypt | require-encrypt-allow-decrypt | require-encrypt-require-decrypt").default("require-encrypt-require-decrypt"))
    .option("--max-encrypted-data-keys <n>", "refuse messages with more encrypted data keys than this", positiveInt("--max-encrypted-data-keys"))
    .addOption(new Option("--endpoint <url>", "KMS endpoint").env("AWS_ENDPOINT_URL").default(DEFAULT_ENDPOINT))
    .addOption(new Option("--ca-bundle <file>", "PEM CA certificates to trust for the endpoint").env("AWS_CA_BUNDLE"))
    .option("--region <region>", "Region for key identifiers without one (default: the SDK's AWS_REGION / profile)")
    .option("--profile <name>", "named AWS profile for credentials and Region");
}

interface RawFlags {
  input: string;
  output: string;
  suffix?: string | true;
  metadataOutput?: string;
  overwriteMetadata?: boolean;
  suppressMetadata?: boolean;
  wrappingKeys?: string[];
  keyId: string[];
  encryptionContext?: string[];
  commitmentPolicy: string;
  maxEncryptedDataKeys?: number;
  endpoint: string;
  caBundle?: string;
  region?: string;
  profile?: string;
}

function common(f: RawFlags, decrypting: boolean): { base: CryptoCommonOptions; wk: WrappingKeys; keys: string[] } {
  const wk = parseWrappingKeys(f.wrappingKeys ?? []);
  const { context, keys } = parseContext(f.encryptionContext ?? [], decrypting);
  const region = wk.region ?? f.region;
  const profile = wk.profile ?? f.profile;
  if (f.suppressMetadata && f.metadataOutput !== undefined) throw new CryptoCliError("Give either --metadata-output or --suppress-metadata, not both");
  const base: CryptoCommonOptions = {
    input: f.input,
    output: outputPath(f.input, f.output, decrypting, f.suffix === true ? "" : f.suffix),
    keyIds: [...wk.keyIds, ...f.keyId],
    encryptionContext: context,
    commitmentPolicy: parseCommitmentPolicy(f.commitmentPolicy),
    endpoint: f.endpoint,
    ...(f.maxEncryptedDataKeys ? { maxEncryptedDataKeys: f.maxEncryptedDataKeys } : {}),
    ...(f.metadataOutput !== undefined ? { metadata: { file: f.metadataOutput, overwrite: Boolean(f.overwriteMetadata) } } : {}),
    ...(f.caBundle ? { caBundle: f.caBundle } : {}),
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
  };
  return { base, wk, keys };
}

function report(e: unknown): never {
  // Encryption SDK and KMS errors carry names and messages, never key material or plaintext.
  const err = e as { name?: string; message?: string; code?: unknown };
  if (err.code === "EPIPE") fail(outputError(e));
  fail(new Error(err.name && err.name !== "Error" && err.name !== "CryptoCliError" ? `${err.name}: ${err.message ?? ""}` : (err.message ?? String(e))));
}

export function registerCryptoCommands(program: Command): void {
  connectionOptions(program.command("encrypt"))
    .description("encrypt a file or stream into an AWS Encryption SDK message (data key from KMS)")
    .option(
      "--algorithm <suite>",
      "algorithm suite, e.g. ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY or the aws-encryption-cli's AES_256_GCM_HKDF_SHA512_COMMIT_KEY (unsigned); default …_COMMIT_KEY_ECDSA_P384",
    )
    .option("--frame-length <bytes>", "frame length of the message body", positiveInt("--frame-length"))
    .action(async (f: RawFlags & { algorithm?: string; frameLength?: number }) => {
      guardCommand();
      try {
        const { base, wk } = common(f, false);
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
    .option("--discovery-partition <p>", "partition of --discovery-account (default: aws)")
    .option("--decrypt-unsigned", "refuse signed messages (plaintext is then final as it streams)")
    .option("--buffer", "write no plaintext until the whole message, signature included, is verified")
    .option("--max-length <bytes>", "refuse messages with frames (or a non-framed body) longer than this", positiveInt("--max-length"))
    .action(async (f: RawFlags & { discovery?: boolean; discoveryAccount: string[]; discoveryPartition?: string; decryptUnsigned?: boolean; buffer?: boolean; maxLength?: number }) => {
      guardCommand();
      try {
        const { base, wk, keys } = common(f, true);
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
