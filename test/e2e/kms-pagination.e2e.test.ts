/**
 * The seven KMS list operations paged the way the SDK's paginators and the AWS CLI page them
 * (Limit / Marker / NextMarker / Truncated), through the real server. The API reference gives
 * each list its Limit range and its default ("must be between 1 and 1000, inclusive. If you do
 * not include a value, it defaults to 100" for ListKeys, ListKeyPolicies and ListKeyRotations;
 * 1–100, default 50 for ListAliases, ListGrants and ListRetirableGrants; 1–50, default 50 for
 * ListResourceTags), and says NextMarker is present "when Truncated is true". A marker is
 * positional: items added or removed between pages never make the rest of the list repeat or
 * skip an item that was there throughout. Keys are Regional and per account: another Region's or
 * account's keys and aliases are not listed.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  TagResourceCommand,
  paginateListAliases,
  paginateListGrants,
  paginateListKeyPolicies,
  paginateListKeyRotations,
  paginateListKeys,
  paginateListResourceTags,
  paginateListRetirableGrants,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { readsAsCliToken } from "./cli-token.js";
import { kmsClient, memberAccount, rejectsWith } from "./kms-support.js";

let s: TestServer;
let kms: KMSClient;
let root: string;
/** A key with aliases, grants, tags and on-demand rotations. */
let key: string;
let keyArn: string;
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
  root = `arn:aws:iam::${s.accountId}:root`;
  const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  key = k.KeyId!;
  keyArn = k.Arn!;
  for (let i = 0; i < 4; i++) await kms.send(new CreateKeyCommand({}));
  for (let i = 0; i < 7; i++) await kms.send(new CreateAliasCommand({ AliasName: `alias/page-${i}`, TargetKeyId: key }));
  for (let i = 0; i < 7; i++) await kms.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: root, RetiringPrincipal: root, Operations: ["Decrypt"], Name: `g${i}` }));
  await kms.send(new TagResourceCommand({ KeyId: key, Tags: Array.from({ length: 12 }, (_, i) => ({ TagKey: `t${String(i).padStart(2, "0")}`, TagValue: "v" })) }));
  for (let i = 0; i < 3; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: key }));
});
after(async () => {
  await s.destroy();
});

interface Page {
  items: string[];
  Truncated?: boolean;
  NextMarker?: string;
}

interface ListCase {
  op: string;
  max: number;
  /** One call with the largest Limit: the whole list (every fixture list here is shorter). */
  whole(): Promise<Page>;
  /** The SDK's paginator over the list, pages of `pageSize`. */
  paginate(pageSize: number): AsyncIterable<Page>;
  /** One call with this Limit and Marker. */
  call(limit?: number, marker?: string): Promise<Page>;
}

const pageOf = (items: string[], o: { Truncated?: boolean; NextMarker?: string }): Page => ({
  items,
  ...(o.Truncated !== undefined ? { Truncated: o.Truncated } : {}),
  ...(o.NextMarker !== undefined ? { NextMarker: o.NextMarker } : {}),
});

async function* mapped<T extends { Truncated?: boolean; NextMarker?: string }>(pages: AsyncIterable<T>, items: (p: T) => string[]): AsyncIterable<Page> {
  for await (const p of pages) yield pageOf(items(p), p);
}

function cases(): ListCase[] {
  const lim = (limit?: number, marker?: string) => ({ ...(limit !== undefined ? { Limit: limit } : {}), ...(marker !== undefined ? { Marker: marker } : {}) });
  const keys = (p: { Keys?: Array<{ KeyId?: string }> }) => p.Keys!.map((k) => k.KeyId!);
  const aliases = (p: { Aliases?: Array<{ AliasName?: string }> }) => p.Aliases!.map((a) => a.AliasName!);
  const grants = (p: { Grants?: Array<{ GrantId?: string }> }) => p.Grants!.map((g) => g.GrantId!);
  const policies = (p: { PolicyNames?: string[] }) => p.PolicyNames!;
  const tags = (p: { Tags?: Array<{ TagKey?: string }> }) => p.Tags!.map((t) => t.TagKey!);
  const rotations = (p: { Rotations?: Array<{ KeyMaterialId?: string }> }) => p.Rotations!.map((r) => r.KeyMaterialId!);
  const cfg = (pageSize: number) => ({ client: kms, pageSize });
  const list: Array<Omit<ListCase, "whole">> = [
    {
      op: "ListKeys",
      max: 1000,
      paginate: (n) => mapped(paginateListKeys(cfg(n), {}), keys),
      call: async (l, m) => { const p = await kms.send(new ListKeysCommand(lim(l, m))); return pageOf(keys(p), p); },
    },
    {
      op: "ListAliases",
      max: 100,
      paginate: (n) => mapped(paginateListAliases(cfg(n), {}), aliases),
      call: async (l, m) => { const p = await kms.send(new ListAliasesCommand(lim(l, m))); return pageOf(aliases(p), p); },
    },
    {
      op: "ListAliases (KeyId)",
      max: 100,
      paginate: (n) => mapped(paginateListAliases(cfg(n), { KeyId: key }), aliases),
      call: async (l, m) => { const p = await kms.send(new ListAliasesCommand({ KeyId: key, ...lim(l, m) })); return pageOf(aliases(p), p); },
    },
    {
      op: "ListGrants",
      max: 100,
      paginate: (n) => mapped(paginateListGrants(cfg(n), { KeyId: key }), grants),
      call: async (l, m) => { const p = await kms.send(new ListGrantsCommand({ KeyId: key, ...lim(l, m) })); return pageOf(grants(p), p); },
    },
    {
      op: "ListRetirableGrants",
      max: 100,
      paginate: (n) => mapped(paginateListRetirableGrants(cfg(n), { RetiringPrincipal: root }), grants),
      call: async (l, m) => { const p = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: root, ...lim(l, m) })); return pageOf(grants(p), p); },
    },
    {
      op: "ListKeyPolicies",
      max: 1000,
      paginate: (n) => mapped(paginateListKeyPolicies(cfg(n), { KeyId: key }), policies),
      call: async (l, m) => { const p = await kms.send(new ListKeyPoliciesCommand({ KeyId: key, ...lim(l, m) })); return pageOf(policies(p), p); },
    },
    {
      op: "ListResourceTags",
      max: 50,
      paginate: (n) => mapped(paginateListResourceTags(cfg(n), { KeyId: key }), tags),
      call: async (l, m) => { const p = await kms.send(new ListResourceTagsCommand({ KeyId: key, ...lim(l, m) })); return pageOf(tags(p), p); },
    },
    {
      op: "ListKeyRotations",
      max: 1000,
      paginate: (n) => mapped(paginateListKeyRotations(cfg(n), { KeyId: key, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }), rotations),
      call: async (l, m) => { const p = await kms.send(new ListKeyRotationsCommand({ KeyId: key, IncludeKeyMaterial: "ALL_KEY_MATERIAL", ...lim(l, m) })); return pageOf(rotations(p), p); },
    },
  ];
  return list.map((c) => ({ ...c, whole: () => c.call(c.max) }));
}

function assertPageShape(op: string, p: Page): void {
  assert.equal(typeof p.Truncated, "boolean", `${op}: Truncated is always there`);
  if (p.Truncated) {
    assert.equal(typeof p.NextMarker, "string", `${op}: Truncated without NextMarker`);
    assert.ok(p.NextMarker!.length >= 1 && p.NextMarker!.length <= 1024, `${op}: NextMarker of ${p.NextMarker!.length} characters (MarkerType is 1–1024)`);
    assert.match(p.NextMarker!, /^[\u0020-\u00FF]+$/, `${op}: NextMarker outside MarkerType's pattern`);
    assert.equal(readsAsCliToken(p.NextMarker!), false, `${op}: the CLI would read ${p.NextMarker} as its own token`);
  } else {
    assert.equal(p.NextMarker, undefined, `${op}: NextMarker on the last page`);
  }
}

test("KMS: every list pages whole through the SDK paginators, in pages of 1, 2 and 3, NextMarker only while Truncated", async () => {
  const sizes = new Map<string, number>();
  for (const c of cases()) {
    const whole = await c.whole();
    assertPageShape(c.op, whole);
    assert.equal(whole.Truncated, false, `${c.op}: the fixture fits in one page of ${c.max}`);
    assert.equal(new Set(whole.items).size, whole.items.length, `${c.op}: an item twice`);
    sizes.set(c.op, whole.items.length);
    for (const size of [1, 2, 3]) {
      const seen: string[] = [];
      let pages = 0;
      for await (const p of c.paginate(size)) {
        assertPageShape(c.op, p);
        assert.ok(p.items.length <= size, `${c.op}: ${p.items.length} items in a page of ${size}`);
        seen.push(...p.items);
        pages++;
      }
      assert.deepEqual(seen, whole.items, `${c.op}, pages of ${size}`);
      // A list that ends exactly on a page boundary says so on that page: no empty last page.
      assert.equal(pages, Math.max(1, Math.ceil(whole.items.length / size)), `${c.op}, pages of ${size}`);
    }
  }
  // The fixture: 5 keys; 7 aliases of the key besides the predefined alias/aws/ ones; 7 grants;
  // the one "default" policy; 12 tags; the first key material and 3 on-demand rotations.
  assert.equal(sizes.get("ListKeys"), 5);
  assert.equal(sizes.get("ListAliases (KeyId)"), 7);
  assert.ok(sizes.get("ListAliases")! > 7);
  assert.equal(sizes.get("ListGrants"), 7);
  assert.equal(sizes.get("ListRetirableGrants"), 7);
  assert.equal(sizes.get("ListKeyPolicies"), 1);
  assert.equal(sizes.get("ListResourceTags"), 12);
  assert.equal(sizes.get("ListKeyRotations"), 4);
});

test("KMS: ListAliases lists the predefined alias/aws/ aliases without TargetKeyId or dates, in name order with the account's own", async () => {
  const all = (await kms.send(new ListAliasesCommand({ Limit: 100 }))).Aliases!;
  const names = all.map((a) => a.AliasName!);
  assert.deepEqual(names, [...names].sort(), "name order");
  const predefined = all.filter((a) => a.AliasName!.startsWith("alias/aws/"));
  assert.ok(predefined.length > 0);
  // "aliases that have no TargetKeyId field. These are predefined aliases that AWS has created but
  // has not yet associated with a KMS key" (API reference, ListAliases).
  for (const a of predefined) assert.deepEqual(Object.keys(a).sort(), ["AliasArn", "AliasName"], a.AliasName);
  for (const a of predefined) assert.equal(a.AliasArn, `arn:aws:kms:us-east-1:${s.accountId}:${a.AliasName}`);
  const own = all.filter((a) => a.AliasName!.startsWith("alias/page-"));
  assert.equal(own.length, 7);
  for (const a of own) {
    assert.deepEqual(Object.keys(a).sort(), ["AliasArn", "AliasName", "CreationDate", "LastUpdatedDate", "TargetKeyId"], a.AliasName);
    assert.equal(a.TargetKeyId, key);
    assert.ok(a.CreationDate instanceof Date && a.LastUpdatedDate instanceof Date);
  }
  // Listed by KeyId: only that key's aliases, never the predefined ones.
  const byKey = (await kms.send(new ListAliasesCommand({ KeyId: keyArn }))).Aliases!;
  assert.deepEqual(byKey.map((a) => a.AliasName), own.map((a) => a.AliasName));
});

test("KMS: ListGrants and ListRetirableGrants entries carry the documented members; ListKeyRotations entries of a key with KMS-made material", async () => {
  const g = (await kms.send(new ListGrantsCommand({ KeyId: key, Limit: 1 }))).Grants![0]!;
  assert.deepEqual(Object.keys(g).sort(), ["CreationDate", "GrantId", "GranteePrincipal", "IssuingAccount", "KeyId", "Name", "Operations", "RetiringPrincipal"]);
  // As the API reference's example shows them: the key ARN and the issuing account's root ARN.
  assert.equal(g.KeyId, keyArn);
  assert.equal(g.IssuingAccount, root);
  assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
  const r = (await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: root, Limit: 1 }))).Grants![0]!;
  assert.deepEqual(r, g, "the same grant, the same members");

  const rot = (await kms.send(new ListKeyRotationsCommand({ KeyId: key, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }))).Rotations!;
  // RotationDate and RotationType are "not present for the first key material"; the fields only
  // present for EXTERNAL keys (KeyMaterialDescription, ImportState, ExpirationModel, ValidTo) are not.
  assert.deepEqual(Object.keys(rot[0]!).sort(), ["KeyId", "KeyMaterialId", "KeyMaterialState"]);
  for (const e of rot.slice(1)) {
    assert.deepEqual(Object.keys(e).sort(), ["KeyId", "KeyMaterialId", "KeyMaterialState", "RotationDate", "RotationType"]);
    assert.equal(e.RotationType, "ON_DEMAND");
    assert.equal(e.KeyId, key);
  }
  assert.deepEqual(rot.map((e) => e.KeyMaterialState), ["NON_CURRENT", "NON_CURRENT", "NON_CURRENT", "CURRENT"]);
  // Without IncludeKeyMaterial (ROTATIONS_ONLY): the completed rotations only.
  const only = (await kms.send(new ListKeyRotationsCommand({ KeyId: key }))).Rotations!;
  assert.deepEqual(only.map((e) => e.KeyMaterialId), rot.slice(1).map((e) => e.KeyMaterialId));
});

test("KMS: a Limit outside each list's documented range is a ValidationException naming it", async () => {
  const limitError = (v: number, bound: string) => ({
    name: "ValidationException",
    message: `1 validation error detected: Value '${v}' at 'limit' failed to satisfy constraint: Member must have value ${bound}`,
  });
  for (const c of cases()) {
    await rejectsWith(c.call(c.max + 1), limitError(c.max + 1, `less than or equal to ${c.max}`));
    await rejectsWith(c.call(0), limitError(0, "greater than or equal to 1"));
    await rejectsWith(c.call(-1), limitError(-1, "greater than or equal to 1"));
    const atMax = await c.call(c.max);
    assert.equal(atMax.Truncated, false, c.op);
    const one = await c.call(1);
    assert.equal(one.items.length, 1, c.op);
  }
});

test("KMS: without Limit, ListKeys pages 100 keys, ListAliases, ListGrants and ListRetirableGrants 50 items, ListResourceTags all 50 tags", async () => {
  // In a Region of its own, so the other tests' lists stay as they are.
  const west = kmsClient(s, undefined, "us-west-2");
  const ids: string[] = [];
  for (let i = 0; i < 101; i++) ids.push((await west.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
  const keys = await west.send(new ListKeysCommand({}));
  assert.deepEqual([keys.Keys!.length, keys.Truncated, typeof keys.NextMarker], [100, true, "string"]);
  const rest = await west.send(new ListKeysCommand({ Marker: keys.NextMarker! }));
  assert.deepEqual([rest.Keys!.length, rest.Truncated, rest.NextMarker], [1, false, undefined]);

  const k = ids[0]!;
  const predefined = (await west.send(new ListAliasesCommand({ Limit: 100 }))).Aliases!.length;
  for (let i = predefined; i <= 50; i++) await west.send(new CreateAliasCommand({ AliasName: `alias/default-${i}`, TargetKeyId: k }));
  const aliases = await west.send(new ListAliasesCommand({}));
  assert.deepEqual([aliases.Aliases!.length, aliases.Truncated], [50, true]);

  const principal = `arn:aws:iam::${s.accountId}:role/retirer`;
  for (let i = 0; i < 51; i++) await west.send(new CreateGrantCommand({ KeyId: k, GranteePrincipal: root, RetiringPrincipal: principal, Operations: ["Encrypt"] }));
  const grants = await west.send(new ListGrantsCommand({ KeyId: k }));
  assert.deepEqual([grants.Grants!.length, grants.Truncated], [50, true]);
  const retirable = await west.send(new ListRetirableGrantsCommand({ RetiringPrincipal: principal }));
  assert.deepEqual([retirable.Grants!.length, retirable.Truncated], [50, true]);

  // 50 tags is the most a key has: one page.
  await west.send(new TagResourceCommand({ KeyId: k, Tags: Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "" })) }));
  const tags = await west.send(new ListResourceTagsCommand({ KeyId: k }));
  assert.deepEqual([tags.Tags!.length, tags.Truncated, tags.NextMarker], [50, false, undefined]);
});

test("KMS: a marker is taken back only by the list that issued it", async () => {
  const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await kms.send(new CreateGrantCommand({ KeyId: other, GranteePrincipal: root, Operations: ["Decrypt"] }));
  await kms.send(new CreateGrantCommand({ KeyId: other, GranteePrincipal: root, Operations: ["Decrypt"] }));
  await kms.send(new TagResourceCommand({ KeyId: other, Tags: [{ TagKey: "a", TagValue: "" }, { TagKey: "b", TagValue: "" }] }));
  const marker = async (p: Promise<{ NextMarker?: string }>) => {
    const m = (await p).NextMarker;
    assert.ok(m);
    return m;
  };
  const keysMarker = await marker(kms.send(new ListKeysCommand({ Limit: 1 })));
  const aliasesMarker = await marker(kms.send(new ListAliasesCommand({ Limit: 1 })));
  const grantsMarker = await marker(kms.send(new ListGrantsCommand({ KeyId: key, Limit: 1 })));
  const tagsMarker = await marker(kms.send(new ListResourceTagsCommand({ KeyId: key, Limit: 1 })));
  const retirableMarker = await marker(kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: root, Limit: 1 })));
  const rotationsMarker = await marker(kms.send(new ListKeyRotationsCommand({ KeyId: key, Limit: 1 })));

  // Each continues its own list...
  assert.equal((await kms.send(new ListKeysCommand({ Limit: 1, Marker: keysMarker }))).Keys!.length, 1);
  assert.equal((await kms.send(new ListGrantsCommand({ KeyId: key, Limit: 1, Marker: grantsMarker }))).Grants!.length, 1);
  // ...and no other: another list, the same list of another key or principal, or of another Region.
  const refused = "InvalidMarkerException";
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: aliasesMarker })), refused);
  await rejectsWith(kms.send(new ListAliasesCommand({ Marker: keysMarker })), refused);
  await rejectsWith(kms.send(new ListGrantsCommand({ KeyId: other, Marker: grantsMarker })), refused);
  await rejectsWith(kms.send(new ListResourceTagsCommand({ KeyId: other, Marker: tagsMarker })), refused);
  await rejectsWith(kms.send(new ListKeyRotationsCommand({ KeyId: key, Marker: tagsMarker })), refused);
  await rejectsWith(kms.send(new ListResourceTagsCommand({ KeyId: key, Marker: rotationsMarker })), refused);
  await rejectsWith(kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: `arn:aws:iam::${s.accountId}:role/someone`, Marker: retirableMarker })), refused);
  await rejectsWith(kms.send(new ListGrantsCommand({ KeyId: key, Marker: retirableMarker })), refused);
  await rejectsWith(kmsClient(s, undefined, "eu-central-1").send(new ListKeysCommand({ Marker: keysMarker })), refused);
  await rejectsWith(kmsClient(s, undefined, "eu-central-1").send(new ListAliasesCommand({ Marker: aliasesMarker })), refused);
  // A marker with one character changed, and one no list handed out. The first character: the last
  // one's low bits may be base64 padding that decodes to the same bytes whatever they are.
  const flipped = (keysMarker.startsWith("A") ? "B" : "A") + keysMarker.slice(1);
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: flipped })), refused);
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: "garbage" })), refused);
  // Outside MarkerType (1–1024 characters of [\u0020-\u00FF]): the model's ValidationException.
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: "x".repeat(1025) })), {
    name: "ValidationException",
    message: /^1 validation error detected: Value 'x+' at 'marker' failed to satisfy constraint: Member must have length less than or equal to 1024$/,
  });
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: "\u0100" })), {
    name: "ValidationException",
    message: "1 validation error detected: Value '\u0100' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
  });
});

test("KMS: aliases and grants added and removed between pages: the rest of the list neither repeats nor skips what was there throughout", async () => {
  const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const names = ["b", "d", "f", "h", "j", "l"].map((x) => `alias/churn-${x}`);
  for (const n of names) await kms.send(new CreateAliasCommand({ AliasName: n, TargetKeyId: k }));
  const first = await kms.send(new ListAliasesCommand({ KeyId: k, Limit: 2 }));
  assert.deepEqual(first.Aliases!.map((a) => a.AliasName), names.slice(0, 2));
  // The alias the marker names goes, one further on goes, one before it and one after it come.
  await kms.send(new DeleteAliasCommand({ AliasName: "alias/churn-d" }));
  await kms.send(new DeleteAliasCommand({ AliasName: "alias/churn-h" }));
  await kms.send(new CreateAliasCommand({ AliasName: "alias/churn-a", TargetKeyId: k }));
  await kms.send(new CreateAliasCommand({ AliasName: "alias/churn-k", TargetKeyId: k }));
  const seen = first.Aliases!.map((a) => a.AliasName!);
  let marker = first.NextMarker;
  while (marker) {
    const p = await kms.send(new ListAliasesCommand({ KeyId: k, Limit: 2, Marker: marker }));
    seen.push(...p.Aliases!.map((a) => a.AliasName!));
    marker = p.NextMarker;
  }
  assert.deepEqual(seen, ["alias/churn-b", "alias/churn-d", "alias/churn-f", "alias/churn-j", "alias/churn-k", "alias/churn-l"]);

  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await kms.send(new CreateGrantCommand({ KeyId: k, GranteePrincipal: root, Operations: ["Decrypt"] }))).GrantId!);
  ids.sort();
  const g1 = await kms.send(new ListGrantsCommand({ KeyId: k, Limit: 2 }));
  assert.deepEqual(g1.Grants!.map((g) => g.GrantId), ids.slice(0, 2));
  await kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: ids[1]! }));
  await kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: ids[3]! }));
  const added = (await kms.send(new CreateGrantCommand({ KeyId: k, GranteePrincipal: root, Operations: ["Encrypt"] }))).GrantId!;
  const grants = g1.Grants!.map((g) => g.GrantId!);
  let gm = g1.NextMarker;
  while (gm) {
    const p = await kms.send(new ListGrantsCommand({ KeyId: k, Limit: 2, Marker: gm }));
    grants.push(...p.Grants!.map((g) => g.GrantId!));
    gm = p.NextMarker;
  }
  // The new grant is listed when its id sorts after the marker's position, as a new alias is.
  const expected = [...ids.slice(0, 2), ...[ids[2]!, ids[4]!, ids[5]!, ...(added > ids[1]! ? [added] : [])].sort()];
  assert.deepEqual(grants, expected);
});

test("KMS: keys and aliases of another Region or account are not listed, and another Region's alias or key ARN is not found", async () => {
  const west = kmsClient(s, undefined, "eu-west-1");
  const westKey = (await west.send(new CreateKeyCommand({}))).KeyMetadata!;
  await west.send(new CreateAliasCommand({ AliasName: "alias/west-only", TargetKeyId: westKey.KeyId! }));
  const eastKeys = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!;
  assert.ok(!eastKeys.some((k) => k.KeyId === westKey.KeyId));
  for (const k of eastKeys) assert.match(k.KeyArn!, new RegExp(`^arn:aws:kms:us-east-1:${s.accountId}:key/`));
  const westKeys = (await west.send(new ListKeysCommand({ Limit: 1000 }))).Keys!;
  assert.deepEqual(westKeys.map((k) => k.KeyId), [westKey.KeyId]);
  const eastAliases = (await kms.send(new ListAliasesCommand({ Limit: 100 }))).Aliases!;
  assert.ok(!eastAliases.some((a) => a.AliasName === "alias/west-only"));
  assert.ok(!(await west.send(new ListAliasesCommand({ Limit: 100 }))).Aliases!.some((a) => a.AliasName!.startsWith("alias/page-")));

  // An ARN names its Region: another Region's is not found through this endpoint, as KMS answers it.
  const westAliasArn = `arn:aws:kms:eu-west-1:${s.accountId}:alias/west-only`;
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: westAliasArn })), { name: "NotFoundException", message: "Invalid arn eu-west-1" });
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: westKey.Arn! })), { name: "NotFoundException", message: "Invalid arn eu-west-1" });
  await rejectsWith(kms.send(new ListAliasesCommand({ KeyId: westKey.Arn! })), { name: "NotFoundException", message: "Invalid arn eu-west-1" });
  await rejectsWith(kms.send(new ListGrantsCommand({ KeyId: westKey.Arn! })), { name: "NotFoundException", message: "Invalid arn eu-west-1" });
  await rejectsWith(west.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:${s.accountId}:alias/page-0` })), { name: "NotFoundException", message: "Invalid arn us-east-1" });
  // Its own Region's endpoint finds it by the same ARN.
  assert.equal((await west.send(new DescribeKeyCommand({ KeyId: westAliasArn }))).KeyMetadata!.KeyId, westKey.KeyId);

  // Another account's keys: neither account's ListKeys shows the other's.
  const member = await memberAccount(s, "PagingMember");
  const memberKms = kmsClient(s, member.admin);
  const memberKey = (await memberKms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const memberKeys = (await memberKms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!;
  assert.deepEqual(memberKeys.map((k) => k.KeyArn), [memberKey.Arn]);
  assert.ok(!(await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.some((k) => k.KeyId === memberKey.KeyId));
  // ListAliases "does not return aliases in other AWS accounts", and its KeyId is a key of the caller's account.
  await memberKms.send(new CreateAliasCommand({ AliasName: "alias/member-only", TargetKeyId: memberKey.KeyId! }));
  assert.ok(!(await kms.send(new ListAliasesCommand({ Limit: 100 }))).Aliases!.some((a) => a.AliasName === "alias/member-only"));
  await rejectsWith(kms.send(new ListAliasesCommand({ KeyId: memberKey.Arn! })), { name: "NotFoundException", message: `Key '${memberKey.Arn}' does not exist` });
});
