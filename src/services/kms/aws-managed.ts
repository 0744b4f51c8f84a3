/**
 * AWS managed keys (alias/aws/<service>): created on first use, owned by the account but
 * managed by AWS — their key policy allows use only through the owning service
 * (kms:ViaService + kms:CallerAccount) and direct reads of metadata, so key management
 * calls are refused as AccessDenied like on AWS. They rotate every year.
 */
import type { Scope } from "../../core/types.js";
import { generateKeyMaterialAsync, newKeyMaterialId } from "./crypto/index.js";
import { newKeyId, newKeyRecord } from "./keys.js";
import type { KmsEnv } from "./env.js";
import { DAY_MS } from "./env.js";
import { validation } from "./errors.js";
import { aliasArnOf, keyArnOf, type KeyRecord } from "./model.js";
import { AWS_MANAGED_ALIASES, awsManagedKeyPolicy } from "./policy-text.js";
import { ROTATE_KEY_JOB, rotateJobId } from "./rotation.js";

const ALIAS = /^alias\/aws\/[a-zA-Z0-9/_-]+$/;

export function createAwsManagedKeys(getEnv: () => KmsEnv) {
  const inFlight = new Map<string, Promise<{ keyId: string; arn: string }>>();

  async function create(scope: Scope, aliasName: string): Promise<{ keyId: string; arn: string }> {
    const env = getEnv();
    const existing = await env.repo.getAlias(scope, aliasName);
    if (existing) return { keyId: existing.targetKeyId, arn: keyArnOf(scope.accountId, scope.region, existing.targetKeyId) };
    const now = env.clock.now();
    const name = AWS_MANAGED_ALIASES[aliasName]?.name ?? aliasName.slice("alias/aws/".length);
    const rec = newKeyRecord(scope, now, {
      keyId: newKeyId(false),
      spec: "SYMMETRIC_DEFAULT",
      usage: "ENCRYPT_DECRYPT",
      origin: "AWS_KMS",
      description: `Default key that protects my ${name} data when no other key is defined`,
      policy: awsManagedKeyPolicy(scope.accountId, scope.region, aliasName),
      tags: [],
      multiRegion: false,
      manager: "AWS",
    });
    const materialId = newKeyMaterialId();
    const key: KeyRecord = {
      ...rec,
      rotation: { enabled: true, periodDays: 365, nextRotationAt: now + 365 * DAY_MS, onDemandCount: 0 },
      currentMaterialId: materialId,
      materials: [{ id: materialId, createdAt: now, state: "CURRENT" }],
    };
    const material = await generateKeyMaterialAsync(key.keySpec);
    // Key, material, alias and rotation job in one transaction: a crash leaves all or none of them
    // (no key without its alias, which the next first use would duplicate).
    let created = false;
    try {
      await env.repo.store.transaction(async (tx) => {
        const alias = { aliasName, aliasArn: aliasArnOf(scope.accountId, scope.region, aliasName), targetKeyId: key.keyId, createdAt: now, updatedAt: now };
        if (!(await env.repo.insertAliasIn(tx, scope, alias))) return; // another process won the race: keep its key
        await env.repo.putMaterial(tx, key, materialId, material);
        await env.repo.indexKey(tx, key);
        await env.repo.putKey(key, tx);
        await env.scheduler?.scheduleIn(tx, ROTATE_KEY_JOB, now + 365 * DAY_MS, { accountId: scope.accountId, region: scope.region, keyId: key.keyId }, rotateJobId(key.arn));
        created = true;
      });
    } finally {
      env.repo.invalidateKey(scope.accountId, scope.region, key.keyId);
    }
    if (!created) {
      const winner = await env.repo.getAlias(scope, aliasName);
      if (!winner) throw validation(`Alias ${aliasName} could not be created.`);
      return { keyId: winner.targetKeyId, arn: keyArnOf(scope.accountId, scope.region, winner.targetKeyId) };
    }
    return { keyId: key.keyId, arn: key.arn };
  }

  /** The AWS managed key behind `alias` ("alias/aws/<service>" or "aws/<service>"), created on first use. */
  return function getOrCreate(scope: Scope, alias: string): Promise<{ keyId: string; arn: string }> {
    const aliasName = alias.startsWith("aws/") ? `alias/${alias}` : alias;
    if (!ALIAS.test(aliasName)) return Promise.reject(validation(`${aliasName} is not an AWS managed key alias (alias/aws/<service>).`));
    const k = `${scope.accountId}/${scope.region}/${aliasName}`;
    let p = inFlight.get(k);
    if (!p) {
      p = create(scope, aliasName).finally(() => inFlight.delete(k));
      inFlight.set(k, p);
    }
    return p;
  };
}
