/**
 * IAM pagination: MaxItems (1–1000, default 100) and an opaque Marker. A marker is the
 * base64url of the sort key of the last item returned, so pages stay stable when items
 * before the marker are deleted.
 */
import { isValidKey } from "../../storage/keys.js";
import type { DocStore } from "../../storage/types.js";
import { validationError } from "./errors.js";

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  /** Present only when truncated. */
  marker?: string;
}

export function encodeMarker(sortKey: string): string {
  return Buffer.from(sortKey, "utf8").toString("base64url");
}

/** The sort key a marker stands for; a marker we did not issue is refused. */
export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const key = Buffer.from(marker, "base64url").toString("utf8");
  // Keys never hold NUL, so a marker decoding to one was not issued by us.
  if (key === "" || encodeMarker(key) !== marker || !isValidKey(key)) throw validationError("Invalid Marker.");
  return key;
}

/** Pages an in-memory list; `keyOf` must give unique keys and `items` need not be sorted. */
export function paginate<T>(items: readonly T[], keyOf: (t: T) => string, marker: string | undefined, maxItems: number): Page<T> {
  const after = decodeMarker(marker);
  const keyed = items.map((item) => ({ key: keyOf(item), item })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rest = after === undefined ? keyed : keyed.filter((k) => k.key > after);
  const slice = rest.slice(0, maxItems);
  const isTruncated = rest.length > maxItems;
  const last = slice[slice.length - 1];
  return {
    items: slice.map((k) => k.item),
    isTruncated,
    ...(isTruncated && last ? { marker: encodeMarker(last.key) } : {}),
  };
}

/** Pages a list in its own order: an item's key is its position. */
export function paginateInOrder<T>(items: readonly T[], marker: string | undefined, maxItems: number): Page<T> {
  const page = paginate(
    items.map((item, i) => ({ item, key: String(i).padStart(10, "0") })),
    (x) => x.key,
    marker,
    maxItems,
  );
  return { ...page, items: page.items.map((x) => x.item) };
}

/**
 * Pages a storage collection in key order under `prefix`, keeping entries `accept` admits.
 * The marker is the key suffix after `prefix`.
 */
export async function paginateCollection<V>(
  db: DocStore,
  collection: string,
  prefix: string,
  marker: string | undefined,
  maxItems: number,
  accept: (value: V) => boolean,
): Promise<Page<{ key: string; value: V }>> {
  const after = decodeMarker(marker);
  let cursor = after === undefined ? undefined : prefix + after;
  const out: Array<{ key: string; value: V }> = [];
  const chunk = Math.min(1000, maxItems + 1);
  for (;;) {
    const batch = await db.list<V>(collection, { prefix, limit: chunk, ...(cursor !== undefined ? { after: cursor } : {}) });
    for (const e of batch) {
      if (accept(e.value)) out.push(e);
      if (out.length > maxItems) break;
    }
    if (out.length > maxItems || batch.length < chunk) break;
    const lastEntry = batch[batch.length - 1];
    if (!lastEntry) break;
    cursor = lastEntry.key;
  }
  const isTruncated = out.length > maxItems;
  const items = out.slice(0, maxItems);
  const last = items[items.length - 1];
  return { items, isTruncated, ...(isTruncated && last ? { marker: encodeMarker(last.key.slice(prefix.length)) } : {}) };
}

/** The IsTruncated/Marker members of a list response. */
export function pageFields(page: Page<unknown>): { IsTruncated: boolean; Marker?: string } {
  return page.marker !== undefined ? { IsTruncated: page.isTruncated, Marker: page.marker } : { IsTruncated: page.isTruncated };
}
