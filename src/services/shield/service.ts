/**
 * AWS Shield Advanced (awsJson1_1, target prefix AWSShield_20160616, signing name "shield",
 * CloudTrail event source shield.amazonaws.com). A global service: its API lives in
 * us-east-1 (the SDK sends every call there), state is kept with region "", and calls
 * signed for any region reach the same account state.
 *
 * Besides the API, the service owns the application-layer detector (a TrafficObserver the
 * composition root adds to the data plane): protections are watched from start(), events
 * are stored as attacks, and automatic mitigations go into web ACLs through the injected
 * applyMitigation / webAclForResource functions.
 */
import type { RequestContext } from "../../core/types.js";
import type { Clock } from "../../core/clock.js";
import { ShieldDetector } from "../../dataplane/shield/detection/detector.js";
import { resolveDetectionSettings, type DetectionSettings } from "../../dataplane/shield/detection/settings.js";
import type { MitigationRule } from "../../dataplane/shield/detection/types.js";
import type { Storage } from "../../storage/types.js";
import type { ServiceDefinition } from "../types.js";
import { createAttackRecorder } from "./attacks.js";
import { missingRequired } from "./errors.js";
import { watchedGroup, watchedResource, type ShieldEnv, type SrtRoleFacts } from "./env.js";
import { groupAndAttackOperations } from "./handlers-groups-attacks.js";
import { protectionOperations } from "./handlers-protections.js";
import { srtOperations } from "./handlers-srt.js";
import { PageTokens } from "./input.js";
import { allGroups } from "./protection-groups.js";
import { allProtections } from "./protections.js";

export interface ShieldDeps {
  store: Storage;
  clock: Clock;
  /** 32-byte key for NextToken MACs (derived from the root key). */
  tokenKey: Buffer;
  /** Whether an Application Load Balancer exists (ELBv2 store). */
  loadBalancerExists(arn: string): Promise<boolean>;
  /** The WAFv2 web ACL associated with a resource, if any. */
  webAclForResource(resourceArn: string): Promise<string | undefined>;
  /** Puts Shield's mitigation rule into a web ACL (replacing Shield's previous rule), or removes it with undefined. */
  applyMitigation(webAclArn: string, mitigation: MitigationRule): Promise<void>;
  /** What AssociateDRTRole checks of an IAM role (see ShieldEnv). */
  describeRole?: (roleArn: string) => Promise<SrtRoleFacts | undefined>;
  /** Creates Shield's service-linked role for the caller's account unless it exists (see ShieldEnv). */
  ensureServiceLinkedRole?: (ctx: RequestContext) => Promise<void>;
  /** Detection tuning; unset values keep their defaults. */
  detection?: Partial<DetectionSettings>;
  onError?: (e: unknown, what: string) => void;
}

export type ShieldService = ServiceDefinition & {
  /** The application-layer detector; add it to the data plane with addObserver(). */
  detector: ShieldDetector;
  /** Watches every stored protection and protection group, closes events left open, starts the detection timer. */
  start(): Promise<void>;
  close(): Promise<void>;
};

export function createShieldService(deps: ShieldDeps): ShieldService {
  const detector = new ShieldDetector({
    clock: deps.clock,
    settings: resolveDetectionSettings(deps.detection),
    recorder: createAttackRecorder(deps.store),
    mitigation: { webAclForResource: deps.webAclForResource, applyMitigation: deps.applyMitigation },
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const env: ShieldEnv = {
    store: deps.store,
    clock: deps.clock,
    tokens: new PageTokens(deps.tokenKey),
    loadBalancerExists: deps.loadBalancerExists,
    webAclForResource: deps.webAclForResource,
    ...(deps.describeRole ? { describeRole: deps.describeRole } : {}),
    ...(deps.ensureServiceLinkedRole ? { ensureServiceLinkedRole: deps.ensureServiceLinkedRole } : {}),
    watcher: detector,
  };
  return {
    name: "shield",
    signingName: "shield",
    protocol: "awsJson1_1",
    targetPrefix: "AWSShield_20160616",
    eventSource: "shield.amazonaws.com",
    global: true,
    missingRequiredError: missingRequired,
    operations: {
      ...protectionOperations(env),
      ...groupAndAttackOperations(env),
      ...srtOperations(env),
    },
    detector,
    start: async () => detector.start((await allProtections(deps.store)).map(watchedResource), (await allGroups(deps.store)).map(watchedGroup)),
    close: () => detector.stop(),
  };
}
