import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { trustsService } from "./trust-principals.js";

const trust = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const SRT = "drt.shield.amazonaws.com";

describe("trustsService", () => {
  test("an Allow of sts:AssumeRole (or a pattern matching it) to the service principal", () => {
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { Service: SRT }, Action: "sts:AssumeRole" }), SRT), true);
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { Service: ["ec2.amazonaws.com", SRT] }, Action: "sts:*" }), SRT), true);
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { Service: SRT }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }), SRT), true);
  });

  test("not another service's, another action's, a Deny's or a NotPrincipal's", () => {
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }), SRT), false);
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { Service: SRT }, Action: "sts:TagSession" }), SRT), false);
    assert.equal(trustsService(trust({ Effect: "Deny", Principal: { Service: SRT }, Action: "sts:AssumeRole" }), SRT), false);
    assert.equal(trustsService(trust({ Effect: "Allow", NotPrincipal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }), SRT), false);
    assert.equal(trustsService(trust({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sts:AssumeRole" }), SRT), false);
  });
});
