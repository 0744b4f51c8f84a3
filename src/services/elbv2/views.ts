/** Stored documents → the API's output shapes. */
import type { Action, Listener, LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ActionDoc, ListenerDoc, LoadBalancerDoc, TargetGroupDoc } from "./model.js";

/** A stand-in hosted zone id: Bulwark names are not in Route 53. */
export const CANONICAL_HOSTED_ZONE_ID = "Z0BULWARKLOCAL0";

/** Subnets as availability zones: "<region>a", "<region>b", … in the order given. */
function zones(lb: LoadBalancerDoc): Array<{ ZoneName: string; SubnetId: string; LoadBalancerAddresses: [] }> {
  return lb.subnets.map((SubnetId, i) => ({ ZoneName: `${lb.region}${String.fromCharCode(97 + (i % 26))}`, SubnetId, LoadBalancerAddresses: [] }));
}

/**
 * `state`: CreateLoadBalancer answers "provisioning", as AWS does for a new load balancer (the
 * API reference's example); everything after sees it "active" — a Bulwark load balancer is ready
 * when it is stored, so the waiters (load-balancer-available) succeed at their first poll.
 */
export function loadBalancerView(lb: LoadBalancerDoc, state: "provisioning" | "active" = "active"): LoadBalancer {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: CANONICAL_HOSTED_ZONE_ID,
    CreatedTime: new Date(lb.createdTime),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: state },
    Type: "application",
    AvailabilityZones: zones(lb),
    SecurityGroups: lb.securityGroups,
    IpAddressType: lb.ipAddressType as LoadBalancer["IpAddressType"],
  };
}

export function targetGroupView(tg: TargetGroupDoc, loadBalancerArns: string[]): TargetGroup {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: loadBalancerArns,
    TargetType: tg.targetType,
    ProtocolVersion: tg.protocolVersion,
    IpAddressType: tg.ipAddressType as TargetGroup["IpAddressType"],
  };
}

export function actionView(a: ActionDoc): Action {
  return { ...a } as Action;
}

export function listenerView(l: ListenerDoc): Listener {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    ...(l.protocol === "HTTPS" ? { Certificates: l.certificates, SslPolicy: l.sslPolicy } : {}),
    DefaultActions: l.defaultActions.map(actionView),
  };
}
