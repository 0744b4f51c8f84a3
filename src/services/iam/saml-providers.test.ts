import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { before, describe, test } from "node:test";
import { createTestIdp, type TestIdp } from "../sts/testing/saml-idp.js";
import { parseSamlMetadata } from "./saml-metadata.js";
import { ACCOUNT, assertAwsError, createHarness, T0 } from "./testing/harness.js";

const ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/Corp`;
const rsaPem = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();

type Get = {
  SAMLProviderUUID: string;
  SAMLMetadataDocument: string;
  CreateDate: Date;
  ValidUntil: Date;
  Tags?: Array<{ Key: string; Value: string }>;
  AssertionEncryptionMode: string;
  PrivateKeyList?: Array<{ KeyId: string; Timestamp: Date }>;
};

let idp: TestIdp;
before(async () => {
  idp = await createTestIdp("https://idp.example.com/metadata");
});

describe("SAML metadata", () => {
  test("the entityID, the signing certificates and validUntil are read with an XML parser and node:crypto", () => {
    const m = parseSamlMetadata(idp.metadata({ validUntil: "2031-05-06T07:08:09Z" }));
    assert.equal(m.entityId, "https://idp.example.com/metadata");
    assert.equal(m.signingCertificates.length, 1);
    assert.equal(new X509Certificate(m.signingCertificates[0] as string).fingerprint256, new X509Certificate(idp.certPem).fingerprint256);
    assert.equal(m.validUntil, Date.UTC(2031, 4, 6, 7, 8, 9));
  });

  test("not XML, not an EntityDescriptor, no IdP descriptor, a broken certificate or a DTD: Could not parse metadata", () => {
    const good = idp.metadata();
    const bad = [
      "x".repeat(1200),
      good.replace(/EntityDescriptor/g, "EntitiesDescriptor"),
      good.replace(/IDPSSODescriptor/g, "SPSSODescriptor"),
      good.replace(/<ds:X509Certificate>[A-Za-z0-9+/]{10}/, "<ds:X509Certificate>!!!!"),
      good.replace(/<ds:X509Certificate>[A-Za-z0-9+/=]+/, "<ds:X509Certificate>AAAA"),
      good.replace('use="signing"', 'use="encryption"'),
      good.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'),
    ];
    for (const doc of bad) assert.throws(() => parseSamlMetadata(doc), (e: Error & { code?: string }) => e.code === "InvalidInput" && e.message === "Could not parse metadata");
  });
});

describe("IAM SAML providers", () => {
  test("create / get / list / update / delete, authorised on the provider ARN; ValidUntil 100 years on when the metadata has none", async () => {
    const h = createHarness();
    const metadata = idp.metadata();
    const out = await h.call<{ SAMLProviderArn: string; Tags?: unknown }>("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: metadata, Tags: [{ Key: "team", Value: "id" }] });
    assert.deepEqual(out, { SAMLProviderArn: ARN, Tags: [{ Key: "team", Value: "id" }] });
    assert.deepEqual(h.calls.at(-1), { action: "iam:CreateSAMLProvider", resource: ARN, context: { "aws:TagKeys": ["team"], "aws:RequestTag/team": "id" } });

    const got = await h.call<Get>("GetSAMLProvider", { SAMLProviderArn: ARN });
    assert.match(got.SAMLProviderUUID, /^[A-Z2-7]{26}$/);
    assert.equal(got.SAMLMetadataDocument, metadata);
    assert.deepEqual(got.CreateDate, new Date(T0));
    assert.deepEqual(got.ValidUntil, new Date(Date.UTC(2125, 0, 15, 12, 0, 0)));
    assert.equal(got.AssertionEncryptionMode, "Allowed");
    assert.deepEqual(got.PrivateKeyList, []);
    assert.deepEqual(h.calls.at(-1), { action: "iam:GetSAMLProvider", resource: ARN, context: { "aws:ResourceTag/team": "id" } });

    await h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, SAMLMetadataDocument: idp.metadata({ validUntil: "2030-01-01T00:00:00Z", entityId: "https://idp.example.com/v2" }) });
    const list = await h.call<{ SAMLProviderList: Array<{ Arn: string; ValidUntil: Date; CreateDate: Date }> }>("ListSAMLProviders", {});
    assert.deepEqual(list.SAMLProviderList, [{ Arn: ARN, ValidUntil: new Date(Date.UTC(2030, 0, 1)), CreateDate: new Date(T0) }]);
    assert.equal((await h.iam.api.getSamlProvider(ARN))?.entityId, "https://idp.example.com/v2");

    await h.call("DeleteSAMLProvider", { SAMLProviderArn: ARN });
    await assertAwsError(h.call("GetSAMLProvider", { SAMLProviderArn: ARN }), "NoSuchEntity", 404, `Manifest not found for arn ${ARN}`);
    await assertAwsError(h.call("DeleteSAMLProvider", { SAMLProviderArn: ARN }), "NoSuchEntity", 404, `Manifest not found for arn ${ARN}`);
    assert.equal(await h.store.count("iam-saml-providers"), 0);
  });

  test("names, duplicates, metadata limits and invalid metadata fail as in IAM", async () => {
    const h = createHarness();
    const metadata = idp.metadata();
    await h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: metadata });
    await assertAwsError(h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: metadata }), "EntityAlreadyExists", 409, "SAMLProvider with name Corp already exists.");
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "bad name", SAMLMetadataDocument: metadata }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+",
    );
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Short", SAMLMetadataDocument: "<x/>" }),
      "ValidationError",
      400,
      "1 validation error detected: Value '<x/>' at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000",
    );
    await assertAwsError(h.call("CreateSAMLProvider", { Name: "Bad", SAMLMetadataDocument: `<a>${"x".repeat(1000)}</a>` }), "InvalidInput", 400, "Could not parse metadata");
    await assertAwsError(
      h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, SAMLMetadataDocument: `<a>${"x".repeat(1000)}</a>` }),
      "InvalidInput",
      400,
      "Could not parse metadata",
    );
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Mode", SAMLMetadataDocument: metadata, AssertionEncryptionMode: "Sometimes" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'Sometimes' at 'assertionEncryptionMode' failed to satisfy constraint: Member must satisfy enum value set: [Required, Allowed]",
    );
    assert.equal(await h.store.count("iam-saml-providers"), 1);
  });

  test("metadata holding a private key (a key file pasted with it, or in its place) is refused, never echoed and never stored", async () => {
    const h = createHarness();
    const keyPem = rsaPem();
    const ecPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "sec1" }).toString();
    const keyLine = (pem: string) => pem.split("\n")[1]!;
    await assertAwsError(h.call("CreateSAMLProvider", { Name: "Pasted", SAMLMetadataDocument: idp.metadata() + keyPem }), "InvalidInput", 400, "Could not parse metadata");
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Inside", SAMLMetadataDocument: idp.metadata().replace("</md:EntityDescriptor>", `<!-- ${keyPem} --></md:EntityDescriptor>`) }),
      "InvalidInput",
      400,
      "Could not parse metadata",
    );
    await h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: idp.metadata() });
    await assertAwsError(h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, SAMLMetadataDocument: keyPem + idp.metadata() }), "InvalidInput", 400, "Could not parse metadata");
    // Shorter than the model's minimum: the constraint names the member without the value.
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Short", SAMLMetadataDocument: ecPem }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000",
    );
    assert.equal(await h.store.count("iam-saml-providers"), 1);
    const stored = JSON.stringify(await h.store.list("iam-saml-providers", {}));
    assert.equal(stored.includes(keyLine(keyPem)), false);
    assert.equal(stored.includes(keyLine(ecPem)), false);
  });

  test("private keys: sealed at rest, listed by KeyId only, at most two, Required needs one; removal by KeyId", async () => {
    const h = createHarness();
    const key1 = rsaPem();
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: idp.metadata(), AssertionEncryptionMode: "Required" }),
      "InvalidInput",
      400,
      "AssertionEncryptionMode Required needs at least one private key.",
    );
    await assertAwsError(
      h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: idp.metadata(), AddPrivateKey: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString() }),
      "InvalidInput",
      400,
      "The private key is not a valid PEM-encoded RSA private key.",
    );
    await h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: idp.metadata(), AssertionEncryptionMode: "Required", AddPrivateKey: key1 });
    const raw = JSON.stringify(await h.store.list("iam-saml-providers", { prefix: "" }));
    assert.ok(!raw.includes(key1.split("\n")[1] as string), "the private key is never stored in the clear");
    let got = await h.call<Get>("GetSAMLProvider", { SAMLProviderArn: ARN });
    assert.equal(got.AssertionEncryptionMode, "Required");
    assert.equal(got.PrivateKeyList?.length, 1);
    assert.match(got.PrivateKeyList?.[0]?.KeyId ?? "", /^[A-Z2-7]{26}$/);
    assert.ok(!JSON.stringify(got).includes("PRIVATE KEY"));
    assert.deepEqual((await h.iam.api.getSamlProvider(ARN))?.privateKeys, [key1]);

    await h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, AddPrivateKey: rsaPem() });
    await assertAwsError(h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, AddPrivateKey: rsaPem() }), "LimitExceeded", 409, "Cannot exceed quota for PrivateKeysPerSAMLProvider: 2");
    got = await h.call<Get>("GetSAMLProvider", { SAMLProviderArn: ARN });
    const [first, second] = got.PrivateKeyList ?? [];
    await h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, RemovePrivateKey: first?.KeyId });
    await assertAwsError(
      h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, RemovePrivateKey: second?.KeyId }),
      "InvalidInput",
      400,
      "AssertionEncryptionMode Required needs at least one private key.",
    );
    await h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, RemovePrivateKey: second?.KeyId, AssertionEncryptionMode: "Allowed" });
    await assertAwsError(
      h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, RemovePrivateKey: "ABCDEFGHIJKLMNOPQRSTUVWX" }),
      "InvalidInput",
      400,
      "The private key with KeyId ABCDEFGHIJKLMNOPQRSTUVWX does not exist for this SAML provider.",
    );
    await assertAwsError(
      h.call("UpdateSAMLProvider", { SAMLProviderArn: ARN, RemovePrivateKey: "short" }),
      "ValidationError",
      400,
      "2 validation errors detected: Value 'short' at 'removePrivateKey' failed to satisfy constraint: Member must have length greater than or equal to 22; " +
        "Value 'short' at 'removePrivateKey' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Z0-9]+",
    );
    got = await h.call<Get>("GetSAMLProvider", { SAMLProviderArn: ARN });
    assert.deepEqual(got.PrivateKeyList, []);
  });

  test("tags: tag, untag, list with pagination; a denied action changes nothing", async () => {
    const h = createHarness();
    await h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: idp.metadata() });
    await h.call("TagSAMLProvider", { SAMLProviderArn: ARN, Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "1" }, { Key: "c", Value: "3" }] });
    await h.call("UntagSAMLProvider", { SAMLProviderArn: ARN, TagKeys: ["c"] });
    const page = await h.call<{ Tags: unknown[]; IsTruncated: boolean; Marker?: string }>("ListSAMLProviderTags", { SAMLProviderArn: ARN, MaxItems: 1 });
    assert.deepEqual(page.Tags, [{ Key: "a", Value: "1" }]);
    assert.equal(page.IsTruncated, true);
    const rest = await h.call<{ Tags: unknown[]; IsTruncated: boolean }>("ListSAMLProviderTags", { SAMLProviderArn: ARN, Marker: page.Marker });
    assert.deepEqual(rest, { Tags: [{ Key: "b", Value: "2" }], IsTruncated: false });
    assert.deepEqual(h.calls.at(-1), { action: "iam:ListSAMLProviderTags", resource: ARN, context: { "aws:ResourceTag/a": "1", "aws:ResourceTag/b": "2" } });
    h.deny.add("iam:DeleteSAMLProvider");
    await assertAwsError(h.call("DeleteSAMLProvider", { SAMLProviderArn: ARN }), "AccessDeniedException", 400, /iam:DeleteSAMLProvider/);
    assert.equal(await h.store.count("iam-saml-providers"), 1);
    const missing = `arn:aws:iam::${ACCOUNT}:saml-provider/Nope`;
    await assertAwsError(h.call("TagSAMLProvider", { SAMLProviderArn: missing, Tags: [{ Key: "a", Value: "b" }] }), "NoSuchEntity", 404, `Manifest not found for arn ${missing}`);
  });
});
