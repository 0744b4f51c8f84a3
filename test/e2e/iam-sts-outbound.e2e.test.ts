/**
 * Outbound identity federation through the real server with the official SDK clients: IAM
 * enables the account's issuer, STS GetWebIdentityToken issues JWTs, the issuer's OpenID
 * discovery documents and JWKS are fetched over HTTPS from Bulwark without credentials, and the
 * signatures are verified with node:crypto. Policies limit audience, algorithm and lifetime;
 * tokens are refused by Bulwark's own AssumeRoleWithWebIdentity.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import {
  IAMClient,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DisableOutboundWebIdentityFederationCommand,
  EnableOutboundWebIdentityFederationCommand,
  GetOutboundWebIdentityFederationInfoCommand,
  PutRolePolicyCommand,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetWebIdentityTokenCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, CreateOrganizationCommand, ListRootsCommand } from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, newUser, type TestServer, type Creds } from "./harness.js";
import { rejectsWith } from "./kms-support.js";

const NS = "https://sts.amazonaws.com/";
const API = "https://api.example.com";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

/** GET over HTTPS trusting only Bulwark's CA, without credentials. */
function fetchPublic(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: s.app.caCertPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }));
      })
      .on("error", reject);
  });
}

/** Verifies a compact JWS against the issuer's published keys (node:crypto only); returns header and claims. */
async function verifyWithIssuerKeys(token: string, issuer: string): Promise<{ header: Record<string, string>; claims: Record<string, any> }> {
  const config = JSON.parse((await fetchPublic(`${issuer}/.well-known/openid-configuration`)).body) as { jwks_uri: string };
  const jwks = JSON.parse((await fetchPublic(config.jwks_uri)).body) as { keys: Array<JsonWebKey & { kid: string }> };
  const [h, p, sig] = token.split(".") as [string, string, string];
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, string>;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `the JWKS has key ${header.kid}`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const data = Buffer.from(`${h}.${p}`);
  const ok =
    header.alg === "RS256"
      ? verify("sha256", data, key, Buffer.from(sig, "base64url"))
      : verify("sha384", data, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"));
  assert.ok(ok, "the signature verifies with the published key");
  return { header, claims: JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, any> };
}

test("outbound identity federation: enable, GetWebIdentityToken, verify with the published JWKS, policy limits, disable", async () => {
  const iam = new IAMClient(s.clientConfig());
  const adminSts = new STSClient(s.clientConfig());
  await rejectsWith(iam.send(new GetOutboundWebIdentityFederationInfoCommand({})), {
    name: "FeatureDisabledException",
    status: 404,
    message: `Outbound identity federation is disabled for account ${s.accountId}`,
  });
  await rejectsWith(adminSts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "RS256" })), {
    name: "OutboundWebIdentityFederationDisabledException",
    status: 403,
    message: "Outbound web identity federation is disabled for this account.",
  });

  const { IssuerIdentifier: issuer } = await iam.send(new EnableOutboundWebIdentityFederationCommand({}));
  assert.match(issuer ?? "", new RegExp(`^${s.app.url.replace(/[.]/g, "\\.")}/outbound/[0-9a-f-]{36}$`));
  await rejectsWith(iam.send(new EnableOutboundWebIdentityFederationCommand({})), {
    name: "FeatureEnabledException",
    status: 409,
    message: `Outbound identity federation is already enabled for account ${s.accountId}`,
  });
  const info = await iam.send(new GetOutboundWebIdentityFederationInfoCommand({}));
  assert.deepEqual([info.IssuerIdentifier, info.JwtVendingEnabled], [issuer, true]);

  // The discovery document, served by Bulwark to anyone.
  const discovery = await fetchPublic(`${issuer}/.well-known/openid-configuration`);
  assert.equal(discovery.status, 200);
  assert.equal(discovery.type, "application/json");
  assert.deepEqual(JSON.parse(discovery.body), {
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "jti", NS],
    id_token_signing_alg_values_supported: ["RS256", "ES384"],
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
  });
  assert.equal((await fetchPublic(`${s.app.url}/outbound/00000000-0000-4000-8000-000000000000/.well-known/jwks.json`)).status, 404);

  // The account is in an organization: the token names it.
  const orgs = new OrganizationsClient(s.clientConfig());
  const org = (await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }))).Organization!;
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;

  // A workload may ask only for ES384 tokens for one audience, at most 10 minutes long.
  const workload = await newUser(s, "workload", {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"],
        Resource: "*",
        Condition: {
          "ForAllValues:StringEquals": { "sts:IdentityTokenAudience": [API] },
          StringEquals: { "sts:SigningAlgorithm": "ES384" },
          NumericLessThanEquals: { "sts:DurationSeconds": 600 },
        },
      },
    ],
  });
  await iam.send(new TagUserCommand({ UserName: "workload", Tags: [{ Key: "Team", Value: "platform" }] }));
  const sts = new STSClient(s.clientConfig(workload));
  const before = Math.floor(Date.now() / 1000);
  const out = await sts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "ES384", DurationSeconds: 300, Tags: [{ Key: "job", Value: "42" }] }));
  const token = out.WebIdentityToken!;
  const { header, claims } = await verifyWithIssuerKeys(token, issuer!);
  assert.deepEqual(header, { kid: "EC384_0", typ: "JWT", alg: "ES384" });
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, API);
  assert.equal(claims.sub, workload.arn);
  assert.ok(claims.iat >= before - 1 && claims.iat <= Math.floor(Date.now() / 1000) + 1);
  assert.equal(claims.exp - claims.iat, 300);
  assert.equal(claims.exp, Math.floor(out.Expiration!.getTime() / 1000));
  assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(claims[NS], {
    aws_account: s.accountId,
    source_region: "us-east-1",
    org_id: org.Id,
    ou_path: [`${org.Id}/${rootId}/`],
    principal_id: workload.arn,
    principal_tags: { Team: "platform" },
    request_tags: { job: "42" },
  });

  // The policy's condition keys hold.
  for (const input of [
    { Audience: [API], SigningAlgorithm: "RS256" },
    { Audience: [API, "https://other.example.com"], SigningAlgorithm: "ES384" },
    { Audience: [API], SigningAlgorithm: "ES384", DurationSeconds: 900 },
  ]) {
    await rejectsWith(sts.send(new GetWebIdentityTokenCommand(input)), {
      name: "AccessDenied",
      status: 403,
      message: `User: ${workload.arn} is not authorized to perform: sts:GetWebIdentityToken on resource: * because no identity-based policy allows the sts:GetWebIdentityToken action`,
    });
  }
  await rejectsWith(sts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "HS256" })), {
    name: "ValidationError",
    message: "1 validation error detected: Value 'HS256' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
  });

  // RS256 for the administrator, several audiences.
  const rs = await adminSts.send(new GetWebIdentityTokenCommand({ Audience: ["a", "b"], SigningAlgorithm: "RS256" }));
  const rsv = await verifyWithIssuerKeys(rs.WebIdentityToken!, issuer!);
  assert.deepEqual([rsv.header.kid, rsv.header.alg, rsv.claims.aud, rsv.claims.exp - rsv.claims.iat], ["RSA_0", "RS256", ["a", "b"], 300]);

  // A role session cannot get a token that outlives it.
  await iam.send(
    new CreateRoleCommand({
      RoleName: "caller",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] }),
    }),
  );
  await iam.send(new PutRolePolicyCommand({ RoleName: "caller", PolicyName: "tokens", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:GetWebIdentityToken", Resource: "*" }] }) }));
  const session = (await adminSts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/caller`, RoleSessionName: "s1", DurationSeconds: 900 }))).Credentials!;
  const roleCreds: Creds = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
  const roleSts = new STSClient(s.clientConfig(roleCreds));
  await rejectsWith(roleSts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "RS256", DurationSeconds: 3600 })), {
    name: "SessionDurationEscalationException",
    status: 403,
  });
  const roleToken = await verifyWithIssuerKeys((await roleSts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "RS256" }))).WebIdentityToken!, issuer!);
  assert.equal(roleToken.claims.sub, `arn:aws:iam::${s.accountId}:role/caller`);
  assert.equal(roleToken.claims[NS].original_session_exp, session.Expiration!.toISOString().replace(/\.\d{3}Z$/, "Z"));

  // Not for federation into AWS, even through a provider registered for the issuer.
  const host = issuer!.slice("https://".length);
  const provider = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer!, ClientIDList: [API] }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: "federated",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: provider.OpenIDConnectProviderArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${host}:aud`]: API } } }],
      }),
    }),
  );
  await rejectsWith(
    new STSClient(s.clientConfig()).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/federated`, RoleSessionName: "fed-1", WebIdentityToken: token })),
    { name: "InvalidIdentityTokenException", message: "Web identity tokens issued by AWS STS GetWebIdentityToken cannot be used with AssumeRoleWithWebIdentity" },
  );

  // CloudTrail records the calls, never the token.
  const events = await new CloudTrailClient(s.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetWebIdentityToken" }] }));
  assert.ok((events.Events?.length ?? 0) >= 3);
  for (const ev of events.Events ?? []) {
    for (const t of [token, rs.WebIdentityToken!]) assert.ok(!ev.CloudTrailEvent?.includes(t.split(".")[2]!), "no token signature in the audit log");
  }

  // Disabled: no new tokens, the issuer and its keys stay published, the old token still verifies.
  await iam.send(new DisableOutboundWebIdentityFederationCommand({}));
  await rejectsWith(iam.send(new DisableOutboundWebIdentityFederationCommand({})), {
    name: "FeatureDisabledException",
    status: 404,
    message: `Outbound identity federation is already disabled for account ${s.accountId}`,
  });
  await rejectsWith(iam.send(new GetOutboundWebIdentityFederationInfoCommand({})), { name: "FeatureDisabledException", status: 404 });
  await rejectsWith(sts.send(new GetWebIdentityTokenCommand({ Audience: [API], SigningAlgorithm: "ES384" })), { name: "OutboundWebIdentityFederationDisabledException", status: 403 });
  await verifyWithIssuerKeys(token, issuer!);
  assert.deepEqual((await iam.send(new EnableOutboundWebIdentityFederationCommand({}))).IssuerIdentifier, issuer);
});
