/**
 * What other services (SSM, Secrets Manager, S3, EBS…) call to use KMS on a caller's behalf
 * ("via service"): the caller's RequestContext is reused, so authorisation is that of the
 * caller, with kms:ViaService = "<service>.<region>.amazonaws.com" (the condition AWS managed
 * key policies require). Each call also records its own KMS CloudTrail event
 * (eventSource kms.amazonaws.com; the caller's identity with `invokedBy`, sourceIPAddress and
 * userAgent the service's host, as CloudTrail shows calls a service makes on a caller's behalf).
 */
import type { DecryptResponse, DescribeKeyResponse, EncryptResponse, GenerateDataKeyResponse } from "@aws-sdk/client-kms";
import { Decrypt$, DescribeKey$, Encrypt$, GenerateDataKey$ } from "@aws-sdk/client-kms";
import { toAwsError } from "../../core/errors.js";
import { inputSchemaOf, outputSchemaOf } from "../operation-facts.js";
import type { RequestContext, Scope } from "../../core/types.js";
import { generateDataKey } from "./data-keys.js";
import { decrypt, encrypt } from "./encrypt.js";
import type { KmsEnv } from "./env.js";
import { describeKey } from "./keys.js";

type Ec = Record<string, string>;

export interface KmsApi {
  /** The AWS managed key of a predefined alias ("aws/ssm" or "alias/aws/ssm"), created on first use. */
  getOrCreateAwsManagedKey(scope: Scope, aliasName: string): Promise<{ keyId: string; arn: string }>;
  encryptFor(ctx: RequestContext, service: string, input: { KeyId: string; Plaintext: Uint8Array; EncryptionContext?: Ec }): Promise<EncryptResponse>;
  decryptFor(ctx: RequestContext, service: string, input: { CiphertextBlob: Uint8Array; KeyId?: string; EncryptionContext?: Ec }): Promise<DecryptResponse>;
  generateDataKeyFor(ctx: RequestContext, service: string, input: { KeyId: string; KeySpec?: "AES_128" | "AES_256"; NumberOfBytes?: number; EncryptionContext?: Ec }): Promise<GenerateDataKeyResponse>;
  describeKeyFor(ctx: RequestContext, service: string, input: { KeyId: string }): Promise<DescribeKeyResponse>;
}

export function createKmsApi(env: KmsEnv, getOrCreate: (scope: Scope, aliasName: string) => Promise<{ keyId: string; arn: string }>): KmsApi {
  async function via<I extends object, O>(ctx: RequestContext, service: string, operation: string, schema: unknown, input: I, fn: (c: RequestContext, viaService: string) => Promise<O>): Promise<O> {
    const host = `${service}.amazonaws.com`;
    const viaService = `${service}.${ctx.scope.region}.amazonaws.com`;
    // A context of its own: the KMS event's resources must not leak into the caller's event.
    const inner: RequestContext = { ...ctx, operation, service: "kms", audit: {}, sourceIp: host, userAgent: host };
    let output: O | undefined;
    let error: { code: string; message: string } | undefined;
    try {
      output = await fn(inner, viaService);
      return output;
    } catch (e) {
      const err = toAwsError(e);
      error = { code: err.code, message: err.message };
      throw e;
    } finally {
      if (env.audit) {
        await env.audit
          .record({
            time: ctx.now,
            requestId: ctx.requestId,
            eventSource: "kms.amazonaws.com",
            service: "kms",
            operation,
            region: ctx.scope.region,
            principal: ctx.principal,
            sourceIp: host,
            userAgent: host,
            invokedBy: host,
            input,
            ...(output !== undefined ? { output } : {}),
            inputSchema: inputSchemaOf(schema),
            outputSchema: outputSchemaOf(schema),
            ...(error ? { error } : {}),
            readOnly: true,
            annotations: inner.audit,
          })
          .catch(() => undefined);
      }
    }
  }
  return {
    getOrCreateAwsManagedKey: getOrCreate,
    encryptFor: (ctx, service, input) => via(ctx, service, "Encrypt", Encrypt$, input, (c, vs) => encrypt(env, c, input, vs)),
    decryptFor: (ctx, service, input) => via(ctx, service, "Decrypt", Decrypt$, input, (c, vs) => decrypt(env, c, input, vs)),
    generateDataKeyFor: (ctx, service, input) => via(ctx, service, "GenerateDataKey", GenerateDataKey$, input, (c, vs) => generateDataKey(env, c, input, vs)),
    describeKeyFor: (ctx, service, input) => via(ctx, service, "DescribeKey", DescribeKey$, input, (c, vs) => describeKey(env, c, input, vs)),
  };
}
