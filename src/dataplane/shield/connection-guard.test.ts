import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectionGuard, normalizeIp } from "./connection-guard.js";

test("per-IP and total limits", () => {
  const g = new ConnectionGuard(2, 3);
  assert.equal(g.admit("a"), true);
  assert.equal(g.admit("a"), true);
  assert.equal(g.admit("a"), false);
  assert.equal(g.admit("b"), true);
  assert.equal(g.admit("c"), false, "total limit");
  assert.equal(g.refused, 2);
  g.release("a");
  assert.equal(g.open("a"), 1);
  assert.equal(g.admit("c"), true);
  assert.equal(g.open(), 3);
});

test("IPv4-mapped IPv6 addresses are reported as IPv4", () => {
  assert.equal(normalizeIp("::ffff:10.0.0.1"), "10.0.0.1");
  assert.equal(normalizeIp("::1"), "::1");
  assert.equal(normalizeIp(undefined), "");
});
