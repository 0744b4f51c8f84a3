/**
 * The Principal / NotPrincipal element: validation at parse time, and matching against the
 * caller at evaluation time.
 *
 * Matching yields *how* a statement names the caller, because AWS treats the cases
 * differently (see evaluate.ts):
 *  - DIRECT:  "*", or the caller's own ARN (user ARN, assumed-role session ARN, federated
 *             user ARN), or a matching Service / Federated principal;
 *  - ROLE:    the ARN of the role whose session is calling, or of the IAM user whose
 *             GetFederationToken session is calling (IAM User Guide, policy evaluation logic:
 *             such a grant is limited by the permissions boundary and the session policy);
 *  - ACCOUNT: the caller's account ("111122223333" or "arn:<partition>:iam::111122223333:root"),
 *             which only delegates the decision to that account's IAM policies.
 */
import type { PrincipalType } from "../../core/types.js";
import { MSG, PolicyParseError } from "./errors.js";
import { arnPattern } from "../../core/partition.js";

export const MATCH_NONE = 0;
export const MATCH_ACCOUNT = 1;
export const MATCH_ROLE = 2;
export const MATCH_DIRECT = 3;
export type PrincipalMatch = 0 | 1 | 2 | 3;

export interface PrincipalSet {
  /** "*" or {"AWS": "*"}: everyone, including anonymous callers. */
  readonly any: boolean;
  readonly accounts: ReadonlySet<string>;
  /** Exact user / role / session / federated-user ARNs. */
  readonly arns: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  readonly canonicalUsers: ReadonlySet<string>;
  /** The AWS principal values as written (for existence checks by the IAM service). */
  readonly awsValues: readonly string[];
}

/** What evaluation knows about the caller, computed once per request. */
export interface CallerIdentity {
  readonly type: PrincipalType;
  readonly accountId: string;
  readonly arn: string;
  /**
   * For assumed-role sessions: the role's ARN (with path). For federated user sessions: the ARN
   * of the IAM user who called GetFederationToken (undefined when the root user did).
   */
  readonly roleArn: string | undefined;
  readonly servicePrincipal: string | undefined;
  readonly federatedProvider: string | undefined;
}

const ACCOUNT_ID = /^\d{12}$/;
// Every principal of this installation is in its partition (src/core/partition.ts). A principal
// ARN of another partition (aws, aws-cn, …) names no principal here and is invalid, as in AWS; read
// as its account id it would grant that account of the installation's partition.
const ROOT_ARN = arnPattern(/^arn:aws:iam::(\d{12}):root$/);
const IAM_PRINCIPAL_ARN = arnPattern(/^arn:aws:iam::\d{12}:(user|role)\/[^*?]+$/);
const STS_PRINCIPAL_ARN = arnPattern(/^arn:aws:sts::\d{12}:(assumed-role\/[^/*?]+\/[^*?]+|federated-user\/[^*?]+)$/);
/** IAM rewrites the ARN of a deleted principal to its unique id; such values never match. */
const UNIQUE_ID = /^A(IDA|ROA)[A-Z0-9]{12,}$/;

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  return undefined;
}

/** Shape check only (grammar): "*" or an object of string / string-array values. */
export function principalShapeOk(value: unknown): boolean {
  if (value === "*") return true;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) if (!stringList(v)) return false;
  return true;
}

/** Compiles a Principal element already shape-checked; throws "Invalid principal" on bad values. */
export function compilePrincipal(value: unknown): PrincipalSet {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const canonicalUsers = new Set<string>();
  const awsValues: string[] = [];
  let any = false;
  if (value === "*") {
    any = true;
  } else {
    for (const [type, raw] of Object.entries(value as Record<string, unknown>)) {
      const values = stringList(raw) ?? [];
      for (const v of values) {
        switch (type) {
          case "AWS":
            awsValues.push(v);
            if (v === "*") any = true;
            else if (ACCOUNT_ID.test(v)) accounts.add(v);
            else {
              const root = ROOT_ARN.exec(v);
              if (root) accounts.add(root[1] as string);
              else if (IAM_PRINCIPAL_ARN.test(v) || STS_PRINCIPAL_ARN.test(v)) arns.add(v);
              else if (!UNIQUE_ID.test(v)) throw new PolicyParseError(MSG.invalidPrincipal("AWS", v));
            }
            break;
          case "Service":
            if (v.length === 0) throw new PolicyParseError(MSG.invalidPrincipal("SERVICE", v));
            services.add(v);
            break;
          case "Federated":
            if (v.length === 0) throw new PolicyParseError(MSG.invalidPrincipal("Federated", v));
            federated.add(v);
            break;
          case "CanonicalUser":
            canonicalUsers.add(v);
            break;
          default:
            throw new PolicyParseError(MSG.invalidPrincipal(type, v));
        }
      }
      if (values.length === 0) throw new PolicyParseError(MSG.syntax);
    }
  }
  return { any, accounts, arns, services, federated, canonicalUsers, awsValues };
}

/** How the Principal element names the caller (the strongest applicable way). */
export function matchPrincipal(set: PrincipalSet, c: CallerIdentity): PrincipalMatch {
  if (set.any) return MATCH_DIRECT;
  if (c.servicePrincipal !== undefined && set.services.has(c.servicePrincipal)) return MATCH_DIRECT;
  if (c.federatedProvider !== undefined && set.federated.has(c.federatedProvider)) return MATCH_DIRECT;
  if (c.type === "Anonymous") return MATCH_NONE;
  if (set.arns.has(c.arn)) return MATCH_DIRECT;
  if (c.roleArn !== undefined && set.arns.has(c.roleArn)) return MATCH_ROLE;
  if (set.accounts.has(c.accountId)) return MATCH_ACCOUNT;
  return MATCH_NONE;
}

/**
 * NotPrincipal. AWS may check a caller at several levels — its account, then its role (or the
 * IAM user who federated), then its session — so a caller is only fully excluded when every level is listed (AWS: with
 * Deny + NotPrincipal "you must also include the account ARN"). We use that strict reading
 * for Deny (the deny applies unless all levels are listed) and the opposite, equally
 * conservative reading for Allow (the allow is withheld if any level is listed).
 * Returns true when the statement applies to the caller.
 */
export function notPrincipalApplies(set: PrincipalSet, c: CallerIdentity, effectIsDeny: boolean): boolean {
  if (set.any) return false;
  const levels: boolean[] = [];
  if (c.servicePrincipal !== undefined) levels.push(set.services.has(c.servicePrincipal));
  if (c.federatedProvider !== undefined) levels.push(set.federated.has(c.federatedProvider));
  if (c.type !== "Anonymous") {
    levels.push(set.accounts.has(c.accountId));
    if (c.type !== "Root") {
      if (c.roleArn !== undefined) levels.push(set.arns.has(c.roleArn));
      levels.push(set.arns.has(c.arn));
    }
  }
  if (levels.length === 0) return true;
  const excluded = effectIsDeny ? levels.every(Boolean) : levels.some(Boolean);
  return !excluded;
}
