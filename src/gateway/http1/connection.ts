/**
 * One client connection: bytes in, one request at a time out to the handler, its response back.
 *
 * Requests are read strictly in sequence: the next request (pipelined or not) is parsed only
 * after the previous one has been answered, so responses leave in request order and a handler
 * never sees two requests of one connection at once. What must stay true:
 * - the body a handler gets is exactly the framed body (Content-Length or chunked), never more;
 * - a request refused by the parser is answered with its status and the connection closed, since
 *   where the next request would start is no longer known;
 * - a body over the limit, or one that does not fit in the budget shared by bodies being
 *   received, is not read: the handler gets `body: undefined` (and `unread` says which), further
 *   input is dropped, and the connection closes after the answer;
 * - what a body reserved in that budget is released when the body is handed over or the
 *   request ends any other way (close, reset, timeout, refusal).
 */
import type { Socket } from "node:net";
import { tlsInfoOf, type ApiHeaders, type ApiRequest, type ApiResponder, type TlsInfo, type UnreadBody } from "../api.js";
import type { BodyBudget } from "../body-budget.js";
import { HttpError, parseHead, type RequestHead } from "./head.js";
import { TOKEN, validHeadBytes } from "./fields.js";
import { BodyParts } from "../body-parts.js";
import { COMPLETE, ChunkedDecoder, NEED_MORE, OVER_BUDGET, TOO_LARGE, TRAILER_TOO_LARGE } from "./chunked.js";
import type { Clock } from "../../core/clock.js";
import { httpDate } from "../http-date.js";
import { CLOSE, CONTINUE, KEEP_ALIVE, KEEP_ALIVE_1_0, errorResponse, responseHead } from "./response.js";

export interface Http1Limits {
  maxBodyBytes: number;
  /** Request line plus header section (node's default: 16 KiB); also bounds trailers. */
  maxHeaderBytes: number;
  /** Header fields per request (and trailer fields per body). */
  maxFields: number;
  /** An idle persistent connection is closed after this long without a request. */
  keepAliveTimeoutMs: number;
  /** From a request's first byte to the end of its head. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. */
  requestTimeoutMs: number;
  /**
   * How long a response may wait for the client to read it (the socket's send buffer full, no
   * "drain") before the connection is dropped: a client that stops reading would otherwise hold
   * its connection, and the response buffered for it, for ever.
   */
  sendTimeoutMs: number;
  /** After the last response has left, how long a closing connection may still send (discarded) bytes. */
  lingerMs: number;
  /** TLS: from the TCP connection to the end of the handshake (the listener's, before any request). */
  handshakeTimeoutMs: number;
}

/** What connections share with their listener. */
export interface ConnectionContext {
  readonly limits: Http1Limits;
  readonly keepAliveSeconds: number;
  /** Memory for bodies being received, shared by all connections (none: no bound). */
  readonly budget: BodyBudget | undefined;
  /** The largest body of one request, from its head (ListenerOptions.bodyLimit; capped at limits.maxBodyBytes). */
  readonly bodyLimit: ((headers: ApiHeaders, url: string) => number) | undefined;
  onRequest(req: ApiRequest, res: ApiResponder): void;
  /** The service clock for the Date field of the engine's own answers (none: no Date). */
  readonly clock: Clock | undefined;
  /** Coarse monotonic time in ms, advanced by the listener's periodic sweep (no timer per request). */
  now: number;
  draining: boolean;
  closed(conn: Http1Connection): void;
}

/** Waiting for a request's first byte. */
const IDLE = 0;
const HEAD = 1;
const BODY = 2;
const CHUNKED = 3;
/** The handler has the request; input is buffered, not parsed. */
const BUSY = 4;
/** Our side has ended; input is discarded until the peer closes or lingerMs passes after the last byte sent. */
const CLOSING = 5;
const CLOSED = 6;

const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
/**
 * What a request line must look like (method SP target SP HTTP/d.d), checked on a head still
 * arriving once its first line has: text that is no request (an SSH or SMTP greeting) is refused
 * then, not at the head timeout. parseHead judges the complete head fully.
 */
const REQUEST_LINE = new RegExp(`^${TOKEN.source.slice(1, -1)} [\\x21-\\x7e]+ HTTP/\\d\\.\\d$`);
const EMPTY = Buffer.alloc(0);
/** Pipelined bytes buffered while a request is handled, before reading pauses. */
const PIPELINE_BUFFER_BYTES = 64 * 1024;
/** Larger bodies go out in a second write (corked) instead of being copied behind the head. */
const COPY_BODY_BYTES = 16 * 1024;

export class Http1Connection {
  private state = IDLE;
  /** Received bytes not consumed yet. */
  private buf: Buffer | undefined;
  /** Where to resume looking for the end of the head. */
  private scanFrom = 0;
  /** The request line of the head being read was found well-formed (see REQUEST_LINE). */
  private lineChecked = false;
  /** When the current phase began (ctx.now): idle since, or the request's first byte. */
  private since: number;
  private head: RequestHead | undefined;
  private remaining = 0;
  /** The Content-Length body arriving in more than one read. */
  private parts: BodyParts | undefined;
  private decoder: ChunkedDecoder | undefined;
  /** Bytes the body being received holds in ctx.budget. */
  private reserved = 0;
  /** Number of the request the handler has; a responder for another number is stale. */
  private seq = 0;
  private processing = false;
  private peerEnded = false;
  private discarding = false;
  private waitingDrain = false;
  private readonly remoteAddress: string;
  /** What the TLS handshake negotiated (read when the first request arrives; undefined for plain TCP). */
  private tls: TlsInfo | undefined;
  private tlsRead = false;
  /** The previous request's field names (see parseHead). */
  private readonly names: string[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.since = ctx.now;
    this.remoteAddress = socket.remoteAddress ?? "";
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("drain", () => this.onDrain());
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onClose());
  }

  /** Waiting for a next request with none of it received. */
  isIdle(): boolean {
    return this.state === IDLE && this.buf === undefined && !this.waitingDrain;
  }

  /** A request received in part (not yet with the handler). */
  isReceiving(): boolean {
    return this.state === HEAD || this.state === BODY || this.state === CHUNKED;
  }

  /** Ends the connection gracefully (our side first; input discarded meanwhile). */
  close(): void {
    if (this.state < CLOSING) this.closeGracefully();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private reset(): void {
    const socket = this.socket;
    // TLS sockets reset the TCP connection underneath (their own resetAndDestroy needs a handle
    // they do not expose in every Node.js release).
    try {
      socket.resetAndDestroy();
    } catch {
      socket.destroy();
    }
  }

  /** Timeouts, checked by the listener's sweep. */
  check(now: number): void {
    const l = this.ctx.limits;
    const elapsed = now - this.since;
    switch (this.state) {
      case IDLE:
        if (this.waitingDrain) {
          // Nothing can be answered to a client that does not read: no graceful close.
          // A reset: the response still queued in the kernel is discarded instead of kept for a peer that does not read.
          if (elapsed > l.sendTimeoutMs) this.reset();
        } else if (elapsed > l.keepAliveTimeoutMs) this.closeGracefully();
        break;
      case HEAD:
        if (elapsed > l.headersTimeoutMs) this.fail(408);
        break;
      case BODY:
      case CHUNKED:
        if (elapsed > l.requestTimeoutMs) this.fail(408);
        break;
      case CLOSING:
        // The last response still leaving: it may wait for its reader as long as any response;
        // the linger time counts from its last byte (see closeGracefully).
        if (!this.socket.writableFinished) {
          if (elapsed > l.sendTimeoutMs) this.reset();
        } else if (elapsed > l.lingerMs) this.socket.destroy();
        break;
    }
  }

  private onData(chunk: Buffer): void {
    if (this.state >= CLOSING || this.discarding) return;
    const buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = buf;
    if (this.state === BUSY || this.waitingDrain) {
      if (buf.length > PIPELINE_BUFFER_BYTES) this.socket.pause();
      return;
    }
    this.process();
  }

  private onEnd(): void {
    this.peerEnded = true;
    if (this.state === CLOSING) this.destroyWhenFlushed();
    else this.process();
  }

  private onDrain(): void {
    if (!this.waitingDrain) return;
    this.waitingDrain = false;
    // Idle from now: the keep-alive timeout counts from the response's last byte leaving.
    this.since = this.ctx.now;
    this.socket.resume();
    this.process();
  }

  private onClose(): void {
    this.releaseBody();
    this.state = CLOSED;
    this.buf = undefined;
    this.parts = undefined;
    this.head = undefined;
    this.decoder = undefined;
    this.ctx.closed(this);
  }

  /** Parses and hands over as many requests as the buffered bytes allow, one at a time. */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.step());
      if (this.peerEnded) this.afterPeerEnd();
    } finally {
      this.processing = false;
    }
  }

  private step(): boolean {
    if (this.waitingDrain) return false;
    switch (this.state) {
      case IDLE:
      case HEAD:
        return this.readHead();
      case BODY:
        return this.readBody();
      case CHUNKED:
        return this.readChunked();
      default:
        return false;
    }
  }

  /** The client has sent its last byte: finish what can be answered, then close. */
  private afterPeerEnd(): void {
    if (this.state === BUSY || this.state >= CLOSING || this.waitingDrain) return;
    if (this.state === IDLE && this.buf === undefined) this.closeGracefully();
    else this.fail(400); // a request cut short
  }

  private readHead(): boolean {
    let buf = this.buf;
    if (buf === undefined) return false;
    if (this.state === IDLE) {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      const len = buf.length;
      let s = 0;
      while (s + 1 < len && buf[s] === 13 && buf[s + 1] === 10) s += 2;
      if (s === len || (s + 1 === len && buf[s] === 13)) {
        this.buf = s === len ? undefined : buf.subarray(s);
        return false;
      }
      if (s > 0) this.buf = buf = buf.subarray(s);
      this.state = HEAD;
      this.since = this.ctx.now;
      this.scanFrom = 0;
      this.lineChecked = false;
    }
    const max = this.ctx.limits.maxHeaderBytes;
    const end = buf.indexOf(CRLFCRLF, this.scanFrom);
    if (end < 0 || end > max) {
      if (end > max || buf.length > max + 3) return this.fail(431);
      // A byte no head may hold is refused as it arrives, not once a head that may never end is
      // complete: a CTL (a TLS ClientHello sent to a plain-HTTP port would otherwise wait for the
      // head timeout), or a bare LF (lines ended by one: refused, not guessed at, RFC 9112 §2.2).
      const len = buf.length;
      let from = this.scanFrom;
      if (from > 0 && buf[from] === 10 && buf[from - 1] === 13) from++;
      // A final CR may be the start of a CRLF.
      if (!validHeadBytes(buf, from, buf[len - 1] === 13 ? len - 1 : len)) return this.fail(400);
      if (!this.lineChecked) {
        const eol = buf.indexOf(13);
        if (eol >= 0 && eol + 1 < len) {
          if (!REQUEST_LINE.test(buf.toString("latin1", 0, eol))) return this.fail(400);
          this.lineChecked = true;
        }
      }
      this.scanFrom = len > 3 ? len - 3 : 0;
      return false;
    }
    const head = parseHead(buf, 0, end, this.ctx.limits.maxFields, this.names);
    if (head instanceof HttpError) return this.fail(head.status);
    const rest = end + 4;
    this.buf = rest < buf.length ? buf.subarray(rest) : undefined;
    this.head = head;
    return this.startBody(head);
  }

  private startBody(head: RequestHead): boolean {
    const max = this.ctx.limits.maxBodyBytes;
    const limit = this.ctx.bodyLimit === undefined ? max : Math.min(max, this.ctx.bodyLimit(head.headers, head.url));
    if (head.chunked) {
      (this.decoder ??= new ChunkedDecoder(this.ctx.limits, this.ctx.budget !== undefined ? (n) => this.reserve(n) : undefined)).reset(limit);
      this.state = CHUNKED;
      if (head.expectContinue && this.buf === undefined) this.socket.write(CONTINUE);
      return true;
    }
    const length = head.contentLength;
    if (length <= 0) {
      this.dispatch(EMPTY);
      return true;
    }
    if (length > limit) {
      // Not read, and no "100 Continue": the client need not send it at all.
      this.dispatchUnread("too-large");
      return true;
    }
    const buf = this.buf;
    if (buf !== undefined && buf.length >= length) {
      this.buf = buf.length > length ? buf.subarray(length) : undefined;
      this.dispatch(buf.length === length ? buf : buf.subarray(0, length));
      return true;
    }
    // The declared length, reserved up front: a sender that stalls cannot fill memory gradually.
    if (!this.reserve(length)) {
      this.dispatchUnread("busy");
      return true;
    }
    if (head.expectContinue && buf === undefined) this.socket.write(CONTINUE);
    this.state = BODY;
    this.remaining = length;
    (this.parts ??= new BodyParts()).reset();
    return true;
  }

  private readBody(): boolean {
    const buf = this.buf;
    if (buf === undefined) return false;
    const parts = this.parts as BodyParts;
    const take = Math.min(buf.length, this.remaining);
    parts.pushRange(buf, 0, take);
    this.buf = take < buf.length ? buf.subarray(take) : undefined;
    this.remaining -= take;
    if (this.remaining > 0) return false;
    this.dispatch(parts.take());
    return true;
  }

  private readChunked(): boolean {
    const buf = this.buf;
    if (buf === undefined) return false;
    const decoder = this.decoder as ChunkedDecoder;
    const outcome = decoder.feed(buf);
    const used = decoder.consumed;
    this.buf = used < buf.length ? buf.subarray(used) : undefined;
    switch (outcome) {
      case NEED_MORE:
        return false;
      case COMPLETE: {
        const body = decoder.body();
        decoder.reset();
        this.dispatch(body);
        return true;
      }
      case TOO_LARGE:
        decoder.reset();
        this.dispatchUnread("too-large");
        return true;
      case OVER_BUDGET:
        decoder.reset();
        this.dispatchUnread("busy");
        return true;
      case TRAILER_TOO_LARGE:
        return this.fail(431);
      default:
        return this.fail(400);
    }
  }

  /** Reserves `n` more bytes of body in the shared budget; false when they do not fit. */
  private reserve(n: number): boolean {
    const budget = this.ctx.budget;
    if (budget === undefined) return true;
    if (!budget.tryReserve(n)) return false;
    this.reserved += n;
    return true;
  }

  private releaseBody(): void {
    if (this.reserved === 0) return;
    this.ctx.budget?.release(this.reserved);
    this.reserved = 0;
  }

  /** Hands over the request without its body, which is left unread; the connection closes after the answer. */
  private dispatchUnread(why: UnreadBody): void {
    this.discarding = true;
    this.buf = undefined;
    this.dispatch(undefined, why);
  }

  private dispatch(body: Buffer | undefined, unread?: UnreadBody): void {
    // The body is the handler's from here on (or was not read).
    this.releaseBody();
    const head = this.head as RequestHead;
    this.state = BUSY;
    const res = new Http1Response(this, ++this.seq);
    if (!this.tlsRead) {
      this.tls = tlsInfoOf(this.socket);
      this.tlsRead = true;
    }
    const req: ApiRequest = { method: head.method, url: head.url, headers: head.headers, rawHeaders: head.rawHeaders, remoteAddress: this.remoteAddress, body };
    if (this.tls !== undefined) req.tls = this.tls;
    if (unread !== undefined) req.unread = unread;
    try {
      this.ctx.onRequest(req, res);
    } catch {
      if (!res.sent && this.state === BUSY) {
        this.socket.write(errorResponse(500, this.date()), "latin1");
        this.closeGracefully();
      }
    }
  }

  /** Writes the answer to request `seq` (a no-op once the connection has moved on or closed). */
  respond(seq: number, status: number, headers: Record<string, string>, body: Buffer | string | undefined): void {
    const head = this.head;
    if (seq !== this.seq || this.state !== BUSY || head === undefined) return;
    const bytes = body === undefined ? EMPTY : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const close = !head.keepAlive || this.discarding || this.ctx.draining;
    const text = responseHead(status, headers, bytes.length, close ? CLOSE : head.minor === 0 ? KEEP_ALIVE_1_0 : KEEP_ALIVE, this.ctx.keepAliveSeconds);
    const socket = this.socket;
    if (bytes.length === 0 || head.method === "HEAD" || status === 204 || status === 304) {
      socket.write(text, "latin1");
    } else if (bytes.length <= COPY_BODY_BYTES) {
      // One write: one TLS record, one syscall. Head bytes are latin1, one byte per character.
      const out = Buffer.allocUnsafe(text.length + bytes.length);
      out.write(text, 0, "latin1");
      bytes.copy(out, text.length);
      socket.write(out);
    } else {
      socket.cork();
      socket.write(text, "latin1");
      socket.write(bytes);
      socket.uncork();
    }
    this.head = undefined;
    if (close) {
      this.closeGracefully();
      return;
    }
    this.state = IDLE;
    this.since = this.ctx.now;
    // A client that does not read its responses gets no more of them parsed until it does.
    if (socket.writableNeedDrain) {
      this.waitingDrain = true;
      return;
    }
    if (socket.isPaused()) socket.resume();
    this.process();
  }

  private date(): string | undefined {
    const clock = this.ctx.clock;
    return clock !== undefined ? httpDate(clock.now()) : undefined;
  }

  /** Answers a request the parser refused (or that timed out) and closes. */
  private fail(status: number): false {
    if (this.state < CLOSING) {
      this.socket.write(errorResponse(status, this.date()), "latin1");
      this.closeGracefully();
    }
    return false;
  }

  private closeGracefully(): void {
    this.releaseBody();
    this.state = CLOSING;
    this.since = this.ctx.now;
    this.buf = undefined;
    this.parts = undefined;
    this.decoder = undefined;
    this.head = undefined;
    const socket = this.socket;
    socket.end();
    if (this.peerEnded) {
      this.destroyWhenFlushed();
      return;
    }
    // A large response to a slow reader can take longer than the linger time to leave.
    if (!socket.writableFinished) socket.once("finish", () => (this.since = this.ctx.now));
    // Keep reading (and discarding) so the peer's close is seen and no unread data turns our close into a reset.
    if (socket.isPaused()) socket.resume();
  }

  private destroyWhenFlushed(): void {
    const socket = this.socket;
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }
}

/** The responder for one request. */
class Http1Response implements ApiResponder {
  sent = false;

  constructor(
    private readonly conn: Http1Connection,
    private readonly seq: number,
  ) {}

  send(status: number, headers: Record<string, string>, body?: Buffer | string): void {
    if (this.sent) throw new Error("response already sent");
    this.conn.respond(this.seq, status, headers, body);
    this.sent = true;
  }
}
