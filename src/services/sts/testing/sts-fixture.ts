/** Wiring for STS handler tests: the service over fakes, plus a role to assume. */
import { ManualClock } from "../../../core/clock.js";
import type { RoleRecord } from "../../iam/api.js";
import type { ServiceDefinition } from "../../types.js";
import { createStsService, type StsDeps } from "../service.js";
import { createFakeIam, type FakeIam } from "./fake-iam.js";
import { createTestSealer } from "./fake-sealer.js";
import { createMemoryStorage, type MemoryStorage } from "./memory-storage.js";
import type { FakeContext } from "./fake-context.js";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

export interface StsFixture {
  sts: ServiceDefinition;
  iam: FakeIam;
  store: MemoryStorage;
  sealer: ReturnType<typeof createTestSealer>;
  call<T = Record<string, unknown>>(op: string, input: unknown, ctx: FakeContext): Promise<T>;
  role(name: string, opts?: { accountId?: string; maxSessionDuration?: number; trust?: string }): Promise<RoleRecord>;
}

export const TRUST_ANY_IN_ACCOUNT = (accountId: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] }],
  });

export function stsFixture(
  accessKeyAccount?: (id: string) => Promise<string | undefined>,
  extra: Partial<Pick<StsDeps, "outbound" | "principalTags" | "organizations" | "rootAccess">> = {},
): StsFixture {
  const iam = createFakeIam(() => NOW);
  const store = createMemoryStorage();
  const sealer = createTestSealer();
  const sts = createStsService({ store, sealer, iam, clock: new ManualClock(NOW), ...(accessKeyAccount ? { accessKeyAccount } : {}), ...extra });
  return {
    sts,
    iam,
    store,
    sealer,
    async call<T>(op: string, input: unknown, ctx: FakeContext): Promise<T> {
      const def = sts.operations[op];
      if (!def) throw new Error(`no operation ${op}`);
      return (await def.handler(input, ctx)) as T;
    },
    async role(name, opts = {}) {
      const accountId = opts.accountId ?? ACCOUNT;
      return iam.createRole(
        { accountId, region: "" },
        { roleName: name, assumeRolePolicyDocument: opts.trust ?? TRUST_ANY_IN_ACCOUNT(accountId), ...(opts.maxSessionDuration ? { maxSessionDuration: opts.maxSessionDuration } : {}) },
      );
    },
  };
}
