/** Binding a listener's server to its address, and its TLS settings, shared by both HTTP engines. */
import { constants } from "node:crypto";
import type { AddressInfo, Server, Socket } from "node:net";
import type { TlsOptions } from "node:tls";

/**
 * TLS 1.2 cipher suites of the API endpoint unless configured (`BULWARK_TLS_CIPHERS`): forward
 * secrecy (ECDHE) and authenticated encryption (AES-GCM, ChaCha20-Poly1305) only, for ECDSA and
 * RSA certificates, as in Mozilla's "intermediate" server configuration. Node's default list also
 * offers CBC suites (LUCKY13-style padding oracles, SHA-1 MACs), CCM and ARIA, which no AWS SDK
 * needs. TLS 1.3's own suites (all AEAD) are OpenSSL's defaults, unaffected by this list.
 */
export const DEFAULT_TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * TLS for the API endpoint: 1.2 and later, the cipher list above (or the configured one), ALPN
 * http/1.1 (or 1.0), and no renegotiation. Node allows a client 3 renegotiations per 10 minutes on
 * each connection, each a full handshake the server signs; nothing here needs them (TLS 1.3 has
 * none), so they are refused outright.
 */
export function apiTlsOptions(certPem: string, keyPem: string, ciphers: string = DEFAULT_TLS12_CIPHERS): TlsOptions {
  return {
    cert: certPem,
    key: keyPem,
    minVersion: "TLSv1.2",
    ciphers,
    honorCipherOrder: true,
    ALPNProtocols: ["http/1.1", "http/1.0"],
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}

/** Listens on host:port (port 0: any free one) and answers the URL clients use and the bound port. */
export async function listenOn(server: Server, host: string, port: number, secure: boolean): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return { url: `${secure ? "https" : "http"}://${hostForUrl}:${addr.port}`, port: addr.port };
}

/**
 * Closes, before reading a byte (before the TLS handshake too), a TCP connection from an address
 * that already holds `maxPerIp` open connections to this server; 0 means no limit. Without it one
 * client holding idle connections (65 s each, 120 s for a handshake never finished) could take
 * every file descriptor the process has, and every other client would be refused.
 */
export function limitConnectionsPerIp(server: Server, maxPerIp: number): void {
  if (maxPerIp <= 0) return;
  const open = new Map<string, number>();
  server.prependListener("connection", (socket: Socket) => {
    const ip = socket.remoteAddress ?? "";
    const n = open.get(ip) ?? 0;
    if (n >= maxPerIp) {
      socket.destroy();
      return;
    }
    open.set(ip, n + 1);
    socket.once("close", () => {
      const m = open.get(ip) ?? 1;
      if (m <= 1) open.delete(ip);
      else open.set(ip, m - 1);
    });
  });
}
