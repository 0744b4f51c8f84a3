import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessKeyIdAccount, randomAccessKeyId } from "../../crypto/access-key-id.js";
import { freeAccessKeyId } from "./access-key-ids.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT } from "./testing/harness.js";

type KeyOut = { AccessKey: { AccessKeyId: string } };

describe("new access key ids", () => {
  test("user and root keys name their account", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" }, { accountId: OTHER_ACCOUNT });
    const user = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" }, { accountId: OTHER_ACCOUNT });
    const root = await h.call<KeyOut>("CreateAccessKey", {});
    assert.equal(accessKeyIdAccount(user.AccessKey.AccessKeyId), OTHER_ACCOUNT);
    assert.equal(accessKeyIdAccount(root.AccessKey.AccessKeyId), ACCOUNT);
  });

  test("a drawn id that a user's or root's key holds is drawn again; a given one is refused when taken", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const userKey = (await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" })).AccessKey.AccessKeyId;
    const rootKey = (await h.call<KeyOut>("CreateAccessKey", {})).AccessKey.AccessKeyId;
    const fresh = randomAccessKeyId("AKIA", ACCOUNT);
    const draws = [userKey, rootKey, fresh];
    const id = await h.store.transaction((tx) => freeAccessKeyId(tx, ACCOUNT, undefined, () => draws.shift() as string));
    assert.equal(id, fresh);
    assert.equal(draws.length, 0);
    // Operator-given ids are used as they are, whatever they encode.
    assert.equal(await h.store.transaction((tx) => freeAccessKeyId(tx, ACCOUNT, "AKIAEXAMPLEADMIN0001")), "AKIAEXAMPLEADMIN0001");
    for (const taken of [userKey, rootKey]) {
      await assertAwsError(h.store.transaction((tx) => freeAccessKeyId(tx, ACCOUNT, taken)), "InternalFailure", 500, "We encountered an internal error. Please try again.");
    }
    let drawn = 0;
    await assertAwsError(
      h.store.transaction((tx) => freeAccessKeyId(tx, ACCOUNT, undefined, () => (drawn++, userKey))),
      "InternalFailure",
      500,
      "We encountered an internal error. Please try again.",
    );
    assert.equal(drawn, 8);
  });
});
