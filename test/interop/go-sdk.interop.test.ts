/**
 * Interoperability with the AWS SDKs for Go: v2 (the SDK of Terraform's AWS provider and most Go
 * tools) and v1 (Vault's AWS auth, Kubernetes IAM authenticators). test/interop/go-client, built
 * here against the SDKs' sources, drives the real server over HTTPS with each SDK's own
 * serialisers, typed error deserialisers and signer, and every step's outcome is checked here.
 *
 * Needs `go` and the SDKs' sources in a GOPATH (Debian: golang-go,
 * golang-github-aws-aws-sdk-go-v2-dev and golang-github-aws-aws-sdk-go-dev, which .ci/run
 * installs); skipped, saying so, otherwise.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../e2e/harness.js";
import { GOPATH, goBuild, runClientSteps } from "./client-steps.js";

const SOURCE = fileURLToPath(new URL("../../../test/interop/go-client", import.meta.url));

function missing(): string | undefined {
  if (spawnSync("go", ["version"]).status !== 0) return "no go toolchain here (apt-get install golang-go)";
  for (const [sdk, pkg] of [["aws-sdk-go-v2", "golang-github-aws-aws-sdk-go-v2-dev"], ["aws-sdk-go", "golang-github-aws-aws-sdk-go-dev"]]) {
    if (!existsSync(path.join(GOPATH, `src/github.com/aws/${sdk}/service/kms`))) return `no ${sdk} sources in ${GOPATH} (apt-get install ${pkg})`;
  }
  return undefined;
}

const skip = missing();
let s: TestServer;
let dir: string;

before(async () => {
  if (skip !== undefined) return;
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-go-sdk-"));
});
after(async () => {
  if (skip !== undefined) return;
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("AWS SDKs for Go v2 and v1 drive STS, IAM, KMS, Organizations and CloudTrail: results and typed errors as each SDK deserialises them; v1's presigned GetCallerIdentity replays", { skip: skip ?? false, timeout: 300_000 }, async () => {
  const binary = path.join(dir, "go-client");
  goBuild(SOURCE, binary, dir);

  const step = await runClientSteps(s, dir, binary, []);
  const account = s.accountId;

  assert.deepEqual(step("sts.GetCallerIdentity"), { account, arn: `arn:aws:iam::${account}:user/admin` });
  assert.deepEqual(step("iam.CreateUser"), { arn: `arn:aws:iam::${account}:user/go-user`, created: true, key_status: "Active" });
  assert.deepEqual(step("iam.GetUser.missing"), { code: "NoSuchEntity", message: "The user with name go-nobody cannot be found.", typed: true });
  assert.deepEqual(step("iam.PutUserPolicy.roundtrip"), { same: true, encoded: true });
  const wide = step("iam.PutUserPolicy.outsideLatin1");
  assert.equal(wide.code, "ValidationError");
  assert.ok(wide.message.endsWith("at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"), wide.message);
  assert.deepEqual(step("kms.ListKeys.denied"), {
    code: "AccessDeniedException",
    message: `User: arn:aws:iam::${account}:user/go-user is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action`,
    typed: true,
  });
  assert.equal(step("sts.GetCallerIdentity.badSecret").code, "SignatureDoesNotMatch");

  const created = step("kms.CreateKey");
  assert.equal(created.state, "Enabled");
  assert.equal(created.spec, "SYMMETRIC_DEFAULT");
  assert.match(created.arn, new RegExp(`^arn:aws:kms:us-east-1:${account}:key/[0-9a-f-]{36}$`));
  assert.deepEqual(step("kms.Decrypt"), { plaintext: "secret from go", key: created.arn, algorithm: "SYMMETRIC_DEFAULT" });
  assert.deepEqual(step("kms.Decrypt.noContext"), { code: "InvalidCiphertextException", message: "", typed: true });
  assert.deepEqual(step("kms.DescribeKey.missingAlias"), { code: "NotFoundException", message: `Alias arn:aws:kms:us-east-1:${account}:alias/go-nothing is not found.`, typed: true });
  assert.deepEqual(step("kms.GenerateDataKey"), { length: 32, roundtrip: true });
  assert.deepEqual(step("kms.Verify"), { valid: true, changed: { code: "KMSInvalidSignatureException", message: "", typed: true } });
  assert.deepEqual(step("kms.ListKeys.paginated"), { has_both: true, unique: true });
  assert.deepEqual(step("kms.ScheduleKeyDeletion"), { state: "PendingDeletion", days: 7, date: true });
  assert.deepEqual(step("kms.Encrypt.pendingDeletion"), { code: "KMSInvalidStateException", message: `${created.arn} is pending deletion.`, typed: true });

  assert.deepEqual(step("sts.AssumeRole"), { arn: `arn:aws:sts::${account}:assumed-role/go-role/go-session`, key_prefix: "ASIA", describe: true, encrypt: "AccessDeniedException" });

  // Session tags sent as the SDK serialises a list of structures: only the matching tag allows kms:Sign.
  assert.deepEqual(step("sts.AssumeRole.tags"), { matching: null, other: "AccessDeniedException", none: "AccessDeniedException" });

  assert.deepEqual(step("organizations.DescribeOrganization.none"), { code: "AWSOrganizationsNotInUseException", message: "Your account is not a member of an organization.", typed: true });
  assert.deepEqual(step("organizations.CreateOrganization"), { id_prefix: "o-", master: account, accounts: 1 });
  // A time range in the request: nothing two hours ago, both CreateKey calls within the hour.
  assert.deepEqual(step("cloudtrail.LookupEvents.past"), { count: 0 });
  // Both CreateKey calls, each recorded with the Go SDK's user agent.
  assert.deepEqual(step("cloudtrail.LookupEvents"), { count: 2, first: "CreateKey", go_agents: 2 });

  // Past the core set (coverage.go): each less common error as the operation's typed exception,
  // paginators that end, IAM's waiters.
  const allTyped = (codes: string[]) => Object.fromEntries(codes.map((c) => [c, true]));
  assert.deepEqual(step("kms.typedErrors"), allTyped(["AlreadyExistsException", "InvalidMarkerException", "IncorrectKeyException", "InvalidGrantTokenException", "CustomKeyStoreNotFoundException", "KMSInvalidMacException"]));
  assert.deepEqual(step("kms.paginators"), { grants: 2, tags: 2, aliases_end: true, alias_listed: true });
  assert.deepEqual(step("iam.waiters"), { role: true, user: true, policy: true, instance_profile: true });
  assert.deepEqual(step("iam.typedErrors"), allTyped(["DeleteConflict", "EntityAlreadyExists", "MalformedPolicyDocument", "LimitExceeded", "InvalidPublicKey"]));
  assert.deepEqual(step("iam.paginators"), { policies_end: true, read_only: true, details_paged: true });
  assert.deepEqual(step("organizations.typedErrors"), allTyped(["DuplicateOrganizationalUnitException", "ParentNotFoundException", "AccountNotFoundException", "InvalidInputException", "PolicyNotFoundException"]));
  assert.deepEqual(step("organizations.paginators"), { children: 1 });
  assert.deepEqual(step("cloudtrail.typedErrors"), allTyped(["TrailNotFoundException", "InvalidNextTokenException", "InvalidTimeRangeException", "InvalidLookupAttributesException", "InvalidMaxResultsException"]));
  assert.deepEqual(step("cloudtrail.paginators"), { events_end: true });

  // Go SDK v1.
  assert.deepEqual(step("v1.sts.GetCallerIdentity"), { arn: `arn:aws:iam::${account}:user/admin` });
  // The presigned URL signs the x-k8s-aws-id header: replayed with it, the caller; with another value, refused.
  assert.deepEqual(step("v1.sts.PresignedGetCallerIdentity"), { signed_header: true, status: 200, names_caller: true, other_status: 403, other_code: true });
  assert.deepEqual(step("v1.kms.Decrypt"), { plaintext: "secret from go v1", noContext: { code: "InvalidCiphertextException", message: "", status: 400 } });
  assert.deepEqual(step("v1.iam.GetUser.missing"), { code: "NoSuchEntity", message: "The user with name go-v1-nobody cannot be found.", status: 404 });
});
