import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AwsError } from "../core/errors.js";
import type { Principal } from "../core/types.js";
import { createAuthorizer, type RequestFacts, type ScpLevels, type ServiceControlPolicySource } from "./authorizer.js";
import type { IdentityDirectory, PrincipalPolicies } from "./directory.js";
import { parsePolicy } from "./policy/index.js";

const ACCT = "111122223333";
const alice: Principal = { type: "IAMUser", accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice`, principalId: "AIDAALICE", accessKeyId: "AKIAALICE00000000001", name: "alice" };
const rootP: Principal = { type: "Root", accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, principalId: ACCT, accessKeyId: "AKIAROOT000000000001" };
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const facts: RequestFacts = { sourceIp: "192.0.2.7", secureTransport: true, region: "eu-west-3", userAgent: "ua/1", now: NOW };

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
const allow = (action: string, condition?: object): object => ({ Effect: "Allow", Action: action, Resource: "*", ...(condition ? { Condition: condition } : {}) });
const deny = (action: string): object => ({ Effect: "Deny", Action: action, Resource: "*" });

/** A directory that hands out the same objects until told otherwise, like the cached IAM one. */
class FakeDirectory implements IdentityDirectory {
  pols: PrincipalPolicies = { identity: [] };
  tags: Record<string, string> = {};
  async resolveAccessKey() {
    return undefined;
  }
  async policiesFor() {
    return this.pols;
  }
  async principalTags() {
    return this.tags;
  }
}

describe("createAuthorizer", () => {
  test("request condition keys: source IP, transport, time (second precision), region, user agent, resource account, principal keys", async () => {
    const dir = new FakeDirectory();
    dir.tags = { team: "blue" };
    dir.pols = {
      identity: [
        policy(
          allow("s3:GetObject", {
            IpAddress: { "aws:SourceIp": "192.0.2.0/24" },
            Bool: { "aws:SecureTransport": "true" },
            StringEquals: {
              "aws:CurrentTime": "2026-01-02T03:04:05Z",
              "aws:RequestedRegion": "eu-west-3",
              "aws:UserAgent": "ua/1",
              "aws:ResourceAccount": ACCT,
              "aws:username": "alice",
              "aws:PrincipalTag/team": "blue",
              // Condition keys are case-insensitive.
              "AWS:PRINCIPALACCOUNT": ACCT,
            },
            NumericEquals: { "aws:EpochTime": Math.floor(NOW / 1000) },
          }),
        ),
      ],
    };
    const a = createAuthorizer({ directory: dir });
    assert.equal((await a.decide(alice, facts, { action: "s3:GetObject", resource: "*" })).decision, "Allow");
    // One second later aws:CurrentTime and aws:EpochTime move on.
    assert.equal((await a.decide(alice, { ...facts, now: NOW + 1000 }, { action: "s3:GetObject", resource: "*" })).decision, "ImplicitDeny");
    assert.equal((await a.decide(alice, { ...facts, sourceIp: "198.51.100.1" }, { action: "s3:GetObject", resource: "*" })).decision, "ImplicitDeny");
    assert.equal((await a.decide(alice, facts, { action: "s3:GetObject", resource: "*", resourceAccount: "444455556666" })).decision, "ImplicitDeny");
  });

  test("organization keys: aws:PrincipalOrgID/OrgPaths of the caller's account, aws:ResourceOrgID/OrgPaths of the resource's; absent outside an organization", async () => {
    const OTHER = "444455556666";
    const OUTSIDE = "777788889999";
    const places: Record<string, { orgId: string; path: string }> = {
      [ACCT]: { orgId: "o-aaaaaaaaaa", path: "o-aaaaaaaaaa/r-ab12/ou-ab12-11111111/" },
      [OTHER]: { orgId: "o-bbbbbbbbbb", path: "o-bbbbbbbbbb/r-cd34/" },
    };
    const asked: string[] = [];
    const organizations = {
      placeOf(accountId: string) {
        asked.push(accountId);
        return places[accountId];
      },
    };
    const dir = new FakeDirectory();
    dir.pols = {
      identity: [
        policy(
          allow("kms:Decrypt", { StringEquals: { "aws:PrincipalOrgID": "o-aaaaaaaaaa" } }),
          allow("kms:Encrypt", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-aaaaaaaaaa/r-ab12/ou-ab12-11111111/*" } }),
        ),
      ],
    };
    const a = createAuthorizer({ directory: dir, organizations });
    // A policy without conditions never asks.
    assert.equal((await a.decide(rootP, facts, { action: "kms:Decrypt", resource: "*" })).decision, "Allow");
    assert.equal(asked.length, 0);
    assert.equal((await a.decide(alice, facts, { action: "kms:Decrypt", resource: "*" })).decision, "Allow");
    assert.equal((await a.decide(alice, facts, { action: "kms:Encrypt", resource: "*" })).decision, "Allow");
    // Cross-account: the resource policy reads the resource's organization.
    const keyPolicy = (orgId: string | null): string =>
      policy({
        Effect: "Allow",
        Principal: { AWS: alice.arn },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: orgId === null ? { Null: { "aws:ResourceOrgID": "true" } } : { StringEquals: { "aws:ResourceOrgID": orgId } },
      });
    const on = (account: string, orgId: string | null) => ({ action: "kms:Decrypt", resource: "*", resourceAccount: account, resourcePolicy: keyPolicy(orgId) });
    assert.equal((await a.decide(alice, facts, on(OTHER, "o-bbbbbbbbbb"))).decision, "Allow");
    assert.equal((await a.decide(alice, facts, on(OTHER, "o-aaaaaaaaaa"))).decision, "ImplicitDeny");
    assert.equal((await a.decide(alice, facts, on(OUTSIDE, null))).decision, "Allow");
    assert.equal((await a.decide(alice, facts, on(OTHER, null))).decision, "ImplicitDeny");
    assert.ok(asked.includes(ACCT) && asked.includes(OTHER) && asked.includes(OUTSIDE));
    // Without the source the keys are absent.
    const plain = createAuthorizer({ directory: dir });
    assert.equal((await plain.decide(alice, facts, { action: "kms:Encrypt", resource: "*" })).decision, "ImplicitDeny");
    assert.equal((await plain.decide(alice, facts, { action: "kms:Decrypt", resource: "*" })).decision, "ImplicitDeny");
  });

  test("service keys win over global keys and a __proto__ key stays an ordinary key", async () => {
    const dir = new FakeDirectory();
    dir.pols = { identity: [policy(allow("kms:Decrypt", { StringEquals: { "aws:SourceIp": "service-said", "kms:ViaService": "x" } }))] };
    const a = createAuthorizer({ directory: dir });
    const context = JSON.parse('{"aws:SourceIp":"service-said","kms:ViaService":"x","__proto__":"p"}') as Record<string, string>;
    assert.equal((await a.decide(alice, facts, { action: "kms:Decrypt", resource: "*", context })).decision, "Allow");
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });

  test("aws:ViaAWSService is false for a direct call, and true when the service's request keys say so", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    const req = { action: "s3:PutObject", resource: "arn:aws:s3:::my-service-bucket/obj" };
    // IAM User Guide, aws:SourceIp: allow PutObject only from the listed address, unless an AWS
    // service makes the call on the principal's behalf.
    dir.pols = {
      identity: [
        policy({ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::my-service-bucket/*", Condition: { Bool: { "aws:ViaAWSService": "false" }, IpAddress: { "aws:SourceIp": "192.0.2.7" } } }),
      ],
    };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    assert.equal((await a.decide(alice, facts, { ...req, context: { "aws:ViaAWSService": true } })).decision, "ImplicitDeny");
    // The key is present: Null says so, and a data-perimeter deny with Bool false applies to a direct call.
    dir.pols = { identity: [policy(allow("s3:*", { Null: { "aws:ViaAWSService": "false" } }))] };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    dir.pols = {
      identity: [policy(allow("s3:*"), { Effect: "Deny", Action: "*", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" }, Bool: { "aws:ViaAWSService": "false" } } })],
    };
    assert.equal((await a.decide(alice, facts, req)).decision, "ExplicitDeny");
    assert.equal((await a.decide(alice, facts, { ...req, context: { "aws:ViaAWSService": true } })).decision, "Allow");
    // A service's own keys for a direct call leave it false.
    assert.equal((await a.decide(alice, facts, { ...req, context: { "s3:x-amz-acl": "private" } })).decision, "ExplicitDeny");
    // Also for the root user and anonymous callers.
    dir.pols = { identity: [] };
    const anonymous: Principal = { type: "Anonymous", accountId: "", arn: "", principalId: "anonymous", accessKeyId: "" };
    const publicOnlyDirect = policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { Bool: { "aws:ViaAWSService": "false" } } });
    assert.equal((await a.decide(anonymous, facts, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", resourceAccount: ACCT, resourcePolicy: publicOnlyDirect })).decision, "Allow");
    const rootDeny = policy({ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { Bool: { "aws:ViaAWSService": "false" } } });
    assert.equal((await a.decide(rootP, facts, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", resourcePolicy: rootDeny })).decision, "ExplicitDeny");
  });

  test("policies are re-read when the directory's policies change, even in place", async () => {
    const dir = new FakeDirectory();
    dir.pols = { identity: [policy(allow("iam:GetUser"))] };
    const a = createAuthorizer({ directory: dir });
    const req = { action: "iam:GetUser", resource: "*" };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    dir.pols.identity.push(policy(deny("iam:GetUser")));
    assert.equal((await a.decide(alice, facts, req)).decision, "ExplicitDeny");
    dir.pols.identity[1] = policy(allow("iam:ListUsers"));
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    dir.pols = { identity: [] };
    assert.equal((await a.decide(alice, facts, req)).decision, "ImplicitDeny");
    // A boundary added in place restricts; session policies (even none) apply when present.
    dir.pols = { identity: [policy(allow("*"))] };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    dir.pols.boundary = policy(allow("iam:ListUsers"));
    assert.equal((await a.decide(alice, facts, req)).decision, "ImplicitDeny");
    dir.pols.boundary = undefined;
    dir.pols.session = [policy(allow("iam:GetUser"))];
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    dir.pols.session = [policy(allow("iam:ListUsers"))];
    assert.equal((await a.decide(alice, facts, req)).decision, "ImplicitDeny");
  });

  test("a session whose session policies cannot be read (managed ARNs naming no policy, a text that no longer parses) is allowed nothing, not its role's whole permissions", async () => {
    const dir = new FakeDirectory();
    const role: Principal = {
      type: "AssumedRole",
      accountId: ACCT,
      arn: `arn:aws:sts::${ACCT}:assumed-role/Admin/s`,
      principalId: "AROAADMIN:s",
      accessKeyId: "ASIAADMIN00000000001",
      name: "Admin",
      roleArn: `arn:aws:iam::${ACCT}:role/Admin`,
    };
    const a = createAuthorizer({ directory: dir });
    const req = { action: "iam:GetUser", resource: "*" };
    dir.pols = { identity: [policy(allow("*"))] };
    assert.equal((await a.decide(role, facts, req)).decision, "Allow");
    // The directory found none of the session's managed policies.
    dir.pols = { identity: [policy(allow("*"))], session: [] };
    const r = await a.decide(role, facts, req);
    assert.equal(r.decision, "ImplicitDeny");
    assert.match(r.reason, /session/);
    dir.pols = { identity: [policy(allow("*"))], session: ["{not json"] };
    assert.equal((await a.decide(role, facts, req)).decision, "ImplicitDeny");
    // The policies that can be read still decide, allows and denies alike.
    dir.pols = { identity: [policy(allow("*"))], session: ["{not json", policy(allow("iam:GetUser"))] };
    assert.equal((await a.decide(role, facts, req)).decision, "Allow");
    dir.pols = { identity: [policy(allow("*"))], session: [policy(allow("*"), deny("iam:GetUser"))] };
    assert.equal((await a.decide(role, facts, req)).decision, "ExplicitDeny");
  });

  test("principal condition keys follow a principal object changed in place", async () => {
    const dir = new FakeDirectory();
    dir.pols = { identity: [policy(allow("iam:GetUser", { StringEquals: { "aws:username": "alice", "aws:PrincipalTag/team": "blue" } }))] };
    dir.tags = { team: "blue" };
    const a = createAuthorizer({ directory: dir });
    const p: Principal = { ...alice };
    const req = { action: "iam:GetUser", resource: "*" };
    assert.equal((await a.decide(p, facts, req)).decision, "Allow");
    p.name = "mallory";
    assert.equal((await a.decide(p, facts, req)).decision, "ImplicitDeny");
    p.name = "alice";
    dir.tags = { team: "red" };
    assert.equal((await a.decide(p, facts, req)).decision, "ImplicitDeny");
  });

  test("root is allowed by its implicit policy; denials carry AWS's message", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    await a.authorize(rootP, facts, { action: "iam:CreateUser", resource: "*" });
    await assert.rejects(
      a.authorize(alice, facts, { action: "iam:CreateUser", resource: `arn:aws:iam::${ACCT}:user/bob` }),
      (e: unknown) =>
        e instanceof AwsError &&
        e.common === "AccessDenied" &&
        e.message === `User: ${alice.arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCT}:user/bob because no identity-based policy allows the iam:CreateUser action`,
    );
    // An alternative allow is consulted for implicit denies only.
    await a.authorize(alice, facts, { action: "iam:CreateUser", resource: "*" }, async () => true);
    dir.pols = { identity: [policy(deny("iam:CreateUser"))] };
    await assert.rejects(a.authorize(alice, facts, { action: "iam:CreateUser", resource: "*" }, async () => true), AwsError);
  });

  test("IAM's denials name a user or role as \"user <name>\" / \"role <name>\", except when creating it or passing a role; other resources by ARN", async () => {
    const a = createAuthorizer({ directory: new FakeDirectory() });
    const denial = async (action: string, resource: string) => {
      try {
        await a.authorize(alice, facts, { action, resource });
      } catch (e) {
        return (e as AwsError).message.replace(` because no identity-based policy allows the ${action} action`, "");
      }
      return assert.fail("allowed");
    };
    const prefix = (action: string) => `User: ${alice.arn} is not authorized to perform: ${action} on resource: `;
    assert.equal(await denial("iam:GetUser", `arn:aws:iam::${ACCT}:user/eng/alice`), prefix("iam:GetUser") + "user alice");
    assert.equal(await denial("iam:CreateAccessKey", `arn:aws:iam::${ACCT}:user/bob`), prefix("iam:CreateAccessKey") + "user bob");
    assert.equal(await denial("iam:AttachRolePolicy", `arn:aws:iam::${ACCT}:role/app/svc`), prefix("iam:AttachRolePolicy") + "role svc");
    for (const action of ["iam:CreateUser", "iam:CreateRole", "iam:PassRole"]) {
      const arn = `arn:aws:iam::${ACCT}:${action === "iam:CreateUser" ? "user" : "role"}/new`;
      assert.equal(await denial(action, arn), prefix(action) + arn);
    }
    // A path prefix (ListUsers) and other resource types keep their ARN; so does another service's action.
    assert.equal(await denial("iam:ListUsers", `arn:aws:iam::${ACCT}:user/`), prefix("iam:ListUsers") + `arn:aws:iam::${ACCT}:user/`);
    assert.equal(await denial("iam:GetGroup", `arn:aws:iam::${ACCT}:group/ops`), prefix("iam:GetGroup") + `arn:aws:iam::${ACCT}:group/ops`);
    assert.equal(await denial("sts:AssumeRole", `arn:aws:iam::${ACCT}:role/app`), prefix("sts:AssumeRole") + `arn:aws:iam::${ACCT}:role/app`);
  });

  test("a denial names the policy type that failed to allow: a key or trust policy delegating to the account still needs an identity-based policy", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    const key = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const delegating = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:Decrypt", Resource: "*" }] });
    const otherOnly = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:user/bob` }, Action: "kms:Decrypt", Resource: "*" }] });
    const denial = (policyText: string) => a.authorize(alice, facts, { action: "kms:Decrypt", resource: key, resourcePolicy: policyText, resourcePolicyIsAuthoritative: true });
    const message = (why: string) => `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${key} ${why}`;
    await assert.rejects(denial(delegating), (e: unknown) => e instanceof AwsError && e.message === message("because no identity-based policy allows the kms:Decrypt action"));
    await assert.rejects(denial(otherOnly), (e: unknown) => e instanceof AwsError && e.message === message("because no resource-based policy allows the kms:Decrypt action"));
    dir.pols = { identity: [policy(allow("kms:Decrypt"))] };
    await a.authorize(alice, facts, { action: "kms:Decrypt", resource: key, resourcePolicy: delegating, resourcePolicyIsAuthoritative: true });
    await assert.rejects(denial(otherOnly), (e: unknown) => e instanceof AwsError && e.message === message("because no resource-based policy allows the kms:Decrypt action"));
    // Another account's resource without any resource-based policy: the identity side allows, nothing on the other side does.
    const foreign = `arn:aws:iam::210987654321:user/carol`;
    await assert.rejects(
      a.authorize(alice, facts, { action: "kms:Decrypt", resource: foreign, resourceAccount: "210987654321" }),
      (e: unknown) => e instanceof AwsError && e.message === `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${foreign} because no resource-based policy allows the kms:Decrypt action`,
    );
  });

  test("an AssumeRole that no policy allows is denied without naming a policy type, as STS words it; an explicit deny still names its policy", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    const role = `arn:aws:iam::${ACCT}:role/R`;
    const delegating = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "sts:AssumeRole" }] });
    const otherOnly = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:user/bob` }, Action: "sts:AssumeRole" }] });
    const denial = (policyText: string) => a.authorize(alice, facts, { action: "sts:AssumeRole", resource: role, resourcePolicy: policyText, resourcePolicyIsAuthoritative: true });
    const plain = `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
    await assert.rejects(denial(delegating), (e: unknown) => e instanceof AwsError && e.common === "AccessDenied" && e.message === plain);
    await assert.rejects(denial(otherOnly), (e: unknown) => e instanceof AwsError && e.message === plain);
    dir.pols = { identity: [policy(deny("sts:AssumeRole"))] };
    await assert.rejects(denial(delegating), (e: unknown) => e instanceof AwsError && e.message === `${plain} with an explicit deny in an identity-based policy`);
  });

  test("the session tags and source identity an AssumeRole asks for are denied on the role as STS words it, without a policy type", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    const role = `arn:aws:iam::${ACCT}:role/R`;
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "sts:AssumeRole" }] });
    dir.pols = { identity: [policy(allow("sts:*"))] };
    for (const action of ["sts:TagSession", "sts:SetSourceIdentity"]) {
      await assert.rejects(
        a.authorize(alice, facts, { action, resource: role, resourcePolicy: trust, resourcePolicyIsAuthoritative: true }),
        (e: unknown) => e instanceof AwsError && e.common === "AccessDenied" && e.message === `User: ${alice.arn} is not authorized to perform: ${action} on resource: ${role}`,
      );
    }
  });

  test("the request's context is read only when a policy reaches a condition, and then honoured", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir });
    let reads = 0;
    const req = {
      action: "kms:Encrypt",
      resource: "*",
      get context() {
        reads++;
        return { "kms:EncryptionContext:Department": "Secret" };
      },
    };
    // No condition anywhere: the context is never built.
    dir.pols = { identity: [policy(allow("kms:*"))] };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    assert.equal(reads, 0);
    // A conditional statement for another action is not reached either.
    dir.pols = { identity: [policy(allow("kms:*"), { Effect: "Deny", Action: "kms:Decrypt", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })] };
    assert.equal((await a.decide(alice, facts, req)).decision, "Allow");
    assert.equal(reads, 0);
    // A reached condition reads it once, and the service's key decides.
    dir.pols = {
      identity: [policy(allow("kms:*"), { Effect: "Deny", Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:Department": "Secret", "aws:SourceIp": "192.0.2.7" } } })],
    };
    assert.equal((await a.decide(alice, facts, req)).decision, "ExplicitDeny");
    assert.equal(reads, 1);
    // A policy variable in a resource reads it too.
    dir.pols = { identity: [policy({ Effect: "Allow", Action: "kms:Encrypt", Resource: "arn:aws:kms:*:*:key/${aws:PrincipalAccount}-*" })] };
    const keyReq = { ...req, resource: `arn:aws:kms:eu-west-3:${ACCT}:key/${ACCT}-k1` };
    assert.equal((await a.decide(alice, facts, keyReq)).decision, "Allow");
  });

  test("a policy text is parsed once and served from the cache by its exact text", async () => {
    const dir = new FakeDirectory();
    const a = createAuthorizer({ directory: dir, cacheSize: 2 });
    const keyPolicy = (effect: string) => policy({ Effect: effect, Principal: { AWS: alice.arn }, Action: "kms:Encrypt", Resource: "*" }, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:*", Resource: "*", Sid: "x".repeat(300) });
    const req = (text: string) => ({ action: "kms:Encrypt", resource: "*", resourcePolicy: text, resourcePolicyIsAuthoritative: true });
    assert.equal((await a.decide(alice, facts, req(keyPolicy("Allow")))).decision, "Allow");
    assert.equal((await a.decide(alice, facts, req(keyPolicy("Deny")))).decision, "ExplicitDeny");
    // Past the bound the cache starts over; decisions stay the same.
    for (let i = 0; i < 5; i++) {
      assert.equal((await a.decide(alice, facts, req(keyPolicy(i % 2 ? "Deny" : "Allow")))).decision, i % 2 ? "ExplicitDeny" : "Allow");
    }
  });

  describe("service control policies", () => {
    const scp = (...statements: object[]) => parsePolicy(policy(...statements), "scp");
    /** One level per node, as Organizations resolves them; counts the lookups. */
    class Scps implements ServiceControlPolicySource {
      levels: ScpLevels;
      asked: string[] = [];
      async = false;
      levelsFor(accountId: string): ScpLevels | Promise<ScpLevels> {
        this.asked.push(accountId);
        return this.async ? Promise.resolve(this.levels) : this.levels;
      }
    }
    const setup = (levels: ScpLevels) => {
      const dir = new FakeDirectory();
      dir.pols = { identity: [policy(allow("*"))] };
      const scps = new Scps();
      scps.levels = levels;
      return { a: createAuthorizer({ directory: dir, serviceControlPolicies: scps }), scps };
    };
    const kms = { action: "kms:CreateKey", resource: "*" };

    test("every level must allow; a deny at any level wins; the denial names the SCP", async () => {
      const { a, scps } = setup([[scp(allow("*"))], [scp(allow("*")), scp(deny("kms:*"))], [scp(allow("*"))]]);
      const r = await a.decide(alice, facts, kms);
      assert.deepEqual([r.decision, scps.asked], ["ExplicitDeny", [ACCT]]);
      await assert.rejects(a.authorize(alice, facts, kms), (e: AwsError) => {
        assert.equal(e.message, `User: ${alice.arn} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in a service control policy`);
        return true;
      });
      scps.levels = [[scp(allow("*"))], [scp(allow("iam:*"))], [scp(allow("*"))]];
      await assert.rejects(a.authorize(alice, facts, kms), (e: AwsError) => {
        assert.equal(e.message, `User: ${alice.arn} is not authorized to perform: kms:CreateKey on resource: * because no service control policy allows the kms:CreateKey action`);
        return true;
      });
      assert.equal((await a.decide(alice, facts, { action: "iam:ListUsers", resource: "*" })).decision, "Allow");
      // A level with no SCP allows nothing.
      scps.levels = [[scp(allow("*"))], []];
      assert.equal((await a.decide(alice, facts, { action: "iam:ListUsers", resource: "*" })).decision, "ImplicitDeny");
      // Answered asynchronously (not cached yet): the same decisions.
      scps.async = true;
      scps.levels = [[scp(allow("*"), deny("kms:*"))]];
      assert.equal((await a.decide(alice, facts, kms)).decision, "ExplicitDeny");
      scps.levels = undefined;
      assert.equal((await a.decide(alice, facts, kms)).decision, "Allow");
    });

    test("an alternative allow (a KMS grant) stands in for a missing policy allow, never for an SCP level that allows nothing", async () => {
      const { a, scps } = setup([[scp(allow("iam:*"))]]);
      let asked = 0;
      const grant = async () => {
        asked++;
        return true;
      };
      await assert.rejects(a.authorize(alice, facts, kms, grant), (e: AwsError) => {
        assert.equal(e.message, `User: ${alice.arn} is not authorized to perform: kms:CreateKey on resource: * because no service control policy allows the kms:CreateKey action`);
        return true;
      });
      assert.equal(asked, 0);
      // Without the SCP gap, an identity policy that allows nothing is what the grant fills in.
      scps.levels = [[scp(allow("*"))]];
      const dir = new FakeDirectory();
      dir.pols = { identity: [] };
      const b = createAuthorizer({ directory: dir, serviceControlPolicies: scps });
      await b.authorize(alice, facts, kms, grant);
      assert.equal(asked, 1);
      scps.levels = [[scp(allow("iam:*"))]];
      await assert.rejects(b.authorize(alice, facts, kms, grant), /no service control policy allows/);
      assert.equal(asked, 1);
    });

    test("SCPs restrict the account's root user and role sessions, not service-linked roles or anonymous callers", async () => {
      const { a, scps } = setup([[scp(deny("*"))]]);
      assert.equal((await a.decide(rootP, facts, kms)).decision, "ExplicitDeny");
      const session: Principal = { type: "AssumedRole", accountId: ACCT, arn: `arn:aws:sts::${ACCT}:assumed-role/OrganizationAccountAccessRole/ops`, principalId: "AROAEXAMPLE:ops", accessKeyId: "ASIAEXAMPLE", name: "OrganizationAccountAccessRole", roleArn: `arn:aws:iam::${ACCT}:role/OrganizationAccountAccessRole` };
      assert.equal((await a.decide(session, facts, kms)).decision, "ExplicitDeny");
      const linked: Principal = { ...session, arn: `arn:aws:sts::${ACCT}:assumed-role/AWSServiceRoleForShield/AWSShield`, roleArn: `arn:aws:iam::${ACCT}:role/aws-service-role/shield.amazonaws.com/AWSServiceRoleForShield`, serviceLinkedRole: true };
      assert.equal((await a.decide(linked, facts, kms)).decision, "Allow");
      // An ordinary role given the service-linked path (CreateRole allows any path) is still restricted.
      const lookalike: Principal = { ...linked, serviceLinkedRole: undefined };
      assert.equal((await a.decide(lookalike, facts, kms)).decision, "ExplicitDeny");
      const anonymous: Principal = { type: "Anonymous", accountId: "", arn: "*", principalId: "*", accessKeyId: "" };
      await a.decide(anonymous, facts, kms);
      assert.deepEqual(scps.asked, [ACCT, ACCT, ACCT]);
    });
  });

  describe("resource control policies", () => {
    const OWNER = "444455556666";
    const rcp = (...statements: object[]) => parsePolicy(policy(...statements), "rcp");
    const full = { Effect: "Allow", Principal: "*", Action: "*", Resource: "*" };
    const denyKms = { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" };
    class Rcps implements ServiceControlPolicySource {
      levels: ScpLevels;
      asked: string[] = [];
      levelsFor(accountId: string): ScpLevels {
        this.asked.push(accountId);
        return this.levels;
      }
    }
    const setup = (levels: ScpLevels) => {
      const dir = new FakeDirectory();
      dir.pols = { identity: [policy(allow("*"))] };
      const rcps = new Rcps();
      rcps.levels = levels;
      return { a: createAuthorizer({ directory: dir, resourceControlPolicies: rcps }), rcps };
    };
    const keyArn = `arn:aws:kms:us-east-1:${OWNER}:key/k1`;
    const keyPolicy = policy({ Effect: "Allow", Principal: { AWS: ACCT }, Action: "kms:*", Resource: "*" });
    const onKey = { action: "kms:Decrypt", resource: keyArn, resourceAccount: OWNER, resourcePolicy: keyPolicy, resourcePolicyIsAuthoritative: true };

    test("the resource's account's levels decide, the denial names the RCP", async () => {
      const { a, rcps } = setup([[rcp(full)], [rcp(full), rcp(denyKms)]]);
      await assert.rejects(a.authorize(alice, facts, onKey), (e: AwsError) => {
        assert.equal(e.message, `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${keyArn} with an explicit deny in a resource control policy`);
        return true;
      });
      assert.deepEqual(rcps.asked, [OWNER]);
      rcps.levels = [[rcp(full)], []];
      await assert.rejects(a.authorize(alice, facts, onKey), (e: AwsError) => {
        assert.equal(e.message, `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no resource control policy allows the kms:Decrypt action`);
        return true;
      });
      rcps.levels = [[rcp(full)]];
      assert.equal((await a.decide(alice, facts, onKey)).decision, "Allow");
    });

    test("not asked for services RCPs do not support, for exempt resources, or for service-linked roles", async () => {
      const { a, rcps } = setup([[rcp(denyKms)]]);
      assert.equal((await a.decide(alice, facts, { action: "iam:ListUsers", resource: "*" })).decision, "Allow");
      assert.equal((await a.decide(alice, facts, { ...onKey, resourceControlPoliciesExempt: true })).decision, "Allow");
      const linked: Principal = { type: "AssumedRole", accountId: ACCT, arn: `arn:aws:sts::${ACCT}:assumed-role/AWSServiceRoleForShield/AWSShield`, principalId: "AROAEXAMPLE:s", accessKeyId: "ASIAEXAMPLE", name: "AWSServiceRoleForShield", roleArn: `arn:aws:iam::${ACCT}:role/aws-service-role/shield.amazonaws.com/AWSServiceRoleForShield`, serviceLinkedRole: true };
      assert.equal((await a.decide(linked, facts, { action: "kms:CreateKey", resource: "*" })).decision, "Allow");
      assert.deepEqual(rcps.asked, []);
      const lookalike: Principal = { ...linked, serviceLinkedRole: undefined };
      assert.equal((await a.decide(lookalike, facts, { action: "kms:CreateKey", resource: "*" })).decision, "ExplicitDeny");
      assert.deepEqual(rcps.asked, [ACCT]);
      rcps.asked.length = 0;
      // The caller's own account when the request names no resource account.
      assert.equal((await a.decide(alice, facts, { action: "kms:CreateKey", resource: "*" })).decision, "ExplicitDeny");
      assert.deepEqual(rcps.asked, [ACCT]);
    });
  });
});
