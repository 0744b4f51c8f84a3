/** What a listener needs from the data plane it belongs to (looked up per request: cheap map reads). */
import type { Clock } from "../core/clock.js";
import type { DesyncCounts } from "./desync-counts.js";
import type { ShieldLimits } from "./limits.js";
import type { LoadBalancerSpec } from "./runtime-types.js";
import type { TargetGroupRuntime } from "./target-group.js";
import type { TrafficObserver, WafEvaluator } from "./types.js";

export interface ListenerContext {
  readonly clock: Clock;
  readonly limits: ShieldLimits;
  readonly observers: readonly TrafficObserver[];
  /** Non-compliant requests per load balancer (DesyncMitigationMode_NonCompliant_Request_Count). */
  readonly desync: DesyncCounts;
  loadBalancer(arn: string): LoadBalancerSpec | undefined;
  targetGroup(arn: string): TargetGroupRuntime | undefined;
  webAcl(loadBalancerArn: string): WafEvaluator | undefined;
}
