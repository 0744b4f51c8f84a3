import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, ConfigError } from "./config.js";

test("defaults: HTTPS on 127.0.0.1:4566, ./.data, no root key source", () => {
  const c = loadConfig({}, {});
  assert.deepEqual(c.listen, { host: "127.0.0.1", port: 4566 });
  assert.equal(c.tls.enabled, true);
  assert.equal(c.dataDir, path.resolve(".data"));
  assert.equal(c.rootKey, undefined);
  assert.equal(c.defaultRegion, "us-east-1");
  assert.ok(Object.isFrozen(c));
});

test("flags override the environment, which overrides the file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-cfg-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ listen: "127.0.0.1:1000", dataDir: "/from/file", logLevel: "debug", plainHttp: true }));
  const fromFile = loadConfig({ config: file }, {});
  assert.deepEqual([fromFile.listen.port, fromFile.dataDir, fromFile.logLevel, fromFile.tls.enabled], [1000, "/from/file", "debug", false]);
  const fromEnv = loadConfig({ config: file }, { BULWARK_LISTEN: "127.0.0.1:2000", BULWARK_DATA_DIR: "/from/env" });
  assert.deepEqual([fromEnv.listen.port, fromEnv.dataDir], [2000, "/from/env"]);
  const fromFlags = loadConfig({ config: file, listen: "[::1]:3000", dataDir: "/from/flags" }, { BULWARK_LISTEN: "127.0.0.1:2000" });
  assert.deepEqual([fromFlags.listen, fromFlags.dataDir], [{ host: "::1", port: 3000 }, "/from/flags"]);
});

test("root key sources: the --root-key-file flag wins; then passphrase over key, key over key file", () => {
  assert.deepEqual(loadConfig({}, { BULWARK_ROOT_PASSPHRASE: "p", BULWARK_ROOT_KEY: "k" }).rootKey, { kind: "passphrase", passphrase: "p" });
  assert.deepEqual(loadConfig({}, { BULWARK_ROOT_KEY: "k", BULWARK_ROOT_KEY_FILE: "/e" }).rootKey, { kind: "env", value: "k" });
  assert.deepEqual(loadConfig({}, { BULWARK_ROOT_KEY_FILE: "/e" }).rootKey, { kind: "file", path: "/e" });
  assert.deepEqual(loadConfig({ rootKeyFile: "/k" }, {}).rootKey, { kind: "file", path: "/k" });
  // Flags override the environment, for the root key as for every other setting.
  assert.deepEqual(loadConfig({ rootKeyFile: "/k" }, { BULWARK_ROOT_KEY: "k" }).rootKey, { kind: "file", path: "/k" });
  assert.deepEqual(loadConfig({ rootKeyFile: "/k" }, { BULWARK_ROOT_PASSPHRASE: "p", BULWARK_ROOT_KEY_FILE: "/e" }).rootKey, { kind: "file", path: "/k" });
});

test("invalid settings are refused with a clear message", () => {
  assert.throws(() => loadConfig({ listen: "nowhere" }, {}), (e: unknown) => e instanceof ConfigError && /Invalid listen address "nowhere"/.test(e.message));
  assert.throws(() => loadConfig({ tlsCert: "/c.pem" }, {}), /--tls-cert and --tls-key must be given together/);
  assert.throws(() => loadConfig({}, { BULWARK_ADMIN_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA" }), /must be set together/);
  assert.throws(() => loadConfig({}, { BULWARK_ADMIN_ACCESS_KEY_ID: "nope", BULWARK_ADMIN_SECRET_ACCESS_KEY: "0123456789abcdefgh" }), /must look like an AWS access key id/);
  assert.throws(() => loadConfig({ logLevel: "loud" }, {}), /Invalid log level "loud"/);
});

test("web ACL capacity: unset by default (AWS's 5,000), from the file or the environment, 1–5,000 only", () => {
  assert.equal(loadConfig({}, {}).wafMaxWebAclWcu, undefined);
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-cfg-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ wafMaxWebAclWcu: 1500 }));
  assert.equal(loadConfig({ config: file }, {}).wafMaxWebAclWcu, 1500);
  assert.equal(loadConfig({ config: file }, { BULWARK_WAF_MAX_WEB_ACL_WCU: "3000" }).wafMaxWebAclWcu, 3000);
  for (const bad of ["0", "5001", "12.5"]) {
    assert.throws(() => loadConfig({}, { BULWARK_WAF_MAX_WEB_ACL_WCU: bad }), /BULWARK_WAF_MAX_WEB_ACL_WCU must be a whole number from 1 to 5000/);
  }
});

test("OIDC issuer CA file: unset by default; from the environment or the file, as an absolute path", () => {
  assert.equal(loadConfig({}, {}).oidcCaFile, undefined);
  assert.equal(loadConfig({}, { BULWARK_OIDC_CA_FILE: "/etc/bulwark/oidc-ca.pem" }).oidcCaFile, "/etc/bulwark/oidc-ca.pem");
  assert.ok(path.isAbsolute(loadConfig({}, { BULWARK_OIDC_CA_FILE: "rel/ca.pem" }).oidcCaFile ?? ""));
});

test("public URL: unset by default; an http(s) origin with an optional path, trailing slashes dropped", () => {
  assert.equal(loadConfig({}, {}).publicUrl, undefined);
  assert.equal(loadConfig({}, { BULWARK_PUBLIC_URL: "https://bulwark.example.com/" }).publicUrl, "https://bulwark.example.com");
  assert.equal(loadConfig({}, { BULWARK_PUBLIC_URL: "https://Bulwark.Example.com:8443/iam//" }).publicUrl, "https://bulwark.example.com:8443/iam");
  for (const bad of ["bulwark.example.com", "ftp://x", "https://x/?a=1", "https://x/#f", "https://u:p@x"]) {
    assert.throws(() => loadConfig({}, { BULWARK_PUBLIC_URL: bad }), /BULWARK_PUBLIC_URL/, bad);
  }
});

test("HTTP engine: Bulwark's own HTTP/1.1 server by default, node:http when asked for, nothing else", () => {
  assert.equal(loadConfig({}, {}).httpEngine, "http1");
  assert.equal(loadConfig({}, { BULWARK_HTTP_ENGINE: "node" }).httpEngine, "node");
  assert.equal(loadConfig({}, { BULWARK_HTTP_ENGINE: "HTTP1" }).httpEngine, "http1");
  assert.throws(() => loadConfig({}, { BULWARK_HTTP_ENGINE: "uws" }), (e: unknown) => e instanceof ConfigError && /BULWARK_HTTP_ENGINE/.test(e.message));
});
