/**
 * Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and
 * GetServiceLinkedRoleDeletionStatus.
 *
 * A service-linked role is named after its service (AWSServiceRoleFor…, with a custom suffix
 * only for services that take one), lives under /aws-service-role/<service principal>/, and
 * trusts only that principal. It holds its service's AWS managed policy (path /aws-service-role/,
 * attachable to nothing else). It belongs to its service: IAM refuses to change its trust,
 * permissions or existence through the ordinary role operations (roles.ts mustModifiableRole).
 *
 * DeleteServiceLinkedRole records a deletion task (NOT_STARTED) and hands it to the durable
 * scheduler; the job marks it IN_PROGRESS, asks whether the service still uses the role (a
 * hook given at composition, e.g. ELBv2's load balancers) and either deletes the role
 * (SUCCEEDED) or keeps it and records the resources that use it (FAILED).
 */
import { randomUUID } from "node:crypto";
import {
  CreateServiceLinkedRoleRequest$,
  CreateServiceLinkedRoleResponse$,
  type CreateServiceLinkedRoleRequest,
  type CreateServiceLinkedRoleResponse,
  DeleteServiceLinkedRoleRequest,
  DeleteServiceLinkedRoleResponse,
  GetServiceLinkedRoleDeletionStatusRequest,
  GetServiceLinkedRoleDeletionStatusResponse,
} from "@aws-sdk/client-iam";
import { eventPrincipal } from "../../audit/event.js";
import type { StagedEvent } from "../../audit/outbox.js";
import { LEAVE_OUT, redactForCloudTrail } from "../../audit/redact.js";
import { iamCloudTrailDate } from "../../audit/cloudtrail-date.js";
import { toAwsError } from "../../core/errors.js";
import { wireError } from "../../protocol/errors.js";
import type { Principal } from "../../core/types.js";
import { randomUuid } from "../../core/uuid.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { DocStore } from "../../storage/types.js";
import { roleArn } from "./arn.js";
import { awsManagedPolicyArn, awsManagedPolicyByArn, ELB_SERVICE_ROLE_POLICY, KMS_MULTI_REGION_SERVICE_ROLE_POLICY, ORGANIZATIONS_SERVICE_ROLE_POLICY, SHIELD_SERVICE_ROLE_POLICY } from "./aws-managed-policies.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { constraintError, invalidInput, noSuchEntity, noSuchRole } from "./errors.js";
import { COLLECTIONS, type RoleDoc, type ServiceLinkedRoleDeletionDoc } from "./model.js";
import { policyUses, roles } from "./repo.js";
import { authorizeOnRole, newRoleDoc } from "./roles.js";
import { checkDescription, checkName, required, validateMembers } from "./validation.js";
import { roleView } from "./views.js";

export interface LinkedService {
  /** The role's name (before any custom suffix). */
  roleName: string;
  /** Whether CreateServiceLinkedRole takes a CustomSuffix for this service. */
  customSuffix: boolean;
  /**
   * The AWS managed policy attached to the role, when the catalogue (aws-managed-policies.ts) has
   * its document as AWS publishes it (path and name, e.g. `/aws-service-role/…`); the roles of the
   * other services hold no policy here.
   */
  policy?: string;
}

/**
 * Service principals and their service-linked roles, as each service's documentation names
 * them and IAM creates them (role name, whether a custom suffix is taken, the AWS managed policy
 * attached). Services absent from this table cannot have one created through IAM here.
 */
export const LINKED_SERVICES: Readonly<Record<string, LinkedService>> = {
  "access-analyzer.amazonaws.com": { roleName: "AWSServiceRoleForAccessAnalyzer", customSuffix: false, policy: "/aws-service-role/AccessAnalyzerServiceRolePolicy" },
"accountdiscovery.ssm.amazonaws.com": { roleName: "AWSServiceRoleForAmazonSSM_AccountDiscovery", customSuffix: false, policy: "/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy" },
  "acm.amazonaws.com": { roleName: "AWSServiceRoleForCertificateManager", customSuffix: false, policy: "/aws-service-role/CertificateManagerServiceRolePolicy" },
  "appmesh.amazonaws.com": { roleName: "AWSServiceRoleForAppMesh", customSuffix: false, policy: "/aws-service-role/AWSAppMeshServiceRolePolicy" },
  "autoscaling-plans.amazonaws.com": { roleName: "AWSServiceRoleForAutoScalingPlans_EC2AutoScaling", customSuffix: false, policy: "/aws-service-role/AWSAutoScalingPlansEC2AutoScalingPolicy" },
  "autoscaling.amazonaws.com": { roleName: "AWSServiceRoleForAutoScaling", customSuffix: true, policy: "/aws-service-role/AutoScalingServiceRolePolicy" },
  "backup.amazonaws.com": { roleName: "AWSServiceRoleForBackup", customSuffix: false, policy: "/aws-service-role/AWSBackupServiceLinkedRolePolicyForBackup" },
  "batch.amazonaws.com": { roleName: "AWSServiceRoleForBatch", customSuffix: false, policy: "/aws-service-role/BatchServiceRolePolicy" },
  "cassandra.application-autoscaling.amazonaws.com": { roleName: "AWSServiceRoleForApplicationAutoScaling_CassandraTable", customSuffix: false, policy: "/aws-service-role/AWSApplicationAutoscalingCassandraTablePolicy" },
  "cks.kms.amazonaws.com": { roleName: "AWSServiceRoleForKeyManagementServiceCustomKeyStores", customSuffix: false, policy: "/aws-service-role/AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy" },
  "cloudtrail.amazonaws.com": { roleName: "AWSServiceRoleForCloudTrail", customSuffix: false, policy: "/aws-service-role/CloudTrailServiceRolePolicy" },
  "codestar-notifications.amazonaws.com": { roleName: "AWSServiceRoleForCodeStarNotifications", customSuffix: false, policy: "/aws-service-role/AWSCodeStarNotificationsServiceRolePolicy" },
  "config.amazonaws.com": { roleName: "AWSServiceRoleForConfig", customSuffix: false, policy: "/aws-service-role/AWSConfigServiceRolePolicy" },
  "connect.amazonaws.com": { roleName: "AWSServiceRoleForAmazonConnect", customSuffix: true, policy: "/aws-service-role/AmazonConnectServiceLinkedRolePolicy" },
  "dms-fleet-advisor.amazonaws.com": { roleName: "AWSServiceRoleForDMSFleetAdvisor", customSuffix: false, policy: "/aws-service-role/AWSDMSFleetAdvisorServiceRolePolicy" },
  "dms.amazonaws.com": { roleName: "AWSServiceRoleForDMSServerless", customSuffix: false, policy: "/aws-service-role/AWSDMSServerlessServiceRolePolicy" },
  "docdb-elastic.amazonaws.com": { roleName: "AWSServiceRoleForDocDB-Elastic", customSuffix: false, policy: "/aws-service-role/AmazonDocDB-ElasticServiceRolePolicy" },
  "ec2-instance-connect.amazonaws.com": { roleName: "AWSServiceRoleForEc2InstanceConnect", customSuffix: false, policy: "/aws-service-role/Ec2InstanceConnectEndpoint" },
  "ec2.application-autoscaling.amazonaws.com": { roleName: "AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest", customSuffix: false, policy: "/aws-service-role/AWSApplicationAutoscalingEC2SpotFleetRequestPolicy" },
  "ecr.amazonaws.com": { roleName: "AWSServiceRoleForECRTemplate", customSuffix: false, policy: "/aws-service-role/ECRTemplateServiceRolePolicy" },
  "ecs.amazonaws.com": { roleName: "AWSServiceRoleForECS", customSuffix: false, policy: "/aws-service-role/AmazonECSServiceRolePolicy" },
  "eks-connector.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKSConnector", customSuffix: false, policy: "/aws-service-role/AmazonEKSConnectorServiceRolePolicy" },
  "eks-fargate.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKSForFargate", customSuffix: false, policy: "/aws-service-role/AmazonEKSForFargateServiceRolePolicy" },
  "eks-nodegroup.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKSNodegroup", customSuffix: false, policy: "/aws-service-role/AWSServiceRoleForAmazonEKSNodegroup" },
  "eks.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEKS", customSuffix: false, policy: "/aws-service-role/AmazonEKSServiceRolePolicy" },
  "elasticache.amazonaws.com": { roleName: "AWSServiceRoleForElastiCache", customSuffix: false, policy: "/aws-service-role/ElastiCacheServiceRolePolicy" },
  "elasticbeanstalk.amazonaws.com": { roleName: "AWSServiceRoleForElasticBeanstalk", customSuffix: false, policy: "/aws-service-role/AWSElasticBeanstalkServiceRolePolicy" },
  "elasticfilesystem.amazonaws.com": { roleName: "AWSServiceRoleForAmazonElasticFileSystem", customSuffix: false, policy: "/aws-service-role/AmazonElasticFileSystemServiceRolePolicy" },
  "elasticloadbalancing.amazonaws.com": { roleName: "AWSServiceRoleForElasticLoadBalancing", customSuffix: false, policy: ELB_SERVICE_ROLE_POLICY },
  "email.cognito-idp.amazonaws.com": { roleName: "AWSServiceRoleForAmazonCognitoIdpEmailService", customSuffix: false, policy: "/aws-service-role/AmazonCognitoIdpEmailServiceRolePolicy" },
  "emr-containers.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEMRContainers", customSuffix: false, policy: "/aws-service-role/AmazonEMRContainersServiceRolePolicy" },
  "emrwal.amazonaws.com": { roleName: "AWSServiceRoleForEMRWAL", customSuffix: false, policy: "/aws-service-role/EMRDescribeClusterPolicyForEMRWAL" },
  "es.amazonaws.com": { roleName: "AWSServiceRoleForAmazonElasticsearchService", customSuffix: false, policy: "/aws-service-role/AmazonElasticsearchServiceRolePolicy" },
  "fis.amazonaws.com": { roleName: "AWSServiceRoleForFIS", customSuffix: false, policy: "/aws-service-role/AmazonFISServiceRolePolicy" },
  "fms.amazonaws.com": { roleName: "AWSServiceRoleForFMS", customSuffix: false, policy: "/aws-service-role/FMSServiceRolePolicy" },
  "grafana.amazonaws.com": { roleName: "AWSServiceRoleForAmazonGrafana", customSuffix: false, policy: "/aws-service-role/AmazonGrafanaServiceLinkedRolePolicy" },
  "guardduty.amazonaws.com": { roleName: "AWSServiceRoleForAmazonGuardDuty", customSuffix: false, policy: "/aws-service-role/AmazonGuardDutyServiceRolePolicy" },
  "imagebuilder.amazonaws.com": { roleName: "AWSServiceRoleForImageBuilder", customSuffix: false, policy: "/aws-service-role/AWSServiceRoleForImageBuilder" },
  "inspector2.amazonaws.com": { roleName: "AWSServiceRoleForAmazonInspector2", customSuffix: false, policy: "/aws-service-role/AmazonInspector2ServiceRolePolicy" },
  "iotmanagedintegrations.amazonaws.com": { roleName: "AWSServiceRoleForIoTManagedIntegrations", customSuffix: false, policy: "/aws-service-role/AWSIoTManagedIntegrationsRolePolicy" },
  "kafka.amazonaws.com": { roleName: "AWSServiceRoleForKafka", customSuffix: false, policy: "/aws-service-role/KafkaServiceRolePolicy" },
  "kafkaconnect.amazonaws.com": { roleName: "AWSServiceRoleForKafkaConnect", customSuffix: false, policy: "/aws-service-role/KafkaConnectServiceRolePolicy" },
  "lakeformation.amazonaws.com": { roleName: "AWSServiceRoleForLakeFormationDataAccess", customSuffix: false, policy: "/aws-service-role/LakeFormationDataAccessServiceRolePolicy" },
  "lex.amazonaws.com": { roleName: "AWSServiceRoleForLexBots", customSuffix: false },
  "lexv2.amazonaws.com": { roleName: "AWSServiceRoleForLexV2Bots", customSuffix: true, policy: "/aws-service-role/AmazonLexV2BotPolicy" },
  "lightsail.amazonaws.com": { roleName: "AWSServiceRoleForLightsail", customSuffix: false, policy: "/aws-service-role/LightsailExportAccess" },
  "m2.amazonaws.com": { roleName: "AWSServiceRoleForAWSM2", customSuffix: false, policy: "/aws-service-role/AWSM2ServicePolicy" },
  "macie.amazonaws.com": { roleName: "AWSServiceRoleForAmazonMacie", customSuffix: false, policy: "/aws-service-role/AmazonMacieServiceRolePolicy" },
  "memorydb.amazonaws.com": { roleName: "AWSServiceRoleForMemoryDB", customSuffix: false, policy: "/aws-service-role/MemoryDBServiceRolePolicy" },
  "mq.amazonaws.com": { roleName: "AWSServiceRoleForAmazonMQ", customSuffix: false, policy: "/aws-service-role/AmazonMQServiceRolePolicy" },
  "mrk.kms.amazonaws.com": { roleName: "AWSServiceRoleForKeyManagementServiceMultiRegionKeys", customSuffix: false, policy: KMS_MULTI_REGION_SERVICE_ROLE_POLICY },
  "notifications.amazonaws.com": { roleName: "AWSServiceRoleForAwsUserNotifications", customSuffix: false, policy: "/aws-service-role/AWSUserNotificationsServiceLinkedRolePolicy" },
  "observability.aoss.amazonaws.com": { roleName: "AWSServiceRoleForAmazonOpenSearchServerless", customSuffix: false, policy: "/aws-service-role/AmazonOpenSearchServerlessServiceRolePolicy" },
  "opensearchservice.amazonaws.com": { roleName: "AWSServiceRoleForAmazonOpenSearchService", customSuffix: false, policy: "/aws-service-role/AmazonOpenSearchServiceRolePolicy" },
  "ops.apigateway.amazonaws.com": { roleName: "AWSServiceRoleForAPIGateway", customSuffix: false, policy: "/aws-service-role/APIGatewayServiceRolePolicy" },
  "ops.emr-serverless.amazonaws.com": { roleName: "AWSServiceRoleForAmazonEMRServerless", customSuffix: false, policy: "/aws-service-role/AmazonEMRServerlessServiceRolePolicy" },
  "opsdatasync.ssm.amazonaws.com": { roleName: "AWSServiceRoleForSystemsManagerOpsDataSync", customSuffix: false, policy: "/aws-service-role/AWSSystemsManagerOpsDataSyncServiceRolePolicy" },
  "opsinsights.ssm.amazonaws.com": { roleName: "AWSServiceRoleForAmazonSSM_OpsInsights", customSuffix: false, policy: "/aws-service-role/AWSSSMOpsInsightsServiceRolePolicy" },
  "organizations.amazonaws.com": { roleName: "AWSServiceRoleForOrganizations", customSuffix: false, policy: ORGANIZATIONS_SERVICE_ROLE_POLICY },
  "pullthroughcache.ecr.amazonaws.com": { roleName: "AWSServiceRoleForECRPullThroughCache", customSuffix: false, policy: "/aws-service-role/AWSECRPullThroughCache_ServiceRolePolicy" },
  "ram.amazonaws.com": { roleName: "AWSServiceRoleForResourceAccessManager", customSuffix: false, policy: "/aws-service-role/AWSResourceAccessManagerServiceRolePolicy" },
  "rds.amazonaws.com": { roleName: "AWSServiceRoleForRDS", customSuffix: false, policy: "/aws-service-role/AmazonRDSServiceRolePolicy" },
  "redshift.amazonaws.com": { roleName: "AWSServiceRoleForRedshift", customSuffix: false, policy: "/aws-service-role/AmazonRedshiftServiceLinkedRolePolicy" },
  "replication.cassandra.amazonaws.com": { roleName: "AWSServiceRoleForKeyspacesReplication", customSuffix: false, policy: "/aws-service-role/KeyspacesReplicationServiceRolePolicy" },
  "replication.ecr.amazonaws.com": { roleName: "AWSServiceRoleForECRReplication", customSuffix: false, policy: "/aws-service-role/ECRReplicationServiceRolePolicy" },
  "repository.sync.codeconnections.amazonaws.com": { roleName: "AWSServiceRoleForGitSync", customSuffix: false, policy: "/aws-service-role/AWSGitSyncServiceRolePolicy" },
  "resource-explorer-2.amazonaws.com": { roleName: "AWSServiceRoleForResourceExplorer", customSuffix: false, policy: "/aws-service-role/AWSResourceExplorerServiceRolePolicy" },
  "rolesanywhere.amazonaws.com": { roleName: "AWSServiceRoleForRolesAnywhere", customSuffix: false, policy: "/aws-service-role/AWSRolesAnywhereServicePolicy" },
  "s3-outposts.amazonaws.com": { roleName: "AWSServiceRoleForS3OnOutposts", customSuffix: false, policy: "/aws-service-role/AWSS3OnOutpostsServiceRolePolicy" },
  "securityhub.amazonaws.com": { roleName: "AWSServiceRoleForSecurityHub", customSuffix: false, policy: "/aws-service-role/AWSSecurityHubServiceRolePolicy" },
  "ses.amazonaws.com": { roleName: "AWSServiceRoleForAmazonSES", customSuffix: false, policy: "/aws-service-role/AmazonSESServiceRolePolicy" },
  "shield.amazonaws.com": { roleName: "AWSServiceRoleForAWSShield", customSuffix: false, policy: SHIELD_SERVICE_ROLE_POLICY },
  "spot.amazonaws.com": { roleName: "AWSServiceRoleForEC2Spot", customSuffix: false, policy: "/aws-service-role/AWSEC2SpotServiceRolePolicy" },
  "ssm-incidents.amazonaws.com": { roleName: "AWSServiceRoleForIncidentManager", customSuffix: false, policy: "/aws-service-role/AWSIncidentManagerServiceRolePolicy" },
  "ssm-quicksetup.amazonaws.com": { roleName: "AWSServiceRoleForSSMQuickSetup", customSuffix: false, policy: "/aws-service-role/SSMQuickSetupRolePolicy" },
  "ssm.amazonaws.com": { roleName: "AWSServiceRoleForAmazonSSM", customSuffix: false, policy: "/aws-service-role/AmazonSSMServiceRolePolicy" },
  "sso.amazonaws.com": { roleName: "AWSServiceRoleForSSO", customSuffix: false, policy: "/aws-service-role/AWSSSOServiceRolePolicy" },
  "support.amazonaws.com": { roleName: "AWSServiceRoleForSupport", customSuffix: false, policy: "/aws-service-role/AWSSupportServiceRolePolicy" },
  "trustedadvisor.amazonaws.com": { roleName: "AWSServiceRoleForTrustedAdvisor", customSuffix: false, policy: "/aws-service-role/AWSTrustedAdvisorServiceRolePolicy" },
  "vpcorigin.cloudfront.amazonaws.com": { roleName: "AWSServiceRoleForCloudFrontVPCOrigin", customSuffix: false, policy: "/aws-service-role/AWSCloudFrontVPCOriginServiceRolePolicy" },
  "waf.amazonaws.com": { roleName: "AWSServiceRoleForWAFLogging", customSuffix: false, policy: "/aws-service-role/WAFLoggingServiceRolePolicy" },
  "wafv2.amazonaws.com": { roleName: "AWSServiceRoleForWAFV2Logging", customSuffix: false, policy: "/aws-service-role/WAFV2LoggingServiceRolePolicy" },
};

/** Resources that still use a service's role in an account, per Region (empty: not in use). */
export type ServiceLinkedRoleUsage = (accountId: string, servicePrincipal: string) => Promise<Array<{ region: string; resources: string[] }>>;

export const DELETE_SERVICE_LINKED_ROLE_JOB = "iam-delete-service-linked-role";

interface DeletionJobPayload {
  accountId: string;
  deletionTaskId: string;
}

export function serviceLinkedRolePath(servicePrincipal: string): string {
  return `/aws-service-role/${servicePrincipal}/`;
}

/** The role name for a service and optional suffix; InvalidInput for an unknown service or a refused suffix. */
export function serviceLinkedRoleName(servicePrincipal: string, customSuffix: string | undefined): string {
  const service = Object.hasOwn(LINKED_SERVICES, servicePrincipal) ? LINKED_SERVICES[servicePrincipal] : undefined;
  // Message not in the IAM documentation.
  if (!service) throw invalidInput(`Unrecognized service principal ${servicePrincipal}: no service-linked role is defined for it.`);
  if (customSuffix === undefined) return service.roleName;
  if (!service.customSuffix) throw invalidInput(`Custom suffix is not allowed for ${servicePrincipal}`);
  const name = `${service.roleName}_${customSuffix}`;
  // Role names are at most 64 characters. (Message not in the IAM documentation.)
  if (name.length > 64) throw invalidInput(`The role name ${name} is longer than 64 characters; use a shorter custom suffix.`);
  return name;
}

/** The AWS managed policy a service's linked role holds, if any. */
function serviceLinkedRolePolicy(servicePrincipal: string): { arn: string; policyId: string } | undefined {
  const policy = Object.hasOwn(LINKED_SERVICES, servicePrincipal) ? LINKED_SERVICES[servicePrincipal]?.policy : undefined;
  const p = policy !== undefined ? awsManagedPolicyByArn(awsManagedPolicyArn(policy)) : undefined;
  return p ? { arn: p.arn, policyId: p.policyId } : undefined;
}

/** The trust policy of a service-linked role: its service principal may assume it. */
export function serviceLinkedTrustPolicy(servicePrincipal: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    // Scalar strings, as IAM writes this trust policy.
    Statement: [{ Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" }],
  });
}

const TASK_ID_RE = /^task\/aws-service-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)\/([0-9a-f-]{36})$/;

export function deletionTaskId(servicePrincipal: string, roleName: string): string {
  return `task/aws-service-role/${servicePrincipal}/${roleName}/${randomUUID()}`;
}

/** The service principal and role name a deletion task id names; InvalidInput when it is not one. */
export function parseDeletionTaskId(id: string): { servicePrincipal: string; roleName: string } {
  const m = TASK_ID_RE.exec(id);
  // Message not in the IAM documentation.
  if (!m) throw invalidInput(`Invalid deletion task id: ${id}`);
  return { servicePrincipal: m[1]!, roleName: m[2]! };
}

const taskKey = (accountId: string, id: string): string => `${accountId}/${id}`;

/**
 * The CloudTrail event of a CreateServiceLinkedRole call a service made on `principal`'s behalf:
 * the caller's identity with `invokedBy`, and the service principal as source address and user
 * agent ("CloudTrail userIdentity element"), in IAM's Region of record.
 */
function serviceCallEvent(
  region: string,
  caller: Caller & { principal: Principal },
  servicePrincipal: string,
  input: CreateServiceLinkedRoleRequest,
  outcome: { arn: string; output: CreateServiceLinkedRoleResponse } | { error: { code: string; message: string } },
): StagedEvent {
  const ok = "output" in outcome;
  return {
    eventId: randomUuid(),
    time: caller.now,
    requestId: randomUuid(),
    eventSource: "iam.amazonaws.com",
    service: "iam",
    operation: "CreateServiceLinkedRole",
    region,
    accountId: caller.accountId,
    principal: eventPrincipal(caller.principal),
    sourceIp: servicePrincipal,
    userAgent: servicePrincipal,
    invokedBy: servicePrincipal,
    readOnly: false,
    ...(ok ? {} : { error: outcome.error }),
    annotations: {
      requestParameters: redactForCloudTrail(input, CreateServiceLinkedRoleRequest$, "input", LEAVE_OUT, iamCloudTrailDate),
      responseElements: ok ? redactForCloudTrail(outcome.output, CreateServiceLinkedRoleResponse$, "output", LEAVE_OUT, iamCloudTrailDate) : null,
      ...(ok ? { resources: [{ ARN: outcome.arn, accountId: caller.accountId, type: "AWS::IAM::Role" }] } : {}),
    },
  };
}

/**
 * `invokedBy`: the service principal of a service creating its role on the caller's behalf;
 * the call is then recorded as its own IAM event (the caller's request records the service's).
 */
export async function createServiceLinkedRole(env: IamEnv, caller: Caller, input: CreateServiceLinkedRoleRequest, invokedBy?: string): Promise<CreateServiceLinkedRoleResponse> {
  const record = env.serviceCalls;
  if (invokedBy === undefined || record === undefined || caller.principal === undefined) return createRole(env, caller, input);
  const by = { ...caller, principal: caller.principal };
  const staged: { event?: StagedEvent } = {};
  try {
    return await createRole(env, caller, input, async (tx, arn, output) => {
      staged.event = serviceCallEvent(record.region, by, invokedBy, input, { arn, output });
      await record.outbox.stageIn(tx, staged.event);
    });
  } catch (err) {
    // As IAM's own answer would name it (AccessDenied, not AccessDeniedException).
    const e = toAwsError(err);
    const error = { code: wireError("awsQuery", e).code, message: e.auditMessage ?? e.message };
    await record.audit.record(serviceCallEvent(record.region, by, invokedBy, input, { error })).catch(() => undefined);
    throw err;
  } finally {
    // Appended once committed; what fails stays staged and is appended by a later drain.
    if (staged.event !== undefined) await record.outbox.drain().catch(() => undefined);
  }
}

async function createRole(
  env: IamEnv,
  caller: Caller,
  input: CreateServiceLinkedRoleRequest,
  stage?: (tx: DocStore, arn: string, output: CreateServiceLinkedRoleResponse) => Promise<void>,
): Promise<CreateServiceLinkedRoleResponse> {
  const [servicePrincipal, description, suffix] = validateMembers(
    () => checkName(input.AWSServiceName, "aWSServiceName", 128),
    () => checkDescription(input.Description),
    () => input.CustomSuffix !== undefined ? checkName(input.CustomSuffix, "customSuffix", 64) : undefined,
  );
  const name = serviceLinkedRoleName(servicePrincipal, suffix);
  const path = serviceLinkedRolePath(servicePrincipal);
  const arn = roleArn(caller.accountId, path, name);
  await authorize(caller, "CreateServiceLinkedRole", arn, { "iam:AWSServiceName": servicePrincipal });
  noteResource(caller, arn, "AWS::IAM::Role");
  const policy = serviceLinkedRolePolicy(servicePrincipal);
  const doc: RoleDoc = {
    ...newRoleDoc(caller, name, path, serviceLinkedTrustPolicy(servicePrincipal), {
      linkedService: servicePrincipal,
      ...(description !== undefined ? { description } : {}),
      maxSessionDuration: 3600,
      tags: [],
    }),
    attachedPolicyArns: policy ? [policy.arn] : [],
  };
  const output: CreateServiceLinkedRoleResponse = { Role: roleView(doc, "create") };
  await write(env, caller.accountId, async (tx) => {
    if (!(await roles.insert(tx, doc))) throw invalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    if (policy) await policyUses.add(tx, COLLECTIONS.policyAttachments, caller.accountId, policy.policyId, "Role", doc.roleId);
    await stage?.(tx, arn, output);
  });
  return output;
}

/**
 * A service's linked role, created the way the service creates it on first use (Elastic Load
 * Balancing: when a load balancer or target group is created): on behalf of the calling
 * principal, who needs iam:CreateServiceLinkedRole for it, and recorded as an IAM
 * CreateServiceLinkedRole event of that principal invoked by the service (when the caller has
 * one: Organizations creates roles in member accounts as no one). Nothing happens when the
 * account already has the role, whoever created it.
 */
export async function ensureServiceLinkedRole(env: IamEnv, caller: Caller, servicePrincipal: string): Promise<void> {
  const name = serviceLinkedRoleName(servicePrincipal, undefined);
  if (await roles.byName(env.store, caller.accountId, name)) return;
  try {
    await createServiceLinkedRole(env, caller, { AWSServiceName: servicePrincipal }, servicePrincipal);
  } catch (err) {
    // Created by a parallel request in the meantime: that is the role wanted.
    if (await roles.byName(env.store, caller.accountId, name)) return;
    throw err;
  }
}

export async function deleteServiceLinkedRole(env: IamEnv, caller: Caller, input: DeleteServiceLinkedRoleRequest): Promise<DeleteServiceLinkedRoleResponse> {
  const name = checkName(input.RoleName, "roleName", 64);
  await authorizeOnRole(env, caller, "DeleteServiceLinkedRole", name);
  const task = await env.store.transaction(async (tx) => {
    const r = await roles.byName(tx, caller.accountId, name);
    if (!r) throw noSuchRole(name);
    // Message not in the IAM documentation.
    if (r.linkedService === undefined) throw invalidInput(`Role ${r.roleName} is not a service-linked role.`);
    // A deletion already under way for this role is the answer to a repeated request.
    for (const { value } of await tx.list<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, { prefix: `${caller.accountId}/` })) {
      if (value.roleId === r.roleId && (value.status === "NOT_STARTED" || value.status === "IN_PROGRESS")) return { doc: value, fresh: false };
    }
    const doc: ServiceLinkedRoleDeletionDoc = {
      accountId: caller.accountId,
      deletionTaskId: deletionTaskId(r.linkedService, r.roleName),
      roleId: r.roleId,
      roleName: r.roleName,
      rolePath: r.path,
      servicePrincipal: r.linkedService,
      status: "NOT_STARTED",
      createDate: caller.now,
    };
    await tx.put<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, taskKey(doc.accountId, doc.deletionTaskId), doc);
    return { doc, fresh: true };
  });
  if (task.fresh) await scheduleDeletion(env, task.doc, caller.now);
  return { DeletionTaskId: task.doc.deletionTaskId };
}

async function scheduleDeletion(env: IamEnv, doc: ServiceLinkedRoleDeletionDoc, now: number): Promise<void> {
  if (!env.scheduler) throw new Error("service-linked role deletions need the scheduler (IamService.useScheduler)");
  const payload: DeletionJobPayload = { accountId: doc.accountId, deletionTaskId: doc.deletionTaskId };
  await env.scheduler.schedule(DELETE_SERVICE_LINKED_ROLE_JOB, now, payload, `${DELETE_SERVICE_LINKED_ROLE_JOB}/${doc.accountId}/${doc.deletionTaskId}`);
}

/** The scheduled deletion (idempotent: a finished task is left as it is). */
export async function runServiceLinkedRoleDeletion(env: IamEnv, usage: ServiceLinkedRoleUsage | undefined, payload: DeletionJobPayload): Promise<void> {
  const key = taskKey(payload.accountId, payload.deletionTaskId);
  const started = await env.store.transaction(async (tx) => {
    const t = await tx.get<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, key);
    if (!t || t.status === "SUCCEEDED" || t.status === "FAILED") return undefined;
    const next: ServiceLinkedRoleDeletionDoc = { ...t, status: "IN_PROGRESS" };
    await tx.put(COLLECTIONS.serviceLinkedRoleDeletions, key, next);
    return next;
  });
  if (!started) return;
  const inUse = ((await usage?.(started.accountId, started.servicePrincipal)) ?? []).filter((u) => u.resources.length > 0);
  await write(env, started.accountId, async (tx) => {
    if (inUse.length > 0) {
      await tx.put<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, key, { ...started, status: "FAILED", usage: inUse });
      return;
    }
    // A service-linked role holds no policies of the caller's and is in no instance profile
    // (IAM refuses both): only its service's AWS managed policy is to be let go with it.
    const r = await roles.byId(tx, started.accountId, started.roleId);
    if (r) {
      for (const arn of r.attachedPolicyArns) {
        const p = awsManagedPolicyByArn(arn);
        if (p) await policyUses.remove(tx, COLLECTIONS.policyAttachments, started.accountId, p.policyId, "Role", r.roleId);
      }
      await roles.remove(tx, r);
    }
    await tx.put<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, key, { ...started, status: "SUCCEEDED" });
  });
}

export async function getServiceLinkedRoleDeletionStatus(
  env: IamEnv,
  caller: Caller,
  input: GetServiceLinkedRoleDeletionStatusRequest,
): Promise<GetServiceLinkedRoleDeletionStatusResponse> {
  const id = required(input.DeletionTaskId, "deletionTaskId");
  if (id.length < 1 || id.length > 1000) {
    throw constraintError("deletionTaskId", `Member must have length ${id.length < 1 ? "greater than or equal to 1" : "less than or equal to 1000"}`, id);
  }
  const { servicePrincipal, roleName } = parseDeletionTaskId(id);
  await authorize(caller, "GetServiceLinkedRoleDeletionStatus", roleArn(caller.accountId, serviceLinkedRolePath(servicePrincipal), roleName));
  const t = await env.store.get<ServiceLinkedRoleDeletionDoc>(COLLECTIONS.serviceLinkedRoleDeletions, taskKey(caller.accountId, id));
  // Message not in the IAM documentation.
  if (!t) throw noSuchEntity(`Deletion task ${id} cannot be found.`);
  if (t.status !== "FAILED") return { Status: t.status };
  return {
    Status: "FAILED",
    Reason: {
      // Reason text not in the IAM documentation.
      Reason: `The service-linked role ${t.roleName} is in use by ${t.servicePrincipal} resources and cannot be deleted.`,
      RoleUsageList: (t.usage ?? []).map((u) => ({ Region: u.region, Resources: [...u.resources] })),
    },
  };
}

/** Registers the deletion job and gives the environment the scheduler that runs it. */
export function useSchedulerForDeletions(env: IamEnv, scheduler: Scheduler, usage?: ServiceLinkedRoleUsage): void {
  env.scheduler = scheduler;
  scheduler.register<DeletionJobPayload>(DELETE_SERVICE_LINKED_ROLE_JOB, (payload) => runServiceLinkedRoleDeletion(env, usage, payload));
}
