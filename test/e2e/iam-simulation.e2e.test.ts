/**
 * IAM policy simulation through the real server and the AWS SDK: what SimulatePrincipalPolicy
 * answers for a user is what that user's real requests get (allowed → the call succeeds,
 * denied → AccessDenied), across identity allows, a group's explicit deny, a permissions
 * boundary, a policy variable and a condition on a request key.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetUserCommand,
  ListGroupsCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type ContextEntry,
} from "@aws-sdk/client-iam";
import { startTestServer, type TestServer, type Creds } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

async function outcome(p: Promise<unknown>): Promise<"allowed" | "denied"> {
  try {
    await p;
    return "allowed";
  } catch (e: any) {
    assert.equal(e.name, "AccessDenied", String(e));
    assert.equal(e.$metadata.httpStatusCode, 403);
    return "denied";
  }
}

test("SimulatePrincipalPolicy predicts the user's real requests", async () => {
  const admin = new IAMClient(s.clientConfig());
  const acct = s.accountId;
  const userArn = `arn:aws:iam::${acct}:user/dev`;
  await admin.send(new CreateUserCommand({ UserName: "dev" }));
  await admin.send(new CreateUserCommand({ UserName: "other" }));
  await admin.send(
    new PutUserPolicyCommand({
      UserName: "dev",
      PolicyName: "work",
      PolicyDocument: doc(
        { Effect: "Allow", Action: ["iam:ListUsers", "iam:ListRoles", "iam:CreateGroup"], Resource: "*" },
        { Effect: "Allow", Action: "iam:GetUser", Resource: `arn:aws:iam::${acct}:user/\${aws:username}` },
        { Effect: "Allow", Action: "iam:ListGroups", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } },
      ),
    }),
  );
  await admin.send(new CreateGroupCommand({ GroupName: "restricted" }));
  await admin.send(new PutGroupPolicyCommand({ GroupName: "restricted", PolicyName: "no-roles", PolicyDocument: doc({ Effect: "Deny", Action: "iam:ListRoles", Resource: "*" }) }));
  await admin.send(new AddUserToGroupCommand({ GroupName: "restricted", UserName: "dev" }));
  const boundary = await admin.send(new CreatePolicyCommand({ PolicyName: "read-only-boundary", PolicyDocument: doc({ Effect: "Allow", Action: ["iam:List*", "iam:Get*"], Resource: "*" }) }));
  await admin.send(new PutUserPermissionsBoundaryCommand({ UserName: "dev", PermissionsBoundary: boundary.Policy?.Arn }));

  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: "dev" }))).AccessKey;
  const dev = new IAMClient(s.clientConfig({ accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" } as Creds));

  // The request facts a real HTTPS call carries that the simulator cannot know, given as context.
  const https: ContextEntry[] = [{ ContextKeyName: "aws:SecureTransport", ContextKeyValues: ["true"], ContextKeyType: "boolean" }];
  const sim = async (action: string, resource?: string): Promise<string> => {
    const r = await admin.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: [action], ContextEntries: https, ...(resource ? { ResourceArns: [resource] } : {}) }),
    );
    assert.equal(r.EvaluationResults?.length, 1);
    return r.EvaluationResults?.[0]?.EvalDecision ?? "";
  };

  const cases: Array<{ action: string; resource?: string; call: () => Promise<unknown>; expect: string }> = [
    { action: "iam:ListUsers", call: () => dev.send(new ListUsersCommand({})), expect: "allowed" },
    { action: "iam:ListRoles", call: () => dev.send(new ListRolesCommand({})), expect: "explicitDeny" },
    { action: "iam:ListGroups", call: () => dev.send(new ListGroupsCommand({})), expect: "allowed" },
    { action: "iam:ListPolicies", call: () => dev.send(new ListPoliciesCommand({})), expect: "implicitDeny" },
    // Allowed by the identity policy, outside the boundary.
    { action: "iam:CreateGroup", resource: `arn:aws:iam::${acct}:group/newgroup`, call: () => dev.send(new CreateGroupCommand({ GroupName: "newgroup" })), expect: "implicitDeny" },
    { action: "iam:GetUser", resource: userArn, call: () => dev.send(new GetUserCommand({})), expect: "allowed" },
    { action: "iam:GetUser", resource: `arn:aws:iam::${acct}:user/other`, call: () => dev.send(new GetUserCommand({ UserName: "other" })), expect: "implicitDeny" },
  ];
  for (const c of cases) {
    const decision = await sim(c.action, c.resource);
    assert.equal(decision, c.expect, `${c.action} ${c.resource ?? "*"}: simulated`);
    const real = await outcome(c.call());
    assert.equal(real, decision === "allowed" ? "allowed" : "denied", `${c.action} ${c.resource ?? "*"}: real request`);
  }

  // Without the transport key the simulator reports it missing instead of guessing.
  const bare = await admin.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: ["iam:ListGroups", "iam:ListRoles"] }));
  assert.deepEqual(
    bare.EvaluationResults?.map((e) => [e.EvalDecision, e.MissingContextValues, e.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]),
    [
      ["implicitDeny", ["aws:SecureTransport"], true],
      ["explicitDeny", [], true],
    ],
  );
  const denyStatement = bare.EvaluationResults?.[1]?.MatchedStatements?.[0];
  assert.equal(denyStatement?.SourcePolicyId, "no-roles");
  assert.equal(denyStatement?.SourcePolicyType, "group");
  assert.deepEqual(denyStatement?.StartPosition, { Line: 1, Column: 39 });

  const keys = await admin.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: userArn }));
  assert.deepEqual(keys.ContextKeyNames, ["aws:username", "aws:SecureTransport"]);

  // The simulated user may not simulate another user's policies; the real authoriser says so.
  await assert.rejects(dev.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: ["iam:ListUsers"] })), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.match(e.message, new RegExp(`not authorized to perform: iam:SimulatePrincipalPolicy on resource: user ${userArn.split("/").pop()} because`));
    return true;
  });

  await assert.rejects(admin.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${acct}:user/ghost`, ActionNames: ["iam:ListUsers"] })), (e: any) => {
    assert.equal(e.name, "NoSuchEntityException");
    assert.equal(e.$metadata.httpStatusCode, 404);
    return true;
  });
  await assert.rejects(admin.send(new SimulateCustomPolicyCommand({ PolicyInputList: ["{"], ActionNames: ["iam:ListUsers"] })), (e: any) => {
    assert.equal(e.name, "InvalidInputException");
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
