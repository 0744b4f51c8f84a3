/**
 * Random identifiers in AWS's formats, all from the CSPRNG (crypto.randomBytes / randomInt),
 * all unbiased (whole bits or randomInt's rejection sampling).
 */
import { randomBytes, randomInt } from "node:crypto";

/** Base32 (RFC 4648) alphabet: what AWS access key ids and unique ids are made of. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** `chars` base32 characters from fresh random bytes (5 bits each). */
function randomBase32(chars: number): string {
  const bytes = randomBytes(Math.ceil((chars * 5) / 8));
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      bits -= 5;
      out += BASE32[(acc >> bits) & 31];
    }
  }
  return out;
}

/**
 * IAM SSH public key ids: APKA + 16 random base32 characters. Access key ids (AKIA, ASIA) carry
 * their account: randomAccessKeyId in access-key-id.ts.
 */
export function randomSshPublicKeyId(): string {
  return "APKA" + randomBase32(16);
}

/** 40 characters of the base64 alphabet (240 random bits), like AWS secret access keys. */
export function randomSecretAccessKey(): string {
  const bytes = randomBytes(30);
  const s = bytes.toString("base64");
  bytes.fill(0);
  return s;
}

/**
 * 21 characters like IAM unique ids: AIDA (user), AROA (role), ANPA (managed policy),
 * AGPA (group), AIPA (instance profile), ASCA (server certificate), ACCA (service-specific
 * credential) + 17 base32 characters.
 */
export function randomUniqueId(prefix: "AIDA" | "AROA" | "ANPA" | "AGPA" | "AIPA" | "ASCA" | "ACCA"): string {
  return prefix + randomBase32(17);
}

/** 26 base32 characters (130 bits): IAM SAML providers' unique ids and their private keys' KeyIds ([A-Z0-9]{22,64}). */
export function randomSamlId(): string {
  return randomBase32(26);
}

/** 12 decimal digits, never starting with 0. */
export function randomAccountId(): string {
  return String(randomInt(100_000_000_000, 1_000_000_000_000));
}

/** `bytes` random bytes as lowercase hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError("randomHex needs a non-negative integer byte count");
  return randomBytes(bytes).toString("hex");
}

/** `chars` upper-case base32 characters (e.g. IAM signing certificate ids: 32 of them). */
export function randomBase32Id(chars: number): string {
  return randomBase32(chars);
}
