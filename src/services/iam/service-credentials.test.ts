import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import { COLLECTIONS, serviceCredentialAad, type ServiceCredentialDoc } from "./model.js";
import { credentialKind, effectiveStatus, generateSecret, serviceCredentialAlias } from "./service-credentials.js";
import { ACCOUNT, assertAwsError, createHarness, T0 } from "./testing/harness.js";

const DAY = 86_400_000;

type Cred = {
  UserName: string;
  ServiceName: string;
  ServiceSpecificCredentialId: string;
  Status: string;
  CreateDate: Date;
  ExpirationDate?: Date;
  ServiceUserName?: string;
  ServicePassword?: string;
  ServiceCredentialAlias?: string;
  ServiceCredentialSecret?: string;
};

describe("service-specific credential pieces", () => {
  test("supported services and the kind of credential each issues", () => {
    assert.equal(credentialKind("codecommit.amazonaws.com"), "password");
    assert.equal(credentialKind("cassandra.amazonaws.com"), "password");
    assert.equal(credentialKind("bedrock.amazonaws.com"), "api-key");
    assert.equal(credentialKind("logs.amazonaws.com"), "api-key");
    for (const s of ["s3.amazonaws.com", "toString", "__proto__", "CODECOMMIT.amazonaws.com"]) {
      assert.throws(() => credentialKind(s), (e: any) => e.code === "NoSuchEntity" && e.status === 404 && e.message === `No such service ${s} is supported for Service Specific Credentials`);
    }
  });

  test("secrets: fresh randomness; API keys carry their alias", () => {
    const a = generateSecret("password", "codecommit.amazonaws.com", undefined);
    const b = generateSecret("password", "codecommit.amazonaws.com", undefined);
    assert.match(a, /^[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(a, b);
    const alias = serviceCredentialAlias("alice", ACCOUNT);
    assert.match(alias, new RegExp(`^alice-at-${ACCOUNT}-[a-z2-7]{8}$`));
    const key = generateSecret("api-key", "bedrock.amazonaws.com", alias);
    assert.ok(key.startsWith("ABSK"));
    assert.ok(Buffer.from(key.slice(4), "base64").toString().startsWith(`${alias}:`));
    assert.ok(!generateSecret("api-key", "logs.amazonaws.com", alias).startsWith("ABSK"));
  });

  test("a credential past its expiry date is Expired whatever its status", () => {
    const c = { status: "Inactive", expiresAt: T0 + DAY } as ServiceCredentialDoc;
    assert.equal(effectiveStatus(c, T0), "Inactive");
    assert.equal(effectiveStatus(c, T0 + DAY), "Expired");
    assert.equal(effectiveStatus({ status: "Active" } as ServiceCredentialDoc, T0 + 1e12), "Active");
  });
});

describe("service-specific credential operations", () => {
  async function setup() {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    return h;
  }
  const create = (h: ReturnType<typeof createHarness>, ServiceName: string, extra: object = {}) =>
    h.call<{ ServiceSpecificCredential: Cred }>("CreateServiceSpecificCredential", { UserName: "alice", ServiceName, ...extra }).then((r) => r.ServiceSpecificCredential);

  test("CodeCommit credential: user name and password returned once, the password stored sealed", async () => {
    const h = await setup();
    const c = await create(h, "codecommit.amazonaws.com");
    assert.match(c.ServiceSpecificCredentialId, /^ACCA[A-Z2-7]{17}$/);
    assert.deepEqual(
      { ...c, ServiceSpecificCredentialId: "x", ServicePassword: "p" },
      {
        CreateDate: new Date(T0),
        ServiceName: "codecommit.amazonaws.com",
        ServiceSpecificCredentialId: "x",
        UserName: "alice",
        Status: "Active",
        ServiceUserName: `alice-at-${ACCOUNT}`,
        ServicePassword: "p",
      },
    );
    const [stored] = (await h.store.list<ServiceCredentialDoc>(COLLECTIONS.serviceCredentials)).map((e) => e.value);
    assert.ok(!JSON.stringify(stored).includes(c.ServicePassword!));
    assert.equal(h.iam.env.sealer.unsealString(stored!.sealedSecret, serviceCredentialAad(c.ServiceSpecificCredentialId)).toString(), c.ServicePassword);

    const listed = await h.call<{ ServiceSpecificCredentials: Cred[]; IsTruncated: boolean }>("ListServiceSpecificCredentials", { UserName: "alice" });
    assert.deepEqual(listed.ServiceSpecificCredentials, [
      { UserName: "alice", Status: "Active", CreateDate: new Date(T0), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId, ServiceName: "codecommit.amazonaws.com", ServiceUserName: `alice-at-${ACCOUNT}` },
    ]);

    const reset = (await h.call<{ ServiceSpecificCredential: Cred }>("ResetServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }))
      .ServiceSpecificCredential;
    assert.equal(reset.ServiceSpecificCredentialId, c.ServiceSpecificCredentialId);
    assert.notEqual(reset.ServicePassword, c.ServicePassword);
    assert.match(reset.ServicePassword!, /^[A-Za-z0-9+/]{43}=$/);
  });

  test("Bedrock API key: alias and secret, optional expiry; Expired after it", async () => {
    const h = await setup();
    const k = await create(h, "bedrock.amazonaws.com", { CredentialAgeDays: 30 });
    assert.equal(k.ServiceUserName, undefined);
    assert.equal(k.ServicePassword, undefined);
    assert.match(k.ServiceCredentialAlias!, new RegExp(`^alice-at-${ACCOUNT}-`));
    assert.ok(k.ServiceCredentialSecret!.startsWith("ABSK"));
    assert.deepEqual(k.ExpirationDate, new Date(T0 + 30 * DAY));
    h.clock.set(T0 + 30 * DAY);
    const [listed] = (await h.call<{ ServiceSpecificCredentials: Cred[] }>("ListServiceSpecificCredentials", { UserName: "alice", ServiceName: "bedrock.amazonaws.com" }))
      .ServiceSpecificCredentials;
    assert.equal(listed!.Status, "Expired");
    assert.equal(listed!.ServiceCredentialAlias, k.ServiceCredentialAlias);
    assert.equal((listed as Cred).ServiceCredentialSecret, undefined);
    await assertAwsError(create(h, "codecommit.amazonaws.com", { CredentialAgeDays: 1 }), "ValidationError", 400, /CredentialAgeDays is not supported for codecommit.amazonaws.com/);
    await assertAwsError(create(h, "bedrock.amazonaws.com", { CredentialAgeDays: 0 }), "ValidationError", 400, /Member must have value greater than or equal to 1/);
    await assertAwsError(create(h, "bedrock.amazonaws.com", { CredentialAgeDays: 36601 }), "ValidationError", 400, /Member must have value less than or equal to 36600/);
  });

  test("two per user and service; status updates; delete; errors", async () => {
    const h = await setup();
    const a = await create(h, "cassandra.amazonaws.com");
    await create(h, "cassandra.amazonaws.com");
    await create(h, "codecommit.amazonaws.com");
    await assertAwsError(create(h, "cassandra.amazonaws.com"), "LimitExceeded", 409, "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
    await assertAwsError(create(h, "ec2.amazonaws.com"), "NoSuchEntity", 404, "No such service ec2.amazonaws.com is supported for Service Specific Credentials");
    // Neither the user nor the service exists: IAM names the user.
    await assertAwsError(create(h, "ec2.amazonaws.com", { UserName: "nobody" }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
    await assertAwsError(create(h, "codecommit.amazonaws.com", { UserName: "bob" }), "NoSuchEntity", 404, "The user with name bob cannot be found.");

    await h.call("UpdateServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: a.ServiceSpecificCredentialId, Status: "Inactive" });
    const statuses = (await h.call<{ ServiceSpecificCredentials: Cred[] }>("ListServiceSpecificCredentials", { UserName: "alice", ServiceName: "cassandra.amazonaws.com" }))
      .ServiceSpecificCredentials.map((c) => [c.ServiceSpecificCredentialId === a.ServiceSpecificCredentialId, c.Status]);
    assert.deepEqual(statuses.sort(), [[false, "Active"], [true, "Inactive"]]);
    await assertAwsError(
      h.call("UpdateServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: a.ServiceSpecificCredentialId, Status: "Expired" }),
      "ValidationError",
      400,
      "The status Expired cannot be set. Specify Active or Inactive.",
    );
    await assertAwsError(
      h.call("UpdateServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: a.ServiceSpecificCredentialId, Status: "On" }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set",
    );
    const missing = "ACCAAAAAAAAAAAAAAAAAA";
    for (const op of ["UpdateServiceSpecificCredential", "ResetServiceSpecificCredential", "DeleteServiceSpecificCredential"]) {
      await assertAwsError(
        h.call(op, { UserName: "alice", ServiceSpecificCredentialId: missing, Status: "Active" }),
        "NoSuchEntity",
        404,
        `No such credential ${missing} exists`,
      );
    }
    await assertAwsError(h.call("DeleteServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: "short" }), "ValidationError", 400, /greater than or equal to 20/);

    // DeleteUser refuses while the user holds any.
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.");
    for (const c of (await h.call<{ ServiceSpecificCredentials: Cred[] }>("ListServiceSpecificCredentials", { UserName: "alice" })).ServiceSpecificCredentials) {
      await h.call("DeleteServiceSpecificCredential", { UserName: "alice", ServiceSpecificCredentialId: c.ServiceSpecificCredentialId });
    }
    await h.call("DeleteUser", { UserName: "alice" });
  });

  test("Update, Reset and Delete list every failing member, UserName first as in the model", async () => {
    const h = createHarness();
    const long = "u".repeat(65);
    const both =
      "2 validation errors detected: " +
      `Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
      "Value at 'serviceSpecificCredentialId' failed to satisfy constraint: Member must have length greater than or equal to 20";
    for (const op of ["ResetServiceSpecificCredential", "DeleteServiceSpecificCredential"]) {
      await assertAwsError(h.call(op, { UserName: long, ServiceSpecificCredentialId: "short" }), "ValidationError", 400, both);
    }
    await assertAwsError(
      h.call("UpdateServiceSpecificCredential", { UserName: long, ServiceSpecificCredentialId: "short", Status: "Paused" }),
      "ValidationError",
      400,
      both.replace("2 validation errors", "3 validation errors") +
        "; Value at 'status' failed to satisfy constraint: Member must satisfy enum value set",
    );
  });

  test("listing: the calling user by default, AllUsers across the account, pages", async () => {
    const h = await setup();
    await h.call("CreateUser", { UserName: "bob" });
    await create(h, "codecommit.amazonaws.com");
    await create(h, "bedrock.amazonaws.com");
    await h.call("CreateServiceSpecificCredential", { UserName: "bob", ServiceName: "bedrock.amazonaws.com" });
    const alice: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principalId: "AIDAALICE", name: "alice", accessKeyId: "AKIAALICEALICEALICE1" };
    const own = await h.call<{ ServiceSpecificCredentials: Cred[] }>("ListServiceSpecificCredentials", {}, { principal: alice });
    assert.deepEqual(own.ServiceSpecificCredentials.map((c) => c.UserName), ["alice", "alice"]);
    await assertAwsError(h.call("ListServiceSpecificCredentials", {}), "ValidationError", 400, "Must specify userName when calling with non-User credentials");

    h.calls.length = 0;
    const bedrock = await h.call<{ ServiceSpecificCredentials: Cred[] }>("ListServiceSpecificCredentials", { AllUsers: true, ServiceName: "bedrock.amazonaws.com" });
    assert.deepEqual(bedrock.ServiceSpecificCredentials.map((c) => c.UserName).sort(), ["alice", "bob"]);
    assert.deepEqual(h.calls, [{ action: "iam:ListServiceSpecificCredentials", resource: `arn:aws:iam::${ACCOUNT}:user/*` }]);
    await assertAwsError(h.call("ListServiceSpecificCredentials", { AllUsers: true, UserName: "alice" }), "ValidationError", 400, "AllUsers cannot be specified together with UserName.");
    await assertAwsError(h.call("ListServiceSpecificCredentials", { UserName: "alice", ServiceName: "sqs.amazonaws.com" }), "NoSuchEntity", 404, "No such service sqs.amazonaws.com is supported for Service Specific Credentials");

    const p1 = await h.call<{ ServiceSpecificCredentials: Cred[]; IsTruncated: boolean; Marker: string }>("ListServiceSpecificCredentials", { AllUsers: true, MaxItems: 2 });
    const p2 = await h.call<{ ServiceSpecificCredentials: Cred[]; IsTruncated: boolean }>("ListServiceSpecificCredentials", { AllUsers: true, MaxItems: 2, Marker: p1.Marker });
    assert.deepEqual([p1.ServiceSpecificCredentials.length, p1.IsTruncated, p2.ServiceSpecificCredentials.length, p2.IsTruncated], [2, true, 1, false]);
  });

  test("authorised on the user", async () => {
    const h = await setup();
    h.deny.add("iam:CreateServiceSpecificCredential");
    await assertAwsError(create(h, "codecommit.amazonaws.com"), "AccessDeniedException", 400, /iam:CreateServiceSpecificCredential on resource: arn:aws:iam::111122223333:user\/alice/);
    assert.equal(await h.store.count(COLLECTIONS.serviceCredentials), 0);
  });
});
