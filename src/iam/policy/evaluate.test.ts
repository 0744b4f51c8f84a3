import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCT, allow, deny, devSession, doc, runCase, type Case, type Stmt } from "./test-support.js";

const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const INSTANCE = `arn:aws:ec2:us-east-1:${ACCT}:instance/i-1`;

const cond = (c: unknown): Stmt => allow("iam:GetUser", "*", c);
const allowAll = doc(allow("*"));

const basics: Case[] = [
  { name: "no policies", expect: "ImplicitDeny" },
  { name: "exact action and resource", identity: [doc(allow("iam:GetUser", ALICE))], expect: "Allow" },
  { name: "action match is case-insensitive", identity: [doc(allow("IAM:getuser", ALICE))], expect: "Allow" },
  { name: "action wildcard *", identity: [doc(allow("iam:Get*"))], expect: "Allow" },
  { name: "service wildcard", identity: [doc(allow("iam:*"))], expect: "Allow" },
  { name: "* action", identity: [allowAll], expect: "Allow" },
  { name: "action wildcard ? one char", identity: [doc(allow("iam:GetUse?"))], expect: "Allow" },
  { name: "action wildcard ? is exactly one char", identity: [doc(allow("iam:Get?"))], expect: "ImplicitDeny" },
  { name: "action mismatch", identity: [doc(allow("iam:List*"))], expect: "ImplicitDeny" },
  { name: "service prefix mismatch", identity: [doc(allow("s3:GetUser"))], expect: "ImplicitDeny" },
  { name: "action list, second matches", identity: [doc(allow(["iam:ListUsers", "iam:GetUser"]))], expect: "Allow" },
  { name: "explicit deny beats allow", identity: [doc(allow("*"), deny("iam:GetUser"))], expect: "ExplicitDeny" },
  { name: "deny in another policy wins", identity: [allowAll, doc(deny("iam:*"))], expect: "ExplicitDeny" },
  { name: "deny only", identity: [doc(deny("iam:GetUser"))], expect: "ExplicitDeny" },
  { name: "deny for another action is not a deny", identity: [doc(deny("iam:DeleteUser"))], expect: "ImplicitDeny" },
  {
    name: "NotAction allow covers other actions",
    identity: [doc({ Effect: "Allow", NotAction: "iam:Delete*", Resource: "*" })],
    expect: "Allow",
  },
  {
    name: "NotAction allow excludes the action",
    identity: [doc({ Effect: "Allow", NotAction: ["iam:GetUser"], Resource: "*" })],
    expect: "ImplicitDeny",
  },
  {
    name: "NotAction deny applies to non-listed action",
    action: "iam:DeleteUser",
    identity: [doc(allow("*"), { Effect: "Deny", NotAction: "iam:Get*", Resource: "*" })],
    expect: "ExplicitDeny",
  },
  {
    name: "NotAction deny skips listed action",
    identity: [doc(allow("*"), { Effect: "Deny", NotAction: "iam:Get*", Resource: "*" })],
    expect: "Allow",
  },
  {
    name: "NotResource allow covers other resources",
    identity: [doc({ Effect: "Allow", Action: "iam:*", NotResource: BOB })],
    expect: "Allow",
  },
  {
    name: "NotResource allow excludes the resource",
    identity: [doc({ Effect: "Allow", Action: "iam:*", NotResource: [BOB, ALICE] })],
    expect: "ImplicitDeny",
  },
  {
    name: "NotResource deny applies elsewhere",
    identity: [doc(allow("*"), { Effect: "Deny", Action: "*", NotResource: BOB })],
    expect: "ExplicitDeny",
  },
];

const resources: Case[] = [
  { name: "resource match is case-sensitive", identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/Alice`))], expect: "ImplicitDeny" },
  { name: "resource path wildcard", identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/*`))], expect: "Allow" },
  { name: "resource ? wildcard", identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/alic?`))], expect: "Allow" },
  { name: "account segment wildcard", identity: [doc(allow("iam:*", "arn:aws:iam::*:user/alice"))], expect: "Allow" },
  {
    name: "region wildcard stays inside its segment",
    action: "ec2:StartInstances",
    resource: INSTANCE,
    identity: [doc(allow("ec2:*", "arn:aws:ec2:*:instance/i-1"))],
    expect: "ImplicitDeny",
  },
  {
    name: "segment wildcards per segment",
    action: "ec2:StartInstances",
    resource: INSTANCE,
    identity: [doc(allow("ec2:*", `arn:aws:ec2:*:${ACCT}:instance/i-?`))],
    expect: "Allow",
  },
  {
    name: "trailing * of a short pattern spans the remaining segments",
    action: "ec2:StartInstances",
    resource: INSTANCE,
    identity: [doc(allow("ec2:*", "arn:aws:ec2:*"))],
    expect: "Allow",
  },
  {
    name: "wildcard in resource segment spans colons",
    action: "logs:PutLogEvents",
    resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:app:log-stream:s1`,
    identity: [doc(allow("logs:*", `arn:aws:logs:us-east-1:${ACCT}:log-group:*`))],
    expect: "Allow",
  },
  { name: "request for * matched by *", resource: "*", identity: [doc(allow("iam:*"))], expect: "Allow" },
  { name: "request for * not matched by an ARN", resource: "*", identity: [doc(allow("iam:*", ALICE))], expect: "ImplicitDeny" },
];

const conditions: Case[] = [
  { name: "StringEquals match", identity: [doc(cond({ StringEquals: { "aws:username": "alice" } }))], expect: "Allow" },
  { name: "StringEquals mismatch", identity: [doc(cond({ StringEquals: { "aws:username": "bob" } }))], expect: "ImplicitDeny" },
  { name: "StringEquals is case-sensitive", identity: [doc(cond({ StringEquals: { "aws:username": "Alice" } }))], expect: "ImplicitDeny" },
  { name: "StringEquals treats * literally", identity: [doc(cond({ StringEquals: { "aws:username": "a*" } }))], expect: "ImplicitDeny" },
  { name: "StringEquals missing key", identity: [doc(cond({ StringEquals: { "aws:SourceVpc": "vpc-1" } }))], expect: "ImplicitDeny" },
  { name: "StringNotEquals different value", identity: [doc(cond({ StringNotEquals: { "aws:username": "bob" } }))], expect: "Allow" },
  { name: "StringNotEquals missing key is true", identity: [doc(cond({ StringNotEquals: { "aws:SourceVpc": "vpc-1" } }))], expect: "Allow" },
  { name: "StringNotEquals values are NORed", identity: [doc(cond({ StringNotEquals: { "aws:username": ["bob", "alice"] } }))], expect: "ImplicitDeny" },
  { name: "StringEquals values are ORed", identity: [doc(cond({ StringEquals: { "aws:username": ["bob", "alice"] } }))], expect: "Allow" },
  { name: "StringEqualsIgnoreCase", identity: [doc(cond({ StringEqualsIgnoreCase: { "aws:username": "ALICE" } }))], expect: "Allow" },
  { name: "StringNotEqualsIgnoreCase", identity: [doc(cond({ StringNotEqualsIgnoreCase: { "aws:username": "ALICE" } }))], expect: "ImplicitDeny" },
  { name: "StringLike", identity: [doc(cond({ StringLike: { "aws:username": "al*" } }))], expect: "Allow" },
  { name: "StringLike ?", identity: [doc(cond({ StringLike: { "aws:username": "alic?" } }))], expect: "Allow" },
  { name: "StringNotLike", identity: [doc(cond({ StringNotLike: { "aws:username": "al*" } }))], expect: "ImplicitDeny" },
  {
    name: "keys under one operator are ANDed",
    identity: [doc(cond({ StringEquals: { "aws:username": "alice", "aws:RequestedRegion": "eu-west-1" } }))],
    expect: "ImplicitDeny",
  },
  {
    name: "operators are ANDed",
    identity: [doc(cond({ StringEquals: { "aws:username": "alice" }, IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }))],
    expect: "Allow",
  },
  { name: "condition key names are case-insensitive", identity: [doc(cond({ StringEquals: { "AWS:USERNAME": "alice" } }))], expect: "Allow" },
  { name: "NumericLessThan", ctx: { "s3:max-keys": "5" }, identity: [doc(cond({ NumericLessThan: { "s3:max-keys": "10" } }))], expect: "Allow" },
  { name: "NumericGreaterThanEquals boundary", ctx: { "s3:max-keys": 10 }, identity: [doc(cond({ NumericGreaterThanEquals: { "s3:max-keys": 10 } }))], expect: "Allow" },
  { name: "NumericEquals compares numbers", ctx: { "s3:max-keys": "10.0" }, identity: [doc(cond({ NumericEquals: { "s3:max-keys": "10" } }))], expect: "Allow" },
  { name: "NumericNotEquals", ctx: { "s3:max-keys": "10" }, identity: [doc(cond({ NumericNotEquals: { "s3:max-keys": "10" } }))], expect: "ImplicitDeny" },
  { name: "NumericGreaterThan false", ctx: { "s3:max-keys": "3" }, identity: [doc(cond({ NumericGreaterThan: { "s3:max-keys": "3" } }))], expect: "ImplicitDeny" },
  { name: "NumericLessThanEquals on text value", ctx: { "s3:max-keys": "ten" }, identity: [doc(cond({ NumericLessThanEquals: { "s3:max-keys": "10" } }))], expect: "ImplicitDeny" },
  { name: "DateGreaterThan ISO", identity: [doc(cond({ DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } }))], expect: "Allow" },
  { name: "DateLessThan ISO", identity: [doc(cond({ DateLessThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" } }))], expect: "ImplicitDeny" },
  { name: "DateLessThan epoch seconds", identity: [doc(cond({ DateLessThan: { "aws:EpochTime": "1717243201" } }))], expect: "Allow" },
  { name: "DateEquals across formats", identity: [doc(cond({ DateEquals: { "aws:CurrentTime": "1717243200" } }))], expect: "Allow" },
  { name: "DateNotEquals", identity: [doc(cond({ DateNotEquals: { "aws:CurrentTime": "2024-06-01T12:00:00Z" } }))], expect: "ImplicitDeny" },
  { name: "DateGreaterThanEquals date-only", identity: [doc(cond({ DateGreaterThanEquals: { "aws:CurrentTime": "2024-06-01" } }))], expect: "Allow" },
  { name: "DateLessThanEquals with zone offset", identity: [doc(cond({ DateLessThanEquals: { "aws:CurrentTime": "2024-06-01T14:00:00+02:00" } }))], expect: "Allow" },
  { name: "Bool true", identity: [doc(cond({ Bool: { "aws:SecureTransport": "true" } }))], expect: "Allow" },
  { name: "Bool mismatch", identity: [doc(cond({ Bool: { "aws:SecureTransport": false } }))], expect: "ImplicitDeny" },
  { name: "Bool string context", ctx: { "aws:SecureTransport": "TRUE" }, identity: [doc(cond({ Bool: { "aws:SecureTransport": "true" } }))], expect: "Allow" },
  {
    name: "BoolIfExists deny applies to a missing key",
    identity: [allowAll, doc(deny("*", "*", { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } }))],
    expect: "ExplicitDeny",
  },
  {
    name: "BoolIfExists deny skipped for MFA session",
    principal: { ...devSession, mfaAuthenticated: true },
    identity: [allowAll, doc(deny("*", "*", { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } }))],
    expect: "Allow",
  },
  { name: "BinaryEquals", ctx: { "x:blob": "aGVsbG8=" }, identity: [doc(cond({ BinaryEquals: { "x:blob": "aGVsbG8=" } }))], expect: "Allow" },
  { name: "BinaryEquals mismatch", ctx: { "x:blob": "aGVsbG8=" }, identity: [doc(cond({ BinaryEquals: { "x:blob": "d29ybGQ=" } }))], expect: "ImplicitDeny" },
  { name: "IpAddress IPv4 CIDR", identity: [doc(cond({ IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"] } }))], expect: "Allow" },
  { name: "IpAddress single address", identity: [doc(cond({ IpAddress: { "aws:SourceIp": "203.0.113.10" } }))], expect: "Allow" },
  { name: "IpAddress outside range", identity: [doc(cond({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }))], expect: "ImplicitDeny" },
  { name: "NotIpAddress inside range", identity: [doc(cond({ NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }))], expect: "ImplicitDeny" },
  { name: "IpAddress IPv6", ctx: { "aws:SourceIp": "2001:db8:1234:5678::9" }, identity: [doc(cond({ IpAddress: { "aws:SourceIp": "2001:DB8:1234:5678::/64" } }))], expect: "Allow" },
  { name: "IPv6 request vs IPv4 range", ctx: { "aws:SourceIp": "2001:db8::1" }, identity: [doc(cond({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }))], expect: "ImplicitDeny" },
  {
    name: "NotIpAddress deny applies when the key is missing",
    ctx: { "aws:SourceIp": undefined },
    identity: [allowAll, doc(deny("*", "*", { NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }))],
    expect: "ExplicitDeny",
  },
  { name: "ArnLike", identity: [doc(cond({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/al*" } }))], expect: "Allow" },
  { name: "ArnEquals takes wildcards too", identity: [doc(cond({ ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCT}:user/*` } }))], expect: "Allow" },
  { name: "ArnNotLike", identity: [doc(cond({ ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/*" } }))], expect: "ImplicitDeny" },
  { name: "ArnLike on a non-ARN value", ctx: { "x:arn": "not-an-arn" }, identity: [doc(cond({ ArnLike: { "x:arn": "*" } }))], expect: "ImplicitDeny" },
  { name: "ArnLike * in account does not cross segments", ctx: { "x:arn": "arn:aws:sqs:us-east-1:1:2:q" }, identity: [doc(cond({ ArnLike: { "x:arn": "arn:aws:sqs:us-east-1:*:q" } }))], expect: "ImplicitDeny" },
  { name: "Null true, key absent", identity: [doc(cond({ Null: { "aws:TokenIssueTime": "true" } }))], expect: "Allow" },
  { name: "Null false, key absent", identity: [doc(cond({ Null: { "aws:TokenIssueTime": "false" } }))], expect: "ImplicitDeny" },
  { name: "Null true, key present", principal: devSession, identity: [doc(cond({ Null: { "aws:TokenIssueTime": "true" } }))], expect: "ImplicitDeny" },
  // IAM User Guide, multivalued context keys: a Null condition with false keeps "missing context
  // keys or context keys with empty values" from evaluating to true.
  { name: "Null true, multivalued key with no values", ctx: { "aws:TagKeys": [] }, identity: [doc(cond({ Null: { "aws:TagKeys": "true" } }))], expect: "Allow" },
  { name: "Null false, multivalued key with no values", ctx: { "aws:TagKeys": [] }, identity: [doc(cond({ Null: { "aws:TagKeys": "false" } }))], expect: "ImplicitDeny" },
  { name: "Null false, multivalued key with values", ctx: { "aws:TagKeys": ["a"] }, identity: [doc(cond({ Null: { "aws:TagKeys": "false" } }))], expect: "Allow" },
  {
    name: "ForAllValues with Null false: an empty tag-key list does not allow",
    ctx: { "aws:TagKeys": [] },
    identity: [doc(cond({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a", "b"] }, Null: { "aws:TagKeys": "false" } }))],
    expect: "ImplicitDeny",
  },
  { name: "StringEqualsIfExists missing", identity: [doc(cond({ StringEqualsIfExists: { "aws:SourceVpc": "vpc-1" } }))], expect: "Allow" },
  { name: "StringEqualsIfExists present mismatch", identity: [doc(cond({ StringEqualsIfExists: { "aws:username": "bob" } }))], expect: "ImplicitDeny" },
  { name: "ForAnyValue match", ctx: { "aws:TagKeys": ["a", "b"] }, identity: [doc(cond({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["b", "c"] } }))], expect: "Allow" },
  { name: "ForAnyValue no match", ctx: { "aws:TagKeys": ["a"] }, identity: [doc(cond({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["b"] } }))], expect: "ImplicitDeny" },
  { name: "ForAnyValue missing key", identity: [doc(cond({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["b"] } }))], expect: "ImplicitDeny" },
  { name: "ForAnyValue empty set", ctx: { "aws:TagKeys": [] }, identity: [doc(cond({ "ForAnyValue:StringLike": { "aws:TagKeys": "*" } }))], expect: "ImplicitDeny" },
  // AWS answers false here too: IfExists does not rescue ForAnyValue on a missing key.
  { name: "ForAnyValue IfExists missing key", identity: [doc(cond({ "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": "b" } }))], expect: "ImplicitDeny" },
  { name: "ForAllValues IfExists missing key", identity: [doc(cond({ "ForAllValues:StringEqualsIfExists": { "aws:TagKeys": "b" } }))], expect: "Allow" },
  { name: "IpAddress 0.0.0.0/0 covers every IPv4 address", identity: [doc(cond({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }))], expect: "Allow" },
  {
    name: "NotIpAddress: an IPv6 caller is outside a bare IPv4 address",
    ctx: { "aws:SourceIp": "2001:db8::1" },
    identity: [doc(cond({ NotIpAddress: { "aws:SourceIp": "203.0.113.10" } }))],
    expect: "Allow",
  },
  { name: "ForAllValues subset", ctx: { "aws:TagKeys": ["a", "b"] }, identity: [doc(cond({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a", "b", "c"] } }))], expect: "Allow" },
  { name: "ForAllValues not subset", ctx: { "aws:TagKeys": ["a", "d"] }, identity: [doc(cond({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a", "b"] } }))], expect: "ImplicitDeny" },
  { name: "ForAllValues missing key is true", identity: [doc(cond({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] } }))], expect: "Allow" },
  { name: "ForAllValues empty set is true", ctx: { "aws:TagKeys": [] }, identity: [doc(cond({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] } }))], expect: "Allow" },
  {
    name: "ForAllValues:StringNotLike deny, all values allowed",
    ctx: { "aws:TagKeys": ["key1:legal", "key1:hr"] },
    identity: [allowAll, doc(deny("*", "*", { "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } }))],
    expect: "Allow",
  },
  {
    name: "ForAllValues:StringNotLike deny, foreign value",
    ctx: { "aws:TagKeys": ["key2:audit"] },
    identity: [allowAll, doc(deny("*", "*", { "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } }))],
    expect: "ExplicitDeny",
  },
  {
    name: "ForAllValues:StringNotLike deny, key missing",
    identity: [allowAll, doc(deny("*", "*", { "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } }))],
    expect: "ExplicitDeny",
  },
  { name: "ForAnyValue:StringNotEquals some other value", ctx: { "aws:TagKeys": ["a", "b"] }, identity: [doc(cond({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": "a" } }))], expect: "Allow" },
  { name: "ForAnyValue:StringNotEquals only listed values", ctx: { "aws:TagKeys": ["a"] }, identity: [doc(cond({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": "a" } }))], expect: "ImplicitDeny" },
  { name: "single-valued operator on a multivalued key", ctx: { "aws:TagKeys": ["a"] }, identity: [doc(cond({ StringEquals: { "aws:TagKeys": "a" } }))], expect: "ImplicitDeny" },
  { name: "ForAllValues on a single value", ctx: { "x:k": "a" }, identity: [doc(cond({ "ForAllValues:StringEquals": { "x:k": ["a", "b"] } }))], expect: "Allow" },
];

const variables: Case[] = [
  { name: "${aws:username} in Resource", identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username}`))], expect: "Allow" },
  {
    name: "${aws:username} resolves to the caller only",
    resource: BOB,
    identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username}`))],
    expect: "ImplicitDeny",
  },
  {
    name: "variable without value matches nothing",
    principal: devSession,
    identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username}`))],
    expect: "ImplicitDeny",
  },
  {
    name: "variable default value",
    principal: devSession,
    resource: `arn:aws:iam::${ACCT}:user/nobody`,
    identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username, 'nobody'}`))],
    expect: "Allow",
  },
  {
    name: "${aws:PrincipalTag/team} in a condition value",
    tags: { team: "blue" },
    ctx: { "aws:ResourceTag/team": "blue" },
    identity: [doc(cond({ StringEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } }))],
    expect: "Allow",
  },
  {
    name: "session tags override principal tags",
    principal: { ...devSession, sessionTags: { team: "red" } },
    tags: { team: "blue" },
    ctx: { "aws:ResourceTag/team": "blue" },
    identity: [doc(cond({ StringEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } }))],
    expect: "ImplicitDeny",
  },
  { name: "variable in StringLike", ctx: { "s3:prefix": "home/alice/docs" }, identity: [doc(cond({ StringLike: { "s3:prefix": "home/${aws:username}/*" } }))], expect: "Allow" },
  { name: "${*} is a literal star", resource: `arn:aws:iam::${ACCT}:user/a*`, identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/a\${*}`))], expect: "Allow" },
  { name: "${*} is not a wildcard", resource: `arn:aws:iam::${ACCT}:user/ab`, identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/a\${*}`))], expect: "ImplicitDeny" },
  { name: "${?} and ${$} are literals", ctx: { "x:v": "?$" }, identity: [doc(cond({ StringLike: { "x:v": "${?}${$}" } }))], expect: "Allow" },
  {
    name: "no substitution in 2008-10-17 policies",
    identity: [{ Version: "2008-10-17", Statement: [allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username}`)] }],
    expect: "ImplicitDeny",
  },
  {
    name: "2008-10-17 policies match the text literally",
    resource: `arn:aws:iam::${ACCT}:user/\${aws:username}`,
    identity: [{ Version: "2008-10-17", Statement: [allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:username}`)] }],
    expect: "Allow",
  },
  {
    name: "negated operator with an unresolvable variable holds (deny still applies)",
    principal: devSession,
    ctx: { "aws:ResourceTag/owner": "alice" },
    identity: [allowAll, doc(deny("*", "*", { StringNotEquals: { "aws:ResourceTag/owner": "${aws:username}" } }))],
    expect: "ExplicitDeny",
  },
  // IAM User Guide, Boolean condition operators: "You can use a policy variable with the Boolean
  // condition operator."
  { name: "Bool with a variable that resolves to the request's value", tags: { needtls: "true" }, identity: [doc(cond({ Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls}" } }))], expect: "Allow" },
  { name: "Bool with a variable that resolves to the other value", tags: { needtls: "false" }, identity: [doc(cond({ Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls}" } }))], expect: "ImplicitDeny" },
  { name: "Bool with a variable compares without regard to case", tags: { needtls: "TRUE" }, identity: [doc(cond({ Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls}" } }))], expect: "Allow" },
  { name: "Bool with a variable that has no value matches nothing", identity: [doc(cond({ Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls}" } }))], expect: "ImplicitDeny" },
  { name: "Bool with a variable's default value", identity: [doc(cond({ Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls, 'true'}" } }))], expect: "Allow" },
  { name: "Bool with a variable among literal values", tags: { needtls: "false" }, ctx: { "aws:SecureTransport": false }, identity: [doc(cond({ Bool: { "aws:SecureTransport": ["${aws:PrincipalTag/needtls}", "true"] } }))], expect: "Allow" },
  {
    name: "Bool deny with a variable applies when it resolves to the request's value",
    tags: { allowplain: "false" },
    ctx: { "aws:SecureTransport": false },
    identity: [allowAll, doc(deny("*", "*", { Bool: { "aws:SecureTransport": "${aws:PrincipalTag/allowplain}" } }))],
    expect: "ExplicitDeny",
  },
  {
    name: "no Bool substitution in 2008-10-17 policies",
    tags: { needtls: "true" },
    identity: [{ Version: "2008-10-17", Statement: [allow("iam:*", "*", { Bool: { "aws:SecureTransport": "${aws:PrincipalTag/needtls}" } })] }],
    expect: "ImplicitDeny",
  },
  // IAM User Guide, policy variables, Resource element: a variable "only in the resource portion
  // of the ARN ... after the fifth colon. You can't use a variable to replace parts of the ARN
  // before the fifth colon, such as the service or account."
  {
    name: "Resource: a variable after the fifth colon is substituted",
    resource: `arn:aws:sqs:us-east-1:${ACCT}:queue-alice`,
    identity: [doc(allow("*", `arn:aws:sqs:us-east-1:${ACCT}:queue-\${aws:username}`))],
    expect: "Allow",
  },
  {
    name: "Resource: a variable in the region segment is literal text",
    resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
    identity: [doc(allow("*", `arn:aws:sqs:\${aws:RequestedRegion}:${ACCT}:q`))],
    expect: "ImplicitDeny",
  },
  {
    name: "Resource: a variable in the account segment is literal text",
    resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
    identity: [doc(allow("*", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q"))],
    expect: "ImplicitDeny",
  },
  {
    name: "Resource: a variable in the service segment is literal text",
    ctx: { "x:svc": "sqs" },
    resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
    identity: [doc(allow("*", `arn:aws:\${x:svc}:us-east-1:${ACCT}:q`))],
    expect: "ImplicitDeny",
  },
  {
    name: "NotResource: a variable in the account segment is literal text",
    resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
    identity: [doc({ Effect: "Allow", Action: "*", NotResource: "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q" })],
    expect: "Allow",
  },
  {
    name: "Resource: before the fifth colon the text is matched literally",
    resource: "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q",
    identity: [doc(allow("*", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q"))],
    expect: "Allow",
  },
  {
    name: "ArnLike condition values take variables in any segment",
    ctx: { "x:arn": `arn:aws:sqs:us-east-1:${ACCT}:q` },
    identity: [doc(cond({ ArnLike: { "x:arn": "arn:aws:sqs:${aws:RequestedRegion}:${aws:PrincipalAccount}:q" } }))],
    expect: "Allow",
  },
  {
    name: "multivalued key cannot be a variable",
    ctx: { "aws:TagKeys": ["alice"] },
    identity: [doc(allow("iam:*", `arn:aws:iam::${ACCT}:user/\${aws:TagKeys}`))],
    expect: "ImplicitDeny",
  },
];

const tables: Record<string, Case[]> = {
  basics,
  resources,
  conditions,
  variables,
};

for (const [group, rows] of Object.entries(tables)) {
  describe(`evaluate: ${group}`, () => {
    for (const row of rows) {
      test(row.name, () => {
        assert.equal(runCase(row).decision, row.expect);
      });
    }
  });
}

test("the table is large enough to mean something", () => {
  const total = Object.values(tables).reduce((n, rows) => n + rows.length, 0);
  assert.ok(total >= 80, `only ${total} rows`); // plus evaluate-principals.test.ts
});

test("reason names the deciding policy type without policy text", () => {
  const r = runCase({ name: "x", identity: [doc(allow("*"), deny("iam:GetUser"))], expect: "ExplicitDeny" });
  assert.deepEqual(r, { decision: "ExplicitDeny", reason: "explicit deny in an identity-based policy" });
  const b = runCase({ name: "y", identity: [allowAll], boundary: doc(allow("s3:*")), expect: "ImplicitDeny" });
  assert.deepEqual(b, { decision: "ImplicitDeny", reason: "the permissions boundary does not allow the action" });
});
