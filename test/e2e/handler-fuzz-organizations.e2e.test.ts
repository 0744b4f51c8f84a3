/**
 * Handler-depth fuzz of AWS Organizations (every operation) and CloudTrail LookupEvents. A real
 * organization is built first: member accounts made by CreateAccount, OUs nested to the depth
 * limit, SCPs, RCPs and a policy of each enabled management type with attachments, a delegated
 * administrator, trusted access, tags, a delegation (resource) policy, handshakes in every state,
 * a second organization, and real NextTokens. Each operation's valid base request must succeed;
 * then one member at a time is replaced by a value of the right type that is wrong for the
 * situation (ids of the wrong kind or of the other organization, pattern boundaries, the
 * management account where it is forbidden, limits, states, the wrong party, forged tokens).
 * Answers are judged like the other handler fuzz's (handler-fuzz.ts): the exact AWS code, and
 * its Reason where AWS gives one. Afterwards the lists page to the end, the organization reads
 * consistently and a member account's OrganizationAccountAccessRole can still be assumed.
 * BULWARK_FUZZ_SEED picks another reproducible run.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  OrganizationsClient,
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  InviteAccountToOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListChildrenCommand,
  MoveAccountCommand,
  PutResourcePolicyCommand,
  RegisterDelegatedAdministratorCommand,
  RemoveAccountFromOrganizationCommand,
  TagResourceCommand,
  AcceptHandshakeCommand,
  DeclineHandshakeCommand,
  CancelHandshakeCommand,
  type PolicyType,
} from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { rng } from "../../src/core/testing/rng.js";
import type { ServiceDefinition } from "../../src/services/types.js";
import { eventually, startTestServer, type Creds, type TestServer } from "./harness.js";
import { memberAccount, memberRole, onServerClock, pastCreatedAccountWait } from "./kms-support.js";
import { FuzzWire, requestBody, type Random, type Reply } from "./input-fuzz.js";
import { OperationCases, capturedLog, codes, judge, HOSTILE_TEXT, ofLength, sampleOf, withReason, type Expect, type HostileCase, caseLists } from "./handler-fuzz.js";

const SEED = Number(process.env["BULWARK_FUZZ_SEED"] ?? 20_261_129);

const log = capturedLog();
let s: TestServer;
let wire: FuzzWire;

before(async () => {
  // More accounts than the default quota of 10 take part (the daily invitation limit alone is 20).
  s = await startTestServer({ plainHttp: true, logger: log.logger, env: { BULWARK_ORG_MAX_ACCOUNTS: "1000" } });
  wire = new FuzzWire(s, 2);
});

after(async () => {
  wire?.destroy();
  await s?.destroy();
});

const service = (name: string): ServiceDefinition => s.app.registry.all().find((d) => d.name === name)!;

interface Outcome {
  failures: string[];
  sent: number;
}

/** Sends the cases one after another (state changes stay in order) and judges every answer. */
async function run(svc: ServiceDefinition, cases: readonly HostileCase[], out: Outcome): Promise<void> {
  for (const c of cases) {
    out.sent++;
    let r: Reply;
    try {
      r = await wire.sendSigned(svc, c.operation, requestBody(svc, c.operation, c.input), c.creds, c.region);
    } catch (e) {
      out.failures.push(`${svc.name} ${c.operation} [${c.label}]: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const p = judge(svc, c.expect, r);
    if (p !== undefined) out.failures.push(`${svc.name} ${c.operation} [${c.label}]: ${p} — ${r.status} ${r.body.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Organizations: the world the cases act on

const SCP: PolicyType = "SERVICE_CONTROL_POLICY";
const RCP: PolicyType = "RESOURCE_CONTROL_POLICY";
/** A valid document of each management type enabled here (the types' syntax pages). */
const MANAGEMENT_DOCS: Partial<Record<PolicyType, object>> = {
  TAG_POLICY: { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } },
  BACKUP_POLICY: {
    plans: {
      daily: {
        regions: { "@@assign": ["us-east-1"] },
        rules: { r1: { target_backup_vault_name: { "@@assign": "Vault" }, schedule_expression: { "@@assign": "cron(0 5 ? * * *)" } } },
        selections: { tags: { t: { iam_role_arn: { "@@assign": "arn:aws:iam::$account:role/Backup" }, tag_key: { "@@assign": "dataType" }, tag_value: { "@@assign": ["PII"] } } } },
      },
    },
  },
  AISERVICES_OPT_OUT_POLICY: { services: { default: { opt_out_policy: { "@@assign": "optOut" } } } },
  CHATBOT_POLICY: { chatbot: { platforms: { slack: { client: { "@@assign": "disabled" } } } } },
  DECLARATIVE_POLICY_EC2: { ec2_attributes: { image_block_public_access: { state: { "@@assign": "block_new_sharing" } } } },
  SECURITYHUB_POLICY: { securityhub: { enable_in_regions: { "@@assign": ["us-east-1"] } } },
  INSPECTOR_POLICY: { inspector: { enablement: { ec2_scanning: { enable_in_regions: { "@@assign": ["us-east-1"] } } } } },
  BEDROCK_POLICY: { bedrock: { guardrail_inference: { "us-east-1": { config_1: { identifier: { "@@assign": "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc:1" } } } } } },
};
/** A type left disabled, for PolicyTypeNotEnabledException. */
const DISABLED_TYPE: PolicyType = "S3_POLICY";

const scpDoc = (sid: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: sid, Effect: "Deny", Action: "ec2:TerminateInstances", Resource: "*" }] });
const rcpDoc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:DeleteBucket", Resource: "*" }] });
/** An SCP of exactly `n` characters (the Sid pads it). */
function scpOfLength(n: number): string {
  const doc = scpDoc("");
  return scpDoc("S".repeat(n - doc.length));
}
/** A tag policy of exactly `n` characters. */
function tagPolicyOfLength(n: number): string {
  const doc = (pad: string) => JSON.stringify({ tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } }) + pad;
  return doc(" ".repeat(n - doc("").length));
}
const delegation = (accountId: string, actions: string[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Delegate", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: actions, Resource: "*" }] });

interface Member {
  accountId: string;
  admin: Creds;
}

interface OrgWorld {
  mgmt: string;
  orgId: string;
  root: string;
  /** a1 stays in the root (delegated administrator, tagged); a2 lives in ou1; victim is removed and closed by the base requests. */
  a1: Member;
  a2: Member;
  victim: Member;
  /** Out of the organization, invited (an OPEN, a declined and an accepted handshake go to it). */
  invitee: Member;
  /** Out of the organization too, with an invitation it declines. */
  invitee2: Member;
  /** Management account of a second organization. */
  foreign: { member: Member; orgId: string; root: string; ou: string; policy: string; handshake: string };
  /** ou1 > ou2 > ou3 > ou4 > ou5 (five levels, the limit). */
  ous: string[];
  emptyOu: string;
  scp: string;
  /** Four more SCPs attached to ou2, which then has five (the per-target limit). */
  scpsOnOu2: string[];
  spareScp: string;
  rcp: string;
  management: Partial<Record<PolicyType, string>>;
  disabledTypePolicy: string;
  openHandshake: string;
  openHandshake2: string;
  declinedHandshake: string;
  acceptedHandshake: string;
  canceledHandshake: string;
  createAccountRequest: string;
  tokens: { listAccounts: string; listChildrenRoot: string; listPoliciesScp: string; listOusRoot: string };
}

async function newAccount(orgs: OrganizationsClient, name: string): Promise<Member> {
  const req = await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }));
  const done = await eventually(async () => {
    const st = await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.CreateAccountStatus!.Id! }));
    return st.CreateAccountStatus?.State === "SUCCEEDED" ? st.CreateAccountStatus : undefined;
  });
  return { accountId: done.AccountId!, admin: await assumeAccessRole(done.AccountId!) };
}

async function assumeAccessRole(accountId: string): Promise<Creds> {
  const c = (await new STSClient(onServerClock(s)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: "fuzz" }))).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

async function orgWorld(): Promise<OrgWorld> {
  const orgs = new OrganizationsClient(onServerClock(s));
  const first = await memberAccount(s, "FuzzA1");
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  const root = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const [a2Created, victimCreated, inviteeCreated, foreignCreated] = [await newAccount(orgs, "FuzzA2"), await newAccount(orgs, "FuzzVictim"), await newAccount(orgs, "FuzzInvitee"), await newAccount(orgs, "FuzzForeign")];
  const invitee2Created = await newAccount(orgs, "FuzzInvitee2");
  // The accounts created here leave the organization below: four days after their creation.
  // Role sessions taken before have expired by then and are taken again.
  pastCreatedAccountWait(s, orgs);
  const again = async (m: Member): Promise<Member> => ({ accountId: m.accountId, admin: await memberRole(s, m.accountId) });
  const [a2, victim, invitee, foreignMember, invitee2] = [await again(a2Created), await again(victimCreated), await again(inviteeCreated), await again(foreignCreated), await again(invitee2Created)];
  const a1 = await again(first);

  // A second organization, made by an account that left this one.
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: foreignMember.accountId }));
  const fOrgs = new OrganizationsClient(onServerClock(s, foreignMember.admin));
  const fOrg = (await fOrgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }))).Organization!;
  const fRoot = (await fOrgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  await fOrgs.send(new EnablePolicyTypeCommand({ RootId: fRoot, PolicyType: SCP }));
  const fOu = (await fOrgs.send(new CreateOrganizationalUnitCommand({ ParentId: fRoot, Name: "foreign" }))).OrganizationalUnit!.Id!;
  const fPolicy = (await fOrgs.send(new CreatePolicyCommand({ Name: "foreign", Description: "", Type: SCP, Content: scpDoc("Foreign") }))).Policy!.PolicySummary!.Id!;
  const fHandshake = (await fOrgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: "999988887777" } }))).Handshake!.Id!;

  // OUs nested to the limit, and an empty one.
  const ous: string[] = [];
  for (let i = 1, parent = root; i <= 5; i++) {
    parent = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: `level${i}` }))).OrganizationalUnit!.Id!;
    ous.push(parent);
  }
  const emptyOu = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: "empty" }))).OrganizationalUnit!.Id!;
  await orgs.send(new MoveAccountCommand({ AccountId: a2.accountId, SourceParentId: root, DestinationParentId: ous[0] }));

  // Policy types, policies and attachments.
  for (const type of [SCP, RCP, ...(Object.keys(MANAGEMENT_DOCS) as PolicyType[])]) await orgs.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: type }));
  const policy = async (Name: string, Type: PolicyType, Content: string) => (await orgs.send(new CreatePolicyCommand({ Name, Description: "fuzz", Type, Content }))).Policy!.PolicySummary!.Id!;
  const scp = await policy("fuzz-scp", SCP, scpDoc("Base"));
  const scpsOnOu2 = [];
  for (let i = 0; i < 4; i++) scpsOnOu2.push(await policy(`fuzz-scp-ou2-${i}`, SCP, scpDoc(`Ou2x${i}`)));
  for (const p of scpsOnOu2) await orgs.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ous[1] }));
  const spareScp = await policy("fuzz-scp-spare", SCP, scpDoc("Spare"));
  await orgs.send(new AttachPolicyCommand({ PolicyId: scp, TargetId: ous[0] }));
  const rcp = await policy("fuzz-rcp", RCP, rcpDoc);
  await orgs.send(new AttachPolicyCommand({ PolicyId: rcp, TargetId: a1.accountId }));
  const management: Partial<Record<PolicyType, string>> = {};
  for (const [type, doc] of Object.entries(MANAGEMENT_DOCS) as Array<[PolicyType, object]>) {
    management[type] = await policy(`fuzz-${type.toLowerCase()}`, type, JSON.stringify(doc));
    await orgs.send(new AttachPolicyCommand({ PolicyId: management[type], TargetId: root }));
  }
  const disabledTypePolicy = await policy("fuzz-s3", DISABLED_TYPE, JSON.stringify({ s3_attributes: { public_access_block: { "@@assign": "all" } } }));

  // Trusted access, a delegated administrator, tags and a delegation policy.
  await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" }));
  await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: a1.accountId, ServicePrincipal: "iam.amazonaws.com" }));
  for (const id of [root, ous[0]!, a1.accountId, scp]) await orgs.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: "fuzz", Value: "1" }] }));
  await orgs.send(new PutResourcePolicyCommand({ Content: delegation(a1.accountId, ["organizations:ListAccounts", "organizations:DescribeOrganizationalUnit"]) }));

  // Handshakes: declined, accepted (the invitee leaves again), canceled, and one left open.
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: invitee.accountId }));
  const iOrgs = new OrganizationsClient(onServerClock(s, invitee.admin));
  const invite = async () => (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: invitee.accountId } }))).Handshake!.Id!;
  const declinedHandshake = await invite();
  await iOrgs.send(new DeclineHandshakeCommand({ HandshakeId: declinedHandshake }));
  const acceptedHandshake = await invite();
  await iOrgs.send(new AcceptHandshakeCommand({ HandshakeId: acceptedHandshake }));
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: invitee.accountId }));
  const canceledHandshake = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "EMAIL", Id: "nobody@example.com" } }))).Handshake!.Id!;
  await orgs.send(new CancelHandshakeCommand({ HandshakeId: canceledHandshake }));
  const openHandshake = await invite();
  await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: invitee2.accountId }));
  const openHandshake2 = (await orgs.send(new InviteAccountToOrganizationCommand({ Target: { Type: "ACCOUNT", Id: invitee2.accountId } }))).Handshake!.Id!;

  const createAccountRequest = (await orgs.send(new CreateAccountCommand({ AccountName: "FuzzExtra", Email: "fuzzextra@example.com" }))).CreateAccountStatus!.Id!;
  await eventually(async () => (await orgs.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createAccountRequest }))).CreateAccountStatus?.State === "SUCCEEDED");

  const tokens = {
    listAccounts: (await orgs.send(new ListAccountsCommand({ MaxResults: 1 }))).NextToken!,
    listChildrenRoot: (await orgs.send(new ListChildrenCommand({ ParentId: root, ChildType: "ORGANIZATIONAL_UNIT", MaxResults: 1 }))).NextToken!,
    listPoliciesScp: (await orgs.send(new ListPoliciesCommand({ Filter: SCP, MaxResults: 1 }))).NextToken!,
    listOusRoot: (await orgs.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root, MaxResults: 1 }))).NextToken!,
  };
  for (const [k, v] of Object.entries(tokens)) assert.ok(v, `no NextToken for ${k}`);
  return {
    mgmt: s.accountId,
    orgId: org.Id!,
    root,
    a1,
    a2,
    victim,
    invitee,
    invitee2,
    foreign: { member: foreignMember, orgId: fOrg.Id!, root: fRoot, ou: fOu, policy: fPolicy, handshake: fHandshake },
    ous,
    emptyOu,
    scp,
    scpsOnOu2,
    spareScp,
    rcp,
    management,
    disabledTypePolicy,
    openHandshake,
    openHandshake2,
    declinedHandshake,
    acceptedHandshake,
    canceledHandshake,
    createAccountRequest,
    tokens,
  };
}

// ---------------------------------------------------------------------------------------------
// Organizations: the cases

const INVALID = "InvalidInputException";
const CONSTRAINT = "ConstraintViolationException";
const pattern = withReason(INVALID, "INVALID_PATTERN");
const targetPattern = withReason(INVALID, "INVALID_PATTERN_TARGET_ID");
const policyIdSyntax = withReason(INVALID, "INVALID_SYNTAX_POLICY_ID");
const badToken = withReason(INVALID, "INVALID_NEXT_TOKEN");
const tooLong = withReason(INVALID, "MAX_LENGTH_EXCEEDED");
const tooShort = withReason(INVALID, "MIN_LENGTH_EXCEEDED");
const badEnum = withReason(INVALID, "INVALID_ENUM");
const badPolicyType = withReason(INVALID, "INVALID_ENUM_POLICY_TYPE");

/** Ids at and beyond the edges of the model's id patterns. */
function malformedIds(w: OrgWorld): Array<[string, string]> {
  const ou = w.ous[0]!;
  return [
    ["root id of 3 characters", "r-abc"],
    ["root id of 33 characters", `r-${ofLength(33, "a")}`],
    ["root id upper case", w.root.toUpperCase()],
    ["OU id with a short second part", `ou-${ou.split("-")[1]}-abcdefg`],
    ["OU id with a trailing space", `${ou} `],
    ["account id of 11 digits", "12345678901"],
    ["account id of 13 digits", "1234567890123"],
    ["account id in full-width digits", "１２３４５６７８９０１２"],
    ["policy id of 7 characters", "p-abcdefg"],
    ["empty", ""],
    ["unicode", "ou-🔑🔑-🔑🔑🔑🔑🔑🔑🔑🔑"],
    ["newline", `${w.root}\n`],
  ];
}

/** MaxResults and NextToken cases of a paginated operation (`token` is a real one of another operation). */
function pageCases(oc: OperationCases, otherToken: string): void {
  oc.set("MaxResults", "0", 0, withReason(INVALID, "MIN_VALUE_EXCEEDED"));
  oc.set("MaxResults", "-1", -1, withReason(INVALID, "MIN_VALUE_EXCEEDED"));
  oc.set("MaxResults", "21", 21, withReason(INVALID, "MAX_VALUE_EXCEEDED"));
  oc.set("MaxResults", "2^31 - 1", 2_147_483_647, withReason(INVALID, "MAX_VALUE_EXCEEDED"));
  oc.set("MaxResults", "2^53 + 2", 2 ** 53 + 2, codes(INVALID, "SerializationException", "ValidationException"));
  oc.set("MaxResults", "20", 20, "ok");
  oc.set("NextToken", "forged", randomBytes(24).toString("base64"), badToken);
  oc.set("NextToken", "from another operation", otherToken, badToken);
  oc.set("NextToken", "base64url of a JSON array", Buffer.from("[1,2]").toString("base64url"), badToken);
  oc.set("NextToken", "base64url of a __proto__ object", Buffer.from('{"__proto__":{"polluted":1},"o":1}').toString("base64url"), badToken);
  oc.set("NextToken", "one character", "x", badToken);
}

function orgCases(w: OrgWorld, r: Random): OperationCases[] {
  const { all, op } = caseLists();
  const [ou1, ou2, , , ou5] = w.ous as [string, string, string, string, string];
  const f = w.foreign;
  const a1 = w.a1.accountId;
  const a2 = w.a2.accountId;
  const tag = w.management.TAG_POLICY!;

  // Organization
  op("DescribeOrganization", {})
    .add("by a member account", {}, "ok", w.a2.admin)
    .add("by an account in no organization", {}, codes("AWSOrganizationsNotInUseException"), w.invitee.admin);
  op("CreateOrganization", { FeatureSet: "ALL" }, codes("AlreadyInOrganizationException"))
    .set("FeatureSet", "CONSOLIDATED_BILLING", "CONSOLIDATED_BILLING", codes("AlreadyInOrganizationException"))
    .set("FeatureSet", "unknown", "SOME", badEnum)
    .add("by a member account", { FeatureSet: "ALL" }, codes("AlreadyInOrganizationException"), w.a2.admin);
  op("DeleteOrganization", {}, codes("OrganizationNotEmptyException"))
    .add("by a member account", {}, codes("AccessDeniedException"), w.a2.admin);
  op("EnableAllFeatures", {}, withReason("HandshakeConstraintViolationException", "ORGANIZATION_ALREADY_HAS_ALL_FEATURES"))
    .add("by a member account", {}, codes("AccessDeniedException"), w.a2.admin);

  // Accounts
  const ca = op("CreateAccount", { AccountName: "FuzzNew", Email: "fuzznew@example.com" });
  ca.set("Email", "5 characters", "a@b.c", tooShort);
  ca.set("Email", "65 characters", `${ofLength(53)}@example.com`, tooLong);
  ca.set("Email", "no @", "fuzz.example.com", pattern);
  // Account names are printable ASCII (the model's pattern).
  for (const [l, t] of sampleOf(r, HOSTILE_TEXT, 4)) ca.set("AccountName", l, t, /^[\x20-\x7e]+$/.test(t) ? "ok" : pattern);
  ca.set("AccountName", "51 characters", ofLength(51), tooLong);
  ca.set("AccountName", "empty", "", tooShort);
  ca.add("RoleName: reserved prefix", { ...ca.base, Email: "fuzzrole@example.com", RoleName: "AWSServiceRoleForX" }, withReason(INVALID, "INVALID_ROLE_NAME"));
  ca.add("RoleName: 65 characters", { ...ca.base, Email: "fuzzrole@example.com", RoleName: ofLength(65) }, tooLong);
  ca.add("RoleName: a slash", { ...ca.base, Email: "fuzzrole@example.com", RoleName: "a/b" }, pattern);
  ca.add("IamUserAccessToBilling: unknown", { ...ca.base, Email: "fuzzbill@example.com", IamUserAccessToBilling: "MAYBE" }, badEnum);
  ca.add("Tags: aws: prefix", { ...ca.base, Email: "fuzztag@example.com", Tags: [{ Key: "aws:x", Value: "v" }] }, withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  ca.add("Tags: duplicate keys", { ...ca.base, Email: "fuzztag@example.com", Tags: [{ Key: "k", Value: "a" }, { Key: "k", Value: "b" }] }, withReason(INVALID, "DUPLICATE_TAG_KEY"));
  ca.add("by a member account", { AccountName: "FuzzByMember", Email: "fuzzbymember@example.com" }, codes("AccessDeniedException"), w.a2.admin);
  const dcas = op("DescribeCreateAccountStatus", { CreateAccountRequestId: w.createAccountRequest });
  dcas.set("CreateAccountRequestId", "unknown", "car-abcdefgh", codes("CreateAccountStatusNotFoundException"));
  dcas.set("CreateAccountRequestId", "7 characters after car-", "car-abcdefg", pattern);
  dcas.set("CreateAccountRequestId", "upper case", w.createAccountRequest.toUpperCase(), pattern);
  dcas.set("CreateAccountRequestId", "a handshake id", w.openHandshake, pattern);
  const lcas = op("ListCreateAccountStatus", { States: ["SUCCEEDED"], MaxResults: 1 });
  pageCases(lcas, w.tokens.listAccounts);
  lcas.set("States", "unknown state", ["DONE"], badEnum);
  lcas.set("States", "empty list", [], "ok");
  const la = op("ListAccounts", { MaxResults: 2 });
  pageCases(la, w.tokens.listPoliciesScp);
  la.set("NextToken", "its own", w.tokens.listAccounts, "ok");
  la.add("by the delegated member", { MaxResults: 2 }, "ok", w.a1.admin);
  la.add("by another member", { MaxResults: 2 }, codes("AccessDeniedException"), w.a2.admin);
  const da = op("DescribeAccount", { AccountId: a1 });
  da.set("AccountId", "the management account", w.mgmt, "ok");
  da.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  da.set("AccountId", "an account in no organization", w.invitee.accountId, codes("AccountNotFoundException"));
  da.set("AccountId", "an OU id", ou1, pattern);
  da.set("AccountId", "a root id", w.root, pattern);
  for (const [l, id] of malformedIds(w)) if (!/^\d{12}$/.test(id)) da.set("AccountId", l, id, pattern);
  const lr = op("ListRoots", { MaxResults: 1 });
  pageCases(lr, w.tokens.listAccounts);
  lr.add("by an account of the other organization", {}, "ok", f.member.admin);
  const lap = op("ListAccountsForParent", { ParentId: ou1, MaxResults: 1 });
  pageCases(lap, w.tokens.listChildrenRoot);
  lap.set("ParentId", "the other organization's root", f.root, codes("ParentNotFoundException"));
  lap.set("ParentId", "the other organization's OU", f.ou, codes("ParentNotFoundException"));
  lap.set("ParentId", "an account id", a1, pattern);
  lap.set("ParentId", "a policy id", w.scp, pattern);
  for (const [l, id] of sampleOf(r, malformedIds(w), 5)) lap.set("ParentId", l, id, pattern);
  const lp = op("ListParents", { ChildId: a2 });
  lp.set("ChildId", "an OU five levels down", ou5, "ok");
  lp.set("ChildId", "the management account", w.mgmt, "ok");
  lp.set("ChildId", "the root", w.root, pattern);
  lp.set("ChildId", "a policy id", w.scp, pattern);
  lp.set("ChildId", "the other organization's OU", f.ou, codes("ChildNotFoundException"));
  lp.set("ChildId", "an account in no organization", w.invitee.accountId, codes("ChildNotFoundException"));
  pageCases(lp, w.tokens.listAccounts);

  // Organizational units
  const cou = op("CreateOrganizationalUnit", { ParentId: ou2, Name: "fuzz-new" });
  cou.set("ParentId", "the fifth level (past the depth limit)", ou5, withReason(CONSTRAINT, "OU_DEPTH_LIMIT_EXCEEDED"));
  cou.set("Name", "an existing sibling's name", "level3", codes("DuplicateOrganizationalUnitException"));
  cou.set("Name", "the base name again", "fuzz-new", codes("DuplicateOrganizationalUnitException"));
  cou.set("Name", "128 characters", ofLength(128), "ok");
  cou.set("Name", "129 characters", ofLength(129), tooLong);
  cou.set("Name", "empty", "", tooShort);
  for (const [l, t] of sampleOf(r, HOSTILE_TEXT, 3)) cou.set("Name", l, t, "any");
  cou.set("ParentId", "the other organization's root", f.root, codes("ParentNotFoundException"));
  cou.set("ParentId", "the other organization's OU", f.ou, codes("ParentNotFoundException"));
  cou.set("ParentId", "an account id", a1, pattern);
  cou.set("ParentId", "a policy id", w.scp, pattern);
  cou.add("Tags: aws: prefix", { ParentId: ou2, Name: "fuzz-tagged", Tags: [{ Key: "aws:k", Value: "v" }] }, withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  cou.add("Tags: 51 tags", { ParentId: ou2, Name: "fuzz-tagged", Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) }, codes(INVALID, CONSTRAINT));
  const dou = op("DescribeOrganizationalUnit", { OrganizationalUnitId: ou5 });
  dou.set("OrganizationalUnitId", "the root", w.root, pattern);
  dou.set("OrganizationalUnitId", "an account id", a1, pattern);
  dou.set("OrganizationalUnitId", "the other organization's OU", f.ou, codes("OrganizationalUnitNotFoundException"));
  dou.set("OrganizationalUnitId", "this organization's root part with unknown suffix", `${ou1.slice(0, ou1.lastIndexOf("-"))}-zzzzzzzz`, codes("OrganizationalUnitNotFoundException"));
  dou.add("by the delegated member", { OrganizationalUnitId: ou1 }, "ok", w.a1.admin);
  const uou = op("UpdateOrganizationalUnit", { OrganizationalUnitId: ou5, Name: "level5-renamed" });
  uou.add("Name: the same name again", { OrganizationalUnitId: ou5, Name: "level5-renamed" }, "ok");
  uou.add("Name: a sibling's name", { OrganizationalUnitId: ou1, Name: "empty" }, codes("DuplicateOrganizationalUnitException"));
  uou.set("Name", "129 characters", ofLength(129), tooLong);
  uou.set("OrganizationalUnitId", "the other organization's OU", f.ou, codes("OrganizationalUnitNotFoundException"));
  uou.set("OrganizationalUnitId", "the root", w.root, pattern);
  const delou = op("DeleteOrganizationalUnit", { OrganizationalUnitId: w.emptyOu });
  delou.set("OrganizationalUnitId", "already deleted", w.emptyOu, codes("OrganizationalUnitNotFoundException"));
  delou.set("OrganizationalUnitId", "with an account in it", ou1, codes("OrganizationalUnitNotEmptyException"));
  delou.set("OrganizationalUnitId", "with an OU in it", ou2, codes("OrganizationalUnitNotEmptyException"));
  delou.set("OrganizationalUnitId", "the root", w.root, pattern);
  delou.set("OrganizationalUnitId", "the other organization's OU", f.ou, codes("OrganizationalUnitNotFoundException"));
  const lou = op("ListOrganizationalUnitsForParent", { ParentId: w.root, MaxResults: 1 });
  pageCases(lou, w.tokens.listChildrenRoot);
  lou.set("NextToken", "its own", w.tokens.listOusRoot, "ok");
  lou.add("NextToken: its own, for another parent", { ParentId: ou1, NextToken: w.tokens.listOusRoot }, badToken);
  lou.set("ParentId", "the other organization's root", f.root, codes("ParentNotFoundException"));
  lou.set("ParentId", "an account id", a1, pattern);
  const lc = op("ListChildren", { ParentId: w.root, ChildType: "ORGANIZATIONAL_UNIT", MaxResults: 1 });
  pageCases(lc, w.tokens.listOusRoot);
  lc.set("NextToken", "its own", w.tokens.listChildrenRoot, "ok");
  lc.add("NextToken: its own, for accounts", { ParentId: w.root, ChildType: "ACCOUNT", NextToken: w.tokens.listChildrenRoot }, badToken);
  lc.set("ChildType", "POLICY", "POLICY", badEnum);
  lc.set("ChildType", "lower case", "account", badEnum);
  lc.set("ParentId", "the other organization's OU", f.ou, codes("ParentNotFoundException"));
  const ma = op("MoveAccount", { AccountId: a1, SourceParentId: w.root, DestinationParentId: ou5 });
  ma.add("back to the root", { AccountId: a1, SourceParentId: ou5, DestinationParentId: w.root }, "ok");
  ma.add("to its current parent", { AccountId: a1, SourceParentId: w.root, DestinationParentId: w.root }, codes("DuplicateAccountException"));
  ma.set("SourceParentId", "not its parent", ou1, codes("SourceParentNotFoundException"));
  ma.set("SourceParentId", "the other organization's root", f.root, codes("SourceParentNotFoundException"));
  ma.set("DestinationParentId", "the other organization's OU", f.ou, codes("DestinationParentNotFoundException"));
  ma.set("DestinationParentId", "an account id", a2, pattern);
  ma.set("DestinationParentId", "a policy id", w.scp, pattern);
  ma.set("SourceParentId", "an OU id of the wrong shape", "ou-abc", pattern);
  ma.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  ma.set("AccountId", "an OU id", ou1, pattern);
  ma.add("the management account, there and back", { AccountId: w.mgmt, SourceParentId: w.root, DestinationParentId: ou1 }, "ok");
  ma.add("the management account, back", { AccountId: w.mgmt, SourceParentId: ou1, DestinationParentId: w.root }, "ok");

  // Policies
  const cp = op("CreatePolicy", { Name: "fuzz-created", Description: "d", Type: SCP, Content: scpDoc("Created") });
  let n = 0;
  const fresh = (member: string, label: string, value: unknown, expect: Expect) => cp.add(`${member}: ${label}`, { ...cp.base, Name: `fuzz-fresh-${++n}`, [member]: value }, expect);
  cp.set("Name", "existing SCP's name", "fuzz-scp", codes("DuplicatePolicyException"));
  cp.set("Name", "the AWS managed policy's name", "FullAWSAccess", codes("DuplicatePolicyException"));
  cp.set("Name", "129 characters", ofLength(129), tooLong);
  cp.set("Name", "empty", "", tooShort);
  fresh("Content", "5,120 characters (the SCP limit)", scpOfLength(5120), "ok");
  fresh("Content", "5,121 characters", scpOfLength(5121), withReason(CONSTRAINT, "POLICY_CONTENT_LIMIT_EXCEEDED"));
  fresh("Content", "1,000,001 characters", ofLength(1_000_001), tooLong);
  fresh("Content", "malformed JSON", '{"Version":"2012-10-17","Statement":[', codes("MalformedPolicyDocumentException"));
  fresh("Content", "empty", "", tooShort);
  fresh("Content", "Principal in an SCP", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  fresh("Content", "Effect Maybe", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Maybe", Action: "*", Resource: "*" }] }), codes("MalformedPolicyDocumentException"));
  fresh("Content", "a tag policy as an SCP", JSON.stringify(MANAGEMENT_DOCS.TAG_POLICY), codes("MalformedPolicyDocumentException"));
  fresh("Content", "nested 3,000 deep", '{"a":'.repeat(3000) + "1" + "}".repeat(3000), codes("MalformedPolicyDocumentException", CONSTRAINT));
  fresh("Content", "duplicate keys", '{"Version":"2012-10-17","Version":"2008-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}', "any");
  cp.add("Type: RCP with an Allow", { ...cp.base, Name: "fuzz-rcp-allow", Type: RCP, Content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }) }, codes("MalformedPolicyDocumentException"));
  cp.add("Type: RCP naming a service RCPs do not cover", { ...cp.base, Name: "fuzz-rcp-ec2", Type: RCP, Content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "ec2:*", Resource: "*" }] }) }, codes("MalformedPolicyDocumentException"));
  cp.add("Type: tag policy of 10,000 characters (its limit)", { ...cp.base, Name: "fuzz-tag-10000", Type: "TAG_POLICY", Content: tagPolicyOfLength(10_000) }, "ok");
  cp.add("Type: tag policy of 10,001 characters", { ...cp.base, Name: "fuzz-tag-10001", Type: "TAG_POLICY", Content: tagPolicyOfLength(10_001) }, withReason(CONSTRAINT, "POLICY_CONTENT_LIMIT_EXCEEDED"));
  cp.add("Type: AI opt-out policy with an unknown value", { ...cp.base, Name: "fuzz-ai-bad", Type: "AISERVICES_OPT_OUT_POLICY", Content: JSON.stringify({ services: { default: { opt_out_policy: { "@@assign": "maybe" } } } }) }, codes("MalformedPolicyDocumentException"));
  cp.add("Type: backup policy of SCP grammar", { ...cp.base, Name: "fuzz-backup-bad", Type: "BACKUP_POLICY", Content: scpDoc("Backup") }, codes("MalformedPolicyDocumentException"));
  for (const type of Object.keys(MANAGEMENT_DOCS)) cp.add(`Type: ${type} with another type's root key`, { ...cp.base, Name: `fuzz-wrongkey-${type}`, Type: type, Content: JSON.stringify({ not_a_root_key: { x: { "@@assign": "y" } } }) }, codes("MalformedPolicyDocumentException"));
  cp.add("Type: a type not enabled", { ...cp.base, Name: "fuzz-s3-2", Type: DISABLED_TYPE, Content: JSON.stringify({ s3_attributes: { public_access_block: { "@@assign": "all" } } }) }, "ok");
  fresh("Type", "unknown", "SOME_POLICY", badPolicyType);
  fresh("Type", "lower case", "service_control_policy", badPolicyType);
  fresh("Description", "513 characters", ofLength(513), tooLong);
  fresh("Tags", "aws: prefix", [{ Key: "AWS:x", Value: "v" }], withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  cp.add("by a member account", { ...cp.base, Name: "fuzz-by-member" }, codes("AccessDeniedException"), w.a2.admin);
  const dp = op("DescribePolicy", { PolicyId: w.scp });
  dp.set("PolicyId", "FullAWSAccess", "p-FullAWSAccess", "ok");
  dp.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  dp.set("PolicyId", "unknown", "p-abcdefgh", codes("PolicyNotFoundException"));
  dp.set("PolicyId", "an OU id", ou1, policyIdSyntax);
  dp.set("PolicyId", "a root id", w.root, policyIdSyntax);
  dp.set("PolicyId", "7 characters after p-", "p-abcdefg", policyIdSyntax);
  dp.set("PolicyId", "129 characters after p-", `p-${ofLength(129)}`, policyIdSyntax);
  dp.set("PolicyId", "a hyphen", "p-abcd-efgh", policyIdSyntax);
  const up = op("UpdatePolicy", { PolicyId: w.scp, Description: "updated" });
  up.set("Name", "another policy's name", "fuzz-scp-spare", codes("DuplicatePolicyException"));
  up.set("Name", "its own name", "fuzz-scp", "ok");
  up.set("Name", "empty", "", tooShort);
  up.set("Description", "513 characters", ofLength(513), tooLong);
  up.set("Content", "5,121 characters", scpOfLength(5121), withReason(CONSTRAINT, "POLICY_CONTENT_LIMIT_EXCEEDED"));
  up.set("Content", "malformed", "{", codes("MalformedPolicyDocumentException"));
  up.set("PolicyId", "FullAWSAccess", "p-FullAWSAccess", withReason(INVALID, "IMMUTABLE_POLICY"));
  up.set("PolicyId", "RCPFullAWSAccess", "p-RCPFullAWSAccess", withReason(INVALID, "IMMUTABLE_POLICY"));
  up.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  up.add("Content: an SCP document into the tag policy", { PolicyId: tag, Content: scpDoc("x") }, codes("MalformedPolicyDocumentException"));
  up.add("Content: a tag policy of 10,001 characters", { PolicyId: tag, Content: tagPolicyOfLength(10_001) }, withReason(CONSTRAINT, "POLICY_CONTENT_LIMIT_EXCEEDED"));
  const delp = op("DeletePolicy", { PolicyId: w.spareScp });
  delp.set("PolicyId", "already deleted", w.spareScp, codes("PolicyNotFoundException"));
  delp.set("PolicyId", "attached", w.scp, codes("PolicyInUseException"));
  delp.set("PolicyId", "FullAWSAccess", "p-FullAWSAccess", codes(INVALID, "PolicyInUseException"));
  delp.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  delp.set("PolicyId", "an OU id", ou1, policyIdSyntax);
  const lpol = op("ListPolicies", { Filter: SCP, MaxResults: 1 });
  pageCases(lpol, w.tokens.listAccounts);
  lpol.set("NextToken", "its own", w.tokens.listPoliciesScp, "ok");
  lpol.add("NextToken: its own, for another filter", { Filter: RCP, NextToken: w.tokens.listPoliciesScp }, badToken);
  lpol.set("Filter", "a type not enabled", DISABLED_TYPE, "ok");
  lpol.set("Filter", "unknown", "ALL", badPolicyType);
  for (const type of Object.keys(MANAGEMENT_DOCS)) lpol.set("Filter", type, type, "ok");
  const ap = op("AttachPolicy", { PolicyId: w.scp, TargetId: a1 });
  ap.add("the same attachment again", ap.base, codes("DuplicatePolicyAttachmentException"));
  ap.add("a sixth SCP on one OU", { PolicyId: w.scp, TargetId: ou2 }, withReason(CONSTRAINT, "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"));
  ap.set("PolicyId", "a policy of a type not enabled", w.disabledTypePolicy, codes("PolicyTypeNotEnabledException"));
  ap.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  ap.set("PolicyId", "FullAWSAccess, already attached", "p-FullAWSAccess", codes("DuplicatePolicyAttachmentException"));
  ap.set("PolicyId", "an OU id", ou1, policyIdSyntax);
  ap.set("TargetId", "the other organization's root", f.root, codes("TargetNotFoundException"));
  ap.set("TargetId", "the other organization's OU", f.ou, codes("TargetNotFoundException"));
  ap.set("TargetId", "an account of the other organization", f.member.accountId, codes("TargetNotFoundException"));
  ap.set("TargetId", "an account in no organization", w.invitee.accountId, codes("TargetNotFoundException"));
  ap.set("TargetId", "a policy id", w.spareScp, targetPattern);
  ap.set("TargetId", "the management account", w.mgmt, "ok");
  for (const [l, id] of sampleOf(r, malformedIds(w), 5)) ap.set("TargetId", l, id, targetPattern);
  ap.add("a management policy to an OU five levels down", { PolicyId: tag, TargetId: ou5 }, "ok");
  const detp = op("DetachPolicy", { PolicyId: w.scp, TargetId: a1 });
  detp.add("the same detachment again", detp.base, codes("PolicyNotAttachedException"));
  detp.set("TargetId", "the root's last SCP", w.root, codes("PolicyNotAttachedException"));
  detp.add("FullAWSAccess, the root's last SCP", { PolicyId: "p-FullAWSAccess", TargetId: w.root }, withReason(CONSTRAINT, "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"));
  detp.add("FullAWSAccess, an account's last SCP", { PolicyId: "p-FullAWSAccess", TargetId: a2 }, withReason(CONSTRAINT, "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"));
  detp.add("RCPFullAWSAccess, the root's last RCP", { PolicyId: "p-RCPFullAWSAccess", TargetId: w.root }, withReason(INVALID, "NON_DETACHABLE_POLICY"));
  detp.add("FullAWSAccess from an OU with other SCPs", { PolicyId: "p-FullAWSAccess", TargetId: ou1 }, "ok");
  detp.add("the OU's custom SCP, now its last", { PolicyId: w.scp, TargetId: ou1 }, withReason(CONSTRAINT, "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"));
  // FullAWSAccess back on the OU, or its member account could do nothing from here on.
  detp.cases.push({ operation: "AttachPolicy", label: "FullAWSAccess back on the OU", input: { PolicyId: "p-FullAWSAccess", TargetId: ou1 }, expect: "ok" });
  detp.add("a management policy, its last (no minimum)", { PolicyId: tag, TargetId: ou5 }, "ok");
  detp.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  detp.set("TargetId", "the other organization's OU", f.ou, codes("TargetNotFoundException"));
  detp.set("TargetId", "a policy id", w.scp, targetPattern);
  const lpt = op("ListPoliciesForTarget", { TargetId: ou2, Filter: SCP, MaxResults: 2 });
  pageCases(lpt, w.tokens.listPoliciesScp);
  lpt.set("Filter", "a type not enabled", DISABLED_TYPE, "ok");
  lpt.set("Filter", "unknown", "NONE", badPolicyType);
  lpt.set("TargetId", "the other organization's OU", f.ou, codes("TargetNotFoundException"));
  lpt.set("TargetId", "a policy id", w.scp, targetPattern);
  const ltp = op("ListTargetsForPolicy", { PolicyId: "p-FullAWSAccess", MaxResults: 2 });
  pageCases(ltp, w.tokens.listAccounts);
  ltp.set("PolicyId", "the other organization's policy", f.policy, codes("PolicyNotFoundException"));
  ltp.set("PolicyId", "an account id", a1, policyIdSyntax);
  const ept = op("EnablePolicyType", { RootId: w.root, PolicyType: "GUARDDUTY_POLICY" });
  ept.add("already enabled", ept.base, codes("PolicyTypeAlreadyEnabledException"));
  ept.set("PolicyType", "SCPs, already enabled", SCP, codes("PolicyTypeAlreadyEnabledException"));
  ept.set("PolicyType", "unknown", "GUARD_POLICY", badPolicyType);
  ept.set("RootId", "the other organization's root", f.root, codes("RootNotFoundException"));
  ept.set("RootId", "an OU id", ou1, pattern);
  ept.set("RootId", "an account id", a1, pattern);
  ept.add("by a member account", { RootId: w.root, PolicyType: "UPGRADE_ROLLOUT_POLICY" }, codes("AccessDeniedException"), w.a2.admin);
  const dpt = op("DisablePolicyType", { RootId: w.root, PolicyType: "GUARDDUTY_POLICY" });
  dpt.add("already disabled", dpt.base, codes("PolicyTypeNotEnabledException"));
  dpt.set("PolicyType", "never enabled", DISABLED_TYPE, codes("PolicyTypeNotEnabledException"));
  dpt.set("PolicyType", "unknown", "X", badPolicyType);
  dpt.set("RootId", "the other organization's root", f.root, codes("RootNotFoundException"));
  dpt.set("RootId", "a policy id", w.scp, pattern);

  // Effective policies
  const dep = op("DescribeEffectivePolicy", { PolicyType: "TAG_POLICY", TargetId: a1 });
  dep.set("PolicyType", "SCPs (no effective policy)", SCP, badPolicyType);
  dep.set("PolicyType", "a type not enabled", DISABLED_TYPE, codes("EffectivePolicyNotFoundException"));
  dep.set("TargetId", "an OU", ou1, withReason(INVALID, "TARGET_NOT_SUPPORTED"));
  dep.set("TargetId", "the root", w.root, withReason(INVALID, "TARGET_NOT_SUPPORTED"));
  dep.set("TargetId", "an account of the other organization", f.member.accountId, codes("TargetNotFoundException"));
  dep.set("TargetId", "the management account", w.mgmt, "ok");
  dep.add("by a member, for another member", { PolicyType: "TAG_POLICY", TargetId: a1 }, codes("AccessDeniedException"), w.a2.admin);
  dep.add("by a member, for itself", { PolicyType: "TAG_POLICY" }, "ok", w.a2.admin);
  const lai = op("ListAccountsWithInvalidEffectivePolicy", { PolicyType: "BACKUP_POLICY", MaxResults: 1 });
  pageCases(lai, w.tokens.listAccounts);
  lai.set("PolicyType", "SCPs", SCP, badPolicyType);
  lai.set("PolicyType", "a type not enabled", DISABLED_TYPE, codes("EffectivePolicyNotFoundException"));
  const lev = op("ListEffectivePolicyValidationErrors", { AccountId: a1, PolicyType: "BACKUP_POLICY", MaxResults: 1 });
  pageCases(lev, w.tokens.listAccounts);
  lev.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  lev.set("AccountId", "an OU id", ou1, pattern);
  lev.set("PolicyType", "RCPs", RCP, badPolicyType);

  // Tags
  const tr = op("TagResource", { ResourceId: ou5, Tags: [{ Key: "k", Value: "v" }] });
  tr.set("ResourceId", "the root", w.root, "ok");
  tr.set("ResourceId", "a policy", w.rcp, "ok");
  tr.set("ResourceId", "the AWS managed policy", "p-FullAWSAccess", codes(INVALID, "TargetNotFoundException"));
  tr.set("ResourceId", "the other organization's OU", f.ou, codes("TargetNotFoundException"));
  tr.set("ResourceId", "the other organization's policy", f.policy, codes("TargetNotFoundException"));
  tr.set("ResourceId", "an account in no organization", w.invitee.accountId, codes("TargetNotFoundException"));
  tr.set("ResourceId", "a handshake id", w.openHandshake, pattern);
  tr.set("Tags", "aws: prefix", [{ Key: "aws:k", Value: "v" }], withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  tr.set("Tags", "duplicate keys", [{ Key: "d", Value: "1" }, { Key: "d", Value: "2" }], withReason(INVALID, "DUPLICATE_TAG_KEY"));
  tr.set("Tags", "key of 129 characters", [{ Key: ofLength(129), Value: "v" }], tooLong);
  tr.set("Tags", "value of 257 characters", [{ Key: "k", Value: ofLength(257) }], tooLong);
  tr.set("Tags", "51 tags", Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })), codes(INVALID, CONSTRAINT));
  tr.set("Tags", "empty list", [], "any");
  for (const [l, t] of sampleOf(r, HOSTILE_TEXT, 3)) tr.set("Tags", `key ${l}`, [{ Key: t, Value: "v" }], "any");
  // An untagged OU filled to the limit of 50.
  const ou4 = w.ous[3]!;
  tr.add("Tags: 50 on an untagged OU", { ResourceId: ou4, Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `m${i}`, Value: "v" })) }, "ok");
  tr.add("Tags: one more past 50", { ResourceId: ou4, Tags: [{ Key: "fifty-first", Value: "v" }] }, withReason(CONSTRAINT, "MAX_TAG_LIMIT_EXCEEDED"));
  tr.add("Tags: an existing key again at 50", { ResourceId: ou4, Tags: [{ Key: "m0", Value: "changed" }] }, "ok");
  const ut = op("UntagResource", { ResourceId: ou5, TagKeys: ["k"] });
  ut.set("TagKeys", "a key that is not there", ["nothing"], "ok");
  ut.set("TagKeys", "aws: prefix", ["aws:k"], withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  ut.set("ResourceId", "the other organization's root", f.root, codes("TargetNotFoundException"));
  const ltr = op("ListTagsForResource", { ResourceId: a1 });
  ltr.set("ResourceId", "a policy id", w.scp, "ok");
  ltr.set("ResourceId", "the other organization's policy", f.policy, codes("TargetNotFoundException"));
  ltr.set("NextToken", "forged", randomBytes(24).toString("base64"), badToken);
  ltr.set("NextToken", "from another operation", w.tokens.listAccounts, badToken);

  // Trusted access and delegated administrators
  const eas = op("EnableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
  eas.add("already enabled", eas.base, "ok");
  eas.set("ServicePrincipal", "129 characters", ofLength(129), tooLong);
  eas.set("ServicePrincipal", "empty", "", tooShort);
  eas.set("ServicePrincipal", "a slash", "a/b", pattern);
  for (const [l, t] of sampleOf(r, HOSTILE_TEXT, 2)) eas.set("ServicePrincipal", l, t, pattern);
  const dis = op("DisableAWSServiceAccess", { ServicePrincipal: "guardduty.amazonaws.com" });
  dis.add("not enabled", dis.base, "ok");
  dis.set("ServicePrincipal", "with a delegated administrator", "iam.amazonaws.com", withReason(CONSTRAINT, "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE"));
  const lsa = op("ListAWSServiceAccessForOrganization", { MaxResults: 1 });
  pageCases(lsa, w.tokens.listAccounts);
  const rda = op("RegisterDelegatedAdministrator", { AccountId: a2, ServicePrincipal: "iam.amazonaws.com" });
  rda.add("already registered", rda.base, codes("AccountAlreadyRegisteredException"));
  rda.set("AccountId", "the management account", w.mgmt, withReason(CONSTRAINT, "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"));
  rda.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  rda.set("AccountId", "an OU id", ou1, pattern);
  rda.set("ServicePrincipal", "129 characters", ofLength(129), tooLong);
  rda.set("ServicePrincipal", "a service without trusted access", "securityhub.amazonaws.com", withReason(CONSTRAINT, "SERVICE_ACCESS_NOT_ENABLED"));
  const dda = op("DeregisterDelegatedAdministrator", { AccountId: a2, ServicePrincipal: "iam.amazonaws.com" });
  dda.add("not registered any more", dda.base, codes("AccountNotRegisteredException"));
  dda.set("AccountId", "the management account", w.mgmt, codes("AccountNotRegisteredException", CONSTRAINT));
  dda.set("AccountId", "an account in no organization", w.invitee.accountId, codes("AccountNotFoundException"));
  const lda = op("ListDelegatedAdministrators", { ServicePrincipal: "iam.amazonaws.com", MaxResults: 1 });
  pageCases(lda, w.tokens.listAccounts);
  lda.set("ServicePrincipal", "a slash", "a/b", pattern);
  const lds = op("ListDelegatedServicesForAccount", { AccountId: a1, MaxResults: 1 });
  pageCases(lds, w.tokens.listAccounts);
  lds.set("AccountId", "not a delegated administrator", a2, codes("AccountNotRegisteredException"));
  lds.set("AccountId", "the management account", w.mgmt, codes("AccountNotRegisteredException"));
  lds.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));

  // Handshakes
  const dh = op("DescribeHandshake", { HandshakeId: w.openHandshake });
  dh.add("by the invitee", dh.base, "ok", w.invitee.admin);
  dh.add("by a member not party to it", dh.base, codes("HandshakeNotFoundException", "AccessDeniedException"), w.a2.admin);
  dh.set("HandshakeId", "the other organization's", f.handshake, codes("HandshakeNotFoundException"));
  dh.set("HandshakeId", "unknown", "h-abcdefgh", codes("HandshakeNotFoundException"));
  dh.set("HandshakeId", "7 characters after h-", "h-abcdefg", pattern);
  dh.set("HandshakeId", "33 characters after h-", `h-${ofLength(33)}`, pattern);
  dh.set("HandshakeId", "a policy id", w.scp, pattern);
  const inv = op("InviteAccountToOrganization", { Target: { Type: "EMAIL", Id: "fuzzinvite@example.com" }, Notes: "hi" });
  inv.add("the same invitation again", inv.base, codes("DuplicateHandshakeException"));
  inv.set("Target", "the invitee with an open invitation", { Type: "ACCOUNT", Id: w.invitee.accountId }, codes("DuplicateHandshakeException"));
  inv.set("Target", "a member account", { Type: "ACCOUNT", Id: a1 }, withReason("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION"));
  inv.set("Target", "the management account", { Type: "ACCOUNT", Id: w.mgmt }, withReason("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION"));
  inv.set("Target", "the other organization's management account", { Type: "ACCOUNT", Id: f.member.accountId }, withReason("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION"));
  inv.set("Target", "party type ORGANIZATION", { Type: "ORGANIZATION", Id: f.orgId }, withReason(INVALID, "INVALID_PARTY_TYPE_TARGET"));
  inv.set("Target", "unknown party type", { Type: "ROLE", Id: "x" }, badEnum);
  inv.set("Target", "account id of 11 digits", { Type: "ACCOUNT", Id: "12345678901" }, pattern);
  inv.set("Target", "email without @", { Type: "EMAIL", Id: "nobody.example.com" }, pattern);
  inv.set("Notes", "1025 characters", ofLength(1025), tooLong);
  inv.set("Tags", "aws: prefix", [{ Key: "aws:k", Value: "v" }], withReason(INVALID, "INVALID_SYSTEM_TAGS_PARAMETER"));
  inv.add("by a member account", { Target: { Type: "EMAIL", Id: "bymember@example.com" } }, codes("AccessDeniedException"), w.a2.admin);
  // Twenty invitations a day: the ones made so far count, and the next one past the limit is refused.
  for (let i = 0; i < 20; i++) inv.add(`invitation ${i} of the day's rest`, { Target: { Type: "EMAIL", Id: `fuzzrate${i}@example.com` } }, "any");
  inv.add("past the daily limit", { Target: { Type: "EMAIL", Id: "fuzzrate-last@example.com" } }, withReason("HandshakeConstraintViolationException", "HANDSHAKE_RATE_LIMIT_EXCEEDED"));
  const cch = op("CancelHandshake", { HandshakeId: w.canceledHandshake }, codes("HandshakeAlreadyInStateException"));
  cch.set("HandshakeId", "accepted", w.acceptedHandshake, codes("InvalidHandshakeTransitionException"));
  cch.set("HandshakeId", "declined", w.declinedHandshake, codes("InvalidHandshakeTransitionException"));
  cch.add("open, by the invitee (only the originator cancels)", { HandshakeId: w.openHandshake }, codes("HandshakeNotFoundException", "AccessDeniedException"), w.invitee.admin);
  cch.set("HandshakeId", "the other organization's", f.handshake, codes("HandshakeNotFoundException"));
  // Only the invitee accepts or declines; the second invitee declines its invitation, the first accepts.
  const inviteeSays = (oc: OperationCases, label: string, id: string, expect: Expect, who = w.invitee) => oc.add(label, { HandshakeId: id }, expect, who.admin);
  const dch = new OperationCases("DeclineHandshake", { HandshakeId: w.openHandshake2 }, "ok");
  dch.cases.length = 0;
  all.push(dch);
  dch.add("open, by the inviting management account", dch.base, codes("HandshakeNotFoundException"));
  inviteeSays(dch, "open, by another invitee", w.openHandshake2, codes("HandshakeNotFoundException"));
  inviteeSays(dch, "valid base request", w.openHandshake2, "ok", w.invitee2);
  inviteeSays(dch, "already declined", w.openHandshake2, codes("HandshakeAlreadyInStateException"), w.invitee2);
  inviteeSays(dch, "accepted", w.acceptedHandshake, codes("InvalidHandshakeTransitionException"));
  inviteeSays(dch, "the other organization's", f.handshake, codes("HandshakeNotFoundException"));
  const ach = new OperationCases("AcceptHandshake", { HandshakeId: w.openHandshake }, "ok");
  ach.cases.length = 0;
  all.push(ach);
  ach.add("open, by the inviting management account", ach.base, codes("HandshakeNotFoundException"));
  ach.add("open, by a member not party to it", ach.base, codes("HandshakeNotFoundException"), w.a2.admin);
  inviteeSays(ach, "declined", w.declinedHandshake, codes("InvalidHandshakeTransitionException"));
  inviteeSays(ach, "already accepted", w.acceptedHandshake, codes("HandshakeAlreadyInStateException"));
  inviteeSays(ach, "canceled (addressed to someone else)", w.canceledHandshake, codes("HandshakeNotFoundException"));
  inviteeSays(ach, "declined by another invitee", w.openHandshake2, codes("HandshakeNotFoundException"));
  inviteeSays(ach, "malformed id", "h-", pattern);
  inviteeSays(ach, "an unknown id", "h-abcdefgh", codes("HandshakeNotFoundException"));
  inviteeSays(ach, "the other organization's", f.handshake, codes("HandshakeNotFoundException"));
  inviteeSays(ach, "valid base request", w.openHandshake, "ok");
  inviteeSays(ach, "accepted just now", w.openHandshake, codes("HandshakeAlreadyInStateException"));
  // Out again, so that it stays the account in no organization.
  ach.cases.push({ operation: "RemoveAccountFromOrganization", label: "the invitee out again", input: { AccountId: w.invitee.accountId }, expect: "ok" });
  const lhfa = op("ListHandshakesForAccount", { MaxResults: 1 });
  pageCases(lhfa, w.tokens.listAccounts);
  lhfa.set("Filter", "both members", { ActionType: "INVITE", ParentHandshakeId: w.openHandshake }, withReason(INVALID, "MAX_FILTER_LIMIT_EXCEEDED"));
  lhfa.set("Filter", "unknown action", { ActionType: "MERGE" }, badEnum);
  lhfa.add("by the invitee", { MaxResults: 1 }, "ok", w.invitee.admin);
  const lhfo = op("ListHandshakesForOrganization", { MaxResults: 1, Filter: { ActionType: "INVITE" } });
  pageCases(lhfo, w.tokens.listAccounts);
  lhfo.set("Filter", "a malformed parent handshake id", { ParentHandshakeId: "h-x" }, codes(INVALID));
  lhfo.add("by an account in no organization", {}, codes("AWSOrganizationsNotInUseException"), w.invitee.admin);

  // Delegation policy
  const prp = op("PutResourcePolicy", { Content: delegation(a1, ["organizations:ListAccounts", "organizations:DescribeOrganizationalUnit", "organizations:DescribeAccount"]) });
  prp.set("Content", "malformed JSON", "{not json", withReason(INVALID, "INVALID_RESOURCE_POLICY_JSON"));
  prp.set("Content", "an action that cannot be delegated", delegation(a1, ["organizations:CreateAccount"]), withReason(INVALID, "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"));
  prp.set("Content", "another service's action", delegation(a1, ["iam:CreateUser"]), withReason(INVALID, "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"));
  prp.set("Content", "40,001 characters", ofLength(40_001), codes(CONSTRAINT, INVALID));
  prp.set("Tags", "tags on an existing policy", [{ Key: "a", Value: "b" }], withReason(INVALID, "UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED"));
  prp.add("by a member account", prp.base, codes("AccessDeniedException"), w.a2.admin);
  op("DescribeResourcePolicy", {}).add("by an account in no organization", {}, codes("AWSOrganizationsNotInUseException"), w.invitee.admin);

  // Membership changes come last: they remove and close the victim.
  const rafo = op("RemoveAccountFromOrganization", { AccountId: w.victim.accountId });
  rafo.add("already removed", rafo.base, codes("AccountNotFoundException"));
  rafo.set("AccountId", "the management account", w.mgmt, withReason(CONSTRAINT, "ACCOUNT_CANNOT_LEAVE_ORGANIZATION"));
  rafo.set("AccountId", "a delegated administrator", a1, withReason(CONSTRAINT, "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG"));
  rafo.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  rafo.set("AccountId", "an OU id", ou1, pattern);
  op("LeaveOrganization", {}, codes("MasterCannotLeaveOrganizationException"))
    .add("by the other organization's management account", {}, codes("MasterCannotLeaveOrganizationException"), f.member.admin)
    .add("by an account in no organization", {}, codes("AWSOrganizationsNotInUseException"), w.invitee.admin);
  const clo = op("CloseAccount", { AccountId: a2 });
  clo.add("already closed", clo.base, codes("AccountAlreadyClosedException"));
  clo.set("AccountId", "the management account", w.mgmt, withReason(CONSTRAINT, "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"));
  clo.set("AccountId", "removed from the organization", w.victim.accountId, codes("AccountNotFoundException"));
  clo.set("AccountId", "an account of the other organization", f.member.accountId, codes("AccountNotFoundException"));
  clo.set("AccountId", "a root id", w.root, pattern);
  op("DeleteResourcePolicy", {}).add("already deleted", {}, codes("ResourcePolicyNotFoundException"));
  return all;
}

/** Pages an Organizations list with MaxResults 1 through the SDK, checking that nothing repeats. */
async function orgPages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>, id: (t: T) => string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const p = await fetch(token);
    ids.push(...p.items.map(id));
    if (p.next === undefined) break;
    token = p.next;
  }
  assert.equal(new Set(ids).size, ids.length, "an item repeated across pages");
  return ids;
}

test(`Organizations: every operation, valid requests with one semantically hostile member (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED + 3);
  const w = await orgWorld();
  const setupSeconds = (Date.now() - started) / 1000;
  const svc = service("organizations");
  const groups = orgCases(w, random);
  assert.deepEqual([...new Set(groups.map((g) => g.operation))].sort(), Object.keys(svc.operations).sort());
  const out: Outcome = { failures: [], sent: 0 };
  for (const g of groups) await run(svc, g.cases, out);
  assert.ok(await wire.healthy(), "/health after Organizations");
  console.log(`handler fuzz Organizations: ${out.sent} requests over ${new Set(groups.map((g) => g.operation)).size} operations in ${((Date.now() - started) / 1000).toFixed(1)} s (setup ${setupSeconds.toFixed(1)} s, seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);

  // The organization reads consistently and its lists page to the end.
  const orgs = new OrganizationsClient(onServerClock(s));
  const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
  assert.equal(org.Id, w.orgId);
  assert.equal(org.MasterAccountId, w.mgmt);
  assert.equal(org.FeatureSet, "ALL");
  const roots = await orgPages(async (NextToken) => {
    const p = await orgs.send(new ListRootsCommand({ MaxResults: 1, NextToken }));
    return { items: p.Roots ?? [], ...(p.NextToken ? { next: p.NextToken } : {}) };
  }, (x) => x.Id!);
  assert.deepEqual(roots, [w.root]);
  const accounts = await orgPages(async (NextToken) => {
    const p = await orgs.send(new ListAccountsCommand({ MaxResults: 1, NextToken }));
    return { items: p.Accounts ?? [], ...(p.NextToken ? { next: p.NextToken } : {}) };
  }, (x) => x.Id!);
  assert.ok(accounts.includes(w.mgmt) && accounts.includes(w.a1.accountId) && accounts.includes(w.a2.accountId));
  assert.ok(!accounts.includes(w.victim.accountId) && !accounts.includes(w.foreign.member.accountId) && !accounts.includes(w.invitee.accountId));
  // Every account is in exactly one parent, found by walking the tree from the root.
  const inTree: string[] = [];
  const walk = async (parent: string, depth: number): Promise<void> => {
    assert.ok(depth <= 6, "OUs nested past the limit");
    inTree.push(
      ...(await orgPages(async (NextToken) => {
        const p = await orgs.send(new ListAccountsForParentCommand({ ParentId: parent, MaxResults: 1, NextToken }));
        return { items: p.Accounts ?? [], ...(p.NextToken ? { next: p.NextToken } : {}) };
      }, (x) => x.Id!)),
    );
    const children = await orgPages(async (NextToken) => {
      const p = await orgs.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent, MaxResults: 1, NextToken }));
      return { items: p.OrganizationalUnits ?? [], ...(p.NextToken ? { next: p.NextToken } : {}) };
    }, (x) => x.Id!);
    for (const c of children) await walk(c, depth + 1);
  };
  await walk(w.root, 1);
  assert.deepEqual([...inTree].sort(), [...accounts].sort());
  for (const type of [SCP, RCP, "TAG_POLICY", DISABLED_TYPE] as PolicyType[]) {
    const ids = await orgPages(async (NextToken) => {
      const p = await orgs.send(new ListPoliciesCommand({ Filter: type, MaxResults: 1, NextToken }));
      return { items: p.Policies ?? [], ...(p.NextToken ? { next: p.NextToken } : {}) };
    }, (x) => x.Id!);
    assert.ok(ids.length > 0, `no ${type} policies`);
  }
  // The remaining member account's access role still works.
  const creds = await assumeAccessRole(w.a1.accountId);
  assert.equal((await new STSClient(onServerClock(s, creds)).send(new GetCallerIdentityCommand({}))).Account, w.a1.accountId);
  assert.deepEqual(log.errors(), [], "error entries in the server log");
});

// ---------------------------------------------------------------------------------------------
// CloudTrail LookupEvents

const DAY = 24 * 3600 * 1000;

test(`CloudTrail LookupEvents: valid lookups with one hostile member (seed ${SEED})`, async () => {
  const started = Date.now();
  const random = rng(SEED + 4);
  const svc = service("cloudtrail");
  const ct = new CloudTrailClient(onServerClock(s));
  // Enough events for several pages (each Organizations and STS call is one).
  const sts = new STSClient(onServerClock(s));
  for (let i = 0; i < 6; i++) await sts.send(new GetCallerIdentityCommand({}));
  const byName = [{ AttributeKey: "EventName" as const, AttributeValue: "GetCallerIdentity" }];
  const first = await eventually(async () => {
    const p = await ct.send(new LookupEventsCommand({ LookupAttributes: byName, MaxResults: 1 }));
    return p.NextToken ? p : undefined;
  });
  const token = first.NextToken!;
  const unfiltered = (await ct.send(new LookupEventsCommand({ MaxResults: 1 }))).NextToken!;
  const eventId = first.Events![0]!.EventId!;
  const west = (await new CloudTrailClient(onServerClock(s, undefined, "us-west-2")).send(new LookupEventsCommand({ MaxResults: 1 }))).NextToken;

  const now = Date.now() + s.clock.offsetMs; // the server's time (the Organizations test moved it on)
  const at = (ms: number) => new Date(ms);
  const oc = new OperationCases("LookupEvents", { LookupAttributes: byName, MaxResults: 1 });
  const TIME = codes("InvalidTimeRangeException");
  const ATTRS = codes("InvalidLookupAttributesException");
  const MAX = codes("InvalidMaxResultsException");
  const TOKEN = codes("InvalidNextTokenException");
  oc.add("StartTime after EndTime", { StartTime: at(now), EndTime: at(now - 60_000) }, TIME);
  oc.add("StartTime a millisecond after EndTime", { StartTime: at(now - 59_999), EndTime: at(now - 60_000) }, TIME);
  oc.add("StartTime equal to EndTime", { StartTime: at(now), EndTime: at(now) }, "ok");
  oc.add("a range starting 91 days ago", { StartTime: at(now - 91 * DAY), EndTime: at(now) }, "ok");
  oc.add("a range wholly before the last 90 days", { StartTime: at(now - 400 * DAY), EndTime: at(now - 100 * DAY) }, "ok");
  oc.add("a range in the future", { StartTime: at(now + DAY), EndTime: at(now + 2 * DAY) }, "ok");
  oc.add("the epoch to year 9999", { StartTime: at(0), EndTime: at(253_402_300_799_000) }, "any");
  oc.add("year 9999 to the epoch", { StartTime: at(253_402_300_799_000), EndTime: at(0) }, TIME);
  oc.add("only an EndTime in 1970", { EndTime: at(1000) }, "ok");
  for (const key of ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"]) {
    const attr = (value: string) => ({ LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] });
    oc.add(`${key}: empty`, attr(""), ATTRS);
    oc.add(`${key}: 2,000 characters`, attr(ofLength(2000)), "ok");
    oc.add(`${key}: 2,001 characters`, attr(ofLength(2001)), ATTRS);
    for (const [l, t] of sampleOf(random, HOSTILE_TEXT, 3)) oc.add(`${key}: ${l}`, attr(t), key === "ReadOnly" ? "any" : "ok");
    oc.add(`${key}: 1,000 astral characters (2,000 UTF-16 units)`, attr("🔑".repeat(1000)), key === "ReadOnly" ? "any" : "ok");
  }
  oc.add("ReadOnly: true", { LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "true" }] }, "ok");
  oc.add("ReadOnly: FALSE", { LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "FALSE" }] }, "any");
  oc.add("EventId: a real one", { LookupAttributes: [{ AttributeKey: "EventId", AttributeValue: eventId }] }, "ok");
  oc.set("LookupAttributes", "unknown key", [{ AttributeKey: "Region", AttributeValue: "x" }], ATTRS);
  oc.set("LookupAttributes", "key in lower case", [{ AttributeKey: "eventname", AttributeValue: "x" }], ATTRS);
  oc.set("LookupAttributes", "two attributes", [...byName, { AttributeKey: "ReadOnly", AttributeValue: "true" }], ATTRS);
  oc.set("LookupAttributes", "no value", [{ AttributeKey: "EventName" }], codes("InvalidLookupAttributesException", "ValidationException"));
  oc.set("LookupAttributes", "no key", [{ AttributeValue: "x" }], codes("InvalidLookupAttributesException", "ValidationException"));
  oc.set("LookupAttributes", "empty list", [], "ok");
  oc.set("MaxResults", "0", 0, MAX);
  oc.set("MaxResults", "51", 51, MAX);
  oc.set("MaxResults", "-1", -1, MAX);
  oc.set("MaxResults", "2^31 - 1", 2_147_483_647, MAX);
  oc.set("MaxResults", "50", 50, "ok");
  oc.set("NextToken", "its own", token, "ok");
  oc.set("NextToken", "forged", randomBytes(40).toString("base64url"), TOKEN);
  oc.set("NextToken", "its own with the MAC cut", token.slice(0, token.indexOf(".") + 5), TOKEN);
  oc.set("NextToken", "its own with a flipped payload character", (token[0] === "e" ? "f" : "e") + token.slice(1), TOKEN);
  oc.set("NextToken", "2,000 characters", ofLength(2000), TOKEN);
  oc.set("NextToken", "an Organizations token", Buffer.from('{"o":"ListAccounts","a":"1"}').toString("base64url"), TOKEN);
  oc.add("NextToken: reused without the filter", { MaxResults: 1, NextToken: token }, TOKEN);
  oc.add("NextToken: reused with another attribute", { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "ListAccounts" }], MaxResults: 1, NextToken: token }, TOKEN);
  oc.add("NextToken: reused with a time range", { LookupAttributes: byName, StartTime: at(now - DAY), MaxResults: 1, NextToken: token }, TOKEN);
  oc.add("NextToken: an unfiltered token with a filter", { LookupAttributes: byName, NextToken: unfiltered }, TOKEN);
  oc.add("NextToken: reused with another MaxResults", { LookupAttributes: byName, MaxResults: 3, NextToken: token }, "ok");
  oc.add("NextToken: reused by another account", { LookupAttributes: byName, MaxResults: 1, NextToken: token }, TOKEN, (await memberAccount(s, "FuzzTrail")).admin);
  if (west !== undefined) oc.add("NextToken: of another region", { MaxResults: 1, NextToken: west }, TOKEN);
  oc.cases.push({ operation: "LookupEvents", label: "NextToken: its own, in another region", input: { LookupAttributes: byName, MaxResults: 1, NextToken: token }, expect: TOKEN, region: "eu-west-1" });
  oc.set("EventCategory", "insight", "insight", "ok");
  oc.set("EventCategory", "unknown", "management", codes("InvalidEventCategoryException"));
  const out: Outcome = { failures: [], sent: 0 };
  await run(svc, oc.cases, out);
  assert.ok(await wire.healthy(), "/health after CloudTrail");
  console.log(`handler fuzz CloudTrail: ${out.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}), ${out.failures.length} failures`);
  assert.deepEqual(out.failures.slice(0, 80), [], `${out.failures.length} bad answers (seed ${SEED})`);
  // Paging still works to the end with the SDK.
  let pages = 0;
  for (let next: string | undefined = undefined; pages < 100; pages++) {
    const p: { NextToken?: string } = await ct.send(new LookupEventsCommand({ LookupAttributes: byName, MaxResults: 2, NextToken: next }));
    next = p.NextToken;
    if (next === undefined) break;
  }
  assert.ok(pages >= 2 && pages < 100);
  assert.deepEqual(log.errors(), [], "error entries in the server log");
});
