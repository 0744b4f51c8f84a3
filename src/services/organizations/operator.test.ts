import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { createFakeIam } from "../sts/testing/fake-iam.js";
import { createMemoryStorage } from "../sts/testing/memory-storage.js";
import { createAccountRegistry } from "./accounts.js";
import { createAccountAsOperator, createOrganizationAsOperator } from "./operator.js";

test("operator helpers create an organization and a member account synchronously", async () => {
  const store = createMemoryStorage();
  const clock = new ManualClock(5000);
  const iam = createFakeIam(() => clock.now());
  const accounts = createAccountRegistry(store, clock);
  await accounts.create({ name: "Boot", email: "boot@example.com", accountId: "100000000001" });
  const deps = { store, iam, clock, accounts };

  const org = await createOrganizationAsOperator(deps, { managementAccountId: "100000000001" });
  assert.equal(org.MasterAccountId, "100000000001");
  assert.equal(org.MasterAccountEmail, "boot@example.com");
  assert.equal(org.FeatureSet, "ALL");

  const st = await createAccountAsOperator(deps, { managementAccountId: "100000000001", accountName: "Dev", email: "dev@example.com" });
  assert.equal(st.State, "SUCCEEDED");
  const id = st.AccountId as string;
  assert.equal((await accounts.get(id))?.organizationId, org.Id);
  const role = await iam.getRole(id, "OrganizationAccountAccessRole");
  assert.ok(role);
  assert.equal(JSON.parse(role.assumeRolePolicyDocument).Statement[0].Principal.AWS, "arn:aws:iam::100000000001:root");

  const dup = await createAccountAsOperator(deps, { managementAccountId: "100000000001", accountName: "Dup", email: "DEV@example.com" });
  assert.equal(dup.State, "FAILED");
  assert.equal(dup.FailureReason, "EMAIL_ALREADY_EXISTS");
  await assert.rejects(createAccountAsOperator(deps, { managementAccountId: "100000000002", accountName: "X", email: "x@example.com" }), (e: unknown) => (e as { code?: string }).code === "AWSOrganizationsNotInUseException");
});
