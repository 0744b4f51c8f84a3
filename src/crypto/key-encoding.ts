/**
 * Decoding of a 32-byte key written as text: hex (64 digits) or base64 / base64url (with
 * or without padding), surrounding whitespace ignored. Errors never echo the input.
 */
import { ROOT_KEY_LENGTH } from "./seal.js";

const HEX = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/;

/** Returns the key bytes, or undefined if `text` is not a 32-byte key in hex or base64. */
export function decodeKeyText(text: string): Buffer | undefined {
  const t = text.trim();
  let key: Buffer;
  if (HEX.test(t)) key = Buffer.from(t, "hex");
  else if (BASE64.test(t)) key = Buffer.from(t, "base64");
  else if (BASE64URL.test(t)) key = Buffer.from(t, "base64url");
  else return undefined;
  if (key.length === ROOT_KEY_LENGTH) return key;
  key.fill(0);
  return undefined;
}
