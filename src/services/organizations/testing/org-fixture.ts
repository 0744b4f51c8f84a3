/** Organizations over in-memory fakes: a registered management account, manual or real job scheduling. */
import { ManualClock } from "../../../core/clock.js";
import type { AuthorizeRequest } from "../../../core/types.js";
import { fakeContext, principals, type FakeContext } from "../../sts/testing/fake-context.js";
import { createFakeIam, type FakeIam } from "../../sts/testing/fake-iam.js";
import { createMemoryStorage, type MemoryStorage } from "../../sts/testing/memory-storage.js";
import { createAccountRegistry, type AccountRegistry } from "../accounts.js";
import { createOrganizationsService, type OrganizationsService } from "../service.js";
import type { OrganizationRecord } from "../model.js";

export const MGMT = "111122223333";
export const MGMT_EMAIL = "root@example.com";
export const START = Date.UTC(2024, 4, 6, 7, 8, 9);

export interface OrgFixture {
  org: OrganizationsService;
  iam: FakeIam;
  store: MemoryStorage;
  clock: ManualClock;
  accounts: AccountRegistry;
  /** Jobs handed to runLater when scheduling is manual. */
  queued: Array<() => void>;
  ctx(accountId?: string, deny?: (r: AuthorizeRequest) => boolean): FakeContext;
  call<T = Record<string, unknown>>(op: string, input: unknown, ctx?: FakeContext): Promise<T>;
  /** Runs queued jobs and waits for them (manual scheduling). */
  drain(): Promise<void>;
  /** A second service instance over the same storage (a restarted process). */
  restart(): OrganizationsService;
}

export async function orgFixture(opts: { manual?: boolean; store?: MemoryStorage; maxAccounts?: number; warn?: (fields: Record<string, unknown>, message: string) => void } = {}): Promise<OrgFixture> {
  const store = opts.store ?? createMemoryStorage();
  const clock = new ManualClock(START);
  const iam = createFakeIam(() => clock.now());
  const accounts = createAccountRegistry(store, clock);
  if (!(await accounts.get(MGMT))) await accounts.create({ name: "Management", email: MGMT_EMAIL, accountId: MGMT });
  const queued: Array<() => void> = [];
  const make = (): OrganizationsService =>
    createOrganizationsService({ store, iam, clock, accounts, ...(opts.maxAccounts !== undefined ? { maxAccounts: opts.maxAccounts } : {}), ...(opts.warn ? { warn: opts.warn } : {}), ...(opts.manual ? { runLater: (fn: () => void) => void queued.push(fn) } : {}) });
  const org = make();
  const f: OrgFixture = {
    org,
    iam,
    store,
    clock,
    accounts,
    queued,
    ctx: (accountId = MGMT, deny) =>
      fakeContext({ principal: principals.user(accountId, "admin"), now: clock.now(), service: "organizations", ...(deny ? { deny } : {}) }),
    async call<T>(op: string, input: unknown, ctx?: FakeContext): Promise<T> {
      const def = org.operations[op];
      if (!def) throw new Error(`no operation ${op}`);
      return (await def.handler(input, ctx ?? f.ctx())) as T;
    },
    async drain() {
      while (queued.length > 0) (queued.shift() as () => void)();
      await org.idle();
    },
    restart: make,
  };
  return f;
}

/**
 * An organization record (ALL features) with trusted access for IAM and `delegate` registered as
 * IAM's delegated administrator: the state centralised root access needs.
 */
export function orgRecordWithIamAccess(managementAccountId: string, delegate: string, over: Partial<OrganizationRecord> = {}): OrganizationRecord {
  return {
    id: "o-abcdefghij",
    featureSet: "ALL",
    managementAccountId,
    rootId: "r-ab12",
    createdAt: 0,
    enabledServices: [{ servicePrincipal: "iam.amazonaws.com", enabledAt: 0 }],
    delegatedAdministrators: [{ accountId: delegate, servicePrincipal: "iam.amazonaws.com", delegatedAt: 0 }],
    ...over,
  };
}
