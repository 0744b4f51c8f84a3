/**
 * Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice,
 * DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices, GetMFADevice,
 * ResyncMFADevice and the device's tags; plus the check STS makes on a TokenCode.
 *
 * The TOTP seed is random (20 bytes), sealed under the root key before it reaches storage
 * (aad `iam/mfa-seed/<serialNumber>`) and returned once, by CreateVirtualMFADevice, as
 * Base32StringSeed and inside QRCodePNG; the audit pipeline never records either
 * (src/audit/redact.ts), and no error message names a seed or a code. Codes are RFC 6238
 * (./totp.ts); each device keeps the last step it accepted, so a code is good only once.
 */
import type {
  CreateVirtualMFADeviceRequest,
  CreateVirtualMFADeviceResponse,
  DeactivateMFADeviceRequest,
  DeleteVirtualMFADeviceRequest,
  EnableMFADeviceRequest,
  GetMFADeviceRequest,
  GetMFADeviceResponse,
  ListMFADevicesRequest,
  ListMFADevicesResponse,
  ListMFADeviceTagsRequest,
  ListMFADeviceTagsResponse,
  ListVirtualMFADevicesRequest,
  ListVirtualMFADevicesResponse,
  MFADevice,
  ResyncMFADeviceRequest,
  TagMFADeviceRequest,
  UntagMFADeviceRequest,
  VirtualMFADevice,
} from "@aws-sdk/client-iam";
import QRCode from "qrcode";
import type { ConditionContext } from "../../core/types.js";
import type { MfaCodeCheck } from "./api.js";
import type { DocStore } from "../../storage/types.js";
import { rootArn } from "./arn.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import {
  invalidAuthenticationCode,
  mfaDeviceAssigned,
  mfaDeviceExists,
  mfaDeviceInUse,
  noSuchMfaDevice,
  noSuchUser,
  quotaExceeded,
  validationError,
} from "./errors.js";
import { COLLECTIONS, mfaSeedAad, QUOTAS, type MfaDeviceDoc, type UserDoc } from "./model.js";
import { paginate, paginateCollection, pageFields } from "./pagination.js";
import { users } from "./repo.js";
import { mergeTags, removeTags, requestTagContext, resourceTagContext, sortedTags } from "./tags.js";
import { base32Decode, base32Encode, matchConsecutive, matchStep, newSeed, stepAt } from "./totp.js";
import { authorizeOnSubject, credentialSubject, existingSubject, mustOwner, type CredentialOwner } from "./root-credentials.js";
import { authorizeOnUser, mustUser } from "./users.js";
import {
  checkAuthenticationCode,
  checkMarker,
  checkMaxItems,
  checkName,
  checkPath,
  checkSerialNumber,
  checkTagKeys,
  checkTags,
  required,
  validateMembers,
} from "./validation.js";
import { userView } from "./views.js";
import { arnPattern, iamArn } from "../../core/partition.js";

const MFA_TYPE = "AWS::IAM::MFADevice";
const DEVICE_NAME_MAX = 226;
/** Steps either side of the server's (drift-corrected) step a single code may come from. */
const VERIFY_WINDOW = 1;
/** ResyncMFADevice looks this many steps either side (10 minutes) for two consecutive codes. */
const RESYNC_WINDOW = 20;

export function mfaArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `mfa${path}${name}`);
}

const deviceKey = (accountId: string, path: string, name: string) => `${accountId}${path}${name}`;

// arn:<partition>:iam::<account>:mfa<path><name>
const MFA_ARN = arnPattern(/^arn:aws:iam::(\d{12}):mfa(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/);

/** The storage key of a serial number in `accountId`, or undefined when it cannot name one there. */
function keyOfSerial(accountId: string, serial: string): string | undefined {
  const m = MFA_ARN.exec(serial);
  if (!m || m[1] !== accountId) return undefined;
  return deviceKey(accountId, m[2] as string, m[3] as string);
}

async function deviceBySerial(db: DocStore, accountId: string, serial: string): Promise<MfaDeviceDoc | undefined> {
  const key = keyOfSerial(accountId, serial);
  return key === undefined ? undefined : db.get<MfaDeviceDoc>(COLLECTIONS.mfaDevices, key);
}

async function mustDevice(db: DocStore, accountId: string, serial: string): Promise<MfaDeviceDoc> {
  const d = await deviceBySerial(db, accountId, serial);
  if (!d) throw noSuchMfaDevice(serial);
  return d;
}

function saveDevice(db: DocStore, d: MfaDeviceDoc): Promise<void> {
  return db.put<MfaDeviceDoc>(COLLECTIONS.mfaDevices, deviceKey(d.accountId, d.path, d.name), d);
}

/** Every device of the account enabled for `userId` (an account holds few devices). */
export async function devicesOfUser(db: DocStore, accountId: string, userId: string): Promise<MfaDeviceDoc[]> {
  const all = await db.list<MfaDeviceDoc>(COLLECTIONS.mfaDevices, { prefix: `${accountId}/` });
  return all.map((e) => e.value).filter((d) => d.userId === userId);
}

/** DeleteUser refuses while the user has an MFA device. */
export async function userHasMfaDevice(db: DocStore, u: UserDoc): Promise<boolean> {
  return (await devicesOfUser(db, u.accountId, u.userId)).length > 0;
}

/** Account-wide counts for GetAccountSummary. */
/** The account's devices, those assigned to a user, and whether one is the root user's (whose user id is the account id). */
export async function mfaDeviceCounts(db: DocStore, accountId: string): Promise<{ devices: number; inUse: number; rootEnabled: boolean }> {
  const all = await db.list<MfaDeviceDoc>(COLLECTIONS.mfaDevices, { prefix: `${accountId}/` });
  return { devices: all.length, inUse: all.filter((e) => e.value.userId !== undefined).length, rootEnabled: all.some((e) => e.value.userId === accountId) };
}

async function authorizeOnDevice(env: IamEnv, caller: Caller, action: string, serial: string, context?: ConditionContext): Promise<MfaDeviceDoc | undefined> {
  const d = await deviceBySerial(env.store, caller.accountId, serial);
  await authorize(caller, action, serial, { ...resourceTagContext(d?.tags), ...context });
  noteResource(caller, serial, MFA_TYPE);
  return d;
}

/** UserName, or the calling IAM user when it is omitted. */
function userNameOrCaller(caller: Caller, name: string | undefined, max = 128): string | undefined {
  if (name !== undefined) return checkName(name, "userName", max);
  const p = caller.principal;
  if (p?.type === "IAMUser" && p.name !== undefined) return p.name;
  return undefined;
}

function unsealSeed(env: IamEnv, d: MfaDeviceDoc): Buffer {
  return base32Decode(env.sealer.unsealString(d.sealedSeed, mfaSeedAad(d.serialNumber)).toString("ascii"));
}

/** The otpauth URI authenticator apps read: otpauth://totp/<device name>@<account>?secret=<seed>. */
function otpauthUri(name: string, accountId: string, seed: string): string {
  return `otpauth://totp/${encodeURIComponent(name)}@${accountId}?secret=${seed}`;
}

export async function createVirtualMFADevice(env: IamEnv, caller: Caller, input: CreateVirtualMFADeviceRequest): Promise<CreateVirtualMFADeviceResponse> {
  const [path, name, tags] = validateMembers(
    () => checkPath(input.Path),
    () => checkName(input.VirtualMFADeviceName, "virtualMFADeviceName", DEVICE_NAME_MAX),
    () => checkTags(input.Tags, true),
  );
  const serial = mfaArn(caller.accountId, path, name);
  await authorize(caller, "CreateVirtualMFADevice", serial, requestTagContext(tags));
  noteResource(caller, serial, MFA_TYPE);
  const seed = base32Encode(newSeed());
  const png = await QRCode.toBuffer(otpauthUri(name, caller.accountId, seed), { type: "png", errorCorrectionLevel: "M" });
  const doc: MfaDeviceDoc = {
    accountId: caller.accountId,
    serialNumber: serial,
    name,
    path,
    createDate: caller.now,
    tags,
    sealedSeed: env.sealer.sealToString(seed, mfaSeedAad(serial)),
  };
  await write(env, caller.accountId, async (tx) => {
    if (!(await tx.putIfAbsent<MfaDeviceDoc>(COLLECTIONS.mfaDevices, deviceKey(caller.accountId, path, name), doc))) throw mfaDeviceExists();
  });
  const device: VirtualMFADevice = { SerialNumber: serial, Base32StringSeed: Buffer.from(seed, "ascii"), QRCodePNG: png };
  if (tags.length > 0) device.Tags = sortedTags(tags);
  return { VirtualMFADevice: device };
}

export async function enableMFADevice(env: IamEnv, caller: Caller, input: EnableMFADeviceRequest): Promise<Record<string, never>> {
  const [name, serial, code1, code2] = validateMembers(
    () => checkName(input.UserName, "userName", 128),
    () => checkSerialNumber(input.SerialNumber),
    () => checkAuthenticationCode(input.AuthenticationCode1, "authenticationCode1"),
    () => checkAuthenticationCode(input.AuthenticationCode2, "authenticationCode2"),
  );
  const before = await authorizeOnUser(env, caller, "EnableMFADevice", name);
  if (!before) throw noSuchUser(name);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const d = await mustDevice(tx, caller.accountId, serial);
    if (d.userId !== undefined) throw mfaDeviceInUse();
    if ((await devicesOfUser(tx, u.accountId, u.userId)).length >= QUOTAS.mfaDevicesPerUser) {
      throw quotaExceeded("MFADevicesPerUser", QUOTAS.mfaDevicesPerUser);
    }
    const now = stepAt(caller.now);
    // Two consecutive codes, the second no later than one step ahead of the server.
    const last = matchConsecutive(unsealSeed(env, d), code1, code2, now - 2, now);
    if (last === undefined) throw invalidAuthenticationCode();
    await saveDevice(tx, { ...d, userId: u.userId, enableDate: caller.now, lastStep: last, driftSteps: 0 });
  });
  return {};
}

/** The device `serial` as enabled for the named user; NoSuchEntity otherwise. */
async function assignedDevice(db: DocStore, accountId: string, serial: string, u: CredentialOwner): Promise<MfaDeviceDoc> {
  const d = await deviceBySerial(db, accountId, serial);
  if (!d || d.userId !== u.userId) throw noSuchMfaDevice(serial);
  return d;
}

export async function deactivateMFADevice(env: IamEnv, caller: Caller, input: DeactivateMFADeviceRequest): Promise<Record<string, never>> {
  const [subject, serial] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkSerialNumber(input.SerialNumber));
  await authorizeOnSubject(env, caller, "DeactivateMFADevice", subject);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustOwner(tx, caller.accountId, subject);
    const d = await assignedDevice(tx, caller.accountId, serial, u);
    const { userId: _u, enableDate: _e, lastStep: _l, driftSteps: _d, ...rest } = d;
    await saveDevice(tx, rest);
  });
  return {};
}

export async function deleteVirtualMFADevice(env: IamEnv, caller: Caller, input: DeleteVirtualMFADeviceRequest): Promise<Record<string, never>> {
  const serial = checkSerialNumber(input.SerialNumber);
  await authorizeOnDevice(env, caller, "DeleteVirtualMFADevice", serial);
  await write(env, caller.accountId, async (tx) => {
    const d = await mustDevice(tx, caller.accountId, serial);
    if (d.userId !== undefined) throw mfaDeviceAssigned();
    await tx.delete(COLLECTIONS.mfaDevices, deviceKey(d.accountId, d.path, d.name));
  });
  return {};
}

/** The root user's devices (user id = account id) are answered without a user name. */
function mfaDeviceView(u: CredentialOwner, d: MfaDeviceDoc): MFADevice {
  return { ...(u.userName !== undefined ? { UserName: u.userName } : {}), SerialNumber: d.serialNumber, EnableDate: new Date(d.enableDate ?? d.createDate) } as MFADevice;
}

export async function listMFADevices(env: IamEnv, caller: Caller, input: ListMFADevicesRequest): Promise<ListMFADevicesResponse> {
  const [subject, marker, max] = validateMembers(() => credentialSubject(caller, input.UserName), () => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const u = await existingSubject(env, caller, "ListMFADevices", subject);
  const devices = await devicesOfUser(env.store, u.accountId, u.userId);
  const page = paginate("ListMFADevices", devices, (d) => d.serialNumber, marker, max);
  return { MFADevices: page.items.map((d) => mfaDeviceView(u, d)), ...pageFields(page) };
}

const ASSIGNMENT = new Set(["Assigned", "Unassigned", "Any"]);

export async function listVirtualMFADevices(env: IamEnv, caller: Caller, input: ListVirtualMFADevicesRequest): Promise<ListVirtualMFADevicesResponse> {
  const status = input.AssignmentStatus ?? "Any";
  if (!ASSIGNMENT.has(status)) {
    throw validationError(
      `1 validation error detected: Value '${status}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Any, Assigned, Unassigned]`,
    );
  }
  const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  await authorize(caller, "ListVirtualMFADevices", "*");
  const page = await paginateCollection<MfaDeviceDoc>("ListVirtualMFADevices", env.store, COLLECTIONS.mfaDevices, `${caller.accountId}/`, marker, max, (d) =>
    status === "Any" ? true : status === "Assigned" ? d.userId !== undefined : d.userId === undefined,
  );
  const out: VirtualMFADevice[] = [];
  for (const { value: d } of page.items) {
    const v: VirtualMFADevice = { SerialNumber: d.serialNumber };
    if (d.userId !== undefined) {
      const u = await users.byId(env.store, d.accountId, d.userId);
      if (u) v.User = userView(u, false);
      if (d.enableDate !== undefined) v.EnableDate = new Date(d.enableDate);
    }
    out.push(v);
  }
  return { VirtualMFADevices: out, ...pageFields(page) };
}

export async function getMFADevice(env: IamEnv, caller: Caller, input: GetMFADeviceRequest): Promise<GetMFADeviceResponse> {
  const serial = checkSerialNumber(input.SerialNumber);
  const name = userNameOrCaller(caller, input.UserName, 64);
  if (name !== undefined) {
    const u = await authorizeOnUser(env, caller, "GetMFADevice", name);
    if (!u) throw noSuchUser(name);
    const d = await assignedDevice(env.store, caller.accountId, serial, u);
    return { UserName: u.userName, SerialNumber: d.serialNumber, EnableDate: new Date(d.enableDate ?? d.createDate) };
  }
  const d = await authorizeOnDevice(env, caller, "GetMFADevice", serial);
  const u = d?.userId !== undefined ? await users.byId(env.store, d.accountId, d.userId) : undefined;
  if (!d || !u) throw noSuchMfaDevice(serial);
  return { UserName: u.userName, SerialNumber: d.serialNumber, EnableDate: new Date(d.enableDate ?? d.createDate) };
}

export async function resyncMFADevice(env: IamEnv, caller: Caller, input: ResyncMFADeviceRequest): Promise<Record<string, never>> {
  const [name, serial, code1, code2] = validateMembers(
    () => checkName(input.UserName, "userName", 128),
    () => checkSerialNumber(input.SerialNumber),
    () => checkAuthenticationCode(input.AuthenticationCode1, "authenticationCode1"),
    () => checkAuthenticationCode(input.AuthenticationCode2, "authenticationCode2"),
  );
  const before = await authorizeOnUser(env, caller, "ResyncMFADevice", name);
  if (!before) throw noSuchUser(name);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const d = await assignedDevice(tx, caller.accountId, serial, u);
    const now = stepAt(caller.now);
    const last = matchConsecutive(unsealSeed(env, d), code1, code2, now - RESYNC_WINDOW, now + RESYNC_WINDOW - 1);
    // Codes at or before the last accepted step were used already.
    if (last === undefined || (d.lastStep !== undefined && last - 1 <= d.lastStep)) throw invalidAuthenticationCode();
    await saveDevice(tx, { ...d, lastStep: last, driftSteps: last - now });
  });
  return {};
}

export async function tagMFADevice(env: IamEnv, caller: Caller, input: TagMFADeviceRequest): Promise<Record<string, never>> {
  const [serial, tags] = validateMembers(() => checkSerialNumber(input.SerialNumber), () => checkTags(required(input.Tags, "tags"), true));
  await authorizeOnDevice(env, caller, "TagMFADevice", serial, requestTagContext(tags));
  await write(env, caller.accountId, async (tx) => {
    const d = await mustDevice(tx, caller.accountId, serial);
    await saveDevice(tx, { ...d, tags: mergeTags(d.tags, tags, true, "TagsPerMFADevice") });
  });
  return {};
}

export async function untagMFADevice(env: IamEnv, caller: Caller, input: UntagMFADeviceRequest): Promise<Record<string, never>> {
  const [serial, keys] = validateMembers(() => checkSerialNumber(input.SerialNumber), () => checkTagKeys(input.TagKeys));
  await authorizeOnDevice(env, caller, "UntagMFADevice", serial, { "aws:TagKeys": keys });
  await write(env, caller.accountId, async (tx) => {
    const d = await mustDevice(tx, caller.accountId, serial);
    await saveDevice(tx, { ...d, tags: removeTags(d.tags, keys, true) });
  });
  return {};
}

export async function listMFADeviceTags(env: IamEnv, caller: Caller, input: ListMFADeviceTagsRequest): Promise<ListMFADeviceTagsResponse> {
  const [serial, marker, max] = validateMembers(
    () => checkSerialNumber(input.SerialNumber),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const d = await authorizeOnDevice(env, caller, "ListMFADeviceTags", serial);
  if (!d) throw noSuchMfaDevice(serial);
  const page = paginate("ListMFADeviceTags", sortedTags(d.tags), (t) => t.Key, marker, max);
  return { Tags: page.items, ...pageFields(page) };
}

/**
 * STS: "valid" when `code` is the current code (±1 step, after any resync drift) of the device
 * `serial` enabled for user `userId`, and later than the last code the device accepted; the
 * step is then recorded, so the same code is refused next time. "unknown-device" for a serial
 * that is not a device enabled for this user (unknown, another user's or another account's);
 * "invalid-code" for a wrong, stale or replayed code of the user's own device. STS answers both
 * with AccessDenied, worded as AWS words them.
 */
export async function verifyMfaCode(env: IamEnv, accountId: string, userId: string, serial: string, code: string, nowMs: number): Promise<MfaCodeCheck> {
  if (keyOfSerial(accountId, serial) === undefined) return "unknown-device";
  return env.store.transaction(async (tx) => {
    const d = await deviceBySerial(tx, accountId, serial);
    if (!d || d.userId !== userId) return "unknown-device";
    if (!/^\d{6}$/.test(code)) return "invalid-code";
    const center = stepAt(nowMs) + (d.driftSteps ?? 0);
    const step = matchStep(unsealSeed(env, d), code, center - VERIFY_WINDOW, center + VERIFY_WINDOW, d.lastStep);
    if (step === undefined) return "invalid-code";
    await saveDevice(tx, { ...d, lastStep: step });
    return "valid";
  });
}
