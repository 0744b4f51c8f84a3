/**
 * Grammar checks of a policy document, in the order IAM applies them; only the first
 * failure is reported, with IAM's MalformedPolicyDocument text:
 *   1. JSON + grammar ("Syntax errors in policy.") — unknown elements, wrong types, both
 *      X and NotX, unknown condition operators;
 *   2. Principal allowed / required for the policy kind;
 *   3. Version (managed policies only);
 *   4. the legacy parser: case-sensitive Effect, Date values, Resource ARN shape;
 *   5. unique Sids, Sid format (IAM-managed kinds);
 *   6. actions present, resources present (or prohibited, for trust policies);
 *   7. resource format errors (these carry the offending resource);
 *   8. action vendor prefixes; trust-policy actions;
 *   9. a trust policy's Service principals.
 * The other principal values are checked when the Principal element is compiled (parse.ts).
 */
import { isDateOperator, isValidDateValue, parseOperator } from "./conditions.js";
import { MSG, PolicyParseError } from "./errors.js";
import { principalShapeOk } from "./principal-element.js";
import type { ParseOptions, PolicyKind } from "./types.js";
import { partition } from "../../core/partition.js";

export type RawStatement = Record<string, unknown>;

export interface RawPolicy {
  readonly version: "2012-10-17" | "2008-10-17" | undefined;
  readonly statements: readonly RawStatement[];
}

const TOP = new Set(["Version", "Id", "Statement"]);
const STATEMENT = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
]);
/**
 * A resource ARN's partition must be the installation's (or "*"): IAM refuses a policy naming
 * another partition's resources (`Partition "aws" is not valid for resource "arn:aws:s3:::b".` in
 * an aws-cn account), as it refuses one that is no partition at all.
 */
const validPartition = (p: string): boolean => p === partition() || p === "*";
const IAM_PATHS = [
  "user/",
  "federated-user/",
  "role/",
  "group/",
  "instance-profile/",
  "mfa/",
  "server-certificate/",
  "policy/",
  "sms-mfa/",
  "saml-provider/",
  "oidc-provider/",
  "report/",
  "access-report/",
];

function fail(message: string): never {
  throw new PolicyParseError(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringOrStrings(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
}

function isConditionValue(v: unknown): boolean {
  const scalar = (x: unknown): boolean => typeof x === "string" || typeof x === "boolean" || typeof x === "number";
  return scalar(v) || (Array.isArray(v) && v.every(scalar));
}

export function asList(v: unknown): string[] {
  return typeof v === "string" ? [v] : (v as string[]);
}

function statementSyntaxOk(st: unknown): boolean {
  if (!isObject(st)) return false;
  for (const k of Object.keys(st)) if (!STATEMENT.has(k)) return false;
  if ("Action" in st && "NotAction" in st) return false;
  if ("Resource" in st && "NotResource" in st) return false;
  if ("Principal" in st && "NotPrincipal" in st) return false;
  const effect = st["Effect"];
  if (typeof effect !== "string") return false;
  const e = effect.toLowerCase();
  if (e !== "allow" && e !== "deny") return false;
  for (const k of ["Action", "NotAction", "Resource", "NotResource"]) {
    if (k in st && !isStringOrStrings(st[k])) return false;
  }
  if ("Sid" in st && typeof st["Sid"] !== "string") return false;
  for (const k of ["Principal", "NotPrincipal"]) if (k in st && !principalShapeOk(st[k])) return false;
  if ("Condition" in st) {
    const cond = st["Condition"];
    if (!isObject(cond)) return false;
    for (const [op, block] of Object.entries(cond)) {
      if (!isObject(block)) return false;
      for (const v of Object.values(block)) if (!isConditionValue(v)) return false;
      if (Object.keys(block).length > 0 && !parseOperator(op)) return false;
    }
  }
  return true;
}

function checkSyntax(text: string, kind: PolicyKind): { doc: Record<string, unknown>; statements: RawStatement[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // A role's trust policy that is not JSON gets its own text; other documents the general one.
    return fail(kind === "trust" ? MSG.trustJson : MSG.syntax);
  }
  if (!isObject(doc)) return fail(MSG.syntax);
  for (const k of Object.keys(doc)) if (!TOP.has(k)) fail(MSG.syntax);
  if ("Version" in doc && doc["Version"] !== "2012-10-17" && doc["Version"] !== "2008-10-17") fail(MSG.syntax);
  if ("Id" in doc && typeof doc["Id"] !== "string") fail(MSG.syntax);
  const st = doc["Statement"];
  const statements = isObject(st) ? [st] : Array.isArray(st) ? st : fail(MSG.syntax);
  if (statements.length === 0) fail(MSG.syntax);
  for (const s of statements) if (!statementSyntaxOk(s)) fail(MSG.syntax);
  return { doc, statements: statements as RawStatement[] };
}

const S3_REGIONAL = ["accesspoint/", "job/", "storage-lens/", "storage-lens-group/", "access-grants/"];

/** IAM's resource ARN format check; returns the error message, if any. */
function resourceFormatError(r: string): string | undefined {
  if (r === "*") return undefined;
  const c1 = r.indexOf(":");
  if (c1 < 0) return MSG.notArn(r);
  const afterArn = r.slice(c1 + 1);
  const c2 = afterArn.indexOf(":");
  const arnPartition = c2 < 0 ? afterArn : afterArn.slice(0, c2);
  const rest = c2 < 0 ? "" : afterArn.slice(c2 + 1);
  if (!validPartition(arnPartition)) {
    const parts = rest.split(":");
    const at = (i: number): string => (parts.length > i ? (parts[i] as string) : "*");
    const a1 = parts[0] === "" && parts.length === 1 ? "*" : at(0);
    const a4 = parts.length > 3 ? parts.slice(3).join(":") : "*";
    return MSG.badPartition(arnPartition, `arn:${arnPartition}:${a1}:${at(1)}:${at(2)}:${a4}`);
  }
  if (c2 < 0) return MSG.vendorRegex;
  const c3 = rest.indexOf(":");
  const service = c3 < 0 ? rest : rest.slice(0, c3);
  const afterService = c3 < 0 ? "" : rest.slice(c3 + 1);
  const afterRegion = afterService.slice(afterService.indexOf(":") + 1);
  const resourceId = afterRegion.indexOf(":") < 0 ? "" : afterRegion.slice(afterRegion.indexOf(":") + 1);
  if ((service === "iam" || service === "s3") && !afterService.startsWith(":")) {
    // S3's regional resources (access points, Batch Operations jobs, Storage Lens, Access Grants)
    // carry a region; buckets and objects do not.
    if (!(service === "s3" && S3_REGIONAL.some((t) => resourceId.startsWith(t)))) {
      return service === "iam" ? MSG.iamRegion(r) : MSG.s3Region(r);
    }
  }
  // An account's root user (arn:<partition>:iam::<account>:root) is an IAM resource too (sts:AssumeRoot's
  // target, the root-task policies' NotResource); IAM's message lists only the path prefixes.
  if (service === "iam" && resourceId !== "root" && resourceId !== "*" && !IAM_PATHS.some((p) => resourceId.startsWith(p))) return MSG.iamPath(IAM_PATHS);
  return undefined;
}

/** IAM's legacy parser rejects short ARNs with an empty segment and ARNs without a service. */
function legacyResourceOk(r: string): boolean {
  if (r === "*") return true;
  let colons = 0;
  for (const ch of r) if (ch === ":") colons++;
  if (colons < 5 && r.includes("::")) return false;
  const parts = r.split(":");
  return parts.length > 2 && parts[2] !== "";
}

/** The STS actions a role's trust policy may allow: assuming the role, and what a session may carry. */
const TRUST_STS_ACTIONS: ReadonlySet<string> = new Set(
  ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "TagSession", "SetSourceIdentity", "SetContext"].map((a) => `sts:${a.toLowerCase()}`),
);

/**
 * A service principal is a DNS name (`ec2.amazonaws.com`, `states.us-east-1.amazonaws.com`,
 * `alexa-appkit.amazon.com`, `ec2.amazonaws.com.cn`): IAM refuses a role trusting anything else,
 * and a partition's bare domain, which names no service (`Invalid principal in policy:
 * "SERVICE":"amazonaws.com"`, as IAM answered CreateRole with a CDK-built principal missing its
 * service). IAM also refuses names of services it does not know (`"SERVICE":"tagging.amazonaws.com"`);
 * Bulwark has no list of AWS's service principals, so those are accepted.
 */
const SERVICE_PRINCIPAL = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const SERVICE_DOMAINS: ReadonlySet<string> = new Set([
  "amazonaws.com",
  "amazon.com",
  "amazonaws.com.cn",
  "amazonaws.eu",
  "c2s.ic.gov",
  "sc2s.sgov.gov",
  "cloud.adc-e.uk",
  "csp.hci.ic.gov",
]);

function servicePrincipalOk(value: string): boolean {
  return SERVICE_PRINCIPAL.test(value) && !SERVICE_DOMAINS.has(value.toLowerCase());
}

/** The first Service principal of a trust policy that names no service, if any. */
function invalidServicePrincipal(statements: readonly RawStatement[]): string | undefined {
  for (const st of statements) {
    for (const key of ["Principal", "NotPrincipal"]) {
      const p = st[key];
      if (typeof p !== "object" || p === null) continue;
      const service = (p as Record<string, unknown>)["Service"];
      if (service === undefined) continue;
      // An empty string is refused when the principal is compiled, with the same message.
      const bad = asList(service).find((v) => v !== "" && !servicePrincipalOk(v));
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

const IDENTITY_KINDS: ReadonlySet<PolicyKind> = new Set(["identity", "boundary", "session", "scp"]);
const IAM_MANAGED_KINDS: ReadonlySet<PolicyKind> = new Set(["identity", "boundary", "session"]);

export function validatePolicy(text: string, kind: PolicyKind, options: ParseOptions): RawPolicy {
  const { doc, statements } = checkSyntax(text, kind);

  const hasPrincipal = (s: RawStatement): boolean => "Principal" in s || "NotPrincipal" in s;
  if (IDENTITY_KINDS.has(kind)) {
    if (statements.some(hasPrincipal)) fail(MSG.principalForbidden);
  } else if (!statements.every(hasPrincipal)) {
    fail(MSG.principalMissing);
  }

  const version = doc["Version"] as RawPolicy["version"];
  if (options.requireCurrentVersion && version !== "2012-10-17") fail(MSG.version);

  // Legacy parser. Resource format errors are remembered (the last one wins) and reported
  // later; the legacy resource check only runs while no format error has been seen.
  let resourceError: string | undefined;
  for (const st of statements) {
    if (st["Effect"] !== "Allow" && st["Effect"] !== "Deny") fail(MSG.legacy);
    const cond = st["Condition"] as Record<string, Record<string, unknown>> | undefined;
    for (const [op, block] of Object.entries(cond ?? {})) {
      if (!isDateOperator(op)) continue;
      for (const v of Object.values(block)) {
        const vals = Array.isArray(v) ? v : [v];
        if (!vals.every((x) => isValidDateValue(x as string | number | boolean))) fail(MSG.legacy);
      }
    }
  }
  if (kind !== "trust") {
    for (const key of ["Resource", "NotResource"]) {
      for (const st of statements) {
        if (!(key in st)) continue;
        const list = asList(st[key]);
        const ordered = typeof st[key] === "string" ? list : [...list].sort().reverse();
        for (const r of ordered) resourceError = resourceFormatError(r) ?? resourceError;
        if (resourceError === undefined && !list.every(legacyResourceOk)) fail(MSG.legacy);
      }
    }
  }

  const sids = new Set<string>();
  for (const st of statements) {
    const sid = st["Sid"] as string | undefined;
    if (!sid) continue;
    if (sids.has(sid)) fail(MSG.duplicateSid);
    sids.add(sid);
  }
  if (IAM_MANAGED_KINDS.has(kind)) {
    for (const sid of sids) if (!/^[0-9A-Za-z]*$/.test(sid)) fail(MSG.sidFormat);
  }

  const present = (st: RawStatement, a: string, b: string): boolean => {
    const v = st[a] ?? st[b];
    return v !== undefined && asList(v).length > 0;
  };
  const absent = (st: RawStatement, a: string, b: string): boolean => !(a in st) && !(b in st);
  for (const st of statements) {
    if (kind === "key" && absent(st, "Action", "NotAction")) continue; // accepted, without effect
    if (!present(st, "Action", "NotAction")) fail(MSG.noActions);
  }
  if (kind === "trust") {
    for (const st of statements) if ("Resource" in st || "NotResource" in st) fail(MSG.resourceProhibited);
  } else if (kind !== "resource" && kind !== "key") {
    for (const st of statements) if (!present(st, "Resource", "NotResource")) fail(MSG.noResources);
  } else {
    for (const st of statements) {
      if (("Resource" in st || "NotResource" in st) && !present(st, "Resource", "NotResource")) fail(MSG.noResources);
    }
  }
  if (resourceError !== undefined) fail(resourceError);

  for (const key of ["Action", "NotAction"]) {
    for (const st of statements) {
      if (!(key in st)) continue;
      for (const action of asList(st[key])) {
        const parts = action.split(":");
        if (parts.length === 1 && action !== "*") fail(MSG.noVendor);
        if (parts.length > 2) fail(MSG.oneColon);
        const vendor = parts[0] as string;
        if (action !== "*" && /[^a-zA-Z0-9\-.]/.test(vendor)) fail(MSG.vendorInvalid(vendor));
      }
    }
  }
  if (kind === "trust") {
    for (const st of statements) {
      const actions = st["Action"];
      if (actions === undefined) fail(MSG.trustActions);
      for (const a of asList(actions)) {
        const lower = a.toLowerCase();
        if (!lower.startsWith("sts:")) fail(MSG.trustActions);
        // An STS action that is none of the ones a trust policy grants (a wildcard may match one).
        if (!lower.includes("*") && !lower.includes("?") && !TRUST_STS_ACTIONS.has(lower)) fail(MSG.trustStsActions);
      }
    }
  }
  // Principal values last, as the AWS values are checked when the element is compiled.
  if (kind === "trust") {
    const service = invalidServicePrincipal(statements);
    if (service !== undefined) fail(MSG.invalidPrincipal("SERVICE", service));
  }
  return { version, statements };
}
