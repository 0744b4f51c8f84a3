/** CloudTrail's rendering of STS response elements (credentials without the secret or token). */
import type { CredentialsOutput } from "./credentials.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** CloudTrail writes STS expirations as e.g. "Jan 2, 2024, 3:04:05 PM" (UTC). */
export function cloudTrailExpiration(d: Date): string {
  const h24 = d.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  const ss = String(d.getUTCSeconds()).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h12}:${mm}:${ss} ${h24 < 12 ? "AM" : "PM"}`;
}

/** The credentials block of responseElements: the access key id and expiry only. */
export function auditCredentials(c: CredentialsOutput): Record<string, unknown> {
  return { accessKeyId: c.AccessKeyId, expiration: cloudTrailExpiration(c.Expiration) };
}
