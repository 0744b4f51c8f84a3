/** The one place STS reaches for random identifiers (src/crypto/random-ids.ts owns the formats). */
export { randomAccessKeyId, randomSecretAccessKey } from "../../crypto/random-ids.js";
