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
  input: { CustomKeyStoreName: string; CustomKeyStoreType?: string } & StoreSettings,
): Promise<never> {
  const v = new Violations();
  v.str(input.CustomKeyStoreName, "customKeyStoreName", 1, 256);
  checkStoreSettings(v, input);
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
  CloudHsmClusterId?: string;
  TrustAnchorCertificate?: string;
  KeyStorePassword?: string;
  CustomKeyStoreType?: string;
  XksProxyUriEndpoint?: string;
  XksProxyUriPath?: string;
  XksProxyVpcEndpointServiceName?: string;
  XksProxyVpcEndpointServiceOwner?: string;
  XksProxyAuthenticationCredential?: { AccessKeyId?: string; RawSecretAccessKey?: string };
  XksProxyConnectivity?: string;
}

const STORE_PATTERNS = {
  cloudHsmClusterId: { re: /^cluster-[2-7a-zA-Z]{11,16}$/, text: "cluster-[2-7a-zA-Z]{11,16}" },
  uriEndpoint: { re: /^https:\/\/[a-zA-Z0-9.-]+$/, text: "^https://[a-zA-Z0-9.-]+$" },
  uriPath: { re: /^(\/[a-zA-Z0-9/_-]+\/kms\/xks\/v\d{1,2})$|^(\/kms\/xks\/v\d{1,2})$/, text: "^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$" },
  vpcEndpointServiceName: {
    re: /^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$/,
    text: "^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$",
  },
  accountId: { re: /^[0-9]{12}$/, text: "[0-9]{12}" },
  xksAccessKeyId: { re: /^[A-Z2-7]+$/, text: "^[A-Z2-7]+$" },
  xksSecretAccessKey: { re: /^[a-zA-Z0-9/+=]+$/, text: "^[a-zA-Z0-9\\/+=]+$" },
} as const;

/**
 * The model constraints of the store settings CreateCustomKeyStore and UpdateCustomKeyStore
 * share, in the model's member order. The password and the proxy credential are sensitive: a
 * violation names the member, never the value.
 */
function checkStoreSettings(v: Violations, input: StoreSettings): void {
  v.str(input.CloudHsmClusterId, "cloudHsmClusterId", 19, 24, STORE_PATTERNS.cloudHsmClusterId);
  v.str(input.TrustAnchorCertificate, "trustAnchorCertificate", 1, 5000);
  v.secret(input.KeyStorePassword, "keyStorePassword", 7, 32);
  v.oneOf(input.CustomKeyStoreType, "customKeyStoreType", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"]);
  v.str(input.XksProxyUriEndpoint, "xksProxyUriEndpoint", 10, 128, STORE_PATTERNS.uriEndpoint);
  v.str(input.XksProxyUriPath, "xksProxyUriPath", 10, 128, STORE_PATTERNS.uriPath);
  v.str(input.XksProxyVpcEndpointServiceName, "xksProxyVpcEndpointServiceName", 20, 64, STORE_PATTERNS.vpcEndpointServiceName);
  v.str(input.XksProxyVpcEndpointServiceOwner, "xksProxyVpcEndpointServiceOwner", 12, 12, STORE_PATTERNS.accountId);
  const cred = input.XksProxyAuthenticationCredential;
  if (cred !== undefined && cred !== null) {
    v.secret(cred.AccessKeyId, "xksProxyAuthenticationCredential.accessKeyId", 20, 30, STORE_PATTERNS.xksAccessKeyId);
    v.secret(cred.RawSecretAccessKey, "xksProxyAuthenticationCredential.rawSecretAccessKey", 43, 64, STORE_PATTERNS.xksSecretAccessKey);
  }
  v.oneOf(input.XksProxyConnectivity, "xksProxyConnectivity", ["PUBLIC_ENDPOINT", "VPC_ENDPOINT_SERVICE"]);
}

/** ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore, UpdateCustomKeyStore. */
export function storeOperation(op: string) {
  return async (ctx: RequestContext, input: { CustomKeyStoreId: string; NewCustomKeyStoreName?: string } & Omit<StoreSettings, "CustomKeyStoreType">): Promise<never> => {
    if (op === "UpdateCustomKeyStore") {
      const v = new Violations();
      v.str(input.CustomKeyStoreId, "customKeyStoreId", 1, 64);
      v.str(input.NewCustomKeyStoreName, "newCustomKeyStoreName", 1, 256);
      checkStoreSettings(v, input);
      v.throwIfAny();
    } else {
      checkStoreId(input.CustomKeyStoreId);
    }
    await authorizeIamOnly(ctx, op);
    throw notFoundStore(input.CustomKeyStoreId);
  };
}
