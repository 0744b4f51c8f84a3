import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { LOCKOUT_MESSAGE } from "./policies.js";
import { ACCOUNT, ALLOW_KMS, createKmsHarness, OTHER, REGION, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
const pt = Buffer.from("p");

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
const rootAll = (account: string) => ({ Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" });

describe("KMS key policies and enforcement", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("the default policy delegates to IAM: IAM allow is needed and sufficient", async () => {
    const admin = await h.user(ACCOUNT, "kmsadmin", ALLOW_KMS);
    const nobody = await h.user(ACCOUNT, "nobody");
    const k = (await h.call<Md>("CreateKey", {}, admin)).KeyMetadata;
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, admin);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, nobody), "AccessDeniedException");
    await rejects(h.call("CreateKey", {}, nobody), "AccessDeniedException", /kms:CreateKey on resource: \*/);
  });

  test("lockout safety check on PutKeyPolicy and CreateKey; bypass really locks out", async () => {
    const admin = await h.user(ACCOUNT, "poladmin", ALLOW_KMS);
    const k = (await h.call<Md>("CreateKey", {}, admin)).KeyMetadata;
    const other = policy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/nobody` }, Action: "kms:Encrypt", Resource: "*" });
    await rejects(h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: other }, admin), "MalformedPolicyDocumentException", LOCKOUT_MESSAGE);
    await rejects(h.call("CreateKey", { Policy: other }, admin), "MalformedPolicyDocumentException", LOCKOUT_MESSAGE);
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll(ACCOUNT)) }, admin);
    assert.equal((await h.call<{ Policy: string }>("GetKeyPolicy", { KeyId: k.KeyId }, admin)).Policy, policy(rootAll(ACCOUNT)));
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: other, BypassPolicyLockoutSafetyCheck: true }, admin);
    await rejects(h.call("GetKeyPolicy", { KeyId: k.KeyId }, admin), "AccessDeniedException");
    await rejects(h.call("GetKeyPolicy", { KeyId: k.KeyId }), "AccessDeniedException", /because no resource-based policy allows the kms:GetKeyPolicy action$/);
  });

  test("malformed policies and unknown principals are MalformedPolicyDocumentException", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: "{not json" }), "MalformedPolicyDocumentException");
    await rejects(
      h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll(ACCOUNT), { Effect: "Allow", Principal: { AWS: "not-a-principal" }, Action: "kms:*", Resource: "*" }) }),
      "MalformedPolicyDocumentException",
      "Policy contains a statement with one or more invalid principals.",
    );
    await rejects(h.call("GetKeyPolicy", { KeyId: k.KeyId, PolicyName: "other" }), "NotFoundException");
    // PolicyName's constraints come before the key is looked up, for GetKeyPolicy as for PutKeyPolicy.
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const op of ["GetKeyPolicy", "PutKeyPolicy"]) {
      await rejects(
        h.call(op, { KeyId: missing, PolicyName: "no-dash", ...(op === "PutKeyPolicy" ? { Policy: policy(rootAll(ACCOUNT)) } : {}) }),
        "ValidationException",
        "1 validation error detected: Value 'no-dash' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+",
      );
    }
    const names = await h.call<{ PolicyNames: string[]; Truncated: boolean }>("ListKeyPolicies", { KeyId: k.KeyId });
    assert.deepEqual(names, { PolicyNames: ["default"], Truncated: false });
  });

  test("a key policy naming a user directly allows without any IAM policy", async () => {
    const erin = await h.user(ACCOUNT, "erin");
    const k = (await h.call<Md>("CreateKey", { Policy: policy(rootAll(ACCOUNT), { Effect: "Allow", Principal: { AWS: erin.arn }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" }) })).KeyMetadata;
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, erin);
    await h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob }, erin);
    await rejects(h.call("DisableKey", { KeyId: k.KeyId }, erin), "AccessDeniedException");
  });

  test("KMS condition keys: encryption context, algorithm, resource tags, request alias", async () => {
    const frank = await h.user(ACCOUNT, "frank");
    const k = (
      await h.call<Md>("CreateKey", {
        Tags: [{ TagKey: "team", TagValue: "blue" }],
        Policy: policy(rootAll(ACCOUNT), {
          Effect: "Allow",
          Principal: { AWS: frank.arn },
          Action: "kms:Encrypt",
          Resource: "*",
          Condition: {
            StringEquals: { "kms:EncryptionContext:app": "billing", "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "aws:ResourceTag/team": "blue", "kms:CallerAccount": ACCOUNT },
            "ForAnyValue:StringEquals": { "kms:RequestAlias": "alias/billing" },
          },
        }),
      })
    ).KeyMetadata;
    await h.call("CreateAlias", { AliasName: "alias/billing", TargetKeyId: k.KeyId });
    await h.call("Encrypt", { KeyId: "alias/billing", Plaintext: pt, EncryptionContext: { app: "billing" } }, frank);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { app: "billing" } }, frank), "AccessDeniedException");
    await rejects(h.call("Encrypt", { KeyId: "alias/billing", Plaintext: pt, EncryptionContext: { app: "other" } }, frank), "AccessDeniedException");
    const { ctx } = await h.callWithCtx("Encrypt", { KeyId: "alias/billing", Plaintext: pt, EncryptionContext: { app: "billing" } }, frank);
    assert.deepEqual(ctx.audit.resources, [{ ARN: k.Arn, accountId: ACCOUNT, type: "AWS::KMS::Key" }]);
  });

  test("cross-account use needs the key ARN, the key policy and the caller's IAM policy", async () => {
    const owner = h.root(ACCOUNT);
    const k = (await h.call<Md>("CreateKey", { Policy: policy(rootAll(ACCOUNT), { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ["kms:Encrypt", "kms:DescribeKey"], Resource: "*" }) }, owner)).KeyMetadata;
    const allowed = await h.user(OTHER, "xuser", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: k.Arn }] });
    const denied = await h.user(OTHER, "yuser");
    const { ctx } = await h.callWithCtx("Encrypt", { KeyId: k.Arn, Plaintext: pt }, allowed);
    assert.equal(ctx.audit.recipientAccountId, ACCOUNT);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, allowed), "NotFoundException", `Key 'arn:aws:kms:${REGION}:${OTHER}:key/${k.KeyId}' does not exist`);
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, denied), "AccessDeniedException");
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: k.Arn }, allowed), "NotFoundException");
    const k2 = (await h.call<Md>("CreateKey", {}, owner)).KeyMetadata;
    await rejects(h.call("Encrypt", { KeyId: k2.Arn, Plaintext: pt }, allowed), "AccessDeniedException");
  });

  test("cross-account Decrypt without KeyId finds the key from the ciphertext, then authorises against it", async () => {
    const k = (await h.call<Md>("CreateKey", { Policy: policy(rootAll(ACCOUNT), { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: "kms:Decrypt", Resource: "*" }) })).KeyMetadata;
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt });
    const reader = await h.user(OTHER, "reader", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] });
    const d = await h.call<{ KeyId: string; Plaintext: Uint8Array }>("Decrypt", { CiphertextBlob: e.CiphertextBlob }, reader);
    assert.equal(d.KeyId, k.Arn);
    assert.deepEqual(Buffer.from(d.Plaintext), pt);
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob }, await h.user(OTHER, "noreader")), "AccessDeniedException");
  });

  test("an AWS managed key is stored with its alias and rotation job in one commit: a failed first use leaves nothing", async () => {
    const admin = await h.user(ACCOUNT, "managed-atomic", ALLOW_KMS);
    const keysBefore = (await h.call<{ Keys: unknown[] }>("ListKeys", {}, admin)).Keys.length;
    // The rotation job cannot be written (as if the process stopped there).
    const { schedule, scheduleIn } = h.scheduler;
    h.scheduler.schedule = h.scheduler.scheduleIn = async () => {
      throw new Error("stopped");
    };
    try {
      await assert.rejects(h.call("DescribeKey", { KeyId: "alias/aws/ebs" }, admin));
    } finally {
      Object.assign(h.scheduler, { schedule, scheduleIn });
    }
    assert.equal((await h.call<{ Keys: unknown[] }>("ListKeys", {}, admin)).Keys.length, keysBefore, "no key without its alias");
    const d = await h.call<{ KeyMetadata: { KeyId: string; Arn: string } }>("DescribeKey", { KeyId: "alias/aws/ebs" }, admin);
    assert.equal((await h.call<{ Keys: unknown[] }>("ListKeys", {}, admin)).Keys.length, keysBefore + 1);
    assert.ok(await h.scheduler.get(`kms-rotate/${d.KeyMetadata.Arn}`), "its yearly rotation is scheduled");
  });

  test("AWS managed keys: created by DescribeKey on a predefined alias, usable only via the service, not manageable", async () => {
    const admin = await h.user(ACCOUNT, "awsadmin", ALLOW_KMS);
    const aliases = await h.call<{ Aliases: Array<{ AliasName: string; TargetKeyId?: string }> }>("ListAliases", { Limit: 100 }, admin);
    assert.ok(aliases.Aliases.some((a) => a.AliasName === "alias/aws/ssm" && a.TargetKeyId === undefined));
    const d = await h.call<{ KeyMetadata: { KeyId: string; KeyManager: string; Arn: string } }>("DescribeKey", { KeyId: "alias/aws/ssm" }, admin);
    assert.equal(d.KeyMetadata.KeyManager, "AWS");
    const again = await h.call<{ KeyMetadata: { KeyId: string } }>("DescribeKey", { KeyId: "alias/aws/ssm" }, admin);
    assert.equal(again.KeyMetadata.KeyId, d.KeyMetadata.KeyId);
    const st = await h.call<{ KeyRotationEnabled: boolean; RotationPeriodInDays: number }>("GetKeyRotationStatus", { KeyId: d.KeyMetadata.KeyId }, admin);
    assert.deepEqual([st.KeyRotationEnabled, st.RotationPeriodInDays], [true, 365]);
    await rejects(h.call("Encrypt", { KeyId: "alias/aws/ssm", Plaintext: pt }, admin), "AccessDeniedException");
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: d.KeyMetadata.KeyId }, admin), "AccessDeniedException");
    await rejects(h.call("CreateAlias", { AliasName: "alias/aws/mine", TargetKeyId: d.KeyMetadata.KeyId }, admin), "NotAuthorizedException");
    // An alias/aws/ name that is not predefined names no key, and none is made for it.
    const keysBefore = (await h.call<{ Keys: unknown[] }>("ListKeys", { Limit: 1000 }, admin)).Keys.length;
    await rejects(h.call("DescribeKey", { KeyId: "alias/aws/not-a-service" }, admin), "NotFoundException");
    await rejects(h.call("Encrypt", { KeyId: "alias/aws/not-a-service", Plaintext: pt }, admin), "NotFoundException");
    assert.equal((await h.call<{ Keys: unknown[] }>("ListKeys", { Limit: 1000 }, admin)).Keys.length, keysBefore);
    // Via the service (kms:ViaService), the same user can use it.
    const ctx = h.ctx(admin);
    const e = await h.kms.api.encryptFor(ctx, "ssm", { KeyId: "alias/aws/ssm", Plaintext: pt, EncryptionContext: { PARAMETER_ARN: "p" } });
    assert.equal(e.KeyId, d.KeyMetadata.Arn);
    const dd = await h.kms.api.decryptFor(h.ctx(admin), "ssm", { CiphertextBlob: e.CiphertextBlob as Uint8Array, EncryptionContext: { PARAMETER_ARN: "p" } });
    assert.deepEqual(Buffer.from(dd.Plaintext as Uint8Array), pt);
    await rejects(h.kms.api.encryptFor(h.ctx(admin), "s3", { KeyId: "alias/aws/ssm", Plaintext: pt }), "AccessDeniedException");
    const created = await h.kms.api.getOrCreateAwsManagedKey({ accountId: ACCOUNT, region: REGION }, "aws/ssm");
    assert.equal(created.keyId, d.KeyMetadata.KeyId);
  });

  test("a ReEncrypt from one account's key to another's, by a third account, is delivered to both key owners; a denial to neither", async () => {
    const THIRD = "777788889999";
    const allowThird = { Sid: "third", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${THIRD}:root` }, Action: "kms:*", Resource: "*" };
    const source = (await h.call<Md>("CreateKey", { Policy: policy(rootAll(ACCOUNT), allowThird) }, h.root(ACCOUNT))).KeyMetadata;
    const dest = (await h.call<Md>("CreateKey", { Policy: policy(rootAll(OTHER), allowThird) }, h.root(OTHER))).KeyMetadata;
    const closed = (await h.call<Md>("CreateKey", {}, h.root(OTHER))).KeyMetadata;
    const ct = (await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: source.KeyId, Plaintext: pt }, h.root(ACCOUNT))).CiphertextBlob;
    const carol = await h.user(THIRD, "reencrypt-carol", ALLOW_KMS);
    const { ctx } = await h.callWithCtx("ReEncrypt", { CiphertextBlob: ct, DestinationKeyId: dest.Arn }, carol);
    assert.equal(ctx.audit.recipientAccountId, ACCOUNT);
    assert.deepEqual(ctx.audit.otherRecipientAccountIds, [OTHER]);
    assert.deepEqual(ctx.audit.resources?.map((r) => r.ARN), [source.Arn, dest.Arn]);
    // Denied on the destination: "cross-account AWS KMS requests that are rejected because access
    // is denied are logged only in the caller's account".
    const denied = h.ctx(carol);
    await rejects(h.kms.definition.operations["ReEncrypt"]!.handler({ CiphertextBlob: ct, DestinationKeyId: closed.Arn }, denied), "AccessDeniedException");
    assert.equal(denied.audit.recipientAccountId, undefined);
    assert.equal(denied.audit.otherRecipientAccountIds, undefined);
  });
});
