/**
 * Where the 32-byte root key comes from. Each RootKeySource kind has a provider; an HSM
 * (PKCS#11) provider can plug in here later without touching loadRootKey.
 */
import type { RootKeySource } from "./seal-types.js";
import { envRootKeyProvider } from "./providers/env-provider.js";
import { keyFileRootKeyProvider } from "./providers/key-file-provider.js";
import { passphraseRootKeyProvider, type ScryptParams } from "./providers/passphrase-provider.js";
import { pkcs11RootKeyProvider } from "./providers/pkcs11-provider.js";

/** What a provider may use while obtaining the key. */
export interface RootKeyContext {
  /** True when the data directory already has a key-check value (not the first start). */
  initialised: boolean;
  /** True when the provider may create its persistent state (first start with creation allowed). */
  create: boolean;
  /** The installation's meta store (e.g. KDF parameters and salt, or a wrapped key). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface RootKeyProvider {
  readonly kind: RootKeySource["kind"];
  /**
   * Resolves the 32-byte root key. The caller owns the returned buffer and zeroes it
   * when done; the provider zeroes its own intermediates.
   */
  obtain(ctx: RootKeyContext): Promise<Buffer>;
}

export interface RootKeyProviderOptions {
  /** Scrypt parameters used when a passphrase installation is first created (tests lower them). */
  scrypt?: ScryptParams;
}

export function rootKeyProviderFor(source: RootKeySource, opts: RootKeyProviderOptions = {}): RootKeyProvider {
  switch (source.kind) {
    case "passphrase":
      return passphraseRootKeyProvider(source.passphrase, opts.scrypt);
    case "file":
      return keyFileRootKeyProvider(source.path);
    case "env":
      return envRootKeyProvider(source.value);
    case "pkcs11":
      return pkcs11RootKeyProvider();
  }
}
