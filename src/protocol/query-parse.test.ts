import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NormalizedSchema } from "@smithy/core/schema";
import { QueryShapeSerializer } from "@aws-sdk/core/protocols";
import { paramTree, parseQueryString, readQueryInput } from "./query-parse.js";
import { thrown } from "./test-harness.js";

// Hand-written static schemas in the SDK's tuple format, covering what IAM/STS do not use:
// maps, flattened lists, xmlName, nested structures, booleans, blobs, timestamp formats.
const N = "test.ns";
const Inner = [3, N, "Inner", 0, ["Name", "Deep"], [0, () => Deeper]];
const Deeper = [3, N, "Deeper", 0, ["Flag"], [2]];
const StringMap = [2, N, "StringMap", 0, 0, 0];
const StructMap = [2, N, "StructMap", 0, 0, () => Inner];
const Strings = 64 | 0;
const Structs = [1, N, "Structs", 0, () => Inner];
const ItemList = [1, N, "ItemList", 0, [0, { xmlName: "item" }]];
const RenamedMap = [2, N, "RenamedMap", 0, [0, { xmlName: "k" }], [0, { xmlName: "v" }]];
const Input = [
  3, N, "Input", 0,
  ["Req", "Attrs", "ById", "Flat", "Named", "Items", "Nested", "Flag", "Count", "Ratio", "Iso", "Epoch", "Http", "Data", "Secret", "Aliased", "Renamed"],
  [
    0,
    () => StringMap,
    () => StructMap,
    [() => Strings, { xmlFlattened: 1 }],
    [() => Strings, { xmlName: "Alias" }],
    () => Structs,
    () => Inner,
    2,
    1,
    1,
    5,
    7,
    6,
    21,
    [1, { sensitive: 1 }],
    () => ItemList,
    () => RenamedMap,
  ],
  1,
];
const schema = NormalizedSchema.of(Input as unknown as Parameters<typeof NormalizedSchema.of>[0]);

function parse(form: string): Record<string, unknown> {
  return readQueryInput(schema, paramTree(parseQueryString(form)));
}

/** Serialises with the SDK's own query serializer, then parses back. */
function roundTrip(value: Record<string, unknown>): Record<string, unknown> {
  const ser = new QueryShapeSerializer({ timestampFormat: { useTrait: true, default: 5 }, serializeEmptyLists: true } as ConstructorParameters<typeof QueryShapeSerializer>[0]);
  ser.write(schema, value);
  return parse(`Action=Op&Version=1${String(ser.flush())}`);
}

describe("query parameter parsing", () => {
  test("round-trips everything the SDK serializer writes", () => {
    const value = {
      Req: "r & r=+ü",
      Attrs: { a: "1", "b.c": "2", __proto__x: "3" },
      ById: { k1: { Name: "n1", Deep: { Flag: false } }, k2: { Name: "n2" } },
      Flat: ["x", "y", "z"],
      Named: ["p", "q"],
      Items: [{ Name: "i1" }, { Name: "i2", Deep: { Flag: true } }],
      Nested: { Name: "n", Deep: { Flag: true } },
      Flag: false,
      Count: -12,
      Ratio: 0.25,
      Iso: new Date("2024-02-03T04:05:06.789Z"),
      Epoch: new Date("2024-02-03T04:05:06Z"),
      Http: new Date("2024-02-03T04:05:06Z"),
      Data: new Uint8Array([0, 1, 2, 250, 255]),
      Secret: 7,
      Aliased: ["i1", "i2"],
      Renamed: { x: "1" },
    };
    assert.deepEqual(roundTrip(value), value);
  });

  test("the SDK's empty-list and empty-map encodings", () => {
    assert.deepEqual(roundTrip({ Req: "r", Items: [], Named: [] }), { Req: "r", Items: [], Named: [] });
    assert.deepEqual(parse("Req=r&Attrs="), { Req: "r", Attrs: {} });
  });

  test("wire spellings: entry.N.key/value, flattened lists, A.B.C, gaps and order of indexes", () => {
    const out = parse(
      "Attrs.entry.2.key=b&Attrs.entry.2.value=2&Attrs.entry.1.key=a&Attrs.entry.1.value=1" +
        "&Aliased.item.1=v&Renamed.entry.1.k=x&Renamed.entry.1.v=y&Flat.3=c&Flat.1=a&Flat.10=j&Nested.Deep.Flag=TRUE&Alias.member.1=x&Items.member.2.Name=second&Items.member.1.Name=first",
    );
    assert.deepEqual(out, {
      Attrs: { a: "1", b: "2" },
      Aliased: ["v"],
      Renamed: { x: "y" },
      Flat: ["a", "c", "j"],
      Nested: { Deep: { Flag: true } },
      Named: ["x"],
      Items: [{ Name: "first" }, { Name: "second" }],
    });
  });

  test("form decoding: + is a space, %-escapes decode, the first occurrence of a name wins", () => {
    assert.deepEqual(parse("Req=a+b%2Bc%26d&Req=ignored&Unknown.member.1=x"), { Req: "a b+c&d" });
    // A malformed escape is kept literally rather than failing the whole request.
    assert.deepEqual(parse("Req=100%"), { Req: "100%" });
  });

  test("a map key named __proto__ stays an own data property", () => {
    const out = parse("Attrs.entry.1.key=__proto__&Attrs.entry.1.value=polluted");
    const attrs = out["Attrs"] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(attrs, "__proto__")?.value, "polluted");
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });

  test("undecodable scalars are ValidationErrors naming the member path; sensitive values are not echoed", () => {
    const cases: Array<[string, string]> = [
      ["Count=abc", "Value 'abc' at 'count' failed to satisfy constraint: Member must be a number"],
      ["Count=", "Value '' at 'count' failed to satisfy constraint: Member must be a number"],
      ["Flag=yes", "Value 'yes' at 'flag' failed to satisfy constraint: Member must be a boolean"],
      ["Iso=yesterday", "Value 'yesterday' at 'iso' failed to satisfy constraint: Member must be a timestamp"],
      ["Data=%%%", "Value '%%%' at 'data' failed to satisfy constraint: Member must be base64 encoded"],
      ["Items.member.2.Deep.Flag=maybe", "Value 'maybe' at 'items.2.member.deep.flag' failed to satisfy constraint: Member must be a boolean"],
      ["Secret=hunter2", "Value '***' at 'secret' failed to satisfy constraint: Member must be a number"],
    ];
    for (const [form, violation] of cases) {
      const err = thrown(() => parse(form));
      assert.equal(err.common, "Serialization");
      assert.equal(err.message, `1 validation error detected: ${violation}`);
    }
  });

  test("ISO timestamps with offsets and epoch seconds are accepted for date-time members", () => {
    const out = parse("Iso=2024-01-01T01%3A00%3A00%2B01%3A00&Epoch=1700000000.5");
    assert.equal((out["Iso"] as Date).toISOString(), "2024-01-01T00:00:00.000Z");
    assert.equal((out["Epoch"] as Date).getTime(), 1700000000500);
    assert.equal((parse("Iso=1700000000")["Iso"] as Date).getTime(), 1700000000000);
  });
});

describe("parseQueryString", () => {
  test("splits text that needs no decoding exactly as URLSearchParams does", () => {
    const alphabet = ["a", "B", "1", "&", "=", ".", "-", "_", "~", " ", "*"];
    let x = 12345;
    const next = (): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x;
    };
    const cases = ["", "&", "=", "a", "a=", "=b", "a=b=c", "a&&b", "a=1&a=2", "&a=1&", "Action=GetCallerIdentity&Version=2011-06-15"];
    for (let i = 0; i < 3000; i++) {
      let s = "";
      const len = next() % 16;
      for (let j = 0; j < len; j++) s += alphabet[next() % alphabet.length];
      cases.push(s);
    }
    for (const text of cases) {
      const want = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(text)) if (k.length > 0 && !want.has(k)) want.set(k, v);
      assert.deepEqual([...parseQueryString(text)], [...want], JSON.stringify(text));
    }
  });

  test("decodes %-escapes, '+' and non-ASCII text through URLSearchParams", () => {
    assert.deepEqual([...parseQueryString("a=%41%2Bb+c&%C3%A9=%zz&b=\u00e9")], [["a", "A+b c"], ["é", "%zz"], ["b", "é"]]);
  });
});
