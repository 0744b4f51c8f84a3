/**
 * Access key ids that carry their account, in the layout of AWS's current access key ids, so
 * that sts:GetAccessKeyInfo and the offline decoders used by security tooling read the right
 * account from an id alone. AWS does not document the layout; it is the one published by
 * security researchers (Aidan Steele, "AWS Access Key ID formats"; Tal Be'ery, "A short note on
 * AWS KEY ID"; WithSecure Labs, "A bitwise analysis of AWS access key identifiers").
 *
 * An id is a 4-character prefix (AKIA long-term, ASIA temporary) and 16 base32 characters
 * (RFC 4648 alphabet A–Z2–7), i.e. 80 bits, most significant first:
 *
 *   bit 79        1 (the "new generation" marker: every id of this layout starts Q–Z or 2–7)
 *   bits 78..39   the 12-digit account id as a 40-bit integer
 *   bits 38..0    random, from the CSPRNG
 *
 * Decoders take the first 6 decoded bytes as a big-endian integer and read
 * (n & 0x7fffffffff80) >> 7, which is bits 78..39.
 *
 * What must stay true: 39 random bits per account leaves collisions rare, not impossible, so
 * every store of a generated id goes through a check that the id is free and draws again if not.
 */
import { randomBytes } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BODY = /^[A-Z2-7]{16}$/;
const GENERATION = 1n << 79n;
const ACCOUNT_SHIFT = 39n;
const ACCOUNT_MASK = (1n << 40n) - 1n;
const RANDOM_MASK = (1n << ACCOUNT_SHIFT) - 1n;
const MAX_ACCOUNT = 999_999_999_999n;

export type AccessKeyIdPrefix = "AKIA" | "ASIA";

/** `prefix` + 16 base32 characters encoding `accountId` (12 digits) and 39 random bits. */
export function randomAccessKeyId(prefix: AccessKeyIdPrefix, accountId: string): string {
  if (!/^\d{12}$/.test(accountId)) throw new RangeError("An access key id encodes a 12-digit account id");
  const bytes = randomBytes(5);
  const random = BigInt(`0x${bytes.toString("hex")}`) & RANDOM_MASK;
  bytes.fill(0);
  return prefix + encodeBody(GENERATION | (BigInt(accountId) << ACCOUNT_SHIFT) | random);
}

/**
 * The account an AKIA/ASIA id of the layout above names, as 12 digits; undefined for anything
 * else (ids of another shape, older ids without the generation marker, values past 12 digits).
 */
export function accessKeyIdAccount(accessKeyId: string): string | undefined {
  if (accessKeyId.length !== 20) return undefined;
  const prefix = accessKeyId.slice(0, 4);
  const body = accessKeyId.slice(4);
  if ((prefix !== "AKIA" && prefix !== "ASIA") || !BODY.test(body)) return undefined;
  let n = 0n;
  for (const c of body) n = (n << 5n) | BigInt(BASE32.indexOf(c));
  if ((n & GENERATION) === 0n) return undefined;
  const account = (n >> ACCOUNT_SHIFT) & ACCOUNT_MASK;
  if (account > MAX_ACCOUNT) return undefined;
  return account.toString().padStart(12, "0");
}

function encodeBody(n: bigint): string {
  let out = "";
  for (let shift = 75n; shift >= 0n; shift -= 5n) out += BASE32[Number((n >> shift) & 31n)];
  return out;
}
