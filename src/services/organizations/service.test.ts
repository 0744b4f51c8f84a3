import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, MGMT_EMAIL, START, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

interface Status {
  Id: string;
  AccountName: string;
  State: string;
  RequestedTimestamp: Date;
  CompletedTimestamp?: Date;
  AccountId?: string;
  FailureReason?: string;
}
interface Account {
  Id: string;
  Arn: string;
  Email: string;
  Name: string;
  Status: string;
  JoinedMethod: string;
  JoinedTimestamp: Date;
}
interface Org {
  Id: string;
  Arn: string;
  FeatureSet: string;
  MasterAccountArn: string;
  MasterAccountId: string;
  MasterAccountEmail: string;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function withOrg(f: OrgFixture): Promise<Org> {
  return (await f.call<{ Organization: Org }>("CreateOrganization", {})).Organization;
}

describe("Organizations happy path", () => {
  test("CreateOrganization → CreateAccount → poll until SUCCEEDED → ListAccounts; the access role exists", async () => {
    const f = await orgFixture();
    const ctx = f.ctx();
    const org = (await f.call<{ Organization: Org }>("CreateOrganization", {}, ctx)).Organization;
    assert.match(org.Id, /^o-[a-z0-9]{10}$/);
    assert.deepEqual(org, {
      Id: org.Id,
      Arn: `arn:aws:organizations::${MGMT}:organization/${org.Id}`,
      FeatureSet: "ALL",
      MasterAccountArn: `arn:aws:organizations::${MGMT}:account/${org.Id}/${MGMT}`,
      MasterAccountId: MGMT,
      MasterAccountEmail: MGMT_EMAIL,
      // SCPs are available with all features, though not yet enabled in the root.
      AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
    });
    assert.deepEqual(ctx.calls.map((c) => c.action), ["organizations:CreateOrganization", "iam:CreateServiceLinkedRole"]);
    assert.deepEqual(ctx.calls[1]?.context, { "iam:AWSServiceName": "organizations.amazonaws.com" });

    f.clock.advance(1000);
    const created = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Dev", Email: "dev@example.com" }, f.ctx())).CreateAccountStatus;
    assert.match(created.Id, /^car-[a-z0-9]{8,32}$/);
    assert.deepEqual(created, { Id: created.Id, AccountName: "Dev", State: "IN_PROGRESS", RequestedTimestamp: new Date(START + 1000) });

    const done = await until(
      async () => (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: created.Id })).CreateAccountStatus,
      (s) => s.State !== "IN_PROGRESS",
    );
    assert.equal(done.State, "SUCCEEDED");
    assert.match(done.AccountId ?? "", /^[1-9]\d{11}$/);
    assert.deepEqual(done.CompletedTimestamp, new Date(START + 1000));
    const newId = done.AccountId as string;

    const list = await f.call<{ Accounts: Account[]; NextToken?: string }>("ListAccounts", {});
    assert.equal(list.NextToken, undefined);
    const expected = [
      { Id: MGMT, Arn: `arn:aws:organizations::${MGMT}:account/${org.Id}/${MGMT}`, Email: MGMT_EMAIL, Name: "Management", Status: "ACTIVE", State: "ACTIVE", JoinedMethod: "CREATED", JoinedTimestamp: new Date(START) },
      { Id: newId, Arn: `arn:aws:organizations::${MGMT}:account/${org.Id}/${newId}`, Email: "dev@example.com", Name: "Dev", Status: "ACTIVE", State: "ACTIVE", JoinedMethod: "CREATED", JoinedTimestamp: new Date(START + 1000) },
    ].sort((a, b) => (a.Id < b.Id ? -1 : 1));
    assert.deepEqual(list.Accounts, expected);

    const role = await f.iam.getRole(newId, "OrganizationAccountAccessRole");
    assert.ok(role);
    assert.deepEqual(JSON.parse(role.assumeRolePolicyDocument), {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: "sts:AssumeRole" }],
    });
    assert.deepEqual(f.iam.attachments, [{ accountId: newId, roleName: "OrganizationAccountAccessRole", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }]);

    const described = await f.call<{ Account: Account }>("DescribeAccount", { AccountId: newId });
    assert.deepEqual(described.Account, expected.find((a) => a.Id === newId));
    const roots = await f.call<{ Roots: Array<{ Id: string; Arn: string; Name: string }> }>("ListRoots", {});
    assert.equal(roots.Roots.length, 1);
    const root = roots.Roots[0] as { Id: string; Arn: string; Name: string };
    assert.match(root.Id, /^r-[a-z0-9]{4}$/);
    assert.equal(root.Arn, `arn:aws:organizations::${MGMT}:root/${org.Id}/${root.Id}`);
    assert.equal(root.Name, "Root");
    assert.deepEqual((await f.call<{ Accounts: Account[] }>("ListAccountsForParent", { ParentId: root.Id })).Accounts, expected);
    assert.deepEqual(await f.call("ListParents", { ChildId: newId }), { Parents: [{ Id: root.Id, Type: "ROOT" }] });

    // A member can see its organization but not manage it.
    const member = f.ctx(newId);
    assert.equal((await f.call<{ Organization: Org }>("DescribeOrganization", {}, member)).Organization.Id, org.Id);
    await expectAwsError(f.call("ListAccounts", {}, member), "AccessDeniedException", "You don't have permissions to access this resource.", 400);
    await expectAwsError(f.call("CreateAccount", { AccountName: "X", Email: "x@example.com" }, member), "AccessDeniedException", "You don't have permissions to access this resource.", 400);
  });

  test("a custom RoleName is honoured", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Ops", Email: "ops@example.com", RoleName: "BreakGlass" })).CreateAccountStatus;
    await f.drain();
    const done = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.equal(done.State, "SUCCEEDED");
    assert.ok(await f.iam.getRole(done.AccountId as string, "BreakGlass"));
    assert.equal(await f.iam.getRole(done.AccountId as string, "OrganizationAccountAccessRole"), undefined);
  });
});

describe("Organizations errors", () => {
  test("no organization, already in one, authorisation first, dependency permission", async () => {
    const f = await orgFixture({ manual: true });
    await expectAwsError(f.call("DescribeOrganization", {}), "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);
    await expectAwsError(f.call("ListAccounts", {}), "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);
    await expectAwsError(
      f.call("CreateOrganization", {}, f.ctx(MGMT, (r) => r.action === "iam:CreateServiceLinkedRole")),
      "AccessDeniedForDependencyException",
      "The request failed because your credentials do not have permission to create the service-linked role required by AWS Organizations.",
      400,
    );
    const denied = f.ctx(MGMT, (r) => r.action === "organizations:CreateOrganization");
    await expectAwsError(f.call("CreateOrganization", {}, denied), "AccessDeniedException", `User: arn:aws:iam::${MGMT}:user/admin is not authorized to perform: organizations:CreateOrganization on resource: *`);
    assert.equal(denied.calls.length, 1);
    const e = await expectAwsError(f.call("CreateOrganization", { FeatureSet: "SOME" }), "InvalidInputException", "You specified an invalid value.", 400);
    assert.deepEqual(e.fields, { Reason: "INVALID_ENUM" });

    const org = await withOrg(f);
    await expectAwsError(f.call("CreateOrganization", {}), "AlreadyInOrganizationException", "The AWS account is already a member of an organization.", 400);
    assert.equal((await f.call<{ Organization: Org }>("DescribeOrganization", {})).Organization.Id, org.Id);
    await expectAwsError(f.call("DescribeOrganization", {}, f.ctx("999988887777")), "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
  });

  test("CreateAccount input validation and asynchronous failures", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const bad = async (input: unknown, reason: string, message: string) => {
      const e = await expectAwsError(f.call("CreateAccount", input), "InvalidInputException", message, 400);
      assert.deepEqual(e.fields, { Reason: reason });
    };
    await bad({ AccountName: "A", Email: "not-an-email" }, "INVALID_PATTERN", "You provided a value that does not match the required pattern.");
    await bad({ AccountName: "A", Email: "a@b.c" }, "MIN_LENGTH_EXCEEDED", "You provided a string parameter that is shorter than allowed.");
    await bad({ AccountName: "x".repeat(51), Email: "a@example.com" }, "MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed.");
    await bad({ AccountName: "A" }, "INPUT_REQUIRED", "You must specify a value for every required parameter.");
    await bad({ AccountName: "A", Email: "a@example.com", RoleName: "AWSServiceRoleForX" }, "INVALID_ROLE_NAME", "You provided a role name that is not valid. A role name cannot begin with the reserved prefix 'AWSServiceRoleFor'.");
    await bad({ AccountName: "A", Email: "a@example.com", IamUserAccessToBilling: "MAYBE" }, "INVALID_ENUM", "You specified an invalid value.");
    await bad({ AccountName: "A", Email: "a@example.com", Tags: [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }] }, "DUPLICATE_TAG_KEY", "You specified the same tag key more than once.");
    assert.equal(f.queued.length, 0);

    // Tags are the request's aws:RequestTag/… and aws:TagKeys, for CreateAccount and TagResource alike:
    // a policy denying a tag value stops the request before anything is queued.
    const tagged = { AccountName: "T", Email: "t@example.com", Tags: [{ Key: "env", Value: "prod" }] };
    const denyProd = f.ctx(undefined, (r) => r.context?.["aws:RequestTag/env"] === "prod");
    await expectAwsError(f.call("CreateAccount", tagged, denyProd), "AccessDeniedException", /organizations:CreateAccount/, 400);
    assert.deepEqual(
      denyProd.calls.map((c) => [c.action, c.context?.["aws:TagKeys"], c.context?.["aws:RequestTag/env"]]),
      [["organizations:CreateAccount", ["env"], "prod"]],
    );
    assert.equal(f.queued.length, 0);
    const noTagging = f.ctx(undefined, (r) => r.action === "organizations:TagResource");
    await expectAwsError(f.call("CreateAccount", { ...tagged, Tags: [{ Key: "env", Value: "dev" }] }, noTagging), "AccessDeniedException", /organizations:TagResource/, 400);
    assert.deepEqual(
      noTagging.calls.map((c) => [c.action, c.context?.["aws:RequestTag/env"]]),
      [
        ["organizations:CreateAccount", "dev"],
        ["organizations:TagResource", "dev"],
      ],
    );
    assert.equal(f.queued.length, 0);

    // The management account's email is taken (case-insensitively): the request FAILS asynchronously.
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Dup", Email: MGMT_EMAIL.toUpperCase() })).CreateAccountStatus;
    assert.equal(s.State, "IN_PROGRESS");
    await f.drain();
    const failed = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.deepEqual(failed, { Id: s.Id, AccountName: "Dup", State: "FAILED", RequestedTimestamp: new Date(START), CompletedTimestamp: new Date(START), FailureReason: "EMAIL_ALREADY_EXISTS" });
    assert.equal((await f.accounts.list()).length, 1);

    await expectAwsError(
      f.call("DescribeCreateAccountStatus", { CreateAccountRequestId: "car-0000000000" }),
      "CreateAccountStatusNotFoundException",
      "We can't find a create account request with the CreateAccountRequestId that you specified.",
      400,
    );
    const p = await expectAwsError(f.call("DescribeCreateAccountStatus", { CreateAccountRequestId: "nope" }), "InvalidInputException", "You provided a value that does not match the required pattern.");
    assert.deepEqual(p.fields, { Reason: "INVALID_PATTERN" });
    await expectAwsError(f.call("DescribeAccount", { AccountId: "999988887777" }), "AccountNotFoundException", "You specified an account that doesn't exist.", 400);
    await expectAwsError(f.call("ListParents", { ChildId: "999988887777" }), "ChildNotFoundException", "We can't find an organizational unit or account with the ChildId that you specified.", 400);
    await expectAwsError(f.call("ListAccountsForParent", { ParentId: "r-zzzz" }), "ParentNotFoundException", "We can't find a root or organizational unit with the ParentId that you specified.", 400);
  });

  test("an IAM failure fails the request and removes the half-made account", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    f.iam.failNextCreateRole = new Error("iam unavailable");
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Flaky", Email: "flaky@example.com" })).CreateAccountStatus;
    await f.drain();
    const st = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.equal(st.State, "FAILED");
    assert.equal(st.FailureReason, "INTERNAL_FAILURE");
    assert.equal(st.AccountId, undefined);
    assert.deepEqual((await f.accounts.list()).map((a) => a.id), [MGMT]);
    // The email is free again.
    const again = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Flaky", Email: "flaky@example.com" })).CreateAccountStatus;
    await f.drain();
    assert.equal((await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: again.Id })).CreateAccountStatus.State, "SUCCEEDED");
  });

  test("DeleteOrganization only when no member accounts remain", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    await f.call("CreateAccount", { AccountName: "M", Email: "m@example.com" });
    await expectAwsError(f.call("DeleteOrganization", {}), "ConstraintViolationException", /in progress/, 400);
    await f.drain();
    await expectAwsError(f.call("DeleteOrganization", {}), "OrganizationNotEmptyException", "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account, delete all OUs, and delete all policies.", 400);

    const g = await orgFixture({ manual: true });
    await withOrg(g);
    assert.deepEqual(await g.call("DeleteOrganization", {}), {});
    await expectAwsError(g.call("DescribeOrganization", {}), "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
    assert.equal((await g.accounts.get(MGMT))?.organizationId, undefined);
    // The account can found a new organization afterwards.
    assert.match((await withOrg(g)).Id, /^o-/);
  });
});

describe("Organizations pagination", () => {
  test("ListAccounts and ListCreateAccountStatus pages, filters and token checks", async () => {
    // More accounts than the default quota of 10: the installation raised it.
    const f = await orgFixture({ manual: true, maxAccounts: 100 });
    await withOrg(f);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: `A${i}`, Email: `a${i}@example.com` })).CreateAccountStatus.Id);
    }
    await f.drain();
    await f.call("CreateAccount", { AccountName: "Dup", Email: "a0@example.com" });
    await f.drain();

    const seen: string[] = [];
    let token: string | undefined;
    const sizes: number[] = [];
    do {
      const page: { Accounts: Account[]; NextToken?: string } = await f.call("ListAccounts", { MaxResults: 10, ...(token ? { NextToken: token } : {}) });
      sizes.push(page.Accounts.length);
      seen.push(...page.Accounts.map((a) => a.Id));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(sizes, [10, 10, 6]);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, 26);
    assert.ok(seen.includes(MGMT));
    const first = await f.call<{ Accounts: Account[]; NextToken?: string }>("ListAccounts", {});
    assert.equal(first.Accounts.length, 20);
    assert.equal(typeof first.NextToken, "string");

    const tooMany = await expectAwsError(f.call("ListAccounts", { MaxResults: 21 }), "InvalidInputException", "You provided a numeric parameter that has a larger value than allowed.");
    assert.deepEqual(tooMany.fields, { Reason: "MAX_VALUE_EXCEEDED" });
    await expectAwsError(f.call("ListAccounts", { MaxResults: 0 }), "InvalidInputException", "You provided a numeric parameter that has a smaller value than allowed.");
    const badToken = await expectAwsError(f.call("ListAccounts", { NextToken: "garbage" }), "InvalidInputException", "You specified an invalid value for nextToken.");
    assert.deepEqual(badToken.fields, { Reason: "INVALID_NEXT_TOKEN" });
    await expectAwsError(f.call("ListCreateAccountStatus", { NextToken: first.NextToken }), "InvalidInputException", "You specified an invalid value for nextToken.");

    const failed = await f.call<{ CreateAccountStatuses: Status[]; NextToken?: string }>("ListCreateAccountStatus", { States: ["FAILED"] });
    assert.deepEqual(failed.CreateAccountStatuses.map((s) => [s.AccountName, s.FailureReason]), [["Dup", "EMAIL_ALREADY_EXISTS"]]);
    assert.equal(failed.NextToken, undefined);
    const all: Status[] = [];
    token = undefined;
    do {
      const page: { CreateAccountStatuses: Status[]; NextToken?: string } = await f.call("ListCreateAccountStatus", { States: ["SUCCEEDED"], MaxResults: 7, ...(token ? { NextToken: token } : {}) });
      all.push(...page.CreateAccountStatuses);
      token = page.NextToken;
    } while (token);
    assert.deepEqual(all.map((s) => s.Id).sort(), [...ids].sort());
    assert.ok(all.every((s) => s.State === "SUCCEEDED" && s.AccountId !== undefined));
    await expectAwsError(f.call("ListCreateAccountStatus", { States: ["DONE"] }), "InvalidInputException", "You specified an invalid value.");
  });
});

describe("Organizations regressions found by the handler-depth fuzz", () => {
  test("ListRoots and ListParents check a NextToken like every other list (one page, no token of their own)", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const ou = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id, Name: "ou" })).OrganizationalUnit.Id;
    const roots = await f.call<{ Roots: unknown[]; NextToken?: string }>("ListRoots", { MaxResults: 1 });
    assert.equal(roots.Roots.length, 1);
    assert.equal(roots.NextToken, undefined);
    const parents = await f.call<{ Parents: Array<{ Type: string }>; NextToken?: string }>("ListParents", { ChildId: ou, MaxResults: 1 });
    assert.deepEqual(parents.Parents.map((p) => p.Type), ["ROOT"]);
    assert.equal(parents.NextToken, undefined);
    const accountsToken = (await f.call<{ NextToken?: string }>("ListOrganizationalUnitsForParent", { ParentId: (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id, MaxResults: 1 })).NextToken;
    for (const token of ["garbage", Buffer.from("[1]").toString("base64url"), ...(accountsToken ? [accountsToken] : [])]) {
      for (const [op, input] of [["ListRoots", {}], ["ListParents", { ChildId: ou }]] as const) {
        const e = await expectAwsError(f.call(op, { ...input, NextToken: token }), "InvalidInputException", "You specified an invalid value for nextToken.");
        assert.deepEqual(e.fields, { Reason: "INVALID_NEXT_TOKEN" });
      }
    }
  });

  test("a malformed or over-long NextToken is refused before the named parent, target, policy or account is looked up", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const root = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
    await f.call("EnablePolicyType", { RootId: root, PolicyType: "SERVICE_CONTROL_POLICY" });
    const ou = (await f.call<{ OrganizationalUnit: { Id: string } }>("CreateOrganizationalUnit", { ParentId: root, Name: "ou" })).OrganizationalUnit.Id;
    const policy = (await f.call<{ Policies: Array<{ Id: string }> }>("ListPolicies", { Filter: "SERVICE_CONTROL_POLICY" })).Policies[0]!.Id;
    const missingOu = `${ou.slice(0, ou.lastIndexOf("-"))}-zzzzzzzz`;
    // Each list with an existing and with a missing (well-formed) resource.
    const lists: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      ["ListOrganizationalUnitsForParent", { ParentId: ou }, { ParentId: missingOu }],
      ["ListChildren", { ParentId: ou, ChildType: "ACCOUNT" }, { ParentId: missingOu, ChildType: "ACCOUNT" }],
      ["ListAccountsForParent", { ParentId: root }, { ParentId: missingOu }],
      ["ListParents", { ChildId: ou }, { ChildId: missingOu }],
      ["ListPoliciesForTarget", { TargetId: root, Filter: "SERVICE_CONTROL_POLICY" }, { TargetId: missingOu, Filter: "SERVICE_CONTROL_POLICY" }],
      ["ListTargetsForPolicy", { PolicyId: policy }, { PolicyId: "p-zzzzzzzz" }],
      ["ListDelegatedServicesForAccount", { AccountId: MGMT }, { AccountId: "999999999999" }],
      ["ListEffectivePolicyValidationErrors", { AccountId: MGMT, PolicyType: "BACKUP_POLICY" }, { AccountId: "999999999999", PolicyType: "BACKUP_POLICY" }],
    ];
    for (const [op, existing, missing] of lists) {
      for (const input of [existing, missing]) {
        const bad = await expectAwsError(f.call(op, { ...input, NextToken: "garbage" }), "InvalidInputException", "You specified an invalid value for nextToken.");
        assert.deepEqual(bad.fields, { Reason: "INVALID_NEXT_TOKEN" }, `${op} ${JSON.stringify(input)}`);
        const long = await expectAwsError(f.call(op, { ...input, NextToken: "x".repeat(100001) }), "InvalidInputException", "You provided a string parameter that is longer than allowed.");
        assert.deepEqual(long.fields, { Reason: "MAX_LENGTH_EXCEEDED" }, `${op} ${JSON.stringify(input)}`);
      }
    }
  });

  test("system (aws:) tag keys are refused at creation as they are by TagResource", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    await f.call("EnablePolicyType", { RootId: (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id, PolicyType: "SERVICE_CONTROL_POLICY" });
    const root = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
    const scp = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "ec2:*", Resource: "*" }] });
    const refused: Array<[string, Record<string, unknown>]> = [
      ["CreateAccount", { AccountName: "Tagged", Email: "tagged@example.com" }],
      ["CreateOrganizationalUnit", { ParentId: root, Name: "tagged" }],
      ["CreatePolicy", { Name: "tagged", Description: "", Type: "SERVICE_CONTROL_POLICY", Content: scp }],
      ["InviteAccountToOrganization", { Target: { Type: "EMAIL", Id: "tagged@example.com" } }],
      ["PutResourcePolicy", { Content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "organizations:ListAccounts", Resource: "*" }] }) }],
      ["TagResource", { ResourceId: root }],
    ];
    for (const [op, input] of refused) {
      for (const Key of ["aws:team", "AWS:Team"]) {
        const e = await expectAwsError(f.call(op, { ...input, Tags: [{ Key: "ok", Value: "1" }, { Key, Value: "x" }] }), "InvalidInputException", /system tag/);
        assert.deepEqual(e.fields, { Reason: "INVALID_SYSTEM_TAGS_PARAMETER" }, `${op} ${Key}`);
      }
    }
    // Nothing was made.
    assert.equal((await f.call<{ OrganizationalUnits: unknown[] }>("ListOrganizationalUnitsForParent", { ParentId: root })).OrganizationalUnits.length, 0);
    assert.equal((await f.call<{ Policies: unknown[] }>("ListPolicies", { Filter: "SERVICE_CONTROL_POLICY" })).Policies.length, 1);
    assert.equal((await f.call<{ CreateAccountStatuses: unknown[] }>("ListCreateAccountStatus", {})).CreateAccountStatuses.length, 0);
    // A key that merely contains "aws:" is a user's.
    await f.call("CreateOrganizationalUnit", { ParentId: root, Name: "fine", Tags: [{ Key: "team:aws:x", Value: "1" }] });
  });
});

describe("resumePending", () => {
  test("finishes a request whose job never ran (process died after answering)", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Later", Email: "later@example.com" })).CreateAccountStatus;
    f.queued.length = 0; // the crash: the scheduled job is lost
    const restarted = f.restart();
    assert.equal(await restarted.resumePending(), 1);
    const st = (await restarted.operations["DescribeCreateAccountStatus"]?.handler({ CreateAccountRequestId: s.Id }, f.ctx())) as { CreateAccountStatus: Status };
    assert.equal(st.CreateAccountStatus.State, "SUCCEEDED");
    assert.ok(await f.iam.getRole(st.CreateAccountStatus.AccountId as string, "OrganizationAccountAccessRole"));
    assert.equal(await restarted.resumePending(), 0);
  });

  test("finishes a request interrupted after the account was registered, without duplicating anything", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Half", Email: "half@example.com" })).CreateAccountStatus;
    // Writes: reserve the id (1), register the account (2: email index, 3: account); the 4th write (SUCCEEDED) "crashes".
    f.store.failWritesAfter(3);
    await f.drain();
    f.store.failWritesAfter(Number.POSITIVE_INFINITY);
    const mid = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.equal(mid.State, "IN_PROGRESS");
    assert.equal((await f.accounts.list()).length, 2, "the account was registered before the crash");

    assert.equal(await f.restart().resumePending(), 1);
    const done = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.equal(done.State, "SUCCEEDED");
    const accounts = await f.accounts.list();
    assert.equal(accounts.length, 2);
    assert.equal(accounts.find((a) => a.id !== MGMT)?.id, done.AccountId);
    assert.equal([...f.iam.roles.keys()].filter((k) => k.endsWith("/OrganizationAccountAccessRole")).length, 1);
    assert.equal(f.iam.attachments.length, 1);
  });
  test("two processes finishing the same request at once make one account, with one outcome", async () => {
    const f = await orgFixture({ manual: true });
    await withOrg(f);
    const s = (await f.call<{ CreateAccountStatus: Status }>("CreateAccount", { AccountName: "Twice", Email: "twice@example.com" })).CreateAccountStatus;
    f.queued.length = 0;
    // E.g. the operator CLI still running it while a server resumes it: the second run starts once
    // the first has reserved the account id, and both register the account at the same moment.
    const register = f.accounts.create.bind(f.accounts);
    let firstAtRegister!: () => void;
    let secondAtRegister!: () => void;
    const firstThere = new Promise<void>((r) => (firstAtRegister = r));
    const secondThere = new Promise<void>((r) => (secondAtRegister = r));
    let calls = 0;
    f.accounts.create = async (input) => {
      if (++calls === 1) {
        firstAtRegister();
        await secondThere;
      } else if (calls === 2) secondAtRegister();
      return register(input);
    };
    const first = f.restart().resumePending();
    await firstThere;
    await Promise.all([first, f.restart().resumePending()]);

    const done = (await f.call<{ CreateAccountStatus: Status }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus;
    assert.equal(done.State, "SUCCEEDED");
    assert.deepEqual((await f.accounts.list()).map((a) => a.id).filter((id) => id !== MGMT), [done.AccountId]);
    assert.ok(await f.iam.getRole(done.AccountId as string, "OrganizationAccountAccessRole"));
  });
});

describe("service definition", () => {
  test("advertises the Organizations wire identity", async () => {
    const f = await orgFixture();
    assert.equal(f.org.name, "organizations");
    assert.equal(f.org.signingName, "organizations");
    assert.equal(f.org.protocol, "awsJson1_1");
    assert.equal(f.org.targetPrefix, "AWSOrganizationsV20161128");
    assert.equal(f.org.eventSource, "organizations.amazonaws.com");
    assert.equal(f.org.global, true);
    for (const [name, op] of Object.entries(f.org.operations)) assert.ok(Array.isArray(op.schema), `${name} has a static schema`);
  });

  test("implements 56 of the 63 operations of the client's model; not the GovCloud and responsibility-transfer ones", async () => {
    const f = await orgFixture();
    const model = Object.keys(await import("@aws-sdk/client-organizations"))
      .filter((k) => /^[A-Z]\w+Command$/.test(k))
      .map((k) => k.slice(0, -"Command".length));
    const missing = model.filter((op) => !(op in f.org.operations)).sort();
    assert.equal(model.length, 63);
    assert.equal(Object.keys(f.org.operations).length, 56);
    assert.deepEqual(missing, [
      "CreateGovCloudAccount",
      "DescribeResponsibilityTransfer",
      "InviteOrganizationToTransferResponsibility",
      "ListInboundResponsibilityTransfers",
      "ListOutboundResponsibilityTransfers",
      "TerminateResponsibilityTransfer",
      "UpdateResponsibilityTransfer",
    ]);
  });
});
