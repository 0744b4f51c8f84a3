import assert from "node:assert/strict";
import { test } from "node:test";
import { isAwsError } from "../../core/errors.js";
import { checkTransition, ENDED_HANDSHAKE_RETENTION_MS, HANDSHAKE_LIFETIME_MS, handshakeArn, handshakeState, handshakeView, handshakeVisible, isInvitee, type HandshakeRecord, type HandshakeState } from "./handshakes.js";

const h: HandshakeRecord = {
  id: "h-abcdefghij",
  organizationId: "o-abcdefghij",
  managementAccountId: "111111111111",
  managementEmail: "mgmt@example.com",
  managementName: "Management",
  featureSet: "ALL",
  action: "INVITE",
  target: { type: "EMAIL", id: "Member@Example.com" },
  notes: "welcome",
  state: "OPEN",
  requestedAt: 1000,
  expiresAt: 1000 + HANDSHAKE_LIFETIME_MS,
};

const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isAwsError(e) ? e.code : String(e);
  }
};

test("state machine: only OPEN moves; the same state is AlreadyInState, others InvalidTransition", () => {
  const states: HandshakeState[] = ["OPEN", "ACCEPTED", "DECLINED", "CANCELED", "EXPIRED"];
  const to = ["ACCEPTED", "DECLINED", "CANCELED"] as const;
  const table = states.map((s) => to.map((t) => code(() => checkTransition(s, t)) ?? "ok"));
  assert.deepEqual(table, [
    ["ok", "ok", "ok"],
    ["HandshakeAlreadyInStateException", "InvalidHandshakeTransitionException", "InvalidHandshakeTransitionException"],
    ["InvalidHandshakeTransitionException", "HandshakeAlreadyInStateException", "InvalidHandshakeTransitionException"],
    ["InvalidHandshakeTransitionException", "InvalidHandshakeTransitionException", "HandshakeAlreadyInStateException"],
    ["InvalidHandshakeTransitionException", "InvalidHandshakeTransitionException", "InvalidHandshakeTransitionException"],
  ]);
});

test("an OPEN handshake expires after 15 days; answered ones keep their state", () => {
  assert.equal(handshakeState(h, h.expiresAt - 1), "OPEN");
  assert.equal(handshakeState(h, h.expiresAt), "EXPIRED");
  assert.equal(handshakeState({ ...h, state: "ACCEPTED" }, h.expiresAt + 1), "ACCEPTED");
  assert.equal(h.expiresAt - h.requestedAt, 15 * 24 * 3600 * 1000);
});

test("invitee by account id, or by email case-insensitively", () => {
  assert.equal(isInvitee(h, { id: "222222222222", email: "member@example.com" }), true);
  assert.equal(isInvitee(h, { id: "222222222222", email: "other@example.com" }), false);
  const byId: HandshakeRecord = { ...h, target: { type: "ACCOUNT", id: "222222222222" } };
  assert.equal(isInvitee(byId, { id: "222222222222", email: "x@example.com" }), true);
  assert.equal(isInvitee(byId, { id: "333333333333", email: "member@example.com" }), false);
});

test("view: ARN, parties and resources as the API reference shows", () => {
  const v = handshakeView(h, 2000);
  assert.equal(handshakeArn(h), "arn:aws:organizations::111111111111:handshake/o-abcdefghij/invite/h-abcdefghij");
  assert.deepEqual(v, {
    Id: "h-abcdefghij",
    Arn: "arn:aws:organizations::111111111111:handshake/o-abcdefghij/invite/h-abcdefghij",
    Parties: [
      { Id: "o-abcdefghij", Type: "ORGANIZATION" },
      { Id: "Member@Example.com", Type: "EMAIL" },
    ],
    State: "OPEN",
    RequestedTimestamp: new Date(1000),
    ExpirationTimestamp: new Date(h.expiresAt),
    Action: "INVITE",
    Resources: [
      {
        Type: "ORGANIZATION",
        Value: "o-abcdefghij",
        Resources: [
          { Type: "MASTER_EMAIL", Value: "mgmt@example.com" },
          { Type: "MASTER_NAME", Value: "Management" },
          { Type: "ORGANIZATION_FEATURE_SET", Value: "ALL" },
        ],
      },
      { Type: "EMAIL", Value: "Member@Example.com" },
      { Type: "NOTES", Value: "welcome" },
    ],
  });
});

test("ended handshakes are shown for 30 days after they ended", () => {
  assert.equal(handshakeVisible(h, h.expiresAt + ENDED_HANDSHAKE_RETENTION_MS - 1), true);
  assert.equal(handshakeVisible(h, h.expiresAt + ENDED_HANDSHAKE_RETENTION_MS), false);
  const declined: HandshakeRecord = { ...h, state: "DECLINED", endedAt: 5000 };
  assert.equal(handshakeVisible(declined, 5000 + ENDED_HANDSHAKE_RETENTION_MS - 1), true);
  assert.equal(handshakeVisible(declined, 5000 + ENDED_HANDSHAKE_RETENTION_MS), false);
});
