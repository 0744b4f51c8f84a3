import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapText } from "./output.js";

const base = { accountId: "123456789012", userName: "admin", accessKeyId: "AKIAEXAMPLE000000001", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", auditKeyFingerprint: "ab".repeat(32) };

test("bootstrap banner: a generated admin secret and root key are shown once", () => {
  const text = bootstrapText({ ...base, secretAccessKeySupplied: false, generatedRootKey: "cm9vdGtleQ==" }, "https://127.0.0.1:4566");
  assert.match(text, /\n {2}aws_secret_access_key = wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYEXAMPLEKEY\n/);
  assert.match(text, /\n {2}export BULWARK_ROOT_KEY=cm9vdGtleQ==\n/);
  assert.match(text, /\nEndpoint: https:\/\/127\.0\.0\.1:4566\n/);
  assert.match(text, /\n {2}(ab){32}\n/);
});

test("bootstrap banner: a secret the operator supplied is never echoed", () => {
  const text = bootstrapText({ ...base, secretAccessKeySupplied: true });
  assert.equal(text.includes(base.secretAccessKey), false);
  assert.equal(text.includes("BULWARK_ROOT_KEY="), false);
  assert.match(text, /\n {2}aws_access_key_id {5}= AKIAEXAMPLE000000001\n/);
  assert.match(text, /\n {2}aws_secret_access_key = \(the one given in BULWARK_ADMIN_SECRET_ACCESS_KEY\)\n/);
});
