import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { createOrganizationsView } from "./view.js";
import { MGMT, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

const MEMBER = "222233334444";
const IAM = "iam.amazonaws.com";

async function withMember(): Promise<{ f: OrgFixture; orgId: string }> {
  const f = await orgFixture({ manual: true });
  const { Organization } = await f.call<{ Organization: { Id: string } }>("CreateOrganization", {});
  await f.accounts.create({ name: "Member", email: "member@example.com", accountId: MEMBER });
  await f.accounts.update(MEMBER, (a) => ({ ...a, organizationId: Organization.Id, joinedMethod: "CREATED", joinedAt: f.clock.now() }));
  return { f, orgId: Organization.Id };
}

describe("Organizations: trusted access and delegated administrators", () => {
  test("EnableAWSServiceAccess / List / Disable, idempotent; authorised with organizations:ServicePrincipal", async () => {
    const { f } = await withMember();
    const ctx = f.ctx();
    assert.deepEqual(await f.call("EnableAWSServiceAccess", { ServicePrincipal: IAM }, ctx), {});
    f.clock.advance(1000);
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: IAM });
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    const listed = await f.call<{ EnabledServicePrincipals: Array<{ ServicePrincipal: string; DateEnabled: Date }> }>("ListAWSServiceAccessForOrganization", {});
    assert.deepEqual(listed.EnabledServicePrincipals.map((e) => [e.ServicePrincipal, e.DateEnabled.getTime()]), [
      [IAM, f.clock.now() - 1000],
      ["guardduty.amazonaws.com", f.clock.now()],
    ]);
    assert.deepEqual(ctx.calls[0], { action: "organizations:EnableAWSServiceAccess", resource: "*", context: { "organizations:ServicePrincipal": IAM } });
    await f.call("DisableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    await f.call("DisableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    const after = await f.call<{ EnabledServicePrincipals: Array<{ ServicePrincipal: string }> }>("ListAWSServiceAccessForOrganization", {});
    assert.deepEqual(after.EnabledServicePrincipals.map((e) => e.ServicePrincipal), [IAM]);
  });

  test("DisableAWSServiceAccess of Security Hub while SECURITYHUB_POLICY is enabled: ConstraintViolationException POLICY_TYPE_ENABLED_FOR_THIS_SERVICE", async () => {
    const { f } = await withMember();
    const SH = "securityhub.amazonaws.com";
    const rootId = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: SH });
    await f.call("EnablePolicyType", { RootId: rootId, PolicyType: "SECURITYHUB_POLICY" });
    const e = await expectAwsError(
      f.call("DisableAWSServiceAccess", { ServicePrincipal: SH }),
      "ConstraintViolationException",
      "You attempted to disable service access before you disabled the policy type (for example, SECURITYHUB_POLICY). To complete this operation, you must first disable the policy type.",
      400,
    );
    assert.deepEqual(e.fields, { Reason: "POLICY_TYPE_ENABLED_FOR_THIS_SERVICE" });
    const listed = await f.call<{ EnabledServicePrincipals: Array<{ ServicePrincipal: string }> }>("ListAWSServiceAccessForOrganization", {});
    assert.deepEqual(listed.EnabledServicePrincipals.map((x) => x.ServicePrincipal), [SH]);
    // Another service's access is not held by it; once the type is disabled, Security Hub's is not either.
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    await f.call("DisableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    await f.call("DisablePolicyType", { RootId: rootId, PolicyType: "SECURITYHUB_POLICY" });
    await f.call("DisableAWSServiceAccess", { ServicePrincipal: SH });
    assert.deepEqual((await f.call<{ EnabledServicePrincipals: unknown[] }>("ListAWSServiceAccessForOrganization", {})).EnabledServicePrincipals, []);
  });

  test("management account only; input checked", async () => {
    const { f } = await withMember();
    await expectAwsError(f.call("EnableAWSServiceAccess", { ServicePrincipal: IAM }, f.ctx(MEMBER)), "AccessDeniedException", "You don't have permissions to access this resource.", 400);
    await expectAwsError(f.call("EnableAWSServiceAccess", { ServicePrincipal: "bad principal" }), "InvalidInputException", "You provided a value that does not match the required pattern.", 400);
    await expectAwsError(f.call("EnableAWSServiceAccess", { ServicePrincipal: "a".repeat(129) }), "InvalidInputException", "You provided a string parameter that is longer than allowed.", 400);
    await expectAwsError(f.call("RegisterDelegatedAdministrator", { AccountId: "12", ServicePrincipal: IAM }), "InvalidInputException", /required pattern/, 400);
    const lone = await orgFixture();
    await expectAwsError(lone.call("ListAWSServiceAccessForOrganization", {}), "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);
  });

  test("Register / List / Deregister delegated administrators, with their constraints", async () => {
    const { f, orgId } = await withMember();
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: IAM });
    await expectAwsError(
      f.call("RegisterDelegatedAdministrator", { AccountId: MGMT, ServicePrincipal: IAM }),
      "ConstraintViolationException",
      "You can't register the management account of the organization as a delegated administrator.",
      400,
    );
    await expectAwsError(f.call("RegisterDelegatedAdministrator", { AccountId: "999999999999", ServicePrincipal: IAM }), "AccountNotFoundException", /doesn't exist/, 400);
    await f.call("RegisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM });
    await expectAwsError(f.call("RegisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM }), "AccountAlreadyRegisteredException", /already a delegated administrator/, 400);
    const listed = await f.call<{ DelegatedAdministrators: Array<{ Id: string; Email: string; DelegationEnabledDate: Date }> }>("ListDelegatedAdministrators", { ServicePrincipal: IAM });
    assert.deepEqual(listed.DelegatedAdministrators.map((d) => [d.Id, d.Email]), [[MEMBER, "member@example.com"]]);
    // The delegate may list them too, and other services' lists are separate.
    assert.equal((await f.call<{ DelegatedAdministrators: unknown[] }>("ListDelegatedAdministrators", {}, f.ctx(MEMBER))).DelegatedAdministrators.length, 1);
    assert.equal((await f.call<{ DelegatedAdministrators: unknown[] }>("ListDelegatedAdministrators", { ServicePrincipal: "guardduty.amazonaws.com" })).DelegatedAdministrators.length, 0);

    const view = createOrganizationsView({ store: f.store, accounts: f.accounts });
    const m = await view.membership(MEMBER);
    assert.equal(m?.org.id, orgId);
    assert.deepEqual(m?.org.delegatedAdministrators?.map((d) => [d.accountId, d.servicePrincipal]), [[MEMBER, IAM]]);

    await expectAwsError(
      f.call("DisableAWSServiceAccess", { ServicePrincipal: IAM }),
      "ConstraintViolationException",
      "You have delegated administrator/s for this service. De-register them in order to disable service access.",
      400,
    );
    await f.call("DeregisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM });
    await expectAwsError(f.call("DeregisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM }), "AccountNotRegisteredException", /not a registered delegated administrator/, 400);
    await expectAwsError(f.call("ListDelegatedAdministrators", {}, f.ctx(MEMBER)), "AccessDeniedException", "You don't have permissions to access this resource.", 400);
    await f.call("DisableAWSServiceAccess", { ServicePrincipal: IAM });
    assert.equal((await view.membership(MEMBER))?.org.enabledServices?.length, 0);
  });

  test("RegisterDelegatedAdministrator needs the service's trusted access first, and an account that is not closed", async () => {
    const { f } = await withMember();
    const reason = async (p: Promise<unknown>, r: string, message: RegExp) =>
      assert.deepEqual((await expectAwsError(p, "ConstraintViolationException", message, 400)).fields, { Reason: r });
    await reason(f.call("RegisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM }), "SERVICE_ACCESS_NOT_ENABLED", /before you enabled service access/);
    // Trusted access for another service does not count.
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
    await reason(f.call("RegisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM }), "SERVICE_ACCESS_NOT_ENABLED", /before you enabled service access/);
    assert.equal((await f.call<{ DelegatedAdministrators: unknown[] }>("ListDelegatedAdministrators", {})).DelegatedAdministrators.length, 0);
    await f.call("EnableAWSServiceAccess", { ServicePrincipal: IAM });
    await f.call("CloseAccount", { AccountId: MEMBER });
    await reason(f.call("RegisterDelegatedAdministrator", { AccountId: MEMBER, ServicePrincipal: IAM }), "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR", /suspended account/);
    assert.equal((await f.call<{ DelegatedAdministrators: unknown[] }>("ListDelegatedAdministrators", {})).DelegatedAdministrators.length, 0);
  });
});
