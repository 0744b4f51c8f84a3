/**
 * Interoperability with botocore, the Python SDK's core that boto3 and the AWS CLI are built on:
 * its own request serialisers, response and error parsers and SigV4 signer drive the real server
 * over HTTPS (test/interop/botocore-client.py), and every step's outcome is checked here.
 *
 * Needs a python3 that imports botocore (Debian: python3-botocore, which .ci/run installs);
 * skipped, saying so, when none does.
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

const SCRIPT = fileURLToPath(new URL("../../../test/interop/botocore-client.py", import.meta.url));

/** The first python3 on this machine that imports botocore. */
function findPython(): string | undefined {
  return ["python3", "/usr/bin/python3"].find((python) => spawnSync(python, ["-c", "import botocore"]).status === 0);
}

const found = findPython();
let s: TestServer;
let dir: string;

before(async () => {
  if (found === undefined) return;
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-botocore-"));
});
after(async () => {
  if (found === undefined) return;
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("botocore (Python SDK core) drives STS, IAM, KMS, Organizations and CloudTrail: results, errors and timestamps as botocore parses them", { skip: found === undefined ? "no python3 with botocore here (apt-get install python3-botocore)" : false, timeout: 120_000 }, async () => {
  const step = await runClientSteps(s, dir, found!, [SCRIPT]);
  const account = s.accountId;
  const arnOf = (kind: string) => new RegExp(`^arn:aws:kms:us-east-1:${account}:${kind}/`);

  assert.deepEqual(step("sts.GetCallerIdentity"), { account, arn: `arn:aws:iam::${account}:user/admin` });
  assert.deepEqual(step("iam.CreateUser"), { arn: `arn:aws:iam::${account}:user/botocore-user`, created_days: 0, key_status: "Active", key_prefix: "AKIA" });
  assert.deepEqual(step("iam.GetUser.missing"), { code: "NoSuchEntity", status: 404, message: "The user with name botocore-nobody cannot be found." });
  assert.deepEqual(step("iam.PutUserPolicy.roundtrip"), { same: true });
  assert.deepEqual(step("kms.ListKeys.denied"), {
    code: "AccessDeniedException",
    status: 400,
    message: `User: arn:aws:iam::${account}:user/botocore-user is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action`,
  });
  assert.deepEqual(step("sts.GetCallerIdentity.user"), { arn: `arn:aws:iam::${account}:user/botocore-user` });
  const badSecret = step("sts.GetCallerIdentity.badSecret");
  assert.equal(badSecret.code, "SignatureDoesNotMatch");
  assert.equal(badSecret.status, 403);

  const created = step("kms.CreateKey");
  assert.equal(created.state, "Enabled");
  assert.equal(created.spec, "SYMMETRIC_DEFAULT");
  assert.equal(created.created_days, 0);
  assert.match(created.arn, arnOf("key"));
  assert.deepEqual(step("kms.Decrypt"), { plaintext: "secret from python", key: created.arn, algorithm: "SYMMETRIC_DEFAULT" });
  assert.deepEqual(step("kms.Decrypt.noContext"), { code: "InvalidCiphertextException", status: 400, message: "" });
  assert.deepEqual(step("kms.Encrypt.tooLong"), {
    code: "ValidationException",
    status: 400,
    message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
  });
  assert.deepEqual(step("kms.DescribeKey.missingAlias"), { code: "NotFoundException", status: 400, message: `Alias arn:aws:kms:us-east-1:${account}:alias/botocore-nothing is not found.` });
  assert.deepEqual(step("kms.GenerateDataKey"), { length: 32, roundtrip: true });
  assert.deepEqual(step("kms.Verify"), { valid: true, changed: { code: "KMSInvalidSignatureException", status: 400, message: "" } });
  assert.deepEqual(step("kms.ListKeys.paginated"), { has_both: true, unique: true });
  assert.deepEqual(step("kms.ScheduleKeyDeletion"), { state: "PendingDeletion", days: 7, deletion_days: 7 });
  assert.deepEqual(step("kms.Encrypt.pendingDeletion"), { code: "KMSInvalidStateException", status: 400, message: `${created.arn} is pending deletion.` });

  assert.deepEqual(step("sts.AssumeRole"), {
    arn: `arn:aws:sts::${account}:assumed-role/botocore-role/py-session`,
    key_prefix: "ASIA",
    expires_days: 0,
    describe: true,
    encrypt: "AccessDeniedException",
  });

  // Session tags sent as the SDK serialises a list of structures: only the matching tag allows kms:Sign.
  assert.deepEqual(step("sts.AssumeRole.tags"), { matching: null, other: "AccessDeniedException", none: "AccessDeniedException" });

  assert.deepEqual(step("organizations.DescribeOrganization.none"), { code: "AWSOrganizationsNotInUseException", status: 400, message: "Your account is not a member of an organization." });
  assert.deepEqual(step("organizations.CreateOrganization"), { id_prefix: "o-", master: account, accounts: [account], joined_days: 0 });
  // A time range in the request: nothing two hours ago, both CreateKey calls within the hour.
  assert.deepEqual(step("cloudtrail.LookupEvents.past"), { count: 0 });
  // Both CreateKey calls (the symmetric key and the signing key), as botocore reads them back.
  assert.deepEqual(step("cloudtrail.LookupEvents"), { count: 2, names: ["CreateKey"], times_days: [0], user_agents: [true], resources: [created.arn] });
});
