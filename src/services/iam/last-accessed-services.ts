/**
 * The services IAM's last-accessed reports speak of: every service this installation serves,
 * from its operation table (the namespace is the IAM action prefix, the actions are its
 * operations, the CloudTrail eventSource ties audit events to it), with the name AWS reports
 * for it (ServiceName: the Service Authorization Reference's title for the prefix) and which
 * of its actions carry action-level data (TrackedActionsLastAccessed).
 *
 * Action-level data: AWS marks each action of its programmatic Service Authorization Reference
 * ("SupportedBy": "IAM Action Last Accessed"). For iam, sts, kms and organizations every action
 * this installation serves is tracked except the ones listed as untracked below (tagging actions,
 * kms:PutKeyPolicy, kms:ReEncryptFrom/To behind ReEncrypt, sts:AssumeRoot). For the other
 * services the per-action marks were not established here, so their reports carry no
 * action-level data rather than data AWS might not report.
 */
import type { ServiceDefinition } from "../types.js";

export interface LastAccessedService {
  /** IAM action prefix, e.g. "kms". */
  namespace: string;
  /** ServiceName, e.g. "AWS Key Management Service". */
  name: string;
  /** CloudTrail eventSource of the service's events, e.g. "kms.amazonaws.com". */
  eventSource: string;
  /** The service's actions (its operations), e.g. "Encrypt". */
  actions: readonly string[];
  /** Actions reported at ACTION_LEVEL; undefined when the service has no action-level data. */
  tracked: ReadonlySet<string> | undefined;
}

interface Reference {
  name: string;
  /** Present when the service reports action-level data: the operations that do not. */
  untracked?: readonly string[];
}

const IAM_TAGGING = ["User", "Role", "Policy", "InstanceProfile", "MFADevice", "OpenIDConnectProvider"].flatMap((r) => [`Tag${r}`, `Untag${r}`, `List${r}Tags`]);

const REFERENCE: Readonly<Record<string, Reference>> = {
  iam: { name: "AWS Identity and Access Management", untracked: IAM_TAGGING },
  sts: { name: "AWS Security Token Service", untracked: ["AssumeRoot"] },
  kms: { name: "AWS Key Management Service", untracked: ["ListResourceTags", "PutKeyPolicy", "ReEncrypt", "SynchronizeMultiRegionKey", "TagResource", "UntagResource"] },
  organizations: { name: "AWS Organizations", untracked: ["ListTagsForResource", "TagResource", "UntagResource"] },
  cloudtrail: { name: "AWS CloudTrail" },
  wafv2: { name: "AWS WAF V2" },
  shield: { name: "AWS Shield" },
  elasticloadbalancing: { name: "AWS Elastic Load Balancing" },
};

/** The catalog of the given service definitions, ordered by namespace. */
export function lastAccessedServices(defs: readonly ServiceDefinition[]): LastAccessedService[] {
  return defs
    .map((d) => {
      const ref = REFERENCE[d.name];
      const actions = Object.keys(d.operations).sort();
      const untracked = ref?.untracked === undefined ? undefined : new Set(ref.untracked);
      return {
        namespace: d.name,
        name: ref?.name ?? d.name,
        eventSource: d.eventSource,
        actions,
        tracked: untracked === undefined ? undefined : new Set(actions.filter((a) => !untracked.has(a))),
      };
    })
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}
