/**
 * Moving an organization from CONSOLIDATED_BILLING to ALL features (Organizations API Reference:
 * EnableAllFeatures, AcceptHandshake, Handshake; User Guide: "Enabling all features in your
 * organization").
 *
 * EnableAllFeatures creates the organization-wide ENABLE_ALL_FEATURES handshake (the parent) and
 * sends an ENABLE_ALL_FEATURES handshake to every invited member account; accounts created with
 * CreateAccount receive none (their approval is inferred). The parent stays REQUESTED until every
 * invited account has accepted its handshake; then it becomes OPEN and the service sends an
 * APPROVE_ALL_FEATURES handshake to the management account. The management account finalises the
 * change by accepting either of those two, and the organization's feature set becomes ALL.
 */
import type { DocStore } from "../../storage/types.js";
import type { AccountRecord } from "./accounts.js";
import { handshakeConstraintViolation, handshakeNotFound, invalidHandshakeTransition } from "./errors.js";
import {
  checkTransition,
  HANDSHAKE_LIFETIME_MS,
  HANDSHAKES_COLLECTION,
  handshakeState,
  handshakeVisible,
  isPendingAllFeatures,
  newHandshakeId,
  type HandshakeRecord,
} from "./handshakes.js";
import { ORGANIZATIONS_COLLECTION, type OrganizationRecord } from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";

type Base = Pick<HandshakeRecord, "organizationId" | "managementAccountId" | "managementEmail" | "managementName" | "featureSet" | "requestedAt" | "expiresAt">;

const base = (from: Omit<Base, "requestedAt" | "expiresAt">, now: number): Base => ({
  organizationId: from.organizationId,
  managementAccountId: from.managementAccountId,
  managementEmail: from.managementEmail,
  managementName: from.managementName,
  featureSet: from.featureSet,
  requestedAt: now,
  expiresAt: now + HANDSHAKE_LIFETIME_MS,
});

const children = async (tx: DocStore, parentId: string): Promise<HandshakeRecord[]> =>
  (await tx.list<HandshakeRecord>(HANDSHAKES_COLLECTION)).map((e) => e.value).filter((h) => h.parentHandshakeId === parentId);

/** The APPROVE_ALL_FEATURES handshake that tells the management account it can finalise. */
function approval(common: Base, org: Readonly<OrganizationRecord>, parentId: string): HandshakeRecord {
  return { ...common, id: newHandshakeId(), action: "APPROVE_ALL_FEATURES", target: { type: "ACCOUNT", id: org.managementAccountId }, parentHandshakeId: parentId, state: "OPEN" };
}

/** EnableAllFeatures: returns the organization-wide ENABLE_ALL_FEATURES handshake. */
export async function enableAllFeatures(
  deps: OrganizationsDomainDeps,
  organizationId: string,
  management: Pick<AccountRecord, "email" | "name">,
  now: number,
): Promise<HandshakeRecord> {
  const accounts = await deps.accounts.list();
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (org.featureSet === "ALL") throw handshakeConstraintViolation("ORGANIZATION_ALREADY_HAS_ALL_FEATURES");
    const all = (await tx.list<HandshakeRecord>(HANDSHAKES_COLLECTION)).map((e) => e.value);
    if (all.some((h) => h.organizationId === org.id && isPendingAllFeatures(h, now))) throw handshakeConstraintViolation("ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION");
    const invited = accounts.filter((a) => a.organizationId === org.id && a.id !== org.managementAccountId && a.joinedMethod === "INVITED");
    const common = base({ organizationId: org.id, managementAccountId: org.managementAccountId, managementEmail: management.email, managementName: management.name, featureSet: org.featureSet }, now);
    const parent: HandshakeRecord = { ...common, id: newHandshakeId(), action: "ENABLE_ALL_FEATURES", target: { type: "ORGANIZATION", id: org.id }, state: invited.length > 0 ? "REQUESTED" : "OPEN" };
    const sent: HandshakeRecord[] = invited.map((a) => ({
      ...common,
      id: newHandshakeId(),
      action: "ENABLE_ALL_FEATURES",
      target: { type: "ACCOUNT", id: a.id },
      parentHandshakeId: parent.id,
      state: "OPEN",
    }));
    // With no invited member, every account has approved already.
    if (invited.length === 0) sent.push(approval(common, org, parent.id));
    for (const h of [parent, ...sent]) await tx.put(HANDSHAKES_COLLECTION, h.id, h);
    return parent;
  });
}

/**
 * AcceptHandshake by an invited member account of its ENABLE_ALL_FEATURES handshake. The last
 * approval opens the parent and sends APPROVE_ALL_FEATURES to the management account.
 */
export async function approveAllFeatures(deps: OrganizationsDomainDeps, id: string, accountId: string, now: number): Promise<HandshakeRecord> {
  const account = await deps.accounts.get(accountId);
  return orgTransaction(deps, async (tx) => {
    const h = await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, id);
    if (!h || !handshakeVisible(h, now) || h.parentHandshakeId === undefined || h.target.type !== "ACCOUNT" || h.target.id !== accountId) throw handshakeNotFound();
    checkTransition(handshakeState(h, now), "ACCEPTED");
    const parent = await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, h.parentHandshakeId);
    // The request was canceled or has expired, or the account has left the organization.
    if (!parent || handshakeState(parent, now) !== "REQUESTED" || account?.organizationId !== h.organizationId) throw invalidHandshakeTransition();
    const accepted: HandshakeRecord = { ...h, state: "ACCEPTED", respondedBy: accountId, endedAt: now };
    await tx.put(HANDSHAKES_COLLECTION, id, accepted);
    const siblings = (await children(tx, parent.id)).map((c) => (c.id === id ? accepted : c));
    if (siblings.every((c) => c.state === "ACCEPTED")) {
      const org = await storedOrganization(tx, h.organizationId);
      await tx.put(HANDSHAKES_COLLECTION, parent.id, { ...parent, state: "OPEN" });
      const approve = approval(base(parent, now), org, parent.id);
      await tx.put(HANDSHAKES_COLLECTION, approve.id, approve);
    }
    return accepted;
  });
}

/**
 * AcceptHandshake by the management account of the APPROVE_ALL_FEATURES handshake or of the
 * organization-wide ENABLE_ALL_FEATURES handshake: both are ACCEPTED and the organization's
 * feature set becomes ALL. Before every invited account approved, the parent is still REQUESTED
 * and cannot be accepted (InvalidHandshakeTransitionException).
 */
export async function finalizeAllFeatures(deps: OrganizationsDomainDeps, id: string, accountId: string, now: number): Promise<HandshakeRecord> {
  return orgTransaction(deps, async (tx) => {
    const h = await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, id);
    if (!h || !handshakeVisible(h, now) || h.managementAccountId !== accountId) throw handshakeNotFound();
    const parent = h.parentHandshakeId === undefined ? h : await tx.get<HandshakeRecord>(HANDSHAKES_COLLECTION, h.parentHandshakeId);
    if (!parent) throw invalidHandshakeTransition();
    checkTransition(handshakeState(h, now), "ACCEPTED");
    if (handshakeState(parent, now) !== "OPEN") throw invalidHandshakeTransition();
    const org = await storedOrganization(tx, h.organizationId);
    if (org.featureSet === "ALL") throw handshakeConstraintViolation("ORGANIZATION_ALREADY_HAS_ALL_FEATURES");
    await tx.put(ORGANIZATIONS_COLLECTION, org.id, { ...org, featureSet: "ALL" });
    const done = (x: HandshakeRecord): HandshakeRecord => ({ ...x, state: "ACCEPTED", respondedBy: accountId, endedAt: now });
    const approvals = (await children(tx, parent.id)).filter((c) => c.action === "APPROVE_ALL_FEATURES" && c.state === "OPEN");
    for (const x of [parent, ...approvals]) await tx.put(HANDSHAKES_COLLECTION, x.id, done(x));
    return done(h);
  });
}

/** CancelHandshake of the organization-wide request also cancels the handshakes it sent. */
export async function cancelChildren(deps: OrganizationsDomainDeps, parentId: string, now: number): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    for (const c of await children(tx, parentId)) {
      if (handshakeState(c, now) === "OPEN") await tx.put(HANDSHAKES_COLLECTION, c.id, { ...c, state: "CANCELED", endedAt: now });
    }
  });
}

/** Which AcceptHandshake path a handshake takes. */
export function acceptPath(h: Readonly<HandshakeRecord>): "invitation" | "approve" | "finalize" {
  if (h.action === "INVITE") return "invitation";
  return h.action === "ENABLE_ALL_FEATURES" && h.parentHandshakeId !== undefined ? "approve" : "finalize";
}
