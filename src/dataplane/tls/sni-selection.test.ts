import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { issueCertificate, newKeyPair, type TestCertificate } from "../../services/iam/testing/certificates.js";
import { certificateFacts, type CertificateFacts } from "./certificate-facts.js";
import type { ClientHello } from "./client-hello.js";
import { SniTable } from "./sni-table.js";
import { SniIndex, certificateSupport } from "./sni-selection.js";

const DAY = 86_400_000;
const T = Date.UTC(2030, 0, 1);

function facts(names: string[], extra: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    exactNames: names.filter((n) => !n.startsWith("*.")),
    wildcardParents: names.filter((n) => n.startsWith("*.")).map((n) => n.slice(2)),
    keyType: "rsa",
    keyBits: 2048,
    weakHash: false,
    notAfter: T,
    ...extra,
  };
}

const index = (entries: Array<[string, CertificateFacts]>): SniIndex<string> => new SniIndex(entries.map(([value, f]) => ({ facts: f, value })));

describe("SNI certificate selection", () => {
  test("a single certificate naming the host is chosen; no SNI or no match leaves the default", () => {
    const sni = index([
      ["a", facts(["a.example.com"])],
      ["b", facts(["b.example.com", "b2.example.com"])],
    ]);
    assert.equal(sni.select("a.example.com"), "a");
    assert.equal(sni.select("b2.example.com"), "b");
    assert.equal(sni.select("A.Example.COM."), "a", "host names compare case-insensitively, without the root dot");
    assert.equal(sni.select("c.example.com"), undefined);
    assert.equal(sni.select(undefined), undefined);
    assert.equal(sni.select(""), undefined);
  });

  test("a wildcard covers exactly one label, not the parent domain itself; an exact name beats it", () => {
    const sni = index([
      ["wild", facts(["*.example.com"], { keyType: "ecdsa", keyBits: 384 })],
      ["www", facts(["www.example.com"])],
    ]);
    assert.equal(sni.select("api.example.com"), "wild");
    assert.equal(sni.select("www.example.com"), "www", "exact before wildcard, even against a preferred key type");
    assert.equal(sni.select("a.b.example.com"), undefined);
    assert.equal(sni.select("example.com"), undefined);
    assert.equal(sni.select(".example.com"), undefined);
  });

  test("among several matches: ECDSA before RSA, SHA before MD5, the longer key, the later expiry, then list order", () => {
    const host = "shop.example.com";
    const pick = (...entries: Array<[string, CertificateFacts]>): string | undefined => index(entries).select(host);
    assert.equal(pick(["rsa", facts([host], { keyBits: 4096 })], ["ec", facts([host], { keyType: "ecdsa", keyBits: 256 })]), "ec");
    assert.equal(pick(["md5", facts([host], { weakHash: true, keyBits: 4096 })], ["sha", facts([host])]), "sha");
    assert.equal(pick(["2048", facts([host])], ["3072", facts([host], { keyBits: 3072 })]), "3072");
    assert.equal(pick(["soon", facts([host], { notAfter: T - DAY })], ["later", facts([host])]), "later");
    assert.equal(pick(["first", facts([host])], ["second", facts([host])]), "first");
    // Wildcard tier: the same ordering among the wildcards.
    assert.equal(pick(["w-rsa", facts(["*.example.com"])], ["w-ec", facts(["*.example.com"], { keyType: "ecdsa", keyBits: 256 })]), "w-ec");
  });

  test("the best certificate the client can use: an RSA-only client gets the RSA one; one it cannot use at all still gets the best", () => {
    const host = "shop.example.com";
    const sni = index([
      ["ec", facts([host], { keyType: "ecdsa", keyBits: 256 })],
      ["rsa", facts([host])],
    ]);
    assert.equal(sni.select(host, { ecdsa: true, rsa: true }), "ec");
    assert.equal(sni.select(host, { ecdsa: false, rsa: true }), "rsa");
    assert.equal(index([["ec", facts([host], { keyType: "ecdsa", keyBits: 256 })]]).select(host, { ecdsa: false, rsa: true }), "ec");
  });
});

describe("what a ClientHello accepts", () => {
  const hello = (h: Partial<ClientHello>): ClientHello => ({
    version: 0x0303,
    ciphers: [],
    extensions: [],
    groups: [],
    pointFormats: [],
    signatureAlgorithms: [],
    alpn: [],
    supportedVersions: [],
    serverName: undefined,
    ...h,
  });
  test("TLS 1.3 by signature algorithms; TLS 1.2 also by cipher suites; no signature_algorithms → the suites decide", () => {
    assert.deepEqual(certificateSupport(hello({ extensions: [13, 43], signatureAlgorithms: [0x0403, 0x0804, 0x0401], supportedVersions: [0x0304, 0x0303], ciphers: [0x1301] })), { ecdsa: true, rsa: true });
    assert.deepEqual(certificateSupport(hello({ extensions: [13, 43], signatureAlgorithms: [0x0804, 0x0401], supportedVersions: [0x0304], ciphers: [0x1301] })), { ecdsa: false, rsa: true });
    // TLS 1.2 only, ECDHE-RSA suites only: ECDSA signature schemes alone do not make an ECDSA certificate usable.
    assert.deepEqual(certificateSupport(hello({ extensions: [13], signatureAlgorithms: [0x0403, 0x0401], ciphers: [0xc02f, 0x00ff] })), { ecdsa: false, rsa: true });
    assert.deepEqual(certificateSupport(hello({ extensions: [13], signatureAlgorithms: [0x0403], ciphers: [0xc02b, 0xc02f] })), { ecdsa: true, rsa: false });
    assert.deepEqual(certificateSupport(hello({ ciphers: [0x0a0a, 0xc02b, 0x002f] })), { ecdsa: true, rsa: true });
  });
});

describe("certificate facts", () => {
  let ec: TestCertificate;
  let rsa: TestCertificate;
  before(async () => {
    ec = await issueCertificate({ subject: "CN=ignored.example.com", key: await newKeyPair("p384"), dnsNames: ["Shop.Example.com.", "*.api.example.com", "w*.bad.example.com"], notAfter: T });
    rsa = await issueCertificate({ subject: "CN=cn-only.example.com", key: await newKeyPair("rsa-2048") });
  });

  test("names from the subjectAltName (the CN only without one), key type and size, expiry", () => {
    const f = certificateFacts(ec.pem);
    assert.deepEqual(f.exactNames, ["shop.example.com"]);
    assert.deepEqual(f.wildcardParents, ["api.example.com"]);
    assert.deepEqual([f.keyType, f.keyBits, f.weakHash, f.notAfter], ["ecdsa", 384, false, T]);
    const r = certificateFacts(rsa.pem);
    assert.deepEqual([r.exactNames, r.wildcardParents, r.keyType, r.keyBits], [["cn-only.example.com"], [], "rsa", 2048]);
  });

  test("an MD5 signature is recognised from the certificate's signatureAlgorithm", () => {
    // Rewrite sha256WithRSAEncryption (…01 01 0b) into md5WithRSAEncryption (…01 01 04) in the
    // outer AlgorithmIdentifier; nothing checks the signature here.
    const der = Buffer.from(new X509Certificate(rsa.pem).raw);
    const sha256 = Buffer.from("2a864886f70d01010b", "hex");
    const last = der.lastIndexOf(sha256);
    assert.ok(last > 0 && der.indexOf(sha256) < last, "the OID appears in the TBS and in the outer algorithm");
    der[last + sha256.length - 1] = 0x04;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
    assert.equal(certificateFacts(pem).weakHash, true);
    assert.equal(certificateFacts(rsa.pem).weakHash, false);
  });

  test("the certificate list builds a value (the listener's TLS server) once per certificate, kept while it stays listed", async () => {
    const other = await issueCertificate({ subject: "CN=other.example.com", key: await newKeyPair("p256") });
    const built: string[] = [];
    const retired: string[] = [];
    const table = new SniTable<string>(
      (c, minVersion) => {
        built.push(`${new X509Certificate(c.certPem).subject} ${minVersion}`);
        return `server-${built.length}`;
      },
      (v) => retired.push(v),
    );
    const ecPair = { certPem: ec.pem, keyPem: ec.key.privateKeyPem };
    const otherPair = { certPem: other.pem, keyPem: other.key.privateKeyPem };
    table.set([ecPair], "TLSv1.2");
    assert.equal(table.select("shop.example.com"), "server-1");
    table.set([otherPair, ecPair], "TLSv1.2");
    assert.equal(table.select("shop.example.com"), "server-1", "unchanged certificate, same server");
    assert.equal(table.select("other.example.com"), "server-2");
    assert.deepEqual(built.length, 2);
    // A key that does not belong to its certificate (here: another key type) changes nothing.
    assert.throws(() => table.set([otherPair, { certPem: ec.pem, keyPem: rsa.key.privateKeyPem }], "TLSv1.2"), /do not match/);
    assert.throws(() => table.set([{ certPem: "not a certificate", keyPem: ec.key.privateKeyPem }], "TLSv1.2"));
    assert.equal(table.select("shop.example.com"), "server-1");
    assert.deepEqual(retired, []);
    // Another TLS policy builds anew; what left the list is retired.
    table.set([ecPair], "TLSv1.3");
    assert.equal(table.select("shop.example.com"), "server-3");
    assert.deepEqual(retired.sort(), ["server-1", "server-2"]);
    table.set([], "TLSv1.3");
    assert.equal(table.select("shop.example.com"), undefined);
    assert.deepEqual(table.values(), []);
    assert.deepEqual(retired.sort(), ["server-1", "server-2", "server-3"]);
  });
});
