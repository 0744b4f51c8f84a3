/**
 * SSH public keys of IAM users (what CodeCommit authenticates SSH with). A key is uploaded
 * in OpenSSH `ssh-rsa AAAA…` form or as a PEM public key, parsed for real (node:crypto),
 * and stored in its SSH wire form; GetSSHPublicKey converts it back to either encoding.
 * Only RSA keys of at least 2048 bits are accepted, as the IAM API reference documents.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type {
  DeleteSSHPublicKeyRequest,
  GetSSHPublicKeyRequest,
  GetSSHPublicKeyResponse,
  ListSSHPublicKeysRequest,
  ListSSHPublicKeysResponse,
  SSHPublicKey,
  UpdateSSHPublicKeyRequest,
  UploadSSHPublicKeyRequest,
  UploadSSHPublicKeyResponse,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.js";
import { randomSshPublicKeyId } from "../../crypto/random-ids.js";
import type { DocStore } from "../../storage/types.js";
import { write, type Caller, type IamEnv } from "./env.js";
import { constraintError, noSuchEntity, noSuchUser, quotaExceeded } from "./errors.js";
import { COLLECTIONS, QUOTAS, type SshPublicKeyDoc, type UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { authorizeOnUser, mustUser, targetUserName } from "./users.js";
import { checkMarker, checkMaxItems, checkName, checkStatus, required, stringConstraints, validateMembers } from "./validation.js";

const MIN_RSA_BITS = 2048;

export const invalidPublicKey = (message: string): AwsError => new AwsError("InvalidPublicKey", message, 400);
export const unrecognizedPublicKeyEncoding = (message: string): AwsError => new AwsError("UnrecognizedPublicKeyEncoding", message, 400);
export const duplicateSshPublicKey = (): AwsError =>
  new AwsError("DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.", 400);
export const noSuchSshPublicKey = (id: string): AwsError => noSuchEntity(`The Public Key with id ${id} cannot be found.`);

// ---- SSH wire format (RFC 4253 §6.6): string "ssh-rsa", mpint e, mpint n ----

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An unsigned big-endian integer as an SSH mpint (leading zero when the high bit is set). */
function sshMpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  let v = unsigned.subarray(i);
  if (v.length > 0 && (v[0]! & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
  return sshString(v);
}

function readSshStrings(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < wire.length) {
    if (off + 4 > wire.length) throw invalidPublicKey("The public key is malformed: truncated length field.");
    const len = wire.readUInt32BE(off);
    off += 4;
    if (len > wire.length - off) throw invalidPublicKey("The public key is malformed: truncated field.");
    out.push(wire.subarray(off, off + len));
    off += len;
  }
  return out;
}

function rsaWire(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string") throw invalidPublicKey("The public key is malformed.");
  return Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshMpint(Buffer.from(jwk.e, "base64url")), sshMpint(Buffer.from(jwk.n, "base64url"))]);
}

function checkRsa(key: KeyObject): void {
  if (key.type !== "public" || key.asymmetricKeyType !== "rsa") {
    throw unrecognizedPublicKeyEncoding(`Unsupported public key type ${key.asymmetricKeyType ?? key.type}: only ssh-rsa keys are supported.`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw invalidPublicKey(`The public key is ${bits} bits long; the minimum is ${MIN_RSA_BITS} bits.`);
}

/** The RSA public key of an SSH wire blob ("ssh-rsa" only). */
function keyFromWire(wire: Buffer): KeyObject {
  const fields = readSshStrings(wire);
  const type = fields[0]?.toString("latin1");
  if (type !== "ssh-rsa") throw unrecognizedPublicKeyEncoding(`Unsupported public key type ${type ?? ""}: only ssh-rsa keys are supported.`);
  if (fields.length !== 3) throw invalidPublicKey("The public key is malformed.");
  const [, e, n] = fields as [Buffer, Buffer, Buffer];
  if (n.length === 0 || e.length === 0 || (n[0]! & 0x80) !== 0 || (e[0]! & 0x80) !== 0) throw invalidPublicKey("The public key is malformed.");
  try {
    return createPublicKey({ key: { kty: "RSA", n: stripZeros(n).toString("base64url"), e: stripZeros(e).toString("base64url") }, format: "jwk" });
  } catch {
    throw invalidPublicKey("The public key is malformed.");
  }
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses an uploaded body (OpenSSH one-line form or PEM) to the key's canonical SSH wire form. */
export function parseSshPublicKeyBody(body: string): Buffer {
  const text = body.trim();
  if (text.startsWith("-----BEGIN")) {
    // createPublicKey would take a private key too (and derive its public half): a private key
    // uploaded by mistake must be refused, not kept in the user's records as accepted.
    if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) {
      throw unrecognizedPublicKeyEncoding("The public key encoding is not recognized: expected ssh-rsa (OpenSSH) or PEM format.");
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: text, format: "pem" });
    } catch {
      throw invalidPublicKey("The PEM public key is malformed.");
    }
    checkRsa(key);
    return rsaWire(key);
  }
  const parts = text.split(/\s+/);
  const [type, data] = parts;
  if (type === undefined || data === undefined || !/^(ssh-|ecdsa-)/.test(type)) {
    throw unrecognizedPublicKeyEncoding("The public key encoding is not recognized: expected ssh-rsa (OpenSSH) or PEM format.");
  }
  if (type !== "ssh-rsa") throw unrecognizedPublicKeyEncoding(`Unsupported public key type ${type}: only ssh-rsa keys are supported.`);
  if (!BASE64_RE.test(data) || data.length % 4 !== 0) throw invalidPublicKey("The public key is malformed: invalid base64.");
  const wire = Buffer.from(data, "base64");
  const key = keyFromWire(wire);
  checkRsa(key);
  // Re-encode: the stored (and fingerprinted) form is canonical even if the mpints were padded.
  return rsaWire(key);
}

/** MD5 of the wire form as colon-separated lower-case hex (`ssh-keygen -l -E md5` without "MD5:"). */
export function md5Fingerprint(wire: Buffer): string {
  return (createHash("md5").update(wire).digest("hex").match(/../g) ?? []).join(":");
}

function sshBody(wire: Buffer): string {
  return `ssh-rsa ${wire.toString("base64")}`;
}

function pemBody(wire: Buffer): string {
  return keyFromWire(wire).export({ format: "pem", type: "spki" }).toString();
}

// ---- Operations ----

export function sshKeyDocKey(accountId: string, userId: string, id: string): string {
  return `${accountId}/${userId}/${id}`;
}

const KEY_ID_RE = /^[\w]+$/;
function checkSshKeyId(value: string | undefined): string {
  const v = required(value, "sSHPublicKeyId");
  stringConstraints(v, "sSHPublicKeyId", 20, 128, { re: KEY_ID_RE, text: "[\\w]+" });
  return v;
}

const BODY_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
function checkBody(value: string | undefined): string {
  const v = required(value, "sSHPublicKeyBody");
  // Not echoed: a private key pasted by mistake would reach the error message and the audit log.
  stringConstraints(v, "sSHPublicKeyBody", 1, 16384, { re: BODY_RE, text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" }, true);
  return v;
}

async function userKeys(db: DocStore, u: UserDoc): Promise<SshPublicKeyDoc[]> {
  return (await db.list<SshPublicKeyDoc>(COLLECTIONS.sshPublicKeys, { prefix: `${u.accountId}/${u.userId}/` })).map((e) => e.value);
}

async function mustKey(db: DocStore, u: UserDoc, id: string): Promise<SshPublicKeyDoc> {
  const k = await db.get<SshPublicKeyDoc>(COLLECTIONS.sshPublicKeys, sshKeyDocKey(u.accountId, u.userId, id));
  if (!k) throw noSuchSshPublicKey(id);
  return k;
}

function view(u: UserDoc, k: SshPublicKeyDoc, body: string): SSHPublicKey {
  return {
    UserName: u.userName,
    SSHPublicKeyId: k.sshPublicKeyId,
    Fingerprint: k.fingerprint,
    SSHPublicKeyBody: body,
    Status: k.status,
    UploadDate: new Date(k.uploadDate),
  };
}

export async function uploadSSHPublicKey(env: IamEnv, caller: Caller, input: UploadSSHPublicKeyRequest): Promise<UploadSSHPublicKeyResponse> {
  const [name, body] = validateMembers(() => checkName(input.UserName, "userName", 64), () => checkBody(input.SSHPublicKeyBody));
  await authorizeOnUser(env, caller, "UploadSSHPublicKey", name);
  const wire = parseSshPublicKeyBody(body);
  const fingerprint = md5Fingerprint(wire);
  const wireBase64 = wire.toString("base64");
  return write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const existing = await userKeys(tx, u);
    if (existing.some((k) => k.wireBase64 === wireBase64)) throw duplicateSshPublicKey();
    if (existing.length >= QUOTAS.sshPublicKeysPerUser) throw quotaExceeded("SSHPublicKeysPerUser", QUOTAS.sshPublicKeysPerUser);
    const doc: SshPublicKeyDoc = {
      accountId: u.accountId,
      userId: u.userId,
      sshPublicKeyId: randomSshPublicKeyId(),
      wireBase64,
      fingerprint,
      status: "Active",
      uploadDate: caller.now,
    };
    await tx.put<SshPublicKeyDoc>(COLLECTIONS.sshPublicKeys, sshKeyDocKey(u.accountId, u.userId, doc.sshPublicKeyId), doc);
    return { SSHPublicKey: view(u, doc, sshBody(wire)) };
  });
}

export async function getSSHPublicKey(env: IamEnv, caller: Caller, input: GetSSHPublicKeyRequest): Promise<GetSSHPublicKeyResponse> {
  const [name, id, encoding] = validateMembers(
    () => checkName(input.UserName, "userName", 64),
    () => checkSshKeyId(input.SSHPublicKeyId),
    () => required(input.Encoding, "encoding"),
  );
  if (encoding !== "SSH" && encoding !== "PEM") throw constraintError("encoding", "Member must satisfy enum value set: [SSH, PEM]", encoding);
  const u = await authorizeOnUser(env, caller, "GetSSHPublicKey", name);
  if (!u) throw noSuchUser(name);
  const k = await mustKey(env.store, u, id);
  const wire = Buffer.from(k.wireBase64, "base64");
  return { SSHPublicKey: view(u, k, encoding === "SSH" ? sshBody(wire) : pemBody(wire)) };
}

export async function listSSHPublicKeys(env: IamEnv, caller: Caller, input: ListSSHPublicKeysRequest): Promise<ListSSHPublicKeysResponse> {
  const name = targetUserName(caller, input.UserName, 64);
  const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
  const u = await authorizeOnUser(env, caller, "ListSSHPublicKeys", name);
  if (!u) throw noSuchUser(name);
  const page = paginate("ListSSHPublicKeys", await userKeys(env.store, u), (k) => k.sshPublicKeyId, marker, max);
  return {
    SSHPublicKeys: page.items.map((k) => ({ UserName: u.userName, SSHPublicKeyId: k.sshPublicKeyId, Status: k.status, UploadDate: new Date(k.uploadDate) })),
    ...pageFields(page),
  };
}

export async function updateSSHPublicKey(env: IamEnv, caller: Caller, input: UpdateSSHPublicKeyRequest): Promise<Record<string, never>> {
  const [name, id, status] = validateMembers(
    () => checkName(input.UserName, "userName", 64),
    () => checkSshKeyId(input.SSHPublicKeyId),
    () => checkStatus(input.Status),
  );
  await authorizeOnUser(env, caller, "UpdateSSHPublicKey", name);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    const k = await mustKey(tx, u, id);
    await tx.put<SshPublicKeyDoc>(COLLECTIONS.sshPublicKeys, sshKeyDocKey(u.accountId, u.userId, id), { ...k, status });
  });
  return {};
}

export async function deleteSSHPublicKey(env: IamEnv, caller: Caller, input: DeleteSSHPublicKeyRequest): Promise<Record<string, never>> {
  const [name, id] = validateMembers(() => checkName(input.UserName, "userName", 64), () => checkSshKeyId(input.SSHPublicKeyId));
  await authorizeOnUser(env, caller, "DeleteSSHPublicKey", name);
  await write(env, caller.accountId, async (tx) => {
    const u = await mustUser(tx, caller.accountId, name);
    await mustKey(tx, u, id);
    await tx.delete(COLLECTIONS.sshPublicKeys, sshKeyDocKey(u.accountId, u.userId, id));
  });
  return {};
}
