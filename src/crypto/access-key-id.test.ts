import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessKeyIdAccount, randomAccessKeyId } from "./access-key-id.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * The decoder security tooling publishes, written out independently of the module: base32-decode
 * the 16 characters after the prefix, take the first 6 bytes big-endian, (n & 0x7fffffffff80) >> 7.
 */
function publishedDecoder(accessKeyId: string): string {
  let bits = "";
  for (const c of accessKeyId.slice(4)) bits += BASE32.indexOf(c).toString(2).padStart(5, "0");
  const first6 = BigInt(`0b${bits.slice(0, 48)}`);
  return ((first6 & 0x7fffffffff80n) >> 7n).toString().padStart(12, "0");
}

describe("access key ids carry their account", () => {
  test("published example ids decode to their published accounts", () => {
    // Aidan Steele, "AWS Access Key ID formats", and Tal Be'ery, "A short note on AWS KEY ID".
    assert.equal(accessKeyIdAccount("ASIAY34FZKBOKMUTVV7A"), "609629065308");
    // psanford/aws-account-id-from-key README.
    assert.equal(accessKeyIdAccount("ASIAVJ2E6QGR2WZILJFM"), "364679954851");
    // aws-account-id-from-key-id (Rust crate) documentation.
    assert.equal(accessKeyIdAccount("AKIASP2TPHJSQH3FJXYZ"), "171436882533");
    // LocalStack's account-id extraction docstring: account 000000000000 (leading zeros kept).
    assert.equal(accessKeyIdAccount("ASIAQAAAAAAAGMKEM7X5"), "000000000000");
  });

  test("generated ids: prefix + 16 base32 characters that decode to the account, by the published decoder too", () => {
    const accounts = ["000000000000", "000000000001", "012345678901", "111122223333", "609629065308", "999999999999"];
    for (const prefix of ["AKIA", "ASIA"] as const) {
      for (const account of accounts) {
        for (let i = 0; i < 50; i++) {
          const id = randomAccessKeyId(prefix, account);
          assert.match(id, new RegExp(`^${prefix}[Q-Z2-7][A-Z2-7]{15}$`));
          assert.equal(accessKeyIdAccount(id), account, id);
          assert.equal(publishedDecoder(id), account, id);
        }
      }
    }
  });

  test("the 39 bits after the account are random: distinct ids, every character in the random part", () => {
    const ids = Array.from({ length: 2000 }, () => randomAccessKeyId("AKIA", "111122223333"));
    assert.equal(new Set(ids).size, ids.length);
    // Characters 13..19 are random bits only (bits 34..0); character 12 mixes the account's last bit in.
    const tails = ids.map((id) => id.slice(13));
    assert.equal(new Set(tails.join("")).size, 32);
    // Characters 4..11 are the marker and the account's first 39 bits: the same for every key of the account.
    assert.equal(new Set(ids.map((id) => id.slice(4, 12))).size, 1);
  });

  test("ids that carry no account decode to nothing", () => {
    for (const id of [
      "AKIAIOSFODNN7EXAMPLE", // documentation example: digits outside the base32 alphabet
      "AKIAIOSFODNNZEXAMPLE", // base32, but without the generation marker (older ids)
      "AKIA7777777777777777", // marker set, account bits past 999999999999
      "AIDAY34FZKBOKMUTVV7A", // not an access key id prefix
      "ASIAY34FZKBOKMUTVV7", // 19 characters
      "ASIAY34FZKBOKMUTVV7AA", // 21 characters
      "asiay34fzkbokmutvv7a", // lower case
      "",
    ]) {
      assert.equal(accessKeyIdAccount(id), undefined, id);
    }
  });

  test("only 12-digit account ids are encoded", () => {
    for (const bad of ["", "12345678901", "1234567890123", "12345678901a", " 11112222333"]) {
      assert.throws(() => randomAccessKeyId("AKIA", bad), RangeError, bad);
    }
  });
});
