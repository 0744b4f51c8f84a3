/**
 * Custom key stores (AWS CloudHSM and external key stores) are not offered: this
 * installation has no CloudHSM clusters and makes no outbound connections. Each operation
 * validates its input, authorises like AWS (IAM policy, resource "*"), then answers with
 * the exception the real service gives when the store or its backing resource does not exist.
 */
import { AwsError } from "../../core/errors.js";
import type { DescribeCustomKeyStoresResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeIamOnly } from "./authorize.js";
import { customKeyStoreNotFound } from "./errors.js";
import { validateLimit, validateMarker, Violations } from "./validation.js";

function notFoundStore(id: string): AwsError {
  return customKeyStoreNotFound(`Custom key store ${id} is not found.`);
}

function checkStoreId(id: string | undefined): void {
  const v = new Violations();
  v.str(id, "customKeyStoreId", 1, 64);
  v.throwIfAny();
}

export async function createCustomKeyStore(
  ctx: RequestContext,
  input: { CustomKeyStoreName: string; CloudHsmClusterId?: string; CustomKeyStoreType?: string; XksProxyUriEndpoint?: string },
): Promise<never> {
  const v = new Violations();
  v.str(input.CustomKeyStoreName, "customKeyStoreName", 1, 256);
  v.str(input.CloudHsmClusterId, "cloudHsmClusterId", 19, 24);
  v.oneOf(input.CustomKeyStoreType, "customKeyStoreType", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"]);
  v.str(input.XksProxyUriEndpoint, "xksProxyUriEndpoint", 10, 128, { re: /^https:\/\/.+$/, text: "^https://[a-zA-Z0-9.-]+$" });
  v.throwIfAny();
  await authorizeIamOnly(ctx, "CreateCustomKeyStore");
  if ((input.CustomKeyStoreType ?? "AWS_CLOUDHSM") === "EXTERNAL_KEY_STORE") {
    throw new AwsError("XksProxyUriUnreachableException", "KMS was unable to reach the external key store proxy at the specified URI endpoint.", 400);
  }
  throw new AwsError(
    "CloudHsmClusterNotFoundException",
    `AWS KMS cannot find the AWS CloudHSM cluster with the specified cluster ID${input.CloudHsmClusterId ? ` ${input.CloudHsmClusterId}` : ""}.`,
    400,
  );
}

export async function describeCustomKeyStores(ctx: RequestContext, input: { CustomKeyStoreId?: string; CustomKeyStoreName?: string; Limit?: number; Marker?: string }): Promise<DescribeCustomKeyStoresResponse> {
  const v = new Violations();
  v.str(input.CustomKeyStoreId, "customKeyStoreId", 1, 64);
  v.str(input.CustomKeyStoreName, "customKeyStoreName", 1, 256);
  validateLimit(v, input.Limit);
  validateMarker(v, input.Marker);
  v.throwIfAny();
  await authorizeIamOnly(ctx, "DescribeCustomKeyStores");
  if (input.CustomKeyStoreId !== undefined) throw notFoundStore(input.CustomKeyStoreId);
  if (input.CustomKeyStoreName !== undefined) throw customKeyStoreNotFound(`Custom key store with name ${input.CustomKeyStoreName} is not found.`);
  return { CustomKeyStores: [], Truncated: false };
}

/** ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore, UpdateCustomKeyStore. */
export function storeOperation(op: string) {
  return async (ctx: RequestContext, input: { CustomKeyStoreId: string }): Promise<never> => {
    checkStoreId(input.CustomKeyStoreId);
    await authorizeIamOnly(ctx, op);
    throw notFoundStore(input.CustomKeyStoreId);
  };
}
