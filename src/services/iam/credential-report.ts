/**
 * The IAM credential report: GenerateCredentialReport and GetCredentialReport (IAM User Guide,
 * "Getting credential reports for your AWS account").
 *
 * State machine, per account (one document in COLLECTIONS.credentialReports keyed by the account id):
 * - GenerateCredentialReport with no report, or only one older than four hours: a generation
 *   starts (State STARTED, "No report exists. Starting a new report generation task"). Bulwark
 *   generates within the call, in two steps: an INPROGRESS marker is committed first, then the
 *   report is built from one consistent read of the account and stored as COMPLETE.
 * - While a generation is under way: State INPROGRESS (GetCredentialReport: ReportInProgress, 404).
 * - With a report younger than four hours: State COMPLETE, and no new report (at most one every
 *   four hours); GetCredentialReport returns it.
 * - GetCredentialReport with no report: ReportNotPresent (410); with a report four hours old or
 *   older: ReportExpired (410), until GenerateCredentialReport starts a new one.
 * IAM sends these three errors without a message (SDKs show "Unknown"), and Bulwark does the same.
 * A generation that never completed (the process stopped between the two steps) is abandoned
 * after GENERATION_TIMEOUT_MS, after which the account is treated as having no report.
 *
 * The CSV has IAM's columns in IAM's order: a `<root_account>` row, then one row per IAM user
 * ordered by name. Values come from what Bulwark stores; absent data is written with IAM's
 * literals (`N/A`, `no_information`, `not_supported`) and booleans as `true`/`false`, timestamps
 * as ISO 8601 with a `+00:00` offset and whole seconds, as IAM writes them. Bulwark has no
 * console sign-in (password_last_used is `no_information` for a user with a password) and no root
 * password, root MFA or root signing certificates; users' signing certificates fill cert_1/cert_2
 * in upload order. Access keys fill slots 1 and 2 in order of creation; an inactive key keeps its slot
 * (`false`) with its creation date and last-use data.
 */
import type { GenerateCredentialReportResponse, GetCredentialReportResponse } from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.js";
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "../organizations/accounts.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import {
  COLLECTIONS,
  type AccessKeyDoc,
  type CredentialReportDoc,
  type LoginProfileDoc,
  type MfaDeviceDoc,
  type SigningCertificateDoc,
  type PasswordPolicyDoc,
  type UserDoc,
} from "./model.js";
import { listRootAccessKeys } from "./root-credentials.js";
import { userArnOf } from "./users.js";
import { accountRootArn } from "../../core/partition.js";

/** A report can be generated at most once every four hours, and expires after four hours. */
export const REPORT_LIFETIME_MS = 4 * 60 * 60 * 1000;
/** An INPROGRESS marker older than this belongs to a generation that never completed. */
export const GENERATION_TIMEOUT_MS = 10 * 60 * 1000;

export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
] as const;

export const STARTED_DESCRIPTION = "No report exists. Starting a new report generation task";

const NA = "N/A";
const DAY_MS = 24 * 60 * 60 * 1000;

// IAM answers these without a message.
export const reportNotPresent = (): AwsError => new AwsError("ReportNotPresent", "", 410);
export const reportExpired = (): AwsError => new AwsError("ReportExpired", "", 410);
export const reportInProgress = (): AwsError => new AwsError("ReportInProgress", "", 404);

/** ISO 8601 as the credential report writes it: `2025-01-15T12:00:00+00:00`. */
export function reportTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

interface KeyView {
  active: boolean;
  createDate?: number;
  lastUsed?: { date: number; region: string; service: string };
}

function keyColumns(k: KeyView | undefined): string[] {
  if (!k) return ["false", NA, NA, NA, NA];
  return [
    String(k.active),
    k.createDate !== undefined ? reportTime(k.createDate) : NA,
    k.lastUsed ? reportTime(k.lastUsed.date) : NA,
    k.lastUsed && k.lastUsed.region !== "" ? k.lastUsed.region : NA,
    k.lastUsed && k.lastUsed.service !== "" ? k.lastUsed.service : NA,
  ];
}

/** cert_1/cert_2 active and last rotated (upload date), in upload order. */
function certificateColumns(certs: SigningCertificateDoc[]): string[] {
  const sorted = [...certs].sort((a, b) => a.uploadDate - b.uploadDate || (a.certificateId < b.certificateId ? -1 : 1));
  const out: string[] = [];
  for (const c of [sorted[0], sorted[1]]) out.push(c ? String(c.status === "Active") : "false", c ? reportTime(c.uploadDate) : NA);
  return out;
}

const byCreation = <T extends { createDate?: number }>(id: (x: T) => string) => (a: T, b: T) =>
  (a.createDate ?? 0) - (b.createDate ?? 0) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);

/** Builds the report's CSV from one consistent read of the account (`db` may be a transaction). */
export async function buildCredentialReportCsv(db: DocStore, accountId: string): Promise<string> {
  const prefix = `${accountId}/`;
  const [account, rootKeyEntries, userEntries, profileEntries, keyEntries, mfaEntries, policy, certEntries] = await Promise.all([
    db.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId),
    listRootAccessKeys(db, accountId),
    db.list<UserDoc>(COLLECTIONS.users, { prefix }),
    db.list<LoginProfileDoc>(COLLECTIONS.loginProfiles, { prefix }),
    db.list<AccessKeyDoc>(COLLECTIONS.accessKeys, { prefix }),
    db.list<MfaDeviceDoc>(COLLECTIONS.mfaDevices, { prefix }),
    db.get<PasswordPolicyDoc>(COLLECTIONS.passwordPolicies, accountId),
    db.list<SigningCertificateDoc>(COLLECTIONS.signingCertificates, { prefix }),
  ]);

  const rootKeys = rootKeyEntries
    .map((k) => ({ ...k, id: k.accessKeyId, active: k.status !== "Inactive" }))
    .sort(byCreation((k) => k.id));
  const profiles = new Map(profileEntries.map((e) => [e.value.userId, e.value]));
  const withMfa = new Set(mfaEntries.map((e) => e.value.userId).filter((id): id is string => id !== undefined));
  const certsOf = new Map<string, SigningCertificateDoc[]>();
  for (const { value: c } of certEntries) certsOf.set(c.userId, [...(certsOf.get(c.userId) ?? []), c]);
  const rows: string[][] = [
    [
      "<root_account>",
      accountRootArn(accountId),
      account?.createdAt !== undefined ? reportTime(account.createdAt) : NA,
      "not_supported",
      "no_information",
      "not_supported",
      "not_supported",
      // The root user's MFA devices and signing certificates are kept under its user id, the account id.
      String(withMfa.has(accountId)),
      ...keyColumns(rootKeys[0]),
      ...keyColumns(rootKeys[1]),
      ...certificateColumns(certsOf.get(accountId) ?? []),
    ],
  ];

  const keysOf = new Map<string, AccessKeyDoc[]>();
  for (const { value: k } of keyEntries) keysOf.set(k.userId, [...(keysOf.get(k.userId) ?? []), k]);
  const maxAgeDays = policy?.maxPasswordAge ?? 0;

  const users = userEntries.map((e) => e.value).sort((a, b) => {
    const x = a.userName.toLowerCase();
    const y = b.userName.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const u of users) {
    const p = profiles.get(u.userId);
    const keys = (keysOf.get(u.userId) ?? []).sort(byCreation((k) => k.accessKeyId)).map((k) => ({ active: k.status === "Active", ...k }));
    rows.push([
      u.userName,
      userArnOf(u),
      reportTime(u.createDate),
      String(p !== undefined),
      p ? "no_information" : NA,
      p ? reportTime(p.passwordSetDate) : NA,
      p && maxAgeDays > 0 ? reportTime(p.passwordSetDate + maxAgeDays * DAY_MS) : NA,
      String(withMfa.has(u.userId)),
      ...keyColumns(keys[0]),
      ...keyColumns(keys[1]),
      ...certificateColumns(certsOf.get(u.userId) ?? []),
    ]);
  }
  return [[...CREDENTIAL_REPORT_COLUMNS], ...rows].map((r) => r.map(csvField).join(",")).join("\n");
}

function generating(doc: CredentialReportDoc | undefined, now: number): boolean {
  return doc?.state === "INPROGRESS" && now - doc.startedAt < GENERATION_TIMEOUT_MS;
}

function fresh(doc: CredentialReportDoc | undefined, now: number): boolean {
  return doc?.state === "COMPLETE" && doc.generatedTime !== undefined && now - doc.generatedTime < REPORT_LIFETIME_MS;
}

export async function generateCredentialReport(env: IamEnv, caller: Caller): Promise<GenerateCredentialReportResponse> {
  await authorize(caller, "GenerateCredentialReport", "*");
  const acct = caller.accountId;
  const now = caller.now;
  const coll = COLLECTIONS.credentialReports;
  const started = await env.store.transaction(async (tx) => {
    const doc = await tx.get<CredentialReportDoc>(coll, acct);
    if (fresh(doc, now)) return "COMPLETE" as const;
    if (generating(doc, now)) return "INPROGRESS" as const;
    await tx.put<CredentialReportDoc>(coll, acct, { accountId: acct, state: "INPROGRESS", startedAt: now });
    return "STARTED" as const;
  });
  if (started !== "STARTED") return { State: started };
  try {
    await env.store.transaction(async (tx) => {
      const doc = await tx.get<CredentialReportDoc>(coll, acct);
      // Another generation took over (only after this one timed out): leave it be.
      if (doc?.state !== "INPROGRESS" || doc.startedAt !== now) return;
      const content = await buildCredentialReportCsv(tx, acct);
      await tx.put<CredentialReportDoc>(coll, acct, { accountId: acct, state: "COMPLETE", startedAt: now, generatedTime: now, content });
    });
  } catch (e) {
    // Do not leave a generation that will never complete in the way of the next one.
    await env.store
      .transaction(async (tx) => {
        const doc = await tx.get<CredentialReportDoc>(coll, acct);
        if (doc?.state === "INPROGRESS" && doc.startedAt === now) await tx.delete(coll, acct);
      })
      .catch(() => {});
    throw e;
  }
  return { State: "STARTED", Description: STARTED_DESCRIPTION };
}

export async function getCredentialReport(env: IamEnv, caller: Caller): Promise<GetCredentialReportResponse> {
  await authorize(caller, "GetCredentialReport", "*");
  const doc = await env.store.get<CredentialReportDoc>(COLLECTIONS.credentialReports, caller.accountId);
  if (generating(doc, caller.now)) throw reportInProgress();
  if (doc?.state !== "COMPLETE" || doc.generatedTime === undefined || doc.content === undefined) throw reportNotPresent();
  if (!fresh(doc, caller.now)) throw reportExpired();
  return { Content: Buffer.from(doc.content, "utf8"), ReportFormat: "text/csv", GeneratedTime: new Date(doc.generatedTime) };
}
