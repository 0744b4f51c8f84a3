/** Shared fixtures for the audit unit tests (not used by production code). */
import type { Principal } from "../core/types.js";
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
