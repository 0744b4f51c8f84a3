/**
 * Centralised root access for member accounts (IAM User Guide, "Centrally manage root access for
 * member accounts"): the organization's two features, RootCredentialsManagement and
 * RootSessions (ListOrganizationsFeatures, Enable/DisableOrganizationsRootCredentialsManagement,
 * Enable/DisableOrganizationsRootSessions). STS's AssumeRoot reads them.
 *
 * Preconditions, checked after authorisation in this order: the caller's account belongs to an
 * organization (OrganizationNotFound), with all features (OrganizationNotInAllFeaturesMode), that
 * gave IAM trusted access (ServiceAccessNotEnabled); the caller is its management account or IAM's
 * delegated administrator (AccountNotManagementOrDelegatedAdministrator); enabling a feature is for
 * the management account alone (CallerIsNotManagementAccount). The features are stored per
 * organization (collection "iam-org-root-features", key `<management account>/<organization id>`).
 */
import { AwsError } from "../../core/errors.js";
import { isDelegatedAdministrator, serviceAccessEnabled } from "../organizations/model.js";
import type { OrganizationMembershipView, OrganizationsView } from "../organizations/view.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { COLLECTIONS } from "./model.js";

export type RootAccessFeature = "RootCredentialsManagement" | "RootSessions";

/** The order IAM lists enabled features in. */
const FEATURE_ORDER: readonly RootAccessFeature[] = ["RootSessions", "RootCredentialsManagement"];

export const IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com";

interface RootFeaturesDoc {
  organizationId: string;
  features: RootAccessFeature[];
}

export interface OrganizationFeaturesOutput {
  OrganizationId: string;
  EnabledFeatures: RootAccessFeature[];
}

// IAM's messages for these errors. OrganizationNotFound and OrganizationNotInAllFeaturesMode are not
// documented word for word: they follow the wording of the other two.
function organizationNotFound(accountId: string): AwsError {
  return new AwsError("OrganizationNotFoundException", `Input account ${accountId} is not a member of an organization.`, 400);
}

function notAllFeatures(accountId: string): AwsError {
  return new AwsError("OrganizationNotInAllFeaturesModeException", `Organization of input account ${accountId} does not have all features enabled.`, 400);
}

function serviceAccessNotEnabled(accountId: string): AwsError {
  return new AwsError("ServiceAccessNotEnabledException", `Trusted Access for IAM not enabled by organization of input account ${accountId}.`, 400);
}

function notManagementOrDelegate(accountId: string): AwsError {
  return new AwsError("AccountNotManagementOrDelegatedAdministratorException", `Input account ${accountId} is neither management account nor delegated admin.`, 400);
}

function callerIsNotManagementAccount(accountId: string): AwsError {
  return new AwsError(
    "CallerIsNotManagementAccountException",
    `Caller account ${accountId} is not management account of the organization and cannot enable IAM features.`,
    400,
  );
}

function docKey(m: OrganizationMembershipView): string {
  return `${m.org.managementAccountId}/${m.org.id}`;
}

/** Adds or removes a feature; the result in IAM's order. */
export function withFeature(features: readonly RootAccessFeature[], feature: RootAccessFeature, on: boolean): RootAccessFeature[] {
  const set = new Set(features);
  if (on) set.add(feature);
  else set.delete(feature);
  return FEATURE_ORDER.filter((f) => set.has(f));
}

/** The organization gave IAM trusted access and `accountId` is its management account or IAM's delegated administrator. */
export function isRootAccessAdministrator(m: OrganizationMembershipView, accountId: string): boolean {
  return (
    m.org.featureSet === "ALL" &&
    serviceAccessEnabled(m.org, IAM_SERVICE_PRINCIPAL) &&
    (m.org.managementAccountId === accountId || isDelegatedAdministrator(m.org, accountId, IAM_SERVICE_PRINCIPAL))
  );
}

/** The organization's eligibility checks for `accountId`, in IAM's order; returns the membership. */
export async function requireRootAccessAdmin(
  orgs: OrganizationsView | undefined,
  accountId: string,
  opts: { enabling: boolean },
): Promise<OrganizationMembershipView> {
  const m = await orgs?.membership(accountId);
  if (!m) throw organizationNotFound(accountId);
  if (m.org.featureSet !== "ALL") throw notAllFeatures(accountId);
  if (!serviceAccessEnabled(m.org, IAM_SERVICE_PRINCIPAL)) throw serviceAccessNotEnabled(accountId);
  const management = m.org.managementAccountId === accountId;
  if (!management && !isDelegatedAdministrator(m.org, accountId, IAM_SERVICE_PRINCIPAL)) throw notManagementOrDelegate(accountId);
  if (opts.enabling && !management) throw callerIsNotManagementAccount(accountId);
  return m;
}

export interface RootAccess {
  list(env: IamEnv, caller: Caller): Promise<OrganizationFeaturesOutput>;
  set(env: IamEnv, caller: Caller, action: string, feature: RootAccessFeature, on: boolean): Promise<OrganizationFeaturesOutput>;
  /** The features enabled for an organization (STS AssumeRoot). */
  enabledFeatures(m: OrganizationMembershipView): Promise<RootAccessFeature[]>;
}

export function createRootAccess(deps: { store: IamEnv["store"]; organizations: OrganizationsView | undefined }): RootAccess {
  const enabledFeatures = async (m: OrganizationMembershipView): Promise<RootAccessFeature[]> =>
    (await deps.store.get<RootFeaturesDoc>(COLLECTIONS.orgRootFeatures, docKey(m)))?.features ?? [];

  return {
    enabledFeatures,

    async list(_env, caller) {
      await authorize(caller, "ListOrganizationsFeatures", "*");
      const m = await requireRootAccessAdmin(deps.organizations, caller.accountId, { enabling: false });
      return { OrganizationId: m.org.id, EnabledFeatures: await enabledFeatures(m) };
    },

    async set(_env, caller, action, feature, on) {
      await authorize(caller, action, "*");
      const m = await requireRootAccessAdmin(deps.organizations, caller.accountId, { enabling: on });
      const features = await deps.store.transaction(async (tx) => {
        const cur = (await tx.get<RootFeaturesDoc>(COLLECTIONS.orgRootFeatures, docKey(m)))?.features ?? [];
        const next = withFeature(cur, feature, on);
        await tx.put<RootFeaturesDoc>(COLLECTIONS.orgRootFeatures, docKey(m), { organizationId: m.org.id, features: next });
        return next;
      });
      return { OrganizationId: m.org.id, EnabledFeatures: features };
    },
  };
}
