/**
 * Creating a directory and its missing parents. Node 20's `mkdir(…, { recursive: true })` never
 * returns when the kernel answers ENOENT for a directory whose parent exists (procfs and sysfs do,
 * e.g. `--data-dir /proc/x`): it retries the same mkdir for ever, on the event loop or a
 * threadpool thread. These walk down from the deepest existing ancestor and create each missing
 * level once, so every refusal is an error with the path in it.
 */
import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/** The directories of `dir` that do not exist yet, outermost first. */
function missingLevels(dir: string, exists: (p: string) => boolean): string[] {
  const levels: string[] = [];
  let cur = path.resolve(dir);
  while (!exists(cur)) {
    levels.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  return levels;
}

function isPresent(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** mkdir -p, synchronously; `mode` applies to the directories it creates. Returns those it created, outermost first. */
export function makeDirs(dir: string, mode: number): string[] {
  const created: string[] = [];
  for (const level of missingLevels(dir, isPresent)) {
    try {
      mkdirSync(level, { mode });
      created.push(level);
    } catch (e) {
      // Created meanwhile by someone else: fine, as mkdir -p.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  return created;
}

/** mkdir -p, asynchronously; `mode` applies to the directories it creates. */
export async function makeDirsAsync(dir: string, mode: number): Promise<void> {
  const levels: string[] = [];
  let cur = path.resolve(dir);
  for (;;) {
    try {
      await stat(cur);
      break;
    } catch {
      levels.unshift(cur);
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
  }
  for (const level of levels) {
    try {
      await mkdir(level, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}
