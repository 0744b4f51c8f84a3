import { test } from "node:test";
import assert from "node:assert/strict";
import { createIpMatcher, parseIp, parseIpv6, InvalidCidrError } from "./ip.js";
import { parseIpList } from "./managed/ip-lists.js";

test("IPv4 and IPv6 CIDRs match", () => {
  const m = createIpMatcher(["192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32", "10.0.0.0/8"]);
  assert.equal(m.contains("192.0.2.255"), true);
  assert.equal(m.contains("192.0.3.0"), false);
  assert.equal(m.contains("198.51.100.7"), true);
  assert.equal(m.contains("198.51.100.8"), false);
  assert.equal(m.contains("2001:db8:ffff::1"), true);
  assert.equal(m.contains("2001:db9::1"), false);
  assert.equal(m.contains("::ffff:10.1.2.3"), true, "IPv4-mapped IPv6 matches as IPv4");
  assert.equal(m.contains("not-an-ip"), false);
});

test("IPv6 parsing handles compression and embedded IPv4", () => {
  assert.equal(parseIpv6("::1"), 1n);
  assert.equal(parseIpv6("2001:db8::"), 0x20010db8n << 96n);
  assert.equal(parseIpv6("::ffff:1.2.3.4"), (0xffffn << 32n) | 0x01020304n);
  assert.equal(parseIpv6("1::2::3"), undefined);
  assert.deepEqual(parseIp("01.2.3.4"), undefined);
});

test("invalid CIDRs are rejected", () => {
  assert.throws(() => createIpMatcher(["192.0.2.0/33"]), InvalidCidrError);
  assert.throws(() => createIpMatcher(["300.1.1.1"]), InvalidCidrError);
});

test("IP list files: comments and blank lines ignored", () => {
  const m = parseIpList("# list\n203.0.113.0/24  # office\n\n2001:db8::1\n");
  assert.equal(m.size, 2);
  assert.equal(m.contains("203.0.113.9"), true);
  assert.equal(m.contains("2001:db8::1"), true);
  assert.equal(m.contains("2001:db8::2"), false);
});
