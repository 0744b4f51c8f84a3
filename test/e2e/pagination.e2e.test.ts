/**
 * Pagination as the AWS CLI drives it, through the real server and the SDK v3 clients: every
 * list pages whole (each item once, nothing missing) whatever the page size; the tokens a list
 * hands out are taken back by that list only, stay within the documented length, and are not
 * of the one form the CLI's `--starting-token` would mistake for its own (base64 of a JSON
 * object).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListAccountsCommand,
} from "@aws-sdk/client-organizations";
import { startTestServer, awsError, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

/**
 * What botocore's token decoder does with a `--starting-token`: base64 (characters outside the
 * standard alphabet dropped), UTF-8, JSON. It must not yield an object, or the CLI would send
 * the object's members as request parameters instead of the token.
 */
function readsAsCliToken(token: string): boolean {
  const b64 = token.replace(/[^A-Za-z0-9+/]/g, "");
  try {
    const v: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(b64, "base64")));
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

test("Organizations: ListAWSServiceAccessForOrganization pages whole in small pages, in the order services were enabled", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  // Enabled out of alphabetical order, one clock second apart: the list keeps the order of enabling.
  const principals = ["securityhub.amazonaws.com", "config.amazonaws.com", "sso.amazonaws.com", "access-analyzer.amazonaws.com", "ram.amazonaws.com"];
  for (const p of principals) {
    await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: p }));
    s.clock.offsetMs += 1000;
  }
  for (const size of [1, 2, 3, 5]) {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: size, ...(token ? { NextToken: token } : {}) }));
      seen.push(...r.EnabledServicePrincipals!.map((e) => e.ServicePrincipal!));
      token = r.NextToken;
      pages++;
      assert.ok(pages <= principals.length, `MaxResults ${size}: more pages than items`);
    } while (token);
    assert.deepEqual(seen, principals, `MaxResults ${size}`);
    assert.equal(pages, Math.ceil(principals.length / size), `MaxResults ${size}`);
  }
});

test("Organizations: a NextToken is not read by the CLI as its own token, and is refused by another operation", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const first = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1 }));
  const token = first.NextToken!;
  assert.equal(readsAsCliToken(token), false, token);
  const second = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1, NextToken: token }));
  assert.equal(second.EnabledServicePrincipals![0]!.ServicePrincipal, "config.amazonaws.com");
  await assert.rejects(
    orgs.send(new ListAccountsCommand({ NextToken: token })),
    (e: { name?: string; Reason?: string; $metadata?: { httpStatusCode?: number } }) =>
      e.name === "InvalidInputException" && e.Reason === "INVALID_NEXT_TOKEN" && e.$metadata?.httpStatusCode === 400,
  );
  // The form tokens had before: base64url of {"o":operation,"a":last key}.
  const legacy = Buffer.from(JSON.stringify({ o: "ListAWSServiceAccessForOrganization", a: "access-analyzer.amazonaws.com" })).toString("base64url");
  await assert.rejects(orgs.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: legacy })), awsError("InvalidInputException", 400, "You specified an invalid value for nextToken."));
});
