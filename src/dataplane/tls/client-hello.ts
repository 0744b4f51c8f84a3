/**
 * Parses a TLS ClientHello (possibly fragmented over several handshake records) far enough
 * to fingerprint the client: version, cipher suites, extensions in order, supported
 * groups, point formats, signature algorithms, ALPN and SNI presence.
 * The parser is defensive: every length is bounds-checked and a malformed hello is
 * reported as invalid, never thrown.
 */

export interface ClientHello {
  /** legacy_version of the hello body (0x0303 for TLS 1.2 and 1.3 clients). */
  version: number;
  ciphers: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  signatureAlgorithms: number[];
  alpn: string[];
  /** supported_versions (43), in order. */
  supportedVersions: number[];
  serverName: string | undefined;
}

export type HelloParse = { state: "need-more" } | { state: "invalid" } | { state: "complete"; hello: ClientHello };

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
/** A hello longer than this is not worth waiting for (real ones are < 2 KiB; with PQ key shares < 4 KiB). */
export const MAX_HELLO_BYTES = 32 * 1024;

/** Reassembles the handshake message from the records in `buf`. */
export function parseClientHello(buf: Buffer): HelloParse {
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1;
  let off = 0;
  while (off + 5 <= buf.length) {
    if (buf[off] !== HANDSHAKE || buf[off + 1] !== 3) return { state: "invalid" };
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > 16384 + 2048) return { state: "invalid" };
    const end = off + 5 + len;
    const frag = buf.subarray(off + 5, Math.min(end, buf.length));
    parts.push(frag);
    have += frag.length;
    if (need < 0 && have >= 4) {
      const head = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      if (head[0] !== CLIENT_HELLO) return { state: "invalid" };
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_HELLO_BYTES) return { state: "invalid" };
    }
    if (need >= 0 && have >= need) {
      const msg = Buffer.concat(parts).subarray(0, need);
      const hello = parseBody(msg.subarray(4));
      return hello ? { state: "complete", hello } : { state: "invalid" };
    }
    if (end > buf.length) break;
    off = end;
  }
  if (buf.length > 0 && buf[0] !== HANDSHAKE) return { state: "invalid" };
  return buf.length >= MAX_HELLO_BYTES ? { state: "invalid" } : { state: "need-more" };
}

class Reader {
  constructor(
    private readonly b: Buffer,
    public off = 0,
  ) {}
  left(): number {
    return this.b.length - this.off;
  }
  u8(): number {
    if (this.left() < 1) throw new RangeError("short");
    return this.b[this.off++] as number;
  }
  u16(): number {
    if (this.left() < 2) throw new RangeError("short");
    const v = this.b.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  bytes(n: number): Buffer {
    if (this.left() < n) throw new RangeError("short");
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
}

function u16List(data: Buffer, lenBytes: 1 | 2): number[] {
  const r = new Reader(data);
  const len = lenBytes === 1 ? r.u8() : r.u16();
  const body = new Reader(r.bytes(len));
  const out: number[] = [];
  while (body.left() >= 2) out.push(body.u16());
  return out;
}

function parseBody(body: Buffer): ClientHello | undefined {
  try {
    const r = new Reader(body);
    const version = r.u16();
    r.bytes(32); // random
    r.bytes(r.u8()); // session id
    const cs = new Reader(r.bytes(r.u16()));
    const ciphers: number[] = [];
    while (cs.left() >= 2) ciphers.push(cs.u16());
    r.bytes(r.u8()); // compression methods
    const hello: ClientHello = { version, ciphers, extensions: [], groups: [], pointFormats: [], signatureAlgorithms: [], alpn: [], supportedVersions: [], serverName: undefined };
    if (r.left() < 2) return hello;
    const ext = new Reader(r.bytes(r.u16()));
    while (ext.left() >= 4) {
      const type = ext.u16();
      const data = ext.bytes(ext.u16());
      hello.extensions.push(type);
      switch (type) {
        case 0: {
          const sr = new Reader(data);
          const list = new Reader(sr.bytes(sr.u16()));
          if (list.u8() === 0) hello.serverName = list.bytes(list.u16()).toString("latin1");
          break;
        }
        case 10:
          hello.groups = u16List(data, 2);
          break;
        case 11: {
          const pr = new Reader(data);
          hello.pointFormats = [...pr.bytes(pr.u8())];
          break;
        }
        case 13:
          hello.signatureAlgorithms = u16List(data, 2);
          break;
        case 16: {
          const ar = new Reader(data);
          const list = new Reader(ar.bytes(ar.u16()));
          while (list.left() > 0) hello.alpn.push(list.bytes(list.u8()).toString("latin1"));
          break;
        }
        case 43:
          hello.supportedVersions = u16List(data, 1);
          break;
      }
    }
    return hello;
  } catch {
    return undefined;
  }
}
