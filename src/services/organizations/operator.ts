/**
 * Operator entry points for the CLI (`bulwark accounts …`): the same domain code as the
 * API, without a request context or authorisation (the operator holds the root key); the
 * CLI records each as a CloudTrail event (src/cli/operator-audit.ts). CreateAccount runs to
 * completion before returning.
 */
import { CreateAccountJobs, requestCreateAccount } from "./create-account.js";
import { createAccountStatusView, organizationView, type CreateAccountStatusView, type FeatureSet, type OrganizationView } from "./model.js";
import { createOrganization, type OrganizationsDomainDeps } from "./organization.js";

export async function createOrganizationAsOperator(
  deps: OrganizationsDomainDeps,
  input: { managementAccountId: string; featureSet?: FeatureSet },
): Promise<OrganizationView> {
  const { org, managementEmail } = await createOrganization(deps, {
    accountId: input.managementAccountId,
    featureSet: input.featureSet ?? "ALL",
    now: deps.clock.now(),
  });
  return organizationView(org, managementEmail);
}

/** Creates a member account of the management account's organization; resolves with the final status (SUCCEEDED or FAILED). */
export async function createAccountAsOperator(
  deps: OrganizationsDomainDeps,
  input: { managementAccountId: string; accountName: string; email: string; roleName?: string },
): Promise<CreateAccountStatusView> {
  const rec = await requestCreateAccount(
    deps,
    input.managementAccountId,
    { AccountName: input.accountName, Email: input.email, ...(input.roleName !== undefined ? { RoleName: input.roleName } : {}) },
    deps.clock.now(),
  );
  const done = await new CreateAccountJobs(deps).run(input.managementAccountId, rec.id);
  return createAccountStatusView(done ?? rec);
}
