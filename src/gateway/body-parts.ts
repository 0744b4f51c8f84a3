/**
 * A request body arriving in pieces, collected without one object per piece. A chunked body of
 * one-byte chunks (6 bytes each on the wire) or a body trickled one byte per packet would
 * otherwise keep a Buffer view per byte: about 130 bytes of heap each, so a 10 MiB body grew the
 * server by more than 1 GiB (4 GiB on node:http). Pieces of at least SMALL_PIECE bytes are kept
 * as views (no copy: the common case of a few large pieces); smaller ones are copied into a
 * shared staging buffer. So every kept piece is either at least SMALL_PIECE bytes or a run of
 * staged pieces, and their number stays below 2 × size / SMALL_PIECE + size / (STAGE_BYTES -
 * SMALL_PIECE) + 2.
 */

const SMALL_PIECE = 1024;
const STAGE_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export class BodyParts {
  private parts: Buffer[] = [];
  private stage: Buffer | undefined;
  /** Staged bytes not yet in `parts`: stage[stageStart, staged). */
  private stageStart = 0;
  private staged = 0;
  /** Bytes collected so far. */
  size = 0;

  /** How many pieces are kept (for tests). */
  get pieces(): number {
    return this.parts.length + (this.staged > this.stageStart ? 1 : 0);
  }

  push(piece: Buffer): void {
    this.pushRange(piece, 0, piece.length);
  }

  /** Adds buf[start, end) (a small range is copied without making a view of it first). */
  pushRange(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.size += n;
    // The first piece, or a large one: kept as it is.
    if (n >= SMALL_PIECE || (this.parts.length === 0 && this.stage === undefined)) {
      if (this.staged > this.stageStart) this.flush();
      this.parts.push(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
      return;
    }
    let stage = this.stage;
    if (stage === undefined || stage.length - this.staged < n) {
      if (this.staged > this.stageStart) this.flush();
      stage = this.stage = Buffer.allocUnsafeSlow(STAGE_BYTES);
      this.stageStart = this.staged = 0;
    }
    buf.copy(stage, this.staged, start, end);
    this.staged += n;
  }

  /** The whole body; the collector is empty afterwards. */
  take(): Buffer {
    if (this.staged > this.stageStart) this.flush();
    const p = this.parts;
    const body = p.length === 1 ? (p[0] as Buffer) : p.length === 0 ? EMPTY : Buffer.concat(p, this.size);
    this.reset();
    return body;
  }

  reset(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    this.parts = [];
    this.stage = undefined;
    this.stageStart = this.staged = 0;
    this.size = 0;
  }

  private flush(): void {
    this.parts.push((this.stage as Buffer).subarray(this.stageStart, this.staged));
    this.stageStart = this.staged;
  }
}
