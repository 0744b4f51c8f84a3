/**
 * The memory the API endpoint may hold in request bodies being received, shared by every
 * connection of the process (`BULWARK_MAX_BUFFERED_BODY_BYTES`). Each body is bounded by
 * `maxBodyBytes` and each address by `maxConnectionsPerIp`, but addresses are not: without a
 * shared bound, 200 connections each sending most of a 10 MiB body and then waiting held 2 GB.
 *
 * A Content-Length body not already wholly received reserves its declared length when it starts
 * (a sender that stalls cannot fill memory gradually); a chunked body reserves its data as it
 * arrives. A body that does not fit is not read: the request is answered 503 ServiceUnavailable
 * (SDKs retry it) and its connection closed. A reservation is released when the body is handed
 * to the handler, and on every other way out (reset, timeout, parse failure, shutdown).
 */
export class BodyBudget {
  private used = 0;

  /** `limit` bytes in all (0: no limit). */
  constructor(readonly limit: number) {}

  /** Bytes reserved now. */
  get reserved(): number {
    return this.used;
  }

  /** Reserves `n` bytes: false, with nothing reserved, when they do not fit. */
  tryReserve(n: number): boolean {
    if (this.limit > 0 && this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  /** Gives back `n` bytes reserved earlier (each holder releases what it reserved, once). */
  release(n: number): void {
    this.used = this.used > n ? this.used - n : 0;
  }
}
