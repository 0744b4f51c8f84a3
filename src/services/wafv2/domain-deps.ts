/** What the WAFv2 aggregates share: storage, the engine, limits and the change hook. */
import type { Storage } from "../../storage/types.js";
import type { WafEngine } from "./engine-types.js";
import type { Where } from "./entities.js";

/** The caller's account, the request region and time. */
export interface Caller {
  accountId: string;
  region: string;
  now: number;
}

export interface ChangeListener {
  /** Entities (by ARN) changed: web ACLs using them directly or through rule groups are redeployed. */
  entitiesChanged(w: Where, arns: string[]): Promise<void>;
}

export interface WafDomainDeps {
  store: Storage;
  engine: WafEngine;
  changes: ChangeListener;
  /** WCU limit of a web ACL (AWS: 5,000, of which 1,500 are in the base price). */
  webAclCapacityLimit: number;
}

/** Most WCUs a web ACL may use (a fixed AWS WAF quota). */
export const MAX_WEB_ACL_CAPACITY = 5000;
/** Largest Capacity a rule group may declare. */
export const MAX_RULE_GROUP_CAPACITY = 5000;
