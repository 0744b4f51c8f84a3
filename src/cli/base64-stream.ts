/**
 * Streaming base64 for `bulwark encrypt` / `decrypt` --encode and --decode, as the
 * aws-encryption-cli applies them: the output encoded in one run of standard base64 (no line
 * breaks, padded), the input decoded with whitespace (line breaks) ignored. Both work a chunk at
 * a time, so a stream of any size goes through in constant memory.
 */
import { Transform } from "node:stream";

/** The error for input that is not base64 (named by its problem, never by its content). */
export class Base64InputError extends Error {}

/** Standard base64 of everything written to it, padded at the end. */
export function base64Encoder(): Transform {
  // 0–2 bytes held back until a whole group of three is there.
  let carry = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const all = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = all.length - (all.length % 3);
      carry = Buffer.from(all.subarray(whole));
      done(null, whole ? all.subarray(0, whole).toString("base64") : undefined);
    },
    flush(done) {
      done(null, carry.length ? carry.toString("base64") : undefined);
    },
  });
}

const WHITESPACE = /[\t\n\v\f\r ]/g;
/** What may be pending before a quad is complete: alphabet characters, then at most two '='. */
const VALID = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of a standard base64 text; whitespace anywhere is ignored, anything else not in the alphabet fails. */
export function base64Decoder(): Transform {
  let pending = "";
  let padded = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const text = pending + chunk.toString("latin1").replace(WHITESPACE, "");
      if (text === "") return done();
      if (padded || !VALID.test(text)) return done(new Base64InputError("The input is not valid base64 (--decode)"));
      const whole = text.length - (text.length % 4);
      pending = text.slice(whole);
      const quads = text.slice(0, whole);
      // Padding ends the text: nothing but whitespace may follow it.
      if (quads.endsWith("=")) padded = true;
      done(null, quads ? Buffer.from(quads, "base64") : undefined);
    },
    flush(done) {
      if (pending !== "") return done(new Base64InputError("The input is not valid base64 (--decode): it ends inside a group of four characters"));
      done();
    },
  });
}
