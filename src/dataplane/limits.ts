/** Shield standard protections every listener enforces (configured in src/config). */
import type { DataPlaneConfig } from "../config/config.js";

export type ShieldLimits = DataPlaneConfig["limits"];
export { DEFAULT_DATAPLANE_LIMITS } from "../config/config.js";
