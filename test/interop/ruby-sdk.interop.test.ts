/**
 * Interoperability with the AWS SDK for Ruby (aws-sdk-core's STS, aws-sdk-kms): its own protocol
 * code, error classes and signer drive the real server over HTTPS (test/interop/ruby-client.rb),
 * and every step's outcome is checked here.
 *
 * Needs ruby with the aws-sdk-kms gem (Debian: ruby-aws-sdk-kms, which .ci/run installs);
 * skipped, saying so, otherwise.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../e2e/harness.js";
import { runClientSteps } from "./client-steps.js";

const SCRIPT = fileURLToPath(new URL("../../../test/interop/ruby-client.rb", import.meta.url));
const available = spawnSync("ruby", ["-e", "require 'aws-sdk-core'; require 'aws-sdk-kms'"]).status === 0;
let s: TestServer;
let dir: string;

before(async () => {
  if (!available) return;
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-ruby-sdk-"));
});
after(async () => {
  if (!available) return;
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("AWS SDK for Ruby drives STS and KMS: results and error classes as the SDK raises them", { skip: available ? false : "no ruby with aws-sdk-kms here (apt-get install ruby-aws-sdk-kms)", timeout: 120_000 }, async () => {
  const step = await runClientSteps(s, dir, "ruby", [SCRIPT]);
  const account = s.accountId;

  assert.deepEqual(step("sts.GetCallerIdentity"), { arn: `arn:aws:iam::${account}:user/admin`, account });
  const bad = step("sts.GetCallerIdentity.badSecret");
  assert.equal(bad.class, "Aws::STS::Errors::SignatureDoesNotMatch");
  assert.equal(bad.status, 403);

  const created = step("kms.CreateKey");
  assert.equal(created.state, "Enabled");
  assert.match(created.arn, new RegExp(`^arn:aws:kms:us-east-1:${account}:key/[0-9a-f-]{36}$`));
  assert.equal(created.creation_date_class, "Time");
  assert.equal(created.recent, true);
  assert.deepEqual(step("kms.Decrypt"), { plaintext: "secret from ruby", key: created.arn });
  // An empty message: the Ruby SDK puts the error's class name in its place.
  assert.deepEqual(step("kms.Decrypt.noContext"), {
    code: "InvalidCiphertextException",
    class: "Aws::KMS::Errors::InvalidCiphertextException",
    message: "Aws::KMS::Errors::InvalidCiphertextException",
    status: 400,
  });
  assert.deepEqual(step("kms.DescribeKey.missingAlias"), {
    code: "NotFoundException",
    class: "Aws::KMS::Errors::NotFoundException",
    message: `Alias arn:aws:kms:us-east-1:${account}:alias/ruby-nothing is not found.`,
    status: 400,
  });
  assert.deepEqual(step("kms.ListResourceTags"), { tags: [["client", "ruby"]] });
  assert.deepEqual(step("kms.ScheduleKeyDeletion"), { days: 7, state: "PendingDeletion" });
  assert.deepEqual(step("kms.Encrypt.pendingDeletion"), {
    code: "KMSInvalidStateException",
    class: "Aws::KMS::Errors::KMSInvalidStateException",
    message: `${created.arn} is pending deletion.`,
    status: 400,
  });
});
