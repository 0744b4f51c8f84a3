/** Policy documents: validation through the policy engine, size limits, wire encoding. */
import { parsePolicy, PolicyParseError, type ParseOptions } from "../../iam/policy/index.js";
import { malformedPolicyDocument } from "./errors.js";
import type { PolicyDocumentKind } from "./env.js";

/** Validates with the real policy engine; its messages are IAM's MalformedPolicyDocument texts. */
export function validateWithPolicyEngine(text: string, kind: PolicyDocumentKind, options?: ParseOptions): void {
  try {
    parsePolicy(text, kind, options);
  } catch (e) {
    if (e instanceof PolicyParseError) throw malformedPolicyDocument(e.message);
    throw e;
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986), as it stored them. */
export function encodeDocument(document: string): string {
  return encodeURIComponent(document);
}
