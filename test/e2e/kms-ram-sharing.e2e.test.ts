/**
 * The parts of the KMS API for keys shared through AWS RAM, through the real server. AWS RAM is
 * not served here, so no key is ever shared: ListKeys' ResourceOwners (SELF, OTHER_ACCOUNTS_VIA_RAM)
 * lists the caller's own keys or nothing, with each set paging its own list; no key has an
 * AWS_RAM key policy (GetKeyPolicy: NotFoundException), and PutKeyPolicy refuses to write one
 * ("The AWS_RAM policy can only be managed by the RAM service."); kms:PolicyName is the request's
 * PolicyName, "default" without one (API reference: ListKeys, GetKeyPolicy, PutKeyPolicy).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateKeyCommand, GetKeyPolicyCommand, ListKeyPoliciesCommand, ListKeysCommand, PutKeyPolicyCommand, type KMSClient, type ResourceOwnerType } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith } from "./kms-support.js";

let s: TestServer;
let kms: KMSClient;
let own: string[];
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
  for (let i = 0; i < 3; i++) await kms.send(new CreateKeyCommand({}));
  own = (await kms.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId!);
  assert.equal(own.length, 3);
});
after(async () => {
  await s.destroy();
});

async function listAll(owners: ResourceOwnerType[] | undefined, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const r = await kms.send(new ListKeysCommand({ Limit: limit, Marker: marker, ...(owners ? { ResourceOwners: owners } : {}) }));
    pages++;
    ids.push(...r.Keys!.map((k) => k.KeyId!));
    assert.equal(r.NextMarker !== undefined, r.Truncated);
    marker = r.NextMarker;
  } while (marker !== undefined);
  return { ids, pages };
}

test("ListKeys ResourceOwners: SELF lists the caller's keys, OTHER_ACCOUNTS_VIA_RAM the (here no) shared ones, both the caller's first", async () => {
  assert.deepEqual((await listAll(["SELF"], 2)).ids, own);
  assert.deepEqual(await listAll(["OTHER_ACCOUNTS_VIA_RAM"], 2), { ids: [], pages: 1 });
  const none = await kms.send(new ListKeysCommand({ ResourceOwners: ["OTHER_ACCOUNTS_VIA_RAM"] }));
  assert.deepEqual(none.Keys, []);
  assert.equal(none.Truncated, false);
  assert.deepEqual(await listAll(["SELF", "OTHER_ACCOUNTS_VIA_RAM"], 2), { ids: own, pages: 2 });
  assert.deepEqual(await listAll(["OTHER_ACCOUNTS_VIA_RAM", "SELF"], 1), { ids: own, pages: 3 });
});

test("ListKeys: a NextMarker serves only a request with the same ResourceOwners set", async () => {
  const plain = await kms.send(new ListKeysCommand({ Limit: 1 }));
  const both = await kms.send(new ListKeysCommand({ Limit: 1, ResourceOwners: ["SELF", "OTHER_ACCOUNTS_VIA_RAM"] }));
  assert.ok(plain.NextMarker && both.NextMarker);
  // Without ResourceOwners and with SELF alone, the same list (the caller's own keys).
  assert.deepEqual((await kms.send(new ListKeysCommand({ Marker: plain.NextMarker, ResourceOwners: ["SELF"] }))).Keys!.map((k) => k.KeyId), own.slice(1));
  const invalid = { name: "InvalidMarkerException", message: "Invalid marker." };
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: plain.NextMarker, ResourceOwners: ["SELF", "OTHER_ACCOUNTS_VIA_RAM"] })), invalid);
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: both.NextMarker })), invalid);
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: plain.NextMarker, ResourceOwners: ["OTHER_ACCOUNTS_VIA_RAM"] })), invalid);
  // Either order of the two values is the same set.
  assert.equal((await kms.send(new ListKeysCommand({ Marker: both.NextMarker, ResourceOwners: ["OTHER_ACCOUNTS_VIA_RAM", "SELF"] }))).Keys!.length, 2);
});

test("ListKeys ResourceOwners: one or two values of the enum", async () => {
  const v = (message: string) => ({ name: "ValidationException", message });
  await rejectsWith(
    kms.send(new ListKeysCommand({ ResourceOwners: [] })),
    v("1 validation error detected: Value '[]' at 'resourceOwners' failed to satisfy constraint: Member must have length greater than or equal to 1"),
  );
  await rejectsWith(
    kms.send(new ListKeysCommand({ ResourceOwners: ["SELF", "SELF", "OTHER_ACCOUNTS_VIA_RAM"] })),
    v("1 validation error detected: Value '[SELF, SELF, OTHER_ACCOUNTS_VIA_RAM]' at 'resourceOwners' failed to satisfy constraint: Member must have length less than or equal to 2"),
  );
  await rejectsWith(
    kms.send(new ListKeysCommand({ ResourceOwners: ["SELF", "OTHERS" as ResourceOwnerType] })),
    v("1 validation error detected: Value 'OTHERS' at 'resourceOwners.2.member' failed to satisfy constraint: Member must satisfy enum value set: [SELF, OTHER_ACCOUNTS_VIA_RAM]"),
  );
});

test("AWS_RAM key policy: none to get or list, and PutKeyPolicy may not write one", async () => {
  const key = own[0]!;
  await rejectsWith(kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: "AWS_RAM" })), { name: "NotFoundException", message: "No such policy exists" });
  assert.deepEqual((await kms.send(new ListKeyPoliciesCommand({ KeyId: key }))).PolicyNames, ["default"]);
  const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key }));
  await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: "AWS_RAM", Policy })), {
    name: "ValidationException",
    message: "The AWS_RAM policy can only be managed by the RAM service.",
  });
  assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: "default" }))).Policy, Policy);
});

test("kms:PolicyName: the request's PolicyName, default without one; a denial comes before the name is judged", async () => {
  const key = own[1]!;
  const root = `arn:aws:iam::${s.accountId}:root`;
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "root", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
      { Sid: "only-default", Effect: "Deny", Principal: { AWS: root }, Action: ["kms:GetKeyPolicy", "kms:PutKeyPolicy"], Resource: "*", Condition: { StringNotEquals: { "kms:PolicyName": "default" } } },
    ],
  });
  // The lockout check judges the new policy as a PutKeyPolicy of "default": it passes.
  await kms.send(new PutKeyPolicyCommand({ KeyId: key, Policy: policy }));
  assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy, policy);
  assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: "default" }))).Policy, policy);
  const denied = { name: "AccessDeniedException", message: /is not authorized to perform: kms:(Get|Put)KeyPolicy on resource: .* with an explicit deny in a resource-based policy$/ };
  await rejectsWith(kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: "AWS_RAM" })), denied);
  await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: "AWS_RAM", Policy: policy })), denied);
  await kms.send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: "default", Policy: policy }));
});
