/**
 * Sealing: every secret at rest is encrypted with AES-256-GCM under a data-encryption key
 * derived from the root key. The root key never touches disk in the clear.
 */
export interface Sealer {
  /** Seal `plaintext`, binding `aad` (e.g. "iam/access-key/AKIA…") as additional data. Output is a versioned binary blob. */
  seal(plaintext: Uint8Array, aad: string): Buffer;
  /** Unseal; throws if the blob was altered, the aad differs, or the root key is wrong. */
  unseal(blob: Uint8Array, aad: string): Buffer;
  /** Convenience: base64 of seal(). */
  sealToString(plaintext: Uint8Array | string, aad: string): string;
  unsealString(sealed: string, aad: string): Buffer;
}

/** Where the root key comes from. */
export type RootKeySource =
  | { kind: "passphrase"; passphrase: string }
  | { kind: "file"; path: string }
  | { kind: "env"; value: string } // base64 or hex 32 bytes
  | { kind: "pkcs11"; module: string; slot?: number; pin?: string; label?: string };
