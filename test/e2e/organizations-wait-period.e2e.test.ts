/**
 * Organizations' wait before an account created in the organization may leave it, through the
 * real server: RemoveAccountFromOrganization and the member's own LeaveOrganization are refused
 * with ConstraintViolationException (Reason WAIT_PERIOD_ACTIVE) until four days after the
 * account's creation, callers that may not make the call learn nothing of it, and an account that
 * joined by invitation may leave at once.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  AcceptHandshakeCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  EnablePolicyTypeCommand,
  InviteAccountToOrganizationCommand,
  LeaveOrganizationCommand,
  ListRootsCommand,
  RemoveAccountFromOrganizationCommand,
} from "@aws-sdk/client-organizations";
import { attachScp, newUser, startTestServer, type TestServer } from "./harness.js";
import { memberAccount, memberRole, onServerClock, rejectsWith } from "./kms-support.js";

const DAY = 24 * 3600 * 1000;
const WAIT_MESSAGE =
  "After you create an Amazon Web Services account, you must wait until at least four days after the account was created. Invited accounts aren't subject to this waiting period.";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

/** Asserts that `p` is refused for the wait: the exact code, Reason, message and HTTP status. */
async function refusedForWait(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConstraintViolationException, `expected ConstraintViolationException, got ${String(e)}`);
    assert.equal(e.Reason, "WAIT_PERIOD_ACTIVE");
    assert.equal(e.message, WAIT_MESSAGE);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
}

/** Moves the server's clock so that it reads `at` (never back). */
function serverClockTo(at: number): void {
  const by = at - (Date.now() + s.clock.offsetMs);
  assert.ok(by >= 0, "the clock moves forward only");
  s.clock.offsetMs += by;
}

test("a created account leaves neither way before four days after its creation, only callers allowed to ask are told, and it leaves after", async () => {
  const orgs = new OrganizationsClient(onServerClock(s));
  const young = await memberAccount(s, "Young");
  const leaver = await memberAccount(s, "Leaver");
  const fenced = await memberAccount(s, "Fenced");
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!;
  await orgs.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: "SERVICE_CONTROL_POLICY" }));
  await attachScp(orgs, fenced.accountId, "NoLeaving", [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }]);
  const nobody = await newUser(s, "NoOrganizations");
  const joined = async (id: string) => (await orgs.send(new DescribeAccountCommand({ AccountId: id }))).Account!;
  for (const id of [young.accountId, leaver.accountId]) assert.equal((await joined(id)).JoinedMethod, "CREATED");

  // Callers that may not make the call are refused as such, whatever the account's age.
  await rejectsWith(new OrganizationsClient(onServerClock(s, nobody)).send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId })), {
    name: "AccessDeniedException",
    status: 400,
  });
  await rejectsWith(new OrganizationsClient(onServerClock(s, leaver.admin)).send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId })), {
    name: "AccessDeniedException",
    status: 400,
  });
  await rejectsWith(new OrganizationsClient(onServerClock(s, fenced.admin)).send(new LeaveOrganizationCommand({})), { name: "AccessDeniedException", status: 400 });
  // The management account keeps its own refusal.
  await rejectsWith(orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: s.accountId })), {
    name: "ConstraintViolationException",
    status: 400,
    message: /^You attempted to remove the management account/,
  });

  // Allowed callers: refused for the wait, at once and a minute before the four days.
  await refusedForWait(orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId })));
  await refusedForWait(new OrganizationsClient(onServerClock(s, leaver.admin)).send(new LeaveOrganizationCommand({})));
  const created = [(await joined(young.accountId)).JoinedTimestamp!.getTime(), (await joined(leaver.accountId)).JoinedTimestamp!.getTime()];
  serverClockTo(Math.min(...created) + 4 * DAY - 60_000);
  const late = new OrganizationsClient(onServerClock(s));
  await refusedForWait(late.send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId })));
  await refusedForWait(new OrganizationsClient(onServerClock(s, await memberRole(s, leaver.accountId))).send(new LeaveOrganizationCommand({})));

  // A minute after: both leave.
  serverClockTo(Math.max(...created) + 4 * DAY + 60_000);
  const after = new OrganizationsClient(onServerClock(s));
  await after.send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId }));
  await new OrganizationsClient(onServerClock(s, await memberRole(s, leaver.accountId))).send(new LeaveOrganizationCommand({}));
  for (const id of [young.accountId, leaver.accountId]) {
    await rejectsWith(after.send(new DescribeAccountCommand({ AccountId: id })), { name: "AccountNotFoundException", status: 400 });
  }

  // Invited back, the account is an invited one: it may leave at once, removed or by itself.
  for (const how of ["removed", "leaves"] as const) {
    const invite = (await after.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: young.accountId } }))).Handshake!;
    const youngOrgs = new OrganizationsClient(onServerClock(s, await memberRole(s, young.accountId)));
    await youngOrgs.send(new AcceptHandshakeCommand({ HandshakeId: invite.Id }));
    const back = (await after.send(new DescribeAccountCommand({ AccountId: young.accountId }))).Account!;
    assert.equal(back.JoinedMethod, "INVITED");
    if (how === "removed") await after.send(new RemoveAccountFromOrganizationCommand({ AccountId: young.accountId }));
    else await youngOrgs.send(new LeaveOrganizationCommand({}));
  }
});
