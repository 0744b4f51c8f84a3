/**
 * Trusted identity propagation on IAM identity providers (ContextProvider and
 * IdentityCenterInstanceArn of CreateOpenIDConnectProvider, CreateSAMLProvider and
 * UpdateSAMLProvider; UpdateOpenIDConnectProvider) needs IAM Identity Center, which this endpoint
 * does not serve: asked for, it is refused (InvalidInput), never stored without effect, and the
 * operation that only sets it is not offered (InvalidAction, as IAM answers an unknown action).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateOpenIDConnectProviderCommand, ListOpenIDConnectProvidersCommand, UpdateOpenIDConnectProviderCommand } from "@aws-sdk/client-iam";
import { awsError, startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("trusted identity propagation is refused, and UpdateOpenIDConnectProvider is not offered", async () => {
  const iam = new IAMClient(s.clientConfig());
  const refused = awsError(
    "InvalidInputException",
    400,
    "Trusted identity propagation (ContextProvider, IdentityCenterInstanceArn) is not available: IAM Identity Center is not served by this endpoint.",
  );
  await assert.rejects(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://issuer.example.com", ClientIDList: ["a"], ContextProvider: { SubjectSourceKey: "sub" } })),
    refused,
  );
  await assert.rejects(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://issuer.example.com", ClientIDList: ["a"], IdentityCenterInstanceArn: "arn:aws:sso:::instance/ssoins-1111111111111111" })),
    refused,
  );
  assert.deepEqual((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList, []);
  const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://issuer.example.com", ClientIDList: ["a"] }));
  await assert.rejects(
    iam.send(new UpdateOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: created.OpenIDConnectProviderArn, RemoveContextProvider: true })),
    awsError("InvalidAction", 400, "Could not find operation UpdateOpenIDConnectProvider for version 2010-05-08"),
  );
});
