import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import { Markers } from "./markers.js";

describe("WAFv2 NextMarker", () => {
  const markers = new Markers(randomBytes(32));
  const walk = (items: string[], listing: string, limit: number): { seen: string[]; longest: number } => {
    const seen: string[] = [];
    let marker: string | undefined;
    let longest = 0;
    do {
      const { page, next } = markers.page(items, (x) => x, listing, marker, limit);
      seen.push(...page);
      marker = next;
      if (next) longest = Math.max(longest, next.length);
    } while (marker);
    return { seen, longest };
  };

  test("stays within the model's 256 characters for the longest names and a long listing, and pages through everything", () => {
    // Names of 128 characters with their ids, as ListWebACLs keys them; the listing names a long ARN.
    const items = Array.from({ length: 7 }, (_, i) => `${String(i).padStart(3, "0")}${"n".repeat(125)}\u0000${"0".repeat(36)}`);
    const listing = `ListTagsForResource/arn:aws:wafv2:us-east-1:111122223333:regional/webacl/${"n".repeat(128)}/${"0".repeat(36)}`;
    const { seen, longest } = walk(items, listing, 2);
    assert.deepEqual(seen, items);
    assert.ok(longest > 0 && longest <= 256, String(longest));
  });

  test("a key too long to carry (128 multi-byte characters) is carried by position, and the listing still completes", () => {
    const items = Array.from({ length: 5 }, (_, i) => `${i}${"é".repeat(127)}`);
    const { seen, longest } = walk(items, "ListTagsForResource/arn", 2);
    assert.deepEqual(seen, items);
    assert.ok(longest <= 256);
    // The item it stopped after is gone: the next page starts at the same position.
    const first = markers.page(items, (x) => x, "L", undefined, 2);
    const next = markers.page(items.filter((x) => x !== items[1]), (x) => x, "L", first.next, 2);
    assert.deepEqual(next.page, [items[2], items[3]]);
  });

  test("a marker continues only its own listing and cannot be forged", () => {
    const items = ["a", "b", "c"];
    const { next } = markers.page(items, (x) => x, "ListIPSets/111122223333/us-east-1/REGIONAL", undefined, 1);
    assert.ok(next);
    assert.throws(() => markers.page(items, (x) => x, "ListIPSets/444455556666/us-east-1/REGIONAL", next, 1), { code: "WAFInvalidParameterException" });
    const forged = `${Buffer.from("b").toString("base64url")}.${next!.split(".")[1]}`;
    assert.throws(() => markers.page(items, (x) => x, "ListIPSets/111122223333/us-east-1/REGIONAL", forged, 1), { code: "WAFInvalidParameterException" });
    assert.throws(() => markers.page(items, (x) => x, "L", "garbage", 1), { code: "WAFInvalidParameterException" });
  });
});
