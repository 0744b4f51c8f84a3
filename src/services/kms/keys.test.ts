import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DAY_MS } from "./env.js";
import { COLLECTIONS } from "./model.js";
import { createKmsHarness, REGION, rejects, ACCOUNT } from "./testing/harness.js";
import { currentMaterialNow, currentMaterialOf } from "./crypto-common.js";
import { ID, resolveKey, resolveKeyNow } from "./lookup.js";

type Md = { KeyMetadata: Record<string, unknown> };

describe("KMS keys", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("CreateKey defaults: symmetric, enabled, default policy, customer managed", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", { Description: "d" });
    assert.match(String(md.KeyId), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(md.Arn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${String(md.KeyId)}`);
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.Enabled, true);
    assert.equal(md.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(md.KeyUsage, "ENCRYPT_DECRYPT");
    assert.equal(md.Origin, "AWS_KMS");
    assert.equal(md.KeyManager, "CUSTOMER");
    assert.equal(md.MultiRegion, false);
    assert.deepEqual(md.EncryptionAlgorithms, ["SYMMETRIC_DEFAULT"]);
    assert.match(String(md.CurrentKeyMaterialId), /^[0-9a-f]{64}$/);
    const pol = await h.call<{ Policy: string; PolicyName: string }>("GetKeyPolicy", { KeyId: md.KeyId });
    assert.equal(pol.PolicyName, "default");
    assert.deepEqual(JSON.parse(pol.Policy), {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
    });
  });

  test("the deprecated CustomerMasterKeySpec is reported only for specs its enum names (the ML_DSA_65 example has none)", async () => {
    for (const [spec, usage, cmk] of [
      ["RSA_4096", "ENCRYPT_DECRYPT", "RSA_4096"],
      ["HMAC_384", "GENERATE_VERIFY_MAC", "HMAC_384"],
      ["ML_DSA_65", "SIGN_VERIFY", undefined],
      ["ECC_NIST_EDWARDS25519", "SIGN_VERIFY", undefined],
    ] as const) {
      const { KeyMetadata: md } = await h.call<Md>("CreateKey", { KeySpec: spec, KeyUsage: usage });
      assert.equal(md.KeySpec, spec);
      assert.equal(md.CustomerMasterKeySpec, cmk, spec);
      assert.equal("CustomerMasterKeySpec" in md, cmk !== undefined, spec);
      const described = await h.call<Md>("DescribeKey", { KeyId: md.KeyId });
      assert.equal("CustomerMasterKeySpec" in described.KeyMetadata, cmk !== undefined, spec);
      if (usage !== "GENERATE_VERIFY_MAC") {
        const pub = await h.call<Record<string, unknown>>("GetPublicKey", { KeyId: md.KeyId });
        assert.equal(pub.KeySpec, spec);
        assert.equal("CustomerMasterKeySpec" in pub, cmk !== undefined, spec);
      }
    }
  });

  test("an RSA signing key lists its SigningAlgorithms in the API reference example's order (PKCS #1 v1.5, then PSS)", async () => {
    const order = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    assert.deepEqual(md.SigningAlgorithms, order);
    assert.deepEqual((await h.call<Md>("DescribeKey", { KeyId: md.KeyId })).KeyMetadata.SigningAlgorithms, order);
    assert.deepEqual((await h.call<{ SigningAlgorithms: string[] }>("GetPublicKey", { KeyId: md.KeyId })).SigningAlgorithms, order);
  });

  test("every supported key spec and usage creates a key; SM2 and mismatches are refused", async () => {
    const cases: Array<[string, string]> = [
      ["HMAC_224", "GENERATE_VERIFY_MAC"],
      ["HMAC_512", "GENERATE_VERIFY_MAC"],
      ["RSA_2048", "ENCRYPT_DECRYPT"],
      ["RSA_3072", "SIGN_VERIFY"],
      ["ECC_NIST_P256", "SIGN_VERIFY"],
      ["ECC_NIST_P384", "KEY_AGREEMENT"],
      ["ECC_NIST_P521", "SIGN_VERIFY"],
      ["ECC_SECG_P256K1", "SIGN_VERIFY"],
      ["ECC_NIST_EDWARDS25519", "SIGN_VERIFY"],
      ["ML_DSA_44", "SIGN_VERIFY"],
      ["ML_KEM_768", "ENCAPSULATE_DECAPSULATE"],
    ];
    for (const [KeySpec, KeyUsage] of cases) {
      const { KeyMetadata: md } = await h.call<Md>("CreateKey", { KeySpec, KeyUsage });
      assert.equal(md.KeySpec, KeySpec);
      assert.equal(md.KeyUsage, KeyUsage);
    }
    await rejects(h.call("CreateKey", { KeySpec: "SM2", KeyUsage: "SIGN_VERIFY" }), "UnsupportedOperationException");
    await rejects(h.call("CreateKey", { KeySpec: "HMAC_256" }), "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
    await rejects(h.call("CreateKey", { KeySpec: "RSA_2048" }), "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
    await rejects(h.call("CreateKey", { CustomerMasterKeySpec: "ECC_NIST_P256" }), "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
    await rejects(
      h.call("CreateKey", { KeySpec: "AES_256" }),
      "ValidationException",
      /^1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[SYMMETRIC_DEFAULT, /,
    );
    await rejects(h.call("CreateKey", { Tags: [{ TagKey: "aws:x", TagValue: "y" }] }), "TagException", "Tags beginning with aws: are reserved");
    const tags51 = Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" }));
    await rejects(h.call("CreateKey", { Tags: tags51 }), "TagException", "Too many tags");
    await rejects(h.call("CreateKey", { CustomKeyStoreId: "cks-1234567890abcdef0" }), "CustomKeyStoreNotFoundException");
  });

  test("custom key store members are length-checked before the store is looked up; the password is never echoed", async () => {
    const store = { CustomKeyStoreName: "s", CloudHsmClusterId: "cluster-234567abcdef", TrustAnchorCertificate: "cert" };
    await rejects(h.call("CreateCustomKeyStore", { ...store, KeyStorePassword: "1234567" }), "CloudHsmClusterNotFoundException");
    for (const [pw, bound] of [["123456", "greater than or equal to 7"], ["p".repeat(33), "less than or equal to 32"]] as const) {
      const e = await rejects(h.call("CreateCustomKeyStore", { ...store, KeyStorePassword: pw }), "ValidationException", `1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length ${bound}`);
      assert.ok(!e.message.includes(pw));
      await rejects(h.call("UpdateCustomKeyStore", { CustomKeyStoreId: "cks-1234567890abcdef0", KeyStorePassword: pw }), "ValidationException", /keyStorePassword/);
    }
    await rejects(
      h.call("UpdateCustomKeyStore", { CustomKeyStoreId: "cks-1234567890abcdef0", NewCustomKeyStoreName: "n".repeat(257) }),
      "ValidationException",
      /^1 validation error detected: Value 'n{257}' at 'newCustomKeyStoreName' failed to satisfy constraint: Member must have length less than or equal to 256$/,
    );
    await rejects(h.call("UpdateCustomKeyStore", { CustomKeyStoreId: "cks-1234567890abcdef0", NewCustomKeyStoreName: "n" }), "CustomKeyStoreNotFoundException");
    // There are no stores, so no list was ever cut short and no marker handed out.
    await rejects(h.call("DescribeCustomKeyStores", { Marker: "abc" }), "InvalidMarkerException", "Invalid marker.");
    assert.deepEqual(await h.call("DescribeCustomKeyStores", {}), { CustomKeyStores: [], Truncated: false });
  });

  test("custom key store settings meet the model's patterns, enums and lengths; the proxy credential is never echoed", async () => {
    const id = "cks-1234567890abcdef0";
    const refused = (member: string, value: string | undefined, constraint: string): string =>
      `1 validation error detected: Value ${value === undefined ? "" : `'${value}' `}at '${member}' failed to satisfy constraint: ${constraint}`;
    const pattern = (p: string): string => `Member must satisfy regular expression pattern: ${p}`;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ CloudHsmClusterId: "cluster-1234567890!" }, refused("cloudHsmClusterId", "cluster-1234567890!", pattern("cluster-[2-7a-zA-Z]{11,16}"))],
      [{ XksProxyUriEndpoint: "https://a b.example" }, refused("xksProxyUriEndpoint", "https://a b.example", pattern("^https://[a-zA-Z0-9.-]+$"))],
      [{ XksProxyUriPath: "/kms/xks/v1/x" }, refused("xksProxyUriPath", "/kms/xks/v1/x", pattern("^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$"))],
      [
        { XksProxyVpcEndpointServiceName: "com.example.vpce.svc-123" },
        refused("xksProxyVpcEndpointServiceName", "com.example.vpce.svc-123", pattern("^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$")),
      ],
      [{ XksProxyVpcEndpointServiceOwner: "12345678901a" }, refused("xksProxyVpcEndpointServiceOwner", "12345678901a", pattern("[0-9]{12}"))],
      [
        { XksProxyVpcEndpointServiceOwner: "1234567890123" },
        refused("xksProxyVpcEndpointServiceOwner", "1234567890123", "Member must have length less than or equal to 12").replace("1 validation error", "2 validation errors") +
          `; Value '1234567890123' at 'xksProxyVpcEndpointServiceOwner' failed to satisfy constraint: ${pattern("[0-9]{12}")}`,
      ],
      [{ XksProxyConnectivity: "PRIVATE" }, refused("xksProxyConnectivity", "PRIVATE", "Member must satisfy enum value set: [PUBLIC_ENDPOINT, VPC_ENDPOINT_SERVICE]")],
      [
        { XksProxyAuthenticationCredential: { AccessKeyId: "secretaccesskeyid0189", RawSecretAccessKey: "s".repeat(43) } },
        refused("xksProxyAuthenticationCredential.accessKeyId", undefined, pattern("^[A-Z2-7]+$")),
      ],
      [
        { XksProxyAuthenticationCredential: { AccessKeyId: "ABCDEFGHIJKLMNOPQRST", RawSecretAccessKey: "s".repeat(42) } },
        refused("xksProxyAuthenticationCredential.rawSecretAccessKey", undefined, "Member must have length greater than or equal to 43"),
      ],
    ];
    for (const [member, message] of cases) {
      const e = await rejects(h.call("CreateCustomKeyStore", { CustomKeyStoreName: "s", CustomKeyStoreType: "EXTERNAL_KEY_STORE", ...member }), "ValidationException", message);
      assert.ok(!e.message.includes("secretaccesskeyid") && !e.message.includes("sss"));
      await rejects(h.call("UpdateCustomKeyStore", { CustomKeyStoreId: id, ...member }), "ValidationException", message);
    }
    // Values that meet every constraint reach the store lookup.
    const valid = {
      XksProxyUriEndpoint: "https://xks.example.com",
      XksProxyUriPath: "/prefix/kms/xks/v1",
      XksProxyVpcEndpointServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123abcd",
      XksProxyVpcEndpointServiceOwner: "123456789012",
      XksProxyAuthenticationCredential: { AccessKeyId: "ABCDEFGHIJKLMNOPQRST", RawSecretAccessKey: "a/b+c=".padEnd(43, "x") },
      XksProxyConnectivity: "VPC_ENDPOINT_SERVICE",
    };
    await rejects(h.call("CreateCustomKeyStore", { CustomKeyStoreName: "s", CustomKeyStoreType: "EXTERNAL_KEY_STORE", ...valid }), "XksProxyUriUnreachableException");
    await rejects(h.call("CreateCustomKeyStore", { CustomKeyStoreName: "s", CloudHsmClusterId: "cluster-234567abcdef" }), "CloudHsmClusterNotFoundException");
    await rejects(h.call("UpdateCustomKeyStore", { CustomKeyStoreId: id, ...valid }), "CustomKeyStoreNotFoundException");
    // Every violation of one request is reported together, in the model's member order.
    await rejects(
      h.call("UpdateCustomKeyStore", { CustomKeyStoreId: "", CloudHsmClusterId: "cluster-1", XksProxyConnectivity: "x" }),
      "ValidationException",
      "4 validation errors detected: Value '' at 'customKeyStoreId' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must have length greater than or equal to 19; " +
        "Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}; " +
        "Value 'x' at 'xksProxyConnectivity' failed to satisfy constraint: Member must satisfy enum value set: [PUBLIC_ENDPOINT, VPC_ENDPOINT_SERVICE]",
    );
  });

  test("state machine: disable, enable, schedule deletion, cancel, with AWS's exceptions", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", {});
    const KeyId = String(md.KeyId);
    const arn = String(md.Arn);
    const pt = { KeyId, Plaintext: Buffer.from("x") };
    await h.call("DisableKey", { KeyId });
    await rejects(h.call("Encrypt", pt), "DisabledException", `${arn} is disabled.`);
    await h.call("EnableKey", { KeyId });
    await h.call("Encrypt", pt);
    await rejects(h.call("CancelKeyDeletion", { KeyId }), "KMSInvalidStateException", `${arn} is not pending deletion.`);
    const s = await h.call<{ KeyState: string; DeletionDate: Date; PendingWindowInDays: number; KeyId: string }>("ScheduleKeyDeletion", { KeyId });
    assert.equal(s.KeyState, "PendingDeletion");
    assert.equal(s.PendingWindowInDays, 30);
    assert.equal(s.KeyId, arn);
    assert.equal(s.DeletionDate.getTime(), h.clock.now() + 30 * DAY_MS);
    await rejects(h.call("Encrypt", pt), "KMSInvalidStateException", `${arn} is pending deletion.`);
    await rejects(h.call("EnableKey", { KeyId }), "KMSInvalidStateException", `${arn} is pending deletion.`);
    await rejects(h.call("ScheduleKeyDeletion", { KeyId }), "KMSInvalidStateException", `${arn} is pending deletion.`);
    const d = await h.call<Md>("DescribeKey", { KeyId });
    assert.equal(d.KeyMetadata.KeyState, "PendingDeletion");
    assert.equal(d.KeyMetadata.Enabled, false);
    const c = await h.call<{ KeyId: string }>("CancelKeyDeletion", { KeyId });
    assert.equal(c.KeyId, arn);
    assert.equal((await h.call<Md>("DescribeKey", { KeyId })).KeyMetadata.KeyState, "Disabled");
  });

  test("the key-state table's rows for grants, key policies, public keys, rotation status and imported material", async () => {
    const grant = (KeyId: string) => h.call("CreateGrant", { KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Encrypt"] });
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] });

    // CreateGrant: DisabledException for a disabled key, KMSInvalidStateException pending deletion or import.
    const { KeyMetadata: sym } = await h.call<Md>("CreateKey", {});
    const KeyId = String(sym.KeyId);
    const arn = String(sym.Arn);
    await h.call("EnableKeyRotation", { KeyId });
    await h.call("DisableKey", { KeyId });
    await rejects(grant(KeyId), "DisabledException", `${arn} is disabled.`);
    await h.call("ScheduleKeyDeletion", { KeyId, PendingWindowInDays: 7 });
    await rejects(grant(KeyId), "KMSInvalidStateException", `${arn} is pending deletion.`);
    // PutKeyPolicy works in every state, pending deletion included.
    await h.call("PutKeyPolicy", { KeyId, PolicyName: "default", Policy: policy });
    // A key pending deletion reports rotation off, and its own setting again once deletion is cancelled.
    assert.deepEqual(await h.call("GetKeyRotationStatus", { KeyId }), { KeyRotationEnabled: false, KeyId: arn });
    await h.call("CancelKeyDeletion", { KeyId });
    const back = await h.call<{ KeyRotationEnabled: boolean; RotationPeriodInDays: number }>("GetKeyRotationStatus", { KeyId });
    assert.equal(back.KeyRotationEnabled, true);
    assert.equal(back.RotationPeriodInDays, 365);

    // GetPublicKey: DisabledException for a disabled key.
    const { KeyMetadata: ecc } = await h.call<Md>("CreateKey", { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    await h.call("GetPublicKey", { KeyId: ecc.KeyId });
    await h.call("DisableKey", { KeyId: ecc.KeyId });
    await rejects(h.call("GetPublicKey", { KeyId: ecc.KeyId }), "DisabledException", `${String(ecc.Arn)} is disabled.`);

    // A key pending import: no grants, rotation is unsupported for its origin, deleting material that never was is a no-op.
    const { KeyMetadata: ext } = await h.call<Md>("CreateKey", { Origin: "EXTERNAL" });
    const extArn = String(ext.Arn);
    await rejects(grant(String(ext.KeyId)), "KMSInvalidStateException", `${extArn} is pending import.`);
    for (const op of ["EnableKeyRotation", "DisableKeyRotation"]) {
      await rejects(h.call(op, { KeyId: ext.KeyId }), "UnsupportedOperationException", `${extArn} origin is EXTERNAL which is not valid for this operation.`);
    }
    assert.deepEqual(await h.call("DeleteImportedKeyMaterial", { KeyId: ext.KeyId }), { KeyId: extArn });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: ext.KeyId })).KeyMetadata.KeyState, "PendingImport");
  });

  test("ScheduleKeyDeletion validates the window (7–30 days)", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", {});
    await rejects(
      h.call("ScheduleKeyDeletion", { KeyId: md.KeyId, PendingWindowInDays: 6 }),
      "ValidationException",
      "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7",
    );
    await rejects(
      h.call("ScheduleKeyDeletion", { KeyId: md.KeyId, PendingWindowInDays: 31 }),
      "ValidationException",
      "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30",
    );
  });

  test("Integer members: a fraction is truncated, NaN is a SerializationException, never a stored fraction or a 500", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", {});
    for (let i = 0; i < 3; i++) await h.call("CreateKey", {});
    const page = await h.call<{ Keys: unknown[]; Truncated: boolean }>("ListKeys", { Limit: 2.5 });
    assert.equal(page.Keys.length, 2);
    assert.equal(page.Truncated, true);
    const dk = await h.call<{ Plaintext: Uint8Array }>("GenerateDataKey", { KeyId: md.KeyId, NumberOfBytes: 16.9 });
    assert.equal(dk.Plaintext.length, 16);
    assert.equal((await h.call<{ Plaintext: Uint8Array }>("GenerateRandom", { NumberOfBytes: 7.5 })).Plaintext.length, 7);
    await rejects(
      h.call("ScheduleKeyDeletion", { KeyId: md.KeyId, PendingWindowInDays: 6.9 }),
      "ValidationException",
      "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7",
    );
    await h.call("EnableKeyRotation", { KeyId: md.KeyId, RotationPeriodInDays: 90.5 });
    assert.equal((await h.call<{ RotationPeriodInDays: number }>("GetKeyRotationStatus", { KeyId: md.KeyId })).RotationPeriodInDays, 90);
    const s = await h.call<{ PendingWindowInDays: number; DeletionDate: Date }>("ScheduleKeyDeletion", { KeyId: md.KeyId, PendingWindowInDays: 7.9 });
    assert.equal(s.PendingWindowInDays, 7);
    assert.equal(s.DeletionDate.getTime() - h.clock.now(), 7 * DAY_MS);
    await rejects(h.call("ListKeys", { Limit: NaN }), "SerializationException", "STRING_VALUE can not be converted to an Integer");
    await rejects(h.call("GenerateDataKey", { KeyId: md.KeyId, NumberOfBytes: NaN }), "SerializationException");
    await rejects(
      h.call("ListAliases", { Limit: 0.5 }),
      "ValidationException",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test("the deletion job deletes the key, its material, aliases and grants at the end of the window", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", {});
    const KeyId = String(md.KeyId);
    await h.call("CreateAlias", { AliasName: "alias/doomed", TargetKeyId: KeyId });
    await h.call("CreateGrant", { KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Encrypt"] });
    await h.call("ScheduleKeyDeletion", { KeyId, PendingWindowInDays: 7 });
    const prefix = `${ACCOUNT}/${REGION}/${KeyId}`;
    assert.equal(await h.store.count(COLLECTIONS.material, prefix + "/"), 1);
    h.clock.advance(7 * DAY_MS - 1000);
    await h.scheduler.runDue();
    assert.equal((await h.call<Md>("DescribeKey", { KeyId })).KeyMetadata.KeyState, "PendingDeletion");
    h.clock.advance(2000);
    await h.scheduler.runDue();
    await rejects(h.call("DescribeKey", { KeyId }), "NotFoundException", `Key '${String(md.Arn)}' does not exist`);
    assert.equal(await h.store.count(COLLECTIONS.material, prefix + "/"), 0);
    assert.equal(await h.store.count(COLLECTIONS.grants, prefix + "/"), 0);
    await rejects(h.call("DescribeKey", { KeyId: "alias/doomed" }), "NotFoundException", `Alias arn:aws:kms:${REGION}:${ACCOUNT}:alias/doomed is not found.`);
  });

  test("key identifiers: forms each operation accepts and AWS's NotFound wording", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", {});
    const KeyId = String(md.KeyId);
    await h.call("CreateAlias", { AliasName: "alias/ids", TargetKeyId: KeyId });
    for (const id of [KeyId, md.Arn, "alias/ids", `arn:aws:kms:${REGION}:${ACCOUNT}:alias/ids`]) {
      assert.equal((await h.call<Md>("DescribeKey", { KeyId: id })).KeyMetadata.KeyId, KeyId);
    }
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: "alias/ids" }), "NotFoundException", "Invalid keyId 'alias/ids'");
    await rejects(h.call("EnableKeyRotation", { KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/ids` }), "NotFoundException");
    await rejects(h.call("DescribeKey", { KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KeyId}` }), "NotFoundException", "Invalid arn eu-west-1");
    // The key's own ARN in another partition names no key here: neither a read nor a state change reaches it.
    for (const partition of ["aws-cn", "aws-us-gov", "aws-xx"]) {
      const foreign = String(md.Arn).replace("arn:aws:", `arn:${partition}:`);
      await rejects(h.call("DescribeKey", { KeyId: foreign }), "NotFoundException", `Invalid arn ${partition}`);
      await rejects(h.call("DisableKey", { KeyId: foreign }), "NotFoundException", `Invalid arn ${partition}`);
      await rejects(h.call("DescribeKey", { KeyId: `arn:${partition}:kms:${REGION}:${ACCOUNT}:alias/ids` }), "NotFoundException", `Invalid arn ${partition}`);
    }
    assert.equal((await h.call<{ KeyMetadata: { KeyState: string } }>("DescribeKey", { KeyId })).KeyMetadata.KeyState, "Enabled");
    await rejects(h.call("DescribeKey", { KeyId: "not-a-key" }), "NotFoundException", "Invalid keyId 'not-a-key'");
    const missing = "11111111-2222-4333-8444-555555555555";
    await rejects(h.call("DescribeKey", { KeyId: missing }), "NotFoundException", `Key 'arn:aws:kms:${REGION}:${ACCOUNT}:key/${missing}' does not exist`);
    await rejects(
      h.call("DescribeKey", { KeyId: "" }),
      "ValidationException",
      "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  test("ListKeys pages with opaque markers; a forged marker is InvalidMarkerException", async () => {
    const h2 = createKmsHarness();
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add(String((await h2.call<Md>("CreateKey", {})).KeyMetadata.KeyId));
      const seen: string[] = [];
      let Marker: string | undefined;
      for (;;) {
        const page = await h2.call<{ Keys: Array<{ KeyId: string; KeyArn: string }>; Truncated: boolean; NextMarker?: string }>("ListKeys", { Limit: 2, ...(Marker ? { Marker } : {}) });
        seen.push(...page.Keys.map((k) => k.KeyId));
        if (!page.Truncated) break;
        Marker = page.NextMarker;
      }
      assert.deepEqual(new Set(seen), ids);
      assert.equal(seen.length, 5);
      await rejects(h2.call("ListKeys", { Marker: "abc.def" }), "InvalidMarkerException");
    } finally {
      await h2.close();
    }
  });

  test("UpdateKeyDescription, tags (merge, untag, list) and tag rules", async () => {
    const { KeyMetadata: md } = await h.call<Md>("CreateKey", { Tags: [{ TagKey: "a", TagValue: "1" }] });
    const KeyId = md.KeyId;
    await h.call("UpdateKeyDescription", { KeyId, Description: "new" });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId })).KeyMetadata.Description, "new");
    await h.call("TagResource", { KeyId, Tags: [{ TagKey: "b", TagValue: "2" }, { TagKey: "a", TagValue: "3" }] });
    await h.call("UntagResource", { KeyId, TagKeys: ["b"] });
    const t = await h.call<{ Tags: unknown[]; Truncated: boolean }>("ListResourceTags", { KeyId });
    assert.deepEqual(t, { Tags: [{ TagKey: "a", TagValue: "3" }], Truncated: false });
    await rejects(h.call("TagResource", { KeyId, Tags: [{ TagKey: "AWS:x", TagValue: "" }] }), "TagException");
    await rejects(
      h.call("TagResource", { KeyId, Tags: [{ TagKey: "k".repeat(129), TagValue: "" }] }),
      "ValidationException",
      `1 validation error detected: Value '${"k".repeat(129)}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
  });
});

describe("KMS lookups answered from the caches without a promise", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("resolveKeyNow / currentMaterialNow: the cached answers of resolveKey / currentMaterialOf, undefined for what must be loaded", async () => {
    const env = h.kms.env;
    const ctx = h.ctx(h.root());
    const md = (await h.call<{ KeyMetadata: { KeyId: string; Arn: string } }>("CreateKey", {})).KeyMetadata;
    await h.call("CreateAlias", { AliasName: "alias/now", TargetKeyId: md.KeyId });
    await h.call("Encrypt", { KeyId: md.KeyId, Plaintext: Buffer.from("x") });
    const viaId = resolveKeyNow(env, ctx, md.KeyId, ID.use);
    const viaArn = resolveKeyNow(env, ctx, md.Arn, ID.use);
    assert.ok(viaId && viaArn);
    assert.deepEqual(viaId, await resolveKey(env, ctx, md.KeyId, ID.use));
    assert.equal(viaArn.key, viaId.key);
    // Aliases go through resolveKey (alias lookups, AWS managed keys created on first use).
    assert.equal(resolveKeyNow(env, ctx, "alias/now", ID.use), undefined);
    // An id nobody loaded, absent or not: resolveKey answers it.
    assert.equal(resolveKeyNow(env, ctx, "11111111-2222-3333-4444-555555555555", ID.use), undefined);
    // Malformed or misplaced identifiers fail exactly as resolveKey fails.
    for (const bad of ["nope", `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${md.KeyId}`]) {
      const now = (() => {
        try {
          resolveKeyNow(env, ctx, bad, ID.use);
          return undefined;
        } catch (e) {
          return e as Error;
        }
      })();
      const later = await resolveKey(env, ctx, bad, ID.use).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.ok(now && later, bad);
      assert.equal(now.name, later.name);
      assert.equal(now.message, later.message);
    }
    const cur = currentMaterialNow(env, viaId.key);
    assert.ok(cur);
    assert.deepEqual(cur, await currentMaterialOf(env, viaId.key));
    // A write drops the cached record and the unsealed material: nothing is answered until loaded again.
    await h.call("DisableKey", { KeyId: md.KeyId });
    assert.equal(resolveKeyNow(env, ctx, md.KeyId, ID.use), undefined);
    await resolveKey(env, ctx, md.KeyId, ID.use);
    const disabled = resolveKeyNow(env, ctx, md.KeyId, ID.use);
    assert.equal(disabled?.key.state, "Disabled");
    assert.equal(currentMaterialNow(env, disabled.key), undefined);
  });
});
