import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT, assertAwsError, createHarness, T0 } from "./testing/harness.js";

const URL = "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF";
const ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF`;
const TP = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";

type Get = { Url: string; ClientIDList: string[]; ThumbprintList: string[]; CreateDate: Date; Tags?: Array<{ Key: string; Value: string }> };

describe("IAM OpenID Connect providers", () => {
  test("create / get / list / delete, with the ARN from the URL's host and path, authorised on the provider ARN", async () => {
    const h = createHarness();
    const out = await h.call<{ OpenIDConnectProviderArn: string; Tags?: unknown }>("CreateOpenIDConnectProvider", {
      Url: URL,
      ClientIDList: ["sts.amazonaws.com"],
      ThumbprintList: [TP],
      Tags: [{ Key: "team", Value: "platform" }],
    });
    assert.equal(out.OpenIDConnectProviderArn, ARN);
    assert.deepEqual(out.Tags, [{ Key: "team", Value: "platform" }]);
    assert.deepEqual(h.calls.at(-1), { action: "iam:CreateOpenIDConnectProvider", resource: ARN, context: { "aws:TagKeys": ["team"], "aws:RequestTag/team": "platform" } });

    const got = await h.call<Get>("GetOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN });
    assert.deepEqual(got, { Url: "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF", ClientIDList: ["sts.amazonaws.com"], ThumbprintList: [TP], CreateDate: new Date(T0), Tags: [{ Key: "team", Value: "platform" }] });
    assert.deepEqual(h.calls.at(-1), { action: "iam:GetOpenIDConnectProvider", resource: ARN, context: { "aws:ResourceTag/team": "platform" } });

    // Thumbprints are optional.
    await h.call("CreateOpenIDConnectProvider", { Url: "https://token.actions.githubusercontent.com" });
    const list = await h.call<{ OpenIDConnectProviderList: Array<{ Arn: string }> }>("ListOpenIDConnectProviders", {});
    assert.deepEqual(list.OpenIDConnectProviderList.map((e) => e.Arn).sort(), [ARN, `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`].sort());

    await h.call("DeleteOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN });
    await assertAwsError(h.call("GetOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN }), "NoSuchEntity", 404, `OpenId connect Provider ${ARN} cannot be found.`);
    await assertAwsError(h.call("DeleteOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN }), "NoSuchEntity", 404, `OpenId connect Provider ${ARN} cannot be found.`);
    // Durable: stored as an IAM entity.
    assert.equal(await h.store.count("iam-oidc-providers"), 1);
  });

  test("the same URL twice: EntityAlreadyExists; URL rules and list limits", async () => {
    const h = createHarness();
    await h.call("CreateOpenIDConnectProvider", { Url: URL, ClientIDList: ["a"] });
    await assertAwsError(h.call("CreateOpenIDConnectProvider", { Url: URL }), "EntityAlreadyExists", 409, `Provider with url ${URL} already exists.`);
    await assertAwsError(h.call("CreateOpenIDConnectProvider", { Url: "http://plain.example.com" }), "ValidationError", 400, "Invalid Open ID Connect Provider URL");
    await assertAwsError(h.call("CreateOpenIDConnectProvider", { Url: "example.org" }), "ValidationError", 400, "Invalid Open ID Connect Provider URL");
    await assertAwsError(h.call("CreateOpenIDConnectProvider", { Url: "https://idp.example.com/?tenant=1" }), "ValidationError", 400, "Invalid Open ID Connect Provider URL");
    await assertAwsError(h.call("CreateOpenIDConnectProvider", {}), "ValidationError", 400, "1 validation error detected: Value null at 'url' failed to satisfy constraint: Member must not be null");
    await assertAwsError(
      h.call("CreateOpenIDConnectProvider", { Url: "https://x.example.com", ThumbprintList: ["abc"] }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
    );
    await assertAwsError(
      h.call("CreateOpenIDConnectProvider", { Url: "https://x.example.com", ThumbprintList: Array.from({ length: 6 }, (_, i) => String(i).repeat(40)) }),
      "InvalidInput",
      400,
      "Thumbprint list must contain fewer than 5 entries.",
    );
    await assertAwsError(
      h.call("CreateOpenIDConnectProvider", { Url: "https://x.example.com", ClientIDList: Array.from({ length: 101 }, (_, i) => `c${i}`) }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100",
    );
    // Every failing member in one answer, list items reported on their list, values not echoed.
    await assertAwsError(
      h.call("CreateOpenIDConnectProvider", { Url: `https://${"b".repeat(248)}`, ClientIDList: ["x".repeat(256)], ThumbprintList: ["a".repeat(41)] }),
      "ValidationError",
      400,
      "3 validation errors detected: Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]; " +
        "Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]; " +
        "Value at 'url' failed to satisfy constraint: Member must have length less than or equal to 255",
    );
  });

  test("client ids, thumbprints and tags change in place", async () => {
    const h = createHarness();
    await h.call("CreateOpenIDConnectProvider", { Url: URL, ClientIDList: ["a"] });
    await h.call("AddClientIDToOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, ClientID: "b" });
    await h.call("AddClientIDToOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, ClientID: "b" });
    await h.call("RemoveClientIDFromOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, ClientID: "a" });
    await h.call("RemoveClientIDFromOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, ClientID: "never-there" });
    await h.call("UpdateOpenIDConnectProviderThumbprint", { OpenIDConnectProviderArn: ARN, ThumbprintList: [TP] });
    await h.call("TagOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "1" }] });
    await h.call("UntagOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, TagKeys: ["b"] });
    const got = await h.call<Get>("GetOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN });
    assert.deepEqual(got.ClientIDList, ["b"]);
    assert.deepEqual(got.ThumbprintList, [TP]);
    const tags = await h.call<{ Tags: unknown[]; IsTruncated: boolean }>("ListOpenIDConnectProviderTags", { OpenIDConnectProviderArn: ARN });
    assert.deepEqual(tags, { Tags: [{ Key: "a", Value: "1" }], IsTruncated: false });
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: "v" }));
    await assertAwsError(h.call("TagOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN, Tags: fifty }), "LimitExceeded", 409, "The number of tags has reached the maximum limit.");
    const missing = `arn:aws:iam::${ACCOUNT}:oidc-provider/nope.example.com`;
    await assertAwsError(h.call("AddClientIDToOpenIDConnectProvider", { OpenIDConnectProviderArn: missing, ClientID: "x" }), "NoSuchEntity", 404, `OpenId connect Provider ${missing} cannot be found.`);
    await assertAwsError(h.call("ListOpenIDConnectProviderTags", { OpenIDConnectProviderArn: missing }), "NoSuchEntity", 404, `OpenId connect Provider ${missing} cannot be found.`);
  });

  test("authorisation: a denied action changes nothing; the IamApi finds providers by issuer for STS", async () => {
    const h = createHarness();
    h.deny.add("iam:CreateOpenIDConnectProvider");
    await assertAwsError(h.call("CreateOpenIDConnectProvider", { Url: URL }), "AccessDeniedException", 400, /iam:CreateOpenIDConnectProvider/);
    assert.equal(await h.store.count("iam-oidc-providers"), 0);
    h.deny.clear();
    await h.call("CreateOpenIDConnectProvider", { Url: URL, ClientIDList: ["sts.amazonaws.com"] });
    h.deny.add("iam:DeleteOpenIDConnectProvider");
    await assertAwsError(h.call("DeleteOpenIDConnectProvider", { OpenIDConnectProviderArn: ARN }), "AccessDeniedException", 400, /iam:DeleteOpenIDConnectProvider/);
    const rec = await h.iam.api.getOpenIdConnectProvider(ACCOUNT, "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF");
    assert.deepEqual(rec, { accountId: ACCOUNT, arn: ARN, resource: "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF", url: URL, clientIds: ["sts.amazonaws.com"] });
    assert.equal(await h.iam.api.getOpenIdConnectProvider("444455556666", "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"), undefined);
  });
});
