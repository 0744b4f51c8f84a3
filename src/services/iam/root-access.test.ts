import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AwsError, commonError } from "../../core/errors.js";
import type { AuthorizeRequest } from "../../core/types.js";
import type { AccountRecord } from "../organizations/accounts.js";
import type { OrganizationRecord } from "../organizations/model.js";
import type { OrganizationsView } from "../organizations/view.js";
import { orgRecordWithIamAccess } from "../organizations/testing/org-fixture.js";
import type { Caller } from "./env.js";
import { createRootAccess, isRootAccessAdministrator, withFeature } from "./root-access.js";
import { createHarness } from "./testing/harness.js";

const MGMT = "111111111111";
const DELEGATE = "222222222222";
const MEMBER = "333333333333";
const LONER = "444444444444";

function view(org: OrganizationRecord): OrganizationsView {
  const accounts = new Map<string, AccountRecord>(
    [MGMT, DELEGATE, MEMBER].map((id) => [id, { id, name: id, email: `${id}@example.com`, status: "ACTIVE", createdAt: 0, organizationId: org.id }]),
  );
  return {
    async membership(accountId) {
      const account = accounts.get(accountId);
      return account ? { account, org } : undefined;
    },
  };
}

function orgRecord(over: Partial<OrganizationRecord> = {}): OrganizationRecord {
  return orgRecordWithIamAccess(MGMT, DELEGATE, over);
}

function caller(accountId: string, calls: AuthorizeRequest[] = [], deny?: string): Caller {
  return {
    accountId,
    now: 0,
    async authorize(req) {
      calls.push(req);
      if (req.action === deny) throw commonError("AccessDenied", `not authorized to perform: ${req.action}`);
    },
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "Success";
  } catch (e) {
    assert.ok(e instanceof AwsError);
    return `${e.code} ${e.status}: ${e.message}`;
  }
}

describe("centralised root access", () => {
  test("features are listed in IAM's order whatever order they were enabled in", () => {
    assert.deepEqual(withFeature([], "RootCredentialsManagement", true), ["RootCredentialsManagement"]);
    assert.deepEqual(withFeature(["RootCredentialsManagement"], "RootSessions", true), ["RootSessions", "RootCredentialsManagement"]);
    assert.deepEqual(withFeature(["RootSessions"], "RootCredentialsManagement", true), ["RootSessions", "RootCredentialsManagement"]);
    assert.deepEqual(withFeature(["RootSessions", "RootCredentialsManagement"], "RootSessions", false), ["RootCredentialsManagement"]);
    assert.deepEqual(withFeature([], "RootSessions", false), []);
  });

  test("the state machine: enable, disable, idempotent repeats; delegates may list and disable but not enable", async () => {
    const h = createHarness();
    const ra = createRootAccess({ store: h.store, organizations: view(orgRecord()) });
    const env = h.iam.env;
    assert.deepEqual(await ra.list(env, caller(MGMT)), { OrganizationId: "o-abcdefghij", EnabledFeatures: [] });
    assert.deepEqual(await ra.set(env, caller(MGMT), "EnableOrganizationsRootCredentialsManagement", "RootCredentialsManagement", true), {
      OrganizationId: "o-abcdefghij",
      EnabledFeatures: ["RootCredentialsManagement"],
    });
    assert.deepEqual((await ra.set(env, caller(MGMT), "EnableOrganizationsRootCredentialsManagement", "RootCredentialsManagement", true)).EnabledFeatures, [
      "RootCredentialsManagement",
    ]);
    assert.equal(
      await code(ra.set(env, caller(DELEGATE), "EnableOrganizationsRootSessions", "RootSessions", true)),
      `CallerIsNotManagementAccountException 400: Caller account ${DELEGATE} is not management account of the organization and cannot enable IAM features.`,
    );
    assert.deepEqual((await ra.set(env, caller(MGMT), "EnableOrganizationsRootSessions", "RootSessions", true)).EnabledFeatures, ["RootSessions", "RootCredentialsManagement"]);
    assert.deepEqual((await ra.list(env, caller(DELEGATE))).EnabledFeatures, ["RootSessions", "RootCredentialsManagement"]);
    assert.deepEqual((await ra.set(env, caller(DELEGATE), "DisableOrganizationsRootCredentialsManagement", "RootCredentialsManagement", false)).EnabledFeatures, ["RootSessions"]);
    assert.deepEqual((await ra.set(env, caller(MGMT), "DisableOrganizationsRootSessions", "RootSessions", false)).EnabledFeatures, []);
    assert.deepEqual((await ra.set(env, caller(MGMT), "DisableOrganizationsRootSessions", "RootSessions", false)).EnabledFeatures, []);
  });

  test("preconditions in order, after authorisation", async () => {
    const h = createHarness();
    const env = h.iam.env;
    const list = (org: OrganizationRecord | undefined, accountId: string, deny?: string) =>
      code(createRootAccess({ store: h.store, organizations: org ? view(org) : undefined }).list(env, caller(accountId, [], deny)));
    assert.match(await list(orgRecord(), MGMT, "iam:ListOrganizationsFeatures"), /^AccessDeniedException/);
    assert.equal(await list(undefined, MGMT), `OrganizationNotFoundException 400: Input account ${MGMT} is not a member of an organization.`);
    assert.equal(await list(orgRecord(), LONER), `OrganizationNotFoundException 400: Input account ${LONER} is not a member of an organization.`);
    assert.equal(
      await list(orgRecord({ featureSet: "CONSOLIDATED_BILLING" }), MGMT),
      `OrganizationNotInAllFeaturesModeException 400: Organization of input account ${MGMT} does not have all features enabled.`,
    );
    assert.equal(await list(orgRecord({ enabledServices: [] }), MGMT), `ServiceAccessNotEnabledException 400: Trusted Access for IAM not enabled by organization of input account ${MGMT}.`);
    assert.equal(await list(orgRecord(), MEMBER), `AccountNotManagementOrDelegatedAdministratorException 400: Input account ${MEMBER} is neither management account nor delegated admin.`);
    // A delegate for another service is no IAM delegate.
    const other = orgRecord({ delegatedAdministrators: [{ accountId: DELEGATE, servicePrincipal: "guardduty.amazonaws.com", delegatedAt: 0 }] });
    assert.match(await list(other, DELEGATE), /^AccountNotManagementOrDelegatedAdministratorException/);
    assert.equal(await list(orgRecord(), DELEGATE), "Success");
  });

  test("isRootAccessAdministrator: management or IAM delegate of an all-features organization with IAM trusted access", async () => {
    const m = async (org: OrganizationRecord, id: string) => (await view(org).membership(id))!;
    assert.ok(isRootAccessAdministrator(await m(orgRecord(), MGMT), MGMT));
    assert.ok(isRootAccessAdministrator(await m(orgRecord(), DELEGATE), DELEGATE));
    assert.ok(!isRootAccessAdministrator(await m(orgRecord(), MEMBER), MEMBER));
    assert.ok(!isRootAccessAdministrator(await m(orgRecord({ enabledServices: [] }), MGMT), MGMT));
    assert.ok(!isRootAccessAdministrator(await m(orgRecord({ featureSet: "CONSOLIDATED_BILLING" }), MGMT), MGMT));
  });
});
