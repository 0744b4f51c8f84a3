/**
 * Which key states each operation accepts, and the exception (with AWS's wording) a key in
 * any other state produces. Source: "Key states of AWS KMS keys" (developer guide).
 */
import { disabled, invalidState } from "./errors.js";
import type { KeyRecord, KeyState } from "./model.js";

export type StateRule = ReadonlySet<KeyState>;

const S = (...s: KeyState[]): StateRule => new Set(s);

export const STATES = {
  /** Cryptographic operations: only an enabled key. */
  crypto: S("Enabled"),
  /** Reads of metadata, policy, grants, tags. */
  any: S("Enabled", "Disabled", "PendingDeletion", "PendingImport", "PendingReplicaDeletion", "Unavailable", "Creating", "Updating"),
  /** Management changes that a key pending deletion refuses. */
  manage: S("Enabled", "Disabled", "PendingImport", "Unavailable", "Creating", "Updating"),
  /** CreateGrant: refused for a disabled key, one pending import and one pending deletion; allowed while unavailable. */
  grant: S("Enabled", "Unavailable", "Creating", "Updating"),
  enableDisable: S("Enabled", "Disabled"),
  rotation: S("Enabled"),
  cancelDeletion: S("PendingDeletion", "PendingReplicaDeletion"),
  import: S("Enabled", "Disabled", "PendingImport"),
  /**
   * DeleteImportedKeyMaterial: also a key pending deletion, whose state it leaves unchanged (API
   * reference: "When the specified KMS key is in the PendingDeletion state, this operation does
   * not change the KMS key's state. Otherwise, it changes the KMS key's state to PendingImport").
   */
  deleteImported: S("Enabled", "Disabled", "PendingImport", "PendingDeletion"),
  replicate: S("Enabled", "Disabled"),
} as const;

/** Throws the exception AWS gives for `key` in a state `rule` does not accept. */
export function assertState(key: Pick<KeyRecord, "arn" | "state">, rule: StateRule): void {
  if (rule.has(key.state)) return;
  const arn = key.arn;
  if (rule === STATES.cancelDeletion) throw invalidState(`${arn} is not pending deletion.`);
  switch (key.state) {
    case "Disabled":
      throw disabled(`${arn} is disabled.`);
    case "PendingDeletion":
      throw invalidState(`${arn} is pending deletion.`);
    case "PendingReplicaDeletion":
      throw invalidState(`${arn} is pending replica deletion.`);
    case "PendingImport":
      throw invalidState(`${arn} is pending import.`);
    case "Unavailable":
      // A key in a disconnected custom key store (the table's footnote: not the retryable KeyUnavailableException).
      throw invalidState(`${arn} is unavailable.`);
    case "Creating":
      throw invalidState(`${arn} is creating.`);
    case "Updating":
      throw invalidState(`${arn} is updating.`);
    case "Enabled":
      throw invalidState(`${arn} is enabled.`);
  }
}
