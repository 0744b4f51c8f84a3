/**
 * Opaque NextMarker values: base64url(JSON {o: operation+scope, a: last key}) "." HMAC.
 * A marker only continues the listing it came from; anything else is refused.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { AwsError } from "../../core/errors.js";

const B64URL = /^[A-Za-z0-9_-]+$/;

function badMarker(): AwsError {
  return new AwsError("WAFInvalidParameterException", "Error reason: The NextMarker isn't valid., parameter: NextMarker", 400, {
    fields: { Parameter: "NextMarker", Reason: "The NextMarker isn't valid." },
  });
}

export class Markers {
  constructor(private readonly key: Buffer) {}

  encode(listing: string, after: string): string {
    const payload = Buffer.from(JSON.stringify({ o: listing, a: after })).toString("base64url");
    // A short MAC keeps markers within the 256-character limit of the model.
    const mac = createHmac("sha256", this.key).update(payload).digest("base64url").slice(0, 22);
    return `${payload}.${mac}`;
  }

  /** The key to continue after, undefined without a marker; throws for foreign or forged markers. */
  decode(listing: string, marker: string | undefined): string | undefined {
    if (marker === undefined) return undefined;
    const dot = marker.indexOf(".");
    if (dot <= 0) throw badMarker();
    const payload = marker.slice(0, dot);
    const mac = marker.slice(dot + 1);
    if (!B64URL.test(payload) || !B64URL.test(mac)) throw badMarker();
    const want = Buffer.from(createHmac("sha256", this.key).update(payload).digest("base64url").slice(0, 22));
    const got = Buffer.from(mac);
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw badMarker();
    try {
      const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { o?: unknown; a?: unknown };
      if (body.o === listing && typeof body.a === "string") return body.a;
    } catch {
      // fall through
    }
    throw badMarker();
  }

  /**
   * One page of items (in a stable order, unique keys), continuing after the item whose key
   * the marker holds; if that item is gone, after the first key greater than it (sorted lists).
   */
  page<T>(items: readonly T[], key: (t: T) => string, listing: string, marker: string | undefined, limit: number): { page: T[]; next?: string } {
    const after = this.decode(listing, marker);
    let start = 0;
    if (after !== undefined) {
      const at = items.findIndex((t) => key(t) === after);
      start = at >= 0 ? at + 1 : items.findIndex((t) => key(t) > after);
    }
    const rest = start < 0 ? [] : items.slice(start);
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return rest.length > limit && last !== undefined ? { page, next: this.encode(listing, key(last)) } : { page };
  }
}
