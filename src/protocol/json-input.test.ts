import { test } from "node:test";
import assert from "node:assert/strict";
import { NormalizedSchema } from "@smithy/core/schema";
import { EncryptRequest$, CreateKeyRequest$, CreateGrantRequest$ } from "@aws-sdk/client-kms";
import { CreateWebACLRequest$ } from "@aws-sdk/client-wafv2";
import { integerOf, isBase64, jsonShapeReader, MAX_JSON_DEPTH, nestsDeeperThan, parseJsonObject, readJsonShape } from "./json-input.js";
import { rng } from "../core/testing/rng.js";

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (e) {
    return { error: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

const cases: Array<[unknown, unknown[]]> = [
  [
    EncryptRequest$,
    [
      { KeyId: "alias/a", Plaintext: "aGVsbG8=", EncryptionContext: { a: "1", __proto__x: "2" }, GrantTokens: ["t"], DryRun: true },
      { KeyId: 5 },
      { Plaintext: "not base64!" },
      { EncryptionContext: { a: 1 } },
      { GrantTokens: "t" },
      { DryRun: "yes" },
      { KeyId: null, Unknown: { deep: [1] } },
      [],
      "text",
    ],
  ],
  [CreateKeyRequest$, [{ Tags: [{ TagKey: "k", TagValue: "v" }, null], MultiRegion: false, Policy: "{}" }, { Tags: [{ TagKey: 1 }] }, { Tags: {} }]],
  [CreateGrantRequest$, [{ KeyId: "k", GranteePrincipal: "p", Operations: ["Encrypt", "Decrypt"], Constraints: { EncryptionContextSubset: { a: "b" } } }, { Constraints: [] }]],
  [
    CreateWebACLRequest$,
    [
      {
        Name: "w",
        Scope: "REGIONAL",
        DefaultAction: { Allow: {} },
        Rules: [{ Name: "r", Priority: 1, Statement: { ByteMatchStatement: { SearchString: "YQ==", FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "CONTAINS" } }, Action: { Block: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "m" } }],
        VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "x" },
      },
      { Rules: [{ Priority: "1" }] },
    ],
  ],
];

test("the compiled reader gives readJsonShape's result or error for every value", () => {
  for (const [schema, values] of cases) {
    const ns = NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0]);
    const read = jsonShapeReader(ns);
    assert.equal(jsonShapeReader(ns), read, "compiled once per schema object");
    for (const v of values) {
      const compiled = outcome(() => read(v));
      assert.deepEqual(compiled, outcome(() => readJsonShape(ns, v)), JSON.stringify(v));
    }
  }
});

test("the compiled reader converts blobs and keeps map keys as data", () => {
  const read = jsonShapeReader(NormalizedSchema.of(EncryptRequest$));
  const out = read(JSON.parse('{"Plaintext":"aGk=","EncryptionContext":{"__proto__":"x"}}')) as { Plaintext: Uint8Array; EncryptionContext: Record<string, string> };
  assert.deepEqual(Buffer.from(out.Plaintext).toString(), "hi");
  assert.deepEqual(Object.keys(out.EncryptionContext), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(out.EncryptionContext), Object.prototype);
  assert.throws(() => read({ Plaintext: 3 }), { code: "SerializationException", message: "NUMBER_VALUE can not be converted to a Blob" });
});

// The pattern isBase64 replaces: it must accept and reject exactly the same strings.
const GROUPED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;


test("isBase64 accepts and rejects exactly what the grouped base64 pattern does", () => {
  const r = rng(12345);
  // Mostly base64 characters, with the characters that are easy to get wrong mixed in.
  const chars = "ABYZabyz0189+/AZaz09+/=====-_ \n\r\t.é\u0000\u{1F600}\uD800";
  const alphabet = [...chars];
  const strings: string[] = ["", "=", "==", "===", "====", "A===", "AA==", "AAA=", "AAAA", "AA=A", "A=AA", "AAAA\n", "\nAAAA", "AAAA=", "AAAAAA==", "AAAAA===", "QR==", "QQ", "QQ=", "YWJj\u0000"];
  for (let n = 0; n < 200_000; n++) {
    const len = 1 + Math.floor(r() * 13);
    let s = "";
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    strings.push(s);
  }
  for (let n = 0; n < 2000; n++) {
    // Real base64 of random bytes, then one character changed, dropped or added.
    const bytes = Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
    const b64 = bytes.toString("base64");
    strings.push(b64);
    const at = Math.floor(r() * (b64.length + 1));
    const c = alphabet[Math.floor(r() * alphabet.length)]!;
    strings.push(b64.slice(0, at) + c + b64.slice(at + 1), b64.slice(0, at) + b64.slice(at + 1), b64.slice(0, at) + c + b64.slice(at));
  }
  let accepted = 0;
  for (const s of strings) {
    const expected = GROUPED_BASE64.test(s);
    assert.equal(isBase64(s), expected, JSON.stringify(s));
    if (expected) accepted++;
  }
  assert.ok(accepted > 3000, `only ${accepted} valid strings generated`);
  assert.ok(strings.length - accepted > 100_000);
});

test("blobs decode to a Uint8Array of exactly the encoded bytes, by both readers", () => {
  const ns = NormalizedSchema.of(EncryptRequest$);
  const read = jsonShapeReader(ns);
  const r = rng(99);
  for (let len = 0; len < 300; len++) {
    const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
    for (const out of [read({ Plaintext: bytes.toString("base64") }), readJsonShape(ns, { Plaintext: bytes.toString("base64") })]) {
      const blob = (out as { Plaintext: Uint8Array }).Plaintext;
      assert.equal(Object.getPrototypeOf(blob), Uint8Array.prototype);
      assert.equal(blob.byteLength, len);
      assert.equal(Buffer.compare(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength), bytes), 0);
    }
  }
  // Non-canonical trailing bits are accepted and decoded as Node decodes them.
  assert.deepEqual([...(read({ Plaintext: "QR==" }) as { Plaintext: Uint8Array }).Plaintext], [0x41]);
  for (const bad of ["QQ", "QQ=", "Q===", "YW Jj", "YWJj\n", "YW-j", "YW_j"]) {
    assert.throws(() => read({ Plaintext: bad }), { code: "SerializationException", message: "Base64 encoded value is invalid." }, bad);
  }
});

test("integerOf reads a number as an Integer member: fractions truncated toward zero, NaN a SerializationException", () => {
  assert.equal(integerOf(7), 7);
  assert.equal(integerOf(2.9), 2);
  assert.equal(integerOf(-2.9), -2);
  assert.ok(Object.is(integerOf(-0.5), 0));
  assert.equal(integerOf(Infinity), Infinity);
  assert.throws(() => integerOf(NaN), (e: any) => e.common === "Serialization" && e.status === 400 && e.message === "STRING_VALUE can not be converted to an Integer");
});

test("nestsDeeperThan counts array and object nesting outside strings only", () => {
  assert.equal(nestsDeeperThan("[[[]]]".padEnd(10, " "), 3), false);
  assert.equal(nestsDeeperThan("[[[[]]]]".padEnd(10, " "), 3), true);
  assert.equal(nestsDeeperThan('{"a":{"b":{"c":{}}}}', 3), true);
  assert.equal(nestsDeeperThan('{"a":"[[[[{{{{","b":[]}', 3), false);
  // An escaped quote does not end the string; an escaped backslash before the closing quote does.
  assert.equal(nestsDeeperThan('{"a":"\\"[[[[\\\\","b":1}', 3), false);
  assert.equal(nestsDeeperThan('{"a":"\\\\",  "b":[[[[]]]]}', 3), true);
  // Text no longer than the limit cannot nest deeper than it.
  assert.equal(nestsDeeperThan("[[[[", 4), false);
});

test("a body nested deeper than MAX_JSON_DEPTH is a SerializationException before it is parsed or read", () => {
  const deep = (n: number) => '{"a":'.repeat(n - 1) + "{}" + "}".repeat(n - 1);
  assert.deepEqual(Object.keys(parseJsonObject(Buffer.from(deep(MAX_JSON_DEPTH)))), ["a"]);
  for (const body of [deep(MAX_JSON_DEPTH + 1), "[".repeat(100_000) + "]".repeat(100_000), `{"x":${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}}`]) {
    assert.deepEqual(outcome(() => parseJsonObject(Buffer.from(body))), {
      error: "SerializationException",
      code: "SerializationException",
      message: `JSON nesting depth exceeds the maximum allowed (${MAX_JSON_DEPTH}).`,
    });
  }
  // A schema-valid web ACL statement nested 10,000 deep: refused, where reading it would exhaust the stack.
  const statement = '{"NotStatement":{"Statement":'.repeat(10_000) + '{"GeoMatchStatement":{"CountryCodes":["DE"]}}' + "}}".repeat(10_000);
  const body = Buffer.from(`{"Name":"w","Rules":[{"Name":"r","Priority":1,"Statement":${statement}}]}`);
  assert.equal((outcome(() => parseJsonObject(body)) as { code?: string }).code, "SerializationException");
});

test("a body that is not UTF-8 is a SerializationException, not text with replacement characters", () => {
  const parse = "Could not parse the request body as JSON.";
  for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]) {
    const body = Buffer.concat([Buffer.from('{"KeyId":"'), Buffer.from(bad), Buffer.from('"}')]);
    assert.deepEqual(outcome(() => parseJsonObject(body)), { error: "SerializationException", code: "SerializationException", message: parse });
  }
  assert.deepEqual(parseJsonObject(Buffer.from('{"KeyId":"alias/ключ-€-😀"}')), { KeyId: "alias/ключ-€-😀" });
});
