/** MFA on STS requests (GetSessionToken, AssumeRole): AWS's one answer to any failed check. */
import { commonError, type AwsError } from "../../core/errors.js";

/** Unknown serial, a device of someone else, a wrong, stale or replayed code: all the same to the caller. */
export function mfaFailed(): AwsError {
  return commonError(
    "AccessDenied",
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
  );
}
