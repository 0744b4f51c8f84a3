import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AssumeRole$,
  AssumeRoleCommand,
  GetCallerIdentity$,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleCommandInput,
} from "@aws-sdk/client-sts";
import {
  CreateAccessKey$,
  CreateAccessKeyCommand,
  CreateUser$,
  CreateUserCommand,
  IAMClient,
  ListUsers$,
  ListUsersCommand,
  NoSuchEntityException,
  TagUser$,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import { AwsError, commonError } from "../core/errors.js";
import type { ServiceDefinition } from "../services/types.js";
import { engineFor } from "./index.js";
import { CLIENT_CONFIG, EngineHarness, REQUEST_ID, operation, thrown, wire } from "./test-harness.js";

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";

function stsService(): ServiceDefinition {
  return {
    name: "sts",
    signingName: "sts",
    protocol: "awsQuery",
    xmlNamespace: STS_NS,
    apiVersion: "2011-06-15",
    eventSource: "sts.amazonaws.com",
    operations: { GetCallerIdentity: operation(GetCallerIdentity$), AssumeRole: operation(AssumeRole$) },
  };
}

function iamService(): ServiceDefinition {
  return {
    name: "iam",
    signingName: "iam",
    protocol: "awsQuery",
    xmlNamespace: IAM_NS,
    apiVersion: "2010-05-08",
    eventSource: "iam.amazonaws.com",
    global: true,
    operations: {
      CreateUser: operation(CreateUser$),
      ListUsers: operation(ListUsers$),
      CreateAccessKey: operation(CreateAccessKey$),
      TagUser: operation(TagUser$),
    },
  };
}

function sts(): { h: EngineHarness; client: STSClient } {
  const h = new EngineHarness(engineFor("awsQuery"), stsService());
  return { h, client: new STSClient({ ...CLIENT_CONFIG, requestHandler: h.requestHandler }) };
}

function iam(): { h: EngineHarness; client: IAMClient } {
  const h = new EngineHarness(engineFor("awsQuery"), iamService());
  return { h, client: new IAMClient({ ...CLIENT_CONFIG, requestHandler: h.requestHandler }) };
}

async function rejection(p: Promise<unknown>): Promise<Error & { name: string; $metadata: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { name: string; $metadata: { httpStatusCode?: number; requestId?: string } };
  }
  throw new Error("expected the SDK call to fail");
}

describe("awsQuery engine with the real STS client", () => {
  test("GetCallerIdentity round-trips and the envelope is exact", async () => {
    const { h, client } = sts();
    h.behaviour = () => ({ UserId: "AIDAEXAMPLE", Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice" });
    const out = await client.send(new GetCallerIdentityCommand({}));
    assert.deepEqual(h.inputs, [{}]);
    assert.equal(out.UserId, "AIDAEXAMPLE");
    assert.equal(out.Account, "111122223333");
    assert.equal(out.Arn, "arn:aws:iam::111122223333:user/alice");
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.$metadata.requestId, REQUEST_ID);
    const res = h.responses[0]!;
    assert.equal(res.headers["content-type"], "text/xml");
    assert.equal(res.headers["x-amzn-RequestId"], REQUEST_ID);
    assert.equal(
      res.body.toString("utf8"),
      `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId>` +
        `<Account>111122223333</Account><Arn>arn:aws:iam::111122223333:user/alice</Arn></GetCallerIdentityResult>` +
        `<ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  });

  test("AssumeRole: every parameter the SDK sends is decoded, timestamps come back as Dates", async () => {
    const { h, client } = sts();
    const expiration = new Date("2030-01-02T03:04:05Z");
    h.behaviour = () => ({
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s3cr3t", SessionToken: "tok", Expiration: expiration },
      AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLE:sess", Arn: "arn:aws:sts::111122223333:assumed-role/R/sess" },
      PackedPolicySize: 6,
      SourceIdentity: "me",
    });
    const input: AssumeRoleCommandInput = {
      RoleArn: "arn:aws:iam::111122223333:role/R",
      RoleSessionName: "sess",
      PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, { arn: "arn:aws:iam::111122223333:policy/p" }],
      Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
      DurationSeconds: 3600,
      Tags: [{ Key: "team", Value: "a b&c=d" }, { Key: "cost", Value: "" }],
      TransitiveTagKeys: ["team"],
      ExternalId: "ext+id/=",
      SourceIdentity: "me",
    };
    const out = await client.send(new AssumeRoleCommand(input));
    assert.deepEqual(h.inputs[0], input);
    assert.equal(out.Credentials?.AccessKeyId, "ASIAEXAMPLE");
    assert.ok(out.Credentials?.Expiration instanceof Date);
    assert.equal(out.Credentials?.Expiration?.getTime(), expiration.getTime());
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::111122223333:assumed-role/R/sess");
    assert.equal(out.PackedPolicySize, 6);
    assert.ok(h.responses[0]!.body.toString("utf8").includes("<Expiration>2030-01-02T03:04:05Z</Expiration>"));
  });

  test("missing required members → ValidationError with the exact AWS message", async () => {
    const { h, client } = sts();
    const err = await rejection(client.send(new AssumeRoleCommand({ RoleSessionName: "s" } as AssumeRoleCommandInput)));
    assert.equal(err.name, "ValidationError");
    assert.equal(err.message, "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.$metadata.requestId, REQUEST_ID);
    assert.equal(h.inputs.length, 0);
    const both = await rejection(client.send(new AssumeRoleCommand({ Tags: [{ Key: "k" }] } as AssumeRoleCommandInput)));
    assert.equal(
      both.message,
      "3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
    );
  });

  test("a non-numeric DurationSeconds is a ValidationError naming the member", () => {
    const svc = stsService();
    const engine = engineFor("awsQuery");
    const req = wire({
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Action=AssumeRole&Version=2011-06-15&RoleArn=r&RoleSessionName=s&DurationSeconds=12x",
    });
    const op = svc.operations[engine.resolveOperation(svc, req)]!;
    const err = thrown(() => engine.decodeInput(svc, op, req));
    assert.equal(err.common, "Serialization");
    assert.equal(err.message, "1 validation error detected: Value '12x' at 'durationSeconds' failed to satisfy constraint: Member must be a number");
    const res = engine.encodeError(svc, err, REQUEST_ID);
    assert.equal(res.status, 400);
    assert.ok(res.body.toString("utf8").includes("<Code>ValidationError</Code>"));
  });

  test("modelled and common errors parse into the right SDK errors", async () => {
    const { h, client } = sts();
    h.behaviour = () => {
      throw commonError("ExpiredToken", "The security token included in the request is expired");
    };
    const expired = await rejection(client.send(new GetCallerIdentityCommand({})));
    assert.equal(expired.name, "ExpiredToken");
    assert.equal(expired.message, "The security token included in the request is expired");
    assert.equal(expired.$metadata.httpStatusCode, 403);
    assert.equal(
      h.responses[0]!.body.toString("utf8"),
      `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>ExpiredToken</Code>` +
        `<Message>The security token included in the request is expired</Message></Error>` +
        `<RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`,
    );
    h.behaviour = () => {
      throw commonError("InvalidSignature", "The request signature we calculated does not match the signature you provided.");
    };
    const sig = await rejection(client.send(new GetCallerIdentityCommand({})));
    assert.equal(sig.name, "SignatureDoesNotMatch");
    assert.equal(sig.$metadata.httpStatusCode, 403);
    h.behaviour = () => {
      throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
    };
    const internal = await rejection(client.send(new GetCallerIdentityCommand({})));
    assert.equal(internal.name, "InternalFailure");
    assert.equal(internal.$metadata.httpStatusCode, 500);
    assert.ok(h.responses[2]!.body.toString("utf8").includes("<Type>Receiver</Type>"));
  });

  test("XML special characters in messages are escaped and read back intact", async () => {
    const { h, client } = sts();
    const message = `bad <tag> & "quotes" 'apos' ]]> \u0001end`;
    h.behaviour = () => {
      throw new AwsError("MalformedPolicyDocument", message, 400);
    };
    const err = await rejection(client.send(new GetCallerIdentityCommand({})));
    assert.equal(err.name, "MalformedPolicyDocumentException");
    assert.equal(err.message, `bad <tag> & "quotes" 'apos' ]]> \uFFFDend`);
    const xml = h.responses[0]!.body.toString("utf8");
    assert.ok(xml.includes("<Message>bad &lt;tag&gt; &amp; &quot;quotes&quot; &apos;apos&apos; ]]&gt; \uFFFDend</Message>"));
  });

  test("unknown Action, wrong or missing Version → InvalidAction", () => {
    const svc = stsService();
    const engine = engineFor("awsQuery");
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const unknown = thrown(() => engine.resolveOperation(svc, wire({ headers: form, body: "Action=Frobnicate&Version=2011-06-15" })));
    assert.equal(unknown.message, "Could not find operation Frobnicate for version 2011-06-15");
    const res = engine.encodeError(svc, unknown, REQUEST_ID);
    assert.equal(res.status, 400);
    assert.ok(res.body.toString("utf8").includes("<Code>InvalidAction</Code>"));
    const wrongVersion = thrown(() => engine.resolveOperation(svc, wire({ headers: form, body: "Action=GetCallerIdentity&Version=2010-05-08" })));
    assert.equal(wrongVersion.message, "Could not find operation GetCallerIdentity for version 2010-05-08");
    const noVersion = thrown(() => engine.resolveOperation(svc, wire({ headers: form, body: "Action=GetCallerIdentity" })));
    assert.equal(noVersion.message, "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED");
    // Names inherited from Object.prototype are not operations.
    const proto = thrown(() => engine.resolveOperation(svc, wire({ headers: form, body: "Action=constructor&Version=2011-06-15" })));
    assert.equal(proto.common, "UnknownOperation");
  });

  test("a POST whose body is not a form has no Action; GET with a query string works", () => {
    const svc = stsService();
    const engine = engineFor("awsQuery");
    const json = thrown(() =>
      engine.resolveOperation(svc, wire({ headers: { "content-type": "application/json" }, body: "Action=GetCallerIdentity&Version=2011-06-15" })),
    );
    assert.equal(json.code, "MissingAction");
    assert.equal(json.status, 400);
    const get = wire({ method: "GET", rawQuery: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2FR&RoleSessionName=a+b" });
    assert.equal(engine.resolveOperation(svc, get), "AssumeRole");
    assert.deepEqual(engine.decodeInput(svc, svc.operations["AssumeRole"]!, get), { RoleArn: "arn:aws:iam::1:role/R", RoleSessionName: "a b" });
  });

  test("unknown error codes still produce a well-formed error without a service", async () => {
    const engine = engineFor("awsQuery");
    const res = engine.encodeError(undefined, commonError("MissingAuthenticationToken", "Request is missing Authentication Token"), "rid");
    assert.equal(res.status, 403);
    assert.equal(
      res.body.toString("utf8"),
      "<ErrorResponse><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>" +
        "<Message>Request is missing Authentication Token</Message></Error><RequestId>rid</RequestId></ErrorResponse>",
    );
  });
});

describe("awsQuery engine with the real IAM client", () => {
  test("CreateUser with tags and permissions boundary; User.CreateDate parses as a Date", async () => {
    const { h, client } = iam();
    const created = new Date("2024-05-06T07:08:09.123Z");
    h.behaviour = (_op, input) => {
      const i = input as { UserName: string; Path?: string; Tags?: unknown[] };
      return { User: { Path: i.Path, UserName: i.UserName, UserId: "AIDAX", Arn: "arn:aws:iam::1:user/p/bob", CreateDate: created, Tags: i.Tags } };
    };
    const input = {
      UserName: "bob",
      Path: "/p/",
      PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
      Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }],
    };
    const out = await client.send(new CreateUserCommand(input));
    assert.deepEqual(h.inputs[0], input);
    assert.equal(out.User?.UserName, "bob");
    assert.equal(out.User?.CreateDate?.getTime(), created.getTime());
    assert.deepEqual(out.User?.Tags, input.Tags);
  });

  test("ListUsers: numbers in, empty and non-empty lists out", async () => {
    const { h, client } = iam();
    h.behaviour = () => ({ Users: [], IsTruncated: false });
    const empty = await client.send(new ListUsersCommand({ MaxItems: 10, PathPrefix: "/" }));
    assert.deepEqual(h.inputs[0], { MaxItems: 10, PathPrefix: "/" });
    assert.deepEqual(empty.Users, []);
    assert.equal(empty.IsTruncated, false);
    const d = new Date("2020-01-01T00:00:00Z");
    h.behaviour = () => ({
      Users: [
        { Path: "/", UserName: "a", UserId: "AIDA1", Arn: "arn:aws:iam::1:user/a", CreateDate: d },
        { Path: "/", UserName: "b", UserId: "AIDA2", Arn: "arn:aws:iam::1:user/b", CreateDate: d, PasswordLastUsed: d },
      ],
      IsTruncated: true,
      Marker: "m&1",
    });
    const two = await client.send(new ListUsersCommand({}));
    assert.deepEqual(h.inputs[1], {});
    assert.deepEqual(two.Users?.map((u) => u.UserName), ["a", "b"]);
    assert.equal(two.Users?.[1]?.PasswordLastUsed?.getTime(), d.getTime());
    assert.equal(two.IsTruncated, true);
    assert.equal(two.Marker, "m&1");
  });

  test("CreateAccessKey and TagUser (operation without output: only ResponseMetadata)", async () => {
    const { h, client } = iam();
    const d = new Date("2021-02-03T04:05:06Z");
    h.behaviour = (op) =>
      op === "CreateAccessKey" ? { AccessKey: { UserName: "bob", AccessKeyId: "AKIA1", Status: "Active", SecretAccessKey: "sk", CreateDate: d } } : {};
    const key = await client.send(new CreateAccessKeyCommand({ UserName: "bob" }));
    assert.equal(key.AccessKey?.SecretAccessKey, "sk");
    assert.equal(key.AccessKey?.CreateDate?.getTime(), d.getTime());
    const tags = [{ Key: "k1", Value: "v1" }, { Key: "k 2", Value: "v=2&x" }];
    const tagged = await client.send(new TagUserCommand({ UserName: "bob", Tags: tags }));
    assert.deepEqual(h.inputs[1], { UserName: "bob", Tags: tags });
    assert.equal(tagged.$metadata.httpStatusCode, 200);
    assert.equal(
      h.responses[1]!.body.toString("utf8"),
      `<TagUserResponse xmlns="${IAM_NS}"><ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></TagUserResponse>`,
    );
  });

  test("service errors keep their code and status; the SDK maps them to its exception classes", async () => {
    const { h, client } = iam();
    h.behaviour = () => {
      throw new AwsError("NoSuchEntity", "The user with name nobody cannot be found.", 404);
    };
    const err = await rejection(client.send(new CreateAccessKeyCommand({ UserName: "nobody" })));
    assert.ok(err instanceof NoSuchEntityException);
    assert.equal(err.message, "The user with name nobody cannot be found.");
    assert.equal(err.$metadata.httpStatusCode, 404);
    h.behaviour = () => {
      throw commonError("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: iam:ListUsers");
    };
    const denied = await rejection(client.send(new ListUsersCommand({})));
    assert.equal(denied.name, "AccessDenied");
    assert.equal(denied.$metadata.httpStatusCode, 403);
  });
});

describe("awsQuery engine: the JSON form (Accept: application/json)", () => {
  const accept = (value: string) => wire({ method: "GET", headers: { accept: value } });

  test("GetCallerIdentity: the document clients parse without an SDK, served as application/json", () => {
    const svc = stsService();
    const res = engineFor("awsQuery").encodeOutput(
      svc,
      svc.operations["GetCallerIdentity"]!,
      { UserId: "AIDAEXAMPLE", Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice" },
      REQUEST_ID,
      accept("application/json"),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.equal(res.headers["x-amzn-RequestId"], REQUEST_ID);
    assert.equal(
      res.body.toString("utf8"),
      `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"UserId":"AIDAEXAMPLE","Account":"111122223333",` +
        `"Arn":"arn:aws:iam::111122223333:user/alice"},"ResponseMetadata":{"RequestId":"${REQUEST_ID}"}}}`,
    );
  });

  test("AssumeRole: members without a value are null, timestamps epoch seconds", () => {
    const svc = stsService();
    const res = engineFor("awsQuery").encodeOutput(
      svc,
      svc.operations["AssumeRole"]!,
      {
        Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date("2030-01-02T03:04:05Z") },
        AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLE:sess", Arn: "arn:aws:sts::111122223333:assumed-role/R/sess" },
      },
      REQUEST_ID,
      accept("text/html, application/json;q=0.9"),
    );
    const doc = JSON.parse(res.body.toString("utf8"));
    assert.deepEqual(Object.keys(doc), ["AssumeRoleResponse"]);
    assert.deepEqual(doc.AssumeRoleResponse.ResponseMetadata, { RequestId: REQUEST_ID });
    const result = doc.AssumeRoleResponse.AssumeRoleResult;
    assert.deepEqual(result.Credentials, { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: 1893553445 });
    assert.deepEqual(result.AssumedRoleUser, { AssumedRoleId: "AROAEXAMPLE:sess", Arn: "arn:aws:sts::111122223333:assumed-role/R/sess" });
    // Every other member of the output shape is there, without a value.
    assert.equal(result.PackedPolicySize, null);
    assert.equal(result.SourceIdentity, null);
    for (const [k, v] of Object.entries(result)) if (k !== "Credentials" && k !== "AssumedRoleUser") assert.equal(v, null, k);
  });

  test("lists are arrays; an operation without output has only ResponseMetadata", () => {
    const svc = iamService();
    const engine = engineFor("awsQuery");
    const created = new Date("2024-05-06T07:08:09Z");
    const list = engine.encodeOutput(
      svc,
      svc.operations["ListUsers"]!,
      { Users: [{ Path: "/", UserName: "bob", UserId: "AIDABOB", Arn: "arn:aws:iam::1:user/bob", CreateDate: created }], IsTruncated: false },
      REQUEST_ID,
      accept("application/json"),
    );
    const users = JSON.parse(list.body.toString("utf8")).ListUsersResponse.ListUsersResult;
    assert.equal(users.IsTruncated, false);
    assert.equal(users.Marker, null);
    assert.equal(users.Users.length, 1);
    assert.equal(users.Users[0].UserName, "bob");
    assert.equal(users.Users[0].CreateDate, created.getTime() / 1000);
    assert.equal(users.Users[0].PermissionsBoundary, null);
    const tagged = engine.encodeOutput(svc, svc.operations["TagUser"]!, {}, REQUEST_ID, accept("application/json"));
    assert.equal(tagged.body.toString("utf8"), `{"TagUserResponse":{"ResponseMetadata":{"RequestId":"${REQUEST_ID}"}}}`);
  });

  test("errors: {Error:{Code,Message,Type},RequestId} with the protocol's status", () => {
    const svc = iamService();
    const engine = engineFor("awsQuery");
    const res = engine.encodeError(svc, new AwsError("NoSuchEntity", "The user with name nobody cannot be found.", 404), REQUEST_ID, accept("application/json"));
    assert.equal(res.status, 404);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(res.body.toString("utf8")), {
      Error: { Code: "NoSuchEntity", Message: "The user with name nobody cannot be found.", Type: "Sender" },
      RequestId: REQUEST_ID,
    });
    const denied = engine.encodeError(stsService(), commonError("InvalidClientTokenId", "The security token included in the request is invalid."), REQUEST_ID, accept("application/json"));
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.body.toString("utf8")).Error.Code, "InvalidClientTokenId");
  });

  test("XML unless application/json is one of the accepted media ranges", () => {
    const svc = stsService();
    const engine = engineFor("awsQuery");
    for (const value of ["*/*", "text/xml", "application/jsonx", "application/*", ""]) {
      const res = engine.encodeOutput(svc, svc.operations["GetCallerIdentity"]!, { Account: "1" }, REQUEST_ID, accept(value));
      assert.equal(res.headers["content-type"], "text/xml", value);
    }
    const res = engine.encodeOutput(svc, svc.operations["GetCallerIdentity"]!, { Account: "1" }, REQUEST_ID);
    assert.equal(res.headers["content-type"], "text/xml");
  });
});
