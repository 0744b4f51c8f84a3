/**
 * What the KMS service stores. Every document key begins with `<account>/<region>/`.
 *
 *   kms-keys       <acct>/<region>/<keyId>                 KeyRecord (metadata, policy, tags, rotation, material list)
 *   kms-material   <acct>/<region>/<keyId>/<materialId>    MaterialDoc (sealed key material, never in clear)
 *   kms-aliases    <acct>/<region>/<aliasName>             AliasRecord
 *   kms-grants     <acct>/<region>/<keyId>/<grantId>       GrantRecord
 *   kms-usage      <acct>/<region>/<keyId>                 KeyUsageRecord (GetKeyLastUsage; flushed in batches)
 *   kms-key-index  <keyId>/<region>                        { accountId } (key ids are unique; not scoped by design)
 *   kms-retirable  <principal's acct>/<region>/<retiring principal>|<keyArn>/<grantId>
 *                                                          GrantRecord (a copy: grants never change), written and
 *                                                          deleted with the grant; what ListRetirableGrants reads
 */
import type { KeySpec, KeyUsage } from "./crypto/index.js";
import { arn } from "../../core/partition.js";

export const COLLECTIONS = {
  keys: "kms-keys",
  material: "kms-material",
  aliases: "kms-aliases",
  grants: "kms-grants",
  usage: "kms-usage",
  /** <keyId>/<region> → owning account: finds the key of a blob decrypted cross-account without KeyId. */
  keyIndex: "kms-key-index",
  /** Grants by retiring principal (see retirableDocKey). */
  retirable: "kms-retirable",
} as const;

export type KeyState = "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport" | "PendingReplicaDeletion" | "Unavailable" | "Creating" | "Updating";
export type Origin = "AWS_KMS" | "EXTERNAL" | "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE";
export type ExpirationModel = "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";

/** One key material version of a key (ListKeyRotations shows them). */
export interface MaterialInfo {
  id: string;
  /** When it was generated or first imported, epoch ms. */
  createdAt: number;
  /** When it became current through a rotation (absent for the first material). */
  rotatedAt?: number;
  rotationType?: "AUTOMATIC" | "ON_DEMAND";
  state: "CURRENT" | "NON_CURRENT" | "PENDING_ROTATION";
  /** Imported material only. */
  importState?: "IMPORTED" | "PENDING_IMPORT";
  expirationModel?: ExpirationModel;
  validTo?: number;
  description?: string;
}

/**
 * Whether every material version permanently associated with an imported-material key (all but
 * those pending rotation) is imported. Such a key is usable only then: "Deletion or expiration of
 * any permanently associated key material changes the key state to Pending import" (KMS developer
 * guide, "Delete imported key material").
 */
export function allAssociatedImported(materials: readonly MaterialInfo[]): boolean {
  let any = false;
  for (const m of materials) {
    if (m.state === "PENDING_ROTATION") continue;
    if (m.importState !== "IMPORTED") return false;
    any = true;
  }
  return any;
}

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface RotationState {
  enabled: boolean;
  periodDays?: number;
  nextRotationAt?: number;
  onDemandStartedAt?: number;
  /** On-demand rotations so far (limited per key). */
  onDemandCount: number;
}

export interface KeyRecord {
  keyId: string;
  accountId: string;
  region: string;
  arn: string;
  createdAt: number;
  description: string;
  keyUsage: KeyUsage;
  keySpec: KeySpec;
  origin: Origin;
  state: KeyState;
  deletionDate?: number;
  pendingWindowInDays?: number;
  /** Key policy text (GetKeyPolicy returns it as stored). */
  policy: string;
  /** Unique ids of the IAM users / roles the key policy named by ARN when it was set (policies.ts). */
  policyPrincipalIds?: Record<string, string>;
  tags: Tag[];
  manager: "CUSTOMER" | "AWS";
  multiRegion: boolean;
  /** Multi-Region keys: which Region holds the primary, and (on the primary) the replicas. */
  primaryRegion?: string;
  replicaRegions?: string[];
  rotation: RotationState;
  /** Material versions, oldest first. Material is never deleted while the key exists (except imported material, by request or expiry). */
  materials: MaterialInfo[];
  currentMaterialId?: string;
  /** Bumped on every write; cache entries compare it. */
  version: number;
}

export interface MaterialDoc {
  /** Sealer output (base64), aad = materialAad(keyArn, materialId). */
  sealed: string;
}

export interface AliasRecord {
  aliasName: string;
  aliasArn: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export interface GrantConstraintsRecord {
  EncryptionContextSubset?: Record<string, string>;
  EncryptionContextEquals?: Record<string, string>;
}

export interface GrantRecord {
  grantId: string;
  keyId: string;
  keyArn: string;
  name?: string;
  createdAt: number;
  /** The grantee: an IAM principal's ARN or, for a grant to an AWS service, its service principal (`granteeIsService`). */
  granteePrincipal: string;
  granteeIsService?: true;
  retiringPrincipal?: string;
  retiringIsService?: true;
  /** Account that created the grant. */
  issuingAccount: string;
  operations: string[];
  constraints?: GrantConstraintsRecord;
  /** The SourceArn grant constraint (grants to AWS service principals). */
  sourceArn?: string;
}

export interface KeyUsageRecord {
  operation: string;
  timestamp: number;
  requestId: string;
}

export function keyDocKey(accountId: string, region: string, keyId: string): string {
  return `${accountId}/${region}/${keyId}`;
}

/** The account of a principal's ARN (IAM user, role or root; STS session). */
const PRINCIPAL_ACCOUNT = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/;

/**
 * A grant's entry in kms-retirable, or undefined when no IAM principal may list it as retirable
 * (no retiring principal, or a service principal). Keyed by the retiring principal's account and
 * the key's Region, then the principal ("|" cannot occur in one), then the position
 * ListRetirableGrants pages by, so one principal's grants are one ordered range of keys.
 */
export function retirableDocKey(region: string, g: GrantRecord): string | undefined {
  if (g.retiringPrincipal === undefined || g.retiringIsService === true) return undefined;
  const account = PRINCIPAL_ACCOUNT.exec(g.retiringPrincipal)?.[1];
  return account === undefined ? undefined : `${retirablePrefix(account, region, g.retiringPrincipal)}${retirablePosition(g)}`;
}

export function retirablePrefix(account: string, region: string, principal: string): string {
  return `${account}/${region}/${principal}|`;
}

/** Where a grant sits in ListRetirableGrants' order (and what its markers carry). */
export function retirablePosition(g: Pick<GrantRecord, "keyArn" | "grantId">): string {
  return `${g.keyArn}/${g.grantId}`;
}

export function keyArnOf(accountId: string, region: string, keyId: string): string {
  return arn("kms", region, accountId, `key/${keyId}`);
}

export function aliasArnOf(accountId: string, region: string, aliasName: string): string {
  return arn("kms", region, accountId, aliasName);
}

/** AAD of sealed key material: binds the key ARN and material id, so a copied blob opens nowhere else. */
export function materialAad(keyArn: string, materialId: string): string {
  return `kms/key-material/${keyArn}/${materialId}`;
}

