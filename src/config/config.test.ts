import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, ConfigError } from "./config.js";
import { closestKey, editDistance, MAX_CONFIG_FILE_BYTES } from "./config-file.js";
import { describeConfig } from "./describe.js";

// Every file these tests write lives under one temporary directory, removed when they end.
const root = mkdtempSync(path.join(tmpdir(), "bulwark-cfg-"));
after(() => rmSync(root, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const dir = mkdtempSync(path.join(root, "c-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

test("defaults: HTTPS on 127.0.0.1:4566, ./.data, no root key source", () => {
  const c = loadConfig({}, {});
  assert.deepEqual(c.listen, { host: "127.0.0.1", port: 4566 });
  assert.equal(c.tls.enabled, true);
  assert.equal(c.dataDir, path.resolve(".data"));
  assert.equal(c.rootKey, undefined);
  assert.equal(c.defaultRegion, "us-east-1");
  assert.equal(c.maxConnectionsPerIp, 1024);
  assert.equal(c.maxBufferedBodyBytes, 256 * 1024 * 1024);
  assert.ok(Object.isFrozen(c));
});

test("flags override the environment, which overrides the file", () => {
  const dir = mkdtempSync(path.join(root, "c-"));
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
  assert.throws(
    () => loadConfig({ listen: "nowhere" }, {}),
    (e: unknown) => e instanceof ConfigError && e.message === 'Invalid --listen: expected a listen address host:port with a port from 0 to 65535, e.g. 127.0.0.1:4566, got "nowhere"',
  );
  const badHost = "expected a listen address host:port whose host is an IPv4 address, [IPv6 address] or host name, e.g. 127.0.0.1:4566";
  for (const listen of ["999.1.1.1:4566", "1.2.3:4566", "[not-v6]:4566", "bad_host:4566", "a..b:4566"]) {
    assert.throws(() => loadConfig({ listen }, {}), { message: `Invalid --listen: ${badHost}, got ${JSON.stringify(listen)}` });
  }
  assert.throws(() => loadConfig({}, { BULWARK_LISTEN: "300.0.0.1:1" }), { message: `Invalid BULWARK_LISTEN: ${badHost}, got "300.0.0.1:1"` });
  for (const [listen, host] of [["localhost:1", "localhost"], ["[::]:1", "::"], ["0.0.0.0:1", "0.0.0.0"], ["bulwark.internal.:1", "bulwark.internal."], [":1", "0.0.0.0"]] as const) {
    assert.equal(loadConfig({ listen }, {}).listen.host, host);
  }
  assert.throws(() => loadConfig({ tlsCert: "/c.pem" }, {}), /--tls-cert and --tls-key \(BULWARK_TLS_CERT and BULWARK_TLS_KEY, "tlsCert" and "tlsKey" in the config file\) must be given together/);
  assert.throws(() => loadConfig({}, { BULWARK_ADMIN_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA" }), /must be set together/);
  assert.throws(() => loadConfig({}, { BULWARK_ADMIN_ACCESS_KEY_ID: "nope", BULWARK_ADMIN_SECRET_ACCESS_KEY: "0123456789abcdefgh" }), /must look like an AWS access key id/);
  assert.throws(() => loadConfig({ logLevel: "loud" }, {}), { message: 'Invalid --log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"' });
});

test("KMS keys per account and Region: AWS's quota (100,000) by default, from the file or the environment, a whole number of at least 1", () => {
  assert.equal(loadConfig({}, {}).kms.maxKeysPerRegion, 100_000);
  assert.equal(loadConfig({}, { BULWARK_KMS_MAX_KEYS: "250000" }).kms.maxKeysPerRegion, 250_000);
  for (const bad of ["0", "-3", "12.5"]) {
    assert.throws(() => loadConfig({}, { BULWARK_KMS_MAX_KEYS: bad }), { message: `Invalid BULWARK_KMS_MAX_KEYS: expected a whole number of at least 1, got "${bad}"` });
  }
});

test("accounts per organization: unset by default (AWS's quota, 10), from the file or the environment, a whole number of at least 1", () => {
  assert.equal(loadConfig({}, {}).orgMaxAccounts, undefined);
  const dir = mkdtempSync(path.join(root, "c-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ orgMaxAccounts: 200 }));
  assert.equal(loadConfig({ config: file }, {}).orgMaxAccounts, 200);
  assert.equal(loadConfig({ config: file }, { BULWARK_ORG_MAX_ACCOUNTS: "5000" }).orgMaxAccounts, 5000);
  for (const bad of ["0", "-3", "12.5"]) {
    assert.throws(() => loadConfig({}, { BULWARK_ORG_MAX_ACCOUNTS: bad }), { message: `Invalid BULWARK_ORG_MAX_ACCOUNTS: expected a whole number of at least 1, got "${bad}"` });
  }
});

test("web ACL capacity: unset by default (AWS's 5,000), from the file or the environment, 1–5,000 only", () => {
  assert.equal(loadConfig({}, {}).wafMaxWebAclWcu, undefined);
  const dir = mkdtempSync(path.join(root, "c-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ wafMaxWebAclWcu: 1500 }));
  assert.equal(loadConfig({ config: file }, {}).wafMaxWebAclWcu, 1500);
  assert.equal(loadConfig({ config: file }, { BULWARK_WAF_MAX_WEB_ACL_WCU: "3000" }).wafMaxWebAclWcu, 3000);
  for (const bad of ["0", "5001", "12.5"]) {
    assert.throws(() => loadConfig({}, { BULWARK_WAF_MAX_WEB_ACL_WCU: bad }), { message: `Invalid BULWARK_WAF_MAX_WEB_ACL_WCU: expected a whole number from 1 to 5000, got "${bad}"` });
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

test("config file: must be one JSON object", () => {
  for (const [content, got] of [["[]", "an array"], ['"x"', "a string"], ["null", "null"], ["3", "a number"]] as const) {
    const file = configFile(content);
    assert.throws(() => loadConfig({ config: file }, {}), { message: `Config file ${file}: expected one JSON object, e.g. {"listen": "127.0.0.1:4566"}, got ${got}` });
  }
  const broken = configFile("{ listen: 1 }");
  assert.throws(() => loadConfig({ config: broken }, {}), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`Cannot read config file ${broken}: `));
  assert.throws(() => loadConfig({ config: "/nonexistent/bulwark.json" }, {}), /^Error: Cannot read config file \/nonexistent\/bulwark\.json: ENOENT/);
  // BULWARK_CONFIG names the file as --config does.
  const file = configFile({ listn: "x" });
  assert.throws(() => loadConfig({}, { BULWARK_CONFIG: file }), /unknown key "listn"/);
});

test("config file: an unknown key refuses to start, naming the key, the file and the key probably meant", () => {
  const known =
    "dataDir, listen, plainHttp, tlsCert, tlsKey, tlsNames, tlsCiphers, rootKeyFile, defaultRegion, logLevel, maxBodyBytes, maxBufferedBodyBytes, maxConnectionsPerIp, httpEngine, auditDigestIntervalSeconds, auditBatchMaxDelayMs, auditReadOnlySyncDelayMs, auditRetentionDays, shutdownGraceSeconds, gcHeapGrowthPercent, gcPretenuring, redisUrl, dataPlaneHost, dataPlaneDnsSuffix, dataPlaneLimits, kmsCryptoRps, kmsRsaRps, kmsEccRps, kmsPqRps, kmsMaxKeys, cloudTrailLookupRps, schedulerPollMs, wafMaxWebAclWcu, orgMaxAccounts, oidcCaFile, publicUrl, partition";
  const cases: Array<[string, string]> = [
    ["listn", ' (did you mean "listen"?)'],
    ["max_body_bytes", ' (did you mean "maxBodyBytes"?)'],
    ["LogLevel", ' (did you mean "logLevel"?)'],
    ["schedulerPolMs", ' (did you mean "schedulerPollMs"?)'],
    ["colour", ""],
    ["rootPassphrase", " (this setting comes only from the environment: BULWARK_ROOT_PASSPHRASE)"],
  ];
  for (const [key, hint] of cases) {
    const file = configFile({ logLevel: "warn", [key]: "s3cr3t-value" });
    assert.throws(
      () => loadConfig({ config: file }, {}),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message, `Config file ${file}: unknown key "${key}"${hint}. Known keys: ${known}`);
        return true;
      },
    );
  }
  // Inside dataPlaneLimits, the limits' own names.
  const nested = configFile({ dataPlaneLimits: { maxConection: 10 } });
  assert.throws(() => loadConfig({ config: nested }, {}), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`Config file ${nested}: unknown key "maxConection" in "dataPlaneLimits" (did you mean "maxConnections"?)`));
  // An unknown key's value is never repeated (it may be a secret put in the wrong place).
  try {
    loadConfig({ config: configFile({ rootKey: "c2VjcmV0LXJvb3Qta2V5LW1hdGVyaWFsLTMyYnl0ZXM=" }) }, {});
    assert.fail("should refuse");
  } catch (e) {
    assert.doesNotMatch(String(e), /c2VjcmV0/);
  }
});

test("config file: each value has its JSON type and the same range as its environment variable", () => {
  const refused = (content: object, message: (file: string) => string) => {
    const file = configFile(content);
    assert.throws(() => loadConfig({ config: file }, {}), { message: message(file) });
  };
  refused({ maxBodyBytes: "lots" }, (f) => `Config file ${f}: "maxBodyBytes" must be a number, got a string`);
  refused({ maxBodyBytes: -5 }, (f) => `Invalid "maxBodyBytes" in config file ${f}: expected a whole number of at least 1, got -5`);
  refused({ maxBodyBytes: 1.5 }, (f) => `Invalid "maxBodyBytes" in config file ${f}: expected a whole number of at least 1, got 1.5`);
  refused({ plainHttp: "yes" }, (f) => `Config file ${f}: "plainHttp" must be a boolean, got a string`);
  refused({ tlsNames: "a.example,b.example" }, (f) => `Config file ${f}: "tlsNames" must be an array of strings, got a string`);
  refused({ tlsNames: ["ok.example", "not a name"] }, (f) => `Invalid "tlsNames" in config file ${f}: expected host names or IP addresses (comma-separated, or a JSON array of strings), got "not a name"`);
  refused({ listen: 4566 }, (f) => `Config file ${f}: "listen" must be a string, got a number`);
  refused({ listen: "127.0.0.1:99999" }, (f) => `Invalid "listen" in config file ${f}: expected a listen address host:port with a port from 0 to 65535, e.g. 127.0.0.1:4566, got "127.0.0.1:99999"`);
  refused({ logLevel: "verbose" }, (f) => `Invalid "logLevel" in config file ${f}: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"`);
  refused({ httpEngine: "uws" }, (f) => `Invalid "httpEngine" in config file ${f}: expected one of http1, node, got "uws"`);
  refused({ defaultRegion: "Mars" }, (f) => `Invalid "defaultRegion" in config file ${f}: expected an AWS Region code such as us-east-1, got "Mars"`);
  refused({ kmsRsaRps: -1 }, (f) => `Invalid "kmsRsaRps" in config file ${f}: expected a number of at least 0 (0 = no quota), got -1`);
  refused({ schedulerPollMs: 0 }, (f) => `Invalid "schedulerPollMs" in config file ${f}: expected a whole number of at least 1, got 0`);
  refused({ wafMaxWebAclWcu: 6000 }, (f) => `Invalid "wafMaxWebAclWcu" in config file ${f}: expected a whole number from 1 to 5000, got 6000`);
  refused({ dataPlaneHost: "lb host" }, (f) => `Invalid "dataPlaneHost" in config file ${f}: expected an IPv4 address, IPv6 address or host name, e.g. 127.0.0.1 or 0.0.0.0, got "lb host"`);
  refused({ dataPlaneDnsSuffix: "elb.example." }, (f) => `Invalid "dataPlaneDnsSuffix" in config file ${f}: expected a DNS domain of letters, digits and hyphens in dot-separated labels, e.g. elb.example.internal, got "elb.example."`);
  refused({ dataPlaneLimits: [] }, (f) => `Config file ${f}: "dataPlaneLimits" must be an object, got an array`);
  refused({ dataPlaneLimits: { maxConnections: "many" } }, (f) => `Config file ${f}: "dataPlaneLimits.maxConnections" must be a number, got a string`);
  refused({ dataPlaneLimits: { headerTimeoutMs: 50 } }, (f) => `Invalid "dataPlaneLimits.headerTimeoutMs" in config file ${f}: expected a whole number of at least 100, got 50`);
  refused({ redisUrl: "http://:pw@cache:6379" }, (f) => `Invalid "redisUrl" in config file ${f}: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (value not shown: it may hold a password)`);
  refused({ publicUrl: "ftp://x" }, (f) => `Invalid "publicUrl" in config file ${f}: expected an http(s) URL without query, fragment or credentials, e.g. https://bulwark.example.com, got "ftp://x"`);
  // A bad file value is refused even where the environment overrides it.
  refused({ maxBodyBytes: -5 }, (f) => `Invalid "maxBodyBytes" in config file ${f}: expected a whole number of at least 1, got -5`);
  const file = configFile({ maxBodyBytes: -5 });
  assert.throws(() => loadConfig({ config: file }, { BULWARK_MAX_BODY_BYTES: "2048" }), /"maxBodyBytes" in config file/);
  // Every key, valid, is taken.
  const all = loadConfig(
    {
      config: configFile({
        dataDir: "/srv/bulwark",
        listen: "[::1]:4600",
        plainHttp: true,
        tlsNames: ["bulwark.example", "10.0.0.1"],
        rootKeyFile: "/etc/bulwark/root.key",
        defaultRegion: "eu-west-1",
        logLevel: "WARN",
        maxBodyBytes: 2048,
        maxBufferedBodyBytes: 4096,
        maxConnectionsPerIp: 0,
        httpEngine: "node",
        auditDigestIntervalSeconds: 0,
        auditBatchMaxDelayMs: 5,
        auditReadOnlySyncDelayMs: 0,
        auditRetentionDays: 90,
        shutdownGraceSeconds: 1.5,
        gcHeapGrowthPercent: 0,
        gcPretenuring: true,
        redisUrl: "redis://cache:6379/2",
        dataPlaneHost: "0.0.0.0",
        dataPlaneDnsSuffix: "elb.example",
        dataPlaneLimits: { maxConnections: 50, maxBodyBytes: 0 },
        kmsCryptoRps: 0,
        kmsRsaRps: 1,
        kmsEccRps: 2,
        kmsPqRps: 3,
        kmsMaxKeys: 40,
        cloudTrailLookupRps: 0.5,
        schedulerPollMs: 250,
        wafMaxWebAclWcu: 1500,
        oidcCaFile: "/etc/bulwark/oidc.pem",
        publicUrl: "https://bulwark.example/",
      }),
    },
    {},
  );
  assert.deepEqual(
    [all.dataDir, all.listen, all.tls.enabled, all.tls.extraNames, all.rootKey, all.defaultRegion, all.logLevel, all.maxBodyBytes, all.maxConnectionsPerIp, all.httpEngine, all.audit, all.shutdownGraceSeconds, all.redisUrl],
    ["/srv/bulwark", { host: "::1", port: 4600 }, false, ["bulwark.example", "10.0.0.1"], { kind: "file", path: "/etc/bulwark/root.key" }, "eu-west-1", "warn", 2048, 0, "node", { digestIntervalSeconds: 0, batchMaxDelayMs: 5, readOnlySyncDelayMs: 0, retentionDays: 90 }, 1.5, "redis://cache:6379/2"],
  );
  assert.deepEqual([all.dataPlane.host, all.dataPlane.dnsSuffix, all.dataPlane.limits.maxConnections, all.dataPlane.limits.maxBodyBytes, all.dataPlane.limits.maxConnectionsPerIp], ["0.0.0.0", "elb.example", 50, 0, 256]);
  assert.equal(all.maxBufferedBodyBytes, 4096);
  assert.equal(all.gcHeapGrowthPercent, 0);
  assert.equal(all.gcPretenuring, true);
  assert.equal(all.cloudTrailLookupRps, 0.5);
  assert.equal(loadConfig({}, {}).cloudTrailLookupRps, 0);
  assert.equal(loadConfig({}, { BULWARK_CLOUDTRAIL_LOOKUP_RPS: "2" }).cloudTrailLookupRps, 2);
  assert.deepEqual([all.kms, all.schedulerPollMs, all.wafMaxWebAclWcu, all.oidcCaFile, all.publicUrl], [{ symmetricRps: 0, rsaRps: 1, eccRps: 2, pqRps: 3, maxKeysPerRegion: 40 }, 250, 1500, "/etc/bulwark/oidc.pem", "https://bulwark.example"]);
});

test("environment variables: every setting refuses an invalid value, naming the variable", () => {
  const refused = (env: Record<string, string>, message: string | RegExp) => assert.throws(() => loadConfig({}, env), (e: unknown) => e instanceof ConfigError && (typeof message === "string" ? e.message === message : message.test(e.message)), JSON.stringify(env));
  refused({ BULWARK_LISTEN: "4566" }, 'Invalid BULWARK_LISTEN: expected a listen address host:port with a port from 0 to 65535, e.g. 127.0.0.1:4566, got "4566"');
  refused({ BULWARK_PLAIN_HTTP: "maybe" }, 'Invalid BULWARK_PLAIN_HTTP: expected 1, true, yes or on (or 0, false, no, off), got "maybe"');
  refused({ BULWARK_TLS_NAMES: "ok.example,bad name" }, 'Invalid BULWARK_TLS_NAMES: expected host names or IP addresses (comma-separated, or a JSON array of strings), got "bad name"');
  refused({ BULWARK_TLS_CERT: "/c.pem" }, '--tls-cert and --tls-key (BULWARK_TLS_CERT and BULWARK_TLS_KEY, "tlsCert" and "tlsKey" in the config file) must be given together');
  refused({ BULWARK_TLS_CIPHERS: "NOT-A-CIPHER:ALSO-NOT" }, 'Invalid BULWARK_TLS_CIPHERS: expected an OpenSSL cipher list of TLS 1.2 suites, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 (OpenSSL knows none of these), got "NOT-A-CIPHER:ALSO-NOT"');
  refused({ BULWARK_TLS_CIPHERS: "ECDHE-RSA-AES128-GCM-SHA256\tECDHE-RSA-AES128-SHA" }, /^Invalid BULWARK_TLS_CIPHERS: expected an OpenSSL cipher list of TLS 1\.2 suites/);
  refused({ BULWARK_REGION: "Mars" }, 'Invalid BULWARK_REGION: expected an AWS Region code such as us-east-1, got "Mars"');
  refused({ AWS_REGION: "us east" }, 'Invalid AWS_REGION: expected an AWS Region code such as us-east-1, got "us east"');
  refused({ BULWARK_REDIS_URL: "redis//:hunter2@cache" }, "Invalid BULWARK_REDIS_URL: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (value not shown: it may hold a password)");
  refused({ BULWARK_LOG_LEVEL: "loud" }, 'Invalid BULWARK_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"');
  for (const bad of ["lots", "-1", "0", "1.5", "0x10", "Infinity"]) {
    refused({ BULWARK_MAX_BODY_BYTES: bad }, `Invalid BULWARK_MAX_BODY_BYTES: expected a whole number of at least 1, got "${bad}"`);
  }
  for (const bad of ["many", "-1", "1.5"]) {
    refused({ BULWARK_MAX_CONNECTIONS_PER_IP: bad }, `Invalid BULWARK_MAX_CONNECTIONS_PER_IP: expected a whole number of at least 0 (0 = no limit), got "${bad}"`);
  }
  assert.equal(loadConfig({}, { BULWARK_MAX_CONNECTIONS_PER_IP: "16" }).maxConnectionsPerIp, 16);
  for (const bad of ["plenty", "-1", "1.5"]) {
    refused({ BULWARK_MAX_BUFFERED_BODY_BYTES: bad }, `Invalid BULWARK_MAX_BUFFERED_BODY_BYTES: expected a whole number of at least 0 (0 = no limit), got "${bad}"`);
  }
  refused({ BULWARK_HTTP_ENGINE: "uws" }, 'Invalid BULWARK_HTTP_ENGINE: expected one of http1, node, got "uws"');
  refused({ BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS: "-1" }, 'Invalid BULWARK_AUDIT_DIGEST_INTERVAL_SECONDS: expected a number of at least 0 (0 = no periodic digests), got "-1"');
  refused({ BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: "1001" }, 'Invalid BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: expected a number from 0 to 1000 (0 = every event is on disk before its call is answered), got "1001"');
  refused({ BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: "-1" }, 'Invalid BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: expected a number from 0 to 1000 (0 = every event is on disk before its call is answered), got "-1"');
  refused({ BULWARK_AUDIT_BATCH_MAX_DELAY_MS: "soon" }, 'Invalid BULWARK_AUDIT_BATCH_MAX_DELAY_MS: expected a number of at least 0, got "soon"');
  refused({ BULWARK_AUDIT_RETENTION_DAYS: "-30" }, 'Invalid BULWARK_AUDIT_RETENTION_DAYS: expected a number of at least 0 (0 = keep every event), got "-30"');
  assert.equal(loadConfig({}, { BULWARK_AUDIT_RETENTION_DAYS: "0.5" }).audit.retentionDays, 0.5);
  assert.equal(loadConfig({}, {}).audit.retentionDays, 0);
  assert.equal(loadConfig({}, {}).audit.readOnlySyncDelayMs, 20);
  assert.equal(loadConfig({}, { BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: "0" }).audit.readOnlySyncDelayMs, 0);
  refused({ BULWARK_SHUTDOWN_GRACE_SECONDS: "abc" }, 'Invalid BULWARK_SHUTDOWN_GRACE_SECONDS: expected a number of at least 0, got "abc"');
  for (const name of ["BULWARK_KMS_CRYPTO_RPS", "BULWARK_KMS_RSA_RPS", "BULWARK_KMS_ECC_RPS", "BULWARK_KMS_PQ_RPS", "BULWARK_CLOUDTRAIL_LOOKUP_RPS"]) {
    refused({ [name]: "-1" }, `Invalid ${name}: expected a number of at least 0 (0 = no quota), got "-1"`);
  }
  refused({ BULWARK_SCHEDULER_POLL_MS: "0" }, 'Invalid BULWARK_SCHEDULER_POLL_MS: expected a whole number of at least 1, got "0"');
  refused({ BULWARK_DATAPLANE_HOST: "  " }, 'Invalid BULWARK_DATAPLANE_HOST: expected a non-empty string, got "  "');
  // Refused at start, not by every CreateListener later.
  for (const bad of ["no such host!", "10.0.0.300", "[::1]", "127.0.0.1:80", " 127.0.0.1"]) {
    refused({ BULWARK_DATAPLANE_HOST: bad }, `Invalid BULWARK_DATAPLANE_HOST: expected an IPv4 address, IPv6 address or host name, e.g. 127.0.0.1 or 0.0.0.0, got ${JSON.stringify(bad)}`);
  }
  for (const bad of ["bad suffix!", "elb..local", ".elb.local", "elb.local.", "-elb.local", "elb_local"]) {
    refused({ BULWARK_DATAPLANE_DNS_SUFFIX: bad }, `Invalid BULWARK_DATAPLANE_DNS_SUFFIX: expected a DNS domain of letters, digits and hyphens in dot-separated labels, e.g. elb.example.internal, got ${JSON.stringify(bad)}`);
  }
  refused({ BULWARK_DATAPLANE_MAX_CONNECTIONS: "1.5" }, 'Invalid BULWARK_DATAPLANE_MAX_CONNECTIONS: expected a whole number of at least 1, got "1.5"');
  refused({ BULWARK_DATAPLANE_HEADER_TIMEOUT_MS: "50" }, 'Invalid BULWARK_DATAPLANE_HEADER_TIMEOUT_MS: expected a whole number of at least 100, got "50"');
  refused({ BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0" }, 'Invalid BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: expected a number above 0, got "0"');
  refused({ BULWARK_SHIELD_DETECTION_TOP_K: "2" }, 'Invalid BULWARK_SHIELD_DETECTION_TOP_K: expected a whole number of at least 5, got "2"');
  refused({ BULWARK_SHIELD_DETECTION_MULTIPLIER: "0.5" }, 'Invalid BULWARK_SHIELD_DETECTION_MULTIPLIER: expected a number of at least 1, got "0.5"');
  refused({ BULWARK_ADMIN_USER_NAME: "bad name!" }, 'Invalid BULWARK_ADMIN_USER_NAME: expected an IAM user name (1–64 letters, digits and +=,.@_-), got "bad name!"');
  refused({ BULWARK_PUBLIC_URL: "https://u:pw@x" }, "Invalid BULWARK_PUBLIC_URL: expected an http(s) URL without query, fragment or credentials, e.g. https://bulwark.example.com");
  // The admin secret is never repeated.
  assert.throws(() => loadConfig({}, { BULWARK_ADMIN_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA", BULWARK_ADMIN_SECRET_ACCESS_KEY: "short-s3cret" }), (e: unknown) => e instanceof ConfigError && !e.message.includes("short-s3cret"));
});

test("environment variables: valid values, switches in both directions, AWS_REGION only when BULWARK_REGION is unset", () => {
  assert.equal(loadConfig({}, { BULWARK_PLAIN_HTTP: "off" }).tls.enabled, true);
  assert.equal(loadConfig({}, { BULWARK_PLAIN_HTTP: "YES" }).tls.enabled, false);
  assert.equal(loadConfig({}, { AWS_REGION: "eu-central-2" }).defaultRegion, "eu-central-2");
  assert.equal(loadConfig({}, { BULWARK_REGION: "us-gov-west-1", AWS_REGION: "not a region" }).defaultRegion, "us-gov-west-1");
  assert.deepEqual(loadConfig({}, { BULWARK_TLS_NAMES: " a.example , *.b.example,::1 " }).tls.extraNames, ["a.example", "*.b.example", "::1"]);
  assert.equal(loadConfig({}, {}).tls.ciphers, undefined);
  assert.equal(loadConfig({}, { BULWARK_TLS_CIPHERS: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA" }).tls.ciphers, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA");
  assert.equal(loadConfig({}, { BULWARK_MAX_BODY_BYTES: " 1e6 " }).maxBodyBytes, 1_000_000);
  assert.equal(loadConfig({}, { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" }).dataPlane.healthCheckTimeScale, 0.02);
  assert.equal(loadConfig({}, { BULWARK_ADMIN_USER_NAME: "ops.admin@example" }).admin.userName, "ops.admin@example");
  for (const host of ["0.0.0.0", "10.1.2.3", "::", "::1", "fe80::1", "localhost", "lb-host.example.internal"]) {
    assert.equal(loadConfig({}, { BULWARK_DATAPLANE_HOST: host }).dataPlane.host, host);
  }
  assert.equal(loadConfig({}, { BULWARK_DATAPLANE_DNS_SUFFIX: "elb.corp-1.example" }).dataPlane.dnsSuffix, "elb.corp-1.example");
  // An empty variable is as good as unset.
  assert.equal(loadConfig({}, { BULWARK_LISTEN: "", BULWARK_MAX_BODY_BYTES: "" }).listen.port, 4566);
});

test("the body budget is at least the largest body (or 0, no limit): a smaller one could never hold such a body and refuses to start", () => {
  const mib = 1024 * 1024;
  const message = (budget: number, max: number) =>
    `BULWARK_MAX_BUFFERED_BODY_BYTES (maxBufferedBodyBytes) is ${budget}, less than BULWARK_MAX_BODY_BYTES (maxBodyBytes), ${max}: a body of the largest size allowed would never fit. Set it to at least ${max}, or 0 for no limit.`;
  assert.throws(() => loadConfig({}, { BULWARK_MAX_BUFFERED_BODY_BYTES: String(10 * mib - 1) }), { message: message(10 * mib - 1, 10 * mib) });
  // The default budget too: a larger body limit needs a budget to match.
  assert.throws(() => loadConfig({}, { BULWARK_MAX_BODY_BYTES: String(512 * mib) }), { message: message(256 * mib, 512 * mib) });
  assert.throws(() => loadConfig({ config: configFile({ maxBodyBytes: 2048, maxBufferedBodyBytes: 2047 }) }, {}), { message: message(2047, 2048) });
  assert.equal(loadConfig({}, { BULWARK_MAX_BUFFERED_BODY_BYTES: String(10 * mib) }).maxBufferedBodyBytes, 10 * mib);
  const unbounded = loadConfig({}, { BULWARK_MAX_BODY_BYTES: String(512 * mib), BULWARK_MAX_BUFFERED_BODY_BYTES: "0" });
  assert.deepEqual([unbounded.maxBodyBytes, unbounded.maxBufferedBodyBytes, describeConfig(unbounded).maxBufferedBodyBytes], [512 * mib, 0, "no limit"]);
  assert.equal(describeConfig(loadConfig({}, {})).maxBufferedBodyBytes, 256 * mib);
});

test("flags: refused with a message naming the flag", () => {
  assert.throws(() => loadConfig({ kmsCryptoRps: "fast" }, {}), { message: 'Invalid --kms-crypto-rps: expected a number of at least 0 (0 = no quota), got "fast"' });
  assert.throws(() => loadConfig({ dataDir: " " }, {}), { message: 'Invalid --data-dir: expected a non-empty string, got " "' });
  assert.throws(() => loadConfig({ listen: "localhost:70000" }, { BULWARK_LISTEN: "127.0.0.1:1" }), /^Error: Invalid --listen/);
  assert.equal(loadConfig({ kmsCryptoRps: "250" }, {}).kms.symmetricRps, 250);
});

test("closest key: same but for case and separators, else within two edits", () => {
  assert.equal(editDistance("listn", "listen"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  const known = ["listen", "logLevel", "dataDir", "dataPlaneHost"];
  assert.equal(closestKey("data_dir", known), "dataDir");
  assert.equal(closestKey("loglevl", known), "logLevel");
  assert.equal(closestKey("lst", known), undefined);
  assert.equal(closestKey("port", known), undefined);
});

test("describeConfig: every setting, no secret in any form", () => {
  const passphrase = "correct horse battery staple";
  const secret = "adminSecretKey/0123456789abcdefgh";
  const rootKey = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  const redisPassword = "r3d1s-pa55";
  for (const env of [
    { BULWARK_ROOT_PASSPHRASE: passphrase },
    { BULWARK_ROOT_KEY: rootKey },
  ]) {
    const cfg = loadConfig({}, { ...env, BULWARK_ADMIN_ACCESS_KEY_ID: "AKIAEXAMPLEADMIN0001", BULWARK_ADMIN_SECRET_ACCESS_KEY: secret, BULWARK_REDIS_URL: `redis://ops:${redisPassword}@cache:6379/1` });
    const d = describeConfig(cfg);
    const text = JSON.stringify(d);
    for (const s of [passphrase, secret, rootKey, redisPassword, "ops:"]) assert.ok(!text.includes(s), s);
    // Not even a part of one.
    for (const s of [passphrase, secret, rootKey]) for (let i = 0; i + 6 <= s.length; i++) assert.ok(!text.includes(s.slice(i, i + 6)), s.slice(i, i + 6));
    assert.deepEqual(d.rootKey, { source: "BULWARK_ROOT_PASSPHRASE" in env ? "passphrase" : "env" });
    assert.deepEqual(d.admin, { userName: "admin", keyPair: { accessKeyId: "AKIAEXAMPLEADMIN0001" } });
    assert.equal(d.redisUrl, "redis://cache:6379/1");
    // Every member of the configuration is described.
    assert.deepEqual(Object.keys(d).sort(), [...Object.keys(cfg), "oidcCaFile", "orgMaxAccounts", "partition", "publicUrl", "wafMaxWebAclWcu"].sort());
  }
  const d = describeConfig(loadConfig({ rootKeyFile: "/etc/bulwark/root.key" }, {}));
  assert.deepEqual([d.rootKey, d.listen, d.logLevel, d.redisUrl], [{ source: "file", path: "/etc/bulwark/root.key" }, "127.0.0.1:4566", "info", "none (local counters)"]);
});

test("config file: broken JSON is named by line and column without quoting the file; not a file, or a huge one, is refused", () => {
  const broken = configFile('{\n  "redisUrl": "redis://:hunter2@cache:6379",,\n}');
  assert.throws(() => loadConfig({ config: broken }, {}), { message: `Cannot read config file ${broken}: not valid JSON (line 2, column 45)` });
  const prose = configFile("not json\nat all");
  assert.throws(() => loadConfig({ config: prose }, {}), { message: `Cannot read config file ${prose}: not valid JSON` });
  const empty = configFile("");
  assert.throws(() => loadConfig({ config: empty }, {}), { message: `Cannot read config file ${empty}: not valid JSON (it ends too early)` });
  assert.equal(loadConfig({ config: configFile('\uFEFF{"logLevel": "warn"}') }, {}).logLevel, "warn");
  const folder = path.dirname(empty);
  assert.throws(() => loadConfig({ config: folder }, {}), { message: `Cannot read config file ${folder}: it is a directory` });
  if (existsSync("/dev/zero")) assert.throws(() => loadConfig({ config: "/dev/zero" }, {}), { message: "Cannot read config file /dev/zero: it is not a regular file" });
  const huge = configFile(`{"logLevel": "warn"${" ".repeat(MAX_CONFIG_FILE_BYTES)}}`);
  assert.throws(() => loadConfig({ config: huge }, {}), { message: `Cannot read config file ${huge}: it is larger than ${MAX_CONFIG_FILE_BYTES} bytes` });
});

test("paths: an empty flag, control characters and a leading ~ are refused, naming the setting", () => {
  assert.throws(() => loadConfig({ dataDir: "" }, {}), { message: 'Invalid --data-dir: expected a value, got ""' });
  assert.throws(() => loadConfig({ config: "" }, {}), { message: 'Invalid --config: expected a value, got ""' });
  assert.throws(() => loadConfig({ logLevel: "" }, {}), { message: 'Invalid --log-level: expected a value, got ""' });
  // An empty environment variable still means unset.
  assert.equal(loadConfig({}, { BULWARK_DATA_DIR: "" }).dataDir, path.resolve(".data"));
  assert.throws(() => loadConfig({ dataDir: "/srv/bulwark\n" }, {}), {
    message: 'Invalid --data-dir: expected a path without control characters (newline, tab, NUL…), got "/srv/bulwark\\n"',
  });
  assert.throws(() => loadConfig({ config: configFile({ dataDir: "/srv/a\u0000b" }) }, {}), /^Error: Invalid "dataDir" in config file .*: expected a path without control characters \(newline, tab, NUL…\), got "\/srv\/a\\u0000b"$/);
  assert.throws(() => loadConfig({}, { BULWARK_ROOT_KEY_FILE: "~/root.key" }), {
    message: 'Invalid BULWARK_ROOT_KEY_FILE: expected a path not starting with ~, which only a shell expands (write $HOME/… or the full path), got "~/root.key"',
  });
});

test("partition: none unless asked for (the data directory's own); from the file, the environment or --partition, flags first", () => {
  assert.equal(loadConfig({}, {}).partition, undefined);
  assert.equal(describeConfig(loadConfig({}, {})).partition, "the data directory's own (aws for a new one)");
  assert.equal(loadConfig({}, { BULWARK_PARTITION: "AWS-CN" }).partition, "aws-cn");
  // Region codes of every partition are Region codes; none is tied to a partition.
  for (const r of ["cn-north-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1"]) assert.equal(loadConfig({}, { BULWARK_REGION: r, BULWARK_PARTITION: "aws" }).defaultRegion, r);
  const file = configFile({ partition: "aws-cn" });
  assert.equal(loadConfig({ config: file }, {}).partition, "aws-cn");
  assert.equal(loadConfig({ config: file }, { BULWARK_PARTITION: "aws-us-gov" }).partition, "aws-us-gov");
  assert.equal(loadConfig({ config: file, partition: "aws-eusc" }, { BULWARK_PARTITION: "aws-us-gov" }).partition, "aws-eusc");
  for (const p of ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"]) {
    assert.equal(loadConfig({}, { BULWARK_PARTITION: p }).partition, p);
  }
  assert.equal(describeConfig(loadConfig({}, { BULWARK_PARTITION: "aws-eusc" })).partition, "aws-eusc");
});

test("partition: an id that is not AWS's refuses to start, naming where it came from and the ids there are", () => {
  const ids = "aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc";
  const refused = (f: () => unknown, message: string) => assert.throws(f, (e: unknown) => e instanceof ConfigError && e.message === message);
  refused(() => loadConfig({}, { BULWARK_PARTITION: "aws-eu" }), `Invalid BULWARK_PARTITION: expected one of ${ids}, got "aws-eu"`);
  refused(() => loadConfig({ partition: "eusc" }, {}), `Invalid --partition: expected one of ${ids}, got "eusc"`);
  refused(() => loadConfig({ partition: "" }, {}), 'Invalid --partition: expected a value, got ""');
  const file = configFile({ partition: "china" });
  refused(() => loadConfig({ config: file }, {}), `Invalid "partition" in config file ${file}: expected one of ${ids}, got "china"`);
  // A bad file value is refused even where the environment overrides it.
  refused(() => loadConfig({ config: file }, { BULWARK_PARTITION: "aws" }), `Invalid "partition" in config file ${file}: expected one of ${ids}, got "china"`);
  const typed = configFile({ partition: 1 });
  assert.throws(() => loadConfig({ config: typed }, {}), /"partition".*string/);
});

test("gcHeapGrowthPercent: 300 unless set; a whole number from 0 to 1000 from the environment or the file", () => {
  assert.equal(loadConfig({}, {}).gcHeapGrowthPercent, 300);
  assert.equal(loadConfig({}, { BULWARK_GC_HEAP_GROWTH_PERCENT: "0" }).gcHeapGrowthPercent, 0);
  assert.equal(loadConfig({ config: configFile({ gcHeapGrowthPercent: 150 }) }, {}).gcHeapGrowthPercent, 150);
  assert.equal(loadConfig({ config: configFile({ gcHeapGrowthPercent: 150 }) }, { BULWARK_GC_HEAP_GROWTH_PERCENT: "1000" }).gcHeapGrowthPercent, 1000);
  for (const bad of ["-1", "1001", "2.5", "lots"]) {
    assert.throws(() => loadConfig({}, { BULWARK_GC_HEAP_GROWTH_PERCENT: bad }), {
      message: `Invalid BULWARK_GC_HEAP_GROWTH_PERCENT: expected a whole number from 0 to 1000 (0 = V8's own heuristics), got "${bad}"`,
    });
  }
  assert.throws(() => loadConfig({ config: configFile({ gcHeapGrowthPercent: "300" }) }, {}), /gcHeapGrowthPercent/);
});

test("gcPretenuring: off unless set; a switch from the environment or a boolean in the file", () => {
  assert.equal(loadConfig({}, {}).gcPretenuring, false);
  assert.equal(loadConfig({}, { BULWARK_GC_PRETENURING: "on" }).gcPretenuring, true);
  assert.equal(loadConfig({ config: configFile({ gcPretenuring: true }) }, { BULWARK_GC_PRETENURING: "0" }).gcPretenuring, false);
  assert.throws(() => loadConfig({}, { BULWARK_GC_PRETENURING: "maybe" }), /BULWARK_GC_PRETENURING/);
  assert.throws(() => loadConfig({ config: configFile({ gcPretenuring: "yes" }) }, {}), /gcPretenuring/);
});
