/**
 * Semantically hostile variants of valid requests, for the handler-depth fuzz: a valid base
 * request, then one member at a time replaced by a value of the right type that the handler must
 * refuse (another key, a damaged blob, a boundary length, a reserved name, a foreign ARN). The
 * values here pass the protocol layer's type checks; what they test is the domain code behind it.
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import type { ServiceDefinition } from "../../src/services/types.js";
import type { Creds } from "./harness.js";
import { errorOf, INTERNAL_DETAIL, problemWith, requestBody, type FuzzWire, type Random, type Reply } from "./input-fuzz.js";

/** What an answer to a case must be. */
export type Expect =
  /** 2xx. */
  | "ok"
  /** 2xx, or a 4xx with a code the service models (the input may be acceptable). */
  | "any"
  /** A 4xx with one of these codes (and, where AWS gives the error a Reason, this one). */
  | { codes: readonly string[]; reason?: string };

export interface HostileCase {
  operation: string;
  label: string;
  input: Record<string, unknown>;
  expect: Expect;
  /** Region the request is signed for (us-east-1 unless said). */
  region?: string;
  /** Who signs it (the admin unless said). */
  creds?: Creds;
}

export const codes = (...c: string[]): Expect => ({ codes: c });
/** A 4xx with this code and Reason. */
export const withReason = (code: string, reason: string): Expect => ({ codes: [code], reason });

// ---------------------------------------------------------------------------------------------
// Sending cases and judging the answers

export interface Outcome {
  failures: string[];
  sent: number;
}

export interface RunOptions {
  /** Values no error may contain (plaintexts, key material). */
  secrets?: readonly string[];
  /** The longest an answer may take (a hostile input must not make the handler spin). */
  maxMs?: number;
  /** Called for each case answered with a 2xx. */
  onOk?: (c: HostileCase) => void;
}

/** Sends the cases one after another (state changes stay in order) and judges every answer. */
export async function runCases(wire: FuzzWire, svc: ServiceDefinition, cases: readonly HostileCase[], out: Outcome, opts: RunOptions = {}): Promise<void> {
  for (const c of cases) {
    out.sent++;
    let r: Reply;
    const started = Date.now();
    try {
      r = await wire.sendSigned(svc, c.operation, requestBody(svc, c.operation, c.input), c.creds, c.region);
    } catch (e) {
      out.failures.push(`${svc.name} ${c.operation} [${c.label}]: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const ms = Date.now() - started;
    const p = judge(svc, c.expect, r, opts.secrets ?? []) ?? (opts.maxMs !== undefined && ms > opts.maxMs ? `answered after ${ms} ms` : undefined);
    if (p !== undefined) out.failures.push(`${svc.name} ${c.operation} [${c.label}]: ${p} — ${r.status} ${r.body.slice(0, 300)}`);
    else if (r.status >= 200 && r.status < 300) opts.onOk?.(c);
  }
}

/** The base request with one member replaced (undefined removes it). */
export function withMember(base: Record<string, unknown>, member: string, value: unknown): Record<string, unknown> {
  const out = { ...base };
  if (value === undefined) delete out[member];
  else out[member] = value;
  return out;
}

/**
 * The case lists of one service, and `op`, which starts the list of one more operation around its
 * valid base request (in `region` when given) and returns it for the hostile variants.
 */
export function caseLists(): {
  all: OperationCases[];
  op: (name: string, base: Record<string, unknown>, baseExpect?: Expect, region?: string) => OperationCases;
} {
  const all: OperationCases[] = [];
  return {
    all,
    op: (name, base, baseExpect = "ok", region) => {
      const oc = new OperationCases(name, base, baseExpect, region);
      all.push(oc);
      return oc;
    },
  };
}

/** A case list built around one valid base request. */
export class OperationCases {
  readonly cases: HostileCase[] = [];

  constructor(
    readonly operation: string,
    readonly base: Record<string, unknown>,
    baseExpect: Expect = "ok",
    private readonly region?: string,
  ) {
    this.add("valid base request", base, baseExpect);
  }

  add(label: string, input: Record<string, unknown>, expect: Expect, creds?: Creds): this {
    this.cases.push({ operation: this.operation, label, input, expect, ...(this.region ? { region: this.region } : {}), ...(creds ? { creds } : {}) });
    return this;
  }

  /** The base with `member` set to `value`. */
  set(member: string, label: string, value: unknown, expect: Expect): this {
    return this.add(`${member}: ${label}`, withMember(this.base, member, value), expect);
  }
}

// ---------------------------------------------------------------------------------------------
// Blob damage (base64 in, base64 out)

const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
const bytes = (s: string): Buffer => Buffer.from(s, "base64");

/** Damaged versions of a blob: truncated by one byte, cut in half, extended, one bit flipped in the head, middle and tail. */
export function damagedBlobs(r: Random, blob: string): Array<[string, string]> {
  const b = bytes(blob);
  const flip = (at: number): string => {
    const c = Buffer.from(b);
    const i = Math.min(c.length - 1, Math.max(0, at));
    c[i] = c[i]! ^ (1 << Math.floor(r() * 8));
    return b64(c);
  };
  return [
    ["truncated by one byte", b64(b.subarray(0, b.length - 1))],
    ["first half", b64(b.subarray(0, b.length >> 1))],
    ["one byte", b64(b.subarray(0, 1))],
    ["extended by 16 bytes", b64(Buffer.concat([b, Buffer.alloc(16, 0xa5)]))],
    ["bit flipped in the header", flip(Math.floor(r() * Math.min(8, b.length)))],
    ["bit flipped in the middle", flip(Math.floor(b.length / 2 + (r() - 0.5) * Math.min(16, b.length / 2)))],
    ["bit flipped in the last byte", flip(b.length - 1)],
    ["all zero, same length", b64(Buffer.alloc(b.length))],
  ];
}

// ---------------------------------------------------------------------------------------------
// Hostile strings

/** Unicode and control characters for names and descriptions (each within the usual length limits). */
export const HOSTILE_TEXT: Array<[string, string]> = [
  ["NUL", "a\u0000b"],
  ["C0 controls", "\u0001\u0007\u001b[31m\u001f"],
  ["DEL and C1 controls", "\u007f\u0085\u009f"],
  ["CR LF (log injection)", "x\r\n{\"level\":60,\"msg\":\"unexpected error\"}"],
  ["bidi override", "\u202egnp.exe"],
  ["zero-width joiner and BOM", "a\u200d\ufeffb"],
  ["emoji (astral plane)", "🔑🗝️👩‍💻"],
  ["combining marks", "e\u0301\u0301\u0301"],
  ["right-to-left script", "مفتاح"],
  ["CJK", "鍵の説明"],
  ["noncharacters", "\ufffe\uffff"],
  ["XML metacharacters", "<a>&amp;\"'</a>]]>"],
  ["JSON metacharacters", '"},{"x":"'],
  ["percent and format specifiers", "%s%n%x%%00%ZZ"],
  ["template and path characters", "${jndi:ldap://x}/../../etc/passwd"],
];

/** Fixed-length text: `n` characters of `c`. */
export const ofLength = (n: number, c = "a"): string => c.repeat(n);

/** A random pick of `n` entries. */
export function sampleOf<T>(r: Random, xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!);
  return out;
}

/** ARNs of the same resource type elsewhere: another account, region and partition, and malformed ones. */
export function foreignArns(arn: string, account: string): Array<[string, string]> {
  const other = account === "111122223333" ? "444455556666" : "111122223333";
  const out: Array<[string, string]> = [
    ["another account", arn.replace(`:${account}:`, `:${other}:`)],
    ["another region", arn.replace(/:us-east-1:/, ":eu-central-1:")],
    ["another partition", arn.replace(/^arn:aws:/, "arn:aws-cn:")],
    ["unknown partition", arn.replace(/^arn:aws:/, "arn:aws-xx:")],
    ["another service", arn.replace(/^arn:aws:\w+:/, "arn:aws:s3:")],
    ["no account", arn.replace(`:${account}:`, "::")],
    ["upper-case", arn.toUpperCase()],
    ["trailing slash", `${arn}/`],
    ["too few fields", "arn:aws:kms"],
  ];
  // IAM ARNs have no region: that variant would be the ARN itself.
  return out.filter(([, a]) => a !== arn);
}

// ---------------------------------------------------------------------------------------------
// Judging answers

/**
 * problemWith's verdict, except that a code AWS answers with although its model leaves it out
 * (KMS's NotAuthorizedException for the reserved alias/aws/ prefix) passes where the case names it.
 */
function protocolProblem(svc: ServiceDefinition, want: Expect, r: Reply): string | undefined {
  const p = problemWith(svc, r);
  const err = errorOf(svc, r);
  if (p === undefined || err === undefined || typeof want !== "object" || !want.codes.includes(err.code) || !p.startsWith(`error code ${err.code} is neither`)) return p;
  return r.status === 400 && !INTERNAL_DETAIL.test(r.body) ? undefined : p;
}

/** The Reason member of a JSON error body, if any. */
function reasonOf(r: Reply): unknown {
  try {
    return (JSON.parse(r.body) as Record<string, unknown>)["Reason"];
  } catch {
    return undefined;
  }
}

function expectationProblem(svc: ServiceDefinition, want: Expect, r: Reply): string | undefined {
  const ok = r.status >= 200 && r.status < 300;
  if (want === "any") return undefined;
  if (want === "ok") return ok ? undefined : "the valid request failed";
  const wanted = `${want.codes.join(" or ")}${want.reason ? ` (${want.reason})` : ""}`;
  if (ok) return `succeeded, expected ${wanted}`;
  const code = errorOf(svc, r)?.code;
  if (code === undefined || !want.codes.includes(code)) return `${code}, expected ${wanted}`;
  const reason = reasonOf(r);
  return want.reason === undefined || reason === want.reason ? undefined : `${code} (${String(reason)}), expected ${wanted}`;
}

/**
 * What is wrong with the answer to a case (undefined when nothing is): the protocol's checks,
 * the case's expectation, and none of `secrets` in an error.
 */
export function judge(svc: ServiceDefinition, want: Expect, r: Reply, secrets: readonly string[] = []): string | undefined {
  const leak = r.status >= 400 && secrets.some((x) => r.body.includes(x)) ? "a secret value in the error" : undefined;
  return protocolProblem(svc, want, r) ?? expectationProblem(svc, want, r) ?? leak;
}

/** A logger that keeps the server's warnings and errors in `lines`, and the entries of those that no run may have. */
export function capturedLog(): { logger: Logger; lines: string[]; errors(): string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString("utf8"));
      cb();
    },
  });
  return { logger: pino({ level: "warn" }, sink), lines, errors: () => lines.filter((l) => /unexpected error|"level":(5|6)0/.test(l)).slice(0, 20).map((l) => l.slice(0, 600)) };
}
