import { test } from "node:test";
import assert from "node:assert/strict";
import { NormalizedSchema } from "@smithy/core/schema";
import { EncryptRequest$, CreateKeyRequest$, CreateGrantRequest$ } from "@aws-sdk/client-kms";
import { CreateWebACLRequest$ } from "@aws-sdk/client-wafv2";
import { jsonShapeReader, readJsonShape } from "./json-input.js";

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
