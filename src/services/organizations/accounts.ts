/**
 * The installation's registry of AWS accounts (collection "accounts", keyed by the 12-digit
 * id; emails are unique, case-insensitively, through collection "account-emails").
 * The operator CLI creates the bootstrap account and further accounts here; Organizations
 * records membership here. Every write is one storage transaction.
 */
import type { Clock } from "../../core/clock.js";
import { randomAccountId } from "../../crypto/random-ids.js";
import type { DocStore, Storage } from "../../storage/types.js";
import { ChangeCounter } from "./membership-cache.js";

export const ACCOUNTS_COLLECTION = "accounts";
export const ACCOUNT_EMAILS_COLLECTION = "account-emails";

export type AccountStatus = "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
export type AccountJoinedMethod = "CREATED" | "INVITED";

export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  status: AccountStatus;
  createdAt: number;
  organizationId?: string;
  joinedMethod?: AccountJoinedMethod;
  /** When the account joined its organization (epoch ms). */
  joinedAt?: number;
  /** The CreateAccount request that made this account, so an interrupted job recognises its own work. */
  createRequestId?: string;
  tags?: Array<{ Key: string; Value: string }>;
  /** When CloseAccount was called for it (its status then follows from the time: account-lifecycle.ts). */
  closureRequestedAt?: number;
}

export interface CreateAccountInput {
  name: string;
  email: string;
  /** A given id (operator bootstrap); otherwise a fresh unused one is drawn. */
  accountId?: string;
  createRequestId?: string;
  organizationId?: string;
  joinedMethod?: AccountJoinedMethod;
  joinedAt?: number;
  tags?: Array<{ Key: string; Value: string }>;
}

export type AccountRegistryErrorReason = "EMAIL_ALREADY_EXISTS" | "ACCOUNT_ID_EXISTS" | "ACCOUNT_NOT_FOUND" | "INVALID_ACCOUNT_ID" | "INVALID_EMAIL" | "INVALID_NAME";

export class AccountRegistryError extends Error {
  constructor(
    readonly reason: AccountRegistryErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "AccountRegistryError";
  }
}

export interface AccountRegistry {
  get(accountId: string): Promise<AccountRecord | undefined>;
  /** Every account, ordered by id. */
  list(): Promise<AccountRecord[]>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  create(input: CreateAccountInput): Promise<AccountRecord>;
  /**
   * Read-modify-write in one transaction. `change` receives the current record and returns
   * the new one (it may throw to refuse); the id cannot change, an email change is re-indexed.
   */
  update(accountId: string, change: (current: AccountRecord) => AccountRecord): Promise<AccountRecord>;
  /** Removes an account and its email reservation (used to undo a failed CreateAccount). */
  remove(accountId: string): Promise<boolean>;
  /**
   * Bumped once each write of this registry has settled (committed or not), and by
   * Organizations for each write of an organization record: caches of memberships compare it.
   */
  readonly changes: ChangeCounter;
}

/**
 * The record as a standalone account: without its organization, how it joined, and its tags
 * (tags on an account belong to the account object in the organization, and are deleted when
 * the account leaves it).
 */
export function withoutOrganization(a: AccountRecord): AccountRecord {
  const { organizationId: _o, joinedMethod: _j, joinedAt: _t, tags: _tags, ...rest } = a;
  return rest;
}

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** Organizations' Email constraint: 6–64 characters, something@something.tld, no spaces. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Organizations' AccountName constraint: 1–50 printable ASCII characters. */
export const ACCOUNT_NAME_PATTERN = /^[\u0020-\u007E]{1,50}$/;

function emailKey(email: string): string {
  return email.toLowerCase();
}

function checkEmail(email: string): void {
  if (email.length < 6 || email.length > 64 || !EMAIL_PATTERN.test(email)) {
    throw new AccountRegistryError("INVALID_EMAIL", `Invalid email address "${email}".`);
  }
}

function checkName(name: string): void {
  if (!ACCOUNT_NAME_PATTERN.test(name)) throw new AccountRegistryError("INVALID_NAME", "An account name must be 1 to 50 printable ASCII characters.");
}

const MAX_ID_ATTEMPTS = 20;

export function createAccountRegistry(store: Storage, clock: Clock): AccountRegistry {
  const changes = new ChangeCounter();

  /** Runs a write; whatever its outcome (a failure may follow a commit), cached memberships are dropped. */
  async function write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      changes.bump();
    }
  }

  async function insert(tx: DocStore, rec: AccountRecord): Promise<void> {
    if ((await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, rec.id)) !== undefined) {
      throw new AccountRegistryError("ACCOUNT_ID_EXISTS", `Account ${rec.id} already exists.`);
    }
    if (!(await tx.putIfAbsent(ACCOUNT_EMAILS_COLLECTION, emailKey(rec.email), { accountId: rec.id }))) {
      throw new AccountRegistryError("EMAIL_ALREADY_EXISTS", `An account with email ${rec.email} already exists.`);
    }
    await tx.put(ACCOUNTS_COLLECTION, rec.id, rec);
  }

  return {
    changes,

    get: (accountId) => store.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId),

    async list() {
      return (await store.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value);
    },

    async findByEmail(email) {
      const ref = await store.get<{ accountId: string }>(ACCOUNT_EMAILS_COLLECTION, emailKey(email));
      return ref ? store.get<AccountRecord>(ACCOUNTS_COLLECTION, ref.accountId) : undefined;
    },

    async create(input) {
      checkName(input.name);
      checkEmail(input.email);
      if (input.accountId !== undefined && !ACCOUNT_ID_PATTERN.test(input.accountId)) {
        throw new AccountRegistryError("INVALID_ACCOUNT_ID", `Invalid account id "${input.accountId}": expected 12 digits.`);
      }
      for (let attempt = 0; ; attempt++) {
        const rec: AccountRecord = {
          id: input.accountId ?? randomAccountId(),
          name: input.name,
          email: input.email,
          status: "ACTIVE",
          createdAt: clock.now(),
          ...(input.createRequestId !== undefined ? { createRequestId: input.createRequestId } : {}),
          ...(input.organizationId !== undefined ? { organizationId: input.organizationId } : {}),
          ...(input.joinedMethod !== undefined ? { joinedMethod: input.joinedMethod } : {}),
          ...(input.joinedAt !== undefined ? { joinedAt: input.joinedAt } : {}),
          ...(input.tags !== undefined && input.tags.length > 0 ? { tags: input.tags } : {}),
        };
        try {
          await write(() => store.transaction((tx) => insert(tx, rec)));
          return rec;
        } catch (e) {
          // A drawn id that collides is drawn again; a given id that collides is the caller's problem.
          const retry = e instanceof AccountRegistryError && e.reason === "ACCOUNT_ID_EXISTS" && input.accountId === undefined;
          if (!retry || attempt + 1 >= MAX_ID_ATTEMPTS) throw e;
        }
      }
    },

    async update(accountId, change) {
      return write(() => store.transaction(async (tx) => {
        const current = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
        if (!current) throw new AccountRegistryError("ACCOUNT_NOT_FOUND", `Account ${accountId} does not exist.`);
        const next = { ...change(current), id: current.id };
        checkName(next.name);
        if (emailKey(next.email) !== emailKey(current.email)) {
          checkEmail(next.email);
          if (!(await tx.putIfAbsent(ACCOUNT_EMAILS_COLLECTION, emailKey(next.email), { accountId }))) {
            throw new AccountRegistryError("EMAIL_ALREADY_EXISTS", `An account with email ${next.email} already exists.`);
          }
          await tx.delete(ACCOUNT_EMAILS_COLLECTION, emailKey(current.email));
        }
        await tx.put(ACCOUNTS_COLLECTION, accountId, next);
        return next;
      }));
    },

    async remove(accountId) {
      return write(() => store.transaction(async (tx) => {
        const current = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
        if (!current) return false;
        const ref = await tx.get<{ accountId: string }>(ACCOUNT_EMAILS_COLLECTION, emailKey(current.email));
        if (ref?.accountId === accountId) await tx.delete(ACCOUNT_EMAILS_COLLECTION, emailKey(current.email));
        return tx.delete(ACCOUNTS_COLLECTION, accountId);
      }));
    },
  };
}
