/**
 * Encrypt, Decrypt, ReEncrypt. Symmetric blobs carry the key id and material id (so Decrypt
 * without KeyId finds the key, then authorises against it, and old material versions keep
 * decrypting after rotation); the encryption context is bound as AAD and must match exactly.
 */
import type { DecryptResponse, EncryptResponse, ReEncryptResponse } from "@aws-sdk/client-kms";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import {
  assertBlobKeyId,
  decryptAsymmetric,
  decryptSymmetric,
  encryptAsymmetric,
  encryptSymmetric,
  INCORRECT_KEY_MESSAGE,
  keySpecInfo,
  type KeyMaterial,
  parseCiphertextBlob,
  type ParsedCiphertextBlob,
} from "./crypto/index.js";
import { auditMaterial, auditParams, checkRecipient, currentMaterialNow, currentMaterialOf, ENCRYPTION_ALGORITHMS, materialOf, noteUse, useKey, useResolvedKey } from "./crypto-common.js";
import type { KmsEnv } from "./env.js";
import { cryptoCall, dryRunSucceeded, incorrectKey, invalidCiphertext, invalidKeyUsage, notFound, validation } from "./errors.js";
import { ID, resolveKey, resolveKeyNow } from "./lookup.js";
import { keyArnOf, type KeyRecord } from "./model.js";
import { validateGrantTokens, validateKeyId, Violations } from "./validation.js";

type Ec = Record<string, string>;

export interface EncryptInput {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: Ec;
  GrantTokens?: string[];
  EncryptionAlgorithm?: string;
  DryRun?: boolean;
}

/** The algorithm must be one the key offers (SYMMETRIC_DEFAULT only for symmetric keys). */
function checkAlgorithm(key: KeyRecord, algorithm: string): void {
  if (!(keySpecInfo(key.keySpec).encryptionAlgorithms as readonly string[]).includes(algorithm)) {
    throw invalidKeyUsage(`The encryption algorithm ${algorithm} is not compatible with ${key.arn} (KeySpec ${key.keySpec}).`);
  }
}

function rejectContextForAsymmetric(key: KeyRecord, ec: Ec | undefined): void {
  if (key.keySpec !== "SYMMETRIC_DEFAULT" && ec !== undefined && Object.keys(ec).length > 0) {
    throw validation("EncryptionContext is not supported with asymmetric KMS keys.");
  }
}

interface Encrypted {
  blob: Buffer;
  materialId?: string;
}

/**
 * Encrypts under the key's current material (symmetric) or public key (RSA). Not an async
 * function: with the material cached (most calls) the blob comes back as is, no promise.
 */
export function encryptWith(env: KmsEnv, key: KeyRecord, plaintext: Buffer, algorithm: string, ec: Ec | undefined): Encrypted | Promise<Encrypted> {
  if (key.keySpec === "SYMMETRIC_DEFAULT") {
    const cur = currentMaterialNow(env, key);
    return cur !== undefined ? encryptSymmetricUnder(key, cur, plaintext, ec) : currentMaterialOf(env, key).then((m) => encryptSymmetricUnder(key, m, plaintext, ec));
  }
  return currentMaterialOf(env, key).then((cur) => ({ blob: cryptoCall(() => encryptAsymmetric({ material: cur.material, algorithm, plaintext })) }));
}

function encryptSymmetricUnder(key: KeyRecord, cur: { id: string; material: KeyMaterial }, plaintext: Buffer, ec: Ec | undefined): Encrypted {
  const secret = cur.material.secret;
  if (!secret) throw invalidCiphertext("The KMS key has no symmetric key material.");
  // One object shape whether or not a context came (a conditional spread takes V8's slow path).
  const input = { keyId: key.keyId, materialId: cur.id, key: secret, plaintext, encryptionContext: ec };
  return { blob: cryptoCall(() => encryptSymmetric(input)), materialId: cur.id };
}

export async function encrypt(env: KmsEnv, ctx: RequestContext, input: EncryptInput, viaService?: string): Promise<EncryptResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.blob(input.Plaintext, "plaintext", 1, 4096);
  validateGrantTokens(v, input.GrantTokens);
  v.oneOf(input.EncryptionAlgorithm, "encryptionAlgorithm", ENCRYPTION_ALGORITHMS);
  v.throwIfAny();
  const algorithm = input.EncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  const ec = input.EncryptionContext;
  auditParams(ctx, { keyId: input.KeyId, encryptionAlgorithm: algorithm, encryptionContext: ec });
  const { key } = await useKey(env, ctx, input.KeyId, ID.useCreating, {
    action: "Encrypt",
    usage: "ENCRYPT_DECRYPT",
    encryptionContext: ec,
    context: { "kms:EncryptionAlgorithm": algorithm },
    grantTokens: input.GrantTokens,
    viaService,
  });
  checkAlgorithm(key, algorithm);
  rejectContextForAsymmetric(key, ec);
  if (input.DryRun) throw dryRunSucceeded();
  const encrypting = encryptWith(env, key, Buffer.from(input.Plaintext.buffer, input.Plaintext.byteOffset, input.Plaintext.byteLength), algorithm, ec);
  const { blob, materialId } = encrypting instanceof Promise ? await encrypting : encrypting;
  auditMaterial(ctx, { keyMaterialId: materialId });
  noteUse(env, ctx, key, "Encrypt");
  return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: algorithm as EncryptResponse["EncryptionAlgorithm"] };
}

interface SourceInput {
  CiphertextBlob?: Uint8Array | undefined;
  KeyId?: string | undefined;
  EncryptionContext?: Ec | undefined;
  EncryptionAlgorithm?: string | undefined;
  GrantTokens?: string[] | undefined;
  ignoreCiphertext: boolean;
}

/** Finds, authorises and checks the key a ciphertext is decrypted with (Decrypt, ReEncrypt source). */
async function sourceKey(
  env: KmsEnv,
  ctx: RequestContext,
  s: SourceInput,
  action: "Decrypt" | "ReEncryptFrom",
  viaService?: string,
  moreContext?: (key: KeyRecord) => Promise<ConditionContext>,
): Promise<{ key: KeyRecord; parsed?: ParsedCiphertextBlob }> {
  const algorithm = s.EncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  let key: KeyRecord;
  let alias: string | undefined;
  let parsed: ParsedCiphertextBlob | undefined;
  const blob = s.CiphertextBlob ? Buffer.from(s.CiphertextBlob.buffer, s.CiphertextBlob.byteOffset, s.CiphertextBlob.byteLength) : undefined;
  if (s.KeyId !== undefined) {
    const r = resolveKeyNow(env, ctx, s.KeyId, ID.use) ?? (await resolveKey(env, ctx, s.KeyId, ID.use));
    key = r.key;
    alias = r.aliasName;
  } else {
    // The member the caller left out: ReEncrypt's is SourceKeyId.
    const member = action === "ReEncryptFrom" ? "SourceKeyId" : "KeyId";
    if (algorithm !== "SYMMETRIC_DEFAULT") throw validation(`${member} is required when the encryption algorithm is asymmetric.`);
    if (!blob) throw validation(`${member} is required when DryRunModifiers is IGNORE_CIPHERTEXT.`);
    // The key id comes from the blob; authorisation is then against that key.
    parsed = cryptoCall(() => parseCiphertextBlob(blob));
    // The caller's own key, else the key with that id in another account (cross-account Decrypt without KeyId).
    const { accountId, region } = ctx.scope;
    let found = env.repo.cachedKey(accountId, region, parsed.keyId) ?? (await env.repo.getKey(accountId, region, parsed.keyId));
    if (!found) {
      const owner = await env.repo.ownerOf(parsed.keyId, region);
      found = owner === undefined ? undefined : await env.repo.getKey(owner, region, parsed.keyId);
    }
    if (!found) throw notFound(`Key '${keyArnOf(ctx.scope.accountId, ctx.scope.region, parsed.keyId)}' does not exist`);
    key = found;
  }
  const ec = s.EncryptionContext;
  await useResolvedKey(env, ctx, key, {
    action,
    encryptionContext: ec,
    context: moreContext ? { "kms:EncryptionAlgorithm": algorithm, ...(await moreContext(key)) } : { "kms:EncryptionAlgorithm": algorithm },
    grantTokens: s.GrantTokens,
    requestAlias: alias,
    viaService,
  });
  // A KeyId that names a key of another usage (an HMAC or signing key) cannot be the one that
  // encrypted the ciphertext: KMS answers IncorrectKeyException, not InvalidKeyUsageException.
  if (key.keyUsage !== "ENCRYPT_DECRYPT") throw incorrectKey(INCORRECT_KEY_MESSAGE);
  checkAlgorithm(key, algorithm);
  rejectContextForAsymmetric(key, ec);
  if (!s.ignoreCiphertext && blob && key.keySpec === "SYMMETRIC_DEFAULT") {
    parsed ??= cryptoCall(() => parseCiphertextBlob(blob));
    const p = parsed;
    cryptoCall(() => assertBlobKeyId(p, key.keyId));
  }
  return parsed ? { key, parsed } : { key };
}

async function decryptWith(env: KmsEnv, key: KeyRecord, parsed: ParsedCiphertextBlob | undefined, blob: Buffer, algorithm: string, ec: Ec | undefined): Promise<{ plaintext: Buffer; materialId?: string }> {
  if (parsed) {
    const m = await materialOf(env, key, parsed.materialId);
    const secret = m.secret;
    if (!secret) throw invalidCiphertext("The ciphertext is invalid.");
    return { plaintext: cryptoCall(() => decryptSymmetric(parsed, secret, ec)), materialId: parsed.materialId };
  }
  const cur = await currentMaterialOf(env, key);
  return { plaintext: cryptoCall(() => decryptAsymmetric({ material: cur.material, algorithm, ciphertext: blob })) };
}

export interface DecryptInput {
  CiphertextBlob?: Uint8Array;
  EncryptionContext?: Ec;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: string;
  Recipient?: { KeyEncryptionAlgorithm?: string; AttestationDocument?: Uint8Array };
  DryRun?: boolean;
  DryRunModifiers?: string[];
}

function ignoresCiphertext(dryRun: boolean | undefined, modifiers: string[] | undefined): boolean {
  return dryRun === true && (modifiers ?? []).includes("IGNORE_CIPHERTEXT");
}

export async function decrypt(env: KmsEnv, ctx: RequestContext, input: DecryptInput, viaService?: string): Promise<DecryptResponse> {
  const v = new Violations();
  v.blob(input.CiphertextBlob, "ciphertextBlob", 1, 6144);
  if (input.KeyId !== undefined) validateKeyId(v, input.KeyId);
  validateGrantTokens(v, input.GrantTokens);
  v.oneOf(input.EncryptionAlgorithm, "encryptionAlgorithm", ENCRYPTION_ALGORITHMS);
  input.DryRunModifiers?.forEach((m, i) => v.oneOf(m, `dryRunModifiers.${i + 1}.member`, ["IGNORE_CIPHERTEXT"]));
  v.throwIfAny();
  const ignore = ignoresCiphertext(input.DryRun, input.DryRunModifiers);
  if (input.CiphertextBlob === undefined && !ignore) {
    throw validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  }
  checkRecipient(input.Recipient);
  const algorithm = input.EncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  auditParams(ctx, { keyId: input.KeyId, encryptionAlgorithm: algorithm, encryptionContext: input.EncryptionContext });
  const { key, parsed } = await sourceKey(
    env,
    ctx,
    {
      CiphertextBlob: input.CiphertextBlob,
      KeyId: input.KeyId,
      EncryptionContext: input.EncryptionContext,
      EncryptionAlgorithm: input.EncryptionAlgorithm,
      GrantTokens: input.GrantTokens,
      ignoreCiphertext: ignore,
    },
    "Decrypt",
    viaService,
  );
  if (input.DryRun) throw dryRunSucceeded();
  const blob = Buffer.from(input.CiphertextBlob!.buffer, input.CiphertextBlob!.byteOffset, input.CiphertextBlob!.byteLength);
  const out = await decryptWith(env, key, parsed, blob, algorithm, input.EncryptionContext);
  auditMaterial(ctx, { keyMaterialId: out.materialId });
  noteUse(env, ctx, key, "Decrypt");
  return {
    KeyId: key.arn,
    Plaintext: out.plaintext,
    EncryptionAlgorithm: algorithm as DecryptResponse["EncryptionAlgorithm"],
    ...(out.materialId !== undefined ? { KeyMaterialId: out.materialId } : {}),
  };
}

export interface ReEncryptInput {
  CiphertextBlob?: Uint8Array;
  SourceEncryptionContext?: Ec;
  SourceKeyId?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: Ec;
  SourceEncryptionAlgorithm?: string;
  DestinationEncryptionAlgorithm?: string;
  GrantTokens?: string[];
  DryRun?: boolean;
  DryRunModifiers?: string[];
}

/** Whether a key identifier (id, ARN, alias) names `key`; one that names nothing names no key (its own error comes later). */
async function names(env: KmsEnv, ctx: RequestContext, id: string, key: KeyRecord): Promise<boolean> {
  try {
    const r = resolveKeyNow(env, ctx, id, ID.use) ?? (await resolveKey(env, ctx, id, ID.use));
    return r.key.arn === key.arn;
  } catch {
    return false;
  }
}

export async function reEncrypt(env: KmsEnv, ctx: RequestContext, input: ReEncryptInput): Promise<ReEncryptResponse> {
  const v = new Violations();
  v.blob(input.CiphertextBlob, "ciphertextBlob", 1, 6144);
  if (input.SourceKeyId !== undefined) validateKeyId(v, input.SourceKeyId, "sourceKeyId");
  validateKeyId(v, input.DestinationKeyId, "destinationKeyId");
  v.oneOf(input.SourceEncryptionAlgorithm, "sourceEncryptionAlgorithm", ENCRYPTION_ALGORITHMS);
  v.oneOf(input.DestinationEncryptionAlgorithm, "destinationEncryptionAlgorithm", ENCRYPTION_ALGORITHMS);
  validateGrantTokens(v, input.GrantTokens);
  input.DryRunModifiers?.forEach((m, i) => v.oneOf(m, `dryRunModifiers.${i + 1}.member`, ["IGNORE_CIPHERTEXT"]));
  v.throwIfAny();
  const ignore = ignoresCiphertext(input.DryRun, input.DryRunModifiers);
  if (input.CiphertextBlob === undefined && !ignore) {
    throw validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  }
  const srcAlg = input.SourceEncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  const dstAlg = input.DestinationEncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  auditParams(ctx, {
    sourceKeyId: input.SourceKeyId,
    destinationKeyId: input.DestinationKeyId,
    sourceEncryptionAlgorithm: srcAlg,
    destinationEncryptionAlgorithm: dstAlg,
    sourceEncryptionContext: input.SourceEncryptionContext,
    destinationEncryptionContext: input.DestinationEncryptionContext,
  });
  let sameKey = false;
  const src = await sourceKey(
    env,
    ctx,
    {
      ...(input.CiphertextBlob ? { CiphertextBlob: input.CiphertextBlob } : {}),
      ...(input.SourceKeyId !== undefined ? { KeyId: input.SourceKeyId } : {}),
      ...(input.SourceEncryptionContext ? { EncryptionContext: input.SourceEncryptionContext } : {}),
      ...(input.SourceEncryptionAlgorithm !== undefined ? { EncryptionAlgorithm: input.SourceEncryptionAlgorithm } : {}),
      ...(input.GrantTokens ? { GrantTokens: input.GrantTokens } : {}),
      ignoreCiphertext: ignore,
    },
    "ReEncryptFrom",
    undefined,
    // kms:ReEncryptOnSameKey, in both authorisations: whether the destination names the source key.
    async (k) => ({ "kms:ReEncryptOnSameKey": (sameKey = await names(env, ctx, input.DestinationKeyId, k)) }),
  );
  const dstEc = input.DestinationEncryptionContext;
  const { key: dst } = await useKey(env, ctx, input.DestinationKeyId, ID.use, {
    action: "ReEncryptTo",
    usage: "ENCRYPT_DECRYPT",
    ...(dstEc ? { encryptionContext: dstEc } : {}),
    context: { "kms:EncryptionAlgorithm": dstAlg, "kms:ReEncryptOnSameKey": sameKey },
    ...(input.GrantTokens ? { grantTokens: input.GrantTokens } : {}),
    noThrottle: true,
  });
  checkAlgorithm(dst, dstAlg);
  rejectContextForAsymmetric(dst, dstEc);
  if (input.DryRun) throw dryRunSucceeded();
  const blob = Buffer.from(input.CiphertextBlob!.buffer, input.CiphertextBlob!.byteOffset, input.CiphertextBlob!.byteLength);
  const plain = await decryptWith(env, src.key, src.parsed, blob, srcAlg, input.SourceEncryptionContext);
  try {
    const out = await encryptWith(env, dst, plain.plaintext, dstAlg, dstEc);
    auditMaterial(ctx, { destinationKeyMaterialId: out.materialId, sourceKeyMaterialId: plain.materialId });
    noteUse(env, ctx, src.key, "ReEncrypt");
    noteUse(env, ctx, dst, "ReEncrypt");
    return {
      CiphertextBlob: out.blob,
      SourceKeyId: src.key.arn,
      KeyId: dst.arn,
      SourceEncryptionAlgorithm: srcAlg as ReEncryptResponse["SourceEncryptionAlgorithm"],
      DestinationEncryptionAlgorithm: dstAlg as ReEncryptResponse["DestinationEncryptionAlgorithm"],
      ...(plain.materialId !== undefined ? { SourceKeyMaterialId: plain.materialId } : {}),
      ...(out.materialId !== undefined ? { DestinationKeyMaterialId: out.materialId } : {}),
    };
  } finally {
    plain.plaintext.fill(0);
  }
}
