/**
 * The hot path's caches (key records, unsealed material, aliases, grants, parsed key policies,
 * lazily built condition keys) never answer with state older than the last completed write:
 * every test warms the caches with a successful call, changes the state, and expects the very
 * next call to see the change.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { createSealer } from "../../crypto/seal.js";
import type { Storage } from "../../storage/types.js";
import type { GrantRecord } from "./model.js";
import { KmsRepo } from "./repo.js";
import { ACCOUNT, ALLOW_KMS, createKmsHarness, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Ct = { CiphertextBlob: Uint8Array; KeyId: string };
const pt = Buffer.from("cache coherence");
const ec = { Department: "Engineering", Project: "Bulwark" };

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
const rootAll = { Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };

describe("KMS caches serve no stale state", () => {
  const h = createKmsHarness();
  after(() => h.close());

  async function warm(keyId: string, principal = h.root()): Promise<Ct> {
    const c = await h.call<Ct>("Encrypt", { KeyId: keyId, Plaintext: pt, EncryptionContext: ec }, principal);
    await h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob, EncryptionContext: ec }, principal);
    await h.call("GenerateDataKey", { KeyId: keyId, KeySpec: "AES_256", EncryptionContext: ec }, principal);
    return c;
  }

  test("DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion take effect on the next call", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const c = await warm(k.Arn);
    await h.call("DisableKey", { KeyId: k.KeyId });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: ec }), "DisabledException");
    await rejects(h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob, EncryptionContext: ec }), "DisabledException");
    await rejects(h.call("GenerateDataKey", { KeyId: k.Arn, KeySpec: "AES_256" }), "DisabledException");
    await h.call("EnableKey", { KeyId: k.KeyId });
    await warm(k.Arn);
    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }), "KMSInvalidStateException");
    await rejects(h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob, EncryptionContext: ec }), "KMSInvalidStateException");
    await h.call("CancelKeyDeletion", { KeyId: k.KeyId });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }), "DisabledException");
    await h.call("EnableKey", { KeyId: k.KeyId });
    await warm(k.Arn);
  });

  test("PutKeyPolicy: a deny applies to the next call, and lifting it too", async () => {
    const user = await h.user(ACCOUNT, "coherence-policy", ALLOW_KMS);
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const c = await warm(k.Arn, user);
    const deny = { Effect: "Deny", Principal: { AWS: user.arn }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" };
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll, deny) });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: ec }, user), "AccessDeniedException", /explicit deny in a resource-based policy/);
    await rejects(h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob, EncryptionContext: ec }, user), "AccessDeniedException");
    await rejects(h.call("GenerateDataKey", { KeyId: k.Arn, KeySpec: "AES_256" }, user), "AccessDeniedException");
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll) });
    await warm(k.Arn, user);
  });

  test("condition keys are built when a policy reads them: encryption context, tags, aliases", async () => {
    const user = await h.user(ACCOUNT, "coherence-conditions", ALLOW_KMS);
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await warm(k.Arn, user);
    // A condition on the encryption context, in the key policy.
    const denySecret = { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:Department": "Secret" } } };
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll, denySecret) });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: ec }, user);
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: { Department: "Secret" } }, user), "AccessDeniedException");
    // A condition on the key's tags: tagging and untagging change the next decision.
    const denyTagged = { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Locked": "yes" } } };
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll, denyTagged) });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user);
    await h.call("TagResource", { KeyId: k.KeyId, Tags: [{ TagKey: "Locked", TagValue: "yes" }] });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user), "AccessDeniedException");
    await h.call("UntagResource", { KeyId: k.KeyId, TagKeys: ["Locked"] });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user);
    // A condition on the key's aliases: creating and deleting an alias change the next decision.
    const denyAliased = { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:Encrypt", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/coherence-locked" } } };
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll, denyAliased) });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user);
    await h.call("CreateAlias", { AliasName: "alias/coherence-locked", TargetKeyId: k.KeyId });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user), "AccessDeniedException");
    await h.call("DeleteAlias", { AliasName: "alias/coherence-locked" });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user);
    // A condition in the caller's IAM policy (identity path, same lazily built context).
    const limited = await h.user(ACCOUNT, "coherence-iam", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:Project": "Bulwark" } } }],
    });
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: policy(rootAll) });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: ec }, limited);
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: { Project: "Other" } }, limited), "AccessDeniedException");
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, limited), "AccessDeniedException");
  });

  test("UpdateAlias: the alias names the new key on the next call", async () => {
    const a = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const b = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateAlias", { AliasName: "alias/coherence-moving", TargetKeyId: a.KeyId });
    assert.equal((await h.call<Ct>("Encrypt", { KeyId: "alias/coherence-moving", Plaintext: pt })).KeyId, a.Arn);
    await h.call("UpdateAlias", { AliasName: "alias/coherence-moving", TargetKeyId: b.KeyId });
    assert.equal((await h.call<Ct>("Encrypt", { KeyId: "alias/coherence-moving", Plaintext: pt })).KeyId, b.Arn);
    await h.call("DeleteAlias", { AliasName: "alias/coherence-moving" });
    await rejects(h.call("Encrypt", { KeyId: "alias/coherence-moving", Plaintext: pt }), "NotFoundException");
  });

  test("grants: RevokeGrant and RetireGrant withdraw the permission on the next call", async () => {
    const grantee = await h.user(ACCOUNT, "coherence-grantee");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, grantee), "AccessDeniedException");
    const g1 = await h.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: grantee.arn, Operations: ["Encrypt", "Decrypt"] });
    const c = await h.call<Ct>("Encrypt", { KeyId: k.Arn, Plaintext: pt }, grantee);
    await h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob }, grantee);
    await h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: g1.GrantId });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, grantee), "AccessDeniedException");
    await rejects(h.call("Decrypt", { CiphertextBlob: c.CiphertextBlob }, grantee), "AccessDeniedException");
    const g2 = await h.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: grantee.arn, Operations: ["Encrypt"] });
    await h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, grantee);
    await h.call("RetireGrant", { KeyId: k.Arn, GrantId: g2.GrantId });
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, grantee), "AccessDeniedException");
  });

  test("rotation: new ciphertexts use the new material at once; older ones keep decrypting", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const before = await warm(k.Arn);
    const first = (await h.call<{ KeyMaterialId: string }>("Decrypt", { CiphertextBlob: before.CiphertextBlob, EncryptionContext: ec })).KeyMaterialId;
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    const after = await h.call<Ct>("Encrypt", { KeyId: k.Arn, Plaintext: pt, EncryptionContext: ec });
    const second = (await h.call<{ KeyMaterialId: string }>("Decrypt", { CiphertextBlob: after.CiphertextBlob, EncryptionContext: ec })).KeyMaterialId;
    assert.notEqual(second, first);
    assert.equal((await h.call<{ KeyMaterialId: string }>("Decrypt", { CiphertextBlob: before.CiphertextBlob, EncryptionContext: ec })).KeyMaterialId, first);
  });

  test("IAM: detaching the caller's permission applies to the next call", async () => {
    const user = await h.user(ACCOUNT, "coherence-iam-change", ALLOW_KMS);
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await warm(k.Arn, user);
    await h.iam.definition.operations["DeleteUserPolicy"]!.handler({ UserName: "coherence-iam-change", PolicyName: "p" }, h.ctx(h.root(), ""));
    await rejects(h.call("Encrypt", { KeyId: k.Arn, Plaintext: pt }, user), "AccessDeniedException");
  });
});

describe("KmsRepo: a load overlapping a write is not cached", () => {
  /** A store whose reads see the data as it was when they began, and answer only when released. */
  function slowStore(): { store: Storage; docs: Map<string, unknown>; release: () => void } {
    const docs = new Map<string, unknown>();
    let waiting: Array<() => void> = [];
    const later = <T>(value: T) => new Promise<T>((resolve) => waiting.push(() => resolve(value)));
    const store = {
      get: (collection: string, key: string) => later(structuredClone(docs.get(`${collection}|${key}`))),
      put: async (collection: string, key: string, value: unknown) => void docs.set(`${collection}|${key}`, structuredClone(value)),
      list: (collection: string, opts: { prefix: string }) =>
        later(
          [...docs]
            .filter(([k]) => k.startsWith(`${collection}|${opts.prefix}`))
            .map(([k, value]) => ({ key: k.slice(collection.length + 1), value: structuredClone(value) })),
        ),
      delete: async (collection: string, key: string) => docs.delete(`${collection}|${key}`),
      transaction: <T>(fn: (tx: Storage) => Promise<T>): Promise<T> => fn(store),
    } as unknown as Storage;
    return {
      store,
      docs,
      release: () => {
        const w = waiting;
        waiting = [];
        for (const f of w) f();
      },
    };
  }

  const base = { accountId: ACCOUNT, region: "us-east-1", keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", arn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };

  test("key records: an invalidation during the load keeps the old value out of the cache", async () => {
    const s = slowStore();
    const repo = new KmsRepo(s.store, createSealer(randomBytes(32)));
    s.docs.set(`kms-keys|${ACCOUNT}/us-east-1/${base.keyId}`, { ...base, state: "Enabled", version: 1 });
    const loading = repo.getKey(ACCOUNT, "us-east-1", base.keyId);
    repo.invalidateKey(ACCOUNT, "us-east-1", base.keyId); // the write committed after the read began
    s.release();
    assert.equal((await loading)?.state, "Enabled");
    s.docs.set(`kms-keys|${ACCOUNT}/us-east-1/${base.keyId}`, { ...base, state: "Disabled", version: 2 });
    const next = repo.getKey(ACCOUNT, "us-east-1", base.keyId);
    s.release(); // a storage read again: the old record was not cached
    assert.equal((await next)?.state, "Disabled");
  });

  test("grants", async () => {
    const s = slowStore();
    const repo = new KmsRepo(s.store, createSealer(randomBytes(32)));
    const prefix = `kms-grants|${ACCOUNT}/us-east-1/${base.keyId}/`;
    const g1 = { grantId: "g1" } as GrantRecord;
    s.docs.set(prefix + "g1", g1);
    const loading = repo.grantsOf(base);
    const deleting = repo.deleteGrant(base, g1); // revoked while the list was being read
    s.release();
    assert.equal((await loading).length, 1);
    await deleting;
    const next = repo.grantsOf(base);
    s.release();
    assert.equal((await next).length, 0);
  });
});
