/**
 * A raw HTTP/1.1 client for tests: writes exact bytes (in pieces, with pauses) and reads back
 * exactly what the server sent, and whether it closed the connection.
 */
import net from "node:net";
import tls from "node:tls";

export interface Exchange {
  /** Everything the server sent, read as latin1. */
  text: string;
  responses: RawResponse[];
  /** The server ended the connection. */
  closed: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ExchangeOptions {
  /** Pause between pieces (ms). */
  gapMs?: number;
  /** Half-close after the last piece. */
  end?: boolean;
  /** Stop waiting once the server has been silent this long (ms) without closing. */
  quietMs?: number;
  /** Requests answered without a body although they declare a length (HEAD), by response index. */
  headless?: number[];
  tls?: { ca: string; servername?: string; alpn?: string[] };
}

export async function exchange(port: number, pieces: Array<string | Buffer>, opts: ExchangeOptions = {}): Promise<Exchange> {
  const sock: net.Socket = opts.tls
    ? tls.connect({ host: "127.0.0.1", port, ca: opts.tls.ca, servername: opts.tls.servername ?? "localhost", ALPNProtocols: opts.tls.alpn ?? ["http/1.1"] })
    : net.connect({ host: "127.0.0.1", port });
  sock.setNoDelay(true);
  let text = "";
  let closed = false;
  let last = Date.now();
  sock.on("data", (d: Buffer) => {
    text += d.toString("latin1");
    last = Date.now();
  });
  sock.on("end", () => (closed = true));
  sock.on("close", () => (closed = true));
  sock.on("error", () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    sock.once(opts.tls ? "secureConnect" : "connect", () => resolve());
    sock.once("error", reject);
  });
  for (const p of pieces) {
    if (closed) break;
    sock.write(typeof p === "string" ? Buffer.from(p, "latin1") : p);
    if (opts.gapMs) await sleep(opts.gapMs);
  }
  if (opts.end && !closed) sock.end();
  last = Date.now();
  const quiet = opts.quietMs ?? 150;
  const deadline = Date.now() + 5000;
  while (!closed && Date.now() - last < quiet && Date.now() < deadline) await sleep(5);
  sock.destroy();
  return { text, responses: parseResponses(text, new Set(opts.headless ?? [])), closed };
}

/** Splits a byte stream of responses (framed by content-length) into responses. */
export function parseResponses(text: string, headless: Set<number> = new Set()): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf("\r\n\r\n", pos);
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(text.slice(pos))}`);
    const lines = text.slice(pos, end).split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? "");
    if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const status = Number(m[1]);
    const length = status < 200 || status === 204 || headless.has(out.length) ? 0 : Number(headers["content-length"] ?? 0);
    out.push({ status, headers, body: text.slice(end + 4, end + 4 + length) });
    pos = end + 4 + length;
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
