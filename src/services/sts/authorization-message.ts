/**
 * Encoded authorisation-failure messages (sts:DecodeAuthorizationMessage). A message is
 * sealed with aad bound to the account, so only principals of that account can decode it.
 */
import { AwsError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import { ValidationCollector } from "./validation.js";

function aad(accountId: string): string {
  return `sts/authorization-message/${accountId}`;
}

/** For services that return encoded failure details: the JSON text, sealed for `accountId`. */
export function encodeAuthorizationMessage(sealer: Sealer, accountId: string, decoded: string): string {
  return sealer.sealToString(decoded, aad(accountId));
}

export async function decodeAuthorizationMessage(
  sealer: Sealer,
  input: { EncodedMessage?: string },
  ctx: RequestContext,
): Promise<{ DecodedMessage: string }> {
  const v = new ValidationCollector();
  if (v.required(input.EncodedMessage, "encodedMessage")) v.string(input.EncodedMessage, "encodedMessage", { min: 1, max: 10240 });
  v.throwIfAny();
  await ctx.authorize({ action: "sts:DecodeAuthorizationMessage", resource: "*" });
  try {
    return { DecodedMessage: sealer.unsealString(input.EncodedMessage as string, aad(ctx.principal.accountId)).toString("utf8") };
  } catch {
    throw new AwsError("InvalidAuthorizationMessageException", "The message is not valid or was not issued for this account.", 400);
  }
}
