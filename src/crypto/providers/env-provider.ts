/** Root key given in the environment (BULWARK_ROOT_KEY, read by src/config): base64 or hex of 32 bytes. */
import { RootKeyError } from "../errors.js";
import { decodeKeyText } from "../key-encoding.js";
import type { RootKeyProvider } from "../root-key-provider.js";

export function envRootKeyProvider(value: string): RootKeyProvider {
  return {
    kind: "env",
    async obtain(): Promise<Buffer> {
      const key = decodeKeyText(value);
      if (key === undefined) {
        throw new RootKeyError("The root key from the environment (BULWARK_ROOT_KEY) must be 32 bytes encoded as base64 or hex");
      }
      return key;
    },
  };
}
