/**
 * GenerateDataKey(WithoutPlaintext), GenerateDataKeyPair(WithoutPlaintext), GenerateRandom.
 * Data keys are random bytes from node:crypto encrypted under the symmetric KMS key; the
 * plaintext copy exists only in the response (audit redaction hides it).
 */
import { randomBytes } from "node:crypto";
import type {
  GenerateDataKeyPairResponse,
  GenerateDataKeyPairWithoutPlaintextResponse,
  GenerateDataKeyResponse,
  GenerateDataKeyWithoutPlaintextResponse,
  GenerateRandomResponse,
} from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeWithoutKmsKeys } from "./authorize.js";
import { DATA_KEY_PAIR_SPECS, generateDataKeyPairAsync, randomSecret } from "./crypto/index.js";
import { auditMaterial, auditParams, checkRecipient, noteUse, useKey } from "./crypto-common.js";
import { encryptWith } from "./encrypt.js";
import type { KmsEnv } from "./env.js";
import { customKeyStoreNotFound, mapCryptoError, dryRunSucceeded, invalidKeyUsage, validation } from "./errors.js";
import { ID } from "./lookup.js";
import type { KeyRecord } from "./model.js";
import { validateGrantTokens, validateKeyId, Violations } from "./validation.js";

type Ec = Record<string, string>;
type Recipient = { KeyEncryptionAlgorithm?: string; AttestationDocument?: Uint8Array };

export interface GenerateDataKeyInput {
  KeyId: string;
  EncryptionContext?: Ec;
  NumberOfBytes?: number;
  KeySpec?: string;
  GrantTokens?: string[];
  Recipient?: Recipient;
  DryRun?: boolean;
}

function symmetricOnly(key: KeyRecord, op: string): void {
  if (key.keySpec !== "SYMMETRIC_DEFAULT") throw invalidKeyUsage(`${key.arn} key usage is ${key.keyUsage} with KeySpec ${key.keySpec}, which is not valid for ${op}.`);
}

function dataKeyLength(input: { NumberOfBytes?: number; KeySpec?: string }): number {
  const v = new Violations();
  v.int(input.NumberOfBytes, "numberOfBytes", 1, 1024);
  v.oneOf(input.KeySpec, "keySpec", ["AES_256", "AES_128"]);
  v.throwIfAny();
  if ((input.NumberOfBytes === undefined) === (input.KeySpec === undefined)) throw validation("Please specify either number of bytes or key spec.");
  return input.NumberOfBytes ?? (input.KeySpec === "AES_128" ? 16 : 32);
}

/**
 * kms:EncryptionAlgorithm of the operations that make data keys and data key pairs: the algorithm
 * the operation uses, always SYMMETRIC_DEFAULT, though no request names it (KMS developer guide,
 * "kms:EncryptionAlgorithm": a Deny unless SYMMETRIC_DEFAULT has no effect on them).
 */
const SYMMETRIC_ALGORITHM = Object.freeze({ "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" });

async function dataKey(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyInput, op: "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext", viaService?: string) {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  const length = dataKeyLength(input);
  if (op === "GenerateDataKey") checkRecipient(input.Recipient);
  const ec = input.EncryptionContext;
  auditParams(ctx, { keyId: input.KeyId, keySpec: input.KeySpec, numberOfBytes: input.NumberOfBytes, encryptionContext: ec });
  const { key } = await useKey(env, ctx, input.KeyId, ID.useCreating, {
    action: op,
    usage: "ENCRYPT_DECRYPT",
    encryptionContext: ec,
    context: SYMMETRIC_ALGORITHM,
    grantTokens: input.GrantTokens,
    viaService,
  });
  symmetricOnly(key, op);
  if (input.DryRun) throw dryRunSucceeded();
  const plaintext = randomSecret(length);
  const out = await encryptWith(env, key, plaintext, "SYMMETRIC_DEFAULT", ec);
  auditMaterial(ctx, { keyMaterialId: out.materialId });
  noteUse(env, ctx, key, op);
  return { key, plaintext, blob: out.blob, materialId: out.materialId };
}

export async function generateDataKey(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyInput, viaService?: string): Promise<GenerateDataKeyResponse> {
  const r = await dataKey(env, ctx, input, "GenerateDataKey", viaService);
  return { CiphertextBlob: r.blob, Plaintext: r.plaintext, KeyId: r.key.arn, ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}) };
}

export async function generateDataKeyWithoutPlaintext(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyInput): Promise<GenerateDataKeyWithoutPlaintextResponse> {
  const r = await dataKey(env, ctx, input, "GenerateDataKeyWithoutPlaintext");
  r.plaintext.fill(0);
  return { CiphertextBlob: r.blob, KeyId: r.key.arn, ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}) };
}

export interface GenerateDataKeyPairInput {
  KeyId: string;
  KeyPairSpec: string;
  EncryptionContext?: Ec;
  GrantTokens?: string[];
  Recipient?: Recipient;
  DryRun?: boolean;
}

async function dataKeyPair(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyPairInput, op: "GenerateDataKeyPair" | "GenerateDataKeyPairWithoutPlaintext") {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.oneOf(input.KeyPairSpec, "keyPairSpec", DATA_KEY_PAIR_SPECS);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  if (op === "GenerateDataKeyPair") checkRecipient(input.Recipient);
  const ec = input.EncryptionContext;
  auditParams(ctx, { keyId: input.KeyId, keyPairSpec: input.KeyPairSpec, encryptionContext: ec });
  const { key } = await useKey(env, ctx, input.KeyId, ID.useCreating, {
    action: op,
    usage: "ENCRYPT_DECRYPT",
    ...(ec ? { encryptionContext: ec } : {}),
    context: { "kms:DataKeyPairSpec": input.KeyPairSpec, "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  symmetricOnly(key, op);
  if (input.DryRun) throw dryRunSucceeded();
  const pair = await generateDataKeyPairAsync(input.KeyPairSpec).catch((e: unknown) => {
    throw mapCryptoError(e);
  });
  const out = await encryptWith(env, key, pair.privateKeyDer, "SYMMETRIC_DEFAULT", ec);
  // As for GenerateDataKey: the event names the key material that wrapped the private key.
  auditMaterial(ctx, { keyMaterialId: out.materialId });
  noteUse(env, ctx, key, op);
  return { key, pair, blob: out.blob, materialId: out.materialId };
}

export async function generateDataKeyPair(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyPairInput): Promise<GenerateDataKeyPairResponse> {
  const r = await dataKeyPair(env, ctx, input, "GenerateDataKeyPair");
  return {
    PrivateKeyCiphertextBlob: r.blob,
    PrivateKeyPlaintext: r.pair.privateKeyDer,
    PublicKey: r.pair.publicKeyDer,
    KeyId: r.key.arn,
    KeyPairSpec: r.pair.spec,
    ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}),
  };
}

export async function generateDataKeyPairWithoutPlaintext(env: KmsEnv, ctx: RequestContext, input: GenerateDataKeyPairInput): Promise<GenerateDataKeyPairWithoutPlaintextResponse> {
  const r = await dataKeyPair(env, ctx, input, "GenerateDataKeyPairWithoutPlaintext");
  r.pair.privateKeyDer.fill(0);
  return { PrivateKeyCiphertextBlob: r.blob, PublicKey: r.pair.publicKeyDer, KeyId: r.key.arn, KeyPairSpec: r.pair.spec, ...(r.materialId !== undefined ? { KeyMaterialId: r.materialId } : {}) };
}

export async function generateRandom(env: KmsEnv, ctx: RequestContext, input: { NumberOfBytes?: number; CustomKeyStoreId?: string; Recipient?: Recipient }): Promise<GenerateRandomResponse> {
  // No KMS key: KMS records an empty resources list (KMS developer guide, "GenerateRandom").
  ctx.audit.resources ??= [];
  const v = new Violations();
  v.int(input.NumberOfBytes, "numberOfBytes", 1, 1024);
  v.str(input.CustomKeyStoreId, "customKeyStoreId", 1, 64);
  v.throwIfAny();
  // Optional in the model, required by the service (the API reference: "This parameter is
  // required"), which refuses its absence (JSON null included) in its own words.
  if (input.NumberOfBytes === undefined) throw validation("NumberOfBytes is required.");
  env.throttle.take(ctx.scope.accountId, ctx.scope.region, "symmetric");
  await authorizeWithoutKmsKeys(ctx, "GenerateRandom");
  if (input.CustomKeyStoreId !== undefined) throw customKeyStoreNotFound(`Custom key store ${input.CustomKeyStoreId} was not found.`);
  checkRecipient(input.Recipient);
  return { Plaintext: randomBytes(input.NumberOfBytes) };
}
