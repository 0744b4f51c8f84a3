/**
 * IAM OpenID Connect identity providers: the issuers whose ID tokens
 * sts:AssumeRoleWithWebIdentity accepts. One provider per issuer URL and account, keyed by
 * the URL without "https://" (host[/path]), which is also the ARN's resource part and the
 * prefix of the trust-policy condition keys (`<host/path>:aud`, `:sub`, `:amr`).
 *
 * Thumbprints are stored and returned as IAM does; they are optional (as in IAM today) and
 * not used for verification: Bulwark verifies the issuer's TLS certificate against the system
 * trust store plus the operator's CA file (BULWARK_OIDC_CA_FILE) instead.
 */
import type {
  AddClientIDToOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderResponse,
  DeleteOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderResponse,
  ListOpenIDConnectProvidersResponse,
  ListOpenIDConnectProviderTagsRequest,
  ListOpenIDConnectProviderTagsResponse,
  RemoveClientIDFromOpenIDConnectProviderRequest,
  TagOpenIDConnectProviderRequest,
  UntagOpenIDConnectProviderRequest,
  UpdateOpenIDConnectProviderThumbprintRequest,
} from "@aws-sdk/client-iam";
import type { DocStore } from "../../storage/types.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { constraintError, entityAlreadyExists, invalidInput, limitExceeded, noSuchEntity, quotaExceeded, validationError } from "./errors.js";
import { providerStore, refuseIdentityPropagation } from "./identity-providers.js";
import { COLLECTIONS, QUOTAS, type OidcProviderDoc } from "./model.js";
import { requestTagContext, sortedTags } from "./tags.js";
import { checkTags, required, validateMembers } from "./validation.js";

const PROVIDER_TYPE = "AWS::IAM::OIDCProvider";
const URL_MAX = 255;
const CLIENT_ID_MAX = 255;
const THUMBPRINT_LEN = 40;
const notFound = (arn: string) => noSuchEntity(`OpenId connect Provider ${arn} cannot be found.`);

const providers = providerStore<OidcProviderDoc>({
  collection: COLLECTIONS.oidcProviders,
  resourceType: PROVIDER_TYPE,
  arnType: "oidc-provider",
  arnField: "openIDConnectProviderArn",
  // OIDC providers answer a 51st tag with their own text.
  tagQuota: () => limitExceeded("The number of tags has reached the maximum limit."),
  notFound,
});

export function oidcProviderArnOf(p: OidcProviderDoc): string {
  return providers.arnOf(p.accountId, p.resource);
}

/** The stored provider for an issuer (host[/path], no scheme), for STS. */
export async function oidcProviderByResource(db: DocStore, accountId: string, resource: string): Promise<OidcProviderDoc | undefined> {
  return providers.byResource(db, accountId, resource);
}

/** Url's length (IAM does not echo the value). */
function checkUrlLength(value: string | undefined): string {
  const url = required(value, "url");
  if (url.length < 1) throw constraintError("url", "Member must have length greater than or equal to 1");
  if (url.length > URL_MAX) throw constraintError("url", `Member must have length less than or equal to ${URL_MAX}`);
  return url;
}

/** Url: https only, no query or fragment; returns host[/path] (what follows "https://"). */
function checkUrl(url: string): { url: string; resource: string } {
  const invalid = () => validationError("Invalid Open ID Connect Provider URL");
  if (!/^https:\/\//i.test(url)) throw invalid();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid();
  }
  if (parsed.search !== "" || parsed.hash !== "" || url.includes("?") || url.includes("#") || parsed.username !== "" || parsed.password !== "" || parsed.hostname === "") {
    throw invalid();
  }
  const resource = url.slice("https://".length);
  return { url, resource };
}

function checkClientIds(list: string[] | undefined, field = "clientIDList"): string[] {
  if (list === undefined) return [];
  // A bad item is reported on the list, with the item constraints, not echoed (as IAM does).
  if (list.some((c) => typeof c !== "string" || c.length < 1 || c.length > CLIENT_ID_MAX)) {
    throw constraintError(field, `Member must satisfy constraint: [Member must have length less than or equal to ${CLIENT_ID_MAX}, Member must have length greater than or equal to 1]`);
  }
  const unique = [...new Set(list)];
  if (unique.length > QUOTAS.clientIdsPerOidcProvider) throw quotaExceeded("ClientIdsPerOpenIdConnectProvider", QUOTAS.clientIdsPerOidcProvider);
  return unique;
}

function checkClientId(value: string | undefined, field: string): string {
  const v = required(value, field);
  if (v.length < 1) throw constraintError(field, "Member must have length greater than or equal to 1", v);
  if (v.length > CLIENT_ID_MAX) throw constraintError(field, `Member must have length less than or equal to ${CLIENT_ID_MAX}`, v);
  return v;
}

function checkThumbprints(list: string[] | undefined): string[] {
  if (list === undefined) return [];
  if (list.some((t) => typeof t !== "string" || t.length !== THUMBPRINT_LEN)) {
    throw constraintError(
      "thumbprintList",
      `Member must satisfy constraint: [Member must have length less than or equal to ${THUMBPRINT_LEN}, Member must have length greater than or equal to ${THUMBPRINT_LEN}]`,
    );
  }
  const unique = [...new Set(list.map((t) => t.toLowerCase()))];
  // IAM's own words for more than five ("fewer than" meaning at most five).
  if (unique.length > QUOTAS.thumbprintsPerOidcProvider) throw invalidInput(`Thumbprint list must contain fewer than ${QUOTAS.thumbprintsPerOidcProvider} entries.`);
  return unique;
}

export async function createOpenIDConnectProvider(
  env: IamEnv,
  caller: Caller,
  input: CreateOpenIDConnectProviderRequest,
): Promise<CreateOpenIDConnectProviderResponse> {
  // Every member's constraints first, all failures in one answer (IAM lists them by member name).
  const [clientIds, thumbprints, urlText, tags] = validateMembers(
    () => checkClientIds(input.ClientIDList),
    () => checkThumbprints(input.ThumbprintList),
    () => checkUrlLength(input.Url),
    () => checkTags(input.Tags, true),
  );
  const { url, resource } = checkUrl(urlText);
  const arn = providers.arnOf(caller.accountId, resource);
  await authorize(caller, "CreateOpenIDConnectProvider", arn, requestTagContext(tags));
  refuseIdentityPropagation(input);
  noteResource(caller, arn, PROVIDER_TYPE);
  const doc: OidcProviderDoc = { accountId: caller.accountId, resource, url, clientIds, thumbprints, createDate: caller.now, tags };
  await write(env, caller.accountId, async (tx) => {
    const existing = await tx.count(COLLECTIONS.oidcProviders, `${caller.accountId}/`);
    if (!(await tx.putIfAbsent<OidcProviderDoc>(COLLECTIONS.oidcProviders, `${caller.accountId}/${resource}`, doc))) {
      throw entityAlreadyExists(`Provider with url ${url} already exists.`);
    }
    if (existing >= QUOTAS.oidcProvidersPerAccount) throw quotaExceeded("OpenIdConnectProvidersPerAccount", QUOTAS.oidcProvidersPerAccount);
  });
  return { OpenIDConnectProviderArn: arn, ...(tags.length > 0 ? { Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {}) };
}

export async function getOpenIDConnectProvider(env: IamEnv, caller: Caller, input: GetOpenIDConnectProviderRequest): Promise<GetOpenIDConnectProviderResponse> {
  const { arn, doc } = await providers.authorizeOn(env, caller, "GetOpenIDConnectProvider", input.OpenIDConnectProviderArn);
  if (!doc) throw notFound(arn);
  return {
    // IAM reports the URL without its scheme.
    Url: doc.resource,
    ClientIDList: [...doc.clientIds],
    ThumbprintList: [...doc.thumbprints],
    CreateDate: new Date(doc.createDate),
    ...(doc.tags.length > 0 ? { Tags: sortedTags(doc.tags) } : {}),
  };
}

export async function listOpenIDConnectProviders(env: IamEnv, caller: Caller): Promise<ListOpenIDConnectProvidersResponse> {
  await authorize(caller, "ListOpenIDConnectProviders", "*");
  const entries = await env.store.list<OidcProviderDoc>(COLLECTIONS.oidcProviders, { prefix: `${caller.accountId}/` });
  return { OpenIDConnectProviderList: entries.map((e) => ({ Arn: oidcProviderArnOf(e.value) })) };
}

export async function deleteOpenIDConnectProvider(env: IamEnv, caller: Caller, input: DeleteOpenIDConnectProviderRequest): Promise<Record<string, never>> {
  const { arn } = await providers.authorizeOn(env, caller, "DeleteOpenIDConnectProvider", input.OpenIDConnectProviderArn);
  await providers.remove(env, caller, arn);
  return {};
}

export async function addClientIDToOpenIDConnectProvider(
  env: IamEnv,
  caller: Caller,
  input: AddClientIDToOpenIDConnectProviderRequest,
): Promise<Record<string, never>> {
  const clientId = checkClientId(input.ClientID, "clientID");
  const { arn } = await providers.authorizeOn(env, caller, "AddClientIDToOpenIDConnectProvider", input.OpenIDConnectProviderArn);
  await providers.update(env, caller, arn, (p) => {
    if (p.clientIds.includes(clientId)) return p; // adding an existing client id changes nothing
    if (p.clientIds.length >= QUOTAS.clientIdsPerOidcProvider) throw quotaExceeded("ClientIdsPerOpenIdConnectProvider", QUOTAS.clientIdsPerOidcProvider);
    return { ...p, clientIds: [...p.clientIds, clientId] };
  });
  return {};
}

export async function removeClientIDFromOpenIDConnectProvider(
  env: IamEnv,
  caller: Caller,
  input: RemoveClientIDFromOpenIDConnectProviderRequest,
): Promise<Record<string, never>> {
  const clientId = checkClientId(input.ClientID, "clientID");
  const { arn } = await providers.authorizeOn(env, caller, "RemoveClientIDFromOpenIDConnectProvider", input.OpenIDConnectProviderArn);
  // Removing a client id the provider does not list succeeds without change (as IAM documents).
  await providers.update(env, caller, arn, (p) => ({ ...p, clientIds: p.clientIds.filter((c) => c !== clientId) }));
  return {};
}

export async function updateOpenIDConnectProviderThumbprint(
  env: IamEnv,
  caller: Caller,
  input: UpdateOpenIDConnectProviderThumbprintRequest,
): Promise<Record<string, never>> {
  const thumbprints = checkThumbprints(required(input.ThumbprintList, "thumbprintList"));
  const { arn } = await providers.authorizeOn(env, caller, "UpdateOpenIDConnectProviderThumbprint", input.OpenIDConnectProviderArn);
  await providers.update(env, caller, arn, (p) => ({ ...p, thumbprints }));
  return {};
}

export async function tagOpenIDConnectProvider(env: IamEnv, caller: Caller, input: TagOpenIDConnectProviderRequest): Promise<Record<string, never>> {
  return providers.tag(env, caller, "TagOpenIDConnectProvider", input.OpenIDConnectProviderArn, input.Tags);
}

export async function untagOpenIDConnectProvider(env: IamEnv, caller: Caller, input: UntagOpenIDConnectProviderRequest): Promise<Record<string, never>> {
  return providers.untag(env, caller, "UntagOpenIDConnectProvider", input.OpenIDConnectProviderArn, input.TagKeys);
}

export async function listOpenIDConnectProviderTags(
  env: IamEnv,
  caller: Caller,
  input: ListOpenIDConnectProviderTagsRequest,
): Promise<ListOpenIDConnectProviderTagsResponse> {
  return providers.listTags(env, caller, "ListOpenIDConnectProviderTags", { arn: input.OpenIDConnectProviderArn, Marker: input.Marker, MaxItems: input.MaxItems });
}
