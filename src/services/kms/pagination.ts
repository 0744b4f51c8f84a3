/**
 * Opaque list markers: the position (a storage key suffix) plus an HMAC over it and the
 * list it belongs to, so a marker cannot be forged or replayed against another list
 * (InvalidMarkerException).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidMarker } from "./errors.js";

function mac(key: Buffer, list: string, pos: string): Buffer {
  return createHmac("sha256", key).update(list).update("\u0000").update(pos).digest().subarray(0, 16);
}

export function encodeMarker(key: Buffer, list: string, pos: string): string {
  return `${Buffer.from(pos, "utf8").toString("base64url")}.${mac(key, list, pos).toString("base64url")}`;
}

export function decodeMarker(key: Buffer, list: string, marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const dot = marker.indexOf(".");
  if (dot > 0) {
    const pos = Buffer.from(marker.slice(0, dot), "base64url").toString("utf8");
    const got = Buffer.from(marker.slice(dot + 1), "base64url");
    const want = mac(key, list, pos);
    if (got.length === want.length && timingSafeEqual(got, want)) return pos;
  }
  throw invalidMarker("Invalid marker.");
}

/** Pages an in-memory, already ordered list whose items have a stable position string. */
export function pageOf<T>(key: Buffer, list: string, items: readonly T[], posOf: (t: T) => string, marker: string | undefined, limit: number): { page: T[]; nextMarker?: string } {
  const after = decodeMarker(key, list, marker);
  const start = after === undefined ? 0 : items.findIndex((t) => posOf(t) > after);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + limit);
  const last = page[page.length - 1];
  if (from + limit < items.length && last !== undefined) return { page, nextMarker: encodeMarker(key, list, posOf(last)) };
  return { page };
}
