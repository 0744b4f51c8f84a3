/** IPSet aggregate: CIDR lists referenced by IPSetReferenceStatements. */
import { randomUUID } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { CreateIPSetRequest, IPSet, UpdateIPSetRequest } from "@aws-sdk/client-wafv2";
import { entityArn, type WafScope } from "./arn.js";
import type { Caller, WafDomainDeps } from "./domain-deps.js";
import { checkLock, insertEntity, newLockToken, referrers, removeEntity, replaceEntity, requireEntity, type Where } from "./entities.js";
import { associatedItem, invalidParameter, validation } from "./errors.js";
import { checkDescription, checkEnum, checkName, checkString, checkTags } from "./input.js";
import type { EntityRecord } from "./model.js";
import { fromStoredJson, toStoredJson } from "./stored-json.js";

export const MAX_ADDRESSES = 10_000;
const VERSIONS = ["IPV4", "IPV6"] as const;

/** A CIDR of the given version; /0 is refused like in AWS. */
export function isCidr(s: string, version: "IPV4" | "IPV6"): boolean {
  const slash = s.indexOf("/");
  if (slash <= 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (version === "IPV4") return isIPv4(ip) && n >= 1 && n <= 32;
  // node:net's isIPv6 also takes a zone index (fe80::1%eth0), which is no CIDR.
  return /^[0-9A-Fa-f:.]+$/.test(ip) && isIPv6(ip) && n >= 1 && n <= 128;
}

function checkAddresses(addresses: readonly string[], version: "IPV4" | "IPV6"): string[] {
  if (addresses.length > MAX_ADDRESSES) throw validation("addresses", `[${addresses.length} items]`, `Member must have length less than or equal to ${MAX_ADDRESSES}`);
  const out: string[] = [];
  const seen = new Set<string>();
  addresses.forEach((a, i) => {
    checkString(`addresses.${i + 1}.member`, a, 1, 50, /.*\S.*/);
    if (!isCidr(a, version)) throw invalidParameter("IP_ADDRESS", a, "The IP address isn't valid.");
    // Repeated addresses are stored once.
    if (!seen.has(a)) {
      seen.add(a);
      out.push(a);
    }
  });
  return out;
}

function where(c: Caller, scope: WafScope): Where {
  return { accountId: c.accountId, region: c.region, scope };
}

export async function createIpSet(deps: WafDomainDeps, c: Caller, scope: WafScope, input: CreateIPSetRequest): Promise<EntityRecord> {
  const name = input.Name as string;
  checkName(name);
  checkDescription(input.Description);
  const version = checkEnum("iPAddressVersion", input.IPAddressVersion as string, VERSIONS);
  const addresses = checkAddresses(input.Addresses ?? [], version);
  const tags = input.Tags ? checkTags(input.Tags) : [];
  const id = randomUUID();
  const arn = entityArn("ipset", scope, c.region, c.accountId, name, id);
  const spec: IPSet = { Name: name, Id: id, ARN: arn, ...(input.Description !== undefined ? { Description: input.Description } : {}), IPAddressVersion: version, Addresses: addresses };
  const rec: EntityRecord = {
    kind: "ipset", id, name, scope, region: c.region, accountId: c.accountId, arn, lockToken: newLockToken(),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    spec: toStoredJson(spec), refs: [], tags, createdAt: c.now, updatedAt: c.now,
  };
  await deps.store.transaction((tx) => insertEntity(tx, rec));
  return rec;
}

export async function getIpSet(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string): Promise<{ IPSet: IPSet; LockToken: string }> {
  const rec = await requireEntity(deps.store, "ipset", where(c, scope), name, id);
  return { IPSet: fromStoredJson<IPSet>(rec.spec), LockToken: rec.lockToken };
}

export async function updateIpSet(deps: WafDomainDeps, c: Caller, scope: WafScope, input: UpdateIPSetRequest): Promise<string> {
  checkDescription(input.Description);
  const w = where(c, scope);
  const { token, arn } = await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "ipset", w, input.Name as string, input.Id as string);
    checkLock(rec, input.LockToken as string);
    const version = fromStoredJson<IPSet>(rec.spec).IPAddressVersion as "IPV4" | "IPV6";
    const addresses = checkAddresses(input.Addresses ?? [], version);
    const spec: IPSet = { Name: rec.name, Id: rec.id, ARN: rec.arn, ...(input.Description !== undefined ? { Description: input.Description } : {}), IPAddressVersion: version, Addresses: addresses };
    const { description: _old, ...base } = rec;
    const next: EntityRecord = { ...base, ...(input.Description !== undefined ? { description: input.Description } : {}), spec: toStoredJson(spec) };
    return { token: await replaceEntity(tx, next, c.now), arn: rec.arn };
  });
  await deps.changes.entitiesChanged(w, [arn]);
  return token;
}

export async function deleteIpSet(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string, lockToken: string): Promise<void> {
  const w = where(c, scope);
  await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "ipset", w, name, id);
    checkLock(rec, lockToken);
    if ((await referrers(tx, "webacl", w, rec.arn)).length > 0 || (await referrers(tx, "rulegroup", w, rec.arn)).length > 0) throw associatedItem();
    await removeEntity(tx, rec);
  });
}
