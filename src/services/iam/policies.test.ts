import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { awsManagedPolicies } from "./aws-managed-policies.js";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, T0, TRUST_EC2 } from "./testing/harness.js";

const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
type PolicyOut = { Policy: Record<string, unknown> & { Arn: string; PolicyId: string; DefaultVersionId: string; AttachmentCount: number } };
type ListOut = { Policies: Array<{ PolicyName: string; Arn: string }>; IsTruncated: boolean; Marker?: string };
/** The built-in AWS managed policies, in the order ListPolicies pages them (among the published ones). */
const AWS_MANAGED = [
  "AdministratorAccess",
  "AWSCloudTrail_FullAccess",
  "AWSCloudTrail_ReadOnlyAccess",
  "AWSElasticLoadBalancingServiceRolePolicy",
  "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy",
  "AWSKeyManagementServicePowerUser",
  "AWSOrganizationsFullAccess",
  "AWSOrganizationsReadOnlyAccess",
  "AWSOrganizationsServiceTrustPolicy",
  "AWSShieldDRTAccessPolicy",
  "AWSShieldServiceRolePolicy",
  "AWSWAFConsoleFullAccess",
  "AWSWAFConsoleReadOnlyAccess",
  "AWSWAFFullAccess",
  "AWSWAFReadOnlyAccess",
  "ElasticLoadBalancingFullAccess",
  "ElasticLoadBalancingReadOnly",
  "IAMAuditRootUserCredentials",
  "IAMCreateRootUserPassword",
  "IAMDeleteRootUserCredentials",
  "IAMFullAccess",
  "IAMReadOnlyAccess",
  "IAMSelfManageServiceSpecificCredentials",
  "IAMUserChangePassword",
  "IAMUserSSHKeys",
  "PowerUserAccess",
  "ReadOnlyAccess",
  "S3UnlockBucketPolicy",
  "SecurityAudit",
  "SQSUnlockQueuePolicy",
  "ViewOnlyAccess",
];

describe("IAM managed policies", () => {
  test("CreatePolicy and GetPolicy", async () => {
    const h = createHarness();
    const out = await h.call<PolicyOut>("CreatePolicy", { PolicyName: "p1", Path: "/team/", PolicyDocument: ALLOW_S3, Description: "desc", Tags: [{ Key: "a", Value: "1" }] });
    assert.deepEqual(out.Policy, {
      PolicyName: "p1",
      PolicyId: out.Policy.PolicyId,
      Arn: `arn:aws:iam::${ACCOUNT}:policy/team/p1`,
      Path: "/team/",
      DefaultVersionId: "v1",
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: new Date(T0),
      UpdateDate: new Date(T0),
      Description: "desc",
      Tags: [{ Key: "a", Value: "1" }],
    });
    assert.match(out.Policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
    const got = await h.call<PolicyOut>("GetPolicy", { PolicyArn: out.Policy.Arn });
    assert.equal(got.Policy.Description, "desc");
    await assertAwsError(h.call("CreatePolicy", { PolicyName: "P1", PolicyDocument: ALLOW_S3 }), "EntityAlreadyExists", 409, "A policy called P1 already exists. Duplicate names are not allowed.");
    await assertAwsError(h.call("GetPolicy", { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p1` }), "NoSuchEntity", 404, `Policy arn:aws:iam::${ACCOUNT}:policy/p1 was not found.`);
    await assertAwsError(h.call("GetPolicy", { PolicyArn: "longpolicynamebutnoarn" }), "ValidationError", 400, "ARN longpolicynamebutnoarn is not valid.");
    const big = JSON.stringify({ Version: "2012-10-17", Statement: Array.from({ length: 120 }, (_, i) => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-${i}/*` })) });
    await assertAwsError(h.call("CreatePolicy", { PolicyName: "big", PolicyDocument: big }), "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144");
    const noResource = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] });
    await assertAwsError(h.call("CreatePolicy", { PolicyName: "bad", PolicyDocument: noResource }), "MalformedPolicyDocument", 400, "Policy statement must contain resources.");
    // Managed policies must be of version 2012-10-17 (inline ones may omit Version or say 2008-10-17).
    const statement = [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }];
    for (const document of [{ Statement: statement }, { Version: "2008-10-17", Statement: statement }]) {
      await assertAwsError(h.call("CreatePolicy", { PolicyName: "old", PolicyDocument: JSON.stringify(document) }), "MalformedPolicyDocument", 400, "Policy document must be version 2012-10-17 or greater.");
      await assertAwsError(
        h.call("CreatePolicyVersion", { PolicyArn: out.Policy.Arn, PolicyDocument: JSON.stringify(document) }),
        "MalformedPolicyDocument",
        400,
        "Policy document must be version 2012-10-17 or greater.",
      );
    }
    await h.call("CreateUser", { UserName: "inline-old" });
    await h.call("PutUserPolicy", { UserName: "inline-old", PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2008-10-17", Statement: statement }) });
  });

  test("AWS managed policies are readable, listed with Scope=AWS, attachable, and immutable", async () => {
    const h = createHarness();
    const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    const got = await h.call<PolicyOut>("GetPolicy", { PolicyArn: admin });
    assert.equal(got.Policy.PolicyName, "AdministratorAccess");
    assert.equal(got.Policy.PolicyId, "ANPAIWMBCKSKIEE64ZLYK");
    assert.deepEqual(got.Policy.Tags, []);
    const v = await h.call<{ PolicyVersion: { Document: string; IsDefaultVersion: boolean } }>("GetPolicyVersion", { PolicyArn: admin, VersionId: "v1" });
    assert.deepEqual(JSON.parse(decodeURIComponent(v.PolicyVersion.Document)), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    await assertAwsError(h.call("GetPolicyVersion", { PolicyArn: admin, VersionId: "v2" }), "NoSuchEntity", 404, `Policy ${admin} version v2 does not exist or is not attachable.`);
    const aws = await h.call<ListOut>("ListPolicies", { Scope: "AWS" });
    const served = awsManagedPolicies().map((p) => p.policyName);
    assert.deepEqual(aws.Policies.map((p) => p.PolicyName), served.slice(0, 100));
    assert.equal(aws.IsTruncated, true);
    assert.deepEqual(served.filter((n) => AWS_MANAGED.includes(n)), AWS_MANAGED);
    for (const [op, input] of [
      ["DeletePolicy", { PolicyArn: admin }],
      ["CreatePolicyVersion", { PolicyArn: admin, PolicyDocument: ALLOW_S3 }],
      ["SetDefaultPolicyVersion", { PolicyArn: admin, VersionId: "v1" }],
      ["DeletePolicyVersion", { PolicyArn: admin, VersionId: "v1" }],
      ["TagPolicy", { PolicyArn: admin, Tags: [{ Key: "a", Value: "b" }] }],
    ] as const) {
      await assertAwsError(h.call(op, input), "AccessDeniedException", 400, `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: iam:${op} on resource: policy ${admin}`);
    }
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: admin });
    const after = await h.call<PolicyOut>("GetPolicy", { PolicyArn: admin });
    assert.equal(after.Policy.AttachmentCount, 1);
    const attached = await h.call<ListOut>("ListPolicies", { Scope: "AWS", OnlyAttached: true });
    assert.deepEqual(attached.Policies.map((p) => p.PolicyName), ["AdministratorAccess"]);
  });

  test("the AWS managed policies of the services served: AWS's names, paths, ids and descriptions, attachable, listed by path and use", async () => {
    const h = createHarness();
    const drt = "arn:aws:iam::aws:policy/service-role/AWSShieldDRTAccessPolicy";
    const got = await h.call<PolicyOut>("GetPolicy", { PolicyArn: drt });
    assert.deepEqual(got.Policy, {
      PolicyName: "AWSShieldDRTAccessPolicy",
      PolicyId: got.Policy.PolicyId,
      Arn: drt,
      Path: "/service-role/",
      DefaultVersionId: "v6",
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      Description: "Provides the AWS DDoS Response Team with limited access to your AWS account to assist with DDoS attack mitigation during a high-severity event.",
      CreateDate: new Date(Date.UTC(2018, 5, 5, 22, 29, 0)),
      UpdateDate: new Date(Date.UTC(2020, 11, 15, 17, 28, 15)),
      Tags: [],
    });
    assert.match(got.Policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
    const kms = await h.call<PolicyOut>("GetPolicy", { PolicyArn: "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser" });
    assert.equal(kms.Policy.PolicyId, "ANPAJNPP7PPPPMJRV2SA4");
    assert.equal(kms.Policy.Description, "Provides access to AWS Key Management Service (KMS).");
    // AWS's own documents and versions, from the published data.
    const wafRead = "arn:aws:iam::aws:policy/AWSWAFReadOnlyAccess";
    type VersionOut = { PolicyVersion: { Document: string; VersionId: string; IsDefaultVersion: boolean; CreateDate: Date } };
    const current = await h.call<VersionOut>("GetPolicyVersion", { PolicyArn: wafRead, VersionId: "v13" });
    assert.equal(current.PolicyVersion.IsDefaultVersion, true);
    assert.deepEqual(
      JSON.parse(decodeURIComponent(current.PolicyVersion.Document)).Statement.find((st: { Sid?: string }) => st.Sid === "AllowReadOnlyOfAWSWAF"),
      {
        Sid: "AllowReadOnlyOfAWSWAF",
        Effect: "Allow",
        Action: ["wafv2:Get*", "wafv2:List*", "wafv2:Describe*", "wafv2:CheckCapacity"],
        Resource: [
          "arn:aws:wafv2:*:*:*/webacl/*/*",
          "arn:aws:wafv2:*:*:*/ipset/*/*",
          "arn:aws:wafv2:*:*:*/managedruleset/*/*",
          "arn:aws:wafv2:*:*:*/rulegroup/*/*",
          "arn:aws:wafv2:*:*:*/regexpatternset/*/*",
        ],
      },
    );
    const first = await h.call<VersionOut>("GetPolicyVersion", { PolicyArn: wafRead, VersionId: "v1" });
    assert.deepEqual(
      { ...first.PolicyVersion, Document: JSON.parse(decodeURIComponent(first.PolicyVersion.Document)) },
      {
        VersionId: "v1",
        IsDefaultVersion: false,
        CreateDate: new Date("2015-10-06T20:43:45Z"),
        Document: { Version: "2012-10-17", Statement: [{ Action: ["waf:Get*", "waf:List*"], Effect: "Allow", Resource: "*" }] },
      },
    );
    await assertAwsError(h.call("GetPolicyVersion", { PolicyArn: wafRead, VersionId: "v14" }), "NoSuchEntity", 404, `Policy ${wafRead} version v14 does not exist or is not attachable.`);
    type VersionsOut = { Versions: Array<{ VersionId: string; IsDefaultVersion: boolean }>; IsTruncated: boolean; Marker?: string };
    const page1 = await h.call<VersionsOut>("ListPolicyVersions", { PolicyArn: drt, MaxItems: 4 });
    assert.deepEqual(page1.Versions.map((x) => [x.VersionId, x.IsDefaultVersion]), [["v6", true], ["v5", false], ["v4", false], ["v3", false]]);
    assert.equal(page1.IsTruncated, true);
    const page2 = await h.call<VersionsOut>("ListPolicyVersions", { PolicyArn: drt, MaxItems: 4, Marker: page1.Marker });
    assert.deepEqual(page2.Versions.map((x) => x.VersionId), ["v2", "v1"]);
    assert.equal(page2.IsTruncated, false);

    const byPath = async (PathPrefix: string) => (await h.call<ListOut>("ListPolicies", { Scope: "AWS", PathPrefix, MaxItems: 1000 })).Policies.map((p) => p.Arn);
    const serviceRole = await byPath("/service-role/");
    assert.ok(serviceRole.includes(drt) && serviceRole.includes("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
    assert.ok(serviceRole.every((a) => a.startsWith("arn:aws:iam::aws:policy/service-role/")));
    const jobFunction = await byPath("/job-function/");
    assert.ok(jobFunction.includes("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"));
    assert.ok(jobFunction.every((a) => a.startsWith("arn:aws:iam::aws:policy/job-function/")));

    await h.call("CreateUser", { UserName: "u" });
    await h.call("CreateGroup", { GroupName: "auditors" });
    await h.call("CreateRole", { RoleName: "srt", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("AttachUserPolicy", { UserName: "u", PolicyArn: "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser" });
    await h.call("AttachGroupPolicy", { GroupName: "auditors", PolicyArn: "arn:aws:iam::aws:policy/SecurityAudit" });
    await h.call("AttachRolePolicy", { RoleName: "srt", PolicyArn: drt });
    await h.call("PutUserPermissionsBoundary", { UserName: "u", PermissionsBoundary: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess" });
    const used = async (input: Record<string, unknown>) => (await h.call<ListOut>("ListPolicies", { Scope: "AWS", ...input })).Policies.map((p) => p.PolicyName);
    assert.deepEqual(await used({ OnlyAttached: true }), ["AWSKeyManagementServicePowerUser", "AWSShieldDRTAccessPolicy", "SecurityAudit", "ViewOnlyAccess"]);
    assert.deepEqual(await used({ PolicyUsageFilter: "PermissionsPolicy" }), ["AWSKeyManagementServicePowerUser", "AWSShieldDRTAccessPolicy", "SecurityAudit"]);
    assert.deepEqual(await used({ PolicyUsageFilter: "PermissionsBoundary" }), ["ViewOnlyAccess"]);
    assert.deepEqual(await used({ OnlyAttached: true, PathPrefix: "/service-role/" }), ["AWSShieldDRTAccessPolicy"]);
    const entities = await h.call<{ PolicyRoles: Array<{ RoleName: string }> }>("ListEntitiesForPolicy", { PolicyArn: drt });
    assert.deepEqual(entities.PolicyRoles.map((r) => r.RoleName), ["srt"]);
  });

  test("ListPolicies: Scope, OnlyAttached, PathPrefix and pagination across AWS and local", async () => {
    const h = createHarness();
    for (const n of ["zeta", "alpha", "mid"]) await h.call("CreatePolicy", { PolicyName: n, PolicyDocument: ALLOW_S3, Path: n === "mid" ? "/m/" : "/" });
    const local = await h.call<ListOut>("ListPolicies", { Scope: "Local" });
    assert.deepEqual(local.Policies.map((p) => p.PolicyName), ["alpha", "mid", "zeta"]);
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page: ListOut = await h.call<ListOut>("ListPolicies", { MaxItems: 1000, ...(marker ? { Marker: marker } : {}) });
      names.push(...page.Policies.map((p) => p.PolicyName));
      marker = page.IsTruncated ? page.Marker : undefined;
      pages++;
    } while (marker);
    const served = awsManagedPolicies().map((p) => p.policyName);
    assert.equal(pages, Math.ceil((served.length + 3) / 1000));
    assert.deepEqual(names, [...served, "alpha", "mid", "zeta"]);
    const byPath = await h.call<ListOut>("ListPolicies", { Scope: "Local", PathPrefix: "/m/" });
    assert.deepEqual(byPath.Policies.map((p) => p.PolicyName), ["mid"]);
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/zeta` });
    const onlyAttached = await h.call<ListOut>("ListPolicies", { OnlyAttached: true });
    assert.deepEqual(onlyAttached.Policies.map((p) => p.PolicyName), ["zeta"]);
    await assertAwsError(h.call("ListPolicies", { Scope: "Mine" }), "ValidationError", 400, "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]");
    // Every failing member in one answer, in the model's member order (Scope, PathPrefix, PolicyUsageFilter, MaxItems).
    await assertAwsError(
      h.call("ListPolicies", { Scope: "Mine", PolicyUsageFilter: "Both", MaxItems: 0 }),
      "ValidationError",
      400,
      "3 validation errors detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]; " +
        "Value 'Both' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]; " +
        "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test("PathPrefix follows each operation's model pattern: a whole policy path for policy lists, any prefix for entity lists", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "u", Path: "/team/x/" });
    await h.call("CreatePolicy", { PolicyName: "p", Path: "/team/", PolicyDocument: ALLOW_S3 });
    const arn = `arn:aws:iam::${ACCOUNT}:policy/team/p`;
    await h.call("AttachUserPolicy", { UserName: "u", PolicyArn: arn });
    const refused = (value: string, pattern: string): string =>
      `1 validation error detected: Value '${value}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`;
    const policyPath = "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/";
    for (const [op, input] of [
      ["ListPolicies", {}],
      ["ListAttachedUserPolicies", { UserName: "u" }],
    ] as const) {
      await assertAwsError(h.call(op, { ...input, PathPrefix: "/te" }), "ValidationError", 400, refused("/te", policyPath));
      await assertAwsError(h.call(op, { ...input, PathPrefix: "/te am/" }), "ValidationError", 400, refused("/te am/", policyPath));
      const page = await h.call<{ Policies?: Array<{ Arn: string }>; AttachedPolicies?: Array<{ PolicyArn: string }> }>(op, { ...input, PathPrefix: "/team/" });
      assert.deepEqual((page.Policies ?? []).map((p) => p.Arn).concat((page.AttachedPolicies ?? []).map((p) => p.PolicyArn)), [arn]);
    }
    await assertAwsError(
      h.call("ListEntitiesForPolicy", { PolicyArn: arn, PathPrefix: "/team" }),
      "ValidationError",
      400,
      refused("/team", "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"),
    );
    const entities = await h.call<{ PolicyUsers: Array<{ UserName: string }> }>("ListEntitiesForPolicy", { PolicyArn: arn, PathPrefix: "/team/" });
    assert.deepEqual(entities.PolicyUsers.map((u) => u.UserName), ["u"]);
    // Entity lists take any prefix that starts with "/".
    const users = await h.call<{ Users: Array<{ UserName: string }> }>("ListUsers", { PathPrefix: "/te" });
    assert.deepEqual(users.Users.map((u) => u.UserName), ["u"]);
  });

  test("versions: create (default or not), list newest first, limit 5, delete, set default", async () => {
    const h = createHarness();
    const { Policy } = await h.call<PolicyOut>("CreatePolicy", { PolicyName: "p", PolicyDocument: doc("s3:GetObject") });
    const arn = Policy.Arn;
    h.clock.advance(1000);
    const v2 = await h.call<{ PolicyVersion: Record<string, unknown> }>("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("s3:ListBucket"), SetAsDefault: true });
    assert.deepEqual(v2.PolicyVersion, { VersionId: "v2", IsDefaultVersion: true, CreateDate: new Date(T0 + 1000) });
    h.clock.advance(500);
    const v3 = await h.call<{ PolicyVersion: Record<string, unknown> }>("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("ec2:DescribeInstances") });
    assert.equal(v3.PolicyVersion.IsDefaultVersion, false);
    // UpdateDate: "when the most recent policy version was created", default or not.
    const afterV3 = await h.call<PolicyOut>("GetPolicy", { PolicyArn: arn });
    assert.deepEqual(afterV3.Policy.UpdateDate, new Date(T0 + 1500));
    const got = await h.call<{ PolicyVersion: { Document: string; IsDefaultVersion: boolean } }>("GetPolicyVersion", { PolicyArn: arn, VersionId: "v3" });
    assert.equal(got.PolicyVersion.Document, encodeURIComponent(doc("ec2:DescribeInstances")));
    assert.equal(got.PolicyVersion.IsDefaultVersion, false);
    const listed = await h.call<{ Versions: Array<{ VersionId: string; IsDefaultVersion: boolean }> }>("ListPolicyVersions", { PolicyArn: arn });
    assert.deepEqual(listed.Versions.map((v) => [v.VersionId, v.IsDefaultVersion]), [["v3", false], ["v2", true], ["v1", false]]);
    const pol = await h.call<PolicyOut>("GetPolicy", { PolicyArn: arn });
    assert.equal(pol.Policy.DefaultVersionId, "v2");
    await h.call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("sqs:*") });
    await h.call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("sns:*") });
    await assertAwsError(
      h.call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("kms:*") }),
      "LimitExceeded",
      409,
      "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    );
    await assertAwsError(h.call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v2" }), "DeleteConflict", 409, "Cannot delete the default version of a policy.");
    await assertAwsError(h.call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v9" }), "NoSuchEntity", 404, `Policy ${arn} version v9 does not exist or is not attachable.`);
    await h.call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v1" });
    const v6 = await h.call<{ PolicyVersion: { VersionId: string } }>("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("kms:*") });
    assert.equal(v6.PolicyVersion.VersionId, "v6", "version ids are never reused");
    await assertAwsError(
      h.call("SetDefaultPolicyVersion", { PolicyArn: arn, VersionId: "1" }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
    );
    await assertAwsError(
      h.call("SetDefaultPolicyVersion", { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/TestNonExistingPolicy`, VersionId: "v1" }),
      "NoSuchEntity",
      404,
      `Policy arn:aws:iam::${ACCOUNT}:policy/TestNonExistingPolicy version v1 does not exist or is not attachable.`,
    );
    h.clock.advance(1000);
    await h.call("SetDefaultPolicyVersion", { PolicyArn: arn, VersionId: "v6" });
    const final = await h.call<PolicyOut>("GetPolicy", { PolicyArn: arn });
    assert.equal(final.Policy.DefaultVersionId, "v6");
    // Choosing another default creates no version: UpdateDate stays v6's creation time.
    assert.deepEqual(final.Policy.UpdateDate, new Date(T0 + 1500));
    // Deleting the most recent version: UpdateDate is that of the most recent one left.
    await h.call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v3" });
    await h.call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: doc("iam:*") });
    assert.deepEqual((await h.call<PolicyOut>("GetPolicy", { PolicyArn: arn })).Policy.UpdateDate, new Date(T0 + 2500));
    await h.call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v7" });
    assert.deepEqual((await h.call<PolicyOut>("GetPolicy", { PolicyArn: arn })).Policy.UpdateDate, new Date(T0 + 1500));
  });

  test("DeletePolicy conflicts: attachments, extra versions", async () => {
    const h = createHarness();
    const { Policy } = await h.call<PolicyOut>("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3 });
    await h.call("CreateGroup", { GroupName: "g" });
    await h.call("AttachGroupPolicy", { GroupName: "g", PolicyArn: Policy.Arn });
    await assertAwsError(h.call("DeletePolicy", { PolicyArn: Policy.Arn }), "DeleteConflict", 409, "Cannot delete a policy attached to entities.");
    await h.call("DetachGroupPolicy", { GroupName: "g", PolicyArn: Policy.Arn });
    await h.call("CreatePolicyVersion", { PolicyArn: Policy.Arn, PolicyDocument: doc("s3:*"), SetAsDefault: true });
    await assertAwsError(
      h.call("DeletePolicy", { PolicyArn: Policy.Arn }),
      "DeleteConflict",
      409,
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    );
    await h.call("DeletePolicyVersion", { PolicyArn: Policy.Arn, VersionId: "v1" });
    await h.call("DeletePolicy", { PolicyArn: Policy.Arn });
    await assertAwsError(h.call("GetPolicy", { PolicyArn: Policy.Arn }), "NoSuchEntity", 404, `Policy ${Policy.Arn} was not found.`);
    // The name is free again.
    await h.call("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3 });
  });

  test("policy tags are case-sensitive and sorted when listed", async () => {
    const h = createHarness();
    const { Policy } = await h.call<PolicyOut>("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3, Tags: [{ Key: "a", Value: "lowercase" }, { Key: "A", Value: "uppercase" }] });
    const tags = await h.call<{ Tags: Array<{ Key: string }>; IsTruncated: boolean; Marker?: string }>("ListPolicyTags", { PolicyArn: Policy.Arn, MaxItems: 1 });
    assert.deepEqual(tags.Tags, [{ Key: "A", Value: "uppercase" }]);
    assert.equal(tags.IsTruncated, true);
    const next = await h.call<{ Tags: Array<{ Key: string }> }>("ListPolicyTags", { PolicyArn: Policy.Arn, Marker: tags.Marker });
    assert.deepEqual(next.Tags, [{ Key: "a", Value: "lowercase" }]);
    await h.call("UntagPolicy", { PolicyArn: Policy.Arn, TagKeys: ["a"] });
    await h.call("TagPolicy", { PolicyArn: Policy.Arn, Tags: [{ Key: "A", Value: "new" }] });
    const after = await h.call<{ Tags: unknown[] }>("ListPolicyTags", { PolicyArn: Policy.Arn });
    assert.deepEqual(after.Tags, [{ Key: "A", Value: "new" }]);
    await assertAwsError(h.call("TagPolicy", { PolicyArn: Policy.Arn, Tags: [{ Key: "x", Value: "1" }, { Key: "x", Value: "2" }] }), "InvalidInput", 400, "Duplicate tag keys found.");
    await assertAwsError(
      h.call("TagPolicy", { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/NotAPolicy`, Tags: [{ Key: "x", Value: "1" }] }),
      "NoSuchEntity",
      404,
      `Policy arn:aws:iam::${ACCOUNT}:policy/NotAPolicy was not found.`,
    );
  });
});
