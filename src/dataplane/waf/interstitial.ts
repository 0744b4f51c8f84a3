/**
 * CAPTCHA and challenge interstitials and the verification endpoint that turns a solved
 * puzzle into an aws-waf-token cookie.
 *
 * A puzzle is a signed, short-lived statement {kind, host, issued, nonce, difficulty, answer
 * MAC}. The browser proves work by finding a counter whose SHA-256(nonce ":" counter) starts
 * with `difficulty` zero bits (both kinds); a CAPTCHA additionally asks a person to read a
 * distorted code drawn as SVG. POSTing the solution to WAF_VERIFY_PATH sets the token and the
 * page reloads the original URL. Each puzzle can be redeemed once (bounded memory).
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { InspectedRequest } from "../types.js";
import { issueToken, requestHost, TOKEN_COOKIE, TokenDomains, type TokenTimes } from "./tokens.js";
import { parseArgs } from "./request-view.js";
import { urlDecode } from "./transforms.js";

export const WAF_VERIFY_PATH = "/.well-known/bulwark-waf/verify";
export const PUZZLE_TTL_MS = 5 * 60_000;
export const POW_DIFFICULTY = 14;

export interface HttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string | Buffer;
}

type Kind = "captcha" | "challenge";
interface Puzzle {
  v: 1;
  k: Kind;
  h: string;
  t: number;
  n: string;
  d: number;
  a?: string;
}

const CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479";

function sign(key: Buffer, payload: string): string {
  return createHmac("sha256", key).update("bulwark-waf-puzzle\0").update(payload).digest("base64url");
}
function answerMac(key: Buffer, nonce: string, answer: string): string {
  return createHmac("sha256", key).update("bulwark-waf-answer\0").update(nonce).update("\0").update(answer.trim().toUpperCase()).digest("base64url");
}
function safeEq(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
function leadingZeroBits(buf: Buffer): number {
  let n = 0;
  for (const byte of buf) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Draws a code as an SVG with jittered, rotated glyphs and noise lines. */
function captchaSvg(code: string): string {
  let glyphs = "";
  for (let i = 0; i < code.length; i++) {
    const x = 18 + i * 30 + randomInt(-4, 5);
    const y = 38 + randomInt(-6, 7);
    const rot = randomInt(-28, 29);
    glyphs += `<text x="${x}" y="${y}" transform="rotate(${rot} ${x} ${y})" font-size="${randomInt(26, 34)}" font-family="monospace" fill="#${randomInt(0x202020, 0x606060).toString(16)}">${code[i]}</text>`;
  }
  let noise = "";
  for (let i = 0; i < 7; i++) noise += `<line x1="${randomInt(0, 180)}" y1="${randomInt(0, 60)}" x2="${randomInt(0, 180)}" y2="${randomInt(0, 60)}" stroke="#888" stroke-width="${randomInt(1, 3)}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="60" role="img" aria-label="security code">${noise}${glyphs}</svg>`;
}

function page(kind: Kind, puzzle: string, svg: string | undefined): string {
  const title = kind === "captcha" ? "Human verification" : "Checking your browser";
  const form = kind === "captcha"
    ? `<p>Type the characters you see.</p><div>${svg ?? ""}</div><form id="f"><input id="answer" autocomplete="off" autofocus maxlength="12"> <button>Verify</button></form>`
    : `<p>One moment…</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head><body>
<h1>${title}</h1>${form}<p id="status"></p>
<script>
(function(){
var puzzle=${JSON.stringify(puzzle)};var kind=${JSON.stringify(kind)};
var p=JSON.parse(atob(puzzle.split(".")[0].replace(/-/g,"+").replace(/_/g,"/")));
async function work(){var enc=new TextEncoder();for(var c=0;;c++){var h=new Uint8Array(await crypto.subtle.digest("SHA-256",enc.encode(p.n+":"+c)));var z=0;for(var i=0;i<h.length;i++){if(h[i]===0){z+=8;continue}z+=Math.clz32(h[i])-24;break}if(z>=p.d)return c}}
async function submit(answer){var c=await work();var body=new URLSearchParams({puzzle:puzzle,counter:String(c),answer:answer||""});
var r=await fetch(${JSON.stringify(WAF_VERIFY_PATH)},{method:"POST",body:body,credentials:"same-origin"});
if(r.ok){location.reload()}else{document.getElementById("status").textContent="Verification failed, reloading…";setTimeout(function(){location.reload()},1500)}}
if(kind==="captcha"){document.getElementById("f").addEventListener("submit",function(e){e.preventDefault();document.getElementById("status").textContent="Verifying…";submit(document.getElementById("answer").value)})}else{submit("")}
})();
</script></body></html>`;
}

export class Interstitials {
  /** Redeemed puzzle nonces -> expiry (ms); bounded. */
  private readonly redeemed = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly now: () => number,
    private readonly tokenDomains: TokenDomains = new TokenDomains(undefined),
  ) {}

  private newPuzzle(kind: Kind, host: string): { token: string; svg?: string } {
    const nonce = randomBytes(16).toString("base64url");
    const p: Puzzle = { v: 1, k: kind, h: host, t: this.now(), n: nonce, d: POW_DIFFICULTY };
    let svg: string | undefined;
    if (kind === "captcha") {
      let code = "";
      for (let i = 0; i < 5; i++) code += CODE_ALPHABET[randomInt(0, CODE_ALPHABET.length)];
      p.a = answerMac(this.key, nonce, code);
      svg = captchaSvg(code);
    }
    const payload = Buffer.from(JSON.stringify(p)).toString("base64url");
    return { token: `${payload}.${sign(this.key, payload)}`, svg };
  }

  /** The 405 (CAPTCHA) or 202 (challenge) answer to a request without a valid token. */
  respond(kind: Kind, req: InspectedRequest): HttpResponse {
    const host = requestHost(req.headers);
    const headers: Array<[string, string]> = [["x-amzn-waf-action", kind], ["cache-control", "no-store, max-age=0"]];
    const accept = req.headers.find(([n]) => n.toLowerCase() === "accept")?.[1] ?? "";
    const status = kind === "captcha" ? 405 : 202;
    if (!/text\/html/i.test(accept)) return { status, headers, body: "" };
    const pz = this.newPuzzle(kind, host);
    headers.push(["content-type", "text/html; charset=utf-8"]);
    return { status, headers, body: page(kind, pz.token, pz.svg) };
  }

  /** Test helper and API for non-browser clients: a fresh puzzle and, for CAPTCHA, its SVG. */
  puzzle(kind: Kind, host: string): { token: string; svg?: string } {
    return this.newPuzzle(kind, host);
  }

  /** Handles POST WAF_VERIFY_PATH; returns undefined for any other request. */
  verify(req: InspectedRequest): HttpResponse | undefined {
    if (req.path !== WAF_VERIFY_PATH) return undefined;
    const json = (status: number, obj: unknown, extra: Array<[string, string]> = []): HttpResponse => ({
      status,
      headers: [["content-type", "application/json"], ["cache-control", "no-store"], ...extra],
      body: JSON.stringify(obj),
    });
    if (req.method !== "POST") return json(405, { error: "MethodNotAllowed" });
    const form = new Map(parseArgs(req.body.toString("latin1")).map(([k, v]) => [urlDecode(k), Buffer.from(urlDecode(v), "latin1").toString("utf8")]));
    const token = form.get("puzzle") ?? "";
    const dot = token.indexOf(".");
    if (dot < 0) return json(400, { error: "InvalidPuzzle" });
    const payload = token.slice(0, dot);
    if (!safeEq(sign(this.key, payload), token.slice(dot + 1))) return json(403, { error: "InvalidPuzzle" });
    let p: Puzzle;
    try {
      p = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Puzzle;
    } catch {
      return json(400, { error: "InvalidPuzzle" });
    }
    const now = this.now();
    const host = requestHost(req.headers);
    if (p.v !== 1 || p.h !== host || now - p.t > PUZZLE_TTL_MS || p.t - now > 60_000) return json(403, { error: "ExpiredPuzzle" });
    if (this.redeemed.has(p.n)) return json(403, { error: "PuzzleAlreadyUsed" });
    const counter = form.get("counter") ?? "";
    if (!/^\d{1,12}$/.test(counter)) return json(403, { error: "InvalidSolution" });
    const digest = createHash("sha256").update(`${p.n}:${counter}`).digest();
    if (leadingZeroBits(digest) < p.d) return json(403, { error: "InvalidSolution" });
    if (p.k === "captcha" && (!p.a || !safeEq(answerMac(this.key, p.n, form.get("answer") ?? ""), p.a))) return json(403, { error: "WrongAnswer" });
    this.remember(p.n, p.t + PUZZLE_TTL_MS);
    const cookieHeader = req.headers.filter(([n]) => n.toLowerCase() === "cookie").map(([, v]) => v).join("; ");
    const existing = /(?:^|;\s*)aws-waf-token=([^;]+)/.exec(cookieHeader)?.[1];
    const prev: TokenTimes = (existing && this.tokenDomains.read(this.key, host, existing)) || {};
    const times: TokenTimes = { challengeAt: now, captchaAt: p.k === "captcha" ? now : prev.captchaAt };
    // Issued for the token domain that covers the host (the cookie then reaches its subdomains too), else for the host alone.
    const domain = this.tokenDomains.issuingDomain(host);
    const value = issueToken(this.key, domain ?? host, times);
    const scope = domain !== undefined ? `; Domain=${domain}` : "";
    const secure = req.scheme === "https" ? "; Secure" : "";
    return json(200, { ok: true }, [["set-cookie", `${TOKEN_COOKIE}=${value}; Path=/${scope}; Max-Age=31536000; SameSite=Lax${secure}`]]);
  }

  private remember(nonce: string, until: number): void {
    if (this.redeemed.size >= 100_000) {
      const now = this.now();
      for (const [k, exp] of this.redeemed) if (exp < now) this.redeemed.delete(k);
      if (this.redeemed.size >= 100_000) this.redeemed.delete(this.redeemed.keys().next().value as string);
    }
    this.redeemed.set(nonce, until);
  }
}

/** Escapes text for the default block page. */
export function blockPage(requestId: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>Request blocked. Request ID: ${escapeHtml(requestId)}</p></body></html>`;
}
