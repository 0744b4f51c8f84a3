/** What ELBv2 stores (one document per resource, keys scoped by account and region). */

export interface TagDoc {
  Key: string;
  Value: string;
}

export interface LoadBalancerDoc {
  arn: string;
  id: string;
  name: string;
  accountId: string;
  region: string;
  dnsName: string;
  scheme: "internet-facing" | "internal";
  ipAddressType: string;
  subnets: string[];
  securityGroups: string[];
  vpcId: string;
  createdTime: number;
  attributes: Record<string, string>;
  tags: TagDoc[];
}

export interface HealthCheckDoc {
  enabled: boolean;
  protocol: "HTTP" | "HTTPS";
  /** "traffic-port" or a port number as text (as the API reports it). */
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher: string;
}

export interface TargetDoc {
  id: string;
  port: number;
  availabilityZone?: string;
}

export interface TargetGroupDoc {
  arn: string;
  id: string;
  name: string;
  accountId: string;
  region: string;
  protocol: "HTTP" | "HTTPS";
  protocolVersion: string;
  port: number;
  vpcId: string;
  targetType: "instance" | "ip";
  ipAddressType: string;
  healthCheck: HealthCheckDoc;
  attributes: Record<string, string>;
  targets: TargetDoc[];
  createdTime: number;
  tags: TagDoc[];
}

/** An action as the API shapes it (normalised: Order set, ForwardConfig filled). */
export interface ActionDoc {
  Type: "forward" | "fixed-response" | "redirect";
  Order: number;
  TargetGroupArn?: string;
  ForwardConfig?: { TargetGroups: Array<{ TargetGroupArn: string; Weight: number }>; TargetGroupStickinessConfig?: { Enabled: boolean; DurationSeconds?: number } };
  FixedResponseConfig?: { StatusCode: string; ContentType?: string; MessageBody?: string };
  RedirectConfig?: { Protocol: string; Port: string; Host: string; Path: string; Query: string; StatusCode: "HTTP_301" | "HTTP_302" };
}

export interface ListenerDoc {
  arn: string;
  id: string;
  loadBalancerArn: string;
  lbId: string;
  accountId: string;
  region: string;
  port: number;
  protocol: "HTTP" | "HTTPS";
  sslPolicy?: string;
  /** As the caller named them (DescribeListeners shows them so). */
  certificates: Array<{ CertificateArn: string }>;
  /**
   * When the default certificate is an IAM server certificate: its ServerCertificateId. The
   * listener presents the certificate by this id, so renaming or moving it in IAM changes nothing.
   */
  iamServerCertificateId?: string;
  /** HTTPS: the certificate list (AddListenerCertificates), offered by SNI; absent when empty. */
  certificateList?: ListedCertificateDoc[];
  defaultActions: ActionDoc[];
  tags: TagDoc[];
}

/** A certificate of a listener's certificate list. */
export interface ListedCertificateDoc {
  /** As the caller named it. */
  CertificateArn: string;
  /** An IAM server certificate's ServerCertificateId: presented by id, like a default one. */
  iamServerCertificateId?: string;
  /** Order of addition (DescribeListenerCertificates lists them in it). */
  seq: number;
}

/** A server certificate a listener can present. The private key is sealed. */
export interface CertificateDoc {
  arn: string;
  id: string;
  accountId: string;
  region: string;
  source: "bulwark-ca" | "imported";
  names: string[];
  certPem: string;
  sealedKey: string;
  notAfter: number;
}

export const COLLECTIONS = {
  loadBalancers: "elbv2-load-balancers",
  loadBalancerNames: "elbv2-load-balancer-names",
  targetGroups: "elbv2-target-groups",
  targetGroupNames: "elbv2-target-group-names",
  listeners: "elbv2-listeners",
  certificates: "elbv2-certificates",
} as const;

export interface NameIndexDoc {
  id: string;
}
