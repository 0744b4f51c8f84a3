/**
 * ELBv2's error codes and statuses (all client faults are HTTP 400 in this service's
 * model, as the SDK's error schemas say). Messages follow the real service's wording where
 * it is known; they name resources, never secrets.
 */
import { AwsError, commonError } from "../../core/errors.js";

const e = (code: string, message: string, status = 400): AwsError => new AwsError(code, message, status);

export const validationError = (message: string): AwsError => commonError("Validation", message);

export const loadBalancerNotFound = (): AwsError => e("LoadBalancerNotFound", "One or more load balancers not found");
export const loadBalancerNamesNotFound = (names: string[]): AwsError => e("LoadBalancerNotFound", `Load balancers '[${names.join(", ")}]' not found`);
export const targetGroupNotFound = (): AwsError => e("TargetGroupNotFound", "One or more target groups not found");
export const targetGroupNamesNotFound = (names: string[]): AwsError => e("TargetGroupNotFound", `Target groups '[${names.join(", ")}]' not found`);
export const targetGroupArnNotFound = (arn: string): AwsError => e("TargetGroupNotFound", `Target group '${arn}' not found`);
export const listenerNotFound = (): AwsError => e("ListenerNotFound", "One or more listeners not found");

export const duplicateLoadBalancerName = (name: string): AwsError =>
  e("DuplicateLoadBalancerName", `A load balancer with the same name '${name}' exists, but with different settings`);
export const duplicateTargetGroupName = (name: string): AwsError =>
  e("DuplicateTargetGroupName", `A target group with the same name '${name}' exists, but with different settings`);
export const duplicateListener = (lbArn: string): AwsError => e("DuplicateListener", `A listener already exists on this port for this load balancer '${lbArn}'`);
export const duplicateTagKeys = (key: string): AwsError => e("DuplicateTagKeys", `Tag key '${key}' is specified more than once`);

export const targetGroupInUse = (arn: string): AwsError => e("ResourceInUse", `Target group '${arn}' is currently in use by a listener or a rule`);
export const targetGroupAssociationLimit = (arn: string): AwsError =>
  e("TargetGroupAssociationLimit", `The following target groups cannot be associated with more than one load balancer: ${arn}`);
export const targetsNotRegistered = (tgArn: string, ids: string[]): AwsError =>
  e("InvalidTarget", `The following targets are not registered in target group '${tgArn}': '${ids.join("', '")}'`);
export const invalidTarget = (message: string): AwsError => e("InvalidTarget", message);

export const certificateNotFound = (arn: string): AwsError => e("CertificateNotFound", `Certificate '${arn}' not found`);
export const sslPolicyNotFound = (name: string): AwsError => e("SSLPolicyNotFound", `SSL policy '${name}' not found`);
export const unsupportedProtocol = (protocol: string): AwsError => e("UnsupportedProtocol", `Protocol '${protocol}' is not supported`);
export const invalidConfiguration = (message: string): AwsError => e("InvalidConfigurationRequest", message);
export const invalidAction = (message: string): AwsError => e("InvalidLoadBalancerAction", message);
export const operationNotPermitted = (message: string): AwsError => e("OperationNotPermitted", message);

export const tooManyLoadBalancers = (n: number): AwsError => e("TooManyLoadBalancers", `You have reached the limit of ${n} load balancers per region`);
export const tooManyTargetGroups = (n: number): AwsError => e("TooManyTargetGroups", `You have reached the limit of ${n} target groups per region`);
export const tooManyListeners = (n: number): AwsError => e("TooManyListeners", `You have reached the limit of ${n} listeners per load balancer`);
export const tooManyTargets = (n: number): AwsError => e("TooManyTargets", `You have reached the limit of ${n} targets per target group`);
export const tooManyCertificates = (n: number): AwsError => e("TooManyCertificates", `You have reached the limit of ${n} certificates per load balancer`);
export const tooManyTags = (n: number): AwsError => e("TooManyTags", `You have reached the limit of ${n} tags per resource`);
export const tooManyActions = (): AwsError => e("TooManyActions", "You have reached the limit on the number of actions per rule");
