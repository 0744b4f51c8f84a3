/**
 * OIDC federation through the real server with the official SDK clients: an IAM OIDC
 * provider for an in-process HTTPS issuer (its own CA, trusted through BULWARK_OIDC_CA_FILE),
 * a role trusting it with a `sub` condition, AssumeRoleWithWebIdentity (unsigned) and the
 * issued credentials used for a signed call.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  IAMClient,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  DeleteOpenIDConnectProviderCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ecKey, mintToken, rsaKey, startTestIssuer, type SigningKey, type TestIssuer } from "../../src/services/sts/testing/oidc-issuer.js";
import { startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let issuer: TestIssuer;
let rsa: SigningKey;
let caDir: string;

before(async () => {
  rsa = rsaKey("k1");
  issuer = await startTestIssuer([rsa, ecKey("k2")]);
  caDir = mkdtempSync(path.join(tmpdir(), "bulwark-oidc-ca-"));
  const caFile = path.join(caDir, "issuer-ca.pem");
  writeFileSync(caFile, issuer.caCertPem);
  s = await startTestServer({ env: { BULWARK_OIDC_CA_FILE: caFile } });
});
after(async () => {
  await s.destroy();
  await issuer.close();
  rmSync(caDir, { recursive: true, force: true });
});

test("OIDC provider + trust policy: AssumeRoleWithWebIdentity issues credentials that work; mismatches and expiry fail as in AWS", async () => {
  const iam = new IAMClient(s.clientConfig());
  const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["sts.amazonaws.com"], Tags: [{ Key: "env", Value: "test" }] }));
  const providerArn = `arn:aws:iam::${s.accountId}:oidc-provider/${issuer.host}`;
  assert.equal(created.OpenIDConnectProviderArn, providerArn);
  await assert.rejects(iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url })), (e: any) => e.name === "EntityAlreadyExistsException" && e.$metadata.httpStatusCode === 409);
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
  assert.equal(got.Url, issuer.host);
  assert.deepEqual(got.ClientIDList, ["sts.amazonaws.com"]);
  const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  assert.deepEqual(listed.OpenIDConnectProviderList?.map((p) => p.Arn), [providerArn]);

  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuer.host}:aud`]: "sts.amazonaws.com", [`${issuer.host}:sub`]: "repo:acme/app:ref:refs/heads/main" } },
      },
    ],
  };
  const role = await iam.send(new CreateRoleCommand({ RoleName: "ci-deploy", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "ci-deploy", PolicyName: "read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:GetRole", Resource: "*" }] }) }));

  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer.url, aud: "sts.amazonaws.com", sub: "repo:acme/app:ref:refs/heads/main", iat: now - 10, nbf: now - 10, exp: now + 300 };
  const token = mintToken(rsa, claims);
  const sts = new STSClient(s.clientConfig());
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-1", WebIdentityToken: token }));
  assert.equal(out.SubjectFromWebIdentityToken, claims.sub);
  assert.equal(out.Provider, issuer.url);
  assert.equal(out.Audience, "sts.amazonaws.com");
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${s.accountId}:assumed-role/ci-deploy/run-1`);

  const creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
  const who = await new STSClient(s.clientConfig(creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.accountId}:assumed-role/ci-deploy/run-1`);

  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-2", WebIdentityToken: mintToken(rsa, { ...claims, sub: "repo:acme/app:pull_request" }) })),
    (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403 && e.message === "Not authorized to perform sts:AssumeRoleWithWebIdentity",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-3", WebIdentityToken: mintToken(rsa, { ...claims, aud: "other" }) })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === "Incorrect token audience",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-4", WebIdentityToken: mintToken(rsa, { ...claims, exp: now - 100 }) })),
    (e: any) => e.name === "ExpiredTokenException" && /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/.test(e.message),
  );

  // Session tags from the token's https://aws.amazon.com/tags claim reach policy evaluation (aws:PrincipalTag).
  const taggedTrust = { ...trust, Statement: [{ ...trust.Statement[0], Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] }] };
  const tagged = await iam.send(new CreateRoleCommand({ RoleName: "ci-tagged", AssumeRolePolicyDocument: JSON.stringify(taggedTrust) }));
  const onlyApollo = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/Project": "Apollo" } } }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: "ci-tagged", PolicyName: "by-tag", PolicyDocument: JSON.stringify(onlyApollo) }));
  const tagsClaim = (project: string) => ({ "https://aws.amazon.com/tags": { principal_tags: { Project: [project] }, transitive_tag_keys: ["Project"] } });
  const withTags = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Apollo") }) }));
  assert.ok((withTags.PackedPolicySize ?? 0) > 0);
  const taggedCreds = { accessKeyId: withTags.Credentials!.AccessKeyId!, secretAccessKey: withTags.Credentials!.SecretAccessKey!, sessionToken: withTags.Credentials!.SessionToken! };
  await new IAMClient(s.clientConfig(taggedCreds)).send(new ListRolesCommand({}));
  const otherTag = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "tagged", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Gemini") }) }));
  const otherCreds = { accessKeyId: otherTag.Credentials!.AccessKeyId!, secretAccessKey: otherTag.Credentials!.SecretAccessKey!, sessionToken: otherTag.Credentials!.SessionToken! };
  await assert.rejects(new IAMClient(s.clientConfig(otherCreds)).send(new ListRolesCommand({})), (e: any) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403);
  // Without sts:TagSession in the trust policy, a token with tags is refused.
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-t", WebIdentityToken: mintToken(rsa, { ...claims, ...tagsClaim("Apollo") }) })),
    (e: any) => e.name === "AccessDenied" && e.message === "Not authorized to perform sts:TagSession",
  );
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: tagged.Role!.Arn!, RoleSessionName: "bad", WebIdentityToken: mintToken(rsa, { ...claims, "https://aws.amazon.com/tags": { principal_tags: { a: ["1"], A: ["2"] } } }) })),
    (e: any) => e.name === "InvalidParameterValue" && e.message === "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
  );

  // CloudTrail records the call without the token, made by the web identity user.
  const trail = new CloudTrailClient(s.clientConfig());
  const events = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRoleWithWebIdentity" }] }));
  assert.ok((events.Events?.length ?? 0) > 0);
  for (const ev of events.Events ?? []) assert.ok(!ev.CloudTrailEvent?.includes(token.split(".")[2]!), "the token never reaches the audit log");
  const first = (events.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.errorCode === undefined && e.responseElements?.assumedRoleUser?.arn?.endsWith("/ci-deploy/run-1"));
  assert.ok(first, "the successful call is recorded");
  assert.deepEqual(first.userIdentity, { type: "WebIdentityUser", principalId: `${providerArn}:sts.amazonaws.com:${claims.sub}`, userName: claims.sub, identityProvider: providerArn });
  assert.equal(first.recipientAccountId, s.accountId);
  // Calls made with the session name the OIDC provider in the session context.
  const who2 = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: creds.accessKeyId }] }));
  const sessionCall = (who2.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.eventName === "GetCallerIdentity");
  assert.deepEqual(sessionCall?.userIdentity.sessionContext.webIdFederationData, { federatedProvider: providerArn, attributes: {} });

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
  await assert.rejects(
    sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "run-5", WebIdentityToken: token })),
    (e: any) => e.name === "InvalidIdentityTokenException" && e.message === `No OpenIDConnect provider found in your account for ${issuer.host}`,
  );
});
