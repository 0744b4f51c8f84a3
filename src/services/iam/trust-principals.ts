/**
 * IAM users and roles named by ARN in a role's trust policy are bound to the principal that
 * had that ARN when the policy was saved (AWS stores the principal's unique id). A user or role
 * deleted and created again with the same name has a new id, so the trust policy no longer
 * names it: IAM then shows the old unique id (AIDA… / AROA…) in place of the ARN, and such a
 * value matches no caller.
 *
 * What must stay true:
 *  - saving a trust policy records the unique id of every user / role ARN it names that exists
 *    in this installation; one that does not exist in an account of this installation (the
 *    role's own or another) is refused (MalformedPolicyDocument "Invalid principal in policy"),
 *    as IAM refuses a principal that does not exist;
 *  - a named ARN of an account this installation does not have is recorded as unbound (""): it
 *    is kept as written while no such principal exists, and never matches one created later;
 *  - the effective document (used by sts:AssumeRole and shown by GetRole) replaces every ARN
 *    whose current principal is gone or has another id: by the principal's new ARN when it was
 *    renamed (UpdateUser; IAM updates policies naming a user as a principal), else by its old
 *    unique id; documents saved before binding existed (no map) are used as written.
 */
import { parsePolicy, statementMatchesAction } from "../../iam/policy/index.js";
import { replaceAwsPrincipals } from "../../iam/policy/principal-rewrite.js";
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION } from "../organizations/accounts.js";
import { parseEntityArn, roleArn, userArn } from "./arn.js";
import { malformedPolicyDocument } from "./errors.js";
import { roles, users } from "./repo.js";
import { arnPattern } from "../../core/partition.js";

/** ARN → unique id of the principal it named when the policy was saved ("" when none). */
export type TrustPrincipalIds = Record<string, string>;

const ENTITY = arnPattern(/^arn:aws:iam::\d{12}:(user|role)\//);

/** The unique id of the user / role with exactly this ARN (path included), if any. */
async function currentId(db: DocStore, arn: string): Promise<string | undefined> {
  const type = ENTITY.exec(arn)?.[1] as "user" | "role" | undefined;
  if (!type) return undefined;
  const p = parseEntityArn(arn, type);
  if (!p) return undefined;
  if (type === "user") {
    const u = await users.byName(db, p.accountId, p.name);
    return u && userArn(u.accountId, u.path, u.userName) === arn ? u.userId : undefined;
  }
  const r = await roles.byName(db, p.accountId, p.name);
  return r && roleArn(r.accountId, r.path, r.roleName) === arn ? r.roleId : undefined;
}

/** Binds the user / role ARNs of a (valid) trust policy to their principals' unique ids. */
export async function bindTrustPrincipals(db: DocStore, roleAccountId: string, document: string): Promise<TrustPrincipalIds> {
  const ids: TrustPrincipalIds = {};
  for (const value of parsePolicy(document, "trust").awsPrincipals) {
    if (!ENTITY.test(value) || value in ids) continue;
    const id = await currentId(db, value);
    if (id === undefined) {
      const account = parseEntityArn(value, value.includes(":user/") ? "user" : "role")?.accountId;
      if (account === roleAccountId || (account !== undefined && (await db.get(ACCOUNTS_COLLECTION, account)) !== undefined)) {
        throw malformedPolicyDocument(`Invalid principal in policy: "AWS":"${value}"`);
      }
    }
    ids[value] = id ?? "";
  }
  return ids;
}

/**
 * The trust policy as IAM applies and shows it now: each bound ARN whose principal is gone or
 * was replaced becomes the unique id it was bound to (or, when it was never bound to one, a
 * value that names nobody). Returns `document` itself when nothing changed.
 */
export async function effectiveTrustPolicy(db: DocStore, document: string, ids: TrustPrincipalIds | undefined): Promise<string> {
  if (!ids) return document;
  const stale = new Map<string, string>();
  for (const [arn, id] of Object.entries(ids)) {
    const now = await currentId(db, arn);
    if (id !== "" ? now !== id : now !== undefined) stale.set(arn, id !== "" ? ((await renamedUserArn(db, arn, id)) ?? id) : unboundId(arn));
  }
  return replaceAwsPrincipals(document, stale);
}

/** The current ARN of the user with unique id `id` (named `arn` when the policy was saved), if it still exists. */
async function renamedUserArn(db: DocStore, arn: string, id: string): Promise<string | undefined> {
  const p = parseEntityArn(arn, "user");
  if (!p) return undefined;
  const u = await users.byId(db, p.accountId, id);
  return u ? userArn(u.accountId, u.path, u.userName) : undefined;
}

/**
 * A principal ARN that named no principal when the policy was saved (another account's) but
 * names one now: kept as written it would let that later principal in; a unique-id-shaped
 * value that no principal has names nobody instead.
 */
function unboundId(arn: string): string {
  return arn.includes(":user/") ? "AIDA000000000000UNBOUND" : "AROA000000000000UNBOUND";
}

/**
 * Whether a (stored, valid) trust policy lets the service `servicePrincipal` assume the role: an
 * Allow statement for sts:AssumeRole whose Principal names that service. Conditions are not
 * evaluated: this is the check services make of a role passed to them, not an AssumeRole call.
 */
export function trustsService(document: string, servicePrincipal: string): boolean {
  return parsePolicy(document, "trust").statements.some(
    (st) => !st.deny && !st.notPrincipal && st.principal?.services.has(servicePrincipal) === true && statementMatchesAction(st, "sts:assumerole"),
  );
}
