import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { AUDIT_BATCH_SLOT, AuditBatch, AuditBatchBuilder, auditRowsOf, type AuditBatchWire } from "./audit-batch.js";
import { auditRow } from "./contract.js";
import type { AuditRow } from "./types.js";

const rows: AuditRow[] = [
  auditRow(7),
  auditRow(8, { json: '{"u":"é ☃ \u{1F600}","q":"\\"x\\""}', readOnly: false, resourceNames: "a\nb", resourceTypes: "T\n" }),
  auditRow(9, { accountId: "444455556666", region: "eu-west-3", prevHash: "p", hash: "h", json: "" }),
  auditRow(12, { username: "", accessKeyId: "", eventName: "GetUser" }),
];

describe("AuditBatch", () => {
  test("packs and unpacks rows exactly (non-ASCII JSON, odd hashes, gaps in seq)", () => {
    const b = AuditBatch.of(rows);
    assert.equal(b.length, rows.length);
    assert.deepEqual(b.rows(), rows);
    assert.deepEqual(auditRowsOf(b), rows);
    assert.equal(auditRowsOf(rows), rows);
    assert.equal(Buffer.from(b.json(1)).toString("utf8"), rows[1]!.json);
    assert.deepEqual(AuditBatch.of([]).rows(), []);
  });

  test("repeated column values are stored once per batch", () => {
    const many = Array.from({ length: 50 }, (_, i) => auditRow(i + 1, { accountId: i % 2 === 0 ? "111122223333" : "444455556666" }));
    const b = AuditBatch.of(many);
    assert.deepEqual(b.rows(), many);
    // Per row: eventId, prevHash, hash; plus the shared values.
    assert.ok(b.strings.length < 3 * many.length + 12, `${b.strings.length} strings`);
  });

  test("crosses a thread boundary with its buffers transferred", () => {
    const b = AuditBatch.of(rows);
    const { port1, port2 } = new MessageChannel();
    try {
      const wire: AuditBatchWire = { nums: b.nums, refs: b.refs, strings: b.strings, bytes: b.bytes };
      port1.postMessage(wire, b.transferList());
      assert.equal(b.bytes.byteLength, 0, "the sender's buffer is detached");
      const got = AuditBatch.fromWire(receiveMessageOnPort(port2)!.message as AuditBatchWire);
      assert.deepEqual(got.rows(), rows);
    } finally {
      port1.close();
    }
  });

  test("the builder hands out slot ‖ JSON and refuses a mismatched size", () => {
    const json = Buffer.from('{"a":1}');
    const bld = new AuditBatchBuilder(1, json.length);
    const view = bld.add(1, rows[0]!, json, "0".repeat(64));
    assert.equal(view.length, AUDIT_BATCH_SLOT + json.length);
    assert.deepEqual([...view.subarray(0, AUDIT_BATCH_SLOT)], new Array(AUDIT_BATCH_SLOT).fill(0));
    assert.equal(view.subarray(AUDIT_BATCH_SLOT).toString(), '{"a":1}');
    bld.setHash("h");
    assert.equal(bld.finish().hash(0), "h");
    assert.throws(() => new AuditBatchBuilder(1, 2).add(1, rows[0]!, json, "p"), RangeError);
    assert.throws(() => new AuditBatchBuilder(2, 7).finish(), RangeError);
  });
});
