/**
 * GeoLookup backed by the geoip-country package (MaxMind GeoLite2 country data shipped inside
 * the package, refreshed by package releases; works offline). Loaded lazily on first use.
 */
import { createRequire } from "node:module";
import type { GeoLookup } from "./types.js";

interface GeoipCountry {
  lookup(ip: string): { country?: string } | null;
}

export function createGeoLookup(): GeoLookup {
  let db: GeoipCountry | undefined;
  return {
    country(ip) {
      if (!db) db = createRequire(import.meta.url)("geoip-country") as GeoipCountry;
      const r = db.lookup(ip);
      return r?.country || undefined;
    },
  };
}
