/**
 * Where an AWS Encryption SDK message ends, for `bulwark decrypt`.
 *
 * The Encryption SDK specification (client-apis/decrypt.md) says decryption MUST fail when bytes
 * remain after the message. The Encryption SDK for JavaScript stops at the end of an unsigned
 * message's final frame and drops whatever follows (a signed message fails there only because the
 * extra bytes spoil its signature), so two messages run together, or a message with anything
 * appended, would decrypt as the first message alone and succeed. `messageEndGuard` follows the
 * message format (header, body frames, footer) just far enough to know where the message ends and
 * fails the stream if it goes on. It checks nothing else: the SDK parses and authenticates the
 * message, and a stream this code cannot follow (not a message at all) is left to the SDK to refuse.
 */
import { Transform } from "node:stream";

/** The error for bytes after the end of the message (reported by its message alone, as the CLI's own errors are). */
export class TrailingDataError extends Error {
  constructor() {
    super("The input continues after the end of the encrypted message");
  }
}

type Step = { read: number } | { skip: number };

/** The header authentication of a message: its IV (all zeros in version 2, which stores none) and tag. */
export interface HeaderAuth {
  iv: Buffer;
  tag: Buffer;
}

const TAG_LENGTH = 16;
const NO_BYTES = Buffer.alloc(0);
const SEQUENCE_NUMBER_END = 0xffffffff;

/** Suites with a signature (message footer): 0x0214, 0x0346, 0x0378 and 0x0578. */
function signed(suiteId: number): boolean {
  const high = suiteId >> 8;
  return high === 0x02 || high === 0x03 || high === 0x05;
}

/**
 * The message's fields in order, as the message format defines them: yields how many bytes to read
 * (and receives them) or to skip; returns at the end of the message, or early when the bytes are not
 * a message this code knows.
 */
function* layout(onHeaderAuth?: (auth: HeaderAuth) => void): Generator<Step, boolean, Buffer> {
  const version = (yield { read: 1 })[0];
  if (version !== 1 && version !== 2) return false;
  if (version === 1) yield { skip: 1 }; // type
  const suiteId = (yield { read: 2 }).readUInt16BE(0);
  yield { skip: version === 1 ? 16 : 32 }; // message id
  yield { skip: (yield { read: 2 }).readUInt16BE(0) }; // AAD (encryption context)
  const keys = (yield { read: 2 }).readUInt16BE(0);
  for (let i = 0; i < keys; i++) {
    // provider id, provider info, encrypted data key
    for (let field = 0; field < 3; field++) yield { skip: (yield { read: 2 }).readUInt16BE(0) };
  }
  const contentType = (yield { read: 1 })[0];
  let ivLength = 12;
  let frameLength: number;
  if (version === 1) {
    yield { skip: 4 }; // reserved
    ivLength = (yield { read: 1 })[0]!;
    frameLength = (yield { read: 4 }).readUInt32BE(0);
    // header authentication: IV and tag
    const iv = yield { read: ivLength };
    const tag = yield { read: TAG_LENGTH };
    onHeaderAuth?.({ iv, tag });
  } else {
    frameLength = (yield { read: 4 }).readUInt32BE(0);
    yield { skip: 32 }; // algorithm suite data (commitment key)
    const tag = yield { read: TAG_LENGTH }; // header authentication tag
    onHeaderAuth?.({ iv: Buffer.alloc(ivLength), tag });
  }
  if (contentType === 2) {
    for (;;) {
      const sequenceNumber = (yield { read: 4 }).readUInt32BE(0);
      if (sequenceNumber !== SEQUENCE_NUMBER_END) {
        yield { skip: ivLength + frameLength + TAG_LENGTH };
        continue;
      }
      yield { skip: 4 + ivLength }; // sequence number, IV
      yield { skip: (yield { read: 4 }).readUInt32BE(0) + TAG_LENGTH };
      break;
    }
  } else if (contentType === 1) {
    yield { skip: ivLength };
    const length = yield { read: 8 };
    yield { skip: length.readUInt32BE(0) * 2 ** 32 + length.readUInt32BE(4) + TAG_LENGTH };
  } else {
    return false;
  }
  if (signed(suiteId)) yield { skip: (yield { read: 2 }).readUInt16BE(0) }; // footer: signature
  return true;
}

/**
 * A pass-through for the encrypted message on its way to the SDK's decrypt stream: it fails with
 * `TrailingDataError`, before passing on any of them, when bytes follow the end of the message.
 * `onHeaderAuth` receives the header authentication once it has been read, before the bytes that
 * hold it are passed on (so before the SDK parses the header).
 */
export function messageEndGuard(onHeaderAuth?: (auth: HeaderAuth) => void): Transform {
  const steps = layout(onHeaderAuth);
  let step = steps.next();
  let need = 0; // bytes still to read or skip in the current step
  let field: Buffer | undefined; // the bytes being read, in a read step
  /** Starts the current step; steps that need no bytes (an empty field) are passed at once. */
  const begin = (): void => {
    while (!step.done) {
      const s = step.value;
      need = "read" in s ? s.read : s.skip;
      field = "read" in s ? Buffer.alloc(s.read) : undefined;
      if (need > 0) return;
      step = steps.next(field ?? NO_BYTES);
    }
  };
  begin();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      let at = 0;
      while (!step.done && at < chunk.length) {
        const n = Math.min(need, chunk.length - at);
        if (field) chunk.copy(field, field.length - need, at, at + n);
        need -= n;
        at += n;
        if (need === 0) {
          step = steps.next(field ?? NO_BYTES);
          begin();
        }
      }
      // The message ended, and bytes follow it.
      if (step.done && step.value && at < chunk.length) return done(new TrailingDataError());
      done(null, chunk);
    },
  });
}
