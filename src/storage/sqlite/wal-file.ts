/**
 * Forcing a database's WAL file to disk from outside SQLite, for connections that commit with
 * synchronous=NORMAL (WAL frames written, not forced) and must not acknowledge a commit before it
 * is durable.
 *
 * An fsync is per file, not per descriptor: one on a descriptor of the `-wal` file forces every
 * frame any connection has written to it so far, which makes a commit made before it as durable
 * as synchronous=FULL would. SQLite itself keeps what NORMAL does not force safe from corruption
 * (it syncs the WAL header when the log starts over, and the WAL before each checkpoint copies
 * it). The file stays while a connection is open (a checkpoint may truncate it; the inode stays);
 * it is reopened if it was replaced all the same, and a missing file means a checkpoint moved
 * every frame into the database file, synced, and removed it.
 */
import { closeSync, fstatSync, fsync, fsyncSync, openSync, statSync } from "node:fs";

export class WalFile {
  private fd: number | undefined;
  private ino = 0;

  constructor(private readonly path: string) {}

  /** fsync of the WAL file, blocking the calling thread; false when there is no file to force. */
  syncNow(): boolean {
    const fd = this.open();
    if (fd === undefined) return false;
    fsyncSync(fd);
    return true;
  }

  /** fsync of the WAL file on libuv's thread pool; the calling thread goes on meanwhile. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let fd: number | undefined;
      try {
        fd = this.open();
      } catch (e) {
        return reject(e as Error);
      }
      if (fd === undefined) return resolve();
      fsync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes the descriptor; no sync may be running. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** A descriptor of the file now at the path; undefined when there is none. */
  private open(): number | undefined {
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    if (this.fd === undefined || st.ino !== this.ino) {
      this.close();
      this.fd = openSync(this.path, "r");
      this.ino = fstatSync(this.fd).ino;
    }
    return this.fd;
  }
}

/**
 * Group commit for one connection's commits: sync() resolves once an fsync that began after the
 * call has returned. Calls made while one runs share the next one; at most one runs at a time.
 * A failed fsync fails that sync and every later one: what was written may not be on disk, and
 * Linux reports such an error once, so a later fsync could succeed without it being there.
 */
export class WalSyncer {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Completed fsyncs (for tests and metrics). */
  syncs = 0;

  constructor(private readonly wal: Pick<WalFile, "sync" | "close">) {}

  /** Set once an fsync has failed. */
  get failed(): Error | undefined {
    return this.failure;
  }

  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.running === undefined) return this.start();
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  /** Waits for the fsyncs asked for so far (close: the descriptor may then be closed). */
  async settle(): Promise<void> {
    while (this.running !== undefined || this.queued !== undefined) await (this.queued ?? this.running)!.catch(() => undefined);
  }

  /** Closes the WAL file's descriptor; call settle() first. */
  close(): void {
    this.wal.close();
  }

  private startQueued(): Promise<void> {
    this.queued = undefined;
    return this.start();
  }

  private start(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const p = this.wal.sync().then(
      () => {
        this.syncs++;
      },
      (e: unknown) => {
        this.failure ??= new Error(`WAL sync failed: ${e instanceof Error ? e.message : String(e)}`);
        throw this.failure;
      },
    );
    this.running = p;
    const done = (): void => {
      if (this.running === p) this.running = undefined;
    };
    p.then(done, done);
    return p;
  }
}
