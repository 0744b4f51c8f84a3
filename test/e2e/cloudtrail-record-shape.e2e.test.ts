/**
 * CloudTrail events as the AWS documentation shows them, read back through LookupEvents with the
 * official SDK: the STS read-only table of the IAM user guide ("Logging IAM and AWS STS API calls
 * with AWS CloudTrail"), the key ARN KMS writes in responseElements.keyId of calls that return
 * nothing, CreateGrant without its grant token, aliases as resources, and the AWS service events
 * KMS writes itself (RotateKey, DeleteKey) in the KMS developer guide's shape.
 *
 * Tests in this file run in order and only move the clock forward.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  KMSClient,
  CreateKeyCommand,
  CreateAliasCommand,
  UpdateAliasCommand,
  DeleteAliasCommand,
  CreateGrantCommand,
  RetireGrantCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  DescribeKeyCommand,
  EncryptCommand,
  DecryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  ReEncryptCommand,
  GenerateRandomCommand,
  ListAliasesCommand,
  ReplicateKeyCommand,
  type CreateKeyCommandInput,
} from "@aws-sdk/client-kms";
import { STSClient, AssumeRoleCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { IAMClient, CreateRoleCommand, CreateUserCommand, CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, eventually, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const DAY = 86_400_000;
const kms = () => new KMSClient({ ...s.clientConfig(), systemClockOffset: s.clock.offsetMs });
const trail = () => new CloudTrailClient({ ...s.clientConfig(), systemClockOffset: s.clock.offsetMs });

type Ev = Record<string, any>;
/** The events named `name`, newest first, with LookupEvents' top-level fields. */
async function events(name: string): Promise<Array<{ top: Record<string, any>; ev: Ev }>> {
  const out = await trail().send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: name }], EndTime: new Date(Date.now() + s.clock.offsetMs + 60_000) }),
  );
  return (out.Events ?? []).map((e) => ({ top: e, ev: JSON.parse(e.CloudTrailEvent!) as Ev }));
}

test("STS: GetSessionToken is recorded as not read-only, AssumeRole as read-only, both with responseElements", async () => {
  const sts = new STSClient(s.clientConfig());
  await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const role = await new IAMClient(s.clientConfig()).send(
    new CreateRoleCommand({
      RoleName: "shape-role",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] }),
    }),
  );
  await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn, RoleSessionName: "shape" }));
  const [gst] = await events("GetSessionToken");
  assert.equal(gst!.ev.readOnly, false);
  assert.equal(gst!.top.ReadOnly, "false");
  assert.deepEqual(Object.keys(gst!.ev.responseElements.credentials).sort(), ["accessKeyId", "expiration"]);
  const [ar] = await events("AssumeRole");
  assert.equal(ar!.ev.readOnly, true);
  assert.equal(ar!.top.ReadOnly, "true");
  assert.equal(ar!.ev.responseElements.assumedRoleUser.arn, `arn:aws:sts::${s.accountId}:assumed-role/shape-role/shape`);
});

test("KMS: calls that return nothing record the key ARN in responseElements.keyId; aliases are resources", async () => {
  const k = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  const k2 = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  await kms().send(new DisableKeyCommand({ KeyId: k.KeyId }));
  await kms().send(new EnableKeyCommand({ KeyId: k.KeyId }));
  await kms().send(new EnableKeyRotationCommand({ KeyId: k.KeyId }));
  await kms().send(new CreateAliasCommand({ AliasName: "alias/shape", TargetKeyId: k.KeyId }));
  await kms().send(new UpdateAliasCommand({ AliasName: "alias/shape", TargetKeyId: k2.KeyId }));
  for (const name of ["DisableKey", "EnableKey", "EnableKeyRotation"]) {
    const [e] = await events(name);
    assert.deepEqual(e!.ev.responseElements, { keyId: k.Arn }, name);
    assert.deepEqual(e!.ev.requestParameters.keyId, k.KeyId, name);
  }
  const aliasArn = `arn:aws:kms:us-east-1:${s.accountId}:alias/shape`;
  const [created] = await events("CreateAlias");
  assert.deepEqual(created!.ev.requestParameters, { aliasName: "alias/shape", targetKeyId: k.KeyId });
  assert.deepEqual(created!.ev.responseElements, { keyId: k.Arn });
  assert.deepEqual(created!.ev.resources, [
    { ARN: k.Arn, accountId: s.accountId, type: "AWS::KMS::Key" },
    { ARN: aliasArn, accountId: s.accountId, type: "AWS::KMS::Key" },
  ]);
  const [updated] = await events("UpdateAlias");
  assert.deepEqual(updated!.ev.responseElements, { keyId: k2.Arn });
  // The alias, then the key it now points to; not the key it pointed to (KMS developer guide, "UpdateAlias").
  assert.deepEqual(updated!.ev.resources, [
    { ARN: aliasArn, accountId: s.accountId, type: "AWS::KMS::Key" },
    { ARN: k2.Arn, accountId: s.accountId, type: "AWS::KMS::Key" },
  ]);
  // A failed call keeps responseElements null.
  await assert.rejects(kms().send(new CreateAliasCommand({ AliasName: "alias/shape", TargetKeyId: k.KeyId })));
  const [again] = await events("CreateAlias");
  assert.equal(again!.ev.errorCode, "AlreadyExistsException");
  assert.equal(again!.ev.responseElements, null);
  // DeleteAlias: the alias, then the key it pointed to, as resources; the key ARN in
  // responseElements.keyId (KMS developer guide, "DeleteAlias").
  await kms().send(new DeleteAliasCommand({ AliasName: "alias/shape" }));
  const [deleted] = await events("DeleteAlias");
  assert.deepEqual(deleted!.ev.requestParameters, { aliasName: "alias/shape" });
  assert.deepEqual(deleted!.ev.responseElements, { keyId: k2.Arn });
  assert.deepEqual(deleted!.ev.resources, [
    { ARN: aliasArn, accountId: s.accountId, type: "AWS::KMS::Key" },
    { ARN: k2.Arn, accountId: s.accountId, type: "AWS::KMS::Key" },
  ]);
  assert.deepEqual(deleted!.top.Resources, [
    { ResourceType: "AWS::KMS::Key", ResourceName: aliasArn },
    { ResourceType: "AWS::KMS::Key", ResourceName: k2.Arn },
  ]);
  // Deleting it again fails: no responseElements.
  await assert.rejects(kms().send(new DeleteAliasCommand({ AliasName: "alias/shape" })), (e: Error) => e.name === "NotFoundException");
  const [gone] = await events("DeleteAlias");
  assert.equal(gone!.ev.errorCode, "NotFoundException");
  assert.equal(gone!.ev.responseElements, null);
});

test("KMS: Encrypt, Decrypt, GenerateDataKey(Pair) and ReEncrypt name the key material in additionalEventData", async () => {
  const k = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  const k2 = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  const ec = { Department: "Engineering" };
  const enc = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("material-test"), EncryptionContext: ec }));
  await kms().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec }));
  await kms().send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: "AES_256" }));
  await kms().send(new GenerateDataKeyPairCommand({ KeyId: k.KeyId, KeyPairSpec: "ECC_NIST_P256" }));
  await kms().send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k.KeyId, KeyPairSpec: "ECC_NIST_P256" }));
  await kms().send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: k2.KeyId }));
  for (const name of ["Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"]) {
    const [e] = await events(name);
    assert.deepEqual(e!.ev.additionalEventData, { keyMaterialId: k.CurrentKeyMaterialId }, name);
    assert.equal(e!.ev.responseElements, null, name);
  }
  const [re] = await events("ReEncrypt");
  assert.deepEqual(re!.ev.additionalEventData, { destinationKeyMaterialId: k2.CurrentKeyMaterialId, sourceKeyMaterialId: k.CurrentKeyMaterialId });
});

test("KMS: GenerateRandom and ListAliases use no key and record an empty resources list", async () => {
  await kms().send(new GenerateRandomCommand({ NumberOfBytes: 16 }));
  const [rnd] = await events("GenerateRandom");
  assert.deepEqual(rnd!.ev.resources, []);
  assert.deepEqual(rnd!.top.Resources, []);
  assert.equal(rnd!.ev.responseElements, null);
  const keys = Object.keys(rnd!.ev);
  assert.deepEqual(keys.slice(keys.indexOf("readOnly"), keys.indexOf("readOnly") + 3), ["readOnly", "resources", "eventType"]);
  await kms().send(new ListAliasesCommand({ Limit: 5 }));
  const [all] = await events("ListAliases");
  assert.deepEqual(all!.ev.requestParameters, { limit: 5 });
  assert.deepEqual(all!.ev.resources, []);
  // A call that fails before touching a key keeps the empty list.
  await assert.rejects(kms().send(new GenerateRandomCommand({ NumberOfBytes: 16, CustomKeyStoreId: "cks-1234567890abcdef0" })), (e: Error) => e.name === "CustomKeyStoreNotFoundException");
  const [failed] = await events("GenerateRandom");
  assert.equal(failed!.ev.errorCode, "CustomKeyStoreNotFoundException");
  assert.deepEqual(failed!.ev.resources, []);
});

test("KMS: a ciphertext that does not decrypt is recorded with its errorCode and no errorMessage (the exception has none)", async () => {
  const k = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  const enc = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from("x"), EncryptionContext: { a: "1" } }));
  await assert.rejects(kms().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: "2" } })), (e: Error) => e.name === "InvalidCiphertextException");
  const failed = (await events("Decrypt")).find((e) => e.ev.errorCode !== undefined);
  assert.equal(failed!.ev.errorCode, "InvalidCiphertextException");
  assert.equal("errorMessage" in failed!.ev, false);
  assert.deepEqual(failed!.ev.requestParameters.encryptionContext, { a: "2" });
});

test("a call over HTTPS carries tlsDetails: the negotiated TLS version and cipher suite, and the Host header sent", async () => {
  const k = (await kms().send(new CreateKeyCommand({ Description: "tls" }))).KeyMetadata!;
  const [e] = (await events("CreateKey")).filter((x) => x.ev.responseElements?.keyMetadata?.keyId === k.KeyId);
  const host = new URL(s.url).host;
  assert.deepEqual(e!.ev.tlsDetails, { tlsVersion: "TLSv1.3", cipherSuite: e!.ev.tlsDetails.cipherSuite, clientProvidedHostHeader: host });
  assert.match(e!.ev.tlsDetails.cipherSuite, /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
  assert.equal(Object.keys(e!.ev).at(-1), "tlsDetails");
  const created = new Date(k.CreationDate!);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const h = created.getUTCHours();
  const expected = `${months[created.getUTCMonth()]} ${created.getUTCDate()}, ${created.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${String(created.getUTCMinutes()).padStart(2, "0")}:${String(created.getUTCSeconds()).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
  assert.equal(e!.ev.responseElements.keyMetadata.creationDate, expected);
  // KMS writes the account as "AWSAccountId" (KMS developer guide, "CreateKey").
  assert.equal(e!.ev.responseElements.keyMetadata.AWSAccountId, s.accountId);
  assert.equal("aWSAccountId" in e!.ev.responseElements.keyMetadata, false);
  assert.equal(e!.ev.responseElements.keyMetadata.keyId, k.KeyId);
  assert.equal(e!.ev.responseElements.keyMetadata.keyState, "Enabled");
});

test("KMS: CreateGrant records the grant id and key ARN, never the grant token", async () => {
  const k = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  const g = await kms().send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${s.accountId}:root`, Operations: ["Decrypt"] }));
  const [e] = await events("CreateGrant");
  assert.deepEqual(e!.ev.responseElements, { grantId: g.GrantId, keyId: k.Arn });
  assert.ok(!e!.top.CloudTrailEvent.includes(g.GrantToken!), "the grant token never reaches the audit log");
  // RetireGrant by token: requestParameters null, the grant id in additionalEventData.
  await kms().send(new RetireGrantCommand({ GrantToken: g.GrantToken }));
  const [r] = await events("RetireGrant");
  assert.equal(r!.ev.requestParameters, null);
  assert.deepEqual(r!.ev.additionalEventData, { grantId: g.GrantId });
  assert.equal(r!.ev.responseElements, null);
  assert.deepEqual(r!.ev.resources, [{ ARN: k.Arn, accountId: s.accountId, type: "AWS::KMS::Key" }]);
  assert.ok(!r!.top.CloudTrailEvent.includes(g.GrantToken!), "the grant token never reaches the audit log");
});

test("KMS: CreateKey, ReplicateKey and PutKeyPolicy record the values KMS took for the members a request left out", async () => {
  const created = async (input: CreateKeyCommandInput) => {
    const k = (await kms().send(new CreateKeyCommand(input))).KeyMetadata!;
    const [e] = (await events("CreateKey")).filter((x) => x.ev.responseElements?.keyMetadata?.keyId === k.KeyId);
    return { k, params: e!.ev.requestParameters };
  };
  // The KMS developer guide's CreateKey entry: the six members together, customerMasterKeySpec beside
  // keySpec (a request may not name both), description "" and the lockout bypass false.
  const external = await created({ Origin: "EXTERNAL" });
  assert.deepEqual(external.params, {
    description: "",
    origin: "EXTERNAL",
    bypassPolicyLockoutSafetyCheck: false,
    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
  });
  assert.deepEqual(Object.keys(external.params), ["description", "origin", "bypassPolicyLockoutSafetyCheck", "customerMasterKeySpec", "keySpec", "keyUsage"]);
  const plain = await created({});
  assert.deepEqual(plain.params, { ...external.params, origin: "AWS_KMS" });
  // Members sent are kept, after those six; the deprecated name follows the spec sent by its new one.
  const signing = await created({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY", Description: "sig", Tags: [{ TagKey: "team", TagValue: "a" }], MultiRegion: true });
  assert.deepEqual(signing.params, {
    description: "sig",
    origin: "AWS_KMS",
    bypassPolicyLockoutSafetyCheck: false,
    customerMasterKeySpec: "ECC_NIST_P256",
    keySpec: "ECC_NIST_P256",
    keyUsage: "SIGN_VERIFY",
    tags: [{ tagKey: "team", tagValue: "a" }],
    multiRegion: true,
  });
  // ReplicateKey (KMS developer guide): keyId, replicaRegion, bypassPolicyLockoutSafetyCheck false, description "".
  await kms().send(new ReplicateKeyCommand({ KeyId: signing.k.KeyId, ReplicaRegion: "us-west-2" }));
  const [replicated] = await events("ReplicateKey");
  assert.deepEqual(replicated!.ev.requestParameters, { keyId: signing.k.KeyId, replicaRegion: "us-west-2", bypassPolicyLockoutSafetyCheck: false, description: "" });
  // A spec the deprecated member has no value for is recorded under keySpec only.
  const mldsa = await created({ KeySpec: "ML_DSA_65", KeyUsage: "SIGN_VERIFY" });
  assert.equal(mldsa.params.keySpec, "ML_DSA_65");
  assert.equal("customerMasterKeySpec" in mldsa.params, false);
  // A refused request keeps what it sent.
  await assert.rejects(kms().send(new CreateKeyCommand({ KeySpec: "RSA_2048" })), (e: Error) => e.name === "ValidationException");
  const [refused] = (await events("CreateKey")).filter((x) => x.ev.errorCode !== undefined);
  assert.deepEqual(refused!.ev.requestParameters, { keySpec: "RSA_2048" });

  // PutKeyPolicy (KMS developer guide): keyId, policyName, policy and bypassPolicyLockoutSafetyCheck false.
  const { Policy: policy } = await kms().send(new GetKeyPolicyCommand({ KeyId: plain.k.KeyId, PolicyName: "default" }));
  await kms().send(new PutKeyPolicyCommand({ KeyId: plain.k.KeyId, PolicyName: "default", Policy: policy }));
  const [put] = await events("PutKeyPolicy");
  assert.deepEqual(put!.ev.requestParameters, { keyId: plain.k.KeyId, policyName: "default", policy, bypassPolicyLockoutSafetyCheck: false });
  assert.equal(put!.ev.responseElements, null);
});

test("KMS: RotateKey after RotateKeyOnDemand and DeleteKey after the waiting period are AWS service events", async () => {
  const k = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
  await kms().send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  const current = (await kms().send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.CurrentKeyMaterialId;
  const [rot] = await eventually(async () => {
    const r = await events("RotateKey");
    return r.length > 0 ? r : undefined;
  });
  const ev = rot!.ev;
  assert.deepEqual(ev.userIdentity, { accountId: s.accountId, invokedBy: "AWS Internal" });
  assert.equal(ev.sourceIPAddress, "AWS Internal");
  assert.equal(ev.userAgent, "AWS Internal");
  assert.equal(ev.requestParameters, null);
  assert.equal(ev.responseElements, null);
  assert.equal("requestID" in ev, false);
  assert.equal(ev.eventType, "AwsServiceEvent");
  assert.equal(ev.readOnly, false);
  assert.equal(ev.managementEvent, true);
  assert.equal(ev.eventCategory, "Management");
  assert.equal(ev.recipientAccountId, s.accountId);
  assert.deepEqual(ev.resources, [{ ARN: k.Arn, accountId: s.accountId, type: "AWS::KMS::Key" }]);
  assert.deepEqual(ev.serviceEventDetails, {
    rotationType: "ON_DEMAND",
    keyOrigin: "AWS_KMS",
    previousKeyMaterialId: k.CurrentKeyMaterialId,
    currentKeyMaterialId: current,
    keyId: k.KeyId,
  });
  assert.deepEqual(Object.keys(ev), [
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
    "requestParameters", "responseElements", "eventID", "readOnly", "resources", "eventType", "managementEvent",
    "recipientAccountId", "serviceEventDetails", "eventCategory",
  ]);
  assert.equal(rot!.top.Username, undefined);

  await kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
  // Timestamps in responseElements are written as the KMS examples show them ("Apr 12, 2021, 6:58:30 PM").
  const [scheduled] = await events("ScheduleKeyDeletion");
  assert.match(scheduled!.ev.responseElements.deletionDate, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  assert.equal(scheduled!.ev.responseElements.keyState, "PendingDeletion");
  s.clock.offsetMs += 7 * DAY + 3_600_000;
  const [del] = await eventually(async () => {
    const r = await events("DeleteKey");
    return r.length > 0 ? r : undefined;
  }, 8000, 200);
  assert.deepEqual(del!.ev.userIdentity, { accountId: s.accountId, invokedBy: "AWS Internal" });
  assert.equal(del!.ev.eventType, "AwsServiceEvent");
  assert.equal(del!.ev.sourceIPAddress, "AWS Internal");
  assert.equal(del!.ev.requestParameters, null);
  // "CloudTrail log entries for this operation recorded on or after December 2022 include the key
  // ARN of the affected KMS key in the responseElements.keyId value" (KMS developer guide, "DeleteKey").
  assert.deepEqual(del!.ev.responseElements, { keyId: k.Arn });
  assert.equal("additionalEventData" in del!.ev, false);
  assert.equal("serviceEventDetails" in del!.ev, false);
  assert.deepEqual(del!.ev.resources, [{ ARN: k.Arn, accountId: s.accountId, type: "AWS::KMS::Key" }]);
});

test("with AWS's LookupEvents quota (BULWARK_CLOUDTRAIL_LOOKUP_RPS=2): a third lookup within the second is ThrottlingException on the wire; other Regions have their own quota", async () => {
  const q = await startTestServer({ env: { BULWARK_CLOUDTRAIL_LOOKUP_RPS: "2" } });
  try {
    const ct = (region = "us-east-1") => new CloudTrailClient({ ...q.clientConfig(), region });
    await ct().send(new LookupEventsCommand({ MaxResults: 1 }));
    await ct().send(new LookupEventsCommand({ MaxResults: 1 }));
    await assert.rejects(ct().send(new LookupEventsCommand({ MaxResults: 1 })), (e: any) => {
      assert.equal(e.name, "ThrottlingException");
      assert.equal(e.message, "Rate exceeded");
      // LookupEvents documents no throttling error of its own: CloudTrail's Common Errors page gives
      // ThrottlingException HTTP 400 (the model's httpError 429 is not what the service sends).
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
    await ct("eu-west-1").send(new LookupEventsCommand({ MaxResults: 1 }));
    // The quota refills at two per second.
    await new Promise((r) => setTimeout(r, 600));
    await ct().send(new LookupEventsCommand({ MaxResults: 1 }));
  } finally {
    await q.destroy();
  }
});

test("LookupEvents refused by IAM is AccessDeniedException with HTTP 400, as CloudTrail's Common Errors page gives it (not the model's 403)", async () => {
  const iam = new IAMClient({ ...s.clientConfig(), systemClockOffset: s.clock.offsetMs });
  await iam.send(new CreateUserCommand({ UserName: "ct-no-lookup" }));
  const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: "ct-no-lookup" }));
  const ct = new CloudTrailClient({
    ...s.clientConfig({ accessKeyId: key!.AccessKeyId!, secretAccessKey: key!.SecretAccessKey! }),
    systemClockOffset: s.clock.offsetMs,
  });
  await assert.rejects(ct.send(new LookupEventsCommand({ MaxResults: 1 })), (e: any) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.match(e.message, /^User: arn:aws:iam::\d{12}:user\/ct-no-lookup is not authorized to perform: cloudtrail:LookupEvents/);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
