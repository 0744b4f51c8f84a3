/**
 * Opaque NextMarker values, at most 256 characters (the model's limit): base64url of the last
 * key listed, "." and a MAC over the listing (operation, account, Region, scope or resource) and
 * that payload, so a marker only continues the listing it came from. A key too long for that
 * (a tag key of multi-byte characters, a long ARN) is carried as its position and a digest of it
 * instead ("~<index>-<digest>"): the page continues after it while it is still there, else at
 * that position.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AwsError } from "../../core/errors.js";

const B64URL = /^[A-Za-z0-9_-]+$/;
const BY_POSITION = /^~(\d{1,9})-([A-Za-z0-9_-]{16})$/;
const MAX_MARKER = 256;
const MAC_CHARS = 22;

function badMarker(): AwsError {
  return new AwsError("WAFInvalidParameterException", "Error reason: The NextMarker isn't valid., parameter: NextMarker", 400, {
    fields: { Parameter: "NextMarker", Reason: "The NextMarker isn't valid." },
  });
}

type After = { key: string } | { index: number; digest: string };

function digestOf(key: string): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 16);
}

export class Markers {
  constructor(private readonly key: Buffer) {}

  private mac(listing: string, payload: string): string {
    return createHmac("sha256", this.key).update(listing).update("\n").update(payload).digest("base64url").slice(0, MAC_CHARS);
  }

  encode(listing: string, after: string, index: number): string {
    let payload = Buffer.from(after, "utf8").toString("base64url");
    if (payload.length === 0 || payload.length + 1 + MAC_CHARS > MAX_MARKER) payload = `~${index}-${digestOf(after)}`;
    return `${payload}.${this.mac(listing, payload)}`;
  }

  /** Where to continue, undefined without a marker; throws for foreign or forged markers. */
  decode(listing: string, marker: string | undefined): After | undefined {
    if (marker === undefined) return undefined;
    const dot = marker.lastIndexOf(".");
    if (dot <= 0) throw badMarker();
    const payload = marker.slice(0, dot);
    const got = Buffer.from(marker.slice(dot + 1));
    const want = Buffer.from(this.mac(listing, payload));
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw badMarker();
    const pos = BY_POSITION.exec(payload);
    if (pos) return { index: Number(pos[1]), digest: pos[2]! };
    if (!B64URL.test(payload)) throw badMarker();
    return { key: Buffer.from(payload, "base64url").toString("utf8") };
  }

  /**
   * One page of items (in a stable order, unique keys), continuing after the item whose key
   * the marker holds; if that item is gone, after the first key greater than it (sorted lists).
   */
  page<T>(items: readonly T[], key: (t: T) => string, listing: string, marker: string | undefined, limit: number): { page: T[]; next?: string } {
    const after = this.decode(listing, marker);
    let start = 0;
    if (after !== undefined) {
      if ("key" in after) {
        const at = items.findIndex((t) => key(t) === after.key);
        start = at >= 0 ? at + 1 : items.findIndex((t) => key(t) > after.key);
      } else {
        const at = items[after.index];
        start = at !== undefined && digestOf(key(at)) === after.digest ? after.index + 1 : Math.min(after.index, items.length);
      }
    }
    const rest = start < 0 ? [] : items.slice(start);
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return rest.length > limit && last !== undefined ? { page, next: this.encode(listing, key(last), start + page.length - 1) } : { page };
  }
}
