/**
 * IAM pagination: MaxItems (1–1000, default 100) and an opaque Marker. A marker names the list
 * it was issued for (the operation) and the sort key of the last item returned, so pages stay
 * stable when items before the marker are deleted, and a marker from another list is refused
 * ("Invalid Marker.") instead of silently starting that list somewhere.
 *
 * The API reference caps Marker at 320 characters. A sort key too long for that (an attached
 * policy's ARN with a long path) is carried as a prefix of the key plus a digest of the whole
 * key; the list finds the item again among the keys sharing that prefix.
 */
import { createHash } from "node:crypto";
import { isValidKey } from "../../storage/keys.js";
import type { DocStore } from "../../storage/types.js";
import { validationError } from "./errors.js";

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  /** Present only when truncated. */
  marker?: string;
}

/** Marker's documented maximum length (IAM API reference, every list operation). */
export const MAX_MARKER_LENGTH = 320;
/** Bytes a marker may carry: base64url turns each 3 bytes into 4 characters. */
const MAX_MARKER_BYTES = (MAX_MARKER_LENGTH / 4) * 3;
const DIGEST_CHARS = 22;

/** Where a list continues: strictly after `after`, or (with `digest`) after the key with that prefix and digest. */
export interface MarkerPosition {
  after: string;
  digest?: string;
}

const digestOf = (key: string): string => createHash("sha256").update(key, "utf8").digest("base64url").slice(0, DIGEST_CHARS);

/** The longest prefix of `s` (whole code points) of at most `bytes` UTF-8 bytes. */
function utf8Prefix(s: string, bytes: number): string {
  let used = 0;
  let out = "";
  for (const ch of s) {
    used += Buffer.byteLength(ch, "utf8");
    if (used > bytes) break;
    out += ch;
  }
  return out;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

export function encodeMarker(list: string, sortKey: string): string {
  const whole = `${list}\u0000${sortKey}`;
  if (Buffer.byteLength(whole, "utf8") <= MAX_MARKER_BYTES) return b64(whole);
  // Long form: list NUL NUL digest NUL key-prefix (a sort key never starts with NUL).
  const head = `${list}\u0000\u0000${digestOf(sortKey)}\u0000`;
  return b64(head + utf8Prefix(sortKey, MAX_MARKER_BYTES - Buffer.byteLength(head, "utf8")));
}

/** Where `list` continues after `marker`; a marker that `list` did not issue is refused. */
export function decodeMarker(list: string, marker: string | undefined): MarkerPosition | undefined {
  if (marker === undefined) return undefined;
  const text = Buffer.from(marker, "base64url").toString("utf8");
  const invalid = () => validationError("Invalid Marker.");
  if (b64(text) !== marker || !text.startsWith(`${list}\u0000`)) throw invalid();
  const rest = text.slice(list.length + 1);
  if (rest.startsWith("\u0000")) {
    const sep = rest.indexOf("\u0000", 1);
    const digest = rest.slice(1, sep);
    const after = rest.slice(sep + 1);
    if (sep < 0 || digest.length !== DIGEST_CHARS || after === "" || !isValidKey(after)) throw invalid();
    return { after, digest };
  }
  // Keys never hold NUL, so a marker decoding to one was not issued by us.
  if (rest === "" || !isValidKey(rest)) throw invalid();
  return { after: rest };
}

/** The key to continue strictly after, given the sorted candidate keys that share the marker's prefix. */
function resolvePosition(pos: MarkerPosition, keysWithPrefix: Iterable<string>): string {
  if (pos.digest === undefined) return pos.after;
  for (const k of keysWithPrefix) if (digestOf(k) === pos.digest) return k;
  // The marked item is gone: continue after the prefix (items sharing it may be listed again, none is skipped).
  return pos.after;
}

/** Pages an in-memory list (`list` names it in markers); `keyOf` must give unique keys and `items` need not be sorted. */
export function paginate<T>(list: string, items: readonly T[], keyOf: (t: T) => string, marker: string | undefined, maxItems: number): Page<T> {
  const pos = decodeMarker(list, marker);
  const keyed = items.map((item) => ({ key: keyOf(item), item })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const after = pos === undefined ? undefined : resolvePosition(pos, keyed.map((k) => k.key).filter((k) => k.startsWith(pos.after)));
  const rest = after === undefined ? keyed : keyed.filter((k) => k.key > after);
  const slice = rest.slice(0, maxItems);
  const isTruncated = rest.length > maxItems;
  const last = slice[slice.length - 1];
  return {
    items: slice.map((k) => k.item),
    isTruncated,
    ...(isTruncated && last ? { marker: encodeMarker(list, last.key) } : {}),
  };
}

/** Pages a list in its own order: an item's key is its position. */
export function paginateInOrder<T>(list: string, items: readonly T[], marker: string | undefined, maxItems: number): Page<T> {
  const page = paginate(
    list,
    items.map((item, i) => ({ item, key: String(i).padStart(10, "0") })),
    (x) => x.key,
    marker,
    maxItems,
  );
  return { ...page, items: page.items.map((x) => x.item) };
}

/**
 * Pages a storage collection in key order under `prefix`, keeping entries `accept` admits.
 * The marker carries the key suffix after `prefix`.
 */
export async function paginateCollection<V>(
  list: string,
  db: DocStore,
  collection: string,
  prefix: string,
  marker: string | undefined,
  maxItems: number,
  accept: (value: V) => boolean,
): Promise<Page<{ key: string; value: V }>> {
  const pos = decodeMarker(list, marker);
  let after: string | undefined;
  if (pos !== undefined) {
    const sharing = pos.digest === undefined ? [] : (await db.list<V>(collection, { prefix: prefix + pos.after })).map((e) => e.key.slice(prefix.length));
    after = resolvePosition(pos, sharing);
  }
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
  return { items, isTruncated, ...(isTruncated && last ? { marker: encodeMarker(list, last.key.slice(prefix.length)) } : {}) };
}

/** The IsTruncated/Marker members of a list response. */
export function pageFields(page: Page<unknown>): { IsTruncated: boolean; Marker?: string } {
  return page.marker !== undefined ? { IsTruncated: page.isTruncated, Marker: page.marker } : { IsTruncated: page.isTruncated };
}
