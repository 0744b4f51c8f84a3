import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as cloudtrail from "@aws-sdk/client-cloudtrail";
import * as kms from "@aws-sdk/client-kms";
import * as organizations from "@aws-sdk/client-organizations";
import * as wafv2 from "@aws-sdk/client-wafv2";
import { JsonCodec } from "@aws-sdk/core/protocols";
import { NormalizedSchema } from "@smithy/core/schema";
import { JsonWriter } from "./json-writer.js";
import { rng } from "../core/testing/rng.js";

const SETTINGS = { timestampFormat: { useTrait: true, default: 7 as const }, jsonName: false };

function sdkJson(ns: NormalizedSchema, value: unknown): string {
  const s = new JsonCodec(SETTINGS).createSerializer();
  s.write(ns, value);
  return String(s.flush());
}


const STRINGS = ["", "plain", 'quote " back \\ slash', "line\nbreak\ttab", "ctl\u0001\u001f", "lone\uD800", "\u2028\u2029 é \u{1F600}", "__proto__", "0", "10"];

function valueFor(ns: NormalizedSchema, r: () => number, depth: number): unknown {
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    if (depth > 4) return out;
    for (const [name, m] of ns.structIterator()) {
      const p = r();
      if (p < 0.25) continue;
      if (p < 0.3) {
        out[name] = null;
        continue;
      }
      out[name] = valueFor(m, r, depth + 1);
    }
    return out;
  }
  if (ns.isListSchema()) {
    const n = Math.floor(r() * 4);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(r() < 0.1 ? null : valueFor(ns.getValueSchema(), r, depth + 1));
    return out;
  }
  if (ns.isMapSchema()) {
    const out: Record<string, unknown> = {};
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const k = STRINGS[Math.floor(r() * STRINGS.length)]!;
      Object.defineProperty(out, k, { value: r() < 0.1 ? null : valueFor(ns.getValueSchema(), r, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (ns.isTimestampSchema()) return new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 1e10) * (r() < 0.5 ? 1000 : 1));
  if (ns.isBlobSchema()) return new Uint8Array([0, 1, 2, 250, Math.floor(r() * 256)]);
  if (ns.isBooleanSchema()) return r() < 0.5;
  if (ns.isNumericSchema()) {
    const p = r();
    if (p < 0.05) return Number.NaN;
    if (p < 0.1) return -Infinity;
    return p < 0.5 ? Math.floor(r() * 1e6) : r() * 1000 - 500;
  }
  if (ns.isDocumentSchema()) return { any: ["thing", 1] };
  return STRINGS[Math.floor(r() * STRINGS.length)];
}

function outputSchemas(pkg: Record<string, unknown>): Array<[string, NormalizedSchema]> {
  const out: Array<[string, NormalizedSchema]> = [];
  for (const [k, v] of Object.entries(pkg)) {
    if (!k.endsWith("$") || !Array.isArray(v) || v[0] !== 9) continue;
    const ref = v[5] as unknown;
    const ns = NormalizedSchema.of((typeof ref === "function" ? (ref as () => unknown)() : ref) as Parameters<typeof NormalizedSchema.of>[0]);
    if (ns.isStructSchema() && !ns.isUnitSchema()) out.push([k, ns]);
  }
  return out;
}

describe("JsonWriter", () => {
  test("writes exactly what the SDK's JsonCodec writes, for every Organizations, CloudTrail, KMS and WAFv2 output shape", () => {
    const writer = new JsonWriter(SETTINGS);
    const r = rng(7);
    let compared = 0;
    let fallbacks = 0;
    const pkgs = [organizations, cloudtrail, kms, wafv2] as unknown as Array<Record<string, unknown>>;
    const schemas = pkgs.flatMap(outputSchemas);
    assert.ok(schemas.length > 150, `found ${schemas.length} output shapes`);
    for (const [name, ns] of schemas) {
      for (let i = 0; i < 10; i++) {
        const value = valueFor(ns, r, 0);
        const fast = writer.write(ns, value);
        if (fast === undefined) {
          fallbacks++;
          continue;
        }
        assert.equal(fast, sdkJson(ns, value), `${name} #${i}`);
        compared++;
      }
    }
    // Shapes with documents or unions would be left to the SDK; none of these outputs has one.
    assert.equal(fallbacks, 0);
    assert.equal(compared, schemas.length * 10);
  });

  test("DescribeOrganization output", () => {
    const ns = NormalizedSchema.of(((organizations.DescribeOrganization$ as unknown[])[5] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
    const value = {
      Organization: {
        Id: "o-abc",
        Arn: "arn:aws:organizations::111122223333:organization/o-abc",
        FeatureSet: "ALL",
        MasterAccountId: "111122223333",
        AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
      },
    };
    const text = new JsonWriter(SETTINGS).write(ns, value);
    assert.equal(text, sdkJson(ns, value));
    assert.equal(
      text,
      '{"Organization":{"Id":"o-abc","Arn":"arn:aws:organizations::111122223333:organization/o-abc","FeatureSet":"ALL","MasterAccountId":"111122223333","AvailablePolicyTypes":[{"Type":"SERVICE_CONTROL_POLICY","Status":"ENABLED"}]}}',
    );
  });

  test("values outside the model are left to the SDK", () => {
    const writer = new JsonWriter(SETTINGS);
    const ns = NormalizedSchema.of(((kms.DescribeKey$ as unknown[])[5] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
    class Meta {
      KeyId = "k";
    }
    for (const v of [
      { KeyMetadata: new Meta() },
      { KeyMetadata: { KeyId: 1 } },
      { KeyMetadata: { KeyId: "k", CreationDate: 1_700_000_000 } },
      { KeyMetadata: { KeyId: "k", CreationDate: new Date(Number.NaN) } },
      { KeyMetadata: { KeyId: "k", Enabled: "yes" } },
      { __type: "x", KeyMetadata: { KeyId: "k" } },
      new Meta(),
    ]) {
      assert.equal(writer.write(ns, v), undefined, JSON.stringify(v));
    }
  });

  test("blobs of every length, views at an offset and Buffers are written as the SDK writes them", () => {
    const writer = new JsonWriter(SETTINGS);
    const ns = NormalizedSchema.of(((kms.Encrypt$ as unknown[])[5] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
    const r = rng(11);
    const pool = new Uint8Array(1024).map(() => Math.floor(r() * 256));
    for (let len = 0; len < 200; len++) {
      const at = Math.floor(r() * 100);
      for (const blob of [pool.slice(at, at + len), pool.subarray(at, at + len), Buffer.from(pool.subarray(at, at + len))]) {
        const value = { CiphertextBlob: blob, KeyId: "k" };
        assert.equal(writer.write(ns, value), sdkJson(ns, value), `length ${len}`);
      }
    }
    // A view of a SharedArrayBuffer fails as the SDK's toBase64 fails.
    const shared = { CiphertextBlob: new Uint8Array(new SharedArrayBuffer(4)) };
    assert.throws(() => sdkJson(ns, shared), TypeError);
    assert.throws(() => writer.write(ns, shared), TypeError);
  });
});
