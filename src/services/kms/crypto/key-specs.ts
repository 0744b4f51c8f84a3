/**
 * The KMS key-spec table: for every KeySpec of today's API, which KeyUsage values it allows and
 * which algorithms each usage offers (what DescribeKey reports and what Sign/Encrypt/… accept).
 * Source: AWS KMS Developer Guide "Key spec reference" and the KMS API reference (CreateKey,
 * Sign, Encrypt, GenerateMac, DeriveSharedSecret, Encapsulate, GenerateDataKeyPair,
 * GetParametersForImport). Change it only when AWS changes the API.
 */
import { KmsCryptoError } from "./errors.js";

export const KEY_SPECS = [
  "SYMMETRIC_DEFAULT",
  "HMAC_224",
  "HMAC_256",
  "HMAC_384",
  "HMAC_512",
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "ECC_NIST_EDWARDS25519",
  "SM2",
  "ML_DSA_44",
  "ML_DSA_65",
  "ML_DSA_87",
  "ML_KEM_512",
  "ML_KEM_768",
  "ML_KEM_1024",
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export type KeyUsage = "ENCRYPT_DECRYPT" | "SIGN_VERIFY" | "GENERATE_VERIFY_MAC" | "KEY_AGREEMENT" | "ENCAPSULATE_DECAPSULATE";
export type EncryptionAlgorithm = "SYMMETRIC_DEFAULT" | "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "SM2PKE";
export type SigningAlgorithm =
  | "RSASSA_PSS_SHA_256"
  | "RSASSA_PSS_SHA_384"
  | "RSASSA_PSS_SHA_512"
  | "RSASSA_PKCS1_V1_5_SHA_256"
  | "RSASSA_PKCS1_V1_5_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_512"
  | "ECDSA_SHA_256"
  | "ECDSA_SHA_384"
  | "ECDSA_SHA_512"
  | "ED25519_SHA_512"
  | "ED25519_PH_SHA_512"
  | "ML_DSA_SHAKE_256"
  | "SM2DSA";
export type MacAlgorithm = "HMAC_SHA_224" | "HMAC_SHA_256" | "HMAC_SHA_384" | "HMAC_SHA_512";
export type KeyAgreementAlgorithm = "ECDH";
export type EncapsulationAlgorithm = "ML_KEM";
export type MessageType = "RAW" | "DIGEST" | "EXTERNAL_MU";

export const DATA_KEY_PAIR_SPECS = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "ECC_NIST_EDWARDS25519",
  "SM2",
  "ML_KEM_512",
  "ML_KEM_768",
  "ML_KEM_1024",
] as const;
export type DataKeyPairSpec = (typeof DATA_KEY_PAIR_SPECS)[number];

export type WrappingKeySpec = "RSA_2048" | "RSA_3072" | "RSA_4096" | "SM2";
export type WrappingAlgorithm =
  | "RSAES_PKCS1_V1_5"
  | "RSAES_OAEP_SHA_1"
  | "RSAES_OAEP_SHA_256"
  | "RSA_AES_KEY_WRAP_SHA_1"
  | "RSA_AES_KEY_WRAP_SHA_256"
  | "SM2PKE";

export type KeyFamily = "symmetric" | "hmac" | "rsa" | "ecc" | "ed25519" | "sm2" | "ml-dsa" | "ml-kem";

/** Largest message Sign/Verify accept with MessageType RAW, GenerateMac/VerifyMac, and Encrypt (symmetric). */
export const MAX_SIGN_MESSAGE_BYTES = 4096;
export const MAX_MAC_MESSAGE_BYTES = 4096;
export const MAX_SYMMETRIC_PLAINTEXT_BYTES = 4096;

export interface KeySpecInfo {
  readonly spec: KeySpec;
  readonly family: KeyFamily;
  /** False for specs this build cannot serve (SM2: China Regions only). */
  readonly supported: boolean;
  readonly keyUsages: readonly KeyUsage[];
  readonly encryptionAlgorithms: readonly EncryptionAlgorithm[];
  readonly signingAlgorithms: readonly SigningAlgorithm[];
  readonly macAlgorithms: readonly MacAlgorithm[];
  readonly keyAgreementAlgorithms: readonly KeyAgreementAlgorithm[];
  readonly encapsulationAlgorithms: readonly EncapsulationAlgorithm[];
  /** RSA modulus length in bits. */
  readonly rsaBits?: number;
  /** OpenSSL / node curve name (what KeyObject.asymmetricKeyDetails.namedCurve reports). */
  readonly curve?: string;
  /** Length of the HMAC key KMS generates, in bytes. */
  readonly hmacKeyBytes?: number;
  /** Accepted length range (bytes, inclusive) of imported HMAC key material. */
  readonly hmacImportBytes?: readonly [number, number];
}

const NONE = [] as const;
const base = {
  supported: true,
  encryptionAlgorithms: NONE,
  signingAlgorithms: NONE,
  macAlgorithms: NONE,
  keyAgreementAlgorithms: NONE,
  encapsulationAlgorithms: NONE,
};
const RSA_ENC: readonly EncryptionAlgorithm[] = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];
/** In the order the API reference's DescribeKey example lists them for an RSA signing key: PKCS #1 v1.5, then PSS. */
const RSA_SIGN: readonly SigningAlgorithm[] = [
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
];

function rsa(spec: KeySpec, bits: number): KeySpecInfo {
  return { ...base, spec, family: "rsa", keyUsages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], encryptionAlgorithms: RSA_ENC, signingAlgorithms: RSA_SIGN, rsaBits: bits };
}
function nist(spec: KeySpec, curve: string, alg: SigningAlgorithm): KeySpecInfo {
  return { ...base, spec, family: "ecc", keyUsages: ["SIGN_VERIFY", "KEY_AGREEMENT"], signingAlgorithms: [alg], keyAgreementAlgorithms: ["ECDH"], curve };
}
function hmac(spec: KeySpec, alg: MacAlgorithm, bytes: number, importRange: readonly [number, number]): KeySpecInfo {
  return { ...base, spec, family: "hmac", keyUsages: ["GENERATE_VERIFY_MAC"], macAlgorithms: [alg], hmacKeyBytes: bytes, hmacImportBytes: importRange };
}
function mlDsa(spec: KeySpec): KeySpecInfo {
  return { ...base, spec, family: "ml-dsa", keyUsages: ["SIGN_VERIFY"], signingAlgorithms: ["ML_DSA_SHAKE_256"] };
}
function mlKem(spec: KeySpec): KeySpecInfo {
  return { ...base, spec, family: "ml-kem", keyUsages: ["ENCAPSULATE_DECAPSULATE"], encapsulationAlgorithms: ["ML_KEM"] };
}

const TABLE: Record<KeySpec, KeySpecInfo> = {
  SYMMETRIC_DEFAULT: { ...base, spec: "SYMMETRIC_DEFAULT", family: "symmetric", keyUsages: ["ENCRYPT_DECRYPT"], encryptionAlgorithms: ["SYMMETRIC_DEFAULT"] },
  HMAC_224: hmac("HMAC_224", "HMAC_SHA_224", 28, [28, 64]),
  HMAC_256: hmac("HMAC_256", "HMAC_SHA_256", 32, [32, 64]),
  HMAC_384: hmac("HMAC_384", "HMAC_SHA_384", 48, [48, 128]),
  HMAC_512: hmac("HMAC_512", "HMAC_SHA_512", 64, [64, 128]),
  RSA_2048: rsa("RSA_2048", 2048),
  RSA_3072: rsa("RSA_3072", 3072),
  RSA_4096: rsa("RSA_4096", 4096),
  ECC_NIST_P256: nist("ECC_NIST_P256", "prime256v1", "ECDSA_SHA_256"),
  ECC_NIST_P384: nist("ECC_NIST_P384", "secp384r1", "ECDSA_SHA_384"),
  ECC_NIST_P521: nist("ECC_NIST_P521", "secp521r1", "ECDSA_SHA_512"),
  // secp256k1: signing only (no KEY_AGREEMENT in KMS).
  ECC_SECG_P256K1: { ...base, spec: "ECC_SECG_P256K1", family: "ecc", keyUsages: ["SIGN_VERIFY"], signingAlgorithms: ["ECDSA_SHA_256"], curve: "secp256k1" },
  ECC_NIST_EDWARDS25519: {
    ...base,
    spec: "ECC_NIST_EDWARDS25519",
    family: "ed25519",
    keyUsages: ["SIGN_VERIFY"],
    signingAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
  },
  // SM2 exists only in the China Regions; listed so requests get the right error.
  SM2: {
    ...base,
    spec: "SM2",
    family: "sm2",
    supported: false,
    keyUsages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
    encryptionAlgorithms: ["SM2PKE"],
    signingAlgorithms: ["SM2DSA"],
    keyAgreementAlgorithms: ["ECDH"],
  },
  ML_DSA_44: mlDsa("ML_DSA_44"),
  ML_DSA_65: mlDsa("ML_DSA_65"),
  ML_DSA_87: mlDsa("ML_DSA_87"),
  ML_KEM_512: mlKem("ML_KEM_512"),
  ML_KEM_768: mlKem("ML_KEM_768"),
  ML_KEM_1024: mlKem("ML_KEM_1024"),
};

export function isKeySpec(value: string): value is KeySpec {
  return Object.prototype.hasOwnProperty.call(TABLE, value);
}

/** The table row of `spec`; a string that is no KeySpec is a Validation error. */
export function keySpecInfo(spec: string): KeySpecInfo {
  if (!isKeySpec(spec)) throw new KmsCryptoError("Validation", "Unknown KeySpec.");
  return TABLE[spec];
}

export const SM2_UNSUPPORTED_MESSAGE = "The SM2 key spec is available only in the China Regions and is not supported here.";

/** Throws UnsupportedOperation for specs this build cannot serve (SM2). */
export function assertSpecSupported(info: KeySpecInfo): void {
  if (!info.supported) throw new KmsCryptoError("UnsupportedOperation", SM2_UNSUPPORTED_MESSAGE);
}

/** CreateKey rule: the KeyUsage must be one the KeySpec allows. */
export function assertKeyUsageAllowed(spec: string, usage: KeyUsage): void {
  if (!keySpecInfo(spec).keyUsages.includes(usage)) {
    throw new KmsCryptoError("Validation", `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  }
}

export interface UsageAlgorithms {
  encryptionAlgorithms?: readonly EncryptionAlgorithm[];
  signingAlgorithms?: readonly SigningAlgorithm[];
  macAlgorithms?: readonly MacAlgorithm[];
  keyAgreementAlgorithms?: readonly KeyAgreementAlgorithm[];
  encapsulationAlgorithms?: readonly EncapsulationAlgorithm[];
}

/** The algorithm lists DescribeKey / GetPublicKey report for a key of this spec and usage. */
export function algorithmsForUsage(spec: string, usage: KeyUsage): UsageAlgorithms {
  const info = keySpecInfo(spec);
  if (!info.keyUsages.includes(usage)) return {};
  switch (usage) {
    case "ENCRYPT_DECRYPT":
      return { encryptionAlgorithms: info.encryptionAlgorithms };
    case "SIGN_VERIFY":
      return { signingAlgorithms: info.signingAlgorithms };
    case "GENERATE_VERIFY_MAC":
      return { macAlgorithms: info.macAlgorithms };
    case "KEY_AGREEMENT":
      return { keyAgreementAlgorithms: info.keyAgreementAlgorithms };
    case "ENCAPSULATE_DECAPSULATE":
      return { encapsulationAlgorithms: info.encapsulationAlgorithms };
  }
}

export type HashName = "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "shake256" | "sm3";

export interface SigningAlgorithmInfo {
  readonly algorithm: SigningAlgorithm;
  readonly family: "rsa-pss" | "rsa-pkcs1" | "ecdsa" | "ed25519" | "ed25519ph" | "ml-dsa" | "sm2dsa";
  readonly hash: HashName;
  /** MessageType values the algorithm accepts. */
  readonly messageTypes: readonly MessageType[];
  /** Exact Message length for MessageType DIGEST (or EXTERNAL_MU for ML-DSA). */
  readonly digestBytes: number;
}

const SIGNING: Record<SigningAlgorithm, SigningAlgorithmInfo> = {
  RSASSA_PSS_SHA_256: { algorithm: "RSASSA_PSS_SHA_256", family: "rsa-pss", hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestBytes: 32 },
  RSASSA_PSS_SHA_384: { algorithm: "RSASSA_PSS_SHA_384", family: "rsa-pss", hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestBytes: 48 },
  RSASSA_PSS_SHA_512: { algorithm: "RSASSA_PSS_SHA_512", family: "rsa-pss", hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestBytes: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { algorithm: "RSASSA_PKCS1_V1_5_SHA_256", family: "rsa-pkcs1", hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestBytes: 32 },
  RSASSA_PKCS1_V1_5_SHA_384: { algorithm: "RSASSA_PKCS1_V1_5_SHA_384", family: "rsa-pkcs1", hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestBytes: 48 },
  RSASSA_PKCS1_V1_5_SHA_512: { algorithm: "RSASSA_PKCS1_V1_5_SHA_512", family: "rsa-pkcs1", hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestBytes: 64 },
  ECDSA_SHA_256: { algorithm: "ECDSA_SHA_256", family: "ecdsa", hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestBytes: 32 },
  ECDSA_SHA_384: { algorithm: "ECDSA_SHA_384", family: "ecdsa", hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestBytes: 48 },
  ECDSA_SHA_512: { algorithm: "ECDSA_SHA_512", family: "ecdsa", hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestBytes: 64 },
  // KMS: ED25519_SHA_512 requires RAW, ED25519_PH_SHA_512 requires DIGEST; not interchangeable.
  ED25519_SHA_512: { algorithm: "ED25519_SHA_512", family: "ed25519", hash: "sha512", messageTypes: ["RAW"], digestBytes: 64 },
  ED25519_PH_SHA_512: { algorithm: "ED25519_PH_SHA_512", family: "ed25519ph", hash: "sha512", messageTypes: ["DIGEST"], digestBytes: 64 },
  // EXTERNAL_MU: the 64-byte μ of FIPS 204 §6.2 (not HashML-DSA); DIGEST is not accepted.
  ML_DSA_SHAKE_256: { algorithm: "ML_DSA_SHAKE_256", family: "ml-dsa", hash: "shake256", messageTypes: ["RAW", "EXTERNAL_MU"], digestBytes: 64 },
  SM2DSA: { algorithm: "SM2DSA", family: "sm2dsa", hash: "sm3", messageTypes: ["RAW", "DIGEST"], digestBytes: 32 },
};

export function signingAlgorithmInfo(algorithm: string): SigningAlgorithmInfo {
  if (!Object.prototype.hasOwnProperty.call(SIGNING, algorithm)) throw new KmsCryptoError("Validation", "Unknown SigningAlgorithm.");
  return SIGNING[algorithm as SigningAlgorithm];
}

export const MAC_HASH: Record<MacAlgorithm, HashName> = {
  HMAC_SHA_224: "sha224",
  HMAC_SHA_256: "sha256",
  HMAC_SHA_384: "sha384",
  HMAC_SHA_512: "sha512",
};

export const OAEP_HASH: Record<"RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256", { hash: "sha1" | "sha256"; bytes: number }> = {
  RSAES_OAEP_SHA_1: { hash: "sha1", bytes: 20 },
  RSAES_OAEP_SHA_256: { hash: "sha256", bytes: 32 },
};

/**
 * Largest plaintext RSAES-OAEP accepts: k - 2·hLen - 2 (PKCS #1 v2.2 §7.1.1), e.g.
 * RSA_2048 + SHA-256 → 190 bytes, RSA_4096 + SHA-1 → 470 bytes (the KMS table).
 */
export function maxOaepPlaintextBytes(rsaBits: number, algorithm: "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256"): number {
  return rsaBits / 8 - 2 * OAEP_HASH[algorithm].bytes - 2;
}
