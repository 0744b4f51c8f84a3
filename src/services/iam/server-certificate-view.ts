/**
 * What other services (ELBv2's HTTPS listeners) read of IAM server certificates, and how they
 * tell IAM that one is in use. Read-only: IAM's handlers stay the only writers.
 *
 * Every read takes the DocStore to read through, so a caller can check a certificate inside
 * the transaction that stores its reference: DeleteServerCertificate asks who uses the
 * certificate inside its own transaction, and transactions are serialised, so a listener can
 * never end up naming a certificate that was deleted while it was being created.
 */
import type { Sealer } from "../../crypto/seal-types.js";
import type { DocStore } from "../../storage/types.js";
import { serverCertificateArn } from "./arn.js";
import { serverCertificateKeyAad, type ServerCertificateDoc } from "./model.js";
import { serverCertificates } from "./repo.js";
import { iamArn } from "../../core/partition.js";

export interface ServerCertificateRecord {
  accountId: string;
  /** ASCA…: stays the same when the certificate is renamed or moved to another path. */
  serverCertificateId: string;
  /** The certificate's ARN under its current path and name. */
  arn: string;
  /** The certificate's notAfter (epoch ms). */
  expiration: number;
  /** The certificate (PEM) followed by its chain, as a TLS server presents them. */
  certificateChainPem: string;
}

export interface ServerCertificateView {
  /** The certificate `arn` names in `accountId` (its current path and name), or undefined. */
  byArn(db: DocStore, accountId: string, arn: string): Promise<ServerCertificateRecord | undefined>;
  byId(db: DocStore, accountId: string, serverCertificateId: string): Promise<ServerCertificateRecord | undefined>;
  /**
   * The certificate's private key (PEM), unsealed for the TLS server that presents it; it must
   * never reach a response, a log or an audit record.
   */
  privateKeyPem(db: DocStore, accountId: string, serverCertificateId: string): Promise<string | undefined>;
}

/** The ARNs of the resources (load balancers) that use a server certificate; empty when none does. */
export type ServerCertificateUsage = (db: DocStore, accountId: string, serverCertificateId: string) => Promise<string[]>;

const ARN_PREFIX = (accountId: string): string => iamArn(accountId, "server-certificate/");

function record(c: ServerCertificateDoc): ServerCertificateRecord {
  const body = c.body.endsWith("\n") ? c.body : `${c.body}\n`;
  return {
    accountId: c.accountId,
    serverCertificateId: c.serverCertificateId,
    arn: serverCertificateArn(c.accountId, c.path, c.name),
    expiration: c.expiration,
    certificateChainPem: c.chain !== undefined ? body + c.chain : body,
  };
}

export function createServerCertificateView(deps: { sealer: Sealer }): ServerCertificateView {
  return {
    async byArn(db, accountId, arn) {
      const prefix = ARN_PREFIX(accountId);
      if (!arn.startsWith(prefix)) return undefined;
      // Names are unique in the account whatever the path: look up the last segment, then
      // require the whole ARN (path included) to be the certificate's current one.
      const name = arn.slice(arn.lastIndexOf("/") + 1);
      if (name === "") return undefined;
      const c = await serverCertificates.byName(db, accountId, name);
      if (!c) return undefined;
      const r = record(c);
      return r.arn === arn ? r : undefined;
    },
    async byId(db, accountId, id) {
      const c = await serverCertificates.byId(db, accountId, id);
      return c ? record(c) : undefined;
    },
    async privateKeyPem(db, accountId, id) {
      const c = await serverCertificates.byId(db, accountId, id);
      return c ? deps.sealer.unsealString(c.sealedPrivateKey, serverCertificateKeyAad(c.serverCertificateId)).toString("utf8") : undefined;
    },
  };
}
