/**
 * STS + Organizations against the real pieces they run with: SQLite storage, the sealer,
 * the IAM service (IamApi + identity directory) and the policy authoriser.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import type { AuthorizeRequest, Principal, RequestContext } from "../../core/types.js";
import { createSealer } from "../../crypto/seal.js";
import { createAuthorizer } from "../../iam/authorizer.js";
import { openSqliteStorage } from "../../storage/sqlite/sqlite-storage.js";
import { createIamService } from "../iam/service.js";
import { createStsService } from "../sts/service.js";
import { createAccountRegistry } from "./accounts.js";
import { createOrganizationsService } from "./service.js";

const MGMT = "210987654321";

test("a management-account admin creates a member account and assumes its access role", async () => {
  const store = openSqliteStorage({ path: ":memory:" });
  try {
    const clock = new ManualClock(Date.UTC(2024, 5, 1));
    const sealer = createSealer(randomBytes(32));
    const iam = createIamService({ store, sealer, clock });
    const authorizer = createAuthorizer({ directory: iam.directory });
    const accounts = createAccountRegistry(store, clock);
    await accounts.create({ name: "Management", email: "mgmt@example.com", accountId: MGMT });
    const queued: Array<() => void> = [];
    const orgs = createOrganizationsService({ store, iam: iam.api, clock, accounts, runLater: (fn) => void queued.push(fn) });
    const sts = createStsService({ store, sealer, iam: iam.api, clock });

    await iam.api.createUser({ accountId: MGMT, region: "" }, { userName: "admin" });
    await iam.api.attachUserPolicy(MGMT, "admin", "arn:aws:iam::aws:policy/AdministratorAccess");
    const key = await iam.api.createAccessKey(MGMT, "admin");
    const admin = (await iam.directory.resolveAccessKey(key.accessKeyId))?.principal as Principal;
    assert.equal(admin.type, "IAMUser");

    const ctxFor = (principal: Principal, service: string): RequestContext => {
      const facts = { sourceIp: "127.0.0.1", secureTransport: true, region: "us-east-1", userAgent: "test", now: clock.now() };
      return {
        requestId: "r",
        scope: { accountId: principal.accountId, region: "us-east-1" },
        principal,
        service,
        operation: "",
        sourceIp: facts.sourceIp,
        userAgent: facts.userAgent,
        secureTransport: true,
        now: clock.now(),
        audit: {},
        authorize: (req: AuthorizeRequest) => authorizer.authorize(principal, facts, req),
        isAllowed: async (req: AuthorizeRequest) => (await authorizer.decide(principal, facts, req)).decision === "Allow",
        evaluate: async (req: AuthorizeRequest) => (await authorizer.decide(principal, facts, req)).decision,
      };
    };
    const call = async <T>(svc: { operations: Record<string, { handler: (i: unknown, c: RequestContext) => Promise<unknown> }> }, op: string, input: unknown, ctx: RequestContext) =>
      (await (svc.operations[op] as { handler: (i: unknown, c: RequestContext) => Promise<unknown> }).handler(input, ctx)) as T;

    await call(orgs, "CreateOrganization", {}, ctxFor(admin, "organizations"));
    const { CreateAccountStatus: req } = await call<{ CreateAccountStatus: { Id: string } }>(orgs, "CreateAccount", { AccountName: "Dev", Email: "dev@example.com" }, ctxFor(admin, "organizations"));
    for (const fn of queued.splice(0)) fn();
    await orgs.idle();
    const { CreateAccountStatus: st } = await call<{ CreateAccountStatus: { State: string; AccountId: string } }>(orgs, "DescribeCreateAccountStatus", { CreateAccountRequestId: req.Id }, ctxFor(admin, "organizations"));
    assert.equal(st.State, "SUCCEEDED");
    const role = await iam.api.getRole(st.AccountId, "OrganizationAccountAccessRole");
    assert.ok(role);

    // Cross-account AssumeRole through the real trust-policy evaluation.
    const out = await call<{ Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }; AssumedRoleUser: { Arn: string } }>(
      sts,
      "AssumeRole",
      { RoleArn: role.arn, RoleSessionName: "setup" },
      ctxFor(admin, "sts"),
    );
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${st.AccountId}:assumed-role/OrganizationAccountAccessRole/setup`);
    const resolved = await iam.directory.resolveAccessKey(out.Credentials.AccessKeyId);
    assert.ok(resolved);
    assert.equal(resolved.secretAccessKey, out.Credentials.SecretAccessKey);
    assert.equal(resolved.sessionToken, createHash("sha256").update(out.Credentials.SessionToken).digest("hex"));
    assert.equal(resolved.principal.arn, out.AssumedRoleUser.Arn);
    assert.equal(resolved.principal.principalId, `${role.roleId}:setup`);

    // The role session is an administrator of the new account…
    const session = resolved.principal;
    const ident = await call(sts, "GetCallerIdentity", {}, ctxFor(session, "sts"));
    assert.deepEqual(ident, { UserId: `${role.roleId}:setup`, Account: st.AccountId, Arn: out.AssumedRoleUser.Arn });
    assert.equal(await ctxFor(session, "iam").isAllowed({ action: "iam:CreateUser", resource: `arn:aws:iam::${st.AccountId}:user/x` }), true);
    // …and cannot chain for longer than an hour, nor call GetSessionToken.
    const chain = await iam.api.createRole(
      { accountId: st.AccountId, region: "" },
      {
        roleName: "Chain",
        maxSessionDuration: 43200,
        assumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${st.AccountId}:root` }, Action: "sts:AssumeRole" }] }),
      },
    );
    await assert.rejects(call(sts, "AssumeRole", { RoleArn: chain.arn, RoleSessionName: "again", DurationSeconds: 7200 }, ctxFor(session, "sts")), /1 hour session limit/);
    const chained = await call<{ AssumedRoleUser: { Arn: string } }>(sts, "AssumeRole", { RoleArn: chain.arn, RoleSessionName: "again" }, ctxFor(session, "sts"));
    assert.equal(chained.AssumedRoleUser.Arn, `arn:aws:sts::${st.AccountId}:assumed-role/Chain/again`);
    await assert.rejects(call(sts, "GetSessionToken", {}, ctxFor(session, "sts")), /Cannot call GetSessionToken with session credentials/);

    // A user of another account is refused by the trust policy.
    await accounts.create({ name: "Other", email: "other@example.com", accountId: "333344445555" });
    await iam.api.createUser({ accountId: "333344445555", region: "" }, { userName: "eve" });
    await iam.api.attachUserPolicy("333344445555", "eve", "arn:aws:iam::aws:policy/AdministratorAccess");
    const eveKey = await iam.api.createAccessKey("333344445555", "eve");
    const eve = (await iam.directory.resolveAccessKey(eveKey.accessKeyId))?.principal as Principal;
    await assert.rejects(call(sts, "AssumeRole", { RoleArn: role.arn, RoleSessionName: "xx" }, ctxFor(eve, "sts")), (e: unknown) => {
      const err = e as { code?: string; message?: string };
      return err.code === "AccessDeniedException" && (err.message ?? "").startsWith(`User: ${eve.arn} is not authorized to perform: sts:AssumeRole on resource: ${role.arn}`);
    });
    // A role that does not exist is refused the same way.
    const missing = `arn:aws:iam::${st.AccountId}:role/Missing`;
    const [a, b] = await Promise.all(
      [role.arn, missing].map((arn) => call(sts, "AssumeRole", { RoleArn: arn, RoleSessionName: "xx" }, ctxFor(eve, "sts")).catch((e: Error) => e.message.replace(arn, "<role>"))),
    );
    assert.equal(a, b);

    // GetSessionToken for the admin resolves to the same user identity.
    const tok = await call<{ Credentials: { AccessKeyId: string } }>(sts, "GetSessionToken", {}, ctxFor(admin, "sts"));
    const viaToken = await iam.directory.resolveAccessKey(tok.Credentials.AccessKeyId);
    assert.equal(viaToken?.principal.arn, admin.arn);
    assert.equal(viaToken?.principal.isSessionToken, true);
  } finally {
    await store.close();
  }
});
