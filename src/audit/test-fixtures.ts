/** Shared fixtures for the audit unit tests (not used by production code). */
import { ManualClock } from "../core/clock.js";
import type { Principal } from "../core/types.js";
import { createAuditLog } from "./audit-log.js";
import type { DigestSigner } from "./digest-key.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import type { ApiCallRecord } from "./types.js";

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

export const alice: Principal = {
  type: "IAMUser",
  accountId: "111122223333",
  arn: "arn:aws:iam::111122223333:user/alice",
  principalId: "AIDAEXAMPLEALICE0001",
  accessKeyId: "AKIAEXAMPLEALICE0001",
  name: "alice",
};

export const roleSession: Principal = {
  type: "AssumedRole",
  accountId: "111122223333",
  arn: "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run",
  principalId: "AROAEXAMPLEDEPLOY001:ci-run",
  accessKeyId: "ASIAEXAMPLESESSION01",
  name: "Deploy",
  roleArn: "arn:aws:iam::111122223333:role/Deploy",
  roleId: "AROAEXAMPLEDEPLOY001",
  sessionName: "ci-run",
  sessionIssuedAt: T0 - 60_000,
  sessionExpiresAt: T0 + 3_600_000,
  mfaAuthenticated: false,
};

export const root: Principal = {
  type: "Root",
  accountId: "111122223333",
  arn: "arn:aws:iam::111122223333:root",
  principalId: "111122223333",
  accessKeyId: "AKIAEXAMPLEROOT00001",
};

export function record(over: Partial<ApiCallRecord> = {}): ApiCallRecord {
  return {
    time: T0 + 1234,
    requestId: "req-1",
    eventSource: "iam.amazonaws.com",
    service: "iam",
    operation: "CreateUser",
    region: "",
    principal: alice,
    accessKeyId: alice.accessKeyId,
    sourceIp: "192.0.2.10",
    userAgent: "aws-cli/2.15.0",
    input: { UserName: "bob", Path: "/" },
    output: { User: { UserName: "bob", UserId: "AIDAEXAMPLEBOB000001", Arn: "arn:aws:iam::111122223333:user/bob", Path: "/", CreateDate: new Date(T0) } },
    readOnly: false,
    annotations: {},
    ...over,
  };
}

/**
 * A log in memory signed by `signer`: `n` events one second apart (event i at T0 + i s, request id
 * req-i), a digest right after each index in `digestAfter`; `more(k)` appends k more the same way.
 */
export async function signedLog(
  signer: DigestSigner,
  n: number,
  digestAfter: readonly number[] = [],
): Promise<{ store: MemoryAuditStore; clock: ManualClock; more: (k: number) => Promise<void> }> {
  const store = new MemoryAuditStore();
  const clock = new ManualClock(T0);
  const log = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
  let i = 0;
  const more = async (k: number): Promise<void> => {
    for (const end = i + k; i < end; ) {
      i++;
      clock.advance(1000);
      await log.record(record({ time: clock.now(), requestId: `req-${i}` }));
      if (digestAfter.includes(i)) await log.flush();
    }
  };
  await more(n);
  return { store, clock, more };
}
