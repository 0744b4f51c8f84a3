/**
 * Shield's automatic mitigations reach WAFv2 through WAFv2's own operations (GetWebACL,
 * UpdateWebACL, GetWebACLForResource), called in-process as Shield's service-linked role —
 * the way AWS Shield edits web ACLs on the customer's behalf. Nothing of WAFv2's internals is
 * used, only its public operation shapes; lock tokens are honoured (a concurrent change is
 * retried from a fresh read), and only rules whose names start with the Shield prefix are
 * ever touched.
 *
 * Each call is recorded in CloudTrail as AWS records what a service does with its linked role:
 * a WAFv2 event of the role's session (AWSServiceRoleForAWSShield/AWSShield) with `invokedBy`,
 * sourceIPAddress and userAgent shield.amazonaws.com.
 */
import type { Rule, UpdateWebACLRequest, WebACL } from "@aws-sdk/client-wafv2";
import type { AuditLog } from "../../audit/types.js";
import { AwsError, toAwsError } from "../../core/errors.js";
import { randomUuid } from "../../core/uuid.js";
import { wireError } from "../../protocol/errors.js";
import { inputSchemaOf, isReadOnly, outputSchemaOf } from "../operation-facts.js";
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
const SHIELD_HOST = "shield.amazonaws.com";
/** The session's principal id when the role's own id is not known (the role was deleted meanwhile). */
const UNKNOWN_ROLE_ID = "AROASHIELDSERVICEROLE";

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

/** The role's ARN in an account. */
export function shieldServiceRoleArn(accountId: string): string {
  return iamArn(accountId, `role/aws-service-role/${SHIELD_HOST}/${SERVICE_ROLE}`);
}

function serviceContext(accountId: string, region: string, operation: string, now: number, roleId: string): RequestContext {
  const allow = async (_r: AuthorizeRequest): Promise<void> => {};
  return {
    requestId: randomUuid(),
    scope: { accountId, region },
    principal: {
      type: "AssumedRole",
      accountId,
      arn: arn("sts", "", accountId, `assumed-role/${SERVICE_ROLE}/AWSShield`),
      principalId: `${roleId}:AWSShield`,
      accessKeyId: "",
      name: SERVICE_ROLE,
      roleArn: shieldServiceRoleArn(accountId),
      roleId,
      serviceLinkedRole: true,
      sessionName: "AWSShield",
      sessionIssuedAt: now,
    },
    service: "wafv2",
    operation,
    sourceIp: SHIELD_HOST,
    userAgent: SHIELD_HOST,
    secureTransport: true,
    now,
    audit: {},
    authorize: allow,
    evaluate: async () => "Allow",
    isAllowed: async () => true,
  };
}

export interface Wafv2BridgeDeps {
  /** Where the calls are recorded. */
  audit?: AuditLog;
  /** The unique id (AROA…) of the account's AWSServiceRoleForAWSShield, if it exists. */
  serviceRoleId?: (accountId: string) => Promise<string | undefined>;
}

export function createWafv2Bridge(operations: Record<string, OperationDefinition>, clock: Clock, deps: Wafv2BridgeDeps = {}): MitigationPort {
  const call = async <T>(op: string, input: unknown, accountId: string, region: string): Promise<T> => {
    const def = operations[op];
    if (!def) throw new Error(`WAFv2 operation ${op} is not available`);
    const ctx = serviceContext(accountId, region, op, clock.now(), (await deps.serviceRoleId?.(accountId)) ?? UNKNOWN_ROLE_ID);
    let output: unknown;
    let error: { code: string; message: string } | undefined;
    try {
      output = await def.handler(input, ctx);
      return output as T;
    } catch (e) {
      const err = toAwsError(e);
      error = { code: wireError("awsJson1_1", err, undefined).code, message: err.auditMessage ?? err.message };
      throw e;
    } finally {
      await deps.audit
        ?.record({
          time: ctx.now,
          requestId: ctx.requestId,
          eventSource: "wafv2.amazonaws.com",
          service: "wafv2",
          operation: op,
          region,
          principal: ctx.principal,
          sourceIp: SHIELD_HOST,
          userAgent: SHIELD_HOST,
          invokedBy: SHIELD_HOST,
          input,
          ...(output !== undefined ? { output } : {}),
          inputSchema: inputSchemaOf(def.schema),
          outputSchema: outputSchemaOf(def.schema),
          ...(error ? { error } : {}),
          readOnly: isReadOnly(def, op),
          annotations: ctx.audit,
        })
        .catch(() => undefined);
    }
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
