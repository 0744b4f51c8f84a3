/** MFA on STS requests (GetSessionToken, AssumeRole): AWS's one answer to any failed check. */
import { commonError, type AwsError } from "../../core/errors.js";
import type { Principal } from "../../core/types.js";
import type { IamApi } from "../iam/api.js";

/**
 * Why the MFA check failed, worded as AWS words it: a serial number without a token code (or the
 * reverse); a serial that is not a device of the caller (unknown, someone else's, or a caller
 * that is not an IAM user); a wrong, stale or replayed code of the caller's own device.
 */
export type MfaFailure = "incomplete" | "unknown-device" | "invalid-code";

export function mfaFailed(why: MfaFailure): AwsError {
  switch (why) {
    case "incomplete":
      return commonError("AccessDenied", "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.");
    case "unknown-device":
      return commonError(
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
      );
    case "invalid-code":
      return commonError("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.");
  }
}

/** The MFA check of GetSessionToken and AssumeRole: throws unless the caller's device accepts the code. */
export async function checkMfa(iam: Pick<IamApi, "verifyMfaCode">, principal: Principal, serialNumber: string | undefined, tokenCode: string | undefined, now: number): Promise<void> {
  if (serialNumber === undefined || tokenCode === undefined) throw mfaFailed("incomplete");
  if (principal.type !== "IAMUser") throw mfaFailed("unknown-device");
  const check = await iam.verifyMfaCode(principal.accountId, principal.principalId, serialNumber, tokenCode, now);
  if (check !== "valid") throw mfaFailed(check);
}
