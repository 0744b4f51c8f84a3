import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeDirs, makeDirsAsync } from "./dirs.js";

const withTmp = async (f: (dir: string) => Promise<void> | void): Promise<void> => {
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-dirs-"));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

for (const [name, make] of [
  ["makeDirs", async (d: string, m: number) => makeDirs(d, m)],
  ["makeDirsAsync", makeDirsAsync],
] as const) {
  test(`${name}: creates every missing level with the mode, and is a no-op on an existing directory`, () =>
    withTmp(async (dir) => {
      const deep = path.join(dir, "a", "b", "c");
      await make(deep, 0o700);
      for (const p of [path.join(dir, "a"), path.join(dir, "a", "b"), deep]) {
        const st = statSync(p);
        assert.ok(st.isDirectory());
        assert.equal(st.mode & 0o777, 0o700 & ~process.umask());
      }
      await make(deep, 0o700);
      await make(dir, 0o700);
    }));

  test(`${name}: a file in the way, a dangling symlink and procfs are errors, not a hang`, () =>
    withTmp(async (dir) => {
      writeFileSync(path.join(dir, "file"), "x");
      await assert.rejects(async () => make(path.join(dir, "file", "sub"), 0o700), { code: "ENOTDIR" });
      symlinkSync(path.join(dir, "nowhere", "x"), path.join(dir, "dangling"));
      await assert.rejects(async () => make(path.join(dir, "dangling", "sub"), 0o700), { code: "ENOENT" });
      // Node's own recursive mkdir retries this for ever (the kernel answers ENOENT under /proc).
      await assert.rejects(async () => make("/proc/bulwark-test/data", 0o700), { code: "ENOENT" });
    }));
}
