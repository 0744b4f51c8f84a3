/** Binding a listener's server to its address, shared by both HTTP engines. */
import type { AddressInfo, Server } from "node:net";

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
