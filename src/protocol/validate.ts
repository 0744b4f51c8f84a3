/**
 * Required-member validation of a decoded input, reported the way Coral services do:
 * "Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null".
 * Only @required is checked here: the SDK's schemas carry no length/pattern/range traits,
 * so those constraints belong to the service handlers.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { lowerFirst, requiredMemberCount } from "./schema-util.js";

const MAX_REPORTED = 100;

export function missingRequiredMembers(ns: NormalizedSchema, value: unknown): string[] {
  const out: string[] = [];
  walk(ns, value, "", out);
  return out;
}

function memberPathOf(path: string, name: string): string {
  return path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
}

function walk(ns: NormalizedSchema, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined || out.length >= MAX_REPORTED) return;
  if (ns.isStructSchema()) {
    if (typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const required = ns.isUnionSchema() ? 0 : requiredMemberCount(ns);
    let i = 0;
    for (const [name, member] of ns.structIterator()) {
      const v = Object.hasOwn(record, name) ? record[name] : undefined;
      if (i < required && (v === undefined || v === null)) {
        out.push(`Value null at '${memberPathOf(path, name)}' failed to satisfy constraint: Member must not be null`);
      } else if (v !== undefined && v !== null && isContainer(member)) {
        walk(member, v, memberPathOf(path, name), out);
      }
      i++;
    }
    return;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return;
    const item = ns.getValueSchema();
    if (!isContainer(item)) return;
    for (let i = 0; i < value.length; i++) walk(item, value[i], `${path}.${i + 1}.member`, out);
    return;
  }
  if (ns.isMapSchema()) {
    if (typeof value !== "object") return;
    const item = ns.getValueSchema();
    if (!isContainer(item)) return;
    for (const k of Object.keys(value)) walk(item, (value as Record<string, unknown>)[k], `${path}.${k}`, out);
  }
}

function isContainer(ns: NormalizedSchema): boolean {
  return ns.isStructSchema() || ns.isListSchema() || ns.isMapSchema();
}
