/**
 * What botocore's token decoder does with a `--starting-token`: base64 (characters outside the
 * standard alphabet dropped), UTF-8, JSON. A service's marker must not yield an object, or the
 * AWS CLI would send the object's members as request parameters instead of the marker.
 */
export function readsAsCliToken(token: string): boolean {
  const b64 = token.replace(/[^A-Za-z0-9+/]/g, "");
  try {
    const v: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(b64, "base64")));
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
