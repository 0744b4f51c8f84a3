/**
 * Server certificates of HTTPS listeners.
 *
 * Two kinds, both stored with the private key sealed under the root key:
 *  - Bulwark-CA certificates: a listener created without Certificates, or naming the
 *    special ARN arn:aws:acm:<region>:<account>:certificate/bulwark-ca, presents a
 *    certificate issued by Bulwark's local CA for the load balancer's DNS name (plus
 *    localhost and the data-plane address). It is issued once per load balancer and
 *    re-issued when it nears expiry. Clients trust it with <dataDir>/ca.pem.
 *  - Imported certificates (importCertificate, for the operator CLI): any PEM chain and
 *    key, addressed by an ACM-style ARN arn:aws:acm:<region>:<account>:certificate/<uuid>.
 */
import { randomUUID, X509Certificate, createPrivateKey } from "node:crypto";
import type { Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import type { Elbv2Env } from "./env.js";
import { certificateNotFound, validationError } from "./errors.js";
import type { CertificateDoc, LoadBalancerDoc } from "./model.js";
import { certificates } from "./store.js";

export const BULWARK_CA_CERTIFICATE_ID = "bulwark-ca";
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/([A-Za-z0-9-]{1,64})$/;
const RENEW_BEFORE_MS = 30 * 86_400_000;

export function bulwarkCaCertificateArn(scope: Scope): string {
  return `arn:aws:acm:${scope.region}:${scope.accountId}:certificate/${BULWARK_CA_CERTIFICATE_ID}`;
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

/** Throws CertificateNotFound unless `arn` names a usable certificate of the caller. */
export async function checkCertificateArn(db: DocStore, scope: Scope, arn: string): Promise<void> {
  const id = parseCertificateArn(scope, arn);
  if (id === undefined) throw certificateNotFound(arn);
  if (id === BULWARK_CA_CERTIFICATE_ID) return;
  if (!(await certificates.get(db, scope, id))) throw certificateNotFound(arn);
}

function lbCertificateId(lb: LoadBalancerDoc): string {
  return `lb-${lb.id}`;
}

/** Certificate and key a listener of `lb` presents for `arn` (issuing the Bulwark-CA one when needed). */
export async function certificateMaterial(env: Elbv2Env, lb: LoadBalancerDoc, arn: string): Promise<{ certPem: string; keyPem: string }> {
  const scope = { accountId: lb.accountId, region: lb.region };
  const id = parseCertificateArn(scope, arn);
  if (id === undefined) throw certificateNotFound(arn);
  let doc = await certificates.get(env.store, scope, id === BULWARK_CA_CERTIFICATE_ID ? lbCertificateId(lb) : id);
  if (id === BULWARK_CA_CERTIFICATE_ID && (!doc || doc.notAfter - env.clock.now() < RENEW_BEFORE_MS)) {
    doc = await issueForLoadBalancer(env, lb);
  }
  if (!doc) throw certificateNotFound(arn);
  return { certPem: doc.certPem, keyPem: env.sealer.unsealString(doc.sealedKey, keyAad(doc)).toString("utf8") };
}

async function issueForLoadBalancer(env: Elbv2Env, lb: LoadBalancerDoc): Promise<CertificateDoc> {
  const host = env.runtime.host;
  const names = [...new Set([lb.dnsName, "localhost", "127.0.0.1", ...(host !== "0.0.0.0" && host !== "::" ? [host] : [])])];
  const issued = await env.issueCertificate(names);
  const id = lbCertificateId(lb);
  const doc: CertificateDoc = {
    arn: `arn:aws:acm:${lb.region}:${lb.accountId}:certificate/${id}`,
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
    arn: `arn:aws:acm:${scope.region}:${scope.accountId}:certificate/${id}`,
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
