/**
 * X.509 signing certificates of IAM users. The body is parsed for real (node:crypto
 * X509Certificate); a certificate may belong to only one user of the account at a time
 * (DuplicateCertificate), and each user holds at most QUOTAS.signingCertificatesPerUser.
 */
import type {
  DeleteSigningCertificateRequest,
  ListSigningCertificatesRequest,
  ListSigningCertificatesResponse,
  SigningCertificate,
  UpdateSigningCertificateRequest,
  UploadSigningCertificateRequest,
  UploadSigningCertificateResponse,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.js";
import { randomBase32Id } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { write, type Caller, type IamEnv } from "./env.js";
import { noSuchEntity, noSuchUser, quotaExceeded } from "./errors.js";
import { COLLECTIONS, QUOTAS, type SigningCertificateDoc, type SigningCertificateIndexDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { checkPemText, parsePemCertificate } from "./pem.js";
import { authorizeOnSubject, credentialSubject, existingSubject, mustOwner, type CredentialOwner } from "./root-credentials.js";
import { checkMarker, checkMaxItems, checkStatus, required, stringConstraints, validateMembers } from "./validation.js";

export const invalidCertificate = (message: string): AwsError => new AwsError("InvalidCertificate", message, 400);
export const duplicateCertificate = (): AwsError =>
  new AwsError("DuplicateCertificate", "The same certificate is already associated with an IAM user in the account.", 409);
export const noSuchCertificate = (id: string): AwsError => noSuchEntity(`The Certificate with id ${id} cannot be found.`);

/** The certificate in a PEM body and the SHA-256 of its DER (hex). */
export function parseCertificateBody(body: string, now: number): { sha256: string } {
  const { sha256, notAfter } = parsePemCertificate(body);
  if (Number.isFinite(notAfter) && notAfter < now) throw invalidCertificate(`The certificate expired on ${new Date(notAfter).toISOString()}.`);
  return { sha256 };
}

const ID_RE = /^[\w]+$/;
function checkCertificateId(value: string | undefined): string {
  const v = required(value, "certificateId");
  stringConstraints(v, "certificateId", 24, 128, { re: ID_RE, text: "[\\w]+" });
  return v;
}

export function certDocKey(accountId: string, userId: string, id: string): string {
  return `${accountId}/${userId}/${id}`;
}

async function userCerts(db: DocStore, u: CredentialOwner): Promise<SigningCertificateDoc[]> {
  return (await db.list<SigningCertificateDoc>(COLLECTIONS.signingCertificates, { prefix: `${u.accountId}/${u.userId}/` })).map((e) => e.value);
}

async function mustCert(db: DocStore, u: CredentialOwner, id: string): Promise<SigningCertificateDoc> {
  const c = await db.get<SigningCertificateDoc>(COLLECTIONS.signingCertificates, certDocKey(u.accountId, u.userId, id));
  if (!c) throw noSuchCertificate(id);
  return c;
}

/** Root's certificates (user id = account id) are answered without a user name. */
function view(u: CredentialOwner, c: SigningCertificateDoc): SigningCertificate {
  return { ...(u.userName !== undefined ? { UserName: u.userName } : {}), CertificateId: c.certificateId, CertificateBody: c.body, Status: c.status, UploadDate: new Date(c.uploadDate) } as SigningCertificate;
}

export async function uploadSigningCertificate(env: IamEnv, caller: Caller, input: UploadSigningCertificateRequest): Promise<UploadSigningCertificateResponse> {
  const [subject, body] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkPemText(input.CertificateBody, "certificateBody", 16384));
  await authorizeOnSubject(env, caller, "UploadSigningCertificate", subject);
  const { sha256 } = parseCertificateBody(body, caller.now);
  return write(env, caller.accountId, async (tx) => {
    const u = await mustOwner(tx, caller.accountId, subject);
    if (await tx.get(COLLECTIONS.signingCertificateIndex, `${u.accountId}/${sha256}`)) throw duplicateCertificate();
    if ((await tx.count(COLLECTIONS.signingCertificates, `${u.accountId}/${u.userId}/`)) >= QUOTAS.signingCertificatesPerUser) {
      // IAM names this quota CertificatesPerUser in the message (SigningCertificatesPerUserQuota in GetAccountSummary).
      throw quotaExceeded("CertificatesPerUser", QUOTAS.signingCertificatesPerUser);
    }
    const doc: SigningCertificateDoc = {
      accountId: u.accountId,
      userId: u.userId,
      certificateId: randomBase32Id(32),
      body,
      sha256,
      status: "Active",
      uploadDate: caller.now,
    };
    await tx.put<SigningCertificateIndexDoc>(COLLECTIONS.signingCertificateIndex, `${u.accountId}/${sha256}`, { userId: u.userId, certificateId: doc.certificateId });
    await tx.put<SigningCertificateDoc>(COLLECTIONS.signingCertificates, certDocKey(u.accountId, u.userId, doc.certificateId), doc);
    return { Certificate: view(u, doc) };
  });
}

export async function listSigningCertificates(env: IamEnv, caller: Caller, input: ListSigningCertificatesRequest): Promise<ListSigningCertificatesResponse> {
  const [subject, marker, max] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const u = await existingSubject(env, caller, "ListSigningCertificates", subject);
  const page = paginate("ListSigningCertificates", await userCerts(env.store, u), (c) => c.certificateId, marker, max);
  return { Certificates: page.items.map((c) => view(u, c)), ...pageFields(page) };
}

export async function updateSigningCertificate(env: IamEnv, caller: Caller, input: UpdateSigningCertificateRequest): Promise<Record<string, never>> {
  const [subject, id, status] = validateMembers(
    () => credentialSubject(caller, input.UserName),
    () => checkCertificateId(input.CertificateId),
    () => checkStatus(input.Status),
  );
  await authorizeOnSubject(env, caller, "UpdateSigningCertificate", subject);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustOwner(tx, caller.accountId, subject);
    const c = await mustCert(tx, u, id);
    await tx.put<SigningCertificateDoc>(COLLECTIONS.signingCertificates, certDocKey(u.accountId, u.userId, id), { ...c, status });
  });
  return {};
}

export async function deleteSigningCertificate(env: IamEnv, caller: Caller, input: DeleteSigningCertificateRequest): Promise<Record<string, never>> {
  const [subject, id] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkCertificateId(input.CertificateId));
  await authorizeOnSubject(env, caller, "DeleteSigningCertificate", subject);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustOwner(tx, caller.accountId, subject);
    const c = await mustCert(tx, u, id);
    await tx.delete(COLLECTIONS.signingCertificates, certDocKey(u.accountId, u.userId, id));
    await tx.delete(COLLECTIONS.signingCertificateIndex, `${u.accountId}/${c.sha256}`);
  });
  return {};
}
