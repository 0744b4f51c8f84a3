import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { NormalizedSchema } from "@smithy/core/schema";
import * as sts from "@aws-sdk/client-sts";
import * as iam from "@aws-sdk/client-iam";
import * as orgs from "@aws-sdk/client-organizations";
import * as cloudtrail from "@aws-sdk/client-cloudtrail";
import { annotationJson, auditErrorMessage, HIDDEN, hiddenValueFor, isDeniedName, LEAVE_OUT, lowerFirst, redactAnnotation, redactForCloudTrail } from "./redact.js";
import { buildCloudTrailEvent } from "./event.js";
import { record } from "./test-fixtures.js";
import { rng } from "../core/testing/rng.js";

describe("redactForCloudTrail", () => {
  test("IAM CreateAccessKey: schema-sensitive secret is hidden, the rest is kept", () => {
    const out = redactForCloudTrail(
      { AccessKey: { UserName: "bob", AccessKeyId: "AKIAEXAMPLEBOB000001", Status: "Active", SecretAccessKey: "s3cr3t", CreateDate: new Date(0) } },
      iam.CreateAccessKeyResponse$,
      "output",
    );
    assert.deepEqual(out, {
      accessKey: { userName: "bob", accessKeyId: "AKIAEXAMPLEBOB000001", status: "Active", secretAccessKey: HIDDEN, createDate: "Jan 1, 1970, 12:00:00 AM" },
    });
  });

  test("Organizations writes \"****\" for what it does not record, IAM leaves the member out; the other services HIDDEN_DUE_TO_SECURITY_REASONS", () => {
    assert.equal(hiddenValueFor("organizations.amazonaws.com"), "****");
    assert.equal(hiddenValueFor("sts.amazonaws.com"), HIDDEN);
    assert.equal(hiddenValueFor("iam.amazonaws.com"), LEAVE_OUT);
    // IAM's events as AWS records them: CreateAccessKey's accessKey without secretAccessKey, CreateLoginProfile without password.
    const key = { AccessKey: { UserName: "bob", AccessKeyId: "AKIAEXAMPLE", Status: "Active", SecretAccessKey: "s3cr3t" } };
    assert.deepEqual(redactForCloudTrail(key, undefined, "output", LEAVE_OUT), { accessKey: { userName: "bob", accessKeyId: "AKIAEXAMPLE", status: "Active" } });
    assert.deepEqual(redactForCloudTrail({ UserName: "bob", Password: "pw", PasswordResetRequired: false }, undefined, "input", LEAVE_OUT), { userName: "bob", passwordResetRequired: false });
    assert.equal(redactForCloudTrail({ Password: "pw" }, undefined, "input", LEAVE_OUT), null);
    assert.equal(auditErrorMessage("bad -----BEGIN PRIVATE KEY----- x", "iam.amazonaws.com"), HIDDEN);
    const input = { Email: "dev@example.com", AccountName: "Dev", RoleName: "Admin" };
    const ev = buildCloudTrailEvent(record({ eventSource: "organizations.amazonaws.com", service: "organizations", operation: "CreateAccount", input, inputSchema: orgs.CreateAccountRequest$, output: undefined, readOnly: false, error: { code: "X", message: "m" } }), "e");
    assert.deepEqual(ev.requestParameters, { email: "****", accountName: "****", roleName: "Admin" });
    // A member hidden by its name takes the service's placeholder too.
    assert.deepEqual(redactForCloudTrail({ SecretAccessKey: "s" }, undefined, "input", "****"), { secretAccessKey: "****" });
  });

  test("blobs are omitted, even sensitive ones", () => {
    const out = redactForCloudTrail(
      { VirtualMFADevice: { SerialNumber: "arn:aws:iam::111122223333:mfa/bob", Base32StringSeed: new Uint8Array([1, 2, 3]), QRCodePNG: new Uint8Array([4]) } },
      iam.CreateVirtualMFADeviceResponse$,
      "output",
    );
    assert.deepEqual(out, { virtualMFADevice: { serialNumber: "arn:aws:iam::111122223333:mfa/bob" } });
  });

  test("an operation schema is accepted in place of its input/output structure", () => {
    assert.deepEqual(redactForCloudTrail({ UserName: "bob", Password: "pw", PasswordResetRequired: true }, iam.CreateLoginProfile$, "input"), {
      userName: "bob",
      password: HIDDEN,
      passwordResetRequired: true,
    });
  });

  test("members outside the schema are dropped", () => {
    assert.deepEqual(redactForCloudTrail({ UserName: "bob", Smuggled: "x" }, iam.GetUserRequest$), { userName: "bob" });
  });

  test("maps keep their keys; sensitive map values and denied keys are hidden", () => {
    // [3 = structure, namespace, name, traits, member names, member schemas]; 128|0 = map<string,string>.
    const sensitiveString = [0, "test", "S", 8, 0];
    const schema = [3, "test", "Shape", 0, ["Attrs", "Secrets"], [128 | 0, [2, "test", "SecretMap", 0, 0, sensitiveString]]];
    const out = redactForCloudTrail({ Attrs: { Team: "a", password: "p" }, Secrets: { k: "v" } }, schema);
    assert.deepEqual(out, { attrs: { Team: "a", password: HIDDEN }, secrets: { k: HIDDEN } });
  });

  test("without a schema: deny-list, lowerCamel keys, blobs omitted, dates as CloudTrail writes them", () => {
    const out = redactForCloudTrail({
      KeyId: "k",
      Plaintext: "p",
      Nested: [{ SessionToken: "t", When: new Date(0), Raw: Buffer.from("x") }],
      Big: 10n,
    });
    assert.deepEqual(out, { keyId: "k", plaintext: HIDDEN, nested: [{ sessionToken: HIDDEN, when: "Jan 1, 1970, 12:00:00 AM" }], big: "10" });
  });

  test("a PEM private key is hidden in whatever member it was sent (a key pasted into IAM's CertificateBody)", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const keyLine = keyPem.split("\n")[1]!;
    const certPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const input = { ServerCertificateName: "web", CertificateBody: certPem + keyPem, CertificateChain: keyPem, PrivateKey: keyPem };
    assert.deepEqual(redactForCloudTrail(input, iam.UploadServerCertificateRequest$), {
      serverCertificateName: "web",
      certificateBody: HIDDEN,
      privateKey: HIDDEN,
      certificateChain: HIDDEN,
    });
    // A certificate alone is recorded as sent.
    assert.deepEqual(redactForCloudTrail({ UserName: "bob", CertificateBody: certPem }, iam.UploadSigningCertificateRequest$), { userName: "bob", certificateBody: certPem });
    // Without a schema, in lists and maps, in handler annotations and their text, and with the service's placeholder.
    const other = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    assert.deepEqual(redactForCloudTrail({ Notes: [keyPem, "x"], Attrs: { k: other } }), { notes: [HIDDEN, "x"], attrs: { k: HIDDEN } });
    assert.deepEqual(redactForCloudTrail({ Description: keyPem }, undefined, "input", "****"), { description: "****" });
    assert.deepEqual(redactAnnotation({ body: keyPem }), { body: HIDDEN });
    assert.equal(annotationJson({ body: [keyPem] }), `{"body":["${HIDDEN}"]}`);
    const ev = buildCloudTrailEvent(
      record({ eventSource: "iam.amazonaws.com", service: "iam", operation: "UploadServerCertificate", input, inputSchema: iam.UploadServerCertificateRequest$, output: undefined, readOnly: false, error: { code: "MalformedCertificate", message: "m" } }),
      "e",
    );
    assert.equal(JSON.stringify(ev).includes(keyLine), false);
  });

  test("nothing to record yields null", () => {
    assert.equal(redactForCloudTrail(undefined), null);
    assert.equal(redactForCloudTrail({}), null);
    assert.equal(redactForCloudTrail({ Blob: new Uint8Array(2) }), null);
  });

  test("annotations keep their keys but pass the deny-list", () => {
    assert.deepEqual(redactAnnotation({ roleArn: "r", secretAccessKey: "s", when: new Date(0) }), { roleArn: "r", secretAccessKey: HIDDEN, when: "Jan 1, 1970, 12:00:00 AM" });
  });

  test("helpers", () => {
    assert.equal(lowerFirst("SAMLProviderArn"), "sAMLProviderArn");
    assert.equal(lowerFirst("already"), "already");
    assert.equal(isDeniedName("SessionToken"), true);
    assert.equal(isDeniedName("secret_access_key"), true);
    assert.equal(isDeniedName("UserName"), false);
    // Sizes of a session token are numbers, not the token.
    assert.equal(isDeniedName("MinimumSessionTokenSize"), false);
    assert.equal(isDeniedName("sessionTokenSize"), false);
    assert.equal(isDeniedName("SessionTokenUtilization"), false);
    assert.equal(isDeniedName("SessionTokenSizeSecret"), true);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: for every structure of the STS, IAM, Organizations and CloudTrail models, random
// values placed in sensitive members (schema trait, sensitive target, or deny-listed name) never
// survive redaction or event building, while public values do.
// ---------------------------------------------------------------------------------------------

const DENIED_BY_NAME = ["SessionToken", "SecretAccessKey", "Password", "Plaintext", "SecretString", "KeyMaterial", "PrivateKey", "WebIdentityToken", "SAMLAssertion"];

function sensitive(ns: NormalizedSchema): boolean {
  return Boolean(ns.getMergedTraits().sensitive);
}

interface Gen {
  secrets: string[];
  publics: string[];
}

function gen(ns: NormalizedSchema, secret: boolean, depth: number, g: Gen): unknown {
  if (depth > 7) return undefined;
  const hide = secret || sensitive(ns);
  if (ns.isBlobSchema()) {
    const s = "BLOB" + randomBytes(12).toString("hex");
    g.secrets.push(s, Buffer.from(s).toString("base64"));
    return Buffer.from(s);
  }
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    const o: Record<string, unknown> = {};
    for (const [name, m] of ns.structIterator()) {
      const v = gen(m, hide || DENIED_BY_NAME.includes(name), depth + 1, g);
      if (v !== undefined) o[name] = v;
    }
    return o;
  }
  if (ns.isListSchema()) return [gen(ns.getValueSchema(), hide, depth + 1, g), gen(ns.getValueSchema(), hide, depth + 1, g)].filter((v) => v !== undefined);
  if (ns.isMapSchema()) {
    const v = gen(ns.getValueSchema(), hide, depth + 1, g);
    return v === undefined ? {} : { ["k" + randomBytes(3).toString("hex")]: v };
  }
  if (ns.isTimestampSchema()) return new Date(1_700_000_000_000);
  if (ns.isBooleanSchema()) return true;
  if (ns.isNumericSchema()) return 7;
  if (ns.isDocumentSchema()) return undefined;
  const s = (hide ? "SECRET" : "PUBLIC") + randomBytes(12).toString("hex");
  (hide ? g.secrets : g.publics).push(s);
  return s;
}

function structSchemas(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [pkg, mod] of [["sts", sts], ["iam", iam], ["organizations", orgs], ["cloudtrail", cloudtrail]] as const) {
    for (const [k, v] of Object.entries(mod)) if (k.endsWith("$") && Array.isArray(v) && v[0] === 3) out.push([`${pkg}.${k}`, v]);
  }
  return out;
}

function operationSchemas(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [pkg, mod] of [["sts", sts], ["iam", iam], ["organizations", orgs], ["cloudtrail", cloudtrail]] as const) {
    for (const [k, v] of Object.entries(mod)) if (k.endsWith("$") && Array.isArray(v) && v[0] === 9) out.push([`${pkg}.${k}`, v]);
  }
  return out;
}

describe("no secret survives (property)", () => {
  test("every structure of the four models, three random rounds", () => {
    let secretsPlaced = 0;
    let publicsKept = 0;
    const schemas = structSchemas();
    assert.ok(schemas.length > 500, `expected the SDK models, found ${schemas.length} structures`);
    for (let round = 0; round < 3; round++) {
      for (const [name, schema] of schemas) {
        const g: Gen = { secrets: [], publics: [] };
        const value = gen(NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0]), false, 0, g);
        const withSchema = JSON.stringify(redactForCloudTrail(value, schema));
        const withoutSchema = JSON.stringify(redactForCloudTrail(value));
        for (const s of g.secrets) {
          assert.equal(withSchema.includes(s), false, `${name}: a secret survived with the schema`);
        }
        // Without a schema only the deny-list protects: check the deny-listed names' values.
        secretsPlaced += g.secrets.length;
        for (const p of g.publics) if (withSchema.includes(p)) publicsKept++;
        assert.equal(typeof withoutSchema, "string");
      }
    }
    assert.ok(secretsPlaced > 100, `only ${secretsPlaced} secrets placed`);
    assert.ok(publicsKept > 1000, `only ${publicsKept} public values kept: redaction is over-eager`);
  });

  test("every operation through buildCloudTrailEvent (input and output)", () => {
    let n = 0;
    for (const [name, op] of operationSchemas()) {
      const opArr = op as unknown[];
      const resolve = (r: unknown): unknown => (typeof r === "function" ? (r as () => unknown)() : r);
      const inS = NormalizedSchema.of(resolve(opArr[4]) as Parameters<typeof NormalizedSchema.of>[0]);
      const outS = NormalizedSchema.of(resolve(opArr[5]) as Parameters<typeof NormalizedSchema.of>[0]);
      const g: Gen = { secrets: [], publics: [] };
      const input = gen(inS, false, 0, g);
      const output = gen(outS, false, 0, g);
      const ev = buildCloudTrailEvent(record({ input, output, inputSchema: op, outputSchema: op, readOnly: false }), `ev-${n++}`);
      const json = JSON.stringify(ev);
      for (const s of g.secrets) assert.equal(json.includes(s), false, `${name}: a secret survived in the event`);
    }
    assert.ok(n > 200);
  });

  test("deny-listed member names are hidden even when the schema does not mark them", () => {
    // STS Credentials.SessionToken carries no sensitive trait in the model.
    const cred = NormalizedSchema.of(sts.Credentials$ as Parameters<typeof NormalizedSchema.of>[0]).getMemberSchema("SessionToken");
    assert.equal(sensitive(cred), false);
    for (let i = 0; i < 50; i++) {
      const token = randomBytes(20).toString("base64");
      const out = JSON.stringify(redactForCloudTrail({ Credentials: { AccessKeyId: "ASIAX", SecretAccessKey: token + "a", SessionToken: token, Expiration: new Date(0) } }, sts.AssumeRoleResponse$));
      assert.equal(out.includes(token), false);
      const loose = JSON.stringify(redactForCloudTrail({ deep: [{ x: { SessionToken: token, password: token, KeyMaterial: token } }] }));
      assert.equal(loose.includes(token), false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// annotationJson writes the redacted annotation as text: byte for byte JSON.stringify of
// redactAnnotation, over generated values with every kind of member walkLoose treats specially.
// ---------------------------------------------------------------------------------------------


class Thing {
  a = 1;
}

const KEYS = ["keyId", "encryptionContext", "Plaintext", "sessionToken", "SecretString", "a", "B", "", "__proto__", "0", "10", "1x", "toJSON", 'q"uote', "lone\uD800", "ctl\u0001", "\u2028é"];
const LEAVES: Array<() => unknown> = [
  () => "plain",
  () => 'esc " \\ \n \u0000 \u001f \u007f \u2028 \u{1F600} \uD800 \uDC00',
  () => "",
  () => "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
  () => 0,
  () => -0,
  () => 1.5e300,
  () => -7,
  () => Number.NaN,
  () => Infinity,
  () => -Infinity,
  () => 10n ** 20n,
  () => true,
  () => false,
  () => null,
  () => undefined,
  () => new Date(0),
  () => new Date(8.64e15),
  () => new Date(Number.NaN),
  () => new Uint8Array([1, 2]),
  () => Buffer.from("x"),
  () => new ArrayBuffer(2),
  () => new DataView(new ArrayBuffer(2)),
  () => new Map([["a", 1]]),
  () => new Thing(),
  () => Symbol("s"),
  () => () => 1,
  () => Object.create(null) as Record<string, unknown>,
];

function looseValue(r: () => number, depth: number): unknown {
  const p = r();
  if (depth < 6 && p < 0.25) {
    const o: Record<string, unknown> = r() < 0.1 ? (Object.create(null) as Record<string, unknown>) : {};
    const n = Math.floor(r() * 5);
    for (let i = 0; i < n; i++) {
      const k = KEYS[Math.floor(r() * KEYS.length)]!;
      Object.defineProperty(o, k, { value: looseValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  if (depth < 6 && p < 0.4) return Array.from({ length: Math.floor(r() * 4) }, () => looseValue(r, depth + 1));
  return LEAVES[Math.floor(r() * LEAVES.length)]!();
}

function deep(levels: number, leaf: unknown): Record<string, unknown> {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { k: v } : [v];
  return { top: v };
}

describe("annotationJson", () => {
  test("is JSON.stringify(redactAnnotation(value)) for generated annotations", () => {
    const r = rng(4242);
    let objectPath = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = looseValue(r, 0) as Record<string, unknown>;
      const expected = JSON.stringify(redactAnnotation(value));
      assert.equal(annotationJson(value), expected, `value #${i}`);
      if (expected === "null") objectPath++;
    }
    assert.ok(objectPath < 20_000);
  });

  test("KMS-style annotations, nesting past the depth limit, and keys the object path must take", () => {
    const cases: Array<Record<string, unknown>> = [
      { keyId: "alias/a", encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: { tenant: "bench", purpose: "pipeline" } },
      { keyId: "k", encryptionContext: undefined, grantTokens: ["t1", "t2"] },
      { encryptionContext: { "2": "b", "1": "a", x: "c" } },
      { encryptionContext: { __proto__x: "1" } },
      { nested: { __proto__: "str" } },
      deep(30, "x"),
      deep(31, "x"),
      deep(32, "x"),
      deep(33, "x"),
      deep(40, { keep: 1 }),
    ];
    const withProto = {} as Record<string, unknown>;
    Object.defineProperty(withProto, "__proto__", { value: { a: 1 }, enumerable: true, writable: true, configurable: true });
    const nestedProto = {} as Record<string, unknown>;
    Object.defineProperty(nestedProto, "__proto__", { value: ["x"], enumerable: true, writable: true, configurable: true });
    cases.push(withProto, { inner: nestedProto, after: "y" }, { 5: "five", a: "a", 3: "three" });
    for (const value of cases) assert.equal(annotationJson(value), JSON.stringify(redactAnnotation(value)), JSON.stringify(value));
    assert.equal(annotationJson(withProto), "null");
    assert.equal(annotationJson({ keyId: "k", Plaintext: "p", encryptionContext: { a: "1" } }), '{"keyId":"k","Plaintext":"HIDDEN_DUE_TO_SECURITY_REASONS","encryptionContext":{"a":"1"}}');
  });
});

describe("cloudTrailDate", () => {
  test("renders UTC as the KMS and STS CloudTrail examples do", async () => {
    const { cloudTrailDate, cloudTrailDateFor, iamCloudTrailDate } = await import("./cloudtrail-date.js");
    assert.equal(cloudTrailDate(new Date("2022-08-10T22:38:27.123Z")), "Aug 10, 2022, 10:38:27 PM");
    assert.equal(cloudTrailDate(new Date("2025-05-21T05:47:45Z")), "May 21, 2025, 5:47:45 AM");
    assert.equal(cloudTrailDate(new Date("2024-01-02T00:04:05Z")), "Jan 2, 2024, 12:04:05 AM");
    assert.equal(cloudTrailDate(new Date("2024-12-31T12:00:00Z")), "Dec 31, 2024, 12:00:00 PM");
    // IAM's events write no comma after the year ("Aug 1, 2024 1:33:28 PM").
    assert.equal(iamCloudTrailDate(new Date("2024-08-01T13:33:28Z")), "Aug 1, 2024 1:33:28 PM");
    assert.equal(cloudTrailDateFor("iam.amazonaws.com"), iamCloudTrailDate);
    assert.equal(cloudTrailDateFor("kms.amazonaws.com"), cloudTrailDate);
  });
});
