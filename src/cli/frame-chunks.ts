/**
 * Cuts the plaintext going into an encryption at the message's frame boundaries, for encryptions
 * given the input's length (`--caching`). The JavaScript Encryption SDK's framed encrypt stream
 * counts every chunk it is written against `plaintextLength`, and counts the part of a chunk that
 * runs past a frame boundary a second time when it carries it into the next frame; a file read in
 * 64 KiB chunks would then exceed its own length a few frames in ("Encrypted data exceeded
 * plaintextLength"). A chunk that ends at or before the frame's end is counted once, so no
 * plaintext is ever counted twice and the length the SDK checks is the file's.
 */
import { Transform } from "node:stream";

/** The Encryption SDKs' default frame length, used when none is asked for. */
export const DEFAULT_FRAME_LENGTH = 4096;

/** The bytes written to it, unchanged, in chunks that never cross a multiple of `frameLength`. */
export function frameAligned(frameLength: number): Transform {
  // Bytes of the current frame already passed on.
  let inFrame = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(frameLength - inFrame, chunk.length - at);
        this.push(chunk.subarray(at, at + n));
        at += n;
        inFrame = (inFrame + n) % frameLength;
      }
      done();
    },
  });
}
