/**
 * Delivers WAF log lines off the request path: lines are queued per destination and
 * flushed in batches (file appends, or one HTTP POST of newline-separated JSON per batch).
 * The queue is bounded; when a destination cannot keep up, the oldest lines are dropped
 * and counted rather than growing memory without limit.
 */
import { appendFile } from "node:fs/promises";
import { makeDirsAsync } from "../../core/dirs.js";
import path from "node:path";
import type { LogDestination } from "./log-destinations.js";

export interface LogSinkOptions {
  /** Lines kept per destination before the oldest are dropped. */
  maxQueuedLines?: number;
  flushIntervalMs?: number;
  /** HTTP client (tests inject one); defaults to the global fetch. */
  post?: (url: string, body: string) => Promise<void>;
  onError?: (e: unknown, dest: LogDestination) => void;
}

interface Pending {
  dest: LogDestination;
  lines: string[];
}

async function defaultPost(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`log endpoint answered ${res.status}`);
}

export class LogSink {
  private readonly pending = new Map<string, Pending>();
  private readonly maxQueued: number;
  private readonly intervalMs: number;
  private readonly post: (url: string, body: string) => Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  dropped = 0;
  failed = 0;

  constructor(private readonly opts: LogSinkOptions = {}) {
    this.maxQueued = opts.maxQueuedLines ?? 10_000;
    this.intervalMs = opts.flushIntervalMs ?? 100;
    this.post = opts.post ?? defaultPost;
  }

  write(dest: LogDestination, line: string): void {
    if (this.closed) return;
    const key = `${dest.kind}:${dest.kind === "file" ? dest.path : dest.url}`;
    let p = this.pending.get(key);
    if (!p) {
      p = { dest, lines: [] };
      this.pending.set(key, p);
    }
    p.lines.push(line);
    if (p.lines.length > this.maxQueued) {
      p.lines.shift();
      this.dropped++;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  /** Writes everything queued so far; resolves when it is delivered (or failed). */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()];
        this.pending.clear();
        await Promise.all(batch.map((p) => this.deliver(p)));
      }
    };
    // Flushes run one after another so lines of a destination stay in order.
    const next = (this.flushing ?? Promise.resolve()).then(run);
    this.flushing = next;
    return next;
  }

  private async deliver(p: Pending): Promise<void> {
    const body = `${p.lines.join("\n")}\n`;
    try {
      if (p.dest.kind === "file") {
        await makeDirsAsync(path.dirname(p.dest.path), 0o700);
        await appendFile(p.dest.path, body, { mode: 0o600 });
      } else {
        await this.post(p.dest.url, body);
      }
    } catch (e) {
      this.failed += p.lines.length;
      this.opts.onError?.(e, p.dest);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
  }
}
