/**
 * IAM user passwords: hashing, verification and the account password policy rules.
 *
 * What must stay true: a password is never stored in clear or reversibly (only a scrypt hash
 * with a random salt, its parameters recorded beside it), is compared only through
 * crypto.timingSafeEqual, and never appears in an error message.
 */
import crypto from "node:crypto";
import { passwordPolicyViolation } from "./errors.js";
import type { PasswordHashDoc, PasswordPolicyDoc } from "./model.js";

/** scrypt cost: N=2^15, r=8 (32 MiB per hash), p=1. Recorded with each hash. */
export const SCRYPT_PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_LEN = 32;
const SALT_LEN = 16;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem above 128·N·r so the chosen cost is accepted.
    crypto.scrypt(Buffer.from(password, "utf8"), salt, KEY_LEN, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<PasswordHashDoc> {
  const salt = crypto.randomBytes(SALT_LEN);
  const { N, r, p } = SCRYPT_PARAMS;
  const key = await derive(password, salt, N, r, p);
  return { alg: "scrypt", N, r, p, salt: salt.toString("base64"), hash: key.toString("base64") };
}

/** Recomputes with the hash's own parameters and compares in constant time. */
export async function verifyPassword(password: string, h: PasswordHashDoc): Promise<boolean> {
  const want = Buffer.from(h.hash, "base64");
  const got = await derive(password, Buffer.from(h.salt, "base64"), h.N, h.r, h.p);
  if (got.length !== want.length) {
    crypto.timingSafeEqual(got, got);
    return false;
  }
  return crypto.timingSafeEqual(got, want);
}

/** True when `password` matches any of `hashes` (every hash is checked, whatever matches first). */
export async function matchesAny(password: string, hashes: readonly PasswordHashDoc[]): Promise<boolean> {
  const results = await Promise.all(hashes.map((h) => verifyPassword(password, h)));
  return results.some(Boolean);
}

/** The symbols RequireSymbols asks for (UpdateAccountPasswordPolicy): ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ' */
const SYMBOLS = new Set("!@#$%^&*()_+-=[]{}|'");

interface Classes {
  upper: boolean;
  lower: boolean;
  number: boolean;
  symbol: boolean;
}

function classesOf(password: string): Classes {
  const c: Classes = { upper: false, lower: false, number: false, symbol: false };
  for (const ch of password) {
    if (ch >= "A" && ch <= "Z") c.upper = true;
    else if (ch >= "a" && ch <= "z") c.lower = true;
    else if (ch >= "0" && ch <= "9") c.number = true;
    else if (SYMBOLS.has(ch)) c.symbol = true;
  }
  return c;
}

const UPPER = "Password should have at least one uppercase letter";
const LOWER = "Password should have at least one lowercase letter";
const NUMBER = "Password should have at least one number";
const SYMBOL = "Password should have at least one symbol";
const minLength = (n: number) => `Password should have a minimum length of ${n}`;

/** IAM's default policy (no account policy set): 8 to 128 characters and three of the four character types. */
export const DEFAULT_POLICY_MINIMUM_LENGTH = 8;
const DEFAULT_POLICY_TYPES_REQUIRED = 3;

/**
 * Throws PasswordPolicyViolation unless `password` satisfies the account policy in force
 * (`policy`), or IAM's default policy when none is set. Reuse is checked separately.
 */
export function checkPasswordStrength(password: string, policy: PasswordPolicyDoc | undefined): void {
  const length = [...password].length;
  const c = classesOf(password);
  if (!policy) {
    if (length < DEFAULT_POLICY_MINIMUM_LENGTH) throw passwordPolicyViolation(minLength(DEFAULT_POLICY_MINIMUM_LENGTH));
    const missing: string[] = [];
    if (!c.upper) missing.push(UPPER);
    if (!c.lower) missing.push(LOWER);
    if (!c.number) missing.push(NUMBER);
    if (!c.symbol) missing.push(SYMBOL);
    const short = DEFAULT_POLICY_TYPES_REQUIRED - (4 - missing.length);
    if (short > 0) throw passwordPolicyViolation(`Password should meet ${short} more of the following requirements: ${missing.join(", ")}`);
    return;
  }
  const failed: string[] = [];
  if (length < policy.minimumPasswordLength) failed.push(minLength(policy.minimumPasswordLength));
  if (policy.requireUppercaseCharacters && !c.upper) failed.push(UPPER);
  if (policy.requireLowercaseCharacters && !c.lower) failed.push(LOWER);
  if (policy.requireNumbers && !c.number) failed.push(NUMBER);
  if (policy.requireSymbols && !c.symbol) failed.push(SYMBOL);
  if (failed.length > 0) throw passwordPolicyViolation(failed.join(", "));
}

export function reuseViolation(n: number): Error {
  return passwordPolicyViolation(`Password should not be one of your previous ${n} passwords`);
}

/** How many hashes (current included) PasswordReusePrevention needs kept. */
export function historyNeeded(policy: PasswordPolicyDoc | undefined): number {
  return policy?.passwordReusePrevention ?? 0;
}

/** Whether the current password is past MaxPasswordAge. */
export function passwordExpired(policy: PasswordPolicyDoc | undefined, passwordSetDate: number, now: number): boolean {
  const days = policy?.maxPasswordAge ?? 0;
  return days > 0 && now - passwordSetDate >= days * 86_400_000;
}
