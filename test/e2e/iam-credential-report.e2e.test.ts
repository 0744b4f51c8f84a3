/**
 * The IAM credential report through the real server and the AWS SDK: ReportNotPresent before
 * any report, GenerateCredentialReport's STARTED then COMPLETE, and GetCredentialReport's CSV
 * (blob Content, text/csv, GeneratedTime) with the root row and the users' real credential state.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
} from "@aws-sdk/client-iam";
import { startTestServer, eventually, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
  "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
  "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
const TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00";

test("credential report: NotPresent, STARTED, the CSV, then COMPLETE", async () => {
  const iam = new IAMClient(s.clientConfig());
  await assert.rejects(iam.send(new GetCredentialReportCommand({})), (e: any) => {
    assert.equal(e.name, "CredentialReportNotPresentException");
    assert.equal(e.Code, "ReportNotPresent");
    assert.equal(e.$metadata.httpStatusCode, 410);
    // IAM sends no message with this error; the SDK then reports "Unknown" (as boto3 does against AWS).
    assert.equal(e.message, "Unknown");
    return true;
  });

  await iam.send(new CreateUserCommand({ UserName: "auditor", Path: "/sec/" }));
  await iam.send(new CreateLoginProfileCommand({ UserName: "auditor", Password: "E2e-Report-Pass1!" }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "auditor" }))).AccessKey!;
  await iam.send(new CreateUserCommand({ UserName: "idle" }));
  // Use the key once and wait for its last-used record (written off the request path).
  const asAuditor = new IAMClient(s.clientConfig({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
  await asAuditor.send(new GetUserCommand({})).catch(() => undefined);
  const used = await eventually(async () => {
    const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId! }));
    return r.AccessKeyLastUsed?.LastUsedDate ? r.AccessKeyLastUsed : undefined;
  });

  const gen = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(gen.State, "STARTED");
  assert.equal(gen.Description, "No report exists. Starting a new report generation task");
  const again = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(again.State, "COMPLETE");
  assert.equal(again.Description, undefined);

  const r = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(r.ReportFormat, "text/csv");
  assert.ok(r.GeneratedTime instanceof Date && Math.abs(r.GeneratedTime.getTime() - Date.now()) < 60_000);
  const lines = Buffer.from(r.Content!).toString("utf8").split("\n");
  assert.equal(lines[0], HEADER);
  assert.match(
    lines[1]!,
    new RegExp(`^<root_account>,arn:aws:iam::${s.accountId}:root,${TIME},not_supported,no_information,not_supported,not_supported,false,`),
  );
  const row = (name: string) => lines.find((l) => l.startsWith(`${name},`));
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "+00:00");
  const auditor = row("auditor")!.split(",");
  assert.equal(auditor.length, 22);
  assert.deepEqual(auditor.slice(0, 2), ["auditor", `arn:aws:iam::${s.accountId}:user/sec/auditor`]);
  assert.match(auditor[2]!, new RegExp(`^${TIME}$`));
  assert.deepEqual([auditor[3], auditor[4], auditor[6], auditor[7]], ["true", "no_information", "N/A", "false"]);
  assert.match(auditor[5]!, new RegExp(`^${TIME}$`));
  assert.deepEqual(auditor.slice(8, 13), ["true", iso(key.CreateDate!), iso(used.LastUsedDate!), used.Region, used.ServiceName]);
  assert.deepEqual(auditor.slice(13), ["false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"]);
  assert.match(
    row("idle")!,
    new RegExp(`^idle,arn:aws:iam::${s.accountId}:user/idle,${TIME},false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A$`),
  );
});
