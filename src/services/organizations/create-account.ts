/**
 * CreateAccount is asynchronous, as in AWS: the request is stored IN_PROGRESS and answered
 * at once; a job then registers the account, makes it a member, and creates the
 * administrator role in it that the management account can assume. Every step is
 * idempotent, so an interrupted job (crash, storage failure) is finished by resumePending: at
 * the server's start, and by its periodic sweep for requests another process (the operator CLI)
 * left IN_PROGRESS while the server runs. Two processes may therefore run one request at once:
 * every write of the request checks that it is still as the run read it (`save`), so the request
 * gets one account id and one outcome.
 */
import { GLOBAL_EVENT_REGION } from "../../audit/event.js";
import { cloudTrailDate } from "../../audit/cloudtrail-date.js";
import { serviceRecordedEvent, stageAuditEvent, type StagedEvent } from "../../audit/outbox.js";
import { isAwsError } from "../../core/errors.js";
import { randomAccountId } from "../../crypto/random-ids.js";
import { AccountRegistryError, ACCOUNT_NAME_PATTERN, EMAIL_PATTERN } from "./accounts.js";
import { accountQuotaFull } from "./account-quota.js";
import { constraintViolation, invalidInput } from "./errors.js";
import { checkString, requireString } from "./input.js";
import {
  CREATE_ACCOUNT_COLLECTION,
  newCreateAccountRequestId,
  requestKey,
  type CreateAccountFailureReason,
  type CreateAccountRequestRecord,
} from "./model.js";
import { attachDefaultPoliciesToAccount } from "./attachments.js";
import { errorMessage, orgTransaction, requireManagement, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { checkTags } from "./tags.js";
import { revalidateEffectivePolicies } from "./effective-events.js";
import { forgetAccount } from "./tree.js";
import { accountRootArn } from "../../core/partition.js";
import { awsManagedPolicyArn } from "../iam/aws-managed-policies.js";

/**
 * How long a request may stay IN_PROGRESS before a running server finishes it itself, and how
 * often the server looks. Its own jobs take milliseconds, so a request this old was left by
 * another process that stopped mid-way (an operator command killed) or by a failed job.
 */
export const STALLED_CREATE_ACCOUNT_MS = 30_000;
/** The server's periodic job that finishes such requests. */
export const CREATE_ACCOUNT_SWEEP = "organizations-create-account-sweep";

export const DEFAULT_ACCESS_ROLE_NAME = "OrganizationAccountAccessRole";

const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

export interface CreateAccountInput {
  Email?: string;
  AccountName?: string;
  RoleName?: string;
  IamUserAccessToBilling?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

/** Trust policy of the access role: the management account (and whom it delegates to) may assume it. */
export function accessRoleTrustPolicy(managementAccountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: accountRootArn(managementAccountId) }, Action: "sts:AssumeRole" }],
  });
}

/** Validates and stores the request (IN_PROGRESS); the caller then schedules runCreateAccount. */
export async function requestCreateAccount(
  deps: OrganizationsDomainDeps,
  managementAccountId: string,
  input: CreateAccountInput,
  now: number,
): Promise<CreateAccountRequestRecord> {
  const email = requireString(input.Email);
  const accountName = requireString(input.AccountName);
  checkString(email, { min: 6, max: 64, pattern: EMAIL_PATTERN });
  checkString(accountName, { min: 1, max: 50, pattern: ACCOUNT_NAME_PATTERN });
  const roleName = input.RoleName ?? DEFAULT_ACCESS_ROLE_NAME;
  checkString(roleName, { min: 1, max: 64, pattern: ROLE_NAME_PATTERN });
  if (roleName.startsWith("AWSServiceRoleFor")) throw invalidInput("INVALID_ROLE_NAME");
  const billing = input.IamUserAccessToBilling ?? "ALLOW";
  if (billing !== "ALLOW" && billing !== "DENY") throw invalidInput("INVALID_ENUM");
  const tags = checkTags(input.Tags);

  const { org } = await requireManagement(deps, managementAccountId);
  const rec: CreateAccountRequestRecord = {
    id: newCreateAccountRequestId(),
    organizationId: org.id,
    managementAccountId,
    accountName,
    email,
    roleName,
    iamUserAccessToBilling: billing,
    tags,
    state: "IN_PROGRESS",
    requestedAt: now,
  };
  // Written only while the organization exists: a DeleteOrganization that committed since the
  // check above is not followed by an account created into the deleted organization.
  await orgTransaction(deps, async (tx) => {
    const current = await storedOrganization(tx, org.id);
    // The request takes its place in the quota now, so its job never exceeds it.
    if (await accountQuotaFull(deps, tx, current, now)) throw constraintViolation("ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    await tx.put(CREATE_ACCOUNT_COLLECTION, requestKey(managementAccountId, rec.id), rec);
  });
  return rec;
}

export async function getCreateAccountRequest(deps: OrganizationsDomainDeps, managementAccountId: string, id: string): Promise<CreateAccountRequestRecord | undefined> {
  return deps.store.get<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, requestKey(managementAccountId, id));
}

async function unusedAccountId(deps: OrganizationsDomainDeps): Promise<string> {
  for (;;) {
    const id = randomAccountId();
    if (!(await deps.accounts.get(id))) return id;
  }
}

/**
 * Another run of the same request changed it first: two processes may run one request at once
 * (the operator CLI and a server resuming it, or two servers' starts), so every write of the
 * request checks that it is still as this run read it.
 */
class Superseded extends Error {}

/**
 * The CreateAccountResult event Organizations records in the management account when a request
 * ends (Organizations User Guide, "Logging API calls with CloudTrail"; the CreateAccount API
 * reference points to it): an AWS service event whose serviceEventDetails.createAccountStatus
 * holds the request id, state, account id or failure reason and both timestamps, the account name
 * masked as CloudTrail shows it.
 */
function createAccountResult(deps: OrganizationsDomainDeps, rec: CreateAccountRequestRecord): StagedEvent {
  const status: Record<string, unknown> = { id: rec.id, state: rec.state, accountName: "****" };
  if (rec.state === "SUCCEEDED" && rec.accountId !== undefined) status.accountId = rec.accountId;
  if (rec.failureReason !== undefined) status.failureReason = rec.failureReason;
  status.requestedTimestamp = cloudTrailDate(new Date(rec.requestedAt));
  if (rec.completedAt !== undefined) status.completedTimestamp = cloudTrailDate(new Date(rec.completedAt));
  return serviceRecordedEvent({
    time: rec.completedAt ?? deps.clock.now(),
    eventSource: "organizations.amazonaws.com",
    operation: "CreateAccountResult",
    region: deps.globalRegion ?? GLOBAL_EVENT_REGION,
    accountId: rec.managementAccountId,
    serviceEventDetails: { createAccountStatus: status },
  });
}

/**
 * Replaces the stored request `from` with `next` if it is still IN_PROGRESS with the same reserved
 * account id. A request that ends (SUCCEEDED, FAILED) stages its CreateAccountResult event with it.
 */
async function save(deps: OrganizationsDomainDeps, from: CreateAccountRequestRecord, next: CreateAccountRequestRecord): Promise<CreateAccountRequestRecord> {
  const ended = next.state !== "IN_PROGRESS";
  await deps.store.transaction(async (tx) => {
    const key = requestKey(from.managementAccountId, from.id);
    const stored = await tx.get<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, key);
    if (stored?.state !== "IN_PROGRESS" || stored.accountId !== from.accountId) throw new Superseded();
    await tx.put(CREATE_ACCOUNT_COLLECTION, key, next);
    if (ended) await stageAuditEvent(tx, createAccountResult(deps, next));
  });
  if (ended) await deps.drainAudit?.().catch(() => undefined);
  return next;
}

async function fail(deps: OrganizationsDomainDeps, rec: CreateAccountRequestRecord, reason: CreateAccountFailureReason): Promise<CreateAccountRequestRecord> {
  const { accountId: _unused, ...rest } = rec;
  return save(deps, rec, { ...rest, state: "FAILED", failureReason: reason, completedAt: deps.clock.now() });
}

/** The steps of one request, each safe to repeat. Throws only on infrastructure failure. */
async function advance(deps: OrganizationsDomainDeps, start: CreateAccountRequestRecord): Promise<CreateAccountRequestRecord> {
  let rec = start;
  // 1. Reserve the account id durably before anything refers to it.
  if (rec.accountId === undefined) rec = await save(deps, rec, { ...rec, accountId: await unusedAccountId(deps) });

  // 2. Register the account as a member (or recognise that this request already did).
  let account = await deps.accounts.get(rec.accountId as string);
  if (account && account.createRequestId !== rec.id) {
    rec = await save(deps, rec, { ...rec, accountId: await unusedAccountId(deps) });
    account = undefined;
  }
  if (!account) {
    try {
      account = await deps.accounts.create({
        name: rec.accountName,
        email: rec.email,
        accountId: rec.accountId as string,
        createRequestId: rec.id,
        organizationId: rec.organizationId,
        joinedMethod: "CREATED",
        joinedAt: deps.clock.now(),
        tags: rec.tags,
      });
    } catch (e) {
      if (e instanceof AccountRegistryError && (e.reason === "ACCOUNT_ID_EXISTS" || e.reason === "EMAIL_ALREADY_EXISTS")) {
        // Another run of this request may have registered the account just now.
        const registered = await deps.accounts.get(rec.accountId as string);
        if (registered?.createRequestId === rec.id) account = registered;
        else if (e.reason === "EMAIL_ALREADY_EXISTS") return fail(deps, rec, "EMAIL_ALREADY_EXISTS");
        // The reserved id went to another account meanwhile: start again, with a new one.
        else throw new Superseded();
      } else if (e instanceof AccountRegistryError && e.reason === "INVALID_EMAIL") {
        return fail(deps, rec, "INVALID_EMAIL");
      } else {
        throw e;
      }
    }
  }

  // 3. The access role in the new account, trusted by the management account.
  const scope = { accountId: account.id, region: "" };
  try {
    await deps.iam.createRole(scope, {
      roleName: rec.roleName,
      assumeRolePolicyDocument: accessRoleTrustPolicy(rec.managementAccountId),
      description: "Administrator access for the management account of the organization",
    });
  } catch (e) {
    if (!(isAwsError(e) && e.code === "EntityAlreadyExists")) throw e;
  }
  await deps.iam.attachRolePolicy(account.id, rec.roleName, awsManagedPolicyArn("/AdministratorAccess"));
  // Organizations' own service-linked role, which every account of an organization has.
  await deps.iam.ensureServiceLinkedRole(account.id, "organizations.amazonaws.com");

  // 4. The default policy of each policy type enabled in the root (FullAWSAccess for SCPs).
  await attachDefaultPoliciesToAccount(deps, rec.organizationId, account.id);

  const done = await save(deps, rec, { ...rec, state: "SUCCEEDED", completedAt: deps.clock.now() });
  // The new account's effective policies come from its root (and OU): they may be invalid.
  await revalidateEffectivePolicies(deps, rec.organizationId, deps.clock.now()).catch((e: unknown) =>
    deps.warn?.({ organizationId: rec.organizationId, error: errorMessage(e) }, "effective policies could not be checked again after a change; the next change does"),
  );
  return done;
}

/**
 * Runs one request to completion. On an error that is not a crash (IAM refused, for
 * example) the half-made account is removed and the request FAILS with INTERNAL_FAILURE;
 * if even that cannot be written, the request stays IN_PROGRESS for resumePending.
 */
export async function runCreateAccount(deps: OrganizationsDomainDeps, managementAccountId: string, id: string): Promise<CreateAccountRequestRecord | undefined> {
  for (let attempt = 1; ; attempt++) {
    const rec = await getCreateAccountRequest(deps, managementAccountId, id);
    if (!rec || rec.state !== "IN_PROGRESS") return rec;
    try {
      return await advance(deps, rec);
    } catch (e) {
      // Another run changed the request first: carry on from what it stored.
      if (e instanceof Superseded && attempt < 5) continue;
    }
    try {
      const latest = (await getCreateAccountRequest(deps, managementAccountId, id)) ?? rec;
      if (latest.state !== "IN_PROGRESS") return latest;
      if (latest.accountId !== undefined) {
        const made = await deps.accounts.get(latest.accountId);
        if (made?.createRequestId === latest.id) {
          await forgetAccount(deps, latest.organizationId, made.id);
          await deps.accounts.remove(made.id);
        }
      }
      return await fail(deps, latest, "INTERNAL_FAILURE");
    } catch {
      return undefined;
    }
  }
}

/** Requests still IN_PROGRESS (left by a crash), oldest first; only those requested before `requestedBefore` if given. */
export async function pendingCreateAccounts(deps: OrganizationsDomainDeps, requestedBefore = Infinity): Promise<CreateAccountRequestRecord[]> {
  const all = await deps.store.list<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION);
  return all
    .map((e) => e.value)
    .filter((r) => r.state === "IN_PROGRESS" && r.requestedAt < requestedBefore)
    .sort((a, b) => a.requestedAt - b.requestedAt);
}

/** Runs jobs at most once at a time per request within this process. */
export class CreateAccountJobs {
  private readonly running = new Map<string, Promise<CreateAccountRequestRecord | undefined>>();

  constructor(private readonly deps: OrganizationsDomainDeps) {}

  run(managementAccountId: string, id: string): Promise<CreateAccountRequestRecord | undefined> {
    const key = requestKey(managementAccountId, id);
    const existing = this.running.get(key);
    if (existing) return existing;
    // Never rejects: a job that cannot even read its request (storage down) stays IN_PROGRESS
    // for resumePending, and a scheduled job must not become an unhandled rejection.
    const p = runCreateAccount(this.deps, managementAccountId, id)
      .catch((e: unknown) => {
        this.deps.warn?.({ managementAccountId, createAccountRequestId: id, error: errorMessage(e) }, "a CreateAccount request could not be completed now; it is resumed later");
        return undefined;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /** Finishes every request left IN_PROGRESS (requested before `requestedBefore` if given); resolves to how many were resumed. */
  async resumePending(requestedBefore?: number): Promise<number> {
    const pending = await pendingCreateAccounts(this.deps, requestedBefore);
    for (const r of pending) await this.run(r.managementAccountId, r.id);
    return pending.length;
  }

  /** Resolves once no job is running (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }
}
