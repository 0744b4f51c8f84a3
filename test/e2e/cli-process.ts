/** Helpers for end-to-end tests that run `bulwark` as a child process. */
import type { ChildProcess } from "node:child_process";

/**
 * The URL a `bulwark serve` child prints once it listens. Rejects, with the child's output so far,
 * when it exits first or has not started within 60 s.
 */
export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Bulwark listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        child.stdout!.off("data", onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.once("close", () => {
      clearTimeout(t);
      reject(new Error(`server exited: ${out}`));
    });
  });
}
