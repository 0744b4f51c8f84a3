/** The one place STS reaches for random identifiers (src/crypto/random-ids.ts and access-key-id.ts own the formats). */
export { randomAccessKeyId } from "../../crypto/access-key-id.js";
export { randomSecretAccessKey } from "../../crypto/random-ids.js";
