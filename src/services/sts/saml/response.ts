/**
 * The SAML 2.0 Response of sts:AssumeRoleWithSAML: decoded, parsed (no DTDs), its XML
 * signature verified with xml-crypto against the provider's certificates only (KeyInfo in the
 * document is ignored, HMAC is not accepted), and the assertion read.
 *
 * What must stay true (signature wrapping): claims are read only from the XML that the
 * verified signature covers — the canonical form xml-crypto returns for the one Reference,
 * re-parsed — never from the document the caller sent. The Reference must point (by ID) at
 * the element that encloses the Signature: the Response, or the one Assertion of the Response.
 * A document with two elements of the same ID is refused by xml-crypto.
 */
import type { KeyObject } from "node:crypto";
import { SignedXml } from "xml-crypto";
import { AwsError } from "../../../core/errors.js";
import { NS, XmlParseError, attr, child, children, isElement, parseXml, textOf } from "../../../core/xml.js";
import { DecryptionFailed, decryptAssertion } from "./decrypt.js";

export function invalidIdentityToken(message: string): AwsError {
  return new AwsError("InvalidIdentityToken", message, 400);
}

/** STS's wording for a response whose signature does not verify (or that is not signed). */
export const signatureInvalid = (): AwsError => invalidIdentityToken("Response signature invalid");
// Not documented word for word; worded like STS's other SAML messages.
export const malformedResponse = (): AwsError => invalidIdentityToken("The SAML response is not a well-formed, base64-encoded SAML 2.0 Response.");

const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface VerificationKeys {
  /** PEM certificates from the provider's metadata. */
  certificates: readonly string[];
  /** The provider's private keys, for encrypted assertions. */
  privateKeys: readonly KeyObject[];
  /** AssertionEncryptionMode Required: a plain assertion is refused. */
  encryptionRequired: boolean;
}

/** Decodes and parses the base64 SAMLAssertion; the root must be a samlp:Response. */
export function parseSamlResponse(b64: string): { xml: string; response: Element } {
  const compact = b64.replace(/\s+/g, "");
  if (!BASE64.test(compact)) throw malformedResponse();
  const xml = Buffer.from(compact, "base64").toString("utf8");
  let response: Element;
  try {
    response = parseXml(xml).documentElement;
  } catch {
    throw malformedResponse();
  }
  if (!isElement(response, NS.samlp, "Response")) throw malformedResponse();
  return { xml, response };
}

/** The status of the IdP's answer: anything but Success means the IdP did not authenticate the user. */
export function checkStatus(response: Element): void {
  const status = child(response, NS.samlp, "Status");
  const code = status ? child(status, NS.samlp, "StatusCode") : undefined;
  const value = code ? attr(code, "Value") : undefined;
  if (value !== SUCCESS) {
    // Not documented word for word.
    throw new AwsError("IDPRejectedClaim", `The identity provider did not authenticate the user (status ${value ?? "missing"}).`, 403);
  }
}

/**
 * Verifies the enveloped signature of `signed` (a direct ds:Signature child whose one Reference
 * is `#<signed's ID>`) within `xml`. Returns the signed element re-parsed from what the
 * signature covers; undefined when `signed` carries no signature.
 */
function verifyEnveloped(xml: string, signed: Element, certificates: readonly string[]): Element | undefined {
  const signatures = children(signed, NS.ds, "Signature");
  if (signatures.length === 0) return undefined;
  const id = attr(signed, "ID");
  if (signatures.length > 1 || id === undefined || id === "") throw signatureInvalid();
  for (const cert of certificates) {
    const sig = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
    try {
      sig.loadSignature(signatures[0] as Element);
      if (!sig.checkSignature(xml)) continue;
    } catch {
      continue; // not this certificate, or not a valid signature at all
    }
    const refs = sig.getReferences();
    const covered = sig.getSignedReferences();
    if (refs.length !== 1 || refs[0]?.uri !== `#${id}` || covered.length !== 1) throw signatureInvalid();
    let el: Element;
    try {
      el = parseXml(covered[0] as string).documentElement;
    } catch {
      throw signatureInvalid();
    }
    if (el.namespaceURI !== signed.namespaceURI || el.localName !== signed.localName || attr(el, "ID") !== id) throw signatureInvalid();
    return el;
  }
  throw signatureInvalid();
}

/** The Response's one assertion (plain or encrypted); several, or none, is a malformed response. */
function onlyAssertion(response: Element): { plain?: Element; encrypted?: Element } {
  const plain = children(response, NS.saml, "Assertion");
  const encrypted = children(response, NS.saml, "EncryptedAssertion");
  if (plain.length + encrypted.length !== 1) throw malformedResponse();
  return plain.length === 1 ? { plain: plain[0] as Element } : { encrypted: encrypted[0] as Element };
}

function decrypt(encrypted: Element, keys: VerificationKeys): { xml: string; assertion: Element } {
  // Not documented word for word.
  const cannot = () => invalidIdentityToken("The encrypted SAML assertion could not be decrypted with the provider's private keys.");
  if (keys.privateKeys.length === 0) throw cannot();
  let xml: string;
  try {
    xml = decryptAssertion(encrypted, keys.privateKeys);
  } catch (e) {
    if (e instanceof DecryptionFailed) throw cannot();
    throw e;
  }
  let assertion: Element;
  try {
    assertion = parseXml(xml).documentElement;
  } catch {
    throw cannot();
  }
  if (!isElement(assertion, NS.saml, "Assertion")) throw cannot();
  return { xml, assertion };
}

/**
 * The verified assertion: from a signed Response (whose signed form holds exactly one
 * assertion), or else the Response's one assertion, which must then be signed itself.
 */
export function verifiedAssertion(xml: string, response: Element, keys: VerificationKeys): Element {
  // Not documented word for word.
  const notEncrypted = () => invalidIdentityToken("The SAML provider requires encrypted assertions.");
  const signedResponse = verifyEnveloped(xml, response, keys.certificates);
  if (signedResponse !== undefined) {
    const { plain, encrypted } = onlyAssertion(signedResponse);
    if (encrypted) return decrypt(encrypted, keys).assertion;
    if (keys.encryptionRequired) throw notEncrypted();
    return plain as Element;
  }
  const { plain, encrypted } = onlyAssertion(response);
  if (encrypted) {
    const d = decrypt(encrypted, keys);
    const signed = verifyEnveloped(d.xml, d.assertion, keys.certificates);
    if (signed === undefined) throw signatureInvalid();
    return signed;
  }
  if (keys.encryptionRequired) throw notEncrypted();
  const signed = verifyEnveloped(xml, plain as Element, keys.certificates);
  if (signed === undefined) throw signatureInvalid();
  return signed;
}

export interface AssertionClaims {
  issuer: string;
  nameId: string;
  /** The NameID Format URI (SAML's default when absent: unspecified). */
  nameIdFormat: string;
  /** SubjectConfirmationData Recipient. */
  recipient: string;
  confirmationNotBefore?: number;
  confirmationNotOnOrAfter: number;
  notBefore?: number;
  notOnOrAfter?: number;
  /** One list of Audience values per AudienceRestriction. */
  audienceRestrictions: string[][];
  sessionNotOnOrAfter?: number;
  /** Attribute Name → its AttributeValues, in document order. */
  attributes: Map<string, string[]>;
}

const UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new XmlParseError("not an xs:dateTime");
  return t;
}

/** Reads what STS uses from a (verified) assertion; a structural problem is a malformed response. */
export function readAssertion(assertion: Element): AssertionClaims {
  try {
    const issuer = textOf(child(assertion, NS.saml, "Issuer"));
    if (issuer === "") throw new XmlParseError("no Issuer");
    const subject = child(assertion, NS.saml, "Subject");
    const nameIdEl = subject ? child(subject, NS.saml, "NameID") : undefined;
    if (!subject || !nameIdEl) throw new XmlParseError("no Subject/NameID");
    const nameId = textOf(nameIdEl);
    // Exactly one bearer SubjectConfirmation whose data has both NotOnOrAfter and Recipient.
    const confirmations = children(subject, NS.saml, "SubjectConfirmation");
    if (confirmations.length !== 1 || attr(confirmations[0] as Element, "Method") !== BEARER) throw new XmlParseError("one bearer SubjectConfirmation is required");
    const data = child(confirmations[0] as Element, NS.saml, "SubjectConfirmationData");
    const recipient = data ? attr(data, "Recipient") : undefined;
    const confirmationNotOnOrAfter = data ? instant(attr(data, "NotOnOrAfter")) : undefined;
    if (!data || recipient === undefined || confirmationNotOnOrAfter === undefined) throw new XmlParseError("SubjectConfirmationData needs NotOnOrAfter and Recipient");
    const confirmationNotBefore = instant(attr(data, "NotBefore"));

    const conditions = child(assertion, NS.saml, "Conditions");
    const notBefore = conditions ? instant(attr(conditions, "NotBefore")) : undefined;
    const notOnOrAfter = conditions ? instant(attr(conditions, "NotOnOrAfter")) : undefined;
    const audienceRestrictions = conditions
      ? children(conditions, NS.saml, "AudienceRestriction").map((r) => children(r, NS.saml, "Audience").map((a) => textOf(a)))
      : [];
    const authn = children(assertion, NS.saml, "AuthnStatement");
    const sessionTimes = authn.map((a) => instant(attr(a, "SessionNotOnOrAfter"))).filter((t): t is number => t !== undefined);

    const attributes = new Map<string, string[]>();
    for (const statement of children(assertion, NS.saml, "AttributeStatement")) {
      for (const a of children(statement, NS.saml, "Attribute")) {
        const name = attr(a, "Name");
        if (name === undefined) continue;
        const values = children(a, NS.saml, "AttributeValue").map((v) => textOf(v));
        attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
      }
    }
    return {
      issuer,
      nameId,
      nameIdFormat: attr(nameIdEl, "Format") ?? UNSPECIFIED,
      recipient,
      confirmationNotOnOrAfter,
      ...(confirmationNotBefore !== undefined ? { confirmationNotBefore } : {}),
      ...(notBefore !== undefined ? { notBefore } : {}),
      ...(notOnOrAfter !== undefined ? { notOnOrAfter } : {}),
      audienceRestrictions,
      ...(sessionTimes.length > 0 ? { sessionNotOnOrAfter: Math.min(...sessionTimes) } : {}),
      attributes,
    };
  } catch (e) {
    if (e instanceof XmlParseError) throw malformedResponse();
    throw e;
  }
}
