import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DescribeOrganization$ } from "@aws-sdk/client-organizations";
import { AwsError, commonError, type CommonErrorKind } from "../core/errors.js";
import type { ServiceDefinition } from "../services/types.js";
import { commonErrorCode, encodeUnservedError, engineFor, guessProtocol, unservedProtocol, wireError } from "./index.js";
import { constraintValue } from "./errors.js";
import { operation, wire } from "./test-harness.js";

describe("commonErrorCode", () => {
  test("JSON services", () => {
    const expected: Array<[CommonErrorKind, string, number]> = [
      ["UnrecognizedClient", "UnrecognizedClientException", 400],
      ["InvalidClientTokenId", "UnrecognizedClientException", 400],
      ["InvalidSignature", "InvalidSignatureException", 400],
      ["RequestExpired", "InvalidSignatureException", 400],
      ["IncompleteSignature", "IncompleteSignatureException", 400],
      ["MissingAuthenticationToken", "MissingAuthenticationTokenException", 403],
      ["ExpiredToken", "ExpiredTokenException", 400],
      ["AccessDenied", "AccessDeniedException", 400],
      ["Validation", "ValidationException", 400],
      ["Serialization", "SerializationException", 400],
      ["UnknownOperation", "UnknownOperationException", 400],
      ["Throttling", "ThrottlingException", 400],
      ["InternalFailure", "InternalFailure", 500],
      ["ServiceUnavailable", "ServiceUnavailableException", 503],
    ];
    for (const [kind, code, status] of expected) {
      assert.deepEqual(commonErrorCode("awsJson1_1", kind), { code, status }, kind);
      assert.deepEqual(commonErrorCode("awsJson1_0", kind), { code, status }, kind);
    }
  });

  test("query services (IAM, STS)", () => {
    const expected: Array<[CommonErrorKind, string, number]> = [
      ["UnrecognizedClient", "InvalidClientTokenId", 403],
      ["InvalidClientTokenId", "InvalidClientTokenId", 403],
      ["InvalidSignature", "SignatureDoesNotMatch", 403],
      ["RequestExpired", "SignatureDoesNotMatch", 403],
      ["IncompleteSignature", "IncompleteSignature", 400],
      ["MissingAuthenticationToken", "MissingAuthenticationToken", 403],
      ["ExpiredToken", "ExpiredToken", 403],
      ["AccessDenied", "AccessDenied", 403],
      ["Validation", "ValidationError", 400],
      ["MissingParameter", "MissingParameter", 400],
      ["UnknownOperation", "InvalidAction", 400],
      ["Throttling", "Throttling", 400],
      ["InternalFailure", "InternalFailure", 500],
      ["ServiceUnavailable", "ServiceUnavailable", 503],
    ];
    for (const [kind, code, status] of expected) assert.deepEqual(commonErrorCode("awsQuery", kind), { code, status }, kind);
  });

  test("a service that models a common error with another httpError status still sends the protocol's status", () => {
    // Organizations models AccessDeniedException with httpError 403; its API reference and the
    // service answer 400, as the Common Errors pages give for JSON services.
    const svc: ServiceDefinition = {
      name: "organizations-errors-test",
      signingName: "organizations",
      protocol: "awsJson1_1",
      targetPrefix: "AWSOrganizationsV20161128",
      eventSource: "organizations.amazonaws.com",
      operations: { DescribeOrganization: operation(DescribeOrganization$) },
    };
    const engine = engineFor("awsJson1_1");
    engine.prepare(svc);
    const res = engine.encodeError(svc, commonError("AccessDenied", "denied"), "req-1");
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body.toString("utf8")), { __type: "AccessDeniedException", Message: "denied" });
  });

  test("wireError: service errors keep code and status, common ones are mapped", () => {
    assert.deepEqual(wireError("awsQuery", new AwsError("NoSuchEntity", "m", 404)), { code: "NoSuchEntity", status: 404, fault: "Sender" });
    assert.deepEqual(wireError("awsJson1_1", new AwsError("KMSInternalException", "m", 500)), {
      code: "KMSInternalException",
      status: 500,
      fault: "Receiver",
    });
    assert.deepEqual(wireError("awsQuery", commonError("Throttling", "Rate exceeded")), { code: "Throttling", status: 400, fault: "Sender" });
  });
});

describe("engine registry", () => {
  test("implemented protocols have one engine each; the others throw", () => {
    assert.equal(engineFor("awsQuery").name, "awsQuery");
    assert.equal(engineFor("awsJson1_0").name, "awsJson1_0");
    assert.equal(engineFor("awsJson1_1").name, "awsJson1_1");
    assert.equal(engineFor("awsQuery"), engineFor("awsQuery"));
    assert.throws(() => engineFor("restJson1"), /restJson1 is not implemented/);
    assert.throws(() => engineFor("restXml"), /restXml is not implemented/);
    assert.throws(() => engineFor("ec2Query"), /ec2Query is not implemented/);
  });

  test("prepare rejects incomplete definitions and mismatched operation names", () => {
    const base = { name: "x", signingName: "x", eventSource: "x.amazonaws.com", operations: { Wrong: operation(DescribeOrganization$) } };
    assert.throws(() => engineFor("awsJson1_1").prepare({ ...base, protocol: "awsJson1_1" }), /targetPrefix/);
    assert.throws(() => engineFor("awsJson1_1").prepare({ ...base, protocol: "awsJson1_1", targetPrefix: "P" }), /does not match/);
    assert.throws(() => engineFor("awsQuery").prepare({ ...base, protocol: "awsQuery" }), /xmlNamespace and apiVersion/);
  });

  test("guessProtocol", () => {
    assert.equal(guessProtocol(wire({ headers: { "content-type": "application/x-amz-json-1.0" } })), "awsJson1_0");
    assert.equal(guessProtocol(wire({ headers: { "content-type": "application/x-amz-json-1.1; charset=utf-8" } })), "awsJson1_1");
    assert.equal(guessProtocol(wire({ headers: { "x-amz-target": "TrentService.Encrypt" } })), "awsJson1_1");
    assert.equal(guessProtocol(wire({ headers: { "Content-Type": "application/x-amz-json-1.0" } })), "awsJson1_0");
    assert.equal(guessProtocol(wire({ headers: { "content-type": "application/x-www-form-urlencoded" } })), "awsQuery");
    assert.equal(guessProtocol(wire({ method: "GET", rawQuery: "Action=GetCallerIdentity" })), "awsQuery");
  });

  test("unservedProtocol: a request for a service not served, by its headers, body and signing name", () => {
    const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    assert.equal(unservedProtocol(wire({ headers: { "x-amz-target": "DynamoDB_20120810.ListTables" } }), "dynamodb"), "awsJson1_1");
    assert.equal(unservedProtocol(wire({ headers: { "content-type": "application/x-amz-json-1.0" } }), "sqs"), "awsJson1_0");
    assert.equal(unservedProtocol(wire({ headers: form }), "ec2"), "ec2Query");
    assert.equal(unservedProtocol(wire({ headers: form }), "sns"), "awsQuery");
    assert.equal(unservedProtocol(wire({ method: "GET", rawQuery: "Action=ListTopics&Version=2010-03-31" }), "sns"), "awsQuery");
    assert.equal(unservedProtocol(wire({ method: "GET" }), "s3"), "restXml");
    assert.equal(unservedProtocol(wire({ method: "GET" }), "s3express"), "restXml");
    assert.equal(unservedProtocol(wire({ method: "GET" }), "route53"), "awsQuery");
    assert.equal(unservedProtocol(wire({ method: "GET" }), "cloudfront"), "awsQuery");
    assert.equal(unservedProtocol(wire({ method: "GET" }), "lambda"), "restJson1");
    assert.equal(unservedProtocol(wire({ headers: { "content-type": "application/json" } }), "eks"), "restJson1");
    // Unsigned (no credential scope): as guessProtocol.
    assert.equal(unservedProtocol(wire({ method: "GET" }), undefined), "awsQuery");
    assert.equal(encodeUnservedError("awsQuery", new AwsError("X", "m", 400), "id"), undefined);
  });
});

describe("constraintValue", () => {
  test("shows text, lists, structures and blobs as Coral does, never as [object Object]", () => {
    assert.equal(constraintValue("a b"), "a b");
    assert.equal(constraintValue(7), "7");
    assert.equal(constraintValue(["x", "y"]), "[x, y]");
    assert.equal(constraintValue([{ Key: "k", Value: "v" }, { Key: "k2" }]), "[{Key: k,Value: v}, {Key: k2}]");
    assert.equal(constraintValue({ EmailAddress: "a@b.c", PhoneNumber: undefined, ContactNotes: null }), "{EmailAddress: a@b.c}");
    assert.equal(constraintValue({ Nested: { List: [1, 2] } }), "{Nested: {List: [1, 2]}}");
    assert.equal(constraintValue(new Uint8Array(3)), "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]");
    assert.equal(constraintValue(new Date(0)), "1970-01-01T00:00:00.000Z");
  });
});
