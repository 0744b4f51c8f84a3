/**
 * Serialises access to one synchronous SQLite connection from async callers.
 *
 * better-sqlite3 is synchronous, but a transaction's body is async (it may await other
 * work between statements). While a transaction is open, every other operation — reads
 * too, so nobody observes uncommitted data that may still roll back — waits in FIFO order
 * behind it. When nothing is open, a synchronous operation runs immediately and its
 * promise is already settled (no timer, no extra tick beyond the promise itself).
 *
 * Caveat: code inside a transaction must use the `tx` it was given; calling the storage
 * directly from inside its own transaction waits for that transaction and never resolves.
 */

type Job = () => void;

export class SerialQueue {
  private busy = false;
  private readonly waiting: Job[] = [];

  /** Nothing is running or waiting: a synchronous operation may run right now. */
  get idle(): boolean {
    return !this.busy && this.waiting.length === 0;
  }

  /** Runs a synchronous operation exclusively. */
  run<T>(op: () => T): Promise<T> {
    if (!this.busy && this.waiting.length === 0) return settle(op);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        try {
          resolve(op());
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Runs an async operation exclusively: nothing else runs until its promise settles. */
  runExclusive<T>(op: () => Promise<T>): Promise<T> {
    if (!this.busy && this.waiting.length === 0) return this.start(op);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        this.start(op).then(resolve, reject);
      });
    });
  }

  private start<T>(op: () => Promise<T>): Promise<T> {
    this.busy = true;
    let p: Promise<T>;
    try {
      p = op();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(() => {
      this.busy = false;
      this.drain();
    });
  }

  /** Runs queued jobs in order until one of them holds the queue again. */
  private drain(): void {
    while (!this.busy) {
      const job = this.waiting.shift();
      if (job === undefined) return;
      job();
    }
  }
}

function settle<T>(op: () => T): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (err) {
    return Promise.reject(err);
  }
}
