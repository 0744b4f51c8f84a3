import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { SessionRecord } from "../iam/api.js";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";
import { stepAt, totpAt } from "../iam/totp.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals, type FakeContext } from "./testing/fake-context.js";
import { ACCOUNT, NOW, OTHER_ACCOUNT, stsFixture } from "./testing/sts-fixture.js";

interface AssumeOut {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}

const userCtx = (deny?: Parameters<typeof fakeContext>[0]["deny"]) =>
  fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW, ...(deny ? { deny } : {}) });
const NOW_S = Math.floor(NOW / 1000) * 1000;

describe("AssumeRole", () => {
  test("issues credentials, stores the session sealed and hashed, and audits without secrets", async () => {
    const f = stsFixture();
    const role = await f.role("Deploy");
    const ctx = userCtx();
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "build-42" }, ctx);

    assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(accessKeyIdAccount(out.Credentials.AccessKeyId), ACCOUNT);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 3600_000);
    assert.deepEqual(out.AssumedRoleUser, { AssumedRoleId: `${role.roleId}:build-42`, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deploy/build-42` });
    assert.equal(out.PackedPolicySize, undefined);
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, Math.ceil((out.SessionTokenSize * 100) / 4096));
    assert.ok(out.Credentials.SessionToken.startsWith("BwkSTS1") && out.Credentials.SessionToken.length >= 128);

    assert.deepEqual(ctx.calls, [
      {
        action: "sts:AssumeRole",
        resource: role.arn,
        resourceAccount: ACCOUNT,
        resourcePolicy: role.assumeRolePolicyDocument,
        resourcePolicyIsAuthoritative: true,
        context: { "sts:RoleSessionName": "build-42" },
      },
    ]);

    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.equal(rec.kind, "AssumedRole");
    assert.equal(rec.accountId, ACCOUNT);
    assert.equal(rec.roleArn, role.arn);
    assert.equal(rec.roleId, role.roleId);
    assert.equal(rec.roleName, "Deploy");
    assert.equal(rec.sessionName, "build-42");
    assert.equal(rec.issuedAt, NOW);
    assert.equal(rec.expiresAt, NOW_S + 3600_000);
    assert.equal(rec.sessionTokenHash, createHash("sha256").update(out.Credentials.SessionToken).digest("hex"));
    assert.equal(f.sealer.unsealString(rec.sealedSecret, `sts/session/${rec.accessKeyId}`).toString(), out.Credentials.SecretAccessKey);
    assert.throws(() => f.sealer.unsealString(rec.sealedSecret, "sts/session/ASIAOTHER"));
    const stored = JSON.stringify(rec);
    assert.ok(!stored.includes(out.Credentials.SecretAccessKey));
    assert.ok(!stored.includes(out.Credentials.SessionToken));

    assert.deepEqual(ctx.audit.resources, [{ ARN: role.arn, accountId: ACCOUNT, type: "AWS::IAM::Role" }]);
    const audited = JSON.stringify(ctx.audit.responseElements);
    assert.ok(!audited.includes(out.Credentials.SecretAccessKey) && !audited.includes(out.Credentials.SessionToken));
    assert.deepEqual(ctx.audit.responseElements, {
      credentials: { accessKeyId: out.Credentials.AccessKeyId, expiration: "Jan 2, 2024, 4:04:05 AM" },
      assumedRoleUser: { assumedRoleId: `${role.roleId}:build-42`, arn: out.AssumedRoleUser.Arn },
    });
  });

  test("model validation errors use AWS's wording and are aggregated", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    const ctx = userCtx();
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "Session1:2" }, ctx),
      "ValidationError",
      "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      400,
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s".repeat(65) }, ctx),
      "ValidationError",
      `1 validation error detected: Value '${"s".repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: "arn:short", RoleSessionName: "a" }, ctx),
      "ValidationError",
      "2 validation errors detected: Value 'arn:short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleSessionName: "ok-name" }, ctx),
      "ValidationError",
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", DurationSeconds: 899 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", DurationSeconds: 43201 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
    // DurationSeconds is an Integer: a fraction is no session length.
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", DurationSeconds: 900.5 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '900.5' at 'durationSeconds' failed to satisfy constraint: Member must be an integer",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", ExternalId: "x" }, ctx),
      "ValidationError",
      "1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [{ Key: "bad key!", Value: "v" }] }, ctx),
      "ValidationError",
      "1 validation error detected: Value 'bad key!' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    const arns = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/P${i}` }));
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: arns }, ctx),
      "ValidationError",
      /^1 validation error detected: Value '\[PolicyDescriptorType\(arn=arn:aws:iam::aws:policy\/P0\), .*\]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: "x".repeat(2049) }, ctx),
      "ValidationError",
      `1 validation error detected: Value '${"x".repeat(2049)}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", ProvidedContexts: [{ ProviderArn: "arn:aws:iam::aws:c", ContextAssertion: "abc" }] }, ctx),
      "ValidationError",
      "2 validation errors detected: Value 'arn:aws:iam::aws:c' at 'providedContexts.1.member.providerArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
        "Value 'abc' at 'providedContexts.1.member.contextAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
    // ProvidedContextsListType holds 1 to 5 contexts; an empty list is not the same as none.
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", ProvidedContexts: [] }, ctx),
      "ValidationError",
      "1 validation error detected: Value '[]' at 'providedContexts' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    assert.equal(ctx.calls.length, 0, "nothing is authorised before the input is valid");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("a malformed role ARN is '<arn> is invalid'", async () => {
    const f = stsFixture();
    await expectAwsError(f.call("AssumeRole", { RoleArn: "nothing-valid-in-here", RoleSessionName: "ok" }, userCtx()), "ValidationError", "nothing-valid-in-here is invalid", 400);
    await expectAwsError(f.call("AssumeRole", { RoleArn: "arn:a:a::aaaaaaaaaa:", RoleSessionName: "ok" }, userCtx()), "ValidationError", "arn:a:a::aaaaaaaaaa: is invalid");
  });

  test("ARN members meet the model's arnType pattern (no control characters, nothing outside the BMP) before they are read as ARNs", async () => {
    const f = stsFixture();
    const pattern = "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+";
    for (const bad of [`arn:aws:iam::${ACCOUNT}:role/a\u0001b`, `arn:aws:iam::${ACCOUNT}:role/\u{1F511}`]) {
      await expectAwsError(
        f.call("AssumeRole", { RoleArn: bad, RoleSessionName: "ok" }, userCtx()),
        "ValidationError",
        `1 validation error detected: Value '${bad}' at 'roleArn' failed to satisfy constraint: ${pattern}`,
        400,
      );
      await expectAwsError(
        f.call("AssumeRole", { RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`, RoleSessionName: "ok", PolicyArns: [{ arn: bad }] }, userCtx()),
        "ValidationError",
        `1 validation error detected: Value '${bad}' at 'policyArns.1.member.arn' failed to satisfy constraint: ${pattern}`,
      );
    }
    // Java's reading of the class takes U+007F–U+009F and U+00A0 onwards: such an ARN passes the pattern (the role does not exist).
    const latin = `arn:aws:iam::${ACCOUNT}:role/\u0080\u00e9`;
    const e = await f.call("AssumeRole", { RoleArn: latin, RoleSessionName: "ok" }, userCtx()).then(
      () => undefined,
      (x: unknown) => x as { code?: string },
    );
    assert.notEqual(e?.code, "ValidationError");
  });

  test("MFA: the caller's valid code gives the trust policy aws:MultiFactorAuthPresent and an MFA session; a wrong code, a foreign serial or a lone serial is AccessDenied worded as AWS words each", async () => {
    const f = stsFixture();
    const role = await f.role("Mfa");
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
    const seed = randomBytes(20);
    // principals.user's default id
    f.iam.mfaDevices.set(serial, { accountId: ACCOUNT, userId: "AIDAEXAMPLEUSER00001", seed });
    const code = totpAt(seed, stepAt(NOW));
    const wrong = code === "123456" ? "123457" : "123456";
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial, TokenCode: wrong }, userCtx()),
      "AccessDeniedException",
      "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    // A code that fails the model's constraints is never echoed: with a digit too many it still holds the valid code.
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial, TokenCode: `${code}0` }, userCtx()),
      "ValidationError",
      "1 validation error detected: Value 'HIDDEN_DUE_TO_SECURITY_REASONS' at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial, TokenCode: `${code.slice(0, 5)}x` }, userCtx()),
      "ValidationError",
      "1 validation error detected: Value 'HIDDEN_DUE_TO_SECURITY_REASONS' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/bob`, TokenCode: code }, userCtx()),
      "AccessDeniedException",
      "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial }, userCtx()),
      "AccessDeniedException",
      "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
    );
    assert.equal(f.iam.sessions.size, 0);
    const ctx = userCtx();
    const out = await f.call<{ Credentials: { AccessKeyId: string } }>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial, TokenCode: code }, ctx);
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.mfaAuthenticated, true);
    const trust = ctx.calls.find((c) => c.action === "sts:AssumeRole");
    assert.equal(trust?.context?.["aws:MultiFactorAuthPresent"], true);
    assert.equal(trust?.context?.["aws:MultiFactorAuthAge"], 0);
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SerialNumber: serial, TokenCode: code }, userCtx()),
      "AccessDeniedException",
      "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
  });

  test("MFA: a role session chained from an MFA-authenticated session keeps the MFA context and its original time", async () => {
    const f = stsFixture();
    const role = await f.role("Chained");
    const mfaAt = NOW - 600_000;
    const caller = { ...principals.user(ACCOUNT, "alice"), accessKeyId: "ASIAEXAMPLEMFA000001", isSessionToken: true, sessionIssuedAt: mfaAt, mfaAuthenticated: true };
    const out = await f.call<{ Credentials: { AccessKeyId: string } }>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "chain" }, fakeContext({ principal: caller, now: NOW }));
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
    assert.equal(rec.mfaAuthenticated, true);
    assert.equal(rec.mfaAuthenticatedAt, mfaAt);
    // Without MFA behind the caller's session, the role session has none either.
    const plain = await f.call<{ Credentials: { AccessKeyId: string } }>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "plain" }, userCtx());
    assert.equal(f.iam.sessions.get(plain.Credentials.AccessKeyId)!.mfaAuthenticated, undefined);
  });

  test("DurationSeconds is bounded by the role's MaxSessionDuration", async () => {
    const f = stsFixture();
    const short = await f.role("Short");
    const long = await f.role("Long", { maxSessionDuration: 7200 });
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: short.arn, RoleSessionName: "ok", DurationSeconds: 3601 }, userCtx()),
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      400,
    );
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: long.arn, RoleSessionName: "ok", DurationSeconds: 7200 }, userCtx());
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 7200_000);
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.expiresAt, NOW_S + 7200_000);
    const min = await f.call<AssumeOut>("AssumeRole", { RoleArn: long.arn, RoleSessionName: "ok", DurationSeconds: 900 }, userCtx());
    assert.equal(min.Credentials.Expiration.getTime(), NOW_S + 900_000);
  });

  test("role chaining and GetSessionToken credentials are limited to one hour", async () => {
    const f = stsFixture();
    const first = await f.role("First");
    const second = await f.role("Second", { maxSessionDuration: 43200 });
    const chained = fakeContext({ principal: principals.role(ACCOUNT, "First", first.roleId, "s1"), now: NOW });
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: second.arn, RoleSessionName: "s2", DurationSeconds: 3601 }, chained),
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const sessionUser = fakeContext({ principal: { ...principals.user(ACCOUNT, "alice"), isSessionToken: true, accessKeyId: "ASIAEXAMPLE000000009" }, now: NOW });
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: second.arn, RoleSessionName: "s2", DurationSeconds: 7200 }, sessionUser),
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const ok = await f.call<AssumeOut>("AssumeRole", { RoleArn: second.arn, RoleSessionName: "s2", DurationSeconds: 3600 }, chained);
    assert.equal(ok.Credentials.Expiration.getTime(), NOW_S + 3600_000);
    const userLong = await f.call<AssumeOut>("AssumeRole", { RoleArn: second.arn, RoleSessionName: "s3", DurationSeconds: 43200 }, userCtx());
    assert.equal(userLong.Credentials.Expiration.getTime(), NOW_S + 43200_000);
  });

  test("the root user cannot assume roles", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    const ctx = fakeContext({ principal: principals.root(ACCOUNT), now: NOW });
    const e = await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok" }, ctx), "AccessDeniedException", "Roles may not be assumed by root accounts.");
    assert.equal(e.common, "AccessDenied");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("a missing role and a trust policy that does not allow are indistinguishable", async () => {
    const f = stsFixture();
    const denyAll = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] });
    const guarded = await f.role("Guarded", { trust: denyAll });
    const deny = (r: { resourcePolicy?: string }) => r.resourcePolicy === denyAll;
    const missingArn = `arn:aws:iam::${ACCOUNT}:role/Nope`;
    const a = await expectAwsError(f.call("AssumeRole", { RoleArn: missingArn, RoleSessionName: "ok" }, userCtx(deny)), "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${missingArn}`);
    const b = await expectAwsError(f.call("AssumeRole", { RoleArn: guarded.arn, RoleSessionName: "ok" }, userCtx(deny)), "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${guarded.arn}`);
    assert.equal(a.status, b.status);
    assert.equal(a.common, b.common);
    assert.equal(f.iam.sessions.size, 0);
  });

  test("session policy: malformed documents are refused, valid ones are stored minified with PackedPolicySize", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: "{not json" }, userCtx()), "MalformedPolicyDocument", "The policy is not in the valid JSON format.", 400);
    const withPrincipal = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] });
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: withPrincipal }, userCtx()), "MalformedPolicyDocument", "Policy document should not specify a principal.");
    const noResource = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:*" }] });
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: noResource }, userCtx()), "MalformedPolicyDocument", "Policy statement must contain resources.");
    // A session policy is an IAM policy: IAM's grammar checks apply, with IAM's messages.
    const grammar: Array<[unknown, string]> = [
      [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3GetObject", Resource: "*" }] }, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."],
      [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "bucket" }] }, 'Resource bucket must be in ARN format or "*".'],
      [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { StringEqualz: { "aws:username": "a" } } }] }, "Syntax errors in policy."],
      [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*", Extra: 1 }] }, "Syntax errors in policy."],
      [{ Version: "2012-10-17", Statement: [{ Sid: "a", Effect: "Allow", Action: "s3:*", Resource: "*" }, { Sid: "a", Effect: "Deny", Action: "s3:*", Resource: "*" }] }, "Statement IDs (SID) in a single policy must be unique."],
    ];
    for (const [doc, message] of grammar) {
      await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: JSON.stringify(doc) }, userCtx()), "MalformedPolicyDocument", message, 400);
    }
    assert.equal(f.iam.sessions.size, 0);

    const policy = `{\n  "Version": "2012-10-17",\n  "Statement": [ { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" } ]\n}`;
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Policy: policy, PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] }, userCtx());
    assert.ok(typeof out.PackedPolicySize === "number" && out.PackedPolicySize >= 1 && out.PackedPolicySize <= 100);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.equal(rec.sessionPolicy, JSON.stringify(JSON.parse(policy)));
    assert.deepEqual(rec.sessionPolicyArns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: [{ arn: "arn:aws:s3:::my-bucket-name" }] }, userCtx()),
      "ValidationError",
      "arn:aws:s3:::my-bucket-name is invalid",
    );
    for (const arn of ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::123456789012:policy/p"]) {
      await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: [{ arn }] }, userCtx()), "ValidationError", `${arn} is invalid`);
    }
    // "The policies must exist in the same account as the role": the role's account's own and AWS
    // managed policies, never another account's.
    const own = `arn:aws:iam::${ACCOUNT}:policy/team/Scoped`;
    const mixed = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: [{ arn: own }, { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] }, userCtx());
    assert.deepEqual((f.iam.sessions.get(mixed.Credentials.AccessKeyId) as SessionRecord).sessionPolicyArns, [own, "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const sessions = f.iam.sessions.size;
    const foreign = "arn:aws:iam::999988887777:policy/Scoped";
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: [{ arn: own }, { arn: foreign }] }, userCtx()),
      "ValidationError",
      `${foreign} is invalid`,
      400,
    );
    assert.equal(f.iam.sessions.size, sessions);
    // A descriptor without its (optional) arn names no policy; the message writes the missing value
    // "null", never a JavaScript "undefined".
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", PolicyArns: [{}] }, userCtx()), "ValidationError", "null is invalid", 400);
    assert.equal(f.iam.sessions.size, sessions);
  });

  test("session tags: packed size limit, case-insensitive duplicates, transitive keys, TagSession authorisation", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    const big = Array.from({ length: 50 }, () => ({ Key: randomBytes(64).toString("hex"), Value: randomBytes(128).toString("hex") }));
    // Tags alone over the budget are named in the message; with a session policy, the policy is.
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: big }, userCtx()), "PackedPolicyTooLarge", /^Packed size of session tags consumes \d{3,}% of allotted space\.$/, 400);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: big, Policy: policy }, userCtx()),
      "PackedPolicyTooLarge",
      /^Packed policy consumes \d{3,}% of allotted space, please use smaller policy\.$/,
      400,
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [{ Key: "Team", Value: "a" }, { Key: "team", Value: "b" }] }, userCtx()),
      "InvalidParameterValue",
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [{ Key: "Team", Value: "a" }], TransitiveTagKeys: ["Project"] }, userCtx()),
      "InvalidParameterValue",
      "The specified transitive tag key must be included in the requested tags.",
    );
    // "You cannot create a tag key or value that begins with the text aws:" (in any case).
    for (const [tag, message] of [
      [{ Key: "aws:foo", Value: "x" }, "Session tag key 'aws:foo' must not begin with aws:, a prefix reserved for AWS use."],
      [{ Key: "AWS:Foo", Value: "x" }, "Session tag key 'AWS:Foo' must not begin with aws:, a prefix reserved for AWS use."],
      [{ Key: "k", Value: "aws:foo" }, "Session tag value for key 'k' must not begin with aws:, a prefix reserved for AWS use."],
    ] as const) {
      await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [tag] }, userCtx()), "InvalidParameterValue", message, 400);
    }
    // Only the prefix is reserved.
    await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [{ Key: "awsfoo", Value: "x:aws:" }] }, userCtx());
    const ctx = userCtx();
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", ExternalId: "ext-123", Tags: [{ Key: "Project", Value: "blue" }], TransitiveTagKeys: ["project"] }, ctx);
    const expectedContext = {
      "sts:RoleSessionName": "ok",
      "sts:ExternalId": "ext-123",
      "aws:RequestTag/Project": "blue",
      "aws:TagKeys": ["Project"],
      "sts:TransitiveTagKeys": ["project"],
    };
    assert.deepEqual(ctx.calls.map((c) => c.action), ["sts:AssumeRole", "sts:TagSession"]);
    for (const c of ctx.calls) assert.deepEqual(c.context, expectedContext);
    assert.deepEqual(f.iam.sessions.get(out.Credentials.AccessKeyId)?.sessionTags, { Project: "blue" });
    assert.ok((out.PackedPolicySize ?? 0) >= 1);

    const denyTag = userCtx((r) => r.action === "sts:TagSession");
    await expectAwsError(f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", Tags: [{ Key: "P", Value: "v" }] }, denyTag), "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:TagSession on resource: ${role.arn}`);
  });

  test("transitive session tags pass on through role chaining; a passed tag may not replace an inherited one", async () => {
    const f = stsFixture();
    const role = await f.role("Next");
    const caller = principals.role(ACCOUNT, "First", "AROAFIRST000000000001", "s1", {
      sessionTags: { Project: "Apollo", Team: "core" },
      transitiveTagKeys: ["Project"],
    });
    const chained = fakeContext({ principal: caller, now: NOW });
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2", Tags: [{ Key: "Stage", Value: "prod" }], TransitiveTagKeys: ["Stage"] }, chained);
    // CloudTrail records the inherited tags before the request's own parameters (IAM user guide, "Example AWS STS role chaining API event").
    assert.deepEqual(chained.audit.requestParametersPrefix, { incomingTransitiveTags: { Project: "Apollo" } });
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    // Team was not transitive: it stays with the first session.
    assert.deepEqual(rec.sessionTags, { Project: "Apollo", Stage: "prod" });
    assert.deepEqual(rec.transitiveTagKeys, ["Project", "Stage"]);
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s3", Tags: [{ Key: "project", Value: "Other" }] }, fakeContext({ principal: caller, now: NOW })),
      "InvalidParameterValue",
      "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
    );
  });

  test("transitive tag keys name tags regardless of case: recorded in the tag's spelling, passed on, and not replaceable in any case", async () => {
    const f = stsFixture();
    const role = await f.role("Next");
    const ctx = userCtx();
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s1", Tags: [{ Key: "Dept", Value: "eng" }, { Key: "Team", Value: "core" }], TransitiveTagKeys: ["dept", "DEPT"] }, ctx);
    // The trust policy sees the keys as the request spelt them.
    assert.deepEqual(ctx.calls[0]?.context?.["sts:TransitiveTagKeys"], ["dept", "DEPT"]);
    const first = f.iam.sessions.get(out.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual(first.transitiveTagKeys, ["Dept"]);

    const caller = principals.role(ACCOUNT, "Next", role.roleId, "s1", { sessionTags: first.sessionTags!, transitiveTagKeys: first.transitiveTagKeys! });
    const chained = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2" }, fakeContext({ principal: caller, now: NOW }));
    const second = f.iam.sessions.get(chained.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual(second.sessionTags, { Dept: "eng" });
    assert.deepEqual(second.transitiveTagKeys, ["Dept"]);
    for (const key of ["Dept", "dept", "DEPT"]) {
      await expectAwsError(
        f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s3", Tags: [{ Key: key, Value: "admin" }] }, fakeContext({ principal: caller, now: NOW })),
        "InvalidParameterValue",
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
      );
    }

    // A session whose transitive keys were recorded as the request spelt them passes the tag on too.
    const recorded = principals.role(ACCOUNT, "Next", role.roleId, "old", { sessionTags: { Dept: "eng" }, transitiveTagKeys: ["dept"] });
    const fromOld = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s4" }, fakeContext({ principal: recorded, now: NOW }));
    const third = f.iam.sessions.get(fromOld.Credentials.AccessKeyId) as SessionRecord;
    assert.deepEqual([third.sessionTags, third.transitiveTagKeys], [{ Dept: "eng" }, ["Dept"]]);
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s5", Tags: [{ Key: "DEPT", Value: "admin" }] }, fakeContext({ principal: recorded, now: NOW })),
      "InvalidParameterValue",
      "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
    );
  });

  test("role chaining: a session that inherits transitive tags needs sts:TagSession in the trust policy, as with passed tags", async () => {
    const f = stsFixture();
    const role = await f.role("Next");
    const transitive = principals.role(ACCOUNT, "First", "AROAFIRST000000000001", "s1", { sessionTags: { Project: "Apollo", Team: "core" }, transitiveTagKeys: ["Project"] });
    const ctx = fakeContext({ principal: transitive, now: NOW });
    await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2" }, ctx);
    assert.deepEqual(ctx.calls.map((c) => c.action), ["sts:AssumeRole", "sts:TagSession"]);
    const denied = fakeContext({ principal: transitive, now: NOW, deny: (r) => r.action === "sts:TagSession" });
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2" }, denied),
      "AccessDeniedException",
      `User: ${transitive.arn} is not authorized to perform: sts:TagSession on resource: ${role.arn}`,
    );
    // Tags that are not transitive stay with the caller's session: nothing to authorise.
    const plain = fakeContext({ principal: principals.role(ACCOUNT, "First", "AROAFIRST000000000001", "s1", { sessionTags: { Team: "core" } }), now: NOW });
    await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s3" }, plain);
    assert.deepEqual(plain.calls.map((c) => c.action), ["sts:AssumeRole"]);
  });

  test("source identity is set with sts:SetSourceIdentity and persists through chaining", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    const ctx = userCtx();
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", SourceIdentity: "alice@example.com" }, ctx);
    assert.equal(out.SourceIdentity, "alice@example.com");
    assert.deepEqual(ctx.calls.map((c) => c.action), ["sts:AssumeRole", "sts:SetSourceIdentity"]);
    assert.equal(ctx.calls[0]?.context?.["sts:SourceIdentity"], "alice@example.com");
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.sourceIdentity, "alice@example.com");

    const chainedPrincipal = principals.role(ACCOUNT, "R", role.roleId, "ok", { sourceIdentity: "alice@example.com" });
    const inherited = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "next" }, fakeContext({ principal: chainedPrincipal, now: NOW }));
    assert.equal(inherited.SourceIdentity, "alice@example.com");
    await expectAwsError(
      f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "next", SourceIdentity: "mallory" }, fakeContext({ principal: chainedPrincipal, now: NOW })),
      "AccessDeniedException",
      `User: ${chainedPrincipal.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.arn}`,
    );
  });

  test("role chaining with a source identity, passed or inherited: the caller's own policies must allow sts:SetSourceIdentity on the role, as its trust policy must", async () => {
    const f = stsFixture();
    const role = await f.role("Next");
    const identityOnly = (r: { action: string; resourcePolicy?: string }) => r.action === "sts:SetSourceIdentity" && r.resourcePolicy === undefined;
    const expectedCalls = (ctx: FakeContext) => {
      assert.deepEqual(ctx.calls.map((c) => [c.action, c.resourcePolicy === undefined ? "identity" : "trust"]), [
        ["sts:AssumeRole", "trust"],
        ["sts:SetSourceIdentity", "trust"],
        ["sts:SetSourceIdentity", "identity"],
      ]);
      const last = ctx.calls[2]!;
      assert.deepEqual([last.resource, last.resourceAccount, last.context?.["sts:SourceIdentity"]], [role.arn, ACCOUNT, "alice"]);
    };
    const inherits = principals.role(ACCOUNT, "First", "AROAFIRST000000000001", "s1", { sourceIdentity: "alice" });
    const fresh = principals.role(ACCOUNT, "First", "AROAFIRST000000000001", "s1");
    for (const [principal, input] of [
      [inherits, {}],
      [fresh, { SourceIdentity: "alice" }],
    ] as const) {
      const ok = fakeContext({ principal, now: NOW });
      assert.equal((await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2", ...input }, ok)).SourceIdentity, "alice");
      expectedCalls(ok);
      await expectAwsError(
        f.call("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s2", ...input }, fakeContext({ principal, now: NOW, deny: identityOnly })),
        "AccessDeniedException",
        `User: ${principal.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.arn}`,
      );
    }
    // Long-term credentials: the trust policy decides, as before.
    const user = userCtx(identityOnly);
    await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s3", SourceIdentity: "alice" }, user);
    assert.deepEqual(user.calls.map((c) => c.action), ["sts:AssumeRole", "sts:SetSourceIdentity"]);
    // An IAM user's GetSessionToken credentials are not role chaining: the trust policy decides too.
    const sessionUser = fakeContext({ principal: { ...principals.user(ACCOUNT, "alice"), isSessionToken: true, accessKeyId: "ASIAEXAMPLE000000010" }, now: NOW, deny: identityOnly });
    await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "s4", SourceIdentity: "alice" }, sessionUser);
    assert.deepEqual(sessionUser.calls.map((c) => c.action), ["sts:AssumeRole", "sts:SetSourceIdentity"]);
  });

  test("cross-account roles: the session belongs to the role's account", async () => {
    const f = stsFixture();
    const role = await f.role("Audit", { accountId: OTHER_ACCOUNT });
    const ctx = userCtx();
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "x-acct" }, ctx);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/Audit/x-acct`);
    assert.equal(ctx.calls[0]?.resourceAccount, OTHER_ACCOUNT);
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.accountId, OTHER_ACCOUNT);
    // The ASIA id names the role's account, as offline decoders and GetAccessKeyInfo read it.
    assert.equal(accessKeyIdAccount(out.Credentials.AccessKeyId), OTHER_ACCOUNT);
  });

  test("roles with a path: the assumed-role ARN carries only the role name", async () => {
    const f = stsFixture();
    const role = await f.iam.createRole({ accountId: ACCOUNT, region: "" }, { roleName: "Pathy", path: "/team/a/", assumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }] }) });
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "pp" }, userCtx());
    assert.equal(role.arn, `arn:aws:iam::${ACCOUNT}:role/team/a/Pathy`);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Pathy/pp`);
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.roleArn, role.arn);
  });

  test("MinimumSessionTokenSize pads the token", async () => {
    const f = stsFixture();
    const role = await f.role("R");
    const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "ok", MinimumSessionTokenSize: 2000 }, userCtx());
    assert.ok(out.Credentials.SessionToken.length >= 2000 && out.Credentials.SessionToken.length < 2010);
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, 49); // 2,000+ of 4,096 bytes
  });
});
