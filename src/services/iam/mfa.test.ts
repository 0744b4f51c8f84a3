import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HIDDEN, redactForCloudTrail } from "../../audit/redact.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, assertAwsError, createHarness, type Harness } from "./testing/harness.js";
import { base32Decode, base32Encode, hotp, matchStep, stepAt, totpAt } from "./totp.js";

// RFC 6238 Appendix B, SHA-1 rows: the 20-byte ASCII secret "12345678901234567890", 8 digits.
const RFC_SECRET = Buffer.from("12345678901234567890", "ascii");
const RFC_VECTORS: Array<[number, string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP (RFC 6238 / RFC 4226)", () => {
  test("RFC 6238 SHA-1 test vectors", () => {
    for (const [t, code] of RFC_VECTORS) assert.equal(totpAt(RFC_SECRET, stepAt(t * 1000), 8), code, `T=${t}`);
  });
  test("RFC 4226 Appendix D HOTP values (6 digits)", () => {
    const want = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    want.forEach((c, i) => assert.equal(hotp(RFC_SECRET, i), c));
  });
  test("base32 round trip (RFC 4648 vector) and the replay bound", () => {
    assert.equal(base32Encode(Buffer.from("foobar")), "MZXW6YTBOI");
    assert.deepEqual(base32Decode("MZXW6YTBOI"), Buffer.from("foobar"));
    const step = stepAt(59_000);
    const code = totpAt(RFC_SECRET, step);
    assert.equal(matchStep(RFC_SECRET, code, step - 1, step + 1), step);
    assert.equal(matchStep(RFC_SECRET, code, step - 1, step + 1, step), undefined, "a used step is refused");
    assert.equal(matchStep(RFC_SECRET, "000000", step - 1, step + 1), code === "000000" ? step : undefined);
  });
});

interface Created {
  VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array; QRCodePNG: Uint8Array; Tags?: unknown[] };
}

async function device(h: Harness, name = "alice-phone", extra: object = {}): Promise<{ serial: string; seed: Buffer; seedText: string; png: Uint8Array }> {
  const out = await h.call<Created>("CreateVirtualMFADevice", { VirtualMFADeviceName: name, ...extra });
  const seedText = Buffer.from(out.VirtualMFADevice.Base32StringSeed).toString("ascii");
  return { serial: out.VirtualMFADevice.SerialNumber, seed: base32Decode(seedText), seedText, png: out.VirtualMFADevice.QRCodePNG };
}

function codesNow(h: Harness, seed: Buffer): [string, string] {
  const s = stepAt(h.clock.now());
  return [totpAt(seed, s - 1), totpAt(seed, s)];
}

async function enabled(h: Harness): Promise<{ serial: string; seed: Buffer; userId: string }> {
  const u = await h.call<{ User: { UserId: string } }>("CreateUser", { UserName: "alice" });
  const d = await device(h);
  const [c1, c2] = codesNow(h, d.seed);
  await h.call("EnableMFADevice", { UserName: "alice", SerialNumber: d.serial, AuthenticationCode1: c1, AuthenticationCode2: c2 });
  return { serial: d.serial, seed: d.seed, userId: u.User.UserId };
}

function dumpStore(h: Harness): Promise<string> {
  return Promise.all(Object.values(COLLECTIONS).map((c) => h.store.list(c, {}))).then((all) => JSON.stringify(all));
}

describe("virtual MFA devices", () => {
  test("CreateVirtualMFADevice: serial ARN with path, 20-byte base32 seed, a PNG QR code; the seed is sealed", async () => {
    const h = createHarness();
    const d = await device(h, "alice-phone", { Path: "/team/" });
    assert.equal(d.serial, `arn:aws:iam::${ACCOUNT}:mfa/team/alice-phone`);
    assert.match(d.seedText, /^[A-Z2-7]{32}$/);
    assert.equal(d.seed.length, 20);
    assert.deepEqual(Buffer.from(d.png).subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    assert.equal(h.calls.at(-1)?.action, "iam:CreateVirtualMFADevice");
    assert.equal(h.calls.at(-1)?.resource, d.serial);
    const stored = await dumpStore(h);
    assert.ok(stored.includes(d.serial));
    assert.ok(!stored.includes(d.seedText), "the seed is stored only sealed");
    assert.ok(!stored.includes(d.seed.toString("base64")) && !stored.includes(d.seed.toString("hex")));
    await assertAwsError(
      h.call("CreateVirtualMFADevice", { VirtualMFADeviceName: "alice-phone", Path: "/team/" }),
      "EntityAlreadyExists",
      409,
      "MFA device already exists.",
    );
    await assertAwsError(
      h.call("CreateVirtualMFADevice", { VirtualMFADeviceName: "bad name" }),
      "ValidationError",
      400,
      "The specified value for virtualMFADeviceName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
    );
  });

  test("the audit record of CreateVirtualMFADevice holds neither the seed nor the QR code", async () => {
    const h = createHarness();
    const op = h.iam.definition.operations["CreateVirtualMFADevice"]!;
    const out = await h.call<Created>("CreateVirtualMFADevice", { VirtualMFADeviceName: "audited" });
    const text = JSON.stringify(redactForCloudTrail(out, op.schema, "output"));
    const seed = Buffer.from(out.VirtualMFADevice.Base32StringSeed).toString("ascii");
    assert.ok(text.includes(out.VirtualMFADevice.SerialNumber));
    assert.ok(!text.includes(seed) && !text.includes(Buffer.from(seed).toString("base64")));
    assert.ok(!text.includes(Buffer.from(out.VirtualMFADevice.QRCodePNG).toString("base64").slice(0, 40)));
    const enable = h.iam.definition.operations["EnableMFADevice"]!;
    assert.deepEqual(
      redactForCloudTrail({ UserName: "alice", SerialNumber: "arn:aws:iam::111122223333:mfa/x", AuthenticationCode1: "123456", AuthenticationCode2: "654321" }, enable.schema, "input"),
      { userName: "alice", serialNumber: "arn:aws:iam::111122223333:mfa/x", authenticationCode1: HIDDEN, authenticationCode2: HIDDEN },
    );
  });

  test("EnableMFADevice: two consecutive codes; wrong, reversed or stale codes are InvalidAuthenticationCode", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const d = await device(h);
    const s = stepAt(h.clock.now());
    const bad = (c1: string, c2: string) =>
      assertAwsError(
        h.call("EnableMFADevice", { UserName: "alice", SerialNumber: d.serial, AuthenticationCode1: c1, AuthenticationCode2: c2 }),
        "InvalidAuthenticationCode",
        403,
        "Authentication code for device is not valid.",
      );
    await bad(totpAt(d.seed, s), totpAt(d.seed, s - 1));
    await bad(totpAt(d.seed, s - 10), totpAt(d.seed, s - 9));
    await bad(totpAt(d.seed, s - 1), totpAt(d.seed, s - 1));
    await assertAwsError(
      h.call("EnableMFADevice", { UserName: "alice", SerialNumber: d.serial, AuthenticationCode1: "12345", AuthenticationCode2: "123456" }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
    await assertAwsError(
      h.call("EnableMFADevice", { UserName: "nobody", SerialNumber: d.serial, AuthenticationCode1: "123456", AuthenticationCode2: "123456" }),
      "NoSuchEntity",
      404,
      "The user with name nobody cannot be found.",
    );
    const missing = `arn:aws:iam::${ACCOUNT}:mfa/missing`;
    await assertAwsError(
      h.call("EnableMFADevice", { UserName: "alice", SerialNumber: missing, AuthenticationCode1: "123456", AuthenticationCode2: "123456" }),
      "NoSuchEntity",
      404,
      `MFA Device with serial number ${missing} does not exist.`,
    );
    await h.call("EnableMFADevice", { UserName: "alice", SerialNumber: d.serial, AuthenticationCode1: totpAt(d.seed, s - 1), AuthenticationCode2: totpAt(d.seed, s) });
    assert.equal(h.calls.at(-1)?.action, "iam:EnableMFADevice");
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:user/alice`);
    await h.call("CreateUser", { UserName: "bob" });
    await assertAwsError(
      h.call("EnableMFADevice", { UserName: "bob", SerialNumber: d.serial, AuthenticationCode1: "123456", AuthenticationCode2: "123456" }),
      "EntityAlreadyExists",
      409,
      "MFA Device is already in use.",
    );
  });

  test("STS verification: current code ±1 step, only once, only for the owner", async () => {
    const h = createHarness();
    const { serial, seed, userId } = await enabled(h);
    h.clock.advance(90_000);
    const now = h.clock.now();
    const s = stepAt(now);
    const api = h.iam.api;
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s + 5), now), "invalid-code", "outside the window");
    assert.equal(await api.verifyMfaCode(ACCOUNT, "AIDAOTHERUSER0000000", serial, totpAt(seed, s), now), "unknown-device", "another user");
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, `arn:aws:iam::${ACCOUNT}:mfa/other`, totpAt(seed, s), now), "unknown-device", "another serial");
    assert.equal(await api.verifyMfaCode("444455556666", userId, serial, totpAt(seed, s), now), "unknown-device", "another account");
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s - 1), now), "valid", "one step of drift");
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s - 1), now), "invalid-code", "replayed");
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s), now), "valid");
    assert.equal(await api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s), now), "invalid-code", "replayed");
  });

  test("ResyncMFADevice corrects drift; verification then follows the device's clock", async () => {
    const h = createHarness();
    const { serial, seed, userId } = await enabled(h);
    const s = stepAt(h.clock.now());
    // The device runs 5 steps (2.5 minutes) ahead.
    await assertAwsError(
      h.call("ResyncMFADevice", { UserName: "alice", SerialNumber: serial, AuthenticationCode1: totpAt(seed, s + 7), AuthenticationCode2: totpAt(seed, s + 5) }),
      "InvalidAuthenticationCode",
      403,
      "Authentication code for device is not valid.",
    );
    await h.call("ResyncMFADevice", { UserName: "alice", SerialNumber: serial, AuthenticationCode1: totpAt(seed, s + 4), AuthenticationCode2: totpAt(seed, s + 5) });
    h.clock.advance(30_000);
    assert.equal(await h.iam.api.verifyMfaCode(ACCOUNT, userId, serial, totpAt(seed, s + 6), h.clock.now()), "valid");
  });

  test("lists, GetMFADevice, tags, deactivate and delete; DeleteUser waits for the device", async () => {
    const h = createHarness();
    const { serial } = await enabled(h);
    const spare = await device(h, "spare");
    type ListV = { VirtualMFADevices: Array<{ SerialNumber: string; User?: { UserName: string }; EnableDate?: Date }>; IsTruncated: boolean };
    const any = await h.call<ListV>("ListVirtualMFADevices", {});
    assert.deepEqual(any.VirtualMFADevices.map((d) => d.SerialNumber).sort(), [serial, spare.serial].sort());
    const assigned = await h.call<ListV>("ListVirtualMFADevices", { AssignmentStatus: "Assigned" });
    assert.deepEqual(assigned.VirtualMFADevices.map((d) => [d.SerialNumber, d.User?.UserName, d.EnableDate instanceof Date]), [[serial, "alice", true]]);
    const unassigned = await h.call<ListV>("ListVirtualMFADevices", { AssignmentStatus: "Unassigned" });
    assert.deepEqual(unassigned.VirtualMFADevices, [{ SerialNumber: spare.serial }]);
    assert.ok(!JSON.stringify(any).includes(spare.seedText));
    await assertAwsError(
      h.call("ListVirtualMFADevices", { AssignmentStatus: "Some" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'Some' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Any, Assigned, Unassigned]",
    );

    const mine = await h.call<{ MFADevices: Array<{ UserName: string; SerialNumber: string; EnableDate: Date }> }>("ListMFADevices", { UserName: "alice" });
    assert.deepEqual(mine.MFADevices.map((d) => [d.UserName, d.SerialNumber]), [["alice", serial]]);
    const got = await h.call<{ UserName: string; SerialNumber: string }>("GetMFADevice", { SerialNumber: serial });
    assert.equal(got.UserName, "alice");
    await assertAwsError(h.call("GetMFADevice", { SerialNumber: spare.serial }), "NoSuchEntity", 404, `MFA Device with serial number ${spare.serial} does not exist.`);

    await h.call("TagMFADevice", { SerialNumber: serial, Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "1" }] });
    await h.call("UntagMFADevice", { SerialNumber: serial, TagKeys: ["b"] });
    const tags = await h.call<{ Tags: unknown[] }>("ListMFADeviceTags", { SerialNumber: serial });
    assert.deepEqual(tags.Tags, [{ Key: "a", Value: "1" }]);
    assert.equal(h.calls.at(-1)?.resource, serial);

    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must delete MFA device first.");
    await assertAwsError(h.call("DeleteVirtualMFADevice", { SerialNumber: serial }), "DeleteConflict", 409, "MFA VirtualDevice in use. Must deactivate first.");
    await assertAwsError(
      h.call("DeactivateMFADevice", { UserName: "alice", SerialNumber: spare.serial }),
      "NoSuchEntity",
      404,
      `MFA Device with serial number ${spare.serial} does not exist.`,
    );
    await h.call("DeactivateMFADevice", { UserName: "alice", SerialNumber: serial });
    assert.deepEqual((await h.call<{ MFADevices: unknown[] }>("ListMFADevices", { UserName: "alice" })).MFADevices, []);
    await h.call("DeleteVirtualMFADevice", { SerialNumber: serial });
    await assertAwsError(h.call("DeleteVirtualMFADevice", { SerialNumber: serial }), "NoSuchEntity", 404, `MFA Device with serial number ${serial} does not exist.`);
    await h.call("DeleteUser", { UserName: "alice" });
    const summary = await h.call<{ SummaryMap: Record<string, number> }>("GetAccountSummary", {});
    assert.equal(summary.SummaryMap["MFADevices"], 1);
    assert.equal(summary.SummaryMap["MFADevicesInUse"], 0);
  });
});
