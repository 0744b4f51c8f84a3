import net, { type AddressInfo } from "node:net";

/** A TCP port free on 127.0.0.1 right now (for a listener a test creates). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const p = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return p;
}
