/** A RequestContext for unsigned federation calls whose authorize() runs the real policy engine on the trust policy, as the gateway does. */
import { commonError } from "../../../core/errors.js";
import type { AuthorizeRequest, Principal, RequestContext } from "../../../core/types.js";
import { evaluate, parsePolicy } from "../../../iam/policy/index.js";

const ANONYMOUS: Principal = { type: "Anonymous", accountId: "", arn: "", principalId: "anonymous", accessKeyId: "" };

export function engineContext(now: number, operation = "AssumeRoleWithWebIdentity"): RequestContext & { calls: AuthorizeRequest[] } {
  const calls: AuthorizeRequest[] = [];
  return {
    requestId: "req-1",
    scope: { accountId: "", region: "us-east-1" },
    principal: ANONYMOUS,
    service: "sts",
    operation,
    sourceIp: "127.0.0.1",
    userAgent: "test",
    secureTransport: true,
    now,
    audit: {},
    calls,
    async authorize(req) {
      calls.push(req);
      const r = evaluate({
        principal: ANONYMOUS,
        action: req.action,
        resource: req.resource,
        resourceAccount: req.resourceAccount ?? "",
        identityPolicies: [],
        ...(req.resourcePolicy !== undefined ? { resourcePolicy: parsePolicy(req.resourcePolicy, "resource") } : {}),
        ...(req.resourcePolicyIsAuthoritative ? { resourcePolicyIsAuthoritative: true } : {}),
        ...(req.federatedProvider !== undefined ? { callerFederatedProvider: req.federatedProvider } : {}),
        context: { ...req.context },
      });
      if (r.decision !== "Allow") throw commonError("AccessDenied", `User: anonymous is not authorized to perform: ${req.action} on resource: ${req.resource}`);
    },
    async isAllowed() {
      return false;
    },
    async evaluate() {
      return "ImplicitDeny";
    },
  };
}
