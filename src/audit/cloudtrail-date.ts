/**
 * How CloudTrail renders timestamps inside requestParameters and responseElements: e.g.
 * "Aug 10, 2022, 10:38:27 PM" (UTC) for KMS CreateKey's keyMetadata.creationDate, ImportKeyMaterial's
 * validTo and STS credentials' expiration (KMS developer guide and IAM user guide examples).
 * eventTime and the userIdentity session dates keep ISO 8601. IAM writes its dates without the
 * comma after the year: "Aug 1, 2024 1:33:28 PM" (createDate in its recorded CreateUser,
 * CreateAccessKey, CreateLoginProfile and CreateRole events).
 */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function format(d: Date, afterYear: string): string {
  const h24 = d.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  const ss = String(d.getUTCSeconds()).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCDate()}, ${d.getUTCFullYear()}${afterYear}${h12}:${mm}:${ss} ${h24 < 12 ? "AM" : "PM"}`;
}

export function cloudTrailDate(d: Date): string {
  return format(d, ", ");
}

/** IAM's form: "Aug 1, 2024 1:33:28 PM". */
export function iamCloudTrailDate(d: Date): string {
  return format(d, " ");
}

/** The date form of a service's events, by its eventSource. */
export function cloudTrailDateFor(eventSource: string): (d: Date) => string {
  return eventSource === "iam.amazonaws.com" ? iamCloudTrailDate : cloudTrailDate;
}
