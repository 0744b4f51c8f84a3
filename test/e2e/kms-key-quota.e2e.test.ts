/**
 * The KMS keys resource quota (customer managed keys per account and Region), lowered through
 * BULWARK_KMS_MAX_KEYS so the test can reach it: CreateKey and ReplicateKey beyond it answer
 * LimitExceededException through the SDK; AWS managed keys, other Regions and deleted keys do not
 * count, keys pending deletion do.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateKeyCommand, EncryptCommand, ListKeysCommand, ReplicateKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith, utf8 } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer({ env: { BULWARK_KMS_MAX_KEYS: "3" } });
});
after(async () => {
  await s.destroy();
});

test("BULWARK_KMS_MAX_KEYS: the fourth customer managed key of a Region is LimitExceededException; AWS managed keys and other Regions do not count, keys pending deletion do", async () => {
  const kms = kmsClient(s);
  const limit = { name: "LimitExceededException", status: 400, message: "Key quota for this account in this region is 3 but the current usage is 3." };
  // The first use of alias/aws/ebs creates the AWS managed key (its policy then refuses a direct
  // call, it is for EBS): not a customer managed key, it does not count.
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: "alias/aws/ebs", Plaintext: utf8("x") })), "AccessDeniedException");
  const primary = (await kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL" }));
  const third = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  await rejectsWith(kms.send(new CreateKeyCommand({})), limit);
  assert.equal((await kms.send(new ListKeysCommand({}))).Keys?.length, 4);
  // Another Region has its own quota; a replica counts in the Region it is created in.
  const eu = kmsClient(s, undefined, "eu-west-1");
  await eu.send(new CreateKeyCommand({}));
  await eu.send(new CreateKeyCommand({}));
  await kms.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: "eu-west-1" }));
  const ap = kmsClient(s, undefined, "ap-southeast-2");
  const other = (await ap.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  await rejectsWith(ap.send(new ReplicateKeyCommand({ KeyId: other.KeyId, ReplicaRegion: "eu-west-1" })), limit);
  await rejectsWith(eu.send(new CreateKeyCommand({})), limit);
  // A key pending deletion still counts.
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: third.KeyId, PendingWindowInDays: 7 }));
  await rejectsWith(kms.send(new CreateKeyCommand({})), limit);
});
