/**
 * Whether a database path still names the file a connection opened. An open file that was
 * removed, renamed or replaced keeps taking writes (and fsyncs), but nobody can open it again:
 * what is committed to it is lost at the next start.
 */
import { statSync } from "node:fs";

/** Device and inode of the file a connection opened. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function fileIdentity(path: string): FileIdentity | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  return s === undefined ? undefined : { dev: s.dev, ino: s.ino };
}

/** True while `path` still names the file `id` describes. */
export function isSameFile(path: string, id: FileIdentity): boolean {
  const now = fileIdentity(path);
  return now !== undefined && now.dev === id.dev && now.ino === id.ino;
}
