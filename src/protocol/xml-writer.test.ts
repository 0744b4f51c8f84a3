import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as iam from "@aws-sdk/client-iam";
import * as sts from "@aws-sdk/client-sts";
import { NormalizedSchema } from "@smithy/core/schema";
import { NumericValue } from "@smithy/core/serde";
import { escapeXml, sdkStructInnerXml, structInnerXml } from "./xml.js";
import { writeStructInnerXml } from "./xml-writer.js";
import { rng } from "../core/testing/rng.js";

/** Deterministic pseudo-random numbers (xorshift32), so failures reproduce. */

const STRINGS = ["", "plain", "a&b<c>d\"e'f", "line\nbreak\r\nx", "\u0085\u2028\u2029", "ctl\u0001\u0008\u000B\u001F", "lone\uD800 and \uDC00", "emoji \u{1F600} é ü", "  spaced  ", "arn:aws:iam::111122223333:user/x"];

function valueFor(ns: NormalizedSchema, r: () => number, depth: number): unknown {
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    if (depth > 4) return out;
    for (const [name, m] of ns.structIterator()) {
      const p = r();
      if (p < 0.25) continue; // absent
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
    const n = Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out[STRINGS[Math.floor(r() * STRINGS.length)]! + i] = valueFor(ns.getValueSchema(), r, depth + 1);
    return out;
  }
  if (ns.isTimestampSchema()) return new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 1e10) * (r() < 0.5 ? 1000 : 1));
  if (ns.isBlobSchema()) return new Uint8Array([0, 1, 2, 250, Math.floor(r() * 256)]);
  if (ns.isBooleanSchema()) return r() < 0.5;
  if (ns.isBigDecimalSchema()) return new NumericValue("12.50", "bigDecimal");
  if (ns.isBigIntegerSchema()) return BigInt(Math.floor(r() * 1e6));
  if (ns.isNumericSchema()) return r() < 0.5 ? Math.floor(r() * 1e6) : r() * 1000 - 500;
  return STRINGS[Math.floor(r() * STRINGS.length)];
}

/** Output structures of every operation a client package exports (X$ = [9, ns, name, traits, input, output]). */
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

describe("writeStructInnerXml", () => {
  test("writes exactly what the SDK serializer writes, for every IAM and STS output shape", () => {
    const r = rng(20260101);
    let compared = 0;
    let fallbacks = 0;
    const schemas = [...outputSchemas(iam as unknown as Record<string, unknown>), ...outputSchemas(sts as unknown as Record<string, unknown>)];
    assert.ok(schemas.length > 100, `found ${schemas.length} output shapes`);
    for (const [name, ns] of schemas) {
      for (let i = 0; i < 12; i++) {
        const value = valueFor(ns, r, 0);
        const fast = writeStructInnerXml(ns, value);
        if (fast === undefined) {
          fallbacks++;
          continue;
        }
        assert.equal(fast, sdkStructInnerXml(ns, value), `${name} #${i}: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
        compared++;
      }
    }
    // IAM and STS use nothing this writer leaves to the SDK.
    assert.equal(fallbacks, 0);
    assert.ok(compared >= schemas.length * 12);
  });

  test("values outside the model fall back to the SDK path (same result through structInnerXml)", () => {
    const ns = NormalizedSchema.of(((iam.GetUser$ as unknown[])[5] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
    class Box {
      UserName = "x";
    }
    const odd: unknown[] = [
      { User: new Box() }, // class instance where a structure is expected
      { User: { UserName: "u", CreateDate: "2026-01-01" } }, // string where a timestamp is expected
      { User: { UserName: { nested: true } } }, // object where a string is expected
      new Box(),
    ];
    for (const v of odd) {
      assert.equal(writeStructInnerXml(ns, v), undefined);
      let sdk: string | Error;
      try {
        sdk = sdkStructInnerXml(ns, v);
      } catch (e) {
        sdk = e as Error;
      }
      if (typeof sdk === "string") assert.equal(structInnerXml(ns, v), sdk);
      else assert.throws(() => structInnerXml(ns, v));
    }
  });

  test("a GetCallerIdentity result", () => {
    const ns = NormalizedSchema.of(((sts.GetCallerIdentity$ as unknown[])[5] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
    assert.equal(
      writeStructInnerXml(ns, { UserId: "AIDA<1>", Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/a&b" }),
      "<UserId>AIDA&lt;1&gt;</UserId><Account>111122223333</Account><Arn>arn:aws:iam::111122223333:user/a&amp;b</Arn>",
    );
  });
});

describe("escapeXml", () => {
  // The full path (what escapeXml did before its fast check): U+FFFD for what XML cannot carry, then entities.
  const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  const ENT: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#x0D;" };
  const reference = (t: string): string => t.replace(INVALID, "\uFFFD").replace(/[&<>"'\r]/g, (c) => ENT[c] ?? c);

  test("equals the full replacement for every short mix of special and ordinary characters", () => {
    const alphabet = ["a", "&", "<", '"', "'", "\r", "\n", "\t", "\u0001", "\uD800", "\uDC00", "\uFFFE", "é", "\u{1F600}"];
    const walk = (prefix: string, depth: number): void => {
      assert.equal(escapeXml(prefix), reference(prefix), JSON.stringify(prefix));
      if (depth === 0) return;
      for (const c of alphabet) walk(prefix + c, depth - 1);
    };
    walk("", 3);
    assert.equal(escapeXml("https://sts.amazonaws.com/doc/2011-06-15/"), "https://sts.amazonaws.com/doc/2011-06-15/");
  });
});
