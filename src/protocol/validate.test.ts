import { test } from "node:test";
import assert from "node:assert/strict";
import { NormalizedSchema } from "@smithy/core/schema";
import * as cloudtrail from "@aws-sdk/client-cloudtrail";
import * as iam from "@aws-sdk/client-iam";
import * as kms from "@aws-sdk/client-kms";
import * as organizations from "@aws-sdk/client-organizations";
import * as sts from "@aws-sdk/client-sts";
import * as wafv2 from "@aws-sdk/client-wafv2";
import { lowerFirst, requiredMemberCount } from "./schema-util.js";
import { missingRequiredMembers } from "./validate.js";
import { rng } from "../core/testing/rng.js";

// The definition the compiled check must match: a depth-first walk over the schema's members.
function reference(ns: NormalizedSchema, value: unknown): string[] {
  const out: string[] = [];
  const isContainer = (s: NormalizedSchema): boolean => s.isStructSchema() || s.isListSchema() || s.isMapSchema();
  const memberPath = (path: string, name: string): string => (path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`);
  const walk = (s: NormalizedSchema, v: unknown, path: string): void => {
    if (v === null || v === undefined || out.length >= 100) return;
    if (s.isStructSchema()) {
      if (typeof v !== "object") return;
      const record = v as Record<string, unknown>;
      const required = s.isUnionSchema() ? 0 : requiredMemberCount(s);
      let i = 0;
      for (const [name, member] of s.structIterator()) {
        const x = Object.hasOwn(record, name) ? record[name] : undefined;
        if (i < required && (x === undefined || x === null)) out.push(`Value null at '${memberPath(path, name)}' failed to satisfy constraint: Member must not be null`);
        else if (x !== undefined && x !== null && isContainer(member)) walk(member, x, memberPath(path, name));
        i++;
      }
      return;
    }
    if (s.isListSchema()) {
      if (!Array.isArray(v)) return;
      const item = s.getValueSchema();
      if (!isContainer(item)) return;
      for (let i = 0; i < v.length; i++) walk(item, v[i], `${path}.${i + 1}.member`);
      return;
    }
    if (s.isMapSchema()) {
      if (typeof v !== "object") return;
      const item = s.getValueSchema();
      if (!isContainer(item)) return;
      for (const k of Object.keys(v)) walk(item, (v as Record<string, unknown>)[k], `${path}.${k}`);
    }
  };
  walk(ns, value, "");
  return out;
}


const ODD = ["text", 7, true, [], {}, [null], [{}]];

/** A value for the shape with members often missing, null or of the wrong type. */
function valueFor(ns: NormalizedSchema, r: () => number, depth: number): unknown {
  const p = r();
  if (p < 0.05) return null;
  if (p < 0.1) return ODD[Math.floor(r() * ODD.length)];
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    if (depth > 5) return out;
    for (const [name, m] of ns.structIterator()) if (r() < 0.6) out[name] = valueFor(m, r, depth + 1);
    return out;
  }
  if (ns.isListSchema()) {
    const n = Math.floor(r() * 4);
    return Array.from({ length: n }, () => valueFor(ns.getValueSchema(), r, depth + 1));
  }
  if (ns.isMapSchema()) {
    const out: Record<string, unknown> = {};
    for (const k of ["a", "__proto__", "0", "b.c"].slice(0, Math.floor(r() * 5))) {
      Object.defineProperty(out, k, { value: valueFor(ns.getValueSchema(), r, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return "x";
}

function inputSchemas(pkg: Record<string, unknown>): Array<[string, NormalizedSchema]> {
  const out: Array<[string, NormalizedSchema]> = [];
  for (const [k, v] of Object.entries(pkg)) {
    if (!k.endsWith("$") || !Array.isArray(v) || v[0] !== 9) continue;
    const ref = v[4] as unknown;
    out.push([k, NormalizedSchema.of((typeof ref === "function" ? (ref as () => unknown)() : ref) as Parameters<typeof NormalizedSchema.of>[0])]);
  }
  return out;
}

test("missingRequiredMembers reports what the schema walk reports, for every input shape of six models", () => {
  const r = rng(2024);
  const pkgs = [cloudtrail, iam, kms, organizations, sts, wafv2] as unknown as Array<Record<string, unknown>>;
  const schemas = pkgs.flatMap(inputSchemas);
  assert.ok(schemas.length > 400, `found ${schemas.length} input shapes`);
  let reported = 0;
  for (const [name, ns] of schemas) {
    for (let i = 0; i < 20; i++) {
      const value = valueFor(ns, r, 0);
      const expected = reference(ns, value);
      assert.deepEqual(missingRequiredMembers(ns, value), expected, `${name} #${i}`);
      reported += expected.length;
    }
  }
  assert.ok(reported > 1000, `only ${reported} messages compared`);
});

test("the report stops descending at 100 messages as the walk does", () => {
  const ns = NormalizedSchema.of(((kms.CreateKey$ as unknown[])[4] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
  for (const n of [99, 100, 101, 250]) {
    const value = { Tags: Array.from({ length: n }, () => ({})) };
    const got = missingRequiredMembers(ns, value);
    assert.deepEqual(got, reference(ns, value));
    assert.equal(got[0], "Value null at 'tags.1.member.tagKey' failed to satisfy constraint: Member must not be null");
  }
  const wafNs = NormalizedSchema.of(((wafv2.CreateWebACL$ as unknown[])[4] as () => unknown)() as Parameters<typeof NormalizedSchema.of>[0]);
  assert.deepEqual(missingRequiredMembers(wafNs, {}), reference(wafNs, {}));
  assert.ok(missingRequiredMembers(wafNs, {}).length > 1);
});
