/**
 * Errors of the crypto layer. Messages never contain key material, passphrases,
 * plaintexts or sealed bytes; the reason is coarse on purpose (an attacker learns nothing
 * from which check failed).
 */

export type SealErrorReason = "format" | "version" | "authentication";

export class SealError extends Error {
  readonly reason: SealErrorReason;
  constructor(reason: SealErrorReason, message: string) {
    super(message);
    this.name = "SealError";
    this.reason = reason;
  }
}

/** The root key could not be obtained (bad configuration, unreadable or insecure key file, …). */
export class RootKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RootKeyError";
  }
}

export const ROOT_KEY_MISMATCH_MESSAGE =
  "The root key does not match this data directory (wrong passphrase, key file or BULWARK_ROOT_KEY). Refusing to start.";

/** The key obtained is well-formed but is not the key this data directory was created with. */
export class RootKeyMismatchError extends RootKeyError {
  constructor() {
    super(ROOT_KEY_MISMATCH_MESSAGE);
    this.name = "RootKeyMismatchError";
  }
}
