/**
 * Reads a connection's TLS ClientHello before the TLS server sees it, so the listener can
 * fingerprint the client (JA3/JA4), then puts the bytes back (unshift) and hands the socket
 * on. The TLS stack replays data already buffered on the socket, so nothing is lost.
 * A client that does not finish its hello within `timeoutMs` is disconnected (slowloris
 * at the TLS layer).
 */
import type { Socket } from "node:net";
import { parseClientHello, type ClientHello, MAX_HELLO_BYTES } from "./client-hello.js";
import { ja3, ja4 } from "./fingerprints.js";
import { certificateSupport, type CertificateSupport } from "./sni-selection.js";

export interface TlsFingerprint {
  ja3: string;
  ja4: string;
  serverName?: string;
  /** Certificate key types the client can verify (SNI certificate selection). */
  accepts: CertificateSupport;
}

export function fingerprint(h: ClientHello): TlsFingerprint {
  return { ja3: ja3(h), ja4: ja4(h), ...(h.serverName !== undefined ? { serverName: h.serverName } : {}), accepts: certificateSupport(h) };
}

export function sniffClientHello(socket: Socket, timeoutMs: number, done: (fp: TlsFingerprint | undefined) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => {
    cleanup();
    socket.destroy();
  }, timeoutMs);
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("close", cleanup);
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const r = parseClientHello(buf);
    if (r.state === "need-more" && buf.length < MAX_HELLO_BYTES) return;
    cleanup();
    socket.pause();
    socket.unshift(buf);
    done(r.state === "complete" ? fingerprint(r.hello) : undefined);
  };
  socket.on("data", onData);
  socket.once("close", cleanup);
}
