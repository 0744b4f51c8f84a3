import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePolicy, PolicyParseError, type PolicyKind } from "./index.js";
import { ACCT } from "./test-support.js";

const ok = { Effect: "Allow", Action: "iam:GetUser", Resource: "*" };
const v12 = (...Statement: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const trustStmt = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "sts:AssumeRole" };

interface ErrorCase {
  name: string;
  text: string;
  kind?: PolicyKind;
  managed?: boolean;
  message: string;
}

const SYNTAX = "Syntax errors in policy.";
const LEGACY = "The policy failed legacy parsing";

const errors: ErrorCase[] = [
  { name: "not JSON", text: "This is not a json document", message: SYNTAX },
  { name: "trailing garbage", text: `${v12(ok)} x`, message: SYNTAX },
  { name: "top-level array", text: "[]", message: SYNTAX },
  { name: "unknown top-level element", text: JSON.stringify({ Version: "2012-10-17", Statement: ok, Foo: 1 }), message: SYNTAX },
  { name: "unknown version", text: JSON.stringify({ Version: "2013-10-17", Statement: ok }), message: SYNTAX },
  { name: "no Statement", text: JSON.stringify({ Version: "2012-10-17" }), message: SYNTAX },
  { name: "empty Statement list", text: v12(), message: SYNTAX },
  { name: "statement is not an object", text: v12("x"), message: SYNTAX },
  { name: "unknown statement element", text: v12({ ...ok, Foo: "x" }), message: SYNTAX },
  { name: "Action and NotAction", text: v12({ ...ok, NotAction: "iam:*" }), message: SYNTAX },
  { name: "Resource and NotResource", text: v12({ ...ok, NotResource: "*" }), message: SYNTAX },
  { name: "unknown Effect", text: v12({ ...ok, Effect: "Permit" }), message: SYNTAX },
  { name: "missing Effect", text: v12({ Action: "iam:GetUser", Resource: "*" }), message: SYNTAX },
  { name: "Action is a number", text: v12({ ...ok, Action: 5 }), message: SYNTAX },
  { name: "Sid is not a string", text: v12({ ...ok, Sid: 1 }), message: SYNTAX },
  { name: "unknown condition operator", text: v12({ ...ok, Condition: { StringEqualz: { "aws:username": "a" } } }), message: SYNTAX },
  { name: "condition operator is case-sensitive", text: v12({ ...ok, Condition: { stringequals: { "aws:username": "a" } } }), message: SYNTAX },
  { name: "condition value is an object", text: v12({ ...ok, Condition: { StringEquals: { "aws:username": { a: 1 } } } }), message: SYNTAX },
  { name: "condition block is a string", text: v12({ ...ok, Condition: { StringEquals: "a" } }), message: SYNTAX },
  { name: "Principal is a non-* string", kind: "resource", text: v12({ ...ok, Principal: `arn:aws:iam::${ACCT}:root` }), message: SYNTAX },
  { name: "lower-case Effect fails legacy parsing", text: v12({ ...ok, Effect: "allow" }), message: LEGACY },
  { name: "bad date value", text: v12({ ...ok, Condition: { DateGreaterThan: { "aws:CurrentTime": "yesterday" } } }), message: LEGACY },
  { name: "short ARN with empty segments", text: v12({ ...ok, Resource: "arn:aws:ec2::i-1" }), message: LEGACY },
  { name: "identity policy with Principal", text: v12({ ...ok, Principal: "*" }), message: "Policy document should not specify a principal." },
  { name: "boundary with NotPrincipal", kind: "boundary", text: v12({ ...ok, NotPrincipal: { AWS: ACCT } }), message: "Policy document should not specify a principal." },
  { name: "resource policy without Principal", kind: "resource", text: v12(ok), message: "Missing required field Principal" },
  { name: "trust policy without Principal", kind: "trust", text: v12({ Effect: "Allow", Action: "sts:AssumeRole" }), message: "Missing required field Principal" },
  { name: "trust policy with Resource", kind: "trust", text: v12({ ...trustStmt, Resource: "*" }), message: "Has prohibited field Resource" },
  { name: "trust policy that is not JSON", kind: "trust", text: '{"Version": "2012-10-17", "Statement": [],}', message: "This policy contains invalid Json" },
  { name: "trust policy with an STS action that is not an assume-role one", kind: "trust", text: v12({ ...trustStmt, Action: "sts:InvalidAction" }), message: "AssumeRole policy may only specify STS AssumeRole actions." },
  { name: "Date condition past a signed 64-bit epoch", text: v12({ ...ok, Condition: { DateLessThan: { "aws:CurrentTime": "9223372036854775808" } } }), message: LEGACY },
  { name: "managed policy of version 2008-10-17", managed: true, text: JSON.stringify({ Version: "2008-10-17", Statement: [ok] }), message: "Policy document must be version 2012-10-17 or greater." },
  {
    name: "managed policy without Version and with duplicate Sids: the version is reported",
    managed: true,
    text: JSON.stringify({ Statement: [{ ...ok, Sid: "A" }, { ...ok, Sid: "A" }] }),
    message: "Policy document must be version 2012-10-17 or greater.",
  },
  {
    name: "trust policy with a non-STS action",
    kind: "trust",
    text: v12({ ...trustStmt, Action: "s3:GetObject" }),
    message: "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
  },
  { name: "managed policy without Version", managed: true, text: JSON.stringify({ Statement: ok }), message: "Policy document must be version 2012-10-17 or greater." },
  {
    name: "managed policy with 2008-10-17",
    managed: true,
    text: JSON.stringify({ Version: "2008-10-17", Statement: ok }),
    message: "Policy document must be version 2012-10-17 or greater.",
  },
  { name: "duplicate Sid", text: v12({ ...ok, Sid: "A" }, { ...ok, Sid: "A" }), message: "Statement IDs (SID) in a single policy must be unique." },
  {
    name: "Sid not alphanumeric",
    text: v12({ ...ok, Sid: "has space" }),
    message: "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
  },
  { name: "no Action", text: v12({ Effect: "Allow", Resource: "*" }), message: "Policy statement must contain actions." },
  { name: "empty Action list", text: v12({ ...ok, Action: [] }), message: "Policy statement must contain actions." },
  { name: "no Resource in an identity policy", text: v12({ Effect: "Allow", Action: "iam:*" }), message: "Policy statement must contain resources." },
  { name: "empty Resource list", text: v12({ ...ok, Resource: [] }), message: "Policy statement must contain resources." },
  { name: "Resource not an ARN", text: v12({ ...ok, Resource: "my-bucket" }), message: 'Resource my-bucket must be in ARN format or "*".' },
  { name: "Resource without service", text: v12({ ...ok, Resource: "arn:aws" }), message: "Resource vendor must be fully qualified and cannot contain regexes." },
  {
    name: "unknown partition",
    text: v12({ ...ok, Resource: "arn:foo:s3:::b" }),
    message: 'Partition "foo" is not valid for resource "arn:foo:s3:::b".',
  },
  {
    // IAM refuses another partition's resources as it refuses an unknown one (aws here).
    name: "another partition's resource",
    text: v12({ ...ok, Resource: ["arn:aws:s3:::b", "arn:aws-cn:s3:::artisan-images"] }),
    message: 'Partition "aws-cn" is not valid for resource "arn:aws-cn:s3:::artisan-images".',
  },
  {
    name: "another partition's resource in NotResource",
    text: v12({ Effect: "Deny", Action: "s3:*", NotResource: `arn:aws-us-gov:iam::${ACCT}:user/x` }),
    message: `Partition "aws-us-gov" is not valid for resource "arn:aws-us-gov:iam::${ACCT}:user/x".`,
  },
  {
    name: "IAM ARN with a region",
    text: v12({ ...ok, Resource: `arn:aws:iam:us-east-1:${ACCT}:user/x` }),
    message: `IAM resource arn:aws:iam:us-east-1:${ACCT}:user/x cannot contain region information.`,
  },
  {
    name: "S3 ARN with a region",
    text: v12({ ...ok, Resource: "arn:aws:s3:us-east-1::bucket" }),
    message: "Resource arn:aws:s3:us-east-1::bucket can not contain region information.",
  },
  {
    name: "unknown IAM resource type",
    text: v12({ ...ok, Resource: `arn:aws:iam::${ACCT}:widget/x` }),
    message:
      'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  },
  { name: "action without vendor", text: v12({ ...ok, Action: "GetUser" }), message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." },
  { name: "action with two colons", text: v12({ ...ok, Action: "iam:Get:User" }), message: "Actions/Condition can contain only one colon." },
  { name: "invalid vendor", text: v12({ ...ok, Action: "i am:GetUser" }), message: "Vendor i am is not valid" },
  { name: "wildcard vendor", text: v12({ ...ok, Action: "i*:GetUser" }), message: "Vendor i* is not valid" },
  {
    name: "wildcard in an AWS principal",
    kind: "resource",
    text: v12({ ...ok, Principal: { AWS: `arn:aws:iam::${ACCT}:user/*` } }),
    message: `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCT}:user/*"`,
  },
  { name: "AWS principal not an ARN", kind: "resource", text: v12({ ...ok, Principal: { AWS: "bob" } }), message: 'Invalid principal in policy: "AWS":"bob"' },
  {
    name: "group ARN is not a principal",
    kind: "trust",
    text: v12({ ...trustStmt, Principal: { AWS: `arn:aws:iam::${ACCT}:group/admins` } }),
    message: `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCT}:group/admins"`,
  },
  // IAM's answer to a role trusting "amazonaws.com" (a service principal built without its service).
  { name: "bare AWS domain as a service principal", kind: "trust", text: v12({ ...trustStmt, Principal: { Service: "amazonaws.com" } }), message: 'Invalid principal in policy: "SERVICE":"amazonaws.com"' },
  {
    name: "service principal that is no DNS name",
    kind: "trust",
    text: v12({ ...trustStmt, Principal: { Service: ["ec2.amazonaws.com", "lambda function"] } }),
    message: 'Invalid principal in policy: "SERVICE":"lambda function"',
  },
  { name: "unknown principal type", kind: "resource", text: v12({ ...ok, Principal: { Foo: "x" } }), message: 'Invalid principal in policy: "Foo":"x"' },
  // Principals here are all in the aws partition; an account root of another one would otherwise grant that account id.
  { name: "account root of another partition", kind: "resource", text: v12({ ...ok, Principal: { AWS: `arn:aws-cn:iam::${ACCT}:root` } }), message: `Invalid principal in policy: "AWS":"arn:aws-cn:iam::${ACCT}:root"` },
  {
    name: "role of another partition in a trust policy",
    kind: "trust",
    text: v12({ ...trustStmt, Principal: { AWS: `arn:aws-us-gov:iam::${ACCT}:role/r` } }),
    message: `Invalid principal in policy: "AWS":"arn:aws-us-gov:iam::${ACCT}:role/r"`,
  },
  { name: "resource policy statement without Action", kind: "resource", text: v12({ Effect: "Allow", Principal: "*", Resource: "*" }), message: "Policy statement must contain actions." },
  { name: "key policy statement with an empty Action list", kind: "key", text: v12({ Effect: "Allow", Principal: "*", Action: [], Resource: "*" }), message: "Policy statement must contain actions." },
  { name: "session of another partition", kind: "resource", text: v12({ ...ok, Principal: { AWS: `arn:aws-cn:sts::${ACCT}:assumed-role/r/s` } }), message: `Invalid principal in policy: "AWS":"arn:aws-cn:sts::${ACCT}:assumed-role/r/s"` },
];

describe("parsePolicy errors (IAM MalformedPolicyDocument text)", () => {
  for (const c of errors) {
    test(c.name, () => {
      assert.throws(
        () => parsePolicy(c.text, c.kind ?? "identity", { requireCurrentVersion: c.managed === true }),
        (e: unknown) => {
          assert.ok(e instanceof PolicyParseError);
          assert.equal(e.message, c.message);
          return true;
        },
      );
    });
  }
});

describe("parsePolicy accepts", () => {
  test("a key policy statement without Action or without Resource, compiled to match nothing", () => {
    const p = parsePolicy(
      v12({ Effect: "Deny", Principal: "*", Resource: "*" }, { Effect: "Deny", Principal: "*", Action: "kms:*" }, { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }),
      "key",
    );
    const [noAction, noResource, whole] = p.statements;
    assert.equal(noAction?.actionAny, false);
    assert.equal(noAction?.actionExact.size, 0);
    assert.equal(noAction?.actionPatterns.length, 0);
    assert.deepEqual(noResource?.resources, []);
    assert.equal(noResource?.notResource, false);
    assert.equal(whole?.actionPatterns.length, 1);
    assert.equal(whole?.resources?.length, 1);
  });
  test("a single statement object and 2008-10-17 for inline policies", () => {
    const p = parsePolicy(JSON.stringify({ Version: "2008-10-17", Statement: ok }), "identity");
    assert.equal(p.version, "2008-10-17");
    assert.equal(p.statements.length, 1);
    assert.equal(p.statements[0]?.deny, false);
  });
  test("no Version for inline policies", () => {
    assert.equal(parsePolicy(JSON.stringify({ Statement: [ok] }), "identity").version, undefined);
  });
  test("service principals of every form AWS uses", () => {
    const services = ["ec2.amazonaws.com", "states.us-east-1.amazonaws.com", "ops.apigateway.amazonaws.com", "alexa-appkit.amazon.com", "ec2.amazonaws.com.cn"];
    assert.equal(parsePolicy(v12({ ...trustStmt, Principal: { Service: services } }), "trust").statements[0]?.principal?.services.size, services.length);
  });

  test("a trust policy without Resource, with STS actions", () => {
    const p = parsePolicy(v12({ ...trustStmt, Action: ["sts:AssumeRole", "sts:TagSession"] }), "trust");
    assert.equal(p.statements[0]?.resources, undefined);
    assert.deepEqual(p.awsPrincipals, [`arn:aws:iam::${ACCT}:root`]);
    // Every action a trust policy grants, in any case, and wildcards that can match one.
    const actions = ["sts:AssumeRoleWithSAML", "STS:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity", "sts:SetContext", "sts:AssumeRole*", "sts:*"];
    assert.equal(parsePolicy(v12({ ...trustStmt, Action: actions }), "trust").statements.length, 1);
    // Any IAM resource ("arn:aws:iam::*:*"), and S3's regional resources with their region (as AWS's own managed policies use them).
    const resources = ["arn:aws:iam::*:*", "arn:aws:s3:*:*:access-grants/default/grant/*", "arn:aws:s3:us-east-1:111122223333:accesspoint/ap", "arn:aws:s3:us-east-1:111122223333:job/*"];
    assert.equal(parsePolicy(v12({ ...ok, Resource: resources }), "identity").statements.length, 1);
    // Date texts IAM's legacy parser takes (loose ISO 8601, a negative year).
    for (const d of ["01T", "2016-12-13t2:00:00.593194+23", "-292275054", "2016-12-13T2:00:00Z"]) {
      assert.equal(parsePolicy(v12({ ...ok, Condition: { DateLessThan: { "aws:CurrentTime": d } } }), "identity").statements.length, 1, d);
    }
    for (const d of ["T", "234-13", "2016-12-13t2:00:00.1999999999+10:59", "2016-12-13t2:00:00.593194+1"]) {
      assert.throws(() => parsePolicy(v12({ ...ok, Condition: { DateLessThan: { "aws:CurrentTime": d } } }), "identity"), { message: LEGACY }, d);
    }
    // The largest signed 64-bit epoch is still a date.
    assert.equal(parsePolicy(v12({ ...ok, Condition: { DateLessThan: { "aws:CurrentTime": "9223372036854775807" } } }), "identity").statements.length, 1);
  });
  test("a resource policy with every principal form", () => {
    const p = parsePolicy(
      v12({
        ...ok,
        Principal: {
          AWS: [ACCT, `arn:aws:iam::${ACCT}:user/a`, `arn:aws:iam::${ACCT}:role/p/r`, `arn:aws:sts::${ACCT}:assumed-role/r/s`, "*"],
          Service: "ec2.amazonaws.com",
          Federated: "cognito-identity.amazonaws.com",
          CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        },
      }),
      "resource",
    );
    assert.equal(p.awsPrincipals.length, 5);
    assert.equal(p.statements[0]?.principal?.any, true);
  });
  test("conditions with booleans, numbers, empty blocks, set operators and IfExists", () => {
    const p = parsePolicy(
      v12({
        ...ok,
        Condition: {
          Bool: { "aws:SecureTransport": true },
          NumericLessThan: { "s3:max-keys": 10 },
          "ForAllValues:StringLikeIfExists": { "aws:TagKeys": ["a*"] },
          Unknown: {},
        },
      }),
      "identity",
    );
    assert.equal(p.statements[0]?.conditions.length, 3);
  });
  test("resource ARNs with wildcards and variables", () => {
    const p = parsePolicy(v12({ ...ok, Resource: [`arn:aws:iam::${ACCT}:user/\${aws:username}`, "arn:aws:s3:::b/*", "arn:aws:ec2:*"] }), "identity");
    assert.equal(p.statements[0]?.resources?.length, 3);
  });
});
