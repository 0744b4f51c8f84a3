/**
 * Shared set-up of the data-plane end-to-end tests: a load balancer in front of a local upstream,
 * created the way a user does it (official ELBv2 client), and Shield detection settings fast
 * enough for a test.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { freePort } from "./harness.js";

export interface FrontedUpstream {
  lbArn: string;
  tgArn: string;
  /** The HTTP listener's port on 127.0.0.1. */
  port: number;
}

/** Load balancer `name`, target group `name` (127.0.0.1:upstreamPort) and an HTTP listener forwarding to it. */
export async function loadBalancerInFront(elb: ElasticLoadBalancingV2Client, name: string, upstreamPort: number): Promise<FrontedUpstream> {
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: ["subnet-a", "subnet-b"] }));
  const lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const tg = await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: upstreamPort, TargetType: "ip", HealthCheckPath: "/" }));
  const tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
  const port = await freePort();
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  return { lbArn, tgArn, port };
}

/** Shield's traffic-baseline detection, shortened so that a test flood starts and ends an attack within seconds. */
export function fastShieldDetectionEnv(floorRps: number): Record<string, string> {
  return {
    BULWARK_SHIELD_DETECTION_BASELINE_SECONDS: "30",
    BULWARK_SHIELD_DETECTION_MIN_RPS: String(floorRps),
    // One loud second starts an event: on a busy machine the flood's pace varies from second
    // to second, and a spike that ended would be learned into the (short) baseline.
    BULWARK_SHIELD_DETECTION_SUSTAIN_SECONDS: "1",
    // Long enough that a second where a busy machine sent less does not end an attack.
    BULWARK_SHIELD_DETECTION_COOLDOWN_SECONDS: "3",
    BULWARK_SHIELD_DETECTION_TICK_MS: "100",
    BULWARK_SHIELD_DETECTION_PERSIST_SECONDS: "1",
  };
}
