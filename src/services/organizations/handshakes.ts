/**
 * Handshakes (Organizations API Reference: InviteAccountToOrganization, AcceptHandshake,
 * DeclineHandshake, CancelHandshake, DescribeHandshake, ListHandshakesFor*; Handshake,
 * HandshakeParty, HandshakeResource). Collection "org-handshakes", keyed by handshake id.
 *
 * An invitation is OPEN until the invited account accepts or declines it, the management account
 * cancels it, or 15 days pass (EXPIRED, derived from the time). Only an account registered in this
 * installation that belongs to no organization can accept; accepting makes it a member in the root
 * with the default policy of each enabled policy type (FullAWSAccess), like CreateAccount.
 *
 * EnableAllFeatures (all-features.ts) adds an organization-wide ENABLE_ALL_FEATURES handshake
 * (the parent, REQUESTED until every invited member approved), one ENABLE_ALL_FEATURES child per
 * invited member account and, once all approved, an APPROVE_ALL_FEATURES child for the
 * management account.
 */
import { accountQuotaFull } from "./account-quota.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import { attachDefaultPolicies } from "./attachments.js";
import {
  duplicateHandshake,
  handshakeAlreadyInState,
  handshakeConstraintViolation,
  handshakeNotFound,
  invalidHandshakeTransition,
} from "./errors.js";
import { ORGANIZATIONS_COLLECTION, randomLowerAlnum, type OrganizationRecord, type Tag } from "./model.js";
import { errorMessage, orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { mergeTags } from "./tags.js";
import { forgetAccountIn } from "./tree.js";
import { arn } from "../../core/partition.js";

export const HANDSHAKES_COLLECTION = "org-handshakes";
/** An invitation expires after 15 days. */
export const HANDSHAKE_LIFETIME_MS = 15 * 24 * 3_600_000;
/** At most 20 invitations a day per organization (Quotas for Organizations). */
export const MAX_INVITATIONS_PER_DAY = 20;

export type HandshakeState = "REQUESTED" | "OPEN" | "CANCELED" | "ACCEPTED" | "DECLINED" | "EXPIRED";
export type HandshakeTargetType = "ACCOUNT" | "EMAIL";
export type HandshakeAction = "INVITE" | "ENABLE_ALL_FEATURES" | "APPROVE_ALL_FEATURES";

export interface HandshakeRecord {
  id: string; // h-…
  organizationId: string;
  managementAccountId: string;
  managementEmail: string;
  managementName: string;
  featureSet: string;
  action: HandshakeAction;
  /** The recipient: an account or email address, or the organization itself (the ENABLE_ALL_FEATURES parent). */
  target: { type: HandshakeTargetType | "ORGANIZATION"; id: string };
  /** The organization-wide ENABLE_ALL_FEATURES handshake this one belongs to. */
  parentHandshakeId?: string;
  notes?: string;
  /** Tags the account receives when it joins. */
  tags?: Tag[];
  state: "REQUESTED" | "OPEN" | "CANCELED" | "ACCEPTED" | "DECLINED";
  requestedAt: number;
  expiresAt: number;
  /** The account that accepted or declined. */
  respondedBy?: string;
  /** When it was accepted, declined or canceled. */
  endedAt?: number;
}

export const newHandshakeId = (): string => `h-${randomLowerAlnum(10)}`;

export function handshakeArn(h: Pick<HandshakeRecord, "managementAccountId" | "organizationId" | "action" | "id">): string {
  return arn("organizations", "", h.managementAccountId, `handshake/${h.organizationId}/${h.action.toLowerCase()}/${h.id}`);
}

const pending = (state: HandshakeState): boolean => state === "OPEN" || state === "REQUESTED";

/** The state at `now`: an OPEN or REQUESTED handshake past its expiration is EXPIRED. */
export function handshakeState(h: Readonly<HandshakeRecord>, now: number): HandshakeState {
  return pending(h.state) && now >= h.expiresAt ? "EXPIRED" : h.state;
}

/** True when `h` is an organization's request to enable all features that has not ended. */
export function isPendingAllFeatures(h: Readonly<HandshakeRecord>, now: number): boolean {
  return h.action === "ENABLE_ALL_FEATURES" && h.parentHandshakeId === undefined && pending(handshakeState(h, now));
}

/** Ended handshakes (CANCELED, ACCEPTED, DECLINED, EXPIRED) are shown for 30 days after they ended. */
export const ENDED_HANDSHAKE_RETENTION_MS = 30 * 24 * 3_600_000;

export function handshakeVisible(h: Readonly<HandshakeRecord>, now: number): boolean {
  const ended = pending(h.state) ? (now >= h.expiresAt ? h.expiresAt : undefined) : (h.endedAt ?? h.requestedAt);
  return ended === undefined || now < ended + ENDED_HANDSHAKE_RETENTION_MS;
}

/** Whether `account` is the handshake's invited party (by id, or by its email address). */
export function isInvitee(h: Readonly<HandshakeRecord>, account: Pick<AccountRecord, "id" | "email">): boolean {
  if (h.target.type === "ORGANIZATION") return false;
  return h.target.type === "ACCOUNT" ? h.target.id === account.id : h.target.id.toLowerCase() === account.email.toLowerCase();
}

export interface HandshakeView {
  Id: string;
  Arn: string;
  Parties: Array<{ Id: string; Type: string }>;
  State: HandshakeState;
  RequestedTimestamp: Date;
  ExpirationTimestamp: Date;
  Action: string;
  Resources: HandshakeResourceView[];
}

interface HandshakeResourceView {
  Type: string;
  Value: string;
  Resources?: HandshakeResourceView[];
}

export function handshakeView(h: Readonly<HandshakeRecord>, now: number): HandshakeView {
  const org: HandshakeResourceView = {
    Type: "ORGANIZATION",
    Value: h.organizationId,
    Resources: [
      { Type: "MASTER_EMAIL", Value: h.managementEmail },
      { Type: "MASTER_NAME", Value: h.managementName },
      { Type: "ORGANIZATION_FEATURE_SET", Value: h.featureSet },
    ],
  };
  const toOrganization = h.target.type === "ORGANIZATION";
  return {
    Id: h.id,
    Arn: handshakeArn(h),
    Parties: [{ Id: h.organizationId, Type: "ORGANIZATION" }, ...(toOrganization ? [] : [{ Id: h.target.id, Type: h.target.type }])],
    State: handshakeState(h, now),
    RequestedTimestamp: new Date(h.requestedAt),
    ExpirationTimestamp: new Date(h.expiresAt),
    Action: h.action,
    Resources: [
      org,
      ...(toOrganization ? [] : [{ Type: h.target.type, Value: h.target.id }]),
      ...(h.notes !== undefined ? [{ Type: "NOTES", Value: h.notes }] : []),
      ...(h.parentHandshakeId !== undefined ? [{ Type: "PARENT_HANDSHAKE", Value: h.parentHandshakeId }] : []),
    ],
  };
}

/** The handshake, unless it is unknown or ended more than 30 days ago. */
export async function getHandshake(deps: Pick<OrganizationsDomainDeps, "store">, id: string, now: number): Promise<HandshakeRecord | undefined> {
  const h = await deps.store.get<HandshakeRecord>(HANDSHAKES_COLLECTION, id);
  return h && handshakeVisible(h, now) ? h : undefined;
}

/** Every handshake still shown, ordered by id. */
export async function listHandshakes(deps: Pick<OrganizationsDomainDeps, "store">, now: number): Promise<HandshakeRecord[]> {
  return (await deps.store.list<HandshakeRecord>(HANDSHAKES_COLLECTION)).map((e) => e.value).filter((h) => handshakeVisible(h, now));
}

export async function invite(
  deps: OrganizationsDomainDeps,
  org: Readonly<OrganizationRecord>,
  management: Pick<AccountRecord, "email" | "name">,
  input: { target: { type: HandshakeTargetType; id: string }; notes?: string; tags?: Tag[]; now: number },
): Promise<HandshakeRecord> {
  const invited = input.target.type === "ACCOUNT" ? await deps.accounts.get(input.target.id) : await deps.accounts.findByEmail(input.target.id);
  if (invited?.organizationId !== undefined) throw handshakeConstraintViolation("ALREADY_IN_AN_ORGANIZATION");
  return orgTransaction(deps, async (tx) => {
    const current = await storedOrganization(tx, org.id);
    const mine = (await tx.list<HandshakeRecord>(HANDSHAKES_COLLECTION)).map((e) => e.value).filter((h) => h.organizationId === org.id);
    const sameTarget = (h: HandshakeRecord): boolean =>
      h.target.type === input.target.type && (h.target.type === "ACCOUNT" ? h.target.id === input.target.id : h.target.id.toLowerCase() === input.target.id.toLowerCase());
    if (mine.some((h) => isPendingAllFeatures(h, input.now))) throw handshakeConstraintViolation("INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES");
    if (mine.some((h) => h.action === "INVITE" && sameTarget(h) && handshakeState(h, input.now) === "OPEN")) throw duplicateHandshake();
    if (mine.filter((h) => h.action === "INVITE" && h.requestedAt > input.now - 24 * 3_600_000).length >= MAX_INVITATIONS_PER_DAY) throw handshakeConstraintViolation("HANDSHAKE_RATE_LIMIT_EXCEEDED");
    if (await accountQuotaFull(deps, tx, current, input.now)) throw handshakeConstraintViolation("ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    const rec: HandshakeRecord = {
      id: newHandshakeId(),
      organizationId: current.id,
      managementAccountId: current.managementAccountId,
      managementEmail: management.email,
      managementName: management.name,
      featureSet: current.featureSet,
      action: "INVITE",
      target: input.target,
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
      ...(input.tags !== undefined && input.tags.length > 0 ? { tags: input.tags } : {}),
      state: "OPEN",
      requestedAt: input.now,
      expiresAt: input.now + HANDSHAKE_LIFETIME_MS,
    };
    await tx.put(HANDSHAKES_COLLECTION, rec.id, rec);
    return rec;
  });
}

type Transition = "ACCEPTED" | "DECLINED" | "CANCELED";

/**
 * The state machine: only an OPEN handshake moves, to ACCEPTED, DECLINED (by the invitee) or
 * CANCELED (by the originator). Asking for the state it is already in is
 * HandshakeAlreadyInStateException; any other move is InvalidHandshakeTransitionException.
 */
export function checkTransition(current: HandshakeState, to: Transition): void {
  if (current === to) throw handshakeAlreadyInState();
  if (current !== "OPEN" && current !== "REQUESTED") throw invalidHandshakeTransition();
}

/** Moves a handshake the caller may act on (`mayAct`, else HandshakeNotFound) to `to`. */
export async function respond(
  deps: OrganizationsDomainDeps,
  id: string,
  to: Transition,
  mayAct: (h: HandshakeRecord) => boolean,
  caller: string,
  now: number,
): Promise<HandshakeRecord> {
  return orgTransaction(deps, async (tx) => {
    const h = await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, id);
    if (!h || !handshakeVisible(h, now) || !mayAct(h)) throw handshakeNotFound();
    checkTransition(handshakeState(h, now), to);
    if (to === "ACCEPTED" && !(await tx.get(ORGANIZATIONS_COLLECTION, h.organizationId))) throw invalidHandshakeTransition();
    const next: HandshakeRecord = { ...h, state: to, endedAt: now, ...(to === "CANCELED" ? {} : { respondedBy: caller }) };
    await tx.put(HANDSHAKES_COLLECTION, id, next);
    return next;
  });
}

/**
 * AcceptHandshake of an invitation: the caller's account joins the organization and the
 * handshake is ACCEPTED, in one transaction on the stored records. A parallel Cancel, Decline,
 * second Accept or another organization's invitation then sees either all of it or none of it
 * (an account is never a member only for a moment, nor a member without its default policies).
 */
export async function acceptInvitation(deps: OrganizationsDomainDeps, id: string, accountId: string, now: number): Promise<HandshakeRecord> {
  const h = await getHandshake(deps, id, now);
  const account = await deps.accounts.get(accountId);
  if (!h || !account || !isInvitee(h, account)) throw handshakeNotFound();
  checkTransition(handshakeState(h, now), "ACCEPTED");
  if (account.organizationId !== undefined) throw handshakeConstraintViolation("ALREADY_IN_AN_ORGANIZATION");
  const done = await orgTransaction(deps, async (tx) => {
    const cur = await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, id);
    const acct = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
    if (!cur || !acct || !handshakeVisible(cur, now) || !isInvitee(cur, acct)) throw handshakeNotFound();
    checkTransition(handshakeState(cur, now), "ACCEPTED");
    const org = await tx.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, cur.organizationId);
    if (!org) throw invalidHandshakeTransition();
    if (acct.organizationId !== undefined) throw handshakeConstraintViolation("ALREADY_IN_AN_ORGANIZATION");
    // The invitation held a place in the quota; the quota may have been lowered since.
    if (await accountQuotaFull(deps, tx, org, now, cur.id)) throw handshakeConstraintViolation("ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    // Leftovers of an earlier membership in the same organization go first.
    await forgetAccountIn(tx, cur.organizationId, accountId);
    await tx.put<AccountRecord>(ACCOUNTS_COLLECTION, accountId, {
      ...acct,
      organizationId: cur.organizationId,
      joinedMethod: "INVITED",
      joinedAt: now,
      ...(cur.tags !== undefined ? { tags: mergeTags(acct.tags ?? [], cur.tags) } : {}),
    });
    const accepted: HandshakeRecord = { ...cur, state: "ACCEPTED", endedAt: now, respondedBy: accountId };
    await tx.put(HANDSHAKES_COLLECTION, id, accepted);
    await attachDefaultPolicies(tx, org, accountId);
    return accepted;
  });
  // Organizations creates its service-linked role in the account that joined. The account has
  // joined whatever happens to it: a role it cannot hold (its roles quota reached) does not turn
  // the accepted handshake into an error.
  await deps.iam
    .ensureServiceLinkedRole(accountId, "organizations.amazonaws.com")
    .catch((e: unknown) => deps.warn?.({ accountId, error: errorMessage(e) }, "the account joined, but its Organizations service-linked role could not be created"));
  return done;
}

