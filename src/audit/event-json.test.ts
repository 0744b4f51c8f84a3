import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { CreateUserRequest$, CreateUserResponse$ } from "@aws-sdk/client-iam";
import { AssumeRole$ } from "@aws-sdk/client-sts";
import { CreateAccountRequest$ } from "@aws-sdk/client-organizations";
import type { Principal } from "../core/types.js";
import { buildCloudTrailEvent, indexFieldsOf } from "./event.js";
import { eventJsonOf } from "./event-json.js";
import type { ApiCallRecord } from "./types.js";
import { alice, record, roleSession, root, T0 } from "./test-fixtures.js";

const federatedByUser: Principal = {
  type: "FederatedUser",
  accountId: "111122223333",
  arn: "arn:aws:sts::111122223333:federated-user/bob",
  principalId: "111122223333:bob",
  accessKeyId: "ASIAEXAMPLEFEDERATE1",
  roleArn: "arn:aws:iam::111122223333:user/alice",
  roleId: "AIDAEXAMPLEALICE0001",
  sessionIssuedAt: T0 - 1000,
  mfaAuthenticated: true,
};
const federatedByRoot: Principal = { ...federatedByUser, roleArn: "arn:aws:iam::111122223333:root", roleId: undefined };
const sessionUser: Principal = { ...alice, accessKeyId: "ASIAEXAMPLESESSION02", isSessionToken: true, sessionIssuedAt: T0 - 5000 };
const sourced: Principal = { ...roleSession, sourceIdentity: "jdoe@example.com", mfaAuthenticated: true };
const oddNames: Principal = { ...alice, name: 'al"ice\u2028\u0001', arn: "arn:aws:iam::111122223333:user/path/al\\ice", accessKeyId: "not-a-key" };

const webIdentitySession: Principal = { ...roleSession, federatedProvider: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" };

const principals: Array<Principal | undefined> = [alice, roleSession, root, federatedByUser, federatedByRoot, sessionUser, sourced, oddNames, webIdentitySession, undefined];

const variants: Array<Partial<ApiCallRecord>> = [
  {},
  { inputSchema: CreateUserRequest$, outputSchema: CreateUserResponse$ },
  { readOnly: true, operation: "GetUser", input: {}, output: { User: { UserName: "x" } } },
  { input: {}, output: {}, readOnly: true },
  { error: { code: "AccessDenied", message: 'User: "x" is not authorized' }, output: undefined },
  { error: { code: "ValidationError", message: "" } },
  { region: "eu-west-3", eventSource: "kms.amazonaws.com", service: "kms", eventCategory: "Data" },
  { userAgent: 'aws-cli/2 "quoted" \\ back\nslash \u00e9\u{1F600} \u0007', sourceIp: "2001:db8::1" },
  { annotations: { resources: [{ ARN: "arn:aws:iam::111122223333:user/bob", accountId: "111122223333", type: "AWS::IAM::User" }, { ARN: "arn:x", accountId: "111122223333" }] } },
  { annotations: { resources: [] } },
  { annotations: { resources: [{ ARN: "arn:aws:kms:eu-west-3:111122223333:key/k", accountId: "111122223333", type: "" }, { ARN: 'q"uote', accountId: "" }] } },
  { annotations: { requestParameters: null, responseElements: { keyId: "k", Plaintext: "secret" } } },
  { annotations: { requestParameters: { roleArn: "arn:r", SessionToken: "t" }, additionalEventData: { note: "n", SecretAccessKey: "s" } } },
  { annotations: { recipientAccountId: "111122223333" } },
  {
    annotations: {
      recipientAccountId: "111122223333",
      federatedIdentity: { type: "SAMLUser", principalId: "bdGOnUkh1i4L/jEvs=:al\"ice", userName: 'al"ice', identityProvider: "bdGOnUkh1i4L/jEvs=" },
    },
  },
  { input: { RoleArn: "arn:aws:iam::111122223333:role/R", RoleSessionName: "s", DurationSeconds: 900, Tags: [{ Key: "k", Value: "v" }] }, inputSchema: AssumeRole$ },
  { input: new Map([["a", 1]]), output: [1, 2] as unknown },
  { time: T0 + 999_999, requestId: 'req-"2"' },
  { userAgent: "lone \uD800 and \uDC00 surrogates, \u007f del, \u2028", operation: "Get\u0000Odd" },  { eventType: "AwsServiceEvent", accountId: "111122223333", sourceIp: "AWS Internal", userAgent: "AWS Internal", annotations: { requestParameters: null, responseElements: { keyId: "arn:k" } } },
  {
    eventType: "AwsServiceEvent",
    accountId: "111122223333",
    annotations: { requestParameters: null, responseElements: null, serviceEventDetails: { rotationType: "AUTOMATIC", keyId: "k", SecretAccessKey: "s" }, recipientAccountId: "111122223333" },
  },
  { eventType: "AwsServiceEvent", annotations: { serviceEventDetails: {} } },
  { tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_256_GCM_SHA384", clientProvidedHostHeader: "kms.us-east-1.amazonaws.com" } },
  { tlsDetails: { tlsVersion: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256" }, error: { code: "AccessDenied", message: "no" } },
  { tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: 'h"ost\u0001:443' } },
  { eventType: "AwsServiceEvent", tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256" } },
  { invokedBy: "elasticloadbalancing.amazonaws.com", sourceIp: "elasticloadbalancing.amazonaws.com", userAgent: "elasticloadbalancing.amazonaws.com" },
  { invokedBy: 'odd"service\u0001', error: { code: "AccessDenied", message: "no" } },
  { invokedBy: "kms.amazonaws.com", eventType: "AwsServiceEvent" },
  {
    input: { RoleArn: "arn:aws:iam::111122223333:role/R", RoleSessionName: "s" },
    inputSchema: AssumeRole$,
    annotations: { requestParametersPrefix: { incomingTransitiveTags: { Project: "Apollo", SecretAccessKey: "s" } } },
  },
  { annotations: { requestParametersPrefix: { incomingTransitiveTags: { Dept: "x" } }, requestParameters: null } },
  { identityType: "AWSService", invokedBy: "shield.amazonaws.com", sourceIp: "shield.amazonaws.com", userAgent: "shield.amazonaws.com", accountId: "111122223333" },
  { eventSource: "organizations.amazonaws.com", service: "organizations", operation: "CreateAccount", input: { Email: "e@example.com", AccountName: "A" }, inputSchema: CreateAccountRequest$ },
];

describe("eventJsonOf", () => {
  test("is byte for byte JSON.stringify(buildCloudTrailEvent) and indexFieldsOf, for every record shape", () => {
    let n = 0;
    for (const principal of principals) {
      for (const over of variants) {
        for (const claims of [{}, { accessKeyId: "AKIAEXAMPLECLAIMED01", accountId: "444455556666" }, { accessKeyId: "secret/looking+value" }]) {
          const base: Partial<ApiCallRecord> = { ...claims, ...over };
          const rec = principal === undefined ? record({ ...base, principal: undefined }) : record({ ...base, principal });
          if (principal === undefined) delete (rec as { principal?: Principal }).principal;
          const fast = eventJsonOf(rec, `ev-${n}`);
          assert.ok(fast, "single-account calls take the fast path");
          const ev = buildCloudTrailEvent(rec, `ev-${n}`);
          assert.equal(fast.json, JSON.stringify(ev), `record ${n}`);
          assert.deepEqual(fast.idx, indexFieldsOf(ev, rec.time), `record ${n}`);
          n++;
        }
      }
    }
    assert.equal(n, principals.length * variants.length * 3);
  });

  test("an error message quoting a PEM private key is recorded as HIDDEN_DUE_TO_SECURITY_REASONS (Organizations: ****), on both paths", () => {
    const key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBBwJ5jXFKxGBEaFshlBploUInfJAL\n-----END EC PRIVATE KEY-----\n";
    const cases: Array<[Partial<ApiCallRecord>, string]> = [
      [{ eventSource: "iam.amazonaws.com", service: "iam", operation: "CreatePolicy" }, "HIDDEN_DUE_TO_SECURITY_REASONS"],
      [{ eventSource: "organizations.amazonaws.com", service: "organizations", operation: "CreatePolicy" }, "****"],
    ];
    for (const [fields, hidden] of cases) {
      const rec = record({ ...fields, input: undefined, output: undefined, readOnly: false, error: { code: "MalformedPolicyDocument", message: `Resource ${key} must be in ARN format or "*".` } });
      const ev = buildCloudTrailEvent(rec, "e1");
      assert.equal(ev.errorMessage, hidden);
      const text = eventJsonOf(rec, "e1")?.json;
      assert.equal(text, JSON.stringify(ev));
      assert.equal(text.includes("MHcCAQEEIBBwJ5jXFKxGBEaFshlBploUInfJAL"), false);
    }
    // Other messages are recorded as they are.
    const plain = record({ error: { code: "NoSuchEntity", message: "The user with name bob cannot be found." } });
    assert.equal(buildCloudTrailEvent(plain, "e2").errorMessage, "The user with name bob cannot be found.");
  });

  test("a cross-account call is left to buildCloudTrailEvents (two events)", () => {
    assert.equal(eventJsonOf(record({ annotations: { recipientAccountId: "444455556666" } }), "ev"), undefined);
    // Without an authenticated caller there is only one event.
    const rec = record({ annotations: { recipientAccountId: "444455556666" } });
    delete (rec as { principal?: Principal }).principal;
    assert.equal(eventJsonOf(rec, "ev")?.json, JSON.stringify(buildCloudTrailEvent(rec, "ev")));
  });

  test("text reused between calls follows every field it was built from", () => {
    const resources = [{ ARN: "arn:aws:kms:us-east-1:111122223333:key/k1", accountId: "111122223333", type: "AWS::KMS::Key" }];
    const steps: Array<Partial<ApiCallRecord>> = [
      { annotations: { resources } },
      { annotations: { resources } },
      { sourceIp: "192.0.2.11", annotations: { resources } },
      { userAgent: "other-agent", annotations: { resources } },
      { operation: "GetUser", annotations: { resources } },
      { eventSource: "sts.amazonaws.com", annotations: { resources } },
      { region: "eu-west-1", annotations: { resources } },
      { region: "", annotations: { resources } },
      { annotations: { resources: [{ ...resources[0]!, type: undefined as unknown as string }] } },
      { annotations: { resources: [{ ...resources[0]!, type: "" }] } },
      { annotations: { resources: [{ ...resources[0]!, accountId: "444455556666" }], recipientAccountId: "111122223333" } },
      { annotations: { resources: [...resources, { ARN: "arn:x", accountId: "111122223333" }] } },
      { annotations: {} },
      { eventCategory: "Data", annotations: { resources } },
      { annotations: { resources } },
    ];
    steps.forEach((over, i) => {
      const rec = record(over);
      const fast = eventJsonOf(rec, `ev-${i}`)!;
      const ev = buildCloudTrailEvent(rec, `ev-${i}`);
      assert.equal(fast.json, JSON.stringify(ev), `step ${i}`);
      assert.deepEqual(fast.idx, indexFieldsOf(ev, rec.time), `step ${i}`);
    });
    // The same array, changed in place between calls.
    const mutable = [{ ARN: "arn:a", accountId: "111122223333", type: "T" }];
    const first = eventJsonOf(record({ annotations: { resources: mutable } }), "ev")!;
    mutable[0]!.ARN = "arn:b";
    const second = eventJsonOf(record({ annotations: { resources: mutable } }), "ev")!;
    assert.equal(first.idx.resourceNames, "arn:a");
    assert.equal(second.idx.resourceNames, "arn:b");
    assert.equal(second.json, JSON.stringify(buildCloudTrailEvent(record({ annotations: { resources: mutable } }), "ev")));
  });

  test("the per-principal identity follows a principal object changed in place", () => {
    const p: Principal = { ...alice };
    const first = eventJsonOf(record({ principal: p }), "ev")!;
    assert.equal(first.idx.username, "alice");
    p.name = "alice2";
    p.accessKeyId = "AKIAEXAMPLEALICE0002";
    const second = eventJsonOf(record({ principal: p }), "ev")!;
    assert.equal(second.idx.username, "alice2");
    assert.equal(second.idx.accessKeyId, "AKIAEXAMPLEALICE0002");
    assert.equal(second.json, JSON.stringify(buildCloudTrailEvent(record({ principal: p }), "ev")));
  });
});
