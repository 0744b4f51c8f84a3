/**
 * The id of a new long-term access key (a user's or the root user's). Fresh ids carry their
 * account (crypto/access-key-id.ts), leaving 39 random bits per account: a drawn id that is
 * already some user's or root's key is drawn again. An id the operator gave (bootstrap) is
 * used as it is, or refused when taken.
 */
import { commonError } from "../../core/errors.js";
import { randomAccessKeyId } from "../../crypto/access-key-id.js";
import type { DocStore } from "../../storage/types.js";
import { COLLECTIONS } from "./model.js";

/** Draws before giving up (one draw collides with probability: keys stored for the account / 2^39). */
const MAX_DRAWS = 8;

export async function freeAccessKeyId(tx: DocStore, accountId: string, given?: string, draw: () => string = () => randomAccessKeyId("AKIA", accountId)): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const id = given ?? draw();
    if (!(await tx.get(COLLECTIONS.accessKeyIndex, id)) && !(await tx.get(COLLECTIONS.rootAccessKeys, id))) return id;
    if (given !== undefined || attempt >= MAX_DRAWS) {
      // A given (bootstrap) key id that is already in use, or MAX_DRAWS collisions in a row.
      throw commonError("InternalFailure", "We encountered an internal error. Please try again.");
    }
  }
}
