/**
 * Tuning of Shield Advanced's application-layer (HTTP flood) detection. Every value can be
 * overridden through the configuration (BULWARK_SHIELD_DETECTION_*); README.md in this
 * folder explains how they combine.
 */

export interface DetectionSettings {
  /** Seconds of per-second request counts the baseline is computed over (a rolling window). */
  baselineSeconds: number;
  /** An event starts when a second's requests exceed max(multiplier × baseline p99, minRequestsPerSecond). */
  multiplier: number;
  /** Absolute floor of the threshold, requests per second: below it nothing is an event. */
  minRequestsPerSecond: number;
  /** Consecutive seconds above the threshold before an event is declared. */
  sustainSeconds: number;
  /** Consecutive seconds at or below the threshold before an event is over. */
  cooldownSeconds: number;
  /** Heavy-hitter counters kept per attribute (source IP, URL, user agent, referrer). */
  topK: number;
  /** How often idle resources are evaluated and ongoing events persisted, ms. */
  tickMs: number;
  /** How often an ongoing event's counters are written to storage, seconds. */
  persistSeconds: number;
}

export const DEFAULT_DETECTION_SETTINGS: Readonly<DetectionSettings> = Object.freeze({
  baselineSeconds: 3600,
  multiplier: 3,
  minRequestsPerSecond: 100,
  sustainSeconds: 10,
  cooldownSeconds: 30,
  topK: 64,
  tickMs: 1000,
  persistSeconds: 5,
});

/** Defaults completed with the given values; integers where counts are meant, at least 1. */
export function resolveDetectionSettings(given: Partial<DetectionSettings> = {}): DetectionSettings {
  const s = { ...DEFAULT_DETECTION_SETTINGS, ...given };
  const whole = (v: number): number => Math.max(1, Math.floor(v));
  return {
    baselineSeconds: whole(s.baselineSeconds),
    multiplier: Math.max(1, s.multiplier),
    minRequestsPerSecond: Math.max(0, s.minRequestsPerSecond),
    sustainSeconds: whole(s.sustainSeconds),
    cooldownSeconds: whole(s.cooldownSeconds),
    topK: Math.max(5, Math.floor(s.topK)),
    tickMs: Math.max(10, Math.floor(s.tickMs)),
    persistSeconds: whole(s.persistSeconds),
  };
}
