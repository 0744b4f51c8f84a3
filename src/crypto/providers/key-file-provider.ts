/**
 * Root key in a file: exactly 32 raw bytes, or the key as hex/base64 text. On POSIX the
 * file must not be accessible to group or others — a readable key file defeats sealing.
 */
import { open } from "node:fs/promises";
import { RootKeyError } from "../errors.js";
import { decodeKeyText } from "../key-encoding.js";
import type { RootKeyProvider } from "../root-key-provider.js";
import { ROOT_KEY_LENGTH } from "../seal.js";

/** Key files are tiny; anything larger is not one (and is not read into memory). */
const MAX_KEY_FILE_BYTES = 1024;

export function keyFileRootKeyProvider(path: string): RootKeyProvider {
  return {
    kind: "file",
    async obtain(): Promise<Buffer> {
      let handle;
      try {
        handle = await open(path, "r");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        throw new RootKeyError(`Cannot open the root key file ${path} (${code})`);
      }
      try {
        const st = await handle.stat();
        if (!st.isFile()) throw new RootKeyError(`The root key file ${path} is not a regular file`);
        if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
          const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
          throw new RootKeyError(
            `The root key file ${path} is accessible by group or others (mode ${mode}); refusing to use it. Restrict it with: chmod 600 ${path}`,
          );
        }
        if (st.size > MAX_KEY_FILE_BYTES) throw new RootKeyError(`The root key file ${path} is too large to be a key file`);
        const content = await handle.readFile();
        if (content.length === ROOT_KEY_LENGTH) return content;
        try {
          const key = decodeKeyText(content.toString("latin1"));
          if (key === undefined) {
            throw new RootKeyError(`The root key file ${path} must contain exactly 32 raw bytes, or 32 bytes as hex or base64 text`);
          }
          return key;
        } finally {
          content.fill(0);
        }
      } finally {
        await handle.close();
      }
    },
  };
}
