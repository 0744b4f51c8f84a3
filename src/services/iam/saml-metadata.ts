/**
 * SAML 2.0 metadata of an identity provider (CreateSAMLProvider / UpdateSAMLProvider): the
 * IdP's entityID (the Issuer its assertions must carry), the X.509 certificates it signs
 * with, and the document's validUntil. Parsed with a real XML parser; certificates are
 * decoded with node:crypto. Anything unusable is IAM's "Could not parse metadata".
 */
import { X509Certificate } from "node:crypto";
import { NS, XmlParseError, attr, children, descendants, parseXml, textOf } from "../../core/xml.js";
import { invalidInput } from "./errors.js";
import { holdsPemPrivateKey } from "./pem.js";

export interface SamlMetadata {
  entityId: string;
  /** Signing certificates, PEM, in document order, without duplicates. */
  signingCertificates: string[];
  /** The EntityDescriptor's validUntil (epoch ms), when the document has one. */
  validUntil?: number;
}

export const couldNotParseMetadata = () => invalidInput("Could not parse metadata");

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function certificatePem(text: string): string {
  const b64 = text.replace(/\s+/g, "");
  if (!BASE64.test(b64)) throw new XmlParseError("certificate is not base64");
  const cert = new X509Certificate(Buffer.from(b64, "base64"));
  return cert.toString();
}

/**
 * A document that also holds a PEM private key (a key file pasted with the metadata) is
 * unusable too: the metadata is stored and returned as sent, in the clear; a provider's private
 * keys belong in AddPrivateKey, which is sealed.
 */
export function parseSamlMetadata(text: string): SamlMetadata {
  if (holdsPemPrivateKey(text)) throw couldNotParseMetadata();
  try {
    const root = parseXml(text).documentElement;
    if (root.namespaceURI !== NS.md || root.localName !== "EntityDescriptor") throw new XmlParseError("not an EntityDescriptor");
    const entityId = attr(root, "entityID");
    if (entityId === undefined || entityId.trim() === "") throw new XmlParseError("no entityID");
    const idps = children(root, NS.md, "IDPSSODescriptor");
    if (idps.length !== 1) throw new XmlParseError("exactly one IDPSSODescriptor is required");
    const certs: string[] = [];
    for (const kd of children(idps[0] as Element, NS.md, "KeyDescriptor")) {
      const use = attr(kd, "use");
      if (use !== undefined && use !== "signing") continue; // encryption keys do not verify signatures
      for (const c of descendants(kd, NS.ds, "X509Certificate")) {
        const pem = certificatePem(textOf(c));
        if (!certs.includes(pem)) certs.push(pem);
      }
    }
    if (certs.length === 0) throw new XmlParseError("no signing certificate");
    const until = attr(root, "validUntil");
    let validUntil: number | undefined;
    if (until !== undefined) {
      validUntil = Date.parse(until);
      if (!Number.isFinite(validUntil)) throw new XmlParseError("validUntil is not a date");
    }
    return { entityId, signingCertificates: certs, ...(validUntil !== undefined ? { validUntil } : {}) };
  } catch {
    // Parser, structure and certificate decoding failures alike.
    throw couldNotParseMetadata();
  }
}
