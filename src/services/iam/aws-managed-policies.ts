/**
 * The built-in catalogue of AWS managed policies (arn:aws:iam::aws:policy/…). They are
 * visible to every account (GetPolicy, ListPolicies Scope=AWS), attachable, and never
 * modifiable. Documents are Bulwark's own, written for the services Bulwark serves.
 */

export interface AwsManagedPolicy {
  policyName: string;
  policyId: string;
  path: string;
  arn: string;
  description: string;
  defaultVersionId: string;
  createDate: number;
  updateDate: number;
  document: string;
}

function doc(statements: Array<Record<string, unknown>>): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 4);
}

const CREATED = Date.UTC(2015, 1, 6, 18, 39, 46);

function entry(policyName: string, policyId: string, description: string, document: string): AwsManagedPolicy {
  return {
    policyName,
    policyId,
    path: "/",
    arn: `arn:aws:iam::aws:policy/${policyName}`,
    description,
    defaultVersionId: "v1",
    createDate: CREATED,
    updateDate: CREATED,
    document,
  };
}

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
          "iam:Get*",
          "iam:List*",
          "iam:SimulateCustomPolicy",
          "iam:SimulatePrincipalPolicy",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "organizations:Describe*",
          "organizations:List*",
          "sts:GetCallerIdentity",
        ],
        Resource: "*",
      },
    ]),
  ),
];

const BY_ARN = new Map(CATALOGUE.map((p) => [p.arn, p]));

export const AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/";

export function awsManagedPolicyByArn(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

/** The catalogue in name order. */
export function awsManagedPolicies(): readonly AwsManagedPolicy[] {
  return CATALOGUE;
}

export function isAwsManagedArn(arn: string): boolean {
  return arn.startsWith(AWS_MANAGED_PREFIX);
}
