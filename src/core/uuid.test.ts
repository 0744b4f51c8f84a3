import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUuid } from "./uuid.js";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("randomUuid gives RFC 9562 version 4 UUIDs, lower-case 8-4-4-4-12, none repeated across refills", () => {
  const seen = new Set<string>();
  // More than two draws of the entropy buffer (128 ids each).
  for (let i = 0; i < 1000; i++) {
    const id = randomUuid();
    assert.match(id, V4);
    assert.equal(seen.has(id), false, `repeated ${id}`);
    seen.add(id);
  }
});

test("randomUuid's random bits vary in every position that is not fixed by the version and variant", () => {
  const ids = Array.from({ length: 256 }, () => randomUuid());
  for (let pos = 0; pos < 36; pos++) {
    const chars = new Set(ids.map((id) => id[pos]));
    if ([8, 13, 18, 23].includes(pos)) assert.deepEqual([...chars], ["-"]);
    else if (pos === 14) assert.deepEqual([...chars], ["4"]);
    else if (pos === 19) assert.ok([...chars].every((c) => "89ab".includes(c!)) && chars.size > 1, `variant position: ${[...chars].join("")}`);
    else assert.ok(chars.size > 4, `position ${pos} took only ${chars.size} values`);
  }
});

test("a randomUuid string does not change when the next one is made (no shared storage)", () => {
  const a = randomUuid();
  const copy = `${a}`;
  randomUuid();
  assert.equal(a, copy);
});
