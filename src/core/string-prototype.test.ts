import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HELPER = fileURLToPath(new URL("./string-prototype.js", import.meta.url));
const REDIS_COUNTER = fileURLToPath(new URL("../dataplane/waf/rate/redis-rate-counter.js", import.meta.url));
const APP = fileURLToPath(new URL("../app.js", import.meta.url));
const CONFIG = fileURLToPath(new URL("../config/config.js", import.meta.url));

/** Runs an ES module in a child node that may ask V8 whether String.prototype has fast properties. */
function child(body: string): string {
  return execFileSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", body], { encoding: "utf8" }).trim();
}

const FAST = "%HasFastProperties(String.prototype)";

test("a class extending String leaves String.prototype slow, and keepStringPrototypeFast makes it fast again", () => {
  const out = child(`
    import { keepStringPrototypeFast } from ${JSON.stringify(HELPER)};
    const before = ${FAST};
    class Verbatim extends String {}
    const after = ${FAST};
    for (let i = 0; i < 1000; i++) "abc".indexOf("b"); // loads on primitives alone do not undo it
    const primitives = ${FAST};
    keepStringPrototypeFast();
    console.log(JSON.stringify([before, after, primitives, ${FAST}, new Verbatim("x").length]));`);
  assert.deepEqual(JSON.parse(out), [true, false, false, true, 1]);
});

test("loading the Redis rate counter (and ioredis with it) leaves String.prototype fast", () => {
  const out = child(`
    await import(${JSON.stringify(REDIS_COUNTER)});
    console.log(${FAST});`);
  assert.equal(out, "true");
});

/** Starts the server (plain HTTP, a new data directory) in a child and reports what it loaded. */
function startedServer(redisUrl?: string): [boolean, boolean] {
  const out = child(`
    import { createRequire } from "node:module";
    import { mkdtempSync, rmSync } from "node:fs";
    import { tmpdir } from "node:os";
    import { join } from "node:path";
    const { loadConfig } = await import(${JSON.stringify(CONFIG)});
    const { startApp } = await import(${JSON.stringify(APP)});
    const dataDir = mkdtempSync(join(tmpdir(), "bulwark-strproto-"));
    const env = { BULWARK_ROOT_KEY: Buffer.alloc(32, 7).toString("base64"), BULWARK_ADMIN_ACCESS_KEY_ID: "AKIASTRPROTO00000001", BULWARK_ADMIN_SECRET_ACCESS_KEY: "strProtoSecret0123456789abcdefghijklmnop", BULWARK_LOG_LEVEL: "fatal" };
    ${redisUrl !== undefined ? `env.BULWARK_REDIS_URL = ${JSON.stringify(redisUrl)};` : ""}
    const app = await startApp(loadConfig({ dataDir, listen: "127.0.0.1:0", plainHttp: true }, env));
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("/ioredis/"));
    const fast = ${FAST};
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    console.log(JSON.stringify([loaded, fast]));`);
  return JSON.parse(out.split("\n").pop()!) as [boolean, boolean];
}

test("a server without Redis does not load ioredis, and String.prototype stays fast", () => {
  assert.deepEqual(startedServer(), [false, true]);
});

test("a server with Redis configured loads ioredis, and String.prototype is fast again", () => {
  // Nothing listens on port 1: the counter's client only retries in the background.
  assert.deepEqual(startedServer("redis://127.0.0.1:1"), [true, true]);
});
