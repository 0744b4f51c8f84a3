/**
 * Reading the SDK's static Smithy schemas: operation tuples, required members, and the
 * error shapes a service models. Everything here is cached per schema object, so the
 * per-request cost is a WeakMap lookup.
 */
import { NormalizedSchema, TypeRegistry } from "@smithy/core/schema";
import type { ServiceDefinition, StaticSchema } from "../services/types.js";

export interface OperationShapes {
  /** Smithy namespace, e.g. "com.amazonaws.sts". */
  namespace: string;
  /** Operation name, e.g. "AssumeRole". */
  name: string;
  input: NormalizedSchema;
  output: NormalizedSchema;
}

const opCache = new WeakMap<object, OperationShapes>();

/** Static operation schema: [9, namespace, name, traits, () => input, () => output]. */
export function operationShapes(schema: StaticSchema): OperationShapes {
  if (!Array.isArray(schema)) throw new Error("protocol: operation schema must be a static schema tuple");
  const cached = opCache.get(schema);
  if (cached) return cached;
  const [kind, namespace, name, , input, output] = schema as unknown[];
  if (kind !== 9 || typeof namespace !== "string" || typeof name !== "string") {
    throw new Error("protocol: not a static operation schema");
  }
  const shapes: OperationShapes = {
    namespace,
    name,
    input: NormalizedSchema.of(input as Parameters<typeof NormalizedSchema.of>[0]),
    output: NormalizedSchema.of(output as Parameters<typeof NormalizedSchema.of>[0]),
  };
  opCache.set(schema, shapes);
  return shapes;
}

const memberCounts = new WeakMap<object, number>();

/** Number of members of a structure (cached per schema); 0 for anything else. */
export function memberCount(ns: NormalizedSchema): number {
  if (!ns.isStructSchema()) return 0;
  const key = ns.getSchema() as unknown;
  if (typeof key !== "object" || key === null) return [...ns.structIterator()].length;
  let n = memberCounts.get(key);
  if (n === undefined) {
    n = [...ns.structIterator()].length;
    memberCounts.set(key, n);
  }
  return n;
}

/**
 * Number of required members of a structure. The SDK's code generator puts required
 * members first and ends the struct tuple with their count:
 * [3, namespace, name, traits, memberNames, memberSchemas, requiredCount?].
 */
export function requiredMemberCount(ns: NormalizedSchema): number {
  const sc: unknown = ns.getSchema();
  if (!Array.isArray(sc)) return 0;
  const n: unknown = sc[6];
  return typeof n === "number" ? n : 0;
}

/** Member name as AWS reports it in validation messages: first letter lower-cased ("SAMLAssertion" → "sAMLAssertion"). */
export function lowerFirst(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

export function traitString(ns: NormalizedSchema, trait: string): string | undefined {
  const v: unknown = (ns.getMergedTraits() as Record<string, unknown>)[trait];
  return typeof v === "string" ? v : undefined;
}

export function hasTrait(ns: NormalizedSchema, trait: string): boolean {
  const v: unknown = (ns.getMergedTraits() as Record<string, unknown>)[trait];
  return v !== undefined && v !== null && v !== false && v !== 0;
}

export interface ErrorShapeInfo {
  schema: NormalizedSchema;
  /** httpError trait of the modelled shape, if any. */
  httpStatus: number | undefined;
  /** awsQueryError trait: the code query-compatible services put in x-amzn-query-error. */
  queryCode: string | undefined;
  /** Name of the message member ("message" or "Message"; AWS services differ). */
  messageMember: string;
}

export interface ServiceShapes {
  namespace: string | undefined;
  /** Modelled errors by shape name (the awsJson wire code). */
  errors: Map<string, ErrorShapeInfo>;
  /** Service is awsQueryCompatible (its errors carry awsQueryError traits). */
  queryCompatible: boolean;
}

const serviceCache = new WeakMap<ServiceDefinition, ServiceShapes>();

export function serviceShapes(svc: ServiceDefinition): ServiceShapes {
  const cached = serviceCache.get(svc);
  if (cached) return cached;
  let namespace: string | undefined;
  for (const name in svc.operations) {
    const op = svc.operations[name];
    if (op) {
      namespace = operationShapes(op.schema).namespace;
      break;
    }
  }
  const errors = new Map<string, ErrorShapeInfo>();
  let queryCompatible = false;
  if (namespace !== undefined) {
    // The client package registers every modelled error in the namespace's registry at import.
    TypeRegistry.for(namespace).find((s) => {
      if (!Array.isArray(s) || s[0] !== -3 || s[1] !== namespace) return false;
      const ns = NormalizedSchema.of(s as Parameters<typeof NormalizedSchema.of>[0]);
      const traits = ns.getMergedTraits() as Record<string, unknown>;
      const http = traits["httpError"];
      const aqe = traits["awsQueryError"];
      const queryCode = Array.isArray(aqe) && typeof aqe[0] === "string" ? aqe[0] : undefined;
      if (queryCode !== undefined) queryCompatible = true;
      let messageMember = "message";
      for (const [m] of ns.structIterator()) {
        if (m === "message") { messageMember = m; break; }
        if (m === "Message") messageMember = m;
      }
      errors.set(String(s[2]), { schema: ns, httpStatus: typeof http === "number" ? http : undefined, queryCode, messageMember });
      return false;
    });
  }
  const shapes: ServiceShapes = { namespace, errors, queryCompatible };
  serviceCache.set(svc, shapes);
  return shapes;
}

/** Operation names must match their schemas, or clients would call something else than what runs. */
export function checkOperations(svc: ServiceDefinition): void {
  for (const [name, op] of Object.entries(svc.operations)) {
    const shapes = operationShapes(op.schema);
    if (shapes.name !== name) {
      throw new Error(`protocol: ${svc.name} operation key ${name} does not match its schema ${shapes.name}`);
    }
  }
}
