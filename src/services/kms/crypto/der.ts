/**
 * A tiny DER writer and strict reader: just enough ASN.1 for SubjectPublicKeyInfo and PKCS#8
 * structures that node:crypto (Node 20) cannot build itself (ML-DSA, ML-KEM). The reader accepts
 * only definite, minimally encoded lengths, so one key has exactly one accepted encoding.
 */

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;
/** [0] IMPLICIT, primitive (used for the ML-DSA / ML-KEM private-key seed). */
export const TAG_CONTEXT_0_PRIMITIVE = 0x80;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function derSequence(...items: Uint8Array[]): Buffer {
  return derTlv(TAG_SEQUENCE, Buffer.concat(items));
}

export function derOctetString(content: Uint8Array): Buffer {
  return derTlv(TAG_OCTET_STRING, content);
}

/** BIT STRING with zero unused bits (whole bytes). */
export function derBitString(content: Uint8Array): Buffer {
  return derTlv(TAG_BIT_STRING, Buffer.concat([Buffer.from([0]), content]));
}

/** Non-negative INTEGER small enough for a JS number. */
export function derSmallInteger(value: number): Buffer {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return derTlv(TAG_INTEGER, Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted text. */
export function derOid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((s) => Number(s));
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new Error("bad OID");
  }
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return derTlv(TAG_OID, Buffer.from(out));
}

export interface DerElement {
  tag: number;
  /** The content octets (a view into the input). */
  content: Buffer;
  /** Offset just past this element. */
  end: number;
}

/** Reads one element at `offset`; returns undefined on any malformation. */
export function derRead(buf: Buffer, offset: number): DerElement | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags are never used here
  const first = buf[offset + 1] as number;
  let length: number;
  let pos = offset + 2;
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) return undefined; // indefinite or absurd
    if (buf[pos] === 0) return undefined; // non-minimal
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[pos + i] as number);
    if (length < 0x80) return undefined; // non-minimal
    pos += n;
  }
  const end = pos + length;
  if (end > buf.length) return undefined;
  return { tag, content: buf.subarray(pos, end), end };
}

/** Reads exactly one element spanning all of `buf` with the given tag. */
export function derReadWhole(buf: Buffer, tag: number): Buffer | undefined {
  const el = derRead(buf, 0);
  if (!el || el.tag !== tag || el.end !== buf.length) return undefined;
  return el.content;
}

/** Splits the content of a constructed element into its children; undefined if malformed. */
export function derChildren(content: Buffer): DerElement[] | undefined {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < content.length) {
    const el = derRead(content, offset);
    if (!el) return undefined;
    out.push(el);
    offset = el.end;
  }
  return out;
}
