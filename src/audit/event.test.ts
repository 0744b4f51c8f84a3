import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { CreateUserRequest$, CreateUserResponse$, GetUserRequest$, GetUserResponse$ } from "@aws-sdk/client-iam";
import { AssumeRole$ } from "@aws-sdk/client-sts";
import { buildCloudTrailEvent, buildCloudTrailEvents, eventPrincipal, indexFieldsOf, isoSeconds, userIdentityOf } from "./event.js";
import { HIDDEN } from "./redact.js";
import { alice, record, roleSession, root, T0 } from "./test-fixtures.js";

describe("buildCloudTrailEvent", () => {
  test("IAM user write call: full record in CloudTrail field order", () => {
    const ev = buildCloudTrailEvent(record({ inputSchema: CreateUserRequest$, outputSchema: CreateUserResponse$ }), "ev-1");
    const expected = {
      eventVersion: "1.11",
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLEALICE0001",
        arn: "arn:aws:iam::111122223333:user/alice",
        accountId: "111122223333",
        accessKeyId: "AKIAEXAMPLEALICE0001",
        userName: "alice",
      },
      eventTime: "2026-01-01T00:00:01Z",
      eventSource: "iam.amazonaws.com",
      eventName: "CreateUser",
      awsRegion: "us-east-1",
      sourceIPAddress: "192.0.2.10",
      userAgent: "aws-cli/2.15.0",
      requestParameters: { userName: "bob", path: "/" },
      responseElements: {
        user: { path: "/", userName: "bob", userId: "AIDAEXAMPLEBOB000001", arn: "arn:aws:iam::111122223333:user/bob", createDate: "Jan 1, 2026 12:00:00 AM" },
      },
      requestID: "req-1",
      eventID: "ev-1",
      readOnly: false,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: "111122223333",
      eventCategory: "Management",
    };
    // Exact bytes, including key order (the JSON is what gets hashed).
    assert.equal(JSON.stringify(ev), JSON.stringify(expected));
  });

  test("assumed-role identity carries sessionContext with the issuing role", () => {
    assert.deepEqual(userIdentityOf(roleSession, undefined, undefined), {
      type: "AssumedRole",
      principalId: "AROAEXAMPLEDEPLOY001:ci-run",
      arn: "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run",
      accountId: "111122223333",
      accessKeyId: "ASIAEXAMPLESESSION01",
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "AROAEXAMPLEDEPLOY001",
          arn: "arn:aws:iam::111122223333:role/Deploy",
          accountId: "111122223333",
          userName: "Deploy",
        },
        webIdFederationData: {},
        attributes: { creationDate: "2025-12-31T23:59:00Z", mfaAuthenticated: "false" },
      },
    });
  });

  test("root identity and GetSessionToken sessions", () => {
    assert.deepEqual(userIdentityOf(root, undefined, undefined), {
      type: "Root",
      principalId: "111122223333",
      arn: "arn:aws:iam::111122223333:root",
      accountId: "111122223333",
      accessKeyId: "AKIAEXAMPLEROOT00001",
    });
    const temp = userIdentityOf({ ...alice, accessKeyId: "ASIAEXAMPLETEMP00001", isSessionToken: true, sessionIssuedAt: T0, mfaAuthenticated: true }, undefined, undefined);
    assert.deepEqual(temp.sessionContext, {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: "2026-01-01T00:00:00Z", mfaAuthenticated: "true" },
    });
    assert.equal(temp.userName, "alice");
  });

  test("a member account's root session from AssumeRoot: type Root, sessionContext.assumedRoot", () => {
    const id = userIdentityOf({ ...root, accessKeyId: "ASIAEXAMPLEROOT00002", sessionIssuedAt: T0, assumedRoot: true, sourceIdentity: "alice" }, undefined, undefined);
    assert.deepEqual(id, {
      type: "Root",
      principalId: "111122223333",
      arn: "arn:aws:iam::111122223333:root",
      accountId: "111122223333",
      accessKeyId: "ASIAEXAMPLEROOT00002",
      sessionContext: {
        sessionIssuer: {},
        webIdFederationData: {},
        attributes: { creationDate: "2026-01-01T00:00:00Z", mfaAuthenticated: "false" },
        sourceIdentity: "alice",
        assumedRoot: "true",
      },
    });
  });

  test("failed authentication records only what is known", () => {
    const { principal: _p, ...rest } = record({ error: { code: "InvalidClientTokenId", message: "The security token included in the request is invalid." } });
    const ev = buildCloudTrailEvent({ ...rest, accessKeyId: "AKIAUNKNOWNKEY000001", accountId: "444455556666" }, "ev-2");
    assert.deepEqual(ev.userIdentity, { type: "Unknown", accountId: "444455556666", accessKeyId: "AKIAUNKNOWNKEY000001" });
    assert.equal(ev.errorCode, "InvalidClientTokenId");
    assert.equal(ev.errorMessage, "The security token included in the request is invalid.");
    assert.equal(ev.responseElements, null);
    assert.equal(ev.recipientAccountId, "444455556666");
    // Something that is not an access key id (e.g. a secret in the wrong slot) is dropped.
    const ev2 = buildCloudTrailEvent({ ...rest, accessKeyId: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, "ev-3");
    assert.deepEqual(ev2.userIdentity, { type: "Unknown" });
    assert.equal("recipientAccountId" in ev2, false);
  });

  test("read-only calls keep requestParameters and record responseElements as null", () => {
    const ev = buildCloudTrailEvent(
      record({ operation: "GetUser", readOnly: true, input: { UserName: "bob" }, inputSchema: GetUserRequest$, outputSchema: GetUserResponse$ }),
      "ev-4",
    );
    assert.deepEqual(ev.requestParameters, { userName: "bob" });
    assert.equal(ev.responseElements, null);
    assert.equal(ev.readOnly, true);
  });

  test("calls without input record requestParameters null", () => {
    const ev = buildCloudTrailEvent(record({ operation: "GetCallerIdentity", input: {}, readOnly: true }), "ev-5");
    assert.equal(ev.requestParameters, null);
  });

  test("annotations override parameters, still pass the deny-list, and add resources", () => {
    const ev = buildCloudTrailEvent(
      record({
        annotations: {
          requestParameters: { userName: "bob", password: "hunter2" },
          responseElements: null,
          additionalEventData: { note: "x", SessionToken: "tok" },
          resources: [{ ARN: "arn:aws:iam::111122223333:user/bob", accountId: "111122223333", type: "AWS::IAM::User" }],
        },
      }),
      "ev-6",
    );
    assert.deepEqual(ev.requestParameters, { userName: "bob", password: HIDDEN });
    assert.equal(ev.responseElements, null);
    assert.deepEqual(ev.additionalEventData, { note: "x", SessionToken: HIDDEN });
    assert.deepEqual(ev.resources, [{ ARN: "arn:aws:iam::111122223333:user/bob", accountId: "111122223333", type: "AWS::IAM::User" }]);
  });

  test("regional call keeps its region; data events are not management events", () => {
    const ev = buildCloudTrailEvent(record({ region: "eu-west-1", eventCategory: "Data" }), "ev-7");
    assert.equal(ev.awsRegion, "eu-west-1");
    assert.equal(ev.managementEvent, false);
    assert.equal(ev.eventCategory, "Data");
  });

  test("STS AssumeRole: secrets in the response never appear", () => {
    const ev = buildCloudTrailEvent(
      record({
        eventSource: "sts.amazonaws.com",
        operation: "AssumeRole",
        input: { RoleArn: "arn:aws:iam::111122223333:role/Deploy", RoleSessionName: "ci-run" },
        output: {
          Credentials: { AccessKeyId: "ASIAEXAMPLESESSION01", SecretAccessKey: "SECRET-sak-value", SessionToken: "SECRET-token-value", Expiration: new Date(T0) },
          AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLEDEPLOY001:ci-run", Arn: "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run" },
        },
        inputSchema: AssumeRole$,
        outputSchema: AssumeRole$,
      }),
      "ev-8",
    );
    assert.deepEqual(ev.responseElements, {
      credentials: { accessKeyId: "ASIAEXAMPLESESSION01", secretAccessKey: HIDDEN, sessionToken: HIDDEN, expiration: "Jan 1, 2026, 12:00:00 AM" },
      assumedRoleUser: { assumedRoleId: "AROAEXAMPLEDEPLOY001:ci-run", arn: "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run" },
    });
    assert.equal(JSON.stringify(ev).includes("SECRET-"), false);
  });
});

describe("buildCloudTrailEvents", () => {
  test("unsigned federation calls name the federated user (SAMLUser / WebIdentityUser); web identity sessions name their provider", () => {
    const identity = { type: "SAMLUser" as const, principalId: "bdGOnUkh1i4L/jEvs=:alice", userName: "alice", identityProvider: "bdGOnUkh1i4L/jEvs=" };
    const ev = buildCloudTrailEvent(
      record({ principal: undefined, accessKeyId: undefined, operation: "AssumeRoleWithSAML", eventSource: "sts.amazonaws.com", annotations: { federatedIdentity: identity, recipientAccountId: "111122223333" } }),
      "ev-9",
    );
    assert.deepEqual(ev.userIdentity, identity);
    assert.equal(ev.recipientAccountId, "111122223333");
    assert.equal(indexFieldsOf(ev, T0).username, "alice");
    const provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    const session = userIdentityOf({ ...roleSession, federatedProvider: provider }, undefined, undefined);
    assert.deepEqual(session.sessionContext?.webIdFederationData, { federatedProvider: provider, attributes: {} });
    assert.deepEqual(userIdentityOf(roleSession, undefined, undefined).sessionContext?.webIdFederationData, {});
  });

  test("same-account call yields one event", () => {
    let n = 0;
    const evs = buildCloudTrailEvents(record(), () => `id-${++n}`);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.eventID, "id-1");
    assert.equal("sharedEventID" in evs[0]!, false);
  });

  test("cross-account call is delivered to both accounts with a shared id", () => {
    let n = 0;
    const evs = buildCloudTrailEvents(record({ annotations: { recipientAccountId: "999988887777" } }), () => `id-${++n}`);
    assert.equal(evs.length, 2);
    const [caller, owner] = evs as [(typeof evs)[0], (typeof evs)[0]];
    assert.equal(caller.recipientAccountId, "111122223333");
    assert.equal(caller.userIdentity.type, "IAMUser");
    assert.equal(owner.recipientAccountId, "999988887777");
    assert.deepEqual(owner.userIdentity, { type: "AWSAccount", principalId: "AIDAEXAMPLEALICE0001", accountId: "111122223333" });
    assert.equal(caller.sharedEventID, "id-1");
    assert.equal(owner.sharedEventID, "id-1");
    assert.deepEqual([caller.eventID, owner.eventID], ["id-2", "id-3"]);
    const keys = Object.keys(owner);
    assert.deepEqual(keys.slice(-3), ["recipientAccountId", "sharedEventID", "eventCategory"]);
  });

  test("a call on resources of two other accounts is delivered to the caller and to each owner, all with one shared id", () => {
    let n = 0;
    const evs = buildCloudTrailEvents(record({ annotations: { recipientAccountId: "999988887777", otherRecipientAccountIds: ["555566667777"] } }), () => `id-${++n}`);
    assert.deepEqual(evs.map((e) => e.recipientAccountId), ["111122223333", "999988887777", "555566667777"]);
    assert.deepEqual(evs.map((e) => e.userIdentity.type), ["IAMUser", "AWSAccount", "AWSAccount"]);
    assert.deepEqual(evs.map((e) => e.sharedEventID), ["id-1", "id-1", "id-1"]);
    assert.deepEqual(evs.map((e) => e.eventID), ["id-2", "id-3", "id-4"]);
    for (const ev of evs) assert.equal("otherRecipientAccountIds" in ev, false);
  });

  test("the root user: userName is the account alias when one is set, absent otherwise", () => {
    assert.equal("userName" in userIdentityOf(root, undefined, undefined), false);
    const named = userIdentityOf({ ...root, name: "example-corp" }, undefined, undefined);
    assert.equal(named.type, "Root");
    assert.equal(named.userName, "example-corp");
    assert.equal(indexFieldsOf(buildCloudTrailEvent(record({ principal: { ...root, name: "example-corp" } }), "r"), 0).username, "root");
  });

  test("a call over HTTPS ends with tlsDetails, in both copies of a cross-account call", () => {
    const tlsDetails = { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_256_GCM_SHA384", clientProvidedHostHeader: "kms.us-east-1.amazonaws.com" };
    const single = buildCloudTrailEvent(record({ tlsDetails }), "e");
    assert.deepEqual(single.tlsDetails, tlsDetails);
    assert.deepEqual(Object.keys(single).slice(-4), ["managementEvent", "recipientAccountId", "eventCategory", "tlsDetails"]);
    let n = 0;
    for (const ev of buildCloudTrailEvents(record({ tlsDetails, annotations: { recipientAccountId: "999988887777" } }), () => `id-${++n}`)) {
      assert.deepEqual(Object.keys(ev).slice(-4), ["recipientAccountId", "sharedEventID", "eventCategory", "tlsDetails"]);
      assert.deepEqual(ev.tlsDetails, tlsDetails);
    }
    const noHost = buildCloudTrailEvent(record({ tlsDetails: { tlsVersion: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256" } }), "e");
    assert.deepEqual(noHost.tlsDetails, { tlsVersion: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256" });
    assert.equal("tlsDetails" in buildCloudTrailEvent(record(), "e"), false);
  });

  test("an AWS service event: the account and invokedBy, no requestID, serviceEventDetails before eventCategory", () => {
    const ev = buildCloudTrailEvent(
      record({
        principal: undefined,
        accountId: "111122223333",
        eventType: "AwsServiceEvent",
        sourceIp: "AWS Internal",
        userAgent: "AWS Internal",
        tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_256_GCM_SHA384" },
        annotations: { requestParameters: null, responseElements: null, serviceEventDetails: { rotationType: "AUTOMATIC", keyId: "k" }, recipientAccountId: "111122223333" },
      }),
      "e",
    );
    assert.deepEqual(ev.userIdentity, { accountId: "111122223333", invokedBy: "AWS Internal" });
    assert.equal(ev.eventType, "AwsServiceEvent");
    assert.equal("requestID" in JSON.parse(JSON.stringify(ev)), false);
    assert.equal("tlsDetails" in ev, false);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(ev))).slice(-5), ["eventType", "managementEvent", "recipientAccountId", "serviceEventDetails", "eventCategory"]);
    assert.equal(indexFieldsOf(ev, 0).username, "");
  });

  test("a call a service made on the caller's behalf: the caller's identity closed by invokedBy, in both copies of a cross-account call", () => {
    const host = "elasticloadbalancing.amazonaws.com";
    const ev = buildCloudTrailEvent(record({ invokedBy: host, sourceIp: host, userAgent: host }), "e");
    // The caller's own identity, unchanged, then invokedBy.
    assert.equal(JSON.stringify(ev.userIdentity), JSON.stringify({ ...userIdentityOf(alice, undefined, undefined), invokedBy: host }));
    assert.equal(ev.userIdentity.userName, "alice");
    assert.equal(ev.sourceIPAddress, host);
    assert.equal(ev.userAgent, host);
    assert.equal(indexFieldsOf(ev, 0).username, "alice");
    assert.deepEqual(Object.keys(buildCloudTrailEvent(record({ principal: roleSession, invokedBy: host }), "e").userIdentity).slice(-2), ["sessionContext", "invokedBy"]);
    let n = 0;
    const [caller, owner] = buildCloudTrailEvents(record({ invokedBy: "kms.amazonaws.com", annotations: { recipientAccountId: "999988887777" } }), () => `id-${++n}`);
    assert.equal(caller!.userIdentity.invokedBy, "kms.amazonaws.com");
    assert.deepEqual(owner!.userIdentity, { type: "AWSAccount", principalId: "AIDAEXAMPLEALICE0001", accountId: "111122223333", invokedBy: "kms.amazonaws.com" });
    // A call the service made for itself, as no one: the account and the service.
    const own = buildCloudTrailEvent(record({ principal: undefined, accountId: "111122223333", invokedBy: "AWS Internal" }), "e");
    assert.deepEqual(own.userIdentity, { accountId: "111122223333", invokedBy: "AWS Internal" });
    assert.equal(own.eventType, "AwsApiCall");
    assert.equal(own.requestID, "req-1");
    assert.equal(indexFieldsOf(own, 0).username, "");
    // Members a handler puts before the request's own (STS role chaining).
    const chained = buildCloudTrailEvent(record({ input: { RoleArn: "arn:r" }, annotations: { requestParametersPrefix: { incomingTransitiveTags: { Dept: "eng" } } } }), "e");
    assert.equal(JSON.stringify(chained.requestParameters), '{"incomingTransitiveTags":{"Dept":"eng"},"roleArn":"arn:r"}');
    // A call the service made as itself (assuming its role): the service alone, delivered to the account.
    const svc = buildCloudTrailEvent(record({ principal: undefined, accountId: "111122223333", identityType: "AWSService", invokedBy: "shield.amazonaws.com" }), "e");
    assert.equal(JSON.stringify(svc.userIdentity), '{"type":"AWSService","invokedBy":"shield.amazonaws.com"}');
    assert.equal(svc.recipientAccountId, "111122223333");
    assert.equal(indexFieldsOf(svc, 0).username, "");
  });
});

describe("eventPrincipal", () => {
  test("keeps what userIdentity is built from, and nothing else", () => {
    const full = { ...roleSession, sourceIdentity: "jdoe", mfaAuthenticated: true, sessionPolicy: '{"Statement":[]}', sessionTags: { team: "red" }, scopeDownPolicies: ["{}"] };
    const kept = eventPrincipal(full);
    assert.deepEqual(userIdentityOf(kept, undefined, undefined), userIdentityOf(full, undefined, undefined));
    for (const gone of ["sessionPolicy", "sessionTags", "scopeDownPolicies"]) assert.equal(gone in kept, false, gone);
    assert.deepEqual(userIdentityOf(eventPrincipal(alice), undefined, undefined), userIdentityOf(alice, undefined, undefined));
    assert.deepEqual(userIdentityOf(eventPrincipal(root), undefined, undefined), userIdentityOf(root, undefined, undefined));
  });
});

describe("indexFieldsOf", () => {
  test("derives LookupEvents columns from the event", () => {
    const ev = buildCloudTrailEvent(
      record({
        principal: roleSession,
        annotations: {
          resources: [
            { ARN: "arn:aws:iam::111122223333:user/bob", accountId: "111122223333", type: "AWS::IAM::User" },
            { ARN: "arn:aws:iam::111122223333:policy/p", accountId: "111122223333" },
          ],
        },
      }),
      "ev-9",
    );
    assert.deepEqual(indexFieldsOf(ev, T0 + 1234), {
      time: T0 + 1234,
      accountId: "111122223333",
      region: "us-east-1",
      eventId: "ev-9",
      eventName: "CreateUser",
      eventSource: "iam.amazonaws.com",
      username: "ci-run",
      accessKeyId: "ASIAEXAMPLESESSION01",
      readOnly: false,
      resourceNames: "arn:aws:iam::111122223333:user/bob\narn:aws:iam::111122223333:policy/p",
      resourceTypes: "AWS::IAM::User\n",
    });
    assert.equal(indexFieldsOf(buildCloudTrailEvent(record({ principal: root }), "r"), 0).username, "root");
    assert.equal(indexFieldsOf(buildCloudTrailEvent(record(), "a"), 0).username, "alice");
  });

  test("isoSeconds truncates to whole seconds", () => {
    assert.equal(isoSeconds(T0 + 999), "2026-01-01T00:00:00Z");
  });
});
