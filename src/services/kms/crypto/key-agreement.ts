/**
 * DeriveSharedSecret: ECDH between the KMS key's private key and a peer public key given as
 * DER SubjectPublicKeyInfo. Like KMS, the raw shared secret (the x-coordinate Z) is returned;
 * callers should run it through a KDF before use.
 */
import { createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { derReadWhole, TAG_SEQUENCE } from "./der.js";
import { KmsCryptoError } from "./errors.js";
import { assertSpecSupported, keySpecInfo, type KeyAgreementAlgorithm } from "./key-specs.js";
import { privateKeyObject } from "./key-objects.js";
import type { KeyMaterial } from "./material.js";

export function deriveSharedSecret(input: { material: KeyMaterial; algorithm: string; publicKey: Buffer }): Buffer {
  const { material } = input;
  const info = keySpecInfo(material.spec);
  assertSpecSupported(info);
  if (!info.keyAgreementAlgorithms.includes(input.algorithm as KeyAgreementAlgorithm) || !info.curve) {
    throw new KmsCryptoError("InvalidKeyUsage", `The key agreement algorithm ${input.algorithm} is not compatible with KeySpec ${material.spec}.`);
  }
  if (!material.privateDer) throw new KmsCryptoError("KMSInternal", "Key material has no private key.");
  // One DER element and nothing after it: the parser below ignores trailing bytes.
  // KMS refuses a PublicKey that is not one with a ValidationException without a message.
  if (derReadWhole(input.publicKey, TAG_SEQUENCE) === undefined) throw new KmsCryptoError("Validation", "");
  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: input.publicKey, format: "der", type: "spki" });
  } catch {
    throw new KmsCryptoError("Validation", "PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo.");
  }
  if (peer.asymmetricKeyType !== "ec" || peer.asymmetricKeyDetails?.namedCurve !== info.curve) {
    throw new KmsCryptoError("Validation", `PublicKey must be an elliptic curve key on the curve of KeySpec ${material.spec}.`);
  }
  try {
    return diffieHellman({ privateKey: privateKeyObject(material.privateDer), publicKey: peer });
  } catch {
    throw new KmsCryptoError("Validation", "PublicKey is not a valid point for key agreement.");
  }
}
