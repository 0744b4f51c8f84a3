/** Raw HTTP/1.1 exchanges for tests that write bytes no SDK would send. */
import type { Socket } from "node:net";

export interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Everything the server sends on `socket` until it closes: the status code, the head and the body. */
export function rawAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString("latin1");
      const end = all.indexOf("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(all)?.[1] ?? 0), headers: all.slice(0, end), body: all.slice(end + 4) });
    });
  });
}
