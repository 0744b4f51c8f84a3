import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestIdp } from "../sts/testing/saml-idp.js";
import { putRootAccessKey } from "./iam-api.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, OTHER_ACCOUNT, T0 } from "./testing/harness.js";
import { base32Decode, stepAt, totpAt } from "./totp.js";

type AliasesOut = { AccountAliases: string[]; IsTruncated: boolean; Marker?: string };
type PolicyOut = { PasswordPolicy: Record<string, unknown> };
type SummaryOut = { SummaryMap: Record<string, number> };

const ALIAS_PATTERN = "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$";

describe("IAM account alias", () => {
  test("CreateAccountAlias, ListAccountAliases, DeleteAccountAlias; authorised on *", async () => {
    const h = createHarness();
    assert.deepEqual(await h.call<AliasesOut>("ListAccountAliases", {}), { AccountAliases: [], IsTruncated: false });
    assert.deepEqual(await h.call("CreateAccountAlias", { AccountAlias: "example-corp" }), {});
    assert.deepEqual(await h.call<AliasesOut>("ListAccountAliases", {}), { AccountAliases: ["example-corp"], IsTruncated: false });
    await h.call("DeleteAccountAlias", { AccountAlias: "example-corp" });
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {})).AccountAliases, []);
    assert.deepEqual(
      h.calls.map((c) => [c.action, c.resource]),
      [
        ["iam:ListAccountAliases", "*"],
        ["iam:CreateAccountAlias", "*"],
        ["iam:ListAccountAliases", "*"],
        ["iam:DeleteAccountAlias", "*"],
        ["iam:ListAccountAliases", "*"],
      ],
    );
  });

  test("one alias per account: a new alias replaces the old one, which becomes free", async () => {
    const h = createHarness();
    await h.call("CreateAccountAlias", { AccountAlias: "first" });
    await h.call("CreateAccountAlias", { AccountAlias: "second" });
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {})).AccountAliases, ["second"]);
    await assertAwsError(h.call("DeleteAccountAlias", { AccountAlias: "first" }), "NoSuchEntity", 404, "The account alias first cannot be found.");
    // The replaced alias is free for another account.
    await h.call("CreateAccountAlias", { AccountAlias: "first" }, { accountId: OTHER_ACCOUNT });
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {}, { accountId: OTHER_ACCOUNT })).AccountAliases, ["first"]);
    assert.equal(h.store.rawCollection(COLLECTIONS.accountAliasIndex).length, 2);
  });

  test("aliases are unique across accounts; the account's own alias cannot be created again", async () => {
    const h = createHarness();
    await h.call("CreateAccountAlias", { AccountAlias: "taken" });
    await assertAwsError(h.call("CreateAccountAlias", { AccountAlias: "taken" }, { accountId: OTHER_ACCOUNT }), "EntityAlreadyExists", 409, "The account alias taken already exists.");
    await assertAwsError(h.call("CreateAccountAlias", { AccountAlias: "taken" }), "EntityAlreadyExists", 409, "The account alias taken already exists.");
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {})).AccountAliases, ["taken"]);
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {}, { accountId: OTHER_ACCOUNT })).AccountAliases, []);
    // Another account cannot delete it either.
    await assertAwsError(h.call("DeleteAccountAlias", { AccountAlias: "taken" }, { accountId: OTHER_ACCOUNT }), "NoSuchEntity", 404, "The account alias taken cannot be found.");
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {})).AccountAliases, ["taken"]);
  });

  test("alias constraints: 3–63 characters, lower-case letters, digits and single inner dashes", async () => {
    const h = createHarness();
    for (const ok of ["abc", "a-b", "a1-2b-c3", "a".repeat(63)]) {
      await h.call("CreateAccountAlias", { AccountAlias: ok });
    }
    const v = (value: string): string => `1 validation error detected: Value ${value} at 'accountAlias' failed to satisfy constraint: `;
    await assertAwsError(h.call("CreateAccountAlias", {}), "ValidationError", 400, `${v("null")}Member must not be null`);
    // Every constraint the value fails is reported: "ab" is too short for the pattern as well.
    await assertAwsError(
      h.call("CreateAccountAlias", { AccountAlias: "ab" }),
      "ValidationError",
      400,
      "2 validation errors detected: Value 'ab' at 'accountAlias' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
        `Value 'ab' at 'accountAlias' failed to satisfy constraint: ${ALIAS_PATTERN}`,
    );
    const long = "a".repeat(64);
    await assertAwsError(
      h.call("CreateAccountAlias", { AccountAlias: long }),
      "ValidationError",
      400,
      `2 validation errors detected: Value '${long}' at 'accountAlias' failed to satisfy constraint: Member must have length less than or equal to 63; ` +
        `Value '${long}' at 'accountAlias' failed to satisfy constraint: ${ALIAS_PATTERN}`,
    );
    for (const bad of ["-abc", "abc-", "ab--cd", "Abc", "ab_c", "ab.c", "ab c"]) {
      await assertAwsError(h.call("CreateAccountAlias", { AccountAlias: bad }), "ValidationError", 400, `${v(`'${bad}'`)}${ALIAS_PATTERN}`);
      await assertAwsError(h.call("DeleteAccountAlias", { AccountAlias: bad }), "ValidationError", 400, `${v(`'${bad}'`)}${ALIAS_PATTERN}`);
    }
  });

  test("ListAccountAliases pages with MaxItems and Marker", async () => {
    const h = createHarness();
    await h.call("CreateAccountAlias", { AccountAlias: "only-one" });
    const page = await h.call<AliasesOut>("ListAccountAliases", { MaxItems: 1 });
    assert.deepEqual(page, { AccountAliases: ["only-one"], IsTruncated: false });
    const v = "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: ";
    await assertAwsError(h.call("ListAccountAliases", { MaxItems: 0 }), "ValidationError", 400, `${v}Member must have value greater than or equal to 1`);
    await assertAwsError(h.call("ListAccountAliases", { Marker: "%%%" }), "ValidationError", 400, "Invalid Marker.");
  });

  test("denied callers change nothing", async () => {
    const h = createHarness();
    h.deny.add("iam:CreateAccountAlias");
    await assertAwsError(h.call("CreateAccountAlias", { AccountAlias: "nope" }), "AccessDeniedException", 400, /iam:CreateAccountAlias on resource: \*$/);
    assert.deepEqual((await h.call<AliasesOut>("ListAccountAliases", {})).AccountAliases, []);
  });
});

describe("IAM account password policy", () => {
  test("none set: GetAccountPasswordPolicy and DeleteAccountPasswordPolicy answer NoSuchEntity", async () => {
    const h = createHarness();
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}), "NoSuchEntity", 404, `The Password Policy with domain name ${ACCOUNT} cannot be found.`);
    await assertAwsError(h.call("DeleteAccountPasswordPolicy", {}), "NoSuchEntity", 404, "The account policy with name PasswordPolicy cannot be found.");
    assert.deepEqual(h.calls, [
      { action: "iam:GetAccountPasswordPolicy", resource: "*" },
      { action: "iam:DeleteAccountPasswordPolicy", resource: "*" },
    ]);
  });

  test("UpdateAccountPasswordPolicy with no members sets the defaults", async () => {
    const h = createHarness();
    assert.deepEqual(await h.call("UpdateAccountPasswordPolicy", {}), {});
    assert.deepEqual((await h.call<PolicyOut>("GetAccountPasswordPolicy", {})).PasswordPolicy, {
      MinimumPasswordLength: 6,
      RequireSymbols: false,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: false,
    });
    assert.deepEqual(h.calls[0], { action: "iam:UpdateAccountPasswordPolicy", resource: "*" });
  });

  test("every member round-trips; ExpirePasswords follows MaxPasswordAge; omitted members revert to defaults", async () => {
    const h = createHarness();
    await h.call("UpdateAccountPasswordPolicy", {
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      MaxPasswordAge: 90,
      PasswordReusePrevention: 24,
      HardExpiry: true,
    });
    assert.deepEqual((await h.call<PolicyOut>("GetAccountPasswordPolicy", {})).PasswordPolicy, {
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      ExpirePasswords: true,
      MaxPasswordAge: 90,
      PasswordReusePrevention: 24,
      HardExpiry: true,
    });
    // Not a partial update.
    await h.call("UpdateAccountPasswordPolicy", { RequireNumbers: true, HardExpiry: false });
    assert.deepEqual((await h.call<PolicyOut>("GetAccountPasswordPolicy", {})).PasswordPolicy, {
      MinimumPasswordLength: 6,
      RequireSymbols: false,
      RequireNumbers: true,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: false,
      HardExpiry: false,
    });
    // Per account.
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}, { accountId: OTHER_ACCOUNT }), "NoSuchEntity", 404, `The Password Policy with domain name ${OTHER_ACCOUNT} cannot be found.`);
    await h.call("DeleteAccountPasswordPolicy", {});
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}), "NoSuchEntity", 404, `The Password Policy with domain name ${ACCOUNT} cannot be found.`);
  });

  test("documented ranges: MinimumPasswordLength 6–128, MaxPasswordAge 1–1095, PasswordReusePrevention 1–24", async () => {
    const h = createHarness();
    const cases: Array<[string, string, number, string]> = [
      ["MinimumPasswordLength", "minimumPasswordLength", 5, "Member must have value greater than or equal to 6"],
      ["MinimumPasswordLength", "minimumPasswordLength", 129, "Member must have value less than or equal to 128"],
      ["MaxPasswordAge", "maxPasswordAge", 0, "Member must have value greater than or equal to 1"],
      ["MaxPasswordAge", "maxPasswordAge", 1096, "Member must have value less than or equal to 1095"],
      ["PasswordReusePrevention", "passwordReusePrevention", 0, "Member must have value greater than or equal to 1"],
      ["PasswordReusePrevention", "passwordReusePrevention", 25, "Member must have value less than or equal to 24"],
    ];
    for (const [member, field, value, constraint] of cases) {
      await assertAwsError(
        h.call("UpdateAccountPasswordPolicy", { [member]: value }),
        "ValidationError",
        400,
        `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
      );
    }
    // Every failing member in one answer, values not echoed, in IAM's order.
    await assertAwsError(
      h.call("UpdateAccountPasswordPolicy", { MaxPasswordAge: 1096, MinimumPasswordLength: 129, PasswordReusePrevention: 25 }),
      "ValidationError",
      400,
      "3 validation errors detected: Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128; " +
        "Value at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24; " +
        "Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095",
    );
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}), "NoSuchEntity", 404, `The Password Policy with domain name ${ACCOUNT} cannot be found.`);
    await h.call("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 128, MaxPasswordAge: 1, PasswordReusePrevention: 1 });
    await h.call("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 6, MaxPasswordAge: 1095, PasswordReusePrevention: 24 });
  });
});

describe("IAM GetAccountSummary", () => {
  test("counts this account's entities from storage and reports IAM's default quotas", async () => {
    const h = createHarness();
    const empty = (await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap;
    assert.deepEqual(h.calls[0], { action: "iam:GetAccountSummary", resource: "*" });
    assert.deepEqual(empty, {
      Users: 0,
      UsersQuota: 5000,
      Groups: 0,
      GroupsQuota: 300,
      Roles: 0,
      RolesQuota: 1000,
      Policies: 0,
      PoliciesQuota: 1500,
      PolicyVersionsInUse: 0,
      PolicyVersionsInUseQuota: 10000,
      VersionsPerPolicyQuota: 5,
      PolicySizeQuota: 6144,
      UserPolicySizeQuota: 2048,
      GroupPolicySizeQuota: 5120,
      RolePolicySizeQuota: 10240,
      AssumeRolePolicySizeQuota: 2048,
      AttachedPoliciesPerUserQuota: 10,
      AttachedPoliciesPerGroupQuota: 10,
      AttachedPoliciesPerRoleQuota: 10,
      GroupsPerUserQuota: 10,
      AccessKeysPerUserQuota: 2,
      SigningCertificatesPerUserQuota: 2,
      InstanceProfiles: 0,
      InstanceProfilesQuota: 1000,
      ServerCertificates: 0,
      ServerCertificatesQuota: 20,
      Providers: 0,
      MFADevices: 0,
      MFADevicesInUse: 0,
      AccountMFAEnabled: 0,
      AccountAccessKeysPresent: 0,
      AccountPasswordPresent: 0,
      AccountSigningCertificatesPresent: 0,
      GlobalEndpointTokenVersion: 1,
    });

    for (const u of ["alice", "bob", "carol"]) await h.call("CreateUser", { UserName: u });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("CreateRole", { RoleName: "r1", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
    const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: "p1", PolicyDocument: ALLOW_S3 });
    await h.call("CreatePolicyVersion", { PolicyArn: p.Policy.Arn, PolicyDocument: ALLOW_S3 });
    await h.call("CreatePolicy", { PolicyName: "p2", PolicyDocument: ALLOW_S3 });
    await h.call("CreateInstanceProfile", { InstanceProfileName: "web" });
    await h.call("CreateInstanceProfile", { InstanceProfileName: "worker" });
    await h.call("CreateOpenIDConnectProvider", { Url: "https://oidc.example.com/realms/a", ClientIDList: ["app"] });
    // SAML providers are identity providers too.
    await h.call("CreateSAMLProvider", { Name: "Corp", SAMLMetadataDocument: (await createTestIdp("https://idp.example.com/metadata")).metadata() });
    // Another account's entities and AWS managed policies are not counted.
    await h.call("CreateUser", { UserName: "elsewhere" }, { accountId: OTHER_ACCOUNT });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await putRootAccessKey(h.iam.env, { accountId: ACCOUNT, accessKeyId: "AKIAROOTKEY000000001", secretAccessKey: "s".repeat(40), now: T0 });

    const s = (await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap;
    assert.deepEqual(
      { Users: s.Users, Groups: s.Groups, Roles: s.Roles, InstanceProfiles: s.InstanceProfiles, Providers: s.Providers, Policies: s.Policies, PolicyVersionsInUse: s.PolicyVersionsInUse, AccountAccessKeysPresent: s.AccountAccessKeysPresent },
      { Users: 3, Groups: 1, Roles: 1, InstanceProfiles: 2, Providers: 2, Policies: 2, PolicyVersionsInUse: 3, AccountAccessKeysPresent: 1 },
    );
    const other = (await h.call<SummaryOut>("GetAccountSummary", {}, { accountId: OTHER_ACCOUNT })).SummaryMap;
    assert.deepEqual([other.Users, other.Policies, other.AccountAccessKeysPresent], [1, 0, 0]);

    await h.call("DeleteUser", { UserName: "carol" });
    assert.equal((await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap.Users, 2);
  });

  test("AccountMFAEnabled and AccountSigningCertificatesPresent follow the root user's own MFA device and signing certificates", async () => {
    const h = createHarness();
    const flags = async () => {
      const m = (await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap;
      return [m.AccountMFAEnabled, m.AccountSigningCertificatesPresent, m.MFADevicesInUse];
    };
    // A user's device and certificate are not the root user's.
    await h.call("CreateUser", { UserName: "alice" });
    const d = (await h.call<{ VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array } }>("CreateVirtualMFADevice", { VirtualMFADeviceName: "alice-phone" })).VirtualMFADevice;
    const seed = base32Decode(Buffer.from(d.Base32StringSeed).toString("ascii"));
    const step = stepAt(h.clock.now());
    await h.call("EnableMFADevice", { UserName: "alice", SerialNumber: d.SerialNumber, AuthenticationCode1: totpAt(seed, step - 1), AuthenticationCode2: totpAt(seed, step) });
    const dir = mkdtempSync(join(tmpdir(), "bulwark-cert-"));
    const pem = (cn: string) => {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, `${cn}.key`), "-out", join(dir, `${cn}.pem`), "-days", "30", "-subj", `/CN=${cn}`], { stdio: "ignore" });
      return readFileSync(join(dir, `${cn}.pem`), "utf8");
    };
    try {
      await h.call("UploadSigningCertificate", { UserName: "alice", CertificateBody: pem("alice") });
      assert.deepEqual(await flags(), [0, 0, 1]);
      // The root user (the harness's default caller) uploads its own certificate without a user name.
      await h.call("UploadSigningCertificate", { CertificateBody: pem("root") });
      assert.deepEqual(await flags(), [0, 1, 1]);
      // IAM's API enables devices for users only (EnableMFADevice needs a UserName); the root user's
      // device, assigned outside the API as AWS's console does, is stored under its user id, the account id.
      const serial = (await h.call<{ VirtualMFADevice: { SerialNumber: string } }>("CreateVirtualMFADevice", { VirtualMFADeviceName: "root-phone" })).VirtualMFADevice.SerialNumber;
      const [entry] = (await h.store.list<Record<string, unknown>>(COLLECTIONS.mfaDevices, { prefix: `${ACCOUNT}/` })).filter((e) => e.value["serialNumber"] === serial);
      await h.store.put(COLLECTIONS.mfaDevices, entry!.key, { ...entry!.value, userId: ACCOUNT, enableDate: T0 });
      assert.deepEqual(await flags(), [1, 1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("denied: AccessDenied on *", async () => {
    const h = createHarness();
    h.deny.add("iam:GetAccountSummary");
    await assertAwsError(h.call("GetAccountSummary", {}), "AccessDeniedException", 400, /iam:GetAccountSummary on resource: \*$/);
  });
});

describe("IAM STS preferences and account properties", () => {
  test("SetSecurityTokenServicePreferences: reflected in GetAccountSummary, per account, authorised on *", async () => {
    const h = createHarness();
    assert.equal((await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap.GlobalEndpointTokenVersion, 1);
    assert.deepEqual(await h.call("SetSecurityTokenServicePreferences", { GlobalEndpointTokenVersion: "v2Token" }), {});
    assert.deepEqual(h.calls.at(-1), { action: "iam:SetSecurityTokenServicePreferences", resource: "*" });
    assert.equal((await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap.GlobalEndpointTokenVersion, 2);
    assert.equal((await h.call<SummaryOut>("GetAccountSummary", {}, { accountId: OTHER_ACCOUNT })).SummaryMap.GlobalEndpointTokenVersion, 1);
    await h.call("SetSecurityTokenServicePreferences", { GlobalEndpointTokenVersion: "v1Token" });
    assert.equal((await h.call<SummaryOut>("GetAccountSummary", {})).SummaryMap.GlobalEndpointTokenVersion, 1);
    await assertAwsError(
      h.call("SetSecurityTokenServicePreferences", { GlobalEndpointTokenVersion: "v3Token" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'v3Token' at 'globalEndpointTokenVersion' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]",
    );
  });

  test("PutAccountProperties merges one namespace at a time; GetAccountProperties returns them", async () => {
    const h = createHarness();
    assert.deepEqual(await h.call("GetAccountProperties", {}), { Properties: {} });
    await h.call("PutAccountProperties", { Properties: { "RoleManager/Enabled": "true", "RoleManager/Mode": "audit" } });
    await h.call("PutAccountProperties", { Properties: { "Other_ns/Setting-1": "x", } });
    await h.call("PutAccountProperties", { Properties: { "RoleManager/Mode": "enforce" } });
    assert.deepEqual(await h.call("GetAccountProperties", {}), { Properties: { "RoleManager/Enabled": "true", "RoleManager/Mode": "enforce", "Other_ns/Setting-1": "x" } });
    assert.deepEqual(await h.call("GetAccountProperties", {}, { accountId: OTHER_ACCOUNT }), { Properties: {} });
    assert.deepEqual(
      h.calls.slice(-2).map((c) => [c.action, c.resource]),
      [
        ["iam:GetAccountProperties", "*"],
        ["iam:GetAccountProperties", "*"],
      ],
    );

    const KEY_RULE = /Value at 'properties' failed to satisfy constraint: Map keys must satisfy constraint: .*\^\[A-Za-z\]\[A-Za-z0-9\/_-\]\*\$/;
    for (const key of ["1ns/x", "/ns/x", "ns/x y", "n".repeat(48) + "/ab"]) {
      await assertAwsError(h.call("PutAccountProperties", { Properties: { [key]: "v" } }), "ValidationError", 400, KEY_RULE);
    }
    for (const key of ["nokey", "ns/", "ns/a/b"]) {
      await assertAwsError(h.call("PutAccountProperties", { Properties: { [key]: "v" } }), "InvalidInput", 400, `Invalid property key ${key}: the key must have the form Namespace/PropertyName.`);
    }
    await assertAwsError(h.call("PutAccountProperties", { Properties: { "ns/a": "" } }), "ValidationError", 400, /Map value must satisfy constraint/);
    await assertAwsError(h.call("PutAccountProperties", { Properties: { "ns/a": "v".repeat(1025) } }), "ValidationError", 400, /Map value must satisfy constraint/);
    await assertAwsError(
      h.call("PutAccountProperties", { Properties: { "a/x": "1", "b/y": "2" } }),
      "InvalidInput",
      400,
      "All properties in a request must belong to the same namespace.",
    );
    await assertAwsError(h.call("PutAccountProperties", {}), "ValidationError", 400, /'properties' failed to satisfy constraint: Member must not be null/);
  });
});
