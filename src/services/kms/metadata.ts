/** KeyMetadata (DescribeKey, CreateKey, ReplicateKey) from a key record. */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { algorithmsForUsage } from "./crypto/index.js";
import { allAssociatedImported, keyArnOf, type KeyRecord } from "./model.js";

/** The deprecated CustomerMasterKeySpec enum: the key specs it can name (no ML-DSA, ML-KEM or Edwards-curve specs). */
export const CMK_SPECS: readonly string[] = ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2"];

/** CustomerMasterKeySpec for a key spec, absent when the deprecated enum has no such value. */
export function customerMasterKeySpecOf(keySpec: string): { CustomerMasterKeySpec?: KeyMetadata["CustomerMasterKeySpec"] } {
  return CMK_SPECS.includes(keySpec) ? { CustomerMasterKeySpec: keySpec as KeyMetadata["CustomerMasterKeySpec"] } : {};
}

/** The multi-Region layout as the primary knows it (its own Region and its replicas). */
export interface MultiRegionView {
  primaryRegion: string;
  replicaRegions: readonly string[];
}

export function currentMaterial(key: KeyRecord) {
  return key.materials.find((m) => m.id === key.currentMaterialId);
}

export function keyMetadata(key: KeyRecord, mr?: MultiRegionView): KeyMetadata {
  const algs = algorithmsForUsage(key.keySpec, key.keyUsage);
  const md: KeyMetadata = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: key.state === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    Origin: key.origin,
    KeyManager: key.manager,
    ...customerMasterKeySpecOf(key.keySpec),
    KeySpec: key.keySpec,
    MultiRegion: key.multiRegion,
  };
  if (key.deletionDate !== undefined && key.state === "PendingDeletion") md.DeletionDate = new Date(key.deletionDate);
  if (key.state === "PendingReplicaDeletion" && key.pendingWindowInDays !== undefined) md.PendingDeletionWindowInDays = key.pendingWindowInDays;
  if (algs.encryptionAlgorithms) md.EncryptionAlgorithms = [...algs.encryptionAlgorithms];
  if (algs.signingAlgorithms) md.SigningAlgorithms = [...algs.signingAlgorithms];
  if (algs.macAlgorithms) md.MacAlgorithms = [...algs.macAlgorithms];
  if (algs.keyAgreementAlgorithms) md.KeyAgreementAlgorithms = [...algs.keyAgreementAlgorithms];
  if (algs.encapsulationAlgorithms) md.EncapsulationAlgorithms = [...algs.encapsulationAlgorithms];
  // ValidTo: "The earliest time at which any imported key material permanently associated with
  // this KMS key expires" (KeyMetadata); the key's material expires when any of it does.
  if (key.origin === "EXTERNAL" && allAssociatedImported(key.materials)) {
    let validTo: number | undefined;
    for (const m of key.materials) {
      if (m.state !== "PENDING_ROTATION" && m.validTo !== undefined && (validTo === undefined || m.validTo < validTo)) validTo = m.validTo;
    }
    md.ExpirationModel = validTo !== undefined ? "KEY_MATERIAL_EXPIRES" : "KEY_MATERIAL_DOES_NOT_EXPIRE";
    if (validTo !== undefined) md.ValidTo = new Date(validTo);
  }
  // "This value is present for symmetric encryption keys with AWS_KMS origin and single-Region,
  // symmetric encryption keys with EXTERNAL origin" (KeyMetadata, CurrentKeyMaterialId).
  const tracksMaterial = key.origin === "AWS_KMS" || (key.origin === "EXTERNAL" && !key.multiRegion);
  if (key.keySpec === "SYMMETRIC_DEFAULT" && tracksMaterial && key.currentMaterialId !== undefined && key.state !== "PendingImport") md.CurrentKeyMaterialId = key.currentMaterialId;
  if (key.multiRegion && mr) {
    const isPrimary = key.region === mr.primaryRegion;
    md.MultiRegionConfiguration = {
      MultiRegionKeyType: isPrimary ? "PRIMARY" : "REPLICA",
      PrimaryKey: { Arn: keyArnOf(key.accountId, mr.primaryRegion, key.keyId), Region: mr.primaryRegion },
      ReplicaKeys: mr.replicaRegions.map((r) => ({ Arn: keyArnOf(key.accountId, r, key.keyId), Region: r })),
    };
  }
  return md;
}
