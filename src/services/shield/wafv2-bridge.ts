/**
 * Shield's automatic mitigations reach WAFv2 through WAFv2's own operations (GetWebACL,
 * UpdateWebACL, GetWebACLForResource), called in-process as Shield's service-linked role —
 * the way AWS Shield edits web ACLs on the customer's behalf. Nothing of WAFv2's internals is
 * used, only its public operation shapes; lock tokens are honoured (a concurrent change is
 * retried from a fresh read), and only rules whose names start with the Shield prefix are
 * ever touched.
 *
 * Each call is recorded in CloudTrail as AWS records what a service does with its linked role:
 * first Shield's STS `AssumeRole` of the role (identity `{ type: "AWSService", invokedBy }`, the
 * session's ASIA key and expiry in responseElements), once per session of an hour per account;
 * then a WAFv2 event of the role's session (AWSServiceRoleForAWSShield/AWSShield, that key, the
 * session's creation date) with `invokedBy`, sourceIPAddress and userAgent shield.amazonaws.com.
 * An account without the role (nothing to assume) has Shield's calls recorded as Shield's own
 * (`{ type: "AWSService", invokedBy }`), never as a session of a role that does not exist.
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
import { randomAccessKeyId } from "../../crypto/access-key-id.js";
import { auditCredentials } from "../sts/audit-format.js";

const WEB_ACL_ARN = arnPattern(/^arn:aws:wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/webacl\/([^/]+)\/([^/]+)$/);
const REGIONAL_ARN = arnPattern(/^arn:aws:[a-z0-9-]+:([a-z0-9-]+):(\d{12}):/);
const MAX_ATTEMPTS = 5;
const SERVICE_ROLE = "AWSServiceRoleForAWSShield";
const SHIELD_HOST = "shield.amazonaws.com";
const SESSION_NAME = "AWSShield";
/** The principal id the WAFv2 handlers see when Shield acts without its role (not recorded). */
const UNKNOWN_ROLE_ID = "AROASHIELDSERVICEROLE";
/** How long a session of the role lasts (STS's default), and how long before its end Shield takes a new one. */
const SESSION_MS = 3_600_000;
const RENEW_BEFORE_MS = 300_000;

/** A session of the account's role, as Shield's AssumeRole returned it. */
interface RoleSession {
  accessKeyId: string;
  roleId: string;
  issuedAt: number;
  expiresAt: number;
}

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

function serviceContext(accountId: string, region: string, operation: string, now: number, session: RoleSession): RequestContext {
  const allow = async (_r: AuthorizeRequest): Promise<void> => {};
  return {
    requestId: randomUuid(),
    scope: { accountId, region },
    principal: {
      type: "AssumedRole",
      accountId,
      arn: arn("sts", "", accountId, `assumed-role/${SERVICE_ROLE}/${SESSION_NAME}`),
      principalId: `${session.roleId}:${SESSION_NAME}`,
      accessKeyId: session.accessKeyId,
      isSessionToken: true,
      name: SERVICE_ROLE,
      roleArn: shieldServiceRoleArn(accountId),
      roleId: session.roleId,
      serviceLinkedRole: true,
      sessionName: SESSION_NAME,
      sessionIssuedAt: session.issuedAt,
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
  const sessions = new Map<string, RoleSession>();

  /**
   * The account's current session of the role; a new one (and its AssumeRole event) when there is
   * none left. Undefined when the account has no such role (protections from before Shield made it
   * on enabling automatic response): there is nothing to assume, and Shield acts as itself.
   */
  const sessionFor = async (accountId: string, region: string): Promise<RoleSession | undefined> => {
    const roleId = await deps.serviceRoleId?.(accountId);
    if (roleId === undefined) {
      sessions.delete(accountId);
      return undefined;
    }
    // Read after the lookup, and the session stored before anything else is awaited: calls that
    // overlap share one session (one AssumeRole), whichever of them finished its lookup first.
    const now = clock.now();
    const held = sessions.get(accountId);
    if (held && held.roleId === roleId && now < held.expiresAt - RENEW_BEFORE_MS && now >= held.issuedAt) return held;
    const session: RoleSession = { accessKeyId: randomAccessKeyId("ASIA", accountId), roleId, issuedAt: now, expiresAt: now + SESSION_MS };
    sessions.set(accountId, session);
    const roleArn = shieldServiceRoleArn(accountId);
    await deps.audit
      ?.record({
        time: now,
        requestId: randomUuid(),
        eventSource: "sts.amazonaws.com",
        service: "sts",
        operation: "AssumeRole",
        region,
        accountId,
        identityType: "AWSService",
        invokedBy: SHIELD_HOST,
        sourceIp: SHIELD_HOST,
        userAgent: SHIELD_HOST,
        readOnly: true,
        annotations: {
          requestParameters: { roleArn, roleSessionName: SESSION_NAME },
          responseElements: {
            credentials: auditCredentials({ AccessKeyId: session.accessKeyId, SecretAccessKey: "", SessionToken: "", Expiration: new Date(session.expiresAt) }),
            assumedRoleUser: { assumedRoleId: `${roleId}:${SESSION_NAME}`, arn: arn("sts", "", accountId, `assumed-role/${SERVICE_ROLE}/${SESSION_NAME}`) },
          },
          resources: [{ ARN: roleArn, accountId, type: "AWS::IAM::Role" }],
        },
      })
      .catch(() => undefined);
    return session;
  };

  const call = async <T>(op: string, input: unknown, accountId: string, region: string): Promise<T> => {
    const def = operations[op];
    if (!def) throw new Error(`WAFv2 operation ${op} is not available`);
    const session = await sessionFor(accountId, region);
    const now = clock.now();
    const ctx = serviceContext(accountId, region, op, now, session ?? { accessKeyId: "", roleId: UNKNOWN_ROLE_ID, issuedAt: now, expiresAt: now });
    let output: unknown;
    let error: { code: string; message: string } | undefined;
    try {
      output = await def.handler(input, ctx);
      return output as T;
    } catch (e) {
      const err = toAwsError(e);
      error = { code: wireError("awsJson1_1", err).code, message: err.auditMessage ?? err.message };
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
          ...(session ? { principal: ctx.principal } : { accountId, identityType: "AWSService" as const }),
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
