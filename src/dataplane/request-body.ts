/**
 * Reads a client's request body exactly once: first into a small prefix buffer (what the
 * WAF inspects), then streamed to the target with backpressure — the prefix is never
 * re-read, the rest is never buffered. Shield's body protections live here: the body size
 * limit (413), the idle timeout and the minimum transfer rate (slow POST → 408).
 *
 * Invariant: while the reader holds the stream paused on purpose (waiting for the WAF or
 * for the target to drain), the idle and rate clocks do not blame the client.
 */
import type { IncomingMessage } from "node:http";
import type { Writable } from "node:stream";
import { performance } from "node:perf_hooks";
import type { ShieldLimits } from "./limits.js";

export type BodyViolation = 408 | 413;

export class RequestBody {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes received so far. */
  total = 0;
  ended = false;
  /** Set once a limit was broken or the client went away. */
  failed = false;
  private sink: Writable | undefined;
  private waiter: (() => void) | undefined;
  private waitFor = Infinity;
  private idle: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  private activeMs = 0;
  private activeSince = this.started;
  private paused = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limits: ShieldLimits,
    private readonly onViolation: (status: BodyViolation) => void,
  ) {
    req.on("data", this.onData);
    req.once("end", this.onEnd);
    req.once("aborted", this.onAbort);
    req.once("error", this.onAbort);
    req.once("close", () => {
      if (!this.ended) this.onAbort();
    });
    this.armIdle();
  }

  /** Resolves when more than `limit` bytes are buffered, the body ended, or reading failed. */
  bufferPrefix(limit: number): Promise<void> {
    if (this.ended || this.failed || this.buffered > limit) {
      this.hold();
      return Promise.resolve();
    }
    this.waitFor = limit;
    return new Promise((resolve) => {
      this.waiter = () => {
        this.waiter = undefined;
        this.waitFor = Infinity;
        resolve();
      };
    });
  }

  /** The first `limit` bytes and whether the body goes on past them. */
  prefix(limit: number): { body: Buffer; truncated: boolean } {
    if (this.chunks.length > 1) {
      const all = Buffer.concat(this.chunks, this.buffered);
      this.chunks.length = 0;
      this.chunks.push(all);
    }
    const all = this.chunks[0] ?? Buffer.alloc(0);
    return { body: all.length > limit ? all.subarray(0, limit) : all, truncated: this.buffered > limit || !this.ended };
  }

  /** Streams what was buffered, then the rest, into `dest`; ends it with the body. */
  pipeTo(dest: Writable): void {
    this.sink = dest;
    for (const c of this.chunks) dest.write(c);
    this.chunks.length = 0;
    this.buffered = 0;
    if (this.ended) {
      dest.end();
      return;
    }
    if (dest.writableNeedDrain) {
      dest.once("drain", this.release);
      return;
    }
    this.release();
  }

  /** Stops reading (the request was answered without forwarding it). */
  abandon(): void {
    this.clearIdle();
    this.req.off("data", this.onData);
    this.sink = undefined;
    this.chunks.length = 0;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.total += chunk.length;
    const max = this.limits.maxBodyBytes;
    if (max > 0 && this.total > max) return this.fail(413);
    if (this.tooSlow()) return this.fail(408);
    this.idle?.refresh();
    if (this.sink) {
      if (!this.sink.write(chunk)) {
        this.hold();
        this.sink.once("drain", this.release);
      }
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > this.waitFor) {
      this.hold();
      this.waiter?.();
    }
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.clearIdle();
    this.sink?.end();
    this.waiter?.();
  };

  private readonly onAbort = (): void => {
    this.failed = true;
    this.clearIdle();
    this.waiter?.();
  };

  /** Pause on our account: stop the client's clocks. */
  private hold(): void {
    if (this.paused) return;
    this.paused = true;
    this.req.pause();
    this.activeMs += performance.now() - this.activeSince;
    this.clearIdle();
  }

  private readonly release = (): void => {
    if (this.failed) return;
    if (this.paused) {
      this.paused = false;
      this.activeSince = performance.now();
    }
    if (!this.ended) this.armIdle();
    this.req.resume();
  };

  private tooSlow(): boolean {
    const minRate = this.limits.minBodyBytesPerSecond;
    if (minRate <= 0) return false;
    const active = this.activeMs + (this.paused ? 0 : performance.now() - this.activeSince);
    return active > this.limits.bodyRateGraceMs && (this.total * 1000) / active < minRate;
  }

  private armIdle(): void {
    if (this.limits.bodyIdleTimeoutMs <= 0) return;
    if (this.idle) {
      this.idle.refresh();
      return;
    }
    this.idle = setTimeout(() => this.fail(408), this.limits.bodyIdleTimeoutMs);
    this.idle.unref();
  }

  private clearIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
  }

  private fail(status: BodyViolation): void {
    if (this.failed) return;
    this.failed = true;
    this.abandon();
    this.waiter?.();
    this.onViolation(status);
  }
}
