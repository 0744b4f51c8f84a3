/**
 * A tolerant JSON reader for JsonBody inspection. It walks the body and reports every key and
 * every leaf value with its JSON Pointer. Like AWS WAF's parser it does not fully validate the
 * JSON: inside an object a missing comma between members, a missing colon after a key and extra
 * colons after a key are read past ({"k1":"v1""k2":"v2"}, {"k1":"v1","k2""v2"} and
 * {"k1"::"v1","k2""v2"} are two key:value pairs each). Parsing is forced to stop, and reports
 * `complete: false`, on invalid characters, on a key repeated within one object (the elements
 * read before it are kept) and when the root is neither an object nor an array (nothing is
 * read); callers then apply InvalidFallbackBehavior, or without one inspect what was parsed
 * "up to the first parsing failure". Strings are returned as binary strings (UTF-8 bytes as
 * latin1 chars), like every other inspected value.
 */
import { codePointToBytes } from "./transforms.js";

export interface JsonElement {
  kind: "key" | "value";
  /** JSON Pointer of the value (for a key: of the member the key names). */
  pointer: string;
  text: string;
}
export interface JsonParse {
  elements: JsonElement[];
  complete: boolean;
}

const MAX_DEPTH = 256;
/** Objects with more keys than this find repeated keys with a Set. */
const SMALL_OBJECT_KEYS = 8;

/**
 * Scratch space for the repeated-key check, one slot per nesting depth: the direct member
 * keys of the object being read at that depth (its first SMALL_OBJECT_KEYS keys), and the
 * Set used once it has more. Each object resets its slot when it begins; objects read at the
 * same time are at different depths. Parsing is synchronous and never re-entered, so the
 * slots are shared by all parses and a parse allocates nothing for the check once they exist.
 */
const KEYS_AT_DEPTH: string[][] = [];
const SETS_AT_DEPTH: Array<Set<string> | undefined> = [];

function escapePointer(k: string): string {
  return k.indexOf("~") >= 0 || k.indexOf("/") >= 0 ? k.replace(/~/g, "~0").replace(/\//g, "~1") : k;
}

class Reader {
  i = 0;
  readonly out: JsonElement[] = [];
  constructor(readonly s: string) {}
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }
  fail(): never {
    throw new JsonStop();
  }
  string(): string {
    const s = this.s;
    if (s[this.i] !== '"') this.fail();
    this.i++;
    let out = "";
    let start = this.i;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 34) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c === 92) {
        out += s.slice(start, this.i);
        const n = s[this.i + 1];
        if (n === undefined) this.fail();
        if (n === "u") {
          const hx = s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hx)) this.fail();
          let cp = parseInt(hx, 16);
          this.i += 6;
          if (cp >= 0xd800 && cp <= 0xdbff && s[this.i] === "\\" && s[this.i + 1] === "u") {
            const lo = parseInt(s.slice(this.i + 2, this.i + 6), 16);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              this.i += 6;
            }
          }
          out += codePointToBytes(cp);
        } else {
          const map: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
          const m = map[n];
          if (m === undefined) this.fail();
          out += m;
          this.i += 2;
        }
        start = this.i;
        continue;
      }
      if (c < 32) this.fail();
      this.i++;
    }
    return this.fail();
  }
  value(ptr: string, depth: number): void {
    if (depth > MAX_DEPTH) this.fail();
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === "{") {
      this.i++;
      this.ws();
      if (s[this.i] === "}") {
        this.i++;
        return;
      }
      // A key repeated in this object stops the parse. The object's own (direct) member keys
      // are kept in the scratch list for its depth, so a check looks at this object's keys
      // only, never at what nested members read; past SMALL_OBJECT_KEYS keys a Set (also
      // reused per depth) takes over.
      let keys = KEYS_AT_DEPTH[depth];
      if (keys === undefined) KEYS_AT_DEPTH[depth] = keys = [];
      let count = 0;
      let seen: Set<string> | undefined;
      for (;;) {
        this.ws();
        const k = this.string();
        const childPtr = ptr + "/" + escapePointer(k);
        if (seen !== undefined) {
          if (seen.has(k)) this.fail();
          seen.add(k);
        } else {
          for (let j = 0; j < count; j++) if (keys[j] === k) this.fail();
          if (count < SMALL_OBJECT_KEYS) keys[count] = k;
          else {
            seen = SETS_AT_DEPTH[depth] ??= new Set();
            seen.clear();
            for (let j = 0; j < count; j++) seen.add(keys[j] as string);
            seen.add(k);
          }
        }
        count++;
        this.out.push({ kind: "key", pointer: childPtr, text: k });
        this.ws();
        // A missing colon is read past, and so are extra ones.
        while (s.charCodeAt(this.i) === 58) {
          this.i++;
          this.ws();
        }
        this.value(childPtr, depth + 1);
        this.ws();
        if (s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (s[this.i] === "}") {
          this.i++;
          return;
        }
        // A missing comma: the next member's key follows the value directly.
        if (s[this.i] === '"') continue;
        this.fail();
      }
    }
    if (c === "[") {
      this.i++;
      this.ws();
      if (s[this.i] === "]") {
        this.i++;
        return;
      }
      for (let idx = 0; ; idx++) {
        this.value(ptr + "/" + idx, depth + 1);
        this.ws();
        if (s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (s[this.i] === "]") {
          this.i++;
          return;
        }
        this.fail();
      }
    }
    if (c === '"') {
      this.out.push({ kind: "value", pointer: ptr, text: this.string() });
      return;
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.out.push({ kind: "value", pointer: ptr, text: m[0] });
    this.i += m[0].length;
  }
}
class JsonStop extends Error {}

export function parseJsonElements(body: string): JsonParse {
  const r = new Reader(body);
  try {
    r.ws();
    // Content whose root node isn't an object or an array stops the parse at once.
    const root = body[r.i];
    if (root !== "{" && root !== "[") return { elements: r.out, complete: false };
    r.value("", 0);
    r.ws();
    return { elements: r.out, complete: r.i === body.length };
  } catch (e) {
    if (e instanceof JsonStop) return { elements: r.out, complete: false };
    throw e;
  }
}

/**
 * True when the key naming the member at `pointer` is evaluated under IncludedPaths `path`: keys
 * strictly beneath the path only (the key that names the included path itself, b in /a/b, is
 * part of the path and isn't evaluated).
 */
export function keyWithin(pointer: string, path: string): boolean {
  if (path === "" || path === "/") return true;
  return pointer.length > path.length && pointer.startsWith(path) && pointer.charCodeAt(path.length) === 47;
}

/** True when `pointer` is `path` or lies beneath it. */
export function pointerWithin(pointer: string, path: string): boolean {
  if (path === "" || path === "/") return true;
  return pointer === path || (pointer.startsWith(path) && pointer.charCodeAt(path.length) === 47);
}
