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
import { customKeyStoreNotFound, invalidMarker } from "./errors.js";
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
  input: { CustomKeyStoreName: string; CloudHsmClusterId?: string; CustomKeyStoreType?: string; XksProxyUriEndpoint?: string } & StoreSettings,
): Promise<never> {
  const v = new Violations();
  v.str(input.CustomKeyStoreName, "customKeyStoreName", 1, 256);
  v.str(input.CloudHsmClusterId, "cloudHsmClusterId", 19, 24);
  v.oneOf(input.CustomKeyStoreType, "customKeyStoreType", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"]);
  v.str(input.XksProxyUriEndpoint, "xksProxyUriEndpoint", 10, 128, { re: /^https:\/\/.+$/, text: "^https://[a-zA-Z0-9.-]+$" });
  checkSecretsAndPaths(v, input);
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
  // No list of stores was ever truncated, so no marker was ever handed out.
  if (input.Marker !== undefined) throw invalidMarker("Invalid marker.");
  return { CustomKeyStores: [], Truncated: false };
}

interface StoreSettings {
  KeyStorePassword?: string;
  TrustAnchorCertificate?: string;
  XksProxyUriPath?: string;
  XksProxyVpcEndpointServiceName?: string;
}

/**
 * The length limits of the members CreateCustomKeyStore and UpdateCustomKeyStore share. The
 * password is sensitive: a violation names the member, never the value.
 */
function checkSecretsAndPaths(v: Violations, input: StoreSettings): void {
  if (input.KeyStorePassword !== undefined && (input.KeyStorePassword.length < 7 || input.KeyStorePassword.length > 32)) {
    v.add(undefined, "keyStorePassword", `Member must have length ${input.KeyStorePassword.length < 7 ? "greater than or equal to 7" : "less than or equal to 32"}`);
  }
  v.str(input.TrustAnchorCertificate, "trustAnchorCertificate", 1, 5000);
  v.str(input.XksProxyUriPath, "xksProxyUriPath", 10, 128);
  v.str(input.XksProxyVpcEndpointServiceName, "xksProxyVpcEndpointServiceName", 20, 64);
}

/** ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore, UpdateCustomKeyStore. */
export function storeOperation(op: string) {
  return async (ctx: RequestContext, input: { CustomKeyStoreId: string; NewCustomKeyStoreName?: string; CloudHsmClusterId?: string; XksProxyUriEndpoint?: string } & StoreSettings): Promise<never> => {
    checkStoreId(input.CustomKeyStoreId);
    if (op === "UpdateCustomKeyStore") {
      const v = new Violations();
      v.str(input.NewCustomKeyStoreName, "newCustomKeyStoreName", 1, 256);
      v.str(input.CloudHsmClusterId, "cloudHsmClusterId", 19, 24);
      v.str(input.XksProxyUriEndpoint, "xksProxyUriEndpoint", 10, 128, { re: /^https:\/\/.+$/, text: "^https://[a-zA-Z0-9.-]+$" });
      checkSecretsAndPaths(v, input);
      v.throwIfAny();
    }
    await authorizeIamOnly(ctx, op);
    throw notFoundStore(input.CustomKeyStoreId);
  };
}
