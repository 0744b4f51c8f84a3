/**
 * Handler-depth fuzz of KMS (every operation), STS and IAM: real resources are created first
 * (keys of every kind and state, aliases, grants, a multi-Region primary and replica, real
 * ciphertexts, signatures and MACs; IAM users, roles and policies), each operation's valid base
 * request is checked to succeed, then one member at a time is replaced by a value of the right
 * type that is wrong for the situation (cases from handler-fuzz.ts). Answers are judged like the
 * input fuzz's (input-fuzz.ts), plus the exact AWS error code where the API reference names one,
 * no secret in any error, and a consistent state afterwards. BULWARK_FUZZ_SEED picks another
 * reproducible run.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { constants, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes } from "node:crypto";
import {
  KMSClient,
  CreateKeyCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  DisableKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  EncapsulateCommand,
  type KeySpec,
  type KeyUsageType,
} from "@aws-sdk/client-kms";
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand, CreateUserCommand, CreateGroupCommand, CreatePolicyCommand, CreateAccessKeyCommand, CreateInstanceProfileCommand, ListUsersCommand, ListRolesCommand, ListPoliciesCommand, GetUserCommand } from "@aws-sdk/client-iam";
import { rng } from "../../src/core/testing/rng.js";
import type { ServiceDefinition } from "../../src/services/types.js";
import { startTestServer, type TestServer } from "./harness.js";
import { FuzzWire, requestBody, sampleInput, stringMembers, memberHints, type Random, type Reply } from "./input-fuzz.js";
import { OperationCases, capturedLog, codes, damagedBlobs, foreignArns, HOSTILE_TEXT, ofLength, runCases, sampleOf, type Expect, type HostileCase, type Outcome, caseLists } from "./handler-fuzz.js";

const SEED = Number(process.env["BULWARK_FUZZ_SEED"] ?? 20_261_129);
const REPLICA_REGION = "us-west-2";

const log = capturedLog();
let s: TestServer;
let wire: FuzzWire;

before(async () => {
  s = await startTestServer({ plainHttp: true, logger: log.logger });
  wire = new FuzzWire(s, 2);
});

after(async () => {
  wire?.destroy();
  await s?.destroy();
});

const b64 = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString("base64");
const service = (name: string): ServiceDefinition => s.app.registry.all().find((d) => d.name === name)!;

/** Secret values no error message may contain (plaintexts, key material), in the encodings a leak would take. */
const secrets: string[] = [];
function secret(b: Buffer): Buffer {
  secrets.push(b.toString("base64"), b.toString("hex"));
  const t = b.toString("utf8");
  if (/^[\x20-\x7e]{12,}$/.test(t)) secrets.push(t);
  return b;
}

/** Sends the cases in order, judging each answer; CreateKey successes in the home Region are counted. */
type CountedOutcome = Outcome & { created: number };

async function run(svc: ServiceDefinition, cases: readonly HostileCase[], out: CountedOutcome): Promise<void> {
  await runCases(wire, svc, cases, out, {
    secrets,
    onOk: (c) => {
      if (c.operation === "CreateKey" && c.region === undefined) out.created++;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// KMS

interface Key {
  id: string;
  arn: string;
}

interface KmsWorld {
  account: string;
  sym: Key;
  sym2: Key;
  disabled: Key;
  pending: Key;
  pendingImport: Key;
  imported: Key;
  hmac: Key;
  hmac512: Key;
  rsaEnc: Key;
  rsaSign: Key;
  p256: Key;
  k1: Key;
  ed: Key;
  mldsa: Key;
  ecdh: Key;
  mlkem: Key;
  mrk: Key;
  replica: Key;
  /** Keys the destructive operations' base requests act on. */
  victim: Key;
  victim2: Key;
  alias: string;
  aliasOf2: string;
  ciphertext: string;
  ciphertext2: string;
  ciphertextCtx: string;
  rsaCiphertext: string;
  plaintext: string;
  signature: string;
  p256Signature: string;
  mac: string;
  grantToken: string;
  grantTokenOther: string;
  grantId: string;
  rsaPublicKey: string;
  ecdhPublicKey: string;
  otherCurvePublicKey: string;
  kemCiphertext: string;
  importToken: string;
  importPublicKey: string;
  importMaterial: Buffer;
}

async function key(kms: KMSClient, KeySpec: KeySpec = "SYMMETRIC_DEFAULT", KeyUsage?: KeyUsageType, extra: Record<string, unknown> = {}): Promise<Key> {
  const k = await kms.send(new CreateKeyCommand({ KeySpec, ...(KeyUsage ? { KeyUsage } : {}), Description: `fuzz ${KeySpec}`, ...extra }));
  return { id: k.KeyMetadata!.KeyId!, arn: k.KeyMetadata!.Arn! };
}

async function kmsWorld(): Promise<KmsWorld> {
  const kms = new KMSClient(s.clientConfig());
  const [sym, sym2, disabled, pending, pendingImport, imported, hmac, hmac512, rsaEnc, rsaSign, p256, k1, ed, mldsa, ecdh, mlkem, mrk, victim, victim2] = await Promise.all([
    key(kms),
    key(kms),
    key(kms),
    key(kms),
    key(kms, "SYMMETRIC_DEFAULT", undefined, { Origin: "EXTERNAL" }),
    key(kms, "SYMMETRIC_DEFAULT", undefined, { Origin: "EXTERNAL" }),
    key(kms, "HMAC_256", "GENERATE_VERIFY_MAC"),
    key(kms, "HMAC_512", "GENERATE_VERIFY_MAC"),
    key(kms, "RSA_2048", "ENCRYPT_DECRYPT"),
    key(kms, "RSA_3072", "SIGN_VERIFY"),
    key(kms, "ECC_NIST_P256", "SIGN_VERIFY"),
    key(kms, "ECC_SECG_P256K1", "SIGN_VERIFY"),
    key(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    key(kms, "ML_DSA_44", "SIGN_VERIFY"),
    key(kms, "ECC_NIST_P256", "KEY_AGREEMENT"),
    key(kms, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
    key(kms, "SYMMETRIC_DEFAULT", undefined, { MultiRegion: true }),
    key(kms),
    key(kms),
  ]);
  await kms.send(new DisableKeyCommand({ KeyId: disabled.id }));
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.id, PendingWindowInDays: 30 }));
  const rep = await kms.send(new ReplicateKeyCommand({ KeyId: mrk.id, ReplicaRegion: REPLICA_REGION }));
  const replica = { id: rep.ReplicaKeyMetadata!.KeyId!, arn: rep.ReplicaKeyMetadata!.Arn! };

  // Imported key material, and a second set of import parameters for the base ImportKeyMaterial request.
  const importMaterial = secret(randomBytes(32));
  const wrap = async (k: Key) => {
    const p = await kms.send(new GetParametersForImportCommand({ KeyId: k.id, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const pub = createPublicKey({ key: Buffer.from(p.PublicKey!), format: "der", type: "spki" });
    return { token: b64(p.ImportToken), pub: b64(p.PublicKey), wrapped: publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, importMaterial) };
  };
  const first = await wrap(imported);
  await kms.send(new ImportKeyMaterialCommand({ KeyId: imported.id, ImportToken: Buffer.from(first.token, "base64"), EncryptedKeyMaterial: first.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
  const second = await wrap(pendingImport);

  const alias = "alias/fuzz-sym";
  const aliasOf2 = "alias/fuzz-sym2";
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: sym.id }));
  await kms.send(new CreateAliasCommand({ AliasName: aliasOf2, TargetKeyId: sym2.id }));

  const plaintext = secret(Buffer.from("handler-fuzz plaintext 7f3a9c", "utf8"));
  const ct = await kms.send(new EncryptCommand({ KeyId: sym.id, Plaintext: plaintext }));
  const ct2 = await kms.send(new EncryptCommand({ KeyId: sym2.id, Plaintext: plaintext }));
  const ctCtx = await kms.send(new EncryptCommand({ KeyId: sym.id, Plaintext: plaintext, EncryptionContext: { purpose: "fuzz", tenant: "t1" } }));
  const rsaCt = await kms.send(new EncryptCommand({ KeyId: rsaEnc.id, Plaintext: plaintext, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
  const message = Buffer.from("message to sign");
  const sig = await kms.send(new SignCommand({ KeyId: rsaSign.id, Message: message, SigningAlgorithm: "RSASSA_PSS_SHA_256" }));
  const p256Sig = await kms.send(new SignCommand({ KeyId: p256.id, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }));
  const mac = await kms.send(new GenerateMacCommand({ KeyId: hmac.id, Message: message, MacAlgorithm: "HMAC_SHA_256" }));
  const rsaPub = await kms.send(new GetPublicKeyCommand({ KeyId: rsaEnc.id }));
  const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "der", type: "spki" });
  const otherCurve = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({ format: "der", type: "spki" });
  const kem = await kms.send(new EncapsulateCommand({ KeyId: mlkem.id, EncapsulationAlgorithm: "ML_KEM" } as never));
  const account = s.accountId;
  const grant = await kms.send(new CreateGrantCommand({ KeyId: sym.id, GranteePrincipal: `arn:aws:iam::${account}:root`, Operations: ["Encrypt", "Decrypt", "RetireGrant"] }));
  const grantOther = await kms.send(new CreateGrantCommand({ KeyId: sym2.id, GranteePrincipal: `arn:aws:iam::${account}:root`, Operations: ["Encrypt"] }));
  return {
    account,
    sym,
    sym2,
    disabled,
    pending,
    pendingImport,
    imported,
    hmac,
    hmac512,
    rsaEnc,
    rsaSign,
    p256,
    k1,
    ed,
    mldsa,
    ecdh,
    mlkem,
    mrk,
    replica,
    victim,
    victim2,
    alias,
    aliasOf2,
    ciphertext: b64(ct.CiphertextBlob),
    ciphertext2: b64(ct2.CiphertextBlob),
    ciphertextCtx: b64(ctCtx.CiphertextBlob),
    rsaCiphertext: b64(rsaCt.CiphertextBlob),
    plaintext: plaintext.toString("base64"),
    signature: b64(sig.Signature),
    p256Signature: b64(p256Sig.Signature),
    mac: b64(mac.Mac),
    grantToken: grant.GrantToken!,
    grantTokenOther: grantOther.GrantToken!,
    grantId: grant.GrantId!,
    rsaPublicKey: b64(rsaPub.PublicKey),
    ecdhPublicKey: peer.toString("base64"),
    otherCurvePublicKey: otherCurve.toString("base64"),
    kemCiphertext: b64((kem as { SharedSecretCiphertextBlob?: Uint8Array }).SharedSecretCiphertextBlob),
    importToken: second.token,
    importPublicKey: second.pub,
    importMaterial: second.wrapped,
  };
}

const NOT_FOUND = codes("NotFoundException");
const INVALID_STATE = codes("KMSInvalidStateException");
const DISABLED = codes("DisabledException");
const USAGE = codes("InvalidKeyUsageException");
const VALIDATION = codes("ValidationException");
const DRY_RUN = codes("DryRunOperationException");
const BAD_GRANT_TOKEN = codes("InvalidGrantTokenException");
const UNSUPPORTED = codes("UnsupportedOperationException");

/** KeyId values that name no usable key for this operation, with the error AWS documents. */
function keyIdCases(oc: OperationCases, w: KmsWorld, r: Random, opts: { stateChecked: boolean; disabledCode?: Expect; pendingImport?: Expect }): void {
  const bogus = "1234abcd-12ab-34cd-56ef-1234567890ab";
  oc.set("KeyId", "unknown key id", bogus, NOT_FOUND);
  oc.set("KeyId", "unknown alias", "alias/fuzz-no-such-alias", NOT_FOUND);
  oc.set("KeyId", "alias ARN of an unknown alias", `arn:aws:kms:us-east-1:${w.account}:alias/fuzz-no-such-alias`, NOT_FOUND);
  // A key ARN naming another account, region or partition is a key this endpoint cannot find.
  for (const [label, arn] of sampleOf(r, foreignArns(w.sym.arn, w.account), 4)) oc.set("KeyId", `key ARN of ${label}`, arn, codes("NotFoundException", "ValidationException", "AccessDeniedException"));
  oc.set("KeyId", "replica's ARN (another region)", w.replica.arn, NOT_FOUND);
  oc.set("KeyId", "key id with trailing space", `${w.sym.id} `, codes("NotFoundException", "ValidationException"));
  oc.set("KeyId", "upper-case key id", w.sym.id.toUpperCase(), codes("NotFoundException", "ValidationException"));
  oc.set("KeyId", "2048 characters", `alias/${ofLength(2042)}`, codes("NotFoundException", "ValidationException"));
  oc.set("KeyId", "2049 characters", `alias/${ofLength(2043)}`, VALIDATION);
  oc.set("KeyId", "unicode alias", "alias/🔑\u202e", codes("NotFoundException", "ValidationException"));
  if (opts.stateChecked) {
    oc.set("KeyId", "disabled key", w.disabled.id, opts.disabledCode ?? DISABLED);
    oc.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
    oc.set("KeyId", "key pending import", w.pendingImport.id, opts.pendingImport ?? INVALID_STATE);
  }
}

/** Markers no list answer gave: unknown ones are InvalidMarkerException; ones outside the model's length and pattern are ValidationException. */
function markerCases(oc: OperationCases): void {
  oc.set("Marker", "random marker", randomBytes(24).toString("base64"), codes("InvalidMarkerException"));
  oc.set("Marker", "1024 characters", ofLength(1024), codes("InvalidMarkerException"));
  oc.set("Marker", "1025 characters", ofLength(1025), VALIDATION);
  oc.set("Marker", "control characters", "\u0000\u0001", VALIDATION);
}

function grantTokenCases(oc: OperationCases, w: KmsWorld, r: Random, token: string): void {
  // GrantTokens is a list of up to 10 tokens, each 1-8192 characters.
  oc.set("GrantTokens", "a real token for this key", [token], "ok");
  oc.set("GrantTokens", "a real token for another key", [w.grantTokenOther], "ok");
  oc.set("GrantTokens", "random token", [randomBytes(96).toString("base64url")], BAD_GRANT_TOKEN);
  const t = Buffer.from(token, "base64url");
  const flipped = Buffer.from(t);
  const at = Math.floor(r() * flipped.length);
  flipped[at] = flipped[at]! ^ 0x10;
  oc.set("GrantTokens", "bit-flipped real token", [flipped.toString("base64url")], BAD_GRANT_TOKEN);
  oc.set("GrantTokens", "truncated real token", [token.slice(0, token.length >> 1)], BAD_GRANT_TOKEN);
  oc.set("GrantTokens", "11 tokens", Array(11).fill(token), VALIDATION);
  oc.set("GrantTokens", "8193-character token", [ofLength(8193)], VALIDATION);
  oc.set("GrantTokens", "unicode token", ["🔑\u0000"], BAD_GRANT_TOKEN);
}

function encryptionContextCases(oc: OperationCases, expectMismatch: Expect): void {
  oc.set("EncryptionContext", "different value", { purpose: "fuzz", tenant: "t2" }, expectMismatch);
  const mismatch = typeof expectMismatch === "object" ? expectMismatch.codes : [];
  oc.set("EncryptionContext", "empty key", { "": "v" }, expectMismatch === "ok" ? "any" : codes("ValidationException", ...mismatch));
  oc.set("EncryptionContext", "unicode and control characters", { "k\u0000🔑": "\u202e\r\n" }, expectMismatch === "ok" ? "any" : codes("ValidationException", ...mismatch));
  oc.set("EncryptionContext", "huge context (100 pairs of 1 KiB)", Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, ofLength(1024)])), "any");
  oc.set("EncryptionContext", "one 100 KiB value", { big: ofLength(100_000) }, "any");
}

function kmsCases(w: KmsWorld, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const acct = w.account;
  const principal = `arn:aws:iam::${acct}:root`;

  // --- Key management
  const create = op("CreateKey", { Description: "fuzz created" });
  create.set("KeySpec", "HMAC key without GENERATE_VERIFY_MAC usage", "HMAC_256", VALIDATION);
  create.set("KeyUsage", "SIGN_VERIFY for a symmetric key", "SIGN_VERIFY", VALIDATION);
  create.set("KeyUsage", "KEY_AGREEMENT for a symmetric key", "KEY_AGREEMENT", VALIDATION);
  create.add("KeySpec/KeyUsage: RSA with GENERATE_VERIFY_MAC", { KeySpec: "RSA_4096", KeyUsage: "GENERATE_VERIFY_MAC" }, VALIDATION);
  create.add("KeySpec/KeyUsage: Ed25519 with ENCRYPT_DECRYPT", { KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "ENCRYPT_DECRYPT" }, VALIDATION);
  create.add("KeySpec/KeyUsage: ML-KEM with SIGN_VERIFY", { KeySpec: "ML_KEM_512", KeyUsage: "SIGN_VERIFY" }, VALIDATION);
  create.add("KeySpec/KeyUsage: ML-DSA with KEY_AGREEMENT", { KeySpec: "ML_DSA_87", KeyUsage: "KEY_AGREEMENT" }, VALIDATION);
  create.add("KeySpec/KeyUsage: secp256k1 with KEY_AGREEMENT", { KeySpec: "ECC_SECG_P256K1", KeyUsage: "KEY_AGREEMENT" }, VALIDATION);
  create.set("KeySpec", "RSA_1024 (no such spec)", "RSA_1024", VALIDATION);
  create.add("MultiRegion with EXTERNAL origin", { MultiRegion: true, Origin: "EXTERNAL" }, "ok");
  create.add("Origin AWS_CLOUDHSM without a key store", { Origin: "AWS_CLOUDHSM" }, codes("CustomKeyStoreNotFoundException", "ValidationException"));
  create.add("CustomKeyStoreId of no store", { CustomKeyStoreId: "cks-1234567890abcdef0" }, codes("CustomKeyStoreNotFoundException"));
  create.add("XksKeyId without a store", { XksKeyId: "abc" }, codes("ValidationException", "XksKeyNotFoundException", "CustomKeyStoreNotFoundException"));
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 4)) create.set("Description", label, t, "ok");
  create.set("Description", "8192 characters", ofLength(8192), "ok");
  create.set("Description", "8193 characters", ofLength(8193), VALIDATION);
  create.set("Policy", "malformed JSON", '{"Version":"2012-10-17","Statement":[', codes("MalformedPolicyDocumentException"));
  create.set("Policy", "not an object", "[]", codes("MalformedPolicyDocumentException"));
  create.set("Policy", "valid JSON without the caller's access (lockout)", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  create.set("Policy", "unknown principal account", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:user/nobody" }, Action: "kms:Decrypt", Resource: "*" }] }), "any");
  create.set("Policy", "32768 characters (the limit)", policyOfLength(principal, 32_768), "ok");
  create.set("Policy", "32769 characters", policyOfLength(principal, 32_769), codes("LimitExceededException", "MalformedPolicyDocumentException", "ValidationException"));
  create.set("Policy", "deeply nested JSON", '{"a":'.repeat(500) + "1" + "}".repeat(500), codes("MalformedPolicyDocumentException"));
  create.set("Policy", "NUL in policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${principal}"},"Action":"kms:*","Resource":"*\u0000"}]}`, codes("MalformedPolicyDocumentException", "ValidationException"));
  create.set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" })), codes("TagException", "ValidationException"));
  create.set("Tags", "aws: prefix", [{ TagKey: "aws:reserved", TagValue: "v" }], codes("TagException"));
  create.set("Tags", "duplicate keys", [{ TagKey: "k", TagValue: "a" }, { TagKey: "k", TagValue: "b" }], codes("TagException"));
  create.set("Tags", "129-character key", [{ TagKey: ofLength(129), TagValue: "v" }], codes("TagException", "ValidationException"));
  create.set("Tags", "257-character value", [{ TagKey: "k", TagValue: ofLength(257) }], codes("TagException", "ValidationException"));
  create.set("Tags", "control characters in the key", [{ TagKey: "k\u0000\u0007", TagValue: "v" }], codes("TagException", "ValidationException"));
  create.set("BypassPolicyLockoutSafetyCheck", "true with no policy", true, "ok");

  const describe = op("DescribeKey", { KeyId: w.sym.id });
  keyIdCases(describe, w, r, { stateChecked: false });
  describe.set("KeyId", "disabled key", w.disabled.arn, "ok");
  describe.set("KeyId", "key pending deletion", w.pending.arn, "ok");
  describe.set("KeyId", "key pending import", w.pendingImport.arn, "ok");
  describe.set("KeyId", "replica in its region by ARN from us-east-1", w.replica.arn, codes("NotFoundException"));
  describe.set("KeyId", "alias/aws/ name of an AWS managed key", "alias/aws/ebs", "ok");
  op("DescribeKey", { KeyId: w.replica.arn }, "ok", REPLICA_REGION).set("KeyId", "primary's ARN in the replica's region", w.mrk.arn, NOT_FOUND);

  const list = op("ListKeys", { Limit: 1000 });
  for (const [l, v, e] of [["0", 0, VALIDATION], ["1", 1, "ok"], ["1001", 1001, VALIDATION], ["-1", -1, VALIDATION], ["2^31-1", 2 ** 31 - 1, VALIDATION]] as const) list.set("Limit", l, v, e as Expect);
  markerCases(list);

  const desc = op("UpdateKeyDescription", { KeyId: w.sym.id, Description: "updated" });
  keyIdCases(desc, w, r, { stateChecked: true, disabledCode: "ok", pendingImport: "ok" });
  for (const [label, t] of HOSTILE_TEXT) desc.set("Description", label, t, "ok");
  desc.set("Description", "8193 characters", ofLength(8193), VALIDATION);
  desc.set("Description", "empty", "", "ok");

  const enable = op("EnableKey", { KeyId: w.sym.id });
  keyIdCases(enable, w, r, { stateChecked: false });
  enable.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  enable.set("KeyId", "key pending import", w.pendingImport.id, INVALID_STATE);
  const disable = op("DisableKey", { KeyId: w.disabled.id });
  keyIdCases(disable, w, r, { stateChecked: false });
  disable.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  disable.set("KeyId", "key pending import", w.pendingImport.id, INVALID_STATE);

  const sched = op("ScheduleKeyDeletion", { KeyId: w.victim.id, PendingWindowInDays: 7 });
  for (const [l, v, e] of [["6", 6, VALIDATION], ["31", 31, VALIDATION], ["0", 0, VALIDATION], ["-7", -7, VALIDATION], ["2^31-1", 2 ** 31 - 1, VALIDATION]] as const) sched.set("PendingWindowInDays", l, v, e as Expect);
  sched.set("KeyId", "already pending deletion", w.pending.id, INVALID_STATE);
  sched.set("KeyId", "unknown key id", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  sched.set("KeyId", "alias", w.alias, codes("NotFoundException", "ValidationException"));
  const cancel = op("CancelKeyDeletion", { KeyId: w.victim.id });
  cancel.set("KeyId", "enabled key (not pending deletion)", w.sym.id, INVALID_STATE);
  cancel.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);

  const lastUsage = op("GetKeyLastUsage", { KeyId: w.sym.id });
  keyIdCases(lastUsage, w, r, { stateChecked: false });

  // --- Aliases
  const ca = op("CreateAlias", { AliasName: "alias/fuzz-new", TargetKeyId: w.sym.id });
  ca.set("AliasName", "already exists", w.alias, codes("AlreadyExistsException"));
  ca.set("AliasName", "reserved alias/aws/ prefix", "alias/aws/fuzz", codes("NotAuthorizedException"));
  ca.set("AliasName", "no alias/ prefix", "fuzz", VALIDATION);
  ca.set("AliasName", "alias/ only", "alias/", "any");
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 5)) ca.set("AliasName", `alias/ with ${label}`, `alias/${t}`, VALIDATION);
  ca.set("AliasName", "256 characters", `alias/${ofLength(250)}`, "ok");
  ca.set("AliasName", "257 characters", `alias/${ofLength(251)}`, VALIDATION);
  ca.set("AliasName", "alias ARN", `arn:aws:kms:us-east-1:${acct}:alias/fuzz-arn`, VALIDATION);
  ca.set("TargetKeyId", "an alias", w.aliasOf2, codes("NotFoundException", "ValidationException"));
  ca.set("TargetKeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  ca.set("TargetKeyId", "AWS managed key alias", "alias/aws/ebs", codes("NotFoundException", "ValidationException"));
  ca.set("TargetKeyId", "unknown key", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  ca.set("TargetKeyId", "key ARN of another account", w.sym.arn.replace(`:${acct}:`, ":111122223333:"), codes("NotFoundException", "AccessDeniedException", "ValidationException"));
  ca.set("TargetKeyId", "key ARN of another region", w.sym.arn.replace(":us-east-1:", ":eu-west-1:"), codes("NotFoundException", "ValidationException"));
  ca.set("TargetKeyId", "the replica's ARN", w.replica.arn, NOT_FOUND);
  const ua = op("UpdateAlias", { AliasName: w.aliasOf2, TargetKeyId: w.sym2.id });
  ua.set("TargetKeyId", "key of another type (HMAC)", w.hmac.id, codes("ValidationException"));
  ua.set("TargetKeyId", "key of another usage (RSA sign)", w.rsaSign.id, codes("ValidationException"));
  ua.set("TargetKeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  ua.set("TargetKeyId", "an alias", w.alias, codes("NotFoundException", "ValidationException"));
  ua.set("AliasName", "unknown alias", "alias/fuzz-nothing", NOT_FOUND);
  ua.set("AliasName", "reserved alias/aws/ prefix", "alias/aws/ebs", codes("NotAuthorizedException"));
  ua.set("AliasName", "control characters", "alias/\u0000", VALIDATION);
  const da = op("DeleteAlias", { AliasName: "alias/fuzz-new" });
  da.set("AliasName", "unknown alias", "alias/fuzz-nothing", NOT_FOUND);
  da.set("AliasName", "reserved alias/aws/ prefix", "alias/aws/ebs", codes("NotAuthorizedException"));
  da.set("AliasName", "no alias/ prefix", "fuzz", VALIDATION);
  da.set("AliasName", "alias ARN", `arn:aws:kms:us-east-1:${acct}:alias/fuzz-sym`, VALIDATION);
  const la = op("ListAliases", { Limit: 100 });
  la.set("Limit", "0", 0, VALIDATION);
  la.set("Limit", "101", 101, VALIDATION);
  la.set("Limit", "1", 1, "ok");
  markerCases(la);
  la.set("KeyId", "disabled key", w.disabled.id, "ok");
  la.set("KeyId", "unknown key", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  la.set("KeyId", "an alias name", w.alias, codes("NotFoundException", "ValidationException", "InvalidArnException"));
  la.set("KeyId", "key ARN of another account", w.sym.arn.replace(`:${acct}:`, ":111122223333:"), codes("NotFoundException", "AccessDeniedException", "InvalidArnException"));

  // --- Tags
  const tag = op("TagResource", { KeyId: w.sym.id, Tags: [{ TagKey: "fuzz", TagValue: "1" }] });
  keyIdCases(tag, w, r, { stateChecked: false });
  tag.set("KeyId", "disabled key", w.disabled.id, "ok");
  tag.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  tag.set("Tags", "aws: prefix", [{ TagKey: "aws:x", TagValue: "v" }], codes("TagException"));
  tag.set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ TagKey: `n${i}`, TagValue: "v" })), codes("TagException", "ValidationException", "LimitExceededException"));
  tag.set("Tags", "128-character key, 256-character value", [{ TagKey: ofLength(128), TagValue: ofLength(256) }], "ok");
  tag.set("Tags", "129-character key", [{ TagKey: ofLength(129), TagValue: "v" }], codes("TagException", "ValidationException"));
  tag.set("Tags", "empty list", [], "any");
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 4)) tag.set("Tags", `${label} in the value`, [{ TagKey: "u", TagValue: t }], "any");
  const untag = op("UntagResource", { KeyId: w.sym.id, TagKeys: ["fuzz"] });
  untag.set("TagKeys", "not present", ["absent"], "ok");
  untag.set("TagKeys", "aws: prefix", ["aws:x"], "any");
  untag.set("TagKeys", "129 characters", [ofLength(129)], codes("TagException", "ValidationException"));
  untag.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  const lt = op("ListResourceTags", { KeyId: w.sym.id, Limit: 50 });
  lt.set("Limit", "0", 0, VALIDATION);
  lt.set("Limit", "51", 51, VALIDATION);
  markerCases(lt);
  lt.set("KeyId", "alias", w.alias, codes("NotFoundException", "ValidationException"));

  // --- Key policies
  const gp = op("GetKeyPolicy", { KeyId: w.sym.id, PolicyName: "default" });
  gp.set("PolicyName", "other name", "fuzz", NOT_FOUND);
  gp.set("PolicyName", "control characters", "\u0000", VALIDATION);
  gp.set("PolicyName", "129 characters", ofLength(129), VALIDATION);
  keyIdCases(gp, w, r, { stateChecked: false });
  const pp = op("PutKeyPolicy", { KeyId: w.sym2.id, PolicyName: "default", Policy: policyOfLength(principal, 2000) });
  pp.set("Policy", "32768 characters", policyOfLength(principal, 32_768), "ok");
  pp.set("Policy", "32769 characters", policyOfLength(principal, 32_769), codes("LimitExceededException", "MalformedPolicyDocumentException", "ValidationException"));
  pp.set("Policy", "malformed JSON", "{", codes("MalformedPolicyDocumentException"));
  pp.set("Policy", "JSON with trailing garbage", `${policyOfLength(principal, 200)}}`, codes("MalformedPolicyDocumentException"));
  pp.set("Policy", "Statement is a string", '{"Version":"2012-10-17","Statement":"x"}', codes("MalformedPolicyDocumentException"));
  pp.set("Policy", "Effect Maybe", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Maybe", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  pp.set("Policy", "Principal ARN of another partition", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", Principal: { AWS: "arn:aws-cn:iam::111122223333:root" }, Action: "kms:Decrypt", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  pp.set("Policy", "lockout (no access for the caller)", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  // The Policy member admits only tab, LF, CR and U+0020-U+00FF.
  pp.set("Policy", "unicode in a Sid", JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "🔑\u202e", Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] }), VALIDATION);
  pp.set("Policy", "Latin-1 in a Sid", JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Schl\u00fcssel", Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] }), "any");
  pp.set("Policy", "duplicate keys", `{"Version":"2012-10-17","Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${principal}"},"Action":"kms:*","Resource":"*"}]}`, "any");
  pp.set("PolicyName", "not default", "fuzz", codes("ValidationException", "NotFoundException"));
  pp.set("KeyId", "key pending deletion", w.pending.id, "ok"); // PutKeyPolicy works in every key state (key-state table)
  pp.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  const lp = op("ListKeyPolicies", { KeyId: w.sym.id, Limit: 1000 });
  lp.set("Limit", "1001", 1001, VALIDATION);
  lp.set("Limit", "0", 0, VALIDATION);
  lp.set("Marker", "random", "x", "any");
  lp.set("KeyId", "pending deletion", w.pending.id, "ok");

  // --- Grants
  const cg = op("CreateGrant", { KeyId: w.sym.id, GranteePrincipal: principal, Operations: ["Encrypt", "Decrypt"] });
  grantTokenCases(cg, w, r, w.grantToken);
  cg.set("Operations", "Sign on a symmetric key", ["Sign"], codes("ValidationException"));
  cg.set("Operations", "GenerateMac on a symmetric key", ["GenerateMac"], codes("ValidationException"));
  cg.set("Operations", "empty", [], VALIDATION);
  cg.set("Operations", "unknown operation", ["DeleteEverything"], VALIDATION);
  const BAD_PRINCIPAL = codes("ValidationException", "InvalidArnException");
  cg.set("GranteePrincipal", "not an ARN", "nobody", BAD_PRINCIPAL);
  cg.set("GranteePrincipal", "ARN of another partition", "arn:aws-cn:iam::111122223333:root", BAD_PRINCIPAL);
  cg.set("GranteePrincipal", "ARN of an unknown partition", "arn:aws-xx:iam::111122223333:root", BAD_PRINCIPAL);
  cg.set("GranteePrincipal", "control characters", "arn:aws:iam::111122223333:user/\u0000", VALIDATION);
  cg.set("GranteePrincipal", "256 characters", `arn:aws:iam::111122223333:user/${ofLength(225)}`, "ok");
  cg.set("GranteePrincipal", "257 characters", `arn:aws:iam::111122223333:user/${ofLength(226)}`, VALIDATION);
  cg.set("RetiringPrincipal", "not an ARN", "nobody", BAD_PRINCIPAL);
  cg.set("Name", "unicode", "🔑", VALIDATION);
  cg.set("Name", "256 characters", ofLength(256), "ok");
  cg.set("Name", "257 characters", ofLength(257), VALIDATION);
  cg.set("Constraints", "both context constraints", { EncryptionContextSubset: { a: "b" }, EncryptionContextEquals: { a: "b" } }, "any");
  cg.set("Constraints", "context constraint with an empty key", { EncryptionContextSubset: { "": "b" } }, "any");
  cg.set("Constraints", "9 pairs (max 8)", { EncryptionContextSubset: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"])) }, VALIDATION);
  cg.set("Constraints", "385-character value (max 384)", { EncryptionContextEquals: { k: ofLength(385) } }, VALIDATION);
  cg.set("DryRun", "true", true, DRY_RUN);
  cg.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  cg.set("KeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  cg.set("KeyId", "key pending import", w.pendingImport.id, INVALID_STATE);
  cg.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  op("CreateGrant", { KeyId: w.hmac.id, GranteePrincipal: principal, Operations: ["GenerateMac"] }).set("Operations", "Encrypt on an HMAC key", ["Encrypt"], VALIDATION);
  op("CreateGrant", { KeyId: w.ecdh.id, GranteePrincipal: principal, Operations: ["DeriveSharedSecret"] }).set("Operations", "Sign on a key agreement key", ["Sign"], VALIDATION);

  const lg = op("ListGrants", { KeyId: w.sym.id, Limit: 100 });
  lg.set("Limit", "0", 0, VALIDATION);
  lg.set("Limit", "101", 101, VALIDATION);
  markerCases(lg);
  lg.set("GrantId", "unknown grant", "0".repeat(64), codes("InvalidGrantIdException"));
  lg.set("GrantId", "129 characters", ofLength(129), VALIDATION);
  lg.set("GranteePrincipal", "not an ARN", "nobody", "any");
  lg.set("KeyId", "alias", w.alias, NOT_FOUND);
  lg.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  const lrg = op("ListRetirableGrants", { RetiringPrincipal: principal, Limit: 100 });
  lrg.set("RetiringPrincipal", "not an ARN", "nobody", "any");
  lrg.set("RetiringPrincipal", "role of another account", "arn:aws:iam::111122223333:role/x", "any");
  lrg.set("RetiringPrincipal", "unicode", "arn:aws:iam::111122223333:user/🔑", codes("ValidationException", "InvalidArnException"));
  lrg.set("Limit", "0", 0, VALIDATION);
  lrg.set("Limit", "101", 101, VALIDATION);
  markerCases(lrg);

  const rg = op("RetireGrant", { GrantToken: w.grantToken });
  rg.set("GrantToken", "token for another key", w.grantTokenOther, "ok");
  rg.set("GrantToken", "random token", randomBytes(120).toString("base64url"), BAD_GRANT_TOKEN);
  rg.set("GrantToken", "same token again (grant retired)", w.grantToken, codes("NotFoundException", "InvalidGrantTokenException"));
  rg.set("GrantToken", "truncated", w.grantToken.slice(0, 40), BAD_GRANT_TOKEN);
  rg.add("KeyId and GrantId of an unknown grant", { KeyId: w.sym.id, GrantId: "0".repeat(64) }, codes("NotFoundException", "InvalidGrantIdException"));
  rg.add("GrantId without KeyId", { GrantId: "0".repeat(64) }, VALIDATION);
  rg.add("DryRun with a random token", { GrantToken: randomBytes(100).toString("base64url"), DryRun: true }, codes("InvalidGrantTokenException", "DryRunOperationException"));
  const rv = op("RevokeGrant", { KeyId: w.sym.id, GrantId: "0".repeat(64) }, codes("InvalidGrantIdException", "NotFoundException"));
  rv.set("GrantId", "unicode", "🔑", codes("InvalidGrantIdException", "ValidationException", "NotFoundException"));
  rv.set("GrantId", "129 characters", ofLength(129), VALIDATION);
  rv.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  rv.set("DryRun", "true", true, codes("InvalidGrantIdException", "NotFoundException", "DryRunOperationException"));

  // --- Rotation
  const er = op("EnableKeyRotation", { KeyId: w.sym.id, RotationPeriodInDays: 365 });
  for (const [l, v, e] of [["90 (min)", 90, "ok"], ["2560 (max)", 2560, "ok"], ["89", 89, VALIDATION], ["2561", 2561, VALIDATION], ["0", 0, VALIDATION], ["-1", -1, VALIDATION]] as const) er.set("RotationPeriodInDays", l, v, e as Expect);
  er.set("KeyId", "asymmetric key", w.rsaSign.id, UNSUPPORTED);
  er.set("KeyId", "HMAC key", w.hmac.id, UNSUPPORTED);
  er.set("KeyId", "imported material", w.imported.id, UNSUPPORTED);
  er.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  er.set("KeyId", "pending deletion", w.pending.id, INVALID_STATE);
  er.set("KeyId", "AWS managed key", "alias/aws/ebs", codes("UnsupportedOperationException", "NotFoundException", "AccessDeniedException"));
  const dr = op("DisableKeyRotation", { KeyId: w.sym2.id });
  dr.set("KeyId", "asymmetric key", w.p256.id, UNSUPPORTED);
  dr.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  dr.set("KeyId", "pending deletion", w.pending.id, INVALID_STATE);
  const gr = op("GetKeyRotationStatus", { KeyId: w.sym.id });
  gr.set("KeyId", "asymmetric key", w.p256.id, UNSUPPORTED);
  gr.set("KeyId", "alias", w.alias, codes("NotFoundException", "ValidationException"));
  gr.set("KeyId", "pending deletion", w.pending.id, "ok");
  const rod = op("RotateKeyOnDemand", { KeyId: w.sym2.id });
  rod.set("KeyId", "asymmetric key", w.rsaEnc.id, UNSUPPORTED);
  rod.set("KeyId", "HMAC key", w.hmac512.id, UNSUPPORTED);
  rod.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  rod.set("KeyId", "pending deletion", w.pending.id, INVALID_STATE);
  rod.set("KeyId", "pending import", w.pendingImport.id, INVALID_STATE);
  rod.set("KeyId", "again right away", w.sym2.id, "any");
  const lr = op("ListKeyRotations", { KeyId: w.sym2.id, Limit: 1000 });
  lr.set("Limit", "0", 0, VALIDATION);
  lr.set("Limit", "1001", 1001, VALIDATION);
  markerCases(lr);
  lr.set("KeyId", "asymmetric key", w.rsaEnc.id, UNSUPPORTED);
  lr.set("IncludeKeyMaterial", "ALL_KEY_MATERIAL", "ALL_KEY_MATERIAL", "ok");

  // --- Encrypt / Decrypt / ReEncrypt
  const enc = op("Encrypt", { KeyId: w.sym.id, Plaintext: w.plaintext, EncryptionContext: { purpose: "fuzz" } });
  keyIdCases(enc, w, r, { stateChecked: true });
  for (const [label, k] of [["HMAC key", w.hmac], ["signing key", w.rsaSign], ["key agreement key", w.ecdh], ["ML-KEM key", w.mlkem]] as const) enc.set("KeyId", label, k.id, USAGE);
  enc.set("EncryptionAlgorithm", "RSAES_OAEP_SHA_256 on a symmetric key", "RSAES_OAEP_SHA_256", USAGE);
  enc.set("EncryptionAlgorithm", "SM2PKE", "SM2PKE", USAGE);
  enc.set("Plaintext", "4096 bytes (max)", randomBytes(4096).toString("base64"), "ok");
  enc.set("Plaintext", "4097 bytes", randomBytes(4097).toString("base64"), VALIDATION);
  enc.set("DryRun", "true", true, DRY_RUN);
  enc.add("DryRun true with a disabled key", { ...enc.base, KeyId: w.disabled.id, DryRun: true }, DISABLED);
  grantTokenCases(enc, w, r, w.grantToken);
  encryptionContextCases(enc, "ok");
  op("Encrypt", { KeyId: w.rsaEnc.id, Plaintext: w.plaintext, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })
    .set("EncryptionAlgorithm", "SYMMETRIC_DEFAULT on RSA", "SYMMETRIC_DEFAULT", USAGE)
    .set("EncryptionAlgorithm", "missing on RSA", undefined, USAGE)
    .set("Plaintext", "191 bytes (OAEP-SHA-256 max for RSA_2048)", randomBytes(190).toString("base64"), "ok")
    .set("Plaintext", "one byte beyond the RSA_2048 OAEP-SHA-256 limit", randomBytes(191).toString("base64"), codes("ValidationException", "InvalidKeyUsageException"))
    .set("EncryptionContext", "context with an asymmetric key", { a: "b" }, codes("ValidationException", "InvalidKeyUsageException"));

  const dec = op("Decrypt", { CiphertextBlob: w.ciphertextCtx, EncryptionContext: { purpose: "fuzz", tenant: "t1" } });
  for (const [label, blob] of damagedBlobs(r, w.ciphertextCtx)) {
    // The key id travels in the blob's header: damage there can name a key that does not exist.
    dec.set("CiphertextBlob", label, blob, label.includes("header") ? codes("InvalidCiphertextException", "NotFoundException") : codes("InvalidCiphertextException"));
  }
  dec.set("CiphertextBlob", "ciphertext of another key", w.ciphertext2, codes("InvalidCiphertextException"));
  dec.set("CiphertextBlob", "6145 bytes", randomBytes(6145).toString("base64"), VALIDATION);
  dec.set("CiphertextBlob", "RSA ciphertext without KeyId", w.rsaCiphertext, codes("InvalidCiphertextException"));
  dec.set("EncryptionContext", "missing", undefined, codes("InvalidCiphertextException"));
  dec.set("EncryptionContext", "one pair missing", { purpose: "fuzz" }, codes("InvalidCiphertextException"));
  dec.set("EncryptionContext", "extra pair", { purpose: "fuzz", tenant: "t1", x: "y" }, codes("InvalidCiphertextException"));
  encryptionContextCases(dec, codes("InvalidCiphertextException"));
  dec.set("KeyId", "the right key", w.sym.arn, "ok");
  dec.set("KeyId", "another symmetric key (ciphertext from another key)", w.sym2.id, codes("IncorrectKeyException"));
  dec.set("KeyId", "alias of another key", w.aliasOf2, codes("IncorrectKeyException"));
  dec.set("KeyId", "HMAC key", w.hmac.id, codes("IncorrectKeyException", "InvalidKeyUsageException"));
  dec.set("KeyId", "RSA encryption key", w.rsaEnc.id, codes("IncorrectKeyException", "InvalidKeyUsageException"));
  dec.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  // KeyId is required with an asymmetric algorithm.
  dec.set("EncryptionAlgorithm", "RSAES_OAEP_SHA_1 without KeyId", "RSAES_OAEP_SHA_1", VALIDATION);
  dec.set("DryRun", "true", true, DRY_RUN);
  grantTokenCases(dec, w, r, w.grantToken);
  dec.add("Recipient with a non-enclave key", { ...dec.base, Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: w.rsaPublicKey } }, codes("ValidationException"));
  op("Decrypt", { CiphertextBlob: w.ciphertext, KeyId: w.sym.id }).set("CiphertextBlob", "ciphertext of another key with KeyId given", w.ciphertext2, codes("IncorrectKeyException"));
  const decRsa = op("Decrypt", { CiphertextBlob: w.rsaCiphertext, KeyId: w.rsaEnc.id, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" });
  for (const [label, blob] of damagedBlobs(r, w.rsaCiphertext)) decRsa.set("CiphertextBlob", label, blob, codes("InvalidCiphertextException"));
  decRsa.set("EncryptionAlgorithm", "RSAES_OAEP_SHA_1 (other padding)", "RSAES_OAEP_SHA_1", codes("InvalidCiphertextException"));
  decRsa.set("EncryptionAlgorithm", "SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT", USAGE);
  decRsa.set("EncryptionAlgorithm", "missing", undefined, USAGE);
  decRsa.set("KeyId", "missing", undefined, VALIDATION);
  decRsa.set("CiphertextBlob", "symmetric ciphertext", w.ciphertext, codes("InvalidCiphertextException"));

  const re = op("ReEncrypt", { CiphertextBlob: w.ciphertext, DestinationKeyId: w.sym2.id });
  for (const [label, blob] of damagedBlobs(r, w.ciphertext)) re.set("CiphertextBlob", label, blob, label.includes("header") ? codes("InvalidCiphertextException", "NotFoundException") : codes("InvalidCiphertextException"));
  re.set("SourceKeyId", "another key", w.sym2.id, codes("IncorrectKeyException"));
  re.set("DestinationKeyId", "disabled key", w.disabled.id, DISABLED);
  re.set("DestinationKeyId", "key pending deletion", w.pending.id, INVALID_STATE);
  re.set("DestinationKeyId", "key pending import", w.pendingImport.id, INVALID_STATE);
  re.set("DestinationKeyId", "HMAC key", w.hmac.id, USAGE);
  re.set("DestinationKeyId", "RSA key without algorithm", w.rsaEnc.id, USAGE);
  re.set("DestinationKeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  re.set("DestinationKeyId", "key ARN of another account", w.sym.arn.replace(`:${acct}:`, ":111122223333:"), codes("NotFoundException", "AccessDeniedException", "ValidationException"));
  re.set("SourceEncryptionContext", "mismatch", { a: "b" }, codes("InvalidCiphertextException"));
  re.set("DestinationEncryptionContext", "huge", Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, ofLength(2000)])), "any");
  re.set("DestinationEncryptionAlgorithm", "RSAES_OAEP_SHA_256 with a symmetric destination", "RSAES_OAEP_SHA_256", USAGE);
  re.set("SourceEncryptionAlgorithm", "RSAES_OAEP_SHA_256 without SourceKeyId", "RSAES_OAEP_SHA_256", VALIDATION);
  re.set("DryRun", "true", true, DRY_RUN);
  grantTokenCases(re, w, r, w.grantToken);
  op("ReEncrypt", { CiphertextBlob: w.rsaCiphertext, SourceKeyId: w.rsaEnc.id, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256", DestinationKeyId: w.sym.id })
    .set("SourceEncryptionAlgorithm", "missing", undefined, USAGE)
    .set("SourceKeyId", "missing", undefined, VALIDATION);

  // --- Data keys and random
  const gdk = op("GenerateDataKey", { KeyId: w.sym.id, KeySpec: "AES_256" });
  keyIdCases(gdk, w, r, { stateChecked: true });
  for (const [label, k] of [["RSA encryption key", w.rsaEnc], ["HMAC key", w.hmac], ["signing key", w.ed], ["ML-KEM key", w.mlkem]] as const) gdk.set("KeyId", label, k.id, USAGE);
  gdk.add("KeySpec and NumberOfBytes", { KeyId: w.sym.id, KeySpec: "AES_128", NumberOfBytes: 16 }, VALIDATION);
  gdk.add("neither KeySpec nor NumberOfBytes", { KeyId: w.sym.id }, VALIDATION);
  for (const [l, v, e] of [["1 (min)", 1, "ok"], ["1024 (max)", 1024, "ok"], ["0", 0, VALIDATION], ["1025", 1025, VALIDATION], ["-1", -1, VALIDATION], ["2^31-1", 2 ** 31 - 1, VALIDATION]] as const) gdk.add(`NumberOfBytes ${l}`, { KeyId: w.sym.id, NumberOfBytes: v }, e as Expect);
  gdk.set("KeySpec", "AES_512", "AES_512", VALIDATION);
  gdk.set("DryRun", "true", true, DRY_RUN);
  grantTokenCases(gdk, w, r, w.grantToken);
  encryptionContextCases(gdk, "ok");
  gdk.add("Recipient with a plain RSA public key, not an attestation document", { ...gdk.base, Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: w.rsaPublicKey } }, codes("ValidationException"));
  const gdkw = op("GenerateDataKeyWithoutPlaintext", { KeyId: w.sym.id, NumberOfBytes: 32 });
  gdkw.set("NumberOfBytes", "1025", 1025, VALIDATION);
  gdkw.set("NumberOfBytes", "0", 0, VALIDATION);
  gdkw.set("KeyId", "disabled", w.disabled.id, DISABLED);
  gdkw.set("KeyId", "RSA key", w.rsaEnc.id, USAGE);
  gdkw.set("DryRun", "true", true, DRY_RUN);
  gdkw.set("GrantTokens", "random", [randomBytes(60).toString("base64url")], BAD_GRANT_TOKEN);
  const gdkp = op("GenerateDataKeyPair", { KeyId: w.sym.id, KeyPairSpec: "ECC_NIST_P256" });
  for (const spec of ["RSA_2048", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "ML_KEM_512", "SM2"]) gdkp.set("KeyPairSpec", spec, spec, spec === "SM2" ? codes("UnsupportedOperationException", "ValidationException") : "ok");
  gdkp.set("KeyPairSpec", "HMAC_256", "HMAC_256", VALIDATION);
  gdkp.set("KeyPairSpec", "SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT", VALIDATION);
  gdkp.set("KeyId", "RSA encryption key", w.rsaEnc.id, USAGE);
  gdkp.set("KeyId", "pending import", w.pendingImport.id, INVALID_STATE);
  gdkp.set("DryRun", "true", true, DRY_RUN);
  gdkp.add("Recipient with a non-enclave document", { ...gdkp.base, Recipient: { AttestationDocument: "AAAA" } }, codes("ValidationException"));
  const gdkpw = op("GenerateDataKeyPairWithoutPlaintext", { KeyId: w.sym.id, KeyPairSpec: "RSA_3072" });
  gdkpw.set("KeyPairSpec", "RSA_1024", "RSA_1024", VALIDATION);
  gdkpw.set("KeyId", "HMAC key", w.hmac.id, USAGE);
  gdkpw.set("KeyId", "disabled", w.disabled.id, DISABLED);
  gdkpw.set("DryRun", "true", true, DRY_RUN);
  const rnd = op("GenerateRandom", { NumberOfBytes: 32 });
  for (const [l, v, e] of [["1 (min)", 1, "ok"], ["1024 (max)", 1024, "ok"], ["0", 0, VALIDATION], ["1025", 1025, VALIDATION], ["-1", -1, VALIDATION], ["2^31-1", 2 ** 31 - 1, VALIDATION]] as const) rnd.set("NumberOfBytes", l, v, e as Expect);
  rnd.set("CustomKeyStoreId", "no such store", "cks-1234567890abcdef0", codes("CustomKeyStoreNotFoundException"));
  rnd.set("CustomKeyStoreId", "65 characters", ofLength(65), VALIDATION);
  rnd.add("Recipient with garbage", { NumberOfBytes: 32, Recipient: { AttestationDocument: "AAAA", KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256" } }, VALIDATION);

  // --- Sign / Verify / MAC
  const message = Buffer.from("message to sign").toString("base64");
  const sign = op("Sign", { KeyId: w.rsaSign.id, Message: message, SigningAlgorithm: "RSASSA_PSS_SHA_256" });
  keyIdCases(sign, w, r, { stateChecked: true });
  sign.set("KeyId", "symmetric key", w.sym.id, USAGE);
  sign.set("KeyId", "ECC key with an RSA algorithm", w.p256.id, USAGE);
  sign.set("KeyId", "key agreement key", w.ecdh.id, USAGE);
  sign.set("SigningAlgorithm", "ECDSA on RSA", "ECDSA_SHA_256", USAGE);
  sign.set("SigningAlgorithm", "ML_DSA on RSA", "ML_DSA_SHAKE_256", USAGE);
  sign.set("Message", "4096 bytes (max)", randomBytes(4096).toString("base64"), "ok");
  sign.set("Message", "4097 bytes", randomBytes(4097).toString("base64"), VALIDATION);
  sign.add("MessageType DIGEST of the wrong length", { ...sign.base, MessageType: "DIGEST", Message: randomBytes(31).toString("base64") }, VALIDATION);
  sign.add("MessageType DIGEST of 33 bytes", { ...sign.base, MessageType: "DIGEST", Message: randomBytes(33).toString("base64") }, VALIDATION);
  sign.add("MessageType EXTERNAL_MU on RSA", { ...sign.base, MessageType: "EXTERNAL_MU", Message: randomBytes(64).toString("base64") }, codes("ValidationException", "InvalidKeyUsageException"));
  sign.set("DryRun", "true", true, DRY_RUN);
  sign.set("GrantTokens", "random", [randomBytes(60).toString("base64url")], BAD_GRANT_TOKEN);
  op("Sign", { KeyId: w.k1.id, Message: message, SigningAlgorithm: "ECDSA_SHA_256" })
    .set("SigningAlgorithm", "ECDSA_SHA_384 on secp256k1", "ECDSA_SHA_384", USAGE)
    .add("DIGEST of 64 bytes", { KeyId: w.k1.id, Message: randomBytes(64).toString("base64"), MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" }, VALIDATION);
  op("Sign", { KeyId: w.ed.id, Message: message, SigningAlgorithm: "ED25519_SHA_512", MessageType: "RAW" })
    .set("MessageType", "DIGEST with ED25519_SHA_512", "DIGEST", codes("ValidationException", "InvalidKeyUsageException"))
    .set("SigningAlgorithm", "ECDSA_SHA_256 on Ed25519", "ECDSA_SHA_256", USAGE)
    .add("ED25519_PH_SHA_512 with a 63-byte digest", { KeyId: w.ed.id, Message: randomBytes(63).toString("base64"), MessageType: "DIGEST", SigningAlgorithm: "ED25519_PH_SHA_512" }, VALIDATION);
  op("Sign", { KeyId: w.mldsa.id, Message: message, SigningAlgorithm: "ML_DSA_SHAKE_256" })
    .set("MessageType", "DIGEST", "DIGEST", codes("ValidationException", "InvalidKeyUsageException"))
    .add("EXTERNAL_MU of 63 bytes", { KeyId: w.mldsa.id, Message: randomBytes(63).toString("base64"), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256" }, VALIDATION)
    .add("EXTERNAL_MU of 64 bytes", { KeyId: w.mldsa.id, Message: randomBytes(64).toString("base64"), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256" }, "ok")
    .set("SigningAlgorithm", "RSASSA_PSS_SHA_256 on ML-DSA", "RSASSA_PSS_SHA_256", USAGE);

  const verify = op("Verify", { KeyId: w.rsaSign.id, Message: message, Signature: w.signature, SigningAlgorithm: "RSASSA_PSS_SHA_256" });
  for (const [label, blob] of damagedBlobs(r, w.signature)) verify.set("Signature", label, blob, codes("KMSInvalidSignatureException"));
  verify.set("Signature", "the P-256 key's signature", w.p256Signature, codes("KMSInvalidSignatureException"));
  verify.set("Message", "another message", Buffer.from("message to sigN").toString("base64"), codes("KMSInvalidSignatureException"));
  verify.set("SigningAlgorithm", "PKCS#1 v1.5 instead of PSS", "RSASSA_PKCS1_V1_5_SHA_256", codes("KMSInvalidSignatureException"));
  verify.set("SigningAlgorithm", "PSS with SHA-512", "RSASSA_PSS_SHA_512", codes("KMSInvalidSignatureException"));
  verify.set("SigningAlgorithm", "ECDSA on RSA", "ECDSA_SHA_256", USAGE);
  verify.set("KeyId", "another signing key", w.p256.id, USAGE);
  verify.set("KeyId", "symmetric key", w.sym.id, USAGE);
  verify.set("KeyId", "disabled", w.disabled.id, DISABLED);
  verify.set("KeyId", "pending deletion", w.pending.id, INVALID_STATE);
  verify.set("Signature", "6145 bytes", randomBytes(6145).toString("base64"), VALIDATION);
  verify.set("DryRun", "true", true, DRY_RUN);
  verify.add("MessageType DIGEST with the raw message", { ...verify.base, MessageType: "DIGEST" }, VALIDATION);
  const p256v = op("Verify", { KeyId: w.p256.id, Message: message, Signature: w.p256Signature, SigningAlgorithm: "ECDSA_SHA_256" });
  for (const [label, blob] of damagedBlobs(r, w.p256Signature)) p256v.set("Signature", label, blob, codes("KMSInvalidSignatureException"));
  p256v.set("Signature", "the RSA key's signature", w.signature, codes("KMSInvalidSignatureException"));
  p256v.set("KeyId", "secp256k1 key", w.k1.id, codes("KMSInvalidSignatureException"));

  const gm = op("GenerateMac", { KeyId: w.hmac.id, Message: message, MacAlgorithm: "HMAC_SHA_256" });
  keyIdCases(gm, w, r, { stateChecked: true });
  gm.set("MacAlgorithm", "HMAC_SHA_512 on an HMAC_256 key", "HMAC_SHA_512", USAGE);
  gm.set("KeyId", "symmetric encryption key", w.sym.id, USAGE);
  gm.set("KeyId", "signing key", w.rsaSign.id, USAGE);
  gm.set("Message", "4096 bytes", randomBytes(4096).toString("base64"), "ok");
  gm.set("Message", "4097 bytes", randomBytes(4097).toString("base64"), VALIDATION);
  gm.set("DryRun", "true", true, DRY_RUN);
  gm.set("GrantTokens", "random", [randomBytes(60).toString("base64url")], BAD_GRANT_TOKEN);
  const vm = op("VerifyMac", { KeyId: w.hmac.id, Message: message, Mac: w.mac, MacAlgorithm: "HMAC_SHA_256" });
  for (const [label, blob] of damagedBlobs(r, w.mac)) vm.set("Mac", label, blob, codes("KMSInvalidMacException"));
  vm.set("KeyId", "another HMAC key (HMAC_512)", w.hmac512.id, USAGE);
  vm.set("MacAlgorithm", "HMAC_SHA_384", "HMAC_SHA_384", USAGE);
  vm.set("Message", "other message", Buffer.from("x").toString("base64"), codes("KMSInvalidMacException"));
  vm.set("Mac", "65 bytes", randomBytes(65).toString("base64"), codes("ValidationException", "KMSInvalidMacException"));
  vm.set("KeyId", "disabled", w.disabled.id, DISABLED);
  vm.set("KeyId", "symmetric key", w.sym.id, USAGE);
  vm.set("DryRun", "true", true, DRY_RUN);

  // --- Public keys, key agreement, KEM
  const gpk = op("GetPublicKey", { KeyId: w.rsaEnc.id });
  // The disabled, pending-deletion and pending-import keys are symmetric: no public key either way.
  keyIdCases(gpk, w, r, { stateChecked: true, disabledCode: codes("DisabledException", "UnsupportedOperationException"), pendingImport: codes("KMSInvalidStateException", "UnsupportedOperationException") });
  gpk.set("KeyId", "symmetric key", w.sym.id, UNSUPPORTED);
  gpk.set("KeyId", "HMAC key", w.hmac.id, UNSUPPORTED);
  for (const k of [w.k1, w.ed, w.mldsa, w.mlkem, w.ecdh]) gpk.set("KeyId", `key ${k.id.slice(0, 8)}`, k.id, "ok");
  gpk.set("GrantTokens", "random", [randomBytes(60).toString("base64url")], BAD_GRANT_TOKEN);

  const dss = op("DeriveSharedSecret", { KeyId: w.ecdh.id, KeyAgreementAlgorithm: "ECDH", PublicKey: w.ecdhPublicKey });
  dss.set("PublicKey", "a key on another curve", w.otherCurvePublicKey, codes("ValidationException", "InvalidKeyUsageException"));
  dss.set("PublicKey", "an RSA public key", w.rsaPublicKey, codes("ValidationException", "InvalidKeyUsageException"));
  for (const [label, blob] of damagedBlobs(r, w.ecdhPublicKey)) dss.set("PublicKey", label, blob, codes("ValidationException"));
  dss.set("PublicKey", "8193 bytes", randomBytes(8193).toString("base64"), VALIDATION);
  dss.set("KeyId", "signing key of the same curve", w.p256.id, USAGE);
  dss.set("KeyId", "symmetric key", w.sym.id, USAGE);
  dss.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  dss.set("KeyAgreementAlgorithm", "ECDHE", "ECDHE", VALIDATION);
  dss.set("DryRun", "true", true, DRY_RUN);
  dss.add("Recipient with garbage", { ...dss.base, Recipient: { AttestationDocument: "AAAA" } }, VALIDATION);
  dss.set("GrantTokens", "random", [randomBytes(60).toString("base64url")], BAD_GRANT_TOKEN);

  const encap = op("Encapsulate", { KeyId: w.mlkem.id, EncapsulationAlgorithm: "ML_KEM" });
  encap.set("KeyId", "ECDH key", w.ecdh.id, USAGE);
  encap.set("KeyId", "symmetric key", w.sym.id, USAGE);
  encap.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  encap.set("KeyId", "pending deletion", w.pending.id, INVALID_STATE);
  encap.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);
  const decap = op("Decapsulate", { KeyId: w.mlkem.id, EncapsulationAlgorithm: "ML_KEM", SharedSecretCiphertextBlob: w.kemCiphertext });
  for (const [label, blob] of damagedBlobs(r, w.kemCiphertext)) {
    // ML-KEM rejects implicitly: a same-length damaged ciphertext decapsulates to a pseudo-random
    // secret; any other length is not a ciphertext of this parameter set.
    const sameLength = Buffer.from(blob, "base64").length === Buffer.from(w.kemCiphertext, "base64").length;
    decap.set("SharedSecretCiphertextBlob", label, blob, sameLength ? "ok" : codes("InvalidCiphertextException", "ValidationException"));
  }
  decap.set("KeyId", "ECDH key", w.ecdh.id, USAGE);
  decap.set("KeyId", "symmetric key", w.sym.id, USAGE);
  decap.set("KeyId", "disabled key", w.disabled.id, DISABLED);
  decap.set("SharedSecretCiphertextBlob", "symmetric ciphertext", w.ciphertext, codes("InvalidCiphertextException", "ValidationException"));

  // --- Multi-Region
  const rep = op("ReplicateKey", { KeyId: w.mrk.id, ReplicaRegion: "eu-west-1", Description: "replica" });
  rep.set("ReplicaRegion", "region of an existing replica", REPLICA_REGION, codes("AlreadyExistsException"));
  rep.set("ReplicaRegion", "the primary's own region", "us-east-1", codes("ValidationException", "AlreadyExistsException", "UnsupportedOperationException"));
  // Regions are scopes of this endpoint, created on first use: a well-formed name is a region.
  rep.set("ReplicaRegion", "unknown region", "xx-nowhere-9", "any");
  rep.set("ReplicaRegion", "control characters", "us-\u0000", VALIDATION);
  rep.set("ReplicaRegion", "33 characters", ofLength(33), VALIDATION);
  rep.set("KeyId", "single-Region key", w.sym.id, UNSUPPORTED);
  rep.set("KeyId", "replica's ARN", w.replica.arn, NOT_FOUND);
  rep.add("Policy: malformed", { ...rep.base, ReplicaRegion: "eu-north-1", Policy: "{" }, codes("MalformedPolicyDocumentException"));
  rep.add("Tags: aws: prefix", { ...rep.base, ReplicaRegion: "eu-north-1", Tags: [{ TagKey: "aws:x", TagValue: "y" }] }, codes("TagException"));
  rep.add("Description: 8193 characters", { ...rep.base, ReplicaRegion: "eu-north-1", Description: ofLength(8193) }, VALIDATION);
  const upr = op("UpdatePrimaryRegion", { KeyId: w.mrk.arn, PrimaryRegion: "us-east-1" }, "any");
  upr.set("PrimaryRegion", "region without a replica", "ap-south-1", NOT_FOUND);
  upr.set("PrimaryRegion", "unknown region without a replica", "xx-nowhere-8", NOT_FOUND);
  upr.set("KeyId", "single-Region key", w.sym.id, UNSUPPORTED);
  upr.set("KeyId", "unknown", "mrk-1234abcd12ab34cd56ef1234567890ab", NOT_FOUND);
  op("UpdatePrimaryRegion", { KeyId: w.replica.arn, PrimaryRegion: "us-east-1" }, codes("ValidationException", "KMSInvalidStateException", "UnsupportedOperationException", "InvalidArnException"), REPLICA_REGION);

  // --- Imported key material
  const gpi = op("GetParametersForImport", { KeyId: w.pendingImport.id, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_4096" });
  gpi.set("KeyId", "AWS_KMS origin key", w.sym.id, UNSUPPORTED);
  gpi.set("KeyId", "pending deletion", w.pending.id, codes("UnsupportedOperationException", "KMSInvalidStateException"));
  gpi.set("WrappingAlgorithm", "SM2PKE with RSA", "SM2PKE", codes("ValidationException", "UnsupportedOperationException"));
  gpi.set("WrappingKeySpec", "SM2", "SM2", codes("ValidationException", "UnsupportedOperationException"));
  gpi.set("WrappingAlgorithm", "RSAES_PKCS1_V1_5 (withdrawn)", "RSAES_PKCS1_V1_5", codes("ValidationException", "UnsupportedOperationException"));
  const ikm = op("ImportKeyMaterial", { KeyId: w.pendingImport.id, ImportToken: w.importToken, EncryptedKeyMaterial: w.importMaterial.toString("base64"), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
  for (const [label, blob] of damagedBlobs(r, w.importMaterial.toString("base64"))) ikm.set("EncryptedKeyMaterial", label, blob, codes("InvalidCiphertextException", "ValidationException"));
  for (const [label, blob] of damagedBlobs(r, w.importToken).slice(0, 5)) ikm.set("ImportToken", label, blob, codes("InvalidImportTokenException"));
  ikm.set("KeyId", "another EXTERNAL key", w.imported.id, codes("InvalidImportTokenException", "IncorrectKeyMaterialException"));
  ikm.set("KeyId", "AWS_KMS origin key", w.sym.id, UNSUPPORTED);
  ikm.set("ExpirationModel", "EXPIRES without ValidTo", "KEY_MATERIAL_EXPIRES", VALIDATION);
  ikm.add("ValidTo in the past", { ...ikm.base, ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date(Date.UTC(2001, 0, 1)) }, VALIDATION);
  ikm.add("ValidTo 366 days ahead", { ...ikm.base, ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date(Date.now() + 366 * 86_400_000) }, VALIDATION);
  ikm.add("ValidTo with DOES_NOT_EXPIRE", { ...ikm.base, ValidTo: new Date(Date.now() + 86_400_000) }, VALIDATION);
  ikm.set("ImportType", "NEW_KEY_MATERIAL on a key that has none", "NEW_KEY_MATERIAL", "any");
  ikm.set("KeyMaterialDescription", "257 characters", ofLength(257), VALIDATION);
  ikm.set("KeyMaterialId", "random id", randomBytes(32).toString("hex"), codes("IncorrectKeyMaterialException"));
  const dikm = op("DeleteImportedKeyMaterial", { KeyId: w.imported.id });
  dikm.set("KeyId", "AWS_KMS origin key", w.sym.id, UNSUPPORTED);
  dikm.set("KeyId", "pending deletion", w.pending.id, codes("UnsupportedOperationException", "KMSInvalidStateException"));
  dikm.set("KeyMaterialId", "random id", randomBytes(32).toString("hex"), codes("NotFoundException", "ValidationException"));
  dikm.set("KeyId", "unknown", "1234abcd-12ab-34cd-56ef-1234567890ab", NOT_FOUND);

  // --- Custom key stores (none exist on this endpoint)
  const cks = op("CreateCustomKeyStore", { CustomKeyStoreName: "fuzz", CloudHsmClusterId: "cluster-234567abcdef", TrustAnchorCertificate: "-----BEGIN CERTIFICATE-----", KeyStorePassword: "secret-password-1" }, codes("CloudHsmClusterNotFoundException"));
  cks.set("CustomKeyStoreName", "257 characters", ofLength(257), VALIDATION);
  cks.set("CustomKeyStoreName", "unicode", "🔑\u202e", codes("CloudHsmClusterNotFoundException", "ValidationException"));
  cks.set("CustomKeyStoreType", "EXTERNAL_KEY_STORE with an http endpoint", "EXTERNAL_KEY_STORE", codes("ValidationException", "XksProxyUriUnreachableException", "XksProxyIncorrectAuthenticationCredentialException"));
  cks.set("CloudHsmClusterId", "digits outside the id alphabet [2-7a-zA-Z]", "cluster-1234567890a", VALIDATION);
  cks.set("KeyStorePassword", "6 characters", "123456", VALIDATION);
  cks.set("KeyStorePassword", "33 characters", ofLength(33), VALIDATION);
  const dcks = op("DescribeCustomKeyStores", { Limit: 1000 });
  dcks.set("CustomKeyStoreId", "unknown", "cks-1234567890abcdef0", codes("CustomKeyStoreNotFoundException"));
  dcks.set("CustomKeyStoreName", "unicode", "🔑", codes("CustomKeyStoreNotFoundException"));
  dcks.set("Limit", "1001", 1001, VALIDATION);
  dcks.set("Limit", "0", 0, VALIDATION);
  markerCases(dcks);
  for (const name of ["ConnectCustomKeyStore", "DisconnectCustomKeyStore", "DeleteCustomKeyStore"]) {
    op(name, { CustomKeyStoreId: "cks-1234567890abcdef0" }, codes("CustomKeyStoreNotFoundException"))
      .set("CustomKeyStoreId", "65 characters", ofLength(65), VALIDATION)
      .set("CustomKeyStoreId", "control characters", "\u0000\u0001", codes("CustomKeyStoreNotFoundException", "ValidationException"));
  }
  op("UpdateCustomKeyStore", { CustomKeyStoreId: "cks-1234567890abcdef0", NewCustomKeyStoreName: "n" }, codes("CustomKeyStoreNotFoundException"))
    .set("NewCustomKeyStoreName", "257 characters", ofLength(257), VALIDATION)
    .set("KeyStorePassword", "6 characters", "123456", VALIDATION)
    .set("KeyStorePassword", "7 characters", "1234567", codes("CustomKeyStoreNotFoundException"));

  return all;
}

/** A key policy giving the account root all of KMS, padded with a Sid to exactly `n` characters. */
function policyOfLength(principal: string, n: number): string {
  const make = (pad: number) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "p".repeat(pad), Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] });
  const shortest = make(0).length;
  return make(n - shortest);
}

/** Pages through a KMS list operation with Limit 1, checking markers and that nothing repeats. */
async function pages(op: string, input: Record<string, unknown>, items: string, id: string): Promise<string[]> {
  const svc = service("kms");
  const out: string[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const r = await wire.sendSigned(svc, op, requestBody(svc, op, { ...input, Limit: 7, ...(marker ? { Marker: marker } : {}) }));
    assert.equal(r.status, 200, `${op} page ${i}: ${r.body.slice(0, 300)}`);
    const v = JSON.parse(r.body) as Record<string, unknown>;
    for (const item of (v[items] as Array<Record<string, string>>) ?? []) out.push(item[id]!);
    if (v["Truncated"] !== true) {
      assert.equal(v["NextMarker"], undefined, `${op}: NextMarker on the last page`);
      break;
    }
    assert.equal(typeof v["NextMarker"], "string", `${op}: Truncated without NextMarker`);
    marker = v["NextMarker"] as string;
  }
  assert.equal(new Set(out).size, out.length, `${op} repeated an item across pages`);
  return out;
}

test(`KMS: every operation, valid requests with one semantically hostile member (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED);
  const kms = new KMSClient(s.clientConfig());
  const w = await kmsWorld();
  const keysBefore = new Set(await pages("ListKeys", {}, "Keys", "KeyId"));
  const groups = kmsCases(w, random);
  const svc = service("kms");
  assert.deepEqual([...new Set(groups.map((g) => g.operation))].sort(), Object.keys(svc.operations).sort(), "every KMS operation has a base request");
  const out: CountedOutcome = { failures: [], sent: 0, created: 0 };
  for (const g of groups) await run(svc, g.cases, out);
  assert.ok(await wire.healthy(), "/health after KMS");
  console.log(`handler fuzz KMS: ${out.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);

  // The state is whole: every key listed is describable, the lists page to the end without
  // repeats, and the key count grew by exactly the keys that were created.
  const keys = await pages("ListKeys", {}, "Keys", "KeyId");
  for (const id of keys) {
    const d = await kms.send(new DescribeKeyCommand({ KeyId: id }));
    assert.equal(d.KeyMetadata?.KeyId, id);
    await pages("ListGrants", { KeyId: id }, "Grants", "GrantId");
  }
  const added = await Promise.all(keys.filter((k) => !keysBefore.has(k)).map(async (k) => (await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!));
  // The AWS managed key the alias/aws/ebs cases named is created on first use, as in AWS.
  const customerAdded = added.filter((m) => m.KeyManager === "CUSTOMER");
  assert.equal(customerAdded.length, out.created, `keys created by the cases: ${customerAdded.map((m) => `${m.KeyId} ${m.Description}`).join(", ")}`);
  const aliases = await pages("ListAliases", {}, "Aliases", "AliasName");
  const sdkAliases = await kms.send(new ListAliasesCommand({}));
  assert.equal(aliases.length, sdkAliases.Aliases!.length);
  for (const a of sdkAliases.Aliases!) if (a.TargetKeyId) await kms.send(new DescribeKeyCommand({ KeyId: a.TargetKeyId }));
  const grants = await kms.send(new ListGrantsCommand({ KeyId: w.sym.id }));
  for (const g of grants.Grants!) assert.equal(g.KeyId, w.sym.arn);
  await kms.send(new ListKeysCommand({}));

  assert.deepEqual(log.errors(), [], "error entries in the server log");
});

// ---------------------------------------------------------------------------------------------
// STS

const trustPolicy = (account: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] }] });
const allowAll = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

/** A session policy padded with a Sid to exactly `n` characters. */
function sessionPolicyOfLength(n: number): string {
  const make = (pad: number) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "p".repeat(pad), Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
  return make(n - make(0).length);
}

function stsCases(account: string, roleArn: string, accessKeyId: string, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const VALIDATION_ERROR = codes("ValidationError");
  const MALFORMED = codes("MalformedPolicyDocument");
  const DENIED = codes("AccessDenied");
  op("GetCallerIdentity", {});

  const ar = op("AssumeRole", { RoleArn: roleArn, RoleSessionName: "fuzz-session" });
  for (const [label, arn] of foreignArns(roleArn, account)) ar.set("RoleArn", label, arn, codes("AccessDenied", "ValidationError"));
  ar.set("RoleArn", "unknown role", roleArn.replace(/role\/.*/, "role/fuzz-no-such-role"), DENIED);
  ar.set("RoleArn", "a user's ARN", `arn:aws:iam::${account}:user/fuzz-user`, codes("AccessDenied", "ValidationError"));
  ar.set("RoleArn", "2049 characters", `arn:aws:iam::${account}:role/${ofLength(2049 - `arn:aws:iam::${account}:role/`.length)}`, VALIDATION_ERROR);
  ar.set("RoleSessionName", "64 characters", ofLength(64), "ok");
  ar.set("RoleSessionName", "65 characters", ofLength(65), VALIDATION_ERROR);
  ar.set("RoleSessionName", "1 character", "a", VALIDATION_ERROR);
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 5)) ar.set("RoleSessionName", label, t, VALIDATION_ERROR);
  for (const [l, v, e] of [["900 (min)", 900, "ok"], ["3600 (the role's maximum)", 3600, "ok"], ["899", 899, VALIDATION_ERROR], ["3601 (past the role's maximum)", 3601, VALIDATION_ERROR], ["43201", 43201, VALIDATION_ERROR], ["0", 0, VALIDATION_ERROR]] as const) ar.set("DurationSeconds", l, v, e as Expect);
  ar.set("Policy", "malformed JSON", "{", MALFORMED);
  ar.set("Policy", "Statement a number", '{"Version":"2012-10-17","Statement":1}', MALFORMED);
  ar.set("Policy", "2048 characters", sessionPolicyOfLength(2048), "ok");
  ar.set("Policy", "2049 characters", sessionPolicyOfLength(2049), codes("ValidationError", "PackedPolicyTooLarge"));
  ar.set("Policy", "control characters", '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"\u0001"}]}', codes("ValidationError", "MalformedPolicyDocument"));
  ar.set("PolicyArns", "11 policy ARNs", Array.from({ length: 11 }, () => ({ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })), codes("ValidationError", "PackedPolicyTooLarge"));
  ar.set("PolicyArns", "policy ARN of another partition", [{ arn: "arn:aws-cn:iam::aws:policy/ReadOnlyAccess" }], codes("ValidationError", "MalformedPolicyDocument", "InvalidParameterValue"));
  ar.set("PolicyArns", "not an ARN", [{ arn: "ReadOnlyAccess" }], codes("ValidationError", "MalformedPolicyDocument", "InvalidParameterValue"));
  ar.set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })), codes("ValidationError", "PackedPolicyTooLarge"));
  ar.set("Tags", "duplicate keys differing in case", [{ Key: "Team", Value: "a" }, { Key: "team", Value: "b" }], codes("InvalidParameterValue", "ValidationError"));
  ar.set("Tags", "aws: prefix", [{ Key: "aws:x", Value: "v" }], "any");
  ar.set("Tags", "unicode key", [{ Key: "🔑", Value: "v" }], codes("ValidationError"));
  ar.set("ExternalId", "1 character", "a", VALIDATION_ERROR);
  ar.set("ExternalId", "1225 characters", ofLength(1225), VALIDATION_ERROR);
  ar.set("SerialNumber", "unknown device with a code", `arn:aws:iam::${account}:mfa/nothing`, codes("AccessDenied", "ValidationError"));
  ar.add("TokenCode without SerialNumber", { RoleArn: roleArn, RoleSessionName: "s", TokenCode: "123456" }, codes("ValidationError", "AccessDenied"));
  ar.add("TokenCode of 5 digits", { RoleArn: roleArn, RoleSessionName: "s", SerialNumber: `arn:aws:iam::${account}:mfa/nothing`, TokenCode: "12345" }, VALIDATION_ERROR);
  ar.set("SourceIdentity", "aws: prefix", "aws:me", codes("ValidationError", "InvalidParameterValue"));
  ar.set("SourceIdentity", "unicode", "🔑", VALIDATION_ERROR);
  ar.set("TransitiveTagKeys", "key that is not a tag", ["nosuch"], codes("InvalidParameterValue", "ValidationError"));
  ar.set("ProvidedContexts", "garbage context", [{ ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion: "garbage" }], codes("InvalidContextAssertion", "InvalidParameterValue", "ValidationError", "AccessDenied"));

  const gst = op("GetSessionToken", { DurationSeconds: 900 });
  for (const [l, v, e] of [["129600 (max)", 129600, "ok"], ["899", 899, VALIDATION_ERROR], ["129601", 129601, VALIDATION_ERROR]] as const) gst.set("DurationSeconds", l, v, e as Expect);
  gst.add("unknown MFA device", { SerialNumber: `arn:aws:iam::${account}:mfa/nothing`, TokenCode: "123456" }, DENIED);
  gst.add("TokenCode letters", { SerialNumber: `arn:aws:iam::${account}:mfa/nothing`, TokenCode: "abcdef" }, VALIDATION_ERROR);
  gst.add("SerialNumber 8 characters", { SerialNumber: "12345678", TokenCode: "123456" }, VALIDATION_ERROR);

  const gft = op("GetFederationToken", { Name: "fuzz-fed", Policy: allowAll });
  gft.set("Name", "1 character", "a", VALIDATION_ERROR);
  gft.set("Name", "33 characters", ofLength(33), VALIDATION_ERROR);
  for (const [label, t] of sampleOf(r, HOSTILE_TEXT, 3)) gft.set("Name", label, t, VALIDATION_ERROR);
  gft.set("Policy", "malformed", "[", MALFORMED);
  gft.set("Policy", "2049 characters", sessionPolicyOfLength(2049), codes("ValidationError", "PackedPolicyTooLarge"));
  gft.set("DurationSeconds", "899", 899, VALIDATION_ERROR);
  gft.set("DurationSeconds", "129601", 129601, VALIDATION_ERROR);
  gft.set("Tags", "aws: prefix", [{ Key: "aws:k", Value: "v" }], "any");

  const aki = op("GetAccessKeyInfo", { AccessKeyId: accessKeyId });
  aki.set("AccessKeyId", "15 characters", "AKIAIOSFODNN7EX", VALIDATION_ERROR);
  aki.set("AccessKeyId", "129 characters", ofLength(129, "A"), VALIDATION_ERROR);
  aki.set("AccessKeyId", "lower case and symbols", "akia-iosfodnn7ex!", VALIDATION_ERROR);
  aki.set("AccessKeyId", "unicode", "AKIA🔑🔑🔑🔑🔑🔑🔑🔑", VALIDATION_ERROR);

  const dam = op("DecodeAuthorizationMessage", { EncodedMessage: randomBytes(300).toString("base64") }, codes("InvalidAuthorizationMessageException"));
  dam.set("EncodedMessage", "not base64", "%%%%", codes("InvalidAuthorizationMessageException"));
  dam.set("EncodedMessage", "10241 characters", ofLength(10241), codes("ValidationError", "InvalidAuthorizationMessageException"));
  dam.set("EncodedMessage", "unicode", "🔑", codes("ValidationError", "InvalidAuthorizationMessageException"));

  const jwt = (header: object, payload: object) => `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${randomBytes(64).toString("base64url")}`;
  const now = Math.floor(Date.now() / 1000);
  const wi = op("AssumeRoleWithWebIdentity", { RoleArn: roleArn, RoleSessionName: "web", WebIdentityToken: jwt({ alg: "RS256", kid: "k" }, { iss: "https://idp.example.com", aud: "a", sub: "s", exp: now + 600, iat: now }) }, codes("InvalidIdentityToken", "IDPCommunicationError", "AccessDenied"));
  wi.set("WebIdentityToken", "alg none", jwt({ alg: "none" }, { iss: "https://idp.example.com", aud: "a", sub: "s", exp: now + 600 }), codes("InvalidIdentityToken", "AccessDenied", "IDPRejectedClaim"));
  wi.set("WebIdentityToken", "three dots of garbage", "a.b.c", codes("InvalidIdentityToken", "IDPRejectedClaim"));
  wi.set("WebIdentityToken", "3 characters", "abc", codes("ValidationError", "InvalidIdentityToken"));
  wi.set("WebIdentityToken", "header of 20,000 characters", `${ofLength(20_000)}.e30.x`, codes("ValidationError", "InvalidIdentityToken"));
  wi.set("WebIdentityToken", "deeply nested JSON header", `${Buffer.from('{"a":'.repeat(2000) + "1" + "}".repeat(2000)).toString("base64url")}.e30.x`, codes("ValidationError", "InvalidIdentityToken"));
  wi.set("DurationSeconds", "43201", 43201, VALIDATION_ERROR);
  wi.set("ProviderId", "3 characters", "abc", codes("ValidationError", "InvalidIdentityToken"));

  const saml = op("AssumeRoleWithSAML", { RoleArn: roleArn, PrincipalArn: `arn:aws:iam::${account}:saml-provider/nothing`, SAMLAssertion: Buffer.from("<Response/>").toString("base64") }, codes("InvalidIdentityToken", "MalformedPolicyDocument", "IDPRejectedClaim", "AccessDenied"));
  saml.set("SAMLAssertion", "not XML", Buffer.from("not xml at all").toString("base64"), codes("InvalidIdentityToken", "IDPRejectedClaim", "AccessDenied"));
  saml.set("SAMLAssertion", "XML with a DOCTYPE entity", Buffer.from('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response>&x;</Response>').toString("base64"), codes("InvalidIdentityToken", "IDPRejectedClaim", "AccessDenied"));
  saml.set("SAMLAssertion", "billion laughs", Buffer.from('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><Response>&d;&d;&d;&d;</Response>').toString("base64"), codes("InvalidIdentityToken", "IDPRejectedClaim", "AccessDenied"));
  saml.set("SAMLAssertion", "not base64", "%%%", codes("InvalidIdentityToken", "ValidationError", "IDPRejectedClaim", "AccessDenied"));
  saml.set("PrincipalArn", "another partition", "arn:aws-cn:iam::111122223333:saml-provider/x", codes("InvalidIdentityToken", "ValidationError", "AccessDenied", "IDPRejectedClaim"));

  op("AssumeRoot", { TargetPrincipal: "111122223333", TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials" } }, "any")
    .set("TargetPrincipal", "not an account id", "🔑", codes("ValidationError", "AccessDenied"))
    .set("TaskPolicyArn", "not a root task policy", { arn: "arn:aws:iam::aws:policy/AdministratorAccess" }, codes("ValidationError", "AccessDenied", "InvalidParameterValue"))
    .set("DurationSeconds", "901", 901, codes("ValidationError", "AccessDenied"));
  op("GetWebIdentityToken", { Audience: ["https://example.com"], SigningAlgorithm: "RS256" }, "any")
    .set("Audience", "11 audiences", Array.from({ length: 11 }, (_, i) => `https://a${i}.example.com`), codes("ValidationError", "AccessDenied", "OutboundWebIdentityFederationDisabledException"))
    .set("DurationSeconds", "59", 59, codes("ValidationError", "AccessDenied", "OutboundWebIdentityFederationDisabledException"))
    .set("SigningAlgorithm", "none", "none", codes("ValidationError", "AccessDenied", "OutboundWebIdentityFederationDisabledException"));
  return all;
}

/** Adds the base request of every operation the list has none for (its sample input, answer judged only by problemWith). */
function coverRest(svc: ServiceDefinition, groups: OperationCases[]): void {
  const have = new Set(groups.map((g) => g.operation));
  for (const name of Object.keys(svc.operations).sort()) if (!have.has(name)) groups.push(new OperationCases(name, sampleInput(svc, name), "any"));
}

test(`STS: every operation, valid requests with one semantically hostile member (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED + 1);
  const iam = new IAMClient(s.clientConfig());
  const role = await iam.send(new CreateRoleCommand({ RoleName: "fuzz-sts-role", AssumeRolePolicyDocument: trustPolicy(s.accountId), MaxSessionDuration: 3600 }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "fuzz-sts-role", PolicyName: "all", PolicyDocument: allowAll }));
  const svc = service("sts");
  await iam.send(new CreateUserCommand({ UserName: "fuzz-sts-user" }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: "fuzz-sts-user" }));
  const groups = stsCases(s.accountId, role.Role!.Arn!, key.AccessKey!.AccessKeyId!, random);
  coverRest(svc, groups);
  assert.deepEqual([...new Set(groups.map((g) => g.operation))].sort(), Object.keys(svc.operations).sort());
  const out: CountedOutcome = { failures: [], sent: 0, created: 0 };
  for (const g of groups) await run(svc, g.cases, out);
  assert.ok(await wire.healthy(), "/health after STS");
  console.log(`handler fuzz STS: ${out.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);
  assert.deepEqual(log.errors(), [], "error entries in the server log");
});

// ---------------------------------------------------------------------------------------------
// IAM

/** Operations whose base request removes or disables what others use: run after all the others. */
const DESTRUCTIVE = /^(Delete|Remove|Detach|Untag|Deactivate|Disable|Reset)/;

/** Hostile values for a string member, by what its name says it holds. */
function hostileStrings(member: string, account: string, r: Random): Array<[string, string, Expect]> {
  const out: Array<[string, string, Expect]> = sampleOf(r, HOSTILE_TEXT, 2).map(([l, t]) => [l, t, "any"]);
  out.push(["513 characters", ofLength(513), "any"]);
  if (/Arn$/.test(member)) {
    for (const [l, a] of sampleOf(r, foreignArns(`arn:aws:iam::${account}:policy/fuzz-iam-policy`, account), 2)) out.push([`ARN of ${l}`, a, "any"]);
  }
  if (/Document$|^Policy(InputList)?$/.test(member)) {
    out.push(["malformed policy JSON", '{"Version":"2012-10-17","Statement":[{', "any"]);
    out.push(["policy of 131,073 characters", JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "p".repeat(131_000), Effect: "Allow", Action: "*", Resource: "*" }] }), "any"]);
  }
  return out;
}

function iamCases(account: string, r: Random, policyArn: string): OperationCases[] {
  const { all, op } = caseLists();
  const VALIDATION_ERROR = codes("ValidationError");
  const MALFORMED = codes("MalformedPolicyDocument");
  const NO_SUCH = codes("NoSuchEntity");

  const cu = op("CreateUser", { UserName: "fuzz-iam-new", Path: "/fuzz/" });
  cu.set("UserName", "existing user", "fuzz-iam-user", codes("EntityAlreadyExists"));
  cu.set("UserName", "existing user in another case", "FUZZ-IAM-USER", codes("EntityAlreadyExists"));
  cu.set("UserName", "64 characters", ofLength(64, "u"), "ok");
  cu.set("UserName", "65 characters", ofLength(65, "v"), VALIDATION_ERROR);
  for (const [l, t] of sampleOf(r, HOSTILE_TEXT, 4)) cu.set("UserName", l, t, VALIDATION_ERROR);
  // A fresh name each, so that only the member under test can be wrong.
  let n = 0;
  const fresh = (oc: OperationCases, nameMember: string, member: string, label: string, value: unknown, expect: Expect) => oc.add(`${member}: ${label}`, { ...oc.base, [nameMember]: `fuzz-iam-fresh-${++n}`, [member]: value }, expect);
  fresh(cu, "UserName", "Path", "no trailing slash", "/fuzz", VALIDATION_ERROR);
  fresh(cu, "UserName", "Path", "513 characters", `/${ofLength(511)}/`, VALIDATION_ERROR);
  fresh(cu, "UserName", "PermissionsBoundary", "policy of another partition", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess", codes("InvalidInput", "NoSuchEntity", "ValidationError"));
  fresh(cu, "UserName", "PermissionsBoundary", "unknown policy", `arn:aws:iam::${account}:policy/nothing`, codes("NoSuchEntity", "InvalidInput"));
  fresh(cu, "UserName", "Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })), codes("LimitExceeded", "ValidationError"));
  fresh(cu, "UserName", "Tags", "aws: prefix", [{ Key: "aws:x", Value: "v" }], "any");
  op("GetUser", { UserName: "fuzz-iam-user" }).set("UserName", "unknown", "fuzz-nobody", NO_SUCH).set("UserName", "128 characters", ofLength(128), NO_SUCH).set("UserName", "129 characters", ofLength(129), VALIDATION_ERROR);
  op("UpdateUser", { UserName: "fuzz-iam-user", NewPath: "/fuzz/" })
    .set("NewUserName", "an existing user's name", "fuzz-sts-user", codes("EntityAlreadyExists"))
    .set("NewUserName", "control characters", "a\u0000b", VALIDATION_ERROR)
    .set("UserName", "unknown", "fuzz-nobody", NO_SUCH);
  const cr = op("CreateRole", { RoleName: "fuzz-iam-role2", AssumeRolePolicyDocument: trustPolicy(account) });
  fresh(cr, "RoleName", "AssumeRolePolicyDocument", "malformed JSON", "{", MALFORMED);
  fresh(cr, "RoleName", "AssumeRolePolicyDocument", "no Principal", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }), MALFORMED);
  fresh(cr, "RoleName", "AssumeRolePolicyDocument", "Resource in a trust policy", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Resource: "*" }] }), MALFORMED);
  fresh(cr, "RoleName", "AssumeRolePolicyDocument", "principal of another partition", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws-cn:iam::111122223333:root" }, Action: "sts:AssumeRole" }] }), MALFORMED);
  for (const [l, v, e] of [["3599", 3599, VALIDATION_ERROR], ["43201", 43201, VALIDATION_ERROR], ["3600 (min)", 3600, "ok"]] as const) fresh(cr, "RoleName", "MaxSessionDuration", l, v, e as Expect);
  cr.set("RoleName", "existing role", "fuzz-iam-role", codes("EntityAlreadyExists"));
  fresh(cr, "RoleName", "Description", "1001 characters", ofLength(1001), VALIDATION_ERROR);
  const pup = op("PutUserPolicy", { UserName: "fuzz-iam-user", PolicyName: "inline2", PolicyDocument: allowAll });
  pup.set("PolicyDocument", "malformed JSON", "[", MALFORMED);
  pup.set("PolicyDocument", "Version 2011", JSON.stringify({ Version: "2011-01-01", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }), MALFORMED);
  pup.set("PolicyDocument", "Effect Maybe", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Maybe", Action: "*", Resource: "*" }] }), MALFORMED);
  pup.set("PolicyDocument", "Principal in an identity policy", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] }), MALFORMED);
  pup.set("PolicyDocument", "past the 2,048-character inline user policy quota", JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "s".repeat(2100), Effect: "Allow", Action: "*", Resource: "*" }] }), codes("LimitExceeded", "MalformedPolicyDocument"));
  pup.set("PolicyName", "129 characters", ofLength(129), VALIDATION_ERROR);
  pup.set("UserName", "unknown", "fuzz-nobody", NO_SUCH);
  const cp = op("CreatePolicy", { PolicyName: "fuzz-iam-policy2", PolicyDocument: allowAll });
  fresh(cp, "PolicyName", "PolicyDocument", "6145 characters", JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "s".repeat(6145), Effect: "Allow", Action: "*", Resource: "*" }] }), codes("LimitExceeded", "MalformedPolicyDocument"));
  fresh(cp, "PolicyName", "PolicyDocument", "Resource ARN of another partition", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws-cn:s3:::b" }] }), "any");
  cp.set("PolicyName", "existing", "fuzz-iam-policy", codes("EntityAlreadyExists"));
  cp.set("PolicyName", "unicode", "🔑", VALIDATION_ERROR);
  const cpv = op("CreatePolicyVersion", { PolicyArn: policyArn, PolicyDocument: allowAll, SetAsDefault: true });
  cpv.set("PolicyArn", "AWS managed policy", "arn:aws:iam::aws:policy/ReadOnlyAccess", codes("AccessDenied", "NoSuchEntity", "InvalidInput", "UnmodifiableEntity"));
  cpv.set("PolicyArn", "another partition", policyArn.replace("arn:aws:", "arn:aws-cn:"), codes("ValidationError", "InvalidInput", "NoSuchEntity"));
  cpv.set("PolicyDocument", "malformed", "{", MALFORMED);
  for (const [l, a] of foreignArns(policyArn, account)) op("AttachUserPolicy", { UserName: "fuzz-iam-user", PolicyArn: policyArn }).set("PolicyArn", l, a, codes("ValidationError", "InvalidInput", "NoSuchEntity"));
  const lu = op("ListUsers", { MaxItems: 1 });
  for (const [l, v, e] of [["0", 0, VALIDATION_ERROR], ["1001", 1001, VALIDATION_ERROR], ["1000", 1000, "ok"]] as const) lu.set("MaxItems", l, v, e as Expect);
  lu.set("Marker", "random", randomBytes(30).toString("base64"), codes("InvalidInput", "ValidationError"));
  lu.set("PathPrefix", "no leading slash", "fuzz", VALIDATION_ERROR);
  const pp = op("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 8 });
  for (const [m, v] of [["MinimumPasswordLength", 5], ["MinimumPasswordLength", 129], ["MaxPasswordAge", 0], ["MaxPasswordAge", 1096], ["PasswordReusePrevention", 0], ["PasswordReusePrevention", 25]] as const) pp.set(m, String(v), v, VALIDATION_ERROR);
  op("CreateAccountAlias", { AccountAlias: "fuzz-alias" })
    .set("AccountAlias", "upper case", "Fuzz", VALIDATION_ERROR)
    .set("AccountAlias", "leading hyphen", "-fuzz", VALIDATION_ERROR)
    .set("AccountAlias", "63 characters", ofLength(63), "ok")
    .set("AccountAlias", "64 characters", ofLength(64), VALIDATION_ERROR)
    .set("AccountAlias", "unicode", "ключ", VALIDATION_ERROR);
  op("GetContextKeysForCustomPolicy", { PolicyInputList: [allowAll] })
    .set("PolicyInputList", "malformed", ["{"], codes("InvalidInput", "MalformedPolicyDocument"))
    .set("PolicyInputList", "deeply nested", ['{"a":'.repeat(3000) + "1" + "}".repeat(3000)], codes("InvalidInput", "MalformedPolicyDocument", "ValidationError"));
  op("SimulateCustomPolicy", { PolicyInputList: [allowAll], ActionNames: ["s3:GetObject"] })
    .set("PolicyInputList", "malformed", ["{"], codes("InvalidInput", "MalformedPolicyDocument"))
    .set("ActionNames", "unicode action", ["🔑:*"], "any")
    .set("ResourceArns", "another partition", ["arn:aws-cn:s3:::b/k"], "any")
    .set("ResourcePolicy", "malformed", "{", codes("InvalidInput", "MalformedPolicyDocument"))
    .set("MaxItems", "0", 0, VALIDATION_ERROR);
  op("CreateLoginProfile", { UserName: "fuzz-sts-user", Password: "Fuzz-Passw0rd!x" })
    .set("Password", "control characters", "Fuzz\u0000Passw0rd", codes("ValidationError", "PasswordPolicyViolation"))
    .set("Password", "129 characters", ofLength(129), codes("ValidationError", "PasswordPolicyViolation"))
    .set("UserName", "unknown", "fuzz-nobody", NO_SUCH);
  return all;
}

/** The sample-based pass: each remaining operation's hinted base request, then its string members one at a time. */
function iamGenericCases(svc: ServiceDefinition, have: Set<string>, account: string, r: Random): OperationCases[] {
  const out: OperationCases[] = [];
  const names = Object.keys(svc.operations).filter((n) => !have.has(n)).sort();
  const ordered = [...names.filter((n) => !DESTRUCTIVE.test(n)), ...names.filter((n) => DESTRUCTIVE.test(n))];
  for (const name of ordered) {
    const oc = new OperationCases(name, sampleInput(svc, name), "any");
    for (const member of stringMembers(svc, name)) for (const [label, value, expect] of hostileStrings(member, account, r)) oc.set(member, label, value, expect);
    out.push(oc);
  }
  return out;
}

/** Pages an IAM list with MaxItems 1 through the SDK, checking that nothing repeats. */
async function iamPages<T>(fetch: (marker?: string) => Promise<{ items: T[]; marker?: string; truncated?: boolean }>, id: (t: T) => string): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await fetch(marker);
    ids.push(...p.items.map(id));
    if (!p.truncated) break;
    assert.ok(p.marker, "IsTruncated without Marker");
    marker = p.marker;
  }
  assert.equal(new Set(ids).size, ids.length, "an item repeated across pages");
  return ids;
}

test(`IAM: valid requests with one semantically hostile member, the admin user untouched (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED + 2);
  const iam = new IAMClient(s.clientConfig());
  const account = s.accountId;
  await iam.send(new CreateUserCommand({ UserName: "fuzz-iam-user" })).catch(() => undefined);
  await iam.send(new CreateUserCommand({ UserName: "fuzz-sts-user" })).catch(() => undefined);
  await iam.send(new CreateGroupCommand({ GroupName: "fuzz-iam-group" }));
  await iam.send(new CreateRoleCommand({ RoleName: "fuzz-iam-role", AssumeRolePolicyDocument: trustPolicy(account) }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "fuzz-iam-ip" }));
  const policy = await iam.send(new CreatePolicyCommand({ PolicyName: "fuzz-iam-policy", PolicyDocument: allowAll }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: "fuzz-iam-user" }));
  const policyArn = policy.Policy!.Arn!;
  // Sample requests reach the handlers when their names point at these resources.
  for (const [k, v] of Object.entries({
    UserName: "fuzz-iam-user",
    GroupName: "fuzz-iam-group",
    RoleName: "fuzz-iam-role",
    InstanceProfileName: "fuzz-iam-ip",
    PolicyArn: policyArn,
    PolicyName: "inline",
    PolicyDocument: allowAll,
    AssumeRolePolicyDocument: trustPolicy(account),
    PolicyInputList: [allowAll],
    ActionNames: ["s3:GetObject"],
    PolicySourceArn: `arn:aws:iam::${account}:user/fuzz-iam-user`,
    AccessKeyId: key.AccessKey!.AccessKeyId!,
    VersionId: "v1",
    NewUserName: "fuzz-iam-user",
    NewGroupName: "fuzz-iam-group",
    Status: "Active",
    Tags: [{ Key: "fuzz", Value: "1" }],
    TagKeys: ["fuzz"],
  })) memberHints.set(k, v);
  const svc = service("iam");
  const groups = iamCases(account, random, policyArn);
  const explicit = new Set(groups.map((g) => g.operation));
  groups.push(...iamGenericCases(svc, explicit, account, random));
  const out: CountedOutcome = { failures: [], sent: 0, created: 0 };
  const baseOk: string[] = [];
  for (const g of groups) {
    const before = out.failures.length;
    await run(svc, g.cases.slice(0, 1), out);
    if (out.failures.length === before) baseOk.push(g.operation);
    await run(svc, g.cases.slice(1), out);
  }
  assert.ok(await wire.healthy(), "/health after IAM");
  console.log(`handler fuzz IAM: ${out.sent} requests over ${new Set(groups.map((g) => g.operation)).size} operations in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);

  // The admin still works, and the lists page to the end with every entry readable.
  const me = await iam.send(new GetUserCommand({}));
  assert.equal(me.User?.UserName, "admin");
  const users = await iamPages(async (Marker) => {
    const p = await iam.send(new ListUsersCommand({ MaxItems: 1, ...(Marker ? { Marker } : {}) }));
    return { items: p.Users ?? [], ...(p.Marker ? { marker: p.Marker } : {}), ...(p.IsTruncated !== undefined ? { truncated: p.IsTruncated } : {}) };
  }, (u) => u.UserName!);
  for (const u of users) assert.equal((await iam.send(new GetUserCommand({ UserName: u }))).User?.UserName, u);
  await iamPages(async (Marker) => {
    const p = await iam.send(new ListRolesCommand({ MaxItems: 1, ...(Marker ? { Marker } : {}) }));
    return { items: p.Roles ?? [], ...(p.Marker ? { marker: p.Marker } : {}), ...(p.IsTruncated !== undefined ? { truncated: p.IsTruncated } : {}) };
  }, (r) => r.RoleName!);
  await iamPages(async (Marker) => {
    const p = await iam.send(new ListPoliciesCommand({ Scope: "Local", MaxItems: 1, ...(Marker ? { Marker } : {}) }));
    return { items: p.Policies ?? [], ...(p.Marker ? { marker: p.Marker } : {}), ...(p.IsTruncated !== undefined ? { truncated: p.IsTruncated } : {}) };
  }, (p) => p.Arn!);
  assert.deepEqual(log.errors(), [], "error entries in the server log");
});
