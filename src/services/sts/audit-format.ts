/** CloudTrail's rendering of STS response elements (credentials without the secret or token). */
import type { CredentialsOutput } from "./credentials.js";
import { cloudTrailDate } from "../../audit/cloudtrail-date.js";

/** CloudTrail writes STS expirations as e.g. "Jan 2, 2024, 3:04:05 PM" (UTC). */
export const cloudTrailExpiration = cloudTrailDate;

/** The credentials block of responseElements: the access key id and expiry only. */
export function auditCredentials(c: CredentialsOutput): Record<string, unknown> {
  return { accessKeyId: c.AccessKeyId, expiration: cloudTrailExpiration(c.Expiration) };
}
