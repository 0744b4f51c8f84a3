/**
 * WAFv2 resource ARNs and storage keys.
 *
 *   arn:<partition>:wafv2:<region>:<account>:regional/<type>/<name>/<id>
 *   arn:<partition>:wafv2:us-east-1:<account>:global/<type>/<name>/<id>      (Scope CLOUDFRONT)
 *
 * Storage keys are `<account>/<region>/<regional|global>/<id>`: scoped first, like every key.
 */
import { arn, arnPattern } from "../../core/partition.js";

export type WafScope = "REGIONAL" | "CLOUDFRONT";
export type EntityKind = "webacl" | "rulegroup" | "ipset" | "regexpatternset";

/** CloudFront-scoped (global) entities live in us-east-1 and must be called there. */
export const GLOBAL_REGION = "us-east-1";

export function scopeSegment(scope: WafScope): "regional" | "global" {
  return scope === "CLOUDFRONT" ? "global" : "regional";
}

export function entityArn(kind: EntityKind, scope: WafScope, region: string, accountId: string, name: string, id: string): string {
  return arn("wafv2", region, accountId, `${scopeSegment(scope)}/${kind}/${name}/${id}`);
}

export interface ParsedEntityArn {
  region: string;
  accountId: string;
  scope: WafScope;
  kind: EntityKind;
  name: string;
  id: string;
}

// In the installation's partition; an ARN of another one names nothing here.
const ENTITY_ARN = arnPattern(/^arn:aws:wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/(webacl|rulegroup|ipset|regexpatternset)\/([\w-]{1,128})\/([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$/);

export function parseEntityArn(arn: string): ParsedEntityArn | undefined {
  const m = ENTITY_ARN.exec(arn);
  if (!m) return undefined;
  const [, region, accountId, seg, kind, name, id] = m as unknown as [string, string, string, string, EntityKind, string, string];
  return { region, accountId, scope: seg === "global" ? "CLOUDFRONT" : "REGIONAL", kind, name, id };
}

export function entityKey(accountId: string, region: string, scope: WafScope, id: string): string {
  return `${accountId}/${region}/${scopeSegment(scope)}/${id}`;
}

export function entityPrefix(accountId: string, region: string, scope: WafScope): string {
  return `${accountId}/${region}/${scopeSegment(scope)}/`;
}

/** Application Load Balancer ARNs, the one resource type Bulwark can protect. */
const ALB_ARN = arnPattern(/^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/app\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{1,32})$/);

export interface ParsedLoadBalancerArn {
  region: string;
  accountId: string;
  name: string;
  id: string;
}

export function parseLoadBalancerArn(arn: string): ParsedLoadBalancerArn | undefined {
  const m = ALB_ARN.exec(arn);
  if (!m) return undefined;
  const [, region, accountId, name, id] = m as unknown as [string, string, string, string, string];
  return { region, accountId, name, id };
}

/**
 * Other resource types WAF protects in AWS (API Gateway, AppSync, Cognito, App Runner,
 * Verified Access, Amplify, AgentCore). Bulwark has none of them, so a well-formed ARN of
 * one names a resource that does not exist here.
 */
const OTHER_PROTECTABLE = arnPattern(
  /^arn:aws:(apigateway:[a-z0-9-]+::\/restapis\/.+\/stages\/.+|appsync:[a-z0-9-]+:\d{12}:apis\/.+|cognito-idp:[a-z0-9-]+:\d{12}:userpool\/.+|apprunner:[a-z0-9-]+:\d{12}:service\/.+|ec2:[a-z0-9-]+:\d{12}:verified-access-instance\/.+|amplify:[a-z0-9-]+:\d{12}:apps\/.+|bedrock-agentcore:[a-z0-9-]+:\d{12}:gateway\/.+)$/,
);

export function isOtherProtectableArn(arn: string): boolean {
  return OTHER_PROTECTABLE.test(arn);
}

/** `<account>-app/<name>/<id>`: the httpSourceId of ALB traffic in WAF logs. */
export function albSourceId(lb: ParsedLoadBalancerArn): string {
  return `${lb.accountId}-app/${lb.name}/${lb.id}`;
}
