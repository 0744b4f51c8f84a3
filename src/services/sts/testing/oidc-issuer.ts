/**
 * An in-process OIDC issuer for tests: HTTPS with a certificate from its own freshly made CA,
 * serving /.well-known/openid-configuration and the JWKS, with locally generated RSA and EC
 * key pairs, and a token minter (node:crypto signatures).
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { systemClock } from "../../../core/clock.js";
import { issueServerCertificate } from "../../../gateway/tls-ca.js";
import { createTestSealer } from "./fake-sealer.js";

export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export function rsaKey(kid: string): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, alg: "RS256", privateKey, publicJwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" } };
}

export function ecKey(kid: string): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg: "ES256", privateKey, publicJwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "ES256" } };
}

export function mintToken(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const h = Buffer.from(JSON.stringify({ alg: key.alg, typ: "JWT", kid: key.kid, ...header })).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const data = Buffer.from(`${h}.${p}`);
  const sig = key.alg === "ES256" ? sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" }) : sign("sha256", data, key.privateKey);
  return `${h}.${p}.${sig.toString("base64url")}`;
}

export interface TestIssuer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** host:port (the provider's ARN resource and condition-key prefix). */
  host: string;
  caCertPem: string;
  /** Keys published in the JWKS (mutable: tests rotate them). */
  published: SigningKey[];
  /** Requests served, by path. */
  hits: string[];
  close(): Promise<void>;
}

export async function startTestIssuer(keys: SigningKey[]): Promise<TestIssuer> {
  const meta = new Map<string, string>();
  const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
  const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["127.0.0.1", "localhost"]);
  const issuer: TestIssuer = { url: "", host: "", caCertPem: cert.caCertPem, published: [...keys], hits: [], close: async () => {} };
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    issuer.hits.push(req.url ?? "");
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") send({ issuer: issuer.url, jwks_uri: `${issuer.url}/keys`, id_token_signing_alg_values_supported: ["RS256", "ES256"] });
    else if (req.url === "/keys") send({ keys: issuer.published.map((k) => k.publicJwk) });
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  issuer.host = `127.0.0.1:${port}`;
  issuer.url = `https://${issuer.host}`;
  issuer.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return issuer;
}
