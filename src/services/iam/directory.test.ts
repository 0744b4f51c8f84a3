import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import type { Principal } from "../../core/types.js";
import { createSealer } from "../../crypto/seal.js";
import type { SessionPrincipal } from "../../iam/policy/principal-context.js";
import type { SessionRecord } from "./api.js";
import { putRootAccessKey } from "./iam-api.js";
import { COLLECTIONS, sessionSecretAad } from "./model.js";
import { createIamService } from "./service.js";
import { MemoryStorage } from "./testing/memory-storage.js";
import { ACCOUNT, ALLOW_S3, createHarness, T0, TRUST_EC2, type Harness } from "./testing/harness.js";

const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });

async function userWithKey(h: Harness, name: string) {
  const u = await h.call<{ User: { UserId: string; Arn: string } }>("CreateUser", { UserName: name, Tags: [{ Key: "team", Value: "red" }] });
  const k = await h.call<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>("CreateAccessKey", { UserName: name });
  return { userId: u.User.UserId, arn: u.User.Arn, keyId: k.AccessKey.AccessKeyId, secret: k.AccessKey.SecretAccessKey };
}

function sessionFor(h: Harness, over: Partial<SessionRecord> & Pick<SessionRecord, "kind">): { record: SessionRecord; secret: string; token: string } {
  const accessKeyId = over.accessKeyId ?? "ASIA" + randomBytes(8).toString("hex").toUpperCase();
  const secret = randomBytes(30).toString("base64");
  const token = randomBytes(32).toString("base64");
  const record: SessionRecord = {
    accessKeyId,
    sealedSecret: h.iam.env.sealer.sealToString(secret, sessionSecretAad(accessKeyId)),
    sessionTokenHash: createHash("sha256").update(token).digest("hex"),
    accountId: ACCOUNT,
    issuedAt: T0,
    expiresAt: T0 + 3600_000,
    ...over,
  };
  return { record, secret, token };
}

describe("identity directory", () => {
  test("resolves a user's access key to an IAMUser principal", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "other" });
    const a = await userWithKey(h, "alice");
    const cred = await h.iam.directory.resolveAccessKey(a.keyId);
    assert.deepEqual(cred, {
      secretAccessKey: a.secret,
      active: true,
      principal: { type: "IAMUser", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principalId: a.userId, accessKeyId: a.keyId, name: "alice" },
    });
    assert.equal(await h.iam.directory.resolveAccessKey("AKIAUNKNOWNUNKNOWN00"), undefined);
  });

  test("answers from its cache until an IAM write of the account, and at most for the TTL", async () => {
    const h = createHarness();
    const a = await userWithKey(h, "alice");
    assert.ok(await h.iam.directory.resolveAccessKey(a.keyId));
    // Remove the key behind IAM's back: the cached answer stands...
    await h.store.delete(COLLECTIONS.accessKeyIndex, a.keyId);
    assert.ok(await h.iam.directory.resolveAccessKey(a.keyId));
    // ...until the TTL passes.
    h.clock.advance(30_001);
    assert.equal(await h.iam.directory.resolveAccessKey(a.keyId), undefined);

    const b = await userWithKey(h, "bob");
    assert.ok(await h.iam.directory.resolveAccessKey(b.keyId));
    await h.store.delete(COLLECTIONS.accessKeyIndex, b.keyId);
    assert.ok(await h.iam.directory.resolveAccessKey(b.keyId));
    // Any committed IAM write in the account invalidates at once.
    await h.call("CreateGroup", { GroupName: "g" });
    assert.equal(await h.iam.directory.resolveAccessKey(b.keyId), undefined);
  });

  test("cachedAccessKey / cachedPolicies: the cached answers of resolveAccessKey / policiesFor, nothing before a load or after a write", async () => {
    const h = createHarness();
    const a = await userWithKey(h, "alice");
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "inline", PolicyDocument: doc("s3:GetObject") });
    const d = h.iam.directory;
    assert.equal(d.cachedAccessKey(a.keyId), undefined, "not loaded yet");
    const cred = await d.resolveAccessKey(a.keyId);
    assert.ok(cred);
    assert.equal(d.cachedAccessKey(a.keyId), cred);
    assert.equal(d.cachedPolicies(cred.principal), undefined, "policies not loaded yet");
    const pols = await d.policiesFor(cred.principal);
    assert.equal(d.cachedPolicies(cred.principal), pols);
    // A scope-down chain rides on the principal: added to the cached answer as policiesFor adds it.
    const scoped = { ...cred.principal, scopeDownPolicies: [doc("s3:*")] };
    assert.deepEqual(d.cachedPolicies(scoped), await d.policiesFor(scoped));
    assert.deepEqual(d.cachedPolicies(scoped)?.scopeDown, [doc("s3:*")]);
    // Any committed IAM write of the account: nothing cached until loaded again.
    await h.call("CreateGroup", { GroupName: "g" });
    assert.equal(d.cachedAccessKey(a.keyId), undefined);
    assert.equal(d.cachedPolicies(cred.principal), undefined);
    // The TTL too.
    assert.ok(await d.resolveAccessKey(a.keyId));
    h.clock.advance(30_001);
    assert.equal(d.cachedAccessKey(a.keyId), undefined);
  });

  test("cachedPolicies leaves session policies, federation and root to policiesFor", async () => {
    const h = createHarness();
    const role = await h.iam.api.createRole({ accountId: ACCOUNT, region: "" }, { roleName: "R", assumeRolePolicyDocument: TRUST_EC2 });
    const plain = sessionFor(h, { kind: "AssumedRole", roleArn: role.arn, roleId: role.roleId, roleName: "R", sessionName: "s" });
    const narrow = sessionFor(h, { kind: "AssumedRole", roleArn: role.arn, roleId: role.roleId, roleName: "R", sessionName: "n", sessionPolicy: doc("s3:ListBucket") });
    await h.iam.api.putSession(plain.record);
    await h.iam.api.putSession(narrow.record);
    const d = h.iam.directory;
    const p1 = (await d.resolveAccessKey(plain.record.accessKeyId))!.principal;
    const p2 = (await d.resolveAccessKey(narrow.record.accessKeyId))!.principal;
    const rolePols = await d.policiesFor(p1);
    assert.equal(d.cachedPolicies(p1), rolePols, "a role session without session policies: the role's cached answer");
    await d.policiesFor(p2);
    assert.equal(d.cachedPolicies(p2), undefined, "with session policies: always policiesFor");
    const root: Principal = { type: "Root", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: "AKIAROOT000000000000" };
    assert.equal(d.cachedPolicies(root), undefined);
  });

  test("a user's policies: inline, attached (default version), groups', and the boundary", async () => {
    const h = createHarness();
    const a = await userWithKey(h, "alice");
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "inline", PolicyDocument: doc("s3:GetObject") });
    const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: "managed", PolicyDocument: doc("kms:Decrypt") });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: p.Policy.Arn });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("PutGroupPolicy", { GroupName: "devs", PolicyName: "gi", PolicyDocument: doc("sqs:SendMessage") });
    await h.call("AttachGroupPolicy", { GroupName: "devs", PolicyArn: "arn:aws:iam::aws:policy/IAMReadOnlyAccess" });
    await h.call("AddUserToGroup", { GroupName: "devs", UserName: "alice" });
    await h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: p.Policy.Arn });
    const principal = (await h.iam.directory.resolveAccessKey(a.keyId))?.principal as Principal;
    const pols = await h.iam.directory.policiesFor(principal);
    assert.equal(pols.identity.length, 4);
    assert.equal(pols.identity[0], doc("s3:GetObject"));
    assert.equal(pols.identity[1], doc("kms:Decrypt"));
    assert.equal(pols.identity[2], doc("sqs:SendMessage"));
    assert.match(pols.identity[3] ?? "", /iam:Get\*/);
    assert.equal(pols.boundary, doc("kms:Decrypt"));
    assert.equal(pols.session, undefined);
    assert.deepEqual(await h.iam.directory.principalTags(principal), { team: "red" });

    // A new default version is effective immediately.
    await h.call("CreatePolicyVersion", { PolicyArn: p.Policy.Arn, PolicyDocument: doc("kms:Encrypt"), SetAsDefault: true });
    const after = await h.iam.directory.policiesFor(principal);
    assert.equal(after.identity[1], doc("kms:Encrypt"));
    assert.equal(after.boundary, doc("kms:Encrypt"));
    await h.call("RemoveUserFromGroup", { GroupName: "devs", UserName: "alice" });
    assert.equal((await h.iam.directory.policiesFor(principal)).identity.length, 2);
  });

  test("assumed-role sessions: principal, token hash, role policies, session policies and tags", async () => {
    const h = createHarness();
    const role = await h.iam.api.createRole({ accountId: ACCOUNT, region: "" }, { roleName: "Deployer", path: "/ci/", assumeRolePolicyDocument: TRUST_EC2 });
    await h.call("TagRole", { RoleName: "Deployer", Tags: [{ Key: "env", Value: "prod" }, { Key: "tier", Value: "1" }] });
    await h.call("PutRolePolicy", { RoleName: "Deployer", PolicyName: "i", PolicyDocument: ALLOW_S3 });
    await h.iam.api.attachRolePolicy(ACCOUNT, "Deployer", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    const plain = sessionFor(h, { kind: "AssumedRole", roleArn: role.arn, roleId: role.roleId, roleName: "Deployer", sessionName: "build-7", sessionTags: { env: "staging" } });
    await h.iam.api.putSession(plain.record);
    const cred = await h.iam.directory.resolveAccessKey(plain.record.accessKeyId);
    assert.ok(cred);
    assert.equal(cred.secretAccessKey, plain.secret);
    assert.equal(cred.sessionToken, createHash("sha256").update(plain.token).digest("hex"));
    assert.equal(cred.expiresAt, T0 + 3600_000);
    assert.deepEqual(cred.principal, {
      type: "AssumedRole",
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/build-7`,
      principalId: `${role.roleId}:build-7`,
      accessKeyId: plain.record.accessKeyId,
      name: "Deployer",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/ci/Deployer`,
      roleId: role.roleId,
      sessionName: "build-7",
      sessionIssuedAt: T0,
      sessionExpiresAt: T0 + 3600_000,
      sessionTags: { env: "staging" },
    });
    const pols = await h.iam.directory.policiesFor(cred.principal);
    assert.equal(pols.identity.length, 2);
    assert.equal(pols.identity[0], ALLOW_S3);
    assert.equal(pols.session, undefined, "no session policies were passed");
    assert.deepEqual(await h.iam.directory.principalTags(cred.principal), { env: "staging", tier: "1" });
    // A session tag overrides the role's tag of the same key regardless of case.
    const recased = sessionFor(h, { kind: "AssumedRole", roleArn: role.arn, roleId: role.roleId, roleName: "Deployer", sessionName: "recased", sessionTags: { ENV: "dev" } });
    await h.iam.api.putSession(recased.record);
    const rcp = (await h.iam.directory.resolveAccessKey(recased.record.accessKeyId))?.principal as Principal;
    assert.deepEqual(await h.iam.directory.principalTags(rcp), { tier: "1", ENV: "dev" });

    const restricted = sessionFor(h, {
      kind: "AssumedRole",
      roleArn: role.arn,
      roleId: role.roleId,
      roleName: "Deployer",
      sessionName: "narrow",
      sessionPolicy: doc("s3:ListBucket"),
      sessionPolicyArns: ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"],
    });
    await h.iam.api.putSession(restricted.record);
    const rc = await h.iam.directory.resolveAccessKey(restricted.record.accessKeyId);
    const rp = await h.iam.directory.policiesFor(rc?.principal as Principal);
    assert.equal(rp.session?.length, 2);
    assert.equal(rp.session?.[0], doc("s3:ListBucket"));
    assert.match(rp.session?.[1] ?? "", /iam:List\*/);

    // A web identity session: its provider and the provider's keys come with the principal.
    const web = sessionFor(h, {
      kind: "AssumedRole",
      roleArn: role.arn,
      roleId: role.roleId,
      roleName: "Deployer",
      sessionName: "web",
      federatedProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/idp.example.com`,
      identityProviderKeys: { "idp.example.com:sub": "alice", "idp.example.com:aud": "app" },
    });
    await h.iam.api.putSession(web.record);
    const wp = (await h.iam.directory.resolveAccessKey(web.record.accessKeyId))?.principal as SessionPrincipal;
    assert.equal(wp.federatedProvider, `arn:aws:iam::${ACCOUNT}:oidc-provider/idp.example.com`);
    assert.deepEqual(wp.identityProviderKeys, { "idp.example.com:sub": "alice", "idp.example.com:aud": "app" });

    // Deleting the role revokes its sessions.
    await h.call("DeleteRolePolicy", { RoleName: "Deployer", PolicyName: "i" });
    await h.call("DetachRolePolicy", { RoleName: "Deployer", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await h.call("DeleteRole", { RoleName: "Deployer" });
    assert.equal(await h.iam.directory.resolveAccessKey(plain.record.accessKeyId), undefined);
  });

  test("GetSessionToken sessions act as the issuing user or root", async () => {
    const h = createHarness();
    const a = await userWithKey(h, "alice");
    const s = sessionFor(h, { kind: "SessionToken", userArn: a.arn, userId: a.userId, userName: "alice" });
    await h.iam.api.putSession(s.record);
    const cred = await h.iam.directory.resolveAccessKey(s.record.accessKeyId);
    assert.equal(cred?.principal.type, "IAMUser");
    assert.equal(cred?.principal.arn, a.arn);
    assert.equal(cred?.principal.principalId, a.userId);
    assert.equal(cred?.principal.isSessionToken, true);
    const r = sessionFor(h, { kind: "SessionToken", isRoot: true });
    await h.iam.api.putSession(r.record);
    const rootCred = await h.iam.directory.resolveAccessKey(r.record.accessKeyId);
    assert.deepEqual(
      [rootCred?.principal.type, rootCred?.principal.arn, rootCred?.principal.principalId, rootCred?.principal.isSessionToken],
      ["Root", `arn:aws:iam::${ACCOUNT}:root`, ACCOUNT, true],
    );
    assert.deepEqual(await h.iam.directory.policiesFor(rootCred?.principal as Principal), { identity: [] });
  });

  test("AssumeRoot sessions act as the member account's root, limited by the task policy", async () => {
    const h = createHarness();
    const task = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";
    const s = sessionFor(h, { kind: "AssumedRoot", sessionPolicyArns: [task], issuerArn: "arn:aws:iam::999988887777:user/ops", sourceIdentity: "alice" });
    await h.iam.api.putSession(s.record);
    const cred = await h.iam.directory.resolveAccessKey(s.record.accessKeyId);
    const p = cred?.principal as Principal;
    assert.deepEqual(
      [p.type, p.arn, p.principalId, p.assumedRoot, p.sessionPolicyArns, p.sourceIdentity, p.sessionIssuedAt],
      ["Root", `arn:aws:iam::${ACCOUNT}:root`, ACCOUNT, true, [task], "alice", T0],
    );
    assert.deepEqual(await h.iam.directory.policiesFor(p), { identity: [], session: [(await h.iam.api.getManagedPolicyDocument(task)) as string] });
  });

  test("federated sessions get the user's policies bounded by session policies (none passed: no permissions)", async () => {
    const h = createHarness();
    const a = await userWithKey(h, "alice");
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "p", PolicyDocument: ALLOW_S3 });
    const s = sessionFor(h, { kind: "FederatedUser", userArn: a.arn, userId: a.userId, userName: "alice", sessionName: "bob" });
    await h.iam.api.putSession(s.record);
    const cred = await h.iam.directory.resolveAccessKey(s.record.accessKeyId);
    assert.equal(cred?.principal.arn, `arn:aws:sts::${ACCOUNT}:federated-user/bob`);
    assert.equal(cred?.principal.principalId, `${ACCOUNT}:bob`);
    assert.deepEqual(await h.iam.directory.policiesFor(cred?.principal as Principal), { identity: [ALLOW_S3], session: [] });
  });

  test("federated sessions: the principal tags are the issuing user's tags and the session tags (the root user has none)", async () => {
    const h = createHarness();
    // userWithKey tags the user team=red.
    const a = await userWithKey(h, "alice");
    await h.call("TagUser", { UserName: "alice", Tags: [{ Key: "Restricted", Value: "true" }] });
    const s = sessionFor(h, { kind: "FederatedUser", userArn: a.arn, userId: a.userId, userName: "alice", sessionName: "bob", sessionTags: { project: "apollo", TEAM: "blue" } });
    await h.iam.api.putSession(s.record);
    const p = (await h.iam.directory.resolveAccessKey(s.record.accessKeyId))?.principal as Principal;
    const tags = await h.iam.directory.principalTags(p);
    // The session tag TEAM overrides the user's team (same key in another case).
    assert.deepEqual(tags, { Restricted: "true", project: "apollo", TEAM: "blue" });
    // The same map while nothing changed (the authoriser keeps the principal's keys with it); a new one after a tag write.
    assert.equal(await h.iam.directory.principalTags(p), tags);
    await h.call("UntagUser", { UserName: "alice", TagKeys: ["Restricted"] });
    assert.deepEqual(await h.iam.directory.principalTags(p), { project: "apollo", TEAM: "blue" });

    const untagged = sessionFor(h, { kind: "FederatedUser", userArn: a.arn, userId: a.userId, userName: "alice", sessionName: "carol" });
    await h.iam.api.putSession(untagged.record);
    const q = (await h.iam.directory.resolveAccessKey(untagged.record.accessKeyId))?.principal as Principal;
    assert.deepEqual(await h.iam.directory.principalTags(q), { team: "red" });

    const ofRoot = sessionFor(h, { kind: "FederatedUser", isRoot: true, userArn: `arn:aws:iam::${ACCOUNT}:root`, userId: ACCOUNT, sessionName: "ops", sessionTags: { project: "apollo" } });
    await h.iam.api.putSession(ofRoot.record);
    const r = (await h.iam.directory.resolveAccessKey(ofRoot.record.accessKeyId))?.principal as Principal;
    assert.deepEqual(await h.iam.directory.principalTags(r), { project: "apollo" });
  });

  test("operator root keys resolve to the Root principal; tampered secrets resolve to nothing", async () => {
    const h = createHarness();
    await putRootAccessKey(h.iam.env, { accountId: ACCOUNT, accessKeyId: "AKIAROOTKEY000000001", secretAccessKey: "s".repeat(40), now: T0 });
    const cred = await h.iam.directory.resolveAccessKey("AKIAROOTKEY000000001");
    assert.deepEqual(cred, {
      secretAccessKey: "s".repeat(40),
      active: true,
      principal: { type: "Root", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: "AKIAROOTKEY000000001" },
    });
    assert.ok(!(h.store.rawJson(COLLECTIONS.rootAccessKeys, "AKIAROOTKEY000000001") ?? "").includes("s".repeat(40)));

    // A record sealed for another key id (or altered) does not unseal.
    const raw = JSON.parse(h.store.rawJson(COLLECTIONS.rootAccessKeys, "AKIAROOTKEY000000001") ?? "{}") as object;
    await h.store.put(COLLECTIONS.rootAccessKeys, "AKIAROOTKEY000000002", raw);
    assert.equal(await h.iam.directory.resolveAccessKey("AKIAROOTKEY000000002"), undefined);
  });

  test("the root user is named by the account alias while one is set", async () => {
    const h = createHarness();
    await putRootAccessKey(h.iam.env, { accountId: ACCOUNT, accessKeyId: "AKIAROOTKEY000000003", secretAccessKey: "s".repeat(40), now: T0 });
    assert.equal((await h.iam.directory.resolveAccessKey("AKIAROOTKEY000000003"))?.principal.name, undefined);
    await h.call("CreateAccountAlias", { AccountAlias: "example-corp" });
    assert.equal((await h.iam.directory.resolveAccessKey("AKIAROOTKEY000000003"))?.principal.name, "example-corp");
    const r = sessionFor(h, { kind: "SessionToken", isRoot: true });
    await h.iam.api.putSession(r.record);
    assert.equal((await h.iam.directory.resolveAccessKey(r.record.accessKeyId))?.principal.name, "example-corp");
    await h.call("DeleteAccountAlias", { AccountAlias: "example-corp" });
    assert.equal((await h.iam.directory.resolveAccessKey("AKIAROOTKEY000000003"))?.principal.name, undefined);
  });

  test("the cache is bounded", async () => {
    const store = new MemoryStorage();
    const clock = new ManualClock(T0);
    const iam = createIamService({ store, sealer: createSealer(randomBytes(32)), clock, directoryCacheSize: 2 });
    await iam.api.createUser({ accountId: ACCOUNT, region: "" }, { userName: "u" });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await iam.api.createAccessKey(ACCOUNT, "u")).accessKeyId);
    await iam.api.createUser({ accountId: ACCOUNT, region: "" }, { userName: "v" });
    ids.push((await iam.api.createAccessKey(ACCOUNT, "v")).accessKeyId);
    for (const id of ids) assert.ok(await iam.directory.resolveAccessKey(id));
    // The oldest entry was evicted: deleting it behind IAM's back is visible at once.
    await store.delete(COLLECTIONS.accessKeyIndex, ids[0] as string);
    await store.delete(COLLECTIONS.accessKeyIndex, ids[2] as string);
    assert.equal(await iam.directory.resolveAccessKey(ids[0] as string), undefined);
    assert.ok(await iam.directory.resolveAccessKey(ids[2] as string), "the newest entry is still cached");
  });
});
