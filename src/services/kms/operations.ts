/** The KMS operation table: each wire operation, its SDK schema, and the domain function it calls. */
import * as sdk from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import type { OperationDefinition, StaticSchema } from "../types.js";
import * as aliases from "./aliases.js";
import * as asym from "./asymmetric-ops.js";
import * as cks from "./custom-key-stores.js";
import * as dataKeys from "./data-keys.js";
import * as deletion from "./deletion.js";
import * as enc from "./encrypt.js";
import type { KmsEnv } from "./env.js";
import * as grants from "./grants.js";
import * as imp from "./import-material.js";
import * as keys from "./keys.js";
import { getKeyLastUsage } from "./last-usage.js";
import * as mr from "./multi-region.js";
import * as policies from "./policies.js";
import * as rotation from "./rotation.js";
import * as tags from "./tags.js";
import { integerMembers } from "./validation.js";

type Domain<I, O> = (env: KmsEnv, ctx: RequestContext, input: I) => Promise<O>;

/** Cryptographic operations are data-plane reads in CloudTrail (readOnly true). */
const READ = { readOnly: true } as const;

export function buildOperations(env: KmsEnv): Record<string, OperationDefinition> {
  function op<I, O>(schema: StaticSchema, fn: Domain<I, O>, extra: Partial<OperationDefinition> = {}): OperationDefinition {
    return { schema, handler: (input: I | undefined, ctx: RequestContext) => fn(env, ctx, integerMembers(input ?? ({} as I))), ...extra };
  }
  function ctxOnly<I, O>(schema: StaticSchema, fn: (ctx: RequestContext, input: I) => Promise<O>, extra: Partial<OperationDefinition> = {}): OperationDefinition {
    return { schema, handler: (input: I | undefined, ctx: RequestContext) => fn(ctx, integerMembers(input ?? ({} as I))), ...extra };
  }
  return {
    CreateKey: op(sdk.CreateKey$, keys.createKey),
    DescribeKey: op(sdk.DescribeKey$, (e, c, i: { KeyId: string; GrantTokens?: string[] }) => keys.describeKey(e, c, i)),
    ListKeys: op(sdk.ListKeys$, keys.listKeys),
    UpdateKeyDescription: op(sdk.UpdateKeyDescription$, keys.updateKeyDescription),
    EnableKey: op(sdk.EnableKey$, keys.enableKey),
    DisableKey: op(sdk.DisableKey$, keys.disableKey),
    ScheduleKeyDeletion: op(sdk.ScheduleKeyDeletion$, deletion.scheduleKeyDeletion),
    CancelKeyDeletion: op(sdk.CancelKeyDeletion$, deletion.cancelKeyDeletion),
    GetKeyLastUsage: op(sdk.GetKeyLastUsage$, getKeyLastUsage),

    CreateAlias: op(sdk.CreateAlias$, aliases.createAlias),
    UpdateAlias: op(sdk.UpdateAlias$, aliases.updateAlias),
    DeleteAlias: op(sdk.DeleteAlias$, aliases.deleteAlias),
    ListAliases: op(sdk.ListAliases$, aliases.listAliases),

    TagResource: op(sdk.TagResource$, tags.tagResource),
    UntagResource: op(sdk.UntagResource$, tags.untagResource),
    ListResourceTags: op(sdk.ListResourceTags$, tags.listResourceTags),

    GetKeyPolicy: op(sdk.GetKeyPolicy$, policies.getKeyPolicy),
    PutKeyPolicy: op(sdk.PutKeyPolicy$, policies.putKeyPolicy),
    ListKeyPolicies: op(sdk.ListKeyPolicies$, policies.listKeyPolicies),

    CreateGrant: op(sdk.CreateGrant$, grants.createGrant),
    ListGrants: op(sdk.ListGrants$, grants.listGrants),
    ListRetirableGrants: op(sdk.ListRetirableGrants$, grants.listRetirableGrants),
    RetireGrant: op(sdk.RetireGrant$, grants.retireGrant),
    RevokeGrant: op(sdk.RevokeGrant$, grants.revokeGrant),

    EnableKeyRotation: op(sdk.EnableKeyRotation$, rotation.enableKeyRotation),
    DisableKeyRotation: op(sdk.DisableKeyRotation$, rotation.disableKeyRotation),
    GetKeyRotationStatus: op(sdk.GetKeyRotationStatus$, rotation.getKeyRotationStatus),
    RotateKeyOnDemand: op(sdk.RotateKeyOnDemand$, rotation.rotateKeyOnDemand),
    ListKeyRotations: op(sdk.ListKeyRotations$, rotation.listKeyRotations),

    Encrypt: op(sdk.Encrypt$, (e, c, i: enc.EncryptInput) => enc.encrypt(e, c, i), READ),
    Decrypt: op(sdk.Decrypt$, (e, c, i: enc.DecryptInput) => enc.decrypt(e, c, i), READ),
    ReEncrypt: op(sdk.ReEncrypt$, enc.reEncrypt, READ),
    GenerateDataKey: op(sdk.GenerateDataKey$, (e, c, i: dataKeys.GenerateDataKeyInput) => dataKeys.generateDataKey(e, c, i), READ),
    GenerateDataKeyWithoutPlaintext: op(sdk.GenerateDataKeyWithoutPlaintext$, dataKeys.generateDataKeyWithoutPlaintext, READ),
    GenerateDataKeyPair: op(sdk.GenerateDataKeyPair$, dataKeys.generateDataKeyPair, READ),
    GenerateDataKeyPairWithoutPlaintext: op(sdk.GenerateDataKeyPairWithoutPlaintext$, dataKeys.generateDataKeyPairWithoutPlaintext, READ),
    GenerateRandom: op(sdk.GenerateRandom$, dataKeys.generateRandom, READ),
    Sign: op(sdk.Sign$, asym.sign, READ),
    Verify: op(sdk.Verify$, asym.verify, READ),
    GenerateMac: op(sdk.GenerateMac$, asym.generateMac, READ),
    VerifyMac: op(sdk.VerifyMac$, asym.verifyMac, READ),
    GetPublicKey: op(sdk.GetPublicKey$, asym.getPublicKey),
    DeriveSharedSecret: op(sdk.DeriveSharedSecret$, asym.deriveSharedSecret, READ),
    Encapsulate: op(sdk.Encapsulate$, asym.encapsulate, READ),
    Decapsulate: op(sdk.Decapsulate$, asym.decapsulate, READ),

    ReplicateKey: op(sdk.ReplicateKey$, mr.replicateKey),
    UpdatePrimaryRegion: op(sdk.UpdatePrimaryRegion$, mr.updatePrimaryRegion),

    GetParametersForImport: op(sdk.GetParametersForImport$, imp.getParametersForImport),
    ImportKeyMaterial: op(sdk.ImportKeyMaterial$, imp.importKeyMaterial),
    DeleteImportedKeyMaterial: op(sdk.DeleteImportedKeyMaterial$, imp.deleteImportedKeyMaterial),

    CreateCustomKeyStore: ctxOnly(sdk.CreateCustomKeyStore$, cks.createCustomKeyStore),
    DescribeCustomKeyStores: ctxOnly(sdk.DescribeCustomKeyStores$, cks.describeCustomKeyStores),
    ConnectCustomKeyStore: ctxOnly(sdk.ConnectCustomKeyStore$, cks.storeOperation("ConnectCustomKeyStore")),
    DisconnectCustomKeyStore: ctxOnly(sdk.DisconnectCustomKeyStore$, cks.storeOperation("DisconnectCustomKeyStore")),
    DeleteCustomKeyStore: ctxOnly(sdk.DeleteCustomKeyStore$, cks.storeOperation("DeleteCustomKeyStore")),
    UpdateCustomKeyStore: ctxOnly(sdk.UpdateCustomKeyStore$, cks.storeOperation("UpdateCustomKeyStore")),
  };
}
