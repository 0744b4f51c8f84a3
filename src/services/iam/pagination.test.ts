import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeMarker, encodeMarker, paginate, paginateCollection } from "./pagination.js";
import { MemoryStorage } from "./testing/memory-storage.js";

describe("pagination", () => {
  test("markers round-trip and foreign markers are refused", () => {
    assert.equal(decodeMarker(encodeMarker("1/alice")), "1/alice");
    assert.equal(decodeMarker(undefined), undefined);
    assert.throws(() => decodeMarker("%%%"), /Invalid Marker/);
  });

  test("a marker decoding to NUL characters is refused, not handed to storage", async () => {
    assert.throws(() => decodeMarker("A".repeat(128)), /Invalid Marker/);
    assert.throws(() => decodeMarker(encodeMarker("1/a\u0000b")), /Invalid Marker/);
    await assert.rejects(paginateCollection(new MemoryStorage(), "c", "acct/", "AAAA", 10, () => true), /Invalid Marker/);
  });

  test("paginate walks sorted keys and survives deletion of the last returned item", () => {
    const items = ["d", "b", "a", "c"];
    const p1 = paginate(items, (x) => x, undefined, 2);
    assert.deepEqual([p1.items, p1.isTruncated], [["a", "b"], true]);
    const p2 = paginate(["a", "c", "d"], (x) => x, p1.marker, 2);
    assert.deepEqual([p2.items, p2.isTruncated, p2.marker], [["c", "d"], false, undefined]);
  });

  test("paginateCollection filters across storage batches", async () => {
    const s = new MemoryStorage();
    for (let i = 0; i < 30; i++) await s.put("c", `acct/${String(i).padStart(2, "0")}`, { even: i % 2 === 0 });
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await paginateCollection<{ even: boolean }>(s, "c", "acct/", marker, 4, (v) => v.even);
      seen.push(...page.items.map((e) => e.key.slice(5)));
      marker = page.marker;
    } while (marker);
    assert.deepEqual(seen, ["00", "02", "04", "06", "08", "10", "12", "14", "16", "18", "20", "22", "24", "26", "28"]);
  });
});
