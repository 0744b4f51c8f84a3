import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parsePolicy } from "../../iam/policy/index.js";
import { grantsService, organizationsAccess, serviceLastAccessed, type Activity, type ReportEntity } from "./last-accessed.js";
import type { ServiceDefinition } from "../types.js";
import { lastAccessedServices, type LastAccessedService } from "./last-accessed-services.js";

const T = Date.UTC(2026, 2, 1, 12, 0, 0);

const SERVICES: LastAccessedService[] = [
  { namespace: "iam", name: "AWS Identity and Access Management", eventSource: "iam.amazonaws.com", actions: ["GetUser", "ListUsers", "TagUser"], tracked: new Set(["GetUser", "ListUsers"]) },
  { namespace: "kms", name: "AWS Key Management Service", eventSource: "kms.amazonaws.com", actions: ["CreateKey", "Decrypt", "Encrypt"], tracked: new Set(["CreateKey", "Decrypt", "Encrypt"]) },
  { namespace: "organizations", name: "AWS Organizations", eventSource: "organizations.amazonaws.com", actions: ["DescribeOrganization"], tracked: new Set(["DescribeOrganization"]) },
  { namespace: "sts", name: "AWS Security Token Service", eventSource: "sts.amazonaws.com", actions: ["GetCallerIdentity", "GetSessionToken"], tracked: new Set(["GetCallerIdentity", "GetSessionToken"]) },
  { namespace: "wafv2", name: "AWS WAF V2", eventSource: "wafv2.amazonaws.com", actions: ["ListWebACLs"], tracked: undefined },
];

const policy = (statement: object[]) => parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: statement }), "identity");

const alice: ReportEntity = { type: "USER", id: "AIDAALICE00000000001", arn: "arn:aws:iam::111122223333:user/alice", name: "alice", path: "/" };
const bob: ReportEntity = { type: "USER", id: "AIDABOB0000000000001", arn: "arn:aws:iam::111122223333:user/dev/bob", name: "bob", path: "/dev/" };
const deploy: ReportEntity = { type: "ROLE", id: "AROADEPLOY0000000001", arn: "arn:aws:iam::111122223333:role/Deploy", name: "Deploy", path: "/" };

let seq = 0;
function act(entity: ReportEntity | "root", source: string, eventName: string, minutesAgo: number, region = "eu-west-1", accountId = "111122223333"): Activity {
  const actor = entity === "root" ? { kind: "root" as const, accountId } : { kind: entity.type === "USER" ? ("user" as const) : ("role" as const), id: entity.id };
  return { actor, accountId, eventSource: `${source}.amazonaws.com`, eventName, time: T - minutesAgo * 60_000, seq: ++seq, region };
}

describe("grantsService", () => {
  test("an Allow whose Action or NotAction covers one of the service's actions grants it; a Deny grants nothing", () => {
    const kms = SERVICES[1] as LastAccessedService;
    const iam = SERVICES[0] as LastAccessedService;
    assert.equal(grantsService([policy([{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }])], kms), true);
    assert.equal(grantsService([policy([{ Effect: "Allow", Action: "KMS:en*", Resource: "arn:aws:kms:*:*:key/x", Condition: { Bool: { "aws:SecureTransport": "true" } } }])], kms), true);
    assert.equal(grantsService([policy([{ Effect: "Allow", Action: "kms:NoSuchAction", Resource: "*" }])], kms), false);
    assert.equal(grantsService([policy([{ Effect: "Deny", Action: "kms:*", Resource: "*" }])], kms), false);
    assert.equal(grantsService([policy([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }])], kms), true);
    assert.equal(grantsService([policy([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }])], iam), false);
    assert.equal(grantsService([policy([{ Effect: "Allow", NotAction: ["iam:GetUser", "iam:ListUsers"], Resource: "*" }])], iam), true);
    assert.equal(grantsService([policy([{ Effect: "Allow", Action: "*", Resource: "*" }])], iam), true);
    assert.equal(grantsService([], iam), false);
  });
});

describe("serviceLastAccessed", () => {
  test("a user's report: allowed services only, the last attempt per service, never-used services without data", () => {
    const policies = [policy([{ Effect: "Allow", Action: ["kms:*", "sts:GetCallerIdentity", "organizations:Describe*"], Resource: "*" }])];
    const activity = [
      act(alice, "kms", "CreateKey", 30, "us-west-2"),
      act(alice, "kms", "Decrypt", 10, "eu-central-1"), // the latest kms attempt (denied or not, it counts)
      act(alice, "sts", "GetCallerIdentity", 20, "us-east-1"),
      act(alice, "iam", "ListUsers", 5, "us-east-1"), // iam is not allowed by the policies: not reported
      act(bob, "kms", "Encrypt", 1), // someone else
    ];
    const report = serviceLastAccessed({ services: SERVICES, policies, entities: [alice], activity, actionLevel: false });
    assert.deepEqual(report, [
      {
        namespace: "kms",
        name: "AWS Key Management Service",
        last: { time: T - 10 * 60_000, entityArn: alice.arn, region: "eu-central-1" },
        totalEntities: 1,
        entities: [{ entity: alice, time: T - 10 * 60_000 }],
      },
      { namespace: "organizations", name: "AWS Organizations", totalEntities: 0, entities: [{ entity: alice }] },
      {
        namespace: "sts",
        name: "AWS Security Token Service",
        last: { time: T - 20 * 60_000, entityArn: alice.arn, region: "us-east-1" },
        totalEntities: 1,
        entities: [{ entity: alice, time: T - 20 * 60_000 }],
      },
    ]);
  });

  test("ACTION_LEVEL adds the tracked actions used, by name; services without action-level data get none", () => {
    const policies = [policy([{ Effect: "Allow", Action: ["iam:*", "wafv2:*"], Resource: "*" }])];
    const activity = [
      act(deploy, "iam", "ListUsers", 50, "us-east-1"),
      act(deploy, "iam", "GetUser", 40, "us-east-1"),
      act(deploy, "iam", "ListUsers", 30, "us-east-1"),
      act(deploy, "iam", "TagUser", 1, "us-east-1"), // untracked: counts for the service, not as an action
      act(deploy, "wafv2", "ListWebACLs", 2, "us-west-1"),
    ];
    const report = serviceLastAccessed({ services: SERVICES, policies, entities: [deploy], activity, actionLevel: true });
    assert.deepEqual(report[0], {
      namespace: "iam",
      name: "AWS Identity and Access Management",
      last: { time: T - 60_000, entityArn: deploy.arn, region: "us-east-1" },
      totalEntities: 1,
      actions: [
        { action: "GetUser", time: T - 40 * 60_000, entityArn: deploy.arn, region: "us-east-1" },
        { action: "ListUsers", time: T - 30 * 60_000, entityArn: deploy.arn, region: "us-east-1" },
      ],
      entities: [{ entity: deploy, time: T - 60_000 }],
    });
    assert.equal(report[1]?.namespace, "wafv2");
    assert.equal(report[1]?.actions, undefined);
    assert.deepEqual(report[1]?.last, { time: T - 2 * 60_000, entityArn: deploy.arn, region: "us-west-1" });
    // SERVICE_LEVEL: no action data at all.
    assert.equal(serviceLastAccessed({ services: SERVICES, policies, entities: [deploy], activity, actionLevel: false })[0]?.actions, undefined);
  });

  test("a group's report counts every member: the latest attempt names its entity, entities are ordered most recent first", () => {
    const carol: ReportEntity = { type: "USER", id: "AIDACAROL00000000001", arn: "arn:aws:iam::111122223333:user/carol", name: "carol", path: "/" };
    const policies = [policy([{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*" }])];
    const activity = [act(alice, "kms", "Encrypt", 60), act(bob, "kms", "Decrypt", 15, "ap-south-1"), act("root", "kms", "Encrypt", 1)];
    const [kms] = serviceLastAccessed({ services: SERVICES, policies, entities: [carol, alice, bob], activity, actionLevel: false });
    assert.deepEqual(kms?.last, { time: T - 15 * 60_000, entityArn: bob.arn, region: "ap-south-1" });
    assert.equal(kms?.totalEntities, 2);
    assert.deepEqual(kms?.entities, [{ entity: bob, time: T - 15 * 60_000 }, { entity: alice, time: T - 60 * 60_000 }, { entity: carol }]);
  });

  test("attempts in the same millisecond: the later event wins", () => {
    const a = act(alice, "kms", "Encrypt", 0, "us-east-1");
    const b = { ...act(alice, "kms", "Decrypt", 0, "us-west-2"), time: a.time };
    const [kms] = serviceLastAccessed({ services: SERVICES, policies: [policy([{ Effect: "Allow", Action: "kms:*", Resource: "*" }])], entities: [alice], activity: [b, a].reverse(), actionLevel: false });
    assert.equal(kms?.last?.region, "us-west-2");
  });
});

describe("organizationsAccess", () => {
  test("every service, the latest attempt of any principal of the covered accounts, and how many accounts made one", () => {
    const accounts = [
      { accountId: "222233334444", entityPath: "o-abcdefghij/r-ab12/222233334444" },
      { accountId: "555566667777", entityPath: "o-abcdefghij/r-ab12/555566667777" },
    ];
    const activity = [
      act("root", "kms", "CreateKey", 30, "us-east-2", "222233334444"),
      act(alice, "kms", "Encrypt", 20, "eu-west-3", "555566667777"),
      act(deploy, "sts", "GetCallerIdentity", 10, "us-east-1", "555566667777"),
      act(alice, "iam", "GetUser", 1, "us-east-1", "999999999999"), // not covered
    ];
    const report = organizationsAccess({ services: SERVICES, accounts, activity });
    assert.deepEqual(
      report.map((s) => [s.namespace, s.totalEntities, s.last?.entityPath ?? null, s.last?.region ?? null]),
      [
        ["iam", 0, null, null],
        ["kms", 2, "o-abcdefghij/r-ab12/555566667777", "eu-west-3"],
        ["organizations", 0, null, null],
        ["sts", 1, "o-abcdefghij/r-ab12/555566667777", "us-east-1"],
        ["wafv2", 0, null, null],
      ],
    );
  });
});

describe("lastAccessedServices", () => {
  const def = (name: string, ops: string[]): ServiceDefinition => ({
    name,
    signingName: name,
    protocol: "awsJson1_1",
    eventSource: `${name}.amazonaws.com`,
    operations: Object.fromEntries(ops.map((o) => [o, { schema: undefined, handler: async () => ({}) }])),
  });

  test("every served service by namespace, named as AWS names it, with the actions AWS tracks at action level", () => {
    const catalog = lastAccessedServices([
      def("wafv2", ["ListWebACLs"]),
      def("kms", ["Encrypt", "ReEncrypt", "TagResource", "PutKeyPolicy", "ListResourceTags"]),
      def("iam", ["GetUser", "TagUser", "UntagUser", "ListUserTags", "ListUsers", "ListOpenIDConnectProviderTags"]),
      def("sts", ["AssumeRole", "AssumeRoot"]),
      def("example", ["DoThing"]),
    ]);
    assert.deepEqual(
      catalog.map((s) => [s.namespace, s.name, s.eventSource, s.actions, s.tracked === undefined ? null : [...s.tracked]]),
      [
        ["example", "example", "example.amazonaws.com", ["DoThing"], null],
        ["iam", "AWS Identity and Access Management", "iam.amazonaws.com", ["GetUser", "ListOpenIDConnectProviderTags", "ListUserTags", "ListUsers", "TagUser", "UntagUser"], ["GetUser", "ListUsers"]],
        ["kms", "AWS Key Management Service", "kms.amazonaws.com", ["Encrypt", "ListResourceTags", "PutKeyPolicy", "ReEncrypt", "TagResource"], ["Encrypt"]],
        ["sts", "AWS Security Token Service", "sts.amazonaws.com", ["AssumeRole", "AssumeRoot"], ["AssumeRole"]],
        ["wafv2", "AWS WAF V2", "wafv2.amazonaws.com", ["ListWebACLs"], null],
      ],
    );
  });
});
