/**
 * Random (version 4) UUIDs for request and event ids, as flat strings.
 *
 * node:crypto's randomUUID() draws from the same CSPRNG, but builds its text from twenty string
 * concatenations: a rope that is walked again wherever the id is written (the response header,
 * the CloudTrail event, its hash, the audit index). Here the 36 characters are written into a
 * scratch buffer and read back as one sequential string. The ids are public, not secrets.
 *
 * What must stay true: RFC 9562 §5.4 — 122 random bits, version nibble 4, variant bits 10;
 * lower-case hex in the 8-4-4-4-12 form; no random byte is used twice (the offset only moves
 * forward; a refill is a new draw).
 */
import { randomFillSync } from "node:crypto";

const IDS_PER_DRAW = 128;
const entropy = Buffer.alloc(16 * IDS_PER_DRAW);
let next = IDS_PER_DRAW;
const text = Buffer.alloc(36);
const HEX = Buffer.from("0123456789abcdef", "latin1");

export function randomUuid(): string {
  if (next === IDS_PER_DRAW) {
    randomFillSync(entropy);
    next = 0;
  }
  const e = entropy;
  const o = 16 * next++;
  e[o + 6] = (e[o + 6]! & 0x0f) | 0x40;
  e[o + 8] = (e[o + 8]! & 0x3f) | 0x80;
  const t = text;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) t[j++] = 0x2d; // "-"
    const b = e[o + i]!;
    t[j++] = HEX[b >> 4]!;
    t[j++] = HEX[b & 15]!;
  }
  return t.toString("latin1", 0, 36);
}
