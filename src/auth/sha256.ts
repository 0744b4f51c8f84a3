/**
 * SHA-256 helpers for the SigV4 hot path. Node ≥ 20.12 has the one-shot crypto.hash(), about three
 * times faster than createHash() for short inputs (no Hash object); older Node 20 falls back.
 */
import * as nodeCrypto from "node:crypto";

type OneShot = (algorithm: string, data: string | Buffer, outputEncoding: "hex" | "base64") => string;
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

export const sha256Hex: (data: string | Buffer) => string =
  typeof oneShot === "function"
    ? (data) => oneShot("sha256", data, "hex")
    : (data) => nodeCrypto.createHash("sha256").update(data).digest("hex");

export const sha256Base64: (data: string | Buffer) => string =
  typeof oneShot === "function"
    ? (data) => oneShot("sha256", data, "base64")
    : (data) => nodeCrypto.createHash("sha256").update(data).digest("base64");
