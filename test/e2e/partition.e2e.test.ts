/**
 * An installation of the AWS European Sovereign Cloud partition (BULWARK_PARTITION=aws-eusc),
 * driven through the official clients: every ARN it makes is `arn:aws-eusc:…`, ARNs of that
 * partition name its users, roles, policies and keys (trust and key policies included), and the
 * same ARNs in the `aws` partition name nothing. A restart of its data directory for another
 * partition is refused.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, AttachRolePolicyCommand, AttachUserPolicyCommand, CreateRoleCommand, CreateSAMLProviderCommand, GetPolicyCommand, GetRoleCommand, ListAttachedRolePoliciesCommand, ListUsersCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand, AssumeRoleWithSAMLCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { KMSClient, CreateAliasCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient, CreateOrganizationCommand } from "@aws-sdk/client-organizations";
import { WAFV2Client, CreateIPSetCommand } from "@aws-sdk/client-wafv2";
import { ShieldClient, CreateSubscriptionCommand, DescribeSubscriptionCommand } from "@aws-sdk/client-shield";
import { ElasticLoadBalancingV2Client, CreateTargetGroupCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { StartupError } from "../../src/app.js";
import { eventually, newUser, startTestServer, type Creds, type TestServer } from "./harness.js";
import { rejectsWith } from "./kms-support.js";
import { runCli } from "./crypto-cli.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ATTR, createTestIdp, samlResponse, type ResponseOptions } from "../../src/services/sts/testing/saml-idp.js";

const P = "aws-eusc";
const REGION = "eusc-de-east-1";
let s: TestServer;
before(async () => {
  s = await startTestServer({ env: { BULWARK_PARTITION: P, BULWARK_REGION: REGION } });
});
after(async () => {
  await s.destroy();
});

const iam = () => new IAMClient(s.clientConfig(s.admin, REGION));
const kms = (creds?: Creds) => new KMSClient(s.clientConfig(creds, REGION));
const utf8 = (t: string) => new TextEncoder().encode(t);

test("STS GetCallerIdentity names the admin by its aws-eusc ARN; IAM lists it so", async () => {
  const me = await new STSClient(s.clientConfig(s.admin, REGION)).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, `arn:${P}:iam::${s.accountId}:user/admin`);
  assert.equal(me.Account, s.accountId);
  const users = await iam().send(new ListUsersCommand({}));
  assert.deepEqual(users.Users?.map((u) => u.Arn), [`arn:${P}:iam::${s.accountId}:user/admin`]);
});

test("a role trusting arn:aws-eusc:…:root is assumed by its aws-eusc ARN; the session is arn:aws-eusc:sts::…:assumed-role/…; an aws ARN names no role", async () => {
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:${P}:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  const role = (await iam().send(new CreateRoleCommand({ RoleName: "eusc-deploy", Path: "/team/", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
  assert.equal(role.Arn, `arn:${P}:iam::${s.accountId}:role/team/eusc-deploy`);
  const sts = new STSClient(s.clientConfig(s.admin, REGION));
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "ci" }));
  assert.equal(out.AssumedRoleUser?.Arn, `arn:${P}:sts::${s.accountId}:assumed-role/eusc-deploy/ci`);
  const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
  const who = await new STSClient(s.clientConfig(session, REGION)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:${P}:sts::${s.accountId}:assumed-role/eusc-deploy/ci`);
  // The same role in the aws partition does not exist here.
  await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/team/eusc-deploy`, RoleSessionName: "ci" })), (e: { name?: string }) => e.name === "AccessDenied");
  // A trust policy naming an aws-partition principal names nobody here: refused as IAM refuses an invalid principal.
  const foreign = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }] };
  await assert.rejects(iam().send(new CreateRoleCommand({ RoleName: "foreign-trust", AssumeRolePolicyDocument: JSON.stringify(foreign) })), (e: { name?: string }) => e.name === "MalformedPolicyDocumentException");
});

test("AWS managed policies are arn:aws-eusc:iam::aws:policy/…; the aws partition's ARN is ValidationError 'Invalid ARN partition'", async () => {
  const readOnly = `arn:${P}:iam::aws:policy/ReadOnlyAccess`;
  const got = (await iam().send(new GetPolicyCommand({ PolicyArn: readOnly }))).Policy!;
  assert.equal(got.Arn, readOnly);
  await iam().send(new AttachRolePolicyCommand({ RoleName: "eusc-deploy", PolicyArn: readOnly }));
  const attached = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: "eusc-deploy" }));
  assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: "ReadOnlyAccess", PolicyArn: readOnly }]);
  const invalidPartition = (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.message, "Invalid ARN partition");
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  };
  await assert.rejects(iam().send(new AttachRolePolicyCommand({ RoleName: "eusc-deploy", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })), invalidPartition);
  await assert.rejects(iam().send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })), invalidPartition);
  // A policy document naming another partition's resources: MalformedPolicyDocument, as IAM words it.
  await assert.rejects(
    iam().send(new PutRolePolicyCommand({ RoleName: "eusc-deploy", PolicyName: "logs", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "arn:aws:logs:*:*:*" }] }) })),
    (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "MalformedPolicyDocumentException");
      assert.equal(e.message, 'Partition "aws" is not valid for resource "arn:aws:logs:*:*:*".');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return true;
    },
  );
  await iam().send(new PutRolePolicyCommand({ RoleName: "eusc-deploy", PolicyName: "logs", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:*", Resource: `arn:${P}:logs:*:*:*` }] }) }));
});

test("KMS keys and aliases are arn:aws-eusc:kms:eusc-de-east-1:…; Encrypt/Decrypt by key ARN and alias ARN; an aws key ARN is not found", async () => {
  const key = (await kms().send(new CreateKeyCommand({ Description: "eusc" }))).KeyMetadata!;
  assert.equal(key.Arn, `arn:${P}:kms:${REGION}:${s.accountId}:key/${key.KeyId}`);
  await kms().send(new CreateAliasCommand({ AliasName: "alias/eusc", TargetKeyId: key.KeyId }));
  const aliasArn = `arn:${P}:kms:${REGION}:${s.accountId}:alias/eusc`;
  for (const id of [key.Arn!, aliasArn]) {
    const enc = await kms().send(new EncryptCommand({ KeyId: id, Plaintext: utf8("sovereign") }));
    assert.equal(enc.KeyId, key.Arn);
    const dec = await kms().send(new DecryptCommand({ KeyId: id, CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), "sovereign");
    assert.equal(dec.KeyId, key.Arn);
  }
  await rejectsWith(kms().send(new EncryptCommand({ KeyId: `arn:aws:kms:${REGION}:${s.accountId}:key/${key.KeyId}`, Plaintext: utf8("x") })), { name: "NotFoundException", message: "Invalid arn aws" });
  await rejectsWith(kms().send(new EncryptCommand({ KeyId: `arn:aws:kms:${REGION}:${s.accountId}:alias/eusc`, Plaintext: utf8("x") })), { name: "NotFoundException", message: "Invalid arn aws" });
});

test("bulwark decrypt in discovery mode limited to accounts: their partition is the installation's unless given", async () => {
  const home = mkdtempSync(path.join(tmpdir(), "bulwark-cli-"));
  try {
    const key = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
    const region = { AWS_REGION: REGION };
    const enc = await runCli(s, home, ["encrypt", "-i", "-", "-o", "-", "--wrapping-keys", `key=${key.Arn}`], "sovereign data", region);
    assert.equal(enc.code, 0, enc.stderr);
    const ct = path.join(home, "msg.enc");
    writeFileSync(ct, enc.stdout);
    const found = await runCli(s, home, ["decrypt", "-i", ct, "-o", "-", "--wrapping-keys", "discovery=true", `discovery-account=${s.accountId}`], undefined, region);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout.toString(), "sovereign data");
    // Another partition named: this installation's keys are not in it.
    const aws = await runCli(s, home, ["decrypt", "-i", ct, "-o", "-", "--wrapping-keys", "discovery=true", `discovery-account=${s.accountId}`, "discovery-partition=aws"], undefined, region);
    assert.notEqual(aws.code, 0);
    assert.equal(aws.stdout.length, 0);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("a key policy naming a user by its aws-eusc ARN is enforced: allowed, denied, and others not allowed", async () => {
  const alice = await newUser(s, "alice");
  const bob = await newUser(s, "bob", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] });
  const carol = await newUser(s, "carol");
  assert.equal(alice.arn, `arn:${P}:iam::${s.accountId}:user/alice`);
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:${P}:iam::${s.accountId}:root` }, Action: "kms:*", Resource: "*" },
      { Sid: "Alice", Effect: "Allow", Principal: { AWS: alice.arn }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
      { Sid: "NotBob", Effect: "Deny", Principal: { AWS: bob.arn }, Action: "kms:Encrypt", Resource: "*" },
    ],
  };
  const key = (await kms().send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }))).KeyMetadata!;
  // Alice has no IAM policy: the key policy alone allows her.
  const enc = await eventually(async () => kms(alice).send(new EncryptCommand({ KeyId: key.Arn, Plaintext: utf8("a") })).catch(() => undefined));
  assert.equal((await kms(alice).send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).KeyId, key.Arn);
  // Bob's IAM policy allows kms:*, the key policy denies him Encrypt by his ARN.
  await rejectsWith(kms(bob).send(new EncryptCommand({ KeyId: key.Arn, Plaintext: utf8("b") })), {
    name: "AccessDeniedException",
    message: `User: ${bob.arn} is not authorized to perform: kms:Encrypt on resource: ${key.Arn} with an explicit deny in a resource-based policy`,
  });
  assert.equal((await kms(bob).send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).KeyId, key.Arn);
  // Carol is named nowhere.
  await rejectsWith(kms(carol).send(new EncryptCommand({ KeyId: key.Arn, Plaintext: utf8("c") })), { name: "AccessDeniedException", message: new RegExp(`^User: arn:${P}:iam::${s.accountId}:user/carol is not authorized to perform: kms:Encrypt on resource: ${key.Arn}`) });
  // A key policy naming the aws partition's user names no principal of this installation.
  const foreign = { Version: "2012-10-17", Statement: [policy.Statement[0], { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:user/alice` }, Action: "kms:Encrypt", Resource: "*" }] };
  await rejectsWith(kms().send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: "default", Policy: JSON.stringify(foreign) })), { name: "MalformedPolicyDocumentException" });
});

test("Organizations, WAFv2, Shield and ELBv2 make aws-eusc ARNs; ELB's service-linked role holds its managed policy there", async () => {
  const org = (await new OrganizationsClient(s.clientConfig(s.admin, REGION)).send(new CreateOrganizationCommand({ FeatureSet: "ALL" }))).Organization!;
  assert.match(org.Arn!, new RegExp(`^arn:${P}:organizations::${s.accountId}:organization/o-[a-z0-9]+$`));
  assert.equal(org.MasterAccountArn, `arn:${P}:organizations::${s.accountId}:account/${org.Id}/${s.accountId}`);
  const ipSet = (await new WAFV2Client(s.clientConfig(s.admin, REGION)).send(new CreateIPSetCommand({ Name: "eusc", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] }))).Summary!;
  assert.equal(ipSet.ARN, `arn:${P}:wafv2:${REGION}:${s.accountId}:regional/ipset/eusc/${ipSet.Id}`);
  const shield = new ShieldClient(s.clientConfig(s.admin, REGION));
  await shield.send(new CreateSubscriptionCommand({}));
  assert.match((await shield.send(new DescribeSubscriptionCommand({}))).Subscription!.SubscriptionArn!, new RegExp(`^arn:${P}:shield::${s.accountId}:subscription/`));
  const tg = (await new ElasticLoadBalancingV2Client(s.clientConfig(s.admin, REGION)).send(new CreateTargetGroupCommand({ Name: "eusc-tg", Protocol: "HTTP", Port: 80 }))).TargetGroups![0]!;
  assert.match(tg.TargetGroupArn!, new RegExp(`^arn:${P}:elasticloadbalancing:${REGION}:${s.accountId}:targetgroup/eusc-tg/[0-9a-f]{16}$`));
  const role = (await iam().send(new GetRoleCommand({ RoleName: "AWSServiceRoleForElasticLoadBalancing" }))).Role!;
  assert.equal(role.Arn, `arn:${P}:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`);
  const attached = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: "AWSServiceRoleForElasticLoadBalancing" }));
  assert.deepEqual(attached.AttachedPolicies?.map((p) => p.PolicyArn), [`arn:${P}:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy`]);
  // The admin's own managed policy, attached at first start, is in the partition too.
  await assert.rejects(iam().send(new AttachUserPolicyCommand({ UserName: "admin", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })), (e: { name?: string; message?: string }) => e.name === "ValidationError" && e.message === "Invalid ARN partition");
});

test("CloudTrail LookupEvents shows the calls with aws-eusc ARNs: the caller and the resources", async () => {
  const ct = new CloudTrailClient(s.clientConfig(s.admin, REGION));
  const key = (await kms().send(new CreateKeyCommand({ Description: "audited" }))).KeyMetadata!;
  const events = await eventually(async () => {
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: key.Arn! }] }));
    return r.Events?.length ? r.Events : undefined;
  });
  const created = events.find((e) => e.EventName === "CreateKey")!;
  assert.deepEqual(created.Resources, [{ ResourceType: "AWS::KMS::Key", ResourceName: key.Arn }]);
  const rec = JSON.parse(created.CloudTrailEvent!) as { userIdentity: { arn: string }; awsRegion: string; resources?: Array<{ ARN: string }> };
  assert.equal(rec.userIdentity.arn, `arn:${P}:iam::${s.accountId}:user/admin`);
  assert.equal(rec.awsRegion, REGION);
  // The successful AssumeRole (the one of the aws partition's ARN was refused: no response elements).
  const assumed = await eventually(async () => (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRole" }] }))).Events?.find((e) => !JSON.parse(e.CloudTrailEvent!).errorCode));
  const assumedRec = JSON.parse(assumed.CloudTrailEvent!) as { responseElements: { assumedRoleUser: { arn: string } }; resources: Array<{ ARN: string }> };
  assert.equal(assumedRec.responseElements.assumedRoleUser.arn, `arn:${P}:sts::${s.accountId}:assumed-role/eusc-deploy/ci`);
  assert.ok(assumedRec.resources.some((r) => r.ARN === `arn:${P}:iam::${s.accountId}:role/team/eusc-deploy`), JSON.stringify(assumedRec.resources));
});

test("SAML federation in aws-eusc: the partition's sign-in endpoint is the Recipient and Audience; the aws partition's is not an AWS SAML endpoint here", async () => {
  const idp = await createTestIdp("https://idp.eusc.example/saml");
  const providerArn = (await iam().send(new CreateSAMLProviderCommand({ Name: "EuscCorp", SAMLMetadataDocument: idp.metadata() }))).SAMLProviderArn!;
  assert.equal(providerArn, `arn:${P}:iam::${s.accountId}:saml-provider/EuscCorp`);
  const endpoint = "https://signin.amazonaws-eusc.eu/saml";
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithSAML", Condition: { StringEquals: { "SAML:aud": endpoint } } }] };
  const roleArn = (await iam().send(new CreateRoleCommand({ RoleName: "eusc-saml", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
  const assertion = (o: Partial<ResponseOptions>) =>
    samlResponse(idp, { now: Date.now(), attributes: { [ATTR.role]: [`${roleArn},${providerArn}`], [ATTR.sessionName]: ["alice"] }, recipient: endpoint, audience: endpoint, ...o });
  const sts = new STSClient(s.clientConfig(s.admin, REGION));
  const out = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion({}) }));
  assert.equal(out.Audience, endpoint);
  assert.equal(out.AssumedRoleUser?.Arn, `arn:${P}:sts::${s.accountId}:assumed-role/eusc-saml/alice`);
  // The Region's own endpoint of the partition is one too: accepted as the Recipient, then refused by the trust policy, which names the global one.
  const regional = `https://${REGION}.signin.amazonaws-eusc.eu/saml`;
  await rejectsWith(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion({ recipient: regional, audience: regional }) })), {
    name: "AccessDenied",
    status: 403,
    message: "Not authorized to perform sts:AssumeRoleWithSAML",
  });
  // The aws partition's sign-in endpoint is no AWS SAML endpoint of this installation.
  for (const other of ["https://signin.aws.amazon.com/saml", "https://signin.amazonaws.cn/saml"]) {
    await rejectsWith(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion({ recipient: other }) })), {
      name: "InvalidIdentityTokenException",
      message: `The SAML assertion's Recipient ${other} is not an AWS SAML endpoint`,
    });
  }
});

test("the data directory keeps its partition: a restart for another one is refused, naming both; for aws-eusc, or naming none, it starts in aws-eusc", async () => {
  await s.stop();
  for (const other of ["aws", "aws-cn"]) {
    await assert.rejects(
      startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey, env: { BULWARK_PARTITION: other } }),
      (e: unknown) =>
        e instanceof StartupError &&
        e.message === `The data directory ${s.dataDir} was created for the ${P} partition; it cannot be started for the ${other} partition (BULWARK_PARTITION, --partition or "partition" in the config file). The partition is fixed when a data directory is created: its ARNs are stored in policies, grants and keys.`,
    );
  }
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey, env: { BULWARK_PARTITION: P } });
  const me = await new STSClient(s.clientConfig(s.admin, REGION)).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, `arn:${P}:iam::${s.accountId}:user/admin`);
  // No partition given: the data directory's own.
  await s.stop();
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey });
  const again = await new STSClient(s.clientConfig(s.admin, REGION)).send(new GetCallerIdentityCommand({}));
  assert.equal(again.Arn, `arn:${P}:iam::${s.accountId}:user/admin`);
});
