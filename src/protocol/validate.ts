/**
 * Required-member validation of a decoded input, reported the way Coral services do:
 * "Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null".
 * Only @required is checked here: the SDK's schemas carry no length/pattern/range traits,
 * so those constraints belong to the service handlers.
 *
 * The check of a schema is compiled once per schema object (operation input schemas are
 * cached, so once per operation), like the JSON readers: the per-request walk visits only
 * required members and the containers that can hold one, without the schema's iterators.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { lowerFirst, requiredMemberCount } from "./schema-util.js";

const MAX_REPORTED = 100;

export function missingRequiredMembers(ns: NormalizedSchema, value: unknown): string[] {
  const out: string[] = [];
  if (isContainer(ns)) checkOf(ns)(value, "", out);
  return out;
}

/** Appends the missing-member messages of `value` (at `path`) to `out`. */
type Check = (value: unknown, path: string, out: string[]) => void;

const checks = new WeakMap<NormalizedSchema, Check>();

function checkOf(ns: NormalizedSchema): Check {
  let c = checks.get(ns);
  if (c === undefined) {
    c = compileCheck(ns);
    checks.set(ns, c);
  }
  return c;
}

function memberPathOf(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

interface MemberCheck {
  name: string;
  /** The member's name in messages and paths (lowerFirst). */
  pathName: string;
  required: boolean;
  /** The member's own check, when it is a container; undefined when there is nothing inside to check. */
  check: Check | undefined;
}

/**
 * A container's check. What must stay true: the messages, their order and the MAX_REPORTED
 * cut-off are those of a depth-first walk of the value in schema member order that, at each
 * container (entered only while fewer than MAX_REPORTED messages are out), reports the missing
 * required members of a structure and descends into the present container members, list items
 * and map values. Non-container members and collections of non-containers hold nothing to
 * report, so they are left out of the plan.
 */
function compileCheck(ns: NormalizedSchema): Check {
  if (ns.isStructSchema()) {
    // Built on first use: shapes may be recursive.
    let members: MemberCheck[] | undefined;
    return (value, path, out) => {
      if (value === null || value === undefined || out.length >= MAX_REPORTED || typeof value !== "object") return;
      members ??= structMembers(ns);
      const record = value as Record<string, unknown>;
      for (let i = 0; i < members.length; i++) {
        const m = members[i]!;
        const v = Object.hasOwn(record, m.name) ? record[m.name] : undefined;
        if (v === undefined || v === null) {
          if (m.required) out.push(`Value null at '${memberPathOf(path, m.pathName)}' failed to satisfy constraint: Member must not be null`);
        } else if (m.check !== undefined) {
          m.check(v, memberPathOf(path, m.pathName), out);
        }
      }
    };
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    if (!isContainer(item)) return noCheck;
    let itemCheck: Check | undefined;
    return (value, path, out) => {
      if (value === null || value === undefined || out.length >= MAX_REPORTED || !Array.isArray(value)) return;
      itemCheck ??= checkOf(item);
      for (let i = 0; i < value.length; i++) itemCheck(value[i], `${path}.${i + 1}.member`, out);
    };
  }
  if (ns.isMapSchema()) {
    const item = ns.getValueSchema();
    if (!isContainer(item)) return noCheck;
    let itemCheck: Check | undefined;
    return (value, path, out) => {
      if (value === null || value === undefined || out.length >= MAX_REPORTED || typeof value !== "object") return;
      itemCheck ??= checkOf(item);
      const record = value as Record<string, unknown>;
      for (const k of Object.keys(record)) itemCheck(record[k], `${path}.${k}`, out);
    };
  }
  return noCheck;
}

function noCheck(): void {}

function structMembers(ns: NormalizedSchema): MemberCheck[] {
  const required = ns.isUnionSchema() ? 0 : requiredMemberCount(ns);
  const members: MemberCheck[] = [];
  let i = 0;
  for (const [name, member] of ns.structIterator()) {
    const isRequired = i < required;
    const check = isContainer(member) ? compileMemberCheck(member) : undefined;
    if (isRequired || check !== undefined) members.push({ name, pathName: lowerFirst(name), required: isRequired, check });
    i++;
  }
  return members;
}

/** A container member's check, or undefined for a list or map whose values are not containers. */
function compileMemberCheck(member: NormalizedSchema): Check | undefined {
  const c = checkOf(member);
  return c === noCheck ? undefined : c;
}

function isContainer(ns: NormalizedSchema): boolean {
  return ns.isStructSchema() || ns.isListSchema() || ns.isMapSchema();
}
