/** A RequestContext for handler tests: records every authorize call, denies on demand. */
import { AwsError } from "../../../core/errors.js";
import type { AuthorizeRequest, Principal, RequestContext } from "../../../core/types.js";

export interface FakeContext extends RequestContext {
  calls: AuthorizeRequest[];
}

export interface FakeContextOptions {
  principal: Principal;
  now: number;
  region?: string;
  service?: string;
  operation?: string;
  /** Return true to deny a request (AccessDenied the way the authoriser words it). */
  deny?: (req: AuthorizeRequest) => boolean;
}

export function fakeContext(opts: FakeContextOptions): FakeContext {
  const calls: AuthorizeRequest[] = [];
  const denied = (req: AuthorizeRequest): boolean => {
    if (opts.deny?.(req)) return true;
    // A trust/resource policy with no statements never allows.
    if (req.resourcePolicyIsAuthoritative && req.resourcePolicy !== undefined) {
      const doc = JSON.parse(req.resourcePolicy) as { Statement?: unknown[] };
      if (!doc.Statement || doc.Statement.length === 0) return true;
    }
    return false;
  };
  return {
    requestId: "req-1",
    scope: { accountId: opts.principal.accountId, region: opts.region ?? "us-east-1" },
    principal: opts.principal,
    service: opts.service ?? "sts",
    operation: opts.operation ?? "Test",
    sourceIp: "127.0.0.1",
    userAgent: "test",
    secureTransport: true,
    now: opts.now,
    calls,
    audit: {},
    async authorize(req) {
      calls.push(req);
      if (denied(req)) {
        throw new AwsError(
          "AccessDeniedException",
          `User: ${opts.principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`,
          400,
          { common: "AccessDenied" },
        );
      }
    },
    async isAllowed(req) {
      calls.push(req);
      return !denied(req);
    },
    async evaluate(req) {
      calls.push(req);
      return denied(req) ? "ImplicitDeny" : "Allow";
    },
  };
}

export const principals = {
  user(accountId: string, name: string, id = "AIDAEXAMPLEUSER00001"): Principal {
    return { type: "IAMUser", accountId, arn: `arn:aws:iam::${accountId}:user/${name}`, principalId: id, accessKeyId: "AKIAEXAMPLE000000001", name };
  },
  root(accountId: string): Principal {
    return { type: "Root", accountId, arn: `arn:aws:iam::${accountId}:root`, principalId: accountId, accessKeyId: "AKIAEXAMPLEROOT00001" };
  },
  role(accountId: string, roleName: string, roleId: string, session: string, extra: Partial<Principal> = {}): Principal {
    return {
      type: "AssumedRole",
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`,
      principalId: `${roleId}:${session}`,
      accessKeyId: "ASIAEXAMPLE000000001",
      name: roleName,
      roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      roleId,
      sessionName: session,
      sessionIssuedAt: 0,
      sessionExpiresAt: 3_600_000,
      ...extra,
    };
  },
};
