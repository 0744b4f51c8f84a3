/** Stored associations between web ACLs and protected resources (one web ACL per resource). */
import type { DocStore } from "../../storage/types.js";
import { ASSOCIATION_COLLECTION, associationKey, type AssociationRecord } from "./model.js";

export async function getAssociation(db: DocStore, accountId: string, region: string, resourceArn: string): Promise<AssociationRecord | undefined> {
  return db.get<AssociationRecord>(ASSOCIATION_COLLECTION, associationKey(accountId, region, resourceArn));
}

export async function putAssociation(db: DocStore, accountId: string, region: string, rec: AssociationRecord): Promise<void> {
  await db.put(ASSOCIATION_COLLECTION, associationKey(accountId, region, rec.resourceArn), rec);
}

export async function deleteAssociation(db: DocStore, accountId: string, region: string, resourceArn: string): Promise<boolean> {
  return db.delete(ASSOCIATION_COLLECTION, associationKey(accountId, region, resourceArn));
}

/** Associations of one web ACL (by ARN) in an account and region. */
export async function associationsOf(db: DocStore, accountId: string, region: string, webAclArn: string): Promise<AssociationRecord[]> {
  const rows = await db.list<AssociationRecord>(ASSOCIATION_COLLECTION, { prefix: `${accountId}/${region}/` });
  return rows.map((r) => r.value).filter((a) => a.webAclArn === webAclArn);
}

/** Every association of every account and region (start-up redeployment). */
export async function allAssociations(db: DocStore): Promise<Array<{ accountId: string; region: string; rec: AssociationRecord }>> {
  const rows = await db.list<AssociationRecord>(ASSOCIATION_COLLECTION);
  return rows.map((r) => {
    const [accountId = "", region = ""] = r.key.split("/", 2);
    return { accountId, region, rec: r.value };
  });
}
