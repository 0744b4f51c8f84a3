/**
 * Obtains the root key and proves it is the one this data directory was created with.
 *
 * First start (create: true, no check value): store a key-check value, an AES-GCM seal of
 * a constant under the derived sealing key (never a hash of the key, which would be an
 * offline oracle independent of the sealing scheme). Later starts must open that seal;
 * otherwise RootKeyMismatchError and the process refuses to start.
 */
import { timingSafeEqual } from "node:crypto";
import type { Storage } from "../storage/types.js";
import { RootKeyError, RootKeyMismatchError, SealError } from "./errors.js";
import { rootKeyProviderFor, type RootKeyContext, type RootKeyProvider } from "./root-key-provider.js";
import type { ScryptParams } from "./providers/passphrase-provider.js";
import { createSealer, ROOT_KEY_LENGTH } from "./seal.js";
import type { RootKeySource } from "./seal-types.js";

export const KEY_CHECK_META_KEY = "root-key/check";
const KEY_CHECK_AAD = "bulwark/root-key-check/v1";
const KEY_CHECK_PLAINTEXT = Buffer.from("bulwark root key check v1", "utf8");

export interface LoadRootKeyOptions {
  /** Allow initialising a data directory that has no key-check value yet. */
  create: boolean;
  /** Scrypt parameters for a new passphrase installation (default N=2^17, r=8, p=1). */
  scrypt?: ScryptParams;
  /** Use this provider instead of the built-in one for `source.kind` (e.g. an HSM). */
  provider?: RootKeyProvider;
}

export async function loadRootKey(source: RootKeySource, storage: Storage, opts: LoadRootKeyOptions): Promise<Buffer> {
  const check = await storage.getMeta(KEY_CHECK_META_KEY);
  if (check === undefined && !opts.create) {
    throw new RootKeyError("This data directory has not been initialised (no root-key check value); start it with initialisation enabled");
  }
  const ctx: RootKeyContext = {
    initialised: check !== undefined,
    create: check === undefined && opts.create,
    getMeta: (k) => storage.getMeta(k),
    setMeta: (k, v) => storage.setMeta(k, v),
  };
  const provider = opts.provider ?? rootKeyProviderFor(source, { scrypt: opts.scrypt });
  const key = await provider.obtain(ctx);
  try {
    if (key.length !== ROOT_KEY_LENGTH) throw new RootKeyError(`The root key must be ${ROOT_KEY_LENGTH} bytes`);
    const sealer = createSealer(key);
    if (check === undefined) {
      await storage.setMeta(KEY_CHECK_META_KEY, sealer.sealToString(KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD));
    } else {
      verifyCheck(check, (s) => sealer.unsealString(s, KEY_CHECK_AAD));
    }
    return key;
  } catch (err) {
    key.fill(0);
    throw err;
  }
}

function verifyCheck(check: string, unseal: (s: string) => Buffer): void {
  let opened: Buffer;
  try {
    opened = unseal(check);
  } catch (err) {
    if (err instanceof SealError && err.reason === "authentication") throw new RootKeyMismatchError();
    throw new RootKeyError(`The stored root-key check value (${KEY_CHECK_META_KEY}) is damaged`);
  }
  const ok = opened.length === KEY_CHECK_PLAINTEXT.length && timingSafeEqual(opened, KEY_CHECK_PLAINTEXT);
  opened.fill(0);
  if (!ok) throw new RootKeyMismatchError();
}
