import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openSqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { Storage } from "../storage/types.js";
import { RootKeyError, RootKeyMismatchError, ROOT_KEY_MISMATCH_MESSAGE } from "./errors.js";
import { KDF_META_KEY } from "./providers/passphrase-provider.js";
import { KEY_CHECK_META_KEY, loadRootKey } from "./root-key.js";
import { createSealer } from "./seal.js";

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const posix = process.platform !== "win32";
const dir = mkdtempSync(join(tmpdir(), "bulwark-rootkey-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function memStorage(): Storage {
  return openSqliteStorage({ path: ":memory:" });
}

function isMismatch(err: unknown): boolean {
  return err instanceof RootKeyMismatchError && err.message === ROOT_KEY_MISMATCH_MESSAGE;
}

let fileCounter = 0;
function keyFile(content: string | Buffer, mode = 0o600): string {
  const p = join(dir, `key-${fileCounter++}`);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

describe("loadRootKey: passphrase", () => {
  test("first start stores scrypt params + salt and a check value; later starts derive the same key", async () => {
    const s = memStorage();
    const k1 = await loadRootKey({ kind: "passphrase", passphrase: "correct horse" }, s, { create: true, scrypt: FAST });
    assert.equal(k1.length, 32);
    const kdf = JSON.parse((await s.getMeta(KDF_META_KEY)) ?? "null") as { alg: string; N: number; r: number; p: number; salt: string };
    assert.deepEqual({ alg: kdf.alg, N: kdf.N, r: kdf.r, p: kdf.p }, { alg: "scrypt", ...FAST });
    assert.equal(Buffer.from(kdf.salt, "base64").length, 16);
    assert.notEqual(await s.getMeta(KEY_CHECK_META_KEY), undefined);
    // Params come from meta on later starts, whatever the options say.
    const k2 = await loadRootKey({ kind: "passphrase", passphrase: "correct horse" }, s, { create: false, scrypt: { N: 2 ** 11, r: 8, p: 1 } });
    assert.deepEqual(k2, k1);
    await s.close();
  });

  test("two installations with the same passphrase get different keys (random salt)", async () => {
    const [a, b] = [memStorage(), memStorage()];
    const ka = await loadRootKey({ kind: "passphrase", passphrase: "same" }, a, { create: true, scrypt: FAST });
    const kb = await loadRootKey({ kind: "passphrase", passphrase: "same" }, b, { create: true, scrypt: FAST });
    assert.notDeepEqual(ka, kb);
    await Promise.all([a.close(), b.close()]);
  });

  test("a wrong passphrase is refused with the mismatch message", async () => {
    const s = memStorage();
    await loadRootKey({ kind: "passphrase", passphrase: "right" }, s, { create: true, scrypt: FAST });
    await assert.rejects(loadRootKey({ kind: "passphrase", passphrase: "wrong" }, s, { create: true, scrypt: FAST }), isMismatch);
    await s.close();
  });

  test("the passphrase is Unicode-normalised (NFC)", async () => {
    const s = memStorage();
    const composed = await loadRootKey({ kind: "passphrase", passphrase: "caf\u00e9" }, s, { create: true, scrypt: FAST });
    const decomposed = await loadRootKey({ kind: "passphrase", passphrase: "cafe\u0301" }, s, { create: false });
    assert.deepEqual(decomposed, composed);
    await s.close();
  });

  test("the default parameters are N=2^17, r=8, p=1 (and fit scrypt's memory cap)", async () => {
    const s = memStorage();
    const key = await loadRootKey({ kind: "passphrase", passphrase: "slow but strong" }, s, { create: true });
    assert.equal(key.length, 32);
    const kdf = JSON.parse((await s.getMeta(KDF_META_KEY)) ?? "null") as { N: number; r: number; p: number };
    assert.deepEqual([kdf.N, kdf.r, kdf.p], [131072, 8, 1]);
    await s.close();
  });

  test("empty passphrases and out-of-range parameters are refused", async () => {
    const s = memStorage();
    await assert.rejects(loadRootKey({ kind: "passphrase", passphrase: "" }, s, { create: true, scrypt: FAST }), RootKeyError);
    await assert.rejects(loadRootKey({ kind: "passphrase", passphrase: "x" }, s, { create: true, scrypt: { N: 1000, r: 8, p: 1 } }), /Unsupported scrypt parameters/);
    await s.setMeta(KDF_META_KEY, "{not json");
    await assert.rejects(loadRootKey({ kind: "passphrase", passphrase: "x" }, s, { create: true }), /damaged/);
    await s.close();
  });
});

describe("loadRootKey: key file", () => {
  const raw = randomBytes(32);

  test("accepts 32 raw bytes, hex text and base64 text", async () => {
    for (const content of [raw, `${raw.toString("hex")}\n`, `  ${raw.toString("base64")}\r\n`, raw.toString("base64url")]) {
      const s = memStorage();
      const key = await loadRootKey({ kind: "file", path: keyFile(content) }, s, { create: true });
      assert.deepEqual(key, raw);
      await s.close();
    }
  });

  test("refuses a group- or world-accessible key file", { skip: !posix }, async () => {
    const s = memStorage();
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      const p = keyFile(raw, mode);
      await assert.rejects(
        loadRootKey({ kind: "file", path: p }, s, { create: true }),
        (err: unknown) => err instanceof RootKeyError && err.message.includes("accessible by group or others") && err.message.includes(`chmod 600 ${p}`),
      );
    }
    assert.equal(await s.getMeta(KEY_CHECK_META_KEY), undefined);
    await s.close();
  });

  test("refuses malformed and missing files without echoing their content", async () => {
    const s = memStorage();
    const secretish = "deadbeef".repeat(7); // 56 hex chars: not 32 bytes
    await assert.rejects(loadRootKey({ kind: "file", path: keyFile(secretish) }, s, { create: true }), (err: unknown) =>
      err instanceof RootKeyError && /exactly 32 raw bytes/.test(err.message) && !err.message.includes(secretish),
    );
    await assert.rejects(loadRootKey({ kind: "file", path: keyFile(Buffer.alloc(31)) }, s, { create: true }), RootKeyError);
    await assert.rejects(loadRootKey({ kind: "file", path: join(dir, "missing") }, s, { create: true }), /Cannot open the root key file .*ENOENT/);
    await s.close();
  });

  test("a different key file is refused with the mismatch message", async () => {
    const s = memStorage();
    await loadRootKey({ kind: "file", path: keyFile(raw) }, s, { create: true });
    assert.deepEqual(await loadRootKey({ kind: "file", path: keyFile(raw.toString("hex")) }, s, { create: false }), raw);
    await assert.rejects(loadRootKey({ kind: "file", path: keyFile(randomBytes(32)) }, s, { create: false }), isMismatch);
    await s.close();
  });
});

describe("loadRootKey: environment, pkcs11, lifecycle", () => {
  test("env accepts base64 and hex of 32 bytes and rejects anything else", async () => {
    const raw = randomBytes(32);
    const s = memStorage();
    assert.deepEqual(await loadRootKey({ kind: "env", value: raw.toString("base64") }, s, { create: true }), raw);
    assert.deepEqual(await loadRootKey({ kind: "env", value: raw.toString("hex").toUpperCase() }, s, { create: false }), raw);
    for (const bad of ["", "short", randomBytes(16).toString("hex"), randomBytes(33).toString("base64")]) {
      await assert.rejects(loadRootKey({ kind: "env", value: bad }, s, { create: false }), (err: unknown) =>
        err instanceof RootKeyError && /BULWARK_ROOT_KEY/.test(err.message) && (bad === "" || !err.message.includes(bad)),
      );
    }
    await assert.rejects(loadRootKey({ kind: "env", value: randomBytes(32).toString("base64") }, s, { create: false }), isMismatch);
    await s.close();
  });

  test("switching a key-file installation to a passphrase is a mismatch", async () => {
    const s = memStorage();
    await loadRootKey({ kind: "env", value: randomBytes(32).toString("hex") }, s, { create: true });
    await assert.rejects(loadRootKey({ kind: "passphrase", passphrase: "p" }, s, { create: true, scrypt: FAST }), isMismatch);
    await s.close();
  });

  test("pkcs11 is refused clearly", async () => {
    const s = memStorage();
    await assert.rejects(loadRootKey({ kind: "pkcs11", module: "/usr/lib/softhsm/libsofthsm2.so" }, s, { create: true }), (err: unknown) =>
      err instanceof RootKeyError && err.message === "PKCS#11 root-key provider is not available in this build",
    );
    await s.close();
  });

  test("an uninitialised directory is refused unless create is set", async () => {
    const s = memStorage();
    await assert.rejects(loadRootKey({ kind: "env", value: randomBytes(32).toString("hex") }, s, { create: false }), /not been initialised/);
    assert.equal(await s.getMeta(KEY_CHECK_META_KEY), undefined);
    await s.close();
  });

  test("the check value is an AES-GCM seal under the derived key, not a hash of the key", async () => {
    const raw = randomBytes(32);
    const s = memStorage();
    await loadRootKey({ kind: "env", value: raw.toString("hex") }, s, { create: true });
    const check = (await s.getMeta(KEY_CHECK_META_KEY)) as string;
    const blob = Buffer.from(check, "base64");
    assert.equal(blob[0], 0x01);
    assert.equal(blob.length, 29 + "bulwark root key check v1".length);
    assert.equal(createSealer(raw).unsealString(check, "bulwark/root-key-check/v1").toString(), "bulwark root key check v1");
    assert.equal(check.includes(createHash("sha256").update(raw).digest("base64")), false);
    await s.close();
  });

  test("a damaged check value is reported as damage, not as a wrong key", async () => {
    const s = memStorage();
    await s.setMeta(KEY_CHECK_META_KEY, "AgAA");
    await assert.rejects(loadRootKey({ kind: "env", value: randomBytes(32).toString("hex") }, s, { create: true }), (err: unknown) =>
      err instanceof RootKeyError && !(err instanceof RootKeyMismatchError) && /damaged/.test(err.message),
    );
    await s.close();
  });

  test("a pluggable provider is used instead of the built-in one", async () => {
    const raw = randomBytes(32);
    const s = memStorage();
    const seen: boolean[] = [];
    const provider = {
      kind: "pkcs11" as const,
      async obtain(ctx: { create: boolean }): Promise<Buffer> {
        seen.push(ctx.create);
        return Buffer.from(raw);
      },
    };
    assert.deepEqual(await loadRootKey({ kind: "pkcs11", module: "m" }, s, { create: true, provider }), raw);
    assert.deepEqual(await loadRootKey({ kind: "pkcs11", module: "m" }, s, { create: true, provider }), raw);
    assert.deepEqual(seen, [true, false]);
    await s.close();
  });
});
