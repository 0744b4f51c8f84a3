/**
 * IAM server certificates (account-level, not per user): a certificate, its private key and
 * an optional chain, checked with node:crypto at upload. The certificate must be valid at
 * the time of upload, the key unencrypted and the one the certificate certifies, and each
 * chain certificate must have signed the one before it. The private key is sealed with the
 * root key (aad `iam/server-certificate-key/<id>`) and no operation returns it; the input
 * member is sensitive, so CloudTrail shows it hidden. Server certificates are not identities:
 * writes do not invalidate the directory's caches.
 *
 * ELBv2's HTTPS listeners present them (server-certificate-view.ts is what ELBv2 reads); a
 * certificate a listener uses cannot be deleted (DeleteConflict naming the load balancer).
 * A listener refers to the certificate by its ServerCertificateId, so renaming or moving it
 * with UpdateServerCertificate does not take it off the listeners that present it.
 */
import type {
  DeleteServerCertificateRequest,
  GetServerCertificateRequest,
  GetServerCertificateResponse,
  ListServerCertificatesRequest,
  ListServerCertificatesResponse,
  ListServerCertificateTagsRequest,
  ListServerCertificateTagsResponse,
  ServerCertificateMetadata,
  TagServerCertificateRequest,
  UntagServerCertificateRequest,
  UpdateServerCertificateRequest,
  UploadServerCertificateRequest,
  UploadServerCertificateResponse,
} from "@aws-sdk/client-iam";
import type { KeyObject } from "node:crypto";
import type { ConditionContext } from "../../core/types.js";
import { randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { serverCertificateArn } from "./arn.js";
import { authorize, noteResource, type Caller, type IamEnv } from "./env.js";
import { keyPairMismatch, noSuchServerCertificate, quotaExceeded, serverCertificateExists, serverCertificateInUse } from "./errors.js";
import { COLLECTIONS, QUOTAS, serverCertificateKeyAad, type NameIndexDoc, type ServerCertificateDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { checkPemText, keyMatchesCertificate, malformedCertificate, parsePemCertificate, parsePemCertificates, parsePemPrivateKey, type ParsedCertificate } from "./pem.js";
import { serverCertificates } from "./repo.js";
import { mergeTags, removeTags, requestTagContext, resourceTagContext, sortedTags } from "./tags.js";
import { checkMarker, checkMaxItems, checkName, checkPath, checkPathPrefix, checkTagKeys, checkTags, required, validateMembers } from "./validation.js";

const SERVER_CERTIFICATE_TYPE = "AWS::IAM::ServerCertificate";
const BODY_MAX = 16384;
const PRIVATE_KEY_MAX = 16384;
const CHAIN_MAX = 2097152;

/**
 * Key algorithms and sizes accepted: RSA keys of 1024 to 4096 bits and ECDSA keys on the NIST
 * P-256, P-384 and P-521 curves, the ones AWS documents for certificates its services present.
 */
const RSA_BITS = { min: 1024, max: 4096 } as const;
const EC_CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);

/** Throws MalformedCertificate unless the key is an RSA or ECDSA key IAM accepts. */
export function checkKeyAlgorithm(key: KeyObject): void {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "rsa") {
    const bits = d?.modulusLength ?? 0;
    if (bits < RSA_BITS.min || bits > RSA_BITS.max) {
      // Message not in the IAM documentation.
      throw malformedCertificate(`The RSA key is ${bits} bits long; keys of ${RSA_BITS.min} to ${RSA_BITS.max} bits are supported.`);
    }
    return;
  }
  if (key.asymmetricKeyType === "ec" && d?.namedCurve !== undefined && EC_CURVES.has(d.namedCurve)) return;
  // Message not in the IAM documentation.
  throw malformedCertificate(`Unsupported key algorithm ${key.asymmetricKeyType ?? "unknown"}${d?.namedCurve ? ` (${d.namedCurve})` : ""}: RSA and ECDSA (P-256, P-384, P-521) keys are supported.`);
}

/** The certificate must be valid now: not before its notBefore, not after its notAfter. */
export function checkValidity(c: ParsedCertificate, now: number): void {
  // Messages not in the IAM documentation.
  if (!(c.notBefore <= now)) throw malformedCertificate(`The certificate is not valid before ${new Date(c.notBefore).toISOString()}.`);
  if (!(now <= c.notAfter)) throw malformedCertificate(`The certificate expired on ${new Date(c.notAfter).toISOString()}.`);
}

/**
 * The chain must start with the certificate that signed the body's certificate, each next one
 * having signed the one before (a root at the end is allowed, not required).
 */
export function checkChain(cert: ParsedCertificate, chain: readonly ParsedCertificate[]): void {
  let child = cert.cert;
  chain.forEach((parent, index) => {
    if (!child.checkIssued(parent.cert) || !child.verify(parent.cert.publicKey)) {
      throw malformedCertificate(
        "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. " +
          `The index within the chain of the invalid certificate is: ${index}`,
      );
    }
    child = parent.cert;
  });
}

/** Parses and checks an upload's certificate, key and chain; returns the certificate's expiry. */
export function checkServerCertificate(body: string, privateKey: string, chain: string | undefined, now: number): { expiration: number } {
  const cert = parsePemCertificate(body);
  checkValidity(cert, now);
  const key = parsePemPrivateKey(privateKey);
  checkKeyAlgorithm(key);
  if (!keyMatchesCertificate(key, cert.cert)) throw keyPairMismatch();
  if (chain !== undefined) checkChain(cert, parsePemCertificates(chain));
  return { expiration: cert.notAfter };
}

export function serverCertificateArnOf(c: ServerCertificateDoc): string {
  return serverCertificateArn(c.accountId, c.path, c.name);
}

function metadataView(c: ServerCertificateDoc): ServerCertificateMetadata {
  return {
    Path: c.path,
    ServerCertificateName: c.name,
    ServerCertificateId: c.serverCertificateId,
    Arn: serverCertificateArnOf(c),
    UploadDate: new Date(c.uploadDate),
    Expiration: new Date(c.expiration),
  };
}

/** Reads the certificate (outside any transaction) so authorisation sees its real ARN and tags. */
async function authorizeOnCertificate(
  env: IamEnv,
  caller: Caller,
  action: string,
  name: string,
  context?: ConditionContext,
): Promise<ServerCertificateDoc | undefined> {
  const c = await serverCertificates.byName(env.store, caller.accountId, name);
  const arn = c ? serverCertificateArnOf(c) : serverCertificateArn(caller.accountId, "/", name);
  await authorize(caller, action, arn, { ...resourceTagContext(c?.tags), ...context });
  noteResource(caller, arn, SERVER_CERTIFICATE_TYPE);
  return c;
}

async function mustCertificate(db: DocStore, accountId: string, name: string): Promise<ServerCertificateDoc> {
  const c = await serverCertificates.byName(db, accountId, name);
  if (!c) throw noSuchServerCertificate(name);
  return c;
}

const checkCertificateName = (value: string | undefined, field = "serverCertificateName"): string => checkName(value, field, 128);

export async function uploadServerCertificate(env: IamEnv, caller: Caller, input: UploadServerCertificateRequest): Promise<UploadServerCertificateResponse> {
  const [path, name, body, privateKey, chain, tags] = validateMembers(
    () => checkPath(input.Path),
    () => checkCertificateName(input.ServerCertificateName),
    () => checkPemText(input.CertificateBody, "certificateBody", BODY_MAX),
    () => checkPemText(input.PrivateKey, "privateKey", PRIVATE_KEY_MAX),
    () => input.CertificateChain !== undefined ? checkPemText(input.CertificateChain, "certificateChain", CHAIN_MAX) : undefined,
    () => checkTags(input.Tags, true),
  );
  const arn = serverCertificateArn(caller.accountId, path, name);
  await authorize(caller, "UploadServerCertificate", arn, requestTagContext(tags));
  noteResource(caller, arn, SERVER_CERTIFICATE_TYPE);
  const { expiration } = checkServerCertificate(body, privateKey, chain, caller.now);
  const serverCertificateId = randomUniqueId("ASCA");
  const doc: ServerCertificateDoc = {
    accountId: caller.accountId,
    serverCertificateId,
    name,
    path,
    body,
    ...(chain !== undefined ? { chain } : {}),
    sealedPrivateKey: env.sealer.sealToString(privateKey, serverCertificateKeyAad(serverCertificateId)),
    uploadDate: caller.now,
    expiration,
    tags,
  };
  await env.store.transaction(async (tx) => {
    if ((await tx.count(COLLECTIONS.serverCertificates, `${caller.accountId}/`)) >= QUOTAS.serverCertificatesPerAccount) {
      throw quotaExceeded("ServerCertificatesPerAccount", QUOTAS.serverCertificatesPerAccount);
    }
    if (!(await serverCertificates.insert(tx, doc))) throw serverCertificateExists(name);
  });
  return { ServerCertificateMetadata: metadataView(doc), ...(tags.length > 0 ? { Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {}) };
}

export async function getServerCertificate(env: IamEnv, caller: Caller, input: GetServerCertificateRequest): Promise<GetServerCertificateResponse> {
  const name = checkCertificateName(input.ServerCertificateName);
  const c = await authorizeOnCertificate(env, caller, "GetServerCertificate", name);
  if (!c) throw noSuchServerCertificate(name);
  return {
    ServerCertificate: {
      ServerCertificateMetadata: metadataView(c),
      CertificateBody: c.body,
      ...(c.chain !== undefined ? { CertificateChain: c.chain } : {}),
      // Tags always, empty or not, as IAM returns them.
      Tags: sortedTags(c.tags),
    },
  };
}

export async function listServerCertificates(env: IamEnv, caller: Caller, input: ListServerCertificatesRequest): Promise<ListServerCertificatesResponse> {
  const [prefix, marker, max] = validateMembers(() => checkPathPrefix(input.PathPrefix), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  // No resource type for this action (Service Authorization Reference): authorised on "*".
  await authorize(caller, "ListServerCertificates", "*");
  const page = await paginateCollection<NameIndexDoc>("ListServerCertificates", env.store, COLLECTIONS.serverCertificateNames, `${caller.accountId}/`, marker, max, (e) =>
    e.path.startsWith(prefix),
  );
  const docs = await Promise.all(page.items.map((e) => serverCertificates.byId(env.store, caller.accountId, e.value.id)));
  return { ServerCertificateMetadataList: docs.filter((c): c is ServerCertificateDoc => c !== undefined).map(metadataView), ...pageFields(page) };
}

export async function updateServerCertificate(env: IamEnv, caller: Caller, input: UpdateServerCertificateRequest): Promise<Record<string, never>> {
  const [name, newPath, newName] = validateMembers(
    () => checkCertificateName(input.ServerCertificateName),
    () => input.NewPath !== undefined ? checkPath(input.NewPath, "newPath") : undefined,
    () => input.NewServerCertificateName !== undefined ? checkCertificateName(input.NewServerCertificateName, "newServerCertificateName") : undefined,
  );
  const before = await authorizeOnCertificate(env, caller, "UpdateServerCertificate", name);
  if (before && (newName !== undefined || newPath !== undefined)) {
    // IAM requires permission on the certificate's new name as well as its old one.
    await authorize(caller, "UpdateServerCertificate", serverCertificateArn(caller.accountId, newPath ?? before.path, newName ?? before.name));
  }
  await env.store.transaction(async (tx) => {
    const c = await mustCertificate(tx, caller.accountId, name);
    const next: ServerCertificateDoc = { ...c, name: newName ?? c.name, path: newPath ?? c.path };
    if (!(await serverCertificates.reindex(tx, c.name, next))) throw serverCertificateExists(next.name);
    await serverCertificates.save(tx, next);
  });
  return {};
}

export async function deleteServerCertificate(env: IamEnv, caller: Caller, input: DeleteServerCertificateRequest): Promise<Record<string, never>> {
  const name = checkCertificateName(input.ServerCertificateName);
  await authorizeOnCertificate(env, caller, "DeleteServerCertificate", name);
  await env.store.transaction(async (tx) => {
    const c = await mustCertificate(tx, caller.accountId, name);
    // Asked inside the transaction: a listener stored concurrently is either seen here, or
    // finds the certificate gone when its own transaction checks it.
    const users = (await env.serverCertificateUsage?.(tx, caller.accountId, c.serverCertificateId)) ?? [];
    if (users.length > 0) throw serverCertificateInUse(c.serverCertificateId, users[0]!);
    await serverCertificates.remove(tx, c);
  });
  return {};
}

export async function tagServerCertificate(env: IamEnv, caller: Caller, input: TagServerCertificateRequest): Promise<Record<string, never>> {
  const [name, tags] = validateMembers(() => checkCertificateName(input.ServerCertificateName), () => checkTags(required(input.Tags, "tags"), true));
  await authorizeOnCertificate(env, caller, "TagServerCertificate", name, requestTagContext(tags));
  await env.store.transaction(async (tx) => {
    const c = await mustCertificate(tx, caller.accountId, name);
    await serverCertificates.save(tx, { ...c, tags: mergeTags(c.tags, tags, true, "TagsPerServerCertificate") });
  });
  return {};
}

export async function untagServerCertificate(env: IamEnv, caller: Caller, input: UntagServerCertificateRequest): Promise<Record<string, never>> {
  const [name, keys] = validateMembers(() => checkCertificateName(input.ServerCertificateName), () => checkTagKeys(input.TagKeys));
  await authorizeOnCertificate(env, caller, "UntagServerCertificate", name, { "aws:TagKeys": keys });
  await env.store.transaction(async (tx) => {
    const c = await mustCertificate(tx, caller.accountId, name);
    await serverCertificates.save(tx, { ...c, tags: removeTags(c.tags, keys, true) });
  });
  return {};
}

export async function listServerCertificateTags(
  env: IamEnv,
  caller: Caller,
  input: ListServerCertificateTagsRequest,
): Promise<ListServerCertificateTagsResponse> {
  const [name, marker, max] = validateMembers(
    () => checkCertificateName(input.ServerCertificateName),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const c = await authorizeOnCertificate(env, caller, "ListServerCertificateTags", name);
  if (!c) throw noSuchServerCertificate(name);
  const page = paginate("ListServerCertificateTags", sortedTags(c.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}

/** How many server certificates an account holds (GetAccountSummary). */
export function countServerCertificates(db: DocStore, accountId: string): Promise<number> {
  return db.count(COLLECTIONS.serverCertificates, `${accountId}/`);
}
