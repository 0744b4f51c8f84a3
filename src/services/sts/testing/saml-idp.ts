/**
 * A SAML 2.0 identity provider for tests: an RSA key pair with a self-signed certificate
 * (@peculiar/x509 over WebCrypto), the IdP's metadata document, and Responses built as XML
 * text and signed with xml-crypto (enveloped, exclusive c14n, RSA-SHA256), optionally with the
 * assertion encrypted (XML Encryption with node:crypto: RSA-OAEP key transport, AES-GCM/CBC).
 */
import { createCipheriv, createPublicKey, publicEncrypt, randomBytes, randomUUID, webcrypto, constants } from "node:crypto";
import "reflect-metadata"; // required by @peculiar/x509 (tsyringe)
import * as x509 from "@peculiar/x509";
import { SignedXml } from "xml-crypto";

export const SAML_ENDPOINT = "https://signin.aws.amazon.com/saml";
export const ATTR = {
  role: "https://aws.amazon.com/SAML/Attributes/Role",
  sessionName: "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
  sourceIdentity: "https://aws.amazon.com/SAML/Attributes/SourceIdentity",
  principalTag: (key: string) => `https://aws.amazon.com/SAML/Attributes/PrincipalTag:${key}`,
  transitiveTagKeys: "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys",
} as const;

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

export interface TestIdp {
  entityId: string;
  certPem: string;
  privateKeyPem: string;
  /** The IdP's SAML metadata (EntityDescriptor with one IDPSSODescriptor and its signing certificate). */
  metadata(opts?: { validUntil?: string; entityId?: string }): string;
}

function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}

async function keyPairPem(): Promise<{ certPem: string; privateKeyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString("hex").replace(/^./, "1"),
    name: "CN=test-idp",
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm: RSA,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    certPem: cert.toString("pem") + "\n",
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END PRIVATE KEY-----\n`,
  };
}

export async function createTestIdp(entityId = "https://idp.example.com/saml/metadata"): Promise<TestIdp> {
  const { certPem, privateKeyPem } = await keyPairPem();
  return {
    entityId,
    certPem,
    privateKeyPem,
    metadata(opts = {}) {
      const until = opts.validUntil !== undefined ? ` validUntil="${opts.validUntil}"` : "";
      return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(opts.entityId ?? entityId)}"${until}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(certPem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
    },
  };
}

/** A second key pair (an attacker's, or a rotated IdP key). */
export async function otherSigningKey(): Promise<{ certPem: string; privateKeyPem: string }> {
  return keyPairPem();
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface ResponseOptions {
  now: number;
  issuer?: string;
  nameId?: string;
  nameIdFormat?: string;
  recipient?: string;
  audience?: string | null;
  notBefore?: number;
  notOnOrAfter?: number;
  confirmationNotOnOrAfter?: number;
  sessionNotOnOrAfter?: number;
  status?: string;
  /** Attribute Name → values. */
  attributes?: Record<string, string[]>;
  /** What is signed: the Response, the Assertion, both, or nothing. */
  sign?: "response" | "assertion" | "both" | "none";
  /** Key to sign with (defaults to the IdP's). */
  signingKeyPem?: string;
  /** Encrypt the assertion for this RSA public key (PEM certificate or key). */
  encryptFor?: string;
  encryption?: "aes256-gcm" | "aes128-cbc";
}

const iso = (ms: number) => new Date(ms).toISOString();

export function assertionXml(idp: TestIdp, o: ResponseOptions, id: string): string {
  const attrs = Object.entries(o.attributes ?? {})
    .map(([name, values]) => `<saml:Attribute Name="${escapeXml(name)}">${values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join("")}</saml:Attribute>`)
    .join("");
  const notOnOrAfter = o.notOnOrAfter ?? o.now + 300_000;
  const audience = o.audience === null ? "" : `<saml:AudienceRestriction><saml:Audience>${escapeXml(o.audience ?? "urn:amazon:webservices")}</saml:Audience></saml:AudienceRestriction>`;
  const session = o.sessionNotOnOrAfter !== undefined ? ` SessionNotOnOrAfter="${iso(o.sessionNotOnOrAfter)}"` : "";
  return (
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" IssueInstant="${iso(o.now)}" Version="2.0">` +
    `<saml:Issuer>${escapeXml(o.issuer ?? idp.entityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${escapeXml(o.nameIdFormat ?? "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")}">${escapeXml(o.nameId ?? "alice@example.com")}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(o.confirmationNotOnOrAfter ?? notOnOrAfter)}" Recipient="${escapeXml(o.recipient ?? SAML_ENDPOINT)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(o.notBefore ?? o.now - 60_000)}" NotOnOrAfter="${iso(notOnOrAfter)}">${audience}</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(o.now)}"${session}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` +
    `</saml:Assertion>`
  );
}

/** Signs the element with the given ID (enveloped signature placed right after its Issuer, as SAML's schema wants). */
export function signXml(xml: string, localName: "Response" | "Assertion", id: string, privateKeyPem: string): string {
  const sig = new SignedXml({
    privateKey: privateKeyPem,
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  });
  const xpath = `//*[local-name(.)='${localName}' and @ID='${id}']`;
  sig.addReference({
    xpath,
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
  });
  sig.computeSignature(xml, { prefix: "ds", location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: "after" } });
  return sig.getSignedXml();
}

/** XML Encryption of an assertion for the holder of `recipientPem`'s private key. */
export function encryptAssertion(assertion: string, recipientPem: string, alg: "aes256-gcm" | "aes128-cbc" = "aes256-gcm"): string {
  const gcm = alg === "aes256-gcm";
  const key = randomBytes(gcm ? 32 : 16);
  let data: Buffer;
  if (gcm) {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    data = Buffer.concat([iv, c.update(assertion, "utf8"), c.final(), c.getAuthTag()]);
  } else {
    const iv = randomBytes(16);
    const c = createCipheriv("aes-128-cbc", key, iv);
    data = Buffer.concat([iv, c.update(assertion, "utf8"), c.final()]);
  }
  const wrapped = publicEncrypt({ key: createPublicKey(recipientPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, key);
  const dataAlg = gcm ? "http://www.w3.org/2009/xmlenc11#aes256-gcm" : "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
  return (
    `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">` +
    `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
    `<xenc:EncryptionMethod Algorithm="${dataAlg}"/>` +
    `<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString("base64")}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${data.toString("base64")}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData></saml:EncryptedAssertion>`
  );
}

/** A Response (XML text) with one assertion, signed and encrypted as asked. */
export function samlResponseXml(idp: TestIdp, o: ResponseOptions): string {
  const key = o.signingKeyPem ?? idp.privateKeyPem;
  const sign = o.sign ?? "response";
  const assertionId = `_a${randomUUID().replace(/-/g, "")}`;
  const responseId = `_r${randomUUID().replace(/-/g, "")}`;
  let assertion = assertionXml(idp, o, assertionId);
  if (sign === "assertion" || sign === "both") assertion = signXml(assertion, "Assertion", assertionId, key);
  if (o.encryptFor !== undefined) assertion = encryptAssertion(assertion, o.encryptFor, o.encryption);
  const status = o.status ?? "urn:oasis:names:tc:SAML:2.0:status:Success";
  let response =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${iso(o.now)}" Destination="${escapeXml(o.recipient ?? SAML_ENDPOINT)}">` +
    `<saml:Issuer>${escapeXml(o.issuer ?? idp.entityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`;
  if (sign === "response" || sign === "both") response = signXml(response, "Response", responseId, key);
  return response;
}

export function samlResponse(idp: TestIdp, o: ResponseOptions): string {
  return Buffer.from(samlResponseXml(idp, o), "utf8").toString("base64");
}
