import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  ConstraintViolationException,
  CreateAccount$,
  CreateAccountCommand,
  DescribeOrganization$,
  DescribeOrganizationCommand,
  ListAccounts$,
  ListAccountsCommand,
  OrganizationsClient,
  type CreateAccountCommandInput,
} from "@aws-sdk/client-organizations";
import { CloudTrailClient, LookupEvents$, LookupEventsCommand, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { AwsError, commonError } from "../core/errors.js";
import type { ServiceDefinition } from "../services/types.js";
import { engineFor } from "./index.js";
import { CLIENT_CONFIG, EngineHarness, REQUEST_ID, operation, thrown, wire } from "./test-harness.js";

function orgsService(): ServiceDefinition {
  return {
    name: "organizations",
    signingName: "organizations",
    protocol: "awsJson1_1",
    targetPrefix: "AWSOrganizationsV20161128",
    eventSource: "organizations.amazonaws.com",
    global: true,
    operations: {
      DescribeOrganization: operation(DescribeOrganization$),
      CreateAccount: operation(CreateAccount$),
      ListAccounts: operation(ListAccounts$),
    },
  };
}

function trailService(): ServiceDefinition {
  return {
    name: "cloudtrail",
    signingName: "cloudtrail",
    protocol: "awsJson1_1",
    targetPrefix: "CloudTrail_20131101",
    eventSource: "cloudtrail.amazonaws.com",
    operations: { LookupEvents: operation(LookupEvents$) },
  };
}

function orgs(): { h: EngineHarness; client: OrganizationsClient } {
  const h = new EngineHarness(engineFor("awsJson1_1"), orgsService());
  return { h, client: new OrganizationsClient({ ...CLIENT_CONFIG, requestHandler: h.requestHandler }) };
}

function trail(): { h: EngineHarness; client: CloudTrailClient } {
  const h = new EngineHarness(engineFor("awsJson1_1"), trailService());
  return { h, client: new CloudTrailClient({ ...CLIENT_CONFIG, requestHandler: h.requestHandler }) };
}

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown> & { $metadata: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown> & { $metadata: { httpStatusCode?: number; requestId?: string } };
  }
  throw new Error("expected the SDK call to fail");
}

const JSON_HEADERS = { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.CreateAccount" };

describe("awsJson engine with the real Organizations client", () => {
  test("DescribeOrganization (no input) round-trips; response headers are exact", async () => {
    const { h, client } = orgs();
    h.behaviour = () => ({
      Organization: {
        Id: "o-abc",
        Arn: "arn:aws:organizations::111122223333:organization/o-abc",
        FeatureSet: "ALL",
        MasterAccountId: "111122223333",
        AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
      },
    });
    const out = await client.send(new DescribeOrganizationCommand({}));
    assert.deepEqual(h.inputs, [{}]);
    assert.equal(out.Organization?.Id, "o-abc");
    assert.deepEqual(out.Organization?.AvailablePolicyTypes, [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }]);
    assert.equal(out.$metadata.requestId, REQUEST_ID);
    const res = h.responses[0]!;
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers, { "content-type": "application/x-amz-json-1.1", "x-amzn-RequestId": REQUEST_ID });
    assert.equal(h.requests[0]!.headers["x-amz-target"], "AWSOrganizationsV20161128.DescribeOrganization");
  });

  test("CreateAccount: input decoded exactly, timestamps in the output parse as Dates", async () => {
    const { h, client } = orgs();
    const requested = new Date("2024-03-04T05:06:07.5Z");
    h.behaviour = () => ({ CreateAccountStatus: { Id: "car-1", AccountName: "dev", State: "IN_PROGRESS", RequestedTimestamp: requested } });
    const input: CreateAccountCommandInput = {
      Email: "dev@example.com",
      AccountName: "dev",
      RoleName: "OrganizationAccountAccessRole",
      IamUserAccessToBilling: "DENY",
      Tags: [{ Key: "env", Value: "dev" }],
    };
    const out = await client.send(new CreateAccountCommand(input));
    assert.deepEqual(h.inputs[0], input);
    assert.equal(out.CreateAccountStatus?.RequestedTimestamp?.getTime(), requested.getTime());
    assert.ok(h.responses[0]!.body.toString("utf8").includes('"RequestedTimestamp":1709528767.5'));
  });

  test("ListAccounts: numeric input, list of structs with timestamps out", async () => {
    const { h, client } = orgs();
    const joined = new Date("2019-01-01T00:00:00Z");
    h.behaviour = () => ({
      Accounts: [
        { Id: "111122223333", Name: "mgmt", Email: "m@example.com", Status: "ACTIVE", JoinedMethod: "CREATED", JoinedTimestamp: joined },
        { Id: "444455556666", Name: "dev", Email: "d@example.com", Status: "ACTIVE", JoinedMethod: "INVITED", JoinedTimestamp: joined },
      ],
      NextToken: "tok",
    });
    const out = await client.send(new ListAccountsCommand({ MaxResults: 2 }));
    assert.deepEqual(h.inputs[0], { MaxResults: 2 });
    assert.deepEqual(out.Accounts?.map((a) => a.Id), ["111122223333", "444455556666"]);
    assert.equal(out.Accounts?.[1]?.JoinedTimestamp?.getTime(), joined.getTime());
    assert.equal(out.NextToken, "tok");
  });

  test("modelled errors: __type, Message member, extra fields, exception class and status", async () => {
    const { h, client } = orgs();
    h.behaviour = () => {
      throw new AwsError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.", 400);
    };
    const notInUse = await rejection(client.send(new DescribeOrganizationCommand({})));
    assert.ok(notInUse instanceof AWSOrganizationsNotInUseException);
    assert.equal(notInUse.message, "Your account is not a member of an organization.");
    assert.equal(notInUse.$metadata.httpStatusCode, 400);
    assert.equal(notInUse.$metadata.requestId, REQUEST_ID);
    const res = h.responses[0]!;
    assert.equal(res.body.toString("utf8"), '{"__type":"AWSOrganizationsNotInUseException","Message":"Your account is not a member of an organization."}');
    assert.equal(res.headers["x-amzn-ErrorType"], "AWSOrganizationsNotInUseException");
    assert.equal(res.headers["x-amzn-query-error"], undefined);

    h.behaviour = () => {
      throw new AwsError("ConstraintViolationException", "You have reached the limit.", 400, { fields: { Reason: "ACCOUNT_NUMBER_LIMIT_EXCEEDED" } });
    };
    const limit = await rejection(client.send(new ListAccountsCommand({})));
    assert.ok(limit instanceof ConstraintViolationException);
    assert.equal(limit.Reason, "ACCOUNT_NUMBER_LIMIT_EXCEEDED");
    assert.equal(limit.message, "You have reached the limit.");
  });

  test("common errors take the JSON code and status, also where the service models the code with another httpError", async () => {
    const { h, client } = orgs();
    h.behaviour = () => {
      throw commonError("AccessDenied", "You don't have permissions to access this resource.");
    };
    const denied = await rejection(client.send(new DescribeOrganizationCommand({})));
    assert.ok(denied instanceof AccessDeniedException);
    // Organizations' model gives AccessDeniedException httpError 403; its API reference and the service say 400.
    assert.equal(denied.$metadata.httpStatusCode, 400);
    h.behaviour = () => {
      throw commonError("UnrecognizedClient", "The security token included in the request is invalid.");
    };
    const bad = await rejection(client.send(new DescribeOrganizationCommand({})));
    assert.equal(bad.name, "UnrecognizedClientException");
    assert.equal(bad.message, "The security token included in the request is invalid.");
    assert.equal(bad.$metadata.httpStatusCode, 400);
    assert.equal(h.responses[1]!.body.toString("utf8"), '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}');
    h.behaviour = () => {
      throw commonError("MissingAuthenticationToken", "Missing Authentication Token");
    };
    const missing = await rejection(client.send(new DescribeOrganizationCommand({})));
    assert.equal(missing.name, "MissingAuthenticationTokenException");
    assert.equal(missing.$metadata.httpStatusCode, 403);
  });

  test("missing required members → ValidationException with the exact AWS message", async () => {
    const { h, client } = orgs();
    const one = await rejection(client.send(new CreateAccountCommand({ Email: "a@example.com" } as CreateAccountCommandInput)));
    assert.equal(one.name, "ValidationException");
    assert.equal(one.message, "1 validation error detected: Value null at 'accountName' failed to satisfy constraint: Member must not be null");
    assert.equal(one.$metadata.httpStatusCode, 400);
    const two = await rejection(client.send(new CreateAccountCommand({} as CreateAccountCommandInput)));
    assert.equal(
      two.message,
      "2 validation errors detected: Value null at 'email' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'accountName' failed to satisfy constraint: Member must not be null",
    );
    assert.equal(h.inputs.length, 0);
  });

  test("a service's own missing-required error replaces ValidationException", async () => {
    const svc: ServiceDefinition = {
      ...orgsService(),
      missingRequiredError: () => new AwsError("InvalidInputException", "You must specify a value for every required parameter.", 400, { fields: { Reason: "INPUT_REQUIRED" } }),
    };
    const h = new EngineHarness(engineFor("awsJson1_1"), svc);
    const client = new OrganizationsClient({ ...CLIENT_CONFIG, requestHandler: h.requestHandler });
    const e = await rejection(client.send(new CreateAccountCommand({ Email: "a@example.com" } as CreateAccountCommandInput)));
    assert.equal(e.name, "InvalidInputException");
    assert.equal(e.message, "You must specify a value for every required parameter.");
    assert.equal(e["Reason"], "INPUT_REQUIRED");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(h.inputs.length, 0);
  });

  test("malformed JSON and wrong member types → SerializationException", () => {
    const svc = orgsService();
    const engine = engineFor("awsJson1_1");
    engine.prepare(svc);
    const op = svc.operations["CreateAccount"]!;
    const decode = (body: string) => thrown(() => engine.decodeInput(svc, op, wire({ headers: JSON_HEADERS, body })));
    const malformed = decode('{"Email": ');
    assert.equal(malformed.common, "Serialization");
    const res = engine.encodeError(svc, malformed, REQUEST_ID);
    assert.equal(res.status, 400);
    assert.equal(res.headers["x-amzn-ErrorType"], "SerializationException");
    assert.equal(JSON.parse(res.body.toString("utf8")).__type, "SerializationException");
    assert.equal(decode('{"Email": 5, "AccountName": "a"}').message, "NUMBER_VALUE can not be converted to a String");
    assert.equal(decode('{"Email": "e", "AccountName": "a", "Tags": {}}').message, "Start of structure or map found where not expected.");
    assert.equal(decode('{"Email": "e", "AccountName": "a", "Tags": [{"Key": ["x"], "Value": "v"}]}').message, "Start of list found where not expected");
    assert.equal(decode("[]").message, "Start of list found where not expected");
    const list = svc.operations["ListAccounts"]!;
    const num = thrown(() => engine.decodeInput(svc, list, wire({ headers: JSON_HEADERS, body: '{"MaxResults":"ten"}' })));
    assert.equal(num.message, "STRING_VALUE can not be converted to a Number");
    // Empty bodies, {} and unknown members are accepted.
    assert.deepEqual(engine.decodeInput(svc, list, wire({ headers: JSON_HEADERS, body: "" })), {});
    assert.deepEqual(engine.decodeInput(svc, list, wire({ headers: JSON_HEADERS, body: '{"Bogus": [1], "MaxResults": null}' })), {});
    assert.deepEqual(engine.decodeInput(svc, svc.operations["DescribeOrganization"]!, wire({ headers: JSON_HEADERS, body: "{}" })), {});
  });

  test("X-Amz-Target and Content-Type select the operation, or UnknownOperationException", () => {
    const svc = orgsService();
    const engine = engineFor("awsJson1_1");
    const resolve = (headers: Record<string, string>, method = "POST") => engine.resolveOperation(svc, wire({ method, headers, body: "{}" }));
    assert.equal(resolve(JSON_HEADERS), "CreateAccount");
    assert.equal(resolve({ ...JSON_HEADERS, "content-type": "application/x-amz-json-1.0" }), "CreateAccount");
    const cases: Array<[Record<string, string>, string?]> = [
      [{ ...JSON_HEADERS, "x-amz-target": "AWSOrganizationsV20161128.Frobnicate" }],
      [{ ...JSON_HEADERS, "x-amz-target": "Other_20200101.CreateAccount" }],
      [{ ...JSON_HEADERS, "x-amz-target": "AWSOrganizationsV20161128.toString" }],
      [{ ...JSON_HEADERS, "x-amz-target": "CreateAccount" }],
      [{ "content-type": "application/x-amz-json-1.1" }],
      [{ ...JSON_HEADERS, "content-type": "application/json" }],
      [JSON_HEADERS, "GET"],
    ];
    for (const [headers, method] of cases) {
      const err = thrown(() => resolve(headers, method));
      const res = engine.encodeError(svc, err, REQUEST_ID);
      assert.equal(res.status, 400);
      assert.equal(res.body.toString("utf8"), '{"__type":"UnknownOperationException"}');
    }
  });
});

describe("awsJson engine with the real CloudTrail client", () => {
  test("LookupEvents: timestamps and lists both ways", async () => {
    const { h, client } = trail();
    const t = new Date("2024-01-02T03:04:05Z");
    h.behaviour = () => ({
      Events: [
        {
          EventId: "e1",
          EventName: "CreateUser",
          ReadOnly: "false",
          EventTime: t,
          EventSource: "iam.amazonaws.com",
          Username: "alice",
          Resources: [{ ResourceType: "AWS::IAM::User", ResourceName: "bob" }],
          CloudTrailEvent: '{"eventVersion":"1.08"}',
        },
      ],
      NextToken: "n",
    });
    const input: LookupEventsCommandInput = {
      LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateUser" }],
      StartTime: new Date("2024-01-01T00:00:00Z"),
      EndTime: new Date("2024-01-03T00:00:00.250Z"),
      MaxResults: 50,
    };
    const out = await client.send(new LookupEventsCommand(input));
    assert.deepEqual(h.inputs[0], input);
    assert.equal(out.Events?.[0]?.EventTime?.getTime(), t.getTime());
    assert.deepEqual(out.Events?.[0]?.Resources, [{ ResourceType: "AWS::IAM::User", ResourceName: "bob" }]);
    assert.equal(out.Events?.[0]?.CloudTrailEvent, '{"eventVersion":"1.08"}');
  });

  test("nested required members are reported with their path", async () => {
    const { client } = trail();
    const err = await rejection(
      client.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName" }] } as LookupEventsCommandInput)),
    );
    assert.equal(err.name, "ValidationException");
    assert.equal(
      err.message,
      "1 validation error detected: Value null at 'lookupAttributes.1.member.attributeValue' failed to satisfy constraint: Member must not be null",
    );
  });

  test("errors of services not declared awsQueryCompatible carry no x-amzn-query-error, even with awsQueryError traits", async () => {
    const { h, client } = trail();
    h.behaviour = () => {
      throw new AwsError("InvalidLookupAttributesException", "Invalid attribute key.", 400);
    };
    const err = await rejection(client.send(new LookupEventsCommand({})));
    assert.equal(err.name, "InvalidLookupAttributesException");
    assert.equal(err.message, "Invalid attribute key.");
    assert.equal(h.responses[0]!.headers["x-amzn-query-error"], undefined);
    assert.equal(h.responses[0]!.body.toString("utf8"), '{"__type":"InvalidLookupAttributesException","Message":"Invalid attribute key."}');
  });
});

describe("awsJson1_0", () => {
  test("responses use the 1.0 content type", () => {
    const engine = engineFor("awsJson1_0");
    const res = engine.encodeError(undefined, commonError("Throttling", "Rate exceeded"), "rid");
    assert.equal(res.status, 400);
    assert.deepEqual(res.headers, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-RequestId": "rid",
      "x-amzn-ErrorType": "ThrottlingException",
    });
    assert.equal(res.body.toString("utf8"), '{"__type":"ThrottlingException","message":"Rate exceeded"}');
  });
});
