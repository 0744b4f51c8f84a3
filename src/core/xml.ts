/**
 * Strict XML parsing for documents that arrive from outside (SAML metadata, SAML responses):
 * @xmldom/xmldom with every parser error fatal, and no document type declarations at all
 * (SAML forbids them; refusing them rules out entity expansion and external entities).
 */
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";

export class XmlParseError extends Error {}

export const NS = {
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  xenc: "http://www.w3.org/2001/04/xmlenc#",
  xenc11: "http://www.w3.org/2009/xmlenc11#",
} as const;

export function parseXml(text: string): Document {
  if (/<!DOCTYPE/i.test(text)) throw new XmlParseError("document type declarations are not accepted");
  const errors: string[] = [];
  const record = (m: string): void => void errors.push(m);
  const doc = new DOMParser({ errorHandler: { warning: () => undefined, error: record, fatalError: record } }).parseFromString(text, "text/xml");
  if (errors.length > 0 || !doc || !doc.documentElement) throw new XmlParseError(errors[0] ?? "not an XML document");
  return doc;
}

export function serializeXml(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

export function isElement(n: Node | null | undefined, ns: string, localName: string): n is Element {
  return n != null && n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName;
}

/** Direct child elements with the given namespace and local name. */
export function children(el: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n !== null; n = n.nextSibling) if (isElement(n, ns, localName)) out.push(n);
  return out;
}

/** The one direct child of that name, undefined when absent; XmlParseError when there are several. */
export function child(el: Element, ns: string, localName: string): Element | undefined {
  const list = children(el, ns, localName);
  if (list.length > 1) throw new XmlParseError(`more than one ${localName} element`);
  return list[0];
}

/** All descendant elements with the given namespace and local name, in document order. */
export function descendants(el: Element, ns: string, localName: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(ns, localName));
}

/** The element's text content, trimmed. */
export function textOf(el: Element | undefined): string {
  return (el?.textContent ?? "").trim();
}

/** An attribute's value, or undefined when the attribute is absent. */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name) ?? "" : undefined;
}
