/**
 * Bursts of parallel SDK calls against a server in its own process (with client and server on
 * one event loop the calls of a burst would reach the handlers one by one and never overlap),
 * and what a burst's answers add up to.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { listeningUrl } from "./cli-process.js";
import { ADMIN_KEY_ID, ADMIN_SECRET } from "./harness.js";

const CLI = path.resolve("dist/src/cli/main.js");

/** Client configuration for the admin over keep-alive connections (256 at most), no retries. */
export interface ServerProcess {
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    requestHandler: NodeHttpHandler;
    maxAttempts: number;
  };
  /** SIGTERM (unless it already exited), then the data directory is removed. */
  stop(): Promise<void>;
}

export async function startServerProcess(dirPrefix: string): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), dirPrefix));
  const env = { BULWARK_ROOT_KEY: randomBytes(32).toString("base64"), BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET, BULWARK_LOG_LEVEL: "warn" };
  const child: ChildProcess = spawn(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--plain-http"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const stop = async (): Promise<void> => {
    agent.destroy();
    // A server that already exited (it crashed, or never started) has nothing left to wait for.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await listeningUrl(child);
    return {
      clientConfig: { endpoint: url, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, requestHandler: new NodeHttpHandler({ httpAgent: agent }), maxAttempts: 1 },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; status: number | undefined };

/** Starts every call at once; each answer as a value or the error's name and HTTP status. */
export async function burst<T>(calls: Array<() => Promise<T>>): Promise<Array<Outcome<T>>> {
  const rs = await Promise.allSettled(calls.map((c) => c()));
  return rs.map((r) =>
    r.status === "fulfilled"
      ? { ok: true as const, value: r.value }
      : { ok: false as const, name: (r.reason as Error).name, status: (r.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode },
  );
}

/** How many answers were OK and how many each error. */
export function tally(rs: Array<{ ok: boolean; name?: string }>): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of rs) t[r.ok ? "OK" : r.name!] = (t[r.ok ? "OK" : r.name!] ?? 0) + 1;
  return t;
}
