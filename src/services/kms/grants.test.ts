import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ACCOUNT, createKmsHarness, OTHER, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Grant = { GrantId: string; GrantToken: string };

describe("KMS grants", () => {
  const h = createKmsHarness();
  after(() => h.close());
  const pt = Buffer.from("data");

  test("a grant lets a principal without IAM permissions use exactly the granted operations", async () => {
    const alice = await h.user(ACCOUNT, "alice");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, alice), "AccessDeniedException", /^User: arn:aws:iam::111122223333:user\/alice is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:/);
    const g = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: alice.arn, Operations: ["Encrypt", "DescribeKey"] });
    assert.match(g.GrantId, /^[0-9a-f]{64}$/);
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, GrantTokens: [g.GrantToken] }, alice);
    await h.call("DescribeKey", { KeyId: k.Arn }, alice);
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt });
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob }, alice), "AccessDeniedException");
    await rejects(h.call("DisableKey", { KeyId: k.KeyId }, alice), "AccessDeniedException");
  });

  test("a grant constraint holds at most 8 encryption context pairs of values up to 384 characters", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const base = { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Encrypt"] };
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    await h.call("CreateGrant", { ...base, Constraints: { EncryptionContextSubset: pairs(8) } });
    await h.call("CreateGrant", { ...base, Constraints: { EncryptionContextEquals: { k: "v".repeat(384) } } });
    await rejects(h.call("CreateGrant", { ...base, Constraints: { EncryptionContextSubset: pairs(9) } }), "ValidationException", "The EncryptionContextSubset grant constraint can include up to 8 encryption context pairs.");
    await rejects(
      h.call("CreateGrant", { ...base, Constraints: { EncryptionContextEquals: { k: "v".repeat(385) } } }),
      "ValidationException",
      "An encryption context value in the EncryptionContextEquals grant constraint cannot exceed 384 characters.",
    );
    assert.equal((await h.call<{ Grants: unknown[] }>("ListGrants", { KeyId: k.KeyId })).Grants.length, 2);
  });

  test("encryption context constraints (subset and equals) are enforced", async () => {
    const bob = await h.user(ACCOUNT, "bob");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: bob.arn, Operations: ["Encrypt"], Constraints: { EncryptionContextSubset: { dept: "eng" } } });
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { dept: "eng", extra: "1" } }, bob);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { dept: "ops" } }, bob), "AccessDeniedException");
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, bob), "AccessDeniedException");
    const k2 = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: bob.arn, Operations: ["Encrypt"], Constraints: { EncryptionContextEquals: { dept: "eng" } } });
    await h.call("Encrypt", { KeyId: k2.KeyId, Plaintext: pt, EncryptionContext: { dept: "eng" } }, bob);
    await rejects(h.call("Encrypt", { KeyId: k2.KeyId, Plaintext: pt, EncryptionContext: { dept: "eng", extra: "1" } }, bob), "AccessDeniedException");
    // A constrained grant may include DescribeKey and RetireGrant; the constraint does not apply to them.
    const k3 = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const cg = await h.call<Grant>("CreateGrant", { KeyId: k3.KeyId, GranteePrincipal: bob.arn, Operations: ["Decrypt", "DescribeKey", "RetireGrant"], Constraints: { EncryptionContextEquals: { a: "b" } } });
    await h.call("DescribeKey", { KeyId: k3.Arn }, bob);
    await h.call("RetireGrant", { KeyId: k3.KeyId, GrantId: cg.GrantId }, bob);
    await rejects(h.call("DescribeKey", { KeyId: k3.Arn }, bob), "AccessDeniedException");
    // Operations without an encryption context (here Sign on an asymmetric key) take no constraints.
    const k4 = (await h.call<Md>("CreateKey", { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" })).KeyMetadata;
    await rejects(
      h.call("CreateGrant", { KeyId: k4.KeyId, GranteePrincipal: bob.arn, Operations: ["Sign", "DescribeKey"], Constraints: { EncryptionContextEquals: { a: "b" } } }),
      "ValidationException",
    );
    // Asymmetric and HMAC keys take no encryption context at all: a constraint is refused even for
    // operations that would carry one on a symmetric key.
    for (const spec of [{ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }, { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }]) {
      const k5 = (await h.call<Md>("CreateKey", spec)).KeyMetadata;
      const ops = spec.KeyUsage === "ENCRYPT_DECRYPT" ? ["Encrypt", "Decrypt"] : ["DescribeKey"];
      await rejects(
        h.call("CreateGrant", { KeyId: k5.KeyId, GranteePrincipal: bob.arn, Operations: ops, Constraints: { EncryptionContextSubset: { a: "b" } } }),
        "ValidationException",
        `Grant constraints are not supported for a KMS key with KeySpec ${spec.KeySpec}. Use constraints only with symmetric encryption KMS keys.`,
      );
      await h.call("CreateGrant", { KeyId: k5.KeyId, GranteePrincipal: bob.arn, Operations: ops });
    }
  });

  test("CreateGrant from a grant: only operations of the parent grant, constraints as strict or stricter", async () => {
    const carol = await h.user(ACCOUNT, "parent-grantee");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt", "CreateGrant"] });
    // The grantee cannot grant itself (or anyone) an operation its own grant lacks.
    await rejects(h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: carol.arn, Operations: ["Encrypt", "GenerateDataKey"] }, carol), "AccessDeniedException");
    await rejects(h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt", "Encrypt"] }, carol), "AccessDeniedException");
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, carol), "AccessDeniedException");
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt"] }, carol);

    const k2 = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt", "CreateGrant"], Constraints: { EncryptionContextSubset: { Dept: "IT" } } });
    const child = (Constraints?: object) => h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt"], ...(Constraints ? { Constraints } : {}) }, carol);
    await child({ EncryptionContextSubset: { Dept: "IT" } });
    await child({ EncryptionContextSubset: { dept: "IT", Team: "a" } });
    await child({ EncryptionContextEquals: { Dept: "IT" } });
    await rejects(child(), "AccessDeniedException");
    await rejects(child({ EncryptionContextSubset: { Dept: "HR" } }), "AccessDeniedException");
    await rejects(child({ EncryptionContextSubset: { Team: "a" } }), "AccessDeniedException");
    await rejects(child({ EncryptionContextEquals: { Team: "a" } }), "AccessDeniedException");

    const k3 = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k3.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt", "CreateGrant"], Constraints: { EncryptionContextEquals: { Dept: "IT" } } });
    await h.call("CreateGrant", { KeyId: k3.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt"], Constraints: { EncryptionContextEquals: { Dept: "IT" } } }, carol);
    await rejects(h.call("CreateGrant", { KeyId: k3.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt"], Constraints: { EncryptionContextSubset: { Dept: "IT" } } }, carol), "AccessDeniedException");
    await rejects(h.call("CreateGrant", { KeyId: k3.KeyId, GranteePrincipal: carol.arn, Operations: ["Decrypt"], Constraints: { EncryptionContextEquals: { Dept: "IT", Team: "a" } } }, carol), "AccessDeniedException");
  });

  test("grant constraints match encryption context keys case-insensitively and values exactly", async () => {
    const dan = await h.user(ACCOUNT, "case-grantee");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: dan.arn, Operations: ["Encrypt", "Decrypt"], Constraints: { EncryptionContextSubset: { Dept: "IT" } } });
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { dept: "IT" } }, dan);
    await h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: { dept: "IT" } }, dan);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { dept: "it" } }, dan), "AccessDeniedException");
    const k2 = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: dan.arn, Operations: ["Encrypt"], Constraints: { EncryptionContextEquals: { Dept: "IT" } } });
    await h.call("Encrypt", { KeyId: k2.KeyId, Plaintext: pt, EncryptionContext: { DEPT: "IT" } }, dan);
    await rejects(h.call("Encrypt", { KeyId: k2.KeyId, Plaintext: pt, EncryptionContext: { Dept: "IT", x: "y" } }, dan), "AccessDeniedException");
  });

  test("RetireGrant: a grantee's RetireGrant covers its own grant only; an explicit deny of kms:RetireGrant wins", async () => {
    const holder = await h.user(ACCOUNT, "retire-holder");
    const other = await h.user(ACCOUNT, "retire-other");
    const denied = await h.user(ACCOUNT, "retire-denied", { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "kms:RetireGrant", Resource: "*" }] });
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const own = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: holder.arn, Operations: ["Decrypt", "RetireGrant"] });
    const theirs = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: other.arn, Operations: ["Decrypt"] });
    await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: theirs.GrantId }, holder), "AccessDeniedException");
    await rejects(h.call("RetireGrant", { GrantToken: theirs.GrantToken }, holder), "AccessDeniedException");
    const guarded = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: other.arn, RetiringPrincipal: denied.arn, Operations: ["Decrypt"] });
    await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: guarded.GrantId }, denied), "AccessDeniedException");
    await h.call("RetireGrant", { KeyId: k.KeyId, GrantId: own.GrantId }, holder);
    // The key's account (here its root user) may retire any grant.
    await h.call("RetireGrant", { KeyId: k.KeyId, GrantId: theirs.GrantId });
    const left = (await h.call<{ Grants: { GrantId: string }[] }>("ListGrants", { KeyId: k.KeyId })).Grants.map((g) => g.GrantId);
    assert.deepEqual(left, [guarded.GrantId]);
  });

  test("RetireGrant by the key's account: its root, and its IAM principals whose IAM policies allow kms:RetireGrant; a key policy's kms:RetireGrant is not effective", async () => {
    const retireIam = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" }] };
    const byKeyPolicy = await h.user(ACCOUNT, "retire-by-key-policy");
    const byIam = await h.user(ACCOUNT, "retire-by-iam", retireIam);
    const rootAll = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
    const namesUser = { Effect: "Allow", Principal: { AWS: byKeyPolicy.arn }, Action: "kms:RetireGrant", Resource: "*" };
    const k = (await h.call<Md>("CreateKey", { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [rootAll, namesUser] }) })).KeyMetadata;
    const g1 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: byIam.arn, Operations: ["Decrypt"] });
    // kms:RetireGrant in the key policy alone: AccessDenied.
    await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: g1.GrantId }, byKeyPolicy), "AccessDeniedException", /kms:RetireGrant/);
    await h.call("RetireGrant", { KeyId: k.KeyId, GrantId: g1.GrantId }, byIam);
    // A key policy with no statement for the account root: the IAM policy still lets the account's user retire.
    const keyAdmin = await h.user(ACCOUNT, "retire-key-admin");
    const onlyAdmin = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: keyAdmin.arn }, Action: "kms:*", Resource: "*" }] };
    const k2 = (await h.call<Md>("CreateKey", { Policy: JSON.stringify(onlyAdmin), BypassPolicyLockoutSafetyCheck: true })).KeyMetadata;
    const g2 = await h.call<Grant>("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: byKeyPolicy.arn, Operations: ["Decrypt"] }, keyAdmin);
    const g3 = await h.call<Grant>("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: byKeyPolicy.arn, Operations: ["Decrypt"] }, keyAdmin);
    await rejects(h.call("RetireGrant", { KeyId: k2.KeyId, GrantId: g2.GrantId }, byKeyPolicy), "AccessDeniedException");
    await h.call("RetireGrant", { KeyId: k2.KeyId, GrantId: g2.GrantId }, byIam);
    await h.call("RetireGrant", { GrantToken: g3.GrantToken }, h.root());
    assert.deepEqual((await h.call<{ Grants: unknown[] }>("ListGrants", { KeyId: k2.KeyId }, keyAdmin)).Grants, []);
    // Another account's principal with kms:RetireGrant in its IAM policies, not named by the grant: AccessDenied.
    const stranger = await h.user(OTHER, "retire-stranger", retireIam);
    const g4 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: byIam.arn, Operations: ["Decrypt", "RetireGrant"] });
    await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: g4.GrantId }, stranger), "AccessDeniedException");
    await rejects(h.call("RetireGrant", { GrantToken: g4.GrantToken }, h.root(OTHER)), "AccessDeniedException");
  });

  test("RetireGrant by an account the grant names (retiring principal, or grantee with RetireGrant): its root, and its IAM principals with kms:RetireGrant in their IAM policies", async () => {
    const retireIam = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" }] };
    const delegated = await h.user(OTHER, "retire-delegated", retireIam);
    const plain = await h.user(OTHER, "retire-plain");
    const denied = await h.user(OTHER, "retire-denied-x", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" }, { Effect: "Deny", Action: "kms:RetireGrant", Resource: "*" }] });
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const alice = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const otherRoot = `arn:aws:iam::${OTHER}:root`;
    // Retiring principal: the other account.
    const r1 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: alice, RetiringPrincipal: otherRoot, Operations: ["Encrypt"] });
    await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: r1.GrantId }, plain), "AccessDeniedException");
    await rejects(h.call("RetireGrant", { GrantToken: r1.GrantToken }, denied), "AccessDeniedException", /explicit deny/);
    await h.call("RetireGrant", { KeyId: k.Arn, GrantId: r1.GrantId }, delegated);
    const r2 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: alice, RetiringPrincipal: otherRoot, Operations: ["Encrypt"] });
    await h.call("RetireGrant", { GrantToken: r2.GrantToken }, h.root(OTHER));
    // Grantee: the other account, with RetireGrant in the grant.
    const e1 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: otherRoot, Operations: ["Encrypt", "RetireGrant"] });
    await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: e1.GrantId }, plain), "AccessDeniedException");
    await h.call("RetireGrant", { KeyId: k.Arn, GrantId: e1.GrantId }, delegated);
    const e2 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: otherRoot, Operations: ["Encrypt", "RetireGrant"] });
    await h.call("RetireGrant", { GrantToken: e2.GrantToken }, h.root(OTHER));
    // Grantee account without RetireGrant in the grant: its principals may not retire it.
    const e3 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: otherRoot, Operations: ["Encrypt"] });
    await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: e3.GrantId }, delegated), "AccessDeniedException");
    await rejects(h.call("RetireGrant", { GrantToken: e3.GrantToken }, h.root(OTHER)), "AccessDeniedException");
    assert.deepEqual((await h.call<{ Grants: { GrantId: string }[] }>("ListGrants", { KeyId: k.KeyId })).Grants.map((g) => g.GrantId), [e3.GrantId]);
  });

  test("RetireGrant by the account that issued a grant across accounts (IssuingAccount): its root, and its IAM principals with kms:RetireGrant in their IAM policies", async () => {
    const retireIam = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" }] };
    const issuer = await h.user(OTHER, "issuer-x", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:CreateGrant", Resource: "*" }] });
    const delegated = await h.user(OTHER, "issuer-retirer", retireIam);
    const plain = await h.user(OTHER, "issuer-plain");
    const rootAll = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
    const otherGrants = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: "kms:CreateGrant", Resource: "*" };
    const k = (await h.call<Md>("CreateKey", { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [rootAll, otherGrants] }) })).KeyMetadata;
    const alice = `arn:aws:iam::${ACCOUNT}:user/alice`;
    // Issued by the other account for a grantee of the key's account, no retiring principal, no RetireGrant.
    const g1 = await h.call<Grant>("CreateGrant", { KeyId: k.Arn, GranteePrincipal: alice, Operations: ["Encrypt"] }, issuer);
    const g2 = await h.call<Grant>("CreateGrant", { KeyId: k.Arn, GranteePrincipal: alice, Operations: ["Encrypt"] }, issuer);
    const listed = (await h.call<{ Grants: Array<{ GrantId: string; IssuingAccount: string }> }>("ListGrants", { KeyId: k.KeyId })).Grants;
    assert.deepEqual(new Set(listed.map((g) => g.IssuingAccount)), new Set([`arn:aws:iam::${OTHER}:root`]));
    await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: g1.GrantId }, plain), "AccessDeniedException");
    await h.call("RetireGrant", { KeyId: k.Arn, GrantId: g1.GrantId }, delegated);
    await h.call("RetireGrant", { GrantToken: g2.GrantToken }, h.root(OTHER));
    assert.deepEqual((await h.call<{ Grants: unknown[] }>("ListGrants", { KeyId: k.KeyId })).Grants, []);
  });

  test("a grant to a role applies to its sessions; an explicit IAM deny wins over a grant", async () => {
    const session = await h.roleSession(ACCOUNT, "worker", "s1");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: session.roleArn, Operations: ["GenerateDataKey"] });
    await h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, session);
    const carol = await h.user(ACCOUNT, "carol", { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "kms:Encrypt", Resource: "*" }] });
    await h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: carol.arn, Operations: ["Encrypt"] });
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, carol), "AccessDeniedException", /with an explicit deny in an identity-based policy$/);
  });

  test("Name makes CreateGrant idempotent; every call returns a fresh token", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const input = { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`, Operations: ["Encrypt"], Name: "app-grant" };
    const a = await h.call<Grant>("CreateGrant", input);
    const b = await h.call<Grant>("CreateGrant", input);
    assert.equal(a.GrantId, b.GrantId);
    assert.notEqual(a.GrantToken, b.GrantToken);
    const c = await h.call<Grant>("CreateGrant", { ...input, Operations: ["Decrypt"] });
    assert.notEqual(c.GrantId, a.GrantId);
    const list = await h.call<{ Grants: Array<{ GrantId: string; Name?: string; KeyId: string; IssuingAccount: string }>; Truncated: boolean }>("ListGrants", { KeyId: k.KeyId });
    assert.equal(list.Grants.length, 2);
    assert.equal(list.Truncated, false);
    assert.ok(list.Grants.every((g) => g.KeyId === k.Arn && g.IssuingAccount === `arn:aws:iam::${ACCOUNT}:root` && g.Name === "app-grant"));
  });

  test("RetireGrant by token (retiring principal) and by key + grant id; RevokeGrant; unknown ids and tokens", async () => {
    const dave = await h.user(ACCOUNT, "dave");
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const g1 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`, RetiringPrincipal: dave.arn, Operations: ["Encrypt"] });
    const retirable = await h.call<{ Grants: Array<{ GrantId: string }> }>("ListRetirableGrants", { RetiringPrincipal: dave.arn });
    assert.deepEqual(retirable.Grants.map((g) => g.GrantId), [g1.GrantId]);
    await h.call("RetireGrant", { GrantToken: g1.GrantToken }, dave);
    await rejects(h.call("ListGrants", { KeyId: k.KeyId, GrantId: g1.GrantId }), "InvalidGrantIdException");
    const g2 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: dave.arn, Operations: ["Encrypt"] });
    await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: g2.GrantId }, dave), "AccessDeniedException");
    await h.call("RetireGrant", { KeyId: k.KeyId, GrantId: g2.GrantId });
    const g3 = await h.call<Grant>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: dave.arn, Operations: ["Encrypt"] });
    await rejects(h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: g3.GrantId, DryRun: true }), "DryRunOperationException");
    await h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: g3.GrantId });
    await rejects(h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: g3.GrantId }), "NotFoundException", `Grant ID ${g3.GrantId} not found.`);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, dave), "AccessDeniedException");
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, GrantTokens: ["forged-token"] }), "InvalidGrantTokenException");
    await rejects(h.call("RetireGrant", {}), "ValidationException", "Grant token OR (grant ID, key ID) must be specified");
  });

  test("RevokeGrant and RetireGrant of a grant the key does not have: NotFoundException; an id no grant can have: InvalidGrantIdException", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const other = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    const elsewhere = await h.call<Grant>("CreateGrant", { KeyId: other.KeyId, GranteePrincipal: root, RetiringPrincipal: root, Operations: ["Encrypt"] });
    const unknown = "9665f33deb53dae5c4cf44ae98561b5fe291cfbb2ba15defec5905e3924e854b";
    for (const id of [unknown, elsewhere.GrantId]) {
      await rejects(h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: id }), "NotFoundException", `Grant ID ${id} not found.`);
      await rejects(h.call("RetireGrant", { KeyId: k.Arn, GrantId: id }), "NotFoundException", `Grant ID ${id} not found.`);
      await rejects(h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: id, DryRun: true }), "NotFoundException");
    }
    // The other key's grant is untouched.
    assert.deepEqual(
      (await h.call<{ Grants: Array<{ GrantId: string }> }>("ListGrants", { KeyId: other.KeyId })).Grants.map((g) => g.GrantId),
      [elsewhere.GrantId],
    );
    for (const id of ["abc", unknown.slice(1), `${unknown}0`, "z".repeat(64)]) {
      await rejects(h.call("RevokeGrant", { KeyId: k.KeyId, GrantId: id }), "InvalidGrantIdException", `${id} is not a valid grant ID.`);
      await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: id }), "InvalidGrantIdException", `${id} is not a valid grant ID.`);
    }
    // A grant token that opens, of a grant retired since: its grant is not found; a token that does not open is invalid.
    await h.call("RetireGrant", { GrantToken: elsewhere.GrantToken });
    await rejects(h.call("RetireGrant", { GrantToken: elsewhere.GrantToken }), "NotFoundException", `Grant ID ${elsewhere.GrantId} not found.`);
    await rejects(h.call("RetireGrant", { GrantToken: "forged-token" }), "InvalidGrantTokenException");
    await rejects(h.call("RevokeGrant", { KeyId: other.KeyId, GrantId: elsewhere.GrantId }), "NotFoundException");
  });

  test("grant operations must fit the key; grants cannot name management operations", async () => {
    const k = (await h.call<Md>("CreateKey", { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" })).KeyMetadata;
    await rejects(h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Encrypt"] }), "ValidationException");
    await rejects(
      h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["ScheduleKeyDeletion"] }),
      "ValidationException",
      /^1 validation error detected: Value 'ScheduleKeyDeletion' at 'operations.1.member' failed to satisfy constraint: Member must satisfy enum value set: \[Decrypt, /,
    );
    await rejects(h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: "not-an-arn", Operations: ["Sign"] }), "InvalidArnException");
    await rejects(h.call("CreateGrant", { KeyId: "alias/x", GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Sign"] }), "NotFoundException", "Invalid keyId 'alias/x'");
  });
});
