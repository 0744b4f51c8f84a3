/** Binding a listener's server to its address, and its TLS settings, shared by both HTTP engines. */
import { constants } from "node:crypto";
import type { AddressInfo, Server } from "node:net";
import type { TlsOptions } from "node:tls";

/**
 * TLS for the API endpoint: 1.2 and later, ALPN http/1.1 (or 1.0), and no renegotiation. Node
 * allows a client 3 renegotiations per 10 minutes on each connection, each a full handshake the
 * server signs; nothing here needs them (TLS 1.3 has none), so they are refused outright.
 */
export function apiTlsOptions(certPem: string, keyPem: string): TlsOptions {
  return { cert: certPem, key: keyPem, minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1", "http/1.0"], secureOptions: constants.SSL_OP_NO_RENEGOTIATION };
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
