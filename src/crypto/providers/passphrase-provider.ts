/**
 * Root key derived from a passphrase with scrypt (memory-hard). The parameters and a random
 * 16-byte salt are stored in meta on first start, so later starts derive the same key and
 * the defaults can be raised for new installations without breaking old ones.
 */
import { randomBytes, scrypt } from "node:crypto";
import { RootKeyError, RootKeyMismatchError } from "../errors.js";
import type { RootKeyContext, RootKeyProvider } from "../root-key-provider.js";
import { ROOT_KEY_LENGTH } from "../seal.js";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** Defaults for new installations: 128 MiB of memory per derivation. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { N: 2 ** 17, r: 8, p: 1 };

export const KDF_META_KEY = "root-key/kdf";
const SALT_LENGTH = 16;

/** As stored in meta. */
interface StoredKdf extends ScryptParams {
  alg: "scrypt";
  salt: string; // base64
}

export function passphraseRootKeyProvider(passphrase: string, createParams: ScryptParams = DEFAULT_SCRYPT): RootKeyProvider {
  return {
    kind: "passphrase",
    async obtain(ctx: RootKeyContext): Promise<Buffer> {
      if (passphrase.length === 0) throw new RootKeyError("The root-key passphrase must not be empty");
      const kdf = await loadOrCreateKdf(ctx, createParams);
      const salt = Buffer.from(kdf.salt, "base64");
      // NFC so the same passphrase typed on different systems gives the same key.
      const secret = Buffer.from(passphrase.normalize("NFC"), "utf8");
      try {
        return await scryptAsync(secret, salt, kdf);
      } finally {
        secret.fill(0);
      }
    },
  };
}

async function loadOrCreateKdf(ctx: RootKeyContext, createParams: ScryptParams): Promise<StoredKdf> {
  const stored = await ctx.getMeta(KDF_META_KEY);
  if (stored !== undefined) return parseKdf(stored);
  // Initialised without KDF parameters: the directory was created with a key file or
  // environment key, so a passphrase cannot be the right key.
  if (ctx.initialised) throw new RootKeyMismatchError();
  if (!ctx.create) throw new RootKeyError("This data directory has no root-key parameters yet; it must be initialised first");
  checkParams(createParams);
  const kdf: StoredKdf = { alg: "scrypt", N: createParams.N, r: createParams.r, p: createParams.p, salt: randomBytes(SALT_LENGTH).toString("base64") };
  await ctx.setMeta(KDF_META_KEY, JSON.stringify(kdf));
  return kdf;
}

function parseKdf(json: string): StoredKdf {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    v = undefined;
  }
  const o = v as Partial<StoredKdf> | undefined;
  if (
    o === undefined ||
    o === null ||
    o.alg !== "scrypt" ||
    typeof o.N !== "number" ||
    typeof o.r !== "number" ||
    typeof o.p !== "number" ||
    typeof o.salt !== "string" ||
    Buffer.from(o.salt, "base64").length < SALT_LENGTH
  ) {
    throw new RootKeyError(`The stored root-key parameters (${KDF_META_KEY}) are damaged`);
  }
  const kdf: StoredKdf = { alg: "scrypt", N: o.N, r: o.r, p: o.p, salt: o.salt };
  checkParams(kdf);
  return kdf;
}

/** Bounds keep a damaged or hostile meta value from demanding absurd memory or time. */
function checkParams(p: ScryptParams): void {
  const ok =
    Number.isSafeInteger(p.N) && p.N >= 2 ** 10 && p.N <= 2 ** 22 && (p.N & (p.N - 1)) === 0 &&
    Number.isSafeInteger(p.r) && p.r >= 1 && p.r <= 32 &&
    Number.isSafeInteger(p.p) && p.p >= 1 && p.p <= 16;
  if (!ok) throw new RootKeyError("Unsupported scrypt parameters for the root key (N a power of two in 2^10..2^22, r 1..32, p 1..16)");
}

/** Memory scrypt needs (OpenSSL: 128·r·(N + p + 2) bytes) plus headroom; Node's default cap is 32 MiB. */
export function scryptMaxmem(p: ScryptParams): number {
  return 128 * p.r * (p.N + p.p + 2) + 1024 * 1024;
}

function scryptAsync(secret: Buffer, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, ROOT_KEY_LENGTH, { N: p.N, r: p.r, p: p.p, maxmem: scryptMaxmem(p) }, (err, key) => {
      if (err) reject(new RootKeyError(`Deriving the root key from the passphrase failed (${err.message})`));
      else resolve(key);
    });
  });
}
