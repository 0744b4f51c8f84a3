/** RegexPatternSet aggregate: regular expressions referenced by RegexPatternSetReferenceStatements. */
import { randomUUID } from "node:crypto";
import type { CreateRegexPatternSetRequest, Regex, RegexPatternSet, UpdateRegexPatternSetRequest } from "@aws-sdk/client-wafv2";
import { entityArn, type WafScope } from "./arn.js";
import type { Caller, WafDomainDeps } from "./domain-deps.js";
import { checkLock, insertEntity, newLockToken, referrers, removeEntity, replaceEntity, requireEntity, type Where } from "./entities.js";
import type { WafEngine } from "./engine-types.js";
import { associatedItem, invalidParameter, limitsExceeded } from "./errors.js";
import { checkDescription, checkName, checkString, checkTags } from "./input.js";
import type { EntityRecord } from "./model.js";
import { fromStoredJson, toStoredJson } from "./stored-json.js";

/** Regular expressions per set (AWS quota). */
export const MAX_REGEXES = 10;
export const MAX_REGEX_LENGTH = 512;

/** Model constraints, then expressions the engine can run (as the service refuses ones it cannot). */
function checkRegexes(engine: WafEngine, list: readonly Regex[]): Regex[] {
  if (list.length > MAX_REGEXES) throw limitsExceeded("RegexPatternSet");
  return list.map((r, i) => {
    const s = r.RegexString ?? "";
    checkString(`regularExpressionList.${i + 1}.member.regexString`, s, 1, MAX_REGEX_LENGTH, /.*/s);
    if (engine.regexProblem(s) !== undefined) throw invalidParameter("REGEX_PATTERN_SET", s, "The regular expression isn't valid.");
    return { RegexString: s };
  });
}

function where(c: Caller, scope: WafScope): Where {
  return { accountId: c.accountId, region: c.region, scope };
}

export async function createRegexPatternSet(deps: WafDomainDeps, c: Caller, scope: WafScope, input: CreateRegexPatternSetRequest): Promise<EntityRecord> {
  const name = input.Name as string;
  checkName(name);
  checkDescription(input.Description);
  const regexes = checkRegexes(deps.engine, input.RegularExpressionList ?? []);
  const tags = input.Tags ? checkTags(input.Tags) : [];
  const id = randomUUID();
  const arn = entityArn("regexpatternset", scope, c.region, c.accountId, name, id);
  const spec: RegexPatternSet = { Name: name, Id: id, ARN: arn, ...(input.Description !== undefined ? { Description: input.Description } : {}), RegularExpressionList: regexes };
  const rec: EntityRecord = {
    kind: "regexpatternset", id, name, scope, region: c.region, accountId: c.accountId, arn, lockToken: newLockToken(),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    spec: toStoredJson(spec), refs: [], tags, createdAt: c.now, updatedAt: c.now,
  };
  await deps.store.transaction((tx) => insertEntity(tx, rec));
  return rec;
}

export async function getRegexPatternSet(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string): Promise<{ RegexPatternSet: RegexPatternSet; LockToken: string }> {
  const rec = await requireEntity(deps.store, "regexpatternset", where(c, scope), name, id);
  return { RegexPatternSet: fromStoredJson<RegexPatternSet>(rec.spec), LockToken: rec.lockToken };
}

export async function updateRegexPatternSet(deps: WafDomainDeps, c: Caller, scope: WafScope, input: UpdateRegexPatternSetRequest): Promise<string> {
  checkDescription(input.Description);
  const regexes = checkRegexes(deps.engine, input.RegularExpressionList ?? []);
  const w = where(c, scope);
  const { token, arn } = await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "regexpatternset", w, input.Name as string, input.Id as string);
    checkLock(rec, input.LockToken as string);
    const spec: RegexPatternSet = { Name: rec.name, Id: rec.id, ARN: rec.arn, ...(input.Description !== undefined ? { Description: input.Description } : {}), RegularExpressionList: regexes };
    const { description: _old, ...base } = rec;
    const next: EntityRecord = { ...base, ...(input.Description !== undefined ? { description: input.Description } : {}), spec: toStoredJson(spec) };
    return { token: await replaceEntity(tx, next, c.now), arn: rec.arn };
  });
  await deps.changes.entitiesChanged(w, [arn]);
  return token;
}

export async function deleteRegexPatternSet(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string, lockToken: string): Promise<void> {
  const w = where(c, scope);
  await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "regexpatternset", w, name, id);
    checkLock(rec, lockToken);
    if ((await referrers(tx, "webacl", w, rec.arn)).length > 0 || (await referrers(tx, "rulegroup", w, rec.arn)).length > 0) throw associatedItem();
    await removeEntity(tx, rec);
  });
}
