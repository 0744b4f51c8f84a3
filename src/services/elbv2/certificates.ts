/**
 * Server certificates of HTTPS listeners.
 *
 * Three kinds:
 *  - Bulwark-CA certificates: a listener created without Certificates, or naming the
 *    special ARN arn:<partition>:acm:<region>:<account>:certificate/bulwark-ca, presents a
 *    certificate issued by Bulwark's local CA for the load balancer's DNS name (plus
 *    localhost and the data-plane address). It is issued once per load balancer and
 *    re-issued when it nears expiry. Clients trust it with <dataDir>/ca.pem.
 *  - Imported certificates (importCertificate, for the operator CLI): any PEM chain and
 *    key, addressed by an ACM-style ARN arn:<partition>:acm:<region>:<account>:certificate/<uuid>.
 *  - IAM server certificates of the caller's account, addressed by
 *    arn:<partition>:iam::<account>:server-certificate/<path>name and read through IAM's
 *    ServerCertificateView (IAM keeps them, key sealed under its own aad). The listener
 *    keeps the certificate's ServerCertificateId, so a rename in IAM does not take it off.
 * The first two are stored here with the private key sealed under the root key.
 *
 * A certificate that a request names must exist in the caller's account and not have
 * expired; otherwise CertificateNotFound (what ELB answers for an expired certificate too).
 */
import { randomUUID, X509Certificate, createPrivateKey } from "node:crypto";
import type { Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import type { Elbv2Env } from "./env.js";
import { certificateNotFound, validationError } from "./errors.js";
import type { CertificateDoc, LoadBalancerDoc } from "./model.js";
import { certificates, listeners } from "./store.js";
import { arn, arnPattern } from "../../core/partition.js";

export const BULWARK_CA_CERTIFICATE_ID = "bulwark-ca";
// Certificates here are in the installation's partition; one of another partition is not found.
const ACM_ARN = arnPattern(/^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/([A-Za-z0-9-]{1,64})$/);
const IAM_ARN = /^arn:aws[a-z-]*:iam::/;
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** A listener's default certificate: the ARN as named, and the IAM certificate it resolved to. */
export interface CertificateChoice {
  arn: string;
  iamServerCertificateId?: string;
}

export function bulwarkCaCertificateArn(scope: Scope): string {
  return arn("acm", scope.region, scope.accountId, `certificate/${BULWARK_CA_CERTIFICATE_ID}`);
}

function parseCertificateArn(scope: Scope, arn: string): string | undefined {
  const m = ACM_ARN.exec(arn);
  if (!m || m[1] !== scope.region || m[2] !== scope.accountId) return undefined;
  return m[3];
}

export function isBulwarkCaArn(scope: Scope, arn: string): boolean {
  return parseCertificateArn(scope, arn) === BULWARK_CA_CERTIFICATE_ID;
}

const keyAad = (doc: { accountId: string; region: string; id: string }): string => `elbv2/certificate-key/${doc.accountId}/${doc.region}/${doc.id}`;

/**
 * Resolves `arn` to a usable certificate of the caller, or throws CertificateNotFound (unknown,
 * another account's or Region's, or expired at `now`). Without `now` expiry is not checked: a
 * certificate carried over from the listener's current configuration is not re-judged.
 */
export async function resolveCertificateArn(env: Elbv2Env, db: DocStore, scope: Scope, arn: string, now?: number): Promise<CertificateChoice> {
  const expired = (notAfter: number): boolean => now !== undefined && notAfter < now;
  if (IAM_ARN.test(arn)) {
    const c = await env.serverCertificates?.byArn(db, scope.accountId, arn);
    if (!c || expired(c.expiration)) throw certificateNotFound(arn);
    return { arn, iamServerCertificateId: c.serverCertificateId };
  }
  const id = parseCertificateArn(scope, arn);
  if (id === undefined) throw certificateNotFound(arn);
  if (id === BULWARK_CA_CERTIFICATE_ID) return { arn };
  const doc = await certificates.get(db, scope, id);
  if (!doc || expired(doc.notAfter)) throw certificateNotFound(arn);
  return { arn };
}

/**
 * Inside the transaction that stores a listener: the IAM certificate it presents must still
 * exist (IAM's DeleteServerCertificate checks for users in its own transaction; with both
 * checks inside serialised transactions, one of the two calls always fails).
 */
export async function confirmCertificate(env: Elbv2Env, tx: DocStore, scope: Scope, choice: CertificateChoice): Promise<void> {
  if (choice.iamServerCertificateId === undefined) return;
  if (!(await env.serverCertificates?.byId(tx, scope.accountId, choice.iamServerCertificateId))) throw certificateNotFound(choice.arn);
}

/**
 * The load balancers (ARNs, sorted) whose listeners present IAM server certificate `id` of the
 * account, as default certificate or in their certificate list.
 */
export async function serverCertificateUsers(db: DocStore, accountId: string, id: string): Promise<string[]> {
  const users = new Set<string>();
  for (const l of await listeners.inAccount(db, accountId)) {
    if (l.iamServerCertificateId === id || l.certificateList?.some((c) => c.iamServerCertificateId === id)) users.add(l.loadBalancerArn);
  }
  return [...users].sort();
}

function lbCertificateId(lb: LoadBalancerDoc): string {
  return `lb-${lb.id}`;
}

/** Certificate and key a listener of `lb` presents for `choice` (issuing the Bulwark-CA one when needed). */
export async function certificateMaterial(env: Elbv2Env, lb: LoadBalancerDoc, choice: CertificateChoice): Promise<{ certPem: string; keyPem: string }> {
  const scope = { accountId: lb.accountId, region: lb.region };
  if (choice.iamServerCertificateId !== undefined) return iamCertificateMaterial(env, scope, choice.arn, choice.iamServerCertificateId);
  const id = parseCertificateArn(scope, choice.arn);
  if (id === undefined) throw certificateNotFound(choice.arn);
  let doc = await certificates.get(env.store, scope, id === BULWARK_CA_CERTIFICATE_ID ? lbCertificateId(lb) : id);
  if (id === BULWARK_CA_CERTIFICATE_ID && (!doc || doc.notAfter - env.clock.now() < RENEW_BEFORE_MS)) {
    doc = await issueForLoadBalancer(env, lb);
  }
  if (!doc) throw certificateNotFound(choice.arn);
  return { certPem: doc.certPem, keyPem: env.sealer.unsealString(doc.sealedKey, keyAad(doc)).toString("utf8") };
}

/** An IAM server certificate's body + chain and its private key, found by id (renames do not matter). */
async function iamCertificateMaterial(env: Elbv2Env, scope: Scope, arn: string, id: string): Promise<{ certPem: string; keyPem: string }> {
  const view = env.serverCertificates;
  const c = await view?.byId(env.store, scope.accountId, id);
  const keyPem = c ? await view?.privateKeyPem(env.store, scope.accountId, id) : undefined;
  if (!c || keyPem === undefined) throw certificateNotFound(arn);
  return { certPem: c.certificateChainPem, keyPem };
}

async function issueForLoadBalancer(env: Elbv2Env, lb: LoadBalancerDoc): Promise<CertificateDoc> {
  const host = env.runtime.host;
  const names = [...new Set([lb.dnsName, "localhost", "127.0.0.1", ...(host !== "0.0.0.0" && host !== "::" ? [host] : [])])];
  const issued = await env.issueCertificate(names);
  const id = lbCertificateId(lb);
  const doc: CertificateDoc = {
    arn: arn("acm", lb.region, lb.accountId, `certificate/${id}`),
    id,
    accountId: lb.accountId,
    region: lb.region,
    source: "bulwark-ca",
    names,
    certPem: issued.certPem,
    sealedKey: "",
    notAfter: issued.notAfter,
  };
  doc.sealedKey = env.sealer.sealToString(issued.keyPem, keyAad(doc));
  await certificates.put(env.store, doc);
  return doc;
}

/** Forgets a load balancer's Bulwark-CA certificate (the load balancer was deleted). */
export async function removeLoadBalancerCertificate(db: DocStore, lb: LoadBalancerDoc): Promise<void> {
  await certificates.remove(db, { accountId: lb.accountId, region: lb.region }, lbCertificateId(lb));
}

/**
 * Stores a PEM certificate chain and its private key for use by HTTPS listeners; returns
 * the ARN to pass as a listener certificate. (Entry point for the operator CLI.)
 */
export async function importCertificate(env: Elbv2Env, scope: Scope, certChainPem: string, keyPem: string): Promise<string> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certChainPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) throw new Error("mismatch");
  } catch {
    throw validationError("The certificate and private key must be PEM encoded and belong together");
  }
  const id = randomUUID();
  const doc: CertificateDoc = {
    arn: arn("acm", scope.region, scope.accountId, `certificate/${id}`),
    id,
    accountId: scope.accountId,
    region: scope.region,
    source: "imported",
    names: (cert.subjectAltName ?? "").split(",").map((s) => s.trim().replace(/^(DNS|IP Address):/, "")).filter(Boolean),
    certPem: certChainPem,
    sealedKey: "",
    notAfter: Date.parse(cert.validTo),
  };
  doc.sealedKey = env.sealer.sealToString(keyPem, keyAad(doc));
  await certificates.put(env.store, doc);
  return doc.arn;
}
