/**
 * Placeholder for an HSM-backed root key. A real implementation would keep the key in the
 * token and unwrap a data key stored in meta; until then, refuse clearly.
 */
import { RootKeyError } from "../errors.js";
import type { RootKeyProvider } from "../root-key-provider.js";

export function pkcs11RootKeyProvider(): RootKeyProvider {
  return {
    kind: "pkcs11",
    async obtain(): Promise<Buffer> {
      throw new RootKeyError("PKCS#11 root-key provider is not available in this build");
    },
  };
}
