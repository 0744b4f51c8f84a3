/**
 * Rewrites AWS principal values of a policy document (Principal / NotPrincipal "AWS" entries):
 * IAM and KMS show, and apply, the unique id of a deleted user or role in place of its ARN, so
 * that a principal created later with the same ARN is not named by the policy.
 */

function mapAws(principal: unknown, replace: (v: string) => string): unknown {
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) return principal;
  const out: Record<string, unknown> = { ...(principal as Record<string, unknown>) };
  const aws = out["AWS"];
  if (typeof aws === "string") out["AWS"] = replace(aws);
  else if (Array.isArray(aws)) out["AWS"] = aws.map((v) => (typeof v === "string" ? replace(v) : v));
  return out;
}

/** `document` (valid policy JSON) with each AWS principal value in `replacements` replaced; the same string when there are none. */
export function replaceAwsPrincipals(document: string, replacements: ReadonlyMap<string, string>): string {
  if (replacements.size === 0) return document;
  const parsed = JSON.parse(document) as Record<string, unknown>;
  const replace = (v: string): string => replacements.get(v) ?? v;
  const fix = (s: unknown): unknown => {
    if (typeof s !== "object" || s === null || Array.isArray(s)) return s;
    const st = { ...(s as Record<string, unknown>) };
    if ("Principal" in st) st["Principal"] = mapAws(st["Principal"], replace);
    if ("NotPrincipal" in st) st["NotPrincipal"] = mapAws(st["NotPrincipal"], replace);
    return st;
  };
  const statement = parsed["Statement"];
  parsed["Statement"] = Array.isArray(statement) ? statement.map(fix) : fix(statement);
  return JSON.stringify(parsed);
}
