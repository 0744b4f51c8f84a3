/**
 * UTF-8 bytes of event JSON, written once, right after the text is built.
 *
 * Why: the JSON is assembled by concatenation, which V8 keeps as a rope of small pieces until
 * something reads it whole. Kept as text until its batch is chained (milliseconds and many
 * requests later), the rope is walked cold to flatten it before hashing, and if it survives a
 * garbage collection the collector copies every piece. Encoded at once, the pieces die young and
 * the bytes are what is hashed, handed to the store and stored.
 *
 * Bytes are carved from shared chunks (one allocation per many events); a chunk is freed when
 * no event pointing into it is pending any more.
 */
const CHUNK_BYTES = 64 * 1024;

export class Utf8Arena {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private used = 0;

  /** The UTF-8 of `text` (as Buffer.from(text, "utf8") would give): a view into the current chunk. */
  encode(text: string): Buffer {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.chunk.length - this.used < text.length * 3) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, text.length * 3));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.chunk.write(text, start, "utf8");
    return this.chunk.subarray(start, this.used);
  }
}
