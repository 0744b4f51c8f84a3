/**
 * Service-specific credentials of IAM users: a user name and password for CodeCommit (Git over
 * HTTPS) and Amazon Keyspaces, or a long-term API key for Amazon Bedrock and CloudWatch Logs
 * (optionally expiring after CredentialAgeDays). The secret comes from the CSPRNG, is sealed
 * with the root key (aad `iam/service-specific-credential/<id>`), and is returned only by
 * Create and Reset (sensitive members, hidden in CloudTrail). A user holds at most
 * QUOTAS.serviceSpecificCredentialsPerUserPerService credentials for each service.
 */
import { randomBytes } from "node:crypto";
import type {
  CreateServiceSpecificCredentialRequest,
  CreateServiceSpecificCredentialResponse,
  DeleteServiceSpecificCredentialRequest,
  ListServiceSpecificCredentialsRequest,
  ListServiceSpecificCredentialsResponse,
  ResetServiceSpecificCredentialRequest,
  ResetServiceSpecificCredentialResponse,
  ServiceSpecificCredential,
  ServiceSpecificCredentialMetadata,
  StatusType,
  UpdateServiceSpecificCredentialRequest,
} from "@aws-sdk/client-iam";
import { randomBase32Id, randomUniqueId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { userArn } from "./arn.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError, noSuchServiceCredential, noSuchUser, quotaExceeded, serviceNotSupported, validationError } from "./errors.js";
import { COLLECTIONS, QUOTAS, serviceCredentialAad, type ServiceCredentialDoc, type ServiceCredentialKind, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { users } from "./repo.js";
import { authorizeOnUser, mustUser, targetUserName } from "./users.js";
import { checkMarker, checkMaxItems, checkName, checkOptionalRange, checkStatus, required, stringConstraints, validateMembers } from "./validation.js";

/** The services that take service-specific credentials (IAM API reference) and what each issues. */
export const SERVICE_CREDENTIAL_KINDS: Readonly<Record<string, ServiceCredentialKind>> = {
  "codecommit.amazonaws.com": "password",
  "cassandra.amazonaws.com": "password",
  "bedrock.amazonaws.com": "api-key",
  "logs.amazonaws.com": "api-key",
};

const DAY_MS = 24 * 60 * 60 * 1000;
const USER_NAME_MAX = 64;

export function credentialKind(serviceName: string): ServiceCredentialKind {
  const kind = Object.hasOwn(SERVICE_CREDENTIAL_KINDS, serviceName) ? SERVICE_CREDENTIAL_KINDS[serviceName] : undefined;
  if (kind === undefined) throw serviceNotSupported(serviceName);
  return kind;
}

/** `jane-at-123456789012`, as the IAM API reference documents ServiceUserName. */
export function serviceUserName(userName: string, accountId: string): string {
  return `${userName}-at-${accountId}`;
}

/**
 * The public part of an API key: the user name, the account and a random suffix (the API
 * reference says only that it holds the user name and a suffix; the suffix is Bulwark's own).
 */
export function serviceCredentialAlias(userName: string, accountId: string): string {
  return `${serviceUserName(userName, accountId)}-${randomBase32Id(8).toLowerCase()}`;
}

/**
 * A fresh secret: for passwords 32 random bytes in base64 (44 characters); for API keys the
 * base64 of `<alias>:<32 random bytes, base64>`, with Bedrock's "ABSK" prefix for Bedrock keys
 * (the exact encoding is not documented; this one is Bulwark's).
 */
export function generateSecret(kind: ServiceCredentialKind, serviceName: string, alias: string | undefined): string {
  const raw = randomBytes(32);
  const random = raw.toString("base64");
  raw.fill(0);
  if (kind === "password") return random;
  const encoded = Buffer.from(`${alias ?? ""}:${random}`, "utf8").toString("base64");
  return serviceName === "bedrock.amazonaws.com" ? `ABSK${encoded}` : encoded;
}

/** Expired once the expiry date has passed, whatever the status set. */
export function effectiveStatus(c: ServiceCredentialDoc, now: number): StatusType {
  return c.expiresAt !== undefined && now >= c.expiresAt ? "Expired" : c.status;
}

const ID_RE = /^[\w]+$/;
function checkCredentialId(value: string | undefined): string {
  const v = required(value, "serviceSpecificCredentialId");
  stringConstraints(v, "serviceSpecificCredentialId", 20, 128, { re: ID_RE, text: "[\\w]+" }, true);
  return v;
}

function checkServiceName(value: string | undefined): string {
  return required(value, "serviceName");
}

const credentialKey = (accountId: string, userId: string, id: string): string => `${accountId}/${userId}/${id}`;

async function userCredentials(db: DocStore, u: UserDoc): Promise<ServiceCredentialDoc[]> {
  return (await db.list<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, { prefix: `${u.accountId}/${u.userId}/` })).map((e) => e.value);
}

async function mustCredential(db: DocStore, u: UserDoc, id: string): Promise<ServiceCredentialDoc> {
  const c = await db.get<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, credentialKey(u.accountId, u.userId, id));
  if (!c) throw noSuchServiceCredential(id);
  return c;
}

function publicFields(c: ServiceCredentialDoc): Pick<ServiceSpecificCredentialMetadata, "ServiceUserName" | "ServiceCredentialAlias" | "ExpirationDate"> {
  return {
    ...(c.serviceUserName !== undefined ? { ServiceUserName: c.serviceUserName } : {}),
    ...(c.serviceCredentialAlias !== undefined ? { ServiceCredentialAlias: c.serviceCredentialAlias } : {}),
    ...(c.expiresAt !== undefined ? { ExpirationDate: new Date(c.expiresAt) } : {}),
  };
}

function metadataView(userName: string, c: ServiceCredentialDoc, now: number): ServiceSpecificCredentialMetadata {
  return {
    UserName: userName,
    Status: effectiveStatus(c, now),
    CreateDate: new Date(c.createDate),
    ServiceSpecificCredentialId: c.serviceSpecificCredentialId,
    ServiceName: c.serviceName,
    ...publicFields(c),
  };
}

/** The credential with its secret: only Create and Reset return this. */
function secretView(userName: string, c: ServiceCredentialDoc, secret: string, now: number): ServiceSpecificCredential {
  return {
    CreateDate: new Date(c.createDate),
    ServiceName: c.serviceName,
    ServiceSpecificCredentialId: c.serviceSpecificCredentialId,
    UserName: userName,
    Status: effectiveStatus(c, now),
    ...publicFields(c),
    ...(c.kind === "password" ? { ServicePassword: secret } : { ServiceCredentialSecret: secret }),
  };
}

export async function createServiceSpecificCredential(
  env: IamEnv,
  caller: Caller,
  input: CreateServiceSpecificCredentialRequest,
): Promise<CreateServiceSpecificCredentialResponse> {
  const [name, serviceName, ageDays] = validateMembers(
    () => checkName(input.UserName, "userName", USER_NAME_MAX),
    () => checkServiceName(input.ServiceName),
    () => checkOptionalRange(input.CredentialAgeDays, "credentialAgeDays", 1, 36600),
  );
  await authorizeOnUser(env, caller, "CreateServiceSpecificCredential", name);
  const id = randomUniqueId("ACCA");
  const created = await env.store.transaction(async (tx) => {
    // A missing user is reported before an unsupported service.
    const u = await mustUser(tx, caller.accountId, name);
    const kind = credentialKind(serviceName);
    if (ageDays !== undefined && kind !== "api-key") {
      // Message not in the IAM documentation (CredentialAgeDays is documented as valid only for API keys).
      throw validationError(`CredentialAgeDays is not supported for ${serviceName}: it is valid only for services that support long-term API keys.`);
    }
    const same = (await userCredentials(tx, u)).filter((c) => c.serviceName === serviceName);
    if (same.length >= QUOTAS.serviceSpecificCredentialsPerUserPerService) {
      throw quotaExceeded("ServiceSpecificCredentialsPerUserPerService", QUOTAS.serviceSpecificCredentialsPerUserPerService);
    }
    const alias = kind === "api-key" ? serviceCredentialAlias(u.userName, u.accountId) : undefined;
    const secret = generateSecret(kind, serviceName, alias);
    const doc: ServiceCredentialDoc = {
      accountId: u.accountId,
      userId: u.userId,
      serviceSpecificCredentialId: id,
      serviceName,
      kind,
      ...(alias === undefined ? { serviceUserName: serviceUserName(u.userName, u.accountId) } : { serviceCredentialAlias: alias }),
      sealedSecret: env.sealer.sealToString(secret, serviceCredentialAad(id)),
      status: "Active",
      createDate: caller.now,
      ...(ageDays !== undefined ? { expiresAt: caller.now + ageDays * DAY_MS } : {}),
    };
    await tx.put<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, credentialKey(u.accountId, u.userId, id), doc);
    return { userName: u.userName, doc, secret };
  });
  return { ServiceSpecificCredential: secretView(created.userName, created.doc, created.secret, caller.now) };
}

export async function listServiceSpecificCredentials(
  env: IamEnv,
  caller: Caller,
  input: ListServiceSpecificCredentialsRequest,
): Promise<ListServiceSpecificCredentialsResponse> {
  const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const serviceName = input.ServiceName;
  if (serviceName !== undefined) credentialKind(serviceName);
  let rows: Array<{ key: string; userName: string; doc: ServiceCredentialDoc }>;
  if (input.AllUsers === true) {
    // Message not in the IAM documentation (AllUsers "cannot be specified together with UserName").
    if (input.UserName !== undefined) throw validationError("AllUsers cannot be specified together with UserName.");
    // Every user of the account: authorised on the account's users.
    await authorize(caller, "ListServiceSpecificCredentials", userArn(caller.accountId, "/", "*"));
    const all = await env.store.list<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, { prefix: `${caller.accountId}/` });
    const names = new Map<string, string>();
    rows = [];
    for (const { value: c } of all) {
      if (!names.has(c.userId)) names.set(c.userId, (await users.byId(env.store, c.accountId, c.userId))?.userName ?? "");
      rows.push({ key: `${c.userId}/${c.serviceSpecificCredentialId}`, userName: names.get(c.userId)!, doc: c });
    }
  } else {
    const name = targetUserName(caller, input.UserName, USER_NAME_MAX);
    const u = await authorizeOnUser(env, caller, "ListServiceSpecificCredentials", name);
    if (!u) throw noSuchUser(name);
    rows = (await userCredentials(env.store, u)).map((c) => ({ key: c.serviceSpecificCredentialId, userName: u.userName, doc: c }));
  }
  const wanted = serviceName === undefined ? rows : rows.filter((r) => r.doc.serviceName === serviceName);
  const page = paginate("ListServiceSpecificCredentials", wanted, (r) => r.key, marker, max);
  return { ServiceSpecificCredentials: page.items.map((r) => metadataView(r.userName, r.doc, caller.now)), ...pageFields(page) };
}

export async function updateServiceSpecificCredential(env: IamEnv, caller: Caller, input: UpdateServiceSpecificCredentialRequest): Promise<Record<string, never>> {
  // The operation sets Active or Inactive; Expired follows from the expiry date alone. Its model
  // has no InvalidInput, so Expired is a ValidationError here.
  const [name, id, status] = validateMembers(
    () => targetUserName(caller, input.UserName, USER_NAME_MAX),
    () => checkCredentialId(input.ServiceSpecificCredentialId),
    () => checkStatus(input.Status, validationError, true),
  );
  await authorizeOnUser(env, caller, "UpdateServiceSpecificCredential", name);
  await env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const c = await mustCredential(tx, u, id);
    await tx.put<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, credentialKey(u.accountId, u.userId, id), { ...c, status });
  });
  return {};
}

export async function resetServiceSpecificCredential(
  env: IamEnv,
  caller: Caller,
  input: ResetServiceSpecificCredentialRequest,
): Promise<ResetServiceSpecificCredentialResponse> {
  const [name, id] = validateMembers(
    () => targetUserName(caller, input.UserName, USER_NAME_MAX),
    () => checkCredentialId(input.ServiceSpecificCredentialId),
  );
  await authorizeOnUser(env, caller, "ResetServiceSpecificCredential", name);
  const reset = await env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const c = await mustCredential(tx, u, id);
    const secret = generateSecret(c.kind, c.serviceName, c.serviceCredentialAlias);
    const doc: ServiceCredentialDoc = { ...c, sealedSecret: env.sealer.sealToString(secret, serviceCredentialAad(id)) };
    await tx.put<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials, credentialKey(u.accountId, u.userId, id), doc);
    return { userName: u.userName, doc, secret };
  });
  return { ServiceSpecificCredential: secretView(reset.userName, reset.doc, reset.secret, caller.now) };
}

export async function deleteServiceSpecificCredential(env: IamEnv, caller: Caller, input: DeleteServiceSpecificCredentialRequest): Promise<Record<string, never>> {
  const [name, id] = validateMembers(
    () => targetUserName(caller, input.UserName, USER_NAME_MAX),
    () => checkCredentialId(input.ServiceSpecificCredentialId),
  );
  await authorizeOnUser(env, caller, "DeleteServiceSpecificCredential", name);
  await env.store.transaction(async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    await mustCredential(tx, u, id);
    await tx.delete(COLLECTIONS.serviceCredentials, credentialKey(u.accountId, u.userId, id));
  });
  return {};
}

