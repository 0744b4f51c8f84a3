/**
 * What the audit record of a call takes from its operation's definition: the SDK's input and
 * output schemas (for redaction and CloudTrail member names) and whether the call is read-only.
 * Shared by the gateway and the in-process calls services make to each other.
 */
import type { OperationDefinition } from "./types.js";

/** CloudTrail readOnly by name, when the definition does not say. */
export const READ_ONLY_OPERATION = /^(Get|List|Describe|Lookup|Check|Search|Simulate|Decode|Verify)/;

/** An operation's input (4) or output (5) structure schema; a static schema may hold it behind a thunk. */
function schemaMember(schema: unknown, index: 4 | 5): unknown {
  if (!Array.isArray(schema)) return undefined;
  const s = schema as unknown[];
  return typeof s[index] === "function" ? (s[index] as () => unknown)() : s[index];
}

export function inputSchemaOf(schema: unknown): unknown {
  return schemaMember(schema, 4);
}

export function outputSchemaOf(schema: unknown): unknown {
  return schemaMember(schema, 5);
}

export function isReadOnly(op: Pick<OperationDefinition, "readOnly"> | undefined, name: string): boolean {
  return op?.readOnly ?? READ_ONLY_OPERATION.test(name);
}
