/**
 * Shield's automatic mitigations reach WAFv2 through WAFv2's own operations (GetWebACL,
 * UpdateWebACL, GetWebACLForResource), called in-process as Shield's service-linked role —
 * the way AWS Shield edits web ACLs on the customer's behalf. Nothing of WAFv2's internals is
 * used, only its public operation shapes; lock tokens are honoured (a concurrent change is
 * retried from a fresh read), and only rules whose names start with the Shield prefix are
 * ever touched.
 *
 * The calls are not recorded in CloudTrail (AWS records them as made by the service-linked
 * role; Bulwark's audit log is written by the gateway only).
 */
import type { Rule, UpdateWebACLRequest, WebACL } from "@aws-sdk/client-wafv2";
import { AwsError } from "../../core/errors.js";
import type { Clock } from "../../core/clock.js";
import type { AuthorizeRequest, RequestContext } from "../../core/types.js";
import { MITIGATION_RULE_PREFIX } from "../../dataplane/shield/detection/mitigation-rule.js";
import type { MitigationPort, MitigationRule } from "../../dataplane/shield/detection/types.js";
import type { OperationDefinition } from "../types.js";
import { arn, arnPattern, iamArn } from "../../core/partition.js";

const WEB_ACL_ARN = arnPattern(/^arn:aws:wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/webacl\/([^/]+)\/([^/]+)$/);
const REGIONAL_ARN = arnPattern(/^arn:aws:[a-z0-9-]+:([a-z0-9-]+):(\d{12}):/);
const MAX_ATTEMPTS = 5;
const SERVICE_ROLE = "AWSServiceRoleForAWSShield";

/** Optional WebACL members that UpdateWebACL takes back unchanged. */
const CARRIED: ReadonlyArray<keyof WebACL & keyof UpdateWebACLRequest> = [
  "Description",
  "DataProtectionConfig",
  "CustomResponseBodies",
  "CaptchaConfig",
  "ChallengeConfig",
  "TokenDomains",
  "AssociationConfig",
  "OnSourceDDoSProtectionConfig",
  "ApplicationConfig",
  "MonetizationConfig",
];

function serviceContext(accountId: string, region: string, operation: string, now: number): RequestContext {
  const allow = async (_r: AuthorizeRequest): Promise<void> => {};
  return {
    requestId: `shield-${operation}-${now}`,
    scope: { accountId, region },
    principal: {
      type: "AssumedRole",
      accountId,
      arn: arn("sts", "", accountId, `assumed-role/${SERVICE_ROLE}/AWSShield`),
      principalId: "AROASHIELDSERVICEROLE:AWSShield",
      accessKeyId: "",
      name: SERVICE_ROLE,
      roleArn: iamArn(accountId, `role/aws-service-role/shield.amazonaws.com/${SERVICE_ROLE}`),
      serviceLinkedRole: true,
      sessionName: "AWSShield",
    },
    service: "wafv2",
    operation,
    sourceIp: "shield.amazonaws.com",
    userAgent: "shield.amazonaws.com",
    secureTransport: true,
    now,
    audit: {},
    authorize: allow,
    evaluate: async () => "Allow",
    isAllowed: async () => true,
  };
}

export function createWafv2Bridge(operations: Record<string, OperationDefinition>, clock: Clock): MitigationPort {
  const call = async <T>(op: string, input: unknown, accountId: string, region: string): Promise<T> => {
    const def = operations[op];
    if (!def) throw new Error(`WAFv2 operation ${op} is not available`);
    return (await def.handler(input, serviceContext(accountId, region, op, clock.now()))) as T;
  };

  return {
    async webAclForResource(resourceArn) {
      const m = REGIONAL_ARN.exec(resourceArn);
      if (!m) return undefined;
      try {
        const out = await call<{ WebACL?: WebACL }>("GetWebACLForResource", { ResourceArn: resourceArn }, m[2] as string, m[1] as string);
        return out.WebACL?.ARN;
      } catch (e) {
        // A load balancer WAFv2 cannot find has no web ACL.
        if (e instanceof AwsError && e.code === "WAFNonexistentItemException") return undefined;
        throw e;
      }
    },

    async applyMitigation(webAclArn: string, mitigation: MitigationRule) {
      const m = WEB_ACL_ARN.exec(webAclArn);
      if (!m) throw new Error(`Not a web ACL ARN: ${webAclArn}`);
      const [, region, accountId, kind, name, id] = m as unknown as [string, string, string, string, string, string];
      const address = { Name: name, Scope: kind === "global" ? "CLOUDFRONT" : "REGIONAL", Id: id };
      for (let attempt = 1; ; attempt++) {
        const got = await call<{ WebACL: WebACL; LockToken: string }>("GetWebACL", address, accountId, region);
        const current = got.WebACL.Rules ?? [];
        const theirs = current.filter((r) => !r.Name?.startsWith(MITIGATION_RULE_PREFIX));
        if (!mitigation && theirs.length === current.length) return; // no Shield rule to remove
        const rules: Rule[] = mitigation ? [...theirs, mitigation.rule] : theirs;
        const update: UpdateWebACLRequest = {
          ...address,
          DefaultAction: got.WebACL.DefaultAction,
          VisibilityConfig: got.WebACL.VisibilityConfig,
          Rules: rules,
          LockToken: got.LockToken,
        } as UpdateWebACLRequest;
        for (const k of CARRIED) if (got.WebACL[k] !== undefined) (update as unknown as Record<string, unknown>)[k] = got.WebACL[k];
        try {
          await call("UpdateWebACL", update, accountId, region);
          return;
        } catch (e) {
          if (!(e instanceof AwsError && e.code === "WAFOptimisticLockException") || attempt >= MAX_ATTEMPTS) throw e;
        }
      }
    },
  };
}
