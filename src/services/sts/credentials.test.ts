import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import { accessKeyIdAccount, randomAccessKeyId } from "../../crypto/access-key-id.js";
import { createSealer } from "../../crypto/seal.js";
import { ACCOUNT, createHarness } from "../iam/testing/harness.js";
import { hashSessionToken, issueSession, type SessionIdentity } from "./credentials.js";
import { expectAwsError } from "./testing/expect-error.js";

const identity: SessionIdentity = { accountId: ACCOUNT, kind: "SessionToken", userArn: `arn:aws:iam::${ACCOUNT}:user/alice`, userId: "AIDAALICE", userName: "alice" };
const opts = { now: 0, durationSeconds: 900 };

describe("issueSession", () => {
  test("an id an existing session holds is drawn again, never stored over that session", async () => {
    const h = createHarness();
    const deps = { sealer: createSealer(randomBytes(32)), iam: h.iam.api };
    const first = await issueSession(deps, identity, opts);
    assert.equal(accessKeyIdAccount(first.credentials.AccessKeyId), ACCOUNT);
    const fresh = randomAccessKeyId("ASIA", ACCOUNT);
    const draws = [first.credentials.AccessKeyId, first.credentials.AccessKeyId, fresh];
    const second = await issueSession(deps, identity, opts, () => draws.shift() as string);
    assert.equal(second.credentials.AccessKeyId, fresh);
    assert.equal(draws.length, 0);
    // The first session is still the one stored under its id.
    assert.equal((await h.iam.api.getSession(first.credentials.AccessKeyId))?.sessionTokenHash, hashSessionToken(first.credentials.SessionToken));
    assert.equal((await h.iam.api.getSession(fresh))?.sessionTokenHash, hashSessionToken(second.credentials.SessionToken));
  });

  test("gives up with InternalFailure after eight taken draws", async () => {
    const h = createHarness();
    const deps = { sealer: createSealer(randomBytes(32)), iam: h.iam.api };
    const first = await issueSession(deps, identity, opts);
    let drawn = 0;
    await expectAwsError(
      issueSession(deps, identity, opts, () => (drawn++, first.credentials.AccessKeyId)),
      "InternalFailure",
      "We encountered an internal error. Please try again.",
    );
    assert.equal(drawn, 8);
  });
});
