/**
 * Shield Response Team settings (emergency contacts, proactive engagement, SRT access) and
 * health-based detection. See srt.ts for what is kept and what Bulwark cannot provide.
 */
import {
  AssociateDRTLogBucket$,
  AssociateDRTRole$,
  AssociateHealthCheck$,
  AssociateProactiveEngagementDetails$,
  DescribeDRTAccess$,
  DescribeEmergencyContactSettings$,
  DisableProactiveEngagement$,
  DisassociateDRTLogBucket$,
  DisassociateDRTRole$,
  DisassociateHealthCheck$,
  EnableProactiveEngagement$,
  UpdateEmergencyContactSettings$,
  type EmergencyContact,
} from "@aws-sdk/client-shield";
import type { OperationDefinition } from "../types.js";
import type { ShieldEnv } from "./env.js";
import { accessDeniedForDependency, invalidParameter, invalidResource, noAssociatedRole, resourceNotFound } from "./errors.js";
import { authorize, callerAccount } from "./handler-support.js";
import { checks, PROTECTION_ID, type Checks } from "./input.js";
import { protectionArn, type EmergencyContactRecord } from "./model.js";
import { requireProtection } from "./protections.js";
import { associateProactiveEngagement, setDrtRole, setProactiveEngagement, updateEmergencyContacts } from "./srt.js";
import { requireSubscription } from "./subscription.js";
import { arnPattern, partition } from "../../core/partition.js";
import { awsManagedPolicyArn, SHIELD_DRT_ACCESS_POLICY } from "../iam/aws-managed-policies.js";

/** The service principal the SRT role trusts, and the one a role is passed to (iam:PassedToService). */
const SRT_SERVICE_PRINCIPAL = "drt.shield.amazonaws.com";

// The model's patterns are Java regular expressions, whose \s is only [ \t\n\x0B\f\r] (JavaScript's
// also takes no-break and other Unicode spaces), so they are spelt out here.
const EMAIL = /^[^ \t\n\v\f\r]+@[^ \t\n\v\f\r]+\.[^ \t\n\v\f\r]+$/;
const PHONE = /^\+[1-9]\d{1,14}$/;
const NOTES = /^[\w \t\n\v\f\r.\-,:/()+@]*$/;
// The model's patterns, in the installation's partition.
const ROLE_ARN = arnPattern(/^arn:aws:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+/);
const LOG_BUCKET = /^([a-z]|(\d(?!\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3})))([a-z\d]|(\.(?!(\.|-)))|(-(?!\.))){1,61}[a-z\d]$/;
const HEALTH_CHECK_ARN = arnPattern(/^arn:aws:route53:::healthcheck\/[^ \t\n\v\f\r]{36}$/);

function contacts(c: Checks, path: string, list: EmergencyContact[] | undefined): EmergencyContactRecord[] {
  c.listLength(path, list, 0, 10);
  (list ?? []).forEach((e, i) => {
    const p = `${path}.${i + 1}.member`;
    c.string(`${p}.emailAddress`, e.EmailAddress, { min: 1, max: 150, pattern: EMAIL, patternText: "^\\S+@\\S+\\.\\S+$" })
      .string(`${p}.phoneNumber`, e.PhoneNumber, { min: 1, max: 16, pattern: PHONE, patternText: "^\\+[1-9]\\d{1,14}$" })
      .string(`${p}.contactNotes`, e.ContactNotes, { min: 1, max: 1024, pattern: NOTES, patternText: "^[\\w\\s\\.\\-,:/()+@]*$" });
  });
  c.done();
  return (list ?? []).map((e) => ({ EmailAddress: e.EmailAddress as string, ...(e.PhoneNumber !== undefined ? { PhoneNumber: e.PhoneNumber } : {}), ...(e.ContactNotes !== undefined ? { ContactNotes: e.ContactNotes } : {}) }));
}

export function srtOperations(env: ShieldEnv): Record<string, OperationDefinition> {
  return {
    DescribeEmergencyContactSettings: {
      schema: DescribeEmergencyContactSettings$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DescribeEmergencyContactSettings");
        const rec = await requireSubscription(env.store, callerAccount(ctx), ctx.now);
        return { EmergencyContactList: rec.emergencyContacts ?? [] };
      },
    },
    UpdateEmergencyContactSettings: {
      schema: UpdateEmergencyContactSettings$,
      handler: async (input: { EmergencyContactList?: EmergencyContact[] }, ctx) => {
        await authorize(ctx, "UpdateEmergencyContactSettings");
        const list = contacts(checks(), "emergencyContactList", input.EmergencyContactList);
        await updateEmergencyContacts(env.store, callerAccount(ctx), list, ctx.now);
        return {};
      },
    },
    AssociateProactiveEngagementDetails: {
      schema: AssociateProactiveEngagementDetails$,
      handler: async (input: { EmergencyContactList: EmergencyContact[] }, ctx) => {
        await authorize(ctx, "AssociateProactiveEngagementDetails");
        const list = contacts(checks(), "emergencyContactList", input.EmergencyContactList);
        await associateProactiveEngagement(env.store, callerAccount(ctx), list, ctx.now);
        return {};
      },
    },
    EnableProactiveEngagement: {
      schema: EnableProactiveEngagement$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "EnableProactiveEngagement");
        await setProactiveEngagement(env.store, callerAccount(ctx), "ENABLED", ctx.now);
        return {};
      },
    },
    DisableProactiveEngagement: {
      schema: DisableProactiveEngagement$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DisableProactiveEngagement");
        await setProactiveEngagement(env.store, callerAccount(ctx), "DISABLED", ctx.now);
        return {};
      },
    },
    DescribeDRTAccess: {
      schema: DescribeDRTAccess$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DescribeDRTAccess");
        const rec = await requireSubscription(env.store, callerAccount(ctx), ctx.now);
        return { ...(rec.drtRoleArn ? { RoleArn: rec.drtRoleArn } : {}), LogBucketList: [] };
      },
    },
    AssociateDRTRole: {
      schema: AssociateDRTRole$,
      handler: async (input: { RoleArn: string }, ctx) => {
        await authorize(ctx, "AssociateDRTRole");
        checks().string("roleArn", input.RoleArn, { min: 1, max: 2048, pattern: ROLE_ARN, patternText: `^arn:${partition()}:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+` }).done();
        await requireSubscription(env.store, callerAccount(ctx), ctx.now);
        // PassRole hands a service only a role of the caller's own account (IAM User Guide,
        // "Grant a user permissions to pass a role to an AWS service").
        if (input.RoleArn.split(":")[4] !== callerAccount(ctx)) throw accessDeniedForDependency("Cross-account pass role is not allowed.");
        // Handing a role to the SRT passes it to a service: the caller needs iam:PassRole on it,
        // with iam:PassedToService naming the service principal the role trusts (the SRT's).
        if (!(await ctx.isAllowed({ action: "iam:PassRole", resource: input.RoleArn, context: { "iam:PassedToService": SRT_SERVICE_PRINCIPAL } }))) {
          throw accessDeniedForDependency("In order to grant the necessary access to the Shield Response Team (SRT) the user submitting the request must have the iam:PassRole permission.");
        }
        if (env.describeRole) {
          // The role must exist, trust the SRT's service principal and hold AWSShieldDRTAccessPolicy
          // (Shield API Reference, AssociateDRTRole).
          const role = await env.describeRole(input.RoleArn);
          if (!role) throw invalidParameter(`The role ${input.RoleArn} does not exist.`);
          if (!role.trusts(SRT_SERVICE_PRINCIPAL)) throw invalidParameter(`The role ${input.RoleArn} must trust the service principal ${SRT_SERVICE_PRINCIPAL}.`);
          if (!role.attachedPolicyArns.includes(awsManagedPolicyArn(SHIELD_DRT_ACCESS_POLICY))) {
            throw invalidParameter(`The AWSShieldDRTAccessPolicy managed policy must be attached to the role ${input.RoleArn}.`);
          }
        }
        await setDrtRole(env.store, callerAccount(ctx), input.RoleArn, ctx.now);
        return {};
      },
    },
    DisassociateDRTRole: {
      schema: DisassociateDRTRole$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DisassociateDRTRole");
        await setDrtRole(env.store, callerAccount(ctx), undefined, ctx.now);
        return {};
      },
    },
    AssociateDRTLogBucket: {
      schema: AssociateDRTLogBucket$,
      handler: async (input: { LogBucket: string }, ctx) => {
        await authorize(ctx, "AssociateDRTLogBucket");
        checks().string("logBucket", input.LogBucket, { min: 3, max: 63, pattern: LOG_BUCKET }).done();
        const rec = await requireSubscription(env.store, callerAccount(ctx), ctx.now);
        if (!rec.drtRoleArn) throw noAssociatedRole();
        // AWS reads and extends the bucket's policy; Bulwark has no Amazon S3 to reach.
        throw accessDeniedForDependency(`Shield can't access the Amazon S3 bucket ${input.LogBucket}: Bulwark provides no Amazon S3 buckets.`);
      },
    },
    DisassociateDRTLogBucket: {
      schema: DisassociateDRTLogBucket$,
      handler: async (input: { LogBucket: string }, ctx) => {
        await authorize(ctx, "DisassociateDRTLogBucket");
        checks().string("logBucket", input.LogBucket, { min: 3, max: 63, pattern: LOG_BUCKET }).done();
        const rec = await requireSubscription(env.store, callerAccount(ctx), ctx.now);
        if (!rec.drtRoleArn) throw noAssociatedRole();
        throw resourceNotFound("log-bucket", `The log bucket ${input.LogBucket} is not associated with the Shield Response Team.`);
      },
    },
    AssociateHealthCheck: healthCheck(env, "AssociateHealthCheck", AssociateHealthCheck$),
    DisassociateHealthCheck: healthCheck(env, "DisassociateHealthCheck", DisassociateHealthCheck$),
  };
}

/** Route 53 health checks do not exist in Bulwark: after the protection is found, the health check cannot be. */
function healthCheck(env: ShieldEnv, name: string, schema: unknown): OperationDefinition {
  return {
    schema,
    handler: async (input: { ProtectionId: string; HealthCheckArn: string }, ctx) => {
      const account = callerAccount(ctx);
      await authorize(ctx, name, protectionArn(account, input.ProtectionId));
      checks()
        .string("protectionId", input.ProtectionId, { min: 36, max: 36, pattern: PROTECTION_ID })
        .string("healthCheckArn", input.HealthCheckArn, { min: 1, max: 2048, pattern: HEALTH_CHECK_ARN, patternText: `^arn:${partition()}:route53:::healthcheck/\\S{36}$` })
        .done();
      await requireSubscription(env.store, account, ctx.now);
      await requireProtection(env.store, account, input.ProtectionId);
      throw invalidResource(`The health check ${input.HealthCheckArn} does not exist: Bulwark provides no Route 53 health checks.`);
    },
  };
}
