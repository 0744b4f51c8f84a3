import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parsePolicy } from "../../iam/policy/index.js";
import { awsManagedPolicies, awsManagedPolicyByArn, awsManagedPolicyVersion, PUBLISHED_DOCUMENTS_FILE, PUBLISHED_POLICIES_FILE, readDocument } from "./aws-managed-policies.js";

describe("AWS managed policies", () => {
  test("the build wrote the published policies (npm run build)", () => {
    assert.ok(existsSync(PUBLISHED_POLICIES_FILE), `${PUBLISHED_POLICIES_FILE.pathname} is missing`);
  });

  test("the published policies are served beside the built-in ones, one entry per ARN, in name order", () => {
    const all = awsManagedPolicies();
    assert.ok(all.length > 1_000, `${all.length} policies`);
    assert.equal(new Set(all.map((p) => p.arn)).size, all.length);
    const names = all.map((p) => p.policyName.toLowerCase());
    assert.deepEqual(names, [...names].sort());
    for (const p of all) {
      assert.match(p.policyId, /^ANPA[A-Z2-7]{17}$/, p.policyName);
      assert.equal(p.arn, `arn:aws:iam::aws:policy${p.path}${p.policyName}`);
      assert.match(p.defaultVersionId, /^v[1-9][0-9]*$/);
      assert.ok(Number.isFinite(p.createDate) && p.updateDate >= p.createDate, p.policyName);
    }
  });

  test("policies services document attaching by ARN exist; built-in entries keep their ids; service-linked role policies are not attachable", () => {
    const lambda = awsManagedPolicyByArn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
    assert.ok(lambda);
    assert.equal(lambda.isAttachable, true);
    assert.deepEqual(JSON.parse(lambda.document).Statement.flatMap((s: { Action: string[] }) => s.Action).sort(), ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]);
    assert.ok(awsManagedPolicyByArn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")?.isAttachable);
    assert.ok(awsManagedPolicyByArn("arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole"));
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/AdministratorAccess")?.policyId, "ANPAIWMBCKSKIEE64ZLYK");
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy")?.isAttachable, false);
    assert.equal(awsManagedPolicyByArn("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"), undefined);
  });

  test("every older version of every policy is read from the history file by its own offset, and is a document the policy engine accepts", () => {
    assert.ok(existsSync(PUBLISHED_DOCUMENTS_FILE), `${PUBLISHED_DOCUMENTS_FILE.pathname} is missing`);
    let older = 0;
    const refused: string[] = [];
    for (const p of awsManagedPolicies()) {
      const versions = p.versions ?? [];
      assert.equal(versions[0]?.versionId ?? p.defaultVersionId, p.defaultVersionId, p.policyName);
      for (const v of versions.slice(1)) {
        const got = awsManagedPolicyVersion(p, v.versionId);
        assert.ok(got, `${p.policyName} ${v.versionId}`);
        older++;
        try {
          parsePolicy(got.document, "identity");
        } catch (e) {
          refused.push(`${p.policyName} ${v.versionId}: ${(e as Error).message}`);
        }
      }
    }
    assert.ok(older > 4_000, `${older} older versions`);
    assert.deepEqual(refused, []);
  });

  test("a history file that is missing or does not hold a document at the offset gives no version (never an error)", () => {
    const dir = mkdtempSync(join(tmpdir(), "bulwark-history-"));
    try {
      const file = join(dir, "history.jsonl");
      writeFileSync(file, '{"Version":"2012-10-17","Statement":[]}\n[1,2]\n');
      assert.deepEqual(readDocument(file, [0, 39]), { Version: "2012-10-17", Statement: [] });
      assert.equal(readDocument(file, [1, 30]), undefined);
      assert.equal(readDocument(file, [40, 5]), undefined);
      assert.equal(readDocument(file, [0, 500]), undefined);
      assert.equal(readDocument(join(dir, "missing.jsonl"), [0, 39]), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every AWS managed policy document is one the policy engine accepts", () => {
    const refused: string[] = [];
    for (const p of awsManagedPolicies()) {
      try {
        parsePolicy(p.document, "identity");
      } catch (e) {
        refused.push(`${p.policyName}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(refused, []);
  });
});
