import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { ACCOUNT, REGION, wafFixture } from "./testing/fixture.js";

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
  Description?: string;
}

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/;

describe("IP sets: CRUD with lock tokens", () => {
  test("create, get, update with the current token, refuse a stale token, delete", async () => {
    const f = wafFixture();
    const { Summary: s } = await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "blocked", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24", "198.51.100.7/32"], Description: "bad actors" });
    assert.match(s.Id, UUID);
    assert.match(s.LockToken, UUID);
    assert.equal(s.ARN, `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/blocked/${s.Id}`);
    assert.deepEqual(s, { Name: "blocked", Id: s.Id, Description: "bad actors", LockToken: s.LockToken, ARN: s.ARN });

    const got = await f.call<{ IPSet: unknown; LockToken: string }>("GetIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id });
    assert.deepEqual(got, { IPSet: { Name: "blocked", Id: s.Id, ARN: s.ARN, Description: "bad actors", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24", "198.51.100.7/32"] }, LockToken: s.LockToken });

    const { NextLockToken } = await f.call<{ NextLockToken: string }>("UpdateIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id, LockToken: s.LockToken, Addresses: ["203.0.113.0/24"] });
    assert.match(NextLockToken, UUID);
    assert.notEqual(NextLockToken, s.LockToken);
    const after = await f.call<{ IPSet: { Addresses: string[]; Description?: string }; LockToken: string }>("GetIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id });
    assert.deepEqual(after.IPSet.Addresses, ["203.0.113.0/24"]);
    assert.equal(after.IPSet.Description, undefined, "an update replaces the whole set, description included");
    assert.equal(after.LockToken, NextLockToken);

    await expectAwsError(
      f.call("UpdateIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id, LockToken: s.LockToken, Addresses: [] }),
      "WAFOptimisticLockException",
      "AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.",
      400,
    );
    await expectAwsError(f.call("DeleteIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id, LockToken: s.LockToken }), "WAFOptimisticLockException", /someone changed the resource/);
    await f.call("DeleteIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id, LockToken: NextLockToken });
    await expectAwsError(f.call("GetIPSet", { Name: "blocked", Scope: "REGIONAL", Id: s.Id }), "WAFNonexistentItemException", "AWS WAF couldn’t perform the operation because your resource doesn’t exist.", 400);
  });

  test("Name must match the Id; names are unique per scope; CIDRs are checked", async () => {
    const f = wafFixture();
    const { Summary: s } = await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "a", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] });
    await expectAwsError(f.call("GetIPSet", { Name: "b", Scope: "REGIONAL", Id: s.Id }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("CreateIPSet", { Name: "a", Scope: "REGIONAL", IPAddressVersion: "IPV6", Addresses: [] }), "WAFDuplicateItemException", /duplicate of an existing one/);
    const e = await expectAwsError(f.call("CreateIPSet", { Name: "c", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["2001:db8::/32"] }), "WAFInvalidParameterException", "Error reason: The IP address isn't valid., field: IP_ADDRESS, parameter: 2001:db8::/32");
    assert.deepEqual(e.fields, { Field: "IP_ADDRESS", Parameter: "2001:db8::/32", Reason: "The IP address isn't valid." });
    await expectAwsError(f.call("CreateIPSet", { Name: "c", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["0.0.0.0/0"] }), "WAFInvalidParameterException", /field: IP_ADDRESS/);
    // node:net takes a zone index in an IPv6 address; a CIDR has none.
    await expectAwsError(f.call("CreateIPSet", { Name: "c", Scope: "REGIONAL", IPAddressVersion: "IPV6", Addresses: ["fe80::1%eth0/128"] }), "WAFInvalidParameterException", "Error reason: The IP address isn't valid., field: IP_ADDRESS, parameter: fe80::1%eth0/128");
    await expectAwsError(
      f.call("CreateIPSet", { Name: "bad name", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] }),
      "ValidationException",
      "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w-]+$",
    );
    await expectAwsError(f.call("CreateIPSet", { Name: "c", Scope: "GLOBAL", IPAddressVersion: "IPV4", Addresses: [] }), "ValidationException", /Member must satisfy enum value set: \[CLOUDFRONT, REGIONAL\]/);
    await expectAwsError(f.call("GetIPSet", { Name: "a", Scope: "REGIONAL", Id: "not-a-uuid" }), "ValidationException", /at 'id' failed to satisfy constraint/);
  });

  test("CLOUDFRONT scope is served from us-east-1 only and gets a global ARN", async () => {
    const f = wafFixture();
    const e = await expectAwsError(f.call("CreateIPSet", { Name: "cf", Scope: "CLOUDFRONT", IPAddressVersion: "IPV4", Addresses: [] }), "WAFInvalidParameterException", "Error reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT");
    assert.equal(e.fields?.["Field"], "SCOPE_VALUE");
    const ctx = f.ctx({ region: "us-east-1" });
    const { Summary: s } = await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "cf", Scope: "CLOUDFRONT", IPAddressVersion: "IPV4", Addresses: [] }, ctx);
    assert.equal(s.ARN, `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/ipset/cf/${s.Id}`);
    const regional = await f.call<{ IPSets: Summary[] }>("ListIPSets", { Scope: "REGIONAL" }, ctx);
    assert.deepEqual(regional.IPSets, []);
    const global = await f.call<{ IPSets: Summary[] }>("ListIPSets", { Scope: "CLOUDFRONT" }, ctx);
    assert.deepEqual(global.IPSets.map((x) => x.Name), ["cf"]);
  });

  test("ListIPSets pages with Limit and an opaque NextMarker; a forged marker is refused", async () => {
    const f = wafFixture();
    for (const n of ["c", "a", "b"]) await f.call("CreateIPSet", { Name: n, Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] });
    const p1 = await f.call<{ IPSets: Summary[]; NextMarker?: string }>("ListIPSets", { Scope: "REGIONAL", Limit: 2 });
    assert.deepEqual(p1.IPSets.map((x) => x.Name), ["a", "b"]);
    assert.ok(p1.NextMarker && p1.NextMarker.length <= 256);
    const p2 = await f.call<{ IPSets: Summary[]; NextMarker?: string }>("ListIPSets", { Scope: "REGIONAL", Limit: 2, NextMarker: p1.NextMarker });
    assert.deepEqual(p2.IPSets.map((x) => x.Name), ["c"]);
    assert.equal(p2.NextMarker, undefined);
    await expectAwsError(f.call("ListIPSets", { Scope: "REGIONAL", NextMarker: `${p1.NextMarker}x` }), "WAFInvalidParameterException", /NextMarker/);
    await expectAwsError(f.call("ListRegexPatternSets", { Scope: "REGIONAL", NextMarker: p1.NextMarker }), "WAFInvalidParameterException", /NextMarker/);
    await expectAwsError(f.call("ListIPSets", { Scope: "REGIONAL", Limit: 101 }), "ValidationException", /at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100/);
  });

  test("regex pattern sets: an expression the engine cannot run is WAFInvalidParameterException on create and update; nothing changes", async () => {
    const f = wafFixture();
    const e = await expectAwsError(
      f.call("CreateRegexPatternSet", { Name: "bad", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^/ok" }, { RegexString: "(" }] }),
      "WAFInvalidParameterException",
      "Error reason: The regular expression isn't valid., field: REGEX_PATTERN_SET, parameter: (",
    );
    assert.deepEqual(e.fields, { Field: "REGEX_PATTERN_SET", Parameter: "(", Reason: "The regular expression isn't valid." });
    const { Summary: s } = await f.call<{ Summary: Summary }>("CreateRegexPatternSet", { Name: "good", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^/ok" }] });
    await expectAwsError(f.call("UpdateRegexPatternSet", { Name: "good", Scope: "REGIONAL", Id: s.Id, LockToken: s.LockToken, RegularExpressionList: [{ RegexString: "[" }] }), "WAFInvalidParameterException", /field: REGEX_PATTERN_SET, parameter: \[/);
    const got = await f.call<{ RegexPatternSet: { RegularExpressionList: unknown[] }; LockToken: string }>("GetRegexPatternSet", { Name: "good", Scope: "REGIONAL", Id: s.Id });
    assert.deepEqual(got.RegexPatternSet.RegularExpressionList, [{ RegexString: "^/ok" }]);
    assert.equal(got.LockToken, s.LockToken);
    const list = await f.call<{ RegexPatternSets: Summary[] }>("ListRegexPatternSets", { Scope: "REGIONAL" });
    assert.deepEqual(list.RegexPatternSets.map((x) => x.Name), ["good"]);
  });

  test("regex pattern sets: at most 10 per account and region, 10 expressions per set", async () => {
    const f = wafFixture();
    for (let i = 0; i < 10; i++) await f.call("CreateRegexPatternSet", { Name: `r${i}`, Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^/admin" }] });
    const e = await expectAwsError(f.call("CreateRegexPatternSet", { Name: "r10", Scope: "REGIONAL", RegularExpressionList: [] }), "WAFLimitsExceededException", "AWS WAF couldn’t perform the operation because you exceeded your resource limit.");
    assert.deepEqual(e.fields, { SourceType: "RegexPatternSet" });
    const list = await f.call<{ RegexPatternSets: Summary[] }>("ListRegexPatternSets", { Scope: "REGIONAL" });
    const first = list.RegexPatternSets[0] as Summary;
    const many = Array.from({ length: 11 }, (_, i) => ({ RegexString: `x${i}` }));
    await expectAwsError(f.call("UpdateRegexPatternSet", { Name: first.Name, Scope: "REGIONAL", Id: first.Id, LockToken: first.LockToken, RegularExpressionList: many }), "WAFLimitsExceededException", /resource limit/);
    const got = await f.call<{ RegexPatternSet: { RegularExpressionList: unknown[] } }>("GetRegexPatternSet", { Name: first.Name, Scope: "REGIONAL", Id: first.Id });
    assert.deepEqual(got.RegexPatternSet.RegularExpressionList, [{ RegexString: "^/admin" }]);
  });
});

describe("tags", () => {
  test("TagResource merges, UntagResource removes, ListTagsForResource pages; tags do not change the lock token", async () => {
    const f = wafFixture();
    const { Summary: s } = await f.call<{ Summary: Summary }>("CreateIPSet", { Name: "t", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [], Tags: [{ Key: "env", Value: "dev" }] });
    await f.call("TagResource", { ResourceARN: s.ARN, Tags: [{ Key: "env", Value: "prod" }, { Key: "team", Value: "sec" }] });
    const all = await f.call<{ TagInfoForResource: { ResourceARN: string; TagList: unknown[] } }>("ListTagsForResource", { ResourceARN: s.ARN });
    assert.deepEqual(all, { TagInfoForResource: { ResourceARN: s.ARN, TagList: [{ Key: "env", Value: "prod" }, { Key: "team", Value: "sec" }] } });
    const p1 = await f.call<{ TagInfoForResource: { TagList: unknown[] }; NextMarker?: string }>("ListTagsForResource", { ResourceARN: s.ARN, Limit: 1 });
    assert.deepEqual(p1.TagInfoForResource.TagList, [{ Key: "env", Value: "prod" }]);
    const p2 = await f.call<{ TagInfoForResource: { TagList: unknown[] }; NextMarker?: string }>("ListTagsForResource", { ResourceARN: s.ARN, Limit: 1, NextMarker: p1.NextMarker });
    assert.deepEqual(p2.TagInfoForResource.TagList, [{ Key: "team", Value: "sec" }]);
    await f.call("UntagResource", { ResourceARN: s.ARN, TagKeys: ["env"] });
    const after = await f.call<{ TagInfoForResource: { TagList: unknown[] } }>("ListTagsForResource", { ResourceARN: s.ARN });
    assert.deepEqual(after.TagInfoForResource.TagList, [{ Key: "team", Value: "sec" }]);
    const got = await f.call<{ LockToken: string }>("GetIPSet", { Name: "t", Scope: "REGIONAL", Id: s.Id });
    assert.equal(got.LockToken, s.LockToken);
    await expectAwsError(f.call("TagResource", { ResourceARN: s.ARN, Tags: [{ Key: "aws:x", Value: "1" }] }), "WAFTagOperationException", /reserved/);
    const fiftyOne = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await f.call("TagResource", { ResourceARN: s.ARN, Tags: fiftyOne });
    await expectAwsError(f.call("TagResource", { ResourceARN: s.ARN, Tags: [{ Key: "one-too-many", Value: "v" }] }), "WAFLimitsExceededException", /resource limit/);
    await expectAwsError(f.call("ListTagsForResource", { ResourceARN: s.ARN.replace(s.Id, "00000000-0000-4000-8000-000000000000") }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("ListTagsForResource", { ResourceARN: "arn:aws:s3:::not-a-waf-thing" }), "WAFInvalidParameterException", /field: RESOURCE_ARN/);
  });

  test("tags given with a create follow TagResource's rules: no aws: keys, a key given twice keeps its last value", async () => {
    const f = wafFixture();
    const create = (Name: string, Tags: object[]) => f.call<{ Summary: Summary }>("CreateIPSet", { Name, Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [], Tags });
    await expectAwsError(create("reserved", [{ Key: "AWS:owner", Value: "me" }]), "WAFTagOperationException", /reserved/);
    const { Summary: s } = await create("twice", [{ Key: "d", Value: "1" }, { Key: "e", Value: "x" }, { Key: "d", Value: "2" }]);
    const tags = await f.call<{ TagInfoForResource: { TagList: unknown[] } }>("ListTagsForResource", { ResourceARN: s.ARN });
    assert.deepEqual(tags.TagInfoForResource.TagList, [{ Key: "d", Value: "2" }, { Key: "e", Value: "x" }]);
  });
});
