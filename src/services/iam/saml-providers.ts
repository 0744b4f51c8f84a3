/**
 * IAM SAML 2.0 identity providers: the IdPs whose assertions sts:AssumeRoleWithSAML accepts.
 * One provider per name and account, keyed `<accountId>/<name>`; its ARN
 * `arn:<partition>:iam::<account>:saml-provider/<name>` is the trust-policy principal
 * {"Federated": <ARN>} and the second half of the assertion's Role attribute pairs.
 *
 * The metadata document is stored as uploaded; its entityID and signing certificates are
 * parsed once (./saml-metadata.ts) and kept beside it. Private keys for encrypted assertions
 * are validated with node:crypto, sealed with the root key and never returned: the API
 * lists only their KeyIds and upload times.
 */
import type {
  CreateSAMLProviderRequest,
  CreateSAMLProviderResponse,
  DeleteSAMLProviderRequest,
  GetSAMLProviderRequest,
  GetSAMLProviderResponse,
  ListSAMLProvidersResponse,
  ListSAMLProviderTagsRequest,
  ListSAMLProviderTagsResponse,
  TagSAMLProviderRequest,
  UntagSAMLProviderRequest,
  UpdateSAMLProviderRequest,
  UpdateSAMLProviderResponse,
} from "@aws-sdk/client-iam";
import { createPrivateKey } from "node:crypto";
import { randomSamlId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import type { SamlProviderRecord } from "./api.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { constraintError, entityAlreadyExists, invalidInput, noSuchEntity, quotaExceeded } from "./errors.js";
import { providerStore, refuseIdentityPropagation } from "./identity-providers.js";
import { COLLECTIONS, QUOTAS, samlPrivateKeyAad, type SamlPrivateKeyDoc, type SamlProviderDoc } from "./model.js";
import { holdsPemPrivateKey } from "./pem.js";
import { parseSamlMetadata } from "./saml-metadata.js";
import { requestTagContext, sortedTags } from "./tags.js";
import { checkTags, lengthBetween, required, stringConstraints, validateMembers } from "./validation.js";
import { arnPattern } from "../../core/partition.js";

const SAML_PROVIDER_ARN = arnPattern(/^arn:aws:iam::(\d{12}):saml-provider\//);

const PROVIDER_TYPE = "AWS::IAM::SAMLProvider";
const NAME_RE = /^[\w._-]+$/;
const KEY_ID_RE = /^[A-Z0-9]+$/;
const PRIVATE_KEY_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
/** Metadata without a validUntil: IAM reports the provider valid for 100 years from when the metadata was uploaded. */
const DEFAULT_VALIDITY_YEARS = 100;

// IAM's wording for a provider ARN that names nothing (as IAM answers GetSAMLProvider).
const notFound = (arn: string) => noSuchEntity(`Manifest not found for arn ${arn}`);

const providers = providerStore<SamlProviderDoc>({
  collection: COLLECTIONS.samlProviders,
  resourceType: PROVIDER_TYPE,
  arnType: "saml-provider",
  arnField: "sAMLProviderArn",
  tagQuota: "TagsPerSAMLProvider",
  notFound,
});

export function samlProviderArnOf(p: SamlProviderDoc): string {
  return providers.arnOf(p.accountId, p.name);
}

function checkProviderName(value: string | undefined): string {
  const v = required(value, "name");
  stringConstraints(v, "name", 1, 128, { re: NAME_RE, text: "[\\w._-]+" });
  return v;
}

function checkMetadataDocument(value: string, field = "sAMLMetadataDocument"): string {
  // A private key pasted with, or in place of, the metadata is never echoed.
  lengthBetween(value, field, 1000, 10_000_000, holdsPemPrivateKey(value));
  return value;
}

function checkEncryptionMode(value: string | undefined): "Allowed" | "Required" | undefined {
  if (value === undefined) return undefined;
  if (value !== "Allowed" && value !== "Required") {
    throw constraintError("assertionEncryptionMode", "Member must satisfy enum value set: [Required, Allowed]", value);
  }
  return value;
}

function checkKeyId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  stringConstraints(value, "removePrivateKey", 22, 64, { re: KEY_ID_RE, text: "[A-Z0-9]+" });
  return value;
}

/**
 * AddPrivateKey: a PEM RSA private key (the key transport of XML encryption is RSA-OAEP).
 * Length and pattern are the model's; the value itself is never echoed.
 */
function checkPrivateKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  stringConstraints(value, "addPrivateKey", 1, 16384, { re: PRIVATE_KEY_RE, text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" }, true);
  let ok = false;
  try {
    ok = createPrivateKey({ key: value, format: "pem" }).asymmetricKeyType === "rsa";
  } catch {
    ok = false;
  }
  // Not documented word for word; worded like IAM's other InvalidInput messages.
  if (!ok) throw invalidInput("The private key is not a valid PEM-encoded RSA private key.");
  return value;
}

function sealKey(env: IamEnv, uuid: string, pem: string, now: number): SamlPrivateKeyDoc {
  const keyId = randomSamlId();
  return { keyId, uploadDate: now, sealedKey: env.sealer.sealToString(pem, samlPrivateKeyAad(uuid, keyId)) };
}

function validUntilOf(metadataValidUntil: number | undefined, now: number): number {
  if (metadataValidUntil !== undefined) return metadataValidUntil;
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() + DEFAULT_VALIDITY_YEARS);
  return d.getTime();
}

// Encryption "Required" with no key to decrypt with would refuse every assertion.
const requiredWithoutKey = () => invalidInput("AssertionEncryptionMode Required needs at least one private key.");

export async function createSAMLProvider(env: IamEnv, caller: Caller, input: CreateSAMLProviderRequest): Promise<CreateSAMLProviderResponse> {
  const [document, name, tags, mode, privateKey] = validateMembers(
    () => checkMetadataDocument(required(input.SAMLMetadataDocument, "sAMLMetadataDocument")),
    () => checkProviderName(input.Name),
    () => checkTags(input.Tags, true),
    () => checkEncryptionMode(input.AssertionEncryptionMode) ?? "Allowed",
    () => checkPrivateKey(input.AddPrivateKey),
  );
  const metadata = parseSamlMetadata(document);
  if (mode === "Required" && privateKey === undefined) throw requiredWithoutKey();
  const arn = providers.arnOf(caller.accountId, name);
  await authorize(caller, "CreateSAMLProvider", arn, requestTagContext(tags));
  refuseIdentityPropagation(input);
  noteResource(caller, arn, PROVIDER_TYPE);
  const uuid = randomSamlId();
  const doc: SamlProviderDoc = {
    accountId: caller.accountId,
    name,
    uuid,
    metadataDocument: document,
    entityId: metadata.entityId,
    certificates: metadata.signingCertificates,
    validUntil: validUntilOf(metadata.validUntil, caller.now),
    createDate: caller.now,
    tags,
    assertionEncryptionMode: mode,
    privateKeys: privateKey !== undefined ? [sealKey(env, uuid, privateKey, caller.now)] : [],
  };
  await write(env, caller.accountId, async (tx) => {
    const existing = await tx.count(COLLECTIONS.samlProviders, `${caller.accountId}/`);
    // Not documented word for word; worded like IAM's other EntityAlreadyExists messages.
    if (!(await tx.putIfAbsent<SamlProviderDoc>(COLLECTIONS.samlProviders, `${caller.accountId}/${name}`, doc))) {
      throw entityAlreadyExists(`SAMLProvider with name ${name} already exists.`);
    }
    if (existing >= QUOTAS.samlProvidersPerAccount) throw quotaExceeded("SAMLProvidersPerAccount", QUOTAS.samlProvidersPerAccount);
  });
  return { SAMLProviderArn: arn, ...(tags.length > 0 ? { Tags: sortedTags(tags) } : {}) };
}

export async function getSAMLProvider(env: IamEnv, caller: Caller, input: GetSAMLProviderRequest): Promise<GetSAMLProviderResponse> {
  const { arn, doc } = await providers.authorizeOn(env, caller, "GetSAMLProvider", input.SAMLProviderArn);
  if (!doc) throw notFound(arn);
  return {
    SAMLProviderUUID: doc.uuid,
    SAMLMetadataDocument: doc.metadataDocument,
    CreateDate: new Date(doc.createDate),
    ValidUntil: new Date(doc.validUntil),
    // Both lists always, empty or not, as IAM returns them.
    Tags: sortedTags(doc.tags),
    AssertionEncryptionMode: doc.assertionEncryptionMode,
    PrivateKeyList: doc.privateKeys.map((k) => ({ KeyId: k.keyId, Timestamp: new Date(k.uploadDate) })),
  };
}

export async function listSAMLProviders(env: IamEnv, caller: Caller): Promise<ListSAMLProvidersResponse> {
  await authorize(caller, "ListSAMLProviders", "*");
  const entries = await env.store.list<SamlProviderDoc>(COLLECTIONS.samlProviders, { prefix: `${caller.accountId}/` });
  return {
    SAMLProviderList: entries.map((e) => ({ Arn: samlProviderArnOf(e.value), ValidUntil: new Date(e.value.validUntil), CreateDate: new Date(e.value.createDate) })),
  };
}

export async function updateSAMLProvider(env: IamEnv, caller: Caller, input: UpdateSAMLProviderRequest): Promise<UpdateSAMLProviderResponse> {
  const [document, mode, privateKey, removeKeyId] = validateMembers(
    () => input.SAMLMetadataDocument !== undefined ? checkMetadataDocument(input.SAMLMetadataDocument) : undefined,
    () => checkEncryptionMode(input.AssertionEncryptionMode),
    () => checkPrivateKey(input.AddPrivateKey),
    () => checkKeyId(input.RemovePrivateKey),
  );
  const metadata = document !== undefined ? parseSamlMetadata(document) : undefined;
  const { arn } = await providers.authorizeOn(env, caller, "UpdateSAMLProvider", input.SAMLProviderArn);
  refuseIdentityPropagation(input);
  await providers.update(env, caller, arn, (p) => {
    let keys = p.privateKeys;
    if (removeKeyId !== undefined) {
      // Not documented word for word; worded like IAM's other InvalidInput messages.
      if (!keys.some((k) => k.keyId === removeKeyId)) throw invalidInput(`The private key with KeyId ${removeKeyId} does not exist for this SAML provider.`);
      keys = keys.filter((k) => k.keyId !== removeKeyId);
    }
    if (privateKey !== undefined) {
      if (keys.length >= QUOTAS.privateKeysPerSamlProvider) throw quotaExceeded("PrivateKeysPerSAMLProvider", QUOTAS.privateKeysPerSamlProvider);
      keys = [...keys, sealKey(env, p.uuid, privateKey, caller.now)];
    }
    const nextMode = mode ?? p.assertionEncryptionMode;
    if (nextMode === "Required" && keys.length === 0) throw requiredWithoutKey();
    return {
      ...p,
      ...(document !== undefined && metadata !== undefined
        ? { metadataDocument: document, entityId: metadata.entityId, certificates: metadata.signingCertificates, validUntil: validUntilOf(metadata.validUntil, caller.now) }
        : {}),
      assertionEncryptionMode: nextMode,
      privateKeys: keys,
    };
  });
  return { SAMLProviderArn: arn };
}

export async function deleteSAMLProvider(env: IamEnv, caller: Caller, input: DeleteSAMLProviderRequest): Promise<Record<string, never>> {
  const { arn } = await providers.authorizeOn(env, caller, "DeleteSAMLProvider", input.SAMLProviderArn);
  await providers.remove(env, caller, arn);
  return {};
}

export async function tagSAMLProvider(env: IamEnv, caller: Caller, input: TagSAMLProviderRequest): Promise<Record<string, never>> {
  return providers.tag(env, caller, "TagSAMLProvider", input.SAMLProviderArn, input.Tags);
}

export async function untagSAMLProvider(env: IamEnv, caller: Caller, input: UntagSAMLProviderRequest): Promise<Record<string, never>> {
  return providers.untag(env, caller, "UntagSAMLProvider", input.SAMLProviderArn, input.TagKeys);
}

export async function listSAMLProviderTags(env: IamEnv, caller: Caller, input: ListSAMLProviderTagsRequest): Promise<ListSAMLProviderTagsResponse> {
  return providers.listTags(env, caller, "ListSAMLProviderTags", { arn: input.SAMLProviderArn, Marker: input.Marker, MaxItems: input.MaxItems });
}

/** The provider an ARN names, with its private keys unsealed, for STS (AssumeRoleWithSAML). */
export async function samlProviderRecord(env: IamEnv, db: DocStore, arn: string): Promise<SamlProviderRecord | undefined> {
  const m = SAML_PROVIDER_ARN.exec(arn);
  const p = m ? await providers.byArn(db, m[1] as string, arn) : undefined;
  if (!p) return undefined;
  return {
    accountId: p.accountId,
    arn: samlProviderArnOf(p),
    name: p.name,
    uuid: p.uuid,
    entityId: p.entityId,
    certificates: [...p.certificates],
    validUntil: p.validUntil,
    assertionEncryptionMode: p.assertionEncryptionMode,
    privateKeys: p.privateKeys.map((k) => env.sealer.unsealString(k.sealedKey, samlPrivateKeyAad(p.uuid, k.keyId)).toString("utf8")),
  };
}
