/**
 * Sign, Verify, GenerateMac, VerifyMac, GetPublicKey, DeriveSharedSecret, Encapsulate,
 * Decapsulate — thin wrappers over the crypto core after the common key checks.
 */
import type {
  DecapsulateResponse,
  DeriveSharedSecretResponse,
  EncapsulateResponse,
  GenerateMacResponse,
  GetPublicKeyResponse,
  SignResponse,
  VerifyMacResponse,
  VerifyResponse,
} from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { algorithmsForUsage, decapsulate as coreDecapsulate, deriveSharedSecret as coreDerive, encapsulate as coreEncapsulate, generateMac as coreGenerateMac, sign as coreSign, verifyMacOrThrow, verifyOrThrow } from "./crypto/index.js";
import { checkRecipient, currentMaterialOf, noteUse, useKey } from "./crypto-common.js";
import type { KmsEnv } from "./env.js";
import { cryptoCall, dryRunSucceeded, unsupported } from "./errors.js";
import { STATES } from "./key-state.js";
import { ID } from "./lookup.js";
import { customerMasterKeySpecOf } from "./metadata.js";
import { validateGrantTokens, validateKeyId, Violations } from "./validation.js";

const MESSAGE_TYPES = ["RAW", "DIGEST", "EXTERNAL_MU"];
const SIGNING_ALGORITHMS = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "ECDSA_SHA_256",
  "ECDSA_SHA_384",
  "ECDSA_SHA_512",
  "SM2DSA",
  "ML_DSA_SHAKE_256",
  "ED25519_SHA_512",
  "ED25519_PH_SHA_512",
];
// In the order KMS lists them in its enum message.
const MAC_ALGORITHMS = ["HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"];

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

interface SignInput {
  KeyId: string;
  Message: Uint8Array;
  MessageType?: string;
  SigningAlgorithm: string;
  GrantTokens?: string[];
  DryRun?: boolean;
}

function checkSignInput(input: SignInput): void {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.blob(input.Message, "message", 1, 4096);
  v.oneOf(input.MessageType, "messageType", MESSAGE_TYPES);
  v.oneOf(input.SigningAlgorithm, "signingAlgorithm", SIGNING_ALGORITHMS);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
}

export async function sign(env: KmsEnv, ctx: RequestContext, input: SignInput): Promise<SignResponse> {
  checkSignInput(input);
  const messageType = input.MessageType ?? "RAW";
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "Sign",
    usage: "SIGN_VERIFY",
    context: { "kms:SigningAlgorithm": input.SigningAlgorithm, "kms:MessageType": messageType },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  const { material } = await currentMaterialOf(env, key);
  if (input.DryRun) {
    cryptoCall(() => coreSign({ material, algorithm: input.SigningAlgorithm, messageType, message: buf(input.Message) }));
    throw dryRunSucceeded();
  }
  const signature = cryptoCall(() => coreSign({ material, algorithm: input.SigningAlgorithm, messageType, message: buf(input.Message) }));
  noteUse(env, ctx, key, "Sign");
  return { KeyId: key.arn, Signature: signature, SigningAlgorithm: input.SigningAlgorithm as SignResponse["SigningAlgorithm"] };
}

export async function verify(env: KmsEnv, ctx: RequestContext, input: SignInput & { Signature: Uint8Array }): Promise<VerifyResponse> {
  checkSignInput(input);
  const v = new Violations();
  v.blob(input.Signature, "signature", 1, 6144);
  v.throwIfAny();
  const messageType = input.MessageType ?? "RAW";
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "Verify",
    usage: "SIGN_VERIFY",
    context: { "kms:SigningAlgorithm": input.SigningAlgorithm, "kms:MessageType": messageType },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (input.DryRun) throw dryRunSucceeded();
  const { material } = await currentMaterialOf(env, key);
  cryptoCall(() => verifyOrThrow({ material, algorithm: input.SigningAlgorithm, messageType, message: buf(input.Message), signature: buf(input.Signature) }));
  noteUse(env, ctx, key, "Verify");
  return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm as VerifyResponse["SigningAlgorithm"] };
}

interface MacInput {
  Message: Uint8Array;
  KeyId: string;
  MacAlgorithm: string;
  GrantTokens?: string[];
  DryRun?: boolean;
}

function checkMacInput(input: MacInput): void {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.blob(input.Message, "message", 1, 4096);
  v.oneOf(input.MacAlgorithm, "macAlgorithm", MAC_ALGORITHMS);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
}

export async function generateMac(env: KmsEnv, ctx: RequestContext, input: MacInput): Promise<GenerateMacResponse> {
  checkMacInput(input);
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "GenerateMac",
    usage: "GENERATE_VERIFY_MAC",
    context: { "kms:MacAlgorithm": input.MacAlgorithm },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  const { material } = await currentMaterialOf(env, key);
  const mac = cryptoCall(() => coreGenerateMac({ material, algorithm: input.MacAlgorithm, message: buf(input.Message) }));
  if (input.DryRun) throw dryRunSucceeded();
  noteUse(env, ctx, key, "GenerateMac");
  return { Mac: mac, MacAlgorithm: input.MacAlgorithm as GenerateMacResponse["MacAlgorithm"], KeyId: key.arn };
}

export async function verifyMac(env: KmsEnv, ctx: RequestContext, input: MacInput & { Mac: Uint8Array }): Promise<VerifyMacResponse> {
  checkMacInput(input);
  const v = new Violations();
  v.blob(input.Mac, "mac", 1, 6144);
  v.throwIfAny();
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "VerifyMac",
    usage: "GENERATE_VERIFY_MAC",
    context: { "kms:MacAlgorithm": input.MacAlgorithm },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (input.DryRun) throw dryRunSucceeded();
  const { material } = await currentMaterialOf(env, key);
  cryptoCall(() => verifyMacOrThrow({ material, algorithm: input.MacAlgorithm, message: buf(input.Message), mac: buf(input.Mac) }));
  noteUse(env, ctx, key, "VerifyMac");
  return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm as VerifyMacResponse["MacAlgorithm"] };
}

export async function getPublicKey(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; GrantTokens?: string[] }): Promise<GetPublicKeyResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "GetPublicKey",
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (key.keySpec === "SYMMETRIC_DEFAULT" || key.keySpec.startsWith("HMAC_")) throw unsupported(`${key.arn} key usage is ${key.keyUsage}, and its KeySpec ${key.keySpec} has no public key.`);
  const { material } = await currentMaterialOf(env, key);
  const algs = algorithmsForUsage(key.keySpec, key.keyUsage);
  return {
    KeyId: key.arn,
    PublicKey: material.publicDer,
    ...customerMasterKeySpecOf(key.keySpec),
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...(algs.encryptionAlgorithms ? { EncryptionAlgorithms: [...algs.encryptionAlgorithms] } : {}),
    ...(algs.signingAlgorithms ? { SigningAlgorithms: [...algs.signingAlgorithms] } : {}),
    ...(algs.keyAgreementAlgorithms ? { KeyAgreementAlgorithms: [...algs.keyAgreementAlgorithms] } : {}),
    ...(algs.encapsulationAlgorithms ? { EncapsulationAlgorithms: [...algs.encapsulationAlgorithms] } : {}),
  } as GetPublicKeyResponse;
}

export async function deriveSharedSecret(
  env: KmsEnv,
  ctx: RequestContext,
  input: { KeyId: string; KeyAgreementAlgorithm: string; PublicKey: Uint8Array; GrantTokens?: string[]; DryRun?: boolean; Recipient?: { KeyEncryptionAlgorithm?: string; AttestationDocument?: Uint8Array } },
): Promise<DeriveSharedSecretResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.oneOf(input.KeyAgreementAlgorithm, "keyAgreementAlgorithm", ["ECDH"]);
  v.blob(input.PublicKey, "publicKey", 1, 8192);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  checkRecipient(input.Recipient);
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "DeriveSharedSecret",
    usage: "KEY_AGREEMENT",
    context: { "kms:KeyAgreementAlgorithm": input.KeyAgreementAlgorithm },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (input.DryRun) throw dryRunSucceeded();
  const { material } = await currentMaterialOf(env, key);
  const secret = cryptoCall(() => coreDerive({ material, algorithm: input.KeyAgreementAlgorithm, publicKey: buf(input.PublicKey) }));
  noteUse(env, ctx, key, "DeriveSharedSecret");
  return { KeyId: key.arn, SharedSecret: secret, KeyAgreementAlgorithm: "ECDH", KeyOrigin: key.origin };
}

export async function encapsulate(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; EncapsulationAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean }): Promise<EncapsulateResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.oneOf(input.EncapsulationAlgorithm, "encapsulationAlgorithm", ["ML_KEM"]);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "Encapsulate",
    usage: "ENCAPSULATE_DECAPSULATE",
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (input.DryRun) throw dryRunSucceeded();
  const { material } = await currentMaterialOf(env, key);
  const out = cryptoCall(() => coreEncapsulate({ material, algorithm: input.EncapsulationAlgorithm }));
  noteUse(env, ctx, key, "Encapsulate");
  return { KeyId: key.arn, SharedSecret: out.sharedSecret, SharedSecretCiphertextBlob: out.ciphertext, EncapsulationAlgorithm: "ML_KEM" };
}

export async function decapsulate(
  env: KmsEnv,
  ctx: RequestContext,
  input: { KeyId: string; SharedSecretCiphertextBlob: Uint8Array; EncapsulationAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean },
): Promise<DecapsulateResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.blob(input.SharedSecretCiphertextBlob, "sharedSecretCiphertextBlob", 1, 6144);
  v.oneOf(input.EncapsulationAlgorithm, "encapsulationAlgorithm", ["ML_KEM"]);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  const { key } = await useKey(env, ctx, input.KeyId, ID.use, {
    action: "Decapsulate",
    usage: "ENCAPSULATE_DECAPSULATE",
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
  });
  if (input.DryRun) throw dryRunSucceeded();
  const { material } = await currentMaterialOf(env, key);
  const secret = cryptoCall(() => coreDecapsulate({ material, algorithm: input.EncapsulationAlgorithm, ciphertext: buf(input.SharedSecretCiphertextBlob) }));
  noteUse(env, ctx, key, "Decapsulate");
  return { KeyId: key.arn, SharedSecret: secret, EncapsulationAlgorithm: "ML_KEM" };
}
