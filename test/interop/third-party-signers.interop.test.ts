/**
 * Interoperability with SigV4 signers outside the AWS SDKs: small clients in test/interop/signers,
 * one per language, each sign their own requests with a signing library (third-party ones, and
 * the Ruby SDK's aws-sigv4 gem used on its own) and send them over HTTPS with Bulwark's CA: STS
 * GetCallerIdentity and IAM CreateUser (query protocol, POST form), KMS CreateKey, Encrypt and
 * Decrypt (JSON 1.1 with X-Amz-Target), and a KMS and an STS request whose signature was changed
 * after signing, which must get AWS's own errors. Every step's outcome is checked here.
 *
 * The libraries, as Debian packages (which .ci/run installs): aws4 for Node (node-aws4),
 * aws-requests-auth with requests for Python (python3-aws-requests-auth, python3-requests),
 * aws-sigv4 for Ruby (ruby-aws-sigv4), AWS::Signature4 with LWP for Perl
 * (libaws-signature4-perl, liblwp-protocol-https-perl) and go-aws-auth for Go
 * (golang-github-smartystreets-go-aws-auth-dev, built offline against its sources in GOPATH).
 * Each language is skipped, saying so, when its library or tool is missing.
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

const SIGNERS = fileURLToPath(new URL("../../../test/interop/signers", import.meta.url));
const AWS4 = "/usr/share/nodejs/aws4/aws4.js";
const GO_AWS_AUTH = path.join(GOPATH, "src/github.com/smartystreets/go-aws-auth");

/** AWS's message for a signature that does not match, in both protocols. */
const SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const runs = (command: string, args: string[]) => spawnSync(command, args).status === 0;

interface Signer {
  /** The client's name: its user is signer-<id>, its plaintext "secret from <id>". */
  id: string;
  title: string;
  /** Why the signer cannot run here, or undefined. */
  missing: string | undefined;
  /** The command that runs the client (building it first if need be). */
  command(dir: string): [string, string[]];
}

const signers: Signer[] = [
  {
    id: "node-aws4",
    title: "aws4 (Node)",
    missing: existsSync(AWS4) ? undefined : `no ${AWS4} here (apt-get install node-aws4)`,
    command: () => [process.execPath, [path.join(SIGNERS, "node-aws4.mjs"), AWS4]],
  },
  {
    id: "python-aws-requests-auth",
    title: "aws-requests-auth with requests (Python)",
    // Debian's python3: the packages are not in other pythons' paths.
    missing: runs("/usr/bin/python3", ["-c", "import aws_requests_auth, requests"]) ? undefined : "no /usr/bin/python3 with aws_requests_auth and requests here (apt-get install python3-aws-requests-auth python3-requests)",
    command: () => ["/usr/bin/python3", [path.join(SIGNERS, "python-aws-requests-auth.py")]],
  },
  {
    id: "ruby-aws-sigv4",
    title: "aws-sigv4 with Net::HTTP (Ruby)",
    missing: runs("ruby", ["-e", "require 'aws-sigv4'; require 'net/http'"]) ? undefined : "no ruby with the aws-sigv4 gem here (apt-get install ruby-aws-sigv4)",
    command: () => ["ruby", [path.join(SIGNERS, "ruby-aws-sigv4.rb")]],
  },
  {
    id: "perl-aws-signature4",
    title: "AWS::Signature4 with LWP (Perl)",
    missing: runs("perl", ["-MAWS::Signature4", "-MLWP::UserAgent", "-MLWP::Protocol::https", "-e1"]) ? undefined : "no perl with AWS::Signature4 and LWP::Protocol::https here (apt-get install libaws-signature4-perl liblwp-protocol-https-perl)",
    command: () => ["perl", [path.join(SIGNERS, "perl-aws-signature4.pl")]],
  },
  {
    id: "go-aws-auth",
    title: "go-aws-auth (Go)",
    missing: !runs("go", ["version"]) ? "no go toolchain here (apt-get install golang-go)" : existsSync(GO_AWS_AUTH) ? undefined : `no go-aws-auth sources in ${GOPATH} (apt-get install golang-github-smartystreets-go-aws-auth-dev)`,
    command: (dir) => {
      const binary = path.join(dir, "go-aws-auth");
      goBuild(path.join(SIGNERS, "go-aws-auth.go"), binary, dir);
      return [binary, []];
    },
  },
];

const anyAvailable = signers.some((signer) => signer.missing === undefined);
let s: TestServer;
let dir: string;

before(async () => {
  if (!anyAvailable) return;
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-signers-"));
});
after(async () => {
  if (!anyAvailable) return;
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

for (const signer of signers) {
  test(`${signer.title} signs STS and IAM query calls and KMS JSON calls Bulwark accepts; a changed signature gets AWS's errors`, { skip: signer.missing ?? false, timeout: 300_000 }, async () => {
    const scratch = mkdtempSync(path.join(dir, `${signer.id}-`));
    const [command, args] = signer.command(scratch);
    const step = await runClientSteps(s, scratch, command, args);
    const account = s.accountId;

    assert.deepEqual(step("sts.GetCallerIdentity"), { status: 200, account, arn: `arn:aws:iam::${account}:user/admin` });
    assert.deepEqual(step("iam.CreateUser"), { status: 200, arn: `arn:aws:iam::${account}:user/signer-${signer.id}` });
    const created = step("kms.CreateKey");
    assert.equal(created.status, 200);
    assert.equal(created.state, "Enabled");
    assert.match(created.arn, new RegExp(`^arn:aws:kms:us-east-1:${account}:key/[0-9a-f-]{36}$`));
    assert.deepEqual(step("kms.Decrypt"), { status: 200, plaintext: `secret from ${signer.id}`, key: created.arn });

    assert.deepEqual(step("kms.Encrypt.tampered"), { status: 400, code: "InvalidSignatureException", message: SIGNATURE_MISMATCH });
    assert.deepEqual(step("sts.GetCallerIdentity.tampered"), { status: 403, code: "SignatureDoesNotMatch", message: SIGNATURE_MISMATCH });
  });
}
