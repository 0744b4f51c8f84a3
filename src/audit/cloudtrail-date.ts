/**
 * How CloudTrail renders timestamps inside requestParameters and responseElements: e.g.
 * "Aug 10, 2022, 10:38:27 PM" (UTC) for KMS CreateKey's keyMetadata.creationDate, ImportKeyMaterial's
 * validTo and STS credentials' expiration (KMS developer guide and IAM user guide examples).
 * eventTime and the userIdentity session dates keep ISO 8601.
 */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function cloudTrailDate(d: Date): string {
  const h24 = d.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  const ss = String(d.getUTCSeconds()).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h12}:${mm}:${ss} ${h24 < 12 ? "AM" : "PM"}`;
}
