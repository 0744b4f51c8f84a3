import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_MARKER_LENGTH, decodeMarker, encodeMarker, paginate, paginateCollection } from "./pagination.js";
import { MemoryStorage } from "./testing/memory-storage.js";

describe("pagination", () => {
  test("markers round-trip and foreign markers are refused", () => {
    assert.deepEqual(decodeMarker("ListUsers", encodeMarker("ListUsers", "1/alice")), { after: "1/alice" });
    assert.equal(decodeMarker("ListUsers", undefined), undefined);
    assert.throws(() => decodeMarker("ListUsers", "%%%"), /Invalid Marker/);
    // Another list's marker, and a bare base64url sort key (the form markers had before).
    assert.throws(() => decodeMarker("ListRoles", encodeMarker("ListUsers", "alice")), /Invalid Marker/);
    assert.throws(() => decodeMarker("ListUsers", encodeMarker("ListUsersX", "alice")), /Invalid Marker/);
    assert.throws(() => decodeMarker("ListUsers", Buffer.from("alice").toString("base64url")), /Invalid Marker/);
    assert.throws(() => decodeMarker("ListUsers", encodeMarker("ListUsers", "")), /Invalid Marker/);
  });

  test("a marker decoding to NUL characters is refused, not handed to storage", async () => {
    assert.throws(() => decodeMarker("ListUsers", "A".repeat(128)), /Invalid Marker/);
    assert.throws(() => decodeMarker("ListUsers", encodeMarker("ListUsers", "1/a\u0000b")), /Invalid Marker/);
    await assert.rejects(paginateCollection("ListUsers", new MemoryStorage(), "c", "acct/", "AAAA", 10, () => true), /Invalid Marker/);
  });

  test("paginate walks sorted keys and survives deletion of the last returned item", () => {
    const items = ["d", "b", "a", "c"];
    const p1 = paginate("L", items, (x) => x, undefined, 2);
    assert.deepEqual([p1.items, p1.isTruncated], [["a", "b"], true]);
    const p2 = paginate("L", ["a", "c", "d"], (x) => x, p1.marker, 2);
    assert.deepEqual([p2.items, p2.isTruncated, p2.marker], [["c", "d"], false, undefined]);
  });

  test("sort keys too long for a 320-character marker: markers stay within it and the walk is whole", () => {
    const long = (n: number) => `arn:aws:iam::123456789012:policy/${"p".repeat(500)}/${"x".repeat(40)}${n}`;
    const items = [3, 1, 4, 2, 5].map(long);
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = paginate("ListAttachedRolePolicies", items, (x) => x, marker, 2);
      if (page.marker !== undefined) assert.ok(page.marker.length <= MAX_MARKER_LENGTH, String(page.marker.length));
      seen.push(...page.items);
      marker = page.marker;
    } while (marker);
    assert.deepEqual(seen, [1, 2, 3, 4, 5].map(long));
    // A long-form marker is refused by another list. When its item is deleted the list continues after
    // the key prefix the marker carries: items sharing it come again, none is skipped.
    const p1 = paginate("ListAttachedRolePolicies", items, (x) => x, undefined, 2);
    assert.throws(() => paginate("ListAttachedUserPolicies", items, (x) => x, p1.marker, 2), /Invalid Marker/);
    const p2 = paginate("ListAttachedRolePolicies", items.filter((x) => x !== long(2)), (x) => x, p1.marker, 2);
    assert.deepEqual(p2.items, [long(1), long(3)]);
  });

  test("paginateCollection filters across storage batches", async () => {
    const s = new MemoryStorage();
    for (let i = 0; i < 30; i++) await s.put("c", `acct/${String(i).padStart(2, "0")}`, { even: i % 2 === 0 });
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await paginateCollection<{ even: boolean }>("L", s, "c", "acct/", marker, 4, (v) => v.even);
      seen.push(...page.items.map((e) => e.key.slice(5)));
      marker = page.marker;
    } while (marker);
    assert.deepEqual(seen, ["00", "02", "04", "06", "08", "10", "12", "14", "16", "18", "20", "22", "24", "26", "28"]);
  });

  test("paginateCollection with keys too long for a marker pages whole", async () => {
    const s = new MemoryStorage();
    const key = (i: number) => `${"m".repeat(400)}/${String(i).padStart(2, "0")}`;
    for (let i = 0; i < 7; i++) await s.put("c", `acct/${key(i)}`, {});
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await paginateCollection("ListVirtualMFADevices", s, "c", "acct/", marker, 3, () => true);
      if (page.marker !== undefined) assert.ok(page.marker.length <= MAX_MARKER_LENGTH);
      seen.push(...page.items.map((e) => e.key.slice(5)));
      marker = page.marker;
    } while (marker);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6].map(key));
  });
});
