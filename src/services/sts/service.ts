/**
 * The STS service definition (awsQuery, 2011-06-15). Handlers are thin: the work is in
 * assume-role.ts, get-session-token.ts, get-scoped-credentials.ts, get-federation-token.ts, web-identity.ts,
 * assume-role-with-saml.ts, web-identity-token.ts, assume-root.ts, identity.ts and credentials.ts.
 */
import {
  AssumeRole$,
  AssumeRoleWithSAML$,
  AssumeRoleWithWebIdentity$,
  AssumeRoot$,
  DecodeAuthorizationMessage$,
  GetAccessKeyInfo$,
  GetCallerIdentity$,
  GetFederationToken$,
  GetScopedCredentials$,
  GetSessionToken$,
  GetWebIdentityToken$,
} from "@aws-sdk/client-sts";
import type { Clock } from "../../core/clock.js";
import type { Principal } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { Storage } from "../../storage/types.js";
import type { IamApi } from "../iam/api.js";
import type { OutboundFederation } from "../iam/outbound-federation.js";
import type { RootAccess } from "../iam/root-access.js";
import type { OrganizationsView } from "../organizations/view.js";
import type { ServiceDefinition } from "../types.js";
import { assumeRole, type AssumeRoleInput } from "./assume-role.js";
import { assumeRoot, type AssumeRootInput } from "./assume-root.js";
import { decodeAuthorizationMessage } from "./authorization-message.js";
import { getScopedCredentials, type GetScopedCredentialsInput } from "./get-scoped-credentials.js";
import { getSessionToken, type GetSessionTokenInput } from "./get-session-token.js";
import { getAccessKeyInfo, getCallerIdentity, type AccessKeyAccountLookup } from "./identity.js";
import { getFederationToken, type GetFederationTokenInput } from "./get-federation-token.js";
import { createJwksCache, type JwksSource } from "./oidc/jwks.js";
import { assumeRoleWithSaml, type AssumeRoleWithSamlInput } from "./assume-role-with-saml.js";
import { assumeRoleWithWebIdentity, type AssumeRoleWithWebIdentityInput } from "./web-identity.js";
import { getWebIdentityToken, type GetWebIdentityTokenInput } from "./web-identity-token.js";

export interface StsDeps {
  store: Storage;
  sealer: Sealer;
  iam: IamApi;
  clock: Clock;
  /** Account of an access key id, for GetAccessKeyInfo (e.g. from IdentityDirectory.resolveAccessKey). */
  accessKeyAccount?: AccessKeyAccountLookup;
  /** Signing keys of OIDC issuers (AssumeRoleWithWebIdentity); defaults to an HTTPS JWKS cache trusting Node's roots. */
  jwks?: JwksSource;
  /** Outbound identity federation (IAM): issuers' signing keys for GetWebIdentityToken. Unset: always disabled. */
  outbound?: Pick<OutboundFederation, "signingKey" | "isIssuer">;
  /** Tags of a principal's user or role with its session tags (the directory's aws:PrincipalTag/* source). */
  principalTags?: (p: Principal) => Promise<Record<string, string>>;
  /** Organizations as STS reads it (AssumeRoot, organization claims of web identity tokens). */
  organizations?: OrganizationsView;
  /** Centralised root access features (IAM). */
  rootAccess?: Pick<RootAccess, "enabledFeatures">;
}

export function createStsService(deps: StsDeps): ServiceDefinition {
  const issuing = { sealer: deps.sealer, iam: deps.iam };
  const webIdentity = {
    ...issuing,
    jwks: deps.jwks ?? createJwksCache({ now: () => deps.clock.now() }),
    ...(deps.outbound ? { isOutboundIssuer: (iss: string) => deps.outbound!.isIssuer(iss) } : {}),
  };
  const outboundTokens = {
    signingKey: deps.outbound ? deps.outbound.signingKey.bind(deps.outbound) : async () => undefined,
    principalTags: deps.principalTags ?? (async (p: Principal) => p.sessionTags ?? {}),
    ...(deps.organizations ? { organizations: deps.organizations } : {}),
  };
  const rootSessions = {
    ...issuing,
    ...(deps.organizations ? { organizations: deps.organizations } : {}),
    ...(deps.rootAccess ? { enabledFeatures: deps.rootAccess.enabledFeatures.bind(deps.rootAccess) } : {}),
  };
  return {
    name: "sts",
    signingName: "sts",
    protocol: "awsQuery",
    // "You cannot call any STS API except AssumeRole or GetCallerIdentity" (GetSessionToken), and
    // GetScopedCredentials, whose reference says to call it with GetSessionToken credentials to
    // scope down an IAM user's.
    sessionTokenOperations: new Set(["AssumeRole", "GetCallerIdentity", "GetScopedCredentials"]),
    apiVersion: "2011-06-15",
    xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
    eventSource: "sts.amazonaws.com",
    // STS does not honour X-Amz-Expires: a presigned GetCallerIdentity (an EKS token) is valid
    // while its X-Amz-Date is within 15 minutes.
    ignorePresignedExpires: true,
    // STS's model lists aws.auth#sigv4a beside aws.auth#sigv4 (the SDKs may sign with either).
    acceptsSigV4a: true,
    operations: {
      GetCallerIdentity: {
        schema: GetCallerIdentity$,
        noAuthorization: true,
        handler: async (_input: unknown, ctx) => getCallerIdentity(ctx),
      },
      AssumeRole: {
        schema: AssumeRole$,
        readOnly: true,
        handler: async (input: AssumeRoleInput, ctx) => assumeRole(issuing, input ?? {}, ctx),
      },
      // CloudTrail logs GetSessionToken, GetFederationToken and AssumeRoot as not read-only (IAM
      // user guide, "Logging IAM and AWS STS API calls with AWS CloudTrail"); the AssumeRole*
      // calls as read-only.
      GetSessionToken: {
        schema: GetSessionToken$,
        readOnly: false,
        noAuthorization: true,
        handler: async (input: GetSessionTokenInput, ctx) => getSessionToken(issuing, input ?? {}, ctx),
      },
      GetScopedCredentials: {
        schema: GetScopedCredentials$,
        readOnly: true,
        handler: async (input: GetScopedCredentialsInput, ctx) => getScopedCredentials(issuing, input ?? {}, ctx),
      },
      GetAccessKeyInfo: {
        schema: GetAccessKeyInfo$,
        handler: async (input: { AccessKeyId?: string }, ctx) => getAccessKeyInfo(deps.accessKeyAccount, input ?? {}, ctx),
      },
      DecodeAuthorizationMessage: {
        schema: DecodeAuthorizationMessage$,
        readOnly: true,
        handler: async (input: { EncodedMessage?: string }, ctx) => decodeAuthorizationMessage(deps.sealer, input ?? {}, ctx),
      },
      AssumeRoleWithWebIdentity: {
        schema: AssumeRoleWithWebIdentity$,
        unsigned: true,
        noAuthorization: true,
        readOnly: true,
        handler: async (input: AssumeRoleWithWebIdentityInput, ctx) => assumeRoleWithWebIdentity(webIdentity, input ?? {}, ctx),
      },
      AssumeRoleWithSAML: {
        schema: AssumeRoleWithSAML$,
        unsigned: true,
        noAuthorization: true,
        readOnly: true,
        handler: async (input: AssumeRoleWithSamlInput, ctx) => assumeRoleWithSaml(issuing, input ?? {}, ctx),
      },
      GetFederationToken: {
        schema: GetFederationToken$,
        readOnly: false,
        handler: async (input: GetFederationTokenInput, ctx) => getFederationToken(issuing, input ?? {}, ctx),
      },
      AssumeRoot: {
        schema: AssumeRoot$,
        readOnly: false,
        handler: async (input: AssumeRootInput, ctx) => assumeRoot(rootSessions, input ?? {}, ctx),
      },
      GetWebIdentityToken: {
        schema: GetWebIdentityToken$,
        readOnly: true,
        handler: async (input: GetWebIdentityTokenInput, ctx) => getWebIdentityToken(outboundTokens, input ?? {}, ctx),
      },
    },
  };
}
