/**
 * The condition examples of the AWS documentation, row by row, as the guides print them
 * ("The following table shows how AWS evaluates this policy based on the condition key values
 * in your request"), plus the rules on single-valued and multivalued context keys they
 * illustrate. Sources: IAM User Guide, "Single-valued vs. multivalued context keys",
 * "Multivalued context key examples", "IAM JSON policy elements: Condition operators"; AWS KMS
 * Developer Guide, "AWS KMS condition keys".
 *
 * A row's `match` is the guide's Result column: for an Allow statement a match allows and no
 * match leaves the request implicitly denied; a Deny statement stands beside an allow-all, so
 * a match denies and no match leaves the request allowed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ConditionContext } from "../../core/types.js";
import { ACCT, allow, deny, devSession, doc, runCase, type Case } from "./test-support.js";

interface Row {
  ctx: ConditionContext;
  match: boolean;
  principal?: Case["principal"];
}

interface Example {
  name: string;
  effect: "Allow" | "Deny";
  action: string;
  resource: string;
  /** The statement's Resource element (the request's resource by default). */
  pattern?: string;
  condition: Record<string, unknown>;
  rows: Row[];
}

const m = (ctx: ConditionContext, principal?: Row["principal"]): Row => ({ ctx, match: true, ...(principal ? { principal } : {}) });
const nm = (ctx: ConditionContext, principal?: Row["principal"]): Row => ({ ctx, match: false, ...(principal ? { principal } : {}) });

function cases(e: Example): Case[] {
  const statement = (e.effect === "Allow" ? allow : deny)(e.action, e.pattern ?? e.resource, e.condition);
  const identity = e.effect === "Allow" ? [doc(statement)] : [doc(allow("*")), doc(statement)];
  return e.rows.map((r, i) => ({
    name: `${e.name} #${i + 1}: ${JSON.stringify(r.ctx)} → ${r.match ? "match" : "no match"}`,
    action: e.action,
    resource: e.resource,
    identity,
    ctx: r.ctx,
    ...(r.principal ? { principal: r.principal } : {}),
    expect: e.effect === "Allow" ? (r.match ? "Allow" : "ImplicitDeny") : r.match ? "ExplicitDeny" : "Allow",
  }));
}

const INSTANCE = `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`;
const USER = `arn:aws:iam::${ACCT}:user/alice`;
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

// IAM User Guide, "Single-valued vs. multivalued context keys".
const singleVsMulti: Example[] = [
  {
    name: "ForAllValues:StringEquals aws:TagKeys with a Null guard",
    effect: "Allow",
    action: "ec2:DeleteTags",
    resource: INSTANCE,
    pattern: `arn:aws:ec2:us-east-1:${ACCT}:instance/*`,
    condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["environment", "cost-center"] }, Null: { "aws:TagKeys": "false" } },
    rows: [
      m({ "aws:TagKeys": ["environment"] }),
      m({ "aws:TagKeys": ["cost-center"] }),
      m({ "aws:TagKeys": ["environment", "cost-center"] }),
      nm({ "aws:TagKeys": ["environment", "dept"] }),
      nm({}),
    ],
  },
  {
    name: "ForAnyValue:StringEquals aws:TagKeys",
    effect: "Allow",
    action: "ec2:DeleteTags",
    resource: INSTANCE,
    pattern: `arn:aws:ec2:us-east-1:${ACCT}:instance/*`,
    condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["environment", "cost-center"] } },
    rows: [
      m({ "aws:TagKeys": ["environment"] }),
      m({ "aws:TagKeys": ["cost-center"] }),
      m({ "aws:TagKeys": ["environment", "cost-center"] }),
      m({ "aws:TagKeys": ["environment", "dept"] }),
      nm({ "aws:TagKeys": ["dept"] }),
      nm({}),
    ],
  },
];

// IAM User Guide, "Multivalued context key examples".
const multivaluedExamples: Example[] = [
  {
    name: "Deny ForAllValues:StringNotLike aws:TagKeys key1*",
    effect: "Deny",
    action: "iam:TagUser",
    resource: USER,
    pattern: "*",
    condition: { "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } },
    rows: [
      nm({ "aws:TagKeys": ["key1:legal"] }),
      nm({ "aws:TagKeys": ["key1:hr", "key1:personnel"] }),
      m({ "aws:TagKeys": ["key2:audit"] }),
      m({}),
    ],
  },
  {
    name: "Deny ForAllValues:StringNotLike aws:TagKeys key1* or key2*",
    effect: "Deny",
    action: "iam:UntagUser",
    resource: USER,
    pattern: "*",
    condition: { "ForAllValues:StringNotLike": { "aws:TagKeys": ["key1*", "key2*"] } },
    rows: [
      nm({ "aws:TagKeys": ["key1:legal"] }),
      nm({ "aws:TagKeys": ["key1:hr", "key1:personnel"] }),
      nm({ "aws:TagKeys": ["key1:hr", "key2:audit"] }),
      m({ "aws:TagKeys": ["key3:legal"] }),
      m({}),
    ],
  },
  {
    name: "Deny ForAnyValue:StringEquals aws:TagKeys webserver",
    effect: "Deny",
    action: "ec2:CreateSnapshot",
    resource: "arn:aws:ec2:us-west-2::snapshot/snap-1",
    pattern: "arn:aws:ec2:us-west-2::snapshot/*",
    condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": "webserver" } },
    rows: [
      m({ "aws:TagKeys": ["webserver"] }),
      m({ "aws:TagKeys": ["environment", "webserver", "test"] }),
      nm({ "aws:TagKeys": ["environment", "test"] }),
      nm({}),
    ],
  },
];

const ORG_PATHS = ["o-acorg/r-acroot/ou-acroot-mediaou/", "o-acorg/r-acroot/ou-acroot-sportsou/*"];

// IAM User Guide, "IAM JSON policy elements: Condition operators".
const operatorExamples: Example[] = [
  {
    name: "StringEquals aws:PrincipalTag/job-category",
    effect: "Allow",
    action: "iam:CreateAccessKey",
    resource: USER,
    pattern: `arn:aws:iam::${ACCT}:user/*`,
    condition: { StringEquals: { "aws:PrincipalTag/job-category": "iamuser-admin" } },
    rows: [m({ "aws:PrincipalTag/job-category": "iamuser-admin" }), nm({ "aws:PrincipalTag/job-category": "dev-ops" }), nm({})],
  },
  {
    name: "StringEqualsIgnoreCase aws:RequestTag/environment with ForAnyValue:StringEquals aws:TagKeys",
    effect: "Allow",
    action: "ec2:CreateTags",
    resource: INSTANCE,
    pattern: "arn:aws:ec2:*:*:instance/*",
    condition: {
      StringEqualsIgnoreCase: { "aws:RequestTag/environment": ["preprod", "storage"] },
      "ForAnyValue:StringEquals": { "aws:TagKeys": "environment" },
    },
    rows: [
      m({ "aws:TagKeys": ["environment"], "aws:RequestTag/environment": "preprod" }),
      m({ "aws:TagKeys": ["environment", "costcenter"], "aws:RequestTag/environment": "PreProd" }),
      nm({ "aws:TagKeys": ["Environment"], "aws:RequestTag/Environment": "preprod" }),
      nm({ "aws:TagKeys": ["costcenter"], "aws:RequestTag/environment": "preprod" }),
      nm({ "aws:RequestTag/environment": "storage" }),
      nm({ "aws:TagKeys": ["environment"] }),
      nm({}),
    ],
  },
  {
    // The guide's table for this example prints Match / No match / No match, which is whether
    // the request's path matches the listed OU paths, not whether the condition holds: by the
    // operator definitions (and the tables of the two ForAllValues:StringNotLike examples above,
    // where a missing key matches) the Deny applies outside the listed OUs and to a request
    // without the key.
    name: "Deny ForAllValues:StringNotLike aws:ResourceOrgPaths",
    effect: "Deny",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::bucket/key",
    pattern: "*",
    condition: { "ForAllValues:StringNotLike": { "aws:ResourceOrgPaths": ORG_PATHS } },
    rows: [
      nm({ "aws:ResourceOrgPaths": ["o-acorg/r-acroot/ou-acroot-sportsou/costcenter/"] }),
      m({ "aws:ResourceOrgPaths": ["o-acorg/r-acroot/ou-acroot-mediaou/costcenter/"] }),
      nm({ "aws:ResourceOrgPaths": ["o-acorg/r-acroot/ou-acroot-mediaou/"] }),
      m({}),
    ],
  },
  {
    name: "Deny Bool aws:SecureTransport false",
    effect: "Deny",
    action: "s3:ReplicateObject",
    resource: "arn:aws:s3:::amzn-s3-demo-bucket/key",
    pattern: "arn:aws:s3:::amzn-s3-demo-bucket/*",
    condition: { Bool: { "aws:SecureTransport": "false" } },
    rows: [m({ "aws:SecureTransport": "false" }), nm({ "aws:SecureTransport": "true" }), nm({ "aws:SecureTransport": undefined })],
  },
  {
    name: "BinaryEquals",
    effect: "Allow",
    action: "iam:GetUser",
    resource: USER,
    condition: { BinaryEquals: { "x:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } },
    rows: [m({ "x:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }), nm({ "x:key": "ASIAIOSFODNN7EXAMPLE" }), nm({})],
  },
  {
    name: "IpAddress aws:SourceIp",
    effect: "Allow",
    action: "iam:CreateAccessKey",
    resource: USER,
    pattern: `arn:aws:iam::${ACCT}:user/*`,
    condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
    rows: [m({ "aws:SourceIp": "203.0.113.1" }), nm({ "aws:SourceIp": "198.51.100.1" })],
  },
  {
    name: "ArnEquals aws:SourceArn",
    effect: "Allow",
    action: "sqs:SendMessage",
    resource: `arn:aws:sqs:us-east-1:${ACCT}:QUEUE-ID`,
    condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-west-2:123456789012:TOPIC-ID" } },
    rows: [
      m({ "aws:SourceArn": "arn:aws:sns:us-west-2:123456789012:TOPIC-ID" }),
      nm({ "aws:SourceArn": "arn:aws:sns:us-west-2:777788889999:TOPIC-ID" }),
      nm({}),
    ],
  },
  {
    name: "ForAllValues:ArnLike logs:LogGeneratingResourceArns",
    effect: "Allow",
    action: "logs:PutDeliverySource",
    resource: "arn:aws:logs:us-east-1:123456789012:delivery-source:src",
    pattern: "arn:aws:logs:us-east-1:123456789012:delivery-source:*",
    condition: {
      "ForAllValues:ArnLike": {
        "logs:LogGeneratingResourceArns": ["arn:aws:cloudfront::123456789012:distribution/*", "arn:aws:cloudfront::123456789012:distribution/support*"],
      },
    },
    rows: [
      m({ "logs:LogGeneratingResourceArns": ["arn:aws:cloudfront::123456789012:distribution/costcenter"] }),
      m({
        "logs:LogGeneratingResourceArns": [
          "arn:aws:cloudfront::123456789012:distribution/costcenter",
          "arn:aws:cloudfront::123456789012:distribution/support2025",
        ],
      }),
      // The guide's row lists distribution/admin, which distribution/* also matches; the row
      // that fails is the one naming another account.
      m({ "logs:LogGeneratingResourceArns": ["arn:aws:cloudfront::123456789012:distribution/costcenter", "arn:aws:cloudfront::123456789012:distribution/admin"] }),
      nm({ "logs:LogGeneratingResourceArns": ["arn:aws:cloudfront::777788889999:distribution/costcenter"] }),
      m({}),
    ],
  },
  {
    name: "StringLikeIfExists ec2:InstanceType",
    effect: "Allow",
    action: "ec2:RunInstances",
    resource: INSTANCE,
    pattern: "*",
    condition: { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } },
    rows: [m({ "ec2:InstanceType": "t1.micro" }), nm({ "ec2:InstanceType": "m2.micro" }), m({})],
  },
  {
    name: "Null aws:TokenIssueTime false",
    effect: "Allow",
    action: "ec2:DescribeInstances",
    resource: "*",
    condition: { Null: { "aws:TokenIssueTime": "false" } },
    rows: [m({}, devSession), nm({})],
  },
  {
    // "ForAllValues:Bool — Use with the Array of Bool data type. All of the booleans in the
    // context key values must match"; "ForAnyValue:Bool — At least one of the booleans".
    name: "ForAllValues:Bool on an array of booleans",
    effect: "Allow",
    action: "iam:GetUser",
    resource: USER,
    condition: { "ForAllValues:Bool": { "x:flags": "true" } },
    rows: [m({ "x:flags": ["true", "TRUE"] }), nm({ "x:flags": ["true", "false"] }), m({})],
  },
  {
    name: "ForAnyValue:Bool on an array of booleans",
    effect: "Allow",
    action: "iam:GetUser",
    resource: USER,
    condition: { "ForAnyValue:Bool": { "x:flags": "true" } },
    rows: [m({ "x:flags": ["false", "true"] }), nm({ "x:flags": ["false"] }), nm({})],
  },
];

// AWS KMS Developer Guide, "AWS KMS condition keys".
const kmsExamples: Example[] = [
  {
    // "A request with only Project=Alpha or with no encryption context would fail."
    name: "ForAnyValue:StringEquals kms:EncryptionContextKeys AppName",
    effect: "Allow",
    action: "kms:GenerateDataKey",
    resource: KEY,
    pattern: "*",
    condition: { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } },
    rows: [m({ "kms:EncryptionContextKeys": ["AppName", "Project"] }), nm({ "kms:EncryptionContextKeys": ["Project"] }), nm({})],
  },
  {
    name: "Null kms:EncryptionContextKeys false requires an encryption context",
    effect: "Allow",
    action: "kms:Encrypt",
    resource: KEY,
    pattern: "*",
    condition: { Null: { "kms:EncryptionContextKeys": false } },
    rows: [m({ "kms:EncryptionContextKeys": ["Purpose"] }), nm({})],
  },
  {
    name: "kms:EncryptionContext:AppName with ForAllValues kms:EncryptionContextKeys",
    effect: "Allow",
    action: "kms:GenerateDataKey",
    resource: KEY,
    pattern: "*",
    condition: {
      StringEquals: { "kms:EncryptionContext:AppName": "ExampleApp" },
      "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["AppName"] },
    },
    rows: [
      m({ "kms:EncryptionContext:AppName": "ExampleApp", "kms:EncryptionContextKeys": ["AppName"] }),
      nm({ "kms:EncryptionContext:AppName": "ExampleApp", "kms:EncryptionContext:Project": "Alpha", "kms:EncryptionContextKeys": ["AppName", "Project"] }),
      nm({}),
    ],
  },
  {
    // "It allows requests with no encryption context and requests with unspecified encryption
    // context pairs, such as Stage=Restricted" — why KMS refuses such a key policy.
    name: "ForAllValues on the single-valued kms:EncryptionContext:Department",
    effect: "Allow",
    action: "kms:Decrypt",
    resource: KEY,
    pattern: "*",
    condition: { "ForAllValues:StringEquals": { "kms:EncryptionContext:Department": "IT" } },
    rows: [
      m({ "kms:EncryptionContext:Department": "IT", "kms:EncryptionContextKeys": ["Department"] }),
      m({}),
      m({ "kms:EncryptionContext:Stage": "Restricted", "kms:EncryptionContextKeys": ["Stage"] }),
      nm({ "kms:EncryptionContext:Department": "HR", "kms:EncryptionContextKeys": ["Department"] }),
    ],
  },
];

// IAM User Guide, "Available keys for SAML-based AWS STS federation": keys marked [] are lists
// ("to create conditions in the policy for list values, you can use set operators"), and STS puts
// them in the context as lists even when the assertion holds one value.
const ROLE = `arn:aws:iam::${ACCT}:role/saml`;
const samlExamples: Example[] = [
  {
    name: "ForAllValues:StringLike saml:edupersonaffiliation faculty, staff",
    effect: "Allow",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { "ForAllValues:StringLike": { "saml:edupersonaffiliation": ["faculty", "staff"] } },
    rows: [
      m({ "saml:edupersonaffiliation": ["staff"] }),
      m({ "saml:edupersonaffiliation": ["faculty", "staff"] }),
      nm({ "saml:edupersonaffiliation": ["student"] }),
      nm({ "saml:edupersonaffiliation": ["staff", "student"] }),
    ],
  },
  {
    name: "ForAnyValue:StringEquals saml:edupersonentitlement",
    effect: "Allow",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { "ForAnyValue:StringEquals": { "saml:edupersonentitlement": "urn:mace:example:vpn" } },
    rows: [m({ "saml:edupersonentitlement": ["urn:mace:example:vpn"] }), m({ "saml:edupersonentitlement": ["urn:mace:example:wiki", "urn:mace:example:vpn"] }), nm({ "saml:edupersonentitlement": ["urn:mace:example:wiki"] }), nm({})],
  },
  {
    // A list of one is still a list: without a set operator nothing matches it.
    name: "StringEquals saml:edupersonaffiliation without a set operator",
    effect: "Allow",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { StringEquals: { "saml:edupersonaffiliation": "staff" } },
    rows: [nm({ "saml:edupersonaffiliation": ["staff"] }), nm({ "saml:edupersonaffiliation": ["faculty", "staff"] }), nm({})],
  },
  {
    name: "Deny StringNotEquals saml:eduorgidentityauthnpolicyuri without a set operator",
    effect: "Deny",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { StringNotEquals: { "saml:eduorgidentityauthnpolicyuri": "https://idp.example/mfa" } },
    rows: [nm({ "saml:eduorgidentityauthnpolicyuri": ["https://idp.example/password"] }), nm({ "saml:eduorgidentityauthnpolicyuri": ["https://idp.example/mfa"] })],
  },
  {
    name: "Deny ForAllValues:StringNotEquals saml:eduorgidentityauthnpolicyuri",
    effect: "Deny",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { "ForAllValues:StringNotEquals": { "saml:eduorgidentityauthnpolicyuri": "https://idp.example/mfa" } },
    rows: [m({ "saml:eduorgidentityauthnpolicyuri": ["https://idp.example/password"] }), nm({ "saml:eduorgidentityauthnpolicyuri": ["https://idp.example/mfa"] })],
  },
  {
    // Not marked []: one value is a string, and plain operators compare it.
    name: "StringEquals on the single-valued saml:edupersonprimaryaffiliation",
    effect: "Allow",
    action: "sts:AssumeRoleWithSAML",
    resource: ROLE,
    condition: { StringEquals: { "saml:edupersonprimaryaffiliation": "staff" } },
    rows: [m({ "saml:edupersonprimaryaffiliation": "staff" }), nm({ "saml:edupersonprimaryaffiliation": "student" }), nm({})],
  },
];

const examples: Record<string, Example[]> = {
  "Single-valued vs. multivalued context keys": singleVsMulti,
  "Multivalued context key examples": multivaluedExamples,
  "Condition operators": operatorExamples,
  "AWS KMS condition keys": kmsExamples,
  "Available keys for SAML-based AWS STS federation": samlExamples,
};

for (const [page, list] of Object.entries(examples)) {
  describe(`documented examples: ${page}`, () => {
    for (const e of list) {
      for (const c of cases(e)) {
        test(c.name, () => {
          assert.equal(runCase(c).decision, c.expect);
        });
      }
    }
  });
}

const cond = (c: unknown) => doc(allow("iam:GetUser", "*", c));
const denyIf = (c: unknown) => [doc(allow("*")), doc(deny("*", "*", c))];

// "Multivalued context keys require a condition set operator." The guide does not print what
// an operator without one does; AWS answers no match, however many values the request holds
// and whatever the operator (see INVARIANTS.md, Conditions).
const withoutSetOperator: Case[] = [
  { name: "StringEquals, one value that matches", ctx: { "aws:TagKeys": ["a"] }, identity: [cond({ StringEquals: { "aws:TagKeys": "a" } })], expect: "ImplicitDeny" },
  { name: "StringEquals, one of two values matches", ctx: { "aws:TagKeys": ["a", "b"] }, identity: [cond({ StringEquals: { "aws:TagKeys": ["a", "b"] } })], expect: "ImplicitDeny" },
  { name: "StringLike dynamodb:LeadingKeys, one key", ctx: { "dynamodb:LeadingKeys": ["delivery:1"] }, identity: [cond({ StringLike: { "dynamodb:LeadingKeys": "delivery:*" } })], expect: "ImplicitDeny" },
  { name: "StringEqualsIfExists on a present multivalued key", ctx: { "aws:TagKeys": ["a"] }, identity: [cond({ StringEqualsIfExists: { "aws:TagKeys": "a" } })], expect: "ImplicitDeny" },
  { name: "ArnLike on a multivalued key", ctx: { "x:arns": [USER] }, identity: [cond({ ArnLike: { "x:arns": "arn:aws:iam::*:user/*" } })], expect: "ImplicitDeny" },
  { name: "Bool on a multivalued key", ctx: { "x:flags": ["true"] }, identity: [cond({ Bool: { "x:flags": "true" } })], expect: "ImplicitDeny" },
  // A negated operator is not true either: a Deny written without a set operator does not apply.
  { name: "Deny StringNotEquals aws:CalledVia", ctx: { "aws:CalledVia": ["athena.amazonaws.com"] }, identity: denyIf({ StringNotEquals: { "aws:CalledVia": "cloudformation.amazonaws.com" } }), expect: "Allow" },
  { name: "Deny StringNotLike aws:PrincipalOrgPaths", ctx: { "aws:PrincipalOrgPaths": ["o-a/r-b/ou-c/"] }, identity: denyIf({ StringNotLike: { "aws:PrincipalOrgPaths": "o-x/*" } }), expect: "Allow" },
  // With the set operator the same Deny applies.
  { name: "Deny ForAnyValue:StringNotEquals aws:CalledVia", ctx: { "aws:CalledVia": ["athena.amazonaws.com"] }, identity: denyIf({ "ForAnyValue:StringNotEquals": { "aws:CalledVia": "cloudformation.amazonaws.com" } }), expect: "ExplicitDeny" },
  // "You cannot use a multivalued context key as a policy variable."
  { name: "a multivalued key as a policy variable matches nothing", ctx: { "aws:TagKeys": ["alice"] }, identity: [doc(allow("iam:GetUser", `arn:aws:iam::${ACCT}:user/\${aws:TagKeys}`))], expect: "ImplicitDeny" },
];

// "Do not use a condition set operator with a single-valued context key": a single value is a
// set of one, which is why ForAllValues lets requests without the key through.
const setOperatorOnSingleValue: Case[] = [
  { name: "ForAnyValue:StringEquals, value listed", ctx: { "aws:RequestTag/env": "prod" }, identity: [cond({ "ForAnyValue:StringEquals": { "aws:RequestTag/env": ["prod", "dev"] } })], expect: "Allow" },
  { name: "ForAnyValue:StringEquals, value not listed", ctx: { "aws:RequestTag/env": "test" }, identity: [cond({ "ForAnyValue:StringEquals": { "aws:RequestTag/env": ["prod", "dev"] } })], expect: "ImplicitDeny" },
  { name: "ForAllValues:StringEquals, value not listed", ctx: { "aws:RequestTag/env": "test" }, identity: [cond({ "ForAllValues:StringEquals": { "aws:RequestTag/env": "prod" } })], expect: "ImplicitDeny" },
  { name: "ForAllValues:StringEquals, key missing", identity: [cond({ "ForAllValues:StringEquals": { "aws:RequestTag/env": "prod" } })], expect: "Allow" },
  { name: "ForAnyValue:StringNotEquals, value listed", ctx: { "aws:RequestTag/env": "prod" }, identity: [cond({ "ForAnyValue:StringNotEquals": { "aws:RequestTag/env": "prod" } })], expect: "ImplicitDeny" },
];

// "The ForAllValues qualifier returns true if there are no context keys in the request or if the
// context key value resolves to a null dataset, such as an empty string. To prevent missing
// context keys or context keys with empty values from evaluating to true, you can include the
// Null condition operator in your policy with a false value to check if the context key exists
// and its value is not null." (Condition operators, ARN section.)
const emptyValues: Case[] = [
  { name: "ForAllValues on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ "ForAllValues:StringEquals": { "aws:RequestTag/env": "prod" } })], expect: "Allow" },
  { name: "ForAnyValue on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ "ForAnyValue:StringLike": { "aws:RequestTag/env": "*" } })], expect: "ImplicitDeny" },
  { name: "ForAnyValue:StringNotEquals on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ "ForAnyValue:StringNotEquals": { "aws:RequestTag/env": "prod" } })], expect: "ImplicitDeny" },
  { name: "Null true on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ Null: { "aws:RequestTag/env": "true" } })], expect: "Allow" },
  { name: "Null false on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ Null: { "aws:RequestTag/env": "false" } })], expect: "ImplicitDeny" },
  {
    name: "ForAllValues with its Null guard on an empty string",
    ctx: { "aws:RequestTag/env": "" },
    identity: [cond({ "ForAllValues:StringEquals": { "aws:RequestTag/env": "prod" }, Null: { "aws:RequestTag/env": "false" } })],
    expect: "ImplicitDeny",
  },
  {
    name: "ForAllValues with its Null guard on an empty list",
    ctx: { "aws:TagKeys": [] },
    identity: [cond({ "ForAllValues:StringEquals": { "aws:TagKeys": "a" }, Null: { "aws:TagKeys": "false" } })],
    expect: "ImplicitDeny",
  },
  { name: "ForAnyValue...IfExists on an empty list", ctx: { "aws:TagKeys": [] }, identity: [cond({ "ForAnyValue:StringLikeIfExists": { "aws:TagKeys": "*" } })], expect: "ImplicitDeny" },
  // Operators without a set prefix compare an empty string as a value: the guide's s3:prefix
  // example lists "" to allow listing the bucket's top level.
  { name: "StringLike s3:prefix \"\"", ctx: { "s3:prefix": "" }, identity: [cond({ StringLike: { "s3:prefix": ["", "home/"] } })], expect: "Allow" },
  { name: "StringNotEquals on an empty string", ctx: { "aws:RequestTag/env": "" }, identity: [cond({ StringNotEquals: { "aws:RequestTag/env": "prod" } })], expect: "Allow" },
];

const rules: Record<string, Case[]> = {
  "multivalued key without a set operator": withoutSetOperator,
  "set operator on a single-valued key": setOperatorOnSingleValue,
  "empty values": emptyValues,
};

for (const [group, rows] of Object.entries(rules)) {
  describe(`conditions: ${group}`, () => {
    for (const row of rows) {
      test(row.name, () => {
        assert.equal(runCase(row).decision, row.expect);
      });
    }
  });
}
