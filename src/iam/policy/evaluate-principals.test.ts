import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACCT,
  OTHER,
  allow,
  anonymous,
  bob,
  deny,
  devSession,
  doc,
  eve,
  fed,
  fedAlice,
  fedRoot,
  root,
  runCase,
  type Case,
  type Stmt,
} from "./test-support.js";

const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const ROLE = `arn:aws:iam::${ACCT}:role/team/Dev`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/Dev/sess`;
const ROOT = `arn:aws:iam::${ACCT}:root`;
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/k1`;

const assumedRoot = { ...root, accessKeyId: "ASIAEXAMPLEROOT00001", sessionIssuedAt: 0, assumedRoot: true };
/** The shape of the AWS managed root-task policies: everything but the task is denied, the task only on the root user. */
const AUDIT_TASK = doc(
  { Effect: "Deny", NotAction: ["iam:GetUser", "iam:ListAccessKeys"], Resource: "*" },
  { Effect: "Deny", Action: ["iam:GetUser", "iam:ListAccessKeys"], NotResource: "arn:aws:iam::*:root" },
);

const rAllow = (Principal: unknown, Action: unknown = "*", Resource: unknown = "*", Condition?: unknown): Stmt => ({
  ...allow(Action, Resource, Condition),
  Principal,
});
const rDeny = (Principal: unknown, Action: unknown = "*", Resource: unknown = "*"): Stmt => ({
  ...deny(Action, Resource),
  Principal,
});
const allowAll = doc(allow("*"));

const boundariesAndSessions: Case[] = [
  { name: "identity and boundary allow", identity: [allowAll], boundary: doc(allow("iam:*")), expect: "Allow" },
  { name: "boundary does not allow", identity: [allowAll], boundary: doc(allow("s3:*")), expect: "ImplicitDeny" },
  { name: "boundary alone grants nothing", boundary: doc(allow("iam:*")), expect: "ImplicitDeny" },
  { name: "boundary deny", identity: [allowAll], boundary: doc(allow("*"), deny("iam:GetUser")), expect: "ExplicitDeny" },
  {
    name: "resource policy naming the user ignores the boundary",
    boundary: doc(allow("s3:*")),
    resourcePolicy: doc(rAllow({ AWS: ALICE })),
    expect: "Allow",
  },
  {
    name: "resource policy naming the role is limited by the boundary",
    principal: devSession,
    boundary: doc(allow("s3:*")),
    resourcePolicy: doc(rAllow({ AWS: ROLE })),
    expect: "ImplicitDeny",
  },
  {
    name: "resource policy naming the role, boundary allows, no identity policy",
    principal: devSession,
    boundary: doc(allow("iam:*")),
    resourcePolicy: doc(rAllow({ AWS: ROLE })),
    expect: "Allow",
  },
  {
    name: "resource policy naming the session ignores the boundary",
    principal: devSession,
    boundary: doc(allow("s3:*")),
    resourcePolicy: doc(rAllow({ AWS: SESSION })),
    expect: "Allow",
  },
  { name: "session and identity allow", principal: devSession, identity: [allowAll], session: [doc(allow("iam:Get*"))], expect: "Allow" },
  { name: "session policy does not allow", principal: devSession, identity: [allowAll], session: [doc(allow("s3:*"))], expect: "ImplicitDeny" },
  { name: "any session policy may allow", principal: devSession, identity: [allowAll], session: [doc(allow("s3:*")), doc(allow("iam:*"))], expect: "Allow" },
  { name: "session policy alone grants nothing", principal: devSession, session: [doc(allow("iam:*"))], expect: "ImplicitDeny" },
  { name: "session policy deny", principal: devSession, identity: [allowAll], session: [doc(allow("*"), deny("iam:GetUser"))], expect: "ExplicitDeny" },
  {
    name: "role-ARN grant is limited by the session policy",
    principal: devSession,
    session: [doc(allow("s3:*"))],
    resourcePolicy: doc(rAllow({ AWS: ROLE })),
    expect: "ImplicitDeny",
  },
  {
    name: "session-ARN grant is not limited by the session policy",
    principal: devSession,
    session: [doc(allow("s3:*"))],
    resourcePolicy: doc(rAllow({ AWS: SESSION })),
    expect: "Allow",
  },
  { name: "federated user without session policy has no permissions", principal: fed, identity: [allowAll], expect: "ImplicitDeny" },
  { name: "federated user with session policy", principal: fed, identity: [allowAll], session: [doc(allow("iam:*"))], expect: "Allow" },
];

const resourcePolicies: Case[] = [
  { name: "same account: resource policy names the user", resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "Allow" },
  { name: "same account: account principal delegates to IAM", resourcePolicy: doc(rAllow({ AWS: ROOT })), expect: "ImplicitDeny" },
  { name: "same account: account principal plus identity allow", identity: [allowAll], resourcePolicy: doc(rAllow({ AWS: ACCT })), expect: "Allow" },
  { name: "same account: identity allow alone suffices", identity: [allowAll], resourcePolicy: doc(rAllow({ AWS: BOB })), expect: "Allow" },
  { name: "same account: Principal *", resourcePolicy: doc(rAllow("*")), expect: "Allow" },
  { name: "resource policy deny beats identity allow", identity: [allowAll], resourcePolicy: doc(rDeny({ AWS: ALICE })), expect: "ExplicitDeny" },
  { name: "resource policy deny to the account", identity: [allowAll], resourcePolicy: doc(rDeny({ AWS: ACCT })), expect: "ExplicitDeny" },
  { name: "resource policy deny to someone else", identity: [allowAll], resourcePolicy: doc(rDeny({ AWS: BOB })), expect: "Allow" },
  {
    name: "resource policy allow with failing condition",
    resourcePolicy: doc(rAllow({ AWS: ALICE }, "*", "*", { Bool: { "aws:SecureTransport": "false" } })),
    expect: "ImplicitDeny",
  },
  {
    name: "role session matched by role ARN",
    principal: devSession,
    resourcePolicy: doc(rAllow({ AWS: [BOB, ROLE] })),
    expect: "Allow",
  },
  { name: "cross account: identity only", principal: eve, identity: [allowAll], expect: "ImplicitDeny" },
  { name: "cross account: both allow", principal: eve, identity: [allowAll], resourcePolicy: doc(rAllow({ AWS: OTHER })), expect: "Allow" },
  { name: "cross account: resource policy only", principal: eve, resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${OTHER}:root` })), expect: "ImplicitDeny" },
  { name: "cross account: named directly still needs identity", principal: eve, resourcePolicy: doc(rAllow({ AWS: eve.arn })), expect: "ImplicitDeny" },
  {
    name: "cross account: boundary applies",
    principal: eve,
    identity: [allowAll],
    boundary: doc(allow("s3:*")),
    resourcePolicy: doc(rAllow({ AWS: eve.arn })),
    expect: "ImplicitDeny",
  },
  { name: "cross account: resource policy names another account", principal: eve, identity: [allowAll], resourcePolicy: doc(rAllow({ AWS: ACCT })), expect: "ImplicitDeny" },
];

const authoritative: Case[] = [
  { name: "key policy delegates to IAM, identity allows", action: "kms:Decrypt", resource: KEY, authoritative: true, identity: [doc(allow("kms:*"))], resourcePolicy: doc(rAllow({ AWS: ROOT }, "kms:*")), expect: "Allow" },
  { name: "key policy delegates to IAM, no identity", action: "kms:Decrypt", resource: KEY, authoritative: true, resourcePolicy: doc(rAllow({ AWS: ROOT }, "kms:*")), expect: "ImplicitDeny" },
  { name: "key policy silent, identity allows", action: "kms:Decrypt", resource: KEY, authoritative: true, identity: [doc(allow("kms:*"))], resourcePolicy: doc(rAllow({ AWS: BOB }, "kms:*")), expect: "ImplicitDeny" },
  { name: "key policy names the user", action: "kms:Decrypt", resource: KEY, authoritative: true, resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:Decrypt")), expect: "Allow" },
  { name: "authoritative without a policy", action: "kms:Decrypt", resource: KEY, authoritative: true, identity: [allowAll], expect: "ImplicitDeny" },
  {
    name: "key policy delegates, boundary blocks",
    action: "kms:Decrypt",
    resource: KEY,
    authoritative: true,
    identity: [allowAll],
    boundary: doc(allow("iam:*")),
    resourcePolicy: doc(rAllow({ AWS: ROOT }, "kms:*")),
    expect: "ImplicitDeny",
  },
  {
    name: "trust policy names the user",
    action: "sts:AssumeRole",
    resource: ROLE,
    authoritative: true,
    resourceKind: "trust",
    resourcePolicy: doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "sts:AssumeRole" }),
    expect: "Allow",
  },
  {
    name: "trust policy trusts the account, identity silent",
    action: "sts:AssumeRole",
    resource: ROLE,
    authoritative: true,
    resourceKind: "trust",
    resourcePolicy: doc({ Effect: "Allow", Principal: { AWS: ROOT }, Action: "sts:AssumeRole" }),
    expect: "ImplicitDeny",
  },
  {
    name: "trust policy for a service principal",
    principal: anonymous,
    servicePrincipal: "ec2.amazonaws.com",
    action: "sts:AssumeRole",
    resource: ROLE,
    authoritative: true,
    resourceKind: "trust",
    resourcePolicy: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }),
    expect: "Allow",
  },
  // A key policy statement without Resource, or without Action, has no effect (PutKeyPolicy);
  // in another resource policy one without Resource applies to the policy's resource.
  { name: "key policy: Allow without Resource grants nothing", action: "kms:Decrypt", resource: KEY, authoritative: true, resourceKind: "key", resourcePolicy: doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:Decrypt" }), expect: "ImplicitDeny" },
  { name: "resource policy: Allow without Resource grants", action: "kms:Decrypt", resource: KEY, authoritative: true, resourcePolicy: doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:Decrypt" }), expect: "Allow" },
  {
    name: "key policy: Deny without Resource denies nothing",
    action: "kms:Decrypt",
    resource: KEY,
    authoritative: true,
    resourceKind: "key",
    resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:*"), { Effect: "Deny", Principal: "*", Action: "kms:*" }),
    expect: "Allow",
  },
  {
    name: "key policy: Deny without Action denies nothing",
    action: "kms:Decrypt",
    resource: KEY,
    authoritative: true,
    resourceKind: "key",
    resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:*"), { Effect: "Deny", Principal: "*", Resource: "*" }),
    expect: "Allow",
  },
  { name: "key policy: Allow with Resource grants", action: "kms:Decrypt", resource: KEY, authoritative: true, resourceKind: "key", resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:Decrypt")), expect: "Allow" },
  { name: "root: key policy trusts the account", principal: root, action: "kms:Decrypt", resource: KEY, authoritative: true, resourcePolicy: doc(rAllow({ AWS: ROOT }, "kms:*")), expect: "Allow" },
  { name: "root: key policy names only a user", principal: root, action: "kms:Decrypt", resource: KEY, authoritative: true, resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:*")), expect: "ImplicitDeny" },
];

const notPrincipalAndSpecial: Case[] = [
  { name: "Deny NotPrincipal listing user and account spares the user", identity: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ALICE, ROOT] } }), expect: "Allow" },
  { name: "Deny NotPrincipal without the account denies the user", identity: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: ALICE } }), expect: "ExplicitDeny" },
  { name: "Deny NotPrincipal denies everyone else", principal: bob, identity: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ALICE, ROOT] } }), expect: "ExplicitDeny" },
  {
    name: "Deny NotPrincipal always denies principals with a boundary",
    identity: [allowAll],
    boundary: allowAll,
    resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ALICE, ROOT] } }),
    expect: "ExplicitDeny",
  },
  { name: "Allow NotPrincipal grants the others", resourcePolicy: doc({ ...allow("*"), NotPrincipal: { AWS: BOB } }), expect: "Allow" },
  { name: "Allow NotPrincipal withheld from the listed user", principal: bob, resourcePolicy: doc({ ...allow("*"), NotPrincipal: { AWS: BOB } }), expect: "ImplicitDeny" },
  { name: "root: no policies needed in its account", principal: root, expect: "Allow" },
  { name: "root: resource policy deny applies", principal: root, resourcePolicy: doc(rDeny({ AWS: ACCT })), expect: "ExplicitDeny" },
  { name: "anonymous: public resource policy", principal: anonymous, resourcePolicy: doc(rAllow("*")), expect: "Allow" },
  { name: "anonymous: account principal does not match", principal: anonymous, resourcePolicy: doc(rAllow({ AWS: ACCT })), expect: "ImplicitDeny" },
  { name: "anonymous: identity policies are irrelevant", principal: anonymous, identity: [allowAll], expect: "ImplicitDeny" },
  { name: "SCP allows", identity: [allowAll], scps: [[allowAll], [doc(allow("iam:*"))]], expect: "Allow" },
  { name: "SCP level without allow", identity: [allowAll], scps: [[allowAll], [doc(allow("s3:*"))]], expect: "ImplicitDeny" },
  { name: "SCP deny", identity: [allowAll], scps: [[allowAll, doc(deny("iam:GetUser"))]], expect: "ExplicitDeny" },
  { name: "SCP deny applies to the root user", principal: root, scps: [[allowAll, doc(deny("iam:*"))]], expect: "ExplicitDeny" },
  // An AssumeRoot session: the member account's root, limited by a deny-only task policy.
  { name: "root session: the task allows the action on the root user", principal: assumedRoot, session: [AUDIT_TASK], resource: ROOT, expect: "Allow" },
  { name: "root session: the task's action on another resource", principal: assumedRoot, session: [AUDIT_TASK], expect: "ExplicitDeny" },
  { name: "root session: an action outside the task", principal: assumedRoot, session: [AUDIT_TASK], action: "iam:CreateUser", resource: ROOT, expect: "ExplicitDeny" },
  { name: "root session: session policies need not allow", principal: assumedRoot, session: [doc(allow("s3:*"))], resource: ROOT, expect: "Allow" },
  { name: "SCP limits resource-policy grants", resourcePolicy: doc(rAllow({ AWS: ALICE })), scps: [[doc(allow("s3:*"))]], expect: "ImplicitDeny" },
];

// IAM User Guide, policy evaluation logic, "AWS STS federated user principal": a grant to the
// federated user ARN is direct; "if a resource-based policy grants permission to the ARN of the IAM
// user who federated, then requests made by the federated user during the session are limited by
// an implicit deny in a permission boundary or session policy".
const FED_ALICE = fedAlice.arn;
const FED_ROOT = fedRoot.arn;
const federationSessions: Case[] = [
  { name: "grant to the federating user: session policy allows, no identity policy needed", principal: fedAlice, session: [doc(allow("iam:*"))], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "Allow" },
  { name: "grant to the federating user: limited by the session policy", principal: fedAlice, identity: [allowAll], session: [doc(allow("s3:*"))], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "ImplicitDeny" },
  { name: "grant to the federating user: limited by the permissions boundary", principal: fedAlice, boundary: doc(allow("s3:*")), session: [allowAll], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "ImplicitDeny" },
  { name: "grant to the federating user: boundary and session policy allow", principal: fedAlice, boundary: doc(allow("iam:*")), session: [allowAll], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "Allow" },
  { name: "grant to the federating user: a session without session policies has no permissions", principal: fedAlice, identity: [allowAll], session: [], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "ImplicitDeny" },
  { name: "grant to the federated user ARN is direct", principal: fedAlice, boundary: doc(allow("s3:*")), session: [doc(allow("s3:*"))], resourcePolicy: doc(rAllow({ AWS: FED_ALICE })), expect: "Allow" },
  { name: "grant to another user does not reach the session", principal: fedAlice, session: [allowAll], resourcePolicy: doc(rAllow({ AWS: BOB })), expect: "ImplicitDeny" },
  { name: "deny naming the federating user applies to the session", principal: fedAlice, identity: [allowAll], session: [allowAll], resourcePolicy: doc(rDeny({ AWS: ALICE })), expect: "ExplicitDeny" },
  { name: "deny naming another user does not apply", principal: fedAlice, identity: [allowAll], session: [allowAll], resourcePolicy: doc(rDeny({ AWS: BOB })), expect: "Allow" },
  { name: "key policy naming the federating user, session policy allows", principal: fedAlice, action: "kms:Decrypt", resource: KEY, authoritative: true, session: [doc(allow("kms:*"))], resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:*")), expect: "Allow" },
  { name: "key policy naming the federating user, session policy silent", principal: fedAlice, action: "kms:Decrypt", resource: KEY, authoritative: true, session: [doc(allow("s3:*"))], resourcePolicy: doc(rAllow({ AWS: ALICE }, "kms:*")), expect: "ImplicitDeny" },
  { name: "cross account: resource policy naming the federating user", principal: fedAlice, resourceAccount: OTHER, identity: [allowAll], session: [allowAll], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "Allow" },
  { name: "cross account: naming the federating user still needs the session policy", principal: fedAlice, resourceAccount: OTHER, identity: [allowAll], session: [doc(allow("s3:*"))], resourcePolicy: doc(rAllow({ AWS: ALICE })), expect: "ImplicitDeny" },
  { name: "Deny NotPrincipal listing the account and the session, not the federating user", principal: fedAlice, identity: [allowAll], session: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ROOT, FED_ALICE] } }), expect: "ExplicitDeny" },
  { name: "Deny NotPrincipal listing account, federating user and session spares it", principal: fedAlice, identity: [allowAll], session: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ROOT, ALICE, FED_ALICE] } }), expect: "Allow" },
  { name: "Allow NotPrincipal listing the federating user is withheld", principal: fedAlice, session: [allowAll], resourcePolicy: doc({ ...allow("*"), NotPrincipal: { AWS: ALICE } }), expect: "ImplicitDeny" },
  // Issued by the root user: the root ARN in a Principal element names the account, which only
  // delegates to the identity path (the root's permissions ∩ the session policies).
  { name: "root-issued: account principal delegates, session policy allows", principal: fedRoot, identity: [allowAll], session: [allowAll], resourcePolicy: doc(rAllow({ AWS: ROOT })), expect: "Allow" },
  { name: "root-issued: account principal delegates, session policy silent", principal: fedRoot, identity: [allowAll], session: [doc(allow("s3:*"))], resourcePolicy: doc(rAllow({ AWS: ACCT })), expect: "ImplicitDeny" },
  { name: "root-issued: key policy trusting the account, session policy allows", principal: fedRoot, action: "kms:Decrypt", resource: KEY, authoritative: true, identity: [allowAll], session: [doc(allow("kms:*"))], resourcePolicy: doc(rAllow({ AWS: ROOT }, "kms:*")), expect: "Allow" },
  { name: "root-issued: deny to the account applies", principal: fedRoot, identity: [allowAll], session: [allowAll], resourcePolicy: doc(rDeny({ AWS: ROOT })), expect: "ExplicitDeny" },
  { name: "root-issued: Deny NotPrincipal listing the account and the session spares it", principal: fedRoot, identity: [allowAll], session: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: [ROOT, FED_ROOT] } }), expect: "Allow" },
  { name: "root-issued: Deny NotPrincipal without the session denies it", principal: fedRoot, identity: [allowAll], session: [allowAll], resourcePolicy: doc({ ...deny("*"), NotPrincipal: { AWS: ROOT } }), expect: "ExplicitDeny" },
];

/** RCPFullAWSAccess, and a deny of KMS to principals outside the resource's account. */
const RCP_FULL = doc(rAllow("*"));
const RCP_DENY_OUTSIDE = doc({ ...rDeny("*", "kms:*"), Condition: { StringNotEqualsIfExists: { "aws:PrincipalAccount": ACCT } } });
const KEY_POLICY_OTHER = doc(rAllow({ AWS: OTHER }, "kms:*"), rAllow({ AWS: ACCT }, "kms:*"));

const resourceControl: Case[] = [
  { name: "RCP: full access at every level passes", identity: [allowAll], rcps: [[RCP_FULL], [RCP_FULL]], expect: "Allow" },
  { name: "RCP: a level without an allow denies implicitly", identity: [allowAll], rcps: [[RCP_FULL], []], expect: "ImplicitDeny" },
  { name: "RCP: an explicit deny denies", identity: [allowAll], rcps: [[RCP_FULL, doc(rDeny("*", "iam:GetUser"))], [RCP_FULL]], expect: "ExplicitDeny" },
  { name: "RCP: a deny for another action does not apply", identity: [allowAll], rcps: [[RCP_FULL, doc(rDeny("*", "s3:*"))]], expect: "Allow" },
  { name: "RCP: grants nothing by itself", rcps: [[RCP_FULL]], expect: "ImplicitDeny" },
  { name: "RCP: deny applies to the root user", principal: root, rcps: [[RCP_FULL, doc(rDeny("*", "iam:*"))]], expect: "ExplicitDeny" },
  { name: "RCP: deny applies to anonymous callers", principal: anonymous, resourcePolicy: doc(rAllow("*")), rcps: [[RCP_FULL, doc(rDeny("*"))]], expect: "ExplicitDeny" },
  { name: "RCP: anonymous caller still needs the resource policy", principal: anonymous, rcps: [[RCP_FULL]], expect: "ImplicitDeny" },
  { name: "RCP: conditional deny spares the account's own principals", identity: [allowAll], action: "kms:Decrypt", resource: KEY, resourcePolicy: KEY_POLICY_OTHER, authoritative: true, rcps: [[RCP_FULL, RCP_DENY_OUTSIDE]], expect: "Allow" },
  {
    name: "RCP: conditional deny stops a cross-account caller the key policy allows",
    principal: eve,
    identity: [allowAll],
    action: "kms:Decrypt",
    resource: KEY,
    resourcePolicy: KEY_POLICY_OTHER,
    authoritative: true,
    rcps: [[RCP_FULL], [RCP_FULL, RCP_DENY_OUTSIDE]],
    expect: "ExplicitDeny",
  },
  { name: "RCP: cross-account caller allowed without RCPs", principal: eve, identity: [allowAll], action: "kms:Decrypt", resource: KEY, resourcePolicy: KEY_POLICY_OTHER, authoritative: true, expect: "Allow" },
  { name: "RCP: an explicit deny wins over the SCPs' allow", identity: [allowAll], scps: [[allowAll]], rcps: [[doc(rDeny("*"))]], expect: "ExplicitDeny" },
  { name: "RCP: SCP gap reported before the RCPs'", identity: [allowAll], scps: [[doc(allow("s3:*"))]], rcps: [[]], expect: "ImplicitDeny" },
  { name: "RCP: principal-named deny spares others", identity: [allowAll], rcps: [[RCP_FULL, doc(rDeny({ AWS: BOB }))]], expect: "Allow" },
];

// sts:GetScopedCredentials: each scope-down level must allow, whatever else allows the request.
const scopeDown: Case[] = [
  { name: "scope-down level allows the action", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("iam:Get*"))], expect: "Allow" },
  { name: "scope-down level does not allow", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("s3:*"))], expect: "ImplicitDeny" },
  { name: "scope-down level alone grants nothing", principal: devSession, scopeDown: [doc(allow("*"))], expect: "ImplicitDeny" },
  { name: "every scope-down level must allow", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("iam:*")), doc(allow("s3:*"))], expect: "ImplicitDeny" },
  { name: "all scope-down levels allow", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("*")), doc(allow("iam:*")), doc(allow("iam:GetUser"))], expect: "Allow" },
  { name: "a later level cannot widen an earlier one", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("s3:*")), doc(allow("*"))], expect: "ImplicitDeny" },
  { name: "scope-down deny", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("*"), deny("iam:GetUser"))], expect: "ExplicitDeny" },
  { name: "scope-down on top of session policies", principal: devSession, identity: [allowAll], session: [doc(allow("iam:*"))], scopeDown: [doc(allow("iam:GetUser"))], expect: "Allow" },
  { name: "session policy still limits a scoped session", principal: devSession, identity: [allowAll], session: [doc(allow("s3:*"))], scopeDown: [doc(allow("iam:GetUser"))], expect: "ImplicitDeny" },
  {
    name: "session-ARN resource grant is limited by a scope-down level",
    principal: devSession,
    scopeDown: [doc(allow("s3:*"))],
    resourcePolicy: doc(rAllow({ AWS: SESSION })),
    expect: "ImplicitDeny",
  },
  { name: "session-ARN resource grant within the scope-down level", principal: devSession, scopeDown: [doc(allow("iam:*"))], resourcePolicy: doc(rAllow({ AWS: SESSION })), expect: "Allow" },
  { name: "no scope-down levels: unchanged", principal: devSession, identity: [allowAll], scopeDown: [], expect: "Allow" },
];

const tables: Record<string, Case[]> = {
  "boundaries and session policies": boundariesAndSessions,
  "scope-down levels": scopeDown,
  "resource policies": resourcePolicies,
  "authoritative resource policies": authoritative,
  "NotPrincipal, root, anonymous, SCP": notPrincipalAndSpecial,
  "GetFederationToken sessions": federationSessions,
  "resource control policies": resourceControl,
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

test("scope-down reasons read as session policy denials", () => {
  const r = runCase({ name: "x", principal: devSession, identity: [allowAll], scopeDown: [doc(allow("s3:*"))], expect: "ImplicitDeny" });
  assert.deepEqual(r, { decision: "ImplicitDeny", reason: "no scope-down session policy allows the action" });
  const d = runCase({ name: "y", principal: devSession, identity: [allowAll], scopeDown: [doc(deny("*"))], expect: "ExplicitDeny" });
  assert.deepEqual(d, { decision: "ExplicitDeny", reason: "explicit deny in a scope-down session policy" });
});

test("principal-related table size", () => {
  const total = Object.values(tables).reduce((n, rows) => n + rows.length, 0);
  assert.ok(total >= 50, `only ${total} rows`);
});
