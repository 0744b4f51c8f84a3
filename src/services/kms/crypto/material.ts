/**
 * Key material of a KMS key (one "key material version"): generation for every supported
 * KeySpec and a versioned binary serialisation for sealed storage (see FORMATS.md).
 *
 *  - SYMMETRIC_DEFAULT: `secret` = 32 random bytes (AES-256-GCM key).
 *  - HMAC_*: `secret` = random key of the digest length (imported keys may be longer).
 *  - RSA / ECC / Ed25519: `privateDer` = PKCS#8 DER, `publicDer` = SPKI DER.
 *  - ML-DSA / ML-KEM: `privateDer` = PKCS#8 seed-only form, `publicDer` = SPKI with the NIST OID.
 * `publicDer` is byte for byte what GetPublicKey returns.
 */
import { generateKeyPair, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { KmsCryptoError } from "./errors.js";
import { assertSpecSupported, isKeySpec, keySpecInfo, type KeySpec, type KeySpecInfo } from "./key-specs.js";
import { encodePqPrivateKey, encodePqSpki, isMlDsaSpec, isMlKemSpec, pqExpand, pqParams } from "./pq.js";

export interface KeyMaterial {
  readonly spec: KeySpec;
  /** Symmetric or HMAC key bytes. */
  readonly secret?: Buffer;
  /** PKCS#8 DER private key. */
  readonly privateDer?: Buffer;
  /** DER SubjectPublicKeyInfo (what GetPublicKey returns). */
  readonly publicDer?: Buffer;
}

export const KEY_MATERIAL_FORMAT_VERSION = 0x01;
const TAG_SECRET = 0x01;
const TAG_PRIVATE = 0x02;
const TAG_PUBLIC = 0x03;
const generateKeyPairAsync = promisify(generateKeyPair);

/** A new key material id: 64 lowercase hex characters (the KeyMaterialId shape KMS uses). */
export function newKeyMaterialId(): string {
  return randomBytes(32).toString("hex");
}

/**
 * Fresh key material for `spec`. Synchronous: RSA_4096 generation can block for a second or
 * more; request handlers should prefer generateKeyMaterialAsync.
 */
export function generateKeyMaterial(spec: string): KeyMaterial {
  const info = supportedInfo(spec);
  const quick = generateWithoutNodeKeyPair(info);
  if (quick) return quick;
  const pair = nodeKeyPairParams(info);
  const keys =
    pair.type === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: pair.bits, publicExponent: 0x10001 })
      : pair.type === "ec"
        ? generateKeyPairSync("ec", { namedCurve: pair.curve })
        : generateKeyPairSync("ed25519");
  return fromKeyObjects(info.spec, keys);
}

/** Like generateKeyMaterial, but RSA/EC generation runs off the event loop. */
export async function generateKeyMaterialAsync(spec: string): Promise<KeyMaterial> {
  const info = supportedInfo(spec);
  const quick = generateWithoutNodeKeyPair(info);
  if (quick) return quick;
  const pair = nodeKeyPairParams(info);
  const keys =
    pair.type === "rsa"
      ? await generateKeyPairAsync("rsa", { modulusLength: pair.bits, publicExponent: 0x10001 })
      : pair.type === "ec"
        ? await generateKeyPairAsync("ec", { namedCurve: pair.curve })
        : await generateKeyPairAsync("ed25519", undefined);
  return fromKeyObjects(info.spec, keys);
}

function fromKeyObjects(spec: KeySpec, keys: { privateKey: KeyObject; publicKey: KeyObject }): KeyMaterial {
  return {
    spec,
    privateDer: keys.privateKey.export({ type: "pkcs8", format: "der" }),
    publicDer: keys.publicKey.export({ type: "spki", format: "der" }),
  };
}

function supportedInfo(spec: string): KeySpecInfo {
  const info = keySpecInfo(spec);
  assertSpecSupported(info);
  return info;
}

function generateWithoutNodeKeyPair(info: KeySpecInfo): KeyMaterial | undefined {
  const spec = info.spec;
  if (info.family === "symmetric") return { spec, secret: randomBytes(32) };
  if (info.family === "hmac") return { spec, secret: randomBytes(info.hmacKeyBytes ?? 0) };
  if (isMlDsaSpec(spec) || isMlKemSpec(spec)) return pqMaterialFromSeed(spec, randomBytes(pqParams(spec).seedBytes));
  return undefined;
}

/** Key material of a PQ seed (used for generation, import and data key pairs). */
export function pqMaterialFromSeed(spec: KeySpec, seed: Buffer): KeyMaterial {
  if (!isMlDsaSpec(spec) && !isMlKemSpec(spec)) throw new KmsCryptoError("Validation", "Not a post-quantum KeySpec.");
  const { publicKey } = pqExpand(spec, seed);
  return { spec, privateDer: encodePqPrivateKey(spec, seed), publicDer: encodePqSpki(spec, publicKey) };
}

type NodePair = { type: "rsa"; bits: number } | { type: "ec"; curve: string } | { type: "ed25519" };

function nodeKeyPairParams(info: KeySpecInfo): NodePair {
  if (info.family === "rsa" && info.rsaBits) return { type: "rsa", bits: info.rsaBits };
  if (info.family === "ecc" && info.curve) return { type: "ec", curve: info.curve };
  if (info.family === "ed25519") return { type: "ed25519" };
  throw new KmsCryptoError("UnsupportedOperation", `Key generation is not supported for KeySpec ${info.spec}.`);
}

/** Throws KMSInternal unless the material has exactly the fields its spec needs. */
export function assertMaterialShape(m: KeyMaterial): void {
  const info = keySpecInfo(m.spec);
  const fail = (): never => {
    throw new KmsCryptoError("KMSInternal", "Key material does not match its KeySpec.");
  };
  if (info.family === "symmetric") {
    if (m.secret?.length !== 32 || m.privateDer || m.publicDer) fail();
  } else if (info.family === "hmac") {
    const [min, max] = info.hmacImportBytes ?? [0, 0];
    if (!m.secret || m.secret.length < min || m.secret.length > max || m.privateDer || m.publicDer) fail();
  } else if (m.secret || !m.privateDer?.length || !m.publicDer?.length) {
    fail();
  }
}

/**
 * Binary form for sealed storage (FORMATS.md "Key material v1"):
 * 0x01 ‖ len(spec) u8 ‖ spec ASCII ‖ { tag u8 ‖ len u32be ‖ bytes }* with tags ascending
 * (1 secret, 2 private PKCS#8, 3 public SPKI), absent fields omitted.
 */
export function serializeKeyMaterial(m: KeyMaterial): Buffer {
  assertMaterialShape(m);
  const spec = Buffer.from(m.spec, "ascii");
  const parts: Buffer[] = [Buffer.from([KEY_MATERIAL_FORMAT_VERSION, spec.length]), spec];
  const field = (tag: number, value: Buffer | undefined): void => {
    if (!value) return;
    const head = Buffer.alloc(5);
    head[0] = tag;
    head.writeUInt32BE(value.length, 1);
    parts.push(head, value);
  };
  field(TAG_SECRET, m.secret);
  field(TAG_PRIVATE, m.privateDer);
  field(TAG_PUBLIC, m.publicDer);
  return Buffer.concat(parts);
}

/** Inverse of serializeKeyMaterial; rejects unknown versions and any malformation (KMSInternal). */
export function parseKeyMaterial(buf: Buffer): KeyMaterial {
  const malformed = (): never => {
    throw new KmsCryptoError("KMSInternal", "Stored key material is malformed.");
  };
  if (buf.length < 2) malformed();
  if (buf[0] !== KEY_MATERIAL_FORMAT_VERSION) throw new KmsCryptoError("KMSInternal", "Unsupported key material format version.");
  const specLen = buf[1] as number;
  if (2 + specLen > buf.length) malformed();
  const spec = buf.subarray(2, 2 + specLen).toString("ascii");
  if (!isKeySpec(spec)) malformed();
  const fields = new Map<number, Buffer>();
  let offset = 2 + specLen;
  let lastTag = 0;
  while (offset < buf.length) {
    if (offset + 5 > buf.length) malformed();
    const tag = buf[offset] as number;
    const len = buf.readUInt32BE(offset + 1);
    if (tag <= lastTag || tag > TAG_PUBLIC || offset + 5 + len > buf.length) malformed();
    fields.set(tag, Buffer.from(buf.subarray(offset + 5, offset + 5 + len)));
    lastTag = tag;
    offset += 5 + len;
  }
  const m: KeyMaterial = {
    spec: spec as KeySpec,
    ...(fields.has(TAG_SECRET) ? { secret: fields.get(TAG_SECRET) } : {}),
    ...(fields.has(TAG_PRIVATE) ? { privateDer: fields.get(TAG_PRIVATE) } : {}),
    ...(fields.has(TAG_PUBLIC) ? { publicDer: fields.get(TAG_PUBLIC) } : {}),
  };
  assertMaterialShape(m);
  return m;
}

/**
 * Whether two materials are the same key (re-import must bring back the same material).
 * Symmetric/HMAC compare the secret in constant time; asymmetric keys compare the public key.
 */
export function isSameKeyMaterial(a: KeyMaterial, b: KeyMaterial): boolean {
  if (a.spec !== b.spec) return false;
  if (a.secret || b.secret) {
    if (!a.secret || !b.secret || a.secret.length !== b.secret.length) return false;
    return timingSafeEqual(a.secret, b.secret);
  }
  return !!a.publicDer && !!b.publicDer && a.publicDer.equals(b.publicDer);
}
