/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally from whatever bytes have
 * arrived. Chunk extensions are checked against the grammar and bounded in total (they carry
 * nothing Bulwark uses); trailer fields are checked and bounded like header fields, then dropped.
 */
import { FIELD_LINE } from "./fields.js";
import { BodyParts } from "../body-parts.js";

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

/** chunk-size [ chunk-ext ]: at most 16 hex digits; extensions *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ). */
const CHUNK_LINE =
  /^([0-9A-Fa-f]{1,16})((?:[\t ]*;[\t ]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[\t ]*=[\t ]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*)$/;

/** Longest chunk-size line, and all chunk extensions of one body together (node allows 16 KiB). */
const MAX_CHUNK_LINE = 4096;
const MAX_EXTENSION_BYTES = 16 * 1024;

/**
 * Whether buf[start, end), a chunk-size line without its end yet, may begin a valid one: a hex
 * digit first, then no CTL but HTAB (a final CR may begin the CRLF).
 */
function sizeLineCanStart(buf: Buffer, start: number, end: number): boolean {
  if (start === end) return true;
  const h = buf[start] as number;
  if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return false;
  for (let i = start + 1; i < end; i++) {
    const c = buf[i] as number;
    if (c < 0x20 ? c !== 9 && !(c === 13 && i === end - 1) : c === 0x7f) return false;
  }
  return true;
}

export interface ChunkedLimits {
  maxBodyBytes: number;
  /** Bounds the trailer section like the header section. */
  maxHeaderBytes: number;
  maxFields: number;
}

/** The outcome of feed(): more bytes needed, body complete, or why the body is refused. */
export const NEED_MORE = 0;
export const COMPLETE = 1;
export const TOO_LARGE = 2;
export const MALFORMED = 3;
export const TRAILER_TOO_LARGE = 4;
/** The body's data does not fit in the memory budget for bodies being received. */
export const OVER_BUDGET = 5;

export class ChunkedDecoder {
  private state = SIZE;
  private remaining = 0;
  private extensionBytes = 0;
  private trailerBytes = 0;
  private trailerFields = 0;
  /** The decoded data: chunks of one byte each must not cost one object each. */
  private readonly data = new BodyParts();
  /** Bytes of `buf` the last feed() used. */
  consumed = 0;
  /** The current body's limit (reset(); at most limits.maxBodyBytes). */
  private maxBody: number;

  /** `reserve(n)` is asked before n more bytes of data are kept; false refuses the body (OVER_BUDGET). */
  constructor(
    private readonly limits: ChunkedLimits,
    private readonly reserve?: (n: number) => boolean,
  ) {
    this.maxBody = limits.maxBodyBytes;
  }

  /** Starts a new body of at most `maxBody` bytes (default and cap: limits.maxBodyBytes). */
  reset(maxBody = this.limits.maxBodyBytes): void {
    this.maxBody = Math.min(maxBody, this.limits.maxBodyBytes);
    this.state = SIZE;
    this.remaining = 0;
    this.extensionBytes = 0;
    this.trailerBytes = 0;
    this.trailerFields = 0;
    this.data.reset();
  }

  /** The decoded body once feed() answered COMPLETE. */
  body(): Buffer {
    return this.data.take();
  }

  /** Decodes from the start of `buf`; sets `consumed`. The caller keeps the unconsumed bytes and feeds them again with more. */
  feed(buf: Buffer): number {
    let pos = 0;
    const len = buf.length;
    for (;;) {
      switch (this.state) {
        case SIZE: {
          const lf = buf.indexOf(10, pos);
          if (lf < 0) {
            this.consumed = pos;
            // Refused once it cannot begin a valid line, not when an end that may never come arrives.
            return len - pos > MAX_CHUNK_LINE || !sizeLineCanStart(buf, pos, len) ? MALFORMED : NEED_MORE;
          }
          if (lf === pos || buf[lf - 1] !== 13 || lf - pos > MAX_CHUNK_LINE) return this.fail(pos);
          const m = CHUNK_LINE.exec(buf.toString("latin1", pos, lf - 1));
          if (m === null) return this.fail(pos);
          this.extensionBytes += (m[2] as string).length;
          if (this.extensionBytes > MAX_EXTENSION_BYTES) return this.fail(pos);
          const size = parseInt(m[1] as string, 16);
          pos = lf + 1;
          if (size === 0) {
            this.state = TRAILER;
          } else {
            if (size > this.maxBody - this.data.size) {
              this.consumed = pos;
              return TOO_LARGE;
            }
            this.remaining = size;
            this.state = DATA;
          }
          break;
        }
        case DATA: {
          const take = Math.min(this.remaining, len - pos);
          if (take === 0) {
            this.consumed = pos;
            return NEED_MORE;
          }
          if (this.reserve !== undefined && !this.reserve(take)) {
            this.consumed = pos;
            return OVER_BUDGET;
          }
          this.data.pushRange(buf, pos, pos + take);
          this.remaining -= take;
          pos += take;
          if (this.remaining === 0) this.state = DATA_END;
          break;
        }
        case DATA_END: {
          if (len - pos < 2) {
            this.consumed = pos;
            return len === pos || buf[pos] === 13 ? NEED_MORE : MALFORMED;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) return this.fail(pos);
          pos += 2;
          this.state = SIZE;
          break;
        }
        case TRAILER: {
          const lf = buf.indexOf(10, pos);
          if (lf < 0) {
            this.consumed = pos;
            return this.trailerBytes + (len - pos) > this.limits.maxHeaderBytes ? TRAILER_TOO_LARGE : NEED_MORE;
          }
          if (lf === pos || buf[lf - 1] !== 13) return this.fail(pos);
          const lineLength = lf - 1 - pos;
          pos = lf + 1;
          if (lineLength === 0) {
            this.state = DONE;
            this.consumed = pos;
            return COMPLETE;
          }
          this.trailerBytes += lineLength + 2;
          if (this.trailerBytes > this.limits.maxHeaderBytes || ++this.trailerFields > this.limits.maxFields) {
            this.consumed = pos;
            return TRAILER_TOO_LARGE;
          }
          // The trailer fields are not used, but must be well-formed (no CTLs, no obs-fold).
          if (!FIELD_LINE.test(buf.toString("latin1", lf - 1 - lineLength, lf - 1))) return this.fail(pos);
          break;
        }
        default:
          this.consumed = pos;
          return COMPLETE;
      }
    }
  }

  private fail(pos: number): number {
    this.consumed = pos;
    return MALFORMED;
  }
}
