/**
 * Decoding shared by the detectors. Values are binary strings (one char per byte, UTF-8
 * bytes as latin1), like every inspected value in the engine. Each function returns its
 * input unchanged (the same string) when there is nothing to decode, so the common case
 * allocates nothing.
 */

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Percent-decoding: %XX, and %uXXXX as IIS does (full-width ASCII folded to ASCII, the
 * division slash U+2215 and set minus U+2216 read as "/" and "\" as Windows best-fit
 * mapping does, other code points reduced to their low byte). `plus` turns "+" into a space
 * (form encoding).
 */
export function percentDecode(s: string, plus: boolean): string {
  if (s.indexOf("%") < 0 && (!plus || s.indexOf("+") < 0)) return s;
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43 && plus) {
      out += s.slice(last, i) + " ";
      last = i + 1;
    } else if (c === 37) {
      if ((s.charCodeAt(i + 1) | 32) === 117) {
        const a = hex(s.charCodeAt(i + 2));
        const b = hex(s.charCodeAt(i + 3));
        const d = hex(s.charCodeAt(i + 4));
        const e = hex(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          const cp = (a << 12) | (b << 8) | (d << 4) | e;
          out += s.slice(last, i) + String.fromCharCode(cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : cp === 0x2215 ? 47 : cp === 0x2216 ? 92 : cp & 0xff);
          i += 5;
          last = i + 1;
          continue;
        }
      }
      const h = hex(s.charCodeAt(i + 1));
      const l = h >= 0 ? hex(s.charCodeAt(i + 2)) : -1;
      if (l >= 0) {
        out += s.slice(last, i) + String.fromCharCode((h << 4) | l);
        i += 2;
        last = i + 1;
      }
    }
  }
  return last === 0 ? (out === "" ? s : out) : out + s.slice(last);
}

/** True when `s` still holds a percent-escape (a candidate for a second decoding pass). */
export function hasPercentEscape(s: string): boolean {
  return /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i.test(s);
}

const NAMED: Record<string, string> = {
  quot: '"', amp: "&", lt: "<", gt: ">", apos: "'", nbsp: " ", colon: ":", tab: "\t", newline: "\n", lpar: "(", rpar: ")",
  sol: "/", bsol: "\\", period: ".", comma: ",", semi: ";", equals: "=", lbrace: "{", rbrace: "}", lcub: "{", rcub: "}",
  lsqb: "[", rsqb: "]", lbrack: "[", rbrack: "]", grave: "`", excl: "!", num: "#", dollar: "$", percnt: "%", ast: "*",
  plus: "+", quest: "?", commat: "@", verbar: "|", vert: "|", lowbar: "_", hyphen: "-", dash: "-", apos_: "'",
};

/** HTML character references: numeric (any number of leading zeros), hex and the named ones that matter for evasion. */
export function entityDecode(s: string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(?:#[xX]0*([0-9a-fA-F]{1,6});?|#0*(\d{1,7});?|([a-zA-Z]{2,8});)/g, (m, hx: string | undefined, dec: string | undefined, name: string | undefined) => {
    let cp: number;
    if (hx !== undefined) cp = parseInt(hx, 16);
    else if (dec !== undefined) cp = Number(dec);
    else return NAMED[(name ?? "").toLowerCase()] ?? m;
    if (cp >= 0xff01 && cp <= 0xff5e) cp -= 0xfee0;
    return cp < 0x100 ? String.fromCharCode(cp) : Buffer.from(String.fromCodePoint(Math.min(cp, 0x10ffff)), "utf8").toString("latin1");
  });
}

/** JavaScript / JSON escapes: \uXXXX, \u{X}, \xXX (low byte, full-width ASCII folded); other escapes keep the character. */
export function jsUnescape(s: string): string {
  if (s.indexOf("\\") < 0) return s;
  return s.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-7]{1,3})|([^\n]))/g, (_m, braced: string | undefined, u4: string | undefined, x2: string | undefined, oct: string | undefined, ch: string | undefined) => {
    if (ch !== undefined) return ch === "n" ? "\n" : ch === "t" ? "\t" : ch === "r" ? "\r" : ch;
    const cp = braced !== undefined ? parseInt(braced, 16) : u4 !== undefined ? parseInt(u4, 16) : x2 !== undefined ? parseInt(x2, 16) : parseInt(oct ?? "0", 8);
    if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCharCode(cp - 0xfee0);
    return String.fromCharCode(cp & 0xff);
  });
}

/** Full-width ASCII (U+FF01..U+FF5E, UTF-8 EF BC 81 .. EF BD 9E) folded to ASCII, as browsers and some back ends do. */
export function foldFullWidth(s: string): string {
  if (s.indexOf("\xef\xbc") < 0 && s.indexOf("\xef\xbd") < 0) return s;
  return s.replace(/\xef([\xbc\xbd])([\x80-\xbf])/g, (m, b2: string, b3: string) => {
    const cp = ((0xef & 0x0f) << 12) | ((b2.charCodeAt(0) & 0x3f) << 6) | (b3.charCodeAt(0) & 0x3f);
    return cp >= 0xff01 && cp <= 0xff5e ? String.fromCharCode(cp - 0xfee0) : m;
  });
}

/** UTF-7 runs (+ADw-script+AD4-), used to smuggle markup past filters that only look for "<". */
export function utf7Decode(s: string): string {
  if (!/\+[A-Za-z0-9/+]{2,}-/.test(s)) return s;
  return s.replace(/\+([A-Za-z0-9/+]+)-?/g, (m, run: string) => {
    const bytes = Buffer.from(run.length % 4 === 0 ? run : run + "=".repeat(4 - (run.length % 4)), "base64");
    let out = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const cp = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
      if (cp === 0 || cp > 0x7e) return m;
      out += String.fromCharCode(cp);
    }
    return out.length > 0 ? out : m;
  });
}

/**
 * Every reading of one raw value a detector should look at: the value decoded as the
 * application would (percent-decoding with or without "+"), a second percent-decoding pass
 * when escapes remain (double encoding), HTML character references decoded, and full-width
 * ASCII folded. Distinct readings only, in that order, appended to `out`.
 */
export function readings(raw: string, mode: "form" | "percent" | "none", out: string[]): void {
  let cur = mode === "none" ? raw : percentDecode(raw, mode === "form");
  out.push(cur);
  // Further passes for double and triple encoding (%252e, %25252b).
  for (let pass = 0; pass < 2 && (mode === "none" || cur !== raw) && hasPercentEscape(cur); pass++) {
    const next = percentDecode(cur, false);
    if (next === cur) break;
    cur = next;
    out.push(cur);
  }
  if (cur.indexOf("&") >= 0) {
    const e = entityDecode(cur);
    if (e !== cur) {
      cur = e;
      out.push(cur);
    }
  }
  const f = foldFullWidth(cur);
  if (f !== cur) out.push(f);
}
