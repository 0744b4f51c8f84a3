/**
 * The STS service definition (awsQuery, 2011-06-15). Handlers are thin: the work is in
 * assume-role.ts, get-session-token.ts, get-federation-token.ts, identity.ts and credentials.ts.
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
  GetSessionToken$,
  GetWebIdentityToken$,
} from "@aws-sdk/client-sts";
import type { Clock } from "../../core/clock.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { Storage } from "../../storage/types.js";
import type { IamApi } from "../iam/api.js";
import type { ServiceDefinition } from "../types.js";
import { assumeRole, type AssumeRoleInput } from "./assume-role.js";
import { decodeAuthorizationMessage } from "./authorization-message.js";
import { getSessionToken, type GetSessionTokenInput } from "./get-session-token.js";
import { getAccessKeyInfo, getCallerIdentity, type AccessKeyAccountLookup } from "./identity.js";
import { getFederationToken, type GetFederationTokenInput } from "./get-federation-token.js";
import { createJwksCache, type JwksSource } from "./oidc/jwks.js";
import { assumeRoleWithSaml, assumeRoot, getWebIdentityToken } from "./unsupported.js";
import { assumeRoleWithWebIdentity, type AssumeRoleWithWebIdentityInput } from "./web-identity.js";

export interface StsDeps {
  store: Storage;
  sealer: Sealer;
  iam: IamApi;
  clock: Clock;
  /** Account of an access key id, for GetAccessKeyInfo (e.g. from IdentityDirectory.resolveAccessKey). */
  accessKeyAccount?: AccessKeyAccountLookup;
  /** Signing keys of OIDC issuers (AssumeRoleWithWebIdentity); defaults to an HTTPS JWKS cache trusting Node's roots. */
  jwks?: JwksSource;
}

export function createStsService(deps: StsDeps): ServiceDefinition {
  const issuing = { sealer: deps.sealer, iam: deps.iam };
  const webIdentity = { ...issuing, jwks: deps.jwks ?? createJwksCache({ now: () => deps.clock.now() }) };
  return {
    name: "sts",
    signingName: "sts",
    protocol: "awsQuery",
    apiVersion: "2011-06-15",
    xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
    eventSource: "sts.amazonaws.com",
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
      GetSessionToken: {
        schema: GetSessionToken$,
        noAuthorization: true,
        handler: async (input: GetSessionTokenInput, ctx) => getSessionToken(issuing, input ?? {}, ctx),
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
        handler: async (input: { RoleArn?: string; PrincipalArn?: string; SAMLAssertion?: string }) => assumeRoleWithSaml(input ?? {}),
      },
      GetFederationToken: {
        schema: GetFederationToken$,
        readOnly: true,
        handler: async (input: GetFederationTokenInput, ctx) => getFederationToken(issuing, input ?? {}, ctx),
      },
      AssumeRoot: {
        schema: AssumeRoot$,
        noAuthorization: true,
        readOnly: true,
        handler: async (input: { TargetPrincipal?: string }, ctx) => assumeRoot(input ?? {}, ctx),
      },
      GetWebIdentityToken: {
        schema: GetWebIdentityToken$,
        noAuthorization: true,
        handler: async () => getWebIdentityToken(),
      },
    },
  };
}
