/**
 * Issues temporary credentials: ASIA access key id, random secret, opaque session token.
 * What is stored (through IamApi.putSession) is the secret sealed under
 * aad `sts/session/<accessKeyId>` and only the SHA-256 of the token — never either in clear.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, SessionRecord } from "../iam/api.js";
import { randomAccessKeyId, randomSecretAccessKey } from "./ids.js";
import { transitiveKeysOf } from "./session-policy.js";
import { arn } from "../../core/partition.js";
import { commonError } from "../../core/errors.js";

/** Recognisable prefix of Bulwark session tokens (the rest is 96+ random bytes, base64). */
export const SESSION_TOKEN_PREFIX = "BwkSTS1";
/** Largest session token a caller may ask for through MinimumSessionTokenSize (bytes). */
export const MAX_SESSION_TOKEN_SIZE = 4096;
const TOKEN_RANDOM_BYTES = 96;

export function sessionSecretAad(accessKeyId: string): string {
  return `sts/session/${accessKeyId}`;
}

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh opaque token of at least `minSize` characters (all ASCII, so characters = bytes). */
export function newSessionToken(minSize = 0): string {
  const wanted = Math.max(0, minSize - SESSION_TOKEN_PREFIX.length);
  const bytes = Math.max(TOKEN_RANDOM_BYTES, Math.ceil((wanted * 3) / 4));
  return SESSION_TOKEN_PREFIX + randomBytes(bytes).toString("base64");
}

export interface CredentialsOutput {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** Who the session is for; the credential fields and times are filled in by issueSession. */
export type SessionIdentity = Omit<SessionRecord, "accessKeyId" | "sealedSecret" | "sessionTokenHash" | "issuedAt" | "expiresAt">;

/** The role a session is for (RoleRecord's fields that sessions name). */
export interface SessionRole {
  arn: string;
  roleId: string;
  roleName: string;
  accountId: string;
}

/**
 * Who an AssumedRole session is for, with its session policies, tags (and which of them are
 * transitive), source identity and MFA.
 */
export function roleSessionIdentity(
  role: SessionRole,
  sessionName: string,
  opts: {
    sessionPolicy?: string | undefined;
    policyArns: string[];
    tags?: Record<string, string>;
    transitiveTagKeys?: string[];
    sourceIdentity?: string | undefined;
    mfaAuthenticatedAt?: number;
    federatedProvider?: string;
    identityProviderKeys?: Record<string, string | string[]>;
  },
): SessionIdentity {
  // Recorded as spelt in the tags they name, whatever case the request used.
  const transitiveTagKeys = transitiveKeysOf(opts.tags ?? {}, opts.transitiveTagKeys ?? []);
  return {
    accountId: role.accountId,
    kind: "AssumedRole",
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.roleName,
    sessionName,
    ...(opts.sessionPolicy !== undefined ? { sessionPolicy: opts.sessionPolicy } : {}),
    ...(opts.policyArns.length > 0 ? { sessionPolicyArns: opts.policyArns } : {}),
    ...(opts.tags !== undefined && Object.keys(opts.tags).length > 0 ? { sessionTags: opts.tags } : {}),
    ...(transitiveTagKeys.length > 0 ? { transitiveTagKeys } : {}),
    ...(opts.federatedProvider !== undefined ? { federatedProvider: opts.federatedProvider } : {}),
    ...(opts.identityProviderKeys !== undefined ? { identityProviderKeys: opts.identityProviderKeys } : {}),
    ...(opts.sourceIdentity !== undefined ? { sourceIdentity: opts.sourceIdentity } : {}),
    ...(opts.mfaAuthenticatedAt !== undefined ? { mfaAuthenticated: true, mfaAuthenticatedAt: opts.mfaAuthenticatedAt } : {}),
  };
}

/** The AssumedRoleUser element of a role session. */
export function assumedRoleUserOf(role: SessionRole, sessionName: string): { AssumedRoleId: string; Arn: string } {
  return {
    AssumedRoleId: `${role.roleId}:${sessionName}`,
    Arn: arn("sts", "", role.accountId, `assumed-role/${role.roleName}/${sessionName}`),
  };
}

/** Percentage (0–100) of the largest session token STS issues that a token of `size` bytes uses. */
export function sessionTokenUtilization(size: number): number {
  return Math.min(100, Math.ceil((size * 100) / MAX_SESSION_TOKEN_SIZE));
}

/**
 * SessionTokenSize (the returned token's length in bytes; it is ASCII) and SessionTokenUtilization
 * of every response that issues credentials. The API reference defines the utilization as the
 * percentage of the largest allowed session token that the returned token consumes, and names it
 * the replacement of PackedPolicySize: a token is as full as its fuller part, so it is the larger
 * of the token's own share of MAX_SESSION_TOKEN_SIZE (MinimumSessionTokenSize padding) and the
 * packed session policies' and tags' share of their budget, where the call has them.
 */
export function sessionTokenMembers(credentials: CredentialsOutput, packedPercent?: number): { SessionTokenSize: number; SessionTokenUtilization: number } {
  const size = credentials.SessionToken.length;
  return { SessionTokenSize: size, SessionTokenUtilization: Math.max(packedPercent ?? 0, sessionTokenUtilization(size)) };
}

export interface IssuedSession {
  credentials: CredentialsOutput;
  record: SessionRecord;
}

/** Access key ids drawn before giving up (one draw collides with probability: sessions stored for the account / 2^39). */
const MAX_DRAWS = 8;

/**
 * Stores a new session of `identity.accountId` and returns its credentials. The ASIA id names the
 * account (sts:GetAccessKeyInfo and offline decoders read it, crypto/access-key-id.ts); a drawn id
 * that an existing session holds is drawn again, never stored over it.
 */
export async function issueSession(
  deps: { sealer: Sealer; iam: IamApi },
  identity: SessionIdentity,
  opts: { now: number; durationSeconds: number; minimumTokenSize?: number; expiresAt?: number },
  draw: () => string = () => randomAccessKeyId("ASIA", identity.accountId),
): Promise<IssuedSession> {
  const secretAccessKey = randomSecretAccessKey();
  const sessionToken = newSessionToken(opts.minimumTokenSize ?? 0);
  // AWS reports Expiration to the second; store exactly what is returned so the
  // gateway's expiry check and the client's view agree.
  const expiresAt = opts.expiresAt ?? Math.floor(opts.now / 1000) * 1000 + opts.durationSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const accessKeyId = draw();
    const record: SessionRecord = {
      ...identity,
      accessKeyId,
      sealedSecret: deps.sealer.sealToString(secretAccessKey, sessionSecretAad(accessKeyId)),
      sessionTokenHash: hashSessionToken(sessionToken),
      issuedAt: opts.now,
      expiresAt,
    };
    if (await deps.iam.putSession(record)) return issued(record, secretAccessKey, sessionToken);
    if (attempt >= MAX_DRAWS) throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
  }
}

function issued(record: SessionRecord, secretAccessKey: string, sessionToken: string): IssuedSession {
  const { accessKeyId, expiresAt } = record;
  return {
    credentials: { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: new Date(expiresAt) },
    record,
  };
}
